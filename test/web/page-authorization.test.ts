// The role × page authorization table: like the API's (test/auth/authorization.test.ts), written
// out by hand, one row per declared page. Allowed means "not refused": neither the sign-in redirect
// nor the 403 page. A page a role may not use is refused by the server even when asked for directly
// (the templates also leave its links and buttons out — the page tests check that side).
import { expect } from 'chai';
import request from 'supertest';
import { declaredPages } from '../../src/app.js';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { csrfOf, signInWeb, type WebSession } from '../support/web-agent.js';

type Allowed = 'public' | Role[];
const ALL: Role[] = ['admin', 'it', 'qa', 'auditor'];

/** page → who may use it; `path` fills the parameters with ids that need not exist. */
export const PAGE_TABLE: Record<string, { allowed: Allowed; path?: string; ownSession?: boolean; signsOut?: boolean }> = {
  // Session (src/web/session-pages.ts)
  'GET /sign-in': { allowed: 'public' },
  'POST /sign-in': { allowed: 'public' },
  'GET /password': { allowed: 'public' },
  'POST /password': { allowed: 'public' },
  'POST /sign-out': { allowed: ALL, ownSession: true, signsOut: true },
  'GET /account': { allowed: ALL },
  'POST /account/time-zone': { allowed: ALL },
  'POST /session/keep-alive': { allowed: ALL },
  // Dashboard (src/web/dashboard-pages.ts)
  'GET /': { allowed: ALL },
  // Audit trail (src/web/audit-pages.ts)
  'GET /audit': { allowed: ALL },
  'GET /audit/verify': { allowed: ALL },
  'GET /audit/export': { allowed: ALL, path: '/audit/export?format=csv&entityType=nothing-here' },
  // Administration (src/web/admin-pages.ts)
  'GET /admin/users': { allowed: ['admin', 'qa', 'auditor'] },
  'GET /admin/users/new': { allowed: ['admin'] },
  'POST /admin/users': { allowed: ['admin'] },
  'GET /admin/users/:id': { allowed: ['admin', 'qa', 'auditor'], path: '/admin/users/1' },
  'POST /admin/users/:id/deactivate': { allowed: ['admin'], path: '/admin/users/999999/deactivate' },
  'POST /admin/users/:id/reactivate': { allowed: ['admin'], path: '/admin/users/999999/reactivate' },
  'POST /admin/users/:id/unlock': { allowed: ['admin'], path: '/admin/users/999999/unlock' },
  'POST /admin/users/:id/reset-password': { allowed: ['admin'], path: '/admin/users/999999/reset-password' },
  'POST /admin/users/:id/role': { allowed: ['admin'], path: '/admin/users/999999/role' },
  'GET /admin/access-grants': { allowed: ['admin', 'qa', 'auditor'] },
  'POST /admin/access-grants': { allowed: ['admin'] },
  'POST /admin/access-grants/:id/cancel': { allowed: ['admin'], path: '/admin/access-grants/999999/cancel' },
  'POST /admin/access-grants/:id/reject': { allowed: ['qa'], path: '/admin/access-grants/999999/reject' },
  'GET /admin/security-alerts': { allowed: ['admin', 'auditor'] },
  'POST /admin/security-alerts/:id/acknowledge': { allowed: ['admin'], path: '/admin/security-alerts/999999/acknowledge' },
  'GET /admin/keys': { allowed: ALL },
  // Interfaces, runs and evidence (src/web/interface-pages.ts, run-pages.ts, evidence-pages.ts)
  'GET /interfaces': { allowed: ALL },
  'GET /interfaces/:key': { allowed: ALL, path: '/interfaces/IF-NONE-001' },
  'POST /interfaces/:key/runs': { allowed: ['it', 'qa'], path: '/interfaces/IF-NONE-001/runs' },
  'GET /interfaces/:key/contracts/:version': { allowed: ALL, path: '/interfaces/IF-NONE-001/contracts/1' },
  'GET /interfaces/:key/contracts/:version/diff/:other': { allowed: ALL, path: '/interfaces/IF-NONE-001/contracts/1/diff/2' },
  'GET /runs': { allowed: ALL },
  'GET /runs/:id': { allowed: ALL, path: '/runs/999999' },
  'GET /runs/:id/events': { allowed: ALL, path: '/runs/999999/events' },
  'GET /runs/:id/pdf': { allowed: ['it', 'qa', 'auditor'], path: '/runs/999999/pdf' },
  'GET /evidence/:digest': { allowed: ALL, path: `/evidence/${'0'.repeat(64)}` },
  'GET /evidence/:digest/download': { allowed: ALL, path: `/evidence/${'0'.repeat(64)}/download` },
  // Packages (src/web/package-pages.ts)
  'GET /packages': { allowed: ALL },
  'GET /packages/new': { allowed: ['it', 'qa'] },
  'POST /packages': { allowed: ['it', 'qa'] },
  'GET /packages/:id': { allowed: ALL, path: '/packages/999999' },
  'POST /packages/:id/submit': { allowed: ['it', 'qa'], path: '/packages/999999/submit' },
  'POST /packages/:id/approve': { allowed: ['qa'], path: '/packages/999999/approve' },
  'POST /packages/:id/reject': { allowed: ['qa'], path: '/packages/999999/reject' },
  'POST /packages/:id/versions': { allowed: ['it', 'qa'], path: '/packages/999999/versions' },
  'GET /packages/:id/pdf': { allowed: ['it', 'qa', 'auditor'], path: '/packages/999999/pdf' },
  'GET /packages/:id/bundle': { allowed: ['it', 'qa', 'auditor'], path: '/packages/999999/bundle' },
  // Sign dialog (src/web/signing-pages.ts)
  'GET /sign/:recordType/:recordId': { allowed: ['it', 'qa'], path: '/sign/package/999999' },
  'POST /sign/:recordType/:recordId': { allowed: ['it', 'qa'], path: '/sign/package/999999' },
  // Changes (src/web/change-pages.ts)
  'GET /changes': { allowed: ALL },
  'GET /changes/new': { allowed: ['it', 'qa'] },
  'POST /changes': { allowed: ['it', 'qa'] },
  'GET /changes/:id': { allowed: ALL, path: '/changes/999999' },
  'POST /changes/:id/triage': { allowed: ['it', 'qa'], path: '/changes/999999/triage' },
  'POST /changes/:id/transition': { allowed: ['it', 'qa'], path: '/changes/999999/transition' },
  'POST /changes/:id/regression': { allowed: ['it', 'qa'], path: '/changes/999999/regression' },
  'GET /changes/:id/events': { allowed: ALL, path: '/changes/999999/events' },
  'GET /changes/:id/pdf': { allowed: ['it', 'qa', 'auditor'], path: '/changes/999999/pdf' },
  'GET /reviews': { allowed: ALL },
  // Editing a change's impact (src/web/change-impact-pages.ts)
  'GET /changes/:id/impact/edit': { allowed: ['it', 'qa'], path: '/changes/999999/impact/edit' },
  'POST /changes/:id/impact': { allowed: ['it', 'qa'], path: '/changes/999999/impact' },
  // Deviations (src/web/deviation-pages.ts)
  'GET /deviations': { allowed: ALL },
  'GET /deviations/:id': { allowed: ALL, path: '/deviations/999999' },
  'POST /deviations/:id': { allowed: ['it', 'qa'], path: '/deviations/999999' },
  'GET /runs/:id/deviations/new': { allowed: ['it', 'qa'], path: '/runs/999999/deviations/new' },
  'POST /runs/:id/deviations': { allowed: ['it', 'qa'], path: '/runs/999999/deviations' },
};

