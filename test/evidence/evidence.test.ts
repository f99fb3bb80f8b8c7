// The evidence store: content-addressed, atomic, deduplicated, never overwritten; streamed uploads
// with a size limit; downloads that re-check the digest; gxpw verify --evidence.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { EvidenceStore, TEMP_FILE_GRACE_MS } from '../../src/evidence/evidence-store.js';
import { gxpwAsync } from '../cli/cli-helpers.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { systemContext } from '../../src/platform/request-context.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Sends `chunks` chunks of `size` bytes with chunked transfer encoding to a real listening server. */
async function chunkedUpload(wb: TestWorkbench, token: string, chunks: number, size: number): Promise<{ status: number; body: string }> {
  const server = wb.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    return await new Promise((resolve, reject) => {
      const req = http.request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST', path: '/api/v1/evidence', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      let sent = 0;
      const pump = () => {
        while (sent < chunks) {
          sent += 1;
          if (!req.write(Buffer.alloc(size, sent))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  } finally {
    server.close();
  }
}

describeEachDatabase('evidence store', (dialect) => {
  let wb: TestWorkbench;
  let it_: string;
  let auditor: string;
  const upload = (body: Buffer | string, type = 'application/json', query: Record<string, string> = {}) =>
    request(wb.app).post('/api/v1/evidence').query(query).set('Authorization', `Bearer ${it_}`).set('Content-Type', type).send(body);
  const rows = async () => Number((await wb.services.database.sequelize.query('SELECT COUNT(*) AS n FROM evidence_items', { plain: true }))!.n);
  const tempFiles = () => fs.readdirSync(path.join(wb.config.evidenceDir, 'tmp'));

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_EVIDENCE_MAX_BYTES: String(4 * 1024 * 1024) } });
    it_ = await wb.login('it');
    auditor = await wb.login('auditor');
    const ctx = systemContext('test');
    for (const system of [ERP, WMS]) await wb.services.systems.create(ctx, system);
    await wb.services.interfaces.create(ctx, anInterface('IF-EVID-001'));
  });
  after(async () => wb?.close());

  it('stores a raw upload under its SHA-256, read-only, catalogued and audited', async () => {
    const body = JSON.stringify({ epcList: ['urn:epc:id:sgtin:0614141.107346.2017'], bizStep: 'shipping' });
    const response = await upload(body, 'application/json', { belongsToType: 'interface', belongsToId: 'IF-EVID-001', name: 'capture-request.json' });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    expect(response.body).to.deep.include({ digest: sha256(body), size: Buffer.byteLength(body), mediaType: 'application/json', originalName: 'capture-request.json', belongsTo: { type: 'interface', id: 'IF-EVID-001' }, deduplicated: false });
    const file = wb.services.evidence.store.pathOf(sha256(body));
    expect(fs.readFileSync(file, 'utf8')).to.equal(body);
    expect(fs.statSync(file).mode & 0o222, 'no write permission').to.equal(0);
    const event = await lastAuditEvent(wb.services, 'evidence.captured');
    expect(event?.after).to.deep.include({ digest: sha256(body), belongsTo: { type: 'interface', id: 'IF-EVID-001' } });
    expect(event?.actor.name).to.equal('Ingrid Integration');
    const listed = await request(wb.app).get('/api/v1/evidence').query({ belongsToType: 'interface', belongsToId: 'IF-EVID-001' }).set('Authorization', `Bearer ${auditor}`);
    expect(listed.body.evidence.map((e: { digest: string }) => e.digest)).to.deep.equal([sha256(body)]);
  });

  it('deduplicates identical bytes: one file, one more catalogue row', async () => {
    const body = 'the same bytes twice';
    const first = await upload(body, 'text/plain');
    const second = await upload(body, 'text/plain', { belongsToType: 'interface', belongsToId: 'IF-EVID-001' });
    expect(first.body.deduplicated).to.equal(false);
    expect(second.body).to.include({ deduplicated: true, digest: first.body.digest });
    expect(second.body.id).to.not.equal(first.body.id);
    expect(fs.readFileSync(wb.services.evidence.store.pathOf(first.body.digest), 'utf8')).to.equal(body);
    // The duplicate's temp file is freed in the background, and does go.
    await wb.services.evidence.store.settled();
    expect(tempFiles()).to.deep.equal([]);
  });

  it('sweeps at start the temp files a crashed process left behind (unwritten for the grace period), and not one another process may still be writing', () => {
    const tmp = path.join(wb.config.evidenceDir, 'tmp');
    fs.writeFileSync(path.join(tmp, 'stale.part'), 'half an upload');
    fs.writeFileSync(path.join(tmp, 'in-flight.part'), 'an upload still running elsewhere');
    // A crash a quarter of an hour ago, not a day: it is swept at this start.
    const crashed = new Date(Date.now() - TEMP_FILE_GRACE_MS - 5 * 60 * 1000);
    expect(TEMP_FILE_GRACE_MS).to.be.at.most(15 * 60 * 1000);
    fs.utimesSync(path.join(tmp, 'stale.part'), crashed, crashed);
    EvidenceStore.open(wb.config.evidenceDir, 1024);
    expect(tempFiles()).to.deep.equal(['in-flight.part']);
    fs.rmSync(path.join(tmp, 'in-flight.part'));
  });

  it('takes one file from a multipart form, with its name and media type', async () => {
    const response = await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${it_}`).attach('file', Buffer.from('<xml>EPCIS</xml>'), { filename: 'epcis.xml', contentType: 'application/xml' });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    expect(response.body).to.include({ originalName: 'epcis.xml', mediaType: 'application/xml', digest: sha256('<xml>EPCIS</xml>') });
    const empty = await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${it_}`).field('note', 'no file');
    expect(empty.status).to.equal(400);
    expect(empty.body.error.code).to.equal('no_file');
  });

  it('refuses a multipart body with two files (400 multiple_files), storing neither and auditing nothing', async () => {
    const before = { rows: await rows(), events: (await auditEvents(wb.services, { action: 'evidence.captured' })).length };
    const [first, second] = ['<xml>first of two</xml>', '<xml>second of two</xml>'];
    const response = await request(wb.app)
      .post('/api/v1/evidence')
      .query({ belongsToType: 'interface', belongsToId: 'IF-EVID-001' })
      .set('Authorization', `Bearer ${it_}`)
      .attach('file', Buffer.from(first), { filename: 'first.xml', contentType: 'application/xml' })
      .attach('file', Buffer.from(second), { filename: 'second.xml', contentType: 'application/xml' });
    expect(response.status, JSON.stringify(response.body)).to.equal(400);
    expect(response.body.error.code).to.equal('multiple_files');
    await wb.services.evidence.store.settled();
    expect(await rows()).to.equal(before.rows);
    expect((await auditEvents(wb.services, { action: 'evidence.captured' })).length).to.equal(before.events);
    for (const content of [first, second]) expect(await wb.services.evidence.store.check(sha256(content)), content).to.equal('missing');
    expect(tempFiles()).to.deep.equal([]);
    // One file, with a plain field beside it, is still one item.
    const one = await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${it_}`).field('note', 'beside the file').attach('file', Buffer.from(first), { filename: 'first.xml', contentType: 'application/xml' });
    expect(one.status, JSON.stringify(one.body)).to.equal(201);
    expect(one.body.digest).to.equal(sha256(first));
  });

  it('answers a multipart body cut off inside its file part with 400, keeps serving, and stores nothing', async () => {
    const before = await rows();
    const server = wb.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const boundary = 'cut-off-boundary';
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.json"\r\nContent-Type: application/json\r\n\r\n{"half":`;
      // The body ends in the middle of the file part: no closing boundary ever arrives.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST', path: '/api/v1/evidence?belongsToType=interface&belongsToId=IF-EVID-001', headers: { authorization: `Bearer ${it_}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': Buffer.byteLength(head) } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end(head);
      });
      expect(answer.status, answer.body).to.equal(400);
      expect(JSON.parse(answer.body).error.code).to.equal('malformed_multipart');
      // The process is still up and answering.
      const after = await request(wb.app).get('/api/v1/evidence').set('Authorization', `Bearer ${auditor}`);
      expect(after.status).to.equal(200);
    } finally {
      server.close();
    }
    await wb.services.evidence.store.settled();
    expect(await rows()).to.equal(before);
    expect(tempFiles()).to.deep.equal([]);
  });

  it('serves a download after re-checking its digest', async () => {
    const body = Buffer.from([0, 1, 2, 3, 254, 255]);
    const stored = await upload(body, 'application/octet-stream', { name: 'bytes.bin' });
    const response = await request(wb.app).get(`/api/v1/evidence/${stored.body.digest}`).set('Authorization', `Bearer ${auditor}`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(response.status).to.equal(200);
    expect(Buffer.compare(response.body as Buffer, body)).to.equal(0);
    expect(response.headers['repr-digest']).to.equal(`sha-256=:${createHash('sha256').update(body).digest('base64')}:`);
    expect(response.headers['content-disposition']).to.equal('attachment; filename=bytes.bin');
    // A name beyond ASCII: an RFC 8187 filename* (with ' ( ) * encoded too) and an ASCII fallback.
    const named = await upload(Buffer.from('résumé'), 'text/plain', { name: "Prüfbericht (it's 1).txt" });
    const header = (await request(wb.app).get(`/api/v1/evidence/${named.body.digest}`).set('Authorization', `Bearer ${auditor}`)).headers['content-disposition'];
    expect(header).to.equal(`attachment; filename="Pr?fbericht (it's 1).txt"; filename*=UTF-8''Pr%C3%BCfbericht%20%28it%27s%201%29.txt`);
    expect((await request(wb.app).get(`/api/v1/evidence/${'0'.repeat(64)}`).set('Authorization', `Bearer ${auditor}`)).status).to.equal(404);
  });

  it('refuses an upload over the size limit with 413, declared or streamed, leaving nothing behind', async () => {
    const before = await rows();
    const declared = await upload(Buffer.alloc(5 * 1024 * 1024, 1), 'application/octet-stream');
    expect(declared.status).to.equal(413);
    // No Content-Length (chunked): the limit is enforced while streaming.
    const streamed = await chunkedUpload(wb, it_, 80, 64 * 1024);
    expect(streamed.status).to.equal(413);
    expect(await rows()).to.equal(before);
    expect(tempFiles()).to.deep.equal([]);
  });

  it('refuses to serve a file changed on disk: 409, an audit event and a security alert; gxpw verify --evidence names it', async () => {
    const changed = await upload('{"result":"pass"}', 'application/json');
    const missing = await upload('{"result":"kept"}', 'application/json');
    const file = wb.services.evidence.store.pathOf(changed.body.digest);
    fs.chmodSync(file, 0o640);
    fs.writeFileSync(file, '{"result":"fail"}');
    fs.rmSync(wb.services.evidence.store.pathOf(missing.body.digest));

    const download = await request(wb.app).get(`/api/v1/evidence/${changed.body.digest}`).set('Authorization', `Bearer ${auditor}`);
    expect(download.status).to.equal(409);
    expect(download.body.error.code).to.equal('evidence_integrity_failed');
    expect((await lastAuditEvent(wb.services, 'evidence.integrity_failed'))?.after).to.deep.include({ digest: changed.body.digest, problem: 'changed' });
    expect((await wb.services.alerts.list({})).some((a) => a.kind === 'evidence_integrity')).to.equal(true);
    const check = await request(wb.app).get(`/api/v1/evidence/${missing.body.digest}/verify`).set('Authorization', `Bearer ${auditor}`);
    expect(check.body).to.deep.include({ status: 'missing' });

    const plain = await gxpwAsync(['verify'], wb.env);
    expect(plain.status, 'without --evidence the files are not read').to.equal(0);
    const cli = await gxpwAsync(['verify', '--evidence', '--json'], wb.env);
    expect(cli.status, cli.stderr).to.equal(1);
    const report = JSON.parse(cli.stdout).evidence;
    expect(report.problems.map((p: { digest: string; problem: string }) => `${p.digest}:${p.problem}`)).to.have.members([`${changed.body.digest}:changed`, `${missing.body.digest}:missing`]);
    const text = await gxpwAsync(['verify', '--evidence'], wb.env);
    expect(text.stdout).to.include(`${changed.body.digest}: changed`);
  });

  it('restores a damaged item when the same bytes are uploaded again: the damaged file quarantined, audited, alerted', async () => {
    const store = wb.services.evidence.store;
    const quarantined = () => fs.readdirSync(path.join(wb.config.evidenceDir, 'quarantine'));
    const good = '{"lot":"L2406A","released":true}';
    const first = await upload(good);
    const file = store.pathOf(first.body.digest);
    // An intact duplicate is checked and left as it is.
    const duplicate = await upload(good);
    await store.settled();
    expect(quarantined()).to.deep.equal([]);
    expect(await lastAuditEvent(wb.services, 'evidence.restored')).to.equal(undefined);

    fs.chmodSync(file, 0o640);
    fs.writeFileSync(file, '{"lot":"L2406A","released":false}');
    const again = await upload(good, 'application/json', { name: 'resubmitted.json' });
    expect(again.status).to.equal(201);
    expect(again.body.deduplicated).to.equal(true);
    await store.settled();
    expect(fs.readFileSync(file, 'utf8')).to.equal(good);
    expect(fs.statSync(file).mode & 0o222, 'read-only again').to.equal(0);
    expect(await store.check(first.body.digest)).to.equal('intact');
    const [kept] = quarantined();
    expect(kept).to.match(new RegExp(`^${first.body.digest}\\.`));
    expect(fs.readFileSync(path.join(wb.config.evidenceDir, 'quarantine', kept!), 'utf8'), 'the damaged bytes are kept').to.equal('{"lot":"L2406A","released":false}');
    const event = await lastAuditEvent(wb.services, 'evidence.restored');
    expect(event?.after).to.deep.equal({ digest: first.body.digest, found: 'changed', quarantinedAs: path.join('quarantine', kept!), items: [first.body.id, duplicate.body.id, again.body.id] });
    expect(event?.actor.name, 'found in the background, by the store').to.equal('evidence store');
    expect((await wb.services.alerts.list({})).some((a) => a.kind === 'evidence_integrity' && a.message.includes('restored'))).to.equal(true);
    expect(tempFiles()).to.deep.equal([]);
    expect((await request(wb.app).get(`/api/v1/evidence/${first.body.digest}/verify`).set('Authorization', `Bearer ${auditor}`)).body).to.deep.include({ status: 'intact' });

    // A file gone missing comes back with the next upload of its bytes, in that upload's own transaction.
    fs.rmSync(file);
    const back = await upload(good);
    expect(back.body.deduplicated).to.equal(false);
    expect(fs.readFileSync(file, 'utf8')).to.equal(good);
    const missing = await lastAuditEvent(wb.services, 'evidence.restored');
    expect(missing?.after).to.deep.include({ digest: first.body.digest, found: 'missing', quarantinedAs: null });
    expect(missing?.actor.name).to.equal('Ingrid Integration');
  });

  it('files evidence only for a record that exists and takes it: never for a run (the runner\'s own), an unknown record or a closed one', async () => {
    const before = await rows();
    const refused = async (query: Record<string, string>, status: number, code: string) => {
      const response = await upload('{"claimed":"evidence"}', 'application/json', query);
      expect(response.status, JSON.stringify(response.body)).to.equal(status);
      expect(response.body.error.code).to.equal(code);
    };
    await refused({ belongsToType: 'run', belongsToId: '1' }, 400, 'evidence_owner_not_accepted');
    await refused({ belongsToType: 'interface', belongsToId: 'IF-NOPE-404' }, 404, 'interface_not_found');
    await refused({ belongsToType: 'deviation', belongsToId: '999' }, 404, 'deviation_not_found');
    await refused({ belongsToType: 'deviation', belongsToId: '01' }, 404, 'deviation_not_found');
    expect(await rows(), 'nothing catalogued').to.equal(before);
    expect(fs.existsSync(wb.services.evidence.store.pathOf(sha256('{"claimed":"evidence"}'))), 'nothing stored').to.equal(false);
  });

  it('refuses a media type or file name the catalogue cannot keep (400), storing nothing', async () => {
    const before = await rows();
    const long = await upload('{"a":1}', `text/x-${'a'.repeat(300)}`);
    expect(long.status).to.equal(400);
    expect(long.body.error.code).to.equal('invalid_media_type');
    const garbage = await upload('{"a":1}', 'not a media type');
    expect(garbage.body.error.code).to.equal('invalid_media_type');
    const longName = await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${it_}`).attach('file', Buffer.from('{"a":1}'), { filename: `${'n'.repeat(300)}.json`, contentType: 'application/json' });
    expect(longName.status, JSON.stringify(longName.body)).to.equal(400);
    expect(longName.body.error.code).to.equal('invalid_file_name');
    expect(await rows()).to.equal(before);
    expect(fs.existsSync(wb.services.evidence.store.pathOf(sha256('{"a":1}'))), 'nothing stored').to.equal(false);
    const withCharset = await upload('{"a":2}', 'application/json; charset=utf-8');
    expect(withCharset.status).to.equal(201);
    expect(withCharset.body.mediaType).to.equal('application/json; charset=utf-8');
  });

  it('lets auditors read but not upload', async () => {
    expect((await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${auditor}`).send('x')).status).to.equal(403);
  });
});

describe('evidence store: large items', () => {
  it('stores a large item whole while flushing it to disk as it arrives (background flushes, then the final sync)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-evidence-flush-'));
    try {
      const store = EvidenceStore.open(root, 64 * 1024 * 1024, { syncEveryBytes: 1024 * 1024 });
      const hash = createHash('sha256');
      const chunks = async function* () {
        for (let i = 0; i < 24; i += 1) {
          const chunk = Buffer.alloc(512 * 1024, i);
          hash.update(chunk);
          yield chunk;
          // As a network upload does, the bytes arrive over time.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const stored = await store.putStream(chunks());
      expect(stored).to.deep.equal({ digest: hash.digest('hex'), size: 24 * 512 * 1024, created: true });
      expect(store.backgroundFlushes, 'flushed while arriving').to.be.at.least(2);
      expect(await store.check(stored.digest)).to.equal('intact');
      expect(fs.statSync(store.pathOf(stored.digest)).mode & 0o777).to.equal(0o440);
      expect(fs.readdirSync(path.join(root, 'tmp'))).to.deep.equal([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
