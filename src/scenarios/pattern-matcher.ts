// Tests the `matches` assertions of a step on a worker thread, with a time limit. A pattern an
// author wrote can backtrack catastrophically ((a+)+$ against a long answer); JavaScript cannot stop
// a regular expression once it runs, so on the server's event loop it would stall every user. On a
// thread it is stopped (piscina ends and replaces the thread) and only that step errs.
import { Piscina } from 'piscina';

export interface PatternCheck {
  pattern: string;
  value: string;
}

/** Per check: whether the value matches, or 'invalid' when the (rendered) pattern does not compile. */
export type PatternAnswer = boolean | 'invalid';

export class PatternTimeoutError extends Error {}

/** Ample for any sane pattern against an answer of a few megabytes; far short of a stalled run. */
export const PATTERN_TIMEOUT_MS = 2000;

const WORKER_SCRIPT = new URL('./pattern-worker.js', import.meta.url);

export class PatternMatcher {
  private readonly pool: Piscina<PatternCheck[], PatternAnswer[]>;

  constructor(private readonly timeoutMs: number) {
    // One thread is plenty for assertions; it starts when first needed and ends after a minute idle.
    this.pool = new Piscina({ filename: WORKER_SCRIPT.href, minThreads: 0, maxThreads: 1, idleTimeout: 60_000 });
  }

  /** Batches wait their turn here, not in the pool: each one's time limit starts when it starts. */
  private turn: Promise<unknown> = Promise.resolve();

  test(checks: PatternCheck[]): Promise<PatternAnswer[]> {
    if (!checks.length) return Promise.resolve([]);
    // One batch at a time: a batch queued inside piscina behind one that is stopped would share its
    // fate (queued tasks are not started once the thread is ended), and its clock would already run.
    const answer = this.turn.then(() => this.testNow(checks));
    this.turn = answer.catch(() => undefined);
    return answer;
  }

  private async testNow(checks: PatternCheck[]): Promise<PatternAnswer[]> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.pool.run(checks, { signal });
    } catch (error) {
      if (signal.aborted) throw new PatternTimeoutError(`a pattern did not finish within ${this.timeoutMs} ms against the value it was given and was stopped (does it backtrack catastrophically?)`);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
