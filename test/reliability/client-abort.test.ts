// A client that hangs up in the middle of an upload or a download is not a fault of the server: it
// is logged at info as a client abort, and the error level stays for what someone must look at.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const ITEM_BYTES = 8 * 1024 * 1024;

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  path?: string;
}

describeEachDatabase('client aborts', (dialect) => {
  let wb: TestWorkbench;
  let token: string;
  let server: http.Server;
  let port: number;
  const lines: LogLine[] = [];
  const waitForLog = async (predicate: (line: LogLine) => boolean): Promise<LogLine> => {
    for (let i = 0; i < 200; i += 1) {
      const found = lines.find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no such log line in ${JSON.stringify(lines)}`);
  };

  before(async () => {
    // The process logger, writing JSON lines to a stream this test reads.
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
    });
    wb = await createTestWorkbench(dialect, {
      logger: pino({ level: 'info' }, destination),
      env: { GXPW_EVIDENCE_MAX_BYTES: String(4 * ITEM_BYTES) },
      extend: (_app, api) =>
        api.add({ method: 'get', path: '/api/v1/test/fault', permission: 'public', tag: 'test', summary: 'A fault of ours', handler: async () => Promise.reject(new Error('a bug of ours')) }),
    });
    token = await wb.login('it');
    server = wb.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });
  beforeEach(() => void (lines.length = 0));

  it('logs an upload abandoned half-way as a client abort at info, not as an unhandled error, and stores nothing', async () => {
    const rowsBefore = (await wb.services.evidence.list({})).length;
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/api/v1/evidence', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': ITEM_BYTES } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(256 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    req.destroy();
    const abort = await waitForLog((line) => line.msg === 'client aborted the request');
    expect(abort).to.include({ level: 30, path: '/api/v1/evidence' });
    await wb.services.evidence.store.settled();
    expect(lines.filter((line) => line.level >= 50), 'no error-level line').to.deep.equal([]);
    expect((await wb.services.evidence.list({})).length).to.equal(rowsBefore);
  });

  it('logs a download abandoned half-way as a client abort at info, not as an unhandled error', async () => {
    const upload = await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/octet-stream').send(Buffer.alloc(ITEM_BYTES, 7));
    expect(upload.status).to.equal(201);
    lines.length = 0;
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ port, host: '127.0.0.1', path: `/api/v1/evidence/${upload.body.digest}`, headers: { authorization: `Bearer ${token}` } }, (res) => {
        expect(res.statusCode).to.equal(200);
        // The first bytes arrive; the client goes away before the rest.
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    });
    const abort = await waitForLog((line) => line.msg === 'client aborted the request');
    expect(abort).to.include({ level: 30 });
    expect(abort.path).to.match(/^\/api\/v1\/evidence\/[0-9a-f]{64}$/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.filter((line) => line.level >= 50), 'no error-level line').to.deep.equal([]);
  });

  it('still logs a fault of ours at error level, with its correlation id', async () => {
    const response = await request(wb.app).get('/api/v1/test/fault');
    expect(response.status).to.equal(500);
    const error = await waitForLog((line) => line.msg === 'unhandled error');
    expect(error).to.include({ level: 50, correlationId: response.body.error.correlationId });
  });
});
