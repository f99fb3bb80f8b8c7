// A worker thread of the message-set validator: it reads one byte range of an NDJSON file (or a
// whole JSON-array file), parses each message and validates it with the contract's schema, compiled
// here exactly as the contract compiles it. Parsing and validating tens of thousands of messages
// would otherwise hold the server's event loop for seconds; here it runs beside it, on every core.
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { ValidateFunction } from 'ajv';
import { compileSchema } from '../registry/schema-compiler.js';
import { applyDomainRules } from './domain-rules.js';
import type { MessageRangeResult, MessageRangeTask, WorkerAnswer } from './message-set-validator.js';

/** Compiled validators by spec key (contract digest and target), most recent last. */
const validators = new Map<string, ValidateFunction>();
const CACHE_SIZE = 16;

function validatorOf(task: MessageRangeTask): ValidateFunction {
  let validate = validators.get(task.specKey);
  if (!validate) {
    validate = compileSchema(task.spec.schema, task.spec.dialect, task.spec.apiAnnotations).validate;
    if (validators.size >= CACHE_SIZE) validators.delete(validators.keys().next().value!);
    validators.set(task.specKey, validate);
  }
  return validate;
}

/** A fixture that cannot be read as messages; `line` counts from the start of the task's range. */
class LineError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}

async function validateRange(task: MessageRangeTask): Promise<MessageRangeResult> {
  const validate = validatorOf(task);
  const result: MessageRangeResult = { messages: 0, invalid: 0, failures: [], lines: 0, rules: null };
  const kept: unknown[] | null = task.rules.length ? [] : null;
  const check = (message: unknown) => {
    kept?.push(message);
    const index = result.messages;
    result.messages += 1;
    if (validate(message)) return;
    result.invalid += 1;
    if (result.failures.length < task.maxFailures) result.failures.push({ index, errors: (validate.errors ?? []).slice(0, 5) });
  };

  if (task.format === 'json-array') {
    const text = (await fs.promises.readFile(task.file, 'utf8')).replace(/^\uFEFF/, '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LineError('the fixture is not valid JSON');
    }
    if (!Array.isArray(parsed)) throw new LineError('the fixture is not a JSON array');
    for (const message of parsed) check(message);
  } else {
    // NDJSON: one JSON value per line, blank lines ignored. Each line is decoded on its own, straight
    // from the read buffer: no copy of the whole range as one string.
    let line = 0;
    const parseLine = (text: string) => {
      line += 1;
      if (!text.length || (text.charCodeAt(0) <= 32 && !text.trim())) return;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        throw new LineError('not JSON', line);
      }
      check(message);
    };
    // The start of a line that continues in the next chunk.
    let partial: Buffer | null = null;
    let first = task.start === 0;
    if (task.end > task.start) {
      for await (const read of fs.createReadStream(task.file, { start: task.start, end: task.end - 1, highWaterMark: 1024 * 1024 })) {
        const chunk = read as Buffer;
        let from = 0;
        if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) from = 3;
        first = false;
        if (partial) {
          const newline = chunk.indexOf(10);
          if (newline < 0) {
            partial = Buffer.concat([partial, chunk]);
            continue;
          }
          parseLine(Buffer.concat([partial, chunk.subarray(0, newline)]).toString('utf8'));
          partial = null;
          from = newline + 1;
        }
        for (let newline = chunk.indexOf(10, from); newline >= 0; newline = chunk.indexOf(10, from)) {
          parseLine(chunk.toString('utf8', from, newline));
          from = newline + 1;
        }
        if (from < chunk.length) partial = Buffer.from(chunk.subarray(from));
      }
    }
    if (partial) parseLine(partial.toString('utf8'));
    result.lines = line;
  }
  if (kept) result.rules = applyDomainRules(kept, task.rules);
  return result;
}

parentPort!.on('message', (task: MessageRangeTask) => {
  validateRange(task).then(
    (result) => parentPort!.postMessage({ id: task.id, result } satisfies WorkerAnswer),
    (error: unknown) =>
      parentPort!.postMessage({
        id: task.id,
        error: error instanceof LineError ? error.message : `validation failed: ${(error as Error).message}`,
        line: error instanceof LineError ? error.line : null,
      } satisfies WorkerAnswer),
  );
});
