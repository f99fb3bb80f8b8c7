// Bad input gets a clear 4xx in the one JSON error shape and changes nothing; only a real fault
// is a 500, and its correlation id is both in the answer and in the log.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { auditEvents } from '../support/audit-assertions.js';

function expectErrorShape(body: any, code: string): void {
  expect(body).to.have.property('error');
  expect(body.error).to.include({ code });
  expect(body.error.message).to.be.a('string').and.not.empty;
  expect(body.error.details).to.be.an('array');
  expect(body.error.correlationId).to.be.a('string').and.not.empty;
}

describeEachDatabase('HTTP errors', (dialect) => {
  let wb: TestWorkbench;
  let admin: string;
  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_BODY_LIMIT_BYTES: '2048' } });
    admin = await wb.login('admin');
  });
  after(async () => wb?.close());

  it('answers malformed JSON with 400 malformed_json and changes nothing', async () => {
    const before = (await auditEvents(wb.services)).length;
    const response = await request(wb.app).post('/api/v1/users').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').send('{"username": "x",');
    expect(response.status).to.equal(400);
    expectErrorShape(response.body, 'malformed_json');
    expect((await auditEvents(wb.services)).length).to.equal(before);
  });

  it('answers an oversized body with 413 payload_too_large', async () => {
    const response = await request(wb.app).post('/api/v1/auth/login').send({ username: 'qa', password: 'x'.repeat(5000) });
    expect(response.status).to.equal(413);
    expectErrorShape(response.body, 'payload_too_large');
  });

  it('answers unknown fields with 400 naming the field and the rule', async () => {
    const response = await request(wb.app).post('/api/v1/auth/login').send({ username: 'qa', password: 'whatever-long', admin: true });
    expect(response.status).to.equal(400);
    expectErrorShape(response.body, 'validation_failed');
    expect(response.body.error.details).to.deep.include({ field: 'body.admin', rule: 'additionalProperties', message: 'is not an allowed field' });
  });

  it('answers a missing required field and a wrong type with 400 naming each', async () => {
    const response = await request(wb.app).post('/api/v1/users').set('Authorization', `Bearer ${admin}`).send({ username: 42, fullName: 'X' });
    expect(response.status).to.equal(400);
    const fields = response.body.error.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`);
    expect(fields).to.include.members(['body.username:type', 'body.role:required', 'body.password:required']);
  });

  it('answers a body that is not JSON with 415', async () => {
    const response = await request(wb.app).post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('username=qa');
    expect(response.status).to.equal(415);
    expectErrorShape(response.body, 'unsupported_media_type');
  });

  it('answers a JSON array or scalar where an object is expected with 400', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const response = await request(wb.app).post('/api/v1/auth/login').set('Content-Type', 'application/json').send(body);
      expect(response.status, body).to.equal(400);
    }
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await request(wb.app).get('/api/v1/nothing-here');
    expect(response.status).to.equal(404);
    expectErrorShape(response.body, 'route_not_found');
  });

  it('answers an invalid path parameter with 400, not 404 or 500', async () => {
    const response = await request(wb.app).get('/api/v1/users/not-a-number').set('Authorization', `Bearer ${admin}`);
    expect(response.status).to.equal(400);
    expect(response.body.error.details[0].field).to.equal('params.id');
  });

  it('echoes a well-formed X-Request-Id as the correlation id and replaces a malformed one', async () => {
    const kept = await request(wb.app).get('/api/v1/nothing').set('X-Request-Id', 'ci-run-12345678');
    expect(kept.headers['x-correlation-id']).to.equal('ci-run-12345678');
    expect(kept.body.error.correlationId).to.equal('ci-run-12345678');
    const replaced = await request(wb.app).get('/api/v1/nothing').set('X-Request-Id', 'bad id with spaces');
    expect(replaced.headers['x-correlation-id']).to.match(/^[0-9a-f-]{36}$/);
  });

  it('turns an unexpected fault into a 500 whose correlation id is also in the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const services = { ...wb.services, logger: pino({ level: 'error' }, sink) };
    const app = createApp(services, {
      extend: (_app, api) =>
        api.add({ method: 'get', path: '/api/v1/test-fault', permission: 'public', tag: 'test', summary: 'fails', handler: async () => { throw new Error('boom'); } }),
    });
    const response = await request(app).get('/api/v1/test-fault');
    expect(response.status).to.equal(500);
    expectErrorShape(response.body, 'internal_error');
    expect(response.body.error.message).to.not.include('boom');
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.some((l) => l.correlationId === response.body.error.correlationId && l.err?.message === 'boom')).to.equal(true);
  });

  it('serves an OpenAPI 3.1 document listing every declared route with its permission', async () => {
    const response = await request(wb.app).get('/api/openapi.json').expect(200);
    expect(response.body.openapi).to.equal('3.1.0');
    expect(response.body.paths['/api/v1/users/{id}'].patch['x-permission']).to.equal('users:manage');
    expect(response.body.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.required).to.deep.equal(['username', 'password']);
  });
});

describeEachDatabase('HTTP errors: append-only refusals', (dialect) => {
  let wb: TestWorkbench;
  // Seeding the users writes audit events, so the trail has rows for the trigger to protect.
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('reports a write refused by an append-only trigger as 409 immutable_record, not as a duplicate or a 500', async () => {
    const app = createApp(wb.services, {
      extend: (_app, api) =>
        api.add({
          method: 'post',
          path: '/api/v1/test-rewrite-history',
          permission: 'public',
          tag: 'test',
          summary: 'tries to rewrite the audit trail',
          handler: async () => wb.services.database.write((tx) => wb.services.database.sequelize.query('DELETE FROM audit_events', { transaction: tx })),
        }),
    });
    const response = await request(app).post('/api/v1/test-rewrite-history');
    expect(response.status).to.equal(409);
    expectErrorShape(response.body, 'immutable_record');
  });
});
