// Validates a message set kept as a file (NDJSON, or one JSON array) against a contract schema, on a
// pool of worker threads (piscina: task timeouts, failed threads replaced, idle ones ended). The file
// is cut into byte ranges at line ends, each thread parses and validates its range, and the results
// are put back in message order. The server's event loop only coordinates, so a run of 100,000
// messages does not stall the API for everyone else. A set that goes through the domain rules is read
// by one thread, since the rules look at the set as a whole.
import fs from 'node:fs';
import { Piscina } from 'piscina';
import type { SchemaSpec, UncheckedPattern } from '../registry/schema-compiler.js';
import type { DomainRule, RuleReport } from './domain-rules.js';

export type MessageSetFormat = 'ndjson' | 'json-array';

/** Media types that declare newline-delimited JSON, whatever each line holds. */
const NDJSON_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']);

/** The format a stored file's media type declares, or undefined when its content must tell. */
export function messageSetFormatOf(mediaType: string): MessageSetFormat | undefined {
  return NDJSON_MEDIA_TYPES.has(mediaType.split(';')[0]!.trim().toLowerCase()) ? 'ndjson' : undefined;
}

export interface MessageRangeTask {
  file: string;
  format: MessageSetFormat;
  /** Byte range [start, end): starts right after a line end, ends right after one (or at the file's end). */
  start: number;
  end: number;
  spec: SchemaSpec;
  /** Identifies the compiled validator a worker may reuse: same key, same schema. */
  specKey: string;
  rules: DomainRule[];
  maxFailures: number;
}

export interface MessageFailure {
  index: number;
  errors: unknown[];
}

export interface MessageRangeResult {
  messages: number;
  invalid: number;
  failures: MessageFailure[];
  /** Lines read (NDJSON), blank ones included: how later ranges number their lines. */
  lines: number;
  rules: RuleReport[] | null;
  unchecked: UncheckedMessages;
}

/** Messages a contract pattern the linear-time engine cannot run applied to: not fully checked. */
export interface UncheckedMessages {
  messages: number;
  patterns: UncheckedPattern[];
}

export type WorkerAnswer = { result: MessageRangeResult } | { error: string; line: number | null };

export interface MessageSetResult {
  messages: number;
  invalid: number;
  /** The first failures, in message order. */
  failures: MessageFailure[];
  rules: RuleReport[];
  unchecked: UncheckedMessages;
}

/** The file cannot be read as messages (not JSON, not UTF-8, not an array …): the step errs. */
export class MessageSetReadError extends Error {}

/** The set could not be validated (a thread failed or took too long, the validator closed): the step errs. */
export class MessageSetValidationError extends Error {}

/** Ranges smaller than this are not worth a thread of their own. */
const MIN_RANGE_BYTES = 4 * 1024 * 1024;
/** Longest a thread may work on one range: 100,000 messages take well under a second. */
const TASK_TIMEOUT_MS = 10 * 60 * 1000;

export interface MessageSetValidatorOptions {
  threads: number;
  /** The smallest range a thread is given (tests cut small files into many ranges). */
  minRangeBytes?: number;
  /** Longest a thread may work on one range before it is stopped and the step errs. */
  taskTimeoutMs?: number;
}
const WORKER_SCRIPT = new URL('./message-set-worker.js', import.meta.url);


export class MessageSetValidator {
  private readonly pool: Piscina<MessageRangeTask, WorkerAnswer>;
  private closed = false;
  private readonly minRangeBytes: number;
  private readonly taskTimeoutMs: number;

  constructor(private readonly options: MessageSetValidatorOptions) {
    this.minRangeBytes = options.minRangeBytes ?? MIN_RANGE_BYTES;
    this.taskTimeoutMs = options.taskTimeoutMs ?? TASK_TIMEOUT_MS;
    // Threads start when first needed and end after a minute idle; a thread that fails is replaced.
    this.pool = new Piscina({ filename: WORKER_SCRIPT.href, minThreads: 0, maxThreads: options.threads, idleTimeout: 60_000 });
  }

