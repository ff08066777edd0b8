// The timeline in the text report through the real CLI: block characters only under a UTF-8
// locale (LC_ALL, then LC_CTYPE, then LANG), the width from COLUMNS without a terminal, and
// the --service deep dive (docs/timeline.md).
import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';

const ARGS = ['--demo', '--until', '2025-11-20T10:00:00Z', '--no-color'];
const sparkRows = (stdout: string) => stdout.split('\n').filter((line) => /^ {3}(Ops|Errors|P95) {2,}/.test(line));

describe('sparklines', () => {
  it('use block characters under a UTF-8 locale, all 48 buckets on 80 columns', async () => {
    const { code, stdout } = await runCli(ARGS, { env: { LANG: 'en_US.UTF-8' } });
    expect(code).toBe(0);
    const rows = sparkRows(stdout);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => /^ {3}\S+ +[▁▂▃▄▅▆▇█ ]+$/.test(row))).toBe(true);
    expect(Math.max(...rows.map((row) => [...row].length))).toBe(3 + 8 + 48);
  });

  it('fall back to ASCII without a UTF-8 locale, and LC_ALL wins over LANG', async () => {
    const envs: Record<string, string>[] = [{}, { LANG: 'en_US.UTF-8', LC_ALL: 'C' }];
    for (const env of envs) {
      const rows = sparkRows((await runCli(ARGS, { env })).stdout);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => /^ {3}\S+ +[_.\-:=+*# ]+$/.test(row))).toBe(true);
    }
  });

  it('keep the most recent buckets that fit COLUMNS', async () => {
    const narrow = sparkRows((await runCli(ARGS, { env: { LANG: 'C.UTF-8', COLUMNS: '31' } })).stdout);
    const wide = sparkRows((await runCli(ARGS, { env: { LANG: 'C.UTF-8' } })).stdout);
    expect(narrow.length).toBe(wide.length);
    // 31 - 3 - 8 = 20 buckets (an operations row has no gaps: an empty bucket is its lowest level).
    const ops = narrow.filter((row) => row.startsWith('   Ops '));
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((row) => [...row].length === 31)).toBe(true);
  });
});

describe('--service n8n --demo', () => {
  it('answers which operation fails, since when, with which errors, and how each operation moved', async () => {
    const { code, stdout } = await runCli([...ARGS, '--service', 'n8n']);
    expect(code).toBe(0);
    const order = ['SERVICE PERFORMANCE', 'OPERATIONS', 'TIMELINE', 'SLOWEST OPERATIONS', 'MOST FREQUENT ERRORS'].map((title) =>
      stdout.indexOf(`\n${title}\n`),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);
    expect(stdout).toMatch(/\n❌ n8n: High error rate \([0-9.]+%\) since \d\d:\d\d UTC\n/);
    expect(stdout).toMatch(/\nworkflows\.execute +[0-9,]+ +[0-9,]+ +[0-9.]+% /);
    expect(stdout).toMatch(/\n1\. \[n8n [a-z.]+(, [a-z.]+)*\] .+ \(\d+ times\)\n/);
  });
});
