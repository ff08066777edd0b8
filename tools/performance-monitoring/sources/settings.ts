// Which source answers, and its settings (docs/sources.md), resolved once from the options and the
// environment: --source forces one; else demo, file, supabase, postgres in that order. Every
// value a source needs is validated here, before anything connects.

import { envValue, stdinMaxBytes, timeoutMs } from '../base/env.js';
import { UsageError } from '../base/errors.js';
import { forMessage } from '../text/safe-text.js';
import type { FieldMapping } from './file/columns.js';
import type { TimeUnit } from './file/formats.js';
import { DEFAULT_TABLE, quoteTableName } from './sql/aggregate.js';
import type { InputFormat, SourceKind } from './types.js';
import { checkPostgresUrl, checkSupabaseUrl } from './url-checks.js';

export type SourceSettings =
  | { kind: 'demo' }
  | {
      kind: 'file';
      paths: string[];
      inputFormat: InputFormat | null;
      stdinMaxBytes: number;
      mappings: readonly FieldMapping[];
      timeUnit: TimeUnit;
      /** false with --exact: a live view then reads every kept row exactly (docs/live.md). */
      rollups: boolean;
    }
  | { kind: 'postgres'; url: URL; table: string; timeoutMs: number; rollups: boolean }
  | { kind: 'supabase'; url: URL; key: string; table: string; timeoutMs: number; rollups: boolean };

/** The options that choose a source. */
export interface SourceChoice {
  demo: boolean;
  input: string[];
  inputFormat: InputFormat | null;
  /** --map column=field (repeatable) and --time-unit: how files are read (docs/sources.md). */
  map: FieldMapping[];
  timeUnit: TimeUnit;
  source: SourceKind | null;
  /** --exact: never read the rollups. */
  exact: boolean;
}

export const NO_SOURCE_MESSAGE = [
  'no data source. Use --demo for a generated week of demo operations,',
  '  or --input FILE... to analyse log files (.ndjson, .jsonl, .json, .csv, .parquet),',
  '  or set SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY, or DATABASE_URL (environment or .env; see .env.example).',
].join('\n');

export function resolveSourceSettings(choice: SourceChoice, env: NodeJS.ProcessEnv): SourceSettings {
  switch (chooseSourceKind(choice, env)) {
    case 'demo':
      return { kind: 'demo' };
    case 'file':
      return {
        kind: 'file',
        paths: choice.input,
        inputFormat: choice.inputFormat,
        stdinMaxBytes: stdinMaxBytes(env),
        mappings: distinctMappings(choice.map),
        timeUnit: choice.timeUnit,
        rollups: !choice.exact,
      };
    case 'postgres':
      return { kind: 'postgres', url: postgresUrl(env), table: tableName(env), timeoutMs: timeoutMs(env), rollups: !choice.exact };
    case 'supabase':
      return {
        kind: 'supabase',
        url: supabaseUrl(env),
        key: envValue(env, 'SUPABASE_SERVICE_ROLE_KEY') ?? '',
        table: tableName(env),
        timeoutMs: timeoutMs(env),
        rollups: !choice.exact,
      };
  }
}

/** One --map per column: a second one for the same column is a mistake, not an override. */
function distinctMappings(mappings: FieldMapping[]): FieldMapping[] {
  const seen = new Set<string>();
  for (const { column } of mappings) {
    if (seen.has(column)) throw new UsageError(`--map ${column}=...: given twice; map each column once`);
    seen.add(column);
  }
  return mappings;
}

function chooseSourceKind(choice: SourceChoice, env: NodeJS.ProcessEnv): SourceKind {
  const hasSupabase = envValue(env, 'SUPABASE_URL') !== undefined && envValue(env, 'SUPABASE_SERVICE_ROLE_KEY') !== undefined;
  const hasPostgres = envValue(env, 'DATABASE_URL') !== undefined;
  if (choice.demo && choice.input.length > 0) {
    throw new UsageError('--demo and --input both name a source: use one (--demo for generated data, --input for files)');
  }
  if (choice.source === 'file' && choice.input.length === 0) throw new UsageError('--source file needs --input FILE...');
  if (choice.source !== null) {
    if (choice.source === 'supabase' && !hasSupabase) {
      throw new UsageError('--source supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (environment or .env)');
    }
    if (choice.source === 'postgres' && !hasPostgres) throw new UsageError('--source postgres needs DATABASE_URL (environment or .env)');
    return choice.source;
  }
  if (choice.demo) return 'demo';
  if (choice.input.length > 0) return 'file';
  if (hasSupabase) return 'supabase';
  if (hasPostgres) return 'postgres';
  throw new UsageError(NO_SOURCE_MESSAGE);
}

function tableName(env: NodeJS.ProcessEnv): string {
  const table = envValue(env, 'PERFMON_TABLE') ?? DEFAULT_TABLE;
  quoteTableName(table);
  return table;
}

function postgresUrl(env: NodeJS.ProcessEnv): URL {
  let url: URL;
  try {
    url = new URL(envValue(env, 'DATABASE_URL') ?? '');
  } catch {
    throw new UsageError('DATABASE_URL is not a URL (value hidden): expected postgres://user@host:5432/database with a password');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UsageError(
      `DATABASE_URL has scheme ${forMessage(url.protocol)}: expected postgres://user@host:5432/database with a password`,
    );
  }
  checkPostgresUrl(url);
  return url;
}

function supabaseUrl(env: NodeJS.ProcessEnv): URL {
  let url: URL;
  try {
    url = new URL(envValue(env, 'SUPABASE_URL') ?? '');
  } catch {
    throw new UsageError('SUPABASE_URL is not a URL: use https://<project>.supabase.co');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('SUPABASE_URL must start with https://');
  checkSupabaseUrl(url);
  return url;
}

/** Who the data belongs to, without secrets: the default alert scope (docs/alerting.md). Files are
 *  `file` whatever their names: a log rotated or renamed is the same system, and the same alerts. */
export function sourceIdentity(source: SourceSettings): string {
  switch (source.kind) {
    case 'demo':
      return 'demo';
    case 'file':
      return 'file';
    case 'supabase':
    case 'postgres':
      return `${source.kind}:${source.url.host}${source.url.pathname === '/' ? '' : source.url.pathname}`;
  }
}
