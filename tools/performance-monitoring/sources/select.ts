// Which source answers (SPEC §1): --source forces one; else demo, file, supabase, postgres in order.
import { envValue } from '../config.js';
import { UsageError } from '../errors.js';
import type { Options } from '../cli/validate.js';
import type { SourceKind } from './types.js';

export const NO_SOURCE_MESSAGE = [
  'no data source. Use --demo for a generated week of demo operations,',
  '  or --input FILE... to analyse log files (.ndjson, .jsonl, .json, .csv, .parquet),',
  '  or set SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY, or DATABASE_URL (environment or .env; see .env.example).',
].join('\n');

export function chooseSourceKind(options: Options, env: NodeJS.ProcessEnv): SourceKind {
  const hasSupabase = envValue(env, 'SUPABASE_URL') !== undefined && envValue(env, 'SUPABASE_SERVICE_ROLE_KEY') !== undefined;
  const hasPostgres = envValue(env, 'DATABASE_URL') !== undefined;
  if (options.source !== null) {
    if (options.source === 'supabase' && !hasSupabase) {
      throw new UsageError('--source supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (environment or .env)');
    }
    if (options.source === 'postgres' && !hasPostgres) throw new UsageError('--source postgres needs DATABASE_URL (environment or .env)');
    return options.source;
  }
  if (options.demo) return 'demo';
  if (options.input.length > 0) return 'file';
  if (hasSupabase) return 'supabase';
  if (hasPostgres) return 'postgres';
  throw new UsageError(NO_SOURCE_MESSAGE);
}

/** Who the data belongs to, without secrets: alert state is kept per source identity. */
export function sourceIdentity(kind: SourceKind, options: Options, env: NodeJS.ProcessEnv): string {
  switch (kind) {
    case 'demo':
      return 'demo';
    case 'file':
      return `file:${[...options.input].sort().join(',')}`;
    case 'supabase':
      return `supabase:${hostOf(envValue(env, 'SUPABASE_URL'))}`;
    case 'postgres':
      return `postgres:${hostOf(envValue(env, 'DATABASE_URL'))}`;
  }
}

function hostOf(url: string | undefined): string {
  try {
    const parsed = new URL(url ?? '');
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'unknown';
  }
}
