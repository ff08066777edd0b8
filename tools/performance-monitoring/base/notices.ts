// The one notice sink: every line the tool prints on stderr passes here, gets the
// `perf-monitor: ` prefix once and has its secrets redacted. A progress line (TTY only) is
// rewritten in place and cleared before anything else is printed.
import { redact } from './redact.js';

export interface Notices {
  /** One line for stderr (a notice, a warning, an error). */
  line(text: string): void;
  /** Replaces the current progress line; shown only on a terminal. */
  progress(text: string): void;
  /** Ends the progress line, if one is shown. */
  endProgress(): void;
  /** Erases the progress line, if one is shown: what follows takes its place. */
  clearProgress(): void;
}

export interface NoticeTarget {
  write(text: string): void;
  isTty: boolean;
  secrets: string[];
}

const PREFIX = 'perf-monitor: ';
/** Erase to the end of the line: a shorter progress text never leaves the tail of a longer one. */
const CLEAR_TO_END = '\u001b[K';

export function createNotices(target: NoticeTarget): Notices {
  let showing = false;
  const safe = (text: string) => redact(text, target.secrets);
  const endProgress = () => {
    if (showing) target.write('\n');
    showing = false;
  };
  return {
    line(text) {
      endProgress();
      target.write(`${PREFIX}${safe(text)}\n`);
    },
    progress(text) {
      if (!target.isTty) return;
      target.write(`\r${PREFIX}${safe(text)}${CLEAR_TO_END}`);
      showing = true;
    },
    endProgress,
    clearProgress() {
      if (showing) target.write(`\r${CLEAR_TO_END}`);
      showing = false;
    },
  };
}
