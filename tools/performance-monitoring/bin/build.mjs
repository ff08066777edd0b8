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
  entryPoints: [`${root}monitor.ts`],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
