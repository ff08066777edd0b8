// Profiles the embedded path's one aggregation over a Parquet file (issue 24): the statement a
// report sends (sql/aggregate.sql, its parameters), timed cold and warm (wall and this process's
// CPU, DuckDB's threads included), then DuckDB's own profile of it: each operator's CPU and rows.
//
// Run: npx tsx tools/performance-monitoring/bench/parquet-profile.ts <file.parquet> [--until ISO]
//      [--hours 24] [--runs 5] [--min-ms 5]
// The bench's file: `npm run bench -- --only parquet --sizes 1m --data-dir DIR` writes
// DIR/data-v1-1m.parquet; its window is the default here (bench/profile.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDuckDb } from '../sources/duckdb.js';
import { resolveInputs, Scratch } from '../sources/file/input-paths.js';
import { loadInput } from '../sources/file/load.js';
import { aggregationParams, aggregationSql } from '../sources/sql/aggregate.js';
import { BENCH_HOURS, BENCH_UNTIL } from './profile.js';

interface ProfileNode {
  operator_name?: string;
  operator_timing?: number;
  operator_cardinality?: number;
  extra_info?: Record<string, unknown>;
  children?: ProfileNode[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    until: { type: 'string', default: BENCH_UNTIL },
    hours: { type: 'string', default: String(BENCH_HOURS) },
    runs: { type: 'string', default: '5' },
    'min-ms': { type: 'string', default: '5' },
  },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: parquet-profile.ts <file.parquet> [--until ISO] [--hours N] [--runs N] [--min-ms N]');

const end = new Date(values.until);
const spanMs = Number(values.hours) * 3_600_000;
const query = {
  start: new Date(end.getTime() - spanMs),
  end,
  previousStart: new Date(end.getTime() - 2 * spanMs),
  services: null,
  threshold: 2000,
};
const sql = aggregationSql();
const params = aggregationParams(query);

const db = await openDuckDb();
const scratch = new Scratch();
const [input] = await resolveInputs([file], { inputFormat: null, stdinMaxBytes: 0 }, process.stdin, scratch);
if (input === undefined) throw new Error(`no input in ${file}`);
await loadInput(db, input, 'input_0', scratch, { mappings: [], timeUnit: 'ms' });
// The relation the file source aggregates (sources/file/source.ts), for one input.
await db.connection.run('CREATE TEMP VIEW integration_logs AS SELECT * EXCLUDE (unusable, seconds_like) FROM input_0 WHERE NOT unusable');

/** One run of the statement: wall ms and CPU ms of this process (DuckDB's threads are in it). */
async function timed(): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  (await db.connection.runAndReadAll(sql, params)).getRowObjectsJS();
  const cpu = process.cpuUsage(cpu0);
  return { wall: performance.now() - started, cpu: (cpu.user + cpu.system) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const cold = await timed();
const warm: { wall: number; cpu: number }[] = [];
for (let i = 0; i < Number(values.runs); i++) warm.push(await timed());
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`statement: cold ${cold.wall.toFixed(0)} ms wall, ${cold.cpu.toFixed(0)} ms CPU`);
console.log(
  `statement: warm median of ${warm.length}: ${median(warm.map((r) => r.wall)).toFixed(0)} ms wall, ${median(warm.map((r) => r.cpu)).toFixed(0)} ms CPU (load average ${load})`,
);

const dir = mkdtempSync(join(tmpdir(), 'perfmon-profile-'));
try {
  const output = join(dir, 'profile.json');
  await db.connection.run("PRAGMA enable_profiling = 'json'");
  await db.connection.run(`PRAGMA profiling_output = '${output}'`);
  await db.connection.runAndReadAll(sql, params);
  await db.connection.run('PRAGMA disable_profiling');
  const profile = JSON.parse(readFileSync(output, 'utf8')) as ProfileNode & { latency?: number; cpu_time?: number };
  console.log(
    `DuckDB profile: latency ${((profile.latency ?? 0) * 1000).toFixed(0)} ms, operators' CPU ${((profile.cpu_time ?? 0) * 1000).toFixed(0)} ms`,
  );
  console.log(`operators of at least ${values['min-ms']} ms, as nested in the plan (ms, rows, what):`);
  const print = (node: ProfileNode, depth: number) => {
    const ms = (node.operator_timing ?? 0) * 1000;
    if (ms >= Number(values['min-ms'])) {
      const what = JSON.stringify(node.extra_info ?? {}).slice(0, 100);
      console.log(`${' '.repeat(depth)}${node.operator_name ?? '?'} ${ms.toFixed(0)} ms, ${node.operator_cardinality ?? 0} rows ${what}`);
    }
    for (const child of node.children ?? []) print(child, depth + 1);
  };
  for (const child of profile.children ?? []) print(child, 0);
} finally {
  rmSync(dir, { recursive: true, force: true });
  scratch.remove();
  db.close();
}
