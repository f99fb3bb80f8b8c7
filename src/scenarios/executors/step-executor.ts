// What every kind of step executor shares: the outcome a step hands back to the runner (status,
// expected, actual, and the exchange kept as evidence), what a step is executed against, and the
// judgements two kinds make alike. Executors never record anything: the runner keeps the evidence
// and records the step, in its own transaction.
import type { ValidateFunction } from 'ajv';
import { generateSync } from 'json-schema-faker';
import type { StoredContent } from '../../evidence/evidence-store.js';
import type { RequestContext } from '../../platform/request-context.js';
import type { CompiledContract } from '../../registry/contract-document.js';
import type { RuleReport } from '../domain-rules.js';
import type { Run, StepStatus } from '../scenario-models.js';
import type { ScenarioDefinition, ScenarioStep } from '../scenario-schema.js';
import type { TemplateContext } from '../scenario-templates.js';

export interface StepOutcome {
  status: StepStatus;
  expected: unknown;
  actual: unknown;
  message: string | null;
  durationMs: number;
  /** What is kept as evidence: the request and response documents, or files already in the store. */
  exchange: { request: unknown; response: unknown | null; requestFile?: StoredContent & { mediaType: string } };
}

/** What a step runs against: its run, its scenario, and the run's contract, compiled once per run. */
export interface StepTarget {
  run: Run;
  definition: ScenarioDefinition;
  compiled: CompiledContract;
  /** The contract's validators by target name (`GET /orders/{id} → 200`, `POST /orders request`). */
  validators: ReadonlyMap<string, ValidateFunction>;
}

/** Executes one step of one kind; `context` carries the scenario's random stream, clock and captured vars. */
export interface StepExecutor {
  execute(ctx: RequestContext, target: StepTarget, step: ScenarioStep, context: TemplateContext): Promise<StepOutcome>;
}

/** One executor per step kind, created once in the composition root. */
export interface StepExecutors {
  exchange: StepExecutor;
  generated: StepExecutor;
  messageSet: StepExecutor;
}

/** A step that got its answer: passed when nothing was found wrong, else failed with every problem. */
export function judged(problems: string[], expected: unknown, actual: unknown, durationMs: number, exchange: StepOutcome['exchange']): StepOutcome {
  return { status: problems.length ? 'failed' : 'passed', expected, actual, message: problems.length ? problems.join('; ') : null, durationMs, exchange };
}

/** What is wrong when the rules found another number of violations than expected, naming the first; null when as expected. */
export function violationsProblem(reports: readonly RuleReport[], expected: number): string | null {
  const violations = reports.reduce((n, r) => n + r.violationCount, 0);
  if (violations === expected) return null;
  const first = reports.flatMap((r) => r.violations)[0];
  return `${violations} domain-rule violations (expected ${expected})${first ? `; first: ${first.rule} at message ${first.index}: ${first.message}` : ''}`;
}

/** One document generated from a schema, from its own seed drawn from the scenario's stream: the same run seed, the same document. */
export function generateFromSchema(schema: unknown, random: () => number): unknown {
  return generateSync(schema as never, { useExamplesValue: false, alwaysFakeOptionals: false, seed: Math.floor(random() * 2 ** 31) });
}
