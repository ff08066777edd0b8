// Which files --input reads: each path checked once and handed to DuckDB as the absolute path
// that was checked; `-` (stdin) copied to a scratch file first, bounded, and removed whatever ends
// the run. One rule for a path that cannot be used, whatever the cause (missing, a directory, no
// permission, a symlink loop): exit 2.
import { closeSync, createWriteStream, mkdtempSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, RuntimeError, UsageError } from '../../base/errors.js';
import { forPath } from '../../text/safe-text.js';
import type { InputFormat } from '../types.js';
import { type FileFormat, formatOf } from './formats.js';
import { readHead } from './input-stream.js';

export const STDIN = '-';

export interface InputFile {
  /** As the user typed it, for messages: a path, or `-` for stdin. */
  name: string;
  /** The absolute path DuckDB reads (for stdin, its copy in the scratch dir). */
  path: string;
  format: FileFormat;
}

/** What stdin must offer: a stream, and whether a person is typing into it. */
export type Stdin = NodeJS.ReadableStream & { isTTY?: boolean };

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a part of the path is not a directory)',
  EACCES: 'cannot read: permission denied',
  EPERM: 'cannot read: permission denied',
  ELOOP: 'cannot read: too many levels of symbolic links',
  ENAMETOOLONG: 'cannot read: the name is too long',
};

/** Checks every path before anything is read; `-` may appear once, and not from a terminal. */
export function checkInputPaths(paths: string[], inputFormat: InputFormat | null, stdin: Stdin): void {
  if (paths.filter((p) => p === STDIN).length > 1) throw new UsageError('--input - (stdin) can be given only once');
  for (const path of paths) {
    if (path === STDIN) {
      if (stdin.isTTY)
        throw new UsageError('--input -: stdin is a terminal; pipe the logs in, e.g. cat logs.ndjson | monitor.ts --input -');
      continue;
    }
    formatOf(path, inputFormat);
    checkReadable(path);
  }
}

function checkReadable(path: string): void {
  const shown = `--input ${forPath(path)}`;
  // DuckDB reads a path with these characters as a pattern, and would read other files too.
  if (/[*?[]/.test(path)) throw new UsageError(`${shown}: names with *, ? or [ are not supported; let the shell expand patterns`);
  const absolute = resolve(path);
  try {
    // stat first: opening a named pipe would wait for a writer.
    if (!statSync(absolute).isFile())
      throw new UsageError(`${shown}: not a regular file (for a pipe, use --input - and redirect it to stdin)`);
    closeSync(openSync(absolute, 'r'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new UsageError(`${shown}: ${REASONS[code] ?? `cannot read: ${code || 'unknown error'}`}`);
  }
}

/** Signals whose default action ends the process: without a handler, the scratch dir (a copy of
 *  stdin, gigabytes perhaps) would outlive the run (issue 27 item 5). */
const ENDING_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** A scratch directory for stdin's copy and repaired files, made on first use in TMPDIR, and
 *  removed by remove(), on exit, or on a signal that ends the run (which then ends as it would have). */
export class Scratch {
  private dir: string | undefined;
  private readonly onExit = () => this.remove();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.remove();
    process.kill(process.pid, signal);
  };

  path(name: string): string {
    if (this.dir === undefined) {
      this.dir = makeScratchDir();
      this.listen(true);
    }
    return join(this.dir, name);
  }

  remove(): void {
    this.listen(false);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private listen(on: boolean): void {
    // Removed before the signal is raised again, so its default action (ending the process) applies.
    const method = on ? 'on' : 'off';
    for (const signal of ENDING_SIGNALS) process[method](signal, this.onSignal);
    process[method]('exit', this.onExit);
  }
}

function makeScratchDir(): string {
  try {
    return mkdtempSync(join(tmpdir(), 'perfmon-input-'));
  } catch (error) {
    throw new RuntimeError(`cannot make a scratch directory in TMPDIR (${forPath(tmpdir())}): ${describeError(error)}`);
  }
}

/** How stdin is read: --input-format, and the most it may hold (PERFMON_STDIN_MAX_BYTES). */
export interface StdinOptions {
  inputFormat: InputFormat | null;
  stdinMaxBytes: number;
}

/** The files to read, in order; stdin is copied (DuckDB's readers seek, a pipe cannot). */
export async function resolveInputs(paths: string[], options: StdinOptions, stdin: Stdin, scratch: Scratch): Promise<InputFile[]> {
  const inputs: InputFile[] = [];
  for (const name of paths) {
    if (name === STDIN) inputs.push(await copyStdin(stdin, options, scratch));
    else inputs.push({ name, path: resolve(name), format: formatOf(name, options.inputFormat) });
  }
  return inputs;
}

async function copyStdin(stdin: Stdin, { inputFormat, stdinMaxBytes }: StdinOptions, scratch: Scratch): Promise<InputFile> {
  const raw = scratch.path('stdin');
  await copyBounded(stdin, raw, stdinMaxBytes);
  // gzip'd logs piped in: DuckDB (and readHead) decompress by the name's ending.
  const magic = await readHead(raw, 2);
  const gzip = magic?.[0] === 0x1f && magic[1] === 0x8b;
  const probe = gzip ? `${raw}.gz` : raw;
  if (gzip) renameSync(raw, probe);
  const format = inputFormat ?? guessFormat(await readHead(probe, 65_536));
  const path = scratch.path(`stdin.${format}${gzip ? '.gz' : ''}`);
  renameSync(probe, path);
  return { name: STDIN, path, format };
}

class StdinTooLarge extends Error {}

/** stdin into `path`, stopped past `maxBytes`; each failure one line naming stdin, and TMPDIR
 *  when the copy cannot be written (a full disk was "unexpected error: ENOSPC"). */
async function copyBounded(stdin: Stdin, path: string, maxBytes: number): Promise<void> {
  let bytes = 0;
  const bound = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > maxBytes ? new StdinTooLarge() : null, chunk);
    },
  });
  const copy = createWriteStream(path);
  let writeError: unknown;
  copy.on('error', (error) => (writeError = error));
  try {
    await pipeline(stdin, bound, copy);
  } catch (error) {
    const shown = '--input - (stdin)';
    if (error instanceof StdinTooLarge) {
      throw new UsageError(
        `${shown}: more than ${maxBytes.toLocaleString('en-US')} bytes (PERFMON_STDIN_MAX_BYTES); save the logs to a file and pass --input FILE, or raise the limit`,
      );
    }
    if (error !== writeError) throw new RuntimeError(`${shown}: reading stdin failed: ${describeError(error)}`);
    const full =
      (error as NodeJS.ErrnoException).code === 'ENOSPC'
        ? 'no space left on device (ENOSPC); point TMPDIR at a disk with room, or save the logs to a file and pass --input FILE'
        : describeError(error);
    throw new RuntimeError(`${shown}: cannot copy stdin to TMPDIR (${forPath(tmpdir())}): ${full}`);
  }
}

/** The first non-blank character: `{` NDJSON, `[` a JSON array, anything else CSV; empty: NDJSON (no rows). */
export function guessFormat(head: Buffer | null): FileFormat {
  const first = (head ?? Buffer.alloc(0))
    .toString('utf8')
    .replace(/^\ufeff/, '')
    .trimStart()[0];
  if (first === undefined || first === '{') return 'ndjson';
  return first === '[' ? 'json' : 'csv';
}
