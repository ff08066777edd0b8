// Files the tool ships beside its code (sql/*.sql, render/html-assets/), found from the tool's
// folder. This module is one folder below it, as is the built bundle's (dist/), so the same
// `../` finds them whether the tool runs from source or from the build.

const TOOL_ROOT = new URL('../', import.meta.url);

/** A file of the tool, by its path from tools/performance-monitoring/. */
export function toolFile(path: string): URL {
  return new URL(path, TOOL_ROOT);
}
