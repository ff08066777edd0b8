// The one atomic write (temp file, fsync, rename), for the report's `--output FILE` (docs/cli.md)
// and the alert state: a reader such as node_exporter's textfile collector sees the old file or
// the new one, never half of one, even after a crash. What is not a regular
// file is written, never replaced (issue 27 item 1): a symlink's target is replaced and the link
// kept; a device or a pipe (/dev/null, a FIFO, /dev/stdout) is written directly; a directory is refused.
import { randomBytes } from 'node:crypto';
import { constants, type Stats, write } from 'node:fs';
import { open, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { forPath } from '../text/safe-text.js';
import { describeError, RuntimeError, UsageError, UserError } from './errors.js';

/** Longest file name, in bytes, on Linux's and macOS's file systems (NAME_MAX). */
const NAME_MAX = 255;
/** Links followed before giving up, as the kernel does (ELOOP). */
const MAX_LINKS = 40;
const writeTo = promisify(write);

/** The temp file's name: hidden and ending in `.tmp`, so a collector globbing `*.prom` skips it.
 *  A long name is cut so the temp name stays within NAME_MAX (a 240-byte name would not). */
export function tempPathFor(file: string): string {
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const room = NAME_MAX - 1 - Buffer.byteLength(suffix);
  return join(dirname(file), `.${clipBytes(basename(file), room)}${suffix}`);
}

/** The longest start of `name` within `max` UTF-8 bytes, never cutting a character. */
function clipBytes(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  let kept = '';
  for (const char of name) {
    if (Buffer.byteLength(kept + char) > max) break;
    kept += char;
  }
  return kept;
}

/** Writes the report to `file`: a regular file (or none yet) is replaced atomically; a device,
 *  a pipe or a socket is written as it is. Any failure is one line; a directory is exit 2, the rest exit 1. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  try {
    const target = await followLinks(file);
    if (typeof target === 'number') return await writeOwnDescriptor(target, text);
    const existing = await stat(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (existing?.isDirectory()) throw new UsageError(`--output ${forPath(file)}: is a directory; name a file to write the report to`);
    if (existing && !existing.isFile()) await writeInPlace(target, text, existing);
    else await replaceAtomically(target, text);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new RuntimeError(`cannot write the report to ${file}: ${describeError(error)}`);
  }
}

/** The path whose file the report replaces, symlinks followed (renaming over a link would replace
 *  the link itself), or a descriptor of this process when a link leads to one (/dev/stdout). */
async function followLinks(file: string): Promise<string | number> {
  let path = resolve(file);
  for (let hop = 0; hop < MAX_LINKS; hop++) {
    // The directory first: /dev/fd/1 is /proc/<pid>/fd/1, whose link text is not a path.
    path = join(await realpath(dirname(path)), basename(path));
    const fd = /^\/proc\/(\d+)\/fd\/(\d+)$/.exec(path);
    if (fd && Number(fd[1]) === process.pid) return Number(fd[2]);
    let link: string;
    try {
      link = await readlink(path);
    } catch (error) {
      // Not a link (EINVAL), or nothing there yet (ENOENT, a dangling link's target): this is the file.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOENT') return path;
      throw error;
    }
    path = resolve(dirname(path), link);
  }
  throw new Error('too many levels of symbolic links');
}

/** Looked up at write time: process.stdout and stderr are created on first use. */
function ownStream(fd: number): NodeJS.WriteStream | null {
  if (fd === 1) return process.stdout;
  if (fd === 2) return process.stderr;
  return null;
}

/** Written where the descriptor stands (reopening it would start a file at its first byte):
 *  stdout and stderr through their Node streams, which cope with a non-blocking pipe. */
async function writeOwnDescriptor(fd: number, text: string): Promise<void> {
  const stream = ownStream(fd);
  if (stream !== null) return new Promise<void>((done, fail) => stream.write(text, (error) => (error ? fail(error) : done())));
  const bytes = Buffer.from(text, 'utf8');
  for (let written = 0; written < bytes.length; ) written += (await writeTo(fd, bytes, written)).bytesWritten;
}

/** A device, FIFO or socket: opened for writing (no create, no truncate: /dev/null stays a device;
 *  a FIFO's open waits for its reader, as a shell's `>` does). No fsync: a pipe cannot be synced. */
async function writeInPlace(path: string, text: string, existing: Stats): Promise<void> {
  if (existing.isSocket()) throw new Error('a socket cannot be opened as a file');
  const handle = await open(path, constants.O_WRONLY);
  try {
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}

/** A temp file in `file`'s directory (rename is atomic only within one file system), flushed to
 *  disk, then renamed over `file`; no temp file is left behind on failure. `mode`: the new file's
 *  permissions (0644 for a report; the alert state, 0600). */
export async function replaceAtomically(file: string, text: string, mode = 0o644): Promise<void> {
  const temp = tempPathFor(file);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
