// The administration pages: users, access grants (signing rights wait for a second person),
// security alerts and keys. Each action goes through the service and leaves its audit event; a bad
// form is a 4xx with the message beside the field and nothing changed; roles see only their controls.
import { expect } from 'chai';
import request from 'supertest';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

const INITIAL = 'a-long-initial-password';

describeEachDatabase('administration pages', (dialect) => {
  let wb: TestWorkbench;
  let admin: WebSession;
  let qa: WebSession;
  let auditor: WebSession;

  const createUser = async (username: string, role = 'auditor') => {
    const response = await admin.post('/admin/users', { username, fullName: `Full ${username}`, role, password: INITIAL, email: '' });
    expect(response.status, response.text.slice(0, 500)).to.equal(303);
    return Number(/^\/admin\/users\/(\d+)$/.exec(response.headers.location)![1]);
  };
  const userCount = async () => wb.services.users.count();

  before(async () => {
    wb = await createTestWorkbench(dialect);
    admin = await signInWeb(wb.app, 'admin');
    qa = await signInWeb(wb.app, 'qa');
    auditor = await signInWeb(wb.app, 'auditor');
  });
  after(async () => wb?.close());

  it('creates a user whose initial password must be changed at first sign-in (user.created)', async () => {
    const form = await admin.get('/admin/users/new');
    expect(form.status).to.equal(200);
    expect(form.text).to.match(/<form method="post" action="\/admin\/users"/);
    const id = await createUser('new.person');
    const user = await wb.services.users.get(id);
    expect(user).to.deep.include({ username: 'new.person', fullName: 'Full new.person', role: 'auditor' });
    expect(Boolean(user.mustChangePassword)).to.equal(true);
    const event = (await lastAuditEvent(wb.services, 'user.created'))!;
    expect(event.entity).to.deep.equal({ type: 'user', id: String(id) });
    expect(event.actor.name).to.equal('Alex Admin');
    const page = await admin.get(`/admin/users/${id}`);
    expect(page.text).to.include('User new.person created. They must change the initial password at first sign-in.');
    expect(page.text).to.include('must be changed at next sign-in');
  });

  it('refuses a bad new-user form beside the field (4xx) and creates nothing', async () => {
    const before = await userCount();
    const weak = await admin.post('/admin/users', { username: 'weak.one', fullName: 'Weak One', role: 'auditor', password: 'short' });
    expect(weak.status).to.equal(400);
    expect(weak.text).to.match(/id="f-password"[^>]*aria-invalid="true"/);
    expect(weak.text).to.match(/This must be at least \d+ characters/);
    expect(weak.text).to.include('value="weak.one"');
    const badName = await admin.post('/admin/users', { username: 'no spaces', fullName: 'X', role: 'auditor', password: INITIAL });
    expect(badName.status).to.equal(400);
    expect(badName.text).to.match(/id="f-username"[^>]*aria-invalid="true"/);
    const badRole = await admin.post('/admin/users', { username: 'bad.role', fullName: 'X', role: 'wizard', password: INITIAL });
    expect(badRole.status).to.equal(400);
    expect(badRole.text).to.match(/id="f-role"[^>]*aria-invalid="true"/);
    const taken = await admin.post('/admin/users', { username: 'qa', fullName: 'Again', role: 'auditor', password: INITIAL });
    expect(taken.status).to.equal(409);
    expect(taken.text).to.include('already exists');
    expect(await userCount()).to.equal(before);
  });

  it('the journey: an admin creates a user, grants QA rights on the page, and the grant waits for a second person (QA)', async () => {
    const id = await createUser('future.qa');
    const detail = await admin.get(`/admin/users/${id}`);
    expect(detail.text).to.match(/action="\/admin\/users\/\d+\/role"/);
    const granted = await admin.post(`/admin/users/${id}/role`, { role: 'qa', reason: 'joins the QA team' });
    expect(granted.status, granted.text.slice(0, 400)).to.equal(303);
    const [grant] = await wb.services.accessGrants.list({ userId: id, status: 'pending' });
    expect(grant).to.not.equal(undefined);
    expect(grant!.kind).to.equal('role');
    expect((await wb.services.users.get(id)).role).to.equal('auditor');
    const event = (await lastAuditEvent(wb.services, 'access_grant.requested'))!;
    expect(event).to.deep.include({ entity: { type: 'access-grant', id: String(grant!.id) }, reason: 'joins the QA team' });

    const after = await admin.get(granted.headers.location);
    expect(after.text).to.include(`Access grant ${grant!.id} requested`);
    expect(after.text).to.include('Waiting for a second person’s approval');
    const adminGrants = await admin.get('/admin/access-grants');
    expect(adminGrants.text).to.include('Role Auditor / inspector → QA / validation lead (signing rights)');
    expect(adminGrants.text).to.include('cannot approve it');
    // The requester cannot approve: no approve link for the administrator, only cancel.
    expect(adminGrants.text).to.not.include(`/sign/user-access/${grant!.id}`);
    expect(adminGrants.text).to.include(`action="/admin/access-grants/${grant!.id}/cancel"`);

    const qaGrants = await qa.get('/admin/access-grants');
    expect(qaGrants.text).to.include(`href="/sign/user-access/${grant!.id}?meaning=approved&amp;returnTo=/admin/access-grants"`);
    expect(qaGrants.text).to.include(`action="/admin/access-grants/${grant!.id}/reject"`);
    expect(qaGrants.text).to.not.include(`/admin/access-grants/${grant!.id}/cancel`);
    expect(qaGrants.text).to.not.include('Request signing rights');

    const users = await admin.get('/admin/users');
    expect(users.text).to.match(/future\.qa[\s\S]*Waiting for approval[\s\S]*Role Auditor \/ inspector → QA/);
  });

  it('requests a grant from the access-grants page, cancels it (admin) and rejects another (QA), each audited', async () => {
    const id = await createUser('grant.subject');
    const requested = await admin.post('/admin/access-grants', { userId: String(id), grant: 'role:it', reason: 'integration engineer' });
    expect(requested.status, requested.text.slice(0, 400)).to.equal(303);
    const [grant] = await wb.services.accessGrants.list({ userId: id, status: 'pending' });
    expect(grant!.kind).to.equal('role');
    expect((await lastAuditEvent(wb.services, 'access_grant.requested'))!.entity.id).to.equal(String(grant!.id));

    const noReason = await qa.post(`/admin/access-grants/${grant!.id}/reject`, { reason: '  ' });
    expect(noReason.status).to.equal(400);
    expect(noReason.text).to.match(new RegExp(`id="reject-${grant!.id}-reason"[^>]*aria-invalid="true"`));
    expect((await wb.services.accessGrants.get(grant!.id)).status).to.equal('pending');

    const rejected = await qa.post(`/admin/access-grants/${grant!.id}/reject`, { reason: 'not trained yet' });
    expect(rejected.status).to.equal(303);
    expect((await wb.services.accessGrants.get(grant!.id)).status).to.equal('rejected');
    expect((await lastAuditEvent(wb.services, 'access_grant.rejected'))!).to.deep.include({ reason: 'not trained yet' });

    await admin.post('/admin/access-grants', { userId: String(id), grant: 'role:qa', reason: 'second try' });
    const [again] = await wb.services.accessGrants.list({ userId: id, status: 'pending' });
    const cancelled = await admin.post(`/admin/access-grants/${again!.id}/cancel`, { reason: 'asked by mistake' });
    expect(cancelled.status).to.equal(303);
    expect((await wb.services.accessGrants.get(again!.id)).status).to.equal('cancelled');
    expect((await lastAuditEvent(wb.services, 'access_grant.cancelled'))!).to.deep.include({ reason: 'asked by mistake' });
    const page = await auditor.get('/admin/access-grants');
    expect(page.text).to.match(/Rejected[\s\S]*not trained yet|not trained yet[\s\S]*Rejected/);
  });

  it('refuses a bad grant request beside the field and requests nothing', async () => {
    const before = (await wb.services.accessGrants.list({})).length;
    const noReason = await admin.post('/admin/access-grants', { userId: '1', grant: 'role:qa', reason: '' });
    expect(noReason.status).to.equal(400);
    expect(noReason.text).to.match(/id="req-reason"[^>]*aria-invalid="true"/);
    const badGrant = await admin.post('/admin/access-grants', { userId: String(await createUser('bad.grant')), grant: 'role:admin', reason: 'x' });
    expect(badGrant.status).to.equal(400);
    expect(badGrant.text).to.match(/id="req-grant"[^>]*aria-invalid="true"/);
    expect((await wb.services.accessGrants.list({})).length).to.equal(before);
  });

  it('deactivates (reason required), reactivates, resets a password and unlocks, each with its audit event', async () => {
    const id = await createUser('life.cycle');
    const noReason = await admin.post(`/admin/users/${id}/deactivate`, { reason: '' });
    expect(noReason.status).to.equal(400);
    expect(noReason.text).to.match(/id="deactivate-reason"[^>]*aria-invalid="true"/);
    expect(noReason.text).to.not.match(/id="reset-reason"[^>]*aria-invalid="true"/);
    expect((await wb.services.users.get(id)).status).to.equal('active');

    expect((await admin.post(`/admin/users/${id}/deactivate`, { reason: 'left' })).status).to.equal(303);
    expect((await wb.services.users.get(id)).status).to.equal('deactivated');
    expect((await lastAuditEvent(wb.services, 'user.deactivated'))!).to.deep.include({ reason: 'left', entity: { type: 'user', id: String(id) } });
    const again = await admin.post(`/admin/users/${id}/deactivate`, { reason: 'twice' });
    expect(again.status).to.equal(409);

    expect((await admin.post(`/admin/users/${id}/reactivate`, { reason: 'came back' })).status).to.equal(303);
    expect((await wb.services.users.get(id)).status).to.equal('active');
    expect((await lastAuditEvent(wb.services, 'user.reactivated'))!.reason).to.equal('came back');

    const weak = await admin.post(`/admin/users/${id}/reset-password`, { password: 'short', reason: 'forgot' });
    expect(weak.status).to.equal(400);
    expect(weak.text).to.match(/id="reset-password"[^>]*aria-invalid="true"/);
    const resets = (await auditEvents(wb.services, { action: 'user.password_reset' })).length;
    expect(resets).to.equal(0);
    expect((await admin.post(`/admin/users/${id}/reset-password`, { password: 'another-long-temporary-one', reason: 'forgot' })).status).to.equal(303);
    expect((await lastAuditEvent(wb.services, 'user.password_reset'))!.entity.id).to.equal(String(id));

    for (let i = 0; i < wb.config.auth.lockoutThreshold; i += 1) await request(wb.app).post('/api/v1/auth/login').send({ username: 'life.cycle', password: 'wrong-password-xyz' });
    expect((await wb.services.users.get(id)).lockedAt).to.not.equal(null);
    const locked = await admin.get(`/admin/users/${id}`);
    expect(locked.text).to.include(`action="/admin/users/${id}/unlock"`);
    expect((await admin.post(`/admin/users/${id}/unlock`, { reason: 'called the help desk' })).status).to.equal(303);
    expect((await wb.services.users.get(id)).lockedAt).to.equal(null);
    expect((await lastAuditEvent(wb.services, 'user.unlocked'))!.reason).to.equal('called the help desk');
  });

  it('lists users with role title, status in words, lockout and pending grants; controls for admin only', async () => {
    const adminList = await admin.get('/admin/users');
    expect(adminList.status).to.equal(200);
    expect(adminList.text).to.include('QA / validation lead');
    expect(adminList.text).to.match(/badge-active">Active/);
    expect(adminList.text).to.include('href="/admin/users/new"');
    expect(adminList.text).to.match(/<nav class="tabs"[\s\S]*Users[\s\S]*Access grants[\s\S]*Security alerts[\s\S]*Keys/);
    for (const viewer of [auditor, qa]) {
      const list = await viewer.get('/admin/users');
      expect(list.status).to.equal(200);
      expect(list.text).to.include('QA / validation lead');
      expect(list.text).to.not.include('href="/admin/users/new"');
      const one = await viewer.get('/admin/users/1');
      expect(one.status).to.equal(200);
      expect(one.text).to.not.match(/<form method="post" action="\/admin\/users/);
      const grants = await viewer.get('/admin/access-grants');
      expect(grants.text).to.not.include('method="post" action="/admin/access-grants"');
    }
    expect((await auditor.get('/admin/access-grants')).text).to.not.match(/<form method="post"[^>]*\/(reject|cancel)"/);
    expect((await qa.get('/admin/users')).text).to.not.include('href="/admin/security-alerts"');
    // Refused by the server too, and nothing changed.
    const before = await userCount();
    expect((await auditor.post('/admin/users', { username: 'sneaky', fullName: 'S', role: 'admin', password: INITIAL })).status).to.equal(403);
    expect((await qa.post('/admin/users/4/deactivate', { reason: 'x' })).status).to.equal(403);
    expect(await userCount()).to.equal(before);
  });

  it('lists security alerts to admin and auditor; only admin acknowledges (security_alert.acknowledged)', async () => {
    const open = await wb.services.alerts.list({ acknowledged: false });
    expect(open.length).to.be.greaterThan(0);
    const alert = open[0]!;
    const auditorPage = await auditor.get('/admin/security-alerts');
    expect(auditorPage.status).to.equal(200);
    expect(auditorPage.text).to.include(alert.message.replaceAll("'", '&#x27;'));
    expect(auditorPage.text).to.not.include('/acknowledge"');
    const adminPage = await admin.get('/admin/security-alerts');
    expect(adminPage.text).to.include(`action="/admin/security-alerts/${alert.id}/acknowledge"`);
    const done = await admin.post(`/admin/security-alerts/${alert.id}/acknowledge`, { note: 'seen, expected' });
    expect(done.status).to.equal(303);
    const event = (await lastAuditEvent(wb.services, 'security_alert.acknowledged'))!;
    expect(event).to.deep.include({ entity: { type: 'security-alert', id: String(alert.id) }, reason: 'seen, expected' });
    const twice = await admin.post(`/admin/security-alerts/${alert.id}/acknowledge`, {});
    expect(twice.status).to.equal(409);
    expect((await auditor.post(`/admin/security-alerts/${alert.id}/acknowledge`, {})).status).to.equal(403);
  });

  it('shows the public keys with fingerprints, the current one, and the last checkpoint', async () => {
    await wb.services.audit.checkpointNow(null);
    const [key] = wb.services.keyring.publicKeys();
    const page = await auditor.get('/admin/keys');
    expect(page.status).to.equal(200);
    expect(page.text).to.include(key!.keyId);
    expect(page.text).to.include(key!.fingerprint.slice(0, 8));
    expect(page.text).to.include('Current — signs now');
    expect(page.text).to.match(/Signature<\/dt><dd><span class="badge badge-valid">Valid/);
  });

  it('answers 404 pages for unknown users, grants and alerts', async () => {
    expect((await admin.get('/admin/users/999999')).status).to.equal(404);
    expect((await admin.post('/admin/users/999999/deactivate', { reason: 'x' })).status).to.equal(404);
    expect((await admin.post('/admin/users/999999/role', { role: 'qa', reason: 'x' })).status).to.equal(404);
    expect((await admin.post('/admin/access-grants/999999/cancel', { reason: 'x' })).status).to.equal(404);
    expect((await qa.post('/admin/access-grants/999999/reject', { reason: 'x' })).status).to.equal(404);
    expect((await admin.post('/admin/security-alerts/999999/acknowledge', {})).status).to.equal(404);
    expect((await admin.get('/admin/users/abc')).status).to.equal(400);
  });
});
