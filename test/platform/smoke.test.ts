import { expect } from 'chai';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

describeEachDatabase('health check', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('answers ok with the database dialect', async () => {
    const response = await request(wb.app).get('/healthz').expect(200);
    expect(response.body).to.include({ status: 'ok', database: dialect });
  });
});
