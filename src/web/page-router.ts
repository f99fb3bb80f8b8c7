// Pages are declared like API routes (STYLE.md §4): each states its permission and the schemas of
// its form and query, and the app refuses to start if a page reached express another way. A page
// answers a view (template + view model), a redirect, or writes the response itself (downloads,
// server-sent events). The router does the rest, the same for every page:
//  - who: the session cookie, checked as a token's session is; not signed in → the sign-in page;
//  - may they: the role matrix (a control the role lacks is absent from the page *and* refused here);
//  - CSRF: every POST carries the form token of its session (or of its pre-session cookie);
//  - input: urlencoded forms parsed with a small limit, text checked for NUL and lone surrogates,
//    validated by ajv, with coercion as a query string is (a form is text);
//  - errors: in plain language, beside the field when a form can show them, else an error page —
//    never a stack, never a 500 for client input.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { isPermission, roleHasPermission, type Permission } from '../auth/roles.js';
import type { AuthService } from '../auth/auth-service.js';
import { AppError, ForbiddenError, UnauthenticatedError, type ErrorDetail } from '../platform/errors.js';
import { markDeclared, rejectDeepNesting, rejectUnstorableText } from '../platform/http/api-router.js';
import { correlationIdOf } from '../platform/http/correlation.js';
import { classifyError } from '../platform/http/error-handler.js';
import type { Logger } from '../platform/logger.js';
import type { RequestContext } from '../platform/request-context.js';
import { compileValidator, validateInput, type JsonSchema } from '../platform/validation.js';
import { permissionFlags, roleTitle, isTimeZone, type Viewer } from './viewer.js';
import type { PageViews } from './views.js';
import { PRE_SESSION_COOKIE, SESSION_COOKIE, TIME_ZONE_COOKIE, cookiesOf, ensurePreSession, safeEqual, setFlash, takeFlash, type WebSessionKeys } from './web-session.js';

export type PagePermission = Permission | 'public';

export interface PageInput<Body, Query, Params> {
  body: Body;
  query: Query;
  params: Params;
  ctx: RequestContext;
  viewer: Viewer;
  req: Request;
}

/** What a page answers: a view to render, or a redirect (after a POST, with a one-time message). */
export type PageResult = { view: string; title: string; model?: Record<string, unknown>; status?: number; layout?: string } | { redirect: string; flash?: string };

/** A form's errors as the templates show them: one message per field, and those of no field. */
export interface FormErrors {
  fields: Record<string, string>;
  messages: string[];
}

export interface PageSpec<Body = any, Query = any, Params = any> {
  method: 'get' | 'post';
  path: string;
  permission: PagePermission;
  summary: string;
  params?: JsonSchema;
  query?: JsonSchema;
  /** The form's fields; `_csrf` is checked and removed before validation. */
  body?: JsonSchema;
  /**
   * Renders the form again when the input or the service refuses it (a 4xx other than sign-in and
   * permission), with the errors beside their fields and what was typed kept (passwords excepted).
   */
  formPage?: (input: PageInput<Body, Query, Params>, errors: FormErrors, submitted: Record<string, unknown>) => Promise<PageResult>;
  /** Returns a page result, or writes the response itself and returns undefined. */
  handler(input: PageInput<Body, Query, Params>, res: Response): Promise<PageResult | undefined>;
}

const FORM_LIMIT = '64kb';

export interface PageRouterDeps {
  auth: AuthService;
  keys: WebSessionKeys;
  views: PageViews;
  logger: Logger;
  defaultTimeZone: string;
  /** Extra values every page's layout sees (product name, demo banner). */
  site: Record<string, unknown>;
}

export class PageRouter {
  readonly router = express.Router();
  readonly specs: PageSpec[] = [];

  constructor(private readonly deps: PageRouterDeps) {}

