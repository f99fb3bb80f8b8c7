// The scripted step: one HTTP exchange with the interface under test — the request rendered from the
// step's templates (a body fixture re-checked against its digest), sent once with a hard timeout and
// a cap on the answer, then judged: status, the contract's schema for that answer, the step's
// assertions (patterns tested off the event loop), latency and the response's domain rules.
import type { EvidenceService } from '../../evidence/evidence-service.js';
import { UnusableEvidenceError } from '../../evidence/evidence-service.js';
import { NOTHING, resolveJsonPointer } from '../../platform/json-pointer.js';
import type { RequestContext } from '../../platform/request-context.js';
import { describeUncheckedPatterns } from '../../registry/contract-patterns.js';
import { takeUncheckedPatterns, type UncheckedPattern } from '../../registry/schema-compiler.js';
import { applyDomainRules, type RuleReport } from '../domain-rules.js';
import { PatternTimeoutError, type PatternAnswer, type PatternMatcher } from '../pattern-matcher.js';
import { MAX_BODY_FIXTURE_BYTES, type ResponseDomainRules, type ScenarioStep } from '../scenario-schema.js';
import { render, TemplateError, type TemplateContext } from '../scenario-templates.js';
import { judged, violationsProblem, type StepExecutor, type StepOutcome, type StepTarget } from './step-executor.js';

export interface HttpExchangeSettings {
  stepTimeoutMs: number;
  maxResponseBytes: number;
}

type Assertion = NonNullable<NonNullable<ScenarioStep['expect']>['assertions']>[number];
type HttpRequest = { method: string; url: string; headers: Record<string, string>; body: unknown };

/** Violations per rule kept in a step's record (the evidence keeps the whole answer); counts stay exact. */
const VIOLATIONS_KEPT_PER_RULE = 10;

export class HttpExchangeExecutor implements StepExecutor {
  constructor(
    private readonly evidence: EvidenceService,
    private readonly patterns: PatternMatcher,
    private readonly settings: HttpExchangeSettings,
  ) {}

  /** Renders, sends and judges the step's exchange; values it captures go into `context.vars` for later steps. */
  async execute(ctx: RequestContext, { run, definition, validators }: StepTarget, step: ScenarioStep, context: TemplateContext): Promise<StepOutcome> {
    const started = performance.now();
    const [method, template] = step.operation!.split(' ') as [string, string];
    let request: HttpRequest;
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

  /** The `matches` answers of a step's assertions, tested together off the event loop (undefined: no pattern or no string). */
  private async matchPatterns(assertions: Assertion[], values: unknown[]): Promise<Array<PatternAnswer | undefined>> {
    const wanted = assertions.flatMap((assertion, i) => (assertion.matches !== undefined && typeof values[i] === 'string' ? [i] : []));
    const answers = await this.patterns.test(wanted.map((i) => ({ pattern: assertions[i]!.matches!, value: values[i] as string })));
    const matched: Array<PatternAnswer | undefined> = assertions.map(() => undefined);
    wanted.forEach((index, k) => (matched[index] = answers[k]));
    return matched;
  }

  /** One HTTP exchange: no retry, a hard timeout, and a cap on the size of the answer. */
  private async send(request: HttpRequest, timeoutMs: number): Promise<{ status: number; headers: Record<string, string>; text: string }> {
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
}

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
