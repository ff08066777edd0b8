// Writes sql/rollup.sql from sources/rollup-sql.ts and sql/aggregate.sql:
// `npx tsx tools/performance-monitoring/sql/build-rollup.ts`.
import { writeFileSync } from 'node:fs';
import { ROLLUP_FILE, rollupSql } from '../sources/rollup-sql.js';

writeFileSync(ROLLUP_FILE, rollupSql());
process.stderr.write(`wrote ${ROLLUP_FILE.pathname}\n`);
