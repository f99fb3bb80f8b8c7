// Authenticates each request from its bearer token and checks the route's permission against the
// role matrix (Part 11 §11.10(d)(g)). Everything else about who-may-what lives in services.
import type { Request } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../platform/errors.js';
import type { RequestGuard } from '../platform/http/api-router.js';
import { correlationIdOf } from '../platform/http/correlation.js';
import { ANONYMOUS, type RequestContext } from '../platform/request-context.js';
import type { AuthService } from './auth-service.js';
import { isPermission, roleHasPermission } from './roles.js';

export function createRequestGuard(auth: AuthService): RequestGuard {
  return async (req, res, permission) => {
    const base: Omit<RequestContext, 'actor' | 'sessionId'> = {
      correlationId: correlationIdOf(res),
      clientIp: req.ip ?? null,
      userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
    };
    if (permission === 'public') return { ...base, actor: ANONYMOUS, sessionId: null };
    const token = bearerToken(req);
    if (!token) throw new UnauthenticatedError('Sign in first: send Authorization: Bearer <token> from POST /api/v1/auth/login.');
    const { user, session } = await auth.authenticate(token, base);
    if (!isPermission(permission) || !roleHasPermission(user.role, permission)) {
      throw new ForbiddenError(`The ${user.role} role does not have the permission '${permission}'.`);
    }
    return { ...base, actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role }, sessionId: session.id };
  };
}

export function bearerToken(req: Request): string | null {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+([A-Za-z0-9\-_.]+)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}
