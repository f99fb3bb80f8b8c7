// Runs: an interface's scenarios executed against the base URL of one of its environments — real
// HTTP, bounded concurrency, a timeout per step, no silent retries — at the depth its current risk
// assessment demands (CSA step 3). Every exchange is kept as content-addressed evidence; every step
// records what was expected and what happened. A finished run never changes (the database refuses
// it); a run interrupted by a crash is marked aborted at the next start.
import { randomInt } from 'node:crypto';
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
import type { ContractService } from '../registry/contract-service.js';
import type { InterfaceService } from '../registry/interface-service.js';
import type { AssessmentService } from '../risk/assessment-service.js';
import type { RiskResult } from '../risk/risk-model.js';
import type { Run, RunStatus, RunStep, Scenario, ScenarioModels, StepStatus } from './scenario-models.js';
import { applyDomainRules, type RuleReport } from './domain-rules.js';
import { CATEGORIES_BY_DEPTH, MAX_BODY_FIXTURE_BYTES, type ResponseDomainRules, type ScenarioDefinition, type ScenarioStep } from './scenario-schema.js';
import type { ScenarioService } from './scenario-service.js';
import { MessageSetReadError, MessageSetValidationError, type MessageSetResult, type MessageSetValidator } from './message-set-validator.js';
import { render, seededRandom, TemplateError, type TemplateContext } from './scenario-templates.js';

export const RUNNER_VERSION = 'gxpw-runner/1.0';
const FINISHED: ReadonlySet<RunStatus> = new Set(['passed', 'failed', 'error', 'aborted']);
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
}

export interface Assurance {
  level: string | null;
  testDepth: string;
  model: { id: string; version: string } | null;
  assessmentId: number | null;
  categories: string[];
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