  /**
   * `format` is told when it is known (a set the runner wrote, a fixture stored as NDJSON); otherwise
   * a file opening with '[' is one JSON array and anything else NDJSON — which is why NDJSON whose
   * lines are arrays must be stored with an NDJSON media type.
   */
  async validate(request: { file: string; format?: MessageSetFormat; spec: SchemaSpec; specKey: string; rules: DomainRule[]; maxFailures: number }): Promise<MessageSetResult> {
    if (this.closed) throw new MessageSetValidationError('the message-set validator was closed');
    const size = (await fs.promises.stat(request.file)).size;
    const format = request.format ?? ((await firstCharacterOf(request.file)) === '[' ? 'json-array' : 'ndjson');
    const parts = format === 'json-array' || request.rules.length ? 1 : Math.max(1, Math.min(this.options.threads, Math.floor(size / this.minRangeBytes)));
    const ranges = await splitAtLineEnds(request.file, size, parts);
    const answers = await Promise.all(ranges.map(([start, end]) => this.run({ file: request.file, format, start, end, spec: request.spec, specKey: request.specKey, rules: request.rules, maxFailures: request.maxFailures })));

    const merged: MessageSetResult = { messages: 0, invalid: 0, failures: [], rules: [], unchecked: { messages: 0, patterns: [] } };
    let lines = 0;
    for (const answer of answers) {
      if ('error' in answer) throw new MessageSetReadError(answer.line === null ? answer.error : `line ${lines + answer.line} of the fixture is ${answer.error}`);
      const { result } = answer;
      for (const failure of result.failures) if (merged.failures.length < request.maxFailures) merged.failures.push({ index: merged.messages + failure.index, errors: failure.errors });
      merged.messages += result.messages;
      merged.invalid += result.invalid;
      merged.rules.push(...(result.rules ?? []));
      merged.unchecked.messages += result.unchecked.messages;
      for (const pattern of result.unchecked.patterns) if (!merged.unchecked.patterns.some((p) => p.pointer === pattern.pointer && p.pattern === pattern.pattern)) merged.unchecked.patterns.push(pattern);
      lines += result.lines;
    }
    return merged;
  }

  /** Stops the threads (services.close() calls it); a validation still running fails. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }

  private async run(task: MessageRangeTask): Promise<WorkerAnswer> {
    // A schema that never finishes (a catastrophic pattern) must not hold a run for ever: the thread is stopped.
    const signal = AbortSignal.timeout(this.taskTimeoutMs);
    try {
      return await this.pool.run(task, { signal });
    } catch (error) {
      if (signal.aborted) throw new MessageSetValidationError(`the validation took longer than ${this.taskTimeoutMs} ms and was stopped`);
      if (this.closed) throw new MessageSetValidationError('the validation was stopped: the message-set validator was closed');
      throw new MessageSetValidationError(`a validation thread failed: ${(error as Error).message}`);
    }
  }
}

/** The first character that is not whitespace or a byte-order mark. */
async function firstCharacterOf(file: string): Promise<string | null> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (!bytesRead) return null;
      const text = buffer.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '').trimStart();
      if (text.length) return text[0]!;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** `parts` byte ranges covering the file, each ending right after a line end (the last at the end). */
async function splitAtLineEnds(file: string, size: number, parts: number): Promise<Array<[number, number]>> {
  const cuts = [0];
  if (parts > 1) {
    const handle = await fs.promises.open(file, 'r');
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (let part = 1; part < parts; part += 1) {
        let position = Math.max(Math.floor((size * part) / parts), cuts[cuts.length - 1]!);
        let cut = size;
        while (position < size) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          const newline = buffer.subarray(0, bytesRead).indexOf(10);
          if (newline >= 0) {
            cut = position + newline + 1;
            break;
          }
          position += bytesRead;
        }
        if (cut >= size) break;
        cuts.push(cut);
      }
    } finally {
      await handle.close();
    }
  }
  cuts.push(size);
  return cuts.slice(1).map((end, i) => [cuts[i]!, end]);
}
