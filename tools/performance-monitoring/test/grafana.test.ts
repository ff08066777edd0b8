// grafana/perf-monitor.json: a dashboard Grafana can import (the keys it needs, panels with
// queries, a service variable), whose PromQL the real promtool parses and whose metrics are
// all ones `--format openmetrics` writes.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { promtoolPath } from '../harness/system.js';
import { METRIC } from '../render/openmetrics.js';

const FILE = fileURLToPath(new URL('../grafana/perf-monitor.json', import.meta.url));

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  multi?: boolean;
  includeAll?: boolean;
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  time: { from: string; to: string };
}

const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
const targets = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, ...t })));
/** PromQL functions and keywords the queries use: not metric names. */
const PROMQL_WORDS = new Set(['max', 'min', 'sum', 'avg', 'by', 'without', 'label_values', 'time']);

/** The metric names a query selects: identifiers that are not functions, labels or strings. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  // Grouping clauses name labels: `without (scope)`, `by (slo)`.
  const withoutGrouping = withoutStrings.replace(/\b(?:by|without)\s*\([^)]*\)/g, '');
  return [...withoutGrouping.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w));
}

describe('grafana/perf-monitor.json', () => {
  it('has the keys Grafana needs to import it', () => {
    expect(dashboard.uid).toBe('perf-monitor');
    expect(dashboard.title).toMatch(/perf-monitor/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.time).toEqual({ from: 'now-7d', to: 'now' });
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels) {
      expect(['timeseries', 'stat']).toContain(panel.type);
      expect(panel.gridPos.w).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: `${datasource}` is Grafana's dashboard variable, literally.
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.expr.trim()).not.toBe('');
    }
  });

  it("has a data source variable, a scope variable and a multi-value service variable from the tool's labels", () => {
    const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(byName.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    // docs/formats.md: which run wrote the series, `all` for the all-services file.
    expect(byName.get('scope')).toMatchObject({ type: 'query', multi: false, includeAll: false });
    expect(JSON.stringify(byName.get('scope')?.query)).toContain(`label_values(${METRIC.health}, scope)`);
    expect(byName.get('service')).toMatchObject({ type: 'query', multi: true, includeAll: true });
    expect(JSON.stringify(byName.get('service')?.query)).toContain(`label_values(${METRIC.operations}{scope=\\"$scope\\"}, service)`);
    const used = new Set(
      JSON.stringify(dashboard)
        .match(/\$\{?([a-z_]+)/g)
        ?.map((v) => v.replace(/^\$\{?/, '')),
    );
    expect([...used].filter((name) => !name.startsWith('_') && !byName.has(name))).toEqual([]);
  });

  it('shows health score, error ratio and p95 per service over time, from one scope', () => {
    const timeseries = dashboard.panels.filter((p) => p.type === 'timeseries');
    const exprsOf = (metric: string) => timeseries.flatMap((p) => p.targets.map((t) => t.expr)).filter((e) => e.includes(metric));
    expect(exprsOf(METRIC.health).length).toBeGreaterThan(0);
    expect(exprsOf(METRIC.errorRatio)).toContainEqual(`${METRIC.errorRatio}{scope="$scope",service=~"$service"}`);
    expect(exprsOf(METRIC.duration)).toContainEqual(`${METRIC.duration}{scope="$scope",service=~"$service",quantile="0.95"}`);
  });

  it('shows how old the figures are, so a dead cron job is seen', () => {
    const age = dashboard.panels.find((p) => p.targets.some((t) => t.expr === `max(time() - ${METRIC.generated})`));
    expect(age?.type).toBe('stat');
  });

  it('queries no name of the earlier 0.0.4 output', () => {
    const old = ['perfmon_duration_p50_seconds', 'perfmon_duration_p95_seconds', 'perfmon_duration_p99_seconds'];
    expect(targets.filter((t) => old.some((name) => t.expr.includes(name)))).toEqual([]);
  });

  it('queries only metrics that --format openmetrics writes', () => {
    const emitted = new Set<string>(Object.values(METRIC));
    const named = targets.flatMap((t) => metricNames(t.expr));
    expect(named.length).toBeGreaterThanOrEqual(targets.length);
    expect(named.filter((name) => !emitted.has(name))).toEqual([]);
  });

  it('has PromQL the real promtool parses (as recording rules)', () => {
    const dir = emptyDir('perfmon-grafana-');
    const rules = targets.map(
      (t, i) =>
        `      - record: perfmon:check_${i}\n        expr: '${t.expr.replaceAll('$service', '.+').replaceAll('$scope', 'all').replaceAll("'", "''")}'`,
    );
    const file = join(dir, 'rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const result = spawnSync(promtoolPath(), ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
    expect(`${result.stdout}${result.stderr}`).toContain(`SUCCESS: ${targets.length} rules found`);
    expect(result.status).toBe(0);
  });
});
