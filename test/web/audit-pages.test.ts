// The audit-trail pages: filters that find only matching events, before and after side by side,
// the verification in words, and CSV/PDF downloads that are audited exports like the API's.
import { expect } from 'chai';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { signInWeb, type WebSession } from '../support/web-agent.js';

/** The sequence numbers of the events listed on an audit page. */
function seqsOf(html: string): number[] {
  return [...html.matchAll(/<tr>\s*<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
}

/** The page's text with the entities Handlebars writes in attributes decoded (= and &). */
function decoded(html: string): string {
  return html.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');
}

describeEachDatabase('audit-trail pages', (dialect) => {
  let wb: TestWorkbench;
  let admin: WebSession;
  let auditor: WebSession;
  let subjectId: number;

  before(async () => {
    wb = await createTestWorkbench(dialect);
    admin = await signInWeb(wb.app, 'admin');
    auditor = await signInWeb(wb.app, 'auditor');
    const created = await admin.post('/admin/users', { username: 'trail.subject', fullName: 'Tess Trail', role: 'auditor', password: 'a-long-initial-password' });
    expect(created.status, created.text.slice(0, 400)).to.equal(303);
    subjectId = Number(/\/admin\/users\/(\d+)/.exec(created.headers.location)![1]);
    expect((await admin.post(`/admin/users/${subjectId}/deactivate`, { reason: 'left the company' })).status).to.equal(303);
  });
  after(async () => wb?.close());

  it('lists the newest event first, with time (seconds, zone), printed and user name, action, record, reason and correlation id', async () => {
    const page = await auditor.get('/audit');
    expect(page.status).to.equal(200);
    const seqs = seqsOf(page.text);
    expect(seqs.length).to.be.greaterThan(1);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => b - a));
    const deactivated = (await lastAuditEvent(wb.services, 'user.deactivated'))!;
    expect(page.text).to.include('Alex Admin');
    expect(page.text).to.match(/admin · Administrator/);
    expect(page.text).to.include('user.deactivated');
    expect(page.text).to.include('left the company');
    expect(page.text).to.include(deactivated.correlationId!);
    // Seconds and the zone named: "05 Mar 2026, 14:03:07 UTC".
    expect(page.text).to.match(/<time datetime="[^"]+">\d{2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} [A-Z]/);
    expect(decoded(page.text)).to.include('href="/audit/export?format=csv"');
    expect(decoded(page.text)).to.include('href="/audit/export?format=pdf"');
    const filtered = decoded((await auditor.get(`/audit?entityType=user&entityId=${subjectId}`)).text);
    expect(filtered).to.include(`href="/audit/export?entityType=user&entityId=${subjectId}&format=csv"`);
  });

  it('filters by record, action, user and days: only matching events are listed', async () => {
    const byRecord = await auditor.get(`/audit?entityType=user&entityId=${subjectId}`);
    const expected = (await auditEvents(wb.services, { entityType: 'user', entityId: String(subjectId) })).map((e) => e.seq).reverse();
    expect(expected).to.have.length(2);
    expect(seqsOf(byRecord.text)).to.deep.equal(expected);

    const byAction = await auditor.get('/audit?action=user.deactivated');
    const deactivations = (await auditEvents(wb.services, { action: 'user.deactivated' })).map((e) => e.seq).reverse();
    expect(seqsOf(byAction.text)).to.deep.equal(deactivations);

    const byPrefix = await auditor.get(`/audit?action=${encodeURIComponent('user.*')}&actor=admin&entityId=${subjectId}&entityType=user`);
    expect(seqsOf(byPrefix.text)).to.deep.equal(expected);

    const byOtherUser = await auditor.get(`/audit?actor=qa&entityType=user&entityId=${subjectId}`);
    expect(seqsOf(byOtherUser.text)).to.deep.equal([]);
    expect(byOtherUser.text).to.include('No audit events match these filters.');

    const future = await auditor.get('/audit?from=2999-01-01');
    expect(seqsOf(future.text)).to.deep.equal([]);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const around = await auditor.get(`/audit?from=${yesterday}&to=${tomorrow}&entityType=user&entityId=${subjectId}`);
    expect(seqsOf(around.text)).to.deep.equal(expected);
    const past = await auditor.get(`/audit?to=2000-01-01&entityType=user&entityId=${subjectId}`);
    expect(seqsOf(past.text)).to.deep.equal([]);
  });

  it('shows before and after side by side inside a disclosure', async () => {
    const page = await auditor.get(`/audit?action=user.deactivated&entityId=${subjectId}`);
    expect(page.text).to.match(/<details>\s*<summary>Before and after<\/summary>\s*<div class="compare">/);
    const compare = page.text.slice(page.text.indexOf('<div class="compare">'));
    expect(compare.indexOf('<h4>Before</h4>')).to.be.lessThan(compare.indexOf('<h4>After</h4>'));
    expect(compare).to.match(/&quot;status&quot;: &quot;active&quot;[\s\S]*<h4>After<\/h4>[\s\S]*&quot;status&quot;: &quot;deactivated&quot;/);
  });

  it('pages through the trail 50 at a time', async () => {
    const first = await auditor.get('/audit');
    const next = /href="(\/audit\?cursor=\d+)"/.exec(decoded(first.text));
    const total = (await auditEvents(wb.services)).length;
    if (total <= 50) {
      expect(next).to.equal(null);
      return;
    }
    expect(seqsOf(first.text)).to.have.length(50);
    const second = await auditor.get(next![1]!);
    expect(Math.max(...seqsOf(second.text))).to.be.lessThan(Math.min(...seqsOf(first.text)));
  });

  it('refuses a bad filter with a 400 beside the field, and lists nothing', async () => {
    const backwards = await auditor.get('/audit?from=2026-03-02&to=2026-03-01');
    expect(backwards.status).to.equal(400);
    expect(backwards.text).to.match(/id="f-from"[^>]*aria-invalid="true"/);
    expect(backwards.text).to.include('Choose a day on or before the “to” day.');
    expect(seqsOf(backwards.text)).to.deep.equal([]);
    const notADay = await auditor.get('/audit?to=yesterday');
    expect(notADay.status).to.equal(400);
    expect(notADay.text).to.match(/id="f-to"[^>]*aria-invalid="true"/);
    const unknownUser = await auditor.get('/audit?actor=nobody-here');
    expect(unknownUser.status).to.equal(400);
    expect(unknownUser.text).to.match(/id="f-actor"[^>]*aria-invalid="true"/);
    const badCursor = await auditor.get('/audit?cursor=-4');
    expect(badCursor.status).to.equal(400);
    expect(badCursor.text).to.include('A filter is not valid');
  });

  it('verifies an intact trail in words, with the last checkpoint, and changes nothing', async () => {
    await wb.services.audit.checkpointNow(null);
    const before = await wb.services.audit.lastSeq();
    const idle = await auditor.get('/audit/verify');
    expect(idle.status).to.equal(200);
    expect(idle.text).to.match(/<form method="get" action="\/audit\/verify"/);
    expect(idle.text).to.include('Not verified yet');
    const page = await auditor.get('/audit/verify?run=1');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('The audit trail is intact');
    expect(page.text).to.match(/badge-ok">Intact/);
    expect(page.text).to.match(/Events checked<\/dt><dd>[\d,]+ \(up to event \d+\)/);
    expect(page.text).to.match(/Records reconciled<\/dt><dd>[\d,]+ checked — all match their trail/);
    expect(page.text).to.match(/Signature<\/dt><dd><span class="badge badge-valid">Valid<\/span>/);
    expect(await wb.services.audit.lastSeq()).to.equal(before);
  });

  it('exports the filtered trail as CSV and PDF, each an audited export.created event', async () => {
    for (const format of ['csv', 'pdf'] as const) {
      const response = await auditor.agent.get(`/audit/export?format=${format}&entityType=user&entityId=${subjectId}&actor=admin`).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect(response.status).to.equal(200);
      expect(response.headers['content-type']).to.include(format === 'csv' ? 'text/csv' : 'application/pdf');
      const body = response.body as Buffer;
      if (format === 'csv') {
        const lines = body.toString('utf8').trim().split('\r\n');
        expect(lines).to.have.length(3);
        expect(lines.slice(1).every((line) => line.includes(`,user,${subjectId},`))).to.equal(true);
      } else {
        expect(body.subarray(0, 5).toString()).to.equal('%PDF-');
      }
      const event = (await lastAuditEvent(wb.services, 'export.created'))!;
      expect(event.entity).to.deep.equal({ type: 'audit-trail', id: 'audit-trail' });
      expect(event.actor.role).to.equal('auditor');
      expect(event.after).to.deep.include({ format });
      expect((event.after as { filters: Record<string, unknown> }).filters).to.deep.include({ entityType: 'user', entityId: String(subjectId) });
    }
  });

  it('refuses an export with a bad format or period (4xx, nothing exported)', async () => {
    const before = (await auditEvents(wb.services, { action: 'export.created' })).length;
    expect((await auditor.get('/audit/export?format=xlsx')).status).to.equal(400);
    expect((await auditor.get('/audit/export?format=csv&from=2026-02-02&to=2026-02-01')).status).to.equal(400);
    expect((await auditEvents(wb.services, { action: 'export.created' })).length).to.equal(before);
  });
});
