// Change control end to end over the API (issue 14): a vendor release logged by IT flows through
// triage, impact, QA's signed approvals, a real regression and implementation to closure; every
// out-of-order step, self-approval, unresolved failure and bad input is refused and changes nothing.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import { gxpwAsync } from '../cli/cli-helpers.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { download, flat, pdfText } from '../support/export-download.js';
import { listenOnLoopback, salesOrderInterfaces } from '../support/runner-fixtures.js';
import { createSigner } from '../support/signers.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

const SMOKE = { key: 'order-lookup-smoke', name: 'An unknown order is a 404', category: 'smoke', steps: [{ name: 'Look up an order that does not exist', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] };

describeEachDatabase('change control', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let tokens: Record<'it' | 'it2' | 'qa' | 'qa2' | 'auditor' | 'admin', string>;
  const api = (method: 'get' | 'post' | 'patch', url: string, token: string) => request(wb.app)[method](url).set('Authorization', `Bearer ${token}`);
  const sign = (token: string, username: string, id: number, version: number, meaning: string) =>
    api('post', '/api/v1/signatures', token).send({ recordType: 'change', recordId: String(id), version, meaning, reason: `change ${meaning}`, username, password: TEST_PASSWORD });
  const get = async (id: number) => (await api('get', `/api/v1/changes/${id}`, tokens.auditor)).body;
  const release = (overrides: Record<string, unknown> = {}) => ({
    type: 'vendor-release',
    title: 'MuleSoft Runtime 4.9 upgrade',
    platform: 'MuleSoft Runtime',
    versionFrom: '4.6',
    versionTo: '4.9',
    description: 'Quarterly runtime upgrade.',
    justification: 'Vendor end of support for 4.6.',
    plannedDate: '2027-01-15',
    environments: ['test', 'production'],
    releaseItems: [{ id: 'MULE-1', title: 'Audit log record format changed' }, { id: 'MULE-2', title: 'Console colour theme' }],
    ...overrides,
  });

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '2000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-CHG-001', 'IF-CHG-002'], { test: `${base}/sim/wms`, faulty: `${base}/sim/faulty/schema/wms` });
    await createSigner(wb, 'it2', 'it', { fullName: 'Ivo Second-Engineer' });
    tokens = { it: await wb.login('it'), it2: await wb.login('it2'), qa: await wb.login('qa'), qa2: await wb.login('qa2'), auditor: await wb.login('auditor'), admin: await wb.login('admin') };
    await api('post', '/api/v1/interfaces/IF-CHG-001/risk-assessments', tokens.qa).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } }).expect(201);
    await api('post', '/api/v1/interfaces/IF-CHG-002/risk-assessments', tokens.qa).send({ modelId: 'gamp5', answers: { severity: 'medium', probability: 'medium', detectability: 'medium' } }).expect(201);
    for (const key of ['IF-CHG-001', 'IF-CHG-002']) {
      await api('post', `/api/v1/interfaces/${key}/scenarios`, tokens.it).send(SMOKE).expect(201);
    }
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('takes a vendor release logged by IT through triage, impact, QA-signed approvals, a real regression and implementation to closure', async () => {
    const logged = await api('post', '/api/v1/changes', tokens.it).send(release());
    expect(logged.status, JSON.stringify(logged.body)).to.equal(201);
    const id = logged.body.id as number;
    expect(logged.body).to.include({ key: `CR-${String(id).padStart(4, '0')}`, state: 'logged', version: 1 });
    expect((await lastAuditEvent(wb.services, 'change.logged'))?.entity).to.deep.equal({ type: 'change', id: String(id) });

    // Out of order: the allowed next steps are named.
    const skipped = await api('post', `/api/v1/changes/${id}/transitions`, tokens.it).send({ to: 'tested', reason: 'skip' });
    expect(skipped.status).to.equal(409);
    expect(skipped.body.error.code).to.equal('invalid_transition');
    expect(skipped.body.error.message).to.contain('the allowed next steps are assessed, rejected, cancelled');
    expect((await api('post', `/api/v1/changes/${id}/transitions`, tokens.it).send({ to: 'assessed', reason: 'impact reviewed' })).body.error.code).to.equal('triage_incomplete');

    // The impact is a query over the registry: both interfaces run on the platform.
    const preview = (await api('get', `/api/v1/changes/${id}/impact`, tokens.auditor)).body;
    expect(preview.frozen).to.equal(false);
    expect(preview.impact.interfaces.map((i: { key: string; via: string[] }) => [i.key, i.via])).to.deep.equal([['IF-CHG-001', ['platform']], ['IF-CHG-002', ['platform']]]);

    const triaged = await api('post', `/api/v1/changes/${id}/triage`, tokens.it).send({
      items: [
        { id: 'MULE-1', rating: 'high', rationale: 'Touches the audit trail of regulated flows.', interfaces: ['IF-CHG-001', 'IF-CHG-002'] },
        { id: 'MULE-2', rating: 'n/a', rationale: 'Cosmetic.' },
      ],
      reason: 'release notes reviewed',
    });
    expect(triaged.status, JSON.stringify(triaged.body)).to.equal(200);
    expect(triaged.body.releaseItems.map((i: { id: string; rating: string }) => [i.id, i.rating])).to.deep.equal([['MULE-1', 'high'], ['MULE-2', 'n/a']]);
    expect((await lastAuditEvent(wb.services, 'change.triaged'))?.reason).to.equal('release notes reviewed');

    const assessed = await api('post', `/api/v1/changes/${id}/transitions`, tokens.it).send({ to: 'assessed', reason: 'impact and triage complete' });
    expect(assessed.status, JSON.stringify(assessed.body)).to.equal(200);
    const regression = assessed.body.impact.regression as Array<{ interfaceKey: string; testDepth: string; reason: string }>;
    // IF-CHG-002's medium risk asks scripted-positive; the High item reaching it raises it to full.
    expect(regression.map((r) => [r.interfaceKey, r.testDepth])).to.deep.equal([['IF-CHG-001', 'full'], ['IF-CHG-002', 'full']]);
    expect(regression[0]!.reason).to.match(/risk level high/).and.not.to.match(/raised/);
    expect(regression[1]!.reason).to.match(/asks for scripted-positive depth; raised to full: release item MULE-1 rated High reach it/);
    expect((await lastAuditEvent(wb.services, 'change.transitioned'))?.after).to.deep.include({ state: 'assessed' });

    // QA's approvals are signatures; the high-risk interface also asks an IT review first.
    expect((await api('post', `/api/v1/changes/${id}/transitions`, tokens.qa).send({ to: 'approved-for-testing', reason: 'ok' })).body.error.code).to.equal('signature_required');
    expect((await sign(tokens.it, 'it', id, assessed.body.version, 'reviewed')).body.error.code, 'the requester cannot review').to.equal('separation_of_duties');
    const early = await sign(tokens.qa, 'qa', id, assessed.body.version, 'approved');
    expect(early.status).to.equal(409);
    expect(early.body.error.code).to.equal('signature_missing');
    await sign(tokens.it2, 'it2', id, assessed.body.version, 'reviewed').expect(201);
    await sign(tokens.qa, 'qa', id, assessed.body.version, 'approved').expect(201);
    const forTesting = await get(id);
    expect(forTesting.state).to.equal('approved-for-testing');

    // Regression in one action: refused as a whole for an environment an interface lacks.
    const runsBefore = (await wb.services.runs.list({ limit: 1000 })).length;
    const noEnv = await api('post', `/api/v1/changes/${id}/regression`, tokens.it).send({ environment: 'staging' });
    expect(noEnv.status).to.equal(400);
    expect(noEnv.body.error.details.map((d: { message: string }) => d.message)).to.deep.equal(["IF-CHG-001 has no environment 'staging'", "IF-CHG-002 has no environment 'staging'"]);
    expect((await wb.services.runs.list({ limit: 1000 })).length, 'nothing was started').to.equal(runsBefore);
    const started = await api('post', `/api/v1/changes/${id}/regression`, tokens.it).send({});
    expect(started.status, JSON.stringify(started.body)).to.equal(202);
    await wb.services.runs.idle();
    const linked = (await get(id)).runs as number[];
    expect(linked).to.deep.equal(started.body.runs.map((r: { id: number }) => r.id));
    const raisedRun = (await api('get', `/api/v1/runs/${linked[1]}`, tokens.auditor)).body;
    expect(raisedRun).to.include({ status: 'passed' });
    expect(raisedRun.assurance).to.include({ testDepth: 'full' });
    expect(raisedRun.assurance.reason).to.match(new RegExp(`raised to full depth \\(smoke, positive, negative, generated\\): regression of change ${logged.body.key}`));

    await api('post', `/api/v1/changes/${id}/transitions`, tokens.it).send({ to: 'tested', reason: 'regression passed' }).expect(200);
    expect((await api('get', `/api/v1/changes/${id}/gate`, tokens.auditor)).body.mayImplement).to.equal(false);
    const tested = await get(id);
    await sign(tokens.it2, 'it2', id, tested.version, 'reviewed').expect(201);
    await sign(tokens.qa, 'qa', id, tested.version, 'approved').expect(201);
    expect((await get(id)).state).to.equal('approved-for-implementation');
    expect((await api('get', `/api/v1/changes/${id}/gate`, tokens.auditor)).body).to.deep.equal({ mayImplement: true, blockers: [] });

    const incomplete = await api('post', `/api/v1/changes/${id}/transitions`, tokens.it).send({ to: 'implemented', reason: 'went live' });
    expect(incomplete.status).to.equal(400);
    expect(incomplete.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['body.implementedVersion', 'body.implementedAt']);
    const implemented = await api('post', `/api/v1/changes/${id}/transitions`, tokens.it).send({ to: 'implemented', reason: 'went live', implementedVersion: '4.9.1', implementedAt: '2027-01-16' });
    expect(implemented.status, JSON.stringify(implemented.body)).to.equal(200);
    expect(implemented.body.reReview).to.deep.equal(['IF-CHG-001', 'IF-CHG-002']);
    expect((await wb.services.interfaces.view('IF-CHG-001')).reviewDue).to.equal('2027-01-16T00:00:00.000Z');
    const platform = (await api('get', '/api/v1/platforms', tokens.auditor)).body.platforms.find((p: { name: string }) => p.name === 'MuleSoft Runtime');
    expect(JSON.stringify(platform)).to.contain('4.9.1');

    await sign(tokens.qa2, 'qa2', id, implemented.body.version, 'verified').expect(201);
    const closed = await get(id);
    expect(closed.state).to.equal('closed');
    expect(closed.history.map((h: { state: string }) => h.state)).to.include.members(['logged', 'assessed', 'approved-for-testing', 'tested', 'approved-for-implementation', 'implemented', 'closed']);
    const after = await api('post', `/api/v1/changes/${id}/transitions`, tokens.qa).send({ to: 'rejected', reason: 'too late' });
    expect(after.status).to.equal(409);
    expect(after.body.error.code).to.equal('change_closed');

    // The change record PDF shows it all.
    const pdf = await download(wb.app, `/api/v1/changes/${id}/pdf`, tokens.auditor);
    expect(pdf.status, JSON.stringify(pdf.body)).to.equal(200);
    const text = flat((await pdfText(pdf.bytes)).text);
    expect(text).to.contain(closed.key);
    for (const name of ['Ivo Second-Engineer', 'Rhea Reviewer']) expect(text).to.contain(name);
    expect(text).to.match(/MULE-1/).and.to.match(/High/i);
    for (const runId of linked) expect(text).to.contain(`${runId}`);
    expect((await lastAuditEvent(wb.services, 'export.created'))?.after).to.deep.include({ format: 'pdf', sha256: pdf.sha256 });
  });

  it('keeps a change from being approved by whoever logged it, and from implementation while a failed run has no closed deviation', async () => {
    const logged = (await api('post', '/api/v1/changes', tokens.qa).send(release({ title: 'Configuration of the order flow', type: 'configuration', releaseItems: [] }))).body;
    await api('post', `/api/v1/changes/${logged.id}/transitions`, tokens.it).send({ to: 'assessed', reason: 'impact reviewed' }).expect(200);
    const own = await sign(tokens.qa, 'qa', logged.id, (await get(logged.id)).version, 'approved');
    expect(own.status).to.equal(403);
    expect(own.body.error.code).to.equal('separation_of_duties');
    await api('patch', `/api/v1/changes/${logged.id}/impact`, tokens.it).send({ rationale: 'run the regression on the faulty WMS to rehearse a failure', environment: { 'IF-CHG-001': 'faulty', 'IF-CHG-002': 'faulty' } }).expect(200);
    const version = (await get(logged.id)).version;
    await sign(tokens.it2, 'it2', logged.id, version, 'reviewed').expect(201);
    await sign(tokens.qa2, 'qa2', logged.id, version, 'approved').expect(201);
    await api('post', `/api/v1/changes/${logged.id}/regression`, tokens.it).send({}).expect(202);
    await wb.services.runs.idle();
    await api('post', `/api/v1/changes/${logged.id}/transitions`, tokens.it).send({ to: 'tested', reason: 'regression ran' }).expect(200);
    const tested = await get(logged.id);
    await sign(tokens.it2, 'it2', logged.id, tested.version, 'reviewed').expect(201);
    const refused = await sign(tokens.qa2, 'qa2', logged.id, tested.version, 'approved');
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('unresolved_failures');
    expect(refused.body.error.message).to.match(/no closed deviation/);
    expect((await get(logged.id)).state).to.equal('tested');
    const gate = await gxpwAsync(['change', 'gate', tested.key, '--json'], wb.env);
    expect(gate.status, gate.stderr).to.equal(1);
    expect(JSON.parse(gate.stdout)).to.include({ mayImplement: false, state: 'tested' });
  });

  it('lets one of two concurrent transitions of the same change win; the other gets 409', async () => {
    const logged = (await api('post', '/api/v1/changes', tokens.it).send(release({ releaseItems: [] }))).body;
    const results = await Promise.all([tokens.it, tokens.qa].map((token) => api('post', `/api/v1/changes/${logged.id}/transitions`, token).send({ to: 'assessed', reason: 'at once' })));
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409]);
    expect(await auditEvents(wb.services, { action: 'change.transitioned', entityId: String(logged.id) })).to.have.length(1);
  });

  it('rejects (QA) or cancels (IT) with a reason from an open state', async () => {
    const logged = (await api('post', '/api/v1/changes', tokens.it).send(release({ releaseItems: [] }))).body;
    expect((await api('post', `/api/v1/changes/${logged.id}/transitions`, tokens.it).send({ to: 'rejected', reason: 'no' })).status).to.equal(403);
    const rejected = await api('post', `/api/v1/changes/${logged.id}/transitions`, tokens.qa).send({ to: 'rejected', reason: 'vendor withdrew the release' });
    expect(rejected.body).to.include({ state: 'rejected', stateReason: 'vendor withdrew the release' });
    expect((await lastAuditEvent(wb.services, 'change.transitioned'))?.reason).to.equal('vendor withdrew the release');
    const other = (await api('post', '/api/v1/changes', tokens.it).send(release({ releaseItems: [] }))).body;
    expect((await api('post', `/api/v1/changes/${other.id}/transitions`, tokens.it).send({ to: 'cancelled', reason: 'duplicate' })).body.state).to.equal('cancelled');
  });

  it('refuses a change naming what the registry does not hold or a retired interface, and a release calendar with a bad row: nothing logged, every problem listed', async () => {
    const before = (await auditEvents(wb.services, { action: 'change.logged' })).length;
    const unknown = await api('post', '/api/v1/changes', tokens.it).send(release({ platform: 'Boomi AtomSphere' }));
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.details.map((d: { field: string }) => d.field)).to.include('body.platform');
    await wb.services.interfaces.create(systemContext('test'), { key: 'IF-CHG-RET', name: 'Retired', sourceSystem: 'SAP S/4HANA', targetSystem: 'Manhattan Active WM', layer: 'integration-platform', pattern: 'rest-api', direction: 'unidirectional', messageTypes: ['SalesOrder'], dataDomains: ['orders'], platforms: [], gxpRelevant: true, intendedUse: 'x', owner: 'x', environments: {}, status: 'retired', retiredReason: 'replaced' });
    const retired = await api('post', '/api/v1/changes', tokens.it).send({ ...release({ type: 'interface-retirement', interface: 'IF-CHG-RET', releaseItems: [] }), platform: undefined });
    expect(retired.status).to.equal(400);
    expect(retired.body.error.details.map((d: { message: string }) => d.message)).to.include('IF-CHG-RET is retired: it takes no more changes');
    const calendar = { format: 'gxpw.release-calendar.v1', releases: [{ platform: 'MuleSoft Runtime', version: '4.10', date: '2027-03-01', items: [{ title: 'Fine' }] }, { platform: 'MuleSoft Runtime', version: '4.11', date: '2027-02-30', items: [{ title: 'Bad date' }] }] };
    const imported = await api('post', '/api/v1/changes/import', tokens.it).send({ format: 'json', content: JSON.stringify(calendar) });
    expect(imported.status).to.equal(400);
    expect(imported.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['releases.1.date']);
    expect(await auditEvents(wb.services, { action: 'change.logged' })).to.have.length(before);
    const good = await api('post', '/api/v1/changes/import', tokens.it).send({ format: 'json', content: JSON.stringify({ ...calendar, releases: [calendar.releases[0]] }) });
    expect(good.status, JSON.stringify(good.body)).to.equal(201);
    expect(good.body.changes.map((c: { state: string }) => c.state)).to.deep.equal(['logged']);
    expect((await api('post', '/api/v1/changes', tokens.auditor).send(release())).status).to.equal(403);
  });

  it('puts an open change past its planned date on the periodic review list, and takes it off once cancelled', async () => {
    const yesterday = new Date(wb.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    const late = (await api('post', '/api/v1/changes', tokens.it).send(release({ title: 'Overdue runtime patch', plannedDate: yesterday, releaseItems: [] }))).body;
    const listed = (await api('get', '/api/v1/reviews/periodic', tokens.auditor)).body.changes as Array<{ key: string; daysOverdue: number }>;
    expect(listed.find((c) => c.key === late.key)).to.deep.include({ daysOverdue: 1 });
    await api('post', `/api/v1/changes/${late.id}/transitions`, tokens.it).send({ to: 'cancelled', reason: 'folded into the next release' }).expect(200);
    const after = (await api('get', '/api/v1/reviews/periodic', tokens.auditor)).body.changes as Array<{ key: string }>;
    expect(after.map((c) => c.key)).to.not.include(late.key);
  });

  it('drives change control from a pipeline: gxpw change log, import (all or nothing), regression and gate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-change-cli-'));
    try {
      const logged = await gxpwAsync(['change', 'log', '--type', 'vendor-release', '--title', 'MuleSoft Runtime 4.9.2', '--platform', 'MuleSoft Runtime', '--from', '4.9.1', '--to', '4.9.2', '--date', '2027-02-01', '--env', 'test', '--json'], wb.env);
      expect(logged.status, logged.stderr).to.equal(0);
      const key = JSON.parse(logged.stdout).key as string;
      expect((await lastAuditEvent(wb.services, 'change.logged'))?.after).to.deep.include({ key, state: 'logged' });
      expect((await gxpwAsync(['change', 'log', '--type', 'vendor-release', '--title', 'x', '--platform', 'Nope', '--date', '2027-02-01'], wb.env)).status, 'unknown platform: a usage error').to.equal(2);
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, 'platform,version,date,item_id,item_title,item_description\nMuleSoft Runtime,5.0,2027-04-01,M-1,Fine,\nMuleSoft Runtime,5.1,2027-13-01,M-2,Bad month,\n');
      const before = (await auditEvents(wb.services, { action: 'change.logged' })).length;
      const refused = await gxpwAsync(['change', 'import', bad], wb.env);
      expect(refused.status).to.equal(2);
      expect(refused.stderr).to.match(/rows\.3/);
      expect(await auditEvents(wb.services, { action: 'change.logged' })).to.have.length(before);
      const gate = await gxpwAsync(['change', 'gate', key], wb.env);
      expect(gate.status).to.equal(1);
      expect(gate.stdout).to.contain(`${key} may NOT be implemented`);
      // The regression runs here, waited for, linked to the change.
      const id = (await wb.services.changes.byIdOrKey(key)).id;
      await api('post', `/api/v1/changes/${id}/transitions`, tokens.it).send({ to: 'assessed', reason: 'no release items' }).expect(200);
      const version = (await get(id)).version;
      await sign(tokens.it2, 'it2', id, version, 'reviewed').expect(201);
      await sign(tokens.qa, 'qa', id, version, 'approved').expect(201);
      const regression = await gxpwAsync(['change', 'regression', key, '--json'], wb.env);
      expect(regression.status, regression.stderr).to.equal(0);
      const runs = JSON.parse(regression.stdout).runs as Array<{ id: number; status: string }>;
      expect(runs.map((r) => r.status)).to.deep.equal(['passed', 'passed']);
      expect((await get(id)).runs).to.deep.equal(runs.map((r) => r.id));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
