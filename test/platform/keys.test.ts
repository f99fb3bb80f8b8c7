import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { createPublicKey, verify } from 'node:crypto';
import request from 'supertest';
import { checkpointPayload } from '../../src/audit/audit-hashing.js';
import { Keyring } from '../../src/platform/keyring.js';
import { StartupError } from '../../src/platform/errors.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { gxpw } from '../cli/cli-helpers.js';
import { lastAuditEvent } from '../support/audit-assertions.js';

describeEachDatabase('signing keys', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('keeps the private key outside the database, readable by its owner only', () => {
    const files = fs.readdirSync(wb.config.keysDir);
    const privateKey = files.find((f) => f.endsWith('.key.pem'))!;
    expect(fs.statSync(path.join(wb.config.keysDir, privateKey)).mode & 0o777).to.equal(0o600);
  });

  it('serves the public key at /api/v1/keys, and a checkpoint verifies offline with it', async () => {
    const qa = await wb.login('qa');
    const checkpoint = (await request(wb.app).post('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${qa}`).expect(201)).body;
    // The request is audited first, and the checkpoint covers that very event.
    const requested = await lastAuditEvent(wb.services, 'audit.checkpoint_requested');
    expect(requested?.actor).to.deep.include({ name: 'Quinn Quality', role: 'qa' });
    expect(checkpoint.treeSize).to.equal(requested?.seq);
    const { keys } = (await request(wb.app).get('/api/v1/keys').expect(200)).body;
    const key = keys.find((k: { keyId: string }) => k.keyId === checkpoint.keyId);
    expect(key).to.include({ algorithm: 'Ed25519', active: true });
    const payload = checkpointPayload({ treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, chainHash: checkpoint.chainHash, createdAt: checkpoint.createdAt, keyId: checkpoint.keyId });
    expect(verify(null, Buffer.from(payload), createPublicKey(key.publicKeyPem), Buffer.from(checkpoint.signature, 'base64'))).to.equal(true);
  });

  it('keeps old keys after rotation, so what they signed still verifies, and audits the rotation with its reason', async () => {
    const before = (await request(wb.app).get('/api/v1/keys')).body.keys;
    const withoutReason = gxpw(['keys', 'rotate'], wb.env);
    expect(withoutReason.status).to.equal(2);
    expect(withoutReason.stderr).to.include('--reason is required');
    const rotated = gxpw(['keys', 'rotate', '--reason', 'annual key rotation', '--json'], wb.env);
    expect(rotated.status, rotated.stderr).to.equal(0);
    const event = await lastAuditEvent(wb.services, 'signing_key.rotated');
    expect(event?.entity).to.deep.equal({ type: 'signing-key', id: JSON.parse(rotated.stdout).keyId });
    expect(event?.reason).to.equal('annual key rotation');
    expect(event?.before.activeKeyId).to.equal(before.find((k: { active: boolean }) => k.active).keyId);
    expect(event?.actor.name).to.match(/^gxpw CLI \(/);
    const reopened = Keyring.open(wb.config.keysDir);
    expect(reopened.publicKeys().map((k) => k.keyId)).to.include.members(before.map((k: { keyId: string }) => k.keyId));
    expect(reopened.activeKeyId).to.equal(JSON.parse(rotated.stdout).keyId);
    const verification = gxpw(['verify', '--json'], wb.env);
    expect(verification.status, verification.stdout).to.equal(0);
  });

  it('refuses to start when a private key file is readable by others', () => {
    const privateKey = fs.readdirSync(wb.config.keysDir).find((f) => f.endsWith('.key.pem'))!;
    const file = path.join(wb.config.keysDir, privateKey);
    fs.chmodSync(file, 0o644);
    try {
      expect(() => Keyring.open(wb.config.keysDir)).to.throw(StartupError, /readable by others/);
    } finally {
      fs.chmodSync(file, 0o600);
    }
  });
});
