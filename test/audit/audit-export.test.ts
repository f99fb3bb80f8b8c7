// GET /api/v1/audit/export: the audit trail an inspector takes away (Part 11 §11.10(b)(e), Annex 11
// §9) — CSV for analysis, a PDF report to file — filtered by record, user and period, holding
// exactly the matching events; and every export is itself an audit event naming the digest of the
// bytes sent. Bad filters are a 400 naming the field, and export nothing.
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { AuditCheckpoint } from '../../src/audit/audit-models.js';
import { presentAuditReport, presentFilters, summarizeChange } from '../../src/audit/audit-report-presenter.js';
import type { AuditEntry } from '../../src/audit/audit-trail.js';
import type { AuditVerification } from '../../src/audit/audit-verifier.js';
import { systemContext, type RequestContext } from '../../src/platform/request-context.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { download, flat, pdfText } from '../support/export-download.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const HOUR = 3_600_000;

/** Strict RFC 4180: quoted fields may hold , " CR LF; a quote inside is doubled; records end in CRLF. */
function parseCsv(text: string): Array<Record<string, string>> {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 1);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), (i += 1);
    else if (c === '\r' || c === '\n') throw new Error(`bare line break at ${i}`);
    else field += c;
  }
  if (field !== '' || record.length) throw new Error('the last record does not end with CRLF');
  const [header, ...rows] = records;
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!])));
}

