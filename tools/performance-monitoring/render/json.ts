// JSON output: one object per report-schema.json, for jq, cron jobs and dashboards.
import type { Report } from '../report/types.js';

/** Indented, or one line with `compact` (for appending to a log file, one report a line). */
export function renderJson(report: Report, options: { compact?: boolean } = {}): string {
  return `${options.compact === true ? JSON.stringify(report) : JSON.stringify(report, null, 2)}\n`;
}
