// The generated (property-based) step: request bodies generated from the operation's request schema,
// from the run's seed, each sent and judged as a scripted exchange; the step keeps every case.
import { describeUncheckedPatterns } from '../../registry/contract-patterns.js';
import { takeUncheckedPatterns } from '../../registry/schema-compiler.js';
import type { RequestContext } from '../../platform/request-context.js';
import type { StepStatus } from '../scenario-models.js';
import type { ScenarioStep } from '../scenario-schema.js';
import type { TemplateContext } from '../scenario-templates.js';
import { generateFromSchema, type StepExecutor, type StepOutcome, type StepTarget } from './step-executor.js';

export class GeneratedExecutor implements StepExecutor {
  /** `exchange` sends and judges each case, as it does a scripted step. */
  constructor(private readonly exchange: StepExecutor) {}

  /**
   * Property-based cases: bodies generated from the operation's request schema (drawn from the run's
   * seed, each checked against that schema before it is sent), each exchange judged like a scripted
   * step; the step fails when any case does, and keeps every case as evidence.
   */
  async execute(ctx: RequestContext, target: StepTarget, step: ScenarioStep, context: TemplateContext): Promise<StepOutcome> {
    const requestSchema = target.validators.get(`${step.operation} request`)!;
    const cases: StepOutcome[] = [];
    for (let n = 0; n < step.generate!.count; n += 1) {
      let body: unknown;
      for (let attempt = 0; attempt < 10 && (body === undefined || !requestSchema(body)); attempt += 1) {
        body = literal(generateFromSchema(requestSchema.schema, context.random));
      }
      takeUncheckedPatterns(requestSchema);
      if (!requestSchema(body)) {
        // Never send what the contract itself refuses as if it were a valid case.
        cases.push({ status: 'error', expected: {}, actual: {}, message: `no body satisfying the request schema of ${step.operation} could be generated`, durationMs: 0, exchange: { request: { generated: body }, response: null } });
        continue;
      }
      const requestUnchecked = takeUncheckedPatterns(requestSchema);
      const outcome = await this.exchange.execute(ctx, target, { ...step, generate: undefined, body }, context);
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
}

/** Generated text is data, not a template: braces are kept out of the template engine's way. */
function literal(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\{\{/g, '{ {');
  if (Array.isArray(value)) return value.map(literal);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literal(v)]));
  return value;
}
