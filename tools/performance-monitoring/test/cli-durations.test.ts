// Valid durations (docs/sources.md, issue 14 item 8): a duration sample is within 0..2,147,483,647 ms (the
// column's integer); negative, 1e300 or 1.5e308 are invalid durations, counted and never samples,
// so two rows of 1.5e308 no longer overflow the sum. Through the real CLI, from NDJSON and CSV.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparable, emptyDir, runCli } from '../harness/cli.js';

const UNTIL = '2025-11-20T10:00:00.000Z';
const ARGS = ['--until', UNTIL, '--hours', '24', '--format', 'json'];
const AT = '2025-11-20T09:00:00Z';

function writeNdjson(name: string, durations: number[]): string {
  const path = join(emptyDir('perfmon-durations-'), name);
  const line = (d: number) =>
    JSON.stringify({ source: 'api', operation: 'get', level: 'info', status: 'success', message: null, duration_ms: d, created_at: AT });
  writeFileSync(path, `${durations.map(line).join('\n')}\n`);
  return path;
}

function writeCsv(name: string, durations: string[]): string {
  const path = join(emptyDir('perfmon-durations-'), name);
  writeFileSync(
    path,
    `source,operation,level,status,message,duration_ms,created_at\n${durations.map((d) => `api,get,info,success,,${d},${AT}`).join('\n')}\n`,
  );
  return path;
}

interface Report {
  overall: Record<string, unknown>;
  dataQuality: { invalidDurations: number; skippedRows: number };
}

async function report(path: string): Promise<Report & { stdout: string }> {
  const { code, stdout, stderr } = await runCli(['--input', path, ...ARGS]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return { ...(JSON.parse(stdout) as Report), stdout };
}

describe('durations outside 0..2,147,483,647 ms', () => {
  it('are invalid durations, not samples: the figures come from the three valid ones', async () => {
    const path = writeNdjson('mixed.ndjson', [100, 300, 2_147_483_647, -5, 1e300, 1.5e308, 1.5e308, 2_147_483_648]);
    const { overall, dataQuality, stdout } = await report(path);
    expect(dataQuality).toMatchObject({ invalidDurations: 5, skippedRows: 0 });
    // Samples 100, 300, 2147483647. avg 2147484047 / 3; p95 at rank 1.9: 300 + 2147483347 * 0.9;
    // p99 at 1.98: 300 + 2147483347 * 0.98; Apdex (T 2000): 2 satisfied of 3.
    expect(overall).toMatchObject({
      totalOperations: 8,
      avgDuration: 715_828_015.7,
      minDuration: 100,
      maxDuration: 2_147_483_647,
      p50Duration: 300,
      p95Duration: 1_932_735_312.3,
      p99Duration: 2_104_533_980.1,
      apdex: 0.667,
    });
    // The same from CSV, where the durations are text.
    const csv = writeCsv('mixed.csv', ['100', '300', '2147483647', '-5', '1e300', '1.5e308', '1.5e308', '2147483648']);
    expect(comparable((await report(csv)).stdout)).toEqual(comparable(stdout));
  });

  it('two rows of 1.5e308 no longer overflow the sum: a report with no samples', async () => {
    const { overall, dataQuality } = await report(writeNdjson('huge.ndjson', [1.5e308, 1.5e308]));
    expect(dataQuality).toMatchObject({ invalidDurations: 2, skippedRows: 0 });
    expect(overall).toMatchObject({
      totalOperations: 2,
      avgDuration: null,
      minDuration: null,
      maxDuration: null,
      p95Duration: null,
      apdex: null,
    });
  });
});
