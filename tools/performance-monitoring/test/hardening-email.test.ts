// An SMTP server's reply reaches stderr escaped (issue 27, the e-mail side of item 11): a server
// that answers its greeting with control bytes cannot draw on the terminal or split the line.

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';

let hostile: Server;

beforeAll(async () => {
  // 554 at the greeting: nodemailer gives up with the server's words in its error.
  hostile = createServer((socket) => socket.end('554 go away\u001b[2J\u0007 now\r\n'));
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => hostile.close(() => resolve()));
});

describe('an SMTP reply with control bytes', () => {
  it('is one escaped stderr line, exit 4', async () => {
    const { port } = hostile.address() as AddressInfo;
    const env = {
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(port),
      EMAIL_FROM: 'a@example.com',
      EMAIL_TO: 'b@example.com',
      PERFMON_STATE_DIR: emptyDir('perfmon-state-'),
      PERFMON_TIMEOUT_MS: '2000',
    };
    const { code, stderr } = await runCli(['--demo', '--alert', '--fail-under', '0'], { env });
    expect(code).toBe(4);
    const lines = stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^perf-monitor: e-mail alert not delivered: SMTP 127\.0\.0\.1:\d+: /);
    expect(lines[0]).toContain('go away\\u001b[2J\\u0007 now');
    expect(stderr.includes('\u0007') || stderr.includes('\u001b')).toBe(false);
  }, 60_000);
});
