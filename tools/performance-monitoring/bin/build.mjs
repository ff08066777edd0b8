#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` runs it): the tool bundled by esbuild into dist/,
// so bin/perf-monitor.mjs starts without compiling TypeScript at every run (docs/cli.md, "Start-up").
// Packages stay external (node_modules at run time); dynamic imports stay lazy (code splitting).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = `${root}dist`;

rmSync(outdir, { recursive: true, force: true });
await build({
  // The live refresh worker (live/remote.ts starts it from dist/live-worker.js) is an entry of its own.
  entryPoints: [`${root}monitor.ts`, { in: `${root}live/worker.ts`, out: 'live-worker' }],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
