// Risk assessments: QA scores an interface with a shipped model; history is kept, the newest
// supersedes, the interface takes its level and review date; assessments are signed records.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createServices } from '../../src/services.js';
import { systemContext } from '../../src/platform/request-context.js';
import { gxpwAsync } from '../cli/cli-helpers.js';
import { lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

const HIGH_CSA = { modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } };
const MEDIUM_GAMP = { modelId: 'gamp5', answers: { severity: 'medium', probability: 'medium', detectability: 'medium' } };

describeEachDatabase('risk assessments', (dialect) => {
  let wb: TestWorkbench;
  let qa: string;
  let it_: string;
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-models-'));
  const assess = (key: string, body: object, token = qa) => request(wb.app).post(`/api/v1/interfaces/${key}/risk-assessments`).set('Authorization', `Bearer ${token}`).send(body);
  const history = (key: string) => request(wb.app).get(`/api/v1/interfaces/${key}/risk-assessments`).set('Authorization', `Bearer ${it_}`);
  const count = async () => Number((await wb.services.database.sequelize.query('SELECT COUNT(*) AS n FROM risk_assessments', { plain: true }))!.n);

  before(async () => {
    for (const file of ['fda-csa.json', 'gamp5.json']) fs.copyFileSync(path.join(loadConfig({}).riskModelsDir, file), path.join(modelsDir, file));
    wb = await createTestWorkbench(dialect, { env: { GXPW_RISK_MODELS_DIR: modelsDir } });
    const ctx = systemContext('test');
    await wb.services.systems.create(ctx, ERP);
    await wb.services.systems.create(ctx, WMS);
    for (const key of ['IF-RISK-001', 'IF-RISK-002', 'IF-RISK-003']) await wb.services.interfaces.create(ctx, anInterface(key));
    qa = await wb.login('qa');
    it_ = await wb.login('it');
  });
  after(async () => wb?.close());

  it('scores an interface, audited, and gives the interface its level and next review date', async () => {
    const response = await assess('IF-RISK-001', { ...HIGH_CSA, notes: 'serialization data for DSCSA' });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    expect(response.body).to.deep.include({ interface: 'IF-RISK-001', level: 'high', scope: null, current: true, modelChangedSince: false, supersedes: null });
    expect(response.body.model).to.include({ id: 'fda-csa', version: '1.0.0' });
    expect(response.body.model.digest).to.equal(wb.services.riskModels.get('fda-csa').digest);
    expect(response.body.assurance.testDepth).to.equal('full');
    expect(response.body.rationale.join(' ')).to.match(/processRisk = high/);
    expect(response.body.assessedBy.name).to.equal('Quinn Quality');
    const assessedAt = new Date(response.body.assessedAt);
    expect(response.body.reviewDue).to.equal(new Date(Date.UTC(assessedAt.getUTCFullYear() + 1, assessedAt.getUTCMonth(), assessedAt.getUTCDate(), assessedAt.getUTCHours(), assessedAt.getUTCMinutes(), assessedAt.getUTCSeconds(), assessedAt.getUTCMilliseconds())).toISOString());

    const iface = (await request(wb.app).get('/api/v1/interfaces/IF-RISK-001').set('Authorization', `Bearer ${it_}`)).body;
    expect(iface).to.include({ riskLevel: 'high', currentAssessmentId: response.body.id, reviewDue: response.body.reviewDue });
    const event = await lastAuditEvent(wb.services, 'risk_assessment.created');
    expect(event?.entity).to.deep.equal({ type: 'risk-assessment', id: String(response.body.id) });
    expect(event?.after).to.deep.include({ interface: 'IF-RISK-001', level: 'high', answers: HIGH_CSA.answers });
    expect(event?.actor.name).to.equal('Quinn Quality');
  });

  it('keeps history: a new assessment supersedes the old one, which stays readable', async () => {
    const [first] = (await history('IF-RISK-001')).body.riskAssessments;
    const second = await assess('IF-RISK-001', MEDIUM_GAMP);
    expect(second.status).to.equal(201);
    expect(second.body).to.include({ supersedes: first.id, level: 'medium' });
    const listed = (await history('IF-RISK-001')).body.riskAssessments;
    expect(listed.map((a: { id: number; current: boolean; supersededBy: number | null }) => [a.id, a.current, a.supersededBy])).to.deep.equal([
      [second.body.id, true, null],
      [first.id, false, second.body.id],
    ]);
    expect(listed[0].computed).to.deep.equal({ riskClass: '2', priority: 'medium' });
    expect((await request(wb.app).get('/api/v1/interfaces/IF-RISK-001').set('Authorization', `Bearer ${it_}`)).body.riskLevel).to.equal('medium');
  });

  it('assesses one of its message types on its own without touching the interface-level assessment', async () => {
    const scoped = await assess('IF-RISK-001', { ...HIGH_CSA, scope: 'SalesOrder' });
    expect(scoped.status).to.equal(201);
    expect(scoped.body).to.include({ scope: 'SalesOrder', supersedes: null });
    const unknown = await assess('IF-RISK-001', { ...HIGH_CSA, scope: 'NoSuchMessage' });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.code).to.equal('unknown_scope');
    expect((await request(wb.app).get('/api/v1/interfaces/IF-RISK-001').set('Authorization', `Bearer ${it_}`)).body.riskLevel).to.equal('medium');
  });

  it('chains assessments made at the same moment: each supersedes the one before, one stays current', async () => {
    const made = await Promise.all(Array.from({ length: 5 }, () => assess('IF-RISK-003', MEDIUM_GAMP)));
    expect(made.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201]);
    const listed = (await history('IF-RISK-003')).body.riskAssessments as Array<{ id: number; supersedes: number | null; current: boolean }>;
    expect(listed.filter((a) => a.current)).to.have.length(1);
    expect(listed.filter((a) => a.supersedes === null)).to.have.length(1);
    expect(new Set(listed.map((a) => a.supersedes)).size, 'no assessment superseded twice').to.equal(listed.length);
  });

  it('refuses an answer outside the options, an unknown model, an unknown interface and a non-QA assessor, storing nothing', async () => {
    const before = await count();
    const bad = await assess('IF-RISK-002', { modelId: 'gamp5', answers: { ...MEDIUM_GAMP.answers, severity: 'extreme' } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('invalid_risk_answers');
    expect(bad.body.error.details[0]).to.include({ field: 'body.answers.severity', rule: 'enum' });
    const unknownModel = await assess('IF-RISK-002', { modelId: 'iso-14971', answers: {} });
    expect(unknownModel.status).to.equal(404);
    expect(unknownModel.body.error.code).to.equal('risk_model_not_found');
    expect((await assess('IF-NOPE-1', HIGH_CSA)).status).to.equal(404);
    expect((await assess('IF-RISK-002', HIGH_CSA, it_)).status).to.equal(403);
    expect(await count()).to.equal(before);
  });

  it('previews a score without storing it', async () => {
    const before = await count();
    const preview = await request(wb.app).post('/api/v1/risk-models/gamp5/evaluate').set('Authorization', `Bearer ${it_}`).send({ answers: { severity: 'high', probability: 'high', detectability: 'low' } });
    expect(preview.body).to.deep.include({ level: 'high', computed: { riskClass: '1', priority: 'high' } });
    expect(await count()).to.equal(before);
  });

  it('is a signed record: authored by its assessor only, and a high level needs reviewed by it and approved by another QA', async () => {
    const assessment = (await assess('IF-RISK-002', HIGH_CSA)).body;
    const sign = (token: string, meaning: string, username: string) =>
      request(wb.app).post('/api/v1/signatures').set('Authorization', `Bearer ${token}`).send({ recordType: 'risk-assessment', recordId: String(assessment.id), version: 1, meaning, reason: `${meaning}: assessment checked`, username, password: TEST_PASSWORD });
    const requirements = async () => (await request(wb.app).get('/api/v1/signatures/requirements').query({ recordType: 'risk-assessment', recordId: assessment.id, version: 1 }).set('Authorization', `Bearer ${it_}`)).body;

    expect((await requirements()).requirements.map((r: { meaning: string; roles: string[] }) => `${r.meaning}:${r.roles.join('|')}`)).to.deep.equal(['authored:qa', 'reviewed:it', 'approved:qa']);
    // qa2: the second QA person the test workbench seeds (an approved signer, like qa).
    const qa2 = await wb.login('qa2');
    expect((await sign(qa2, 'authored', 'qa2')).body.error.code).to.equal('not_author');
    expect((await sign(qa, 'approved', 'qa')).body.error.code, 'the assessor cannot approve').to.equal('separation_of_duties');
    expect((await sign(qa, 'authored', 'qa')).status).to.equal(201);
    expect((await sign(it_, 'reviewed', 'it')).status).to.equal(201);
    expect((await requirements()).complete).to.equal(false);
    expect((await sign(qa2, 'approved', 'qa2')).status).to.equal(201);
    expect((await requirements()).complete).to.equal(true);
  });

  it('has gxpw verify exit 1 and name the signatures of an assessment changed after signing', async () => {
    const [signed] = (await wb.services.signatures.list('risk-assessment', String((await history('IF-RISK-002')).body.riskAssessments[0].id))).filter((s) => s.meaning === 'authored');
    expect((await gxpwAsync(['verify', '--json'], wb.env)).status, 'intact before tampering').to.equal(0);
    const { sequelize } = wb.services.database;
    wb.tamperedWith();
    await sequelize.query(dialect === 'sqlite' ? 'DROP TRIGGER risk_assessments_refuse_update' : 'DROP TRIGGER risk_assessments_refuse_update ON risk_assessments');
    await sequelize.query(`UPDATE risk_assessments SET answers = '{"intendedUse":"non-gxp","processRisk":"not-high","dataIntegrityImpact":"no-gxp-records"}' WHERE id = ${signed!.recordId}`);

    const verified = await request(wb.app).get(`/api/v1/signatures/${signed!.id}/verify`).set('Authorization', `Bearer ${it_}`);
    expect(verified.body).to.deep.include({ valid: false, problem: 'invalid — record changed after signing' });
    const cli = await gxpwAsync(['verify'], wb.env);
    expect(cli.status, cli.stderr).to.equal(1);
    expect(cli.stdout).to.match(/SIGNATURES NOT VALID: 3 of \d+/);
    expect(cli.stdout).to.include(`signature ${signed!.id} (risk-assessment ${signed!.recordId} v1, authored): invalid — record changed after signing`);
  });

  it('shows an assessment made under an older model version as "model changed since"', async () => {
    const file = path.join(modelsDir, 'gamp5.json');
    const model = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...model, version: '1.1.0', description: `${model.description} Revised.` }));
    const services = await createServices(wb.config);
    try {
      const app = createApp(services);
      const listed = (await request(app).get('/api/v1/interfaces/IF-RISK-001/risk-assessments').set('Authorization', `Bearer ${it_}`)).body.riskAssessments;
      const gamp = listed.find((a: { model: { id: string } }) => a.model.id === 'gamp5');
      expect(gamp).to.include({ modelChangedSince: true, modelStatus: 'model changed since (now 1.1.0)' });
      expect(listed.find((a: { model: { id: string } }) => a.model.id === 'fda-csa')).to.include({ modelChangedSince: false, modelStatus: 'current model' });
    } finally {
      await services.close();
    }
  });
});

