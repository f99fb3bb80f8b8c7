// The baseline of `npm run bench http`: a bare express handler that answers GET /api/v1/interfaces
// with the very bytes the real app answered (read once from the file named by argv[2]), on the
// loopback port named by argv[3]. No authentication, no database, no validation: the floor any
// express JSON answer of this size stands on.
import fs from 'node:fs';
import express from 'express';

const [file, port] = process.argv.slice(2);
const body = fs.readFileSync(file!);
const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/api/v1/interfaces', (_req, res) => {
  res.type('application/json').send(body);
});
app.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
