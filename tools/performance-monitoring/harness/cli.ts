// Runs the CLI as a user does: a separate process, real stdout, stderr and exit code.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const MONITOR = fileURLToPath(new URL('../monitor.ts', import.meta.url));
/** tsx's loader by absolute URL: the CLI runs from temp dirs, where a bare `tsx` would not resolve. */
export const TSX_LOADER = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Variables a developer's shell may hold that would change which source the CLI picks. */
export const CONTROLLED = [
  'DATABASE_URL',
  'SUPABASE_URL',
  'SUPABASE_SERVICE_ROLE_KEY',
  'PERFMON_TABLE',
  'PERFMON_TIMEOUT_MS',
  'PERFMON_STATE_DIR',
  'PERFMON_STDIN_MAX_BYTES',
  'SLACK_WEBHOOK_URL',
  'EMAIL_HOST',
  'EMAIL_PORT',
  'EMAIL_USER',
  'EMAIL_PASS',
  'EMAIL_FROM',
  'EMAIL_TO',
  'NO_COLOR',
  'FORCE_COLOR',
  // The sparklines' characters and width (docs/timeline.md).
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'COLUMNS',
];

const made: string[] = [];

/** Removes every dir emptyDir() made; test/support/setup.ts runs it after each test file. */
export function removeScratchDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function emptyDir(prefix = 'perfmon-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** `stdin`: what the CLI reads on stdin (piped, then closed); without it stdin is /dev/null. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; stdin?: string | Buffer } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED) delete env[name];
  Object.assign(env, options.env);
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, ...args], {
    cwd: options.cwd ?? emptyDir(),
    env,
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 60_000,
  });
  // A CLI that exits before reading (a usage error) closes the pipe: EPIPE is no test failure.
  child.stdin?.on('error', () => {});
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  return collect(child as ChildProcessByStdio<null, Readable, Readable>);
}

/** A child's exit code and whole output, once it has closed. */
export function collect(child: ChildProcessByStdio<null, Readable, Readable>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A JSON report without the fields that differ between otherwise identical runs. */
export function comparable(stdout: string): Record<string, unknown> {
  const { generatedAt: _g, source: _s, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
  return rest;
}
