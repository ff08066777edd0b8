// --watch on a real pseudo-terminal (harness/pty-run.py, Debian's /usr/bin/python3 and its pty
// module): it enters the alternate screen, draws the report and a status line, redraws at each
// refresh and on resize (to the new width), quits on `q` and on SIGTERM with exit 0, and leaves
// the terminal as it found it (main screen, cursor shown, echo and line mode back), also when it
// crashes (an uncaught exception while drawing, from a module preloaded by the test).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTROLLED, emptyDir, MONITOR, TSX_LOADER } from '../harness/cli.js';
import { eventually } from '../harness/live.js';
import { systemPython } from '../harness/system.js';

const PTY = fileURLToPath(new URL('../harness/pty-run.py', import.meta.url));
const ENTER = '\u001b[?1049h';
const LEAVE = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';

const CRASH = fileURLToPath(new URL('./fixtures/crash-after-draw.mjs', import.meta.url));

function watch(cols: number, rows: number, preload: string[] = []) {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', LANG: 'C.UTF-8' };
  for (const name of CONTROLLED.filter((n) => n !== 'LANG')) delete env[name];
  const child = spawn(
    systemPython(),
    [
      PTY,
      String(cols),
      String(rows),
      '--',
      process.execPath,
      ...preload,
      '--import',
      TSX_LOADER,
      MONITOR,
      '--demo',
      '--watch',
      '--interval',
      '1s',
    ],
    { cwd: emptyDir(), env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let screen = '';
  let stderr = '';
  child.stdout.setEncoding('latin1').on('data', (chunk: string) => (screen += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    screen: () => Buffer.from(screen, 'latin1').toString('utf8'),
    send: (line: string) => child.stdin.write(`${line}\n`),
    /** `EXIT <code> TERMIOS <same|changed>` once the child is gone. */
    result: async () => {
      await closed;
      return /EXIT (-?\d+) TERMIOS (\w+)/.exec(stderr)?.slice(1) ?? [stderr];
    },
  };
}

/** Frames drawn so far: each starts with the cursor home inside a synchronized update. */
const frames = (screen: string) => screen.split('\u001b[?2026h\u001b[H').length - 1;

describe('--watch on a terminal', () => {
  it('draws, redraws, follows a resize, and quits on q with the terminal restored', async () => {
    const term = watch(100, 30);
    await eventually('the report drawn', 30_000, () => (term.screen().includes('OVERALL METRICS') ? true : undefined));
    const screen = term.screen();
    expect(screen.startsWith(ENTER)).toBe(true);
    expect(screen).toMatch(/updated \d\d:\d\d:\d\d UTC · (next in \d+s|refreshing…)/);
    expect(screen).toContain('source demo');
    // The status line sits on the last row (30).
    expect(screen).toContain('\u001b[30;1H\u001b[7mupdated');
    const drawn = frames(screen);
    await eventually('redrawn by later refreshes', 8_000, () => (frames(term.screen()) >= drawn + 3 ? true : undefined));

    // Narrower: the report is rendered again for 60 columns and the status line moves to row 20.
    term.send('resize 60 20');
    await eventually('drawn for the new size', 5_000, () => (term.screen().includes('\u001b[20;1H\u001b[7m') ? true : undefined));

    term.send('keys q');
    const [code, termios] = await term.result();
    expect([code, termios]).toEqual(['0', 'same']);
    const end = term.screen();
    expect(end.lastIndexOf(LEAVE)).toBeGreaterThan(end.lastIndexOf(ENTER));
    expect(end.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(end.lastIndexOf(ENTER));
  }, 60_000);

  it('quits on SIGTERM with exit 0 and the terminal restored', async () => {
    const term = watch(80, 24);
    await eventually('the report drawn', 30_000, () => (term.screen().includes('OVERALL METRICS') ? true : undefined));
    term.send('signal TERM');
    const [code, termios] = await term.result();
    expect([code, termios]).toEqual(['0', 'same']);
    const end = term.screen();
    expect(end.lastIndexOf(LEAVE)).toBeGreaterThan(end.lastIndexOf(ENTER));
  }, 60_000);

  it('restores the terminal on a crash, then prints one line and exits 1', async () => {
    const term = watch(80, 24, ['--import', CRASH]);
    // Once drawn, the next write (the status line's 1 s tick at the latest) throws.
    const [code, termios] = await term.result();
    const end = term.screen();
    expect(end).toContain('OVERALL METRICS');
    expect([code, termios]).toEqual(['1', 'same']);
    // Restored after the last frame: the synchronized update ended, attributes reset, main
    // screen, cursor shown.
    const leave = end.lastIndexOf(LEAVE);
    expect(leave).toBeGreaterThan(end.lastIndexOf(ENTER));
    expect(end.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(end.lastIndexOf(ENTER));
    expect(end.lastIndexOf('\u001b[?2026l')).toBeGreaterThan(end.lastIndexOf('\u001b[?2026h'));
    // Then, on the main screen, the cause in one line (docs/live.md) and nothing else of it.
    const after = end.slice(leave + LEAVE.length).replace(/\r/g, '');
    const errors = after.split('\n').filter((line) => line.includes('unexpected error'));
    expect(errors).toEqual(["perf-monitor: unexpected error: Cannot read properties of undefined (reading 'p95')"]);
    expect(after).not.toContain('    at ');
  }, 60_000);
});
