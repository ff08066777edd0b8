// Writes sql/rollup.sql from sources/sql/rollup.ts and sql/aggregate.sql:
// `npx tsx tools/performance-monitoring/sources/sql/build-rollup.ts`.
import { writeFileSync } from 'node:fs';
import { ROLLUP_FILE, rollupSql } from './rollup.js';

writeFileSync(ROLLUP_FILE, rollupSql());
process.stderr.write(`wrote ${ROLLUP_FILE.pathname}\n`);
