// `--baseline <report.json>`: a report this tool saved (`--format json`, schemaVersion 1), read
// at startup and reduced to the figures a comparison needs. A targeted check, not the full
// schema: a report from a newer build with more fields, or from an older one without the
// sample counts, still compares; anything else is one line and exit 2.

import { UsageError } from '../base/errors.js';
import { forPath } from '../text/safe-text.js';
import {
  APDEX,
  count,
  failures,
  field,
  figure,
  figureNotNull,
  HOURS,
  isObject,
  type Json,
  MS,
  object,
  PERCENT,
  ShapeError,
  shownJson,
  THRESHOLD,
  text,
  timestamp,
} from './baseline-fields.js';
import { readBaselineText } from './baseline-read.js';
import type { Baseline, ComparedFigures } from './types.js';

/** Every schemaVersion this tool has written. */
const KNOWN_VERSIONS = [1];

export function loadBaseline(file: string): Baseline {
  // The path as typed, escaped and clipped: one line whatever it holds.
  const fail = (what: string) => new UsageError(`--baseline ${forPath(file)}: ${what}`);
  const content = readBaselineText(file);
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch {
    throw fail(
      `not valid JSON${content.trim() === '' ? ' (empty file)' : ' (truncated?)'}: save one with --format json > ${forPath(file)}`,
    );
  }
  if (!isObject(data) || !Object.hasOwn(data, 'schemaVersion'))
    throw fail('not a perf-monitor report (no schemaVersion): save one with --format json');
  const version = data.schemaVersion;
  if (typeof version !== 'number' || !KNOWN_VERSIONS.includes(version)) {
    const newer = typeof version === 'number' && version > Math.max(...KNOWN_VERSIONS);
    throw fail(
      `schemaVersion ${shownJson(version)} is ${newer ? 'newer than this tool reads' : 'not one this tool writes'} (it reads ${KNOWN_VERSIONS.join(', ')})`,
    );
  }
  try {
    return readReport(data, file);
  } catch (error) {
    if (error instanceof ShapeError) throw fail(`not a perf-monitor report: ${error.message}`);
    throw error;
  }
}

/** Sample counts arrived after schemaVersion 1 was first written: absent means unknown. */
function samples(parent: Json, path: string): number | null {
  return Object.hasOwn(parent, 'samples') ? count(parent, 'samples', path) : null;
}

/** stdDevDuration arrived later still: absent is unknown (null), and the comparison says so. */
function stdDev(parent: Json, path: string): number | null {
  return Object.hasOwn(parent, 'stdDevDuration') ? figure(parent, 'stdDevDuration', path, MS) : null;
}

function readReport(data: Json, file: string): Baseline {
  const period = object(data, 'period', '');
  const overall = object(data, 'overall', '');
  const operations = count(overall, 'totalOperations', 'overall.');
  const services = field(data, 'services', '');
  if (!Array.isArray(services)) throw new ShapeError(`services must be an array, not ${shownJson(services)}`);
  const service = field(data, 'service', '');
  // docs/json.md: one service is a string, several an array of strings, all services null.
  if (Array.isArray(service)) {
    if (service.length === 0) throw new ShapeError('service must not be an empty array (null is all services)');
    const bad = service.findIndex((name) => typeof name !== 'string');
    if (bad >= 0) throw new ShapeError(`service[${bad}] must be a string, not ${shownJson(service[bad])}`);
  } else if (service !== null && typeof service !== 'string') {
    throw new ShapeError(`service must be a string, an array of strings or null, not ${shownJson(service)}`);
  }
  return {
    file,
    period: {
      start: timestamp(period, 'start', 'period.'),
      end: timestamp(period, 'end', 'period.'),
      hours: figureNotNull(period, 'hours', 'period.', HOURS),
    },
    threshold: figureNotNull(data, 'threshold', '', THRESHOLD),
    serviceFilter: serviceFilterOf(service as string | string[] | null),
    overall: {
      operations,
      failures: failures(overall, 'failedOperations', 'overall.', operations),
      errorRate: figure(overall, 'errorRate', 'overall.', PERCENT),
      avgDuration: figure(overall, 'avgDuration', 'overall.', MS),
      p95Duration: figure(overall, 'p95Duration', 'overall.', MS),
      p99Duration: figure(overall, 'p99Duration', 'overall.', MS),
      apdex: figure(overall, 'apdex', 'overall.', APDEX),
      samples: samples(overall, 'overall.'),
      stdDevDuration: stdDev(overall, 'overall.'),
    },
    services: services.map((entry: unknown, i) => serviceOf(entry, `services[${i}].`)),
    hasSpread: Object.hasOwn(overall, 'stdDevDuration'),
  };
}

/** The JSON `service` (checked: a name, names or null) as a set, null for all services. */
function serviceFilterOf(service: string | string[] | null): string[] | null {
  if (typeof service === 'string') return [service];
  return service === null ? null : [...new Set(service)];
}

function serviceOf(entry: unknown, path: string): Baseline['services'][number] {
  if (!isObject(entry)) throw new ShapeError(`${path.slice(0, -1)} must be an object, not ${shownJson(entry)}`);
  const operations = object(entry, 'operations', path);
  const performance = object(entry, 'performance', path);
  const errors = object(entry, 'errors', path);
  const total = count(operations, 'total', `${path}operations.`);
  const figures: ComparedFigures = {
    operations: total,
    failures: failures(operations, 'failed', `${path}operations.`, total),
    errorRate: figure(errors, 'errorRate', `${path}errors.`, PERCENT),
    avgDuration: figure(performance, 'avgDuration', `${path}performance.`, MS),
    p95Duration: figure(performance, 'p95Duration', `${path}performance.`, MS),
    p99Duration: figure(performance, 'p99Duration', `${path}performance.`, MS),
    apdex: figure(entry, 'apdex', path, APDEX),
    samples: samples(performance, `${path}performance.`),
    stdDevDuration: stdDev(performance, `${path}performance.`),
  };
  return { service: text(entry, 'service', path), status: text(entry, 'status', path), figures };
}
