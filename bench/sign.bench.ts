// `npm run bench sign` — complete Part 11 signings over HTTP vs the password hash alone.
//
// measured: 4 signers, each in its own session, concurrently POST /api/v1/signatures to a real
//   server on 127.0.0.1 — re-authentication (scrypt at the production cost), authority and
//   separation-of-duties checks, RFC 8785 canonicalization, SHA-256, Ed25519 seal, insert, audit
//   event, and the verification the response carries. The event loop's delay is sampled throughout.
// baseline: the same 4-way concurrency running only PasswordHasher.verify on the same passwords
//   against the same stored hashes — the floor a signing can never beat.
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { PasswordHasher } from '../src/auth/password-hasher.js';
import { systemContext } from '../src/platform/request-context.js';
import type { RecordVersion } from '../src/signatures/signature-service.js';
import { createBenchWorkbench, ratioResult, timed, type Benchmark, type BenchResult } from './harness.js';

const SIGNERS = 4;
const SIGNINGS_PER_SIGNER = Number(process.env.BENCH_SIGN_PER_SIGNER ?? 25);
const PASSWORD = 'bench-signing-password-2026';
const INITIAL_PASSWORD = 'set-by-the-administrator-2026';

/** A risk-assessment-sized record: what a QA signer would approve. */
function assessment(id: string): RecordVersion {
  return {
    content: {
      interface: id,
      model: { id: 'fda-csa', version: '1.0.0' },
      answers: { intendedUse: 'direct', processRisk: 'high', dataDomains: ['serialization events', 'shipments'], failureImpact: 'patient safety' },
      result: { level: 'high', rationale: ['direct impact on product quality', 'serialization data for DSCSA'] },
      assessedAt: '2026-11-01T09:00:00.000Z',
    },
    authorIds: [],
  };
}

async function benchSign(): Promise<BenchResult> {
  const workbench = await createBenchWorkbench({ GXPW_SIGNING_RATE_LIMIT_PER_MINUTE: '100000', GXPW_LOGIN_RATE_LIMIT_PER_MINUTE: '100000', GXPW_SIGNING_COOLOFF_HOURS: '0' });
  const { services } = workbench;
  const server = createApp(services).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const records = new Map<string, RecordVersion>();
    services.signatures.register({
      type: 'bench-assessment',
      meanings: { approved: ['qa'] },
      required: ['approved'],
      currentVersion: async (id) => (records.has(id) ? 1 : null),
      loadVersion: async (id, version) => (version === 1 ? (records.get(id) ?? null) : null),
    });
    const ctx = systemContext('benchmark');
    const signers: Array<{ username: string; token: string; passwordHash: string; records: string[] }> = [];
    // Signers get their rights as in production: the first is bootstrapped, it approves the others'
    // grants; each chooses their own password (no cooling-off in this benchmark: GXPW_SIGNING_COOLOFF_HOURS=0).
    for (let s = 1; s <= SIGNERS; s += 1) {
      const username = `qa${s}`;
      await services.users.create(
        ctx,
        { username, fullName: `QA Signer ${s}`, role: 'qa', password: INITIAL_PASSWORD, trainingCompletedAt: '2026-01-01T00:00:00.000Z', signaturePolicyAcknowledgedAt: '2026-01-01T00:00:00.000Z' },
        { bootstrapSigner: s === 1 },
      );
      await services.auth.changePassword(ctx, username, INITIAL_PASSWORD, PASSWORD);
    }
    const approver = await services.auth.login(ctx, 'qa1', PASSWORD);
    const approverCtx = { ...ctx, actor: { userId: approver.user.id, username: 'qa1', name: approver.user.fullName, role: 'qa' }, sessionId: approver.session.id };
    for (const grant of await services.accessGrants.list({ status: 'pending' })) {
      await services.signatures.sign(approverCtx, { recordType: 'user-access', recordId: String(grant.id), version: 1, meaning: 'approved', reason: 'benchmark signer', username: 'qa1', password: PASSWORD });
    }
    for (let s = 1; s <= SIGNERS; s += 1) {
      const username = `qa${s}`;
      const user = (await services.users.findByUsername(username))!;
      const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
      const { token } = (await login.json()) as { token: string };
      const ids = Array.from({ length: SIGNINGS_PER_SIGNER }, (_, i) => `RA-${s}-${i + 1}`);
      for (const id of ids) records.set(id, assessment(id));
      signers.push({ username, token, passwordHash: user.passwordHash, records: ids });
    }
    const approvals = (await services.signatures.verifyAll()).checked;

    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const measured = await timed(() =>
      Promise.all(
        signers.map(async ({ username, token, records: ids }) => {
          for (const recordId of ids) {
            const response = await fetch(`${base}/api/v1/signatures`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ recordType: 'bench-assessment', recordId, version: 1, meaning: 'approved', reason: 'assessment reviewed', username, password: PASSWORD }),
            });
            if (response.status !== 201) throw new Error(`signing ${recordId} answered ${response.status}: ${await response.text()}`);
          }
        }),
      ),
    );
    loopDelay.disable();

    const hasher = new PasswordHasher(services.config.auth.scryptLogN);
    const baseline = await timed(() =>
      Promise.all(
        signers.map(async ({ passwordHash, records: ids }) => {
          for (let i = 0; i < ids.length; i += 1) if (!(await hasher.verify(PASSWORD, passwordHash))) throw new Error('baseline verification failed');
        }),
      ),
    );

    const total = SIGNERS * SIGNINGS_PER_SIGNER;
    const stored = (await services.signatures.verifyAll()).checked - approvals;
    if (stored !== total) throw new Error(`expected ${total} signatures, found ${stored}`);
    const maxDelayMs = loopDelay.max / 1e6;
    return ratioResult(
      'sign',
      `${total} signings by ${SIGNERS} concurrent signers over HTTP (scrypt ln=${services.config.auth.scryptLogN})`,
      measured.ms,
      baseline.ms,
      0.8,
      {
        database: services.database.dialect,
        signingsPerSecond: Number((total / (measured.ms / 1000)).toFixed(2)),
        passwordHashesPerSecond: Number((total / (baseline.ms / 1000)).toFixed(2)),
        eventLoopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
        eventLoopDelayMeanMs: Number((loopDelay.mean / 1e6).toFixed(1)),
      },
      [{ name: 'event-loop delay (max while signing)', value: maxDelayMs, below: 50, unit: 'ms' }],
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await workbench.close();
  }
}

export const signBenchmark: Benchmark = {
  name: 'sign',
  description: 'complete signings (re-authentication … audit) with 4 concurrent signers vs the password hash alone',
  run: async () => [await benchSign()],
};
