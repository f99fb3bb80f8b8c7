// The run pages over the demo reference architecture served on loopback (its simulators answer the
// runs): starting a run from an interface's form (audited; a bad form refused beside its field, no
// run made), the live progress stream, the run with expected vs actual side by side, the evidence
// viewer for JSON, XML, images and what must never render, the audited PDF, and 404s.
import { Readable } from 'node:stream';
import type { Server } from 'node:http';
import { expect } from 'chai';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { listenOnLoopback } from '../support/runner-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

const KEY = 'IF-ERP-WMS-001';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describeEachDatabase('run pages', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let qa: WebSession;
  let auditor: WebSession;
  let admin: WebSession;
  let runId: number;

  const capture = async (content: string | Buffer, mediaType: string, originalName: string) =>
    (await wb.services.evidence.capture(systemContext('test'), Readable.from([Buffer.from(content)]), { mediaType, originalName })).item.digest;
  /** Reads a whole event stream as text (supertest buffers only the types it knows). */
  const streamOf = (session: WebSession, path: string) =>
    session.agent
      .get(path)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });

  before(async function () {
    this.timeout(120_000);
    wb = await createTestWorkbench(dialect, { demoRegistry: true, env: { GXPW_SIMULATORS: 'on' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    wb.services.runs.listeningOn(base);
    [qa, auditor, admin] = await Promise.all([signInWeb(wb.app, 'qa'), signInWeb(wb.app, 'auditor'), signInWeb(wb.app, 'admin')]);
  });
  after(async () => {
    await wb?.services.runs.idle();
    server?.close();
    await wb?.close();
  });

  it('starts a run from the interface page: redirected to the run, audited as queued by the QA lead', async function () {
    this.timeout(60_000);
    const started = await qa.post(`/interfaces/${KEY}/runs`, { environment: 'test' });
    expect(started.status, started.text.slice(0, 500)).to.equal(303);
    const match = /^\/runs\/(\d+)$/.exec(started.headers.location ?? '');
    expect(match, started.headers.location).to.not.equal(null);
    runId = Number(match![1]);
    const [queued] = await auditEvents(wb.services, { action: 'run.queued', entityId: String(runId) });
    expect(queued?.actor.name).to.equal('Quinn Quality');
    expect(queued?.after).to.deep.include({ interface: KEY, environment: 'test', dryRun: false });
    const page = await qa.get(`/runs/${runId}`);
    expect(page.text).to.include(`Run ${runId} of ${KEY} is queued`);
  });

  it('streams the run’s progress as server-sent events and ends with finished', async function () {
    this.timeout(60_000);
    const stream = await streamOf(qa, `/runs/${runId}/events`);
    expect(stream.status).to.equal(200);
    expect(stream.headers['content-type']).to.match(/^text\/event-stream/);
    const text = stream.body as string;
    const progress = [...text.matchAll(/event: progress\ndata: (.+)\n/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    expect(progress.length).to.be.at.least(1);
    const last = progress.at(-1)!;
    expect(last.stepsTotal).to.be.a('number').greaterThan(0);
    expect(last.stepsDone).to.equal(last.stepsTotal);
    expect(text).to.match(/event: finished\ndata: \{"status":"Passed"\}/);
    await wb.services.runs.idle();
  });

  it('refuses a bad start form beside its field, and makes no run', async () => {
    const before = (await wb.services.runs.list({ limit: 1000 })).length;
    const unknown = await qa.post(`/interfaces/${KEY}/runs`, { environment: 'nowhere' });
    expect(unknown.status).to.equal(400);
    expect(unknown.text).to.match(/<select id="f-environment"[^>]*aria-invalid="true"/);
    expect(unknown.text).to.match(/id="f-environment-error">[\s\S]*must be one of test, validation, faulty/);
    const malformed = await qa.post(`/interfaces/${KEY}/runs`, { environment: 'Not An Environment!' });
    expect(malformed.status).to.equal(400);
    expect(malformed.text).to.include('id="f-environment-error"');
    expect((await wb.services.runs.list({ limit: 1000 })).length).to.equal(before);
  });

  it('shows a finished run: header, depth and reason, each step with expected vs actual side by side, pass in words, evidence links', async () => {
    const page = await auditor.get(`/runs/${runId}`);
    expect(page.status).to.equal(200);
    const run = await wb.services.runs.get(runId);
    const steps = await wb.services.runs.steps(runId);
    expect(page.text).to.include(`Run ${runId} · ${KEY}`);
    expect(page.text).to.include('Quinn Quality');
    expect(page.text).to.match(/<time datetime="[^"]+">[^<]+ UTC<\/time>/);
    expect(page.text).to.include(`Contract v${run.contractVersion}`);
    expect(page.text).to.include('<span class="badge badge-passed">Passed</span>');
    expect(page.text).to.include(`${steps.length} passed, 0 failed of ${steps.length} steps`);
    expect((page.text.match(/<div class="compare">/g) ?? []).length).to.equal(steps.length);
    expect(page.text).to.include('<h4>Expected</h4>').and.include('<h4>Actual</h4>');
    expect(page.text).to.include('<span class="badge badge-passed">Pass</span>');
    expect(page.text).to.include(`href="/evidence/${steps[0]!.requestEvidence}"`);
    expect(page.text).to.not.include('data-events-url');
    expect(page.text).to.include(`href="/runs/${runId}/pdf"`);
    expect((await admin.get(`/runs/${runId}`)).text, 'admin exports no records').to.not.include('/pdf"');
  });

  it('shows a queued run with the live panel (hidden stop-watching button, reload link for no-JS)', async () => {
    const queued = await wb.services.runs.create(systemContext('test'), { interface: KEY, environment: 'test' });
    try {
      const page = await qa.get(`/runs/${queued.id}`);
      expect(page.text).to.include(`data-events-url="/runs/${queued.id}/events"`);
      expect(page.text).to.match(/<progress id="run-progress" max="\d+" value="0"/);
      expect(page.text).to.include('<button type="button" class="button" data-stop-watching hidden>Stop watching</button>');
      expect(page.text).to.include('Reload to see the latest');
      expect(page.text).to.not.include(`/runs/${queued.id}/pdf`);
    } finally {
      await wb.services.runs.execute(systemContext('test'), queued.id);
    }
  });

  it('lists runs with filters by interface and status', async () => {
    const list = await qa.get(`/runs?interface=${KEY}&status=passed`);
    expect(list.status).to.equal(200);
    expect(list.text).to.include(`href="/runs/${runId}"`);
    const none = await qa.get('/runs?status=aborted');
    expect(none.text).to.include('No run matches these filters.');
    expect((await qa.get('/runs?status=lost')).status).to.equal(400);
  });

  it('exports the run evidence PDF for an auditor, as an audited export', async () => {
    const pdf = await auditor.agent.get(`/runs/${runId}/pdf`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).to.equal(200);
    expect(pdf.headers['content-type']).to.equal('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
    const exports = await auditEvents(wb.services, { action: 'export.created' });
    expect(exports.at(-1)?.actor.name).to.equal('Aurelia Auditor');
  });

  it('shows JSON evidence pretty-printed, with its catalogue entry and a download', async () => {
    const [step] = await wb.services.runs.steps(runId);
    const page = await qa.get(`/evidence/${step!.requestEvidence}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('JSON, pretty-printed');
    expect(page.text).to.match(/<pre class="block evidence-content"[^>]*>\{\n {2}&quot;/);
    expect(page.text).to.include(`run-${runId}-step-1-request.json`);
    expect(page.text).to.include(`href="/evidence/${step!.requestEvidence}/download"`);
  });

  it('shows XML indented and as text only; SVG and HTML are never rendered, and download as attachments', async () => {
    const xml = await capture('<order><id>42</id><lines><line qty="1"/></lines></order>', 'application/xml', 'order.xml');
    const xmlPage = await qa.get(`/evidence/${xml}`);
    expect(xmlPage.text).to.include('XML, indented');
    expect(xmlPage.text).to.include('&lt;order&gt;\n  &lt;id&gt;42&lt;/id&gt;\n  &lt;lines&gt;\n    &lt;line qty&#x3D;&quot;1&quot;/&gt;\n  &lt;/lines&gt;\n&lt;/order&gt;');
    const svg = await capture('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml', 'x.svg');
    const svgPage = await qa.get(`/evidence/${svg}`);
    expect(svgPage.text).to.not.include('<script>alert(1)');
    expect(svgPage.text).to.not.include(`<img class="evidence-image" src="/evidence/${svg}`);
    const svgDownload = await qa.get(`/evidence/${svg}/download`);
    expect(svgDownload.headers['content-disposition']).to.match(/^attachment; filename="?x\.svg"?/);
    expect(svgDownload.headers['x-content-type-options']).to.equal('nosniff');
    const html = await capture('<html><body><script>alert(2)</script></body></html>', 'text/html', 'page.html');
    const htmlPage = await qa.get(`/evidence/${html}`);
    expect(htmlPage.text).to.include('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(htmlPage.text).to.not.include('<script>alert(2)');
    expect((await qa.get(`/evidence/${html}/download`)).headers['content-disposition']).to.match(/^attachment/);
  });

  it('shows an image through its download, served inline as its media type', async () => {
    const png = await capture(PNG, 'image/png', 'screen.png');
    const page = await auditor.get(`/evidence/${png}`);
    expect(page.text).to.include(`<img class="evidence-image" src="/evidence/${png}/download" alt="Evidence image screen.png">`);
    const download = await auditor.agent.get(`/evidence/${png}/download`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(download.status).to.equal(200);
    expect(download.headers['content-type']).to.equal('image/png');
    expect(download.headers['content-disposition']).to.match(/^inline/);
    expect(Buffer.compare(download.body as Buffer, PNG)).to.equal(0);
  });

  it('truncates large text evidence with a note', async () => {
    const big = await capture('x'.repeat(300 * 1024), 'text/plain', 'big.txt');
    const page = await qa.get(`/evidence/${big}`);
    expect(page.text).to.include('Only the first 256 KB are shown');
  });

  it('answers 404 for an unknown run or evidence, 400 for a malformed id', async () => {
    expect((await qa.get('/runs/999999')).status).to.equal(404);
    expect((await qa.get('/runs/999999/events')).status).to.equal(404);
    expect((await qa.get(`/evidence/${'a'.repeat(64)}`)).status).to.equal(404);
    expect((await qa.get('/evidence/not-a-digest')).status).to.equal(400);
    expect((await qa.get('/runs/abc')).status).to.equal(400);
  });
});
