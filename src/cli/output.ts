// What commands write: one result on stdout (text, or one JSON document with --json), and a
// progress bar on stderr only for a person at a terminal.
import cliProgress from 'cli-progress';

export function print(values: Record<string, unknown>, data: unknown, text: string): void {
  console.log(values.json ? JSON.stringify(data, null, 2) : text);
}

/** Runs work, showing its progress on stderr when that is a terminal and the output is not --json. */
export async function withProgress<T>(values: Record<string, unknown>, title: string, work: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  if (values.json || !process.stderr.isTTY) return work(() => undefined);
  const bar = new cliProgress.SingleBar({ format: `${title} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
  let started = false;
  try {
    return await work((done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      } else if (total !== bar.getTotal()) bar.setTotal(total); // a long job moves from stage to stage
      bar.update(done);
    });
  } finally {
    if (started) bar.stop();
  }
}
