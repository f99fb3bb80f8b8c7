// The package pages over the demo workspace (VP-0001 approved, VP-0002 in review with the fault
// showcase's open deviation): the list and its filter, a new draft with errors beside the fields,
// the review screen (trace-matrix gaps in words, manifest digest, sign-off, manifestations), the
// controls each role sees and the server refuses, the workflow with its audit events, and the
// downloads as audited exports.
import { expect } from 'chai';
import type { Server } from 'node:http';
import { GAP_WORDS, presentTrace } from '../../src/web/package-views.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { buildPackageManifest } from '../support/package-fixtures.js';
import { createDemoWorkbench } from '../support/demo-workbench.js';
import type { TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

describe('package views: the trace matrix in words', () => {
  it('writes every kind of gap out and marks its row, and leaves covered rows unmarked', () => {
    const manifest = buildPackageManifest({ interfaces: 2, runs: 4, failEvery: 2, withGaps: true });
    const trace = presentTrace(manifest.traceMatrix, manifest);
    const gapTexts = new Set(trace.rows.filter((r) => r.gap).map((r) => r.gapText));
    expect([...gapTexts]).to.include.members([`${GAP_WORDS.no_scenario} (noted: verified outside the workbench, as the plan says)`, GAP_WORDS.failed_without_closed_deviation]);
    expect(GAP_WORDS.not_run_for_record).to.match(/not run/);
    expect(GAP_WORDS.failed_without_closed_deviation).to.match(/failed without a closed deviation/);
    expect(GAP_WORDS.no_scenario).to.match(/no scenario/);
    // Blocking gaps (open items) are red rows; noted ones amber; covered rows unmarked.
    for (const row of trace.rows) expect(row.rowClass).to.equal(row.weight === 'blocking' ? 'row-gap' : row.weight === 'noted' ? 'row-noted' : '');
    for (const row of trace.rows.filter((r) => r.gap === 'failed_without_closed_deviation')) expect(row.weight).to.equal('blocking');
    for (const row of trace.rows.filter((r) => r.gap === 'no_scenario')) expect(row.weight).to.equal('noted');
    expect(trace.gaps).to.equal(manifest.traceMatrix.filter((r) => r.gap).length);
    expect(trace.blocking + trace.noted).to.equal(trace.gaps);
  });
});

describeEachDatabase('package pages', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  const web = {} as Record<'it' | 'qa' | 'auditor' | 'admin', WebSession>;
  let approvedId: number;
  let inReviewId: number;

  before(async function () {
    this.timeout(240_000);
    ({ wb, server } = await createDemoWorkbench(dialect));
    const [inReview, approved] = await wb.services.packages.list();
    expect(approved!.status).to.equal('approved');
    expect(inReview!.status).to.equal('in-review');
    approvedId = approved!.id;
    inReviewId = inReview!.id;
    for (const role of ['it', 'qa', 'auditor', 'admin'] as const) web[role] = await signInWeb(wb.app, role);
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('lists the packages with their state in words, scope, version and who created them; filters by state', async () => {
    const page = await web.auditor.get('/packages');
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('VP-0001 v1').and.contain('VP-0002 v1');
    expect(page.text).to.match(/badge badge-approved">Approved for use</).and.match(/badge badge-in-review">In review</);
    expect(page.text).to.contain('IF-WMS-ERP-002 (contract v1)');
    expect(page.text).to.match(/<time datetime="[^"]+">[^<]+ (UTC|GMT)/);
    expect(page.text).to.not.contain('New package');
    const filtered = await web.auditor.get('/packages?state=in-review');
    expect(filtered.text).to.contain('VP-0002').and.not.contain('VP-0001');
    const none = await web.qa.get('/packages?state=superseded');
    expect(none.text).to.contain('No package is in this state.');
    expect((await web.qa.get('/packages')).text).to.contain('href="/packages/new"');
    expect((await web.qa.get('/packages?state=bogus')).status).to.equal(400);
  });

  it('shows the review screen: release statement, scope, trace gaps in words, runs, deviations, manifest digest, sign-off and manifestations', async () => {
    const frozen = (await wb.services.packages.manifest(inReviewId))!;
    const page = await web.qa.get(`/packages/${inReviewId}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(frozen.manifest.summary.releaseStatement.slice(0, 40).replace(/&/g, '&amp;'));
    expect(page.text).to.contain(frozen.digest);
    expect(page.text).to.match(/<tr class="row-gap">/);
    expect(page.text).to.contain('Gap: failed without a closed deviation');
    expect(page.text).to.match(/Deviation \d+<\/strong>/);
    expect(page.text).to.contain('Signatures required for submission 1');
    expect(page.text).to.match(/badge-pending">Missing/);

    const approved = await web.auditor.get(`/packages/${approvedId}`);
    // Part 11 §11.50: printed name, date and time with zone, meaning, and validity in words.
    expect(approved.text).to.match(/class="manifestation"/);
    expect(approved.text).to.match(/manifestation-name">[^<]+ <span class="muted">\(qa2,/);
    expect(approved.text).to.match(/<strong>approved<\/strong>/);
    expect(approved.text).to.match(/<time datetime="[^"]+">[^<]+:\d\d:\d\d (UTC|GMT)/);
    expect(approved.text).to.contain('Valid — the record is unchanged since it was signed');
  });

  it('shows each role only the controls it may use: QA signs and rejects, the auditor downloads, the administrator only reads', async () => {
    const qa = (await web.qa.get(`/packages/${inReviewId}`)).text;
    // Handlebars writes `=` and `&` in attributes as entities; a browser reads them back.
    expect(qa.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')).to.contain(`href="/sign/package/${inReviewId}?meaning=approved&returnTo=%2Fpackages%2F${inReviewId}"`);
    expect(qa).to.contain(`action="/packages/${inReviewId}/reject"`);
    expect(qa).to.contain(`href="/packages/${inReviewId}/pdf"`);

    const auditor = (await web.auditor.get(`/packages/${inReviewId}`)).text;
    expect(auditor).to.contain(`href="/packages/${inReviewId}/pdf"`).and.contain(`href="/packages/${inReviewId}/bundle"`);
    expect(auditor).to.not.contain('/sign/');
    expect(auditor).to.not.contain(`action="/packages/${inReviewId}/reject"`);
    expect(auditor).to.not.contain('/submit"');
    expect(auditor).to.not.contain('/versions"');

    const admin = (await web.admin.get(`/packages/${inReviewId}`)).text;
    expect(admin).to.not.contain('/sign/').and.not.contain('/pdf"').and.not.contain('/reject"');
    expect((await web.admin.get(`/packages/${inReviewId}/pdf`)).status).to.equal(403);
    expect((await web.auditor.post(`/packages/${inReviewId}/reject`, { reason: 'auditor tries' })).status).to.equal(403);
    expect((await web.it.post(`/packages/${inReviewId}/reject`, { reason: 'it tries' })).status).to.equal(403);

    // IT may not reject, but sees the approved package's "Start next version".
    expect((await web.it.get(`/packages/${inReviewId}`)).text).to.not.contain('/reject"');
    expect((await web.it.get(`/packages/${approvedId}`)).text).to.contain(`action="/packages/${approvedId}/versions"`);
    expect((await web.auditor.get(`/packages/${approvedId}`)).text).to.not.contain('/versions"');
  });

  it('shows QA what still blocks the release of a package in review, in words, and refuses its approval while blocked', async () => {
    const blockers = await wb.services.packages.approvalBlockers({ actor: { userId: null, username: 'system', name: 'test', role: null }, correlationId: 'test', sessionId: null, clientIp: null, userAgent: null }, inReviewId);
    expect(blockers.length).to.be.greaterThan(0);
    const page = await web.qa.get(`/packages/${inReviewId}`);
    expect(page.text).to.contain('Release for use').and.contain('Not yet: approval is blocked by');
    for (const blocker of blockers) expect(page.text).to.contain(blocker.message.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;'));
    expect(page.text).to.not.contain(`action="/packages/${inReviewId}/approve"`);
    for (const role of ['it', 'auditor', 'admin'] as const) expect((await web[role].get(`/packages/${inReviewId}`)).text).to.not.contain('Release for use');
    const before = (await auditEvents(wb.services, { action: 'package.approved' })).length;
    const refused = await web.qa.post(`/packages/${inReviewId}/approve`, { reason: 'looks fine' });
    expect(refused.status).to.equal(409);
    expect(refused.text).to.contain('role="alert"');
    expect((await auditEvents(wb.services, { action: 'package.approved' })).length).to.equal(before);
    expect((await wb.services.packages.get(inReviewId)).status).to.equal('in-review');
    expect((await web.it.post(`/packages/${inReviewId}/approve`, {})).status).to.equal(403);
  });

  it('creates a draft from the form; a bad form is refused beside its field and creates nothing', async () => {
    const before = (await auditEvents(wb.services, { action: 'package.created' })).length;
    const form = await web.it.get('/packages/new');
    expect(form.text).to.contain('<option value="IF-WMS-ERP-002"');
    const noScope = await web.it.post('/packages', { title: 'No scope' });
    expect(noScope.status).to.equal(400);
    expect(noScope.text).to.match(/id="f-scope"[^>]*aria-invalid="true"/);
    expect(noScope.text).to.contain('id="f-scope-error"');
    expect(noScope.text).to.contain('value="No scope"');
    const blank = await web.it.post('/packages', { title: '   ', scope: 'IF-WMS-ERP-002' });
    expect(blank.status).to.equal(400);
    expect(blank.text).to.match(/id="f-title"[^>]*aria-invalid="true"/);
    expect(await auditEvents(wb.services, { action: 'package.created' })).to.have.length(before);
    expect((await web.auditor.post('/packages', { title: 'Auditor', scope: 'IF-WMS-ERP-002' })).status).to.equal(403);

    const created = await web.it.post('/packages', { title: 'Stock status, WMS to ERP', scope: ['IF-WMS-ERP-002'] });
    expect(created.status).to.equal(303);
    const event = await lastAuditEvent(wb.services, 'package.created');
    expect(created.headers.location).to.equal(`/packages/${event!.entity.id}`);
    const page = await web.it.get(created.headers.location);
    expect(page.text).to.contain('Draft ').and.contain('Stock status, WMS to ERP').and.contain(`action="${created.headers.location}/submit"`);
    expect(page.text).to.contain('Not frozen yet');

    const submitted = await web.it.post(`${created.headers.location}/submit`, { reason: 'ready' });
    expect(submitted.status).to.equal(303);
    expect((await lastAuditEvent(wb.services, 'package.submitted'))?.entity.id).to.equal(event!.entity.id);
    const inReview = await web.it.get(created.headers.location);
    expect(inReview.text).to.contain('submitted for review').and.match(/badge-in-review">In review/);
    const again = await web.it.post(`${created.headers.location}/submit`, {});
    expect(again.status).to.equal(409);
    expect(again.text).to.contain('only a draft can be submitted');
  });

  it('QA rejects with a reason (refused without one); the package returns to draft, sent back, audited', async () => {
    const [newest] = await wb.services.packages.list({ status: 'in-review' });
    const noReason = await web.qa.post(`/packages/${newest!.id}/reject`, { reason: '' });
    expect(noReason.status).to.equal(400);
    expect(noReason.text).to.match(/id="f-reason"[^>]*aria-invalid="true"/);
    expect((await wb.services.packages.get(newest!.id)).status).to.equal('in-review');
    const rejected = await web.qa.post(`/packages/${newest!.id}/reject`, { reason: 'the stock interface has no run for record' });
    expect(rejected.status).to.equal(303);
    expect(await lastAuditEvent(wb.services, 'package.rejected')).to.deep.include({ reason: 'the stock interface has no run for record' });
    const page = await web.qa.get(`/packages/${newest!.id}`);
    expect(page.text).to.contain('Draft — sent back from review').and.contain('the stock interface has no run for record');
    expect((await web.qa.get('/packages?state=rejected')).text).to.contain(newest!.key);
  });

  it('starts the next version of an approved package, audited; a second one is refused in words', async () => {
    const started = await web.it.post(`/packages/${approvedId}/versions`, { reason: 'contract v2 of the stock interface' });
    expect(started.status).to.equal(303);
    const event = await lastAuditEvent(wb.services, 'package.version_created');
    expect(event).to.deep.include({ reason: 'contract v2 of the stock interface' });
    expect(started.headers.location).to.equal(`/packages/${event!.entity.id}`);
    const page = await web.it.get(started.headers.location);
    expect(page.text).to.contain('VP-0001 v2').and.contain(`href="/packages/${approvedId}"`);
    const twice = await web.it.post(`/packages/${approvedId}/versions`, { reason: 'again' });
    expect(twice.status).to.equal(409);
    expect(twice.text).to.contain('already has version 2');
  });

  it('downloads the PDF and the bundle as audited exports, exactly as the API does', async () => {
    const before = (await auditEvents(wb.services, { action: 'export.created', entityType: 'package' })).length;
    const pdf = await web.auditor.agent.get(`/packages/${approvedId}/pdf`).buffer(true);
    expect(pdf.status).to.equal(200);
    expect(pdf.headers['content-type']).to.match(/application\/pdf/);
    expect(pdf.headers['repr-digest']).to.match(/^sha-256=/);
    const bundle = await web.auditor.agent.get(`/packages/${approvedId}/bundle`).buffer(true);
    expect(bundle.status).to.equal(200);
    expect(bundle.headers['content-type']).to.match(/zip/);
    const events = await auditEvents(wb.services, { action: 'export.created', entityType: 'package' });
    expect(events).to.have.length(before + 2);
    expect(events.at(-1)!.entity).to.deep.equal({ type: 'package', id: String(approvedId) });
  });

  it('answers 404 for a package that does not exist, and 400 for an id that is not one', async () => {
    expect((await web.qa.get('/packages/999999')).status).to.equal(404);
    expect((await web.qa.get('/packages/999999/pdf')).status).to.equal(404);
    expect((await web.qa.post('/packages/999999/submit', {})).status).to.equal(404);
    expect((await web.qa.get('/packages/abc')).status).to.equal(400);
  });
});
