// The session settings a report's read runs with, shared by the client's connection (postgres.ts)
// and the installed functions (rpc.ts, the rollup refresh): a module of its own, so the
// PostgreSQL path does not load the RPC's generator to learn one value.

/** work_mem for a report's read (the RPC's, and postgres.ts's connection): at the 4 MB default the
 *  rollup read's hash aggregates spill to sorts, 2-3x slower. A function's SET clause PostgreSQL
 *  applies itself, whatever PostgREST hoists. */
export const READ_WORK_MEM = '64MB';
