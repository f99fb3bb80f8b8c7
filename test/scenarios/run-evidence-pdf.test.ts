// GET /api/v1/runs/:id/pdf: what an auditor asks for about one test — the run, its plan and why it
// ran at that depth, every step with expected vs actual, the evidence digests, the signatures with
// their Part 11 §11.50 manifestation, and the deviations — read back from the PDF's text as an npm
// PDF library extracts it. The export is an audit event naming the digest of the bytes sent.
import type { Server } from 'node:http';
import { expect } from 'chai';
import request from 'supertest';
import { describeValue, presentSignatureBlock } from '../../src/scenarios/run-evidence-presenter.js';
import type { Signature } from '../../src/signatures/signature-model.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { download, flat, pdfText } from '../support/export-download.js';
import { listenOnLoopback, salesOrderInterfaces, SALES_ORDER } from '../support/runner-fixtures.js';
import { TEST_PASSWORD, createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';


const SCENARIOS = [
  { key: 'order-lookup-smoke', name: 'An unknown order is a 404', category: 'smoke', steps: [{ name: 'Look up an order that does not exist', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] },
  {
    key: 'create-and-read-order',
    name: 'A released order is created and can be read back',
    category: 'positive',
    steps: [
      { name: 'Create the outbound order', operation: 'POST /orders', body: SALES_ORDER, expect: { status: 201, assertions: [{ pointer: '/orderNumber', matches: '^\\d{10}$' }] }, capture: { orderNumber: '/orderNumber' } },
      { name: 'Read it back', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '{{vars.orderNumber}}' }, expect: { status: 200 } },
    ],
  },
  { key: 'schema-fault', name: 'The WMS answers off-contract', category: 'positive', steps: [{ name: 'Create an order the simulator answers off-contract', operation: 'POST /orders', query: { fault: 'schema' }, body: SALES_ORDER, expect: { status: 201 } }] },
];

/** All white space removed: table cells wrap wherever the layout decides. */
const squeeze = (text: string) => text.replace(/\s+/g, '');
const utc = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

describeEachDatabase('run evidence PDF', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let it_: string;
  let qa: string;
  let qa2: string;
  let auditor: string;
  let run: any;
  let dryRun: any;
  let deviationId: number;
  const api = (method: 'get' | 'post' | 'patch', url: string, token = it_) => request(wb.app)[method](url).set('Authorization', `Bearer ${token}`);
  const exportsOf = (id: number) => auditEvents(wb.services, { action: 'export.created', entityType: 'run', entityId: String(id) });

  before(async function () {
    this.timeout(120_000);
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '2000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-PDF-001', 'IF-PDF-002'], { test: `${base}/sim/wms` });
    [it_, qa, qa2, auditor] = await Promise.all(['it', 'qa', 'qa2', 'auditor'].map((u) => wb.login(u)));
    for (const key of ['IF-PDF-001', 'IF-PDF-002']) for (const scenario of SCENARIOS) await api('post', `/api/v1/interfaces/${key}/scenarios`).send(scenario).expect(201);
    await api('post', '/api/v1/interfaces/IF-PDF-001/risk-assessments', qa).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } }).expect(201);
    const started = await api('post', '/api/v1/runs').send({ interface: 'IF-PDF-001' }).expect(201);
    const dry = await api('post', '/api/v1/runs').send({ interface: 'IF-PDF-002', dryRun: true }).expect(201);
    await wb.services.runs.idle();
    run = (await api('get', `/api/v1/runs/${started.body.id}`)).body;
    dryRun = (await api('get', `/api/v1/runs/${dry.body.id}`)).body;
    expect(run.status).to.equal('failed');

    // The failed step's deviation: opened and resolved by IT, reviewed by one QA person, approved (closed) by another.
    const failed = run.steps.find((s: { status: string }) => s.status === 'failed');
    const opened = await api('post', `/api/v1/runs/${run.id}/deviations`).send({ stepPosition: failed.position, title: 'WMS answer breaks the contract', description: 'The order receipt misses a required field.', impact: 'Orders could be released without a WMS id.' }).expect(201);
    deviationId = opened.body.id;
    await api('patch', `/api/v1/deviations/${deviationId}`).send({ rootCause: 'Simulator fault injection (fault=schema).', resolution: 'Kept as a negative control; no product impact.', status: 'resolved', reason: 'investigation complete' }).expect(200);
    const sign = (token: string, username: string, meaning: string) =>
      api('post', '/api/v1/signatures', token).send({ recordType: 'deviation', recordId: String(deviationId), version: 2, meaning, reason: `deviation ${meaning}`, username, password: TEST_PASSWORD });
    expect((await sign(qa2, 'qa2', 'reviewed')).status).to.equal(201);
    expect((await sign(qa, 'qa', 'approved')).status).to.equal(201);
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  describe('a run for record with a closed deviation', () => {
    let sent: Awaited<ReturnType<typeof download>>;
    let text: string;
    let pages: string[];

    before(async () => {
      sent = await download(wb.app, `/api/v1/runs/${run.id}/pdf`, auditor);
      expect(sent.status, sent.bytes.toString()).to.equal(200);
      ({ text, pages } = await pdfText(sent.bytes));
    });

    it('is a PDF download named after the run', () => {
      expect(sent.headers['content-type']).to.equal('application/pdf');
      expect(sent.headers['content-disposition']).to.equal(`attachment; filename=run-${run.id}-evidence.pdf`);
      expect(sent.bytes.subarray(0, 5).toString()).to.equal('%PDF-');
    });

    it('describes the run: interface, contract version and digest, environment, base URL, runner, who started it, when, status', () => {
      const all = flat(text);
      expect(all).to.include('IF-PDF-001');
      expect(squeeze(all)).to.include(squeeze(`version ${run.contract.version}, SHA-256 ${run.contract.digest}`));
      expect(all).to.include(run.environment.name);
      expect(squeeze(all)).to.include(squeeze(run.environment.baseUrl));
      expect(all).to.include(`${run.runnerVersion}, seed ${run.seed}`);
      expect(all).to.include(run.startedBy.name);
      expect(all).to.include(utc(run.queuedAt));
      expect(all).to.include(utc(run.finishedAt));
      expect(all).to.match(/FAILED — 4 steps: 3 passed, 1 failed, 0 errors/);
    });

    it('gives the plan and its assurance reason', () => {
      const all = squeeze(text);
      expect(all).to.include(squeeze(run.assurance.reason));
      for (const scenario of run.scenarios) expect(all).to.include(squeeze(scenario.digest));
    });

    it('shows every step with its name, status, expected and actual', () => {
      const all = squeeze(text);
      expect(run.steps).to.have.length(4);
      for (const step of run.steps) {
        expect(all).to.include(squeeze(step.name));
        expect(all).to.include(squeeze(`${step.status.toUpperCase()}`));
        expect(all, `expected of step ${step.position}`).to.include(squeeze(describeValue(step.expected)));
        expect(all, `actual of step ${step.position}`).to.include(squeeze(describeValue(step.actual)).slice(0, 200));
        if (step.message) expect(all).to.include(squeeze(step.message).slice(0, 120));
      }
    });

    it('indexes every evidence item with its SHA-256 digest', async () => {
      const all = squeeze(text);
      const digests = run.steps.flatMap((s: { evidence: { request: string | null; response: string | null } }) => [s.evidence.request, s.evidence.response]).filter(Boolean);
      const catalogued = (await api('get', '/api/v1/evidence').query({ belongsToType: 'run', belongsToId: String(run.id) })).body.evidence.map((e: { digest: string }) => e.digest);
      expect(digests.length).to.be.greaterThan(0);
      for (const digest of new Set([...digests, ...catalogued])) expect(all).to.include(digest);
    });

    it('shows each signature with printed name, date and time with zone, meaning and validity (§11.50)', async () => {
      const all = flat(text);
      const signatures = (await api('get', '/api/v1/signatures', auditor).query({ recordType: 'deviation', recordId: String(deviationId) })).body.signatures;
      expect(signatures).to.have.length(2);
      for (const signature of signatures) {
        expect(all).to.include(signature.signer.printedName);
        expect(all).to.include(utc(signature.signedAt));
        expect(all).to.match(new RegExp(`Meaning\\s*${signature.meaning}`));
      }
      expect(all.match(/Validity\s*valid/g)).to.have.length(2);
      expect(all, 'a run carries no signature of its own today, and the document says so').to.include('No electronic signature has been applied to this run.');
    });

    it('lists the deviation with its resolution and status', () => {
      const all = flat(text);
      expect(all).to.include(`Deviation ${deviationId}: WMS answer breaks the contract`);
      expect(all).to.include('Kept as a negative control; no product impact.');
      expect(all).to.include('closed (resolved and approved by QA)');
    });

    it('numbers every page "Page N of M" and names the run on each', () => {
      expect(pages.length).to.be.greaterThan(1);
      pages.forEach((page, i) => {
        expect(flat(page)).to.include(`Page ${i + 1} of ${pages.length}`);
        expect(flat(page)).to.include(`RUN-${run.id}`);
      });
      expect(text).to.not.include('DRY RUN');
    });

    it('is recorded as an export of the run with the SHA-256 and size of the bytes sent', async () => {
      const [event] = (await exportsOf(run.id)).filter((e) => (e.after as { sha256: string }).sha256 === sent.sha256);
      expect(event, 'an export.created event with the digest sent').to.not.equal(undefined);
      expect(event!.after).to.deep.equal({ format: 'pdf', fileName: `run-${run.id}-evidence.pdf`, sha256: sent.sha256, bytes: sent.bytes.length, filters: {} });
      expect(event!.actor.role).to.equal('auditor');
    });
  });

  it('marks a dry run "DRY RUN — NOT FOR RECORD" on every page', async () => {
    const sent = await download(wb.app, `/api/v1/runs/${dryRun.id}/pdf`, qa);
    expect(sent.status).to.equal(200);
    expect(sent.headers['content-disposition']).to.equal(`attachment; filename=run-${dryRun.id}-evidence-dry-run.pdf`);
    const { pages } = await pdfText(sent.bytes);
    for (const page of pages) expect(flat(page)).to.include('DRY RUN — NOT FOR RECORD');
    expect(flat(pages.join(' '))).to.include('No deviation was opened for this run.');
  });

  it('answers 404 for an unknown run, and records no export', async () => {
    const before = (await auditEvents(wb.services, { action: 'export.created' })).length;
    const sent = await download(wb.app, '/api/v1/runs/999999/pdf', auditor);
    expect(sent.status).to.equal(404);
    expect(sent.body.error.code).to.equal('run_not_found');
    expect((await auditEvents(wb.services, { action: 'export.created' })).length).to.equal(before);
  });

  it('is refused to an administrator (not a reviewer of regulated content)', async () => {
    const sent = await download(wb.app, `/api/v1/runs/${run.id}/pdf`, await wb.login('admin'));
    expect(sent.status).to.equal(403);
  });
});

