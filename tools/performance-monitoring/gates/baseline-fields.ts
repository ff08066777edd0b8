// The typed reads of a saved report's fields (gates/baseline-file.ts): each names the field and
// the value when it refuses one. Figures must be possible, not just numbers: an error rate of
// -1e308 or an Apdex of 1e300 would compare as a regression of "+∞ points".
import { forMessage } from '../text/safe-text.js';

export type Json = Record<string, unknown>;

/** A report that does not have the shape this tool writes; the message names the field. */
export class ShapeError extends Error {}

/** What a figure may be, and how the message says so. */
export interface Range {
  min: number;
  max: number;
  what: string;
}

export const PERCENT: Range = { min: 0, max: 100, what: 'a percentage from 0 to 100' };
export const APDEX: Range = { min: 0, max: 1, what: 'an Apdex from 0 to 1' };
export const MS: Range = { min: 0, max: Number.MAX_VALUE, what: 'a duration >= 0 ms' };
/** docs/cli.md's bounds for --hours and --threshold, the options a report's figures came from. */
export const HOURS: Range = { min: Number.MIN_VALUE, max: 8760, what: 'hours, more than 0 and at most 8760' };
export const THRESHOLD: Range = { min: 1, max: 3_600_000, what: 'a threshold from 1 to 3600000 ms' };

/** toISOString()'s form, the only one this tool writes. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value of the file for a message: a number as written, a string quoted, escaped and clipped
 *  (it may hold anything), an object or array by its kind (it may hold megabytes). */
export function shownJson(value: unknown): string {
  if (typeof value === 'string') return `"${forMessage(value, 40).slice(1, -1)}"`;
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  return String(value);
}

const refuse = (name: string, what: string, value: unknown) => new ShapeError(`${name} must be ${what}, not ${shownJson(value)}`);

/** Own fields only: `constructor` or `__proto__` are not fields of a report. */
export function field(parent: Json, key: string, path: string): unknown {
  if (!Object.hasOwn(parent, key)) throw new ShapeError(`${path}${key} is missing`);
  return parent[key];
}

export function object(parent: Json, key: string, path: string): Json {
  const value = field(parent, key, path);
  if (!isObject(value)) throw refuse(`${path}${key}`, 'an object', value);
  return value;
}

/** A non-negative integer that is exact in a double. */
export function count(parent: Json, key: string, path: string): number {
  const value = field(parent, key, path);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw refuse(`${path}${key}`, 'a count', value);
  return value;
}

/** A failure count no larger than the operations it is part of. */
export function failures(parent: Json, key: string, path: string, operations: number): number {
  const value = count(parent, key, path);
  if (value > operations) throw refuse(`${path}${key}`, `at most the operations (${operations})`, value);
  return value;
}

/** A number within `range`, or null (no data). */
export function figure(parent: Json, key: string, path: string, range: Range): number | null {
  const value = field(parent, key, path);
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw refuse(`${path}${key}`, 'a number or null', value);
  if (value < range.min || value > range.max) throw refuse(`${path}${key}`, range.what, value);
  return value;
}

export function figureNotNull(parent: Json, key: string, path: string, range: Range): number {
  const value = figure(parent, key, path, range);
  if (value === null) throw refuse(`${path}${key}`, 'a number', value);
  return value;
}

export function text(parent: Json, key: string, path: string): string {
  const value = field(parent, key, path);
  if (typeof value !== 'string') throw refuse(`${path}${key}`, 'a string', value);
  return value;
}

/** A window's bound as this tool writes it; the comparison prints it. */
export function timestamp(parent: Json, key: string, path: string): string {
  const value = text(parent, key, path);
  if (!ISO.test(value) || Number.isNaN(Date.parse(value))) throw refuse(`${path}${key}`, 'an ISO-8601 UTC time', value);
  return value;
}
