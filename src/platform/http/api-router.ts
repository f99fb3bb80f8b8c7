// Routes are declared, not just mounted: each one states its permission, its input schemas and a
// summary. Declaring a route without a known permission throws, and the app refuses to start if
// any route reached express some other way (STYLE.md §4). The same declarations feed the OpenAPI
// document, so it cannot drift from what is served.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ValidationError } from '../errors.js';
import { isWellFormedText } from '../text.js';
import { TooManyRequestsError, UnsupportedMediaTypeError } from './http-errors.js';
import { compileValidator, validateInput, type JsonSchema } from '../validation.js';
import type { RequestContext } from '../request-context.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A permission name from the role matrix, or 'public' for the few routes anyone may call. */
export type RoutePermission = string;

export interface RouteInput<Body, Query, Params> {
  body: Body;
  query: Query;
  params: Params;
  ctx: RequestContext;
  /** The request itself, for routes that stream their body (`streamBody`). */
  req: Request;
}

export interface RouteSpec<Body = any, Query = any, Params = any> {
  method: HttpMethod;
  path: string;
  permission: RoutePermission;
  summary: string;
  tag: string;
  body?: JsonSchema;
  query?: JsonSchema;
  params?: JsonSchema;
  /** Status of a successful JSON answer; 200 when omitted. */
  status?: number;
  /** At most `limit` calls per client address per window (429 beyond), counted per server instance. */
  rateLimit?: { windowMs: number; limit: number };
  /** Largest JSON body this route accepts (413 beyond); the configured default when omitted. */
  bodyLimitBytes?: number;
  /**
   * Deepest nesting of objects and arrays this route's JSON body may have (400 `too_deep` beyond);
   * MAX_BODY_DEPTH when omitted. Routes that carry contract documents allow the contract's own limit.
   */
  maxBodyDepth?: number;
  /** The handler reads the request stream itself (uploads): no JSON parsing, whatever the type. */
  streamBody?: boolean;
  /** Content types answered besides JSON (documentation only). */
  produces?: string[];
  /**
   * Returns the JSON answer, or writes the response itself (a download, a CSV stream) and
   * returns undefined.
   */
  handler(input: RouteInput<Body, Query, Params>, res: Response): Promise<unknown>;
}

/** Authenticates the request and checks the permission; returns who is acting. */
export type RequestGuard = (req: Request, res: Response, permission: RoutePermission) => Promise<RequestContext>;

const DECLARED = Symbol('gxpw.declared-route');

/**
 * How deep a JSON body may nest. No request of ours needs more; checked without recursion before
 * any recursive walk (the text checks below, ajv, canonical JSON), since 16 KB of `[[[[…` is ~8,000
 * levels: deep enough to overflow the stack of any of them.
 */
export const MAX_BODY_DEPTH = 64;

export class ApiRouter {
  readonly router = express.Router();
  readonly specs: RouteSpec[] = [];

  constructor(
    private readonly guard: RequestGuard,
    private readonly isKnownPermission: (permission: string) => boolean,
    private readonly defaultBodyLimitBytes = 1024 * 1024,
  ) {}

