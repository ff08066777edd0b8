// Colour only on a terminal, and never with --no-color or NO_COLOR (docs/cli.md). The terminal is a
// real pseudo-terminal from util-linux `script`.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MONITOR, TSX_LOADER } from '../harness/cli.js';

const ESC = '\u001b[';

/** A developer's FORCE_COLOR, or CI's CI=true (Node's hasColors says no colours under an
 *  unknown CI), would decide for the terminal. */
function withoutForceColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _forced, CI: _ci, ...rest } = env;
  return rest;
}

function onTerminal(args: string, env: Record<string, string> = {}): string {
  const command = `${JSON.stringify(process.execPath)} --import ${TSX_LOADER} ${MONITOR} --demo --until 2025-11-20T10:00:00Z ${args}`;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    timeout: 120_000,
    // A terminal that shows colours (TERM as a terminal emulator sets it; CI has none).
    env: { ...withoutForceColor(process.env), NO_COLOR: '', TERM: 'xterm-256color', ...env },
  });
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('colour', () => {
  it('is used on a terminal', () => {
    const out = onTerminal('');
    expect(out).toContain('PERFORMANCE MONITORING REPORT');
    expect(out).toContain(ESC);
  });

  it('is off with --no-color, with NO_COLOR, and for JSON', () => {
    expect(onTerminal('--no-color')).not.toContain(ESC);
    expect(onTerminal('', { NO_COLOR: '1' })).not.toContain(ESC);
    expect(onTerminal('--format json')).not.toContain(ESC);
  });

  it('follows what the terminal can show (TERM=dumb: none; FORCE_COLOR=0: none)', () => {
    expect(onTerminal('', { TERM: 'dumb' })).not.toContain(ESC);
    expect(onTerminal('', { FORCE_COLOR: '0' })).not.toContain(ESC);
  });
});
