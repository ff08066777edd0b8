// The set-up step `npm test` runs first (harness/system/setup.ts), on machines whose components are
// hidden: a scratch tree stands for `/` and PATH is an empty dir, so nothing real is found.
// As non-root without sudo it names the command to run and fails; as root it says what it
// installs (dry run: nothing is installed here); with everything there it is silent and idle.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CliResult, collect, emptyDir, TSX_LOADER } from '../harness/cli.js';
import type { Identity } from '../harness/system/plan.js';
import type { SystemView } from '../harness/system/probe.js';
import { type Installer, runSetup } from '../harness/system/setup.js';
import { requireComponent } from '../harness/system.js';

const SETUP = fileURLToPath(new URL('../harness/system/setup.ts', import.meta.url));
const ALL_PACKAGES = 'postgresql postgresql-15-cron chromium prometheus prometheus-node-exporter jq python3 python3-prometheus-client';
const ALL_NAMES = 'postgresql, pg_cron, chromium, promtool, node_exporter, jq, python3, prometheus_client';

const USER: Identity = { root: false, passwordlessSudo: false };
const SUDOER: Identity = { root: false, passwordlessSudo: true };
const ROOT: Identity = { root: true, passwordlessSudo: false };

function touch(file: string, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
  chmodSync(file, mode);
}

/** A Debian 12 machine with none of the components: a scratch root and an empty PATH dir. */
function bareMachine(release = '12'): SystemView {
  const root = emptyDir('perfmon-setup-');
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'os-release'), `PRETTY_NAME="Debian GNU/Linux"\nVERSION_ID="${release}"\nID=debian\n`);
  mkdirSync(join(root, 'bin'));
  return { root, path: join(root, 'bin') };
}

/** What `apt-get install` of every component leaves behind, in the view. */
function installEverything(view: SystemView, pgMajor = '15'): void {
  touch(join(view.root, `usr/lib/postgresql/${pgMajor}/bin/initdb`), 0o755);
  touch(join(view.root, `usr/lib/postgresql/${pgMajor}/lib/pg_cron.so`));
  touch(join(view.root, 'usr/bin/chromium'), 0o755);
  touch(join(view.root, 'usr/bin/python3'), 0o755);
  for (const name of ['promtool', 'prometheus-node-exporter', 'jq']) touch(join(view.path, name), 0o755);
  touch(join(view.root, 'usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py'));
}

interface Run {
  code: number;
  notes: string[];
  installs: string[][];
  askedWho: number;
}

/** runSetup in-process with a given identity; the installer only records (or simulates apt). */
async function setUp(view: SystemView, who: Identity, dryRun: boolean, apt?: (packages: readonly string[]) => void): Promise<Run> {
  const run: Run = { code: -1, notes: [], installs: [], askedWho: 0 };
  const install: Installer = async (packages, sudo) => {
    run.installs.push([sudo ? 'sudo' : 'root', ...packages]);
    apt?.(packages);
    return { code: 0, errors: '' };
  };
  const identity = (): Identity => {
    run.askedWho += 1;
    return who;
  };
  run.code = await runSetup({ view, identity, dryRun, note: (line) => run.notes.push(line), install });
  return run;
}

