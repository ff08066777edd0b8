// Finds the declared system components on a machine, as seen through a SystemView.
//
// A view is where to look: `root` prefixes every absolute path probed (`/` on a real machine, a
// scratch dir in the set-up step's own test) and `path` is the PATH searched for executables.
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { COMPONENTS, type Component, DEBIAN_PG_MAJOR, FALLBACK_PG_MAJOR, PG_ROOT } from './components.js';

export interface SystemView {
  readonly root: string;
  readonly path: string;
}

/** A missing component and the Debian package that would bring it on this machine. */
export interface Missing {
  readonly component: Component;
  readonly debianPackage: string;
}

export function realView(env: NodeJS.ProcessEnv = process.env): SystemView {
  return { root: '/', path: env.PATH ?? '' };
}

function under(view: SystemView, absolute: string): string {
  return join(view.root, absolute);
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Major versions under /usr/lib/postgresql, highest first (`9.6` style too). */
function pgMajors(view: SystemView): string[] {
  const dir = under(view, PG_ROOT);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
}

function debianRelease(view: SystemView): string | null {
  try {
    const text = readFileSync(under(view, '/etc/os-release'), 'utf8');
    return /^VERSION_ID="?([^"\n]*)"?$/m.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * The PostgreSQL major version extensions must match: the highest one with a server installed,
 * else the one this Debian release's `postgresql` package would install.
 */
export function pgMajor(view: SystemView): string {
  const installed = pgMajors(view).find((v) => existsSync(under(view, `${PG_ROOT}/${v}/bin/initdb`)));
  if (installed) return installed;
  return DEBIAN_PG_MAJOR[debianRelease(view) ?? ''] ?? FALLBACK_PG_MAJOR;
}

function withPgMajor(text: string, view: SystemView): string {
  return text.includes('{pgMajor}') ? text.replaceAll('{pgMajor}', pgMajor(view)) : text;
}

/** Where the component is (a path under the view's root or on its PATH), or null. */
export function locate(component: Component, view: SystemView): string | null {
  const { detect } = component;
  if ('onPath' in detect) {
    const dirs = view.path.split(delimiter).filter((dir) => dir !== '');
    return dirs.map((dir) => join(dir, detect.onPath)).find(isExecutableFile) ?? null;
  }
  if ('file' in detect) {
    const file = under(view, withPgMajor(detect.file, view));
    return existsSync(file) ? file : null;
  }
  const files = pgMajors(view).map((v) => under(view, `${PG_ROOT}/${v}/${detect.inAnyPgMajor}`));
  return files.find((file) => existsSync(file)) ?? null;
}

/** How the component was looked for, for messages: `promtool on PATH`, `/usr/bin/chromium`. */
export function describeDetect(component: Component, view: SystemView): string {
  const { detect } = component;
  if ('onPath' in detect) return `${detect.onPath} on PATH`;
  if ('file' in detect) return withPgMajor(detect.file, view);
  return `${PG_ROOT}/*/${detect.inAnyPgMajor}`;
}

export function debianPackageOf(component: Component, view: SystemView): string {
  return withPgMajor(component.debianPackage, view);
}

/** Every declared component the view lacks, in declaration order. */
export function findMissing(view: SystemView, components: readonly Component[] = COMPONENTS): Missing[] {
  return components.filter((c) => locate(c, view) === null).map((c) => ({ component: c, debianPackage: debianPackageOf(c, view) }));
}
