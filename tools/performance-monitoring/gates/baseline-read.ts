// The bytes of a `--baseline` file, read as `--input` paths are checked (sources/file/input-paths.ts):
// a regular file only (a symlink to one is fine) and a bounded size, so a named pipe with no
// writer, /dev/zero or a runaway file is one line and exit 2, never a hang or gigabytes of RAM.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { describeError, UsageError } from '../base/errors.js';
import { forMessageText, forPath } from '../text/safe-text.js';

/** A saved report is ~9 KB per service (27 MB for 3,000, mostly their timelines): this admits
 *  ~7,000 services, and keeps JSON.parse's memory to a few hundred MB. */
export const BASELINE_MAX_BYTES = 64 * 1024 * 1024;

/** The text of a baseline file, or one line (exit 2) saying why it cannot be read. */
export function readBaselineText(file: string): string {
  return decode(readBounded(file));
}

function fail(file: string, what: string): UsageError {
  return new UsageError(`--baseline ${forPath(file)}: ${what}`);
}

function readBounded(file: string): Buffer {
  let fd: number;
  try {
    // stat first: opening a named pipe would wait for a writer.
    checkStats(file, statSync(file));
    // O_NONBLOCK: should the path turn into a pipe between stat and open, open still returns.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw error instanceof UsageError ? error : fail(file, `cannot read it: ${reasonOf(error)}`);
  }
  try {
    // The file opened is the one checked, whatever the path names now.
    checkStats(file, fstatSync(fd));
    return readUpTo(fd, BASELINE_MAX_BYTES + 1, file);
  } finally {
    closeSync(fd);
  }
}

/** Node's `ENOENT: no such file or directory, stat '<path>'` without the path: the line shows it
 *  already, and a path with a newline would cut the reason at the newline. */
function reasonOf(error: unknown): string {
  const { message, syscall } = error as NodeJS.ErrnoException;
  const cut = syscall && typeof message === 'string' ? message.indexOf(`, ${syscall} `) : -1;
  return forMessageText(cut > 0 ? message.slice(0, cut) : describeError(error), 120);
}

function checkStats(file: string, stats: { isFile(): boolean; size: number }): void {
  if (!stats.isFile())
    throw fail(file, 'not a regular file (a pipe or a device?): save a report with --format json > before.json and pass that file');
  if (stats.size > BASELINE_MAX_BYTES) throw tooLarge(file);
}

function tooLarge(file: string): UsageError {
  return fail(
    file,
    `larger than ${BASELINE_MAX_BYTES / 1024 / 1024} MiB, the most a baseline may be (a saved report is ~9 KB per service)`,
  );
}

/** Reads at most `limit` bytes: a file that grows after its stat is cut off, not followed. */
function readUpTo(fd: number, limit: number, file: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(1024 * 1024, limit - total));
    let read: number;
    try {
      read = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      throw fail(file, `cannot read it: ${reasonOf(error)}`);
    }
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
    if (total > BASELINE_MAX_BYTES) throw tooLarge(file);
  }
  return Buffer.concat(chunks, total);
}

/** UTF-8, after any byte-order mark: PowerShell's `Out-File -Encoding utf8` writes EF BB BF, and
 *  Windows PowerShell's `>` writes UTF-16 LE (FF FE); either is read, not refused as invalid JSON. */
function decode(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // Big-endian: swap each pair (an odd last byte cannot be a character and is dropped).
    const pairs = bytes.subarray(2, bytes.length - (bytes.length % 2));
    return Buffer.from(pairs).swap16().toString('utf16le');
  }
  return bytes.toString('utf8');
}
