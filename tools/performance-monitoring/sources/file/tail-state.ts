// Where each live input stands (docs/live.md): `tail -F` semantics in bytes. A text file that
// grew is read from the last whole line consumed; one that shrank, was replaced (another inode:
// log rotation) or rewritten under the same size is read again whole; compressed and columnar
// files are read again whole whenever they change. Node does the byte work; DuckDB the parsing.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { FileFormat } from './formats.js';

/** Bytes kept from just before the offset: a file rewritten under the same name and a larger
 *  size (copytruncate, then more lines) no longer holds them there. */
const MARK_BYTES = 64;
const BLOCK = 65_536;

export interface FileMark {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Bytes consumed (a whole number of lines). */
  offset: number;
  /** The MARK_BYTES before `offset`. */
  mark: Buffer;
  /** CSV: the header line with its line end, put before each appended piece. */
  header: Buffer | null;
}

export type Plan =
  | { kind: 'same'; size: number }
  | { kind: 'whole'; why: 'first' | 'rotated' | 'truncated' | 'changed'; end: number; size: number }
  | { kind: 'append'; start: number; end: number; size: number };

/** Text formats grow by lines; the others are read whole on any change. */
export const appendable = (format: FileFormat, path: string) => (format === 'ndjson' || format === 'csv') && !/\.(gz|zst)$/i.test(path);

/** What to read of `path` now, given where it stood (`mark`; null before the first read). A
 *  partial last line waits for its end, unless the file did not change for a whole refresh. */
export async function planRead(path: string, format: FileFormat, mark: FileMark | null): Promise<Plan> {
  const now = await stat(path);
  const size = now.size;
  const sameFile = mark !== null && mark.dev === now.dev && mark.ino === now.ino;
  if (!appendable(format, path)) {
    if (sameFile && mark.size === size && mark.mtimeMs === now.mtimeMs) return { kind: 'same', size };
    const why = mark === null ? 'first' : 'changed';
    return { kind: 'whole', why: sameFile || mark === null ? why : 'rotated', end: size, size };
  }
  if (!sameFile) return { kind: 'whole', why: mark === null ? 'first' : 'rotated', end: await wholeLinesEnd(path, 0, size), size };
  if (size < mark.offset || !(await markHolds(path, mark)))
    return { kind: 'whole', why: 'truncated', end: await wholeLinesEnd(path, 0, size), size };
  if (size === mark.offset) return { kind: 'same', size };
  // Unchanged since the last look: a last line without its line end is complete after all.
  const end = size === mark.size ? size : await wholeLinesEnd(path, mark.offset, size);
  return end === mark.offset ? { kind: 'same', size } : { kind: 'append', start: mark.offset, end, size };
}

/** Where reading stands after `end` bytes of the file as `stat` saw it. */
export async function markAfter(path: string, end: number, header: Buffer | null): Promise<FileMark> {
  const now = await stat(path);
  return { dev: now.dev, ino: now.ino, size: now.size, mtimeMs: now.mtimeMs, offset: end, mark: await bytesAt(path, end), header };
}

/** The offset just past the last line feed within [start, end), or `start` when there is none. */
export async function wholeLinesEnd(path: string, start: number, end: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(BLOCK);
    for (let to = end; to > start; ) {
      const from = Math.max(start, to - BLOCK);
      const { bytesRead } = await handle.read(buffer, 0, to - from, from);
      const at = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) return from + at + 1;
      to = from;
    }
    return start;
  } finally {
    await handle.close();
  }
}

/** Bytes [start, end) of `path` into `target`, after `prefix` (a CSV header). */
export async function copyRange(path: string, start: number, end: number, target: string, prefix: Buffer | null): Promise<void> {
  const out = createWriteStream(target);
  if (prefix) out.write(prefix);
  await pipeline(createReadStream(path, { start, end: end - 1 }), out);
}

/** The first line of a CSV file with its line end (the header), or null. */
export async function firstLine(path: string): Promise<Buffer | null> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const at = buffer.subarray(0, bytesRead).indexOf(0x0a);
    return at < 0 ? null : Buffer.from(buffer.subarray(0, at + 1));
  } finally {
    await handle.close();
  }
}

async function bytesAt(path: string, end: number): Promise<Buffer> {
  const from = Math.max(0, end - MARK_BYTES);
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function markHolds(path: string, mark: FileMark): Promise<boolean> {
  return (await bytesAt(path, mark.offset)).equals(mark.mark);
}
