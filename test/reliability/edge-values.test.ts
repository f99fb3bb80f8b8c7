// Values at the edges of what the database can hold must be refused as bad input, not crash it.
import { expect } from 'chai';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

describeEachDatabase('edge values', (dialect) => {
  let wb: TestWorkbench;
  let token: string;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    token = await wb.login('admin');
  });
  after(async () => wb?.close());

  for (const path of [
    '/api/v1/users/99999999999',
    '/api/v1/audit?cursor=99999999999',
    '/api/v1/audit?actorId=99999999999',
    '/api/v1/audit?entityId=%00',
    '/api/v1/audit?from=0001-01-01T00:00:00Z',
    '/api/v1/audit?to=9999-12-31T23:59:59Z',
  ]) {
    it(`answers GET ${path} without a server error`, async () => {
      const response = await request(wb.app).get(path).set('Authorization', `Bearer ${token}`);
      expect(response.status, JSON.stringify(response.body)).to.be.below(500);
    });
  }

  it('refuses a NUL character in a text field with 400 rather than a database error', async () => {
    const response = await request(wb.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${token}`)
      .send({ username: 'nul.user', fullName: 'Nul\u0000Byte', role: 'qa', password: 'a-long-enough-passphrase' });
    expect(response.status, JSON.stringify(response.body)).to.equal(400);
  });

  it('refuses text with a lone UTF-16 surrogate with 400 (not Unicode: it cannot be hashed into the audit trail) and creates nothing', async () => {
    const before = (await wb.services.users.list({})).length;
    const response = await request(wb.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send('{"username": "surrogate.user", "fullName": "Broken \\ud800 name", "role": "qa", "password": "a-long-enough-passphrase"}');
    expect(response.status, JSON.stringify(response.body)).to.equal(400);
    expect(response.body.error.details[0]).to.deep.include({ field: 'body.fullName', rule: 'wellFormedUnicode' });
    expect((await wb.services.users.list({})).length).to.equal(before);
    const paired = await request(wb.app).post('/api/v1/users').set('Authorization', `Bearer ${token}`).send({ username: 'emoji.user', fullName: 'Emoji \ud83d\ude00 Name', role: 'qa', password: 'a-long-enough-passphrase' });
    expect(paired.status, 'a proper surrogate pair is fine').to.equal(201);
  });
});
