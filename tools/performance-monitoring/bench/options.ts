// `npm run bench`'s command line: the sources it can measure, the options and their checks.
// Bad options print `bench: <what>` and the usage on stderr and exit 2; --help exits 0.
import { fileURLToPath } from 'node:url';
import { CommanderError, InvalidArgumentError, Command as Program } from 'commander';

export const ALL_SOURCES = [
  'parquet',
  'ndjson',
  'postgres',
  'postgres-service',
  'postgres-1h',
  'rpc',
  'fallback',
  'baseline',
  'demo',
  'help',
  'rollup',
] as const;
export type SourceId = (typeof ALL_SOURCES)[number];
/** The sources that read the PostgreSQL cluster (directly or behind the PostgREST server). */
export const PG_SOURCES: readonly SourceId[] = ['postgres', 'postgres-service', 'postgres-1h', 'rpc', 'fallback', 'baseline'];
/** The sources run on the --sizes datasets. */
export const SIZE_SOURCES: readonly SourceId[] = ['parquet', 'ndjson', ...PG_SOURCES];

const DEFAULT_OUT = fileURLToPath(new URL('./results/latest.json', import.meta.url));

export interface BenchOptions {
  sizes: number[];
  large: boolean;
  runs: number;
  only: Set<SourceId>;
  out: string;
  dataDir: string | null;
  /** Run the rollup case: --large with rollup among the sources, or --only naming rollup. */
  rollup: boolean;
  rollupDays: number;
  rollupPerDay: number;
  /** The rollup case's dataset: 'default' (8 services, 22 operations) or 'many' (7 x 23 = 161). */
  rollupShape: 'default' | 'many';
  /** Run the rollup case's --exact rows (minutes each at 60 days x 1M). */
  rollupExact: boolean;
}

const SIZE_SUFFIX: Record<string, number> = { k: 1e3, m: 1e6 };

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`size '${text}' is not like 10k, 100k, 1m`);
  const n = Math.round(Number(m[1]) * (SIZE_SUFFIX[m[2]?.toLowerCase() ?? ''] ?? 1));
  if (n < 10 || n > 20_000_000) throw new InvalidArgumentError(`size '${text}' must be between 10 and 20m`);
  return n;
}

function parseDays(text: string): number {
  const days = Number(text);
  if (!Number.isInteger(days) || days < 2 || days > 366 || days % 2 !== 0)
    throw new InvalidArgumentError('--rollup-days must be an even whole number from 2 to 366');
  return days;
}

function parseShape(text: string): 'default' | 'many' {
  if (text !== 'default' && text !== 'many') throw new InvalidArgumentError('--rollup-shape must be default or many');
  return text;
}

function parseRuns(text: string): number {
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new InvalidArgumentError('--runs must be a whole number from 1 to 50');
  return runs;
}

function parseOnly(text: string): Set<SourceId> {
  const names = text.split(',').map((x) => x.trim());
  for (const name of names)
    if (!(ALL_SOURCES as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown source '${name}'`);
  return new Set(names as SourceId[]);
}

export function parseOptions(argv: string[]): BenchOptions {
  const program = new Program('npm run bench --')
    .description('benchmark of perf-monitor: every source on generated datasets, next to the floor and the naive baseline')
    .option('--sizes <list>', 'operations per window, comma-separated (default: 10k,100k,1m)', (v) => v.split(',').map(parseSize))
    .option('--large', 'add the rollup case: 60 days x 1M operations a day in PostgreSQL (10M per window: --sizes ...,10m)')
    .option('--rollup-days <n>', 'days of data in the rollup case, even (default: 60)', parseDays)
    .option('--rollup-per-day <size>', 'operations a day in the rollup case (default: 1m; 100k with --rollup-shape many)', parseSize)
    .option(
      '--rollup-shape <shape>',
      "the rollup case's operations: default (8 services, 22 operations) or many (7 x 23 = 161)",
      parseShape,
    )
    .option('--no-rollup-exact', "skip the rollup case's --exact rows (each takes minutes at 60 days x 1M)")
    .option('--runs <n>', 'measured runs per source, after one warm-up (default: 3)', parseRuns)
    .option('--only <list>', `sources, comma-separated (default: all): ${ALL_SOURCES.join(',')}`, parseOnly)
    .option('--out <file>', 'where the results JSON goes (default: bench/results/latest.json)')
    .option('--data-dir <dir>', 'keep the generated datasets there and reuse them (default: a temporary dir)')
    .allowExcessArguments(false)
    .showHelpAfterError('(npm run bench -- --help lists the options)')
    .configureOutput({ outputError: (text, write) => write(`bench: ${text.replace(/^error: /, '')}`) })
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    process.exit(error instanceof CommanderError && error.exitCode === 0 ? 0 : 2);
  }
  const o = program.opts<{
    sizes?: number[];
    large?: boolean;
    runs?: number;
    only?: Set<SourceId>;
    out?: string;
    dataDir?: string;
    rollupDays?: number;
    rollupPerDay?: number;
    rollupShape?: 'default' | 'many';
    rollupExact?: boolean;
  }>();
  const large = o.large ?? false;
  const sizes = o.sizes ?? [10_000, 100_000, 1_000_000];
  return {
    rollup: o.only ? o.only.has('rollup') : large,
    rollupDays: o.rollupDays ?? 60,
    rollupPerDay: o.rollupPerDay ?? (o.rollupShape === 'many' ? 100_000 : 1_000_000),
    rollupShape: o.rollupShape ?? 'default',
    rollupExact: o.rollupExact ?? true,
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    large,
    runs: o.runs ?? 3,
    only: o.only ?? new Set(ALL_SOURCES),
    out: o.out ?? DEFAULT_OUT,
    dataDir: o.dataDir ?? null,
  };
}
