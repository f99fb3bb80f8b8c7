// The message-set step: a set of messages (a fixture from the evidence store, inline, or generated
// from the target's schema) validated against one contract target and checked by the domain rules,
// on the message-set validator's worker threads, so a large set never stalls the server.
import type { EvidenceService } from '../../evidence/evidence-service.js';
import type { ContentCheck, StoredContent } from '../../evidence/evidence-store.js';
import type { RequestContext } from '../../platform/request-context.js';
import { describeUncheckedPatterns } from '../../registry/contract-patterns.js';
import { messageSetFormatOf, MessageSetReadError, MessageSetValidationError, type MessageSetResult, type MessageSetValidator } from '../message-set-validator.js';
import type { ScenarioStep } from '../scenario-schema.js';
import { render, type TemplateContext } from '../scenario-templates.js';
import { generateFromSchema, judged, violationsProblem, type StepExecutor, type StepOutcome, type StepTarget } from './step-executor.js';

export class MessageSetExecutor implements StepExecutor {
  constructor(
    private readonly evidence: EvidenceService,
    private readonly messageSets: MessageSetValidator,
  ) {}

  /**
   * A message set: every message validated against one contract target, then the domain rules over
   * the whole set, on the validator's worker threads. The set itself is evidence (a fixture keeps
   * its digest and is re-hashed while it is read; inline and generated sets are stored as NDJSON
   * first and read back from the store), and so is the report.
   */
  async execute(ctx: RequestContext, { run, compiled }: StepTarget, step: ScenarioStep, context: TemplateContext): Promise<StepOutcome> {
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
}

/**
 * Messages generated from a schema (property-based), each from its own seed drawn from the scenario's
 * stream: the same run seed, the same set. A large set takes seconds, so the event loop gets a turn
 * between batches.
 */
async function generateMessages(schema: unknown, count: number, random: () => number): Promise<unknown[]> {
  const messages: unknown[] = [];
  for (let i = 0; i < count; i += 1) {
    messages.push(generateFromSchema(schema, random));
    if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
  }
  return messages;
}
