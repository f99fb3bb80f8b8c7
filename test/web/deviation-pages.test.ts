// Deviation pages over the demo's failing runs: the list and a deviation in words, opening one on a
// failed step (audited; a bad form refused beside its field, nothing opened), recording root cause
// and resolution as a new version (audited), QA's approval through the sign dialog closing it, and
// controls by role — absent from the page and refused by the server.
import { expect } from 'chai';
import type { Server } from 'node:http';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createDemoWorkbench } from '../support/demo-workbench.js';
import { TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { decoded, signInWeb, type WebSession } from '../support/web-agent.js';

describeEachDatabase('deviation pages', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  const web = {} as Record<'it' | 'qa' | 'auditor', WebSession>;
  let deviationId: number;
  let failedRunId: number;

  before(async function () {
    this.timeout(240_000);
    ({ wb, server } = await createDemoWorkbench(dialect));
    const open = await wb.services.deviations.list({ status: 'open' });
    expect(open.length).to.be.greaterThan(0);
    deviationId = open[0]!.id;
    failedRunId = open[0]!.runId;
    for (const role of ['it', 'qa', 'auditor'] as const) web[role] = await signInWeb(wb.app, role);
  });
  after(async () => {
    await wb?.services.runs.idle();
    server?.close();
    await wb?.close();
  });

  it('lists the deviations with their state in words, and filters by state', async () => {
    const page = await web.auditor.get('/deviations');
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`href="/deviations/${deviationId}"`).and.contain('>Open</span>');
    const closed = await web.auditor.get('/deviations?status=closed');
    expect(closed.text).to.contain('No deviation is in this state.');
    expect((await web.auditor.get('/deviations?status=bogus')).status).to.equal(400);
  });

  it('counts the open deviations on the dashboard, linking to them', async () => {
    const open = (await wb.services.deviations.list({ status: 'open' })).length + (await wb.services.deviations.list({ status: 'investigating' })).length;
    expect(open).to.be.greaterThan(0);
    const page = await web.qa.get('/');
    expect(page.text).to.contain(`<a href="/deviations">${open} open or under investigation</a>`);
  });

  it('shows a deviation; the investigation form only to those who test, never to the auditor, whose POST is refused', async () => {
    const forQa = await web.qa.get(`/deviations/${deviationId}`);
    expect(forQa.text).to.contain(`action="/deviations/${deviationId}"`).and.contain('Root cause');
    expect(forQa.text).to.not.contain('Sign as approved');
    const forAuditor = await web.auditor.get(`/deviations/${deviationId}`);
    expect(forAuditor.status).to.equal(200);
    expect(forAuditor.text).to.not.contain(`action="/deviations/${deviationId}"`);
    expect((await web.auditor.post(`/deviations/${deviationId}`, { rootCause: 'x', reason: 'y' })).status).to.equal(403);
    expect((await web.auditor.get(`/runs/${failedRunId}`)).text).to.not.contain('Open a deviation');
  });

  it('records root cause and resolution as a new version (audited); without a reason it is refused beside the field and nothing changes', async () => {
    const before = (await wb.services.deviations.get(deviationId)).currentVersion;
    const refused = await web.it.post(`/deviations/${deviationId}`, { rootCause: 'The WMS reads the order date as local time.', reason: '' });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.match(/id="f-reason"[^>]*aria-invalid="true"/);
    expect((await wb.services.deviations.get(deviationId)).currentVersion).to.equal(before);
    const saved = await web.it.post(`/deviations/${deviationId}`, { rootCause: 'The WMS reads the order date as local time.', resolution: 'Vendor fix 2025.2.1 installed and re-tested.', status: 'resolved', reason: 'investigation complete' });
    expect(saved.status).to.equal(303);
    const row = await wb.services.deviations.get(deviationId);
    expect(row.currentVersion).to.equal(before + 1);
    expect(row.status).to.equal('resolved');
    const event = await lastAuditEvent(wb.services, 'deviation.updated');
    expect(event?.entity.id).to.equal(String(deviationId));
    expect(event?.reason).to.equal('investigation complete');
    const page = await web.it.get(`/deviations/${deviationId}`);
    expect(page.text).to.contain('Resolved — awaiting QA approval').and.contain('Vendor fix 2025.2.1 installed and re-tested.');
    expect(page.text).to.not.contain('Sign as approved');
  });

  it('QA approves the resolved version through the sign dialog: the deviation closes, its manifestation shows, the form is gone', async () => {
    const page = decoded((await web.qa.get(`/deviations/${deviationId}`)).text);
    expect(page).to.contain(`/sign/deviation/${deviationId}?meaning=approved`);
    const version = (await wb.services.deviations.get(deviationId)).currentVersion;
    const signed = await web.qa.post(`/sign/deviation/${deviationId}`, { version: String(version), meaning: 'approved', reason: 'root cause and fix verified', username: 'qa', password: TEST_PASSWORD, returnTo: `/deviations/${deviationId}` });
    expect(signed.status, signed.text.slice(0, 400)).to.equal(303);
    expect(await wb.services.deviations.isClosed(await wb.services.deviations.get(deviationId))).to.equal(true);
    const after = await web.auditor.get(`/deviations/${deviationId}`);
    expect(after.text).to.contain('Closed (approved by QA)').and.contain('root cause and fix verified').and.contain('>Valid</span>');
    expect((await web.qa.get(`/deviations/${deviationId}`)).text).to.not.contain(`action="/deviations/${deviationId}"`);
  });

  it('opens a deviation on a failed step from the run (audited); an empty title is refused beside it and nothing is opened', async () => {
    const run = await web.it.get(`/runs/${failedRunId}`);
    expect(run.text).to.contain(`href="/runs/${failedRunId}/deviations/new"`);
    const form = await web.it.get(`/runs/${failedRunId}/deviations/new`);
    expect(form.status).to.equal(200);
    const step = /<option value="(\d+)"/.exec(form.text)![1]!;
    const before = (await auditEvents(wb.services, { action: 'deviation.opened' })).length;
    const refused = await web.it.post(`/runs/${failedRunId}/deviations`, { stepPosition: step, title: '', description: 'Second look', impact: 'None on released data.' });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.match(/id="f-title"[^>]*aria-invalid="true"/);
    expect((await auditEvents(wb.services, { action: 'deviation.opened' })).length).to.equal(before);
    const opened = await web.it.post(`/runs/${failedRunId}/deviations`, { stepPosition: step, title: 'Response time above the agreed limit', description: 'Second look at the failed step.', impact: 'None on released data.' });
    expect(opened.status, opened.text.slice(0, 400)).to.equal(303);
    expect((await auditEvents(wb.services, { action: 'deviation.opened' })).length).to.equal(before + 1);
    expect(opened.headers.location).to.match(/^\/deviations\/\d+$/);
    expect((await web.auditor.post(`/runs/${failedRunId}/deviations`, { stepPosition: step, title: 't', description: 'd', impact: 'i' })).status).to.equal(403);
  });

  it('answers 404 for a deviation that does not exist', async () => {
    expect((await web.qa.get('/deviations/999999')).status).to.equal(404);
  });
});
