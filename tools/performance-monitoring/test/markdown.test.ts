// --format markdown read back by a real Markdown parser (marked, GFM): tables with the report's
// figures, no HTML whatever the log text holds, and under 1 MiB whatever the data.
import { join } from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { withoutFailuresThen } from '../harness/baseline-edit.js';
import { emptyDir, runCli } from '../harness/cli.js';
import { buildReport, sampleServices } from '../harness/report-fixture.js';
import { MAX_ROWS, renderMarkdown } from '../render/markdown.js';
import type { Report, ServiceReport } from '../report/types.js';

const lex = (markdown: string) => marked.lexer(markdown, { gfm: true });

/** Every token, nested ones (cells, list items, inline) included. */
function allTokens(tokens: Token[]): Token[] {
  return tokens.flatMap((token) => {
    const nested: Token[] = [];
    if ('tokens' in token && Array.isArray(token.tokens)) nested.push(...(token.tokens as Token[]));
    if (token.type === 'table') {
      const t = token as Tokens.Table;
      for (const cell of [...t.header, ...t.rows.flat()]) nested.push(...cell.tokens);
    }
    if (token.type === 'list') for (const item of (token as Tokens.List).items) nested.push(item);
    return [token, ...allTokens(nested)];
  });
}

/** What a reader sees in a cell: its inline tokens' text, escapes resolved. */
function cellText(cell: Tokens.TableCell): string {
  return allTokens(cell.tokens)
    .filter((t) => t.type === 'text' || t.type === 'escape' || t.type === 'codespan')
    .filter((t) => !('tokens' in t && Array.isArray(t.tokens) && t.tokens.length > 0))
    .map((t) => ('text' in t ? String(t.text) : ''))
    .join('');
}

function tables(markdown: string): { headers: string[]; rows: string[][] }[] {
  return allTokens(lex(markdown))
    .filter((t): t is Tokens.Table => t.type === 'table')
    .map((t) => ({ headers: t.header.map(cellText), rows: t.rows.map((r) => r.map(cellText)) }));
}

function tableWith(markdown: string, firstHeader: string, secondHeader: string) {
  const found = tables(markdown).find((t) => t.headers[0] === firstHeader && t.headers[1] === secondHeader);
  if (!found) throw new Error(`no table ${firstHeader} | ${secondHeader}`);
  return found;
}

describe('renderMarkdown', () => {
  it('has the service table with the fixture figures, formatted as the text report', () => {
    const services = tableWith(renderMarkdown(buildReport()), 'Service', 'Operations');
    expect(services.headers).toEqual(['Service', 'Operations', 'Success', 'Avg', 'P95', 'P99', 'Apdex', 'Error rate', 'Trend', 'Issues']);
    expect(services.rows).toEqual([
      ['✅ hubspot', '523', '97.5%', '450ms', '1,850ms', '2,901ms', '0.94', '2.5%', '📈 improving (-12.4%)', ''],
      ['✅ unleashed', '412', '98.1%', '680ms', '1,200ms', '1,750ms', '0.97', '1.9%', '➡️ stable (+2.1%)', ''],
      [
        '⚠️ n8n',
        '312',
        '94.2%',
        '1,200ms',
        '3,400ms',
        '5,100ms',
        '0.80',
        '5.8%',
        '📉 degrading (+15.3%)',
        'High error rate (5.8%); Performance degrading (+15.3%)',
      ],
    ]);
  });

  it('has the overall table and the section headings of the text report, in order', () => {
    const markdown = renderMarkdown(buildReport());
    const overall = tableWith(markdown, 'Metric', 'Value');
    expect(overall.rows[0]).toEqual(['Total operations', '1,247']);
    expect(overall.rows.find((r) => r[0] === 'Error rate')).toEqual(['Error rate', '3.13%']);
    const headings = allTokens(lex(markdown))
      .filter((t): t is Tokens.Heading => t.type === 'heading')
      .map((h) => h.text);
    expect(headings).toEqual([
      'Performance monitoring report',
      'Overall metrics',
      'Issues',
      'Recommendations',
      'Service performance',
      'Slowest operations',
      'Most frequent errors',
    ]);
  });

  it('keeps hostile log text literal: no HTML, no link, no extra column, one line', () => {
    const hostile =
      'a | b <script>alert(1)</script> [x](http://evil) https://evil www.evil.com a@evil.com **bold** `code` ~~s~~ $x$ &amp;\nnext';
    const services: ServiceReport[] = sampleServices().map((s, i) => (i === 0 ? { ...s, service: hostile } : s));
    const report = buildReport({
      services,
      mostFrequentErrors: [{ service: hostile, message: hostile, count: 3, example: hostile, operations: [] }],
      issues: [hostile],
    });
    const markdown = renderMarkdown(report);
    const tokens = allTokens(lex(markdown));
    expect(tokens.filter((t) => ['html', 'link', 'em', 'codespan', 'del'].includes(t.type))).toEqual([]);
    // The only bold is the report's own labels.
    expect(tokens.filter((t): t is Tokens.Strong => t.type === 'strong').map((t) => t.text)).toEqual([
      'Period:',
      'Source:',
      'Health score:',
    ]);
    const shown = hostile.replace('\n', ' ');
    expect(tableWith(markdown, 'Service', 'Operations').rows[0]?.[0]).toBe(`✅ ${shown}`);
    expect(tableWith(markdown, '#', 'Service').rows[0]).toEqual(['1', shown, shown, '3']);
    const issues = tokens.filter((t): t is Tokens.ListItem => t.type === 'list_item').map((item) => item.text);
    expect(issues[0]).toContain('alert(1)');
    expect(markdown).not.toMatch(/<script>/);
  });

  it('stays under 1 MiB with 10,000 services, long names and 10,000 issues, saying how many were left out', () => {
    const base = sampleServices()[0] as ServiceReport;
    const long = 'x'.repeat(5000);
    const services = Array.from({ length: 10_000 }, (_, i) => ({
      ...base,
      service: `${long}-${i}`,
      issues: Array(50).fill(long) as string[],
    }));
    const report: Report = buildReport({
      services,
      issues: Array(10_000).fill(long) as string[],
      recommendations: Array(10_000).fill(long) as string[],
    });
    const markdown = renderMarkdown(report);
    expect(Buffer.byteLength(markdown)).toBeLessThan(1024 * 1024);
    expect(tableWith(markdown, 'Service', 'Operations').rows).toHaveLength(MAX_ROWS);
    expect(markdown).toContain(`…and ${(10_000 - MAX_ROWS).toLocaleString('en-US')} more`);
    expect(markdown.match(/…and 9,900 more/g)).toHaveLength(3);
  });
});

