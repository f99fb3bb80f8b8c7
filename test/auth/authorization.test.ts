// The role × route authorization table (Part 11 §11.10(d)(g)). Written out by hand, not derived
// from the permission matrix, so a change to either one that the other does not share fails here.
// Every declared route must have a row.
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createApp, declaredRoutes } from '../../src/app.js';
import { ApiRouter } from '../../src/platform/http/api-router.js';
import { READ_ONLY_PERMISSIONS, ROLES, type Permission, type Role } from '../../src/auth/roles.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

type Allowed = 'public' | Role[];
const ALL: Role[] = ['admin', 'it', 'qa', 'auditor'];

/** route → who may call it. Request paths use ids that need not exist: allowed means "not 401/403". */
const TABLE: Record<string, { allowed: Allowed; path?: string }> = {
  'GET /healthz': { allowed: 'public' },
  'GET /api/v1/keys': { allowed: 'public' },
  'GET /api/openapi.json': { allowed: 'public' },
  'POST /api/v1/auth/login': { allowed: 'public' },
  'POST /api/v1/auth/password': { allowed: 'public' },
  'POST /api/v1/auth/refresh': { allowed: ALL },
  'POST /api/v1/auth/logout': { allowed: ALL },
  'GET /api/v1/auth/session': { allowed: ALL },
  'GET /api/v1/users': { allowed: ['admin', 'qa', 'auditor'] },
  'GET /api/v1/users/:id': { allowed: ['admin', 'qa', 'auditor'], path: '/api/v1/users/999999' },
  'POST /api/v1/users': { allowed: ['admin'] },
  'PATCH /api/v1/users/:id': { allowed: ['admin'], path: '/api/v1/users/999999' },
  'POST /api/v1/users/:id/deactivate': { allowed: ['admin'], path: '/api/v1/users/999999/deactivate' },
  'POST /api/v1/users/:id/reactivate': { allowed: ['admin'], path: '/api/v1/users/999999/reactivate' },
  'POST /api/v1/users/:id/unlock': { allowed: ['admin'], path: '/api/v1/users/999999/unlock' },
  'POST /api/v1/users/:id/reset-password': { allowed: ['admin'], path: '/api/v1/users/999999/reset-password' },
  'GET /api/v1/access-grants': { allowed: ['admin', 'qa', 'auditor'] },
  'GET /api/v1/access-grants/:id': { allowed: ['admin', 'qa', 'auditor'], path: '/api/v1/access-grants/999999' },
  'POST /api/v1/access-grants': { allowed: ['admin'] },
  'POST /api/v1/access-grants/:id/reject': { allowed: ['qa'], path: '/api/v1/access-grants/999999/reject' },
  'POST /api/v1/access-grants/:id/cancel': { allowed: ['admin'], path: '/api/v1/access-grants/999999/cancel' },
  'GET /api/v1/security-alerts': { allowed: ['admin', 'auditor'] },
  'POST /api/v1/security-alerts/:id/acknowledge': { allowed: ['admin'], path: '/api/v1/security-alerts/999999/acknowledge' },
  'GET /api/v1/audit': { allowed: ALL },
  'GET /api/v1/audit/verify': { allowed: ALL },
  'GET /api/v1/audit/checkpoints': { allowed: ALL },
  'POST /api/v1/audit/checkpoints': { allowed: ['admin', 'qa'] },
  'GET /api/v1/audit/export': { allowed: ALL, path: '/api/v1/audit/export?format=csv&entityType=none' },
  'POST /api/v1/signatures': { allowed: ['it', 'qa'] },
  'GET /api/v1/signatures': { allowed: ALL },
  'GET /api/v1/signatures/:id/verify': { allowed: ALL, path: '/api/v1/signatures/999999/verify' },
  'POST /api/v1/signatures/batch': { allowed: ['qa'] },
  'GET /api/v1/signatures/requirements': { allowed: ALL },
  'GET /api/v1/signatures/policy': { allowed: ALL },
  'POST /api/v1/signatures/policy/acknowledge': { allowed: ['it', 'qa'] },
  'GET /api/v1/systems': { allowed: ALL },
  'POST /api/v1/systems': { allowed: ['it'] },
  'GET /api/v1/systems/:id': { allowed: ALL, path: '/api/v1/systems/999999' },
  'PATCH /api/v1/systems/:id': { allowed: ['it'], path: '/api/v1/systems/999999' },
  'GET /api/v1/interfaces': { allowed: ALL },
  'POST /api/v1/interfaces': { allowed: ['it'] },
  'GET /api/v1/interfaces/:key': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1' },
  'PATCH /api/v1/interfaces/:key': { allowed: ['it'], path: '/api/v1/interfaces/IF-NONE-1' },
  'POST /api/v1/interfaces/:key/status': { allowed: ['it'], path: '/api/v1/interfaces/IF-NONE-1/status' },
  'POST /api/v1/registry/import': { allowed: ['it'] },
  'GET /api/v1/registry/export': { allowed: ALL },
  'GET /api/v1/registry/views': { allowed: ALL },
  'GET /api/v1/platforms': { allowed: ALL },
  'POST /api/v1/platforms': { allowed: ['it'] },
  'GET /api/v1/platforms/:key': { allowed: ALL, path: '/api/v1/platforms/no-such-platform' },
  'PATCH /api/v1/platforms/:key': { allowed: ['it'], path: '/api/v1/platforms/no-such-platform' },
  'PUT /api/v1/platforms/:key/versions/:environment': { allowed: ['it'], path: '/api/v1/platforms/no-such-platform/versions/production' },
  'GET /api/v1/interfaces/:key/contracts': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/contracts' },
  'POST /api/v1/interfaces/:key/contracts': { allowed: ['it'], path: '/api/v1/interfaces/IF-NONE-1/contracts' },
  'GET /api/v1/interfaces/:key/contracts/:version': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/contracts/1' },
  'GET /api/v1/interfaces/:key/contracts/:version/diff/:other': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/contracts/1/diff/2' },
  'GET /api/v1/interfaces/:key/requirements': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/requirements' },
  'POST /api/v1/interfaces/:key/requirements': { allowed: ['it'], path: '/api/v1/interfaces/IF-NONE-1/requirements' },
  'POST /api/v1/interfaces/:key/requirements/draft': { allowed: ['it'], path: '/api/v1/interfaces/IF-NONE-1/requirements/draft' },
  'GET /api/v1/interfaces/:key/requirements/:requirementKey': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/requirements/IF-NONE-1-R01' },
  'GET /api/v1/interfaces/:key/requirements/:requirementKey/versions/:version': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/requirements/IF-NONE-1-R01/versions/1' },
  'PATCH /api/v1/interfaces/:key/requirements/:requirementKey': { allowed: ['it'], path: '/api/v1/interfaces/IF-NONE-1/requirements/IF-NONE-1-R01' },
  'POST /api/v1/interfaces/:key/requirements/:requirementKey/retire': { allowed: ['it'], path: '/api/v1/interfaces/IF-NONE-1/requirements/IF-NONE-1-R01/retire' },
  'POST /api/v1/evidence': { allowed: ['it', 'qa'] },
  'GET /api/v1/evidence': { allowed: ALL },
  'GET /api/v1/evidence/:digest': { allowed: ALL, path: `/api/v1/evidence/${'0'.repeat(64)}` },
  'GET /api/v1/evidence/:digest/verify': { allowed: ALL, path: `/api/v1/evidence/${'0'.repeat(64)}/verify` },
  'GET /api/v1/interfaces/:key/scenarios': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/scenarios' },
  'POST /api/v1/interfaces/:key/scenarios': { allowed: ['it', 'qa'], path: '/api/v1/interfaces/IF-NONE-1/scenarios' },
  'GET /api/v1/interfaces/:key/scenarios/:scenario': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/scenarios/smoke' },
  'POST /api/v1/runs': { allowed: ['it', 'qa'] },
  'GET /api/v1/runs': { allowed: ALL },
  'GET /api/v1/runs/:id': { allowed: ALL, path: '/api/v1/runs/999999' },
  'GET /api/v1/runs/:id/junit': { allowed: ALL, path: '/api/v1/runs/999999/junit' },
  'GET /api/v1/runs/:id/ctrf': { allowed: ALL, path: '/api/v1/runs/999999/ctrf' },
  'GET /api/v1/runs/:id/pdf': { allowed: ['it', 'qa', 'auditor'], path: '/api/v1/runs/999999/pdf' },
  'POST /api/v1/runs/:id/deviations': { allowed: ['it', 'qa'], path: '/api/v1/runs/999999/deviations' },
  'GET /api/v1/deviations': { allowed: ALL },
  'GET /api/v1/deviations/:id': { allowed: ALL, path: '/api/v1/deviations/999999' },
  'PATCH /api/v1/deviations/:id': { allowed: ['it', 'qa'], path: '/api/v1/deviations/999999' },
  'GET /api/v1/packages': { allowed: ALL },
  'POST /api/v1/packages': { allowed: ['it', 'qa'] },
  'GET /api/v1/packages/:id': { allowed: ALL, path: '/api/v1/packages/999999' },
  'PATCH /api/v1/packages/:id': { allowed: ['it', 'qa'], path: '/api/v1/packages/999999' },
  'POST /api/v1/packages/:id/submit': { allowed: ['it', 'qa'], path: '/api/v1/packages/999999/submit' },
  'POST /api/v1/packages/:id/reject': { allowed: ['qa'], path: '/api/v1/packages/999999/reject' },
  'GET /api/v1/packages/:id/approval-check': { allowed: ALL, path: '/api/v1/packages/999999/approval-check' },
  'POST /api/v1/packages/:id/approve': { allowed: ['qa'], path: '/api/v1/packages/999999/approve' },
  'POST /api/v1/packages/:id/versions': { allowed: ['it', 'qa'], path: '/api/v1/packages/999999/versions' },
  'GET /api/v1/packages/:id/manifest': { allowed: ALL, path: '/api/v1/packages/999999/manifest' },
  'GET /api/v1/changes': { allowed: ALL },
  'POST /api/v1/changes': { allowed: ['it', 'qa'] },
  'POST /api/v1/changes/import': { allowed: ['it', 'qa'] },
  'GET /api/v1/changes/:id': { allowed: ALL, path: '/api/v1/changes/999999' },
  'PATCH /api/v1/changes/:id': { allowed: ['it', 'qa'], path: '/api/v1/changes/999999' },
  'POST /api/v1/changes/:id/triage': { allowed: ['it', 'qa'], path: '/api/v1/changes/999999/triage' },
  'GET /api/v1/changes/:id/impact': { allowed: ALL, path: '/api/v1/changes/999999/impact' },
  'PATCH /api/v1/changes/:id/impact': { allowed: ['it', 'qa'], path: '/api/v1/changes/999999/impact' },
  'POST /api/v1/changes/:id/transitions': { allowed: ['it', 'qa'], path: '/api/v1/changes/999999/transitions' },
  'POST /api/v1/changes/:id/regression': { allowed: ['it', 'qa'], path: '/api/v1/changes/999999/regression' },
  'GET /api/v1/changes/:id/gate': { allowed: ALL, path: '/api/v1/changes/999999/gate' },
  'GET /api/v1/changes/:id/pdf': { allowed: ['it', 'qa', 'auditor'], path: '/api/v1/changes/999999/pdf' },
  'GET /api/v1/packages/:id/pdf': { allowed: ['it', 'qa', 'auditor'], path: '/api/v1/packages/999999/pdf' },
  'GET /api/v1/packages/:id/bundle': { allowed: ['it', 'qa', 'auditor'], path: '/api/v1/packages/999999/bundle' },
  'GET /api/v1/reviews/periodic': { allowed: ALL },
  'GET /api/v1/risk-models': { allowed: ALL },
  'GET /api/v1/risk-models/:id': { allowed: ALL, path: '/api/v1/risk-models/gamp5' },
  'POST /api/v1/risk-models/:id/evaluate': { allowed: ALL, path: '/api/v1/risk-models/gamp5/evaluate' },
  'GET /api/v1/interfaces/:key/risk-assessments': { allowed: ALL, path: '/api/v1/interfaces/IF-NONE-1/risk-assessments' },
  'POST /api/v1/interfaces/:key/risk-assessments': { allowed: ['qa'], path: '/api/v1/interfaces/IF-NONE-1/risk-assessments' },
  'GET /api/v1/risk-assessments/:id': { allowed: ALL, path: '/api/v1/risk-assessments/999999' },
};

