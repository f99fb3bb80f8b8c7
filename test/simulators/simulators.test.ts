// The reference simulators answer every demo REST operation as its contract says — checked with the
// workbench's own contract validators — remember what was created, and misbehave on request.
import { expect } from 'chai';
import express from 'express';
import fs from 'node:fs';
import request from 'supertest';
import { compileContract, readContract, type ReadContract } from '../../src/registry/contract-document.js';
import { requestExample, scaffoldScenarios } from '../../src/scenarios/scenario-scaffold.js';
import { render, seededRandom } from '../../src/scenarios/scenario-templates.js';
import { createSimulatorApp, DEMO_CONTRACTS_DIR } from '../../src/simulators/contract-simulator.js';

type Json = Record<string, any>;

describe('reference simulators', function () {
  this.timeout(60_000);
  // Mounted at /sim, as the server mounts it.
  const app = express().use('/sim', createSimulatorApp({ slowMs: 300 }));
  const contracts: Array<{ file: string; contract: ReadContract; base: string }> = [];

  before(async () => {
    for (const file of fs.readdirSync(DEMO_CONTRACTS_DIR).filter((f) => /\.openapi\.(ya?ml|json)$/.test(f))) {
      const contract = await readContract('openapi', fs.readFileSync(`${DEMO_CONTRACTS_DIR}${file}`, 'utf8'));
      const server = (contract.document.servers as Array<{ url: string }>).find((s) => s.url.includes('/sim/'));
      if (server) contracts.push({ file, contract, base: new URL(server.url).pathname });
    }
  });

  it('simulates every demo REST contract: each example request is answered as its contract says, and a GET finds what was created', async () => {
    expect(contracts.length).to.be.at.least(6);
    let exercised = 0;
    for (const { file, contract, base } of contracts) {
      const validators = new Map(compileContract(contract).targets.map((t) => [t.name, t.validate]));
      for (const [path, item] of Object.entries(contract.document.paths as Json)) {
        for (const [method, operation] of Object.entries(item as Json)) {
          const example = ['post', 'put'].includes(method) ? requestExample(contract.document as Json, operation as Json) : undefined;
          if (example === undefined) continue;
          const url = base + path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(String((example as Json)[name] ?? '00312345678906')));
          const response = await request(app)[method as 'post'](url).send(example as object);
          const target = `${method.toUpperCase()} ${path} → ${response.status}`;
          expect(response.status, `${file} ${target}: ${JSON.stringify(response.body)}`).to.be.within(200, 299);
          const validate = validators.get(target)!;
          expect(validate, `${file}: no target ${target}`).to.be.a('function');
          expect(validate(response.body), `${file} ${target}: ${JSON.stringify(validate.errors)}`).to.equal(true);
          exercised += 1;
        }
      }
    }
    expect(exercised).to.be.at.least(6);
  });

  const orders = () => contracts.find((c) => c.file === 'erp-wms-sales-orders.openapi.yaml')!;
  const order = () => requestExample(orders().contract.document as Json, (orders().contract.document.paths as Json)['/orders'].post) as Json;
  const validator = (name: string) => compileContract(orders().contract).targets.find((t) => t.name === name)!.validate;

  it('keeps what was created: the order can be read back, and the same order number again is a 409', async () => {
    const created = { ...order(), orderNumber: '0000900001' };
    expect((await request(app).post('/sim/wms/orders').send(created)).status).to.equal(201);
    const read = await request(app).get('/sim/wms/orders/0000900001');
    expect(read.status).to.equal(200);
    expect(read.body.orderNumber).to.equal('0000900001');
    expect(validator('GET /orders/{orderNumber} → 200')(read.body)).to.equal(true);
    const again = await request(app).post('/sim/wms/orders').send(created);
    expect(again.status).to.equal(409);
    expect(validator('POST /orders → 409')(again.body)).to.equal(true);
    expect((await request(app).get('/sim/wms/orders/0000999999')).status).to.equal(404);
  });

  it('accepts a scaffolded example again on a re-run: its identifiers are fresh each time (a regression is not a duplicate)', async () => {
    for (const file of ['wms-erp-shipment-confirmations.openapi.yaml', 'wms-erp-goods-receipts.openapi.json', 'erp-wms-sales-orders.openapi.yaml']) {
      const { contract, base } = contracts.find((c) => c.file === file)!;
      const example = scaffoldScenarios(contract, { serialization: false }).find((s) => s.key.endsWith('-example') && s.steps.some((step) => 'body' in step))!;
      const step = example.steps.find((x) => 'body' in x) as { operation: string; body: unknown };
      const idTemplates = JSON.stringify(step.body).match(/\{\{(uuid|digits:\d+)\}\}/g) ?? [];
      expect(idTemplates.length, file).to.be.greaterThan(0);
      const [method, path] = step.operation.split(' ') as [string, string];
      const statuses = [];
      for (let run = 1; run <= 2; run += 1) {
        const body = render(step.body, { random: seededRandom(run * 7919), now: () => new Date(), vars: {} });
        statuses.push((await request(app)[method.toLowerCase() as 'post'](`${base}${path}`).send(body as object)).status);
      }
      expect(statuses[0], file).to.be.within(200, 299);
      expect(statuses[1], `${file}: the second run is not a duplicate`).to.equal(statuses[0]);
    }
  });

  it('refuses a request that breaks the contract, and a body that is not JSON, in the contract’s error shape', async () => {
    const invalid = await request(app).post('/sim/wms/orders').send({ ...order(), orderNumber: 'ABC' });
    expect(invalid.status).to.equal(422);
    expect(validator('POST /orders → 422')(invalid.body)).to.equal(true);
    // The details say what is wrong with the request, not generated filler.
    expect(invalid.body.error).to.include({ code: 'validation_failed', message: 'The request does not match the contract.' });
    expect(invalid.body.error.details).to.deep.include({ pointer: '/orderNumber', message: 'must match pattern "^\\d{10}$"' });
    const garbage = await request(app).post('/sim/wms/orders').set('Content-Type', 'application/json').send('{"orderNumber": ');
    expect(garbage.status).to.equal(400);
    expect((await request(app).get('/sim/nowhere/x')).status).to.equal(404);
  });

  it('says at /healthz that the simulators answer, and which systems', async () => {
    const health = await request(app).get('/sim/healthz');
    expect(health.status).to.equal(200);
    expect(health.body.status).to.equal('ok');
    expect(health.body.systems).to.have.members(['erp', 'wms', 'serialization', 'trading-partner']);
  });

  it('misbehaves on request: a schema-breaking answer, an outage, a slow answer, a dropped connection', async () => {
    const broken = await request(app).post('/sim/wms/orders').query({ fault: 'schema' }).send({ ...order(), orderNumber: '0000900002' });
    expect(broken.status).to.equal(201);
    expect(validator('POST /orders → 201')(broken.body), 'the answer breaks the contract').to.equal(false);
    expect((await request(app).post('/sim/wms/orders').set('X-Sim-Fault', 'status').send(order())).status).to.equal(503);
    const started = Date.now();
    expect((await request(app).get('/sim/wms/orders/0000900001').query({ fault: 'slow' })).status).to.equal(200);
    expect(Date.now() - started).to.be.at.least(280);
    let dropped: Error | null = null;
    await request(app).get('/sim/wms/orders/0000900001').query({ fault: 'drop' }).catch((e: Error) => (dropped = e));
    expect(String(dropped)).to.match(/socket hang up|ECONNRESET/);
  });

  it('misbehaves on every request under /sim/faulty/<fault>/<system>, sharing what the system keeps, so an environment can be the faulty one', async () => {
    const created = await request(app).post('/sim/faulty/schema/wms/orders').send({ ...order(), orderNumber: '0000900003' });
    expect(created.status).to.equal(201);
    expect(validator('POST /orders → 201')(created.body), 'the answer breaks the contract').to.equal(false);
    const read = await request(app).get('/sim/wms/orders/0000900003');
    expect(read.status, 'the same WMS behind both paths').to.equal(200);
    expect(validator('GET /orders/{orderNumber} → 200')(read.body)).to.equal(true);
    expect((await request(app).get('/sim/faulty/status/wms/orders/0000900003')).status).to.equal(503);
    const unknown = await request(app).get('/sim/faulty/meltdown/wms/orders/0000900003');
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('unknown_fault');
  });
});
