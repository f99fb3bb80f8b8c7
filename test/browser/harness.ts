// The browser test harness: playwright-core driving Debian's Chromium (/usr/bin/chromium, installed
// by .ci/run) against the demo server of test/browser/demo-server.ts. Every page a test opens is
// watched for console errors, uncaught page errors and CSP violations; `expectNoProblems` fails on
// any. `checkAccessibility` runs axe-core (WCAG 2.0/2.1 A and AA); `screenshot` keeps full-page
// PNGs under artifacts/browser/ (CI keeps them as artifacts).
import { expect } from 'chai';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Download, type Page, type Response } from 'playwright-core';
import { DEMO_PASSWORD, demoServer } from './demo-server.js';

/** The project root (this file runs as dist/test/browser/harness.js). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ARTIFACTS_DIR = path.resolve(process.env.GXPW_BROWSER_ARTIFACTS ?? path.join(ROOT, 'artifacts', 'browser'));
export const CHROMIUM = process.env.GXPW_CHROMIUM ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 900 };
export const TABLET = { width: 800, height: 1100 };
export type ViewportName = 'desktop' | 'tablet';

export const ROLES = ['admin', 'it', 'qa', 'auditor'] as const;
export type DemoUser = (typeof ROLES)[number] | 'qa2';

// ---------------------------------------------------------------------------------------------
// Browser and pages

export interface TestBrowser {
  context: BrowserContext;
  base: string;
  /** A new tab at 1280×900 (desktop) or 800×1100 (tablet), watched for problems. */
  newPage(viewport?: ViewportName): Promise<Page>;
  close(): Promise<void>;
}

/** One Chromium with a fresh profile (its own cookies: one signed-in user per browser). */
export async function launchBrowser(options: { viewport?: ViewportName } = {}): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: options.viewport === 'tablet' ? TABLET : DESKTOP,
      timezoneId: 'Europe/Berlin',
      locale: 'en-GB',
      acceptDownloads: true,
    });
  } catch (error) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  // CSP violations reported by the page itself (the console also names most of them).
  await context.exposeBinding('__gxpwCspViolation', ({ page }, violation: { directive: string; blocked: string; source: string; line: number }) => {
    if (page) record(page, { kind: 'csp', text: `CSP violation: ${violation.directive} blocked ${violation.blocked || '(inline)'}`, where: violation.source ? `${violation.source}:${violation.line}` : page.url() });
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __gxpwCspViolation: (v: unknown) => void }).__gxpwCspViolation({ directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber });
    });
  });
  for (const page of context.pages()) watch(page);
  context.on('page', watch);
  const base = demoServer().base;
  let closed = false;
  return {
    context,
    base,
    async newPage(viewport: ViewportName = options.viewport ?? 'desktop') {
      // The persistent context opens with one blank tab: use it first.
      const blank = context.pages().find((p) => p.url() === 'about:blank' && !used.has(p));
      const page = blank ?? (await context.newPage());
      used.add(page);
      await page.setViewportSize(viewport === 'tablet' ? TABLET : DESKTOP);
      return page;
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

const used = new WeakSet<Page>();

// Functions passed to page.evaluate / addInitScript run in the browser; the project compiles without
// the DOM library, so the little they touch is declared here (module scope, nothing global).
interface BrowserElement {
  getAttribute(name: string): string | null;
}
declare const document: {
  body: BrowserElement;
  documentElement: { scrollWidth: number; clientWidth: number };
  addEventListener(type: 'securitypolicyviolation', listener: (event: { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number }) => void): void;
};
declare const window: unknown;

/** A path on the server under test as an absolute URL. */
export function url(pathname: string): string {
  return /^https?:/.test(pathname) ? pathname : `${demoServer().base}${pathname}`;
}

/** Opens a page and returns its main response (status checked by the caller or by `expectOk`). */
export async function visit(page: Page, pathname: string): Promise<Response> {
  const response = await page.goto(url(pathname), { waitUntil: 'load' });
  if (!response) throw new Error(`no response for ${pathname}`);
  return response;
}

/** Opens a page and asserts it answered below 400. */
export async function visitOk(page: Page, pathname: string): Promise<Response> {
  const response = await visit(page, pathname);
  expect(response.status(), `${pathname} answered ${response.status()}`).to.be.below(400);
  return response;
}

// ---------------------------------------------------------------------------------------------
// Problems: console errors, page errors, CSP violations

export interface Problem {
  kind: 'console' | 'pageerror' | 'csp';
  text: string;
  where: string;
}

const problems = new WeakMap<Page, Problem[]>();

function record(page: Page, problem: Problem): void {
  const list = problems.get(page) ?? [];
  list.push(problem);
  problems.set(page, list);
}

function watch(page: Page): void {
  if (problems.has(page)) return;
  problems.set(page, []);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const location = message.location();
    record(page, { kind: 'console', text: message.text(), where: `${location.url || page.url()}${location.lineNumber ? `:${location.lineNumber}` : ''}` });
  });
  page.on('pageerror', (error) => record(page, { kind: 'pageerror', text: `${error.name}: ${error.message}`, where: page.url() }));
}

