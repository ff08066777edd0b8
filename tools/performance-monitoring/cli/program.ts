// The commander program, derived from the option table (options.ts): flags, help and defaults.
// Parsing only; read-options.ts turns what it parsed into typed Options.
import { Command, Option } from 'commander';
import { escaped } from '../text/safe-text.js';
import { flagOf, OPTIONS, type OptionName, type OptionSpec } from './options.js';

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

/** A commander Option for one entry of the table. Defaults stay raw text, shown as written
 *  (`(default: 24)`, not `(default: "24")`); read-options.ts parses them like a given value. */
function commanderOption(name: OptionName, spec: OptionSpec): Option {
  switch (spec.kind) {
    case 'switch':
    case 'negatable':
      return new Option(flagOf(name), spec.help);
    case 'list':
      return new Option(`${flagOf(name)} <${spec.arg}...>`, spec.help);
    case 'value': {
      const option = new Option(`${flagOf(name)} <${spec.arg}>`, spec.help);
      return spec.default === undefined ? option : option.default(spec.default, spec.default);
    }
  }
}

export function buildProgram(): Command {
  const program = new Command(COMMAND)
    .description('Performance report for operation logs (integration_logs): RED metrics,\ntrends, health score, alerts.')
    .version(VERSION, '-V, --version');
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) program.addOption(commanderOption(name, spec));
  return (
    program
      .addHelpText('after', AFTER_HELP)
      .configureHelp({ helpWidth: 80 })
      // Stray words are refused by read-options.ts with a hint, not by commander's bare message.
      .allowExcessArguments(true)
      .exitOverride()
      .configureOutput({
        // Commander's errors can span lines (suggestions); docs/cli.md wants one line.
        writeErr: (text) => process.stderr.write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
        // Control characters of a mistyped option never reach the terminal.
        outputError: (text, write) =>
          write(
            `${escaped(
              text
                .trim()
                .replace(/\s*\n\s*/g, ' ')
                .replace(/^error: /, 'perf-monitor: '),
            )}\n`,
          ),
      })
  );
}

/** Parses argv (throws CommanderError for help, version and parse errors) into the raw command line. */
export function parseCommandLine(program: Command, argv: string[]) {
  program.parse(argv);
  return {
    values: program.opts(),
    given: (name: OptionName) => program.getOptionValueSource(name) === 'cli',
    args: program.args,
  };
}
