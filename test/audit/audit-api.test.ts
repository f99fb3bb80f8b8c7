// GET /api/v1/audit: the audit trail available to inspectors (Part 11 §11.10(e), Annex 11 §9),
// searchable by entity, actor, action and time range, paginated, and exportable as CSV that holds
// exactly the filtered view. Bad query values are a 400 naming the field; nothing without a session.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import type { AuditEntry } from '../../src/audit/audit-trail.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

interface ListedEvent {
  seq: number;
  occurredAt: string;
  actor: { id: number | null; name: string; role: string | null };
  action: string;
  entity: { type: string; id: string };
  before: unknown;
  after: unknown;
  reason: string | null;
  correlationId: string | null;
  states: Record<string, string> | null;
  leafHash: string;
  chainHash: string;
}

const HOUR = 3_600_000;

/** Reasons a CSV export must quote (RFC 4180): commas, quotes, line breaks. */
const AWKWARD_REASONS = [
  'Batch 12, line 3: corrected, as agreed',
  'Operator wrote "OK" where "NOK" was meant',
  'First line\nsecond line',
  'Windows line\r\nbreak, and a "quote"',
  'Trailing quote "',
];

/** A strict RFC 4180 parser: quoted fields may hold , " CR LF; a quote inside a field is doubled. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  while (i < text.length) {
    if (text[i] === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += text[i];
        i += 1;
      }
      if (i < text.length && text[i] !== ',' && !text.startsWith('\r\n', i)) throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    if (text[i] === ',') {
      endField();
      i += 1;
    } else if (text.startsWith('\r\n', i)) {
      endField();
      records.push(record);
      record = [];
      i += 2;
    } else {
      if (text[i] === '\r' || text[i] === '\n') throw new Error(`bare line break in an unquoted field at ${i}`);
      field += text[i];
      i += 1;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end with CRLF');
  return records;
}

describeEachDatabase('audit trail API', (dialect) => {
  let wb: TestWorkbench;
  let auditorToken: string;
  let adminToken: string;
  let adminId: number;
  let all: ListedEvent[];
  /** Seqs of the events recorded in each hour of server time. */
  const hours: number[][] = [];

  async function record(entry: Partial<AuditEntry>) {
    return wb.services.database.write((tx) =>
      wb.services.audit.record(tx, systemContext('test'), {
        action: 'widget.created',
        entityType: 'widget',
        entityId: randomUUID(),
        change: 'create',
        ...entry,
      }),
    );
  }

  const get = (query: Record<string, string | number>, token: string | null = auditorToken) => {
    const req = request(wb.app).get('/api/v1/audit').query(query);
    return token === null ? req : req.set('Authorization', `Bearer ${token}`);
  };

  async function listAll(query: Record<string, string | number>) {
    const response = await get({ ...query, limit: 1000 }).expect(200);
    expect(response.body.nextCursor, 'one page holds every event').to.equal(null);
    return response.body.events as ListedEvent[];
  }

  /** Follows nextCursor from the first page to the last. */
  async function allPages(query: Record<string, string | number>) {
    const pages: ListedEvent[][] = [];
    let cursor: number | undefined;
    for (let guard = 0; guard < 1000; guard += 1) {
      const response = await get(cursor === undefined ? query : { ...query, cursor }).expect(200);
      pages.push(response.body.events);
      if (response.body.nextCursor === null) return pages;
      expect(response.body.nextCursor).to.equal(response.body.events[response.body.events.length - 1].seq);
      cursor = response.body.nextCursor;
    }
    throw new Error('pagination does not end');
  }

  const seqs = (events: ListedEvent[]) => events.map((e) => e.seq);

  before(async () => {
    wb = await createTestWorkbench(dialect);
    // Hour 0 holds the seeded users. Three more hours of server time, so time ranges are crisp;
    // the clock moves only before anyone signs in, so sessions stay fresh.
    for (let hour = 1; hour <= 3; hour += 1) {
      wb.clock.advance(HOUR);
      const written: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const event = await record({
          action: hour === 2 ? 'gadget.updated' : 'widget.created',
          entityType: hour === 2 ? 'gadget' : 'widget',
          entityId: `${hour === 2 ? 'g' : 'w'}-${hour}-${i}`,
          change: hour === 2 ? 'update' : 'create',
          before: hour === 2 ? { label: 'old, "quoted"', lines: 'a\nb' } : null,
          after: { label: `new ${hour}-${i}, "quoted"`, lines: 'c\r\nd' },
          reason: hour === 2 ? AWKWARD_REASONS[i]! : null,
        });
        written.push(event.seq);
      }
      hours.push(written);
    }
    // Actions whose prefixes contain LIKE wildcards or differ only in case.
    for (const action of ['widget_a.created', 'widgetXa.created', 'Widget_a.created', 'gadget%.created', 'gadgetry.created']) await record({ action });

    adminToken = await wb.login('admin');
    auditorToken = await wb.login('auditor');
    adminId = (await wb.services.users.findByUsername('admin'))!.id;
    const it = (await wb.services.users.findByUsername('it'))!;
    for (const reason of AWKWARD_REASONS.slice(3)) {
      await request(wb.app)
        .patch(`/api/v1/users/${it.id}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send({ qualification: `qualified, "${reason.length}"`, reason })
        .expect(200);
    }
    await request(wb.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ username: 'reviewer', fullName: 'Rita Reviewer', role: 'qa', password: 'a-long-initial-password-2' })
      .expect(201);

    all = await listAll({ order: 'asc' });
    const [{ count }] = await wb.services.database.sequelize.query<{ count: number }>('SELECT COUNT(*) AS count FROM audit_events', { type: QueryTypes.SELECT });
    expect(all).to.have.length(Number(count));
    expect(seqs(all)).to.deep.equal(Array.from({ length: all.length }, (_, i) => i + 1));
  });
  after(async () => wb?.close());

  describe('filters', () => {
    it('filters by entity type', async () => {
      const listed = await listAll({ entityType: 'gadget', order: 'asc' });
      expect(seqs(listed)).to.deep.equal(hours[1]);
      expect(seqs(await listAll({ entityType: 'user', order: 'asc' }))).to.deep.equal(seqs(all.filter((e) => e.entity.type === 'user')));
    });

    it('filters by entity type and id', async () => {
      const listed = await listAll({ entityType: 'widget', entityId: 'w-3-1' });
      expect(listed).to.have.length(1);
      expect(listed[0]!.entity).to.deep.equal({ type: 'widget', id: 'w-3-1' });
      const it = (await wb.services.users.findByUsername('it'))!;
      const ofUser = await listAll({ entityType: 'user', entityId: String(it.id), order: 'asc' });
      expect(seqs(ofUser)).to.deep.equal(seqs(all.filter((e) => e.entity.type === 'user' && e.entity.id === String(it.id))));
      // Seeded: created, chose a password, given signing rights, training and that password by qa2's approvals.
      expect(ofUser.map((e) => e.action)).to.deep.equal(['user.created', 'user.password_changed', 'user.access_granted', 'user.access_granted', 'user.access_granted', 'user.updated', 'user.updated']);
    });

    it('filters by actor id', async () => {
      const listed = await listAll({ actorId: adminId, order: 'asc' });
      const expected = all.filter((e) => e.actor.id === adminId);
      expect(expected.map((e) => e.action)).to.include.members(['auth.login', 'user.updated', 'user.created']);
      expect(seqs(listed)).to.deep.equal(seqs(expected));
    });

    it('filters by exact action', async () => {
      const listed = await listAll({ action: 'user.updated', order: 'asc' });
      expect(listed).to.have.length(2);
      expect(seqs(listed)).to.deep.equal(seqs(all.filter((e) => e.action === 'user.updated')));
      expect(await listAll({ action: 'user' })).to.deep.equal([]);
    });

    it("filters by action prefix ('user.*')", async () => {
      const listed = await listAll({ action: 'user.*', order: 'asc' });
      const expected = all.filter((e) => e.action.startsWith('user.'));
      expect(new Set(expected.map((e) => e.action))).to.deep.equal(new Set(['user.created', 'user.password_changed', 'user.access_granted', 'user.updated']));
      expect(seqs(listed)).to.deep.equal(seqs(expected));
    });

    it('treats the action prefix literally: case matters and _ or % are no wildcards', async () => {
      for (const prefix of ['widget_a.', 'Widget_a.', 'widget', 'gadget%', 'USER.', '%', '_']) {
        const listed = await listAll({ action: `${prefix}*`, order: 'asc' });
        expect(seqs(listed), `action=${prefix}*`).to.deep.equal(seqs(all.filter((e) => e.action.startsWith(prefix))));
      }
    });

    it('filters by time range (from and to inclusive, any UTC offset)', async () => {
      const at = (seq: number) => all.find((e) => e.seq === seq)!.occurredAt;
      const [hour1, hour2, hour3] = hours as [number[], number[], number[]];
      const middle = (a: string, b: string) => new Date((Date.parse(a) + Date.parse(b)) / 2).toISOString();
      const from = middle(at(hour1[2]!), at(hour2[0]!));
      const to = middle(at(hour2[2]!), at(hour3[0]!));

      expect(seqs(await listAll({ from, to, order: 'asc' }))).to.deep.equal(hour2);
      expect(seqs(await listAll({ from: at(hour2[0]!), to: at(hour2[2]!), order: 'asc' })), 'bounds are inclusive').to.deep.equal(hour2);
      expect(seqs(await listAll({ to, order: 'asc' }))).to.deep.equal(seqs(all.filter((e) => e.occurredAt <= to)));
      expect(seqs(await listAll({ from, order: 'asc' }))).to.deep.equal(seqs(all.filter((e) => e.occurredAt >= from)));

      // The same instants written with a +02:00 offset select the same events.
      const withOffset = (iso: string) => {
        const shifted = new Date(Date.parse(iso) + 2 * HOUR).toISOString();
        return `${shifted.slice(0, -1)}+02:00`;
      };
      expect(seqs(await listAll({ from: withOffset(from), to: withOffset(to), order: 'asc' }))).to.deep.equal(hour2);
      expect(await listAll({ from: to, to: from })).to.deep.equal([]);
    });

    it('accepts a leap second in a time range (RFC 3339) instead of failing', async () => {
      const leapSecond = '2016-12-31T23:59:60Z';
      expect(seqs((await get({ from: leapSecond, order: 'asc', limit: 1000 }).expect(200)).body.events)).to.deep.equal(seqs(all));
      expect((await get({ to: leapSecond }).expect(200)).body.events).to.deep.equal([]);
    });

    it('combines filters', async () => {
      const listed = await listAll({ entityType: 'user', action: 'user.*', actorId: adminId, order: 'asc' });
      expect(seqs(listed)).to.deep.equal(seqs(all.filter((e) => e.entity.type === 'user' && e.action.startsWith('user.') && e.actor.id === adminId)));
      // The admin's own chosen password, the demo's it, qa and auditor (created by the admin
      // account), then two edits and 'reviewer'.
      expect(listed).to.have.length(7);
    });
  });

  describe('pagination', () => {
    for (const order of ['asc', 'desc'] as const) {
      it(`returns every event exactly once across the pages, newest ${order === 'asc' ? 'last' : 'first'} (order=${order})`, async () => {
        const pages = await allPages({ order, limit: 4 });
        for (const page of pages) expect(page.length).to.be.within(1, 4);
        const expected = order === 'asc' ? seqs(all) : seqs(all).reverse();
        expect(seqs(pages.flat())).to.deep.equal(expected);
      });

      it(`pages through a filtered view exactly once (order=${order})`, async () => {
        const pages = await allPages({ order, limit: 2, action: 'widget.*' });
        const expected = all.filter((e) => e.action.startsWith('widget.'));
        expect(seqs(pages.flat())).to.deep.equal(order === 'asc' ? seqs(expected) : seqs(expected).reverse());
      });
    }

    it('shows the newest events first by default, 100 per page', async () => {
      const response = await get({}).expect(200);
      expect(seqs(response.body.events)).to.deep.equal(seqs(all).reverse().slice(0, 100));
    });
  });

  describe('CSV export', () => {
    async function csv(query: Record<string, string | number>) {
      const response = await get({ ...query, format: 'csv' }).expect(200);
      expect(response.headers['content-type']).to.match(/^text\/csv/);
      expect(response.headers['content-disposition']).to.match(/^attachment/);
      const [header, ...rows] = parseCsv(response.text);
      return { header: header!, rows: rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!]))) };
    }

    for (const order of ['asc', 'desc'] as const) {
      it(`holds exactly the events of the same filter as the JSON pages (order=${order})`, async () => {
        const filters: Array<Record<string, string | number>> = [{}, { action: 'user.*' }, { entityType: 'gadget' }, { actorId: adminId }];
        for (const filter of filters) {
          // Pages first: the export records its own event (export.created) before it is sent.
          const pages = await allPages({ ...filter, order, limit: 3 });
          const { rows } = await csv({ ...filter, order });
          expect(rows.map((row) => Number(row.seq)), JSON.stringify(filter)).to.deep.equal(seqs(pages.flat()));
        }
      });
    }

    it('quotes commas, quotes and line breaks as RFC 4180 says, so every value reads back exactly', async () => {
      const { header, rows: everyRow } = await csv({ order: 'asc' });
      expect(header).to.include.members(['seq', 'occurred_at', 'actor_id', 'actor_name', 'action', 'entity_type', 'entity_id', 'reason', 'before', 'after', 'correlation_id', 'states']);
      // After the events set up for this suite come the exports of the tests before (each an event).
      const rows = everyRow.slice(0, all.length);
      expect(everyRow.slice(all.length).every((row) => row.action === 'export.created')).to.equal(true);
      const reasons = rows.map((row) => row.reason).filter((reason) => reason !== '');
      for (const awkward of AWKWARD_REASONS) expect(reasons).to.include(awkward);
      for (const [i, row] of rows.entries()) {
        const event = all[i]!;
        expect(Number(row.seq)).to.equal(event.seq);
        expect(row.occurred_at).to.equal(event.occurredAt);
        expect(row.actor_id).to.equal(event.actor.id === null ? '' : String(event.actor.id));
        expect(row.actor_name).to.equal(event.actor.name);
        expect(row.action).to.equal(event.action);
        expect(row.entity_type).to.equal(event.entity.type);
        expect(row.entity_id).to.equal(event.entity.id);
        expect(row.reason).to.equal(event.reason ?? '');
        expect(row.before === '' ? null : JSON.parse(row.before!)).to.deep.equal(event.before);
        expect(row.after === '' ? null : JSON.parse(row.after!)).to.deep.equal(event.after);
        expect(row.correlation_id).to.equal(event.correlationId ?? '');
        expect(row.states === '' ? null : JSON.parse(row.states!)).to.deep.equal(event.states);
      }
    });

    it('exports exactly the page asked for when a cursor is given, like the JSON answer', async () => {
      const first = await get({ order: 'asc', limit: 5 }).expect(200);
      const second = await get({ order: 'asc', limit: 5, cursor: first.body.nextCursor }).expect(200);
      const { rows } = await csv({ order: 'asc', limit: 5, cursor: first.body.nextCursor });
      expect(rows.map((row) => Number(row.seq))).to.deep.equal(seqs(second.body.events));
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['limit=0', { limit: '0' }, 'query.limit'],
      ['limit=abc', { limit: 'abc' }, 'query.limit'],
      ['limit=1001', { limit: '1001' }, 'query.limit'],
      ['limit=2.5', { limit: '2.5' }, 'query.limit'],
      ['from=notadate', { from: 'notadate' }, 'query.from'],
      ['from=2024-02-30T00:00:00Z', { from: '2024-02-30T00:00:00Z' }, 'query.from'],
      ['to=2024-01-01 (no time)', { to: '2024-01-01' }, 'query.to'],
      ['actorId=abc', { actorId: 'abc' }, 'query.actorId'],
      ['cursor=-1', { cursor: '-1' }, 'query.cursor'],
      ['order=sideways', { order: 'sideways' }, 'query.order'],
      ['format=xml', { format: 'xml' }, 'query.format'],
      ['an unknown parameter', { colour: 'red' }, 'query.colour'],
    ];
    for (const [title, query, field] of cases) {
      it(`answers 400 naming ${field} for ${title}`, async () => {
        const response = await get(query).expect(400);
        expect(response.body.error.code).to.equal('validation_failed');
        expect(response.body.error.message).to.include(field);
        expect(response.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
        expect(response.body.error.correlationId).to.be.a('string');
      });
    }

    it('answers 400 naming the field when a parameter is given twice', async () => {
      const response = await request(wb.app).get('/api/v1/audit?limit=1&limit=2').set('Authorization', `Bearer ${auditorToken}`).expect(400);
      expect(response.body.error.details.map((d: { field: string }) => d.field)).to.include('query.limit');
    });
  });

  describe('access', () => {
    for (const path of ['/api/v1/audit', '/api/v1/audit?format=csv', '/api/v1/audit/verify', '/api/v1/audit/checkpoints']) {
      it(`answers 401 to GET ${path} without a session`, async () => {
        const anonymous = await request(wb.app).get(path).expect(401);
        expect(anonymous.body.error.code).to.equal('unauthenticated');
        const forged = await request(wb.app).get(path).set('Authorization', 'Bearer not.a.token').expect(401);
        expect(forged.body.error.code).to.equal('invalid_token');
        expect(forged.headers['content-type'], 'an error, not an export').to.match(/json/);
      });
    }

    it('answers 401 to an on-demand checkpoint without a session', async () => {
      await request(wb.app).post('/api/v1/audit/checkpoints').expect(401);
      expect(await wb.services.checkpoints.list()).to.deep.equal([]);
    });
  });
});
