// A running server keeps working across `gxpw keys rotate` run by another process: it verifies
// what the new key signed, lists the new key as active and signs with it from then on, while the
// retired keys still verify what they signed.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { rotateSigningKey } from '../../src/audit/key-rotation.js';
import { Keyring } from '../../src/platform/keyring.js';
import { systemContext } from '../../src/platform/request-context.js';
import { createServices } from '../../src/services.js';
import { gxpwAsync } from '../cli/cli-helpers.js';
import { lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { TestDocuments } from '../support/test-documents.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

interface KeyInfo {
  keyId: string;
  active: boolean;
}

describe('keyring: rotations made by another keyring on the same directory', () => {
  let keysDir: string;
  beforeEach(() => (keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-keyring-'))));
  afterEach(() => fs.rmSync(keysDir, { recursive: true, force: true }));

  it('verifies what the new key signed, lists it as active and signs with it next, while the retired key still verifies', () => {
    const a = Keyring.open(keysDir);
    const oldKeyId = a.activeKeyId;
    const oldSignature = a.sign('before rotation');

    const b = Keyring.open(keysDir);
    const newKeyId = b.rotate().keyId;
    const byB = b.sign('signed by the other process');
    expect(byB.keyId).to.equal(newKeyId);

    expect(a.knows(newKeyId), 'an unknown key id makes the keyring read the directory again').to.equal(true);
    expect(a.verify(newKeyId, 'signed by the other process', byB.signature)).to.equal(true);
    expect(a.publicKeys().map((k) => [k.keyId, k.active])).to.deep.equal([
      [oldKeyId, false],
      [newKeyId, true],
    ]);
    expect(a.activeKeyId).to.equal(newKeyId);
    const next = a.sign('after rotation');
    expect(next.keyId).to.equal(newKeyId);
    expect(b.verify(newKeyId, 'after rotation', next.signature)).to.equal(true);
    expect(a.verify(oldKeyId, 'before rotation', oldSignature.signature), 'the retired key still verifies').to.equal(true);
    expect(a.verify('0123456789abcdef', 'before rotation', oldSignature.signature), 'a key id no one wrote stays unknown').to.equal(false);
  });

  it('signs with the new key without being asked about it first (signWith)', () => {
    const a = Keyring.open(keysDir);
    const newKeyId = Keyring.open(keysDir).rotate().keyId;
    const signed = a.signWith((keyId) => `payload naming ${keyId}`);
    expect(signed.keyId).to.equal(newKeyId);
    expect(a.verify(newKeyId, `payload naming ${newKeyId}`, signed.signature)).to.equal(true);
  });

  it('refuses to sign with the retired key when the rotation lands between reading the key id and signing', () => {
    const a = Keyring.open(keysDir);
    const oldKeyId = a.activeKeyId;
    Keyring.open(keysDir).rotate();
    expect(() => a.sign(`payload naming ${oldKeyId}`)).to.throw(/rotated .* nothing was signed/);
    expect(a.sign(`payload naming ${a.activeKeyId}`).keyId).to.not.equal(oldKeyId);
  });

  it('keeps every key when two stale keyrings rotate in turn (no rotation overwrites another)', () => {
    const a = Keyring.open(keysDir);
    const b = Keyring.open(keysDir);
    const first = a.rotate();
    const second = b.rotate();
    const reopened = Keyring.open(keysDir);
    expect(reopened.publicKeys().map((k) => k.keyId)).to.include.members([first.keyId, second.keyId]);
    expect(reopened.activeKeyId).to.equal(second.keyId);
    expect(b.rotateFrom().previousKeyId).to.equal(second.keyId);
    expect(fs.existsSync(path.join(keysDir, 'keyring.lock')), 'the lock is released').to.equal(false);
  });
});

describeEachDatabase('signing keys rotated by another process while the server runs', (dialect) => {
  let wb: TestWorkbench;
  const docs = new TestDocuments();
  let qa: string;
  let auditor: string;

  const keys = async (): Promise<KeyInfo[]> => (await request(wb.app).get('/api/v1/keys').expect(200)).body.keys;
  const activeKey = async () => (await keys()).find((k) => k.active)!.keyId;
  const verifyTrail = async () => (await request(wb.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${auditor}`).expect(200)).body;
  const signDoc = async (app: typeof wb.app, token: string, recordId: string) => {
    const response = await request(app)
      .post('/api/v1/signatures')
      .set('Authorization', `Bearer ${token}`)
      .send({ recordType: 'test-document', recordId, version: 1, meaning: 'approved', reason: 'approved after review', username: 'qa', password: TEST_PASSWORD });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    return response.body as { id: number; serverSignature: { keyId: string } };
  };
  // The verification also names who granted the signer's access (access-grants.test); here only validity counts.
  const signatureValidity = async (id: number) => {
    const { valid, problem } = (await request(wb.app).get(`/api/v1/signatures/${id}/verify`).set('Authorization', `Bearer ${auditor}`).expect(200)).body;
    return { valid, problem };
  };

  before(async () => {
    wb = await createTestWorkbench(dialect);
    wb.services.signatures.register(docs.recordType);
    const itUser = (await wb.services.users.list({})).find((u) => u.username === 'it')!;
    for (const id of ['ROT-1', 'ROT-2', 'ROT-3', 'ROT-4']) docs.add(id, { title: `Protocol ${id}` }, [itUser.id]);
    qa = await wb.login('qa');
    auditor = await wb.login('auditor');
  });
  after(async () => wb?.close());

  it('after `gxpw keys rotate` and `gxpw checkpoint`, the running server verifies the trail as intact, lists the new key as active and signs with it', async () => {
    const oldKeyId = await activeKey();
    const before = await signDoc(wb.app, qa, 'ROT-1');
    expect(before.serverSignature.keyId).to.equal(oldKeyId);

    const rotated = await gxpwAsync(['keys', 'rotate', '--reason', 'rotation while the server runs', '--json'], wb.env);
    expect(rotated.status, rotated.stderr).to.equal(0);
    const newKeyId = JSON.parse(rotated.stdout).keyId as string;
    expect(newKeyId).to.not.equal(oldKeyId);
    expect((await lastAuditEvent(wb.services, 'signing_key.rotated'))?.before.activeKeyId).to.equal(oldKeyId);
    const checkpoint = await gxpwAsync(['checkpoint', '--json'], wb.env);
    expect(checkpoint.status, checkpoint.stderr).to.equal(0);
    expect(JSON.parse(checkpoint.stdout).keyId).to.equal(newKeyId);

    const report = await verifyTrail();
    expect(report, JSON.stringify(report)).to.include({ ok: true, problem: null });
    expect(report.checkpointsChecked).to.be.greaterThan(0);

    const listed = await keys();
    expect(listed.filter((k) => k.active).map((k) => k.keyId)).to.deep.equal([newKeyId]);
    expect(listed.find((k) => k.keyId === oldKeyId)?.active, 'the retired key is still listed').to.equal(false);

    const after = await signDoc(wb.app, qa, 'ROT-2');
    expect(after.serverSignature.keyId, 'the server signs its next signature with the new key').to.equal(newKeyId);
    const own = (await request(wb.app).post('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${qa}`).expect(201)).body;
    expect(own.keyId, 'the server signs its next checkpoint with the new key').to.equal(newKeyId);

    expect(await signatureValidity(before.id)).to.deep.equal({ valid: true, problem: null });
    expect(await signatureValidity(after.id)).to.deep.equal({ valid: true, problem: null });
    expect((await verifyTrail()).ok).to.equal(true);
    // The CLI agrees (it does not know the test record type, so only its audit trail verdict counts here).
    const cli = await gxpwAsync(['verify', '--json'], wb.env);
    expect(JSON.parse(cli.stdout).auditTrail, cli.stdout).to.include({ ok: true, problem: null });
  });

  it('verifies a signature another instance made with the key it rotated to (the CLI code path), and signs with that key next', async () => {
    const other = await createServices(wb.config);
    try {
      other.signatures.register(docs.recordType);
      const previousKeyId = await activeKey();
      const rotated = await rotateSigningKey(other.database, other.audit, other.keyring, systemContext('second instance'), 'rotated on the other instance');
      const otherApp = createApp(other);
      const login = await request(otherApp).post('/api/v1/auth/login').send({ username: 'qa', password: TEST_PASSWORD }).expect(200);
      const signed = await signDoc(otherApp, login.body.token, 'ROT-3');
      expect(signed.serverSignature.keyId).to.equal(rotated.keyId);

      expect(await signatureValidity(signed.id), 'this server knows the other instance’s new key').to.deep.equal({ valid: true, problem: null });
      expect(await activeKey()).to.equal(rotated.keyId);
      expect((await lastAuditEvent(wb.services, 'signing_key.rotated'))?.before.activeKeyId).to.equal(previousKeyId);
      const mine = await signDoc(wb.app, qa, 'ROT-4');
      expect(mine.serverSignature.keyId).to.equal(rotated.keyId);
      const own = (await request(wb.app).post('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${qa}`).expect(201)).body;
      expect(own.keyId).to.equal(rotated.keyId);
      expect((await verifyTrail()).ok).to.equal(true);
    } finally {
      await other.close();
    }
  });
});
