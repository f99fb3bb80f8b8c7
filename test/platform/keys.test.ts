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
    const checkpoint = (await request(wb.app).post('/api/v1/audit/checkpoints').set('Authorization', `Bearer ${qa}`)).body;
    const { keys } = (await request(wb.app).get('/api/v1/keys').expect(200)).body;
    const key = keys.find((k: { keyId: string }) => k.keyId === checkpoint.keyId);
    expect(key).to.include({ algorithm: 'Ed25519', active: true });
    const payload = checkpointPayload({ treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, chainHash: checkpoint.chainHash, createdAt: checkpoint.createdAt, keyId: checkpoint.keyId });
    expect(verify(null, Buffer.from(payload), createPublicKey(key.publicKeyPem), Buffer.from(checkpoint.signature, 'base64'))).to.equal(true);
  });

  it('keeps old keys after rotation, so what they signed still verifies', async () => {
    const before = (await request(wb.app).get('/api/v1/keys')).body.keys;
    const rotated = gxpw(['keys', 'rotate', '--json'], wb.env);
    expect(rotated.status, rotated.stderr).to.equal(0);
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
