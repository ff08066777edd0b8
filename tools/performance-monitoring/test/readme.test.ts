// Every shell example in both READMEs runs as written (issue 2: "every example must run as
// written"), in a scratch directory laid out like the repository. Examples that need a data
// source get `--demo`, as the README says they can; `--alert` ones talk to a local Slack
// receiver; `mail` is a shim that keeps what it was given. `sh` blocks (a real database, or a
// live view that runs until stopped: test/live-*.test.ts run those) and
// `npm` lines (CI runs those) are not run here.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, collect, emptyDir, runCli } from '../harness/cli.js';
import { rowsEndingAt, writeCsv, writeNdjson } from '../harness/hand-dataset.js';
import { type SlackReceiver, startSlackReceiver } from '../harness/slack-receiver.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = 'tools/performance-monitoring/docs';
/** Both READMEs and every page under docs/: an example anywhere in them must run. */
const READMES = [
  'README.md',
  'tools/performance-monitoring/README.md',
  ...readdirSync(join(ROOT, DOCS))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `${DOCS}/${f}`),
];
const MONITOR = 'tools/performance-monitoring/monitor.ts';

interface Example {
  readme: string;
  line: number;
  script: string;
}

function bashExamples(readme: string): Example[] {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  const examples: Example[] = [];
  const fence = /^```bash\n([\s\S]*?)^```/gm;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    const body = match[1] ?? '';
    if (!body.includes(MONITOR)) continue;
    const script = body
      .split('\n')
      .map((line) => line.replace(/^npm ci && /, ''))
      .filter((line) => !/^\s*npm /.test(line))
      .map((line) => (line.includes(MONITOR) && !/--(demo|input)/.test(line) ? line.replaceAll(MONITOR, `${MONITOR} --demo`) : line))
      .map((line) => line.replaceAll('/var/www/grafana/', ''))
      .join('\n');
    examples.push({ readme, line: text.slice(0, match.index).split('\n').length, script });
  }
  return examples;
}

const examples = READMES.flatMap(bashExamples);
let slack: SlackReceiver;
let scratch: string;

beforeAll(async () => {
  slack = await startSlackReceiver();
  scratch = emptyDir('perfmon-readme-');
  symlinkSync(join(ROOT, 'tools'), join(scratch, 'tools'));
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
  // Recent rows: the README's `--input` example has no --until (older ones get a notice).
  const recent = rowsEndingAt(new Date());
  writeNdjson(scratch, recent);
  const csv = writeCsv(scratch, recent);
  writeFileSync(join(scratch, 'more-logs.csv'), readFileSync(csv));
  mkdirSync(join(scratch, 'bin'));
  writeFileSync(join(scratch, 'bin', 'mail'), '#!/bin/sh\ncat > "$MAIL_OUT"\n');
  chmodSync(join(scratch, 'bin', 'mail'), 0o755);
});
afterAll(() => slack.close());

function runBash(script: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawn('bash', ['-eo', 'pipefail', '-c', script], {
    cwd: scratch,
    env,
    timeout: 280_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

describe('README sample output', () => {
  it('is what --demo --until 2025-11-20T10:00:00Z prints today', async () => {
    const text = readFileSync(join(ROOT, 'tools/performance-monitoring/README.md'), 'utf8');
    const start = text.indexOf(`\`\`\`text\n${'='.repeat(80)}`) + '```text\n'.length;
    const sample = text.slice(start, text.indexOf('```', start));
    // A UTF-8 locale (sparklines in block characters) and no terminal (80 columns).
    const { code, stdout } = await runCli(['--demo', '--until', '2025-11-20T10:00:00Z', '--no-color'], { env: { LANG: 'C.UTF-8' } });
    expect(code).toBe(0);
    expect(stdout).toBe(sample);
  });
});

describe('README examples', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples.map((e) => [`${e.readme}:${e.line}`, e] as const))(
    '%s runs',
    async (_where, example) => {
      const mailOut = join(scratch, 'mail.txt');
      // Asynchronous: the Slack receiver lives in this process and must keep answering.
      const result = await runBash(example.script, {
        PATH: `${join(scratch, 'bin')}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? scratch,
        SLACK_WEBHOOK_URL: slack.url,
        PERFMON_STATE_DIR: join(scratch, '.perfmon'),
        MAIL_OUT: mailOut,
      });
      expect({ status: result.code, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      if (example.script.includes('mail -s')) expect(readFileSync(mailOut, 'utf8')).toContain('PERFORMANCE MONITORING REPORT');
    },
    300_000,
  );
});