describe('set-up step, everything hidden', () => {
  it('as non-root without sudo: one line with the exact command to run, exit 1, nothing installed', async () => {
    const run = await setUp(bareMachine(), USER, false);
    expect(run.notes).toEqual([
      `test set-up: missing ${ALL_NAMES}, and not root nor passwordless sudo to install them; ` +
        `run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${ALL_PACKAGES}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.installs).toEqual([]);
  });

  it('as root, dry run: says what it would install, exit 0, nothing installed', async () => {
    const run = await setUp(bareMachine(), ROOT, true);
    expect(run.notes).toEqual([`test set-up: would install Debian packages: ${ALL_PACKAGES} (for ${ALL_NAMES})`]);
    expect(run.code).toBe(0);
    expect(run.installs).toEqual([]);
  });

  it('with passwordless sudo, dry run: would install through sudo', async () => {
    const run = await setUp(bareMachine(), SUDOER, true);
    expect(run.notes).toEqual([`test set-up: would install Debian packages with sudo: ${ALL_PACKAGES} (for ${ALL_NAMES})`]);
    expect(run.code).toBe(0);
  });

  it('as root: installs every missing package once, looks again and reports', async () => {
    const view = bareMachine();
    const run = await setUp(view, ROOT, false, () => installEverything(view));
    expect(run.installs).toEqual([['root', ...ALL_PACKAGES.split(' ')]]);
    expect(run.notes).toEqual([
      `test set-up: installing Debian packages: ${ALL_PACKAGES} (for ${ALL_NAMES})`,
      'test set-up: installed in 0 s',
    ]);
    expect(run.code).toBe(0);
  });

  it('as root: a package that did not bring its component fails in one line', async () => {
    const view = bareMachine();
    const run = await setUp(view, SUDOER, false, () => {
      installEverything(view);
      touch(join(view.path, 'promtool'), 0o644); // there, but not executable
    });
    expect(run.installs).toEqual([['sudo', ...ALL_PACKAGES.split(' ')]]);
    expect(run.notes[1]).toBe(`test set-up: still missing after installing ${ALL_PACKAGES}: promtool (promtool on PATH)`);
    expect(run.code).toBe(1);
  });
});

describe('set-up step, some or all present', () => {
  it('with everything present: says nothing, asks nothing, installs nothing, exit 0', async () => {
    const view = bareMachine();
    installEverything(view);
    const run = await setUp(view, USER, false);
    expect(run).toEqual({ code: 0, notes: [], installs: [], askedWho: 0 });
  });

  it("pg_cron's package follows the installed PostgreSQL major version", async () => {
    const view = bareMachine();
    installEverything(view, '16');
    rmSync(join(view.root, 'usr/lib/postgresql/16/lib/pg_cron.so'));
    const run = await setUp(view, ROOT, true);
    expect(run.notes).toEqual(['test set-up: would install Debian packages: postgresql-16-cron (for pg_cron)']);
  });

  it("without PostgreSQL, pg_cron's package is the one of this Debian release's postgresql", async () => {
    const run = await setUp(bareMachine('13'), ROOT, true);
    expect(run.notes).toEqual([
      `test set-up: would install Debian packages: ${ALL_PACKAGES.replace('postgresql-15-cron', 'postgresql-17-cron')} (for ${ALL_NAMES})`,
    ]);
  });
});

function runSetupCli(args: string[], view: SystemView): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SETUP, ...args], {
    env: { ...process.env, PATH: view.path },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return collect(child);
}

describe('set-up step as npm test runs it (a process, real identity)', () => {
  it('everything hidden, dry run: root would install; anyone else (sudo off PATH) is told the command, exit 1', async () => {
    const view = bareMachine();
    const result = await runSetupCli(['--dry-run', '--root', view.root], view);
    const asRoot = process.getuid?.() === 0;
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      asRoot
        ? `test set-up: would install Debian packages: ${ALL_PACKAGES} (for ${ALL_NAMES})\n`
        : `test set-up: missing ${ALL_NAMES}, and not root nor passwordless sudo to install them; ` +
            `run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${ALL_PACKAGES}\n`,
    );
    expect(result.code).toBe(asRoot ? 0 : 1);
  });

  it('everything present: prints nothing and exits 0, without running apt-get', async () => {
    const view = bareMachine();
    installEverything(view);
    // No --dry-run: anything judged missing would print a line (and as root, try apt-get).
    const result = await runSetupCli(['--root', view.root], view);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('an unknown option is a usage error: one line, exit 2', async () => {
    const view = bareMachine();
    installEverything(view);
    const result = await runSetupCli(['--root', view.root, '--yes'], view);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(/^test set-up: Unknown option '--yes'.*; usage: setup\.ts \[--dry-run\] \[--root DIR\]\n$/);
    expect(result.code).toBe(2);
  });
});

describe('test-support finders', () => {
  it('a missing component is one line naming where it was looked for and how to install it', () => {
    const view = bareMachine();
    expect(() => requireComponent('promtool', view)).toThrow(
      new Error(
        'promtool not found (promtool on PATH), needed for checks the Prometheus output: ' +
          'run npm test, which installs it, or sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus',
      ),
    );
    expect(() => requireComponent('pg_cron', view)).toThrow(
      new Error(
        'pg_cron not found (/usr/lib/postgresql/15/lib/pg_cron.so), needed for pg_cron preloaded in the test cluster: ' +
          'run npm test, which installs it, or sudo apt-get update && sudo apt-get install -y --no-install-recommends postgresql-15-cron',
      ),
    );
  });

  it('a present component is its path in the view', () => {
    const view = bareMachine();
    installEverything(view);
    expect(requireComponent('chromium', view)).toBe(join(view.root, 'usr/bin/chromium'));
    expect(requireComponent('jq', view)).toBe(join(view.path, 'jq'));
    expect(requireComponent('pg_cron', view)).toBe(join(view.root, 'usr/lib/postgresql/15/lib/pg_cron.so'));
  });
});
