// Builds the source its settings name; each is imported on demand, so only its client library loads.
import type { Notices } from '../base/notices.js';
import type { SourceSettings } from './settings.js';
import type { Source } from './types.js';

/** `live`: the source is kept open across refreshes (--watch, --serve): files are then tailed,
 *  read only where they grew (docs/live.md). */
export async function createSource(settings: SourceSettings, notices: Notices, options: { live?: boolean } = {}): Promise<Source> {
  const notice = (line: string) => notices.line(line);
  switch (settings.kind) {
    case 'demo': {
      const { DemoSource } = await import('./demo.js');
      return new DemoSource();
    }
    case 'file': {
      if (options.live) {
        const { TailingFileSource } = await import('./file/tail.js');
        return new TailingFileSource(settings, notice);
      }
      const { FileSource } = await import('./file/source.js');
      return new FileSource(settings, notice);
    }
    case 'postgres': {
      const { PostgresSource } = await import('./postgres.js');
      return new PostgresSource(settings.url, settings.table, settings.timeoutMs, settings.rollups, notice, options.live === true);
    }
    case 'supabase': {
      const { SupabaseSource } = await import('./supabase/source.js');
      const progress = (line: string, done: boolean) => {
        notices.progress(line);
        if (done) notices.endProgress();
      };
      return new SupabaseSource(
        { url: settings.url, key: settings.key, table: settings.table, timeoutMs: settings.timeoutMs, rollups: settings.rollups, progress },
        notice,
      );
    }
  }
}
