// Rotating the signing key is audited (Annex 11 §12), and the key never signs before its audit
// event committed: when the commit fails, the old key stays active and the new one is gone.
import fs from 'node:fs';
import { expect } from 'chai';
import { rotateSigningKey } from '../../src/audit/key-rotation.js';
import { Keyring } from '../../src/platform/keyring.js';
import { systemContext } from '../../src/platform/request-context.js';
import { lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase, type TestDialect } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

/** Makes the database itself refuse the rotation's audit event, as a failing commit would. */
async function refuseRotationEvents(wb: TestWorkbench, dialect: TestDialect): Promise<() => Promise<void>> {
  const sql = (text: string) => wb.services.database.sequelize.query(text);
  if (dialect === 'sqlite') {
    await sql("CREATE TRIGGER test_refuse_rotation BEFORE INSERT ON audit_events WHEN NEW.action = 'signing_key.rotated' BEGIN SELECT RAISE(ABORT, 'audit event refused by the test'); END");
    return async () => void (await sql('DROP TRIGGER test_refuse_rotation'));
  }
  await sql("CREATE FUNCTION test_refuse_rotation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.action = 'signing_key.rotated' THEN RAISE EXCEPTION 'audit event refused by the test'; END IF; RETURN NEW; END $$");
  await sql('CREATE TRIGGER test_refuse_rotation BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse_rotation()');
  return async () => {
    await sql('DROP TRIGGER test_refuse_rotation ON audit_events');
    await sql('DROP FUNCTION test_refuse_rotation()');
  };
}

describeEachDatabase('signing key rotation', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  const keyFiles = () => fs.readdirSync(wb.config.keysDir).filter((name) => name.startsWith('ed25519-')).sort();

  it('leaves the old key active, on disk and in every process, when the audit event of the rotation does not commit', async () => {
    const { keyring } = wb.services;
    const before = { active: keyring.activeKeyId, keys: keyring.publicKeys(), files: keyFiles(), index: fs.readFileSync(`${wb.config.keysDir}/keyring.json`, 'utf8') };
    const allow = await refuseRotationEvents(wb, dialect);
    try {
      let failure: unknown = null;
      await rotateSigningKey(wb.services.database, wb.services.audit, keyring, systemContext('test'), 'scheduled rotation').catch((error: unknown) => (failure = error));
      // (Sequelize names SQLite's RAISE(ABORT) a constraint error; either way the commit failed.)
      expect(failure, 'the rotation fails with its audit event').to.be.instanceOf(Error);
    } finally {
      await allow();
    }
    expect(keyring.activeKeyId).to.equal(before.active);
    expect(keyring.publicKeys()).to.deep.equal(before.keys);
    expect(keyFiles(), 'the unaudited key is not left on disk').to.deep.equal(before.files);
    expect(fs.readFileSync(`${wb.config.keysDir}/keyring.json`, 'utf8')).to.equal(before.index);
    // Another process opening the directory finds the old key active too.
    expect(Keyring.open(wb.config.keysDir).activeKeyId).to.equal(before.active);
    expect(await lastAuditEvent(wb.services, 'signing_key.rotated')).to.equal(undefined);
    // And the next signature is the old key's.
    const signed = await wb.services.audit.checkpointNow(systemContext('test'));
    expect(signed?.checkpoint.keyId).to.equal(before.active);
  });

  it('activates the new key once its audit event committed, naming the key it replaced', async () => {
    const { keyring } = wb.services;
    const previous = keyring.activeKeyId;
    const key = await rotateSigningKey(wb.services.database, wb.services.audit, keyring, systemContext('test'), 'scheduled rotation');
    expect(keyring.activeKeyId).to.equal(key.keyId);
    expect(Keyring.open(wb.config.keysDir).activeKeyId).to.equal(key.keyId);
    const event = await lastAuditEvent(wb.services, 'signing_key.rotated');
    expect(event?.entity).to.deep.equal({ type: 'signing-key', id: key.keyId });
    expect(event?.before).to.deep.equal({ activeKeyId: previous });
    expect(event?.after).to.include({ activeKeyId: key.keyId, algorithm: 'Ed25519' });
    expect(event?.reason).to.equal('scheduled rotation');
    expect(keyring.publicKeys().map((k) => `${k.keyId}:${k.active}`)).to.deep.equal([`${previous}:false`, `${key.keyId}:true`]);
  });
});