describeEachDatabase('registry views', (dialect) => {
  let wb: TestWorkbench;
  let token: string;
  const views = async () => (await request(wb.app).get('/api/v1/registry/views').set('Authorization', `Bearer ${token}`)).body;

  before(async () => {
    // Password aging off: the test moves the clock by a year.
    wb = await createTestWorkbench(dialect, { env: { GXPW_PASSWORD_MAX_AGE_DAYS: '0' } });
    const ctx = systemContext('test');
    await wb.services.systems.create(ctx, ERP);
    await wb.services.systems.create(ctx, WMS);
    await wb.services.interfaces.create(ctx, anInterface('IF-V-001', { layer: 'event-streaming' }));
    await wb.services.interfaces.create(ctx, anInterface('IF-V-002'));
    await wb.services.interfaces.create(ctx, anInterface('IF-V-003'));
    await wb.services.contracts.register(ctx, 'IF-V-002', { format: 'json-schema', document: { type: 'object' } });
    token = await wb.login('auditor');
  });
  after(async () => wb?.close());

  it('shows the portfolio by layer × risk level and what lacks a contract or an assessment', async () => {
    const qaCtx = { ...systemContext('test'), actor: { userId: null, username: 'qa', name: 'Quinn Quality', role: 'qa' } };
    await wb.services.assessments.assess(qaCtx, 'IF-V-001', HIGH_CSA);
    await wb.services.assessments.assess(qaCtx, 'IF-V-002', MEDIUM_GAMP);
    const body = await views();
    expect(body.total).to.equal(3);
    expect(body.portfolio).to.deep.equal({ 'event-streaming': { high: 1 }, 'integration-platform': { medium: 1, unassessed: 1 } });
    expect(body.withoutContract).to.deep.equal(['IF-V-001', 'IF-V-003']);
    expect(body.withoutAssessment).to.deep.equal(['IF-V-003']);
    expect(body.reviewOverdue).to.deep.equal([]);
  });

  it('lists an interface as overdue once its review date has passed, and leaves retired ones out', async () => {
    wb.clock.advance(13 * 31 * 24 * 3600_000);
    token = await wb.login('auditor');
    const body = await views();
    expect(body.reviewOverdue.map((r: { key: string }) => r.key)).to.deep.equal(['IF-V-001']);
    await wb.services.interfaces.setStatus(systemContext('test'), 'IF-V-003', 'retired', 'never built');
    expect((await views()).withoutAssessment).to.deep.equal([]);
  });
});
