// The `--demo` week: a realistic integration_logs table generated inside DuckDB by one
// INSERT ... SELECT, deterministic for a given window end, with a story in the last 24 hours
// (n8n degrades with an error burst, unleashed improves) so every report section has content.
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  DAY_MS,
  ERRORS,
  type ErrorProfile,
  HOUR_MS,
  HOURLY_WEIGHT,
  LOG_DIURNAL,
  LOG_LINES,
  MEAN_DAILY,
  MEAN_HOURLY,
  N8N_BURST_ERROR_RATE,
  N8N_BURST_FACTOR,
  N8N_BURST_FROM_MS,
  N8N_BURST_TO_MS,
  N8N_RAMP_FROM,
  N8N_RAMP_MS,
  N8N_RAMP_TO,
  N8N_WORKFLOW_TIMEOUT_MS,
  NEGATIVE_DURATIONS,
  OPERATIONS,
  UNLEASHED_FACTOR,
  UNLEASHED_FIX_MS,
  WARNINGS,
  WEEK_MS,
  WEEKEND_WEIGHT,
} from './demo-profile.js';

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;
const sqlNumber = (value: number): string => {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
};
const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const values = (rows: (string | number)[][]): string =>
  rows.map((row) => `(${row.map((v) => (typeof v === 'number' ? sqlNumber(v) : sqlString(v))).join(', ')})`).join(',\n    ');

// Pseudo-random numbers: hash() (a murmur-style finaliser) of a row's key, rehashed with one
// constant per purpose; each 64-bit hash gives two 32-bit uniforms in (0,1). (Multi-argument
// hash() XOR-combines its arguments' hashes, so salting that way gives correlated numbers.)
const mix = (seed: string, purpose: number): string =>
  `hash(xor(${seed}, ${(BigInt(purpose) * 0x9e3779b97f4a7c15n) % (1n << 64n)}::UBIGINT))`;
const high = (h: string): string => `((CAST(${h} >> 32 AS DOUBLE) + 0.5) / 4294967296.0)`;
const low = (h: string): string => `((CAST(${h} & 4294967295::UBIGINT AS DOUBLE) + 0.5) / 4294967296.0)`;

/** CASE picking an error (index into ERRORS) from its catalogue's cumulative weights. */
function errorIndexCase(catalogue: string, u: string): string {
  const branches = [...new Set(ERRORS.map((e) => e.catalogue))].map((name) => {
    const entries = ERRORS.map((e, index) => ({ ...e, index })).filter((e) => e.catalogue === name);
    // Never undefined: `name` was taken from these very entries.
    const last = entries[entries.length - 1];
    if (last === undefined) throw new Error(`no errors in catalogue ${name}`);
    const total = entries.reduce((sum, e) => sum + e.weight, 0);
    let cumulative = 0;
    const picks = entries.slice(0, -1).map((e) => {
      cumulative += e.weight;
      return `WHEN ${u} < ${sqlNumber(cumulative / total)} THEN ${e.index}`;
    });
    return `WHEN ${sqlString(name)} THEN CASE ${picks.join(' ')} ELSE ${last.index} END`;
  });
  return `CASE ${catalogue} ${branches.join('\n        ')} END`;
}

