// --output FILE (every format, atomic, failures as one line and exit 1) and --compact JSON.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparable, emptyDir, runCli } from '../harness/cli.js';
import { FORMATS } from '../render/registry.js';

const DEMO = ['--demo', '--until', '2025-11-20T12:00:00Z'];

/** What each format's file starts with. */
const OPENING: Record<(typeof FORMATS)[number], string> = {
  text: '====',
  json: '{\n  "schemaVersion": 1',
  markdown: '# ',
  openmetrics: '# HELP perfmon_',
  html: '<!DOCTYPE html>',
};

describe('--output', () => {
  it.each(FORMATS)('writes --format %s to the file, stdout empty, no temp file left', async (format) => {
    const dir = emptyDir('perfmon-out-');
    const file = join(dir, `report.${format}`);
    writeFileSync(file, 'old contents\n');
    const result = await runCli([...DEMO, '--format', format, '--output', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(file, 'utf8').startsWith(OPENING[format])).toBe(true);
    expect(readdirSync(dir)).toEqual([`report.${format}`]);
  });

  it('writes the same JSON report the stdout run prints', async () => {
    const file = join(emptyDir('perfmon-out-'), 'r.json');
    const [toFile, toStdout] = await Promise.all([
      runCli([...DEMO, '--format', 'json', '--output', file]),
      runCli([...DEMO, '--format', 'json']),
    ]);
    expect(toFile.code).toBe(0);
    expect(comparable(readFileSync(file, 'utf8'))).toEqual(comparable(toStdout.stdout));
  });

  it('a directory that does not exist is one stderr line and exit 1, no report anywhere', async () => {
    const dir = emptyDir('perfmon-out-');
    const file = join(dir, 'missing', 'perfmon.prom');
    const result = await runCli([...DEMO, '--format', 'openmetrics', '--output', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^perf-monitor: cannot write the report to ${file}: ENOENT[^\\n]*\\n$`));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a path that is a directory is one stderr line and exit 2 (issue 27), leaving no temp file', async () => {
    const dir = emptyDir('perfmon-out-');
    mkdirSync(join(dir, 'taken'));
    const result = await runCli([...DEMO, '--output', join(dir, 'taken')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`--output '${join(dir, 'taken')}': is a directory`);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('an empty --output is a usage error (exit 2)', async () => {
    const result = await runCli([...DEMO, '--output', '']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^perf-monitor: --output '' is not valid: use a file path/);
  });
});

describe('--compact', () => {
  it('prints the JSON report on one line, equal to the indented one', async () => {
    const [compact, pretty] = await Promise.all([
      runCli([...DEMO, '--format', 'json', '--compact']),
      runCli([...DEMO, '--format', 'json']),
    ]);
    expect(compact.code).toBe(0);
    expect(compact.stdout.endsWith('\n')).toBe(true);
    expect(compact.stdout.trimEnd().includes('\n')).toBe(false);
    expect(comparable(compact.stdout)).toEqual(comparable(pretty.stdout));
  });

  it('is refused with another format: one line, exit 2, no report', async () => {
    const result = await runCli([...DEMO, '--format', 'markdown', '--compact']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('perf-monitor: --compact works with --format json only, not with --format markdown\n');
  });
});
