#!/usr/bin/env node
// The `perf-monitor` command (package.json `bin`): runs the tool in this process from any
// directory (signals reach the tool itself: no npx or shell in between). It runs the build in
// dist/ when it is fresh (`npm ci` makes it), else the TypeScript source through tsx's loader.
import { fileURLToPath } from 'node:url';
import { buildIsFresh } from './fresh.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

if (buildIsFresh(root)) {
  await import('../dist/monitor.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../monitor.ts');
}
