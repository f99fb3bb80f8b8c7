// The sign dialog (Part 11 §11.50, §11.70, §11.200): what is signed and its digest, only the
// meanings the signer may give now, the user name on the first signature of a session only, a
// wrong password refused beside the password field (audited, nothing signed), other refusals in
// words, and a signature that then shows on the record's page. Packages and access grants — the
// record types other pages link here — both work.
import { expect } from 'chai';
import request from 'supertest';
import { recordDigest } from '../../src/signatures/signature-service.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

describeEachDatabase('sign dialog', (dialect) => {
  let wb: TestWorkbench;
  let qa: WebSession;
  let it_: WebSession;
  let packageId: number;
  const dialogPath = () => `/sign/package/${packageId}?meaning=approved&returnTo=/packages/${packageId}`;

  before(async function () {
    this.timeout(120_000);
    wb = await createTestWorkbench(dialect, { demoRegistry: true });
    it_ = await signInWeb(wb.app, 'it');
    qa = await signInWeb(wb.app, 'qa');
    // A package in review, created and submitted by IT through the pages.
    const created = await it_.post('/packages', { title: 'Pick confirmations, WMS to ERP', scope: 'IF-WMS-ERP-002' });
    expect(created.status, created.text.slice(0, 500)).to.equal(303);
    packageId = Number(created.headers.location.split('/').pop());
    expect((await it_.post(`/packages/${packageId}/submit`, {})).status).to.equal(303);
  });
  after(async () => wb?.close());

  /** Pending access grants (role, training) of a user an administrator just created over the API. */
  async function pendingGrantsOfNewUser(username: string): Promise<number[]> {
    const admin = await wb.login('admin');
    const created = await request(wb.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username, fullName: `New ${username}`, role: 'it', password: 'set-by-the-administrator', trainingCompletedAt: wb.clock.now().toISOString() });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const pending = await wb.services.accessGrants.list({ userId: created.body.id, status: 'pending' });
    expect(pending.length).to.be.greaterThan(0);
    return pending.map((g) => g.id).reverse();
  }

  it('shows what is signed: the record, its version and the digest the signature binds; the statement; only the meanings QA may give', async () => {
    expect((await qa.get(`/packages/${packageId}`)).text.replace(/&#x3D;/g, '=')).to.contain(`/sign/package/${packageId}?meaning=approved`);
    const page = await qa.get(dialogPath());
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('class="card sign-dialog"');
    const frozen = (await wb.services.packages.manifest(packageId))!;
    expect(page.text).to.contain(recordDigest('package', String(packageId), 1, frozen.manifest));
    expect(page.text).to.contain('submission 1 of VP-');
    expect(page.text).to.contain('legally binding equivalent of my handwritten signature');
    expect(page.text).to.match(/<option value="approved" selected>/);
    expect(page.text).to.not.contain('<option value="reviewed"');
    // First signature of this session: the user name as well as the password (§11.200(a)(1)).
    expect(page.text).to.contain('name="username"');
    expect(page.text).to.contain('name="password"');
  });

  it('refuses a wrong password beside the password field with 401, audits it and signs nothing', async () => {
    const failures = (await auditEvents(wb.services, { action: 'signature.authentication_failed' })).length;
    const refused = await qa.post(`/sign/package/${packageId}`, { version: '1', meaning: 'approved', reason: 'reviewed the trace matrix', username: 'qa', password: 'not-my-password', returnTo: `/packages/${packageId}` });
    expect(refused.status).to.equal(401);
    expect(refused.text).to.match(/id="f-password"[^>]*aria-invalid="true"/);
    expect(refused.text).to.match(/id="f-password-error"[^>]*>[\s\S]*The password is incorrect/);
    expect(refused.text).to.contain('value="reviewed the trace matrix"');
    expect(await auditEvents(wb.services, { action: 'signature.authentication_failed' })).to.have.length(failures + 1);
    expect(await wb.services.signatures.list('package', String(packageId))).to.have.length(0);
  });

  it('signs with the right password, returns to the package with a flash, and the page shows the manifestation, valid', async () => {
    const signed = await qa.post(`/sign/package/${packageId}`, { version: '1', meaning: 'approved', reason: 'reviewed the trace matrix', username: 'qa', password: TEST_PASSWORD, returnTo: `/packages/${packageId}` });
    expect(signed.status, signed.text.slice(0, 800)).to.equal(303);
    expect(signed.headers.location).to.equal(`/packages/${packageId}`);
    const [signature] = await wb.services.signatures.list('package', String(packageId));
    expect(signature).to.deep.include({ meaning: 'approved', signerUsername: 'qa', reason: 'reviewed the trace matrix', authMethod: 'username+password' });
    const events = await auditEvents(wb.services, { action: 'signature.created', entityType: 'package', entityId: String(packageId) });
    expect(events).to.have.length(1);
    const page = await qa.get(`/packages/${packageId}`);
    expect(page.text).to.contain(`Signed: ${signature!.signerName} — approved`);
    expect(page.text).to.contain(`id="signature-${signature!.id}"`);
    expect(page.text).to.contain('Valid — the record is unchanged since it was signed');
    // The "Sign as approved" link is gone now that it is given (Handlebars writes `=` as an entity).
    expect(page.text.replace(/&#x3D;/g, '=')).to.not.contain(`/sign/package/${packageId}?meaning=approved`);
  });

  it('asks for the user name on the first signature of a session only', async () => {
    const [grantId] = await pendingGrantsOfNewUser('ivo');
    // This session signed already: the password alone (§11.200(a)(1)(i)).
    const later = await qa.get(`/sign/user-access/${grantId}?meaning=approved`);
    expect(later.status).to.equal(200);
    expect(later.text).to.contain('name="password"').and.not.contain('name="username"');
    const fresh = await signInWeb(wb.app, 'qa');
    expect((await fresh.get(`/sign/user-access/${grantId}?meaning=approved`)).text).to.contain('name="username"');
    const missing = await fresh.post(`/sign/user-access/${grantId}`, { version: '1', meaning: 'approved', reason: 'identity checked', password: TEST_PASSWORD });
    expect(missing.status).to.equal(400);
    expect(missing.text).to.match(/id="f-username"[^>]*aria-invalid="true"/);
    expect((await wb.services.accessGrants.get(grantId)).status).to.equal('pending');
  });

  it('shows other refusals in words on top: the author may not review what they submitted', async () => {
    const refused = await it_.post(`/sign/package/${packageId}`, { version: '1', meaning: 'reviewed', reason: 'my own package', username: 'it', password: TEST_PASSWORD });
    expect(refused.status).to.equal(403);
    expect(refused.text).to.match(/class="form-errors"[\s\S]*Nothing was signed\. You created, edited or submitted|class="form-errors"[\s\S]*Nothing was signed\. You authored/);
    expect(await wb.services.signatures.list('package', String(packageId))).to.have.length(1);
  });

  it('signs an access grant (user-access) for the administration pages', async () => {
    const [grantId] = await pendingGrantsOfNewUser('nina');
    const dialog = await qa.get(`/sign/user-access/${grantId}?meaning=approved&returnTo=/admin/access-grants`);
    expect(dialog.status).to.equal(200);
    expect(dialog.text).to.contain('Access grant (signing rights)').and.contain('New nina (nina, it)');
    expect(dialog.text).to.match(/<option value="approved" selected>/);
    const signed = await qa.post(`/sign/user-access/${grantId}`, { version: '1', meaning: 'approved', reason: 'identity checked', password: TEST_PASSWORD, returnTo: '/admin/access-grants' });
    expect(signed.status, signed.text.slice(0, 800)).to.equal(303);
    expect(signed.headers.location).to.equal('/admin/access-grants');
    expect((await wb.services.accessGrants.get(grantId)).status).to.equal('approved');
  });

  it('refuses roles that cannot sign, unknown records with 404, and never redirects off the site', async () => {
    const auditor = await signInWeb(wb.app, 'auditor');
    expect((await auditor.get(dialogPath())).status).to.equal(403);
    expect((await auditor.post(`/sign/package/${packageId}`, { version: '1', meaning: 'approved', reason: 'x', password: TEST_PASSWORD })).status).to.equal(403);
    expect((await qa.get('/sign/package/999999')).status).to.equal(404);
    expect((await qa.get('/sign/change/999999')).status).to.equal(404);
    expect((await qa.get('/sign/user-access/999999')).status).to.equal(404);
    expect((await qa.get('/sign/no-such-type/1')).status).to.equal(404);
    const offSite = await qa.get(`/sign/package/${packageId}?returnTo=//evil.example/x`);
    expect(offSite.text).to.contain(`href="/packages/${packageId}">Back</a>`).and.not.contain('href="//evil.example');
  });

  it('shows a signature as INVALID, in words, once the record it binds changed after signing', async () => {
    wb.tamperedWith(); // edits the frozen manifest behind the application's back, as a SQL client could
    const { sequelize } = wb.services.database;
    // What an attacker with database access does: lift the append-only guard, rewrite what was signed.
    await sequelize.query(dialect === 'sqlite' ? 'DROP TRIGGER package_manifests_refuse_update' : 'DROP TRIGGER package_manifests_refuse_update ON package_manifests');
    await sequelize.query("UPDATE package_manifests SET manifest = REPLACE(manifest, 'Pick confirmations', 'Pick confirmationz') WHERE package_id = :id", { replacements: { id: packageId } });
    const page = await qa.get(`/packages/${packageId}`);
    expect(page.text).to.match(/class="manifestation invalid"/);
    expect(page.text).to.contain('INVALID — the record changed after signing');
    expect(page.text).to.match(/badge-invalid">INVALID</);
  });
});
