// Administration in the browser: users (create, deactivate, reactivate, unlock, reset a password,
// change a role), access grants (signing rights that wait for a second person: requested and
// cancelled by administrators, rejected by QA, approved by a QA signature on the sign page),
// security alerts and the server's public keys. Each action calls the service the API route calls.
import { col, fn } from 'sequelize';
import { isSigningRole, roleHasPermission, type Role } from '../auth/roles.js';
import { ROLES } from '../auth/roles.js';
import { ValidationError } from '../platform/errors.js';
import type { Services } from '../services.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { presentCheckpointView } from './audit-views.js';
import { adminTabs, grantStateWords, presentAlertView, presentGrantView, presentKeyView, presentUserRow, roleOptions } from './admin-views.js';
import { roleTitle } from './viewer.js';

const NO_ERRORS: FormErrors = { fields: {}, messages: [] };
const PAGE_SIZE = 50;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } } } as const;
const reason = { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } as const;
const reasonBody = { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason } } as const;
type Id = { id: number };
type AnyInput = PageInput<any, any, any>;

export function registerAdminPages(pages: PageRouter, services: Services): void {
  const { users, accessGrants, alerts, keyring, checkpoints, models } = services;

  /** When each user last signed in (one grouped query over the sessions). */
  const lastSignIns = async (): Promise<Map<number, string>> => {
    const rows = (await models.Session.findAll({ attributes: ['userId', [fn('MAX', col('created_at')), 'lastAt']], group: ['userId'], raw: true })) as unknown as Array<{ userId: number; lastAt: string | Date }>;
    return new Map(rows.map((row) => [Number(row.userId), new Date(row.lastAt).toISOString()]));
  };

  // ---- Users ----------------------------------------------------------------------------------

  pages.add<unknown, { role?: Role; status?: 'active' | 'deactivated' }>({
    method: 'get',
    path: '/admin/users',
    permission: 'users:read',
    summary: 'Users with role, status, lockout, last sign-in and pending access grants',
    query: { type: 'object', additionalProperties: false, properties: { role: { type: 'string', enum: [...ROLES, ''] }, status: { type: 'string', enum: ['active', 'deactivated', ''] } } },
    handler: async ({ query, viewer }) => {
      const filter = { role: query.role || undefined, status: query.status || undefined };
      const [list, pending, signIns] = await Promise.all([users.list(filter), accessGrants.list({ status: 'pending' }), lastSignIns()]);
      const rows = list.map((user) => presentUserRow(user, pending.filter((g) => g.userId === user.id), signIns.get(user.id) ?? null));
      return {
        view: 'admin/users',
        title: 'Users',
        model: { nav: 'admin', tabs: adminTabs(viewer, 'users'), users: rows, filter, roles: roleOptions(filter.role).map((r) => ({ ...r, label: roleTitle(r.value) })), filtered: Boolean(filter.role || filter.status) },
      };
    },
  });

  const newUserPage = async ({ viewer }: AnyInput, errors: FormErrors, submitted: Record<string, unknown>): Promise<PageResult> => ({
    view: 'admin/user-new',
    title: 'New user',
    model: { nav: 'admin', tabs: adminTabs(viewer, 'users'), errors, values: submitted, roles: roleOptions(String(submitted.role ?? 'auditor')), minLength: services.passwordPolicy.minLength },
  });

  pages.add({ method: 'get', path: '/admin/users/new', permission: 'users:manage', summary: 'Form: create a user', handler: async (input) => newUserPage(input, NO_ERRORS, {}) });

  pages.add<{ username: string; fullName: string; role: Role; password: string; email?: string }>({
    method: 'post',
    path: '/admin/users',
    permission: 'users:manage',
    summary: 'Create a user (initial password changed at first sign-in; a signing role waits for approval)',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'fullName', 'role', 'password'],
      properties: { username: { type: 'string', maxLength: 64 }, fullName: { type: 'string', maxLength: 200 }, role: { type: 'string', maxLength: 16 }, password: { type: 'string', maxLength: 1024 }, email: { type: 'string', maxLength: 254 } },
    },
    formPage: newUserPage,
    handler: async ({ body, ctx }) => {
      // The service checks every field against the API's schema and names the one refused.
      const user = await users.create(ctx, { username: body.username.trim(), fullName: body.fullName, role: body.role as Role, password: body.password, email: body.email?.trim() || null, mustChangePassword: true });
      const pending = await accessGrants.list({ userId: user.id, status: 'pending' });
      const waiting = pending.length ? ` Signing rights as ${roleTitle(user.role)} wait for a second person’s approval (access grant ${pending.map((g) => g.id).join(', ')}).` : '';
      return { redirect: `/admin/users/${user.id}`, flash: `User ${user.username} created. They must change the initial password at first sign-in.${waiting}` };
    },
  });

  const userPage = async ({ params, viewer }: AnyInput, errors: FormErrors, submitted: Record<string, unknown>, form: string | null = null): Promise<PageResult> => {
    const user = await users.get(params.id);
    const [grants, signIns] = await Promise.all([accessGrants.list({ userId: user.id }), lastSignIns()]);
    const row = presentUserRow(user, grants.filter((g) => g.status === 'pending'), signIns.get(user.id) ?? null);
    const isSelf = viewer.userId === user.id;
    return {
      view: 'admin/user',
      title: `${user.fullName} (${user.username})`,
      model: {
        nav: 'admin',
        tabs: adminTabs(viewer, 'users'),
        crumbs: [{ href: '/admin/users', label: 'Users' }],
        user: row,
        grants: grants.slice(0, PAGE_SIZE).map((g) => presentGrantView(g, viewer)),
        roles: roleOptions(String(submitted.role ?? ''), user.role),
        isSelf,
        form,
        errors,
        values: submitted,
        minLength: services.passwordPolicy.minLength,
      },
    };
  };

  pages.add<unknown, unknown, Id>({ method: 'get', path: '/admin/users/:id', permission: 'users:read', summary: 'One user: details, access grants and (administrators) actions', params: idParams, handler: async (input) => userPage(input, NO_ERRORS, {}) });

  const userActions: Array<{ action: string; label: string; done: string; run: (input: AnyInput) => Promise<unknown> }> = [
    { action: 'deactivate', label: 'Deactivate', done: 'deactivated: they can no longer sign in', run: ({ ctx, params, body }) => users.deactivate(ctx, params.id, body.reason) },
    { action: 'reactivate', label: 'Reactivate', done: 'reactivated', run: ({ ctx, params, body }) => users.reactivate(ctx, params.id, body.reason) },
    { action: 'unlock', label: 'Unlock', done: 'unlocked', run: ({ ctx, params, body }) => users.unlock(ctx, params.id, body.reason) },
  ];
  for (const { action, done, run } of userActions) {
    pages.add<{ reason: string }, unknown, Id>({
      method: 'post',
      path: `/admin/users/:id/${action}`,
      permission: 'users:manage',
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a user, with a reason`,
      params: idParams,
      body: reasonBody,
      formPage: (input, errors, submitted) => userPage(input, errors, submitted, action),
      handler: async (input) => {
        await run(input);
        const pending = await accessGrants.list({ userId: input.params.id, status: 'pending' });
        const waiting = action === 'reactivate' && pending.some((g) => g.kind === 'role') ? ' Their signing rights wait for a second person’s approval.' : '';
        return { redirect: `/admin/users/${input.params.id}`, flash: `The user is ${done}.${waiting}` };
      },
    });
  }

  pages.add<{ password: string; reason: string }, unknown, Id>({
    method: 'post',
    path: '/admin/users/:id/reset-password',
    permission: 'users:manage',
    summary: 'Set a temporary password the user must change at next sign-in',
    params: idParams,
    body: { type: 'object', additionalProperties: false, required: ['password', 'reason'], properties: { password: { type: 'string', minLength: 1, maxLength: 1024 }, reason } },
    formPage: (input, errors, submitted) => userPage(input, errors, submitted, 'reset-password'),
    handler: async ({ ctx, params, body }) => {
      await users.resetPassword(ctx, params.id, body.password, body.reason);
      return { redirect: `/admin/users/${params.id}`, flash: 'Temporary password set. The user must change it at next sign-in; their open sessions were ended.' };
    },
  });

  pages.add<{ role: string; reason: string }, unknown, Id>({
    method: 'post',
    path: '/admin/users/:id/role',
    permission: 'users:manage',
    summary: 'Change a user’s role (as PATCH /api/v1/users/:id): a signing role becomes an access grant waiting for approval',
    params: idParams,
    body: { type: 'object', additionalProperties: false, required: ['role', 'reason'], properties: { role: { type: 'string', maxLength: 16 }, reason } },
    formPage: (input, errors, submitted) => userPage(input, errors, submitted, 'role'),
    handler: async ({ ctx, params, body }) => requestRole(ctx, params.id, body.role, body.reason, `/admin/users/${params.id}`),
  });

  /** A role change through the user service, as PATCH /api/v1/users/:id does it. */
  const requestRole = async (ctx: AnyInput['ctx'], userId: number, role: string, why: string, back: string): Promise<PageResult> => {
    if (!(ROLES as readonly string[]).includes(role)) throw new ValidationError('Choose a role.', [{ field: 'role', rule: 'enum', message: 'Choose a role from the list.' }]);
    const user = await users.get(userId);
    if (user.role === role) throw new ValidationError(`${user.username} already has this role.`, [{ field: 'role', rule: 'changed', message: `${user.fullName} is already ${roleTitle(role)}.` }]);
    await users.update(ctx, userId, { role: role as Role }, why);
    if (!isSigningRole(role as Role)) return { redirect: back, flash: `${user.username} is now ${roleTitle(role)}.` };
    const [grant] = await accessGrants.list({ userId, status: 'pending', kind: 'role' });
    return { redirect: back, flash: `Access grant ${grant?.id ?? ''} requested: ${user.username} becomes ${roleTitle(role)} once a second person (QA, not you) approves it. Until then nothing changes.` };
  };

  // ---- Access grants --------------------------------------------------------------------------

  const grantsPage = async ({ viewer, query }: AnyInput, errors: FormErrors, submitted: Record<string, unknown>, form: string | null = null): Promise<PageResult> => {
    const status = typeof query?.status === 'string' && ['approved', 'rejected', 'cancelled'].includes(query.status) ? query.status : undefined;
    const [pending, decided, everyone] = await Promise.all([
      accessGrants.list({ status: 'pending' }),
      status ? accessGrants.list({ status }) : accessGrants.list({}).then((all) => all.filter((g) => g.status !== 'pending')),
      viewer.can.accessGrantsRequest ? users.list({ status: 'active' }) : Promise.resolve([]),
    ]);
    const present = (g: (typeof pending)[number]) => presentGrantView(g, viewer);
    return {
      view: 'admin/access-grants',
      title: 'Access grants',
      model: {
        nav: 'admin',
        tabs: adminTabs(viewer, 'grants'),
        pending: pending.map(present),
        decided: decided.slice(0, PAGE_SIZE).map(present),
        moreDecided: Math.max(0, decided.length - PAGE_SIZE),
        status,
        statuses: ['approved', 'rejected', 'cancelled'].map((s) => ({ value: s, label: grantStateWords(s), selected: s === status })),
        users: everyone.filter((u) => u.id !== viewer.userId).map((u) => ({ value: u.id, label: `${u.fullName} (${u.username}) — ${roleTitle(u.role)}`, selected: String(u.id) === String(submitted.userId ?? '') })),
        grantChoices: [
          ...ROLES.filter((r) => isSigningRole(r)).map((r) => ({ value: `role:${r}`, label: `Role ${roleTitle(r)} (signing rights)` })),
          { value: 'password', label: 'Signing with the password the user chose after an administrator set one' },
        ].map((c) => ({ ...c, selected: c.value === submitted.grant })),
        form,
        formGrantId: submitted.grantId ?? null,
        errors,
        values: submitted,
      },
    };
  };

  pages.add<unknown, { status?: string }>({
    method: 'get',
    path: '/admin/access-grants',
    permission: 'access-grants:read',
    summary: 'Access grants: pending (waiting for a second person) and decided',
    query: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: ['approved', 'rejected', 'cancelled', ''] } } },
    handler: async (input) => grantsPage(input, NO_ERRORS, {}),
  });

  pages.add<{ userId: number; grant: string; reason: string }>({
    method: 'post',
    path: '/admin/access-grants',
    permission: 'access-grants:request',
    summary: 'Request signing rights for a user (a role, or signing with a chosen password); waits for a second person',
    body: { type: 'object', additionalProperties: false, required: ['userId', 'grant', 'reason'], properties: { userId: { type: 'integer', minimum: 1, maximum: 2147483647 }, grant: { type: 'string', maxLength: 32 }, reason } },
    formPage: (input, errors, submitted) => grantsPage(input, errors, submitted, 'request'),
    handler: async ({ ctx, body }) => {
      if (body.grant === 'password') {
        const grant = await accessGrants.requestPasswordApproval(ctx, body.userId, body.reason);
        return { redirect: '/admin/access-grants', flash: `Access grant ${grant.id} requested: it waits for a second person’s (QA) approval.` };
      }
      const role = body.grant.startsWith('role:') ? body.grant.slice(5) : '';
      if (!isSigningRole(role as Role) || !(ROLES as readonly string[]).includes(role)) throw new ValidationError('Choose what to grant.', [{ field: 'grant', rule: 'enum', message: 'Choose what to grant from the list.' }]);
      return requestRole(ctx, body.userId, role, body.reason, '/admin/access-grants').catch((error: unknown) => {
        // The role check names "role"; on this form the choice is "grant".
        if (error instanceof ValidationError && error.details?.some((d) => d.field === 'role')) throw new ValidationError(error.message, error.details.map((d) => ({ ...d, field: d.field === 'role' ? 'grant' : d.field })));
        throw error;
      });
    },
  });

  for (const [action, permission, verb] of [['cancel', 'access-grants:request', 'cancelled'], ['reject', 'access-grants:decide', 'rejected']] as const) {
    pages.add<{ reason: string }, unknown, Id>({
      method: 'post',
      path: `/admin/access-grants/:id/${action}`,
      permission,
      summary: action === 'cancel' ? 'Withdraw a pending access grant, with a reason (administrators)' : 'Reject a pending access grant, with a reason (QA; not its requester or subject)',
      params: idParams,
      body: reasonBody,
      formPage: (input, errors, submitted) => grantsPage(input, errors, { ...submitted, grantId: input.params.id }, action),
      handler: async ({ ctx, params, body }) => {
        await (action === 'cancel' ? accessGrants.cancel(ctx, params.id, body.reason) : accessGrants.reject(ctx, params.id, body.reason));
        return { redirect: '/admin/access-grants', flash: `Access grant ${params.id} ${verb}.` };
      },
    });
  }

  // ---- Security alerts ------------------------------------------------------------------------

  const alertsPage = async ({ viewer, query }: AnyInput, errors: FormErrors, submitted: Record<string, unknown>): Promise<PageResult> => {
    const show = query?.show === 'all' ? 'all' : query?.show === 'acknowledged' ? 'acknowledged' : 'open';
    const page = typeof query?.page === 'number' && query.page > 0 ? query.page : 1;
    const [list, everyone] = await Promise.all([alerts.list(show === 'all' ? {} : { acknowledged: show === 'acknowledged' }), users.list({})]);
    const names = new Map(everyone.map((u) => [u.id, u.username]));
    const shown = list.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((a) => presentAlertView(a, names));
    const link = (p: number) => `/admin/security-alerts?show=${show}&page=${p}`;
    return {
      view: 'admin/security-alerts',
      title: 'Security alerts',
      model: {
        nav: 'admin',
        tabs: adminTabs(viewer, 'alerts'),
        alerts: shown,
        show,
        shows: [{ value: 'open', label: 'Not yet acknowledged' }, { value: 'acknowledged', label: 'Acknowledged' }, { value: 'all', label: 'All' }].map((s) => ({ ...s, current: s.value === show, href: `/admin/security-alerts?show=${s.value}` })),
        previousHref: page > 1 ? link(page - 1) : null,
        nextHref: list.length > page * PAGE_SIZE ? link(page + 1) : null,
        errors,
        formAlertId: submitted.alertId ?? null,
        values: submitted,
      },
    };
  };

  pages.add<unknown, { show?: string; page?: number }>({
    method: 'get',
    path: '/admin/security-alerts',
    permission: 'security-alerts:read',
    summary: 'Security alerts, newest first',
    query: { type: 'object', additionalProperties: false, properties: { show: { type: 'string', enum: ['open', 'acknowledged', 'all'] }, page: { type: 'integer', minimum: 1, maximum: 100000 } } },
    handler: async (input) => alertsPage(input, NO_ERRORS, {}),
  });

  pages.add<{ note?: string }, unknown, Id>({
    method: 'post',
    path: '/admin/security-alerts/:id/acknowledge',
    permission: 'security-alerts:manage',
    summary: 'Acknowledge a security alert (with an optional note)',
    params: idParams,
    body: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 2000 } } },
    formPage: (input, errors, submitted) => alertsPage(input, errors, { ...submitted, alertId: input.params.id }),
    handler: async ({ ctx, params, body }) => {
      await alerts.acknowledge(ctx, params.id, body.note?.trim() || null);
      return { redirect: '/admin/security-alerts', flash: `Security alert ${params.id} acknowledged.` };
    },
  });

  // ---- Keys -----------------------------------------------------------------------------------

  pages.add({
    method: 'get',
    path: '/admin/keys',
    permission: 'audit:read',
    summary: 'The server’s public signing keys (as GET /api/v1/keys) and the last signed checkpoint',
    handler: async ({ viewer }) => ({
      view: 'admin/keys',
      title: 'Signing keys',
      model: {
        nav: roleHasPermission(viewer.role as Role, 'users:read') || viewer.can.securityAlertsRead ? 'admin' : 'audit',
        tabs: adminTabs(viewer, 'keys'),
        keys: keyring.publicKeys().map(presentKeyView),
        checkpoint: presentCheckpointView(await checkpoints.latest(), keyring),
      },
    }),
  });
}
