// Runs a command as its own process, as a user runs it, and measures it: wall time from spawn to
// exit, and the child's peak RSS, from GNU time (`/usr/bin/time -f %M`) when installed, else by
// polling /proc/<pid>/status (VmHWM) every 20 ms. Spawning is asynchronous: the PostgREST test
// server answering the child lives in this process's event loop.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CONTROLLED as CLI_CONTROLLED, MONITOR, TSX_LOADER } from '../harness/cli.js';

export { MONITOR, TSX_LOADER };
export const BASELINE = fileURLToPath(new URL('./baseline.ts', import.meta.url));

const GNU_TIME = '/usr/bin/time';
export const rssMethod: 'gnu-time' | 'proc-poll' = existsSync(GNU_TIME) ? 'gnu-time' : 'proc-poll';

/** The tests' list of variables that change what the CLI does, and what changes its timing. */
const CONTROLLED = [...CLI_CONTROLLED, 'PERFMON_DEBUG', 'NODE_OPTIONS'];

export interface RunResult {
  wallMs: number;
  /** Peak resident set size of the child, kB (null when it could not be read). */
  rssKb: number | null;
  /** CPU time of the child, user + system, ms (GNU time only; null otherwise). */
  cpuMs: number | null;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Extra figures the caller measured around the run (e.g. HTTP bytes). */
  bytes: number | null;
}

export interface Command {
  /** A TypeScript entry run by `node --import tsx`. */
  script: string;
  args: string[];
  env?: Record<string, string>;
}

export interface Hooks {
  /** Called just before the spawn (e.g. reset a byte counter). */
  before?: () => void;
  /** Called after the child exited; returns the bytes figure of the run. */
  after?: () => number | null;
}

let scratch: string | null = null;
function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'perfmon-bench-run-'));
  return scratch;
}

export function cleanupScratch(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
}

/** The floor: the same runner starting an empty TypeScript file. */
export function emptyScript(): string {
  const path = join(scratchDir(), 'empty.ts');
  if (!existsSync(path)) writeFileSync(path, 'export {};\n');
  return path;
}

/** An empty working directory, so no `.env` is picked up. */
function workDir(): string {
  const dir = join(scratchDir(), 'cwd');
  mkdirSync(dir, { recursive: true });
  return dir;
}

let current: ReturnType<typeof spawn> | null = null;

/** Kills the child being measured (Ctrl-C). */
export function killCurrent(): void {
  current?.kill('SIGKILL');
}

function readVmHwm(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export function runOnce(command: Command, hooks: Hooks = {}, timeoutMs = 15 * 60_000): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED) delete env[name];
  Object.assign(env, command.env);
  const node = [process.execPath, '--import', TSX_LOADER, command.script, ...command.args];
  const timeFile = join(scratchDir(), 'time.out');
  rmSync(timeFile, { force: true });
  const argv = rssMethod === 'gnu-time' ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...node] : node;
  hooks.before?.();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: workDir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let stdout = '';
    let stderr = '';
    let peak: number | null = null;
    const poll =
      rssMethod === 'proc-poll' && child.pid !== undefined
        ? setInterval(() => {
            const hwm = readVmHwm(child.pid as number);
            if (hwm !== null) peak = Math.max(peak ?? 0, hwm);
          }, 20)
        : null;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      reject(error);
    });
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      current = null;
      let rssKb = peak;
      let cpuMs: number | null = null;
      if (rssMethod === 'gnu-time') {
        try {
          // GNU time prints "Command exited with non-zero status N" before the figures when N != 0.
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
          const [rss, user, system] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
          rssKb = rss !== undefined && Number.isFinite(rss) ? rss : null;
          cpuMs = user !== undefined && system !== undefined && Number.isFinite(user + system) ? Math.round((user + system) * 1000) : null;
        } catch {
          rssKb = null;
        }
      }
      const bytes = hooks.after?.() ?? null;
      resolve({ wallMs, rssKb, cpuMs, code, stdout, stderr, bytes });
    });
  });
}

export interface Series {
  runs: RunResult[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Highest peak RSS over the measured runs, kB. */
  peakRssKb: number | null;
  /** Median bytes figure over the measured runs. */
  bytes: number | null;
  /** Median CPU time (user + system) of the child, ms. */
  cpuMs: number | null;
  /** Median wall time and CPU time of the floor runs interleaved with this series, ms. */
  floorMs: number | null;
  floorCpuMs: number | null;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * One warm-up run (fills tsx's transform cache and the OS page cache; not counted), then `runs`
 * measured runs. With `floor`, each measured run is preceded by a run of the floor command, so
 * the floor is measured under the same machine load as the command (the machine is shared).
 * `check` validates every run (exit code, output) and throws on a wrong one.
 */
export async function measure(
  command: Command,
  runs: number,
  hooks: Hooks = {},
  check?: (result: RunResult) => void,
  floor?: Command,
): Promise<Series> {
  const warm = await runOnce(command, hooks);
  check?.(warm);
  const results: RunResult[] = [];
  const floors: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    if (floor) floors.push(await runOnce(floor));
    const result = await runOnce(command, hooks);
    check?.(result);
    results.push(result);
  }
  const walls = results.map((r) => r.wallMs);
  const rss = results.map((r) => r.rssKb).filter((v): v is number => v !== null);
  const bytes = results.map((r) => r.bytes).filter((v): v is number => v !== null);
  const cpu = results.map((r) => r.cpuMs).filter((v): v is number => v !== null);
  const floorCpu = floors.map((r) => r.cpuMs).filter((v): v is number => v !== null);
  return {
    cpuMs: cpu.length > 0 ? median(cpu) : null,
    runs: results,
    medianMs: median(walls),
    minMs: Math.min(...walls),
    maxMs: Math.max(...walls),
    peakRssKb: rss.length > 0 ? Math.max(...rss) : null,
    bytes: bytes.length > 0 ? median(bytes) : null,
    floorMs: floors.length > 0 ? median(floors.map((r) => r.wallMs)) : null,
    floorCpuMs: floorCpu.length > 0 ? median(floorCpu) : null,
  };
}

export function monitorCommand(args: string[], env: Record<string, string> = {}): Command {
  return { script: MONITOR, args, env };
}

/**
 * What one first touch of a memory page costs here: a child touches 256 MiB, page by page. On a
 * virtual machine this can be 10-50 times a bare-metal figure, and every MB a run allocates (Node's
 * heap, DuckDB's buffers, a PostgreSQL worker mapping shared buffers) then costs wall time.
 */
export function pageFaultCost(): { faults: number; ms: number; usPerFault: number } {
  const probe = `
    const faults = () => Number(require('fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
    const before = faults(), started = process.hrtime.bigint();
    const buffer = Buffer.allocUnsafeSlow(256 * 1024 * 1024);
    for (let i = 0; i < buffer.length; i += 4096) buffer[i] = 1;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(JSON.stringify({ faults: faults() - before, ms }));`;
  const { faults, ms } = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as { faults: number; ms: number };
  return { faults, ms: Math.round(ms), usPerFault: Math.round((ms * 1000 * 10) / Math.max(1, faults)) / 10 };
}
