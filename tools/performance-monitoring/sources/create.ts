// Builds the chosen source; each is imported on demand, so only its client library loads.
import type { Options } from '../cli/validate.js';
import type { Source, SourceKind } from './types.js';

export interface SourceContext {
  options: Options;
  env: NodeJS.ProcessEnv;
  /** One line for stderr (notices, progress). */
  notice: (line: string) => void;
}

export async function createSource(kind: SourceKind, context: SourceContext): Promise<Source> {
  switch (kind) {
    case 'demo': {
      const { DemoSource } = await import('./demo.js');
      return new DemoSource();
    }
    case 'file': {
      const { FileSource } = await import('./file.js');
      return new FileSource({ paths: context.options.input, inputFormat: context.options.inputFormat }, context.notice);
    }
    case 'postgres': {
      const { PostgresSource } = await import('./postgres.js');
      return PostgresSource.fromEnv(context.env);
    }
    case 'supabase': {
      const { SupabaseSource } = await import('./supabase.js');
      return SupabaseSource.fromEnv(context.env, context.notice);
    }
  }
}