/** The problems seen on the page since the last call (and forgets them). */
export function takeProblems(page: Page): Problem[] {
  const list = problems.get(page) ?? [];
  problems.set(page, []);
  return list;
}

/** Fails when the page logged a console error, threw, or violated its CSP since the last check. `allow` drops expected ones. */
export function expectNoProblems(page: Page, options: { allow?: RegExp[]; context?: string } = {}): void {
  const found = takeProblems(page).filter((p) => !(options.allow ?? []).some((pattern) => pattern.test(p.text)));
  if (found.length) throw new Error(`${options.context ?? page.url()}: ${found.length} browser problem(s):\n${formatProblems(found)}`);
}

export function formatProblems(list: Problem[]): string {
  return list.map((p) => `  - [${p.kind}] ${p.text} (${p.where})`).join('\n');
}

/** The console message Chromium logs for a document or resource answered with an error status. */
export const STATUS_MESSAGE = (status: number) => new RegExp(`Failed to load resource: the server responded with a status of ${status}\\b`);

// ---------------------------------------------------------------------------------------------
// Signing in, forms

/** Fills the real sign-in form and submits it; returns the response of the page shown next. */
export async function submitSignIn(page: Page, username: string, password: string, options: { next?: string } = {}): Promise<Response | null> {
  if (!new URL(page.url(), 'http://x').pathname.startsWith('/sign-in')) await visit(page, `/sign-in${options.next ? `?next=${encodeURIComponent(options.next)}` : ''}`);
  await page.fill('#f-username', username);
  await page.fill('#f-password', password);
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/sign-in"] button[type="submit"]')]);
  return response;
}

/** Signs in through the form as a demo user and checks that it worked (no longer on /sign-in). */
export async function signIn(page: Page, user: DemoUser | string, password = DEMO_PASSWORD): Promise<void> {
  const response = await submitSignIn(page, user, password);
  const where = new URL(page.url()).pathname;
  if (where.startsWith('/sign-in') || where.startsWith('/password')) {
    const message = await page.locator('.form-errors, .field-error, .flash').allInnerTexts();
    throw new Error(`signing in as ${user} failed (${response?.status()} at ${where}): ${message.join(' | ')}`);
  }
}

/** Signs out with the header's button; returns the page shown next. */
export async function signOut(page: Page): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/sign-out"] button[type="submit"]')]);
  return response;
}

/** The error shown beside a form field (`{{> field}}` partial): its text, and whether the input is marked invalid. */
export async function fieldError(page: Page, name: string): Promise<{ text: string | null; invalid: boolean; describedBy: string | null }> {
  const input = page.locator(`#f-${name}`);
  const error = page.locator(`#f-${name}-error`);
  return {
    text: (await error.count()) ? (await error.innerText()).replace(/^!\s*/, '').trim() : null,
    invalid: (await input.getAttribute('aria-invalid')) === 'true',
    describedBy: await input.getAttribute('aria-describedby'),
  };
}

/** Waits until the text is visible on the page (a live region, a reload after server-sent events…). */
export async function waitForText(page: Page, text: string | RegExp, options: { timeout?: number } = {}): Promise<void> {
  await page.getByText(text).first().waitFor({ state: 'visible', timeout: options.timeout ?? 30_000 });
}

/**
 * POSTs urlencoded fields from the page's own session (its cookie, the CSRF token the layout puts on
 * <body data-csrf>), the way a hand-made request would: for testing that the server refuses what
 * the page does not offer. Redirects are followed; `status` is the final one.
 */
