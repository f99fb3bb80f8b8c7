// Small file-system helpers shared by the features that keep state beside the database.
import fs from 'node:fs';

/** Replaces `file` with `content` all at once: written to a temp file, synced, then renamed over it. */
export function writeFileAtomic(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeSync(handle, content);
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
  fs.chmodSync(temporary, mode);
  fs.renameSync(temporary, file);
}