describe('--format markdown (CLI)', () => {
  it('prints the demo report as Markdown whose service table matches the JSON report', async () => {
    const args = ['--demo', '--until', '2025-11-20T12:00:00Z'];
    const [md, json] = await Promise.all([runCli([...args, '--format', 'markdown']), runCli([...args, '--format', 'json'])]);
    expect(md.code).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    const services = tableWith(md.stdout, 'Service', 'Operations');
    expect(services.rows.map((r) => r[0]?.replace(/^\S+ /, ''))).toEqual(report.services.map((s) => s.service));
    expect(services.rows.map((r) => r[1])).toEqual(report.services.map((s) => s.operations.total.toLocaleString('en-US')));
    // Read off the demo's text report by hand once.
    expect(services.rows[3]?.slice(0, 5)).toEqual(['⚠️ n8n', '1,017', '92.1%', '1,650ms', '6,451ms']);
  });

  it('shows the gates and the baseline comparison (docs/gates.md) as a list and a table', async () => {
    const dir = emptyDir('perfmon-md-');
    const base = join(dir, 'base.json');
    const saved = await runCli(['--demo', '--until', '2025-11-19T12:00:00Z', '--format', 'json', '--output', base]);
    expect(saved.code).toBe(0);
    withoutFailuresThen(base, 'unleashed');
    const args = [
      '--demo',
      '--until',
      '2025-11-20T12:00:00Z',
      '--baseline',
      base,
      '--assert',
      'p95Duration<1500',
      '--assert',
      'hubspot.errorRate<2',
    ];
    const [md, json] = await Promise.all([runCli([...args, '--format', 'markdown']), runCli([...args, '--format', 'json'])]);
    expect(md.code).toBe(3);
    const report = JSON.parse(json.stdout) as Report;
    const tokens = allTokens(lex(md.stdout));
    const headings = tokens.filter((t): t is Tokens.Heading => t.type === 'heading').map((h) => h.text);
    expect(headings.slice(-2)).toEqual(['Compared with baseline', 'Gates']);
    const gates = tokens
      .filter((t): t is Tokens.ListItem => t.type === 'list_item')
      .map((i) => i.text.replace(/\\(.)/g, '$1'))
      .slice(-3);
    expect(gates).toEqual([
      '❌ p95Duration<1500: 2,507.5ms',
      '✅ hubspot.errorRate<2: 1.39%',
      `❌ --baseline ${base}: 1 regression (unleashed)`,
    ]);
    const compared = tableWith(md.stdout, 'Service', 'Verdict');
    expect(compared.rows.map((r) => r[0])).toEqual(['Overall', ...report.services.map((s) => s.service)]);
    expect(compared.rows[0]?.[2]).toBe('7,675 → 7,538 (-1.8%)');
    expect(compared.rows.filter((r) => r[1]?.startsWith('❌')).map((r) => r[0])).toEqual(['unleashed']);
  });

  it("with --service adds the OPERATIONS and TIMELINE tables (docs/timeline.md) with the JSON's figures", async () => {
    const args = ['--demo', '--until', '2025-11-20T12:00:00Z', '--service', 'n8n'];
    const [md, json] = await Promise.all([runCli([...args, '--format', 'markdown']), runCli([...args, '--format', 'json'])]);
    expect(md.code).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    const service = report.services[0] as ServiceReport;
    const ops = tableWith(md.stdout, 'Operation', 'Calls');
    expect(ops.rows.map((r) => [r[0], r[1], r[2]])).toEqual(
      service.byOperation.map((o) => [o.operation, o.calls.toLocaleString('en-US'), String(o.failures)]),
    );
    // Read off the demo's text report by hand once.
    expect(ops.rows[0]?.slice(0, 4)).toEqual(['workflows.execute', '640', '77', '12.0%']);
    const timeline = tableWith(md.stdout, 'Start', 'Operations');
    expect(timeline.rows).toHaveLength(report.timeline.starts.length);
    expect(timeline.rows.map((r) => Number(r[1]?.replace(/,/g, '')))).toEqual(service.timeline.map((b) => b.operations));
  });
});
