// Inconsistent server answers are rejected (issue 14 item 11): a Supabase RPC answering figures
// the aggregation can never produce (failures > operations, p50 > p95, two overall rows, 1e20
// counts, a negative variance, ...) is a runtime failure: exit 1, one stderr line naming the
// origin and the inconsistency, no report. Through the real CLI against our own server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { type HostileRpc, RPC_PATH, startHostileRpc } from '../harness/hostile-rpc.js';

const ARGS = ['--format', 'json', '--until', '2025-11-20T10:00:00.000Z'];

type Row = Record<string, unknown>;

/** A consistent group: 10 operations, 1 failed, 9 samples averaging 100 ms, 1 invalid duration. */
const FIGURES = {
  operations: 10,
  failures: 1,
  samples: 9,
  sum_duration: 900,
  min_duration: 50,
  max_duration: 200,
  p50: 90,
  p95: 180,
  p99: 196,
  var_duration: 1500,
  satisfied: 8,
  tolerating: 0,
  invalid_durations: 1,
};
const NONE = { service: null, operation: null, bucket_start: null, message: null, example: null };

/** The names a stats row of each level carries; any other level is an operation's. */
const LEVEL_NAMES: Record<string, Row> = { overall: {}, service: { service: 'api' } };

function statsRow(win: string, level: string, extra: Row = {}): Row {
  const names = LEVEL_NAMES[level] ?? { service: 'api', operation: 'get' };
  return { kind: 'stats', win, level, ...NONE, ...names, ...FIGURES, ...extra };
}

const ZEROS = {
  samples: 0,
  sum_duration: null,
  min_duration: null,
  max_duration: null,
  p50: null,
  p95: null,
  p99: null,
  var_duration: null,
  satisfied: 0,
  tolerating: 0,
  invalid_durations: 0,
};

/** Overall, service and operation rows of both windows, one error message, the impossible-times count. */
function answer(change: (rows: Row[]) => Row[] = (rows) => rows): Row[] {
  const rows: Row[] = [];
  for (const win of ['current', 'previous']) for (const level of ['overall', 'service', 'operation']) rows.push(statsRow(win, level));
  rows.push({
    kind: 'error',
    win: 'current',
    level: 'service',
    ...NONE,
    service: 'api',
    operation: 'get',
    message: 'Timeout',
    example: 'Timeout',
    ...ZEROS,
    operations: 1,
    failures: 1,
  });
  rows.push({ kind: 'impossible_times', win: null, level: null, ...NONE, ...ZEROS, operations: 0, failures: 0 });
  return change(rows);
}

/** The answer with `extra` merged into the current overall row (row 1). */
const overallWith = (extra: Row) => answer((rows) => [{ ...rows[0], ...extra }, ...rows.slice(1)]);

let server: HostileRpc;

beforeAll(async () => {
  server = await startHostileRpc();
});

afterAll(async () => {
  await server?.close();
});

const run = () => runCli(ARGS, { env: { SUPABASE_URL: server.url, SUPABASE_SERVICE_ROLE_KEY: 'anything-hostile-test' } });

describe('a Supabase RPC answering', () => {
  it('consistent figures: the report is printed from them (the cases below differ in one figure)', async () => {
    server.answer(answer());
    const { code, stdout, stderr } = await run();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(stdout) as { overall: { totalOperations: number; avgDuration: number; failedOperations: number } };
    expect(report.overall).toMatchObject({ totalOperations: 10, failedOperations: 1, avgDuration: 100 });
    expect(server.requests.at(-1)).toBe(`POST ${RPC_PATH}`);
  });

  it.each([
    ['failures > operations', overallWith({ failures: 50 }), /row 1: inconsistent figures: failures \(50\) > operations \(10\)$/],
    [
      'samples > operations',
      overallWith({ samples: 11, satisfied: 0 }),
      /row 1: inconsistent figures: samples \(11\) > operations \(10\)$/,
    ],
    [
      'satisfied + tolerating > samples',
      overallWith({ satisfied: 8, tolerating: 2 }),
      /row 1: inconsistent figures: satisfied \(8\) \+ tolerating \(2\) > samples \(9\)$/,
    ],
    [
      'invalid_durations > operations',
      overallWith({ invalid_durations: 11 }),
      /row 1: inconsistent figures: invalid_durations \(11\) > operations \(10\)$/,
    ],
    ['p50 > p95', overallWith({ p50: 190 }), /row 1: inconsistent figures: p50 \(190\) > p95 \(180\)$/],
    ['p95 > p99', overallWith({ p95: 199 }), /row 1: inconsistent figures: p95 \(199\) > p99 \(196\)$/],
    ['min > max', overallWith({ min_duration: 300 }), /row 1: inconsistent figures: min \(300\) > max \(200\)$/],
    [
      'an average outside min..max',
      overallWith({ sum_duration: 9000 }),
      /row 1: inconsistent figures: the average \(1000\) is outside min\.\.max \(50\.\.200\)$/,
    ],
    ['a negative variance', overallWith({ var_duration: -1 }), /row 1: inconsistent figures: the variance is negative \(-1\)$/],
    ['counts of 1e20', overallWith({ operations: 1e20 }), /row 1: operations is not a count \(100000000000000000000\)$/],
    [
      'two overall rows for the current window',
      answer((rows) => [...rows, statsRow('current', 'overall', { operations: 99 })]),
      /row 9: it repeats an earlier row/,
    ],
    ['two rows for one operation', answer((rows) => [...rows, statsRow('previous', 'operation')]), /row 9: it repeats an earlier row/],
    [
      'a row without var_duration (an older rpc.sql)',
      overallWith({ var_duration: undefined }),
      /row 1: it lacks the column var_duration \(an older sql\/rpc\.sql\? install it again\)$/,
    ],
    ['no impossible_times row', answer((rows) => rows.slice(0, -1)), /answered without its impossible_times row/],
    [
      'a timeline row of the previous window',
      answer((rows) => [...rows, { ...statsRow('previous', 'overall'), kind: 'timeline', bucket_start: 1_763_546_400 }]),
      /row 9: a timeline row is not of the current window$/,
    ],
    [
      'an error group whose operations do not add up to it',
      answer((rows) => rows.map((r) => (r.kind === 'error' ? { ...r, failures: 3 } : r))),
      /an error group of 3 failures whose operations add up to 1$/,
    ],
  ])('%s: exit 1, one line naming the origin and the inconsistency, no report', async (_case, body, pattern) => {
    server.answer(JSON.parse(JSON.stringify(body)));
    const { code, stdout, stderr } = await run();
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(/^perf-monitor: Supabase RPC answered /);
    expect(stderr.trimEnd()).toMatch(pattern);
  });
});
