// /api/v1/auth: sign in, refresh, sign out, who am I, change own password.
import type { ApiRouter } from '../platform/http/api-router.js';
import type { AuthService, IssuedToken } from './auth-service.js';
import { changePasswordBody, loginBody, type ChangePasswordBody, type LoginBody } from './auth-schemas.js';
import type { PasswordPolicy } from './password-policy.js';
import { bearerToken } from './request-guard.js';
import { presentUser } from './user-presenter.js';

export function registerAuthRoutes(api: ApiRouter, auth: AuthService, policy: PasswordPolicy, loginRateLimitPerMinute: number): void {
  // Lockout protects each account; this limit keeps one address from flooding the audit trail
  // with failed attempts against many user names.
  const rateLimit = { windowMs: 60_000, limit: loginRateLimitPerMinute };
  const presentToken = (issued: IssuedToken) => ({
    token: issued.token,
    tokenType: issued.tokenType,
    expiresAt: issued.expiresAt,
    session: issued.session,
    user: { ...presentUser(issued.user), passwordExpiresAt: policy.expiresAt(issued.user.passwordChangedAt)?.toISOString() ?? null },
  });

  api.add<LoginBody>({
    method: 'post',
    path: '/api/v1/auth/login',
    permission: 'public',
    tag: 'auth',
    summary: 'Sign in; answers a short-lived bearer token bound to a new session',
    body: loginBody,
    rateLimit,
    handler: async ({ body, ctx }) => presentToken(await auth.login(ctx, body.username, body.password)),
  });

  api.add({
    method: 'post',
    path: '/api/v1/auth/refresh',
    permission: 'session:self',
    tag: 'auth',
    summary: 'A new token for the current session',
    handler: async ({ ctx }) => presentToken(await auth.refresh(ctx)),
  });

  api.add({
    method: 'post',
    path: '/api/v1/auth/logout',
    permission: 'session:self',
    tag: 'auth',
    summary: 'End the current session; its tokens stop working at once',
    status: 204,
    handler: async ({ ctx }, res) => {
      await auth.logout(ctx);
      res.status(204).end();
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/auth/session',
    permission: 'session:self',
    tag: 'auth',
    summary: 'The signed-in user and session',
    handler: async ({ ctx }) => {
      const { user, session } = await auth.currentSession(ctx);
      return { user: presentUser(user), session: { id: session.id, createdAt: new Date(session.createdAt).toISOString() } };
    },
  });

  api.add<ChangePasswordBody>({
    method: 'post',
    path: '/api/v1/auth/password',
    permission: 'public',
    tag: 'auth',
    summary: 'Change your own password (also when it has expired or must be changed); ends your other sessions',
    body: changePasswordBody,
    rateLimit,
    handler: async ({ body, ctx, req }) => {
      // No token is needed; sent with the signed-in session's token, that session stays open.
      const token = bearerToken(req);
      const user = await auth.changePassword(ctx, body.username, body.currentPassword, body.newPassword, token ? auth.sessionIdOfToken(token) : null);
      return { passwordChangedAt: new Date(user.passwordChangedAt).toISOString(), passwordExpiresAt: policy.expiresAt(user.passwordChangedAt)?.toISOString() ?? null };
    },
  });
}
