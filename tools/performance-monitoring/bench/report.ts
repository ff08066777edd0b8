// Benchmark results: the printed table, targets (PASS/MISS), ratios to the naive baseline, the
// PostgreSQL plan summary, and the JSON file with every figure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderRollup } from './rollup-report.js';
import type { Measurement, PlanNode, PlanSummary, Results, TargetLine } from './types.js';

const s = (ms: number) => (ms / 1000).toFixed(3);
const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const lpad = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text);
const int = (value: number) => Math.round(value).toLocaleString('en-US');

export function find(measurements: Measurement[], id: string, size: string | null): Measurement | undefined {
  return measurements.find((m) => m.id === id && m.size === size && m.error === null);
}

export function computeRatios(measurements: Measurement[]): Results['ratios'] {
  const sizes = [...new Set(measurements.filter((m) => m.id === 'baseline' && m.error === null).map((m) => m.size as string))];
  return sizes.map((size) => {
    const baseline = find(measurements, 'baseline', size) as Measurement;
    const fallback = find(measurements, 'fallback', size);
    const rpc = find(measurements, 'rpc', size);
    const ratio = (m: Measurement | undefined) => (m ? baseline.aboveFloorMs / Math.max(m.aboveFloorMs, 1) : null);
    return {
      size,
      baselineS: baseline.aboveFloorMs / 1000,
      fallbackS: fallback ? fallback.aboveFloorMs / 1000 : null,
      rpcS: rpc ? rpc.aboveFloorMs / 1000 : null,
      fallbackSpeedup: ratio(fallback),
      rpcSpeedup: ratio(rpc),
    };
  });
}

function planMeasured(plan: PlanSummary | undefined): string {
  if (!plan) return 'not measured';
  return plan.indexUsed ? 'index used' : `not used: ${plan.scans.join('; ')}`;
}

export function computeTargets(results: Pick<Results, 'measurements' | 'plans' | 'ratios'>): TargetLine[] {
  const m = results.measurements;
  const lines: TargetLine[] = [];
  const time = (id: string, size: string | null, limitMs: number, name: string) => {
    const x = find(m, id, size);
    lines.push(
      x
        ? { target: `${name} <= ${s(limitMs)} s`, measured: `${s(x.aboveFloorMs)} s`, pass: x.aboveFloorMs <= limitMs }
        : { target: `${name} <= ${s(limitMs)} s`, measured: 'not measured', pass: null },
    );
  };
  time('demo', null, 500, '--demo');
  time('help', null, 150, '--help');
  time('parquet', '1m', 600, '--input Parquet, 1M/window');
  time('parquet', '10m', 3000, '--input Parquet, 10M/window');
  const p10 = find(m, 'parquet', '10m');
  lines.push({
    target: '--input Parquet, 10M/window: peak RSS <= 600 MB',
    measured: p10?.peakRssMb != null ? `${p10.peakRssMb.toFixed(0)} MB` : 'not measured',
    pass: p10?.peakRssMb != null ? p10.peakRssMb <= 600 : null,
  });
  time('ndjson', '1m', 3000, '--input NDJSON, 1M/window');
  time('postgres', '1m', 3000, 'DATABASE_URL, 1M/window');
  const plan = results.plans.find((p) => p.size === '1m' && p.query === 'all services, --hours 24');
  lines.push({
    target: 'DATABASE_URL 1M: plan uses the created_at or (source, created_at) index',
    measured: planMeasured(plan),
    pass: plan ? plan.indexUsed : null,
  });
  for (const other of results.plans.filter((p) => p.size === '1m' && p !== plan)) {
    lines.push({
      target: `  (same, ${other.query})`,
      measured: other.indexUsed
        ? `index used: ${other.scans.filter((x) => x.includes('using')).join('; ')}`
        : `not used: ${other.scans.join('; ')}`,
      pass: other.indexUsed,
    });
  }
  time('postgres-service', '1m', 1000, 'DATABASE_URL --service, 1M/window');
  const rpc = m.filter((x) => x.id === 'rpc' && x.error === null && x.httpBytes !== null);
  const rpc1m = rpc.find((x) => x.size === '1m');
  lines.push({
    target: 'Supabase RPC: bytes < 100 kB at 1M/window',
    measured: rpc1m ? `${int(rpc1m.httpBytes as number)} B` : 'not measured',
    pass: rpc1m ? (rpc1m.httpBytes as number) < 100_000 : null,
  });
  if (rpc.length >= 2) {
    const bytes = rpc.map((x) => x.httpBytes as number);
    const spread = Math.max(...bytes) / Math.min(...bytes);
    lines.push({
      target: 'Supabase RPC: bytes independent of rows (max/min over sizes <= 1.25)',
      measured: `${rpc.map((x) => `${x.size} ${int(x.httpBytes as number)} B`).join(', ')} (x${spread.toFixed(2)})`,
      pass: spread <= 1.25,
    });
  }
  const fb = find(m, 'fallback', '100k');
  const ratio = results.ratios.find((r) => r.size === '100k');
  lines.push({
    target: 'Supabase fallback 100k: >= 5x faster than baseline',
    measured: ratio?.fallbackSpeedup != null ? `x${ratio.fallbackSpeedup.toFixed(1)}` : 'not measured',
    pass: ratio?.fallbackSpeedup != null ? ratio.fallbackSpeedup >= 5 : null,
  });
  lines.push({
    target: 'Supabase fallback 100k: complete',
    measured: fb ? fb.check : 'not measured',
    pass: fb ? fb.check.startsWith('ok') : null,
  });
  lines.push({
    target: 'Supabase fallback 100k: peak RSS <= 400 MB',
    measured: fb?.peakRssMb != null ? `${fb.peakRssMb.toFixed(0)} MB` : 'not measured',
    pass: fb?.peakRssMb != null ? fb.peakRssMb <= 400 : null,
  });
  return lines;
}

