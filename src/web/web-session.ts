// How a browser is signed in: an HttpOnly, SameSite=Strict cookie naming the server-side session,
// signed with a key derived from the token secret, so a session id alone (from a log, say) cannot
// be turned into a cookie. The session behind it is checked exactly as a bearer token's is
// (AuthService.authenticateSession): ended, idle past the timeout, account inactive, password to
// change (Part 11 §11.10(d), §11.300).
//
// Forms carry a synchronizer token (CSRF): for a signed-in session, an HMAC of the session id;
// before sign-in, an HMAC of a random value kept in its own cookie. A POST without the matching
// token is refused before anything is read or changed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { parseCookie as parseCookies } from 'cookie';

export const SESSION_COOKIE = 'gxpw_session';
export const PRE_SESSION_COOKIE = 'gxpw_form';
export const TIME_ZONE_COOKIE = 'gxpw_tz';
export const FLASH_COOKIE = 'gxpw_flash';

export class WebSessionKeys {
  constructor(private readonly key: Buffer) {}

  /** The cookie value for a session: `<id>.<mac>`. */
  sessionCookieValue(sessionId: string): string {
    return `${sessionId}.${this.mac('session', sessionId)}`;
  }

  /** The session id a cookie value names, when its MAC is ours; else null. */
  sessionIdOf(cookieValue: string | undefined): string | null {
    if (!cookieValue) return null;
    const dot = cookieValue.lastIndexOf('.');
    if (dot <= 0) return null;
    const id = cookieValue.slice(0, dot);
    return safeEqual(cookieValue.slice(dot + 1), this.mac('session', id)) ? id : null;
  }

  /** The form token of a signed-in session. */
  csrfTokenForSession(sessionId: string): string {
    return this.mac('csrf-session', sessionId);
  }

  /** The form token of a browser that is not signed in, bound to its pre-session cookie. */
  csrfTokenForPreSession(preSessionValue: string): string {
    return this.mac('csrf-pre-session', preSessionValue);
  }

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`gxpw-web\0${purpose}\0${value}`).digest('base64url');
  }
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function cookiesOf(req: Request): Record<string, string | undefined> {
  const header = req.headers.cookie;
  if (!header) return {};
  try {
    return parseCookies(header);
  } catch {
    return {};
  }
}

/** Cookie attributes: never readable by script, never sent by another site's form or link. */
export function cookieOptions(req: Request, maxAgeMs?: number) {
  return { httpOnly: true, sameSite: 'strict' as const, secure: req.secure, path: '/', ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }) };
}

/** The pre-session cookie's value, set on this response when the browser has none yet. */
export function ensurePreSession(req: Request, res: Response): string {
  const existing = cookiesOf(req)[PRE_SESSION_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{22,64}$/.test(existing)) return existing;
  const value = randomBytes(18).toString('base64url');
  res.cookie(PRE_SESSION_COOKIE, value, cookieOptions(req));
  // The same request may render a form right away; let it see the value it just set.
  req.headers.cookie = `${req.headers.cookie ? `${req.headers.cookie}; ` : ''}${PRE_SESSION_COOKIE}=${value}`;
  return value;
}

/** A one-time message shown on the next page (after a POST → redirect). */
export function setFlash(req: Request, res: Response, message: string): void {
  res.cookie(FLASH_COOKIE, encodeURIComponent(message.slice(0, 300)), cookieOptions(req, 60_000));
}

export function takeFlash(req: Request, res: Response): string | null {
  const value = cookiesOf(req)[FLASH_COOKIE];
  if (!value) return null;
  res.clearCookie(FLASH_COOKIE, cookieOptions(req));
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
