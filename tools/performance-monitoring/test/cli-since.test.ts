// `since` through the CLI (docs/timeline.md, issue 25): a service failing all window, with one
// quiet bucket, reads `throughout the window`; a run that began the day before the window's end
// shows its date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';

// A 24-hour window ending 03:00 UTC: buckets of 30 minutes, the window starts at 03:00 the day before.
const UNTIL = '2025-12-06T03:00:00.000Z';
const END = Date.parse(UNTIL);
const HOUR = 3_600_000;

/** `perBucket` operations in each 30-minute bucket of the window, every 4th failed where `failing(at)`. */
function rows(failing: (at: number) => boolean, quietBucketAt: number | null): string {
  const lines: string[] = [];
  for (let bucket = END - 24 * HOUR; bucket < END; bucket += HOUR / 2) {
    const count = bucket === quietBucketAt ? 2 : 12;
    for (let k = 0; k < count; k++) {
      const at = bucket + k * 60_000;
      const failed = bucket !== quietBucketAt && failing(at) && k % 4 === 0;
      lines.push(
        JSON.stringify({
          source: 'hubspot',
          created_at: new Date(at).toISOString(),
          duration_ms: 100,
          status: failed ? 'error' : 'success',
        }),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

async function report(name: string, text: string) {
  const file = join(emptyDir('perfmon-since-'), `${name}.ndjson`);
  writeFileSync(file, text);
  const json = await runCli(['--input', file, '--until', UNTIL, '--format', 'json']);
  const plain = await runCli(['--input', file, '--until', UNTIL, '--no-color']);
  expect(json.code).toBe(0);
  const finding = JSON.parse(json.stdout).findings.find((f: { kind: string }) => f.kind === 'high_error_rate');
  return { finding, text: plain.stdout };
}

describe('since (docs/timeline.md)', () => {
  it('~25% errors all window with one quiet bucket (2 operations, none failed): throughout the window', async () => {
    // The quiet bucket at 00:30, the one that used to reset the run.
    const { finding, text } = await report(
      'throughout',
      rows(() => true, END - 2.5 * HOUR),
    );
    expect(finding.sinceWindowStart).toBe(true);
    expect(finding.since).toBe(new Date(END - 24 * HOUR).toISOString());
    expect(text).toMatch(/❌ hubspot: High error rate \([\d.]+%\) throughout the window\n/);
  });

  it('a run that began the day before the window ends shows its date', async () => {
    // Failing from 22:00 on Dec 5 to the end (03:00 on Dec 6); healthy before.
    const from = END - 5 * HOUR;
    const { finding, text } = await report(
      'previous-day',
      rows((at) => at >= from, null),
    );
    expect(finding.sinceWindowStart).toBe(false);
    expect(finding.since).toBe('2025-12-05T22:00:00.000Z');
    expect(text).toMatch(/❌ hubspot: High error rate \([\d.]+%\) since Dec 5 22:00 UTC\n/);
  });
});
