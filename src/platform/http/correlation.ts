// A correlation id on every request: taken from X-Request-Id when it is well-formed, otherwise
// new. It is echoed in X-Correlation-Id, written to the log, stored on audit events and in error
// bodies, so one id finds a request everywhere.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const ACCEPTABLE = /^[A-Za-z0-9._-]{8,64}$/;

export function correlationId(req: Request, res: Response, next: NextFunction): void {
  const offered = req.headers['x-request-id'];
  const id = typeof offered === 'string' && ACCEPTABLE.test(offered) ? offered : randomUUID();
  res.locals.correlationId = id;
  res.setHeader('X-Correlation-Id', id);
  next();
}

export function correlationIdOf(res: Response): string {
  return (res.locals.correlationId as string | undefined) ?? 'unknown';
}