  add<Body = Record<string, string>, Query = Record<string, string>, Params = Record<string, string>>(spec: PageSpec<Body, Query, Params>): void {
    if (spec.permission !== 'public' && !isPermission(spec.permission)) {
      throw new Error(`page ${spec.method.toUpperCase()} ${spec.path} declares no known permission ('${spec.permission}')`);
    }
    const validators = {
      body: spec.body ? compileValidator(spec.body, 'query') : null,
      query: spec.query ? compileValidator(spec.query, 'query') : null,
      params: spec.params ? compileValidator(spec.params, 'query') : null,
    };
    const formFields = spec.body ? formFieldTest(spec.body) : null;
    const parseForm = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 500 });
    const handle = async (req: Request, res: Response, next: NextFunction) => {
      res.locals.pageStartedAt = performance.now();
      let input: PageInput<Body, Query, Params> | null = null;
      try {
        const { ctx, viewer } = await this.identify(req, res, spec.permission);
        if (spec.method === 'post') this.checkFormToken(req, viewer);
        const raw = { ...(req.body ?? {}) } as Record<string, unknown>;
        delete raw._csrf;
        // Which record (path) first: a form is only shown again for a record that is one. A bad
        // query or form is the form's to show (a filter form, the sign-in's `next`).
        rejectUnstorableText({ params: req.params });
        const params = validators.params ? validateInput<Params>(validators.params, { ...req.params }, 'params') : (req.params as Params);
        input = { body: raw as Body, query: req.query as Query, params, ctx, viewer, req };
        rejectUnstorableText({ query: req.query });
        input.query = validators.query ? validateInput<Query>(validators.query, { ...req.query }, 'query') : input.query;
        rejectDeepNesting(raw, 4);
        rejectUnstorableText({ body: raw });
        input.body = validators.body ? validateInput<Body>(validators.body, raw, 'body') : input.body;
        const result = await spec.handler(input, res);
        if (result && !res.headersSent) this.answer(req, res, result, viewer);
      } catch (error) {
        if (input && spec.formPage && isFormError(error) && !res.headersSent) {
          try {
            const submitted = withoutSecrets(input.req.body ?? {});
            const result = await spec.formPage(input, formErrorsOf(error, formFields), submitted);
            const status = (error as AppError).status ?? 400;
            this.answer(req, res, 'view' in result ? { ...result, status } : result, input.viewer);
            return;
          } catch (inner) {
            next(inner);
            return;
          }
        }
        next(error);
      }
    };
    const handlers: RequestHandler[] = spec.method === 'post' ? [parseForm, handle] : [handle];
    for (const handler of handlers) markDeclared(handler);
    this.router[spec.method](spec.path, ...handlers);
    this.specs.push(spec as PageSpec);
  }

  /** Renders a view for this viewer into the layout (also used by the error pages). */
  renderPage(req: Request, res: Response, viewer: Viewer, result: Extract<PageResult, { view: string }>): void {
    const html = this.deps.views.render(
      result.view,
      { ...result.model, title: result.title, viewer, site: this.deps.site, flash: takeFlash(req, res), path: req.originalUrl },
      result.layout ?? (viewer.signedIn ? 'main' : 'bare'),
    );
    // Server time of the page, for the browser's devtools and `npm run bench pages` (< 200 ms).
    const startedAt = res.locals.pageStartedAt as number | undefined;
    if (startedAt !== undefined) res.setHeader('Server-Timing', `page;dur=${(performance.now() - startedAt).toFixed(1)}`);
    res.status(result.status ?? 200).type('html').send(html);
  }

  /** The error page for anything a page handler threw: sign-in for 401, a plain message otherwise. */
  errorHandler() {
    return async (error: unknown, req: Request, res: Response, _next: NextFunction) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const classified = classifyError(error);
      const { status, code } = classified;
      const message = code === 'route_not_found' ? 'There is no page at this address. Check the link, or start again from the dashboard.' : classified.message;
      const correlationId = correlationIdOf(res);
      if (status >= 500) this.deps.logger.error({ err: error, correlationId, method: req.method, path: req.path }, 'unhandled page error');
      if (status === 401) {
        const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
        if (code === 'session_expired' || code === 'session_ended' || code === 'account_inactive') setFlash(req, res, message);
        res.redirect(303, `/sign-in${next}`);
        return;
      }
      if (code === 'password_change_required' || code === 'password_expired') {
        setFlash(req, res, code === 'password_expired' ? 'Your password has expired: choose a new one.' : 'Your password was set by an administrator: choose your own before you go on.');
        res.redirect(303, '/password');
        return;
      }
      const viewer = (res.locals.viewer as Viewer | undefined) ?? this.anonymousViewer(req, res);
      try {
        this.renderPage(req, res, viewer, {
          view: 'error',
          title: status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status >= 500 ? 'Something went wrong' : 'That did not work',
          status,
          model: { status, code, message: status >= 500 ? 'The server could not complete this request. Nothing was changed by it; quote the reference below if you report it.' : message, correlationId },
        });
      } catch (renderError) {
        this.deps.logger.error({ err: renderError, correlationId }, 'error page failed to render');
        res.status(status).type('text').send(`${status} ${message}`);
      }
    };
  }

  private answer(req: Request, res: Response, result: PageResult, viewer: Viewer): void {
    if ('redirect' in result) {
      if (result.flash) setFlash(req, res, result.flash);
      res.redirect(303, result.redirect);
      return;
    }
    this.renderPage(req, res, viewer, result);
  }

  private async identify(req: Request, res: Response, permission: PagePermission): Promise<{ ctx: RequestContext; viewer: Viewer }> {
    const base = { correlationId: correlationIdOf(res), clientIp: req.ip ?? null, userAgent: req.get('user-agent')?.slice(0, 512) ?? null };
    const cookies = cookiesOf(req);
    const sessionId = this.deps.keys.sessionIdOf(cookies[SESSION_COOKIE]);
    if (permission === 'public' && !sessionId) {
      const viewer = this.anonymousViewer(req, res);
      return { ctx: { ...base, actor: { userId: null, username: 'anonymous', name: 'Anonymous', role: null }, sessionId: null }, viewer };
    }
    if (!sessionId) throw new UnauthenticatedError('Sign in to continue.');
    let found;
    try {
      found = await this.deps.auth.authenticateSession(sessionId, base);
    } catch (error) {
      // A public page (sign-in, password) stays usable with a stale cookie.
      if (permission === 'public') return this.identify(withoutSessionCookie(req), res, permission);
      throw error;
    }
    const { user, session } = found;
    if (permission !== 'public' && !roleHasPermission(user.role, permission)) {
      res.locals.viewer = this.viewerOf(req, user, session.id);
      throw new ForbiddenError(`Your role (${roleTitle(user.role)}) does not allow this.`);
    }
    const viewer = this.viewerOf(req, user, session.id);
    res.locals.viewer = viewer;
    return { ctx: { ...base, actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role }, sessionId: session.id }, viewer };
  }

  private viewerOf(req: Request, user: { id: number; username: string; fullName: string; role: string }, sessionId: string): Viewer {
    return {
      signedIn: true,
      userId: user.id,
      username: user.username,
      name: user.fullName,
      role: user.role,
      roleTitle: roleTitle(user.role),
      can: permissionFlags(user.role),
      timeZone: this.timeZoneOf(req),
      csrfToken: this.deps.keys.csrfTokenForSession(sessionId),
      idleTimeoutSeconds: this.deps.auth.sessionIdleSeconds,
      idleTimeoutMinutes: Math.round(this.deps.auth.sessionIdleSeconds / 60),
    };
  }

  anonymousViewer(req: Request, res: Response): Viewer {
    const preSession = ensurePreSession(req, res);
    return {
      signedIn: false,
      userId: null,
      username: 'anonymous',
      name: '',
      role: null,
      roleTitle: '',
      can: {},
      timeZone: this.timeZoneOf(req),
      csrfToken: this.deps.keys.csrfTokenForPreSession(preSession),
      idleTimeoutSeconds: this.deps.auth.sessionIdleSeconds,
      idleTimeoutMinutes: Math.round(this.deps.auth.sessionIdleSeconds / 60),
    };
  }

  private timeZoneOf(req: Request): string {
    const chosen = cookiesOf(req)[TIME_ZONE_COOKIE];
    return isTimeZone(chosen) ? chosen : this.deps.defaultTimeZone;
  }

  /** A POST must carry the token of the session (or pre-session) it was rendered for. */
  private checkFormToken(req: Request, viewer: Viewer): void {
    const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : '';
    const expected = viewer.signedIn ? viewer.csrfToken : cookiesOf(req)[PRE_SESSION_COOKIE] ? viewer.csrfToken : '';
    if (!sent || !expected || !safeEqual(sent, expected)) {
      throw new ForbiddenError('This form has expired or did not come from this site, so nothing was done. Reload the page and try again.', 'invalid_form_token');
    }
  }
}

