// "No input sent by a client may produce a 500": random JSON bodies, raw text bodies, query
// strings and path parameters against every declared route, each as a role that holds the route's
// permission (so the input reaches the service), on the demo workspace (so keys and ids can hit real
// records). Every answer must be below 500 and in the JSON error shape when >= 400.
import { expect } from 'chai';
import fc from 'fast-check';
import request from 'supertest';
import { declaredRoutes } from '../../src/app.js';
import { isPermission, roleHasPermission, ROLES, type Role } from '../../src/auth/roles.js';
import { describeEachDatabase } from '../support/databases.js';
import { EDGE_NUMBERS } from '../support/edge-values.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const RUNS_PER_ROUTE = Number(process.env.GXPW_FUZZ_RUNS ?? 25);

describeEachDatabase('no client input produces a 500', (dialect) => {
  let wb: TestWorkbench;
  const tokens = {} as Record<Role, string>;
  before(async () => {
    wb = await createTestWorkbench(dialect, { demoRegistry: true });
    for (const role of ROLES) tokens[role] = await wb.login(role);
  });
  const tokenFor = (permission: string) => tokens[ROLES.find((role) => !isPermission(permission) || roleHasPermission(role, permission)) ?? 'admin'];
  after(async () => wb?.close());

  it('holds for random bodies, query strings and path parameters on every route', async function () {
    this.timeout(180_000);
    // Logging out would end the session the rest of the run uses.
    const routes = declaredRoutes(wb.app).filter((r) => r.path !== '/api/v1/auth/logout');
    // Random text, and the numbers at the edge of what `+text` coerces (Infinity, 1e400, '', …).
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20, unit: 'binary' }), fc.constantFrom(...EDGE_NUMBERS));
    // Lone surrogates: not Unicode text, yet valid in a JSON string.
    const loneSurrogate = fc.constantFrom('\ud800', 'a\udc00b', 'ok\ud83d');
    const input = fc.record({
      body: fc.oneof(fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' } as never), fc.dictionary(fc.constantFrom('username', 'password', 'reason', 'role', 'fullName', 'note', 'email', 'format', 'document', 'interfaces', 'systems', 'modelId', 'answers', 'items', 'status', 'key', 'name', 'recordType', 'recordId', 'version', 'meaning'), fc.oneof(fc.jsonValue({ maxDepth: 2 }), loneSurrogate))),
      rawBody: fc.option(text, { nil: undefined }),
      query: fc.dictionary(fc.constantFrom('limit', 'offset', 'cursor', 'order', 'format', 'from', 'to', 'actorId', 'action', 'entityType', 'role', 'status', 'acknowledged', 'layer', 'platform', 'system', 'q', 'riskLevel', 'gxpRelevant', 'recordType', 'recordId', 'version', 'x'), text),
      id: fc.oneof(text, fc.integer().map(String), fc.constantFrom('1', '2', '99999999999', 'IF-ERP-WMS-001', 'gamp5', 'fda-csa', ...EDGE_NUMBERS)),
    });
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(input, async ({ body, rawBody, query, id }) => {
          const path = route.path.replace(/:([A-Za-z]+)/g, () => encodeURIComponent(id) || 'x');
          let req = request(wb.app)[route.method](path).query(query).set('Authorization', `Bearer ${tokenFor(route.permission)}`);
          if (route.method !== 'get') {
            req = req.set('Content-Type', 'application/json').send(rawBody ?? JSON.stringify(body));
          }
          const response = await req;
          expect(response.status, `${route.method.toUpperCase()} ${path} → ${JSON.stringify(response.body)}`).to.be.below(500);
          if (response.status >= 400) expect(response.body.error?.code, `${route.method} ${path}`).to.be.a('string');
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
  });
});
