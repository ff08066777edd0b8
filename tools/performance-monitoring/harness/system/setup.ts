// The set-up step `npm test` runs first: installs the missing system components, or says how to.
//
// `tsx tools/performance-monitoring/harness/system/setup.ts [--dry-run] [--root DIR]`
// Nothing missing: prints nothing, runs nothing, exits 0. Missing, as root or with passwordless
// sudo: apt-get installs them (install-packages.sh), then they are looked for again. Otherwise
// one line naming the exact command to run, exit 1. --dry-run says what it would install.
// --root probes a scratch tree instead of `/` (PATH is the environment's), for its own test.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Identity, PREFIX, planSetup } from './plan.js';
import { describeDetect, findMissing, realView, type SystemView } from './probe.js';

const INSTALL_SCRIPT = fileURLToPath(new URL('./install-packages.sh', import.meta.url));

/** What apt-get did: exit code, and its error lines when it failed. */
export interface InstallResult {
  readonly code: number;
  readonly errors: string;
}

export type Installer = (packages: readonly string[], sudo: boolean) => Promise<InstallResult>;

export interface SetupContext {
  readonly view: SystemView;
  /** Asked only when something is missing (it may run `sudo -n true`). */
  readonly identity: () => Identity;
  readonly dryRun: boolean;
  /** One stderr line. */
  readonly note: (line: string) => void;
  readonly install: Installer;
}

/** Runs install-packages.sh (through `sudo -n` when not root); its apt-get output stays in a log. */
export const aptInstall: Installer = (packages, sudo) =>
  new Promise((resolve) => {
    const argv = ['sh', INSTALL_SCRIPT, ...packages];
    const [command, ...args] = sudo ? ['sudo', '-n', ...argv] : argv;
    const child = spawn(command ?? 'sh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    child.on('error', (error) => resolve({ code: 1, errors: error.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, errors: errors.trim() }));
  });

export function realIdentity(view: SystemView): Identity {
  if (process.getuid?.() === 0) return { root: true, passwordlessSudo: false };
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', env: { ...process.env, PATH: view.path }, timeout: 10_000 });
  return { root: false, passwordlessSudo: sudo.status === 0 };
}

/** The exit code of the set-up step: 0 when every component is there (or would be installed). */
export async function runSetup(ctx: SetupContext): Promise<number> {
  const plan = planSetup(findMissing(ctx.view), ctx.identity, ctx.dryRun);
  if (plan.action === 'nothing') return 0;
  ctx.note(plan.line);
  if (plan.action === 'tell') return 1;
  if (ctx.dryRun) return 0;
  const started = Date.now();
  const result = await ctx.install(plan.packages, plan.sudo);
  if (result.code !== 0) {
    const cause = result.errors.split('\n').filter(Boolean).pop() ?? 'no message';
    ctx.note(`${PREFIX}apt-get failed (exit ${result.code}): ${cause}`);
    return 1;
  }
  const still = findMissing(ctx.view);
  if (still.length > 0) {
    const what = still.map((m) => `${m.component.name} (${describeDetect(m.component, ctx.view)})`).join(', ');
    ctx.note(`${PREFIX}still missing after installing ${plan.packages.join(' ')}: ${what}`);
    return 1;
  }
  ctx.note(`${PREFIX}installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const note = (line: string): void => void process.stderr.write(`${line}\n`);
  let values: { 'dry-run'?: boolean; root?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean' }, root: { type: 'string' } }, strict: true }));
  } catch (error) {
    note(`${PREFIX}${(error as Error).message}; usage: setup.ts [--dry-run] [--root DIR]`);
    return 2;
  }
  const view: SystemView = { ...realView(), root: values.root ?? '/' };
  return runSetup({ view, identity: () => realIdentity(view), dryRun: values['dry-run'] === true, note, install: aptInstall });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
