// Sign in, sign out, change password (also when forced: set by an administrator or aged out), the
// account page with the time zone times are shown in, and the keep-alive behind the session-timeout
// warning (Part 11 §11.10(d), §11.300(b)).
import type { Services } from '../services.js';
import { AppError, ValidationError } from '../platform/errors.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { isTimeZone, timeZones } from './viewer.js';
import { SESSION_COOKIE, TIME_ZONE_COOKIE, cookieOptions } from './web-session.js';

const NO_ERRORS: FormErrors = { fields: {}, messages: [] };

/** Only a path on this site: never `//other.example` or `https://…` (no open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && !value.startsWith('/sign-in') ? value : '/';
}

const signInBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    next: { type: 'string', maxLength: 2048 },
  },
} as const;

const passwordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'currentPassword', 'newPassword', 'confirmPassword'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    currentPassword: { type: 'string', minLength: 1, maxLength: 1024 },
    newPassword: { type: 'string', minLength: 1, maxLength: 1024 },
    confirmPassword: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

const timeZoneBody = {
  type: 'object',
  additionalProperties: false,
  required: ['timeZone'],
  properties: { timeZone: { type: 'string', minLength: 1, maxLength: 64 }, next: { type: 'string', maxLength: 2048 } },
} as const;

export function registerSessionPages(pages: PageRouter, services: Services): void {
  const { auth, config } = services;
  const year = 365 * 86_400_000;

  const signInPage = async ({ query, viewer }: PageInput<unknown, Record<string, unknown>, unknown>, errors: FormErrors, submitted: Record<string, unknown>): Promise<PageResult> => ({
    view: 'sign-in',
    title: 'Sign in',
    layout: 'bare',
    model: { errors, values: submitted, next: safeNext(submitted.next ?? query.next), demo: config.demo.enabled, signedInAs: viewer.signedIn ? viewer.name : null },
  });

  pages.add({
    method: 'get',
    path: '/sign-in',
    permission: 'public',
    summary: 'Sign-in form',
    query: { type: 'object', properties: { next: { type: 'string', maxLength: 2048 } } },
    handler: async (input) => (input.viewer.signedIn ? { redirect: safeNext(input.query.next) } : signInPage(input, NO_ERRORS, {})),
  });

  pages.add<{ username: string; password: string; next?: string }>({
    method: 'post',
    path: '/sign-in',
    permission: 'public',
    summary: 'Sign in; sets the session cookie',
    body: signInBody,
    formPage: signInPage,
    handler: async ({ body, ctx, req }, res) => {
      try {
        const issued = await auth.login(ctx, body.username, body.password);
        res.cookie(SESSION_COOKIE, services.webKeys.sessionCookieValue(issued.session.id), cookieOptions(req));
        return { redirect: safeNext(body.next) };
      } catch (error) {
        if (error instanceof AppError && (error.code === 'password_change_required' || error.code === 'password_expired')) {
          return {
            redirect: `/password?username=${encodeURIComponent(body.username)}`,
            flash: error.code === 'password_expired' ? 'Your password has expired: choose a new one to sign in.' : 'Your password was set by an administrator: choose your own to sign in.',
          };
        }
        throw error;
      }
    },
  });

  pages.add({
    method: 'post',
    path: '/sign-out',
    permission: 'session:self',
    summary: 'Sign out; ends the session',
    handler: async ({ ctx, req }, res) => {
      await auth.logout(ctx);
      res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      return { redirect: '/sign-in', flash: 'You are signed out.' };
    },
  });

  const passwordPage = async ({ query, viewer }: PageInput<unknown, Record<string, unknown>, unknown>, errors: FormErrors, submitted: Record<string, unknown>): Promise<PageResult> => ({
    view: 'password',
    title: 'Change password',
    model: {
      errors,
      username: viewer.signedIn ? viewer.username : typeof submitted.username === 'string' ? submitted.username : typeof query.username === 'string' ? query.username : '',
      minLength: config.auth.passwordMinLength,
    },
  });

  pages.add({
    method: 'get',
    path: '/password',
    permission: 'public',
    summary: 'Change-password form (also when the password must be changed)',
    query: { type: 'object', properties: { username: { type: 'string', maxLength: 64 } } },
    handler: async (input) => passwordPage(input, NO_ERRORS, {}),
  });

  pages.add<{ username: string; currentPassword: string; newPassword: string; confirmPassword: string }>({
    method: 'post',
    path: '/password',
    permission: 'public',
    summary: 'Change your own password',
    body: passwordBody,
    formPage: passwordPage,
    handler: async ({ body, ctx, viewer }) => {
      if (body.newPassword !== body.confirmPassword) {
        throw new ValidationError('The two new passwords differ.', [{ field: 'body.confirmPassword', rule: 'matches', message: 'Type the same new password twice.' }]);
      }
      const username = viewer.signedIn ? viewer.username : body.username;
      await auth.changePassword(ctx, username, body.currentPassword, body.newPassword, ctx.sessionId);
      return viewer.signedIn
        ? { redirect: '/account', flash: 'Your password is changed. Your other sessions were signed out.' }
        : { redirect: '/sign-in', flash: 'Your password is changed: sign in with the new one.' };
    },
  });

  const accountPage = async ({ viewer, ctx }: PageInput<unknown, unknown, unknown>, errors: FormErrors): Promise<PageResult> => {
    const { user, session } = await auth.currentSession(ctx);
    return {
      view: 'account',
      title: 'Your account',
      model: {
        errors,
        zones: timeZones().map((zone) => ({ zone, selected: zone === viewer.timeZone })),
        passwordExpiresAt: services.passwordPolicy.expiresAt(user.passwordChangedAt)?.toISOString() ?? null,
        passwordChangedAt: new Date(user.passwordChangedAt).toISOString(),
        sessionStartedAt: new Date(session.createdAt).toISOString(),
        idleMinutes: Math.round(viewer.idleTimeoutSeconds / 60),
      },
    };
  };

  pages.add({
    method: 'get',
    path: '/account',
    permission: 'session:self',
    summary: 'Your account: password, session, time zone',
    handler: async (input) => accountPage(input, NO_ERRORS),
  });

  pages.add<{ timeZone: string; next?: string }>({
    method: 'post',
    path: '/account/time-zone',
    permission: 'session:self',
    summary: 'Choose the time zone times are shown in',
    body: timeZoneBody,
    formPage: (input, errors) => accountPage(input, errors),
    handler: async ({ body, req }, res) => {
      if (!isTimeZone(body.timeZone)) {
        throw new ValidationError('Unknown time zone.', [{ field: 'body.timeZone', rule: 'timeZone', message: 'Choose a time zone from the list.' }]);
      }
      res.cookie(TIME_ZONE_COOKIE, body.timeZone, { ...cookieOptions(req, year), httpOnly: false });
      return { redirect: safeNext(body.next ?? '/account'), flash: `Times are now shown in ${body.timeZone}.` };
    },
  });

  pages.add({
    method: 'post',
    path: '/session/keep-alive',
    permission: 'session:self',
    summary: 'Keeps the session open (the timeout warning’s “Stay signed in”)',
    body: { type: 'object', additionalProperties: false, properties: { next: { type: 'string', maxLength: 2048 } } },
    handler: async ({ body, req }, res) => {
      // Reaching here authenticated the session, which recorded the activity.
      if (req.get('accept')?.includes('application/json')) {
        res.json({ idleTimeoutSeconds: auth.sessionIdleSeconds });
        return undefined;
      }
      return { redirect: safeNext((body as { next?: string }).next) };
    },
  });
}
