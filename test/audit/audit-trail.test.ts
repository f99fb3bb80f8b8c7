// The audit trail as it is written (Part 11 §11.10(e), Annex 11 §9): one event per change in the
// same transaction, reasons for updates and status changes, gapless sequence numbers under
// concurrent writers, complete event content, signed checkpoints, and a database that refuses to
// rewrite history.
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { chainHashOf, checkpointPayload, contentOfRow, GENESIS_CHAIN_HASH, leafHashOf, type AuditEventRow } from '../../src/audit/audit-hashing.js';
import type { AuditEntry } from '../../src/audit/audit-trail.js';
import { verifyAuditTrail } from '../../src/audit/audit-verifier.js';
import { ValidationError } from '../../src/platform/errors.js';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const ISO_UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function recordEvent(wb: TestWorkbench, entry: Partial<AuditEntry> = {}) {
  return wb.services.database.write((tx) =>
    wb.services.audit.record(tx, systemContext('test'), {
      action: 'widget.created',
      entityType: 'widget',
      entityId: randomUUID(),
      change: 'create',
      after: { colour: 'blue' },
      ...entry,
    }),
  );
}

async function rejectionOf(promise: Promise<unknown>, what = 'the promise'): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected ${what} to be refused, but it succeeded`);
}

async function storedRows(wb: TestWorkbench): Promise<AuditEventRow[]> {
  return wb.services.database.sequelize.query<AuditEventRow>('SELECT * FROM audit_events ORDER BY seq ASC', { type: QueryTypes.SELECT });
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** RFC 6962 Merkle tree hash over leaf hashes that are already hashed (0x00 prefix). */
function merkleRootOfLeafHashes(leafHashes: string[]): string {
  const mth = (hashes: Buffer[]): Buffer => {
    if (hashes.length === 0) return sha256();
    if (hashes.length === 1) return hashes[0]!;
    let k = 1;
    while (k * 2 < hashes.length) k *= 2;
    return sha256(Buffer.from([0x01]), mth(hashes.slice(0, k)), mth(hashes.slice(k)));
  };
  return mth(leafHashes.map((hash) => Buffer.from(hash, 'hex'))).toString('hex');
}

describeEachDatabase('audit trail: writing events', (dialect) => {
  let wb: TestWorkbench;
  let adminToken: string;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    adminToken = await wb.login('admin');
  });
  after(async () => wb?.close());

  it('writes the event in the same transaction as the change: when the transaction fails after record(), neither the change nor the event remains', async () => {
    const { models, audit, database } = wb.services;
    const lastSeqBefore = await audit.lastSeq();
    const username = `rollback-${randomUUID().slice(0, 8)}`;
    const failure = new Error('the change fails after its audit event was written');
    let seenInside: number | null = null;

    const error = await rejectionOf(
      database.write(async (tx) => {
        const user = await models.User.create(
          {
            username,
            fullName: 'Rolled Back',
            email: null,
            role: 'it',
            passwordHash: 'never used',
            passwordChangedAt: new Date(),
            lockedAt: null,
            trainingCompletedAt: null,
            qualification: null,
            signaturePolicyAcknowledgedAt: null,
            deactivatedAt: null,
          },
          { transaction: tx },
        );
        const event = await audit.record(tx, systemContext('test'), { action: 'user.created', entityType: 'user', entityId: user.id, change: 'create', after: { username } });
        seenInside = await models.AuditEvent.count({ where: { seq: event.seq }, transaction: tx });
        throw failure;
      }),
    );

    expect(error).to.equal(failure);
    expect(seenInside, 'the event existed inside the transaction').to.equal(1);
    expect(await audit.lastSeq()).to.equal(lastSeqBefore);
    expect(await models.User.findOne({ where: { username } })).to.equal(null);

    // The rolled-back number is not a gap: the next event takes it, and the chain stays valid.
    const next = await recordEvent(wb);
    expect(next.seq).to.equal(lastSeqBefore + 1);
    expect((await verifyAuditTrail(database, wb.services.keyring)).ok).to.equal(true);
  });

  it('appends exactly one event when a change commits (a user created through the API)', async () => {
    const lastSeqBefore = await wb.services.audit.lastSeq();
    const response = await request(wb.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${adminToken}`)
      // An auditor: a role that signs would add its access-grant request and alert (access-grants.test).
      .send({ username: 'new.engineer', fullName: 'Nora Engineer', role: 'auditor', password: 'a-long-initial-password-1' })
      .expect(201);
    const events = (await auditEvents(wb.services)).filter((e) => e.seq > lastSeqBefore);
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({ action: 'user.created', entity: { type: 'user', id: String(response.body.id) } });
    expect(events[0]!.after).to.include({ username: 'new.engineer', fullName: 'Nora Engineer' });
  });

  it('refuses an update or a status change without a reason (400 reason_required) and writes nothing', async () => {
    const { audit, users } = wb.services;
    const target = (await users.findByUsername('it'))!;
    const lastSeqBefore = await audit.lastSeq();

    const update = await request(wb.app)
      .patch(`/api/v1/users/${target.id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ fullName: 'Changed Without Reason', reason: '   ' })
      .expect(400);
    expect(update.body.error.code).to.equal('reason_required');
    expect(update.body.error.details.map((d: { field: string }) => d.field)).to.include('body.reason');

    const missing = await request(wb.app)
      .patch(`/api/v1/users/${target.id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ fullName: 'Changed Without Reason' })
      .expect(400);
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).to.include('body.reason');

    const status = await request(wb.app)
      .post(`/api/v1/users/${target.id}/deactivate`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ reason: ' \t\n ' })
      .expect(400);
    expect(status.body.error.code).to.equal('reason_required');

    const unchanged = await users.get(target.id);
    expect(unchanged.fullName).to.equal(target.fullName);
    expect(unchanged.status).to.equal('active');
    expect(await audit.lastSeq()).to.equal(lastSeqBefore);
  });

  it('refuses record() of an update, status change or deletion without a reason, and accepts creations and events without one', async () => {
    const { audit } = wb.services;
    const lastSeqBefore = await audit.lastSeq();
    for (const change of ['update', 'status', 'delete'] as const) {
      for (const reason of [undefined, null, '', '  ']) {
        const error = await rejectionOf(recordEvent(wb, { action: `widget.${change}`, change, before: { colour: 'blue' }, after: { colour: 'red' }, reason }));
        expect(error, `${change} with reason ${JSON.stringify(reason)}`).to.be.instanceOf(ValidationError);
        expect(error).to.include({ status: 400, code: 'reason_required' });
      }
    }
    expect(await audit.lastSeq()).to.equal(lastSeqBefore);

    await recordEvent(wb, { change: 'create' });
    await recordEvent(wb, { action: 'widget.inspected', change: 'event' });
    const updated = await recordEvent(wb, { action: 'widget.updated', change: 'update', reason: '  paint order 77  ' });
    expect(updated.reason, 'the reason is kept, trimmed').to.equal('paint order 77');
    expect(await audit.lastSeq()).to.equal(lastSeqBefore + 3);
  });

  it('keeps sequence numbers gapless and the chain valid under 40 concurrent writers', async () => {
    const { audit, database, keyring } = wb.services;
    const lastSeqBefore = await audit.lastSeq();
    const writers = Array.from({ length: 40 }, (_, i) =>
      database.write(async (tx) => {
        const created = await audit.record(tx, systemContext(`writer ${i}`), { action: 'widget.created', entityType: 'widget', entityId: `concurrent-${i}`, change: 'create', after: { i } });
        await new Promise((resolve) => setImmediate(resolve)); // let the other writers run meanwhile
        const updated = await audit.record(tx, systemContext(`writer ${i}`), {
          action: 'widget.updated',
          entityType: 'widget',
          entityId: `concurrent-${i}`,
          change: 'update',
          before: { i },
          after: { i, checked: true },
          reason: `writer ${i} checks its widget`,
        });
        return [created.seq, updated.seq] as const;
      }),
    );
    const written = await Promise.all(writers);

    for (const [created, updated] of written) expect(updated, 'the events of one transaction are consecutive').to.equal(created + 1);
    const seqs = written.flat().sort((a, b) => a - b);
    expect(seqs).to.deep.equal(Array.from({ length: 80 }, (_, i) => lastSeqBefore + 1 + i));
    expect(await audit.lastSeq()).to.equal(lastSeqBefore + 80);

    const rows = await storedRows(wb);
    expect(rows.map((row) => Number(row.seq))).to.deep.equal(Array.from({ length: rows.length }, (_, i) => i + 1));
    let previous = GENESIS_CHAIN_HASH;
    for (const row of rows) {
      expect(row.leaf_hash, `leaf hash of ${row.seq}`).to.equal(leafHashOf(contentOfRow(row)));
      expect(row.chain_hash, `chain hash of ${row.seq}`).to.equal(chainHashOf(previous, row.leaf_hash));
      previous = row.chain_hash;
    }
    const report = await verifyAuditTrail(database, keyring);
    expect(report).to.include({ ok: true, eventsChecked: rows.length, lastSeq: rows.length, firstBadSeq: null });
  });

  it('stores on each event the server UTC time, the actor id, printed name and role, action, entity, before/after values, reason and request correlation id', async () => {
    const { users } = wb.services;
    const admin = (await users.findByUsername('admin'))!;
    const target = (await users.findByUsername('it'))!;
    const correlationId = `audit-field-test-${randomUUID().slice(0, 8)}`;
    const reason = 'Printed name corrected to match the HR record';
    // The server clock runs ahead of real time here, so the time stamp provably comes from it.
    wb.clock.advance(5 * 60_000);
    const earliest = wb.clock.now().getTime();

    const response = await request(wb.app)
      .patch(`/api/v1/users/${target.id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .set('X-Request-Id', correlationId)
      .send({ fullName: 'Ingrid Integration-Meyer', reason })
      .expect(200);
    const latest = wb.clock.now().getTime();
    expect(response.headers['x-correlation-id']).to.equal(correlationId);

    const auditorToken = await wb.login('auditor');
    const listed = await request(wb.app)
      .get('/api/v1/audit')
      .query({ entityType: 'user', entityId: String(target.id), action: 'user.updated' })
      .set('Authorization', `Bearer ${auditorToken}`)
      .expect(200);
    const matching = listed.body.events.filter((e: { correlationId: string }) => e.correlationId === correlationId);
    expect(matching, 'exactly one event carries the correlation id').to.have.length(1);
    const event = matching[0];

    expect(event.occurredAt).to.match(ISO_UTC_MILLIS);
    const at = Date.parse(event.occurredAt);
    expect(at).to.be.within(earliest, latest);
    expect(at - Date.now(), 'server clock, not the database or real time').to.be.greaterThan(4 * 60_000);
    expect(event.actor).to.deep.equal({ id: admin.id, name: 'Alex Admin', role: 'admin' });
    expect(event.action).to.equal('user.updated');
    expect(event.entity).to.deep.equal({ type: 'user', id: String(target.id) });
    expect(event.before).to.include({ id: target.id, username: 'it', fullName: 'Ingrid Integration' });
    expect(event.after).to.include({ id: target.id, username: 'it', fullName: 'Ingrid Integration-Meyer' });
    expect(event.reason).to.equal(reason);
    expect(event.correlationId).to.equal(correlationId);

    // What is stored is exactly what was hashed.
    const [row] = await wb.services.database.sequelize.query<AuditEventRow>('SELECT * FROM audit_events WHERE seq = :seq', {
      type: QueryTypes.SELECT,
      replacements: { seq: event.seq },
    });
    expect(row!.occurred_at).to.equal(event.occurredAt);
    expect(Number(row!.actor_id)).to.equal(admin.id);
    expect(row!.correlation_id).to.equal(correlationId);
    expect(row!.leaf_hash).to.equal(leafHashOf(contentOfRow(row!)));
  });
});

describeEachDatabase('audit trail: signed checkpoints', (dialect) => {
  const EVERY = 5;
  let wb: TestWorkbench;
  let qaToken: string;
  let auditorToken: string;
  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_AUDIT_CHECKPOINT_EVERY: String(EVERY) } });
    qaToken = await wb.login('qa');
    auditorToken = await wb.login('auditor');
  });
  after(async () => wb?.close());

  async function fillTo(seq: number): Promise<void> {
    while ((await wb.services.audit.lastSeq()) < seq) await recordEvent(wb);
  }

  async function checkpoints() {
    const response = await request(wb.app).get('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${auditorToken}`).expect(200);
    return response.body.checkpoints as Array<{ id: number; treeSize: number; rootHash: string; chainHash: string; createdAt: string; keyId: string; signature: string; signatureAlgorithm: string }>;
  }

  /** Checks a checkpoint against the stored events and the server's published public key, independently of the verifier. */
  async function expectValidCheckpoint(checkpoint: Awaited<ReturnType<typeof checkpoints>>[number]) {
    const rows = (await storedRows(wb)).slice(0, checkpoint.treeSize);
    expect(rows).to.have.length(checkpoint.treeSize);
    expect(checkpoint.rootHash, `root of checkpoint ${checkpoint.treeSize}`).to.equal(merkleRootOfLeafHashes(rows.map((row) => row.leaf_hash)));
    expect(checkpoint.chainHash).to.equal(rows[rows.length - 1]!.chain_hash);
    expect(checkpoint.createdAt).to.match(ISO_UTC_MILLIS);
    expect(checkpoint.signatureAlgorithm).to.equal('Ed25519');
    const keys = (await request(wb.app).get('/api/v1/keys').expect(200)).body.keys as Array<{ keyId: string; publicKeyPem: string }>;
    const key = keys.find((k) => k.keyId === checkpoint.keyId);
    expect(key, 'the signing key is published').to.not.equal(undefined);
    const { treeSize, rootHash, chainHash, createdAt, keyId } = checkpoint;
    const payload = Buffer.from(checkpointPayload({ treeSize, rootHash, chainHash, createdAt, keyId }));
    expect(verify(null, payload, createPublicKey(key!.publicKeyPem), Buffer.from(checkpoint.signature, 'base64')), 'Ed25519 signature').to.equal(true);
  }

  it('signs a checkpoint automatically every N events (GXPW_AUDIT_CHECKPOINT_EVERY)', async () => {
    await fillTo(2 * EVERY + 2);
    const list = await checkpoints();
    const lastSeq = await wb.services.audit.lastSeq();
    const multiples = Array.from({ length: Math.floor(lastSeq / EVERY) }, (_, i) => (i + 1) * EVERY);
    expect(list.map((c) => c.treeSize)).to.deep.equal(multiples);
    for (const checkpoint of list) await expectValidCheckpoint(checkpoint);
  });

  it('signs a checkpoint on demand (201), answers 200 with the same checkpoint when nothing new was recorded, and keeps signing every N afterwards', async () => {
    await recordEvent(wb);
    const lastSeq = await wb.services.audit.lastSeq();
    // The request itself is recorded (lastSeq + 1) and covered by the checkpoint it asks for.
    const covered = lastSeq + 1;
    expect(covered % EVERY, 'the trail is between two automatic checkpoints').to.not.equal(0);

    const created = await request(wb.app).post('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${qaToken}`).expect(201);
    expect(created.body.treeSize).to.equal(covered);
    const [requested] = await auditEvents(wb.services, { action: 'audit.checkpoint_requested' });
    expect(requested?.seq).to.equal(covered);
    await expectValidCheckpoint(created.body);

    const again = await request(wb.app).post('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${qaToken}`).expect(200);
    expect(again.body).to.deep.equal(created.body);
    expect(await auditEvents(wb.services, { action: 'audit.checkpoint_requested' })).to.have.length(1);

    // The next automatic checkpoint extends the on-demand one.
    await fillTo(Math.ceil((covered + 1) / EVERY) * EVERY);
    const list = await checkpoints();
    const next = list[list.length - 1]!;
    expect(next.treeSize).to.equal(Math.ceil((covered + 1) / EVERY) * EVERY);
    await expectValidCheckpoint(next);
    expect((await verifyAuditTrail(wb.services.database, wb.services.keyring)).ok).to.equal(true);
  });

  it('refuses an on-demand checkpoint of an empty trail (409)', async () => {
    const empty = await createTestWorkbench(dialect, { seedUsers: false });
    // Every sign-in is audited, so a token for an empty trail needs a user and a session written without one.
    empty.tamperedWith();
    try {
      const { User, Session } = empty.services.models;
      const user = await User.create({
        username: 'quinn',
        fullName: 'Quinn Quality',
        email: null,
        role: 'qa',
        passwordHash: 'never used',
        passwordChangedAt: new Date(),
        lockedAt: null,
        trainingCompletedAt: null,
        qualification: null,
        signaturePolicyAcknowledgedAt: null,
        deactivatedAt: null,
      });
      const now = empty.clock.now();
      const session = await Session.create({ id: randomUUID(), userId: user.id, createdAt: now, lastSeenAt: now, endedAt: null, endReason: null, clientIp: null, userAgent: null });
      const auth = empty.services.auth as unknown as { issue(user: unknown, session: unknown): { token: string } };
      const { token } = auth.issue(user, session);
      expect(await empty.services.audit.lastSeq()).to.equal(0);

      const response = await request(empty.app).post('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${token}`).expect(409);
      expect(response.body.error.code).to.equal('audit_trail_empty');
      const list = await request(empty.app).get('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${token}`).expect(200);
      expect(list.body.checkpoints).to.deep.equal([]);
    } finally {
      await empty.close();
    }
  });

  it('has the database itself refuse UPDATE and DELETE on audit_events and audit_checkpoints', async () => {
    const { sequelize } = wb.services.database;
    const rowsBefore = await storedRows(wb);
    const checkpointsBefore = await sequelize.query('SELECT * FROM audit_checkpoints ORDER BY id', { type: QueryTypes.SELECT });
    expect(rowsBefore.length).to.be.greaterThan(3);
    expect(checkpointsBefore.length).to.be.greaterThan(0);

    const statements = [
      "UPDATE audit_events SET reason = 'rewritten' WHERE seq = 3",
      'UPDATE audit_events SET seq = seq + 1000',
      'DELETE FROM audit_events WHERE seq = 3',
      'DELETE FROM audit_events',
      "UPDATE audit_checkpoints SET root_hash = 'rewritten'",
      'DELETE FROM audit_checkpoints WHERE tree_size = 5',
      'DELETE FROM audit_checkpoints',
      ...(dialect === 'postgres' ? ['TRUNCATE audit_events', 'TRUNCATE audit_checkpoints', 'TRUNCATE audit_events, audit_checkpoints'] : []),
    ];
    for (const sql of statements) {
      const error = await rejectionOf(sequelize.query(sql), sql);
      // Sequelize wraps the database's own message (on SQLite, a trigger's RAISE becomes a "Validation error").
      const databaseMessage = (error as { parent?: Error }).parent?.message ?? error.message;
      expect(databaseMessage, sql).to.match(/append-only/);
    }

    expect(await storedRows(wb)).to.deep.equal(rowsBefore);
    expect(await sequelize.query('SELECT * FROM audit_checkpoints ORDER BY id', { type: QueryTypes.SELECT })).to.deep.equal(checkpointsBefore);
    expect((await verifyAuditTrail(wb.services.database, wb.services.keyring)).ok).to.equal(true);
  });

  it('has the database refuse to overwrite an event or a checkpoint through an insert that replaces or upserts it', async () => {
    const { sequelize } = wb.services.database;
    const rowsBefore = await storedRows(wb);
    const checkpointsBefore = await sequelize.query('SELECT * FROM audit_checkpoints ORDER BY id', { type: QueryTypes.SELECT });
    const eventColumns =
      'seq, occurred_at, actor_id, actor_name, actor_role, action, entity_type, entity_id, before_value, after_value, reason, correlation_id, leaf_hash, chain_hash';
    const rewritten = eventColumns.replace(' reason,', " 'rewritten',");
    const checkpointColumns = 'id, tree_size, root_hash, chain_hash, created_at, key_id, signature, frontier';
    const statements = [
      `INSERT INTO audit_events (${eventColumns}) SELECT ${rewritten} FROM audit_events WHERE seq = 2 ON CONFLICT (seq) DO UPDATE SET reason = 'rewritten'`,
      `INSERT INTO audit_checkpoints (${checkpointColumns}) SELECT ${checkpointColumns} FROM audit_checkpoints WHERE tree_size = 5 ON CONFLICT (id) DO UPDATE SET root_hash = 'rewritten'`,
      // SQLite's REPLACE deletes the conflicting row without firing DELETE triggers unless recursive triggers are on.
      ...(dialect === 'sqlite'
        ? [
            `INSERT OR REPLACE INTO audit_events (${eventColumns}) SELECT ${rewritten} FROM audit_events WHERE seq = 3`,
            `REPLACE INTO audit_checkpoints (${checkpointColumns}) SELECT ${checkpointColumns.replace(' root_hash,', " 'rewritten',")} FROM audit_checkpoints WHERE tree_size = 5`,
          ]
        : []),
    ];
    for (const sql of statements) {
      const error = await rejectionOf(sequelize.query(sql), sql);
      const databaseMessage = (error as { parent?: Error }).parent?.message ?? error.message;
      expect(databaseMessage, sql).to.match(/append-only/);
    }
    expect(await storedRows(wb)).to.deep.equal(rowsBefore);
    expect(await sequelize.query('SELECT * FROM audit_checkpoints ORDER BY id', { type: QueryTypes.SELECT })).to.deep.equal(checkpointsBefore);
  });
});
