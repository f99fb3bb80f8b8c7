// The dashboard: heat map links and counts from the registry, attention lists, the audit status,
// and controls by role.
import { expect } from 'chai';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { decoded, signInWeb } from '../support/web-agent.js';

describeEachDatabase('dashboard page', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { demoRegistry: true })));
  after(async () => wb?.close());

  it('draws the portfolio heat map from the registry: one link per layer × level naming its count', async () => {
    const views = await wb.services.interfaces.views(wb.services.now());
    const response = await (await signInWeb(wb.app, 'qa')).get('/');
    expect(response.status).to.equal(200);
    const page = { text: decoded(response.text) };
    const high = views.portfolio['integration-platform']?.high ?? 0;
    expect(high).to.be.greaterThan(0);
    expect(page.text).to.contain(`<a href="/interfaces?layer=integration-platform&riskLevel=high&status=live" aria-label="Integration platform, high risk: ${high} interface${high === 1 ? '' : 's'}">`);
    const links = page.text.match(/<a href="\/interfaces\?layer=/g) ?? [];
    expect(links).to.have.length(5 * 4);
    expect(page.text).to.contain(`${views.total} live interfaces in the registry`);
    // The cell leads to exactly the interfaces it counts.
    const listed = await (await signInWeb(wb.app, 'qa')).get('/interfaces?layer=integration-platform&riskLevel=high&status=live');
    expect(listed.text).to.contain(`${high} interface${high === 1 ? '' : 's'} match`);
    const unassessed = await (await signInWeb(wb.app, 'qa')).get('/interfaces?riskLevel=unassessed&status=live');
    expect(unassessed.status).to.equal(200);
  });

  it('shows the audit trail’s size and last signed checkpoint, with the zone named', async () => {
    await wb.services.audit.checkpointNow(null);
    const latest = await wb.services.checkpoints.latest();
    const page = await (await signInWeb(wb.app, 'auditor')).get('/');
    const events = Number(await wb.services.models.AuditEvent.max('seq'));
    expect(page.text).to.match(new RegExp(`Events recorded</dt><dd>${events.toLocaleString('en-GB')}</dd>`));
    // checkpointNow above signed one: the page names the events it covers.
    expect(latest).to.not.equal(null);
    expect(page.text).to.contain(`covers events 1–${latest!.treeSize.toLocaleString('en-GB')}`);
    expect(page.text).to.match(/<time datetime="[^"]+">[^<]+ UTC<\/time>/);
  });

  it('says nothing about deviations when there are none (their counts are tested with the deviation pages)', async () => {
    expect(await wb.services.deviations.list({})).to.have.length(0);
    expect((await (await signInWeb(wb.app, 'qa')).get('/')).text).to.not.contain('Deviations:');
  });

  it('offers “Log a change” to IT and not to an auditor, and tells a non-signer that nothing awaits them', async () => {
    const it = await (await signInWeb(wb.app, 'it')).get('/');
    expect(it.text).to.contain('href="/changes/new"');
    const auditor = await (await signInWeb(wb.app, 'auditor')).get('/');
    expect(auditor.text).to.not.contain('href="/changes/new"');
    expect(auditor.text).to.contain('Your role does not sign records');
  });
});
