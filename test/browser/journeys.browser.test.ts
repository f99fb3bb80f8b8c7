// The four journeys of issue 15, end to end in Chromium against the demo workspace (VP-0001
// approved, VP-0002 in review, CR-0001 closed, CR-0002 awaiting QA). Every journey ends in
// screenshots under artifacts/browser/journey-N-*.png, and checks each page it passes with
// expectNoProblems (console errors, page errors, CSP) + checkAccessibility (axe, WCAG A/AA).
//
// The journeys share the one demo server and run in order (2 and 3 both read VP-0002: 3 compares
// before and after, so it does not depend on what 2 signed). A page that blocks a journey makes it
// fail with the page, the control and what was expected — the journeys never work around a page.
//
// Harness helpers (test/browser/harness.ts):
//   openAs(user)                        a fresh Chromium signed in through the real form
//   visitOk(page, path), waitForText(page, text)
//   fieldError(page, name)              the error beside a {{> field}} input and its aria-invalid
//   captureDownload(page, () => click)  the download a click starts, saved under artifacts/browser/downloads/
//   postFromPage(page, path, fields)    a hand-made POST with the page's own session and CSRF token
//   apiAs(user), auditEvents(filter)    the JSON API beside the pages, e.g. to assert the audit event
//   expectNoProblems(page), checkAccessibility(page), screenshot(page, name)
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from './demo-server.js';
import {
  apiAs,
  auditEvents,
  captureDownload,
  checkAccessibility,
  expectNoProblems,
  fieldError,
  openAs,
  postFromPage,
  screenshot,
  STATUS_MESSAGE,
  visitOk,
  waitForText,
  type TestBrowser,
} from './harness.js';

/** Both checks every page of a journey gets: no browser problem, no axe violation. */
async function pageIsClean(page: Page, what: string, options: { allow?: RegExp[] } = {}): Promise<void> {
  expectNoProblems(page, { context: what, ...options });
  await checkAccessibility(page, what);
}

/** Clicks something that submits a form or follows a link and waits for the page it leads to. */
async function clickAndLoad(page: Page, click: () => Promise<unknown>): Promise<number | null> {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), click()]);
  return response?.status() ?? null;
}

/** A demo user's printed name (GET /api/v1/users, read as QA). */
async function fullNameOf(username: string): Promise<string> {
  const api = await apiAs('qa');
  try {
    const { body } = await api.get<{ users: Array<{ username: string; fullName: string }> }>('/api/v1/users');
    const user = body.users.find((u) => u.username === username);
    if (!user) throw new Error(`no user ${username}`);
    return user.fullName;
  } finally {
    await api.logout();
  }
}

function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** The text of the one-time message (flash) shown after a post/redirect/get. */
async function flashText(page: Page): Promise<string> {
  const flash = page.locator('.flash');
  return (await flash.count()) ? (await flash.first().innerText()).trim() : '';
}

/** The actions of every POST form on the page. */
async function postFormActions(page: Page): Promise<string[]> {
  return page.locator('form').evaluateAll((forms) =>
    forms.filter((f) => (f.getAttribute('method') ?? 'get').toLowerCase() === 'post').map((f) => f.getAttribute('action') ?? '(no action)'),
  );
}

/** The sign dialog: fills meaning (checked), reason, the user name when the session's first signature asks for it, and the password; submits. */
async function fillSignDialog(page: Page, fields: { meaning?: string; reason: string; username: string; password: string }): Promise<number | null> {
  if (fields.meaning) {
    expect(await page.locator('#f-meaning').inputValue(), `the sign dialog at ${page.url()} preselects the meaning the link asked for`).to.equal(fields.meaning);
  }
  await page.getByLabel('Reason').fill(fields.reason);
  // §11.200(a)(1): the first signature of a session asks for the user name as well.
  if (await page.locator('#f-username').count()) await page.locator('#f-username').fill(fields.username);
  await page.locator('#f-password').fill(fields.password);
  return clickAndLoad(page, () => page.getByRole('button', { name: 'Sign', exact: true }).click());
}

interface ProgressSnapshot {
  load: number;
  done: string;
  total: string;
  summary: string;
  status: string;
}

/**
 * Records what the live progress panel ([data-events-url]) shows each time it changes, across
 * reloads (keyed by the document's time origin): the proof that it filled in live, in the page,
 * before the reload that shows the results. Instrumentation added over the DevTools protocol.
 */
