// What the server keeps on disk — the SQLite database and its WAL, the keys, the checkpoint witness,
// the evidence — is readable by the server's account alone: directories 0700, files 0600 (evidence
// items 0440), whatever the umask (Annex 11 §12.1, Part 11 §11.10(d): access limited to authorised individuals).
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describeEachDatabase('files on disk are private to the server', (dialect) => {
  let parent: string;
  let dataDir: string;
  let wb: TestWorkbench;
  let previousUmask: number;
  before(async () => {
    // The usual umask 022 would leave new files 0644 and directories 0755.
    previousUmask = process.umask(0o022);
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-modes-'));
    fs.chmodSync(parent, 0o755);
    // Neither the data directory nor the evidence directory exists yet: the server creates both.
    dataDir = path.join(parent, 'data');
    wb = await createTestWorkbench(dialect, { env: { GXPW_DATA_DIR: dataDir, EVIDENCE_DIR: path.join(parent, 'evidence'), GXPW_AUDIT_CHECKPOINT_EVERY: '1' } });
    // A write, so that SQLite has its WAL and shared-memory files open.
    const token = await wb.login('it');
    expect((await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/plain').send('a capture')).status).to.equal(201);
  });
  after(async () => {
    if (previousUmask !== undefined) process.umask(previousUmask);
    await wb?.close();
    if (parent) fs.rmSync(parent, { recursive: true, force: true });
  });

  it('creates the data directory and the evidence directory 0700', () => {
    expect(modeOf(dataDir).toString(8)).to.equal('700');
    for (const dir of ['', 'sha256', 'tmp', 'quarantine']) expect(modeOf(path.join(parent, 'evidence', dir)).toString(8), `evidence/${dir}`).to.equal('700');
    expect(modeOf(path.join(dataDir, 'keys')).toString(8)).to.equal('700');
  });

  it('creates every key file and the checkpoint witness 0600', () => {
    const keyFiles = fs.readdirSync(path.join(dataDir, 'keys'));
    expect(keyFiles.length).to.be.greaterThan(1);
    for (const file of keyFiles) expect(modeOf(path.join(dataDir, 'keys', file)).toString(8), file).to.equal('600');
    expect(modeOf(path.join(dataDir, 'audit-witness.json')).toString(8)).to.equal('600');
  });

  if (dialect === 'sqlite') {
    it('creates the SQLite database 0600, and SQLite gives its -wal and -shm files the same mode', () => {
      const database = path.join(dataDir, 'gxpw.sqlite');
      expect(modeOf(database).toString(8)).to.equal('600');
      for (const suffix of ['-wal', '-shm']) {
        expect(fs.existsSync(database + suffix), `${suffix} exists while the database is open`).to.equal(true);
        expect(modeOf(database + suffix).toString(8), suffix).to.equal('600');
      }
    });
  }
});
