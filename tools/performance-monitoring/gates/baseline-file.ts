// `--baseline <report.json>`: a report this tool saved (`--format json`, schemaVersion 1), read
// at startup and reduced to the figures a comparison needs. A targeted check, not the full
// schema: a report from a newer build with more fields, or from an older one without the
// sample counts, still compares; anything else is one line and exit 2.
import { shownPath, shownValue } from '../cli/shown.js';
import { UsageError } from '../errors.js';
import { readBaselineText } from './baseline-read.js';
import type { Baseline, ComparedFigures } from './types.js';

/** Every schemaVersion this tool has written. */
const KNOWN_VERSIONS = [1];

type Json = Record<string, unknown>;

export function loadBaseline(file: string): Baseline {
  // The path as typed, escaped and clipped: one line whatever it holds.
  const fail = (what: string) => new UsageError(`--baseline ${shownPath(file)}: ${what}`);
  const text = readBaselineText(file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw fail(`not valid JSON${text.trim() === '' ? ' (empty file)' : ' (truncated?)'}: save one with --format json > ${shownPath(file)}`);
  }
  if (!isObject(data) || !('schemaVersion' in data)) throw fail('not a perf-monitor report (no schemaVersion): save one with --format json');
  const version = data.schemaVersion;
  if (typeof version !== 'number' || !KNOWN_VERSIONS.includes(version)) {
    const newer = typeof version === 'number' && version > Math.max(...KNOWN_VERSIONS);
    throw fail(`schemaVersion ${shownJson(version)} is ${newer ? 'newer than this tool reads' : 'not one this tool writes'} (it reads ${KNOWN_VERSIONS.join(', ')})`);
  }
  try {
    return readReport(data, file);
  } catch (error) {
    if (error instanceof ShapeError) throw fail(`not a perf-monitor report: ${error.message}`);
    throw error;
  }
}

class ShapeError extends Error {}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value of the file for a message: a number as written, a string quoted, escaped and clipped
 *  (it may hold anything), an object or array by its kind (it may hold megabytes). */
function shownJson(value: unknown): string {
  if (typeof value === 'string') return `"${shownValue(value, 40).slice(1, -1)}"`;
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  return String(value);
}

function field(parent: Json, key: string, path: string): unknown {
  if (!(key in parent)) throw new ShapeError(`${path}${key} is missing`);
  return parent[key];
}

function object(parent: Json, key: string, path: string): Json {
  const value = field(parent, key, path);
  if (!isObject(value)) throw new ShapeError(`${path}${key} must be an object`);
  return value;
}

function count(parent: Json, key: string, path: string): number {
  const value = field(parent, key, path);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ShapeError(`${path}${key} must be a count`);
  return value;
}

function figure(parent: Json, key: string, path: string): number | null {
  const value = field(parent, key, path);
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw new ShapeError(`${path}${key} must be a number or null`);
  return value;
}

function text(parent: Json, key: string, path: string): string {
  const value = field(parent, key, path);
  if (typeof value !== 'string') throw new ShapeError(`${path}${key} must be a string`);
  return value;
}

/** Sample counts arrived after schemaVersion 1 was first written: absent means unknown. */
function samples(parent: Json, path: string): number | null {
  return 'samples' in parent ? count(parent, 'samples', path) : null;
}

function readReport(data: Json, file: string): Baseline {
  const period = object(data, 'period', '');
  const overall = object(data, 'overall', '');
  const services = field(data, 'services', '');
  if (!Array.isArray(services)) throw new ShapeError('services must be an array');
  const service = field(data, 'service', '');
  if (service !== null && typeof service !== 'string') throw new ShapeError('service must be a string or null');
  return {
    file,
    period: { start: text(period, 'start', 'period.'), end: text(period, 'end', 'period.'), hours: figureNotNull(period, 'hours', 'period.') },
    threshold: figureNotNull(data, 'threshold', ''),
    service,
    overall: {
      operations: count(overall, 'totalOperations', 'overall.'),
      failures: count(overall, 'failedOperations', 'overall.'),
      errorRate: figure(overall, 'errorRate', 'overall.'),
      avgDuration: figure(overall, 'avgDuration', 'overall.'),
      p95Duration: figure(overall, 'p95Duration', 'overall.'),
      p99Duration: figure(overall, 'p99Duration', 'overall.'),
      apdex: figure(overall, 'apdex', 'overall.'),
      samples: samples(overall, 'overall.'),
    },
    services: services.map((entry: unknown, i) => serviceOf(entry, `services[${i}].`)),
  };
}

function figureNotNull(parent: Json, key: string, path: string): number {
  const value = figure(parent, key, path);
  if (value === null) throw new ShapeError(`${path}${key} must be a number`);
  return value;
}

function serviceOf(entry: unknown, path: string): Baseline['services'][number] {
  if (!isObject(entry)) throw new ShapeError(`${path.slice(0, -1)} must be an object`);
  const operations = object(entry, 'operations', path);
  const performance = object(entry, 'performance', path);
  const errors = object(entry, 'errors', path);
  const figures: ComparedFigures = {
    operations: count(operations, 'total', `${path}operations.`),
    failures: count(operations, 'failed', `${path}operations.`),
    errorRate: figure(errors, 'errorRate', `${path}errors.`),
    avgDuration: figure(performance, 'avgDuration', `${path}performance.`),
    p95Duration: figure(performance, 'p95Duration', `${path}performance.`),
    p99Duration: figure(performance, 'p99Duration', `${path}performance.`),
    apdex: figure(entry, 'apdex', path),
    samples: samples(performance, `${path}performance.`),
  };
  return { service: text(entry, 'service', path), status: text(entry, 'status', path), figures };
}
