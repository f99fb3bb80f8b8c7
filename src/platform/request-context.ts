// Who is acting, and under which request: what services receive instead of req/res.
import { randomUUID } from 'node:crypto';

export interface Actor {
  /** null for the system itself (CLI on the server, demo seeding, start-up). */
  userId: number | null;
  username: string;
  /** Printed name, as it appears in the audit trail and on signatures (Part 11 §11.50). */
  name: string;
  role: string | null;
}

export interface RequestContext {
  actor: Actor;
  correlationId: string;
  sessionId: string | null;
  clientIp: string | null;
  userAgent: string | null;
}

export const ANONYMOUS: Actor = { userId: null, username: 'anonymous', name: 'Anonymous', role: null };

export function systemContext(name: string, correlationId: string = randomUUID()): RequestContext {
  return { actor: { userId: null, username: 'system', name, role: null }, correlationId, sessionId: null, clientIp: null, userAgent: null };
}
