// Errors the user should see as one line, each with the exit code docs/cli.md gives it.

export const EXIT = {
  ok: 0,
  runtime: 1,
  usage: 2,
  failUnder: 3,
  alertFailed: 4,
  /** Ctrl-C (SIGINT) stopped `--refresh-rollups` between its steps: 128 + 2, as a shell reports it. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A message meant for the user, printed as one line on stderr, then exit with `exitCode`. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Bad flag, env or configuration: exit 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** Source unreachable, query failed: exit 1, no report. (An unusable --input path is a usage error.) */
export class RuntimeError extends UserError {
  constructor(message: string) {
    super(message, EXIT.runtime);
    this.name = 'RuntimeError';
  }
}

/** First line of any thrown value, for error messages that must stay one line. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() || 'unknown error';
}

/** A value that is not allowed; `allowed` says what is (`use a whole number from 1 to 10`). The
 *  caller that knows the option or variable names it with the value in the one line shown. */
export class Invalid extends Error {
  constructor(readonly allowed: string) {
    super(allowed);
    this.name = 'Invalid';
  }
}
