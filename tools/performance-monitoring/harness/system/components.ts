// The one list of system components the test suite needs, with the Debian package that brings each.
//
// Read by the set-up step (setup.ts, run by `npm test` and so by .ci/run) and by the tests'
// finders (harness/system.ts): adding a component here is all it takes for both.

/** How a component is found on a machine. */
export type Detect =
  /** An executable of that name in one of PATH's directories. */
  | { readonly onPath: string }
  /** An absolute file; `{pgMajor}` stands for the PostgreSQL major version found (see pgMajor()). */
  | { readonly file: string }
  /** `/usr/lib/postgresql/<major>/<file>` for any major version (the highest one wins). */
  | { readonly inAnyPgMajor: string };

export interface Component {
  /** What the tests call it (finders, messages). */
  readonly name: string;
  /** Debian package that installs it; `{pgMajor}` as in Detect. */
  readonly debianPackage: string;
  readonly detect: Detect;
  /** What in the suite needs it (one phrase, for the README and the messages). */
  readonly why: string;
}

export const PG_ROOT = '/usr/lib/postgresql';

/**
 * PostgreSQL major version that Debian's `postgresql` package brings, by Debian release
 * (VERSION_ID in /etc/os-release): used for pg_cron's package when PostgreSQL is not installed yet.
 */
export const DEBIAN_PG_MAJOR: Readonly<Record<string, string>> = { '11': '13', '12': '15', '13': '17' };
export const FALLBACK_PG_MAJOR = '15';

export const COMPONENTS: readonly Component[] = [
  { name: 'postgresql', debianPackage: 'postgresql', detect: { inAnyPgMajor: 'bin/initdb' }, why: 'throwaway PostgreSQL clusters' },
  {
    name: 'pg_cron',
    debianPackage: 'postgresql-{pgMajor}-cron',
    detect: { file: `${PG_ROOT}/{pgMajor}/lib/pg_cron.so` },
    why: 'pg_cron preloaded in the test cluster',
  },
  { name: 'chromium', debianPackage: 'chromium', detect: { file: '/usr/bin/chromium' }, why: 'headless browser driven by puppeteer-core' },
  { name: 'promtool', debianPackage: 'prometheus', detect: { onPath: 'promtool' }, why: 'checks the Prometheus output' },
  {
    name: 'node_exporter',
    debianPackage: 'prometheus-node-exporter',
    detect: { onPath: 'prometheus-node-exporter' },
    why: 'textfile collector',
  },
  { name: 'jq', debianPackage: 'jq', detect: { onPath: 'jq' }, why: 'README examples' },
  {
    name: 'python3',
    debianPackage: 'python3',
    detect: { file: '/usr/bin/python3' },
    why: "a pseudo-terminal for the --watch tests (harness/pty-run.py, Python's pty module)",
  },
  {
    name: 'prometheus_client',
    debianPackage: 'python3-prometheus-client',
    detect: { file: '/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py' },
    why: "an OpenMetrics parser (prometheus_client's) for the openmetrics output, run by /usr/bin/python3",
  },
];

/** The component of that name; a typo in a finder is a programming error. */
export function component(name: string): Component {
  const found = COMPONENTS.find((c) => c.name === name);
  if (!found) throw new Error(`no system component named ${name} in harness/system/components.ts`);
  return found;
}
