// The task of a message-set validator thread: it reads one byte range of an NDJSON file (or a
// whole JSON-array file), parses each message and validates it with the contract's schema, compiled
// here exactly as the contract compiles it. Parsing and validating tens of thousands of messages
// would otherwise hold the server's event loop for seconds; here it runs beside it, on every core.
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { compileSchema, takeUncheckedPatterns, type UncheckedPattern } from '../registry/schema-compiler.js';
import { applyDomainRules } from './domain-rules.js';
import type { MessageRangeResult, MessageRangeTask, WorkerAnswer } from './message-set-validator.js';

/** Compiled validators by spec key (contract digest and target), most recent last. */
const validators = new Map<string, ValidateFunction>();
const CACHE_SIZE = 16;
/** Messages parsed before they are validated together. */
const VALIDATION_BATCH = 100;

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
  const result: MessageRangeResult = { messages: 0, invalid: 0, failures: [], lines: 0, rules: null, unchecked: { messages: 0, patterns: [] } };
  const unchecked = new Map<string, UncheckedPattern>();
  const kept: unknown[] | null = task.rules.length ? [] : null;
  // Messages are parsed a small batch at a time, then validated together: alternating the parser and
  // the validator message by message costs about 15% more (each evicts the other from the caches).
  let batch: unknown[] = [];
  const validateBatch = () => {
    for (const message of batch) {
      const index = result.messages;
      result.messages += 1;
      const valid = validate(message);
      // A pattern the linear-time engine cannot run was consulted: this message is not fully checked.
      const notChecked = takeUncheckedPatterns(validate);
      if (notChecked.length) {
        result.unchecked.messages += 1;
        for (const pattern of notChecked) unchecked.set(`${pattern.pointer} ${pattern.pattern}`, pattern);
      }
      if (valid) continue;
      result.invalid += 1;
      if (result.failures.length < task.maxFailures) result.failures.push({ index, errors: (validate.errors ?? []).slice(0, 5) });
    }
    batch = [];
  };
  const check = (message: unknown) => {
    kept?.push(message);
    batch.push(message);
    if (batch.length === VALIDATION_BATCH) validateBatch();
  };

  if (task.format === 'json-array') {
    const bytes = await fs.promises.readFile(task.file);
    if (!isUtf8(bytes)) throw new LineError('the fixture is not UTF-8 text');
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
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
    // from the read buffer: no copy of the whole range as one string. Bytes that are not UTF-8 are
    // refused, never replaced: what is validated is exactly what the fixture holds.
    let line = 0;
    const parseLine = (bytes: Buffer, start: number, end: number, knownUtf8: boolean) => {
      line += 1;
      if (!knownUtf8 && !isUtf8(bytes.subarray(start, end))) throw new LineError('not UTF-8 text', line);
      const text = bytes.toString('utf8', start, end);
      if (!text.length || (text.charCodeAt(0) <= 32 && !text.trim())) return;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        throw new LineError('not JSON', line);
      }
      check(message);
    };
    // The pieces of a line that continues in the next chunk (joined once, when it ends).
    let partial: Buffer[] = [];
    let first = task.start === 0;
    if (task.end > task.start) {
      for await (const read of fs.createReadStream(task.file, { start: task.start, end: task.end - 1, highWaterMark: 1024 * 1024 })) {
        const chunk = read as Buffer;
        let from = 0;
        if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) from = 3;
        first = false;
        if (partial.length) {
          const newline = chunk.indexOf(10);
          if (newline < 0) {
            partial.push(Buffer.from(chunk));
            continue;
          }
          const joined = Buffer.concat([...partial, chunk.subarray(0, newline)]);
          parseLine(joined, 0, joined.length, false);
          partial = [];
          from = newline + 1;
        }
        // The whole lines of the chunk are checked for UTF-8 at once; line by line only when that fails, to name the line.
        const lastNewline = chunk.lastIndexOf(10);
        const wholeLinesUtf8 = lastNewline < from || isUtf8(chunk.subarray(from, lastNewline));
        for (let newline = chunk.indexOf(10, from); newline >= 0; newline = chunk.indexOf(10, from)) {
          parseLine(chunk, from, newline, wholeLinesUtf8);
          from = newline + 1;
        }
        if (from < chunk.length) partial.push(Buffer.from(chunk.subarray(from)));
      }
    }
    if (partial.length) {
      const joined = Buffer.concat(partial);
      parseLine(joined, 0, joined.length, false);
    }
    result.lines = line;
  }
  validateBatch();
  if (kept) result.rules = applyDomainRules(kept, task.rules);
  result.unchecked.patterns = [...unchecked.values()];
  return result;
}

/** The task a pool thread runs (piscina): an answer either way, so a fixture's fault is told from a thread's. */
export default async function validateMessageRange(task: MessageRangeTask): Promise<WorkerAnswer> {
  try {
    return { result: await validateRange(task) };
  } catch (error) {
    if (error instanceof LineError) return { error: error.message, line: error.line };
    throw error;
  }
}