function buildInsert(table: string, endMs: number): string {
  const startMs = endMs - WEEK_MS;
  const firstSlotMs = Math.floor(startMs / HOUR_MS) * HOUR_MS;
  const end = sqlNumber(endMs);
  const start = sqlNumber(startMs);
  // Expected operations per hour of weight 1, so a week holds about perWeek.
  const perHour = (perWeek: number, diurnal: number): number => perWeek / (168 * (1 - diurnal + diurnal * MEAN_HOURLY * MEAN_DAILY));
  const ops = values(
    OPERATIONS.map((p, index) => [
      index + 1,
      p.service,
      p.operation,
      perHour(p.perWeek, p.diurnal),
      p.medianMs,
      p.sigma,
      p.errorRate,
      p.warningRate,
      p.diurnal,
    ]),
  );
  const logs = values(LOG_LINES.map((l, index) => [index + 101, l.service, l.level, l.message, perHour(l.perWeek, LOG_DIURNAL)]));
  const negatives = values(
    NEGATIVE_DURATIONS.map((n, index) => [index + 1, n.service, n.operation, Math.round(n.hoursBefore * HOUR_MS), n.durationMs]),
  );
  // n8n execution ids are increasing integers: one per operation here, from its hash.
  const executionId = `CAST(40000 + floor(${low('seed3')} * 20000) AS BIGINT)`;
  const messageOf = (e: ErrorProfile) =>
    e.executionId ? `${sqlString(`${e.message} (execution `)} || ${executionId} || ')'` : sqlString(e.message);
  const errorMessage = `CASE error_index ${ERRORS.map((e, i) => `WHEN ${i} THEN ${messageOf(e)}`).join(' ')} END`;
  const errorKind = `CASE error_index ${ERRORS.map((e, i) => `WHEN ${i} THEN ${sqlString(e.duration)}`).join(' ')} END`;
  const inBurst = `service = 'n8n' AND ${end} - created_ms > ${N8N_BURST_TO_MS} AND ${end} - created_ms <= ${N8N_BURST_FROM_MS}`;

  return `
INSERT INTO ${table}
WITH
  op_profiles(stream, service, operation, per_hour, median_ms, sigma, error_rate, warning_rate, diurnal) AS (VALUES
    ${ops}),
  log_profiles(stream, service, level, message, per_hour) AS (VALUES
    ${logs}),
  negatives(k, service, operation, ms_before, duration_ms) AS (VALUES
    ${negatives}),
  -- One slot per UTC hour touching [start, end); hour and weekday by epoch arithmetic, so no
  -- time-zone functions (no ICU). 1970-01-01 was a Thursday.
  slots AS (
    SELECT s // ${HOUR_MS} AS hour_number, GREATEST(s, ${start}) AS lo, LEAST(s + ${HOUR_MS}, ${end}) AS hi,
      list_extract([${HOURLY_WEIGHT.map(sqlNumber).join(', ')}], CAST(((s // ${HOUR_MS}) % 24 + 24) % 24 AS INTEGER) + 1) AS hour_weight,
      CASE WHEN ((s // ${DAY_MS} + 4) % 7 + 7) % 7 IN (0, 6) THEN ${WEEKEND_WEIGHT} ELSE 1.0 END AS day_weight
    FROM range(${sqlNumber(firstSlotMs)}, ${end}, ${HOUR_MS}) r(s)
  ),
  -- Rows per (stream, hour) from the expected volume of that hour.
  op_cells AS (
    SELECT *,
      -- Hourly volume wobbles +-15% per service (keeping its mix of operations, hence its
      -- average), then rounds up or down at random.
      CAST(floor(expected * (0.85 + 0.3 * ${low(`hash(service || ':' || hour_number)`)}) + ${high('cell_seed')}) AS BIGINT) AS n
    FROM (
      SELECT p.*, s.hour_number, s.lo, s.hi, hash(CAST(p.stream AS BIGINT) * 100000000 + s.hour_number) AS cell_seed,
        CAST(p.per_hour AS DOUBLE) * (1 - p.diurnal + p.diurnal * s.hour_weight * s.day_weight)
          * (s.hi - s.lo) / ${HOUR_MS} AS expected
      FROM op_profiles p CROSS JOIN slots s
    )
  ),
  op_rows AS (
    SELECT stream, service, operation, hour_number, cell_seed, lo, hi,
      CAST(median_ms AS DOUBLE) AS median_ms, CAST(sigma AS DOUBLE) AS sigma,
      CAST(error_rate AS DOUBLE) AS error_rate, CAST(warning_rate AS DOUBLE) AS warning_rate,
      k0, unnest(range(n)) AS i
    -- k0 + i numbers each stream's calls in time order (consecutively: all the sequence needs).
    FROM (SELECT *, CAST(sum(n) OVER (ORDER BY stream, hour_number) - n AS BIGINT) AS k0 FROM op_cells)
  ),
  op_timed AS (
    SELECT *, lo + CAST(floor(${high('seed')} * (hi - lo)) AS BIGINT) AS created_ms,
      ${mix('seed', 1)} AS seed1, ${mix('seed', 3)} AS seed3,
      -- Latency quantiles from a 2-D Kronecker sequence over the stream's calls, shifted by a
      -- hash: any day's calls cover the distribution evenly, so stable services stay within a
      -- few percent day to day (independent draws wander by +-10%).
      CAST(k0 + i AS DOUBLE) * 0.6180339887498949::DOUBLE + ${high('hash(stream)')} AS kron1,
      CAST(k0 + i AS DOUBLE) * 0.4142135623730950::DOUBLE + ${low('hash(stream)')} AS kron2
    FROM (SELECT *, hash(xor(cell_seed, CAST(i AS UBIGINT))) AS seed FROM op_rows)
  ),
  story AS (
    SELECT *,
      ${inBurst} AS in_burst,
      CASE
        WHEN ${inBurst} THEN ${N8N_BURST_FACTOR}
        WHEN service = 'n8n' AND ${end} - created_ms <= ${N8N_RAMP_MS}
          THEN ${N8N_RAMP_FROM} + ${sqlNumber(N8N_RAMP_TO - N8N_RAMP_FROM)} * (1 - (${end} - created_ms) / ${N8N_RAMP_MS})
        WHEN service = 'unleashed' AND ${end} - created_ms <= ${UNLEASHED_FIX_MS} THEN ${UNLEASHED_FACTOR}
        ELSE 1.0
      END AS latency_factor
    FROM op_timed
  ),
  outcomes AS (
    SELECT *,
      CASE
        WHEN in_burst AND operation = 'workflows.execute' AND ${low('seed')} < ${N8N_BURST_ERROR_RATE} THEN 'n8n-burst'
        WHEN ${high('seed1')} < error_rate THEN service
      END AS error_catalogue,
      -- Lognormal latency; Box-Muller turns two uniforms into a standard normal.
      GREATEST(1, round(median_ms * latency_factor
        * exp(sigma * sqrt(-2 * ln(GREATEST(kron1 - floor(kron1), 1e-12))) * cos(2 * pi() * (kron2 - floor(kron2)))))) AS latency,
      ${low('seed1')} AS u_pick
    FROM story
  ),
  picked AS (
    SELECT *,
      ${errorIndexCase('error_catalogue', 'u_pick')} AS error_index,
      -- The same uniform decides warnings among successes: failures used its low end.
      error_catalogue IS NULL AND u_pick > 1 - warning_rate AS warned
    FROM outcomes
  ),
  op_lines AS (
    SELECT created_ms, stream, hour_number, i, service, operation,
      CASE WHEN error_index IS NOT NULL THEN 'error' WHEN warned THEN 'warn' ELSE 'info' END AS level,
      CASE WHEN error_index IS NOT NULL THEN 'error' WHEN warned THEN 'warning' ELSE 'success' END AS status,
      CASE
        WHEN error_index IS NOT NULL THEN ${errorMessage}
        WHEN warned THEN CASE WHEN u_pick > 1 - warning_rate / 2 THEN ${sqlString(WARNINGS[0])} ELSE ${sqlString(WARNINGS[1])} END
        ELSE operation || ' completed'
      END AS message,
      CAST(CASE ${errorKind}
        WHEN 'timeout' THEN 30000 + floor(${high('seed3')} * 400)
        WHEN 'workflow_timeout' THEN ${N8N_WORKFLOW_TIMEOUT_MS} + floor(${high('seed3')} * 1500)
        WHEN 'fast' THEN 40 + floor(${high('seed3')} * 160)
        WHEN 'gateway' THEN 150 + round(latency * 0.5)
        WHEN 'reset' THEN GREATEST(1, round(latency * ${high('seed3')}))
        ELSE latency + CASE WHEN warned THEN 800 ELSE 0 END
      END AS INTEGER) AS duration_ms
    FROM picked
  ),
  log_cells AS (
    SELECT p.*, s.hour_number, s.lo, s.hi, hash(CAST(p.stream AS BIGINT) * 100000000 + s.hour_number) AS cell_seed,
      CAST(p.per_hour AS DOUBLE) * (1 - ${LOG_DIURNAL} + ${LOG_DIURNAL} * s.hour_weight * s.day_weight)
        * (s.hi - s.lo) / ${HOUR_MS} AS expected
    FROM log_profiles p CROSS JOIN slots s
  ),
  log_rows AS (
    SELECT *, hash(xor(cell_seed, CAST(i AS UBIGINT))) AS seed
    FROM (SELECT *, unnest(range(CAST(floor(expected * (0.85 + 0.3 * ${low('cell_seed')}) + ${high('cell_seed')}) AS BIGINT))) AS i
      FROM log_cells)
  ),
  log_lines AS (
    SELECT lo + CAST(floor(${high('seed')} * (hi - lo)) AS BIGINT) AS created_ms, stream, hour_number, i,
      service, CAST(NULL AS VARCHAR) AS operation, level, 'info' AS status, message, CAST(NULL AS INTEGER) AS duration_ms
    FROM log_rows
  ),
  skewed AS (
    SELECT ${end} - ms_before AS created_ms, 0 AS stream, (${end} - ms_before) // ${HOUR_MS} AS hour_number, k AS i,
      service, operation, 'info' AS level, 'success' AS status, operation || ' completed' AS message,
      CAST(duration_ms AS INTEGER) AS duration_ms
    FROM negatives
  ),
  all_rows AS (
    SELECT * FROM op_lines UNION ALL SELECT * FROM log_lines UNION ALL SELECT * FROM skewed
  )
SELECT
  -- Unique, stable and rising with the hour, like a serial, without a sort.
  ((hour_number - ${sqlNumber(firstSlotMs / HOUR_MS)}) * 1000 + stream) * 1000 + i AS id,
  service, operation, level, status, message, duration_ms,
  -- to_timestamp is core DuckDB, exact for whole milliseconds.
  to_timestamp(created_ms / 1000.0) AS created_at
FROM all_rows`;
}

/**
 * Create (or replace) `table` with a week of demo operations, `[end - 7 days, end)`.
 * Deterministic: the same `end` always gives the same rows; another `end` moves the window
 * and the story with it.
 */
export async function createDemoTable(connection: DuckDBConnection, end: Date, table = 'integration_logs'): Promise<void> {
  const endMs = end.getTime();
  if (!Number.isFinite(endMs)) throw new RangeError('createDemoTable: end is not a valid date');
  const name = quoteIdentifier(table);
  await connection.run(`
CREATE OR REPLACE TABLE ${name} (
  id BIGINT,
  source VARCHAR NOT NULL,
  operation VARCHAR,
  level VARCHAR,
  status VARCHAR,
  message VARCHAR,
  duration_ms INTEGER,
  created_at TIMESTAMPTZ NOT NULL
)`);
  await connection.run(buildInsert(name, endMs));
}
