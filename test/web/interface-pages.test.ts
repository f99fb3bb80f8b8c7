// The interface pages over the demo reference architecture: the list (search, filters, paging, risk
// in words, contract yes/no, last run), one interface (systems, platforms, contracts, risk history
// with rationale, requirements, scenarios), a contract version, the diff of two, the run form only
// for the roles that may start runs, and 404s for what does not exist.
import { expect } from 'chai';
import { systemContext } from '../../src/platform/request-context.js';
import { DEMO_INTERFACES } from '../../src/demo/reference-architecture.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

const KEY = 'IF-ERP-WMS-001';

describeEachDatabase('interface pages', (dialect) => {
  let wb: TestWorkbench;
  let qa: WebSession;
  let auditor: WebSession;
  let admin: WebSession;
  let it_: WebSession;
  before(async function () {
    this.timeout(120_000);
    wb = await createTestWorkbench(dialect, { demoRegistry: true });
    [qa, auditor, admin, it_] = await Promise.all([signInWeb(wb.app, 'qa'), signInWeb(wb.app, 'auditor'), signInWeb(wb.app, 'admin'), signInWeb(wb.app, 'it')]);
    // A second contract version: one more required field in every request schema that has a required list.
    const v1 = await wb.services.contracts.get(KEY, 1);
    const document = JSON.parse(v1.document) as { components?: { schemas?: Record<string, { required?: string[]; properties?: Record<string, unknown> }> } };
    const schema = Object.values(document.components?.schemas ?? {}).find((s) => Array.isArray(s.required) && s.properties);
    if (!schema) throw new Error('the demo contract has no schema with required properties');
    schema.properties!.qualityHold = { type: 'boolean' };
    schema.required!.push('qualityHold');
    await wb.services.contracts.register(systemContext('test'), KEY, { format: v1.format as 'openapi', document, note: 'Adds the quality hold flag' });
  });
  after(async () => wb?.close());

  it('lists the interfaces with risk level in words, contract yes/no and the last run', async () => {
    const page = await qa.get('/interfaces');
    expect(page.status).to.equal(200);
    for (const demo of DEMO_INTERFACES) expect(page.text).to.include(demo.key);
    expect(page.text).to.match(/<span class="badge badge-(high|medium|low)">(High|Medium|Low) risk<\/span>/);
    expect(page.text).to.include('Yes (v2)');
    expect(page.text).to.include('No runs yet');
    expect(page.text).to.include('<th scope="col">Risk level</th>');
  });

  it('searches key and name, filters by layer, risk level, status and platform, and says when nothing matches', async () => {
    const byName = await qa.get('/interfaces?q=sales+order');
    expect(byName.text).to.include(KEY);
    const rows = (html: string) => (html.match(/<tr>\s*<td><a href="\/interfaces\//g) ?? []).length;
    expect(rows(byName.text)).to.be.lessThan(DEMO_INTERFACES.length);
    const demo = DEMO_INTERFACES.find((d) => d.key === KEY)!;
    const layer = await qa.get(`/interfaces?layer=${demo.layer}&status=active`);
    expect(layer.text).to.include(KEY);
    expect(layer.text).to.include(`<option value="${demo.layer}" selected>`);
    const view = await wb.services.interfaces.view(KEY);
    const risk = await qa.get(`/interfaces?riskLevel=${view.riskLevel}`);
    expect(risk.text).to.include(KEY);
    const platform = await qa.get(`/interfaces?platform=${encodeURIComponent(demo.platforms[0]!)}`);
    expect(platform.text).to.include(KEY);
    const none = await qa.get('/interfaces?q=no-such-interface-anywhere');
    expect(none.status).to.equal(200);
    expect(none.text).to.include('No interface matches these filters.');
    expect(none.text).to.include('Clear filters');
  });

  it('pages the list (50 at most) and refuses a bad filter with a 400, not a 500', async () => {
    const second = await qa.get('/interfaces?page=2');
    expect(second.status).to.equal(200);
    // The demo has fewer than 50 interfaces: all on page 1, and page 2 says it is past the end.
    expect(second.text).to.include('This page is past the end of the list.');
    expect((await qa.get('/interfaces')).text).to.not.include('Next page');
    expect((await qa.get('/interfaces?layer=moon')).status).to.equal(400);
    expect((await qa.get('/interfaces?page=0')).status).to.equal(400);
  });

  it('shows an interface: systems, platforms with versions, contract versions with the diff link, risk history with rationale, requirements, scenarios', async () => {
    const page = await auditor.get(`/interfaces/${KEY}`);
    expect(page.status).to.equal(200);
    const view = await wb.services.interfaces.view(KEY);
    expect(page.text).to.include(view.sourceSystem!).and.include(view.targetSystem!);
    const platforms = await wb.services.platforms.list();
    const mule = platforms.find((p) => view.platforms[0]!.startsWith(p.name))!;
    expect(page.text).to.include(mule.name);
    for (const version of Object.values(mule.versions)) expect(page.text).to.include(`<strong>${version}</strong>`);
    expect(page.text).to.include(`href="/interfaces/${KEY}/contracts/2"`).and.include(`href="/interfaces/${KEY}/contracts/1/diff/2"`);
    const [assessment] = await wb.services.assessments.history(KEY);
    const rationale = (JSON.parse(assessment!.result) as { rationale: string[] }).rationale;
    expect(page.text).to.include('Current assessment');
    for (const line of rationale) expect(page.text).to.include(escapeHtml(line));
    const [requirement] = await wb.services.requirements.list(KEY);
    expect(page.text).to.include(requirement!.requirement.key);
    const [scenario] = await wb.services.scenarios.current(KEY);
    expect(page.text).to.include(escapeHtml(scenario!.name));
    // The contract moved on after the scenarios were written for v1: the page says so.
    expect(page.text).to.include('Other contract');
    expect(page.text).to.include('This interface has not been run yet.');
  });

  it('offers the run form to IT and QA only (the server refuses the others: page-authorization)', async () => {
    for (const session of [qa, it_]) {
      const page = await session.get(`/interfaces/${KEY}`);
      expect(page.text).to.include(`action="/interfaces/${KEY}/runs"`);
      expect(page.text).to.include('<label for="f-environment">Environment</label>');
    }
    for (const session of [auditor, admin]) {
      const page = await session.get(`/interfaces/${KEY}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.not.include(`action="/interfaces/${KEY}/runs"`);
      expect(page.text).to.not.include('Start the run');
    }
    const refused = await auditor.post(`/interfaces/${KEY}/runs`, { environment: 'test' });
    expect(refused.status).to.equal(403);
  });

  it('shows a contract version pretty-printed with its metadata', async () => {
    const page = await qa.get(`/interfaces/${KEY}/contracts/2`);
    expect(page.status).to.equal(200);
    const v2 = await wb.services.contracts.get(KEY, 2);
    expect(page.text).to.include(v2.digest);
    expect(page.text).to.include('Adds the quality hold flag');
    expect(page.text).to.include('Current version');
    expect(page.text).to.include('&quot;qualityHold&quot;: {');
    expect(page.text).to.include(`href="/interfaces/${KEY}/contracts/1/diff/2"`);
    const v1 = await qa.get(`/interfaces/${KEY}/contracts/1`);
    expect(v1.text).to.include('Superseded');
  });

  it('diffs two versions: every change breaking or not in words, the documents side by side', async () => {
    const page = await qa.get(`/interfaces/${KEY}/contracts/1/diff/2`);
    expect(page.status).to.equal(200);
    const diff = await wb.services.contracts.diff(KEY, 1, 2);
    expect(diff.changes.length).to.be.greaterThan(0);
    expect(page.text).to.match(/Breaking for (consumers|providers)/);
    expect(page.text).to.include('Required added');
    expect(page.text).to.include('<div class="compare">');
    expect(page.text).to.include('Version 1').and.include('Version 2');
  });

  it('answers 404 for an unknown interface or contract version, 400 for a malformed one', async () => {
    expect((await qa.get('/interfaces/IF-NONE-999')).status).to.equal(404);
    const missing = await qa.get(`/interfaces/${KEY}/contracts/9`);
    expect(missing.status).to.equal(404);
    expect(missing.text).to.include('has no contract version 9');
    expect((await qa.get(`/interfaces/${KEY}/contracts/1/diff/9`)).status).to.equal(404);
    expect((await qa.get(`/interfaces/${KEY}/contracts/first`)).status).to.equal(400);
  });
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/`/g, '&#x60;').replace(/=/g, '&#x3D;');
}
