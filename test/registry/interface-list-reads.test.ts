// GET /api/v1/interfaces — the read path the registry pages stand on. A page may be kept in memory
// and its JSON made once, but only while the registry's tables are unchanged: every change — by
// this server, by another instance on the same database, by a SQL client — shows in the very next
// answer, and a client holding the current page's ETag gets 304.
import { expect } from 'chai';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import { createServices } from '../../src/services.js';
import { describeEachDatabase } from '../support/databases.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

describeEachDatabase('interface list: a kept page never outlives a change', (dialect) => {
  let wb: TestWorkbench;
  let token: string;
  const list = (query = 'limit=50') => request(wb.app).get(`/api/v1/interfaces?${query}`).set('Authorization', `Bearer ${token}`);
  const names = async (query?: string) => ((await list(query).expect(200)).body.interfaces as Array<{ key: string; name: string }>).map((i) => `${i.key}:${i.name}`);
  const ctx = systemContext('test set-up');

  before(async () => {
    wb = await createTestWorkbench(dialect);
    token = await wb.login('it');
    await wb.services.systems.create(ctx, ERP);
    await wb.services.systems.create(ctx, WMS);
    for (const key of ['IF-LIST-001', 'IF-LIST-002', 'IF-LIST-003']) await wb.services.interfaces.create(ctx, anInterface(key, { name: `Orders ${key}` }));
  });
  after(async () => wb?.close());

  it('shows a change made through the API in the next answer: an edit, a new interface, a renamed system', async () => {
    expect(await names()).to.deep.equal(['IF-LIST-001:Orders IF-LIST-001', 'IF-LIST-002:Orders IF-LIST-002', 'IF-LIST-003:Orders IF-LIST-003']);
    await request(wb.app).patch('/api/v1/interfaces/IF-LIST-002').set('Authorization', `Bearer ${token}`).send({ name: 'Orders, renamed', reason: 'clearer name' }).expect(200);
    expect(await names()).to.include('IF-LIST-002:Orders, renamed');

    await request(wb.app).post('/api/v1/interfaces').set('Authorization', `Bearer ${token}`).send(anInterface('IF-LIST-004', { name: 'Orders IF-LIST-004' })).expect(201);
    const answer = (await list().expect(200)).body;
    expect(answer.total).to.equal(4);
    expect(answer.interfaces.map((i: { key: string }) => i.key)).to.include('IF-LIST-004');

    const erp = (await wb.services.systems.list()).find((s) => s.name === ERP.name)!;
    await wb.services.systems.update(ctx, erp.id, { name: 'SAP S/4HANA Cloud' }, 'renamed by the vendor');
    const sources = ((await list().expect(200)).body.interfaces as Array<{ sourceSystem: string }>).map((i) => i.sourceSystem);
    expect(new Set(sources)).to.deep.equal(new Set(['SAP S/4HANA Cloud']));
  });

  it('shows a change made outside this server at once: a SQL client, and a second instance on the same database', async () => {
    await names(); // a kept page
    wb.tamperedWith(); // the edit below is one `gxpw verify` reports, as it should
    await wb.services.database.sequelize.query("UPDATE interfaces SET name = 'Edited in SQL' WHERE key = 'IF-LIST-001'");
    expect(await names()).to.include('IF-LIST-001:Edited in SQL');

    const other = await createServices(wb.config, { now: wb.clock.now });
    try {
      await other.interfaces.update(ctx, 'IF-LIST-003', { owner: 'Another team' }, 'handed over');
      const answer = (await list().expect(200)).body.interfaces as Array<{ key: string; owner: string }>;
      expect(answer.find((i) => i.key === 'IF-LIST-003')!.owner).to.equal('Another team');
      await other.interfaces.setStatus(ctx, 'IF-LIST-003', 'active', 'in service');
      expect(((await list('status=active').expect(200)).body.interfaces as Array<{ key: string }>).map((i) => i.key)).to.include('IF-LIST-003');
    } finally {
      await other.close();
    }
  });

  it('keeps pages of different filters apart, and a platform filter follows a platform change', async () => {
    expect((await list('platform=MuleSoft%20Runtime%204.9').expect(200)).body.total).to.equal(0);
    await request(wb.app).patch('/api/v1/interfaces/IF-LIST-002').set('Authorization', `Bearer ${token}`).send({ platforms: ['MuleSoft Runtime 4.9'], reason: 'runtime upgrade' }).expect(200);
    const upgraded = (await list('platform=MuleSoft%20Runtime%204.9').expect(200)).body;
    expect(upgraded.total).to.equal(1);
    expect(upgraded.interfaces[0].key).to.equal('IF-LIST-002');
    expect((await list('limit=1&offset=1').expect(200)).body).to.include({ limit: 1, offset: 1, total: 4 });
    expect((await list('limit=1&offset=10').expect(200)).body).to.deep.equal({ total: 4, interfaces: [], limit: 1, offset: 10 });
  });

  it('answers 304 to the ETag of the current page, and the page with a new ETag after a change', async () => {
    const first = await list().expect(200);
    const etag = first.headers.etag as string;
    expect(etag).to.be.a('string');
    expect(first.headers['content-type']).to.match(/^application\/json/);
    await list().set('If-None-Match', etag).expect(304);
    await wb.services.interfaces.update(ctx, 'IF-LIST-004', { owner: 'Night shift' }, 'rota');
    const changed = await list().set('If-None-Match', etag).expect(200);
    expect(changed.headers.etag).to.not.equal(etag);
    expect(changed.body.interfaces.find((i: { key: string }) => i.key === 'IF-LIST-004').owner).to.equal('Night shift');
  });

  it('lists each interface exactly as GET /api/v1/interfaces/:key presents it', async () => {
    const listed = (await list().expect(200)).body.interfaces as Array<{ key: string }>;
    for (const item of listed) {
      const one = await request(wb.app).get(`/api/v1/interfaces/${item.key}`).set('Authorization', `Bearer ${token}`).expect(200);
      expect(item).to.deep.equal(one.body);
    }
  });

  it('hands out a kept page frozen, so no caller can change what the next request gets', async () => {
    const page = await wb.services.interfaces.list({ limit: 50, offset: 0 });
    expect(() => {
      (page.interfaces[0] as { name: string }).name = 'changed in memory';
    }).to.throw(TypeError);
    expect((await wb.services.interfaces.list({ limit: 50, offset: 0 })).interfaces[0]!.name).to.not.equal('changed in memory');
  });
});
