// The command line: options and help text (SPEC §7). Parsing only; validate.ts checks values.
import { Command, Option } from 'commander';
import { FORMATS, RENDERERS } from '../render/registry.js';
import { escaped } from '../text/safe-text.js';

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
  assert?: string[];
  baseline?: string;
  regression?: string;
  color: boolean;
  output?: string;
  compact?: boolean;
  refreshRollups?: boolean;
  exact?: boolean;
}

export const VERSION = '1.0.0';
/** The command as a user types it from the repository root. */
export const COMMAND = 'npx tsx tools/performance-monitoring/monitor.ts';

const AFTER_HELP = `
Examples: (monitor.ts = ${COMMAND})
  monitor.ts --demo                        report on generated demo data
  monitor.ts --hours 168                   last 7 days from Supabase/PostgreSQL
  monitor.ts --service hubspot --threshold 1000
  monitor.ts --format json | jq .healthScore
  monitor.ts --input logs.ndjson --until 2025-11-20T10:00:00Z
  monitor.ts --hours 1 --alert --fail-under 70   cron job with alerts
  monitor.ts --assert 'p95Duration<1500' --assert 'api.errorRate<2'   CI gate
  monitor.ts --format json > before.json   before a deploy; after it:
  monitor.ts --baseline before.json        exit 3 on a regression

Data: --demo, --input FILE..., or SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY, or
DATABASE_URL, from the environment or .env (see .env.example).
Also read: PERFMON_TABLE (default integration_logs), PERFMON_TIMEOUT_MS (30000),
PERFMON_STATE_DIR (.perfmon); alerts: SLACK_WEBHOOK_URL, EMAIL_HOST, EMAIL_PORT,
EMAIL_USER, EMAIL_PASS, EMAIL_FROM, EMAIL_TO; NO_COLOR.
Exit codes: 0 report printed, 1 runtime failure, 2 usage or configuration error,
3 a gate failed (--fail-under, --assert, --baseline), 4 an alert could not be
delivered.
Documentation: tools/performance-monitoring/README.md`;

/** An option whose default is shown as written (`(default: 24)`, not `(default: "24")`). */
const withDefault = (flags: string, description: string, value: string) => new Option(flags, description).default(value, value);

export function buildProgram(): Command {
  return new Command(COMMAND)
    .description('Performance report for operation logs (integration_logs): RED metrics,\ntrends, health score, alerts.')
    .version(VERSION, '-V, --version')
    .option('--service <name>', 'one service only (hubspot, n8n, ...)')
    .addOption(withDefault('--hours <n>', 'window length, hours (> 0, <= 8760)', '24'))
    .addOption(withDefault('--threshold <ms>', 'response-time threshold, ms (1-3600000)', '2000'))
    .addOption(withDefault('--format <type>', `output: ${FORMATS.map((f) => `${f} ${RENDERERS[f].description}`).join('; ')}`, 'text'))
    .option('--alert', 'send Slack/e-mail alerts when conditions hold')
    .addOption(withDefault('--alert-repeat <duration>', 're-send a still-firing alert after this long', '4h'))
    .addOption(withDefault('--alert-for <duration>', 'send once a condition held this long', '0'))
    .addOption(withDefault('--alert-keep-firing <duration>', 'resolve once it stopped holding this long', '15m'))
    .option('--alert-silence <key=duration...>', 'mute a condition key or prefix*, e.g. service_degrading:n8n=2h')
    .option('--until <iso>', 'window end, ISO-8601 (default: now)')
    .option('--demo', 'use generated demo data')
    .option('--input <file...>', 'log files (.ndjson .jsonl .json .csv .parquet; - = stdin)')
    .option('--input-format <format>', 'format of --input -: ndjson or csv')
    .addOption(new Option('--source <kind>', 'force a source: demo, file, supabase or postgres'))
    .option('--fail-under <score>', 'exit 3 when the health score is below this (or null)')
    .option('--output <file>', 'write the report to this file atomically (temp + rename), not stdout')
    .option('--compact', 'with --format json: one line, for appending to a log')
    .option('--assert <expr...>', 'exit 3 unless [service.]metric op number holds, e.g. p95Duration<1500')
    .option('--baseline <report.json>', 'compare with a saved --format json report; exit 3 on a regression')
    .option('--regression <pct>', 'with --baseline: p95/avg worse by more than this is a regression (default: 10)')
    .option('--exact', 'read raw rows even where the hourly rollups (sql/rollup.sql) cover the window: exact percentiles, slower')
    .option('--refresh-rollups', 'with DATABASE_URL: refresh the hourly rollups (sql/rollup.sql) up to the last complete hour, no report')
    .option('--no-color', 'no ANSI colours (also NO_COLOR; never when not a terminal)')
    .addHelpText('after', AFTER_HELP)
    .configureHelp({ helpWidth: 80 })
    // Stray words are refused by validate.ts with a hint, not by commander's bare message.
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({
      // Commander's errors can span lines (suggestions); SPEC §7 wants one line.
      writeErr: (text) => process.stderr.write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
      // Control characters of a mistyped option never reach the terminal.
      outputError: (text, write) => write(`${escaped(text.trimEnd().replace(/^error: /, 'perf-monitor: '))}\n`),
    });
}
