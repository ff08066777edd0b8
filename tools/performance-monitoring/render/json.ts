// JSON output: one object per report-schema.json, for jq, cron jobs and dashboards.
import type { Report } from '../metrics/report-types.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
