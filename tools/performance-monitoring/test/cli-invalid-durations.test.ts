// The data-quality note names what `dataQuality.invalidDurations` counts: durations that are
// negative or over 2,147,483,647 ms. A 3,000,000,000 ms row once printed as a "negative duration"
// in all three human formats; through the real CLI, from NDJSON, each now says it as it is.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';

const ARGS = ['--until', '2025-11-20T10:00:00.000Z', '--hours', '24'];
const WHY = '(negative or over 2,147,483,647 ms)';
let path: string;

beforeAll(() => {
  path = join(emptyDir('perfmon-invalid-'), 'invalid.ndjson');
  const row = (duration: number) =>
    JSON.stringify({
      source: 'api',
      operation: 'get',
      level: 'info',
      status: 'success',
      message: null,
      duration_ms: duration,
      created_at: '2025-11-20T09:00:00Z',
    });
  // One too large for the integer column, one negative: both invalid, neither a sample.
  writeFileSync(path, `${[3_000_000_000, -5].map(row).join('\n')}\n`);
});

async function output(format: string): Promise<string> {
  const { code, stdout, stderr } = await runCli(['--input', path, ...ARGS, '--format', format]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return stdout;
}

describe('a duration too large and a negative one', () => {
  it('count as 2 invalid durations in the JSON', async () => {
    const report = JSON.parse(await output('json')) as { dataQuality: { invalidDurations: number; skippedRows: number } };
    expect(report.dataQuality).toMatchObject({ invalidDurations: 2, skippedRows: 0 });
  });

  it('are named invalid, with why, in the text report', async () => {
    expect(await output('text')).toContain(`\nData quality: 2 invalid durations ignored ${WHY}\n`);
  });

  it('are named invalid, with why, in the Markdown report', async () => {
    expect(await output('markdown')).toContain(`\n| Ignored invalid durations ${WHY} | 2 |\n`);
  });

  it('are named invalid, with why, in the HTML report', async () => {
    expect(await output('html')).toContain(`<div><dt>Ignored invalid durations ${WHY}</dt><dd data-field="invalidDurations">2</dd></div>`);
  });
});
