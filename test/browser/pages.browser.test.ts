// Every page of the demo workspace in Chromium, for each role: the pages reachable from the header
// (main nav, account), the tabs inside them, and the first detail link of each list, discovered
// from the DOM — so pages added later are covered without editing this file. Each page must answer
// below 400 with no console error, page error, CSP violation or axe-core (WCAG 2.1 A/AA) violation;
// each is kept as a screenshot at 1280 px, and some at 800 px (tablet). Then sign-in, sign-out, the
// session-timeout warning and the skip link.
import { expect } from 'chai';
import fs from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  ARTIFACTS_DIR,
  artifactName,
  axeViolations,
  checkAccessibility,
  expectNoProblems,
  fieldError,
  formatProblems,
  formatViolations,
  horizontalOverflow,
  launchBrowser,
  ROLES,
  screenshot,
  signIn,
  signOut,
  STATUS_MESSAGE,
  submitSignIn,
  takeProblems,
  visit,
  visitOk,
  type TestBrowser,
} from './harness.js';

/** Links the crawl does not follow: downloads, event streams, signing out. */
const NOT_A_PAGE = [/^\/sign-out\b/, /\/events\b/, /\.(pdf|zip|csv|json|xml|png|jpe?g|svg|txt)(\?|$)/i, /\/(pdf|bundle|export|download|raw|csv|file)(\/|\?|$)/i, /[?&]format=/i, /^\/api\//, /^\/assets\//];

interface Found {
  path: string;
  kind: 'nav' | 'tab' | 'detail' | 'seed';
}

interface Visited {
  path: string;
  kind: Found['kind'];
  status: number;
  ms: number;
  outcome: 'ok' | 'failed';
  failures: string[];
}

/** Same-origin page links matching `selector`, as path + query, without fragments, not downloads. */
async function linksIn(page: Page, selector: string): Promise<string[]> {
  const hrefs = await page.$$eval(selector, (anchors) =>
    // The attribute resolved against the page (an SVG <a>'s href property is not a string).
    anchors.filter((a) => !a.hasAttribute('download') && a.getAttribute('href')).map((a) => new URL(a.getAttribute('href')!, (a.ownerDocument as unknown as { baseURI: string }).baseURI).href),
  );
  const origin = new URL(page.url()).origin;
  const paths: string[] = [];
  for (const href of hrefs) {
    const target = new URL(href);
    if (target.origin !== origin) continue;
    const path = `${target.pathname}${target.search}`;
    if (NOT_A_PAGE.some((pattern) => pattern.test(path)) || paths.includes(path)) continue;
    paths.push(path);
  }
  return paths;
}

/** Opens one page and checks it; never throws for a finding (returns it), so one crawl reports all. */
async function checkPage(page: Page, found: Found, name: string): Promise<Visited> {
  const started = Date.now();
  takeProblems(page);
  let status: number;
  try {
    status = (await visit(page, found.path)).status();
  } catch (error) {
    // A link that starts a download or never loads: reported, and the crawl goes on.
    return { path: found.path, kind: found.kind, status: 0, ms: Date.now() - started, outcome: 'failed', failures: [`could not be opened: ${(error as Error).message.split('\n')[0]}`] };
  }
  const visited: Visited = { path: found.path, kind: found.kind, status, ms: Date.now() - started, outcome: 'ok', failures: [] };
  if (status >= 400) visited.failures.push(`answered ${status}`);
  await screenshot(page, name);
  const problems = takeProblems(page).filter((p) => !(status >= 400 && STATUS_MESSAGE(status).test(p.text)));
  if (problems.length) visited.failures.push(`browser problems:\n${formatProblems(problems)}`);
  const violations = await axeViolations(page);
  if (violations.length) visited.failures.push(`accessibility violations:\n${formatViolations(violations)}`);
  const h1 = await page.locator('h1').count();
  if (h1 !== 1) visited.failures.push(`has ${h1} <h1> elements (one expected)`);
  if (visited.failures.length) visited.outcome = 'failed';
  return visited;
}

/**
 * The shape of a page's address: ids, interface keys, digests and change/package keys replaced by
 * placeholders, the query reduced to its parameter names. The crawl visits each shape once per role
 * — every kind of page the role can reach, not every record.
 */
function routeShape(path: string): string {
  const url = new URL(path, 'http://x');
  const segments = url.pathname.split('/').map((segment) =>
    /^\d+$/.test(segment) ? ':id' : /^IF-/.test(segment) ? ':key' : /^[0-9a-f]{64}$/.test(segment) ? ':digest' : /^(VP|CR)-\d+$/.test(segment) ? ':record' : segment,
  );
  const names = [...new Set([...url.searchParams.keys()])].filter((name) => name !== 'cursor' && name !== 'page').sort();
  return `${segments.join('/')}${names.length ? `?${names.join('&')}` : ''}`;
}

/** At most this many pages per role: every shape the demo offers fits well within it. */
const MAX_PAGES_PER_ROLE = 80;

/**
 * Records in the states whose pages offer what others do not (an assessed change: its impact editor
 * and QA's sign dialog; a failed run: opening a deviation; a package in review; an open deviation).
 * Each list is visited, then its first record, whatever shapes were seen already, and their links
 * join the crawl — so those pages are checked whichever record the crawl met first.
 */
const SEEDS: Array<{ path: string; first: RegExp }> = [
  { path: '/changes?state=assessed', first: /^\/changes\/\d+$/ },
  { path: '/runs?status=failed', first: /^\/runs\/\d+$/ },
  { path: '/packages?state=in-review', first: /^\/packages\/\d+$/ },
  { path: '/deviations?status=open', first: /^\/deviations\/\d+$/ },
];

/**
 * Crawls from the header: every link inside a visited page's main content whose route shape was not
 * seen yet (lists, details, forms, contracts, diffs, evidence, the sign dialog …), breadth first.
 */
async function crawl(page: Page, role: string): Promise<Visited[]> {
  await visitOk(page, '/');
  const queue: Found[] = (await linksIn(page, 'header a[href]')).map((path) => ({ path, kind: 'nav' as const }));
  queue.push(...SEEDS.map(({ path }) => ({ path, kind: 'seed' as const })));
  const seen = new Set(queue.map((f) => routeShape(f.path)));
  const results: Visited[] = [];
  const enqueue = (path: string | undefined, kind: Found['kind']) => {
    if (!path || queue.length >= MAX_PAGES_PER_ROLE) return;
    const shape = routeShape(path);
    if (seen.has(shape)) return;
    seen.add(shape);
    queue.push({ path, kind });
  };
  for (let index = 0; index < queue.length; index += 1) {
    const found = queue[index]!;
    const visited = await checkPage(page, found, `${role}-${found.path === '/' ? 'dashboard' : found.path}`);
    results.push(visited);
    const line = `      ${visited.outcome === 'ok' ? '✓' : '✗'} ${found.kind.padEnd(6)} ${visited.status} ${found.path} (${visited.ms} ms)`;
    console.log(line);
    if (visited.status === 0 || visited.status >= 400) continue;
    const seed = SEEDS.find((s) => s.path === found.path);
    if (seed) {
      const record = (await linksIn(page, 'main a[href]')).find((link) => seed.first.test(link));
      if (record && queue.length < MAX_PAGES_PER_ROLE) queue.push({ path: record, kind: 'seed' });
    }
    for (const tab of await linksIn(page, 'main nav a[href], main .tabs a[href]')) enqueue(tab, 'tab');
    for (const link of await linksIn(page, 'main a[href]')) enqueue(link, 'detail');
  }
  return results;
}

function report(results: Visited[]): string {
  return results
    .filter((r) => r.outcome === 'failed')
    .map((r) => `${r.path} (${r.kind}, ${r.status}):\n${r.failures.map((f) => `  ${f.replace(/\n/g, '\n  ')}`).join('\n')}`)
    .join('\n\n');
}

describe('Pages in Chromium: every page of the demo workspace, each role', function () {
  this.timeout(900_000);

  for (const role of ROLES) {
    describe(`as ${role}`, () => {
      let browser: TestBrowser;
      let page: Page;
      let visitedPages: Visited[] = [];

      before(async () => {
        browser = await launchBrowser();
        page = await browser.newPage();
        await signIn(page, role);
        expectNoProblems(page, { context: `signing in as ${role}` });
      });
      after(async () => browser?.close());

      it('renders every page reachable from the header, its tabs and the first detail of each list: < 400, no console/page error, no CSP or axe violation (screenshots at 1280 px)', async () => {
        visitedPages = await crawl(page, role);
        const checked = visitedPages;
        expect(checked.length, 'pages crawled').to.be.at.least(2);
        const failed = report(visitedPages);
        if (failed) throw new Error(`${visitedPages.filter((r) => r.outcome === 'failed').length} of ${checked.length} pages failed for ${role}:\n\n${failed}`);
      });

      it('is usable on a tablet (800 px): the same checks, and no sideways scrolling of the page', async function () {
        // The dashboard for every role; for QA, every page of the main nav.
        const paths = role === 'qa' ? visitedPages.filter((r) => r.kind === 'nav' && r.outcome === 'ok').map((r) => r.path) : ['/'];
        if (!paths.includes('/')) paths.unshift('/');
        const tablet = await browser.newPage('tablet');
        try {
          const failures: string[] = [];
          for (const path of paths) {
            const visited = await checkPage(tablet, { path, kind: 'nav' }, `tablet-${role}-${path === '/' ? 'dashboard' : artifactName(path)}`);
            const overflow = visited.status < 400 ? await horizontalOverflow(tablet) : 0;
            if (overflow > 0) visited.failures.push(`the page is ${overflow} px wider than the 800 px viewport (put wide content in .table-wrap)`);
            if (visited.failures.length) failures.push(`${path}:\n${visited.failures.map((f) => `  ${f.replace(/\n/g, '\n  ')}`).join('\n')}`);
          }
          if (failures.length) throw new Error(`at 800 px, for ${role}:\n${failures.join('\n\n')}`);
        } finally {
          await tablet.close();
        }
      });
    });
  }

  describe('signing in and out', () => {
    let browser: TestBrowser;
    let page: Page;
    beforeEach(async () => {
      browser = await launchBrowser();
      page = await browser.newPage();
    });
    afterEach(async () => browser?.close());

    it('shows the sign-in form accessibly, and a wrong password is refused with the error on the form, the user not signed in', async () => {
      const shown = await visitOk(page, '/sign-in');
      expect(shown.status()).to.equal(200);
      await checkAccessibility(page, 'sign-in form');
      await screenshot(page, 'sign-in');
      expectNoProblems(page);

      const response = await submitSignIn(page, 'it', 'not-the-password-1');
      expect(response?.status(), 'refused').to.be.within(400, 499);
      expect(new URL(page.url()).pathname).to.equal('/sign-in');
      const onTop = (await page.locator('.form-errors').allInnerTexts()).join(' ');
      const beside = await fieldError(page, 'password');
      const shownError = `${onTop} ${beside.text ?? ''}`;
      expect(shownError, 'the refusal is shown in words').to.match(/user name or password|incorrect|invalid|not recognised|wrong/i);
      expect(await page.locator('#f-password').inputValue(), 'the password is not sent back').to.equal('');
      await checkAccessibility(page, 'sign-in form with the error');
      await screenshot(page, 'sign-in-wrong-password');
      expectNoProblems(page, { allow: [STATUS_MESSAGE(response!.status())] });
      // Still signed out: the dashboard sends back to the sign-in form.
      await visit(page, '/');
      expect(new URL(page.url()).pathname).to.equal('/sign-in');
      expectNoProblems(page, { allow: [STATUS_MESSAGE(401)] });
    });

    it('signs out with the header button: the session ends and pages ask to sign in again', async () => {
      await signIn(page, 'auditor');
      expect(new URL(page.url()).pathname).to.equal('/');
      await expectHeaderNames(page, 'Aurelia Auditor');
      const response = await signOut(page);
      expect(response?.status()).to.equal(200);
      expect(new URL(page.url()).pathname).to.equal('/sign-in');
      expect(await page.locator('.flash').innerText()).to.match(/signed out/i);
      await screenshot(page, 'signed-out');
      await visit(page, '/account');
      expect(new URL(page.url()).pathname, 'the account page needs a session again').to.equal('/sign-in');
      expectNoProblems(page, { allow: [STATUS_MESSAGE(401)] });
    });

    it('warns before the session times out, focuses "Stay signed in", and keeping alive hides the warning', async () => {
      await signIn(page, 'qa');
      // The browser's clock is ours: jump to two minutes before the idle timeout.
      await page.clock.install();
      await visitOk(page, '/');
      const warning = page.locator('#session-warning');
      expect(await warning.count(), 'the warning element is in the layout').to.equal(1);
      expect(await warning.getAttribute('role')).to.equal('alertdialog');
      expect(await warning.isHidden(), 'hidden while the session is fresh').to.equal(true);
      const idleSeconds = Number(await page.locator('body').getAttribute('data-idle-seconds'));
      expect(idleSeconds).to.be.above(0);
      const lead = Math.min(120, Math.floor(idleSeconds / 2));
      await page.clock.fastForward((idleSeconds - lead + 1) * 1000);
      await warning.waitFor({ state: 'visible' });
      expect(await warning.innerText()).to.match(/session will end/i);
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent?.trim())).to.equal('Stay signed in');
      await checkAccessibility(page, 'dashboard with the session-timeout warning');
      await screenshot(page, 'session-timeout-warning');
      await page.getByRole('button', { name: 'Stay signed in' }).click();
      await warning.waitFor({ state: 'hidden' });
      expect(new URL(page.url()).pathname, 'still on the page, still signed in').to.equal('/');
      expectNoProblems(page);
    });
  });

  describe('keyboard', () => {
    let browser: TestBrowser;
    let page: Page;
    before(async () => {
      browser = await launchBrowser();
      page = await browser.newPage();
      await signIn(page, 'it');
    });
    after(async () => browser?.close());

    it('Tab from the top of a page reaches the skip link first, and it moves focus to the main content', async () => {
      await visitOk(page, '/');
      await page.keyboard.press('Tab');
      const first = await focused(page);
      expect(first, 'the first Tab stop').to.deep.include({ tag: 'A', className: 'skip-link', href: '#main' });
      expect(first.visible, 'the skip link shows when focused').to.equal(true);
      await page.screenshot({ path: await screenshotPath('skip-link-focused') });
      await page.keyboard.press('Enter');
      const after = await focused(page);
      expect(after, 'focus after following the skip link').to.deep.include({ tag: 'MAIN', id: 'main' });
      // The next Tab goes on from the content, not back into the header.
      await page.keyboard.press('Tab');
      const next = await focused(page);
      expect(next.inHeader, `the next Tab stop (${next.tag} ${next.text}) is after the header`).to.equal(false);
      expectNoProblems(page);
    });
  });
});

async function expectHeaderNames(page: Page, name: string): Promise<void> {
  expect(await page.locator('header .user-name').innerText()).to.equal(name);
}

async function screenshotPath(name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, `${artifactName(name)}.png`);
}

/** What has the keyboard focus. */
async function focused(page: Page): Promise<{ tag: string; id: string; className: string; href: string | null; text: string; visible: boolean; inHeader: boolean }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: FocusedElement | null } }).document;
    interface FocusedElement {
      tagName: string;
      id: string;
      className: string;
      textContent: string | null;
      getAttribute(name: string): string | null;
      getBoundingClientRect(): { left: number; top: number; width: number; height: number };
      closest(selector: string): unknown;
    }
    const element = doc.activeElement!;
    const box = element.getBoundingClientRect();
    return {
      tag: element.tagName,
      id: element.id,
      className: element.className,
      href: element.getAttribute('href'),
      text: (element.textContent ?? '').trim().slice(0, 60),
      visible: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0,
      inHeader: element.closest('header') !== null || element.className === 'skip-link',
    };
  });
}
