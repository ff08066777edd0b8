// --watch on a terminal (docs/live.md): the alternate screen, redrawn in place at each refresh,
// on resize and every second (the status line's clock); keys: q and Ctrl-C quit, arrows/j/k and
// PgUp/PgDn/space scroll, r refreshes now. The terminal is always restored: on quit, on SIGTERM,
// on a crash, and on any exit (a synchronous write in process 'exit').
import { writeSync } from 'node:fs';
import type { ReadStream, WriteStream } from 'node:tty';
import type { LiveState } from './loop.js';
import { ESC, frame, statusLine } from './screen.js';

export interface TerminalOptions {
  input: ReadStream;
  output: WriteStream;
  /** output's descriptor, for the synchronous restore. */
  outputFd: number;
  /** The report in --format at this many columns. */
  render: (width: number) => Promise<string>;
  source: string;
  /** The last notice (redacted), shown above the status line. */
  notice: () => string | null;
  onQuit: () => void;
  onRefresh: () => void;
}

export class TerminalView {
  private lines: string[] = ['Waiting for the first report…'];
  private top = 0;
  private active = false;
  private tick: NodeJS.Timeout | undefined;
  private renderedSeq = -1;
  private readonly onResize = () => void this.rerender();
  private readonly onKey = (data: Buffer) => this.key(data.toString('latin1'));
  private readonly onExit = () => this.restore();

  constructor(
    private readonly state: LiveState<unknown>,
    private readonly options: TerminalOptions,
  ) {}

  start(): void {
    const { input, output } = this.options;
    this.active = true;
    output.write(ESC.enter);
    process.on('exit', this.onExit);
    if (input.isTTY) input.setRawMode(true);
    input.on('data', this.onKey);
    input.resume();
    output.on('resize', this.onResize);
    this.tick = setInterval(() => this.draw(), 1000);
    this.draw();
  }

  /** A refresh ended: render the new report (if any) and redraw. */
  async update(): Promise<void> {
    if (this.state.reportSeq !== this.renderedSeq) await this.rerender();
    else this.draw();
  }

  /** Leaves the alternate screen, shows the cursor, gives the keyboard back. Idempotent, synchronous. */
  restore(): void {
    if (!this.active) return;
    this.active = false;
    clearInterval(this.tick);
    const { input, output } = this.options;
    output.off('resize', this.onResize);
    input.off('data', this.onKey);
    try {
      if (input.isTTY) input.setRawMode(false);
    } catch {
      // stdin already gone: nothing to give back.
    }
    input.pause();
    process.off('exit', this.onExit);
    // Synchronous: this also runs from process 'exit' and after a crash, where a stream write would be lost.
    writeSync(this.options.outputFd, `${ESC.syncEnd}${ESC.reset}${ESC.leave}`);
  }

  private async rerender(): Promise<void> {
    if (this.state.report === null) return this.draw();
    const seq = this.state.reportSeq;
    const text = await this.options.render(this.options.output.columns || 80);
    this.renderedSeq = seq;
    this.lines = text.replace(/\n$/, '').split('\n');
    this.top = Math.min(this.top, Math.max(0, this.lines.length - 1));
    this.draw();
  }

  private draw(): void {
    if (!this.active) return;
    const rows = this.options.output.rows || 24;
    const status = statusLine(this.state, Date.now(), this.options.source);
    this.options.output.write(frame(this.lines, this.top, rows, status, this.options.notice()));
  }

  private key(keys: string): void {
    const page = Math.max(1, (this.options.output.rows || 24) - 2);
    const scroll = (by: number) => {
      this.top = Math.max(0, Math.min(this.lines.length - 1, this.top + by));
      this.draw();
    };
    if (keys === 'q' || keys === 'Q' || keys === '\u0003' || keys === '\u0004') this.options.onQuit();
    else if (keys === 'r' || keys === 'R') this.options.onRefresh();
    else if (keys === 'j' || keys === '\u001b[B') scroll(1);
    else if (keys === 'k' || keys === '\u001b[A') scroll(-1);
    else if (keys === ' ' || keys === '\u001b[6~') scroll(page);
    else if (keys === 'b' || keys === '\u001b[5~') scroll(-page);
    else if (keys === 'g' || keys === '\u001b[H') scroll(-this.lines.length);
  }
}