describeEachDatabase('audit trail export', (dialect) => {
  let wb: TestWorkbench;
  let auditor: string;
  let qaId: number;
  /** Events written in hour 1, 2 and 3 of server time. */
  const hours: number[][] = [];
  const started = new Date();

  const ctxOf = async (username: string): Promise<RequestContext> => {
    const user = (await wb.services.users.findByUsername(username))!;
    return { actor: { userId: user.id, username, name: user.fullName, role: user.role }, correlationId: randomUUID(), sessionId: null, clientIp: null, userAgent: null };
  };
  const record = async (ctx: RequestContext, entry: Partial<AuditEntry>) =>
    wb.services.database.write((tx) => wb.services.audit.record(tx, ctx, { action: 'widget.created', entityType: 'widget', entityId: randomUUID(), change: 'create', ...entry }));
  const exportsRecorded = async () => auditEvents(wb.services, { action: 'export.created' });
  /** What the trail holds for a filter, straight from the service (the oracle). */
  const expected = async (filter: Parameters<TestWorkbench['services']['audit']['list']>[0]) => (await wb.services.audit.list(filter, { limit: 1000, order: 'asc' })).events.map((e) => e.seq);
  const csv = async (query: string) => {
    const got = await download(wb.app, `/api/v1/audit/export?format=csv&${query}`, auditor);
    expect(got.status, got.bytes.toString()).to.equal(200);
    return parseCsv(got.bytes.toString('utf8'));
  };

  before(async () => {
    wb = await createTestWorkbench(dialect);
    const qa = await ctxOf('qa');
    const it = await ctxOf('it');
    qaId = qa.actor.userId!;
    for (let hour = 1; hour <= 3; hour += 1) {
      wb.clock.advance(HOUR);
      const seqs: number[] = [];
      seqs.push((await record(qa, { entityId: `w-${hour}`, after: { label: `widget ${hour}` } })).seq);
      seqs.push((await record(it, { action: 'widget.updated', entityId: `w-${hour}`, change: 'update', before: { label: `widget ${hour}` }, after: { label: `=HYPERLINK("x") ${hour}` }, reason: hour === 2 ? '=1+2, "formula", comma' : '@SUM(A1)' })).seq);
      seqs.push((await record(systemContext('timer'), { action: 'gadget.checked', entityType: 'gadget', entityId: 'g-1', change: 'event' })).seq);
      hours.push(seqs);
    }
    auditor = await wb.login('auditor');
  });
  after(async () => wb?.close());

  describe('CSV', () => {
    it('filters by record: exactly the events of that record', async () => {
      const rows = await csv('entityType=widget&entityId=w-2');
      expect(rows.map((r) => Number(r.seq))).to.deep.equal(await expected({ entityType: 'widget', entityId: 'w-2' }));
      expect(rows.map((r) => r.action)).to.deep.equal(['widget.created', 'widget.updated']);
      expect(rows.every((r) => r.entity_type === 'widget' && r.entity_id === 'w-2')).to.equal(true);
    });

    it('filters by user, named by user name or by id, and by the system itself', async () => {
      const byName = await csv('actor=qa&entityType=widget');
      const byId = await csv(`actor=${qaId}&entityType=widget`);
      expect(byName.map((r) => Number(r.seq))).to.deep.equal(hours.map((h) => h[0]));
      expect(byId).to.deep.equal(byName);
      expect(byName.every((r) => r.actor_id === String(qaId))).to.equal(true);
      const bySystem = await csv('actor=system&entityType=gadget');
      expect(bySystem.map((r) => Number(r.seq))).to.deep.equal(hours.map((h) => h[2]));
      expect(bySystem.every((r) => r.actor_id === '')).to.equal(true);
    });

    it('filters by period: from and to inclusive, exactly the events of hour 2', async () => {
      const from = new Date(started.getTime() + 2 * HOUR - 60_000).toISOString();
      const to = new Date(started.getTime() + 3 * HOUR - 60_000).toISOString();
      const rows = await csv(`from=${from}&to=${to}`);
      expect(rows.map((r) => Number(r.seq))).to.deep.equal(hours[1]);
      const atTheSecond = await csv(`from=${rows[0]!.occurred_at}&to=${rows[rows.length - 1]!.occurred_at}`);
      expect(atTheSecond.map((r) => Number(r.seq)), 'both ends inclusive').to.deep.equal(await expected({ from: rows[0]!.occurred_at, to: rows[rows.length - 1]!.occurred_at }));
    });

    it('combines record, user and period', async () => {
      const from = new Date(started.getTime() + 2 * HOUR - 60_000).toISOString();
      const rows = await csv(`entityType=widget&actor=it&from=${from}`);
      expect(rows.map((r) => Number(r.seq))).to.deep.equal([hours[1]![1], hours[2]![1]]);
    });

    it('quotes as RFC 4180 says, defuses formulas with a leading apostrophe and carries each event’s record states', async () => {
      const rows = await csv('entityType=widget&entityId=w-2');
      const updated = rows.find((r) => r.action === 'widget.updated')!;
      expect(updated.reason).to.equal('\'=1+2, "formula", comma');
      expect(JSON.parse(updated.after!)).to.deep.equal({ label: '=HYPERLINK("x") 2' });
      const formulaCells = rows.flatMap((r) => Object.values(r)).filter((cell) => /^[=+\-@]/.test(cell));
      expect(formulaCells, 'no cell starts a formula').to.deep.equal([]);
      const ofUser = await csv(`entityType=user&entityId=${qaId}`);
      const created = ofUser.find((r) => r.action === 'user.created')!;
      expect(Object.keys(JSON.parse(created.states!))).to.deep.equal([`user:${qaId}`]);
    });

    it('is an audit event of its own: who exported, with which filters, and the SHA-256 and size of the bytes sent', async () => {
      const before = (await exportsRecorded()).length;
      const got = await download(wb.app, `/api/v1/audit/export?format=csv&entityType=widget&actor=qa`, auditor);
      expect(got.headers['content-type']).to.match(/^text\/csv; charset=utf-8/);
      expect(got.headers['content-disposition']).to.match(/^attachment; filename=audit-trail-\d{8}-\d{6}\.csv$/);
      const events = await exportsRecorded();
      expect(events).to.have.length(before + 1);
      const event = events[events.length - 1]!;
      const exporter = (await wb.services.users.findByUsername('auditor'))!;
      expect(event.actor).to.deep.equal({ id: exporter.id, name: exporter.fullName, role: 'auditor' });
      expect(event.entity).to.deep.equal({ type: 'audit-trail', id: 'audit-trail' });
      expect(event.after).to.deep.equal({ format: 'csv', fileName: got.headers['content-disposition']!.slice('attachment; filename='.length), sha256: got.sha256, bytes: got.bytes.length, filters: { entityType: 'widget', actor: { id: qaId, username: 'qa' } } });
      expect(got.headers['repr-digest']).to.equal(`sha-256=:${Buffer.from(got.sha256, 'hex').toString('base64')}:`);
    });

    it('records the search view’s CSV (GET /api/v1/audit?format=csv) as an export too', async () => {
      const before = (await exportsRecorded()).length;
      const got = await download(wb.app, '/api/v1/audit?format=csv&entityType=gadget&order=asc', auditor);
      expect(got.status).to.equal(200);
      const events = await exportsRecorded();
      expect(events).to.have.length(before + 1);
      expect(events[events.length - 1]!.after).to.deep.include({ format: 'csv', sha256: got.sha256, bytes: got.bytes.length, filters: { entityType: 'gadget', order: 'asc' } });
    });
  });

  describe('PDF report', () => {
    let text: string;
    let pages: string[];
    let sent: Awaited<ReturnType<typeof download>>;

    before(async () => {
      // A signed checkpoint, then events after it: the report says which events it covers.
      await wb.services.audit.checkpointNow(await ctxOf('qa'));
      await record(await ctxOf('it'), { entityId: 'w-after', after: { label: 'after the checkpoint' } });
      sent = await download(wb.app, '/api/v1/audit/export?format=pdf&entityType=widget', auditor);
      expect(sent.status, sent.bytes.toString()).to.equal(200);
      ({ text, pages } = await pdfText(sent.bytes));
    });

    it('is a PDF download with its name', () => {
      expect(sent.headers['content-type']).to.equal('application/pdf');
      expect(sent.headers['content-disposition']).to.match(/^attachment; filename=audit-trail-\d{8}-\d{6}\.pdf$/);
      expect(sent.bytes.subarray(0, 5).toString()).to.equal('%PDF-');
    });

    it('names the filters, when it was generated and by whom', async () => {
      const all = flat(text);
      const exporter = (await wb.services.users.findByUsername('auditor'))!;
      expect(all).to.include('Audit trail report');
      expect(all).to.match(/Record\s*widget \(any id\)/);
      expect(all).to.match(/User\s*all/);
      expect(all).to.match(/Generated at\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
      expect(all).to.include(`${exporter.fullName} (auditor, auditor)`);
    });

    it('lists every matching event with its time and zone, actor, action, record and reason, and no other', async () => {
      const all = flat(text);
      const events = (await wb.services.audit.list({ entityType: 'widget' }, { limit: 1000, order: 'asc' })).events;
      for (const event of events) {
        expect(all).to.include(`${event.occurredAt.slice(0, 19).replace('T', ' ')} UTC`);
        expect(all).to.include(`widget ${event.entityId}`);
      }
      expect(all).to.include('=1+2, "formula", comma');
      expect(all).to.include('label: widget 2 → =HYPERLINK("x") 2');
      expect(all).to.not.include('gadget.checked');
    });

    it('shows the chain verification and the latest signed checkpoint with its key fingerprint', async () => {
      const all = flat(text);
      const checkpoint = (await wb.services.checkpoints.latest())!;
      expect(all).to.include('Intact');
      expect(all).to.include(checkpoint.rootHash);
      expect(all).to.include(checkpoint.keyId);
      const key = wb.services.keyring.publicKeys().find((k) => k.keyId === checkpoint.keyId)!;
      const fingerprint = createHash('sha256').update(createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' })).digest('hex');
      expect(all.replace(/\s+/g, '')).to.include(fingerprint);
      expect(all).to.match(/Those up to event [\d,]+ are covered by the latest signed checkpoint/);
    });

    it('numbers every page "Page N of M"', () => {
      expect(pages.length).to.be.greaterThan(0);
      pages.forEach((page, i) => expect(flat(page)).to.include(`Page ${i + 1} of ${pages.length}`));
    });

    it('is recorded as an export with the digest of the PDF sent', async () => {
      const event = (await exportsRecorded()).find((e) => (e.after as { sha256: string }).sha256 === sent.sha256);
      expect(event?.after).to.deep.include({ format: 'pdf', bytes: sent.bytes.length, filters: { entityType: 'widget' } });
    });
  });

  it('records nothing and leaves no file when a document fails half-way', async () => {
    const before = (await exportsRecorded()).length;
    const failing = async function* () {
      yield 'first bytes';
      throw new Error('the renderer broke');
    };
    const create = wb.services.exports.create(systemContext('test'), { entityType: 'run', entityId: '1', format: 'pdf', contentType: 'application/pdf', fileName: 'x.pdf', content: () => failing() });
    await create.then(
      () => expect.fail('the export should fail'),
      (error: Error) => expect(error.message).to.equal('the renderer broke'),
    );
    expect((await exportsRecorded()).length).to.equal(before);
    expect(fs.readdirSync(path.join(wb.config.dataDir, 'exports'))).to.deep.equal([]);
  });

  describe('a long trail', () => {
    const BULK = 3000;
    it(`streams a report of ${BULK.toLocaleString('en-US')} events page by page, every page numbered, every event listed`, async function () {
      this.timeout(120_000);
      const ctx = systemContext('bulk import');
      const entries = Array.from({ length: BULK }, (_, i) => ({ action: 'sample.measured', entityType: 'sample', entityId: `S-${String(i + 1).padStart(5, '0')}`, change: 'event' as const, after: { reading: i } }));
      const recorded = await wb.services.database.write((tx) => wb.services.audit.recordMany(tx, ctx, entries));
      const sent = await download(wb.app, '/api/v1/audit/export?format=pdf&entityType=sample', auditor);
      expect(sent.status).to.equal(200);
      const { pages } = await pdfText(sent.bytes);
      expect(pages.length).to.be.greaterThan(50);
      pages.forEach((page, i) => expect(flat(page), `page ${i + 1}`).to.include(`Page ${i + 1} of ${pages.length}`));
      const all = flat(pages.join(' '));
      for (const entry of entries) expect(all).to.include(`sample ${entry.entityId}`);
      expect(all).to.include(`3,000 events listed (sequence numbers ${recorded[0]!.seq}–${recorded[BULK - 1]!.seq})`);
    });
  });

  describe('bad filters', () => {
    const cases: Array<[string, string, string]> = [
      ['no format', 'entityType=widget', 'query.format'],
      ['format=xml', 'format=xml', 'query.format'],
      ['from=notadate', 'format=csv&from=notadate', 'query.from'],
      ['to=2024-02-30T00:00:00Z', 'format=pdf&to=2024-02-30T00:00:00Z', 'query.to'],
      ['to without a time', 'format=csv&to=2024-01-01', 'query.to'],
      ['from after to', 'format=csv&from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z', 'query.from'],
      ['an unknown user', 'format=pdf&actor=nobody-here', 'query.actor'],
      ['an unknown user id', 'format=csv&actor=99999999', 'query.actor'],
      ['an empty actor', 'format=csv&actor=', 'query.actor'],
      ['an unknown parameter', 'format=csv&actorId=1', 'query.actorId'],
    ];
    for (const [title, query, field] of cases) {
      it(`answers 400 naming ${field} for ${title}, and records no export`, async () => {
        const before = (await exportsRecorded()).length;
        const got = await download(wb.app, `/api/v1/audit/export?${query}`, auditor);
        expect(got.status).to.equal(400);
        expect(got.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
        expect(got.body.error.message).to.include(field);
        expect((await exportsRecorded()).length).to.equal(before);
      });
    }
  });
});

describe('audit report model', () => {
  const verification = (overrides: Partial<AuditVerification> = {}): AuditVerification => ({ ok: true, eventsChecked: 1200, checkpointsChecked: 1, lastSeq: 1200, headChainHash: 'c'.repeat(64), witnessTreeSize: 1000, firstBadSeq: null, problem: null, problems: [], verifiedAt: '2026-01-02T03:04:05.000Z', ...overrides });
  const checkpoint = { id: 1, treeSize: 1000, rootHash: 'r'.repeat(64), chainHash: 'h'.repeat(64), createdAt: '2026-01-01T00:00:00.000Z', keyId: 'k'.repeat(16), signature: 's', frontier: '[]' } as unknown as AuditCheckpoint;
  const model = (v = verification()) => presentAuditReport({ filter: {}, generatedAt: new Date('2026-01-02T03:04:05Z'), generatedBy: { name: 'Aurelia Auditor', username: 'auditor', role: 'auditor' }, events: (async function* () {})(), verification: v, checkpoint, keyFingerprint: 'f'.repeat(64) });

  it('summarizes a change as the fields that changed, old → new, shortened', () => {
    expect(summarizeChange({ status: 'open', title: 'A' }, { status: 'resolved', title: 'A' })).to.equal('status: open → resolved');
    expect(summarizeChange(null, { key: 'IF-1', version: 2 })).to.equal('key: IF-1; version: 2');
    expect(summarizeChange({ a: 1 }, { a: 1 })).to.equal('no field changed');
    expect(summarizeChange(null, null)).to.equal('—');
    expect(summarizeChange({ text: 'x'.repeat(500) }, { text: 'y' })).to.equal(`text: ${'x'.repeat(59)}… → y`);
    expect(summarizeChange(null, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, 'value'])))).to.have.length(320);
  });

  it('names the filters in words: record, user, action, period', () => {
    expect(presentFilters({ entityType: 'run', entityId: '7', actor: { id: 3, username: 'qa', printedName: 'Quinn Quality' }, from: '2026-01-01T00:00:00Z', to: '2026-01-31T23:59:59+01:00' })).to.deep.equal([
      { label: 'Record', value: 'run 7' },
      { label: 'User', value: 'Quinn Quality (qa, user 3)' },
      { label: 'Action', value: 'all' },
      { label: 'Period', value: 'from 2026-01-01 00:00:00 UTC to 2026-01-31 22:59:59 UTC' },
    ]);
    expect(presentFilters({})[3]).to.deep.equal({ label: 'Period', value: 'the whole trail' });
  });

  it('says the trail is intact, or names the first bad event', () => {
    expect(model().verification.chain).to.match(/^Intact: the whole trail \(events 1–1,200\)/);
    const broken = model(verification({ ok: false, firstBadSeq: 57, problem: 'leaf hash does not match the event', problems: [{ seq: 57, problem: 'leaf hash does not match the event' }] })).verification;
    expect(broken.ok).to.equal(false);
    expect(broken.chain).to.match(/^NOT INTACT: the first bad event is 57 — leaf hash does not match the event/);
    expect(broken.problems).to.deep.equal(['event 57: leaf hash does not match the event']);
  });

  it('prints the latest checkpoint and says which listed events it covers', () => {
    const m = model();
    expect(m.verification.checkpoint).to.deep.include({ label: 'Key fingerprint', value: `SHA-256 ${'f'.repeat(64)}` });
    expect(m.summaryOf({ count: 2, firstSeq: 10, lastSeq: 20 })).to.match(/All of them are covered by the latest signed checkpoint \(tree size 1,000\)/);
    expect(m.summaryOf({ count: 2, firstSeq: 1001, lastSeq: 1100 })).to.match(/recorded after the latest signed checkpoint/);
    expect(m.summaryOf({ count: 0, firstSeq: null, lastSeq: null })).to.equal('No audit event matches these filters.');
  });
});
