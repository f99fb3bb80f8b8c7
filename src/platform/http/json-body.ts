// A JSON answer serialized once per value: for answers built from values kept in memory (ReadCache),
// the same value object comes back on every hit, and its bytes need not be made again.
import { createHash } from 'node:crypto';
import type { Response } from 'express';

const serialized = new WeakMap<object, { body: Buffer; etag: string }>();

/**
 * Sends `build(value)` as JSON, serialized on the first call for this `value` object and reused while
 * that object lives. `build` must depend on nothing but `value` (and what is fixed with it).
 */
export function sendJsonOf<V extends object>(res: Response, value: V, build: (value: V) => unknown, status = 200): void {
  let answer = serialized.get(value);
  if (!answer) {
    const body = Buffer.from(JSON.stringify(build(value)), 'utf8');
    answer = { body, etag: `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"` };
    serialized.set(value, answer);
  }
  // The ETag made with the bytes (express would hash them again on every send), in express's own form.
  res.status(status).type('application/json').set('ETag', answer.etag).send(answer.body);
}
