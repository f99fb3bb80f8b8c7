// Validation packages end to end over the API: a scope of interfaces at contract versions, the plan
// drafted from the document templates, the manifest frozen at submission with its trace matrix, the
// §11.10(f) workflow, approval refused with every reason, Part 11 signatures bound to the manifest,
// immutability once approved, and new versions that supersede.
import { expect } from 'chai';
import type { Server } from 'node:http';
import request from 'supertest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyBundleFile } from '../../src/packages/bundle-verifier.js';
import { gxpwAsync } from '../cli/cli-helpers.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { download, flat, pdfText } from '../support/export-download.js';
import { tamper } from '../support/package-bundles.js';
import { describeEachDatabase } from '../support/databases.js';
import { listenOnLoopback, salesOrderInterfaces, SALES_ORDER } from '../support/runner-fixtures.js';
import { createSigner } from '../support/signers.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb } from '../support/web-agent.js';


describeEachDatabase('validation packages', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let tokens: Record<'it' | 'it2' | 'qa' | 'qa2' | 'auditor' | 'admin', string>;
  const api = (method: 'get' | 'post' | 'patch', url: string, token: string) => request(wb.app)[method](url).set('Authorization', `Bearer ${token}`);
  const sign = (token: string, username: string, id: number, version: number, meaning: string, password = TEST_PASSWORD) =>
    api('post', '/api/v1/signatures', token).send({ recordType: 'package', recordId: String(id), version, meaning, reason: `package ${meaning}`, username, password });
  const run = async (iface: string) => {
    const started = await api('post', '/api/v1/runs', tokens.it).send({ interface: iface });
    expect(started.status, JSON.stringify(started.body)).to.equal(201);
    await wb.services.runs.idle();
    return (await api('get', `/api/v1/runs/${started.body.id}`, tokens.it)).body as { id: number; status: string; steps: Array<{ position: number; status: string }> };
  };
  const requirement = async (iface: string, key: string, text: string) => {
    const created = await api('post', `/api/v1/interfaces/${iface}/requirements`, tokens.it).send({ key, type: 'functional', text, risk: 'high' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
  };
  const scenario = async (iface: string, body: Record<string, unknown>) => {
    const saved = await api('post', `/api/v1/interfaces/${iface}/scenarios`, tokens.it).send(body);
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
  };

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '2000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-PKG-001', 'IF-PKG-002'], { test: `${base}/sim/wms` });
    await createSigner(wb, 'it2', 'it', { fullName: 'Ivo Second-Engineer' });
    tokens = { it: await wb.login('it'), it2: await wb.login('it2'), qa: await wb.login('qa'), qa2: await wb.login('qa2'), auditor: await wb.login('auditor'), admin: await wb.login('admin') };
    // IF-PKG-001: high risk (full depth), requirements verified by passing scenarios, run for record.
    await api('post', '/api/v1/interfaces/IF-PKG-001/risk-assessments', tokens.qa).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } }).expect(201);
    await requirement('IF-PKG-001', 'IF-PKG-001-R01', 'An unknown order shall be answered 404.');
    await requirement('IF-PKG-001', 'IF-PKG-001-R02', 'A released order shall be created and readable back.');
    await scenario('IF-PKG-001', { key: 'order-lookup-smoke', name: 'An unknown order is a 404', category: 'smoke', requirements: ['IF-PKG-001-R01'], steps: [{ name: 'Look up an order that does not exist', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] });
    await scenario('IF-PKG-001', { key: 'create-order', name: 'A released order is created', category: 'positive', requirements: ['IF-PKG-001-R02'], steps: [{ name: 'Create the outbound order', operation: 'POST /orders', body: SALES_ORDER, expect: { status: 201 } }] });
    expect((await run('IF-PKG-001')).status).to.equal('passed');
    // IF-PKG-002: medium risk; a failing run without a closed deviation, and a requirement no scenario verifies.
    await api('post', '/api/v1/interfaces/IF-PKG-002/risk-assessments', tokens.qa).send({ modelId: 'gamp5', answers: { severity: 'medium', probability: 'medium', detectability: 'medium' } }).expect(201);
    await requirement('IF-PKG-002', 'IF-PKG-002-R01', 'An order off-contract shall be detected.');
    await requirement('IF-PKG-002', 'IF-PKG-002-R02', 'Nothing verifies this one yet.');
    await scenario('IF-PKG-002', { key: 'schema-fault', name: 'The WMS answers off-contract', category: 'positive', requirements: ['IF-PKG-002-R01'], steps: [{ name: 'Create an order (the simulator breaks its answer)', operation: 'POST /orders', query: { fault: 'schema' }, body: SALES_ORDER, expect: { status: 201 } }] });
    expect((await run('IF-PKG-002')).status).to.equal('failed');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('refuses an empty scope, an unknown interface or contract version, and a duplicate: 400 naming the field, nothing created', async () => {
    const before = (await auditEvents(wb.services, { action: 'package.created' })).length;
    const cases: Array<[unknown, string]> = [
      [{ title: 'Empty', scope: [] }, 'body.scope'],
      [{ title: 'Unknown', scope: [{ interface: 'IF-NOPE-404' }] }, 'body.scope.0.interface'],
      [{ title: 'Bad version', scope: [{ interface: 'IF-PKG-001', contractVersion: 7 }] }, 'body.scope.0.contractVersion'],
      [{ title: 'Twice', scope: [{ interface: 'IF-PKG-001' }, { interface: 'IF-PKG-001' }] }, 'body.scope.1.interface'],
      [{ title: '   ', scope: [{ interface: 'IF-PKG-001' }] }, 'body.title'],
    ];
    for (const [body, field] of cases) {
      const refused = await api('post', '/api/v1/packages', tokens.it).send(body as object);
      expect(refused.status, JSON.stringify(refused.body)).to.equal(400);
      expect(refused.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
    }
    expect(await auditEvents(wb.services, { action: 'package.created' })).to.have.length(before);
    expect((await api('post', '/api/v1/packages', tokens.auditor).send({ title: 'Auditor', scope: [{ interface: 'IF-PKG-001' }] })).status).to.equal(403);
  });

  it('drafts the plan from the templates, freezes a manifest with its trace matrix at submission, and approves only with every signature', async () => {
    const created = await api('post', '/api/v1/packages', tokens.it).send({ title: 'Sales order release to the WMS', scope: [{ interface: 'IF-PKG-001' }] });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const pkg = created.body;
    expect(pkg).to.include({ key: `VP-${String(pkg.id).padStart(4, '0')}`, version: 1, status: 'draft', revision: 0, manifestDigest: null });
    expect(pkg.scope).to.deep.equal([{ interface: 'IF-PKG-001', contractVersion: 1 }]);
    expect(pkg.plan.map((s: { title: string }) => s.title)).to.deep.equal(['Purpose and scope', 'Intended use', 'Approach', 'Roles and responsibilities', 'Acceptance criteria']);
    expect(pkg.plan.find((s: { id: string }) => s.id === 'approach').text).to.contain('IF-PKG-001: High process risk (level high), full testing.');
    expect((await lastAuditEvent(wb.services, 'package.created'))?.entity).to.deep.equal({ type: 'package', id: String(pkg.id) });

    const edited = await api('patch', `/api/v1/packages/${pkg.id}`, tokens.it).send({ title: 'Sales order release to the WMS (S/4HANA → Manhattan)', reason: 'name both systems' });
    expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
    const update = await lastAuditEvent(wb.services, 'package.updated');
    expect(update).to.deep.include({ reason: 'name both systems' });
    expect(update?.before).to.deep.include({ title: 'Sales order release to the WMS' });

    const submitted = await api('post', `/api/v1/packages/${pkg.id}/submit`, tokens.it).send({});
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    expect(submitted.body).to.include({ status: 'in-review', revision: 1 });
    expect(submitted.body.manifestDigest).to.match(/^[0-9a-f]{64}$/);
    expect((await lastAuditEvent(wb.services, 'package.submitted'))?.after).to.deep.include({ manifestDigest: submitted.body.manifestDigest, openItems: 0 });
    const { body: frozen } = await api('get', `/api/v1/packages/${pkg.id}/manifest`, tokens.auditor);
    expect(frozen.digest).to.equal(submitted.body.manifestDigest);
    expect(frozen.manifest.requirements.map((r: { key: string }) => r.key)).to.deep.equal(['IF-PKG-001-R01', 'IF-PKG-001-R02']);
    expect(frozen.manifest.traceMatrix.map((t: { requirementKey: string; scenarioKey: string; result: string; gap: null }) => [t.requirementKey, t.scenarioKey, t.result, t.gap])).to.deep.equal([
      ['IF-PKG-001-R01', 'order-lookup-smoke', 'passed', null],
      ['IF-PKG-001-R02', 'create-order', 'passed', null],
    ]);
    expect(frozen.manifest.traceMatrix.every((t: { evidence: string[] }) => t.evidence.length === 2)).to.equal(true);
    expect(frozen.manifest.requiredSignatures.map((s: { meaning: string }) => s.meaning)).to.deep.equal(['reviewed', 'approved', 'responsible']);
    expect(frozen.manifest.summary.acceptanceMet).to.equal(true);

    const locked = await api('patch', `/api/v1/packages/${pkg.id}`, tokens.it).send({ title: 'changed in review', reason: 'try' });
    expect(locked.status).to.equal(409);
    expect(locked.body.error.code).to.equal('package_in_review');

    const check = await api('get', `/api/v1/packages/${pkg.id}/approval-check`, tokens.auditor);
    expect(check.body.ready).to.equal(false);
    const missing = check.body.blockers.map((b: { check: string; message: string }) => `${b.check}: ${b.message}`);
    expect(missing).to.have.length(3);
    expect(missing[0]).to.equal("signatures: No valid 'reviewed' signature by it (required for every validation package).");
    expect(missing[1]).to.equal("signatures: No valid 'approved' signature by qa (required for every validation package).");
    expect(missing[2]).to.match(/^signatures: No valid 'responsible' signature by qa \(high process risk in scope: a second QA signer/);

    // Part 11: the author cannot review it; a wrong password signs nothing; one QA person cannot give both QA meanings.
    expect((await sign(tokens.it, 'it', pkg.id, 1, 'reviewed')).body.error.code).to.equal('separation_of_duties');
    const wrong = await sign(tokens.it2, 'it2', pkg.id, 1, 'reviewed', 'not-the-password');
    expect(wrong.status).to.be.oneOf([401, 403]);
    expect((await wb.services.signatures.list('package', String(pkg.id))).length).to.equal(0);
    expect((await sign(tokens.it2, 'it2', pkg.id, 1, 'reviewed')).status).to.equal(201);
    expect((await sign(tokens.qa, 'qa', pkg.id, 1, 'approved')).status).to.equal(201);
    const same = await sign(tokens.qa, 'qa', pkg.id, 1, 'responsible');
    expect(same.status).to.equal(403);
    expect(same.body.error.code).to.equal('second_signer_required');
    expect((await sign(tokens.qa2, 'qa2', pkg.id, 1, 'responsible')).status).to.equal(201);

    const approved = await api('post', `/api/v1/packages/${pkg.id}/approve`, tokens.qa).send({ reason: 'released for use' });
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    expect(approved.body).to.include({ status: 'approved' });
    expect(approved.body.signOff.complete).to.equal(true);
    expect((await lastAuditEvent(wb.services, 'package.approved'))?.after).to.deep.include({ status: 'approved', manifestDigest: frozen.digest });

    // Immutable once approved: every change is a 409.
    for (const [method, url, body] of [
      ['patch', `/api/v1/packages/${pkg.id}`, { title: 'after approval', reason: 'try' }],
      ['post', `/api/v1/packages/${pkg.id}/submit`, {}],
      ['post', `/api/v1/packages/${pkg.id}/reject`, { reason: 'try' }],
    ] as const) {
      const refused = await api(method, url, method === 'post' && url.endsWith('reject') ? tokens.qa : tokens.it).send(body);
      expect(refused.status, `${method} ${url}`).to.equal(409);
    }
  });

  it('refuses approval listing every reason: a failure without a closed deviation, a requirement no scenario verifies, missing signatures', async () => {
    const pkg = (await api('post', '/api/v1/packages', tokens.it).send({ title: 'Off-contract detection', scope: [{ interface: 'IF-PKG-002' }] })).body;
    const submitted = await api('post', `/api/v1/packages/${pkg.id}/submit`, tokens.it).send({ reason: 'for review' });
    expect(submitted.status).to.equal(200);
    const { manifest } = (await api('get', `/api/v1/packages/${pkg.id}/manifest`, tokens.it)).body;
    const gaps = manifest.traceMatrix.map((t: { requirementKey: string; gap: string | null }) => [t.requirementKey, t.gap]);
    expect(gaps).to.deep.equal([
      ['IF-PKG-002-R01', 'failed_without_closed_deviation'],
      ['IF-PKG-002-R02', 'no_scenario'],
    ]);
    expect(manifest.summary.acceptanceMet).to.equal(false);
    const refused = await api('post', `/api/v1/packages/${pkg.id}/approve`, tokens.qa).send({});
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('approval_refused');
    const reasons = refused.body.error.details.map((d: { message: string }) => d.message).join('\n');
    expect(reasons, 'a requirement no scenario verifies is a trace gap, not a refusal').to.not.match(/IF-PKG-002-R02/);
    expect(manifest.summary.sections.find((s: { title: string }) => s.title === 'Requirements verified outside the workbench').text).to.contain('IF-PKG-002-R02 (IF-PKG-002): verified by no scenario');
    expect(reasons).to.match(/Scenario schema-fault v1 \(positive\) of IF-PKG-002 did not pass/);
    expect(reasons).to.match(/step 1 .* failed: no closed deviation covers it/);
    expect(reasons).to.match(/No valid 'reviewed' signature/);
    expect(reasons).to.match(/No valid 'approved' signature/);
    expect((await api('get', `/api/v1/packages/${pkg.id}`, tokens.it)).body.status).to.equal('in-review');
    expect(await auditEvents(wb.services, { action: 'package.approved', entityId: String(pkg.id) })).to.have.length(0);

    // QA sends it back with a reason; a resubmission freezes a new revision, whose signatures start afresh.
    expect((await api('post', `/api/v1/packages/${pkg.id}/reject`, tokens.it).send({ reason: 'x' })).status, 'it cannot reject').to.equal(403);
    const rejected = await api('post', `/api/v1/packages/${pkg.id}/reject`, tokens.qa).send({ reason: 'close the deviation first' });
    expect(rejected.body).to.include({ status: 'draft', rejectionReason: 'close the deviation first' });
    expect((await lastAuditEvent(wb.services, 'package.rejected'))?.reason).to.equal('close the deviation first');
    const whileDraft = await sign(tokens.qa2, 'qa2', pkg.id, 1, 'approved');
    expect(whileDraft.status, 'a draft is not signed').to.equal(409);
    expect(whileDraft.body.error.code).to.equal('not_in_review');
    const again = await api('post', `/api/v1/packages/${pkg.id}/submit`, tokens.it).send({});
    expect(again.body).to.include({ status: 'in-review', revision: 2, rejectionReason: null });
    expect((await api('get', `/api/v1/packages/${pkg.id}/manifest`, tokens.it).query({ revision: 1 })).body.revision).to.equal(1);
    expect((await sign(tokens.it2, 'it2', pkg.id, 1, 'reviewed')).body.error.code, 'an earlier submission cannot be signed').to.equal('not_current_version');
  });

  it('keeps the creator from approving their own package, and refuses approval when records changed after submission', async () => {
    const pkg = (await api('post', '/api/v1/packages', tokens.qa).send({ title: 'QA-authored', scope: [{ interface: 'IF-PKG-001' }] })).body;
    await api('post', `/api/v1/packages/${pkg.id}/submit`, tokens.qa).send({}).expect(200);
    const own = await sign(tokens.qa, 'qa', pkg.id, 1, 'approved');
    expect(own.status).to.equal(403);
    expect(own.body.error.code).to.equal('separation_of_duties');
    // A new run for record after submission: the frozen runs are no longer what is in force.
    expect((await run('IF-PKG-001')).status).to.equal('passed');
    const check = (await api('get', `/api/v1/packages/${pkg.id}/approval-check`, tokens.qa2)).body;
    expect(check.blockers.filter((b: { check: string }) => b.check === 'changed_since_submission').map((b: { message: string }) => b.message)).to.deep.equal([
      'The runs in scope changed since the package was submitted; reject it and submit again to freeze what is in force now.',
      'The evidence in scope changed since the package was submitted; reject it and submit again to freeze what is in force now.',
    ]);
  });

  it('refuses approval while an evidence file of the package no longer verifies (audited and alerted), and again once it is restored', async () => {
    const pkg = (await api('post', '/api/v1/packages', tokens.it).send({ title: 'Evidence check', scope: [{ interface: 'IF-PKG-001' }] })).body;
    await api('post', `/api/v1/packages/${pkg.id}/submit`, tokens.it).send({}).expect(200);
    const { manifest } = (await api('get', `/api/v1/packages/${pkg.id}/manifest`, tokens.it)).body;
    const digest = manifest.evidence[0].digest as string;
    const file = wb.services.evidence.store.pathOf(digest);
    const kept = fs.readFileSync(file);
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, Buffer.concat([kept, Buffer.from(' ')]));
    try {
      const check = (await api('get', `/api/v1/packages/${pkg.id}/approval-check`, tokens.qa)).body;
      expect(check.blockers.filter((b: { check: string }) => b.check === 'evidence').map((b: { message: string }) => b.message)).to.deep.equal([`Evidence ${digest} (run ${manifest.evidence[0].runId} step ${manifest.evidence[0].stepPosition}) is changed on disk.`]);
      expect((await lastAuditEvent(wb.services, 'evidence.integrity_failed'))?.after).to.deep.include({ digest, problem: 'changed' });
    } finally {
      fs.writeFileSync(file, kept);
      fs.chmodSync(file, 0o444);
    }
    const after = (await api('get', `/api/v1/packages/${pkg.id}/approval-check`, tokens.qa)).body;
    expect(after.blockers.filter((b: { check: string }) => b.check === 'evidence')).to.deep.equal([]);
    await api('post', `/api/v1/packages/${pkg.id}/reject`, tokens.qa).send({ reason: 'evidence check done' }).expect(200);
  });

  it('starts a new version from an approved package; approving it supersedes the old one, which stays readable', async () => {
    const [approved] = (await api('get', '/api/v1/packages', tokens.auditor).query({ status: 'approved' })).body.packages;
    const fromDraft = await api('post', `/api/v1/packages/${approved.id + 100000}/versions`, tokens.it).send({ reason: 'x' });
    expect(fromDraft.status).to.equal(404);
    const next = await api('post', `/api/v1/packages/${approved.id}/versions`, tokens.it).send({ reason: 'periodic re-validation' });
    expect(next.status, JSON.stringify(next.body)).to.equal(201);
    expect(next.body).to.include({ key: approved.key, version: 2, status: 'draft', supersedes: approved.id });
    expect((await api('post', `/api/v1/packages/${approved.id}/versions`, tokens.it).send({ reason: 'twice' })).body.error.code).to.equal('version_exists');
    // The runs changed since version 1 (a later test run): version 2 freezes them.
    await api('post', `/api/v1/packages/${next.body.id}/submit`, tokens.it).send({}).expect(200);
    await sign(tokens.it2, 'it2', next.body.id, 1, 'reviewed').expect(201);
    await sign(tokens.qa, 'qa', next.body.id, 1, 'approved').expect(201);
    await sign(tokens.qa2, 'qa2', next.body.id, 1, 'responsible').expect(201);
    // Released from its page by QA (the API's approval is tested above): the form shows once nothing blocks it.
    const qaWeb = await signInWeb(wb.app, 'qa');
    const reviewScreen = await qaWeb.get(`/packages/${next.body.id}`);
    expect(reviewScreen.text).to.contain(`action="/packages/${next.body.id}/approve"`).and.not.contain('Not yet: approval is blocked by');
    const done = await qaWeb.post(`/packages/${next.body.id}/approve`, { reason: 'periodic re-validation complete' });
    expect(done.status, done.text.slice(0, 400)).to.equal(303);
    expect(await lastAuditEvent(wb.services, 'package.approved')).to.deep.include({ reason: 'periodic re-validation complete' });
    expect((await wb.services.packages.get(next.body.id)).status).to.equal('approved');
    const old = (await api('get', `/api/v1/packages/${approved.id}`, tokens.auditor)).body;
    expect(old.status).to.equal('superseded');
    expect(old.signOff.complete, 'its signatures still verify').to.equal(true);
    const event = await lastAuditEvent(wb.services, 'package.approved');
    expect(event?.after).to.deep.include({ supersedes: [approved.id] });
  });

  it('lets an auditor read packages and manifests but change nothing', async () => {
    const list = await api('get', '/api/v1/packages', tokens.auditor);
    expect(list.status).to.equal(200);
    const id = list.body.packages[0].id;
    expect((await api('get', `/api/v1/packages/${id}`, tokens.auditor)).status).to.equal(200);
    for (const [method, url] of [['post', '/api/v1/packages'], ['patch', `/api/v1/packages/${id}`], ['post', `/api/v1/packages/${id}/submit`], ['post', `/api/v1/packages/${id}/approve`], ['post', `/api/v1/packages/${id}/reject`]] as const) {
      expect((await api(method, url, tokens.auditor).send({ reason: 'x' })).status, `${method} ${url}`).to.equal(403);
    }
  });

  describe('exports', () => {
    let approvedId: number;
    let dir: string;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-package-export-'));
      approvedId = (await api('get', '/api/v1/packages', tokens.auditor).query({ status: 'superseded' })).body.packages[0].id;
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("gives an auditor the package PDF: every signature's printed name, date and time with zone and meaning, the trace matrix and the digests; the export is audited with its SHA-256", async () => {
      const pdf = await download(wb.app, `/api/v1/packages/${approvedId}/pdf`, tokens.auditor);
      expect(pdf.status, JSON.stringify(pdf.body)).to.equal(200);
      expect(pdf.headers['content-type']).to.equal('application/pdf');
      const { text, pages } = await pdfText(pdf.bytes);
      const all = flat(text);
      const { manifest, digest } = (await api('get', `/api/v1/packages/${approvedId}/manifest`, tokens.auditor)).body;
      const signatures = (await wb.services.signatures.list('package', String(approvedId))).filter((s) => s.recordVersion === manifest.package.revision);
      expect(signatures).to.have.length(3);
      for (const s of signatures) {
        expect(all).to.contain(s.signerName);
        expect(all).to.contain(`${s.signedAt.slice(0, 10)} ${s.signedAt.slice(11, 19)} UTC`);
        expect(all).to.match(new RegExp(s.meaning, 'i'));
      }
      for (const row of manifest.traceMatrix) expect(all).to.contain(row.requirementKey);
      for (const item of manifest.evidence) expect(all.replace(/ /g, '')).to.contain(item.digest);
      expect(all.replace(/ /g, '')).to.contain(digest);
      expect(pages[pages.length - 1]).to.match(new RegExp(`Page ${pages.length} of ${pages.length}`));
      expect(all).to.not.match(/\bDRAFT\b/);
      const event = await lastAuditEvent(wb.services, 'export.created');
      expect(event?.entity).to.deep.equal({ type: 'package', id: String(approvedId) });
      expect(event?.after).to.deep.include({ format: 'pdf', sha256: pdf.sha256, bytes: pdf.bytes.length });
      expect(event?.actor).to.deep.include({ role: 'auditor' });
    });

    it("marks a draft's preview PDF DRAFT, and refuses a bundle of a package never submitted", async () => {
      const draft = (await api('post', '/api/v1/packages', tokens.it).send({ title: 'Draft preview', scope: [{ interface: 'IF-PKG-001' }] })).body;
      const pdf = await download(wb.app, `/api/v1/packages/${draft.id}/pdf`, tokens.qa);
      expect(pdf.status).to.equal(200);
      expect((await pdfText(pdf.bytes)).pages.every((page) => /DRAFT/.test(page))).to.equal(true);
      const bundle = await download(wb.app, `/api/v1/packages/${draft.id}/bundle`, tokens.qa);
      expect(bundle.status).to.equal(409);
      expect(bundle.body.error.code).to.equal('package_not_submitted');
      expect((await download(wb.app, `/api/v1/packages/${draft.id}/pdf`, tokens.admin)).status, 'administrators do not take regulated records away').to.equal(403);
    });

    it('exports a bundle that verifies offline, and names the cause when one evidence byte is flipped or a signature is copied from another package', async () => {
      const bundle = await download(wb.app, `/api/v1/packages/${approvedId}/bundle`, tokens.auditor);
      expect(bundle.status, JSON.stringify(bundle.body)).to.equal(200);
      const file = path.join(dir, 'bundle.zip');
      fs.writeFileSync(file, bundle.bytes);
      const fresh = await verifyBundleFile(file);
      expect(fresh.problems, JSON.stringify(fresh.problems)).to.deep.equal([]);
      expect(fresh.ok).to.equal(true);
      expect((await lastAuditEvent(wb.services, 'export.created'))?.after).to.deep.include({ format: 'zip', sha256: bundle.sha256 });

      const { manifest } = (await api('get', `/api/v1/packages/${approvedId}/manifest`, tokens.auditor)).body;
      const flipped = path.join(dir, 'flipped.zip');
      const evidence = `evidence/${manifest.evidence[0].digest}`;
      await tamper(file, flipped, { edit: { [evidence]: (content) => Buffer.from(content.map((b, i) => (i === 0 ? b ^ 1 : b))) }, relist: true });
      const byte = await verifyBundleFile(flipped);
      expect(byte.ok).to.equal(false);
      expect(byte.problems.map((p) => p.file)).to.include(evidence);

      // A real signature of another package, moved into this bundle.
      const other = (await api('get', '/api/v1/packages', tokens.auditor).query({ status: 'approved' })).body.packages[0].id;
      const [foreign] = await wb.services.signatures.list('package', String(other));
      const copied = path.join(dir, 'copied.zip');
      await tamper(file, copied, {
        edit: { 'signatures.json': (content) => { const doc = JSON.parse(content.toString()); doc.signatures[0] = { ...foreign!.get({ plain: true }) }; return Buffer.from(JSON.stringify(doc)); } },
        relist: true,
      });
      const moved = await verifyBundleFile(copied);
      expect(moved.ok).to.equal(false);
      expect(moved.problems.map((p) => p.message).join('\n')).to.match(new RegExp(`signature ${foreign!.id}`));
    });

    it('refuses the bundle, naming the file, when an evidence file is missing at export time: nothing sent, nothing recorded', async () => {
      const { manifest } = (await api('get', `/api/v1/packages/${approvedId}/manifest`, tokens.auditor)).body;
      const digest = manifest.evidence[0].digest as string;
      const file = wb.services.evidence.store.pathOf(digest);
      const kept = fs.readFileSync(file);
      fs.rmSync(file);
      try {
        const exportsBefore = (await auditEvents(wb.services, { action: 'export.created' })).length;
        const refused = await download(wb.app, `/api/v1/packages/${approvedId}/bundle`, tokens.auditor);
        expect(refused.status).to.equal(409);
        expect(refused.body.error.code).to.equal('evidence_missing');
        expect(refused.body.error.message).to.contain(digest);
        expect((await auditEvents(wb.services, { action: 'export.created' })).length).to.equal(exportsBefore);
      } finally {
        fs.writeFileSync(file, kept, { mode: 0o444 });
      }
    });

    it('exports from the command line with gxpw export, and gxpw verify-bundle passes on it offline', async () => {
      const pdf = path.join(dir, 'cli.pdf');
      const zip = path.join(dir, 'cli.zip');
      const exported = await gxpwAsync(['export', 'package', String(approvedId), '--pdf', pdf, '--bundle', zip, '--json'], wb.env);
      expect(exported.status, exported.stderr).to.equal(0);
      const report = JSON.parse(exported.stdout);
      expect(report.pdf.sha256).to.match(/^[0-9a-f]{64}$/);
      expect(fs.statSync(pdf).size).to.equal(report.pdf.bytes);
      const verified = await gxpwAsync(['verify-bundle', zip], {});
      expect(verified.status, verified.stdout + verified.stderr).to.equal(0);
      expect((await gxpwAsync(['export', 'package', 'x1', '--pdf', pdf], wb.env)).status).to.equal(2);
      expect((await gxpwAsync(['export', 'package', String(approvedId)], wb.env)).status).to.equal(2);
    });
  });
});

