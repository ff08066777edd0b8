// Notices of a live view (docs/live.md): a refresh says what a one-shot run would, but a line
// the previous refresh already printed is not printed again (no stderr flood every interval);
// while the terminal view owns the screen, lines are held for its status area and printed after.
import type { Notices } from '../base/notices.js';

export class LiveNotices implements Notices {
  private previous = new Set<string>();
  private current = new Set<string>();
  /** Set while the terminal view draws: it shows the last line itself. */
  private held: string[] | null = null;
  /** The last line, for the terminal's status area. */
  last: string | null = null;

  constructor(private readonly out: Notices) {}

  /** A refresh begins: lines of the one before are not repeated. */
  beginRefresh(): void {
    this.previous = this.current;
    this.current = new Set();
  }

  hold(): void {
    this.held ??= [];
  }

  /** Prints what was held (the terminal is restored). */
  release(): void {
    const lines = this.held ?? [];
    this.held = null;
    for (const line of lines) this.out.line(line);
  }

  line(text: string): void {
    this.current.add(text);
    if (this.previous.has(text)) return;
    this.last = text;
    if (this.held === null) this.out.line(text);
    else if (this.held.push(text) > 200) this.held.shift();
  }

  progress(text: string): void {
    if (this.held === null) this.out.progress(text);
  }

  endProgress(): void {
    if (this.held === null) this.out.endProgress();
  }

  clearProgress(): void {
    if (this.held === null) this.out.clearProgress();
  }
}