  add<Body = unknown, Query = unknown, Params = Record<string, string>>(spec: RouteSpec<Body, Query, Params>): void {
    if (!spec.permission || (spec.permission !== 'public' && !this.isKnownPermission(spec.permission))) {
      throw new Error(`route ${spec.method.toUpperCase()} ${spec.path} declares no known permission ('${spec.permission}')`);
    }
    const validators = {
      body: spec.body ? compileValidator(spec.body, 'body') : null,
      query: spec.query ? compileValidator(spec.query, 'query') : null,
      params: spec.params ? compileValidator(spec.params, 'params') : null,
    };
    // Authorize before reading the body: nobody without the permission gets a large body parsed.
    const authorize = async (req: Request, res: Response, next: NextFunction) => {
      res.locals.ctx = await this.guard(req, res, spec.permission);
      next();
    };
    const handle = async (req: Request, res: Response) => {
      const ctx = res.locals.ctx as RequestContext;
      rejectDeepNesting(req.body, spec.maxBodyDepth ?? MAX_BODY_DEPTH);
      rejectUnstorableText({ body: req.body, query: req.query, params: req.params });
      if (validators.body && req.body === undefined && hasBody(req)) {
        throw new UnsupportedMediaTypeError('Send the request body as application/json.');
      }
      // Which record (path), then how (query), then what (body): a bad id is named first.
      const params = validators.params ? validateInput<Params>(validators.params, { ...req.params }, 'params') : (req.params as Params);
      const query = validators.query ? validateInput<Query>(validators.query, { ...req.query }, 'query') : (req.query as Query);
      const body = validators.body ? validateInput<Body>(validators.body, req.body ?? {}, 'body') : (undefined as Body);
      const input: RouteInput<Body, Query, Params> = { body, query, params, ctx, req };
      const result = await spec.handler(input, res);
      if (!res.headersSent) res.status(spec.status ?? 200).json(result);
    };
    // Each route parses its own body, so a bulk import can accept more than a sign-in.
    const parseJson = express.json({ limit: spec.bodyLimitBytes ?? this.defaultBodyLimitBytes, type: ['application/json', 'application/*+json'] });
    const handlers: RequestHandler[] = [...(spec.rateLimit ? [createRateLimiter(spec.rateLimit)] : []), authorize, ...(spec.streamBody ? [] : [parseJson]), handle];
    for (const handler of handlers) markDeclared(handler);
    this.router[spec.method](spec.path, ...handlers);
    this.specs.push(spec as RouteSpec);
  }
}

/** Marks a handler as mounted by a declaring router (this one, or the web pages' PageRouter). */
export function markDeclared(handler: RequestHandler): void {
  Object.defineProperty(handler, DECLARED, { value: true });
}

function createRateLimiter({ windowMs, limit }: { windowMs: number; limit: number }): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req: Request, _res: Response, next: NextFunction) =>
      next(new TooManyRequestsError(`Too many requests: at most ${limit} per ${Math.round(windowMs / 1000)} s from one address. Try again later.`)),
  });
}

/** Refuses a value nested deeper than `maxDepth` objects/arrays; iterative, so any depth is safe to check. */
export function rejectDeepNesting(value: unknown, maxDepth: number): void {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length) {
    const [current, depth] = pending.pop()!;
    if (!current || typeof current !== 'object') continue;
    if (depth > maxDepth) {
      throw new ValidationError(`The request body nests deeper than ${maxDepth} levels.`, [{ field: 'body', rule: 'maxDepth', message: `must not nest objects and arrays deeper than ${maxDepth} levels` }], 'too_deep');
    }
    for (const inner of Object.values(current)) if (inner && typeof inner === 'object') pending.push([inner, depth + 1]);
  }
}

/**
 * Text that cannot be stored faithfully is refused at the edge rather than silently changed: NUL
 * (PostgreSQL text refuses it, and the driver layer rewrites it), and lone UTF-16 surrogates (not
 * Unicode text at all: RFC 8785 canonical JSON, and so the audit trail's hashes, cannot hold them).
 */
export function rejectUnstorableText(value: unknown, path = ''): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      throw new ValidationError(`Invalid input: ${path} contains a NUL character`, [{ field: path, rule: 'noNulCharacter', message: 'must not contain a NUL character' }]);
    }
    if (!isWellFormedText(value)) {
      throw new ValidationError(`Invalid input: ${path} is not well-formed Unicode`, [{ field: path, rule: 'wellFormedUnicode', message: 'must not contain a lone surrogate' }]);
    }
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      rejectUnstorableText(key, path ? `${path}.${key}` : key);
      rejectUnstorableText(inner, path ? `${path}.${key}` : key);
    }
  }
}

function hasBody(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> };
  handle?: { stack?: Layer[] };
}

/** Throws when any route in the app was mounted without being declared through an ApiRouter. */
export function assertEveryRouteDeclared(stack: Layer[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const { handle } of layer.route.stack) {
        if (!(handle as Record<symbol, unknown>)[DECLARED]) {
          const methods = Object.keys(layer.route.methods).join(',').toUpperCase();
          throw new Error(`route ${methods} ${layer.route.path} was mounted without a declared permission`);
        }
      }
    } else if (layer.handle?.stack) {
      assertEveryRouteDeclared(layer.handle.stack);
    }
  }
}