function concrete(key: string): { method: 'get' | 'post'; path: string } {
  const [method, path] = key.split(' ') as [string, string];
  return { method: method.toLowerCase() as 'get' | 'post', path: PAGE_TABLE[key]?.path ?? path };
}

describeEachDatabase('role × page authorization', (dialect) => {
  let wb: TestWorkbench;
  const sessions = {} as Record<Role, WebSession>;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    for (const role of ROLES) sessions[role] = await signInWeb(wb.app, role);
  });
  after(async () => wb?.close());

  it('has a row for every declared page, and no row for a page that does not exist', () => {
    const declared = declaredPages(wb.app).map((p) => `${p.method.toUpperCase()} ${p.path}`).sort();
    expect(declared).to.deep.equal(Object.keys(PAGE_TABLE).sort());
  });

  for (const [key, { allowed, ownSession, signsOut }] of Object.entries(PAGE_TABLE)) {
    const { method, path } = concrete(key);
    if (allowed === 'public') {
      it(`${key} is public: answered without signing in`, async () => {
        // A browser that is not signed in still carries the form token of its pre-session cookie.
        const agent = request.agent(wb.app);
        const form = await agent.get('/sign-in').accept('html');
        const response = method === 'post' ? await agent.post(path).type('form').accept('html').send({ _csrf: csrfOf(form.text) }) : await agent.get(path).accept('html');
        expect(response.status).to.not.equal(403);
        expect(String(response.headers.location ?? '')).to.not.match(/^\/sign-in\?/);
      });
      continue;
    }
    it(`${key} sends a browser that is not signed in to the sign-in page`, async () => {
      const response = await request(wb.app)[method](path).accept('html');
      if (method === 'post') {
        // No session and no form token: refused before anything else is looked at.
        expect(response.status).to.be.oneOf([303, 403]);
      } else {
        expect(response.status).to.equal(303);
        expect(response.headers.location).to.match(/^\/sign-in\?next=/);
      }
    });
    for (const role of ROLES) {
      const mayUse = allowed.includes(role);
      it(`${key} ${mayUse ? 'lets' : 'refuses'} ${role}`, async () => {
        const session = ownSession ? await signInWeb(wb.app, role) : sessions[role];
        const response = method === 'post' ? await session.post(path) : await session.get(path);
        if (mayUse && signsOut) {
          expect(response.status).to.equal(303);
          expect(String(response.headers['set-cookie'])).to.match(/gxpw_session=;/);
        } else if (mayUse) {
          expect(response.status, response.text.slice(0, 300)).to.not.equal(403);
          expect(String(response.headers.location ?? '')).to.not.match(/^\/sign-in/);
        } else {
          expect(response.status).to.equal(403);
          expect(response.text).to.match(/does not allow this/);
        }
      });
    }
  }

  it('refuses a form without its token, and one carrying another session’s token', async () => {
    const noToken = await sessions.qa.agent.post('/account/time-zone').type('form').send({ timeZone: 'Europe/Berlin' });
    expect(noToken.status).to.equal(403);
    expect(noToken.text).to.match(/form has expired or did not come from this site/);
    const foreign = await sessions.qa.agent.post('/account/time-zone').type('form').send({ _csrf: sessions.it.csrf, timeZone: 'Europe/Berlin' });
    expect(foreign.status).to.equal(403);
  });
});
