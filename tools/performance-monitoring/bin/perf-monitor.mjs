#!/usr/bin/env node
// The `perf-monitor` command (package.json `bin`): runs monitor.ts in this process through tsx's
// loader, resolved from this file, so it works from any directory, after `npm ci --omit=dev`
// too, and signals reach the tool itself (no npx or shell in between).
import { register } from 'tsx/esm/api';

register();
await import('../monitor.ts');
