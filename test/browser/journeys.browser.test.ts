// The four journeys of issue 15, end to end in Chromium against the demo workspace (VP-0001
// approved, VP-0002 in review, CR-0001 closed, CR-0002 awaiting QA). PENDING until the pages they
// walk through are merged (interfaces, runs, packages, changes, audit, admin); each `it.skip` says
// the steps it will take. Every journey ends in screenshots under artifacts/browser/journey-N-*.png,
// and checks each page it passes with expectNoProblems + checkAccessibility.
//
// Harness helpers for them (test/browser/harness.ts):
//   openAs(user)                        a fresh Chromium signed in through the real form
//   visitOk(page, path), waitForText(page, text)
//   fieldError(page, name)              the error beside a {{> field}} input and its aria-invalid
//   captureDownload(page, () => click)  the download a click starts, saved under artifacts/browser/downloads/
//   postFromPage(page, path, fields)    a hand-made POST with the page's own session and CSRF token
//   apiAs(user), auditEvents(filter)    the JSON API beside the pages, e.g. to assert the audit event
//   expectNoProblems(page), checkAccessibility(page), screenshot(page, name)
import { type TestBrowser } from './harness.js';

describe('Journeys in Chromium (issue 15)', function () {
  this.timeout(600_000);
  // Each journey opens its browser(s) with openAs(…) and registers them here to be closed.
  const browsers: TestBrowser[] = [];
  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
  });

  // 1. openAs('it'); /changes → "Log a change".
  // 2. Fill the vendor-release form (platform MuleSoft Runtime, 4.6 → 4.9, title, description, justification,
  //    planned date, environments, two release items); submit → the new change (CR-0003) with the flash.
  // 3. The impact table lists every interface on the MuleSoft platform with its risk level.
  // 4. Triage each release item (rating + rationale beside it), mark assessed.
  // 5. Start the regression: the progress panel (data-events-url) fills in live (waitForText on the counts);
  //    on "finished" the page reloads and shows the result per interface.
  // 6. auditEvents: change logged, triaged, regression started.
  // Screenshots: journey-1-log-form, -impact, -regression-running, -regression-finished.
  it.skip('journey 1: IT logs a vendor platform release, reviews the computed impact, starts the regression and watches it finish', async () => undefined);

  // 1. openAs('qa'); /packages → VP-0002 (in review): trace matrix and review screens, gaps highlighted in words.
  // 2. Open the sign dialog (meaning, reason, password); submit with a wrong password → 4xx, still on the
  //    dialog, fieldError(page, 'password') gives the plain-language message with aria-invalid="true";
  //    the package is unchanged; auditEvents({ action: 'signature.*' }) shows the refused attempt.
  // 3. Sign with DEMO_PASSWORD → redirect with a flash; the manifestation (printed name, date and time
  //    with the zone named, meaning) is on the package page.
  // 4. checkAccessibility with the dialog open, after the refusal and after signing.
  // Screenshots: journey-2-review, -sign-refused, -manifestation.
  it.skip('journey 2: QA signs a package in review: a wrong password is refused, audited and shown beside the field; the right one shows the manifestation', async () => undefined);

  // 1. openAs('auditor'); /packages, filter or search → VP-0001 (approved).
  // 2. captureDownload of the PDF (starts with %PDF, file name carries VP-0001) and of the bundle (zip: PK
  //    header); auditEvents has an export event for each.
  // 3. On every page of the package: no form posting a sign/edit/transition action, no sign button (the
  //    only POST forms are sign-out and keep-alive).
  // 4. postFromPage(page, <the sign or transition action of VP-0002>, fields) → 403; apiAs('qa') reads
  //    VP-0002 unchanged, no signature recorded.
  // Screenshots: journey-3-package, -downloads.
  it.skip('journey 3: an auditor downloads the approved package\'s PDF and bundle, sees no edit or sign control, and a direct POST is refused', async () => undefined);

  // 1. openAs('admin'); /admin/users → "Add a user": user name, full name, role QA, e-mail, initial password.
  // 2. Submit → the user is listed with a pending access grant (badge in words); the grants list shows it
  //    pending with who asked.
  // 3. The admin sees no approve control for their own request; postFromPage to approve it is refused.
  // 4. openAs('qa2') → the pending grant → approve with a signature (password) → granted.
  // 5. auditEvents: the user's creation and the grant's approval, naming both people.
  // Screenshots: journey-4-new-user, -grant-pending, -grant-approved.
  it.skip('journey 4: an admin grants QA rights to a new user, and the grant waits for a second person\'s approval', async () => undefined);
});
