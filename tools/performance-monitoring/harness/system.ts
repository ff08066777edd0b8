// Test support: where the system components declared in harness/system/components.ts are.
//
// Each finder returns the component's path, or throws one line naming what was looked for and
// how to get it: a missing component fails the test, it never skips it. `npm test` installs
// them all first (harness/system/setup.ts); `npx vitest run <file>` alone does not.
import { component } from './system/components.js';
import { manualCommand } from './system/plan.js';
import { debianPackageOf, describeDetect, locate, realView, type SystemView } from './system/probe.js';

/** The component's path on this machine, or an Error with one line saying how to install it. */
export function requireComponent(name: string, view: SystemView = realView()): string {
  const wanted = component(name);
  const found = locate(wanted, view);
  if (found !== null) return found;
  const pkg = debianPackageOf(wanted, view);
  throw new Error(
    `${name} not found (${describeDetect(wanted, view)}), needed for ${wanted.why}: ` +
      `run npm test, which installs it, or ${manualCommand([pkg])}`,
  );
}

/** Debian's Chromium, for puppeteer-core's executablePath (never a downloaded browser). */
export function chromiumPath(): string {
  return requireComponent('chromium');
}

export function promtoolPath(): string {
  return requireComponent('promtool');
}

export function nodeExporterPath(): string {
  return requireComponent('node_exporter');
}

/** Debian's python3 (not the `python3` first on PATH): its pty module drives harness/pty-run.py. */
export function systemPython(): string {
  return requireComponent('python3');
}

/** Debian's /usr/bin/python3 with python3-prometheus-client: an OpenMetrics parser (its openmetrics.parser). */
export function prometheusClientPython(): string {
  requireComponent('prometheus_client');
  return '/usr/bin/python3';
}

export function jqPath(): string {
  return requireComponent('jq');
}

/** pg_cron.so of the PostgreSQL major version found (the one test clusters run); throws when absent. */
export function pgCronAvailable(): string {
  return requireComponent('pg_cron');
}
