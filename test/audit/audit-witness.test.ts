// The checkpoint witness outside the database (Part 11 §11.10(a)): kept twice — GXPW_DATA_DIR and
// EVIDENCE_DIR, two volumes in most deployments — and compared. A copy missing, stale or different
// is a finding, and so is no witness at all where a checkpoint must have been signed.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { seedDemoWorkspace } from '../../src/demo/demo-workspace.js';
import { EvidenceStore } from '../../src/evidence/evidence-store.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase, type TestDialect } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

interface Problem {
  seq: number;
  problem: string;
}

async function recordEvents(wb: TestWorkbench, upTo: number): Promise<void> {
  for (let seq = (await wb.services.audit.lastSeq()) + 1; seq <= upTo; seq += 1) {
    await wb.services.database.write((tx) =>
      wb.services.audit.record(tx, systemContext('test'), { action: 'widget.created', entityType: 'widget', entityId: `w-${seq}`, change: 'create', before: null, after: { size: seq } }),
    );
  }
}

async function verify(wb: TestWorkbench): Promise<{ ok: boolean; witnessTreeSize: number | null; firstBadSeq: number | null; problems: Problem[] }> {
  const token = await wb.login('auditor');
  return (await request(wb.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${token}`).expect(200)).body;
}

async function deleteCheckpoints(wb: TestWorkbench, dialect: TestDialect): Promise<void> {
  const sql = (text: string) => wb.services.database.sequelize.query(text);
  // What an attacker with database access does first: drop the append-only triggers.
  if (dialect === 'sqlite') {
    await sql('DROP TRIGGER audit_checkpoints_refuse_delete');
  } else {
    await sql('DROP TRIGGER audit_checkpoints_refuse_delete ON audit_checkpoints');
  }
  await sql('DELETE FROM audit_checkpoints');
}

describeEachDatabase('audit trail: the checkpoint witness, kept twice', (dialect) => {
  let wb: TestWorkbench;
  let primary: string;
  let copy: string;

  // Checkpoints at 10 and 20 (every 10 events), 25 events; the login of verify() adds more.
  beforeEach(async () => {
    // Only the auditor who verifies, so the seeded accounts' events do not move the checkpoints.
    wb = await createTestWorkbench(dialect, { seedUsers: false, env: { GXPW_AUDIT_CHECKPOINT_EVERY: '10' } });
    await wb.services.users.create(systemContext('test'), { username: 'auditor', fullName: 'Aurelia Auditor', role: 'auditor', password: TEST_PASSWORD, mustChangePassword: false });
    await recordEvents(wb, 25);
    primary = path.join(wb.config.dataDir, 'audit-witness.json');
    copy = path.join(wb.config.evidenceDir, '.audit-witness.json');
  });
  afterEach(async () => wb?.close());

  const witnessText = () => fs.readFileSync(primary, 'utf8');

  it('keeps the newest checkpoint in GXPW_DATA_DIR and in EVIDENCE_DIR, the same in both, and reports them intact', async () => {
    const [, newest] = await wb.services.checkpoints.list();
    expect(JSON.parse(witnessText())).to.include({ treeSize: 20, rootHash: newest!.rootHash, signature: newest!.signature });
    expect(fs.readFileSync(copy, 'utf8')).to.equal(witnessText());
    expect(await verify(wb)).to.include({ ok: true, witnessTreeSize: 20 });
  });

  it('leaves the copy out of the evidence store: reopening it (the sweep) and re-hashing every file ignore it', async () => {
    EvidenceStore.open(wb.config.evidenceDir, wb.config.evidenceMaxBytes);
    expect(fs.existsSync(copy)).to.equal(true);
    expect((await wb.services.evidence.verifyAll()).ok).to.equal(true);
    expect(await verify(wb)).to.include({ ok: true });
  });

  for (const which of ['GXPW_DATA_DIR', 'EVIDENCE_DIR'] as const) {
    it(`reports the copy in ${which} missing while the other covers the trail`, async () => {
      fs.rmSync(which === 'GXPW_DATA_DIR' ? primary : copy);
      const report = await verify(wb);
      expect(report.ok).to.equal(false);
      expect(report.problems.map((p) => p.problem)).to.satisfy((problems: string[]) => problems.some((p) => p.includes(`in ${which}`) && p.includes('is missing while') && p.includes('covers 20 events')));
    });
  }

  it('reports a stale copy (an older checkpoint than the other), from the first event it no longer vouches for', async () => {
    const [older] = await wb.services.checkpoints.list();
    const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = older!;
    fs.writeFileSync(copy, JSON.stringify({ treeSize, rootHash, chainHash, createdAt, keyId, signature }));
    const report = await verify(wb);
    expect(report).to.include({ ok: false, firstBadSeq: 11 });
    expect(report.problems[0]!.problem).to.match(/copy in EVIDENCE_DIR covers 10 events but the checkpoint witness in GXPW_DATA_DIR covers 20: one copy is stale/);
  });

  it('reports two copies of the same size that name different roots', async () => {
    const forged = { ...JSON.parse(witnessText()), rootHash: 'f'.repeat(64) };
    fs.writeFileSync(copy, JSON.stringify(forged));
    const report = await verify(wb);
    expect(report.ok).to.equal(false);
    expect(report.problems.map((p) => p.problem)).to.satisfy((problems: string[]) => problems.some((p) => p.includes('both cover 20 events but name different roots')));
  });

  it('reports no witness at all while the database holds signed checkpoints', async () => {
    fs.rmSync(primary);
    fs.rmSync(copy);
    const report = await verify(wb);
    expect(report).to.include({ ok: false, firstBadSeq: 1, witnessTreeSize: null });
    expect(report.problems[0]!.problem).to.match(/witness kept outside the database is missing \(every copy\), although the database holds 2 signed checkpoint\(s\)/);
  });

  it('reports no witness at all when the checkpoints were deleted too but the trail is longer than one checkpoint interval', async () => {
    await deleteCheckpoints(wb, dialect);
    fs.rmSync(primary);
    fs.rmSync(copy);
    const report = await verify(wb);
    expect(report).to.include({ ok: false, firstBadSeq: 1 });
    expect(report.problems[0]!.problem).to.match(/is missing \(every copy\), although the trail holds \d+ events, more than one checkpoint interval \(GXPW_AUDIT_CHECKPOINT_EVERY=10\)/);
  });
});

describeEachDatabase('audit trail: no witness yet', (dialect) => {
  let wb: TestWorkbench | null = null;
  afterEach(async () => {
    await wb?.close();
    wb = null;
  });

  it('is no finding on a young, short trail that no checkpoint had to cover yet', async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '300' } });
    await recordEvents(wb, 8);
    expect(await verify(wb)).to.include({ ok: true, witnessTreeSize: null });
  });

  it('is a finding once the first event is older than the checkpoint interval', async () => {
    wb = await createTestWorkbench(dialect, { seedUsers: false, env: { GXPW_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '300' } });
    wb.clock.advance(-10 * 60_000);
    await recordEvents(wb, 3);
    wb.clock.advance(10 * 60_000);
    await seedDemoWorkspace(wb.services, TEST_PASSWORD, { registry: false });
    const report = await verify(wb);
    expect(report).to.include({ ok: false, firstBadSeq: 1 });
    expect(report.problems[0]!.problem).to.match(/is missing \(every copy\), although its first event was recorded .*, longer ago than the checkpoint interval \(GXPW_AUDIT_CHECKPOINT_INTERVAL_SECONDS=300\)/);
  });
});
