// Test support: a saved demo report edited so that one service had no failures then. Two demo days
// are the same traffic (docs/gates.md: no regression between them); a baseline of 0% errors for
// `service` makes its real error rate now a significant rise, a regression to render.
import { readFileSync, writeFileSync } from 'node:fs';

export function withoutFailuresThen(file: string, service: string): void {
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    services: { service: string; operations: { failed: number }; errors: { errorRate: number | null } }[];
  };
  const entry = report.services.find((s) => s.service === service);
  if (!entry) throw new Error(`no service ${service} in ${file}`);
  entry.operations.failed = 0;
  entry.errors.errorRate = 0;
  writeFileSync(file, JSON.stringify(report));
}
