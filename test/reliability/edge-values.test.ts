// Values at the edges of what the database can hold must be refused as bad input, not crash it.
import { expect } from 'chai';
import request from 'supertest';
import { declaredRoutes } from '../../src/app.js';
import { isPermission, roleHasPermission, ROLES, type Role } from '../../src/auth/roles.js';
import { MAX_BODY_DEPTH, type RouteSpec } from '../../src/platform/http/api-router.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase } from '../support/databases.js';
import { EDGE_NUMBERS } from '../support/edge-values.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

/** Values for the path parameters not under test: well-formed, so only the edge value is wrong. */
const PLAIN_PARAMS: Record<string, string> = { key: 'IF-ANY-001', digest: 'a'.repeat(64), scenario: '1' };

function numericFields(schema: unknown): string[] {
  const properties = ((schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {}) as Record<string, { type?: unknown }>;
  return Object.entries(properties)
    .filter(([, p]) => ([] as unknown[]).concat(p?.type ?? []).some((t) => t === 'integer' || t === 'number'))
    .map(([name]) => name);
}

function pathOf(route: RouteSpec, values: Record<string, string>): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? PLAIN_PARAMS[name] ?? '1'));
}

describeEachDatabase('edge values', (dialect) => {
  let wb: TestWorkbench;
  let token: string;
  const tokens = {} as Record<Role, string>;
  const tokenFor = (permission: string) => tokens[ROLES.find((role) => !isPermission(permission) || roleHasPermission(role, permission)) ?? 'admin'];
  before(async () => {
    wb = await createTestWorkbench(dialect);
    for (const role of ROLES) tokens[role] = await wb.login(role);
    token = tokens.admin;
  });
  after(async () => wb?.close());

  for (const path of [
    '/api/v1/users/99999999999',
    '/api/v1/audit?cursor=99999999999',
    '/api/v1/audit?actorId=99999999999',
    '/api/v1/audit?entityId=%00',
    '/api/v1/audit?from=0001-01-01T00:00:00Z',
    '/api/v1/audit?to=9999-12-31T23:59:59Z',
  ]) {
    it(`answers GET ${path} without a server error`, async () => {
      const response = await request(wb.app).get(path).set('Authorization', `Bearer ${token}`);
      expect(response.status, JSON.stringify(response.body)).to.be.below(500);
    });
  }

  // The repro of issue 12 §3, as it was reported.
  for (const [path, field] of [
    ['/api/v1/interfaces?limit=Infinity', 'query.limit'],
    ['/api/v1/interfaces?limit=1e400', 'query.limit'],
    ['/api/v1/interfaces?limit=-Infinity', 'query.limit'],
    ['/api/v1/interfaces?offset=', 'query.offset'],
    ['/api/v1/audit?cursor=', 'query.cursor'],
    ['/api/v1/audit?cursor=Infinity', 'query.cursor'],
    ['/api/v1/audit?cursor=1e400', 'query.cursor'],
    ['/api/v1/systems/Infinity', 'params.id'],
    ['/api/v1/users/Infinity', 'params.id'],
    ['/api/v1/runs/Infinity', 'params.id'],
    ['/api/v1/interfaces/IF-ANY-001/contracts/Infinity', 'params.version'],
    ['/api/v1/signatures/Infinity/verify', 'params.id'],
  ] as const) {
    it(`refuses GET ${path} with 400 naming ${field}`, async () => {
      const response = await request(wb.app).get(path).set('Authorization', `Bearer ${tokens.auditor}`);
      expect(response.status, JSON.stringify(response.body)).to.equal(400);
      expect(response.body.error.code).to.equal('validation_failed');
      expect(response.body.error.details[0]).to.deep.include({ field, rule: 'type' });
    });
  }

  it('refuses every edge number in every numeric path parameter and query field of every route with 400', async function () {
    this.timeout(120_000);
    const failures: string[] = [];
    let checked = 0;
    for (const route of declaredRoutes(wb.app)) {
      if (route.path === '/api/v1/auth/logout') continue;
      const cases = [
        // An empty path segment is another route (the list), not an empty id.
        ...numericFields(route.params).flatMap((name) => EDGE_NUMBERS.filter((value) => value !== '').map((value) => ({ field: `params.${name}`, path: pathOf(route, { [name]: value }), query: {} }))),
        ...numericFields(route.query).flatMap((name) => EDGE_NUMBERS.map((value) => ({ field: `query.${name}`, path: pathOf(route, {}), query: { [name]: value } }))),
      ];
      for (const { field, path, query } of cases) {
        checked += 1;
        const response = await request(wb.app)[route.method](path).query(query).set('Authorization', `Bearer ${tokenFor(route.permission)}`);
        const named = response.body?.error?.details?.some((d: { field?: string }) => d.field === field);
        if (response.status !== 400 || !named) failures.push(`${route.method.toUpperCase()} ${path} ${JSON.stringify(query)} → ${response.status} ${JSON.stringify(response.body?.error ?? response.body)}`);
      }
    }
    expect(checked, 'routes with numeric inputs were found').to.be.greaterThan(50);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('still takes plain decimal numbers', async () => {
    const page = await request(wb.app).get('/api/v1/interfaces?limit=5&offset=0').set('Authorization', `Bearer ${token}`);
    expect(page.status, JSON.stringify(page.body)).to.equal(200);
    expect(page.body).to.include({ limit: 5, offset: 0 });
    const user = await request(wb.app).get('/api/v1/users/1').set('Authorization', `Bearer ${token}`);
    expect(user.status).to.equal(200);
  });

  it(`refuses a JSON body nested ~8,000 deep (16 KB) on every JSON route with 400 too_deep, and one at ${MAX_BODY_DEPTH} levels is read`, async function () {
    this.timeout(60_000);
    const deep = `${'['.repeat(8000)}${']'.repeat(8000)}`;
    const deepObject = `{"a":${'{"a":'.repeat(8000)}1${'}'.repeat(8001)}`;
    const failures: string[] = [];
    for (const route of declaredRoutes(wb.app)) {
      if (route.method === 'get' || route.streamBody || route.path === '/api/v1/auth/logout') continue;
      for (const body of [deep, deepObject]) {
        const response = await request(wb.app)[route.method](pathOf(route, {})).set('Authorization', `Bearer ${tokenFor(route.permission)}`).set('Content-Type', 'application/json').send(body);
        if (response.status !== 400 || response.body.error?.code !== 'too_deep') failures.push(`${route.method.toUpperCase()} ${route.path} → ${response.status} ${JSON.stringify(response.body?.error)}`);
      }
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
    // At the limit the body is read (and refused for what it says, not for its depth).
    const atLimit = `{"username":"deep.user","fullName":"x","role":"qa","password":"a-long-enough-passphrase","x":${'['.repeat(MAX_BODY_DEPTH - 1)}${']'.repeat(MAX_BODY_DEPTH - 1)}}`;
    const response = await request(wb.app).post('/api/v1/users').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(atLimit);
    expect(response.status).to.equal(400);
    expect(response.body.error.details[0]).to.deep.include({ field: 'body.x', rule: 'additionalProperties' });
  });

  it('refuses a contract document nested ~8,000 deep, sent as a JSON string or as YAML, with 400 and registers nothing', async () => {
    const ctx = systemContext('edge-values test');
    for (const system of [ERP, WMS]) await wb.services.systems.create(ctx, system);
    const key = 'IF-DEEP-001';
    await wb.services.interfaces.create(ctx, anInterface(key));
    const itToken = tokens.it;
    const json = `${'{"items":'.repeat(8000)}{}${'}'.repeat(8000)}`;
    const yaml = `# a comment makes it YAML, not JSON\nitems: ${'['.repeat(8000)}${']'.repeat(8000)}\n`;
    const dashes = `# block sequences, two bytes a level\nitems:\n${'- '.repeat(8000)}x\n`;
    const aliases = `# each alias as deep as its anchor\na: &a ${'['.repeat(200)}${']'.repeat(200)}\nb: [${'['.repeat(100)}*a${']'.repeat(100)}]\n`;
    for (const document of [json, yaml, dashes, aliases]) {
      const response = await request(wb.app).post(`/api/v1/interfaces/${key}/contracts`).set('Authorization', `Bearer ${itToken}`).send({ format: 'json-schema', document });
      expect(response.status, JSON.stringify(response.body)).to.equal(400);
      expect(response.body.error.code).to.equal('contract_too_deep');
    }
    const list = await request(wb.app).get(`/api/v1/interfaces/${key}/contracts`).set('Authorization', `Bearer ${itToken}`);
    expect(list.body.contracts).to.deep.equal([]);
  });

  it('refuses a NUL character in a text field with 400 rather than a database error', async () => {
    const response = await request(wb.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${token}`)
      .send({ username: 'nul.user', fullName: 'Nul\u0000Byte', role: 'qa', password: 'a-long-enough-passphrase' });
    expect(response.status, JSON.stringify(response.body)).to.equal(400);
  });

  it('refuses text with a lone UTF-16 surrogate with 400 (not Unicode: it cannot be hashed into the audit trail) and creates nothing', async () => {
    const before = (await wb.services.users.list({})).length;
    const response = await request(wb.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send('{"username": "surrogate.user", "fullName": "Broken \\ud800 name", "role": "qa", "password": "a-long-enough-passphrase"}');
    expect(response.status, JSON.stringify(response.body)).to.equal(400);
    expect(response.body.error.details[0]).to.deep.include({ field: 'body.fullName', rule: 'wellFormedUnicode' });
    expect((await wb.services.users.list({})).length).to.equal(before);
    const paired = await request(wb.app).post('/api/v1/users').set('Authorization', `Bearer ${token}`).send({ username: 'emoji.user', fullName: 'Emoji \ud83d\ude00 Name', role: 'qa', password: 'a-long-enough-passphrase' });
    expect(paired.status, 'a proper surrogate pair is fine').to.equal(201);
  });
});
