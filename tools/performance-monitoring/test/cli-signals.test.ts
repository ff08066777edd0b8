// The README's cron line (the perf-monitor command by path) stops when it is told to (issue 14 item 13): `npx` would not pass
// SIGTERM on, and the tool would go on running — and alerting — after its job was cancelled.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The cron line as the README documents it (the line under "Continuous monitoring"). */
function documentedCronCommand(): string {
  const readme = readFileSync(join(ROOT, 'tools/performance-monitoring/README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith('*/5 * * * * ') && l.includes('--alert'));
  if (!line) throw new Error('no cron line in the README');
  return line.replace(/^(\S+\s+){5}/, '');
}

describe('the documented cron command', () => {
  it('uses exec node, and stops on SIGTERM while an alert is in flight, sending nothing after', async () => {
    const command = documentedCronCommand();
    expect(command).toContain('exec node tools/performance-monitoring/bin/perf-monitor.mjs');
    // A Slack endpoint that accepts and never answers: the run waits in delivery (--threshold 1:
    // the average is above it, so a condition holds and a message goes out).
    const sockets: Socket[] = [];
    let connections = 0;
    let closed = 0;
    const server = createServer((socket) => {
      connections++;
      sockets.push(socket);
      socket.resume().on('close', () => closed++);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const repo = emptyDir('perfmon-cron-');
    symlinkSync(join(ROOT, 'tools'), join(repo, 'tools'));
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
    const log = join(repo, 'performance.log');
    const script = command
      .replace('/path/to/your/repo', repo)
      .replace('/var/log/performance.log', log)
      .replace('--alert', '--alert --demo --threshold 1');
    const child = spawn('sh', ['-c', script], {
      env: {
        ...process.env,
        SLACK_WEBHOOK_URL: `http://127.0.0.1:${port}/services/T1/B1/x`,
        PERFMON_TIMEOUT_MS: '30000',
        PERFMON_STATE_DIR: join(repo, 'state'),
      },
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 30_000;
      while (connections === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(connections).toBe(1);
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const sentAt = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
      expect(Date.now() - sentAt).toBeLessThan(2_000);
      // Nothing runs after: the tool's connection is gone (an orphan left behind by a wrapper
      // would hold it open until its timeout, then retry), nothing more is written.
      const logged = existsSync(log) ? readFileSync(log, 'utf8') : '';
      await new Promise((r) => setTimeout(r, 1_500));
      expect(closed).toBe(1);
      expect(connections).toBe(1);
      expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe(logged);
    } finally {
      child.kill('SIGKILL');
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
