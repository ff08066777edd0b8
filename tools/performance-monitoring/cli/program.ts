// The command line: options and help text (SPEC §7). Parsing only; validate.ts checks values.
import { Command, Option } from 'commander';
import { FORMATS, RENDERERS } from '../render/registry.js';

export interface RawOptions {
  service?: string;
  hours: string;
  threshold: string;
  format: string;
  alert?: boolean;
  alertRepeat?: string;
  alertFor?: string;
  alertKeepFiring?: string;
  alertSilence?: string[];
  until?: string;
  demo?: boolean;
  input?: string[];
  inputFormat?: string;
  source?: string;
  failUnder?: string;
  color: boolean;
}

export const VERSION = '1.0.0';

const EXAMPLES = `
Examples:
  $ monitor.ts --demo                                  report on generated demo data
  $ monitor.ts --hours 168                             last 7 days from Supabase/PostgreSQL
  $ monitor.ts --service hubspot --threshold 1000      one service, 1 s threshold
  $ monitor.ts --format json | jq .healthScore         health score for scripts
  $ monitor.ts --input logs.ndjson --until 2025-11-20T10:00:00Z
  $ monitor.ts --hours 1 --alert --fail-under 70       cron: alert, exit 3 when unhealthy

Data comes from --demo, --input FILE..., SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY, or
DATABASE_URL (environment or .env; see .env.example).
Exit codes: 0 report printed, 1 runtime failure, 2 usage or configuration error,
3 health score below --fail-under, 4 an alert could not be delivered.`;

export function buildProgram(): Command {
  return new Command('monitor.ts')
    .description('Performance report for operation logs (integration_logs): RED metrics, trends, health score, alerts.')
    .version(VERSION, '-V, --version')
    .option('--service <name>', 'one service only (hubspot, unleashed, n8n, ...)')
    .option('--hours <n>', 'window length in hours, > 0 and <= 8760', '24')
    .option('--threshold <ms>', 'response-time threshold, ms (1..3600000)', '2000')
    .addOption(
      new Option('--format <type>', `output format: ${FORMATS.map((f) => `${f} (${RENDERERS[f].description})`).join(', ')}`).default('text'),
    )
    .option('--alert', 'send Slack/e-mail alerts when conditions hold')
    .option('--alert-repeat <duration>', 're-send a still-firing alert after this long (30m, 4h, 1d)', '4h')
    .option('--alert-for <duration>', 'send a condition only once it has held this long (0 = at once)', '0')
    .option('--alert-keep-firing <duration>', 'resolve only after a condition has stopped holding this long', '15m')
    .option('--alert-silence <key=duration...>', 'mute a condition key (or prefix*) for a while, e.g. service_degrading:n8n=2h')
    .option('--until <iso>', 'window end, ISO-8601 (default: now)')
    .option('--demo', 'use generated demo data')
    .option('--input <file...>', 'analyse log files (.ndjson, .jsonl, .json, .csv, .parquet; - for stdin)')
    .option('--input-format <format>', 'format of --input - (stdin) or of files without a known extension: ndjson or csv')
    .addOption(new Option('--source <kind>', 'force a source: demo, file, supabase or postgres'))
    .option('--fail-under <score>', 'exit 3 when the health score is below this (or null)')
    .option('--no-color', 'no ANSI colours (also NO_COLOR, or when stdout is not a terminal)')
    .addHelpText('after', EXAMPLES)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      // Commander's errors can span lines (suggestions); SPEC §7 wants one line.
      writeErr: (text) => process.stderr.write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
      outputError: (text, write) => write(text.replace(/^error: /, 'perf-monitor: ')),
    });
}