/** The machine, its load and the floor: what every figure below is relative to. */
function machineLines(results: Results): string[] {
  const out: string[] = [];
  const machine = results.machine;
  out.push('');
  out.push(
    `perf-monitor benchmark — ${String(machine.cpus)} x ${String(machine.cpuModel)}, ${String(machine.memoryGb)} GB RAM, Node ${String(machine.node)}, ${String(machine.platform)}`,
  );
  out.push(
    `load average at start ${String(machine.loadStart)}, at end ${String(machine.loadEnd)}; runs: 1 warm-up + ${String(results.options.runs)} measured, median; RSS via ${String(machine.rssMethod)}`,
  );
  const faults = machine.pageFaults as { faults: number; ms: number; usPerFault: number } | undefined;
  if (faults)
    out.push(
      `memory first touch: ${String(faults.usPerFault)} µs per 4 KiB page (256 MiB: ${faults.faults.toLocaleString('en-US')} faults in ${String(faults.ms)} ms); every MB a run allocates costs ~${String(Math.round((faults.usPerFault * 256) / 100) / 10)} ms`,
    );
  out.push(`floor (node --import tsx empty.ts): ${s(results.floorMs)} s wall, ${s(results.floorCpuMs)} s CPU (median of all floor runs)`);
  out.push('above floor: median wall time minus the median of floor runs interleaved with the same series (same machine load)');
  out.push(
    "CPU>floor: user + system time of the measured process itself above the floor's (PostgreSQL and the PostgREST server not included)",
  );
  return out;
}

const dash = <T>(value: T | null, shown: (v: T) => string) => (value === null ? '-' : shown(value));

function measurementLines(results: Results): string[] {
  const out: string[] = [''];
  const header = `${pad('size', 5)} ${pad('source', 34)} ${lpad('above floor s', 13)} ${lpad('median s', 9)} ${lpad('floor s', 7)} ${lpad('min-max s', 15)} ${lpad('CPU>floor s', 11)} ${lpad('peak RSS MB', 11)} ${lpad('HTTP bytes', 13)} ${lpad('requests', 8)}  check`;
  out.push(header);
  out.push('-'.repeat(header.length + 20));
  for (const x of results.measurements) {
    if (x.error !== null) {
      out.push(`${pad(x.size ?? '-', 5)} ${pad(x.label, 34)} FAILED: ${x.error}`);
      continue;
    }
    out.push(
      [
        pad(x.size ?? '-', 5),
        pad(x.label, 34),
        lpad(s(x.aboveFloorMs), 13),
        lpad(s(x.medianMs), 9),
        lpad(s(x.floorMs), 7),
        lpad(`${s(x.minMs)}-${s(x.maxMs)}`, 15),
        lpad(dash(x.aboveFloorCpuMs, s), 11),
        lpad(
          dash(x.peakRssMb, (v) => v.toFixed(0)),
          11,
        ),
        lpad(dash(x.httpBytes, int), 13),
        lpad(dash(x.httpRequests, int), 8),
        ` ${x.check}`,
      ].join(' '),
    );
  }
  return out;
}

function ratioLines(results: Results): string[] {
  if (results.ratios.length === 0) return [];
  const out: string[] = ['', 'Speed-up over the naive baseline (time above floor; baseline / ours):'];
  for (const r of results.ratios) {
    const f = r.fallbackSpeedup === null ? '-' : `x${r.fallbackSpeedup.toFixed(1)} (${r.fallbackS?.toFixed(3)} s)`;
    const p = r.rpcSpeedup === null ? '-' : `x${r.rpcSpeedup.toFixed(1)} (${r.rpcS?.toFixed(3)} s)`;
    out.push(`  ${pad(r.size, 5)} baseline ${r.baselineS.toFixed(3)} s   fallback ${f}   RPC ${p}`);
  }
  return out;
}

