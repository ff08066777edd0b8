// Writes sql/rpc.sql from sql/aggregate.sql: `npm run sql:rpc`.
import { writeFileSync } from 'node:fs';
import { RPC_FILE, rpcSql } from './rpc.js';

writeFileSync(RPC_FILE, rpcSql());
process.stderr.write(`wrote ${RPC_FILE.pathname}\n`);
