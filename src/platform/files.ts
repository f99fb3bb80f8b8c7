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

/**
 * Creates `directory` (and missing parents) readable by the server's account alone (0700): it holds
 * regulated records, keys or evidence. An existing directory keeps the mode its operator gave it.
 */
export function ensurePrivateDirectory(directory: string): void {
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
}

/** Creates `file` empty with `mode` if it does not exist yet; an existing file is left as it is. */
export function createFileIfMissing(file: string, mode: number): void {
  try {
    fs.closeSync(fs.openSync(file, 'wx', mode));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