export async function postFromPage(page: Page, pathname: string, fields: Record<string, string> = {}, options: { csrf?: boolean } = {}): Promise<{ status: number; url: string; redirected: boolean; text: string }> {
  return page.evaluate(
    async ({ target, body, withCsrf }) => {
      const form = new URLSearchParams(body);
      const token = document.body.getAttribute('data-csrf');
      if (withCsrf && token && !form.has('_csrf')) form.set('_csrf', token);
      const response = await fetch(target, { method: 'POST', body: form, credentials: 'same-origin', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return { status: response.status, url: response.url, redirected: response.redirected, text: await response.text() };
    },
    { target: pathname, body: fields, withCsrf: options.csrf !== false },
  );
}

export interface CapturedDownload {
  suggestedFilename: string;
  path: string;
  bytes: Buffer;
  download: Download;
}

/** Runs `action` (a click on a download link) and captures the download it starts, kept under artifacts/browser/downloads/. */
export async function captureDownload(page: Page, action: () => Promise<unknown>, options: { timeout?: number } = {}): Promise<CapturedDownload> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: options.timeout ?? 60_000 }), action()]);
  const failure = await download.failure();
  if (failure) throw new Error(`download of ${download.url()} failed: ${failure}`);
  const dir = path.join(ARTIFACTS_DIR, 'downloads');
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, download.suggestedFilename());
  await download.saveAs(target);
  return { suggestedFilename: download.suggestedFilename(), path: target, bytes: fs.readFileSync(target), download };
}

// ---------------------------------------------------------------------------------------------
// Accessibility (axe-core), screenshots

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; summary: string }>;
}

/** Runs axe-core in the page (WCAG 2.0/2.1 A and AA) and returns the violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated over the DevTools protocol: the page's CSP (no inline script) does not apply.
  if (!(await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined'))) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; helpUrl: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim() })) }));
  }, AXE_TAGS);
}

export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `  - ${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes.map((n) => `      at ${n.target.join(' ')}${n.summary ? ` — ${n.summary}` : ''}`).join('\n')}`)
    .join('\n');
}

/** Fails with a readable list (rule, impact, target selectors) when axe finds a WCAG A/AA violation. */
export async function checkAccessibility(page: Page, context?: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`${context ?? page.url()}: ${violations.length} accessibility violation(s):\n${formatViolations(violations)}`);
}

/** A file-system-safe artifact name. */
export function artifactName(name: string): string {
  return name.replace(/[^a-z0-9._-]+/gi, '_').replace(/^_+|_+$/g, '') || 'page';
}

/** A full-page PNG at artifacts/browser/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${artifactName(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** True when the page is wider than its viewport (content cut off or a sideways scroll on a tablet). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

// ---------------------------------------------------------------------------------------------
// For the journeys: a signed-in browser in one call, the API beside the pages

/** A fresh browser (own profile, own cookies) signed in through the form as `user`. */
export async function openAs(user: DemoUser, viewport: ViewportName = 'desktop'): Promise<{ browser: TestBrowser; page: Page }> {
  const browser = await launchBrowser({ viewport });
  try {
    const page = await browser.newPage(viewport);
    await signIn(page, user);
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

export interface ApiClient {
  get<T = unknown>(pathname: string): Promise<{ status: number; body: T }>;
  post<T = unknown>(pathname: string, body?: unknown): Promise<{ status: number; body: T }>;
  logout(): Promise<void>;
}

/** The JSON API as a demo user (its own bearer token, not the browser's session): for checking what a journey did. */
export async function apiAs(user: DemoUser, password = DEMO_PASSWORD): Promise<ApiClient> {
  const login = await fetch(url('/api/v1/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
  if (login.status !== 200) throw new Error(`API login as ${user}: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const call = async <T>(method: string, pathname: string, body?: unknown) => {
    const response = await fetch(url(pathname), { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  };
  return {
    get: (pathname) => call('GET', pathname),
    post: (pathname, body) => call('POST', pathname, body ?? {}),
    logout: async () => void (await call('POST', '/api/v1/auth/logout')),
  };
}

export interface AuditEventView {
  seq: number;
  occurredAt: string;
  actor: { id: number | null; name: string | null; role: string | null };
  action: string;
  entity: { type: string; id: string };
  before: unknown;
  after: unknown;
  reason: string | null;
}

/** The newest audit events matching the filter (GET /api/v1/audit, read as the auditor). `action` may end in * (a prefix). */
export async function auditEvents(filter: { entityType?: string; entityId?: string; action?: string; from?: string }, limit = 50): Promise<AuditEventView[]> {
  const api = await apiAs('auditor');
  try {
    const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>), limit: String(limit), order: 'desc' });
    const { status, body } = await api.get<{ events: AuditEventView[] }>(`/api/v1/audit?${query}`);
    if (status !== 200) throw new Error(`audit query ${query}: ${status} ${JSON.stringify(body)}`);
    return body.events;
  } finally {
    await api.logout();
  }
}