async function recordLiveProgress(page: Page): Promise<ProgressSnapshot[]> {
  const seen: ProgressSnapshot[] = [];
  await page.exposeBinding('__journeyProgress', (_source, snapshot: ProgressSnapshot) => void seen.push(snapshot));
  await page.addInitScript({
    content: `document.addEventListener('DOMContentLoaded', function () {
      var panel = document.querySelector('[data-events-url]');
      if (!panel) return;
      var text = function (selector) { var el = panel.querySelector(selector); return el ? el.textContent.trim() : ''; };
      var report = function () {
        window.__journeyProgress({ load: performance.timeOrigin, done: text('[data-field="done"]'), total: text('[data-field="total"]'), summary: text('[data-field="summary"]'), status: text('[data-live-status]') });
      };
      report();
      new MutationObserver(report).observe(panel, { subtree: true, childList: true, characterData: true });
    });`,
  });
  return seen;
}

describe('Journeys in Chromium (issue 15)', function () {
  this.timeout(600_000);
  // Each journey opens its browser(s) with openAs(…) and registers them here to be closed.
  const browsers: TestBrowser[] = [];
  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
  });
  async function open(user: Parameters<typeof openAs>[0]): Promise<Page> {
    const { browser, page } = await openAs(user);
    browsers.push(browser);
    return page;
  }

  // Which release: a change record needs, besides QA's 'approved', the signatures the risk level of
  // every interface it reaches asks for. A high-risk interface (both risk models) also needs a
  // 'reviewed' by IT — and that signer must not have contributed to the change, while the demo has
  // one IT user, who logs it. So the journey takes a vendor release of SAP S/4HANA (2023 FPS02 →
  // FPS03): it reaches six interfaces, all Medium or Low (checked below against the registry), so
  // QA's approval alone moves the change to "approved for testing", as a real two-person flow would.
  // MuleSoft Runtime 4.6 → 4.9 would reach the high-risk DSCSA interfaces and stop there.
  const PLATFORM = 'SAP S/4HANA';
  // The runner takes ~0.1 s a run: six regression runs on an idle workbench finish before the
  // redirected page can render, and there would be no progress to watch. So, as on a working day,
  // other runs are queued ahead of the regression (through the API, as a pipeline would); the
  // change page then shows the regression queued and follows it live until it finishes.
  const RUNS_QUEUED_AHEAD = 24;

  it('journey 1: IT logs a vendor platform release, reviews the computed impact, starts the regression and watches it finish', async () => {
    const started = new Date().toISOString();
    const it = await open('it');
    const itApi = await apiAs('it');
    // The interfaces the release must reach: every active one on the platform, with its risk.
    const { body: registry } = await itApi.get<{ interfaces: Array<{ key: string; status: string; riskLevel: string | null; platforms: string[] }> }>('/api/v1/interfaces?limit=500');
    const onPlatform = registry.interfaces.filter((i) => i.status === 'active' && i.platforms.some((p) => p.startsWith(`${PLATFORM} `)));
    expect(onPlatform.length, `active interfaces on ${PLATFORM} in the demo`).to.be.at.least(2);
    expect(onPlatform.filter((i) => i.riskLevel === 'high').map((i) => i.key), `the journey needs a platform without high-risk interfaces (see the comment above)`).to.deep.equal([]);

    // 1. The change list → "Log a change".
    await visitOk(it, '/changes');
    await pageIsClean(it, 'IT: /changes');
    await clickAndLoad(it, () => it.getByRole('link', { name: 'Log a change' }).click());
    expect(pathOf(it)).to.equal('/changes/new');

    // 2. The vendor-release form.
    expect(await it.getByLabel('Kind of change').inputValue()).to.equal('vendor-release');
    await it.locator('#f-title').fill('SAP S/4HANA 2023 FPS03 feature pack');
    await it.getByLabel('Platform', { exact: true }).selectOption(PLATFORM);
    await it.locator('#f-versionFrom').fill('2023 FPS02');
    await it.locator('#f-versionTo').fill('2023 FPS03');
    await it.locator('#f-plannedDate').fill('2027-03-15');
    expect(await it.locator('#f-environments').inputValue(), 'the environments default').to.match(/test/);
    await it.locator('#f-releaseItems').fill('FPS03-01: Outbound delivery API: new optional field for the GLN of the ship-to\nFPS03-02: Goods movement posting: performance fix');
    await it.locator('#f-description').fill('SAP feature pack FPS03 of S/4HANA 2023: delivery API extension and goods movement fix.');
    await it.locator('#f-justification').fill('Vendor maintenance: FPS02 leaves mainstream maintenance; FPS03 carries the security notes of the quarter.');
    await pageIsClean(it, 'IT: /changes/new (filled)');
    await screenshot(it, 'journey-1-log-form');
    const logged = await clickAndLoad(it, () => it.getByRole('button', { name: 'Log the change' }).click());
    expect(logged, 'the change page after logging').to.be.below(400);
    const match = /^\/changes\/(\d+)$/.exec(pathOf(it));
    expect(match, `logging the change leads to its page, not ${it.url()}: ${await it.locator('.form-errors, .field-error').allInnerTexts()}`).to.not.equal(null);
    const changeId = Number(match![1]);
    expect(await flashText(it)).to.match(/^Change CR-\d+ is logged\./);
    const changeKey = /Change (CR-\d+)/.exec(await flashText(it))![1]!;
    await pageIsClean(it, `IT: /changes/${changeId} (logged)`);

    // 3. The impact table: every interface on the platform, with its risk level in words.
    const impact = it.getByRole('table', { name: /interfaces? reached by this change/ });
    await impact.waitFor();
    for (const iface of onPlatform) {
      const row = impact.getByRole('row').filter({ hasText: iface.key });
      expect(await row.count(), `${iface.key} in the impact table`).to.equal(1);
      const risk = iface.riskLevel ? iface.riskLevel.charAt(0).toUpperCase() + iface.riskLevel.slice(1) : 'Not assessed';
      expect(await row.innerText(), `${iface.key}'s risk level`).to.contain(risk).and.to.contain('runs on the platform');
    }
    expect(await impact.locator('tbody tr').count(), 'only the platform’s interfaces are reached').to.equal(onPlatform.length);

    // 4. Triage both release items, then mark the change assessed.
    await it.locator('#f-rating-0').selectOption('medium');
    await it.locator('#f-rationale-0').fill('New optional field in the delivery payload: the outbound interfaces map it; scripted positive regression.');
    await it.locator('#f-rating-1').selectOption('low');
    await it.locator('#f-rationale-1').fill('Performance only, no change to the posting interface.');
    await it.locator('#f-triageReason').fill('Release notes and the vendor impact statement reviewed.');
    await clickAndLoad(it, () => it.getByRole('button', { name: 'Save the triage' }).click());
    expect(await flashText(it)).to.equal('Triage saved: 2 items rated.');
    await it.locator('#f-reason').fill('Impact reviewed: six interfaces, Medium and Low risk; regression as proposed.');
    await clickAndLoad(it, () => it.getByRole('button', { name: 'Mark as assessed' }).click());
    expect(await flashText(it), `marking ${changeKey} assessed`).to.equal(`${changeKey} is now assessed.`);
    expect(await it.locator('.subtitle').innerText()).to.contain('Assessed');
    await waitForText(it, 'Frozen when the change was assessed');
    // IT is offered no signature: QA approves for testing.
    expect(await it.locator(`a[href^="/sign/change/${changeId}"]`).count(), 'IT sees no sign link on its own change').to.equal(0);
    await pageIsClean(it, `IT: /changes/${changeId} (assessed)`);
    await screenshot(it, 'journey-1-impact');

    // QA's approval for testing: a signature by a second person, in their own browser.
    const qa = await open('qa');
    await visitOk(qa, `/changes/${changeId}`);
    await pageIsClean(qa, `QA: /changes/${changeId}`);
    const signLink = qa.getByRole('link', { name: 'Sign as approved' });
    expect(await signLink.count(), `QA is offered "Sign as approved" on ${changeKey}`).to.equal(1);
    await clickAndLoad(qa, () => signLink.click());
    expect(pathOf(qa)).to.equal(`/sign/change/${changeId}`);
    await pageIsClean(qa, `QA: the sign dialog of ${changeKey}`);
    const signed = await fillSignDialog(qa, { meaning: 'approved', reason: 'Impact and triage reviewed: approved for regression testing.', username: 'qa', password: DEMO_PASSWORD });
    expect(signed, `signing ${changeKey}: ${await qa.locator('.form-errors, .field-error').allInnerTexts()}`).to.be.below(400);
    expect(pathOf(qa)).to.equal(`/changes/${changeId}`);
    expect(await flashText(qa)).to.match(/^Signed: .+ — approved — CR-\d+ version \d+/);
    // Nothing else is missing: the signature moved the change on by itself.
    expect(await qa.locator('.subtitle').innerText(), 'the change after QA’s approval').to.contain('Approved for testing');
    expect(await qa.getByText('Not signed yet').count(), 'no signature still missing').to.equal(0);
    await pageIsClean(qa, `QA: /changes/${changeId} (approved for testing)`);
    await screenshot(qa, 'journey-1-qa-approved');

    // 5. Back as IT: start the regression and follow it live.
    const progress = await recordLiveProgress(it);
    await visitOk(it, `/changes/${changeId}`);
    expect(await it.locator('.subtitle').innerText()).to.contain('Approved for testing');
    const proposed = await it.getByRole('table', { name: /Proposed regression/ }).locator('tbody tr').count();
    expect(proposed, 'the proposed regression covers every reached interface').to.equal(onPlatform.length);
    const ahead = registry.interfaces.filter((i) => i.status === 'active' && !onPlatform.includes(i));
    for (let n = 0; n < RUNS_QUEUED_AHEAD; n += 1) {
      const queued = await itApi.post<{ status: string }>('/api/v1/runs', { interface: ahead[n % ahead.length]!.key, environment: 'test' });
      expect(queued.status, `queueing a run ahead: ${JSON.stringify(queued.body)}`).to.equal(201);
    }
    await clickAndLoad(it, () => it.getByRole('button', { name: 'Start the regression' }).click());
    expect(await flashText(it)).to.equal(`Regression started: ${onPlatform.length} runs queued.`);
    const panel = it.locator('[data-events-url]');
    expect(await panel.count(), 'the live progress panel after starting the regression (runs still queued behind the others)').to.equal(1);
    await waitForText(it, 'Regression in progress');
    await waitForText(it, 'Following live…');
    await screenshot(it, 'journey-1-regression-running');
    const runningLoad = progress.at(-1)!.load;
    // On "finished" app.js reloads the page: the panel is gone, the runs' results are shown.
    await it.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('[data-events-url]'), undefined, { timeout: 180_000 });
    await it.waitForLoadState('load');
    const live = progress.filter((p) => p.load === runningLoad);
    expect(live.map((p) => p.status), 'the panel followed the stream').to.include('Following live…');
    const counts = live.map((p) => Number(p.done));
    expect(counts[0], 'the panel opened with runs still to do').to.be.below(onPlatform.length);
    expect(live.at(-1), 'the panel’s last state before the reload').to.deep.include({ done: String(onPlatform.length), total: String(onPlatform.length), status: 'Finished — loading the results…' });
    expect(counts, 'the counts only went up').to.deep.equal([...counts].sort((a, b) => a - b));
    const runRows = it.getByRole('table', { name: 'Regression runs linked to this change' }).locator('tbody tr');
    expect(await runRows.count()).to.equal(onPlatform.length);
    for (const text of await runRows.allInnerTexts()) {
      expect(text, 'each linked run has finished with a result').to.match(/\b(Passed|Failed|Error|Aborted)\b/).and.to.match(/\d+ of \d+ steps passed/);
    }
    await pageIsClean(it, `IT: /changes/${changeId} (regression finished)`);
    await screenshot(it, 'journey-1-regression-finished');

    // 6. The audit trail: logged, triaged, assessed, approved by QA's signature, runs linked.
    const events = await auditEvents({ entityType: 'change', entityId: String(changeId), from: started }, 100);
    const actions = events.map((e) => e.action);
    expect(actions).to.include.members(['change.logged', 'change.triaged', 'change.transitioned', 'change.run_linked']);
    expect(events.filter((e) => e.action === 'change.run_linked')).to.have.length(onPlatform.length);
    const transitions = events.filter((e) => e.action === 'change.transitioned').map((e) => `${(e.after as { state: string }).state} by ${e.actor.name}`);
    expect(transitions.some((t) => t.startsWith('assessed by'))).to.equal(true);
    expect(transitions.some((t) => t.startsWith('approved-for-testing by'))).to.equal(true);
    expect(events.find((e) => e.action === 'change.logged')!.actor.role).to.equal('it');
    await itApi.logout();
  });

  it('journey 2: QA signs a package in review: a wrong password is refused, audited and shown beside the field; the right one shows the manifestation', async () => {
    const started = new Date().toISOString();
    const qa = await open('qa');
    const qaApi = await apiAs('qa');
    const { body: listed } = await qaApi.get<{ packages: Array<{ id: number; key: string; status: string }> }>('/api/v1/packages');
    const vp2 = listed.packages.find((p) => p.key === 'VP-0002');
    expect(vp2?.status, 'the demo’s VP-0002').to.equal('in-review');

    // 1. /packages → VP-0002: the review screen with the trace matrix.
    await visitOk(qa, '/packages');
    await pageIsClean(qa, 'QA: /packages');
    await clickAndLoad(qa, () => qa.getByRole('link', { name: /^VP-0002 v\d+$/ }).click());
    expect(pathOf(qa)).to.equal(`/packages/${vp2!.id}`);
    await qa.getByRole('heading', { name: 'Trace matrix' }).waitFor();
    const trace = qa.getByRole('table', { name: /^Trace matrix:/ });
    expect(await trace.isVisible(), 'the trace matrix is shown').to.equal(true);
    expect(await trace.locator('tbody tr').count()).to.be.above(0);
    await pageIsClean(qa, `QA: /packages/${vp2!.id}`);
    await screenshot(qa, 'journey-2-review');
    const manifestationsBefore = await qa.locator('.manifestation').count();

    // 2. The sign dialog; a wrong password.
    const signLinks = qa.locator(`a[href^="/sign/package/${vp2!.id}"]`);
    expect(await signLinks.count(), 'QA is offered a signature on VP-0002').to.be.above(0);
    const hrefs = await signLinks.evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    const chosen = hrefs.find((h) => /meaning=approved/.test(h)) ?? hrefs[0]!;
    const meaning = new URL(chosen, 'http://x').searchParams.get('meaning')!;
    await clickAndLoad(qa, () => qa.locator(`a[href="${chosen}"]`).click());
    expect(pathOf(qa)).to.equal(`/sign/package/${vp2!.id}`);
    await qa.getByRole('heading', { name: /^Sign VP-0002/ }).waitFor();
    await pageIsClean(qa, 'QA: the sign dialog of VP-0002');
    const refused = await fillSignDialog(qa, { meaning, reason: 'Trace matrix and runs reviewed.', username: 'qa', password: `${DEMO_PASSWORD}-wrong` });
    expect(refused, 'a wrong password is refused with a 4xx').to.be.within(400, 499);
    expect(pathOf(qa), 'still on the dialog').to.equal(`/sign/package/${vp2!.id}`);
    const error = await fieldError(qa, 'password');
    expect(error.text, 'the message beside the password').to.match(/password is incorrect/i);
    expect(error.invalid, 'the password field is aria-invalid').to.equal(true);
    expect(error.describedBy ?? '', 'the message is the field’s description').to.contain('f-password-error');
    expect(await qa.locator('#f-reason').inputValue(), 'the reason typed is kept').to.equal('Trace matrix and runs reviewed.');
    await pageIsClean(qa, 'QA: the sign dialog after a wrong password', { allow: [STATUS_MESSAGE(refused!)] });
    await screenshot(qa, 'journey-2-sign-refused');
    const failures = await auditEvents({ action: 'signature.authentication_failed', from: started });
    expect(failures.filter((e) => e.actor.name !== null && e.actor.role === 'qa'), `the refused signature in the audit trail: ${JSON.stringify(failures)}`).to.have.length.at.least(1);
    const { body: unchanged } = await qaApi.get<{ status: string }>(`/api/v1/packages/${vp2!.id}`);
    expect(unchanged.status, 'the package is unchanged').to.equal('in-review');

    // 3. The right password → back on the package page with the manifestation.
    const signed = await fillSignDialog(qa, { meaning, reason: 'Trace matrix and runs reviewed.', username: 'qa', password: DEMO_PASSWORD });
    expect(signed, `signing VP-0002 as ${meaning}: ${await qa.locator('.form-errors, .field-error').allInnerTexts()}`).to.be.below(400);
    expect(pathOf(qa)).to.equal(`/packages/${vp2!.id}`);
    expect(await flashText(qa)).to.match(new RegExp(`^Signed: .+ — ${meaning} — VP-0002`));
    const manifestations = qa.locator('.manifestation');
    expect(await manifestations.count(), 'one more manifestation').to.equal(manifestationsBefore + 1);
    const printedName = await fullNameOf('qa');
    const mine = manifestations.filter({ hasText: printedName }).filter({ hasText: 'Trace matrix and runs reviewed.' });
    expect(await mine.count(), `the manifestation of ${printedName}'s signature`).to.equal(1);
    const text = await mine.innerText();
    expect(text, 'the printed name').to.contain(printedName);
    expect(text, 'the meaning').to.match(new RegExp(`Meaning\\s+${meaning}`, 'i'));
    expect(text, 'the time with the zone named').to.match(/\d{2}:\d{2}:\d{2}.*(Europe\/Berlin|CET|CEST|GMT[+-]\d|UTC)/);
    expect(text, 'the validity').to.match(/\bValid\b/);
    expect(text).to.contain('Trace matrix and runs reviewed.');
    await pageIsClean(qa, `QA: /packages/${vp2!.id} (signed)`);
    await screenshot(qa, 'journey-2-manifestation');
    await qaApi.logout();
  });

  it('journey 3: an auditor downloads the approved package\'s PDF and bundle, sees no edit or sign control, and a direct POST is refused', async () => {
    const started = new Date().toISOString();
    const auditor = await open('auditor');
    const qaApi = await apiAs('qa');

    // 1. /packages, filtered to the approved ones → VP-0001.
    await visitOk(auditor, '/packages');
    await pageIsClean(auditor, 'auditor: /packages');
    await auditor.getByLabel('State').selectOption('approved');
    await clickAndLoad(auditor, () => auditor.getByRole('button', { name: 'Show' }).click());
    expect(new URL(auditor.url()).searchParams.get('state')).to.equal('approved');
    await clickAndLoad(auditor, () => auditor.getByRole('link', { name: /^VP-0001 v\d+$/ }).click());
    const vp1Path = pathOf(auditor);
    expect(vp1Path).to.match(/^\/packages\/\d+$/);
    expect(await auditor.locator('h1').innerText()).to.contain('VP-0001');
    await pageIsClean(auditor, `auditor: ${vp1Path}`);
    await screenshot(auditor, 'journey-3-package');

    // 2. The PDF and the bundle, each an audited export.
    const pdf = await captureDownload(auditor, () => auditor.getByRole('link', { name: /Download the package PDF/ }).click());
    expect(pdf.bytes.subarray(0, 5).toString('latin1'), 'a PDF').to.equal('%PDF-');
    expect(pdf.suggestedFilename).to.contain('VP-0001');
    const bundle = await captureDownload(auditor, () => auditor.getByRole('link', { name: /Download the export bundle/ }).click());
    expect(bundle.bytes.subarray(0, 2).toString('latin1'), 'a zip').to.equal('PK');
    expect(bundle.suggestedFilename).to.contain('VP-0001');
    const exports = (await auditEvents({ action: 'export.created', from: started })).filter((e) => e.actor.role === 'auditor');
    expect(exports, `two audited exports by the auditor: ${JSON.stringify(exports.map((e) => [e.action, e.entity]))}`).to.have.length(2);
    expect(exports.every((e) => e.entity.type === 'package' && `/packages/${e.entity.id}` === vp1Path)).to.equal(true);
    await pageIsClean(auditor, `auditor: ${vp1Path} (after the downloads)`);
    await screenshot(auditor, 'journey-3-downloads');

    // 3. No edit or sign control on any package page (the list, both packages).
    const { body: listed } = await qaApi.get<{ packages: Array<{ id: number; key: string; status: string }> }>('/api/v1/packages');
    const vp2 = listed.packages.find((p) => p.key === 'VP-0002')!;
    for (const where of ['/packages', ...listed.packages.map((p) => `/packages/${p.id}`)]) {
      await visitOk(auditor, where);
      expect(await postFormActions(auditor), `POST forms on ${where} for the auditor`).to.have.members(['/sign-out', '/session/keep-alive']);
      expect(await auditor.locator('a[href^="/sign/"]').count(), `sign links on ${where}`).to.equal(0);
      expect(await auditor.getByRole('button', { name: /submit|reject|sign as|new version|start next/i }).count(), `action buttons on ${where}`).to.equal(0);
      expect(await auditor.getByRole('link', { name: /new package|sign as/i }).count(), `edit links on ${where}`).to.equal(0);
      await pageIsClean(auditor, `auditor: ${where}`);
    }

    // 4. Hand-made POSTs with the auditor's session: refused, nothing changed.
    const before = await qaApi.get<{ status: string; revision: number }>(`/api/v1/packages/${vp2.id}`);
    const signaturesBefore = await qaApi.get<{ signatures: unknown[] }>(`/api/v1/signatures?recordType=package&recordId=${vp2.id}`);
    await visitOk(auditor, `/packages/${vp2.id}`);
    const attempts: Array<[string, Record<string, string>]> = [
      [`/sign/package/${vp2.id}`, { version: String(before.body.revision), meaning: 'approved', reason: 'auditor tries', username: 'auditor', password: DEMO_PASSWORD }],
      [`/packages/${vp2.id}/reject`, { reason: 'auditor tries' }],
      [`/packages/${vp2.id}/submit`, {}],
      [`${vp1Path}/versions`, { reason: 'auditor tries' }],
    ];
    for (const [target, fields] of attempts) {
      const answer = await postFromPage(auditor, target, fields);
      expect(answer.status, `POST ${target} as the auditor`).to.equal(403);
    }
    const after = await qaApi.get<{ status: string; revision: number }>(`/api/v1/packages/${vp2.id}`);
    expect(after.body, 'VP-0002 unchanged').to.deep.equal(before.body);
    const signaturesAfter = await qaApi.get<{ signatures: unknown[] }>(`/api/v1/signatures?recordType=package&recordId=${vp2.id}`);
    expect(signaturesAfter.status).to.equal(200);
    expect(signaturesAfter.body, 'no signature recorded').to.deep.equal(signaturesBefore.body);
    const { body: vp1After } = await qaApi.get<{ status: string }>(`/api/v1${vp1Path}`);
    expect(vp1After.status, 'VP-0001 still approved, no new version').to.equal('approved');
    expect((await qaApi.get<{ packages: unknown[] }>('/api/v1/packages')).body.packages).to.have.length(listed.packages.length);
    // The refused POSTs answered 403 inside fetch: the console names them.
    expectNoProblems(auditor, { context: 'auditor: the refused POSTs', allow: [STATUS_MESSAGE(403)] });
    await qaApi.logout();
  });

  it('journey 4: an admin grants QA rights to a new user, and the grant waits for a second person\'s approval', async () => {
    const started = new Date().toISOString();
    const admin = await open('admin');
    const username = `qa.new.${Date.now().toString(36)}`;
    const fullName = 'Nora Newcomer';

    // 1. /admin/users → "Add a user" (as an auditor first: QA rights are then granted).
    await visitOk(admin, '/admin/users');
    await pageIsClean(admin, 'admin: /admin/users');
    const add = admin.getByRole('link', { name: /add a user|create a user|new user/i });
    expect(await add.count(), 'the users page links to the new-user form').to.be.above(0);
    await clickAndLoad(admin, () => add.first().click());
    expect(pathOf(admin)).to.equal('/admin/users/new');
    await admin.getByLabel('User name').fill(username);
    await admin.getByLabel('Full name (printed on signatures)').fill(fullName);
    await admin.getByLabel('E-mail').fill('nora.newcomer@example-pharma.test');
    await admin.getByLabel('Role').selectOption('auditor');
    await admin.getByLabel('Initial password').fill('Initial-password-4711-x');
    await pageIsClean(admin, 'admin: /admin/users/new (filled)');
    await screenshot(admin, 'journey-4-new-user');
    await clickAndLoad(admin, () => admin.getByRole('button', { name: 'Create user' }).click());
    const userMatch = /^\/admin\/users\/(\d+)$/.exec(pathOf(admin));
    expect(userMatch, `creating the user leads to its page, not ${admin.url()}: ${await admin.locator('.form-errors, .field-error').allInnerTexts()}`).to.not.equal(null);
    const userId = Number(userMatch![1]);
    expect(await flashText(admin)).to.contain(`User ${username} created.`);
    await pageIsClean(admin, `admin: /admin/users/${userId}`);

    // 2. Grant QA rights with the user page's role form → a pending access grant; the role stays.
    await admin.locator('#role-role').selectOption('qa');
    await admin.locator('#role-reason').fill('Joins the validation team as QA reviewer.');
    await clickAndLoad(admin, () => admin.getByRole('button', { name: 'Request role change' }).click());
    const requested = await flashText(admin);
    expect(requested, 'the flash after requesting QA rights').to.match(/^Access grant \d+ requested: .+ becomes QA .+ once a second person/);
    const grantId = Number(/^Access grant (\d+)/.exec(requested)![1]);
    const facts = await admin.locator('dl.facts').first().innerText();
    expect(facts, 'the user keeps the old role').to.match(/Role\s+Auditor \/ inspector/);
    expect(facts, 'no signing rights yet').to.match(/Signing rights\s+None/);
    await waitForText(admin, 'Waiting for a second person’s approval.');
    expect(await admin.locator('#user-grants').locator('..').innerText()).to.contain(`grant ${grantId}`);
    await pageIsClean(admin, `admin: /admin/users/${userId} (grant pending)`);
    await screenshot(admin, 'journey-4-grant-pending');

    // The users list and the grants list show it pending, with who asked; no approve control for the admin.
    await visitOk(admin, '/admin/users');
    const userRow = admin.getByRole('row').filter({ hasText: username });
    expect(await userRow.innerText(), 'the users list').to.contain('Waiting for approval').and.to.contain(`grant ${grantId}`);
    await pageIsClean(admin, 'admin: /admin/users (grant pending)');
    await visitOk(admin, '/admin/access-grants');
    const pendingRow = admin.getByRole('table', { name: 'Pending access grants' }).getByRole('row').filter({ hasText: username });
    expect(await pendingRow.count()).to.equal(1);
    const adminName = await fullNameOf('admin');
    expect(await pendingRow.innerText(), 'who asked').to.contain(adminName);
    expect(await admin.locator(`a[href^="/sign/user-access/${grantId}"]`).count(), 'no approve link for the admin').to.equal(0);
    expect(await admin.getByRole('button', { name: new RegExp(`Reject grant ${grantId}`) }).count(), 'no reject button for the admin').to.equal(0);
    await pageIsClean(admin, 'admin: /admin/access-grants (grant pending)');
    await screenshot(admin, 'journey-4-grants-admin');
    const selfApproval = await postFromPage(admin, `/sign/user-access/${grantId}`, { version: '1', meaning: 'approved', reason: 'self-approval', username: 'admin', password: DEMO_PASSWORD });
    expect(selfApproval.status, 'the admin approving by a hand-made POST').to.equal(403);
    expectNoProblems(admin, { context: 'admin: the refused approval', allow: [STATUS_MESSAGE(403)] });
    const adminApi = await apiAs('admin');
    expect((await adminApi.get<{ role: string; signingGrantId: number | null }>(`/api/v1/users/${userId}`)).body, 'the user as stored before the approval').to.deep.include({ role: 'auditor', signingGrantId: null });

    // 3. A second person — qa2, who neither asked nor receives it — approves with a signature.
    const qa2 = await open('qa2');
    await visitOk(qa2, '/admin/access-grants');
    await pageIsClean(qa2, 'qa2: /admin/access-grants');
    const approve = qa2.getByRole('link', { name: `Approve grant ${grantId} (sign)` });
    expect(await approve.count(), 'qa2 is offered the approval').to.equal(1);
    await clickAndLoad(qa2, () => approve.click());
    expect(pathOf(qa2)).to.equal(`/sign/user-access/${grantId}`);
    await pageIsClean(qa2, `qa2: the sign dialog of access grant ${grantId}`);
    const signed = await fillSignDialog(qa2, { meaning: 'approved', reason: 'Training record and job description checked.', username: 'qa2', password: DEMO_PASSWORD });
    expect(signed, `approving grant ${grantId}: ${await qa2.locator('.form-errors, .field-error').allInnerTexts()}`).to.be.below(400);
    expect(pathOf(qa2)).to.equal('/admin/access-grants');
    expect(await flashText(qa2)).to.match(new RegExp(`^Signed: .+ — approved — access grant ${grantId}`));
    const decided = qa2.getByRole('table', { name: /Decided access grants/ }).getByRole('row').filter({ hasText: username });
    expect(await decided.innerText(), 'the grant decided').to.match(/Approved/i).and.to.contain('by signature');
    await pageIsClean(qa2, 'qa2: /admin/access-grants (approved)');
    await screenshot(qa2, 'journey-4-grant-approved');

    // The user is QA now, with signing rights.
    await visitOk(admin, `/admin/users/${userId}`);
    const factsAfter = await admin.locator('dl.facts').first().innerText();
    expect(factsAfter, 'the role after the approval').to.match(/Role\s+QA \/ validation lead/);
    expect(factsAfter).to.match(new RegExp(`Signing rights\\s+Granted \\(access grant ${grantId}\\)`));
    await pageIsClean(admin, `admin: /admin/users/${userId} (QA)`);
    await screenshot(admin, 'journey-4-user-qa');

    // 5. The audit trail names both people.
    const userEvents = await auditEvents({ entityType: 'user', entityId: String(userId), from: started });
    const created = userEvents.find((e) => e.action === 'user.created');
    expect(created?.actor.role, 'the creation, by the admin').to.equal('admin');
    const granted = userEvents.find((e) => e.action === 'user.access_granted');
    expect(granted?.actor.name, 'the access granted, by qa2').to.not.equal(created?.actor.name);
    const grantEvents = await auditEvents({ entityType: 'access-grant', entityId: String(grantId), from: started });
    expect(grantEvents.find((e) => e.action === 'access_grant.requested')?.actor.role).to.equal('admin');
    const approval = grantEvents.find((e) => e.action === 'access_grant.approved');
    expect(approval?.actor.role, 'approved by QA').to.equal('qa');
    expect(approval?.actor.name).to.equal(await fullNameOf('qa2'));
    expect((await adminApi.get<{ role: string; signingGrantId: number | null }>(`/api/v1/users/${userId}`)).body, 'the user as stored after the approval').to.deep.include({ role: 'qa', signingGrantId: grantId });
    await adminApi.logout();
  });
});