describeEachDatabase('validation packages: approval needs an audit trail that verifies', (dialect) => {
  let wb: TestWorkbench;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    wb.tamperedWith();
    await salesOrderInterfaces(wb, ['IF-PKG-900'], { test: 'http://127.0.0.1:9' });
  });
  after(async () => wb?.close());

  it('lists the broken audit trail among the reasons approval is refused', async () => {
    const qa = await wb.login('qa');
    const it_ = await wb.login('it');
    await request(wb.app).post('/api/v1/interfaces/IF-PKG-900/risk-assessments').set('Authorization', `Bearer ${qa}`).send({ modelId: 'gamp5', answers: { severity: 'low', probability: 'low', detectability: 'high' } }).expect(201);
    const pkg = (await request(wb.app).post('/api/v1/packages').set('Authorization', `Bearer ${it_}`).send({ title: 'Trail check', scope: [{ interface: 'IF-PKG-900' }] })).body;
    await request(wb.app).post(`/api/v1/packages/${pkg.id}/submit`).set('Authorization', `Bearer ${it_}`).send({}).expect(200);
    const { sequelize } = wb.services.database;
    // What an attacker with database access does: lift the append-only guard, rewrite an old reason.
    if (dialect === 'sqlite') await sequelize.query('DROP TRIGGER audit_events_refuse_update');
    else await sequelize.query('DROP TRIGGER audit_events_refuse_update ON audit_events');
    await sequelize.query(`UPDATE audit_events SET reason = 'rewritten' WHERE seq = 3`);
    const refused = await request(wb.app).post(`/api/v1/packages/${pkg.id}/approve`).set('Authorization', `Bearer ${qa}`).send({});
    expect(refused.status).to.equal(409);
    const trail = refused.body.error.details.filter((d: { field: string }) => d.field === 'audit_trail');
    expect(trail).to.have.length(1);
    expect(trail[0].message).to.match(/^The audit trail does not verify: /);
  });
});
