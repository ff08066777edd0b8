// An input file's bytes as Node reads them, decompressed like DuckDB does (.gz; .zst where Node
// has zstd), for the passes DuckDB cannot do itself: a CSV header, repairing a JSON file.
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';

type Decompressor = () => NodeJS.ReadWriteStream;

/** pipeline() wants a callback; a failure reaches the reader as the stream's error instead. */
const ignore = () => {};

/** Node 22.15+ has zstd; on Node 20 a .zst file gets no repair pass (DuckDB's error stands). */
const zstd = (zlib as { createZstdDecompress?: Decompressor }).createZstdDecompress;

/** The file's bytes, decompressed; `null` when this Node cannot decompress it. */
export function openInput(path: string): Readable | null {
  if (/\.zst$/i.test(path)) return zstd ? (pipeline(createReadStream(path), zstd(), ignore) as unknown as Readable) : null;
  const raw = createReadStream(path);
  return /\.gz$/i.test(path) ? pipeline(raw, zlib.createGunzip(), ignore) : raw;
}

/** The first `max` bytes of the (decompressed) file, or fewer when it is shorter; `null` when
 *  it cannot be read (no zstd here, a corrupt archive): callers then leave the file to DuckDB. */
export async function readHead(path: string, max: number): Promise<Buffer | null> {
  const stream = openInput(path);
  if (!stream) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= max) break;
    }
  } catch {
    return null;
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/** A line longer than the reader's limit: its length in bytes, counted but never held. */
export class OverlongLine {
  constructor(readonly bytes: number) {}
}

/** The lines of `input` split at `\n`, decoded as UTF-8; a line over `maxBytes` is yielded as an
 *  OverlongLine, its bytes dropped as they arrive (readline would hold it whole, and a line past
 *  V8's string limit, ~512 MiB, crashed the run: issue 27 item 4). */
export async function* boundedLines(input: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<string | OverlongLine> {
  let parts: Buffer[] = [];
  let size = 0;
  const line = () => (size > maxBytes ? new OverlongLine(size) : Buffer.concat(parts).toString('utf8'));
  for await (const chunk of input) {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      size += piece.length;
      if (size <= maxBytes) parts.push(piece);
      else parts = [];
      if (end === -1) break;
      yield line();
      [parts, size, start] = [[], 0, end + 1];
    }
  }
  if (size > 0) yield line();
}
