// The periodic review list (GAMP 5 periodic review; Annex 11 §11) over the real registry, risk
// assessments and approved validation packages, with the server clock moved past review dates; open
// changes past their planned date come from a fake of the one interface the list reads them through.
import { expect } from 'chai';
import request from 'supertest';
import type { OpenChangeSource, PeriodicReviewList } from '../../src/changes/periodic-review.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase } from '../support/databases.js';
import { salesOrderInterfaces } from '../support/runner-fixtures.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

const DAY = 24 * 60 * 60 * 1000;
const MEDIUM = { modelId: 'fda-csa', answers: { intendedUse: 'supporting-gxp', processRisk: 'not-high', dataIntegrityImpact: 'transports-gxp-records' } }; // re-assessed every 24 months
const LOW = { modelId: 'fda-csa', answers: { intendedUse: 'non-gxp', processRisk: 'not-high', dataIntegrityImpact: 'no-gxp-records' } }; // every 36 months

function addMonths(iso: string, months: number): string {
  const date = new Date(iso);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString();
}

describeEachDatabase('periodic review list', (dialect) => {
  let wb: TestWorkbench;
  let assessedAt: Record<string, string>;
  let approvedAt: string;
  const api = (method: 'get' | 'post', url: string, token: string) => request(wb.app)[method](url).set('Authorization', `Bearer ${token}`);
  const tokens = async () => ({ it: await wb.login('it'), qa: await wb.login('qa'), qa2: await wb.login('qa2'), auditor: await wb.login('auditor') });
  const assess = async (qa: string, key: string, body: object) => {
    const created = await api('post', `/api/v1/interfaces/${key}/risk-assessments`, qa).send(body);
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return created.body.assessedAt as string;
  };
  /** A validation package through its whole workflow: drafted and submitted by qa, reviewed by it, approved by qa2. */
  const approvePackage = async (scope: string[]) => {
    const t = await tokens();
    const created = await api('post', '/api/v1/packages', t.qa).send({ title: `Validation of ${scope.join(', ')}`, scope: scope.map((key) => ({ interface: key })) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as number;
    expect((await api('post', `/api/v1/packages/${id}/submit`, t.qa).send({})).status).to.equal(200);
    for (const [token, username, meaning] of [[t.it, 'it', 'reviewed'], [t.qa2, 'qa2', 'approved']] as const) {
      const signed = await api('post', '/api/v1/signatures', token).send({ recordType: 'package', recordId: String(id), version: 1, meaning, reason: `package ${meaning}`, username, password: TEST_PASSWORD });
      expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
    }
    const approved = await api('post', `/api/v1/packages/${id}/approve`, t.qa2).send({ reason: 'released for use' });
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    return { key: approved.body.key as string, approvedAt: approved.body.approvedAt as string };
  };
  const reviewList = async (): Promise<PeriodicReviewList> => {
    const listed = await api('get', '/api/v1/reviews/periodic', await wb.login('auditor'));
    expect(listed.status, JSON.stringify(listed.body)).to.equal(200);
    return listed.body as PeriodicReviewList;
  };
  const reasonsOf = (list: PeriodicReviewList) => Object.fromEntries(list.interfaces.map((i) => [i.key, i.reasons.map((r) => r.kind)]));

  before(async () => {
    // The clock moves years ahead: passwords must not age out on the way (their ageing is tested elsewhere).
    wb = await createTestWorkbench(dialect, { env: { GXPW_PASSWORD_MAX_AGE_DAYS: '0' } });
    const ctx = systemContext('test');
    await salesOrderInterfaces(wb, ['IF-PR-001', 'IF-PR-002', 'IF-PR-003', 'IF-PR-004', 'IF-PR-006', 'IF-PR-007'], { test: 'http://127.0.0.1:9/wms' });
    const base = await wb.services.interfaces.view('IF-PR-001');
    await wb.services.interfaces.create(ctx, { key: 'IF-PR-005', name: 'Draft interface', sourceSystem: base.sourceSystem!, targetSystem: base.targetSystem!, layer: 'integration-platform', pattern: 'rest-api', direction: 'unidirectional', messageTypes: ['SalesOrder'], dataDomains: ['orders'], platforms: [], gxpRelevant: true, intendedUse: 'Not yet in use', owner: 'ERP team' });
    await wb.services.interfaces.update(ctx, 'IF-PR-006', { gxpRelevant: false }, 'carries no GxP data');
    const { qa } = await tokens();
    assessedAt = {};
    for (const key of ['IF-PR-001', 'IF-PR-002', 'IF-PR-007']) assessedAt[key] = await assess(qa, key, MEDIUM);
    assessedAt['IF-PR-003'] = await assess(qa, 'IF-PR-003', LOW);
    ({ approvedAt } = await approvePackage(['IF-PR-001', 'IF-PR-002']));
    await approvePackage(['IF-PR-003']);
    await wb.services.interfaces.setStatus(ctx, 'IF-PR-007', 'retired', 'replaced by IF-PR-001');
  });
  after(async () => {
    await wb?.close();
  });

  it('lists at once only the GxP interface in use that no approved package covers', async () => {
    const list = await reviewList();
    expect(Date.parse(list.asOf)).to.be.closeTo(wb.clock.now().getTime(), 60_000);
    expect(list.interfaces).to.deep.equal([
      { key: 'IF-PR-004', name: 'Sales orders', riskLevel: null, reasons: [{ kind: 'never_validated', since: null, dueSince: null, message: 'In GxP use, but no approved validation package covers it.' }] },
    ]);
    expect(list.changes).to.deep.equal([]);
  });

  it('lists overdue assessment reviews and validations older than the level allows once the clock passes them', async () => {
    wb.clock.advance(25 * 31 * DAY);
    const t = await tokens();
    // Re-assessed now: IF-PR-001's review is current again, but its validation still dates from its package.
    await assess(t.qa, 'IF-PR-001', MEDIUM);
    const list = await reviewList();
    expect(reasonsOf(list)).to.deep.equal({
      'IF-PR-001': ['validation_outdated'],
      'IF-PR-002': ['assessment_review_due', 'validation_outdated'],
      'IF-PR-004': ['never_validated'],
    });
    const second = list.interfaces.find((i) => i.key === 'IF-PR-002')!;
    expect(second.riskLevel).to.equal('medium');
    const reviewDue = (await wb.services.interfaces.get('IF-PR-002')).reviewDue!;
    expect(reviewDue).to.equal(addMonths(assessedAt['IF-PR-002']!, 24));
    expect(second.reasons[0]).to.deep.equal({
      kind: 'assessment_review_due',
      since: assessedAt['IF-PR-002'],
      dueSince: reviewDue,
      message: `The risk assessment of ${assessedAt['IF-PR-002']!.slice(0, 10)} was due for review on ${reviewDue.slice(0, 10)}.`,
    });
    const due = addMonths(approvedAt, 24);
    expect(second.reasons[1]).to.deep.equal({
      kind: 'validation_outdated',
      since: approvedAt,
      dueSince: due,
      message: `Last validated by VP-0001 v1, approved ${approvedAt.slice(0, 10)}; risk level medium asks for re-validation every 24 months (due ${due.slice(0, 10)}).`,
    });
    // IF-PR-003 (low: every 36 months) is not due yet; the draft, the non-GxP and the retired interface never are.
  });

  it('counts the newest approved package: a new validation clears the outdated one', async () => {
    const renewed = await approvePackage(['IF-PR-002']);
    const list = await reviewList();
    expect(reasonsOf(list)).to.deep.equal({ 'IF-PR-001': ['validation_outdated'], 'IF-PR-002': ['assessment_review_due'], 'IF-PR-004': ['never_validated'] });
    expect(Date.parse(renewed.approvedAt)).to.be.closeTo(wb.clock.now().getTime(), 60_000);
  });

  it('lists open changes past their planned date, most overdue first, and not those due today or later', async () => {
    const dayOf = (offsetDays: number) => new Date(wb.clock.now().getTime() + offsetDays * DAY).toISOString().slice(0, 10);
    const fake: OpenChangeSource = {
      listOpen: async () => [
        { id: 1, key: 'CHG-0001', title: 'MuleSoft Runtime 4.9.1 release', state: 'assessed', plannedDate: dayOf(-1) },
        { id: 2, key: 'CHG-0002', title: 'TraceLink 2027.02 release', state: 'logged', plannedDate: dayOf(0) },
        { id: 3, key: 'CHG-0003', title: 'Kafka 3.9 upgrade', state: 'tested', plannedDate: dayOf(-30) },
        { id: 4, key: 'CHG-0004', title: 'S/4HANA FPS03', state: 'logged', plannedDate: dayOf(14) },
        { id: 5, key: 'CHG-0005', title: 'Closed after all', state: 'closed', plannedDate: dayOf(-90) },
      ],
    };
    wb.services.periodicReview.useOpenChanges(fake);
    try {
      const list = await reviewList();
      expect(list.changes).to.deep.equal([
        { id: 3, key: 'CHG-0003', title: 'Kafka 3.9 upgrade', state: 'tested', plannedDate: dayOf(-30), daysOverdue: 30 },
        { id: 1, key: 'CHG-0001', title: 'MuleSoft Runtime 4.9.1 release', state: 'assessed', plannedDate: dayOf(-1), daysOverdue: 1 },
      ]);
    } finally {
      wb.services.periodicReview.useOpenChanges({ listOpen: async () => [] });
    }
  });

  it('is read by every role and changes nothing', async () => {
    const before = (await wb.services.audit.list({}, { limit: 1, order: 'desc' })).events[0]!.seq;
    for (const username of ['admin', 'it', 'qa', 'auditor']) {
      expect((await api('get', '/api/v1/reviews/periodic', await wb.login(username))).status).to.equal(200);
    }
    expect((await request(wb.app).get('/api/v1/reviews/periodic')).status).to.equal(401);
    const logins = await wb.services.audit.list({}, { limit: 1000, order: 'asc', cursor: before });
    expect(logins.events.map((e) => e.action)).to.deep.equal(['auth.login', 'auth.login', 'auth.login', 'auth.login']);
  });
});