  constructor(
    private readonly database: Database,
    private readonly models: ScenarioModels,
    private readonly interfaces: InterfaceService,
    private readonly contracts: ContractService,
    private readonly assessments: AssessmentService,
    private readonly scenarios: ScenarioService,
    private readonly evidence: EvidenceService,
    private readonly messageSets: MessageSetValidator,
    private readonly audit: AuditTrail,
    private readonly settings: RunnerSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a queued run and executes it in the background, one run at a time per server. */
  async start(ctx: RequestContext, request: StartRun): Promise<Run> {
    const run = await this.create(ctx, request);
    this.queue = this.queue.then(() => this.execute(ctx, run.id).then(() => undefined, () => undefined));
    return run;
  }

  /** Creates and executes a run, waiting for its end (the CLI gate). */
  async runToEnd(ctx: RequestContext, request: StartRun, onProgress?: ProgressListener): Promise<Run> {
    const run = await this.create(ctx, request);
    return this.execute(ctx, run.id, onProgress);
  }

  /** Waits until every queued run has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  async create(ctx: RequestContext, request: StartRun): Promise<Run> {
    const iface = await this.interfaces.get(request.interface);
    if (iface.status === 'retired') throw new ConflictError(`Interface ${iface.key} is retired.`, 'interface_retired');
    const environments = JSON.parse(iface.environments) as Record<string, string>;
    const environment = request.environment ?? ('test' in environments ? 'test' : Object.keys(environments)[0]);
    if (environment === undefined || environments[environment] === undefined) {
      throw new ValidationError(`Interface ${iface.key} has no environment '${request.environment ?? ''}'.`, [{ field: 'body.environment', rule: 'enum', message: `must be one of ${Object.keys(environments).join(', ') || '(none registered)'}` }], 'unknown_environment');
    }
    if (!iface.currentContractVersion) throw new ConflictError(`Interface ${iface.key} has no contract to test against.`, 'no_contract');
    const contract = await this.contracts.get(iface.key, iface.currentContractVersion);
    const assurance = await this.assuranceOf(iface.currentAssessmentId, request.dryRun === true, iface.key);
    const selected = (await this.scenarios.current(iface.key)).filter((s) => s.contractVersion === contract.version && assurance.categories.includes(s.category));
    if (!selected.length) throw new ConflictError(`Interface ${iface.key} has no ${assurance.categories.join('/')} scenarios for contract v${contract.version}.`, 'no_scenarios');

    return this.database.write(async (tx) => {
      const run = await this.models.Run.create(
        {
          interfaceId: iface.id,
          interfaceKey: iface.key,
          contractVersion: contract.version,
          contractDigest: contract.digest,
          environment,
          baseUrl: environments[environment]!,
          dryRun: request.dryRun === true,
          assurance: JSON.stringify(assurance),
          scenarios: JSON.stringify(selected.map((s) => ({ key: s.key, version: s.version, digest: s.digest, category: s.category }))),
          runnerVersion: RUNNER_VERSION,
          seed: String(randomInt(2 ** 31)),
          status: 'queued',
          summary: null,
          startedBy: ctx.actor.userId,
          startedByName: ctx.actor.name,
          queuedAt: this.now().toISOString(),
          startedAt: null,
          finishedAt: null,
        },
        { transaction: tx },
      );
      await this.audit.record(tx, ctx, { action: 'run.queued', entityType: 'run', entityId: run.id, change: 'create', after: { interface: iface.key, environment, baseUrl: run.baseUrl, dryRun: run.dryRun, assurance, scenarios: JSON.parse(run.scenarios) } });
      return run;
    });
  }

  /** Executes a queued run to its end; a run that cannot execute at all ends as 'error'. */
  async execute(ctx: RequestContext, runId: number, onProgress?: ProgressListener): Promise<Run> {
    const run = await this.get(runId);
    try {
      return await this.executeSteps(ctx, run, onProgress);
    } catch (error) {
      // Something beyond a step failed (the database, the disk): the run ends as an error, with why.
      await this.database.write(async (tx) => {
        await this.update(run, { status: 'error', summary: JSON.stringify({ error: (error as Error).message }), finishedAt: this.now().toISOString() }, tx);
        await this.audit.record(tx, ctx, { action: 'run.finished', entityType: 'run', entityId: run.id, change: 'event', after: { status: 'error', error: (error as Error).message } });
      });
      return run;
    }
  }

  private async executeSteps(ctx: RequestContext, run: Run, onProgress?: ProgressListener): Promise<Run> {
    const startedAt = this.now();
    await this.update(run, { status: 'running', startedAt: startedAt.toISOString() });
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
    return this.database.write(async (tx) => {
      await this.update(run, { status, summary: JSON.stringify(summary), finishedAt: this.now().toISOString() }, tx);
      await this.audit.record(tx, ctx, { action: 'run.finished', entityType: 'run', entityId: run.id, change: 'event', after: { status, summary } });
      return run;
    });
  }

  /** Runs left queued or running by a process that stopped are aborted, never resumed half-way. */
  async abortInterrupted(ctx: RequestContext): Promise<number[]> {
    const stuck = await this.models.Run.findAll({ where: { status: { [Op.in]: ['queued', 'running'] } } });
    for (const run of stuck) {
      await this.database.write(async (tx) => {
        const steps = await this.models.RunStep.count({ where: { runId: run.id }, transaction: tx });
        await this.update(run, { status: 'aborted', finishedAt: this.now().toISOString(), summary: JSON.stringify({ stepsRecorded: steps, reason: 'the server stopped while the run was in progress' }) }, tx);
        await this.audit.record(tx, ctx, { action: 'run.aborted', entityType: 'run', entityId: run.id, change: 'status', before: { status: run.previous('status') ?? 'running' }, after: { status: 'aborted', stepsRecorded: steps }, reason: 'the server stopped while the run was in progress' });
      });
    }
    return stuck.map((r) => r.id);
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
    return {
      level: result.level,
      testDepth: result.assurance.testDepth,
      model: { id: assessment.modelId, version: assessment.modelVersion },
      assessmentId,
      categories,
      reason: `assurance level ${result.level} (${assessment.modelId} ${assessment.modelVersion}, assessment ${assessmentId}): ${result.assurance.testDepth} depth runs ${categories.join(', ')} scenarios${dryRun ? '; dry run, not for record' : ''}`,
    };
  }

  private async executeStep(ctx: RequestContext, run: Run, step: ScenarioStep, definition: ScenarioDefinition, validators: Map<string, ValidateFunction>, context: TemplateContext): Promise<StepOutcome> {
    const started = performance.now();
    const [method, template] = step.operation!.split(' ') as [string, string];
    let request: { method: string; url: string; headers: Record<string, string>; body: unknown };
    try {
      const params = render(step.pathParams ?? {}, context) as Record<string, unknown>;
      const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(String(params[name] ?? '')));
      const query = new URLSearchParams(render(step.query ?? {}, context) as Record<string, string>).toString();
      // A body fixture is re-checked against its digest before each use.
      const source = step.bodyFrom ? await this.evidence.readJson(ctx, step.bodyFrom.evidence, MAX_BODY_FIXTURE_BYTES) : step.body;
      const body = source === undefined ? undefined : render(source, context);
      const headers = { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(render(step.headers ?? {}, context) as Record<string, string>) };
      request = { method, url: `${run.baseUrl.replace(/\/+$/, '')}${path}${query ? `?${query}` : ''}`, headers, body };
    } catch (error) {
      if (!(error instanceof TemplateError || error instanceof UnusableEvidenceError)) throw error;
      const message = error instanceof UnusableEvidenceError ? `The body fixture cannot be used: ${error.message}` : error.message;
      return { status: 'error', expected: step.expect ?? {}, actual: {}, message, durationMs: 0, exchange: { request: { operation: step.operation, bodyFrom: step.bodyFrom }, response: null } };
    }
    const expectedStatuses = [step.expect?.status ?? []].flat();
    const domainRules = step.expect?.domainRules;
    const expected = { status: expectedStatuses.length ? expectedStatuses : definition.category === 'negative' ? '4xx' : '2xx', schema: step.expect?.schema !== false, maxLatencyMs: step.expect?.maxLatencyMs ?? null, assertions: render(step.expect?.assertions ?? [], context), ...(domainRules ? { domainRules } : {}) };

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
    const validate = validators.get(`${step.operation} → ${response.status}`);
    if (expected.schema && body !== undefined && validate && !validate(body)) {
      schemaErrors = (validate.errors ?? []).slice(0, 20);
      problems.push(`the response does not match the contract (${step.operation} → ${response.status}): ${JSON.stringify(schemaErrors[0])}`);
    }
    const assertions = (expected.assertions as NonNullable<NonNullable<ScenarioStep['expect']>['assertions']>).map((assertion) => {
      const value = body === undefined ? NOTHING : resolveJsonPointer(body, assertion.pointer);
      const failed = checkAssertion(assertion, value);
      if (failed) problems.push(`${assertion.pointer}: ${failed}`);
      return { ...assertion, passed: failed === null, actual: value === NOTHING ? null : value };
    });
    const ruleReports = domainRules ? checkResponseRules(domainRules, body, problems) : undefined;
    if (expected.maxLatencyMs !== null && durationMs > expected.maxLatencyMs) problems.push(`took ${durationMs} ms, more than ${expected.maxLatencyMs} ms`);
    for (const [name, pointer] of Object.entries(step.capture ?? {})) {
      const value = body === undefined ? NOTHING : resolveJsonPointer(body, pointer);
      if (value !== NOTHING) context.vars[name] = value;
    }
    return judged(problems, expected, { status: response.status, durationMs, schemaErrors, assertions, ...(ruleReports ? { domainRules: ruleReports } : {}) }, durationMs, { request, response: { status: response.status, headers: response.headers, body: response.text } });
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
      if (!requestSchema(body)) {
        // Never send what the contract itself refuses as if it were a valid case.
        cases.push({ status: 'error', expected: {}, actual: {}, message: `no body satisfying the request schema of ${step.operation} could be generated`, durationMs: 0, exchange: { request: { generated: body }, response: null } });
        continue;
      }
      cases.push(await this.executeStep(ctx, run, { ...step, generate: undefined, body }, definition, validators, context));
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
      const [fixture] = await this.evidence.list({ digest: set.source.evidence, limit: 1 });
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
    const { messages, invalid, failures, rules } = result;
    const violations = rules.reduce((n, r) => n + r.violationCount, 0);
    const problems: string[] = [];
    if (invalid !== expected.invalid) problems.push(`${invalid} of ${messages} messages do not match ${set.target} (expected ${expected.invalid})${failures[0] ? `; first: message ${failures[0].index}: ${JSON.stringify(failures[0].errors[0])}` : ''}`);
    const rulesProblem = violationsProblem(rules, expected.violations);
    if (rulesProblem) problems.push(rulesProblem);
    const durationMs = Math.round(performance.now() - started);
    const report = { messages, valid: messages - invalid, invalid, failures, rules };
    return judged(problems, expected, { messages, invalid, violations, durationMs }, durationMs, { request: null, requestFile, response: report });
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
   * Catalogues a batch of steps and their evidence in one transaction: one commit (and fsync) per
   * batch rather than per step. A run cut off between batches is aborted at the next start anyway.
   */
  private async recordSteps(ctx: RequestContext, steps: RecordedStep[]): Promise<void> {
    if (!steps.length) return;
    await this.database.write(async (tx) => {
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

/** null when the assertion holds, else what is wrong. */
function checkAssertion(assertion: { equals?: unknown; matches?: string; exists?: boolean; length?: number }, value: unknown): string | null {
  const present = value !== NOTHING;
  if (assertion.exists !== undefined && assertion.exists !== present) return assertion.exists ? 'is missing' : 'should not be there';
  if (assertion.equals !== undefined && JSON.stringify(value === NOTHING ? null : value) !== JSON.stringify(assertion.equals)) return `is ${present ? JSON.stringify(value) : 'missing'}, expected ${JSON.stringify(assertion.equals)}`;
  if (assertion.matches !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(assertion.matches, 'u');
    } catch {
      return `'${assertion.matches}' is not a valid regular expression`;
    }
    if (typeof value !== 'string' || !pattern.test(value)) return `${present ? JSON.stringify(value) : 'missing'} does not match /${assertion.matches}/`;
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