describe('run evidence model', () => {
  it('writes expected and actual values as lines a reader takes in', () => {
    expect(describeValue({ status: [201], schema: true, maxLatencyMs: null, assertions: [{ pointer: '/orderNumber', matches: '^\\d{10}$' }] })).to.equal(
      ['status: [201]', 'schema: true', 'maxLatencyMs: —', 'assertions:', '  – pointer: /orderNumber, matches: ^\\d{10}$'].join('\n'),
    );
    expect(describeValue({ error: 'connect ECONNREFUSED' })).to.equal('error: connect ECONNREFUSED');
    expect(describeValue({})).to.equal('—');
    expect(describeValue({ body: 'x'.repeat(5000) })).to.match(/… \(shortened; GET \/api\/v1\/runs\/:id has it whole\)$/);
  });

  it('shows an invalid signature as invalid, naming why, with every §11.50 element still printed', () => {
    const signature = { id: 9, recordType: 'deviation', recordId: '3', recordVersion: 2, recordDigest: 'd'.repeat(64), meaning: 'approved', reason: 'closed', signerId: 4, signerUsername: 'qa', signerName: 'Quinn Quality', signerRole: 'qa', signedAt: '2026-01-02T03:04:05.000Z', authMethod: 'password', sessionId: 's', keyId: 'k1', serverSignature: 'x' } as unknown as Signature;
    const block = presentSignatureBlock({ signature, verification: { valid: false, problem: 'invalid — record changed after signing', signerAccess: null } });
    expect(block.stateLabel).to.equal('INVALID');
    const lines = Object.fromEntries(block.lines.map((l) => [l.label, l.value]));
    expect(lines).to.include({ 'Printed name': 'Quinn Quality', 'Date and time': '2026-01-02 03:04:05 UTC', Meaning: 'approved', Validity: 'invalid — record changed after signing' });
    expect(lines['Signed record']).to.equal(`deviation 3, version 2; SHA-256 ${'d'.repeat(64)}`);
  });
});
