// The typed settings of one run (taze's resolveConfig result), resolved once at start by
// cli/resolve.ts from the options, the environment and `.env`; and the windows they name.
import type { AlertConfig } from './alerts/config.js';
import type { GateSettings } from './gates/types.js';
import type { SloSpec } from './metrics/slo-spec.js';
import type { Format } from './render/registry.js';
import type { SourceSettings } from './sources/settings.js';
import type { AggregateQuery } from './sources/types.js';

export interface ReportSettings {
  /** The --service set, duplicates dropped, in the order given; null for all services. */
  services: string[] | null;
  hours: number;
  threshold: number;
  /** Window end; null for "now". */
  until: Date | null;
  format: Format;
  /** ANSI colours in the text report. */
  color: boolean;
  /** --output file; null: stdout. */
  output: string | null;
  /** --compact JSON. */
  compact: boolean;
  /** Terminal columns for the text report's sparklines. */
  width: number;
  /** Block characters in the sparklines: a UTF-8 locale. */
  unicode: boolean;
}

/** `--serve [host:]port`. */
export interface ServeAddress {
  host: string;
  port: number;
}

/** --watch and --serve (docs/live.md); null for a one-shot run. */
export interface LiveSettings {
  watch: boolean;
  serve: ServeAddress | null;
  intervalMs: number;
  /** A refresh not done by then is abandoned and counted as failed (PERFMON_TIMEOUT_MS). */
  refreshTimeoutMs: number;
  /** PERFMON_SERVE_TOKEN: every request needs `Authorization: Bearer <token>`; null: no auth. */
  token: string | null;
  /** stdout is a terminal (the alternate-screen view) rather than a pipe or file (one report per refresh). */
  terminal: boolean;
  /** ANSI colours on that terminal (--no-color, NO_COLOR), whether or not --output is given. */
  color: boolean;
}

export interface Settings {
  report: ReportSettings;
  source: SourceSettings;
  /** null without --alert. */
  alerts: AlertConfig | null;
  /** --fail-under, --assert, --baseline (docs/gates.md). */
  gates: GateSettings;
  /** Names the data (source identity and the --service set), for alert state. */
  scope: string;
  /** Every secret the run knows of, for the redactor. */
  secrets: string[];
  /** --slo (or PERFMON_SLOS) and --slo-period (docs/slos.md); no specs: no SLO read. */
  slos: { specs: SloSpec[]; periodMs: number };
  /** --refresh-rollups: refresh the rollups instead of a report. */
  refreshRollups: boolean;
  live: LiveSettings | null;
}

const HOUR_MS = 3_600_000;

/** The two windows of docs/cli.md ending at --until or `now`. */
export function windowQuery(report: ReportSettings, now: Date): AggregateQuery {
  const end = report.until ?? now;
  const span = Math.round(report.hours * HOUR_MS);
  return {
    start: new Date(end.getTime() - span),
    end,
    previousStart: new Date(end.getTime() - 2 * span),
    services: report.services,
    threshold: report.threshold,
  };
}
