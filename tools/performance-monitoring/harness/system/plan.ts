// Pure planning of the set-up step: what is missing and who we are -> install, tell, or nothing.
//
// Every line the set-up step prints about packages is made here, so its test can expect exact
// strings without a machine to install on.
import type { Missing } from './probe.js';

export interface Identity {
  /** uid 0: apt-get runs directly. */
  readonly root: boolean;
  /** `sudo -n true` succeeds: apt-get runs through `sudo -n`. */
  readonly passwordlessSudo: boolean;
}

export type Plan =
  | { readonly action: 'nothing' }
  | { readonly action: 'install'; readonly packages: readonly string[]; readonly sudo: boolean; readonly line: string }
  | { readonly action: 'tell'; readonly line: string };

export const PREFIX = 'test set-up: ';

/** Packages to install, each once, in declaration order (two components may share one). */
export function packagesFor(missing: readonly Missing[]): string[] {
  return [...new Set(missing.map((m) => m.debianPackage))];
}

/** The command a user without root or sudo rights is told to run. */
export function manualCommand(packages: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/**
 * Nothing missing: nothing to do (and the identity is never asked for). Root or passwordless
 * sudo: install, with the line to print (`would install` in a dry run). Otherwise: one line
 * naming the exact command to run.
 */
export function planSetup(missing: readonly Missing[], identity: () => Identity, dryRun: boolean): Plan {
  if (missing.length === 0) return { action: 'nothing' };
  const packages = packagesFor(missing);
  const names = missing.map((m) => m.component.name).join(', ');
  const who = identity();
  if (!who.root && !who.passwordlessSudo) {
    return {
      action: 'tell',
      line: `${PREFIX}missing ${names}, and not root nor passwordless sudo to install them; run: ${manualCommand(packages)}`,
    };
  }
  const sudo = !who.root;
  const verb = dryRun ? 'would install' : 'installing';
  const how = sudo ? ' with sudo' : '';
  return { action: 'install', packages, sudo, line: `${PREFIX}${verb} Debian packages${how}: ${packages.join(' ')} (for ${names})` };
}
