// Whether dist/ (bin/build.mjs) holds a build of the source as it is now: no TypeScript file of
// the tool is newer than the build. A stale build is never run: a checkout that changed a file
// runs from source until `npm run build` (or `npm ci`) builds again.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders that are not part of the tool's bundle. */
const NOT_BUNDLED = new Set(['dist', 'test', 'harness', 'bench', 'docs', 'grafana', 'sql', 'node_modules', 'bin']);

function newestSource(dir, top) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!(top && NOT_BUNDLED.has(entry.name))) newest = Math.max(newest, newestSource(join(dir, entry.name), false));
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(join(dir, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** `root`: tools/performance-monitoring/. True when dist/monitor.js exists and is not older than any source file. */
export function buildIsFresh(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', 'monitor.js')).mtimeMs;
  } catch {
    return false;
  }
  return newestSource(root, true) <= built;
}
