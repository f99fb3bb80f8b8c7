// A JSON answer serialized once per value: for answers built from values kept in memory (ReadCache),
// the same value object comes back on every hit, and its bytes need not be made again.
import type { Response } from 'express';

const serialized = new WeakMap<object, Buffer>();

/**
 * Sends `build(value)` as JSON, serialized on the first call for this `value` object and reused while
 * that object lives. `build` must depend on nothing but `value` (and what is fixed with it).
 */
export function sendJsonOf<V extends object>(res: Response, value: V, build: (value: V) => unknown, status = 200): void {
  let body = serialized.get(value);
  if (!body) {
    body = Buffer.from(JSON.stringify(build(value)), 'utf8');
    serialized.set(value, body);
  }
  res.status(status).type('application/json').send(body);
}
