// Security alerts (Part 11 §11.300(d): detect and urgently report attempts at unauthorized use).
// Raised by lockouts and repeated failures; administrators and auditors list them; only
// administrators acknowledge them, once, audited; they are never deleted.
import { expect } from 'chai';
import request from 'supertest';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { bearer, createActiveUser, failLogins, uniqueName, userIdOf } from './auth-helpers.js';

interface AlertView {
  id: number;
  kind: string;
  username: string | null;
  userId: number | null;
  acknowledged: boolean;
  acknowledgedBy: number | null;
  acknowledgementNote: string | null;
  acknowledgedAt: string | null;
  createdAt: string;
}

describeEachDatabase('security alerts', (dialect) => {
  let wb: TestWorkbench;
  let adminToken: string;
  let auditorToken: string;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    adminToken = await wb.login('admin');
    auditorToken = await wb.login('auditor');
  });
  after(async () => wb?.close());

  function listAlerts(token: string, query: Record<string, string> = {}) {
    return request(wb.app).get('/api/v1/security-alerts').query(query).set(bearer(token));
  }

  function acknowledge(id: number, token: string, body: Record<string, unknown> = {}) {
    return request(wb.app).post(`/api/v1/security-alerts/${id}/acknowledge`).set(bearer(token)).send(body);
  }

  /** Locks a fresh account and returns the account_locked alert it raised. */
  async function raiseLockoutAlert(): Promise<AlertView> {
    const user = await createActiveUser(wb, 'alerted');
    const answers = await failLogins(wb, user.username, 5);
    expect(answers[4]!.status).to.equal(423);
    const response = await listAlerts(adminToken).expect(200);
    const alert = (response.body.alerts as AlertView[]).find((a) => a.kind === 'account_locked' && a.userId === user.id);
    expect(alert, 'account_locked alert').to.not.equal(undefined);
    return alert!;
  }

  it('lists alerts, newest first, to administrators and auditors, and refuses the IT and QA roles (403)', async () => {
    const older = await raiseLockoutAlert();
    const newer = await raiseLockoutAlert();
    for (const token of [adminToken, auditorToken]) {
      const response = await listAlerts(token).expect(200);
      const ids = (response.body.alerts as AlertView[]).map((a) => a.id);
      expect(ids).to.include.members([older.id, newer.id]);
      expect(ids.indexOf(newer.id)).to.be.lessThan(ids.indexOf(older.id));
      expect([...ids].sort((a, b) => b - a)).to.deep.equal(ids);
    }
    for (const role of ['it', 'qa']) {
      const response = await listAlerts(await wb.login(role));
      expect(response.status, role).to.equal(403);
    }
  });

  it('records the raising of each alert in the audit trail (security_alert.raised)', async () => {
    const alert = await raiseLockoutAlert();
    const events = await auditEvents(wb.services, { action: 'security_alert.raised', entityType: 'security-alert', entityId: String(alert.id) });
    expect(events).to.have.length(1);
    expect(events[0]!.after).to.include({ id: alert.id, kind: 'account_locked', acknowledged: false });
  });

  it('lets an administrator acknowledge an alert with a note: audited as security_alert.acknowledged with actor, entity and reason', async () => {
    const alert = await raiseLockoutAlert();
    const adminId = await userIdOf(wb, 'admin');
    const response = await acknowledge(alert.id, adminToken, { note: 'called the user; it was them, typo in password' });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body).to.include({ id: alert.id, acknowledged: true, acknowledgedBy: adminId, acknowledgementNote: 'called the user; it was them, typo in password' });
    expect(response.body.acknowledgedAt).to.be.a('string');

    const events = await auditEvents(wb.services, { action: 'security_alert.acknowledged', entityType: 'security-alert', entityId: String(alert.id) });
    expect(events).to.have.length(1);
    const event = events[0]!;
    expect(event.actor).to.deep.equal({ id: adminId, name: 'Alex Admin', role: 'admin' });
    expect(event.reason).to.equal('called the user; it was them, typo in password');
    expect(event.before).to.include({ acknowledged: false });
    expect(event.after).to.include({ acknowledged: true, acknowledgedBy: adminId });

    const stored = (await listAlerts(adminToken).expect(200)).body.alerts.find((a: AlertView) => a.id === alert.id);
    expect(stored).to.include({ acknowledged: true, acknowledgedBy: adminId });
  });

  it('lets an administrator acknowledge without a note (the audit event still carries a reason)', async () => {
    const alert = await raiseLockoutAlert();
    await acknowledge(alert.id, adminToken).expect(200);
    const events = await auditEvents(wb.services, { action: 'security_alert.acknowledged', entityType: 'security-alert', entityId: String(alert.id) });
    expect(events).to.have.length(1);
    expect(events[0]!.reason).to.be.a('string').and.not.equal('');
  });

  it('refuses to acknowledge an alert twice (409) and writes no second audit event', async () => {
    const alert = await raiseLockoutAlert();
    await acknowledge(alert.id, adminToken, { note: 'first' }).expect(200);
    const second = await acknowledge(alert.id, adminToken, { note: 'second' });
    expect(second.status).to.equal(409);
    expect(second.body.error.code).to.equal('already_acknowledged');
    const events = await auditEvents(wb.services, { action: 'security_alert.acknowledged', entityType: 'security-alert', entityId: String(alert.id) });
    expect(events).to.have.length(1);
    const stored = (await listAlerts(adminToken).expect(200)).body.alerts.find((a: AlertView) => a.id === alert.id);
    expect(stored.acknowledgementNote).to.equal('first');
  });

  it('lets an auditor list alerts but not acknowledge them (403); the alert stays open and nothing is audited', async () => {
    const alert = await raiseLockoutAlert();
    const seqBefore = await wb.services.audit.lastSeq();
    const response = await acknowledge(alert.id, auditorToken, { note: 'I saw it' });
    expect(response.status).to.equal(403);
    expect(response.body.error.code).to.equal('forbidden');
    expect(await wb.services.audit.lastSeq()).to.equal(seqBefore);
    const stored = (await listAlerts(auditorToken).expect(200)).body.alerts.find((a: AlertView) => a.id === alert.id);
    expect(stored.acknowledged).to.equal(false);
  });

  it('filters by acknowledged=true|false', async () => {
    const open = await raiseLockoutAlert();
    const done = await raiseLockoutAlert();
    await acknowledge(done.id, adminToken, { note: 'handled' }).expect(200);
    const openIds = (await listAlerts(adminToken, { acknowledged: 'false' }).expect(200)).body.alerts.map((a: AlertView) => a.id);
    const doneIds = (await listAlerts(adminToken, { acknowledged: 'true' }).expect(200)).body.alerts.map((a: AlertView) => a.id);
    expect(openIds).to.include(open.id).and.not.include(done.id);
    expect(doneIds).to.include(done.id).and.not.include(open.id);
  });

  it('answers 404 for an alert that does not exist and 400 for an unknown field in the acknowledgement', async () => {
    const missing = await acknowledge(999_999, adminToken, { note: 'x' });
    expect(missing.status).to.equal(404);
    const alert = await raiseLockoutAlert();
    const extra = await acknowledge(alert.id, adminToken, { note: 'x', severity: 'low' });
    expect(extra.status).to.equal(400);
    expect(extra.body.error.details.map((d: { field: string }) => d.field)).to.include('body.severity');
  });

  it('raises a repeated_failed_logins alert for an unknown user name', async () => {
    const ghost = uniqueName('ghost');
    await failLogins(wb, ghost, 5);
    const alerts = (await listAlerts(adminToken).expect(200)).body.alerts as AlertView[];
    const alert = alerts.find((a) => a.kind === 'repeated_failed_logins' && a.username === ghost);
    expect(alert, 'repeated_failed_logins alert').to.not.equal(undefined);
    expect(alert!.userId).to.equal(null);
  });

  it('never deletes alerts: a raw DELETE FROM security_alerts is refused by the database', async () => {
    const alert = await raiseLockoutAlert();
    let refused: unknown = null;
    try {
      await wb.services.database.sequelize.query(`DELETE FROM security_alerts WHERE id = ${alert.id}`);
    } catch (error) {
      refused = error;
    }
    expect(refused, 'DELETE must be refused').to.be.instanceOf(Error);
    expect((await listAlerts(adminToken).expect(200)).body.alerts.map((a: AlertView) => a.id)).to.include(alert.id);
  });
});
