// Runs: an interface's scenarios executed against the base URL of one of its environments — real
// HTTP, bounded concurrency, a timeout per step, no silent retries — at the depth its current risk
// assessment demands (CSA step 3). Every exchange is kept as content-addressed evidence; every step
// records what was expected and what happened. A finished run never changes (the database refuses
// it, and refuses new steps for it). This is the runner: it queues a run from its plan (run-plan.ts),
// claims and executes it, handing each step to the executor of its kind (executors/), and records
// the steps and the end; holding runs and aborting interrupted ones is run-recovery.ts's.
import { randomInt } from 'node:crypto';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { EvidenceService } from '../evidence/evidence-service.js';
import type { StoredContent } from '../evidence/evidence-store.js';
import type { Database } from '../platform/database.js';
import { NotFoundError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { ContractService } from '../registry/contract-service.js';
import type { HttpExchangeSettings } from './executors/http-exchange-executor.js';
import type { StepExecutors, StepOutcome } from './executors/step-executor.js';
import type { Run, RunStatus, RunStep, Scenario, ScenarioModels, StepStatus } from './scenario-models.js';
import type { ScenarioDefinition, ScenarioStep } from './scenario-schema.js';
import type { ScenarioService } from './scenario-service.js';
import { isSelfReference, resolveBaseUrl } from './environment-reference.js';
import type { RunPlanner, StartRun } from './run-plan.js';
import { changeRun, lockedRun, type RecoverySettings, type RunRecovery } from './run-recovery.js';
import { seededRandom, type TemplateContext } from './scenario-templates.js';

export type { Assurance, StartRun } from './run-plan.js';

export const RUNNER_VERSION = 'gxpw-runner/1.0';
/** Steps recorded per transaction. */
const STEPS_PER_COMMIT = 50;

interface RecordedStep {
  run: Run;
  scenario: Scenario;
  definition: ScenarioDefinition;
  position: number;
  step: ScenarioStep;
  outcome: StepOutcome;
  requestFile: StoredContent;
  responseFile: StoredContent | null;
}

/** GXPW_RUNNER_*: how many scenarios run at once, and what the executors and recovery take of it. */
export interface RunnerSettings extends HttpExchangeSettings, RecoverySettings {
  concurrency: number;
}

/**
 * The run is not running any more, seen by the process executing it: another process's recovery
 * aborted it (its heartbeat looked stale), so this one stops starting steps and records nothing more.
 */
class RunNotRunningError extends Error {
  constructor(
    readonly runId: number,
    readonly status: string | undefined,
  ) {
    super(`Run ${runId} is ${status ?? 'missing'}, no longer running: it was ended by another process.`);
  }
}

export type ProgressListener = (done: number, total: number) => void;

export class RunService {
  private queue: Promise<void> = Promise.resolve();
  /** Where `self:` environments point: the configured address until `listeningOn` names the real one. */
  private selfOrigin: string;

  constructor(
    private readonly database: Database,
    private readonly models: ScenarioModels,
    private readonly contracts: ContractService,
    private readonly scenarios: ScenarioService,
    private readonly evidence: EvidenceService,
    private readonly planner: RunPlanner,
    private readonly recovery: RunRecovery,
    private readonly executors: StepExecutors,
    private readonly audit: AuditTrail,
    private readonly settings: RunnerSettings,
    private readonly now: () => Date = () => new Date(),
    selfOrigin = 'http://127.0.0.1:3000',
  ) {
    this.selfOrigin = selfOrigin;
  }

  /** Names this process in the runs it holds (run-recovery.ts). */
  get instance(): string {
    return this.recovery.instance;
  }

  /**
   * The server executing runs tells where it listens (`http://127.0.0.1:3005`): from then on a
   * `self:` environment resolves there, whatever port the demo was seeded on.
   */
  listeningOn(origin: string): void {
    this.selfOrigin = origin;
  }

  /** The URL an environment's base URL stands for in this process (`self:/sim/wms` → http://…/sim/wms). */
  resolveBaseUrl(baseUrl: string): string {
    return resolveBaseUrl(baseUrl, this.selfOrigin);
  }

  /** Records a queued run and executes it in the background, one run at a time per server. */
  async start(ctx: RequestContext, request: StartRun): Promise<Run> {
    // Held from its creation: a run waiting here behind another keeps its heartbeat too.
    const run = await this.createRun(ctx, request, true);
    this.queue = this.queue.then(() => this.execute(ctx, run.id).then(() => undefined, () => undefined));
    return run;
  }

  /** Creates and executes a run, waiting for its end (the CLI gate). */
  async runToEnd(ctx: RequestContext, request: StartRun, onProgress?: ProgressListener): Promise<Run> {
    const run = await this.createRun(ctx, request, true);
    return this.execute(ctx, run.id, onProgress);
  }

  /** Waits until every queued run has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  /**
   * Records a queued run without holding it: unless execute() picks it up, this process's next
   * recovery aborts it (and other processes' recoveries once its heartbeat is stale).
   */
  async create(ctx: RequestContext, request: StartRun): Promise<Run> {
    return this.createRun(ctx, request, false);
  }

  private async createRun(ctx: RequestContext, request: StartRun, hold: boolean): Promise<Run> {
    const { interface: iface, environment, baseUrl, contract, assurance, scenarios: selected } = await this.planner.plan(request);

    let held: number | null = null;
    try {
      return await this.database.write(async (tx) => {
        const queuedAt = this.now().toISOString();
        const run = await this.models.Run.create(
          {
            interfaceId: iface.id,
            interfaceKey: iface.key,
            contractVersion: contract.version,
            contractDigest: contract.digest,
            environment,
            // Resolved once, when queued: the run records where its requests go, and the reference.
            baseUrl: this.resolveBaseUrl(baseUrl),
            environmentReference: isSelfReference(baseUrl) ? baseUrl : null,
            dryRun: request.dryRun === true,
            assurance: JSON.stringify(assurance),
            scenarios: JSON.stringify(selected.map((s) => ({ key: s.key, version: s.version, digest: s.digest, category: s.category }))),
            runnerVersion: RUNNER_VERSION,
            seed: String(randomInt(2 ** 31)),
            status: 'queued',
            summary: null,
            startedBy: ctx.actor.userId,
            startedByName: ctx.actor.name,
            queuedAt,
            startedAt: null,
            finishedAt: null,
            heartbeatAt: queuedAt,
            runnerInstance: this.recovery.instance,
          },
          { transaction: tx },
        );
        await this.audit.record(tx, ctx, { action: 'run.queued', entityType: 'run', entityId: run.id, change: 'create', after: { interface: iface.key, environment, baseUrl: run.baseUrl, ...(run.environmentReference ? { environmentReference: run.environmentReference } : {}), dryRun: run.dryRun, assurance, scenarios: JSON.parse(run.scenarios) } });
        // Held before the commit, so this process's own recovery never sees it unheld.
        if (hold) this.recovery.hold((held = run.id));
        return run;
      });
    } catch (error) {
      if (held !== null) this.recovery.release(held);
      throw error;
    }
  }

  /**
   * Executes a queued run to its end; a run that cannot execute at all ends as 'error'. A run that is
   * no longer queued (aborted by a recovery before its turn) is not executed, and one aborted while
   * it executes stops: either way it is returned as it stands.
   */
  async execute(ctx: RequestContext, runId: number, onProgress?: ProgressListener): Promise<Run> {
    this.recovery.hold(runId);
    try {
      const run = await this.claim(runId);
      if (!run) return await this.get(runId);
      try {
        const stale = await this.planner.stalePlan(run);
        if (stale) return await this.finish(ctx, runId, 'aborted', { stepsRecorded: 0, reason: stale }, { status: 'aborted', stepsRecorded: 0 });
        return await this.executeSteps(ctx, run, onProgress);
      } catch (error) {
        if (error instanceof RunNotRunningError) return await this.get(runId);
        // Something beyond a step failed (the database, the disk): the run ends as an error, with why.
        const message = (error as Error).message;
        try {
          return await this.finish(ctx, runId, 'error', { error: message }, { status: 'error', error: message });
        } catch (finishing) {
          if (finishing instanceof RunNotRunningError) return await this.get(runId);
          throw finishing;
        }
      }
    } finally {
      this.recovery.release(runId);
    }
  }

  /** queued → running, by this process; null when the run is not queued (any more). */
  private async claim(runId: number): Promise<Run | null> {
    const now = this.now().toISOString();
    const [claimed] = await this.database.write((tx) =>
      this.models.Run.update({ status: 'running', startedAt: now, heartbeatAt: now, runnerInstance: this.recovery.instance }, { where: { id: runId, status: 'queued' }, transaction: tx }),
    );
    return claimed ? this.get(runId) : null;
  }

  private async executeSteps(ctx: RequestContext, run: Run, onProgress?: ProgressListener): Promise<Run> {
    const startedAt = new Date(run.startedAt!);
    const planned = JSON.parse(run.scenarios) as Array<{ key: string; version: number }>;
    const scenarios = await Promise.all(planned.map((p) => this.scenarios.get(run.interfaceKey, p.key, p.version)));
    const compiled = this.contracts.compiledOf(await this.contracts.get(run.interfaceKey, run.contractVersion));
    const validators = new Map(compiled.targets.map((t) => [t.name, t.validate]));
    const total = scenarios.reduce((n, s) => n + (JSON.parse(s.definition) as ScenarioDefinition).steps.length, 0);
    let done = 0;
    const counts = { passed: 0, failed: 0, error: 0 };
    // Positions are fixed up front, so concurrent scenarios still number their steps in plan order.
    let nextPosition = 1;
    const work = scenarios.map((scenario) => {
      const definition = JSON.parse(scenario.definition) as ScenarioDefinition;
      const first = nextPosition;
      nextPosition += definition.steps.length;
      return async () => {
        // Each scenario draws from its own stream, derived from the run's seed and its place in the plan:
        // the same seed gives the same values, however the concurrent scenarios interleave.
        const context: TemplateContext = { random: seededRandom(Math.imul(Number(run.seed), 31) + first), now: this.now, vars: {} };
        let pending: RecordedStep[] = [];
        for (const [index, step] of definition.steps.entries()) {
          // Ended by another process (its recovery found this run's heartbeat stale): start nothing more.
          if (this.recovery.isStopped(run.id)) throw new RunNotRunningError(run.id, 'aborted');
          const executor = step.messages ? this.executors.messageSet : step.generate ? this.executors.generated : this.executors.exchange;
          const outcome = await executor.execute(ctx, { run, definition, compiled, validators }, step, context);
          pending.push(await this.keepEvidence(run, scenario, definition, first + index, step, outcome));
          if (pending.length >= STEPS_PER_COMMIT) {
            await this.recordSteps(ctx, pending);
            pending = [];
          }
          counts[outcome.status] += 1;
          onProgress?.((done += 1), total);
        }
        await this.recordSteps(ctx, pending);
      };
    });
    await runConcurrently(work, this.settings.concurrency);

    const status: RunStatus = counts.error ? 'error' : counts.failed ? 'failed' : 'passed';
    const summary = { total, ...counts, durationMs: this.now().getTime() - startedAt.getTime() };
    return this.finish(ctx, run.id, status, summary, { status, summary });
  }

  /**
   * Records a run's end, with its audit event, only while it is still running: the row is locked and
   * read again first, so an abort by another process in the meantime is noticed (RunNotRunningError)
   * instead of being overwritten — or, as before, refused by the database and the refusal lost.
   */
  private async finish(ctx: RequestContext, runId: number, status: RunStatus, summary: Record<string, unknown>, after: Record<string, unknown>): Promise<Run> {
    return this.database.write(async (tx) => {
      const run = await lockedRun(this.models, tx, runId, 'update');
      if (run.status !== 'running') {
        this.recovery.markStopped(runId);
        throw new RunNotRunningError(runId, run.status);
      }
      await changeRun(run, { status, summary: JSON.stringify(summary), finishedAt: this.now().toISOString() }, tx);
      // An abort is audited as every abort is (run.aborted, with its reason), whoever makes it.
      if (status === 'aborted') await this.audit.record(tx, ctx, { action: 'run.aborted', entityType: 'run', entityId: run.id, change: 'status', before: { status: 'running' }, after, reason: String(summary.reason) });
      else await this.audit.record(tx, ctx, { action: 'run.finished', entityType: 'run', entityId: run.id, change: 'event', after });
      return run;
    });
  }

  /** Aborts the runs whose holder is gone (run-recovery.ts says when); returns their ids. */
  async abortInterrupted(ctx: RequestContext): Promise<number[]> {
    return this.recovery.abortInterrupted(ctx);
  }

  /** How often a serving process runs the recovery. */
  get recoveryIntervalMs(): number {
    return this.recovery.recoveryIntervalMs;
  }

  async get(id: number): Promise<Run> {
    const run = await this.models.Run.findByPk(id);
    if (!run) throw new NotFoundError(`No run ${id}.`, 'run_not_found');
    return run;
  }

  async steps(runId: number): Promise<RunStep[]> {
    return this.models.RunStep.findAll({ where: { runId }, order: [['position', 'ASC']] });
  }

  async list(filter: { interface?: string; status?: RunStatus; limit?: number; offset?: number }): Promise<Run[]> {
    const where: Record<string, unknown> = {};
    if (filter.interface) where.interfaceKey = filter.interface;
    if (filter.status) where.status = filter.status;
    return this.models.Run.findAll({ where, order: [['id', 'DESC']], limit: filter.limit ?? 100, offset: filter.offset ?? 0 });
  }

  /** The newest run of each of these interfaces (a list page's "last run" column: two queries, not one per row). */
  async latestOf(interfaceKeys: string[]): Promise<Map<string, Run>> {
    if (!interfaceKeys.length) return new Map();
    const newest = (await this.models.Run.findAll({
      attributes: [[this.database.sequelize.fn('max', this.database.sequelize.col('id')), 'id']],
      where: { interfaceKey: interfaceKeys },
      // The column, not the attribute: GROUP BY is not mapped to the underscored name.
      group: [this.database.sequelize.col('interface_key')],
      raw: true,
    })) as unknown as Array<{ id: number }>;
    const runs = newest.length ? await this.models.Run.findAll({ where: { id: newest.map((row) => Number(row.id)) } }) : [];
    return new Map(runs.map((run) => [run.interfaceKey, run]));
  }
  /** How many steps a run's plan holds (what its progress is counted against). */
  async plannedSteps(run: Run): Promise<number> {
    const planned = JSON.parse(run.scenarios) as Array<{ key: string; version: number }>;
    const scenarios = await Promise.all(planned.map((p) => this.scenarios.get(run.interfaceKey, p.key, p.version)));
    return scenarios.reduce((n, s) => n + (JSON.parse(s.definition) as ScenarioDefinition).steps.length, 0);
  }

  /** The steps recorded so far, by result (one grouped count: cheap enough to ask twice a second). */
  async stepCounts(runId: number): Promise<Record<StepStatus, number>> {
    const rows = (await this.models.RunStep.findAll({
      attributes: ['status', [this.database.sequelize.fn('count', this.database.sequelize.col('id')), 'count']],
      where: { runId },
      group: [this.database.sequelize.col('status')],
      raw: true,
    })) as unknown as Array<{ status: StepStatus; count: number | string }>;
    const counts: Record<StepStatus, number> = { passed: 0, failed: 0, error: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  /** Writes a step's evidence files at once (content-addressed: a repeat is harmless). */
  private async keepEvidence(run: Run, scenario: Scenario, definition: ScenarioDefinition, position: number, step: ScenarioStep, outcome: StepOutcome): Promise<RecordedStep> {
    const requestFile = outcome.exchange.requestFile ?? (await this.evidence.store.putBuffer(JSON.stringify(outcome.exchange.request, null, 2)));
    const responseFile = outcome.exchange.response === null ? null : await this.evidence.store.putBuffer(JSON.stringify(outcome.exchange.response, null, 2));
    return { run, scenario, definition, position, step, outcome, requestFile, responseFile };
  }

  /**
   * Catalogues a batch of steps (all of one run) and their evidence in one transaction: one commit
   * (and fsync) per batch rather than per step. A run cut off between batches is aborted by recovery
   * anyway once its heartbeat is stale.
   */
  private async recordSteps(ctx: RequestContext, steps: RecordedStep[]): Promise<void> {
    if (!steps.length) return;
    await this.database.write(async (tx) => {
      // A step belongs to a running run only. Checked first, under a share lock on the run's row, so
      // that an abort by another process is serialized with this batch (and the row is locked before
      // the audit chain, the order every writer of a run keeps). The database refuses it too (0007).
      const runId = steps[0]!.run.id;
      const current = await lockedRun(this.models, tx, runId, 'share');
      if (current.status !== 'running') {
        this.recovery.markStopped(runId);
        throw new RunNotRunningError(runId, current.status);
      }
      for (const { run, scenario, definition, position, step, outcome, requestFile, responseFile } of steps) {
        const belongsTo = { type: 'run', id: String(run.id) };
        const messageSet = outcome.exchange.requestFile;
        const requestName = !messageSet ? 'request.json' : messageSet.mediaType === 'application/json' ? 'messages.json' : 'messages.ndjson';
        await this.evidence.catalogue(tx, ctx, requestFile, { mediaType: messageSet?.mediaType ?? 'application/json', originalName: `run-${run.id}-step-${position}-${requestName}`, belongsTo });
        if (responseFile) await this.evidence.catalogue(tx, ctx, responseFile, { mediaType: 'application/json', originalName: `run-${run.id}-step-${position}-response.json`, belongsTo });
        await this.models.RunStep.create(
          {
            runId: run.id,
            position,
            scenarioKey: scenario.key,
            scenarioVersion: scenario.version,
            name: step.name,
            category: definition.category,
            requirements: JSON.stringify(definition.requirements ?? []),
            status: outcome.status,
            expected: JSON.stringify(outcome.expected),
            actual: JSON.stringify(outcome.actual),
            message: outcome.message,
            durationMs: outcome.durationMs,
            requestEvidence: requestFile.digest,
            responseEvidence: responseFile?.digest ?? null,
          },
          { transaction: tx },
        );
      }
    });
  }
}

/**
 * Runs tasks, at most `limit` at a time. After a failure no further task starts, and every running
 * one is waited for before the failure is raised: nothing may still write steps to a run whose end
 * is about to be recorded.
 */
async function runConcurrently(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      try {
        await tasks[next++]!();
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}
