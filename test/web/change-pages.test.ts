// The change control pages (issue 15) over the real change service: the list, IT's log form, the
// change page with its impact, triage and regression, the transitions, the live regression stream
// over real runs, the PDF as an audited export, and the controls each role sees (and is refused).
import { expect } from 'chai';
import { contentOf as contentOfRow } from '../../src/changes/change-model.js';
import { createHash } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { listenOnLoopback, salesOrderInterfaces } from '../support/runner-fixtures.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

const SMOKE = { key: 'order-lookup-smoke', name: 'An unknown order is a 404', category: 'smoke', steps: [{ name: 'Look up an order that does not exist', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] };

const RELEASE_FORM = {
  type: 'vendor-release',
  title: 'MuleSoft Runtime 4.9 upgrade',
  platform: 'MuleSoft Runtime',
  versionFrom: '4.6',
  versionTo: '4.9',
  plannedDate: '2027-01-15',
  environments: 'test, production',
  releaseItems: 'MULE-1: Audit log record format changed\nConsole colour theme',
  description: 'Quarterly runtime upgrade.',
  justification: 'Vendor end of support for 4.6.',
};

/** The text of an element's visible content, tags dropped (for plain assertions on a page). */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&#x27;/g, "'").replace(/\s+/g, ' ');

describeEachDatabase('change pages', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let web: Record<'it' | 'qa' | 'auditor' | 'admin', WebSession>;
  let tokens: Record<'qa' | 'qa2', string>;
  let id: number;
  // The simulated WMS behind a gate: runs stay running until the test opens it (a deterministic "in progress").
  let gateServer: Server;
  let held: Array<() => void> | null = [];
  const gate = () => (held ? new Promise<void>((resolve) => held!.push(resolve)) : Promise.resolve());
  const openGate = () => {
    for (const release of held ?? []) release();
    held = null;
  };
  const closeGate = () => {
    held ??= [];
  };

  const changeCount = async () => (await wb.services.changes.list()).length;
  const sign = async (meaning: string, token: string, username: string) => {
    const row = await wb.services.changes.get(id);
    return request(wb.app).post('/api/v1/signatures').set('Authorization', `Bearer ${token}`).send({ recordType: 'change', recordId: String(id), version: row.currentVersion, meaning, reason: `change ${meaning}`, username, password: TEST_PASSWORD });
  };

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '2000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    gateServer = http.createServer((req, res) => {
      void gate().then(async () => {
        const upstream = await fetch(`${base}/sim/wms${req.url}`, { method: req.method ?? 'GET', headers: { accept: String(req.headers.accept ?? '*/*') } });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      });
    });
    gateServer.listen(0, '127.0.0.1');
    await new Promise((resolve) => gateServer.once('listening', resolve));
    await salesOrderInterfaces(wb, ['IF-CHG-001', 'IF-CHG-002'], { test: `http://127.0.0.1:${(gateServer.address() as AddressInfo).port}/wms`, sim: `${base}/sim/wms` });
    const qaToken = await wb.login('qa');
    for (const key of ['IF-CHG-001', 'IF-CHG-002']) {
      await request(wb.app).post(`/api/v1/interfaces/${key}/risk-assessments`).set('Authorization', `Bearer ${qaToken}`).send({ modelId: 'gamp5', answers: { severity: 'medium', probability: 'medium', detectability: 'medium' } }).expect(201);
      await request(wb.app).post(`/api/v1/interfaces/${key}/scenarios`).set('Authorization', `Bearer ${await wb.login('it')}`).send(SMOKE).expect(201);
    }
    web = { it: await signInWeb(wb.app, 'it'), qa: await signInWeb(wb.app, 'qa'), auditor: await signInWeb(wb.app, 'auditor'), admin: await signInWeb(wb.app, 'admin') };
    tokens = { qa: qaToken, qa2: await wb.login('qa2') };
  });
  after(async () => {
    openGate();
    server?.close();
    gateServer?.close();
    await wb?.close();
  });

  it('shows an empty list that says what to do next: "Log a change" for IT, no such control for an auditor', async () => {
    const it = await web.it.get('/changes');
    expect(it.status).to.equal(200);
    expect(it.text).to.contain('No change has been logged yet.').and.to.contain('href="/changes/new"');
    const auditor = await web.auditor.get('/changes');
    expect(auditor.text).to.contain('No change has been logged yet.').and.not.to.contain('href="/changes/new"');
  });

  it('refuses a bad log form beside its fields, in plain language, and logs nothing', async () => {
    const form = await web.it.get('/changes/new');
    expect(form.status).to.equal(200);
    expect(form.text).to.match(/<select id="f-platform" name="platform"[^>]*>[\s\S]*<option value="MuleSoft Runtime">MuleSoft Runtime/);
    const bad = await web.it.post('/changes', { ...RELEASE_FORM, title: '  ', plannedDate: 'next week', environments: 'Test Env' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.match(/id="f-title"[^>]*aria-invalid="true"/).and.to.contain('Enter a title.');
    expect(bad.text).to.match(/id="f-plannedDate"[^>]*aria-invalid="true"/).and.to.contain('Give the planned date as year-month-day');
    expect(bad.text).to.match(/id="f-environments"[^>]*aria-invalid="true"/);
    expect(bad.text, 'what was typed stays').to.contain('Quarterly runtime upgrade.');
    // The registry refuses what it does not hold, beside the field too.
    const unknown = await web.it.post('/changes', { ...RELEASE_FORM, platform: 'Nope Runtime' });
    expect(unknown.status).to.equal(400);
    expect(unknown.text).to.match(/id="f-platform"[^>]*aria-invalid="true"/);
    expect(textOf(unknown.text)).to.contain("No platform 'Nope Runtime' in the registry.");
    const badDate = await web.it.post('/changes', { ...RELEASE_FORM, plannedDate: '2027-02-30' });
    expect(badDate.status).to.equal(400);
    expect(badDate.text).to.match(/id="f-plannedDate"[^>]*aria-invalid="true"/);
    expect(await changeCount()).to.equal(0);
    expect(await auditEvents(wb.services, { action: 'change.logged' })).to.have.length(0);
  });

  it('logs a vendor release from the form and shows its page: summary, computed impact, triage form', async () => {
    const logged = await web.it.post('/changes', RELEASE_FORM);
    expect(logged.status, logged.text.slice(0, 500)).to.equal(303);
    const [row] = await wb.services.changes.list();
    id = row!.id;
    expect(logged.headers.location).to.equal(`/changes/${id}`);
    const event = await lastAuditEvent(wb.services, 'change.logged');
    expect(event?.entity).to.deep.equal({ type: 'change', id: String(id) });
    expect(event?.actor.role).to.equal('it');
    const content = JSON.parse(row!.content);
    expect(content.releaseItems.map((i: { id: string; title: string }) => [i.id, i.title])).to.deep.equal([['MULE-1', 'Audit log record format changed'], ['item-2', 'Console colour theme']]);
    expect(content.environments).to.deep.equal(['test', 'production']);

    const page = await web.it.get(logged.headers.location!);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`Change ${row!.key} is logged.`);
    const text = textOf(page.text);
    expect(text).to.contain(`${row!.key} · MuleSoft Runtime 4.9 upgrade`).and.to.contain('4.6 → 4.9').and.to.contain('15 Jan 2027');
    expect(page.text).to.contain('badge badge-logged">Logged<');
    // The computed impact: both interfaces run on the platform, with their risk level in words.
    expect(text).to.contain('2 interfaces reached by this change').and.to.contain('Computed from the registry now');
    expect(text).to.match(/IF-CHG-001 Sales orders Medium runs on the platform/);
    expect(page.text).to.contain('action="/changes/' + id + '/triage"').and.to.contain('name="rating-0"').and.to.contain('name="rationale-1"');
    expect(page.text).to.contain(`action="/changes/${id}/transition"`).and.to.contain('Mark as assessed');
    // History times carry their zone.
    expect(page.text).to.match(/<time datetime="[^"]+">\d{2} \w{3} \d{4}, \d{2}:\d{2} (UTC|GMT)[^<]*<\/time>/);

    const list = await web.auditor.get('/changes?state=logged&type=vendor-release');
    expect(textOf(list.text)).to.contain(row!.key).and.to.contain('MuleSoft Runtime').and.to.contain('Logged').and.to.contain('15 Jan 2027');
    expect(textOf((await web.auditor.get('/changes?state=closed')).text)).to.contain('No change matches these filters.');
    expect((await web.auditor.get('/changes?state=bogus')).status).to.equal(400);
  });

  it('shows an auditor and an administrator no control on the change page, and refuses their posts', async () => {
    for (const role of ['auditor', 'admin'] as const) {
      const page = await web[role].get(`/changes/${id}`);
      expect(page.status).to.equal(200);
      expect(page.text).not.to.match(/<form method="post" action="\/changes/);
      expect(page.text).not.to.contain('/sign/change/');
    }
    expect((await web.auditor.get(`/changes/${id}`)).text).to.contain(`href="/changes/${id}/pdf"`);
    expect((await web.admin.get(`/changes/${id}`)).text).not.to.contain(`/changes/${id}/pdf`);
    const refused = await web.auditor.post(`/changes/${id}/transition`, { to: 'cancelled', reason: 'not mine' });
    expect(refused.status).to.equal(403);
    expect((await wb.services.changes.get(id)).state).to.equal('logged');
  });

  it('saves the triage from the form (audited), and refuses a rating without a rationale beside it', async () => {
    const bad = await web.it.post(`/changes/${id}/triage`, { 'rating-0': 'high', 'rationale-0': '', 'rating-1': 'n/a', 'rationale-1': 'Cosmetic.', triageReason: 'release notes reviewed' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.match(/id="f-rationale-0"[^>]*aria-invalid="true"/).and.to.contain('Say why MULE-1 is rated high.');
    expect(bad.text, 'the typed rationale stays').to.contain('Cosmetic.');
    expect(await auditEvents(wb.services, { action: 'change.triaged' })).to.have.length(0);

    const unknownRating = await web.it.post(`/changes/${id}/triage`, { 'rating-0': 'critical', 'rationale-0': 'x', triageReason: 'r' });
    expect(unknownRating.status).to.equal(400);

    const saved = await web.it.post(`/changes/${id}/triage`, { 'rating-0': 'high', 'rationale-0': 'Touches the audit trail of regulated flows.', 'rating-1': 'n/a', 'rationale-1': 'Cosmetic.', triageReason: 'release notes reviewed' });
    expect(saved.status, saved.text.slice(0, 500)).to.equal(303);
    const event = await lastAuditEvent(wb.services, 'change.triaged');
    expect(event?.reason).to.equal('release notes reviewed');
    expect(event?.entity.id).to.equal(String(id));
    const page = await web.auditor.get(`/changes/${id}`);
    expect(page.text).to.contain('badge badge-high">High<').and.to.contain('badge badge-n-a">N/A<');
    expect(textOf(page.text)).to.contain('Touches the audit trail of regulated flows.');
  });

  it('moves the change on from the page (audited), with the reason beside the field when missing and the allowed steps when out of order', async () => {
    const noReason = await web.it.post(`/changes/${id}/transition`, { to: 'assessed', reason: '' });
    expect(noReason.status).to.equal(400);
    expect(noReason.text).to.match(/id="f-reason"[^>]*aria-invalid="true"/);
    const outOfOrder = await web.it.post(`/changes/${id}/transition`, { to: 'tested', reason: 'skip ahead' });
    expect(outOfOrder.status).to.equal(409);
    expect(textOf(outOfOrder.text)).to.contain('Allowed from logged: assessed, rejected, cancelled');
    expect(await auditEvents(wb.services, { action: 'change.transitioned', entityId: String(id) })).to.have.length(0);

    const assessed = await web.it.post(`/changes/${id}/transition`, { to: 'assessed', reason: 'impact and triage complete' });
    expect(assessed.status, assessed.text.slice(0, 500)).to.equal(303);
    const event = await lastAuditEvent(wb.services, 'change.transitioned');
    expect(event?.after).to.deep.include({ state: 'assessed' });
    expect(event?.reason).to.equal('impact and triage complete');

    // QA's approval is a signature: a link to the sign dialog for QA, none for IT (who logged it).
    const qa = await web.qa.get(`/changes/${id}`);
    expect(qa.text).to.contain(`href="/sign/change/${id}?meaning=approved&amp;returnTo=%2Fchanges%2F${id}"`);
    expect(textOf(qa.text)).to.contain('Frozen when the change was assessed');
    const it = await web.it.get(`/changes/${id}`);
    expect(it.text).not.to.contain(`/sign/change/${id}?meaning=approved`);
    expect(it.text).to.contain('badge badge-assessed">Assessed<');
    expect(it.text, 'only QA rejects').not.to.contain('Reject the change');
    expect(qa.text).to.contain('Reject the change');
  });

  it('edits the assessed impact from its form with a rationale (audited); refused beside the rationale without one, and when nothing changed', async () => {
    expect((await web.it.get(`/changes/${id}`)).text).to.contain(`href="/changes/${id}/impact/edit"`);
    expect((await web.auditor.get(`/changes/${id}`)).text).to.not.contain('/impact/edit');
    expect((await web.auditor.get(`/changes/${id}/impact/edit`)).status).to.equal(403);
    const form = await web.it.get(`/changes/${id}/impact/edit`);
    expect(form.status).to.equal(200);
    const regression = async () => contentOfRow(await wb.services.changes.get(id));
    const before = await regression();
    const original = before.impact!.regression.find((r) => r.interfaceKey === 'IF-CHG-002')!.testDepth;
    const deeper = original === 'full' ? 'scripted-positive' : 'full';
    const edits = () => auditEvents(wb.services, { action: 'change.impact_edited', entityId: String(id) });

    const noRationale = await web.it.post(`/changes/${id}/impact`, { rationale: '', 'depth-IF-CHG-002': deeper });
    expect(noRationale.status).to.equal(400);
    expect(noRationale.text).to.match(/id="f-rationale"[^>]*aria-invalid="true"/);
    const unchanged = await web.it.post(`/changes/${id}/impact`, { rationale: 'no reason to change', 'depth-IF-CHG-002': original });
    expect(unchanged.status).to.equal(400);
    expect(unchanged.text).to.contain('Nothing changed: leave an interface out, or set another depth or environment.');
    expect(await edits()).to.have.length(0);

    const edited = await web.it.post(`/changes/${id}/impact`, { rationale: 'the partner asked for negative cases too', 'depth-IF-CHG-002': deeper });
    expect(edited.status, edited.text.slice(0, 400)).to.equal(303);
    expect((await regression()).impact!.regression.find((r) => r.interfaceKey === 'IF-CHG-002')!.testDepth).to.equal(deeper);
    expect((await edits()).at(-1)?.reason).to.equal('the partner asked for negative cases too');
    // Back to what the risk asks, for the regression below.
    expect((await web.it.post(`/changes/${id}/impact`, { rationale: 'agreed to keep the computed depth', 'depth-IF-CHG-002': original })).status).to.equal(303);
    expect(await edits()).to.have.length(2);
  });

  it('starts the regression from the page (audited runs), streams its progress to the end, and shows the runs', async () => {
    const statusOf = async () => (await wb.services.signatures.signOffStatus('change', String(id), (await wb.services.changes.get(id)).currentVersion)).requirements;
    for (const requirement of (await statusOf()).filter((r) => r.signatureId === null && r.meaning !== 'approved')) expect((await sign(requirement.meaning, tokens.qa, 'qa')).status).to.equal(201);
    expect((await sign('approved', tokens.qa2, 'qa2')).status).to.equal(201);
    expect((await wb.services.changes.get(id)).state).to.equal('approved-for-testing');

    const page = await web.it.get(`/changes/${id}`);
    expect(page.text).to.contain(`action="/changes/${id}/regression"`);
    expect((await web.auditor.get(`/changes/${id}`)).text).not.to.contain(`action="/changes/${id}/regression"`);

    const badEnv = await web.it.post(`/changes/${id}/regression`, { environment: 'staging' });
    expect(badEnv.status).to.equal(400);
    expect(badEnv.text).to.match(/id="f-environment"[^>]*aria-invalid="true"/);
    expect(textOf(badEnv.text)).to.contain("IF-CHG-001 has no environment 'staging'");
    expect(await auditEvents(wb.services, { action: 'run.queued' })).to.have.length(0);

    const started = await web.it.post(`/changes/${id}/regression`, {});
    expect(started.status, started.text.slice(0, 500)).to.equal(303);
    expect(await auditEvents(wb.services, { action: 'run.queued' })).to.have.length(2);
    expect(await auditEvents(wb.services, { action: 'change.run_linked', entityId: String(id) })).to.have.length(2);

    // While the runs wait on the gate: the live panel, its progress bar and a reload link without JS.
    const live = await web.it.get(`/changes/${id}`);
    expect(live.text).to.contain(`data-events-url="/changes/${id}/events"`).and.to.match(/<progress [^>]*data-field="percent"/);
    expect(textOf(live.text)).to.contain('0 of 2 runs finished').and.to.contain('Reload to see the latest');
    const runIds = JSON.parse((await wb.services.changes.get(id)).content).runs as number[];
    for (const runId of runIds) expect(live.text).to.contain(`href="/runs/${runId}"`);

    // The stream follows the real runs: progress while they wait, then to the end, then `finished` (and ends).
    const streaming = web.it.agent
      .get(`/changes/${id}/events`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      })
      .then((response) => response);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    openGate();
    const stream = await streaming;
    expect(stream.status).to.equal(200);
    expect(stream.headers['content-type']).to.match(/^text\/event-stream/);
    const events = [...(stream.body as string).matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1]!, data: JSON.parse(m[2]!) }));
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length, 'about every 500 ms while waiting').to.be.greaterThanOrEqual(2);
    expect(progress[0]!.data).to.include({ done: 0, total: 2, percent: 0 });
    expect(events.at(-1)).to.deep.equal({ event: 'finished', data: { done: 2, total: 2, passed: 2, failed: 0 } });
    expect(events.at(-2)!.data).to.include({ done: 2, total: 2, passed: 2, percent: 100 });
    await wb.services.runs.idle();

    const done = await web.it.get(`/changes/${id}`);
    expect(done.text).not.to.contain('data-events-url');
    expect(textOf(done.text)).to.match(/Run \d+ IF-CHG-001 test Passed 1 of 1 steps passed/);
    expect(done.text).to.contain('Mark as tested');
  });

  it('stops reading for a stream once the browser goes away (no timer left behind)', async () => {
    closeGate();
    expect((await web.it.post(`/changes/${id}/regression`, {})).status).to.equal(303);
    let reads = 0;
    const get = wb.services.changes.get.bind(wb.services.changes);
    wb.services.changes.get = async (...args: Parameters<typeof get>) => {
      reads += 1;
      return get(...args);
    };
    try {
      let received = '';
      const watching = web.it.agent.get(`/changes/${id}/events`).buffer(false);
      watching.on('response', (res: NodeJS.ReadableStream) => {
        res.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
        res.on('error', () => undefined); // the abort below
      });
      void watching.then(() => undefined, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 700));
      watching.abort();
      expect(received, 'the stream was live, runs waiting').to.match(/event: progress\ndata: \{"done":2,"total":4,"passed":2,"failed":0,"running":2,/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const afterAbort = reads;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(reads, 'no tick after the browser left').to.equal(afterAbort);
    } finally {
      wb.services.changes.get = get;
      openGate();
      await wb.services.runs.idle();
    }
  });

  it('ends the stream with `finished` at once when no run is queued or running; 404 for an unknown change', async () => {
    const quiet = await web.auditor.agent.get(`/changes/${id}/events`).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => done(null, text));
    });
    expect(quiet.body as string).to.match(/event: finished/);
    expect((await web.auditor.get('/changes/999999/events')).status).to.equal(404);
  });

  it('downloads the change record PDF as an audited export', async () => {
    const pdf = await web.auditor.agent
      .get(`/changes/${id}/pdf`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).to.equal(200);
    expect(pdf.headers['content-type']).to.equal('application/pdf');
    const bytes = pdf.body as Buffer;
    expect(bytes.subarray(0, 5).toString()).to.equal('%PDF-');
    const event = await lastAuditEvent(wb.services, 'export.created');
    expect(event?.after).to.deep.include({ format: 'pdf', sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(event?.actor.role).to.equal('auditor');
    expect((await web.admin.get(`/changes/${id}/pdf`)).status).to.equal(403);
  });

  it('cancels with a reason (audited), after which no control is offered', async () => {
    const logged = await wb.services.changes.log(systemContext('test'), { type: 'configuration', title: 'Retry policy', description: 'd', justification: 'j', plannedDate: '2020-01-01', environments: ['test'] });
    const missing = await web.it.post(`/changes/${logged.id}/transition`, { to: 'cancelled', reason: ' ' });
    expect(missing.status).to.equal(400);
    expect(missing.text).to.match(/id="f-cancel-reason"[^>]*aria-invalid="true"/);
    // The periodic review list names it while it is open and past its planned date.
    const reviews = await web.auditor.get('/reviews');
    expect(reviews.status).to.equal(200);
    expect(textOf(reviews.text)).to.contain(logged.key).and.to.contain('Retry policy');
    expect(reviews.text).to.contain(`href="/changes/${logged.id}"`);
    const cancelled = await web.it.post(`/changes/${logged.id}/transition`, { to: 'cancelled', reason: 'superseded by the vendor release' });
    expect(cancelled.status).to.equal(303);
    expect((await lastAuditEvent(wb.services, 'change.transitioned'))?.after).to.deep.include({ state: 'cancelled', stateReason: 'superseded by the vendor release' });
    const page = await web.it.get(`/changes/${logged.id}`);
    expect(page.text).to.contain('badge badge-cancelled">Cancelled<');
    expect(page.text).not.to.match(/<form method="post" action="\/changes/);
  });

  it('answers 404 for a change that does not exist, and 400 for an id that is not one', async () => {
    const missing = await web.it.get('/changes/999999');
    expect(missing.status).to.equal(404);
    expect(missing.text).to.contain('No change record 999999.');
    expect((await web.it.post('/changes/999999/triage', { triageReason: 'x' })).status).to.equal(404);
    expect((await web.it.post('/changes/999999/transition', { to: 'assessed', reason: 'x' })).status).to.equal(404);
    expect((await web.it.post('/changes/999999/regression', {})).status).to.equal(404);
    expect((await web.auditor.get('/changes/999999/pdf')).status).to.equal(404);
    expect((await web.it.get('/changes/abc')).status).to.equal(400);
  });
});
