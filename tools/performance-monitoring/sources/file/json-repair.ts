// A clean NDJSON copy of a JSON or NDJSON file DuckDB refused: one odd row (a line that is not
// JSON, a lone surrogate, a BOM at the start) is skipped and counted instead of refusing the
// whole file (issue 14 item 9, issue 16); so is a line over MAX_LINE_BYTES (issue 27 item 4).
// Runs only after DuckDB's fast read failed.

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { boundedLines, OverlongLine, openInput } from './input-stream.js';

export interface Repaired {
  /** Rows written to the copy. */
  rows: number;
  /** Lines (NDJSON) or array elements (JSON) skipped. */
  skipped: number;
  /** The first one skipped: `line 2` or `element 3`, and why. */
  first: { where: string; reason: string } | null;
}

/** A JSON array is parsed whole; past this size its repair is not tried (DuckDB's error stands). */
const MAX_ARRAY_BYTES = 256 * 1024 * 1024;
/** The longest row kept: DuckDB's maximum_object_size (16 MiB), so the copy holds no row DuckDB
 *  refuses again. Longer ones are skipped and counted, never read into one string. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const tooLong = (bytes: number) => `longer than 16 MiB (${bytes.toLocaleString('en-US')} bytes)`;
// A lone surrogate (`"\ud800"`) is valid JSON to JavaScript, but not UTF-8: DuckDB refuses it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Why a value cannot be a row, or null when it can: an object whose texts are all UTF-8. */
function rowProblem(value: unknown, raw: string): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  // Only a text holding a surrogate escape can hold a lone surrogate: the deep check is rare.
  if (SURROGATE_ESCAPE.test(raw) && hasLoneSurrogate(value)) return 'a lone UTF-16 surrogate (U+D800..U+DFFF) in a string';
  return null;
}

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, inner]) => LONE_SURROGATE.test(key) || hasLoneSurrogate(inner));
}

/** Buffered writes with backpressure: the copy can be as large as the input. */
class Copy {
  private readonly out: WriteStream;
  private pending = '';
  rows = 0;

  constructor(path: string) {
    this.out = createWriteStream(path);
  }

  async add(line: string): Promise<void> {
    this.pending += `${line}\n`;
    this.rows++;
    if (this.pending.length >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = this.pending;
    this.pending = '';
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'close');
  }
}

class Tally {
  skipped = 0;
  first: Repaired['first'] = null;

  skip(where: string, reason: string): void {
    this.skipped++;
    this.first ??= { where, reason };
  }
}

/** Writes the readable rows of `source` to `dest` as NDJSON; null when it cannot be read here. */
export async function repairJson(source: string, format: 'ndjson' | 'json', dest: string): Promise<Repaired | null> {
  const input = openInput(source);
  if (!input) return null;
  const copy = new Copy(dest);
  const tally = new Tally();
  try {
    if (format === 'json') {
      const text = await readWhole(input);
      if (text === null) return null;
      if (!(await copyArray(text, copy, tally))) await copyLines(text.split('\n'), copy, tally);
    } else {
      await copyLines(boundedLines(input as AsyncIterable<Buffer>, MAX_LINE_BYTES), copy, tally);
    }
  } catch (error) {
    if (error instanceof MalformedArray) throw error;
    return null; // unreadable bytes (a corrupt archive): DuckDB's own error stands
  } finally {
    input.destroy();
    await copy.close();
  }
  return { rows: copy.rows, skipped: tally.skipped, first: tally.first };
}

async function readWhole(input: NodeJS.ReadableStream): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += (chunk as Buffer).length;
    if (size > MAX_ARRAY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A whole-file JSON value: an array's elements (or one object) become rows; false if it is not one value. */
async function copyArray(text: string, copy: Copy, tally: Tally): Promise<boolean> {
  const json = text.replace(/^\ufeff/, '');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    if (json.trimStart().startsWith('[')) throw new MalformedArray((error as Error).message);
    return false; // perhaps NDJSON in a .json file: read it line by line
  }
  const elements = Array.isArray(value) ? value : [value];
  for (const [i, element] of elements.entries()) {
    const line = JSON.stringify(element) ?? 'null';
    const bytes = Buffer.byteLength(line);
    const problem = bytes > MAX_LINE_BYTES ? tooLong(bytes) : rowProblem(element, line);
    if (problem) tally.skip(`element ${i + 1}`, problem);
    else await copy.add(line);
  }
  return true;
}

/** A JSON array that does not parse: no row of it can be trusted, so the file stays refused. */
export class MalformedArray extends Error {}

/** Each line of `lines` (split at `\n`) holds one row; a lone `\r` ends one too, as readline had it. */
async function copyLines(lines: AsyncIterable<string | OverlongLine> | Iterable<string>, copy: Copy, tally: Tally): Promise<void> {
  let number = 0;
  for await (const read of lines) {
    if (read instanceof OverlongLine || Buffer.byteLength(read) > MAX_LINE_BYTES) {
      number++;
      tally.skip(`line ${number}`, tooLong(read instanceof OverlongLine ? read.bytes : Buffer.byteLength(read)));
      continue;
    }
    for (const raw of read.replace(/\r$/, '').split('\r')) {
      number++;
      await copyLine(number === 1 ? raw.replace(/^\ufeff/, '') : raw, number, copy, tally);
    }
  }
}

async function copyLine(line: string, number: number, copy: Copy, tally: Tally): Promise<void> {
  if (line.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    tally.skip(`line ${number}`, `not JSON (${(error as Error).message})`);
    return;
  }
  const problem = rowProblem(value, line);
  if (problem) tally.skip(`line ${number}`, problem);
  else await copy.add(line);
}
