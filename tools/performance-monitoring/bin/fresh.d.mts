// Types of fresh.mjs for the TypeScript tests that import it.
/** `root`: tools/performance-monitoring/. True when dist/monitor.js exists and is not older than any source file. */
export function buildIsFresh(root: string): boolean;
