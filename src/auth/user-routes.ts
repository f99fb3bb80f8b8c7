// /api/v1/users: user administration (admin), readable by QA and auditors.
import type { ApiRouter } from '../platform/http/api-router.js';
import { presentAccessGrant } from './access-grant-presenter.js';
import type { AccessGrantService } from './access-grant-service.js';
import { createUserBody, idParams, listUsersQuery, reasonBody, resetPasswordBody, updateUserBody } from './auth-schemas.js';
import type { UserStatus } from './auth-models.js';
import type { Role } from './roles.js';
import { presentUser } from './user-presenter.js';
import type { NewUser, UserChanges, UserService } from './user-service.js';

type IdParams = { id: number };
type Reason = { reason: string };

export function registerUserRoutes(api: ApiRouter, users: UserService, grants: AccessGrantService): void {
  // A created or edited user comes back with the access grants still waiting for a second person.
  const withPendingGrants = async (user: Parameters<typeof presentUser>[0]) => ({
    ...presentUser(user),
    pendingAccessGrants: (await grants.list({ userId: user.id, status: 'pending' })).map(presentAccessGrant),
  });

  api.add<unknown, { role?: Role; status?: UserStatus }>({
    method: 'get',
    path: '/api/v1/users',
    permission: 'users:read',
    tag: 'users',
    summary: 'List users',
    query: listUsersQuery,
    handler: async ({ query }) => ({ users: (await users.list(query)).map(presentUser) }),
  });

  api.add<unknown, unknown, IdParams>({
    method: 'get',
    path: '/api/v1/users/:id',
    permission: 'users:read',
    tag: 'users',
    summary: 'One user',
    params: idParams,
    handler: async ({ params }) => presentUser(await users.get(params.id)),
  });

  api.add<NewUser>({
    method: 'post',
    path: '/api/v1/users',
    permission: 'users:manage',
    tag: 'users',
    summary: 'Create a user (the initial password must be changed at first sign-in; a signing role and training wait for approval)',
    body: createUserBody,
    status: 201,
    handler: async ({ body, ctx }) => withPendingGrants(await users.create(ctx, { ...body, mustChangePassword: true })),
  });

  api.add<UserChanges & Reason, unknown, IdParams>({
    method: 'patch',
    path: '/api/v1/users/:id',
    permission: 'users:manage',
    tag: 'users',
    summary: 'Edit a user (name, e-mail, role, training, qualification) with a reason; a signing role and training wait for approval',
    params: idParams,
    body: updateUserBody,
    handler: async ({ body: { reason, ...changes }, params, ctx }) => withPendingGrants(await users.update(ctx, params.id, changes, reason)),
  });

  const statusActions = {
    deactivate: users.deactivate.bind(users),
    reactivate: users.reactivate.bind(users),
    unlock: users.unlock.bind(users),
  };
  for (const [action, perform] of Object.entries(statusActions)) {
    api.add<Reason, unknown, IdParams>({
      method: 'post',
      path: `/api/v1/users/:id/${action}`,
      permission: 'users:manage',
      tag: 'users',
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a user, with a reason`,
      params: idParams,
      body: reasonBody,
      handler: async ({ body, params, ctx }) => presentUser(await perform(ctx, params.id, body.reason)),
    });
  }

  api.add<{ password: string } & Reason, unknown, IdParams>({
    method: 'post',
    path: '/api/v1/users/:id/reset-password',
    permission: 'users:manage',
    tag: 'users',
    summary: 'Set a new password that the user must change at next sign-in',
    params: idParams,
    body: resetPasswordBody,
    handler: async ({ body, params, ctx }) => presentUser(await users.resetPassword(ctx, params.id, body.password, body.reason)),
  });
}
