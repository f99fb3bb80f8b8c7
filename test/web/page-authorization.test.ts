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
import { signInWeb, type WebSession } from '../support/web-agent.js';

type Allowed = 'public' | Role[];
const ALL: Role[] = ['admin', 'it', 'qa', 'auditor'];

/** page → who may use it; `path` fills the parameters with ids that need not exist. */
export const PAGE_TABLE: Record<string, { allowed: Allowed; path?: string; ownSession?: boolean }> = {
  // Session (src/web/session-pages.ts)
  'GET /sign-in': { allowed: 'public' },
  'POST /sign-in': { allowed: 'public' },
  'GET /password': { allowed: 'public' },
  'POST /password': { allowed: 'public' },
  'POST /sign-out': { allowed: ALL, ownSession: true },
  'GET /account': { allowed: ALL },
  'POST /account/time-zone': { allowed: ALL },
  'POST /session/keep-alive': { allowed: ALL },
  // Dashboard (src/web/dashboard-pages.ts)
  'GET /': { allowed: ALL },
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

  for (const [key, { allowed, ownSession }] of Object.entries(PAGE_TABLE)) {
    const { method, path } = concrete(key);
    if (allowed === 'public') {
      it(`${key} is public: answered without signing in`, async () => {
        const response = await request(wb.app)[method](path).accept('html');
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
        if (mayUse) {
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
