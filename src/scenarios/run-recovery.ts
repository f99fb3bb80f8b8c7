// Who holds a run, and what happens when the holder is gone. A run is held by one process — the one
// that queued or executes it — which keeps a heartbeat on it; recovery, run by every process sharing
// the database, aborts only runs whose holder went silent (a crash, a kill), never resuming one
// half-way, so a server starting beside a live runner on the same database leaves its runs alone.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Op, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { Run, RunStatus, ScenarioModels } from './scenario-models.js';

const FINISHED: ReadonlySet<RunStatus> = new Set(['passed', 'failed', 'error', 'aborted']);
const ACTIVE: ReadonlySet<RunStatus> = new Set(['queued', 'running']);

export interface RecoverySettings {
  /** A queued or running run whose holder has not beaten for longer than this is aborted by recovery. */
  staleAfterSeconds: number;
}

export class RunRecovery {
  /**
   * Names this process in the runs it holds. Random first, so it is unique even when two servers
   * share a host name and pid (containers); host and pid follow for whoever reads the row.
   */
  readonly instance = `${randomUUID().slice(0, 8)}@${os.hostname()}:${process.pid}`.slice(0, 64);
  /** Runs this process holds: queued here (start) or executing here. Their heartbeat is kept fresh. */
  private readonly held = new Set<number>();
  /** Held runs found ended by another process: no further step starts for them. */
  private readonly stopped = new Set<number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;

  constructor(
    private readonly database: Database,
    private readonly models: ScenarioModels,
    private readonly audit: AuditTrail,
    private readonly settings: RecoverySettings,
    private readonly now: () => Date,
  ) {}

  /**
   * Aborts the runs whose holder is gone — never resumed half-way, never left running — and returns
   * their ids. Called at every start and periodically while serving, by every process sharing the
   * database, so a crashed instance's runs are aborted by the survivors. A run is interrupted when:
   * - this very process holds it no longer (it queued it and never executed it, or its execution
   *   ended without finishing it): only the holder can know that, so it decides at once;
   * - or its last sign of life (heartbeat, else start, else queue time) is older than
   *   `staleAfterSeconds`: its holder beats every min(15 s, a quarter of that), so a silent holder
   *   has stopped (killed, crashed, or cut off from the database long enough to be treated so).
   * The judgement relies on the servers' clocks agreeing to well within the threshold (NTP), as the
   * rest of the record's times do. It is made again under a lock on the run's row, so a heartbeat or
   * an end that lands in between wins; the abort is audited in the same transaction, as before.
   */
  async abortInterrupted(ctx: RequestContext): Promise<number[]> {
    const candidates = await this.models.Run.findAll({ where: { status: { [Op.in]: [...ACTIVE] } }, order: [['id', 'ASC']] });
    const aborted: number[] = [];
    for (const candidate of candidates) {
      if (!this.interruption(candidate)) continue;
      const done = await this.database.write(async (tx) => {
        const run = await lockedRun(this.models, tx, candidate.id, 'update');
        const reason = ACTIVE.has(run.status) ? this.interruption(run) : null;
        if (!reason) return false;
        // Counted under the lock: on PostgreSQL a step being recorded holds the row FOR SHARE, so it
        // either committed before this count or is refused after the abort (migration 0007).
        const steps = await this.models.RunStep.count({ where: { runId: run.id }, transaction: tx });
        const before = { status: run.status, runner: run.runnerInstance, heartbeatAt: run.heartbeatAt };
        await changeRun(run, { status: 'aborted', finishedAt: this.now().toISOString(), summary: JSON.stringify({ stepsRecorded: steps, reason }) }, tx);
        await this.audit.record(tx, ctx, { action: 'run.aborted', entityType: 'run', entityId: run.id, change: 'status', before, after: { status: 'aborted', stepsRecorded: steps }, reason });
        return true;
      });
      if (done) aborted.push(candidate.id);
    }
    return aborted;
  }