function unpagedLines(results: Results): string[] {
  const out: string[] = [];
  for (const u of results.unpaged) {
    out.push('');
    out.push(`A read without paging (one request per service, no offset/limit), ${u.size}: server max-rows 1,000 caps every answer`);
    out.push(
      `  ${pad('service', 12)} ${lpad('truth', 10)} ${lpad('paged', 10)} ${lpad('unpaged', 10)} ${lpad('rows got', 9)}   (operations, both windows)`,
    );
    for (const row of u.services) {
      out.push(
        `  ${pad(row.service, 12)} ${lpad(int(row.truth), 10)} ${lpad(int(row.paged), 10)} ${lpad(int(row.unpaged), 10)} ${lpad(int(row.unpagedRows), 9)}${row.unpaged !== row.truth ? '   WRONG' : ''}`,
      );
    }
    out.push(`  ${pad('total', 12)} ${lpad(int(u.truthTotal), 10)} ${lpad(int(u.pagedTotal), 10)} ${lpad(int(u.unpagedTotal), 10)}`);
  }
  return out;
}

function planLines(results: Results): string[] {
  const out: string[] = [];
  for (const plan of results.plans) {
    out.push('');
    out.push(
      `EXPLAIN ANALYZE, PostgreSQL, ${plan.size}, ${plan.query}: execution ${plan.executionMs.toFixed(0)} ms, planning ${plan.planningMs.toFixed(1)} ms; index on created_at/(source, created_at) used: ${plan.indexUsed ? 'yes' : 'no'}`,
    );
    for (const node of plan.nodes) out.push(`  ${'  '.repeat(node.depth)}${node.text}`);
    out.push(`  scans: ${plan.scans.join('; ')}`);
    if (plan.diskSorts.length > 0) out.push(`  sorts spilled to disk: ${plan.diskSorts.join('; ')}`);
  }
  return out;
}

function verdictOf(pass: boolean | null): string {
  if (pass === null) return 'n/a ';
  return pass ? 'PASS' : 'MISS';
}

function targetLines(results: Results): string[] {
  const out: string[] = ['', 'Targets (time above the floor, median):'];
  for (const t of results.targets) out.push(`  ${verdictOf(t.pass)}  ${pad(t.target, 72)} ${t.measured}`);
  for (const note of results.notes) out.push(`note: ${note}`);
  return out;
}

export function renderTable(results: Results): string {
  return [
    ...machineLines(results),
    ...measurementLines(results),
    ...ratioLines(results),
    ...unpagedLines(results),
    ...planLines(results),
    ...(results.rollup ? renderRollup(results.rollup) : []),
    ...targetLines(results),
    '',
  ].join('\n');
}

export function writeResults(path: string, results: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

interface RawPlanNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'CTE Name'?: string;
  Strategy?: string;
  'Actual Total Time'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Sort Method'?: string;
  'Sort Space Type'?: string;
  'Sort Space Used'?: number;
  'Workers Launched'?: number;
  'Parent Relationship'?: string;
  Plans?: RawPlanNode[];
}

/** Summary of `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`: top nodes, every scan, sorts on disk. */
export function summarizePlan(size: string, query: string, explain: unknown, indexNames: string[]): PlanSummary {
  const root = (Array.isArray(explain) ? explain[0] : explain) as {
    Plan: RawPlanNode;
    'Execution Time'?: number;
    'Planning Time'?: number;
  };
  const nodes: PlanNode[] = [];
  const scans: string[] = [];
  const diskSorts: string[] = [];
  let indexUsed = false;
  const describe = (node: RawPlanNode): string => {
    const parts = [node['Node Type'] ?? '?'];
    if (node.Strategy && node['Node Type'] === 'Aggregate') parts[0] = `${node.Strategy} Aggregate`;
    if (node['Index Name']) parts.push(`using ${node['Index Name']}`);
    if (node['Relation Name']) parts.push(`on ${node['Relation Name']}`);
    if (node['CTE Name']) parts.push(`(${node['CTE Name']})`);
    if (node['Sort Method'])
      parts.push(
        `[${node['Sort Method']}${node['Sort Space Type'] ? `, ${node['Sort Space Type']} ${node['Sort Space Used'] ?? '?'} kB` : ''}]`,
      );
    const time = node['Actual Total Time'];
    const rows = node['Actual Rows'];
    parts.push(
      `rows=${rows ?? '?'}${node['Actual Loops'] && node['Actual Loops'] > 1 ? ` x${node['Actual Loops']} loops` : ''} time=${time === undefined ? '?' : time.toFixed(0)} ms`,
    );
    return parts.join(' ');
  };
  const walk = (node: RawPlanNode, depth: number) => {
    const type = node['Node Type'] ?? '';
    if (depth <= 5) nodes.push({ depth, text: describe(node) });
    if (/Scan/.test(type) && type !== 'CTE Scan' && type !== 'Subquery Scan' && type !== 'Function Scan') {
      scans.push(describe(node));
      if (node['Index Name'] && indexNames.includes(node['Index Name'])) indexUsed = true;
    }
    if (node['Sort Space Type'] === 'Disk') diskSorts.push(describe(node));
    for (const child of node.Plans ?? []) walk(child, depth + 1);
  };
  walk(root.Plan, 0);
  return {
    size,
    query,
    executionMs: root['Execution Time'] ?? NaN,
    planningMs: root['Planning Time'] ?? NaN,
    nodes,
    scans,
    indexUsed,
    diskSorts,
  };
}
