// Live progress as server-sent events (text/event-stream), for a run and for a change's regression:
// `progress` with the counts every PROGRESS_INTERVAL_MS, then `finished` once nothing is live, then
// the stream closes. Each tick is a few reads outside any transaction; the next is scheduled only
// after the last has answered, and none once the browser has gone. Leaving the page (or "stop
// watching") only closes the stream: the run goes on.
import type { Response } from 'express';

/** How often the stream reads the state. */
export const PROGRESS_INTERVAL_MS = 500;
/** A stream is closed after this long whatever happens; the browser's EventSource reconnects if it still watches. */
const STREAM_MAX_MS = 30 * 60_000;

export interface ProgressSource {
  /** The state now: `progress` is sent as is; `finished` (default `progress`) once `live` is false. */
  read(): Promise<{ live: boolean; progress: Record<string, unknown>; finished?: Record<string, unknown> }>;
  onError(error: unknown): void;
}

export function streamProgress(res: Response, source: ProgressSource): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const deadline = Date.now() + STREAM_MAX_MS;
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    if (!res.writableEnded) res.end();
  };
  // 'close' is the connection's end: the browser went away (or the stream was ended here).
  res.once('close', stop);
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const tick = async () => {
    timer = null;
    if (stopped) return;
    try {
      const { live, progress, finished } = await source.read();
      if (stopped) return;
      send('progress', progress);
      if (!live) {
        send('finished', finished ?? progress);
        stop();
        return;
      }
      if (Date.now() > deadline) {
        stop();
        return;
      }
      timer = setTimeout(() => void tick(), PROGRESS_INTERVAL_MS);
    } catch (error) {
      source.onError(error);
      stop();
    }
  };
  void tick();
}
