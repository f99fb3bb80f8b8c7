// Tampering with the audit trail must be detected and located (Part 11 §11.10(a): detect invalid
// or altered records). Each case plays an attacker with direct database access: the append-only
// triggers are dropped first, then rows are changed with raw SQL. Both the API
// (GET /api/v1/audit/verify) and the `gxpw verify --json` CLI must then report ok:false and name
// the first bad sequence number, and the CLI must exit non-zero.
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { AUDIT_EVENT_COLUMNS, chainHashOf, checkpointPayload, contentOfRow, GENESIS_CHAIN_HASH, leafHashOf, MerkleFrontier, type AuditEventRow } from '../../src/audit/audit-hashing.js';
import { StartupError } from '../../src/platform/errors.js';
import { Keyring } from '../../src/platform/keyring.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

/** The compiled CLI of the same build as this test file (dist/ or any other outDir). */
const MAIN_JS = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Trail length and checkpoint interval of every case: signed checkpoints at 10 and 20. */
const TRAIL_LENGTH = 25;
const CHECKPOINT_EVERY = 10;

/** Every column a tampering case may rewrite: all but the sequence number. */
const EVENT_COLUMNS = AUDIT_EVENT_COLUMNS.filter((column) => column !== 'seq');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  // Only the workbench's settings: nothing from the outer environment may point elsewhere.
  const outer = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GXPW_') && name !== 'DATABASE_URL' && name !== 'EVIDENCE_DIR'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { env: { ...outer, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describeEachDatabase('audit trail: tamper detection', (dialect) => {
  let wb: TestWorkbench;
  let auditorToken: string;

  // A fresh trail for every case: one auditor account (not the demo accounts, whose grants and
  // approvals write dozens of events), its sign-in, then test events up to TRAIL_LENGTH, with
  // signed checkpoints at 10 and 20. The auditor signs in before any tampering, since a sign-in
  // appends an event itself.
  beforeEach(async () => {
    wb = await createTestWorkbench(dialect, { seedUsers: false, env: { GXPW_AUDIT_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY) } });
    wb.tamperedWith();
    await wb.services.users.create(systemContext('test'), { username: 'auditor', fullName: 'Aurelia Auditor', role: 'auditor', password: TEST_PASSWORD, mustChangePassword: false });
    auditorToken = await wb.login('auditor');
    for (let seq = (await wb.services.audit.lastSeq()) + 1; seq <= TRAIL_LENGTH; seq += 1) {
      const updated = seq % 2 === 1;
      await wb.services.database.write((tx) =>
        wb.services.audit.record(tx, systemContext('test'), {
          action: updated ? 'widget.updated' : 'widget.created',
          entityType: 'widget',
          entityId: `w-${seq}`,
          change: updated ? 'update' : 'create',
          before: updated ? { colour: 'blue', size: seq } : null,
          after: { colour: 'red', size: seq },
          reason: updated ? `repainted under work order ${seq}` : null,
        }),
      );
    }
    expect(await wb.services.audit.lastSeq()).to.equal(TRAIL_LENGTH);
    expect((await wb.services.checkpoints.list()).map((c) => c.treeSize)).to.deep.equal([10, 20]);
  });
  afterEach(async () => wb?.close());

  const sql = (text: string, replacements: Record<string, unknown> = {}) => wb.services.database.sequelize.query(text, { replacements });

  /** What an attacker with database access does first. */
  async function dropAppendOnlyTriggers(): Promise<void> {
    for (const table of ['audit_events', 'audit_checkpoints']) {
      if (dialect === 'sqlite') {
        await sql(`DROP TRIGGER ${table}_refuse_update`);
        await sql(`DROP TRIGGER ${table}_refuse_delete`);
      } else {
        await sql(`DROP TRIGGER ${table}_refuse_update ON ${table}`);
        await sql(`DROP TRIGGER ${table}_refuse_delete ON ${table}`);
        await sql(`DROP TRIGGER ${table}_refuse_truncate ON ${table}`);
      }
    }
  }

  async function rows(): Promise<AuditEventRow[]> {
    return wb.services.database.sequelize.query<AuditEventRow>('SELECT * FROM audit_events ORDER BY seq ASC', { type: QueryTypes.SELECT });
  }

  async function writeRow(seq: number, row: Partial<AuditEventRow>): Promise<void> {
    const columns = EVENT_COLUMNS.filter((column) => column in row);
    await sql(`UPDATE audit_events SET ${columns.map((column) => `${column} = :${column}`).join(', ')} WHERE seq = :seq`, { ...row, seq });
  }

  /** Rewrites one event and recomputes its leaf hash and every following chain hash, as a careful attacker would. */
  async function rewriteWithRecomputedHashes(seq: number, change: Partial<AuditEventRow>): Promise<void> {
    const stored = await rows();
    let previous = seq === 1 ? GENESIS_CHAIN_HASH : stored[seq - 2]!.chain_hash;
    for (const row of stored.slice(seq - 1)) {
      const content = Number(row.seq) === seq ? { ...row, ...change } : row;
      const leaf = leafHashOf(contentOfRow(content));
      const chain = chainHashOf(previous, leaf);
      await writeRow(Number(row.seq), { ...(Number(row.seq) === seq ? change : {}), leaf_hash: leaf, chain_hash: chain });
      previous = chain;
    }
  }

  /** The API and the CLI both report the trail as not intact and name `firstBadSeq`. */
  async function expectDetectedAt(firstBadSeq: number): Promise<void> {
    const response = await request(wb.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${auditorToken}`).expect(200);
    expect(response.body, `API: ${JSON.stringify(response.body.problems)}`).to.include({ ok: false, firstBadSeq });
    expect(response.body.problem).to.be.a('string').and.not.equal('');
    expect(response.body.problems[0]).to.include({ seq: firstBadSeq });

    const cli = await runCli(['verify', '--json'], wb.env);
    expect(cli.code, `gxpw verify exit code (stderr: ${cli.stderr})`).to.equal(1);
    const report = JSON.parse(cli.stdout).auditTrail;
    expect(report, `CLI: ${JSON.stringify(report.problems)}`).to.include({ ok: false, firstBadSeq });
  }

  it('reports an untouched trail as intact: the API answers ok:true and gxpw verify exits 0', async () => {
    const response = await request(wb.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${auditorToken}`).expect(200);
    expect(response.body).to.include({ ok: true, firstBadSeq: null, eventsChecked: TRAIL_LENGTH, checkpointsChecked: 2 });
    expect(response.body.problems).to.deep.equal([]);

    const cli = await runCli(['verify', '--json'], wb.env);
    expect(cli.code, cli.stderr).to.equal(0);
    expect(JSON.parse(cli.stdout).auditTrail).to.include({ ok: true, firstBadSeq: null, eventsChecked: TRAIL_LENGTH, lastSeq: TRAIL_LENGTH });
  });

  it('names the event whose value was updated (the reason of event 7)', async () => {
    await dropAppendOnlyTriggers();
    await writeRow(7, { reason: 'nothing to see here' });
    await expectDetectedAt(7);

    const text = await runCli(['verify'], wb.env);
    expect(text.code).to.equal(1);
    expect(text.stdout).to.match(/First bad sequence number: 7\b/);
  });

  it('names the event whose before value was changed without touching its hashes, also after the checkpoint that covers it', async () => {
    await dropAppendOnlyTriggers();
    await writeRow(13, { before_value: JSON.stringify({ size: 13, colour: 'green' }) });
    await expectDetectedAt(13);
  });

  it('names a deleted event in the middle of the trail', async () => {
    await dropAppendOnlyTriggers();
    await sql('DELETE FROM audit_events WHERE seq = 14');
    await expectDetectedAt(14);
  });

  it('names the first of several deleted events, also when the last event of a checkpoint is among them', async () => {
    await dropAppendOnlyTriggers();
    await sql('DELETE FROM audit_events WHERE seq BETWEEN 19 AND 21');
    await expectDetectedAt(19);
  });

  it('names the event whose value and leaf hash were both replaced', async () => {
    await dropAppendOnlyTriggers();
    const [row] = (await rows()).filter((r) => Number(r.seq) === 12);
    const forged = { ...row!, reason: 'forged reason' };
    await writeRow(12, { reason: forged.reason, leaf_hash: leafHashOf(contentOfRow(forged)) });
    await expectDetectedAt(12);
  });

  it('names the lower sequence number when the contents of two events are swapped (reordered) and their numbers kept', async () => {
    await dropAppendOnlyTriggers();
    const stored = await rows();
    const [sixteen, seventeen] = [stored[15]!, stored[16]!];
    const contentOf = (row: AuditEventRow) => Object.fromEntries(EVENT_COLUMNS.map((column) => [column, row[column]])) as Partial<AuditEventRow>;
    await writeRow(16, contentOf(seventeen));
    await writeRow(17, contentOf(sixteen));
    await expectDetectedAt(16);
  });

  it('names the first missing event when the tail was truncated after a checkpoint covered it', async () => {
    await dropAppendOnlyTriggers();
    await sql('DELETE FROM audit_events WHERE seq >= 18');
    await expectDetectedAt(18);
  });

  it('keeps the newest checkpoint outside the database too (the witness), and reports it when intact', async () => {
    const witness = JSON.parse(fs.readFileSync(path.join(wb.config.dataDir, 'audit-witness.json'), 'utf8'));
    const [, newest] = await wb.services.checkpoints.list();
    expect(witness).to.deep.equal({ treeSize: 20, rootHash: newest!.rootHash, chainHash: newest!.chainHash, createdAt: newest!.createdAt, keyId: newest!.keyId, signature: newest!.signature });
    const response = await request(wb.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${auditorToken}`).expect(200);
    expect(response.body).to.include({ ok: true, witnessTreeSize: 20 });
  });

  it('names the first missing event when the tail was truncated and the checkpoints covering it deleted too (the witness outside the database still covers it)', async () => {
    await dropAppendOnlyTriggers();
    await sql('DELETE FROM audit_events WHERE seq >= 18');
    await sql('DELETE FROM audit_checkpoints WHERE tree_size >= 18');
    await expectDetectedAt(18);
  });

  it('detects history rewritten with every hash recomputed once all checkpoints in the database were deleted', async () => {
    await dropAppendOnlyTriggers();
    await sql('DELETE FROM audit_checkpoints');
    await rewriteWithRecomputedHashes(3, { actor_name: 'Somebody Else' });
    await expectDetectedAt(1);
  });

  it('reports a checkpoint witness that cannot be read instead of trusting the trail without it', async () => {
    fs.writeFileSync(path.join(wb.config.dataDir, 'audit-witness.json'), '{"treeSize": "twenty"}');
    await expectDetectedAt(1);
  });

  it('names the first event after the last valid checkpoint when the root of a signed checkpoint was altered', async () => {
    await dropAppendOnlyTriggers();
    const forgedRoot = createHash('sha256').update('a root the server never signed').digest('hex');
    await sql('UPDATE audit_checkpoints SET root_hash = :forgedRoot WHERE tree_size = 20', { forgedRoot });
    await expectDetectedAt(11);
  });

  it('names the first event after the last valid checkpoint when the signature of a checkpoint was altered', async () => {
    await dropAppendOnlyTriggers();
    const [{ signature }] = await wb.services.database.sequelize.query<{ signature: string }>('SELECT signature FROM audit_checkpoints WHERE tree_size = 20', { type: QueryTypes.SELECT });
    const bytes = Buffer.from(signature, 'base64');
    bytes[10] ^= 0x01;
    await sql('UPDATE audit_checkpoints SET signature = :signature WHERE tree_size = 20', { signature: bytes.toString('base64') });
    await expectDetectedAt(11);
  });

  for (const claimedKey of ['the server', 'its own'] as const) {
    it(`names the first event a checkpoint signed with another Ed25519 key (claiming ${claimedKey} key id) vouches for beyond the last valid checkpoint`, async () => {
      // The attacker rewrites event 23 with every hash recomputed and signs a checkpoint over the
      // result with a key of their own. Inserting needs no dropped trigger; rewriting does.
      await dropAppendOnlyTriggers();
      await rewriteWithRecomputedHashes(23, { reason: 'approved by the attacker' });
      const stored = await rows();
      const frontier = MerkleFrontier.empty();
      for (const row of stored) frontier.push(row.leaf_hash);
      const attacker = generateKeyPairSync('ed25519');
      const keyId = claimedKey === 'the server' ? wb.services.keyring.activeKeyId : 'attacker0000key0';
      const unsigned = { treeSize: TRAIL_LENGTH, rootHash: frontier.root(), chainHash: stored[stored.length - 1]!.chain_hash, createdAt: new Date().toISOString(), keyId };
      const signature = sign(null, Buffer.from(checkpointPayload(unsigned)), attacker.privateKey).toString('base64');
      await sql(
        'INSERT INTO audit_checkpoints (tree_size, root_hash, chain_hash, created_at, key_id, signature, frontier) VALUES (:treeSize, :rootHash, :chainHash, :createdAt, :keyId, :signature, :frontier)',
        { ...unsigned, signature, frontier: JSON.stringify(frontier.toJSON()) },
      );
      await expectDetectedAt(21);
    });
  }

  it('detects an event rewritten with its leaf and every following chain hash recomputed through the signed checkpoint, naming the first event after the previous good checkpoint', async () => {
    await dropAppendOnlyTriggers();
    await rewriteWithRecomputedHashes(15, { reason: 'a different reason', after_value: JSON.stringify({ colour: 'black', size: 15 }) });

    // Every local check passes: only the signature over the Merkle root can tell.
    let previous = GENESIS_CHAIN_HASH;
    for (const row of await rows()) {
      expect(row.leaf_hash, `leaf of ${row.seq}`).to.equal(leafHashOf(contentOfRow(row)));
      expect(row.chain_hash, `chain of ${row.seq}`).to.equal(chainHashOf(previous, row.leaf_hash));
      previous = row.chain_hash;
    }
    const stored = await rows();
    expect(stored[14]!.reason).to.equal('a different reason');

    await expectDetectedAt(11);
    const response = await request(wb.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${auditorToken}`).expect(200);
    expect(response.body.problems[0].checkpointId, 'the failing check is a signed checkpoint').to.be.a('number');
  });
});

describe('audit trail: signing keys on disk', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-keys-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keeps the private key with mode 0600 and refuses to start when it is readable by others (mode 0644)', async () => {
    const keysDir = path.join(dataDir, 'keys');
    const keyring = Keyring.open(keysDir);
    const keyFile = path.join(keysDir, `ed25519-${keyring.activeKeyId}.key.pem`);
    expect(fs.statSync(keyFile).mode & 0o777).to.equal(0o600);
    expect(() => Keyring.open(keysDir), 'a 0600 key opens').to.not.throw();

    fs.chmodSync(keyFile, 0o644);
    expect(() => Keyring.open(keysDir))
      .to.throw(StartupError)
      .with.property('message')
      .that.includes(keyFile)
      .and.matches(/readable by others/);

    const cli = await runCli(['verify', '--json'], { GXPW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', GXPW_DEMO: 'off' });
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.match(/cannot start/).and.include(keyFile);
  });
});
