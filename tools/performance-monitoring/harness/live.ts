// Starts `--serve`/`--watch` as a user does (a separate process) for the live tests: waits for
// the "serving http://..." line, exposes the URL, the output so far, and a stop that signals the
// process and resolves with its exit code and how long it took to exit.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CONTROLLED, emptyDir, MONITOR, TSX_LOADER } from './cli.js';

export interface LiveProcess {
  url: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout: () => string;
  stderr: () => string;
  /** Signals the process; resolves with its exit code and the ms it took to exit. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; ms: number }>;
}

export async function startLive(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<LiveProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED) delete env[name];
  delete env.PERFMON_SERVE_TOKEN;
  Object.assign(env, options.env);
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, ...args], {
    cwd: options.cwd ?? emptyDir(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving" line within 30 s; stderr: ${stderr}`)), 30_000);
    const look = () => {
      const match = /serving (http:\/\/\S+\/)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stderr.on('data', look);
    void exited.then((code) => reject(new Error(`exited ${code} before serving; stderr: ${stderr}`)));
  });
  return {
    url,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      const started = Date.now();
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** Polls `check` every 100 ms until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${String(last)})` : ''}`);
}

/** One NDJSON operation row. */
export const logLine = (service: string, createdAt: Date, durationMs: number, status = 'success') =>
  `${JSON.stringify({ source: service, operation: 'sync', status, duration_ms: durationMs, created_at: createdAt.toISOString() })}\n`;

/** `name value` of an unlabelled sample in Prometheus text; undefined when absent. */
export function sampleValue(text: string, name: string): number | undefined {
  // The first sample of the family, labelled or not (`perfmon_overall_operations{scope="all"} 12`).
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