/** A refusal the form can show beside its fields: bad input, a conflict, a wrong password for signing. */
function isFormError(error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  if (error.code === 'invalid_form_token') return false;
  if (error.status === 401) return error.code === 'invalid_credentials';
  return error.status >= 400 && error.status < 500 && error.status !== 403 && error.status !== 404;
}

export function formErrorsOf(error: unknown, isFormField: ((name: string) => boolean) | null = null): FormErrors {
  const errors: FormErrors = { fields: {}, messages: [] };
  const appError = error as AppError;
  const details = (appError.details ?? []) as ErrorDetail[];
  const unplaced: string[] = [];
  for (const detail of details) {
    const field = typeof detail.field === 'string' ? detail.field.replace(/^body\./, '').split('.')[0]! : '';
    // Beside its field when the form has that field; otherwise on top (e.g. approval blockers).
    const onForm = field && field !== 'body' && (isFormField === null || isFormField(field));
    if (onForm && !errors.fields[field]) errors.fields[field] = sentence(detail.message, field);
    else if (!onForm && detail.message) unplaced.push(detail.message);
  }
  if (!Object.keys(errors.fields).length || !details.length) errors.messages.push(appError.message);
  errors.messages.push(...unplaced.filter((message) => message !== appError.message));
  return errors;
}

/** Whether an error's field is one of the form's own (its schema's properties or property patterns). */
function formFieldTest(schema: JsonSchema): (name: string) => boolean {
  const names = new Set(Object.keys((schema.properties ?? {}) as object));
  const patterns = Object.keys((schema.patternProperties ?? {}) as object).map((pattern) => new RegExp(pattern));
  return (name) => names.has(name) || patterns.some((pattern) => pattern.test(name));
}

/** "must be at least 12 characters" → "This must be at least 12 characters." */
function sentence(message: string, _field: string): string {
  const text = message.trim();
  if (/^(must|is|should|are)\b/.test(text)) return `This ${text}${/[.!?]$/.test(text) ? '' : '.'}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

const SECRET_FIELDS = /password|_csrf/i;

function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => !SECRET_FIELDS.test(name)));
}

function withoutSessionCookie(req: Request): Request {
  const cookies = cookiesOf(req);
  delete cookies[SESSION_COOKIE];
  req.headers.cookie = Object.entries(cookies)
    .map(([name, value]) => `${name}=${encodeURIComponent(value ?? '')}`)
    .join('; ');
  return req;
}
