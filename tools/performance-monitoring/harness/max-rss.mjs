// Test support, loaded into the CLI with NODE_OPTIONS=--import: at exit, writes the process's
// peak resident set size (KiB, from getrusage) to the file PERFMON_TEST_MAXRSS_FILE names.
// Plain JavaScript, because NODE_OPTIONS imports run before tsx's loader is registered.
import { writeFileSync } from 'node:fs';

const file = process.env.PERFMON_TEST_MAXRSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
