// `--output FILE`: the report written atomically (SPEC §16), so a reader such as node_exporter's
// textfile collector sees the old file or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RuntimeError, describeError } from './errors.js';

/** The temp file's name: hidden and ending in `.tmp`, so a collector globbing `*.prom` skips it. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `text` to a temp file in `file`'s directory (rename is atomic only within one file
 *  system), flushes it to disk, then renames it over `file`. Any failure is one line, exit 1,
 *  and leaves no temp file behind. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = tempPathFor(file);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw new RuntimeError(`cannot write the report to ${file}: ${describeError(error)}`);
  }
}
