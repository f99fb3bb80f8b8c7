// Validates a message set kept as a file (NDJSON, or one JSON array) against a contract schema, on a
// small pool of worker threads: the file is cut into byte ranges at line ends, each worker parses and
// validates its range, and the results are put back in message order. The server's event loop only
// coordinates, so a run of 100,000 messages does not stall the API for everyone else. A set that
// goes through the domain rules is read by one worker, since the rules look at the set as a whole.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { SchemaSpec } from '../registry/schema-compiler.js';
import type { DomainRule, RuleReport } from './domain-rules.js';

export interface MessageRangeTask {
  id: number;
  file: string;
  format: 'ndjson' | 'json-array';
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
}

export type WorkerAnswer = { id: number; result: MessageRangeResult } | { id: number; error: string; line: number | null };

export interface MessageSetResult {
  messages: number;
  invalid: number;
  /** The first failures, in message order. */
  failures: MessageFailure[];
  rules: RuleReport[];
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

interface PooledWorker {
  worker: Worker;
  busy: boolean;
  /** Why the thread was taken out of the pool: what its task fails with. */
  failure: MessageSetValidationError | null;
}

export class MessageSetValidator {
  private readonly workers: PooledWorker[] = [];
  private readonly queue: Array<{ task: MessageRangeTask; resolve: (answer: WorkerAnswer) => void; reject: (error: Error) => void }> = [];
  private readonly pending = new Map<number, { worker: PooledWorker; resolve: (answer: WorkerAnswer) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private closed = false;
  private readonly threads: number;
  private readonly minRangeBytes: number;
  private readonly taskTimeoutMs: number;

  constructor(options: MessageSetValidatorOptions) {
    this.threads = options.threads;
    this.minRangeBytes = options.minRangeBytes ?? MIN_RANGE_BYTES;
    this.taskTimeoutMs = options.taskTimeoutMs ?? TASK_TIMEOUT_MS;
  }

  async validate(request: { file: string; spec: SchemaSpec; specKey: string; rules: DomainRule[]; maxFailures: number }): Promise<MessageSetResult> {
    const size = (await fs.promises.stat(request.file)).size;
    const format = (await firstCharacterOf(request.file)) === '[' ? 'json-array' : 'ndjson';
    const parts = format === 'json-array' || request.rules.length ? 1 : Math.max(1, Math.min(this.threads, Math.floor(size / this.minRangeBytes)));
    const ranges = await splitAtLineEnds(request.file, size, parts);
    const answers = await Promise.all(ranges.map(([start, end]) => this.submit({ id: this.nextId++, file: request.file, format, start, end, spec: request.spec, specKey: request.specKey, rules: request.rules, maxFailures: request.maxFailures })));

    const merged: MessageSetResult = { messages: 0, invalid: 0, failures: [], rules: [] };
    let lines = 0;
    for (const answer of answers) {
      if ('error' in answer) throw new MessageSetReadError(answer.line === null ? answer.error : `line ${lines + answer.line} of the fixture is ${answer.error}`);
      const { result } = answer;
      for (const failure of result.failures) if (merged.failures.length < request.maxFailures) merged.failures.push({ index: merged.messages + failure.index, errors: failure.errors });
      merged.messages += result.messages;
      merged.invalid += result.invalid;
      merged.rules.push(...(result.rules ?? []));
      lines += result.lines;
    }
    return merged;
  }

  /** Stops the threads (services.close() calls it); a validation still running fails. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) waiting.reject(new MessageSetValidationError('the message-set validator was closed'));
    await Promise.all(this.workers.splice(0).map((pooled) => pooled.worker.terminate()));
  }

  private submit(task: MessageRangeTask): Promise<WorkerAnswer> {
    if (this.closed) return Promise.reject(new MessageSetValidationError('the message-set validator was closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length) {
      let pooled = this.workers.find((w) => !w.busy);
      if (!pooled && this.workers.length < this.threads) pooled = this.spawn();
      if (!pooled) return;
      const { task, resolve, reject } = this.queue.shift()!;
      // A schema that never finishes (a catastrophic pattern) must not hold a run for ever: the thread is stopped.
      const timer = setTimeout(() => this.stop(pooled, new MessageSetValidationError(`the validation took longer than ${this.taskTimeoutMs} ms and was stopped`)), this.taskTimeoutMs);
      pooled.busy = true;
      this.pending.set(task.id, { worker: pooled, resolve, reject, timer });
      try {
        pooled.worker.postMessage(task);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(task.id);
        pooled.busy = false;
        reject(new MessageSetValidationError(`the task could not be handed to a thread: ${(error as Error).message}`));
      }
    }
  }

  private spawn(): PooledWorker {
    const pooled: PooledWorker = { worker: new Worker(WORKER_SCRIPT), busy: false, failure: null };
    pooled.worker.on('message', (answer: WorkerAnswer) => {
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      clearTimeout(waiting.timer);
      this.pending.delete(answer.id);
      pooled.busy = false;
      waiting.resolve(answer);
      this.dispatch();
    });
    // A thread that dies (out of memory, a bug) fails its task and leaves the pool; the next task gets a fresh one.
    pooled.worker.on('error', (error: Error) => this.stop(pooled, new MessageSetValidationError(`a validation thread failed: ${error.message}`)));
    pooled.worker.on('messageerror', (error: Error) => this.stop(pooled, new MessageSetValidationError(`a validation thread sent an unreadable answer: ${error.message}`)));
    pooled.worker.on('exit', (code) => this.stop(pooled, new MessageSetValidationError(`a validation thread stopped (exit code ${code})`)));
    this.workers.push(pooled);
    return pooled;
  }

  /** Takes a thread out of the pool and fails its task with the first reason given. */
  private stop(pooled: PooledWorker, reason: MessageSetValidationError): void {
    pooled.failure ??= reason;
    const index = this.workers.indexOf(pooled);
    if (index >= 0) {
      this.workers.splice(index, 1);
      void pooled.worker.terminate();
    }
    for (const [id, waiting] of this.pending) {
      if (waiting.worker !== pooled) continue;
      clearTimeout(waiting.timer);
      this.pending.delete(id);
      waiting.reject(pooled.failure);
    }
    if (!this.closed) this.dispatch();
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
