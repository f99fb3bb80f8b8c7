// No client input may make a page answer 500, and a refused form changes nothing. Every declared
// page is called by a role allowed to use it with edge values in its path parameters, its query
// fields and its form fields (numbers no column holds, NUL, lone surrogates, very long text,
// repeated fields, unknown fields); every answer must be below 500, and the audit trail — which
// every change writes to — must not have grown from any refused form.
import { expect } from 'chai';
import { declaredPages } from '../../src/app.js';
import { isPermission, roleHasPermission, ROLES, type Role } from '../../src/auth/roles.js';
import type { PageSpec } from '../../src/web/page-router.js';
import { describeEachDatabase } from '../support/databases.js';
import { EDGE_NUMBERS } from '../support/edge-values.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

/** Well-formed values for the parameters not under test, naming records that do not exist: nothing real is touched. */
const PLAIN_PARAMS: Record<string, string> = { key: 'IF-ANY-001', digest: 'a'.repeat(64), recordType: 'package', recordId: '999999', version: '1', other: '2', id: '999999' };
const EDGE_TEXT = ['\u0000', '\ud800', 'x'.repeat(70_000), '../../etc/passwd', '<script>alert(1)</script>', '%', ' '];
/** Pages whose whole purpose is to end or keep the session: called last, in a session of their own. */
const SESSION_PAGES = new Set(['POST /sign-out']);

/** A lone surrogate has no UTF-8 form: sent as the bytes a UTF-8 encoder would have made of it. */
function encoded(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function pathOf(page: PageSpec, values: Record<string, string>): string {
  return page.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => encoded(values[name] ?? PLAIN_PARAMS[name] ?? '1'));
}

function fieldsOf(schema: unknown): string[] {
  return Object.keys(((schema as { properties?: object } | undefined)?.properties ?? {}) as object);
}

describeEachDatabase('page edge values', (dialect) => {
  let wb: TestWorkbench;
  const sessions = {} as Record<Role, WebSession>;
  const sessionFor = (permission: string) => sessions[ROLES.find((role) => !isPermission(permission) || roleHasPermission(role, permission)) ?? 'admin'];
  before(async () => {
    wb = await createTestWorkbench(dialect, { demoRegistry: true });
    for (const role of ROLES) sessions[role] = await signInWeb(wb.app, role);
  });
  after(async () => wb?.close());

  it('answers every page with edge values in its path, query and form without a server error, and no refused form changes anything', async function () {
    this.timeout(300_000);
    const failures: string[] = [];
    let checked = 0;
    const eventsBefore = Number(await wb.services.models.AuditEvent.max('seq'));
    for (const page of declaredPages(wb.app)) {
      const key = `${page.method.toUpperCase()} ${page.path}`;
      if (SESSION_PAGES.has(key) || page.path.endsWith('/events')) continue;
      const session = sessionFor(page.permission);
      const params = (page.path.match(/:([A-Za-z]+)/g) ?? []).map((p) => p.slice(1));
      const cases: Array<{ path: string; query: Record<string, string | string[]>; form: Record<string, string | string[]> }> = [
        ...params.flatMap((name) => [...EDGE_NUMBERS.filter((v) => v !== ''), ...EDGE_TEXT.slice(0, 5)].map((value) => ({ path: pathOf(page, { [name]: value }), query: {}, form: {} }))),
        ...fieldsOf(page.query).flatMap((name) => [...EDGE_NUMBERS, ...EDGE_TEXT].map((value) => ({ path: pathOf(page, {}), query: { [name]: value }, form: {} }))),
        { path: pathOf(page, {}), query: { unknown: 'x', page: ['1', '2'] }, form: {} },
      ];
      if (page.method === 'post') {
        const fields = fieldsOf(page.body);
        cases.push({ path: pathOf(page, {}), query: {}, form: {} });
        cases.push({ path: pathOf(page, {}), query: {}, form: { unknownField: 'x' } });
        for (const name of fields) {
          for (const value of [...EDGE_TEXT, ...EDGE_NUMBERS.slice(0, 4)]) cases.push({ path: pathOf(page, {}), query: {}, form: { [name]: value } });
          cases.push({ path: pathOf(page, {}), query: {}, form: { [name]: ['a', 'b'] } });
        }
      }
      for (const { path, query, form } of cases) {
        checked += 1;
        const search = Object.entries(query).flatMap(([k, v]) => ([] as string[]).concat(v).map((x) => `${encoded(k)}=${encoded(x)}`)).join('&');
        const url = search ? `${path}?${search}` : path;
        const response = page.method === 'post' ? await session.post(url, form) : await session.get(url);
        if (response.status >= 500) failures.push(`${key} ${url.slice(0, 120)} ${JSON.stringify(form).slice(0, 120)} → ${response.status}`);
      }
    }
    expect(checked).to.be.greaterThan(500);
    expect(failures, failures.join('\n')).to.deep.equal([]);
    // Refused input changed nothing: the only events since are the sign-in attempts' own.
    const added = await wb.services.audit.list({}, { limit: 5000, order: 'asc', cursor: eventsBefore });
    const changes = added.events.filter((e) => !e.action.startsWith('auth.'));
    expect(changes.map((e) => `${e.action} ${e.entityType}:${e.entityId}`)).to.deep.equal([]);
  });
});