function send(app: express.Express, key: string, token: string | null) {
  const [method, routePath] = key.split(' ') as [string, string];
  const target = TABLE[key]!.path ?? routePath;
  let req = request(app)[method.toLowerCase() as 'get'](target);
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  return method === 'GET' ? req : req.send({});
}

describeEachDatabase('authorization: role × route', (dialect) => {
  let wb: TestWorkbench;
  const tokens = {} as Record<Role, string>;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    for (const role of ROLES) tokens[role] = await wb.login(role);
  });
  after(async () => wb?.close());

  it('has a row for every declared route, and no row for a route that does not exist', () => {
    const declared = declaredRoutes(wb.app).map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(declared).to.deep.equal(Object.keys(TABLE).sort());
  });

  for (const [key, { allowed }] of Object.entries(TABLE)) {
    if (allowed === 'public') {
      it(`${key} is public: answered without a token`, async () => {
        const response = await send(wb.app, key, null);
        expect(response.status, JSON.stringify(response.body)).to.not.be.oneOf([401, 403]);
      });
      continue;
    }
    it(`${key} refuses a request without a token (401)`, async () => {
      const response = await send(wb.app, key, null);
      expect(response.status).to.equal(401);
      expect(response.body.error.code).to.equal('unauthenticated');
    });
    for (const role of ROLES) {
      const mayCall = allowed.includes(role);
      it(`${key} ${mayCall ? 'lets' : 'refuses'} ${role}`, async () => {
        // Logging out ends the session: use a session of its own.
        const token = key === 'POST /api/v1/auth/logout' ? await wb.login(role) : tokens[role];
        const response = await send(wb.app, key, token);
        if (mayCall) {
          expect(response.status, JSON.stringify(response.body)).to.not.be.oneOf([401, 403]);
        } else {
          expect(response.status).to.equal(403);
          expect(response.body.error.code).to.equal('forbidden');
        }
      });
    }
  }

  it('gives auditors no permission that changes anything: every non-GET route refuses them, except their own session', () => {
    // The only non-GET routes that change nothing (a score preview), so they may be read-only.
    const readOnlyPosts = ['POST /api/v1/risk-models/:id/evaluate'];
    for (const key of readOnlyPosts) {
      const spec = declaredRoutes(wb.app).find((r) => `${r.method.toUpperCase()} ${r.path}` === key)!;
      expect(READ_ONLY_PERMISSIONS.has(spec.permission as Permission), key).to.equal(true);
    }
    const mutating = Object.entries(TABLE).filter(([key, row]) => !key.startsWith('GET ') && row.allowed !== 'public' && !key.startsWith('POST /api/v1/auth/') && !readOnlyPosts.includes(key));
    expect(mutating.length).to.be.greaterThan(5);
    for (const [key, row] of mutating) expect(row.allowed, key).to.not.include('auditor');
  });
});

describe('route declaration', () => {
  it('refuses to declare a route without a known permission', () => {
    const api = new ApiRouter(async () => {
      throw new Error('not called');
    }, (p) => p === 'audit:read');
    expect(() => api.add({ method: 'get', path: '/x', permission: '', tag: 't', summary: 's', handler: async () => ({}) })).to.throw(/declares no known permission/);
    expect(() => api.add({ method: 'get', path: '/x', permission: 'made:up', tag: 't', summary: 's', handler: async () => ({}) })).to.throw(/declares no known permission/);
  });

  describeEachDatabase('app start-up', (dialect) => {
    let wb: TestWorkbench;
    before(async () => (wb = await createTestWorkbench(dialect, { seedUsers: false })));
    after(async () => wb?.close());

    it('refuses to build the app when a route was mounted without declaring a permission', () => {
      expect(() =>
        createApp(wb.services, {
          extend: (_app, api) => api.router.get('/api/v1/sneaky', (_req, res) => void res.json({})),
        }),
      ).to.throw(/GET \/api\/v1\/sneaky was mounted without a declared permission/);
    });
  });
});