  /** Why a queued or running run counts as interrupted; null while its holder is alive. */
  private interruption(run: Run): string | null {
    if (this.held.has(run.id)) return null;
    if (run.runnerInstance === this.instance) return 'the process that queued the run holds it no longer: it was never executed, or its execution ended without finishing it';
    if (holderIsGoneFromThisHost(run.runnerInstance)) return `the process holding the run (${run.runnerInstance}) is no longer running on this host: it stopped while the run was ${run.status}`;
    const lastSign = run.heartbeatAt ?? run.startedAt ?? run.queuedAt;
    const silentMs = this.now().getTime() - Date.parse(lastSign);
    if (!(silentMs > this.settings.staleAfterSeconds * 1000)) return null;
    return `the process holding the run (${run.runnerInstance ?? 'unknown'}) stopped while it was ${run.status}: no heartbeat since ${lastSign}, more than ${this.settings.staleAfterSeconds} s (GXPW_RUNNER_STALE_AFTER_SECONDS)`;
  }

  /** How often the holder of a run refreshes its heartbeat: a quarter of the stale threshold, at most 15 s. */
  get heartbeatIntervalMs(): number {
    return Math.min(15_000, Math.max(250, this.settings.staleAfterSeconds * 250));
  }

  /** How often a serving process runs the recovery: half the stale threshold, at most a minute. */
  get recoveryIntervalMs(): number {
    return Math.min(60_000, this.settings.staleAfterSeconds * 500);
  }

  /** Holds a run: its heartbeat is kept fresh, and this process's recovery leaves it alone. */
  hold(runId: number): void {
    this.held.add(runId);
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatIntervalMs);
    // The heartbeat never keeps a process alive on its own (a CLI run ends when its work does).
    this.heartbeat.unref();
  }

  /** Holds a run no longer (its execution ended, or it was never to execute here). */
  release(runId: number): void {
    this.held.delete(runId);
    this.stopped.delete(runId);
    if (this.held.size || !this.heartbeat) return;
    clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /**
   * Refreshes the heartbeat of every run this process holds, and notes those another process has
   * ended meanwhile, so their execution stops. Heartbeats are operational, not part of the record:
   * they are not audited (as the queued → running change is not). A failed beat is simply retried at
   * the next one; a holder silent for too long is aborted by recovery and learns it here, or when
   * it next records steps or its end.
   */
  private async beat(): Promise<void> {
    const ids = [...this.held];
    if (this.beating || !ids.length) return;
    this.beating = true;
    try {
      await this.database.write((tx) =>
        this.models.Run.update({ heartbeatAt: this.now().toISOString() }, { where: { id: { [Op.in]: ids }, status: { [Op.in]: [...ACTIVE] }, runnerInstance: this.instance }, transaction: tx }),
      );
      const rows = await this.models.Run.findAll({ where: { id: { [Op.in]: ids } }, attributes: ['id', 'status'] });
      for (const row of rows) if (this.held.has(row.id) && !ACTIVE.has(row.status)) this.stopped.add(row.id);
    } catch {
      // The database is unreachable or closing: the next beat tries again.
    } finally {
      this.beating = false;
    }
  }

  /** True once a held run was found ended by another process: its execution starts no further step. */
  isStopped(runId: number): boolean {
    return this.stopped.has(runId);
  }

  /** Notes that a held run was found ended by another process. */
  markStopped(runId: number): void {
    this.stopped.add(runId);
  }
}

/** The run's row, locked until the transaction ends (FOR UPDATE or FOR SHARE on PostgreSQL; SQLite serializes writes anyway). */
export async function lockedRun(models: ScenarioModels, tx: Transaction, runId: number, mode: 'update' | 'share'): Promise<Run> {
  const run = await models.Run.findByPk(runId, { transaction: tx, lock: mode === 'update' ? tx.LOCK.UPDATE : tx.LOCK.SHARE });
  if (!run) throw new NotFoundError(`No run ${runId}.`, 'run_not_found');
  return run;
}

/** Changes a run within `tx`; a finished run never changes (the database refuses it too). */
export async function changeRun(run: Run, changes: Partial<Run>, tx: Transaction): Promise<void> {
  if (FINISHED.has(run.status)) throw new ConflictError(`Run ${run.id} has finished and cannot change.`, 'immutable_record');
  run.set(changes);
  await run.save({ transaction: tx });
}

/**
 * True when `instance` (`random@host:pid`) names this host and no process with that pid exists: its
 * runs can be aborted at once — a crash followed by a restart — without waiting for the heartbeat to
 * go stale. A pid taken by another process since only means waiting for the stale heartbeat.
 */
function holderIsGoneFromThisHost(instance: string | null): boolean {
  const match = instance?.match(/^[^@]+@(.+):(\d+)$/);
  if (!match || match[1] !== os.hostname()) return false;
  try {
    process.kill(Number(match[2]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
