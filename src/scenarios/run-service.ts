// Runs: an interface's scenarios executed against the base URL of one of its environments — real
// HTTP, bounded concurrency, a timeout per step, no silent retries — at the depth its current risk
// assessment demands (CSA step 3). Every exchange is kept as content-addressed evidence; every step
// records what was expected and what happened. A finished run never changes (the database refuses
// it, and refuses new steps for it). A run is held by one process — the one that queued or executes
// it — which keeps a heartbeat on it; recovery aborts only runs whose holder went silent (a crash, a
// kill), so a server starting beside a live runner on the same database leaves its runs alone.
import { randomInt, randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ValidateFunction } from 'ajv';
import { generateSync } from 'json-schema-faker';
import { Op, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import { UnusableEvidenceError, type EvidenceService } from '../evidence/evidence-service.js';
import type { ContentCheck, StoredContent } from '../evidence/evidence-store.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.js';
import { NOTHING, resolveJsonPointer } from '../platform/json-pointer.js';
import type { RequestContext } from '../platform/request-context.js';
import type { CompiledContract } from '../registry/contract-document.js';
import { describeUncheckedPatterns } from '../registry/contract-patterns.js';
import { takeUncheckedPatterns, type UncheckedPattern } from '../registry/schema-compiler.js';
import type { ContractService } from '../registry/contract-service.js';
import type { InterfaceService } from '../registry/interface-service.js';
import type { AssessmentService } from '../risk/assessment-service.js';
import type { RiskResult } from '../risk/risk-model.js';
import type { Run, RunStatus, RunStep, Scenario, ScenarioModels, StepStatus } from './scenario-models.js';
import { applyDomainRules, type RuleReport } from './domain-rules.js';
import { CATEGORIES_BY_DEPTH, MAX_BODY_FIXTURE_BYTES, type ResponseDomainRules, type ScenarioDefinition, type ScenarioStep } from './scenario-schema.js';
import type { ScenarioService } from './scenario-service.js';
import { messageSetFormatOf, MessageSetReadError, MessageSetValidationError, type MessageSetResult, type MessageSetValidator } from './message-set-validator.js';
import { isSelfReference, resolveBaseUrl } from './environment-reference.js';
import { PatternTimeoutError, type PatternAnswer, type PatternMatcher } from './pattern-matcher.js';
import { render, seededRandom, TemplateError, type TemplateContext } from './scenario-templates.js';

export const RUNNER_VERSION = 'gxpw-runner/1.0';
const FINISHED: ReadonlySet<RunStatus> = new Set(['passed', 'failed', 'error', 'aborted']);
const ACTIVE: ReadonlySet<RunStatus> = new Set(['queued', 'running']);
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

export interface StartRun {
  interface: string;
  environment?: string;
  /** Allowed without a risk assessment; marked as such and never counts as a run for record. */
  dryRun?: boolean;
}

export interface RunnerSettings {
  concurrency: number;
  stepTimeoutMs: number;
  maxResponseBytes: number;
  /** A queued or running run whose holder has not beaten for longer than this is aborted by recovery. */
  staleAfterSeconds: number;
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

type Assertion = NonNullable<NonNullable<ScenarioStep['expect']>['assertions']>[number];

export interface Assurance {
  level: string | null;
  testDepth: string;
  model: { id: string; version: string } | null;
  assessmentId: number | null;
  categories: string[];
  /** When the assessment's periodic review falls due (GAMP 5 periodic review); null for a dry run without one. */
  reviewDue?: string | null;
  /** True when that date had passed as the run was queued: the run is still made, and says so. */
  reviewOverdue?: boolean;
  /** Scenarios at this depth left out because their newest version targets another contract version. */
  notRun?: Array<{ key: string; version: number; category: string; contractVersion: number }>;
  reason: string;
}

interface StepOutcome {
  status: StepStatus;
  expected: unknown;
  actual: unknown;
  message: string | null;
  durationMs: number;
  /** What is kept as evidence: the request and response documents, or files already in the store. */
  exchange: { request: unknown; response: unknown | null; requestFile?: StoredContent & { mediaType: string } };
}

export type ProgressListener = (done: number, total: number) => void;

export class RunService {
  private queue: Promise<void> = Promise.resolve();
  /**
   * Names this process (this service) in the runs it holds. Random first, so it is unique even when
   * two servers share a host name and pid (containers); host and pid follow for whoever reads the row.
   */
  readonly instance = `${randomUUID().slice(0, 8)}@${os.hostname()}:${process.pid}`.slice(0, 64);
  /** Runs this process holds: queued here (start) or executing here. Their heartbeat is kept fresh. */
  private readonly held = new Set<number>();
  /** Held runs found ended by another process: no further step starts for them. */
  private readonly stopped = new Set<number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;
  /** Where `self:` environments point: the configured address until `listeningOn` names the real one. */
  private selfOrigin: string;

  constructor(
    private readonly database: Database,
    private readonly models: ScenarioModels,
    private readonly interfaces: InterfaceService,
    private readonly contracts: ContractService,
    private readonly assessments: AssessmentService,
    private readonly scenarios: ScenarioService,
    private readonly evidence: EvidenceService,
    private readonly messageSets: MessageSetValidator,
    private readonly patterns: PatternMatcher,
    private readonly audit: AuditTrail,
    private readonly settings: RunnerSettings,
    private readonly now: () => Date = () => new Date(),
    selfOrigin = 'http://127.0.0.1:3000',
  ) {
    this.selfOrigin = selfOrigin;
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
    const iface = await this.interfaces.get(request.interface);
    if (iface.status === 'retired') throw new ConflictError(`Interface ${iface.key} is retired.`, 'interface_retired');
    const environments = JSON.parse(iface.environments) as Record<string, string>;
    const environment = request.environment ?? ('test' in environments ? 'test' : Object.keys(environments)[0]);
    if (environment === undefined || !Object.hasOwn(environments, environment)) {
      throw new ValidationError(`Interface ${iface.key} has no environment '${request.environment ?? ''}'.`, [{ field: 'body.environment', rule: 'enum', message: `must be one of ${Object.keys(environments).join(', ') || '(none registered)'}` }], 'unknown_environment');
    }
    if (!iface.currentContractVersion) throw new ConflictError(`Interface ${iface.key} has no contract to test against.`, 'no_contract');
    const contract = await this.contracts.get(iface.key, iface.currentContractVersion);
    const assessed = await this.assuranceOf(iface.currentAssessmentId, request.dryRun === true, iface.key);
    const atDepth = (await this.scenarios.current(iface.key)).filter((s) => assessed.categories.includes(s.category));
    const selected = atDepth.filter((s) => s.contractVersion === contract.version);
    // A scenario whose newest version was written for another contract version cannot run against
    // this one; the run names each so a reviewer sees what it did not cover, instead of silence.
    const notRun = atDepth.filter((s) => s.contractVersion !== contract.version).map((s) => ({ key: s.key, version: s.version, category: s.category, contractVersion: s.contractVersion }));
    const assurance: Assurance = notRun.length
      ? { ...assessed, notRun, reason: `${assessed.reason}; not run, written for another contract version than v${contract.version}: ${notRun.map((s) => `${s.key} (v${s.contractVersion})`).join(', ')}` }
      : assessed;
    if (!selected.length) throw new ConflictError(`Interface ${iface.key} has no ${assurance.categories.join('/')} scenarios for contract v${contract.version}.`, 'no_scenarios');

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
            baseUrl: this.resolveBaseUrl(environments[environment]!),
            environmentReference: isSelfReference(environments[environment]!) ? environments[environment]! : null,
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
            runnerInstance: this.instance,
          },
          { transaction: tx },
        );
        await this.audit.record(tx, ctx, { action: 'run.queued', entityType: 'run', entityId: run.id, change: 'create', after: { interface: iface.key, environment, baseUrl: run.baseUrl, ...(run.environmentReference ? { environmentReference: run.environmentReference } : {}), dryRun: run.dryRun, assurance, scenarios: JSON.parse(run.scenarios) } });
        // Held before the commit, so this process's own recovery never sees it unheld.
        if (hold) this.hold((held = run.id));
        return run;
      });
    } catch (error) {
      if (held !== null) this.release(held);
      throw error;
    }
  }

  /**
   * Executes a queued run to its end; a run that cannot execute at all ends as 'error'. A run that is
   * no longer queued (aborted by a recovery before its turn) is not executed, and one aborted while
   * it executes stops: either way it is returned as it stands.
   */
  async execute(ctx: RequestContext, runId: number, onProgress?: ProgressListener): Promise<Run> {
    this.hold(runId);
    try {
      const run = await this.claim(runId);
      if (!run) return await this.get(runId);
      try {
        const stale = await this.stalePlan(run);
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
      this.release(runId);
    }
  }

  /**
   * Why a run's plan no longer holds when its turn comes, or null. Depth and contract are fixed when a
   * run is queued; if the interface was reassessed or given a new contract while it waited, running
   * the old plan for record would test at a depth the current risk no longer asks for (CSA).
   */
  private async stalePlan(run: Run): Promise<string | null> {
    const iface = await this.interfaces.get(run.interfaceKey);
    const planned = (JSON.parse(run.assurance) as Assurance).assessmentId;
    if (!run.dryRun && iface.currentAssessmentId !== planned) return `the interface was reassessed while the run was queued (assessment ${iface.currentAssessmentId ?? 'none'} replaced ${planned ?? 'none'}), so its depth no longer holds; start it again`;
    if (iface.currentContractVersion !== run.contractVersion) return `contract v${iface.currentContractVersion ?? '?'} replaced v${run.contractVersion} while the run was queued; start it again`;
    return null;
  }

  /** queued → running, by this process; null when the run is not queued (any more). */
  private async claim(runId: number): Promise<Run | null> {
    const now = this.now().toISOString();
    const [claimed] = await this.database.write((tx) =>
      this.models.Run.update({ status: 'running', startedAt: now, heartbeatAt: now, runnerInstance: this.instance }, { where: { id: runId, status: 'queued' }, transaction: tx }),
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
          if (this.stopped.has(run.id)) throw new RunNotRunningError(run.id, 'aborted');
          const outcome = step.messages
            ? await this.executeMessageSet(ctx, run, step, compiled, context)
            : step.generate
              ? await this.executeGenerated(ctx, run, step, definition, validators, context)
              : await this.executeStep(ctx, run, step, definition, validators, context);
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
      const run = await this.lockedRun(tx, runId, 'update');
      if (run.status !== 'running') {
        this.stopped.add(runId);
        throw new RunNotRunningError(runId, run.status);
      }
      await this.update(run, { status, summary: JSON.stringify(summary), finishedAt: this.now().toISOString() }, tx);
      // An abort is audited as every abort is (run.aborted, with its reason), whoever makes it.
      if (status === 'aborted') await this.audit.record(tx, ctx, { action: 'run.aborted', entityType: 'run', entityId: run.id, change: 'status', before: { status: 'running' }, after, reason: String(summary.reason) });
      else await this.audit.record(tx, ctx, { action: 'run.finished', entityType: 'run', entityId: run.id, change: 'event', after });
      return run;
    });
  }

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
        const run = await this.lockedRun(tx, candidate.id, 'update');
        const reason = ACTIVE.has(run.status) ? this.interruption(run) : null;
        if (!reason) return false;
        // Counted under the lock: on PostgreSQL a step being recorded holds the row FOR SHARE, so it
        // either committed before this count or is refused after the abort (migration 0007).
        const steps = await this.models.RunStep.count({ where: { runId: run.id }, transaction: tx });
        const before = { status: run.status, runner: run.runnerInstance, heartbeatAt: run.heartbeatAt };
        await this.update(run, { status: 'aborted', finishedAt: this.now().toISOString(), summary: JSON.stringify({ stepsRecorded: steps, reason }) }, tx);
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

  private hold(runId: number): void {
    this.held.add(runId);
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatIntervalMs);
    // The heartbeat never keeps a process alive on its own (a CLI run ends when its work does).
    this.heartbeat.unref();
  }

  private release(runId: number): void {
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

  /** The run's row, locked until the transaction ends (FOR UPDATE or FOR SHARE on PostgreSQL; SQLite serializes writes anyway). */
  private async lockedRun(tx: Transaction, runId: number, mode: 'update' | 'share'): Promise<Run> {
    const run = await this.models.Run.findByPk(runId, { transaction: tx, lock: mode === 'update' ? tx.LOCK.UPDATE : tx.LOCK.SHARE });
    if (!run) throw new NotFoundError(`No run ${runId}.`, 'run_not_found');
    return run;
  }

  async get(id: number): Promise<Run> {
    const run = await this.models.Run.findByPk(id);
    if (!run) throw new NotFoundError(`No run ${id}.`, 'run_not_found');
    return run;
  }

  async steps(runId: number): Promise<RunStep[]> {
    return this.models.RunStep.findAll({ where: { runId }, order: [['position', 'ASC']] });
  }

  async list(filter: { interface?: string; status?: RunStatus; limit?: number }): Promise<Run[]> {
    const where: Record<string, unknown> = {};
    if (filter.interface) where.interfaceKey = filter.interface;
    if (filter.status) where.status = filter.status;
    return this.models.Run.findAll({ where, order: [['id', 'DESC']], limit: filter.limit ?? 100 });
  }

  private async assuranceOf(assessmentId: number | null, dryRun: boolean, key: string): Promise<Assurance> {
    if (assessmentId === null) {
      if (!dryRun) throw new ConflictError(`Interface ${key} has no risk assessment, so it cannot be run for record; a dry run is allowed.`, 'not_assessed');
      return { level: null, testDepth: 'full', model: null, assessmentId: null, categories: CATEGORIES_BY_DEPTH.full!, reason: 'dry run without a risk assessment: every scenario, not for record' };
    }
    const assessment = await this.assessments.get(assessmentId);
    const result = JSON.parse(assessment.result) as RiskResult;
    const categories = CATEGORIES_BY_DEPTH[result.assurance.testDepth] ?? CATEGORIES_BY_DEPTH.full!;
    const reviewOverdue = assessment.reviewDue !== null && assessment.reviewDue < this.now().toISOString();
    return {
      level: result.level,
      testDepth: result.assurance.testDepth,
      model: { id: assessment.modelId, version: assessment.modelVersion },
      assessmentId,
      categories,
      reviewDue: assessment.reviewDue,
      reviewOverdue,
      reason: `assurance level ${result.level} (${assessment.modelId} ${assessment.modelVersion}, assessment ${assessmentId}): ${result.assurance.testDepth} depth runs ${categories.join(', ')} scenarios${reviewOverdue ? `; the assessment's periodic review was due ${assessment.reviewDue!.slice(0, 10)} and is overdue` : ''}${dryRun ? '; dry run, not for record' : ''}`,
    };
  }

  private async executeStep(ctx: RequestContext, run: Run, step: ScenarioStep, definition: ScenarioDefinition, validators: Map<string, ValidateFunction>, context: TemplateContext): Promise<StepOutcome> {
    const started = performance.now();
    const [method, template] = step.operation!.split(' ') as [string, string];
    let request: { method: string; url: string; headers: Record<string, string>; body: unknown };
    let assertions: Assertion[];
    let rendering = 'request';
    try {
      const params = render(step.pathParams ?? {}, context) as Record<string, unknown>;
      const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(String(params[name] ?? '')));
      const query = new URLSearchParams(render(step.query ?? {}, context) as Record<string, string>).toString();
      // A body fixture is re-checked against its digest before each use.
      const source = step.bodyFrom ? await this.evidence.readJson(ctx, step.bodyFrom.evidence, MAX_BODY_FIXTURE_BYTES) : step.body;
      const body = source === undefined ? undefined : render(source, context);
      const headers = { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(render(step.headers ?? {}, context) as Record<string, string>) };
      request = { method, url: `${run.baseUrl.replace(/\/+$/, '')}${path}${query ? `?${query}` : ''}`, headers, body };
      // The expectation's templates too ({{vars.orderNumber}} from an earlier step, …), before
      // anything is sent: one that cannot be rendered errs this step, as one in the request does,
      // instead of escaping the step and ending the whole run.
      rendering = 'assertions';
      assertions = render(step.expect?.assertions ?? [], context) as Assertion[];
    } catch (error) {
      if (!(error instanceof TemplateError || error instanceof UnusableEvidenceError)) throw error;
      const message =
        error instanceof UnusableEvidenceError
          ? `The body fixture cannot be used: ${error.message}`
          : rendering === 'assertions'
            ? `The step's assertions cannot be rendered, so nothing was sent: ${error.message}`
            : error.message;
      return { status: 'error', expected: step.expect ?? {}, actual: {}, message, durationMs: 0, exchange: { request: { operation: step.operation, bodyFrom: step.bodyFrom }, response: null } };
    }
    const expectedStatuses = [step.expect?.status ?? []].flat();
    const domainRules = step.expect?.domainRules;
    const expected = { status: expectedStatuses.length ? expectedStatuses : definition.category === 'negative' ? '4xx' : '2xx', schema: step.expect?.schema !== false, maxLatencyMs: step.expect?.maxLatencyMs ?? null, assertions, ...(domainRules ? { domainRules } : {}) };

    let response: { status: number; headers: Record<string, string>; text: string };
    try {
      response = await this.send(request, step.timeoutMs ?? this.settings.stepTimeoutMs);
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      return { status: 'error', expected, actual: { error: (error as Error).message }, message: `No usable response: ${(error as Error).message}`, durationMs, exchange: { request, response: null } };
    }
    const durationMs = Math.round(performance.now() - started);
    const problems: string[] = [];
    const statusOk = expectedStatuses.length ? expectedStatuses.includes(response.status) : definition.category === 'negative' ? response.status >= 400 && response.status < 500 : response.status >= 200 && response.status < 300;
    if (!statusOk) problems.push(`status ${response.status}, expected ${expectedStatuses.join(' or ') || expected.status}`);
    let body: unknown = undefined;
    if (response.text.length) {
      try {
        body = JSON.parse(response.text);
      } catch {
        problems.push('the response body is not JSON');
      }
    }
    let schemaErrors: unknown[] = [];
    let uncheckedPatterns: UncheckedPattern[] = [];
    const validate = validators.get(`${step.operation} → ${response.status}`);
    if (expected.schema && body !== undefined && validate) {
      // Synchronous from here to takeUncheckedPatterns: no other validation runs in between.
      takeUncheckedPatterns(validate);
      const valid = validate(body);
      uncheckedPatterns = takeUncheckedPatterns(validate);
      if (!valid) {
        schemaErrors = (validate.errors ?? []).slice(0, 20);
        problems.push(`the response does not match the contract (${step.operation} → ${response.status}): ${JSON.stringify(schemaErrors[0])}`);
      }
    }
    const values = assertions.map((assertion) => (body === undefined ? NOTHING : resolveJsonPointer(body, assertion.pointer)));
    // Patterns stopped for taking too long leave their assertions unchecked; everything else is still judged.
    let matched: Array<PatternAnswer | undefined> = [];
    let unchecked: string | null = null;
    try {
      matched = await this.matchPatterns(assertions, values);
    } catch (error) {
      if (!(error instanceof PatternTimeoutError)) throw error;
      unchecked = error.message;
    }
    const checked = assertions.map((assertion, i) => {
      const value = values[i];
      const unresolved = unchecked !== null && assertion.matches !== undefined && typeof value === 'string';
      const { matches: _pattern, ...withoutPattern } = assertion;
      const failed = checkAssertion(unresolved ? withoutPattern : assertion, value, matched[i]);
      if (failed) problems.push(`${assertion.pointer}: ${failed}`);
      return { ...assertion, passed: failed === null && !unresolved, ...(unresolved ? { unchecked: true } : {}), actual: value === NOTHING ? null : value };
    });
    const ruleReports = domainRules ? checkResponseRules(domainRules, body, problems) : undefined;
    if (expected.maxLatencyMs !== null && durationMs > expected.maxLatencyMs) problems.push(`took ${durationMs} ms, more than ${expected.maxLatencyMs} ms`);
    for (const [name, pointer] of Object.entries(step.capture ?? {})) {
      const value = body === undefined ? NOTHING : resolveJsonPointer(body, pointer);
      if (value !== NOTHING) context.vars[name] = value;
    }
    const actual = { status: response.status, durationMs, schemaErrors, ...(uncheckedPatterns.length ? { uncheckedPatterns } : {}), assertions: checked, ...(ruleReports ? { domainRules: ruleReports } : {}) };
    const exchange = { request, response: { status: response.status, headers: response.headers, body: response.text } };
    if (uncheckedPatterns.length && unchecked === null) unchecked = `the contract's ${describeUncheckedPatterns(uncheckedPatterns)}`;
    else if (uncheckedPatterns.length) unchecked += `; the contract's ${describeUncheckedPatterns(uncheckedPatterns)}`;
    if (unchecked !== null) {
      // A failure found elsewhere stands; with none, the step could not be judged: an error.
      if (problems.length) return judged([...problems, `some patterns could not be checked: ${unchecked}`], expected, actual, durationMs, exchange);
      return { status: 'error', expected, actual, message: `The step's assertions could not all be checked: ${unchecked}`, durationMs, exchange };
    }
    return judged(problems, expected, actual, durationMs, exchange);
  }

  /**
   * Property-based cases: bodies generated from the operation's request schema (drawn from the run's
   * seed, each checked against that schema before it is sent), each exchange judged like a scripted
   * step; the step fails when any case does, and keeps every case as evidence.
   */
  private async executeGenerated(ctx: RequestContext, run: Run, step: ScenarioStep, definition: ScenarioDefinition, validators: Map<string, ValidateFunction>, context: TemplateContext): Promise<StepOutcome> {
    const requestSchema = validators.get(`${step.operation} request`)!;
    const cases: StepOutcome[] = [];
    for (let n = 0; n < step.generate!.count; n += 1) {
      let body: unknown;
      for (let attempt = 0; attempt < 10 && (body === undefined || !requestSchema(body)); attempt += 1) {
        body = literal(generateSync(requestSchema.schema as never, { useExamplesValue: false, alwaysFakeOptionals: false, seed: Math.floor(context.random() * 2 ** 31) }));
      }
      takeUncheckedPatterns(requestSchema);
      if (!requestSchema(body)) {
        // Never send what the contract itself refuses as if it were a valid case.
        cases.push({ status: 'error', expected: {}, actual: {}, message: `no body satisfying the request schema of ${step.operation} could be generated`, durationMs: 0, exchange: { request: { generated: body }, response: null } });
        continue;
      }
      const requestUnchecked = takeUncheckedPatterns(requestSchema);
      const outcome = await this.executeStep(ctx, run, { ...step, generate: undefined, body }, definition, validators, context);
      if (requestUnchecked.length) {
        // The body could not be confirmed valid: its case is not passed silently either.
        const note = `the generated request was not fully checked: the contract's ${describeUncheckedPatterns(requestUnchecked)}`;
        outcome.message = outcome.message ? `${outcome.message}; ${note}` : note;
        if (outcome.status === 'passed') outcome.status = 'error';
      }
      cases.push(outcome);
    }
    const count = (status: StepStatus) => cases.filter((c) => c.status === status).length;
    const problems = cases.flatMap((c, i) => (c.message ? [`case ${i + 1}: ${c.message}`] : [])).slice(0, 10);
    const status: StepStatus = count('error') ? 'error' : count('failed') ? 'failed' : 'passed';
    return {
      status,
      expected: { cases: cases.length, each: cases[0]?.expected },
      actual: { cases: cases.length, passed: count('passed'), failed: count('failed'), errors: count('error') },
      message: problems.length ? problems.join('; ') : null,
      durationMs: cases.reduce((ms, c) => ms + c.durationMs, 0),
      exchange: { request: { cases: cases.map((c) => c.exchange.request) }, response: { cases: cases.map((c) => c.exchange.response) } },
    };
  }

  /**
   * A message set: every message validated against one contract target, then the domain rules over
   * the whole set, on the validator's worker threads. The set itself is evidence (a fixture keeps
   * its digest and is re-hashed while it is read; inline and generated sets are stored as NDJSON
   * first and read back from the store), and so is the report.
   */
  private async executeMessageSet(ctx: RequestContext, run: Run, step: ScenarioStep, compiled: CompiledContract, context: TemplateContext): Promise<StepOutcome> {
    const started = performance.now();
    const set = step.messages!;
    const target = compiled.targets.find((t) => t.name === set.target)!;
    const expected = { target: set.target, invalid: set.expect?.invalid ?? 0, violations: set.expect?.violations ?? 0, rules: set.rules ?? [] };
    const readFailure = (error: unknown): StepOutcome => ({ status: 'error', expected, actual: {}, message: `The message set cannot be read: ${(error as Error).message}`, durationMs: Math.round(performance.now() - started), exchange: { request: { source: set.source }, response: null } });
    let requestFile: StoredContent & { mediaType: string };
    let integrity: Promise<ContentCheck> | null = null;
    if (set.source.evidence) {
      // The same bytes may be catalogued more than once, under different media types: one that
      // declares NDJSON settles how they are read, whichever upload said so.
      const rows = await this.evidence.list({ digest: set.source.evidence, limit: 1000 });
      const fixture = rows.find((row) => messageSetFormatOf(row.mediaType)) ?? rows[0];
      if (!fixture) return readFailure(new Error(`fixture ${set.source.evidence} is not in the evidence catalogue`));
      requestFile = { digest: fixture.digest, size: Number(fixture.size), created: false, mediaType: fixture.mediaType };
      // Re-hashed while the threads read it; a fixture changed on disk is audited and alerted, and errs the step.
      integrity = this.evidence.checkForUse(ctx, fixture.digest);
    } else {
      let messages: unknown[];
      try {
        messages = set.source.generate ? await generateMessages(target.schema, set.source.generate.count, context.random) : (render(set.source.inline ?? [], context) as unknown[]);
      } catch (error) {
        return readFailure(error);
      }
      requestFile = { ...(await this.evidence.store.putBuffer(messages.map((m) => JSON.stringify(m)).join('\n') + '\n')), mediaType: 'application/x-ndjson' };
    }
    const validation = this.messageSets.validate({
      file: this.evidence.store.pathOf(requestFile.digest),
      format: messageSetFormatOf(requestFile.mediaType),
      spec: { schema: target.schema, dialect: compiled.dialect, apiAnnotations: compiled.apiAnnotations },
      // A contract version is immutable: interface, version and target name one schema.
      specKey: `${run.interfaceKey}@${run.contractVersion}#${set.target}`,
      rules: set.rules ?? [],
      maxFailures: 100,
    });
    // Integrity is judged first: a changed fixture is reported as changed, whatever its bytes now parse to.
    const [validated, check] = await Promise.allSettled([validation, integrity]);
    if (check.status === 'rejected') throw check.reason;
    if (check.value && check.value !== 'intact') return readFailure(new Error(`fixture ${requestFile.digest} is ${check.value} in the evidence store; a security alert was raised`));
    if (validated.status === 'rejected') {
      const error = validated.reason as Error;
      if (error instanceof MessageSetReadError || error instanceof MessageSetValidationError) return readFailure(error);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return readFailure(new Error(`fixture ${requestFile.digest} is missing from the evidence store`));
      throw error;
    }
    const result: MessageSetResult = validated.value;
    const { messages, invalid, failures, rules, unchecked } = result;
    const violations = rules.reduce((n, r) => n + r.violationCount, 0);
    const problems: string[] = [];
    if (invalid !== expected.invalid) problems.push(`${invalid} of ${messages} messages do not match ${set.target} (expected ${expected.invalid})${failures[0] ? `; first: message ${failures[0].index}: ${JSON.stringify(failures[0].errors[0])}` : ''}`);
    const rulesProblem = violationsProblem(rules, expected.violations);
    if (rulesProblem) problems.push(rulesProblem);
    const durationMs = Math.round(performance.now() - started);
    const report = { messages, valid: messages - invalid, invalid, failures, rules, ...(unchecked.messages ? { unchecked } : {}) };
    // A set with no message shows nothing about the contract: the step errs rather than passing empty.
    if (messages === 0) return { status: 'error', expected, actual: { messages, invalid, violations, durationMs }, message: 'The message set holds no message, so nothing was validated.', durationMs, exchange: { request: null, requestFile, response: report } };
    if (unchecked.messages) {
      // Never passed silently: a failure found elsewhere stands, with the note; with none, the step could not be judged.
      const actual = { messages, invalid, violations, durationMs, uncheckedMessages: unchecked.messages, uncheckedPatterns: unchecked.patterns };
      const note = `${unchecked.messages} of ${messages} messages were not fully checked: the contract's ${describeUncheckedPatterns(unchecked.patterns)}`;
      if (problems.length) return judged([...problems, note], expected, actual, durationMs, { request: null, requestFile, response: report });
      return { status: 'error', expected, actual, message: `The messages could not all be checked: ${note}`, durationMs, exchange: { request: null, requestFile, response: report } };
    }
    return judged(problems, expected, { messages, invalid, violations, durationMs }, durationMs, { request: null, requestFile, response: report });
  }

  /** The `matches` answers of a step's assertions, tested together off the event loop (undefined: no pattern or no string). */
  private async matchPatterns(assertions: Assertion[], values: unknown[]): Promise<Array<PatternAnswer | undefined>> {
    const wanted = assertions.flatMap((assertion, i) => (assertion.matches !== undefined && typeof values[i] === 'string' ? [i] : []));
    const answers = await this.patterns.test(wanted.map((i) => ({ pattern: assertions[i]!.matches!, value: values[i] as string })));
    const matched: Array<PatternAnswer | undefined> = assertions.map(() => undefined);
    wanted.forEach((index, k) => (matched[index] = answers[k]));
    return matched;
  }

  /** One HTTP exchange: no retry, a hard timeout, and a cap on the size of the answer. */
  private async send(request: { method: string; url: string; headers: Record<string, string>; body: unknown }, timeoutMs: number): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((error: Error & { cause?: Error }) => {
      throw new Error(error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${error.cause?.message ?? error.message}`);
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > this.settings.maxResponseBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`the response is larger than ${this.settings.maxResponseBytes} bytes (GXPW_RUNNER_MAX_RESPONSE_BYTES)`);
      }
      chunks.push(Buffer.from(chunk));
    }
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), text: Buffer.concat(chunks).toString('utf8') };
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
      const current = await this.lockedRun(tx, runId, 'share');
      if (current.status !== 'running') {
        this.stopped.add(runId);
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

  private async update(run: Run, changes: Partial<Run>, tx?: Transaction): Promise<void> {
    if (FINISHED.has(run.status)) throw new ConflictError(`Run ${run.id} has finished and cannot change.`, 'immutable_record');
    run.set(changes);
    if (tx) await run.save({ transaction: tx });
    else await this.database.write((t) => run.save({ transaction: t }));
  }
}

/** Generated text is data, not a template: braces are kept out of the template engine's way. */
function literal(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\{\{/g, '{ {');
  if (Array.isArray(value)) return value.map(literal);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literal(v)]));
  return value;
}

/** A step that got its answer: passed when nothing was found wrong, else failed with every problem. */
function judged(problems: string[], expected: unknown, actual: unknown, durationMs: number, exchange: StepOutcome['exchange']): StepOutcome {
  return { status: problems.length ? 'failed' : 'passed', expected, actual, message: problems.length ? problems.join('; ') : null, durationMs, exchange };
}

/** Violations per rule kept in a step's record (the evidence keeps the whole answer); counts stay exact. */
const VIOLATIONS_KEPT_PER_RULE = 10;

/**
 * Domain rules over the messages at a pointer of a response (an array: a set of messages; an object:
 * one message). Adds what is wrong to `problems`; returns the reports, violations capped, for the record.
 */
function checkResponseRules({ pointer, rules }: ResponseDomainRules, body: unknown, problems: string[]): RuleReport[] {
  const where = pointer || 'the body';
  const value = body === undefined ? NOTHING : resolveJsonPointer(body, pointer);
  if (value === NOTHING || value === null || typeof value !== 'object') {
    problems.push(`${where}: ${value === NOTHING ? 'is missing' : `is ${value === null ? 'null' : `a ${typeof value}`}`}, not messages the domain rules (${rules.join(', ')}) can read`);
    return [];
  }
  const reports = applyDomainRules(Array.isArray(value) ? value : [value], rules);
  const problem = violationsProblem(reports, 0);
  if (problem) problems.push(`${where}: ${problem}`);
  return reports.map((report) => ({ ...report, violations: report.violations.slice(0, VIOLATIONS_KEPT_PER_RULE) }));
}

/** What is wrong when the rules found another number of violations than expected, naming the first; null when as expected. */
function violationsProblem(reports: readonly RuleReport[], expected: number): string | null {
  const violations = reports.reduce((n, r) => n + r.violationCount, 0);
  if (violations === expected) return null;
  const first = reports.flatMap((r) => r.violations)[0];
  return `${violations} domain-rule violations (expected ${expected})${first ? `; first: ${first.rule} at message ${first.index}: ${first.message}` : ''}`;
}

/** null when the assertion holds, else what is wrong; `matched` is the pattern matcher's answer for `matches`. */
function checkAssertion(assertion: { equals?: unknown; matches?: string; exists?: boolean; length?: number }, value: unknown, matched: PatternAnswer | undefined): string | null {
  const present = value !== NOTHING;
  if (assertion.exists !== undefined && assertion.exists !== present) return assertion.exists ? 'is missing' : 'should not be there';
  if (assertion.equals !== undefined && JSON.stringify(value === NOTHING ? null : value) !== JSON.stringify(assertion.equals)) return `is ${present ? JSON.stringify(value) : 'missing'}, expected ${JSON.stringify(assertion.equals)}`;
  if (assertion.matches !== undefined) {
    if (matched === 'invalid') return `'${assertion.matches}' is not a valid regular expression`;
    if (matched !== true) return `${present ? JSON.stringify(value) : 'missing'} does not match /${assertion.matches}/`;
  }
  if (assertion.length !== undefined) {
    const length = typeof value === 'string' || Array.isArray(value) ? value.length : null;
    if (length !== assertion.length) return `has length ${length ?? 'none'}, expected ${assertion.length}`;
  }
  return null;
}

/**
 * Messages generated from a schema (property-based), each from its own seed drawn from the scenario's
 * stream: the same run seed, the same set. A large set takes seconds, so the event loop gets a turn
 * between batches.
 */
async function generateMessages(schema: unknown, count: number, random: () => number): Promise<unknown[]> {
  const messages: unknown[] = [];
  for (let i = 0; i < count; i += 1) {
    messages.push(generateSync(schema as never, { useExamplesValue: false, alwaysFakeOptionals: false, seed: Math.floor(random() * 2 ** 31) }));
    if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
  }
  return messages;
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
