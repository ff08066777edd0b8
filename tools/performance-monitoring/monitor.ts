#!/usr/bin/env -S npx tsx
// perf-monitor entry: parse, resolve settings, run, map errors to exit codes (docs/cli.md).
import { CommanderError } from 'commander';
import { describeError, EXIT, RuntimeError, UserError } from './base/errors.js';
import { createNotices, type Notices } from './base/notices.js';
import { secretsFrom } from './base/redact.js';
import { buildProgram, parseCommandLine } from './cli/program.js';
import { readOptions } from './cli/read-options.js';

/** Before settings exist, secrets come straight from the environment. */
const earlyNotices = (): Notices =>
  createNotices({ write: (text) => process.stderr.write(text), isTty: process.stderr.isTTY === true, secrets: secretsFrom(process.env) });

/** Writes the report. A reader that went away (EPIPE, `| head`) is no error, as in other CLIs;
 *  any other write failure (a full disk) is one line and exit 1. */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => {
      if (!error || (error as NodeJS.ErrnoException).code === 'EPIPE') resolve();
      else reject(new RuntimeError(`cannot write the report to stdout: ${describeError(error)}`));
    });
  });
}

async function main(argv: string[]): Promise<number> {
  let commandLine: ReturnType<typeof parseCommandLine>;
  try {
    commandLine = parseCommandLine(buildProgram(), argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error (docs/cli.md: exit 2).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  let notices = earlyNotices();
  try {
    const options = await readOptions(commandLine);
    // Loaded after parsing, so --help and --version stay instant.
    const [{ loadEnvFile }, { resolveSettings }, { run }] = await Promise.all([
      import('./base/env.js'),
      import('./cli/resolve.js'),
      import('./run.js'),
    ]);
    loadEnvFile();
    const settings = await resolveSettings(options, process.env, {
      stdoutHasColors: (env) => process.stdout.isTTY === true && process.stdout.hasColors(env),
      stdoutColumns: process.stdout.isTTY === true ? process.stdout.columns : undefined,
      stdoutIsTty: process.stdout.isTTY === true,
    });
    notices = createNotices({
      write: (text) => process.stderr.write(text),
      isTty: process.stderr.isTTY === true,
      secrets: settings.secrets,
    });
    if (settings.live !== null) {
      const { runLive } = await import('./live/index.js');
      return await runLive(settings, settings.live, { stdout: writeStdout, notices });
    }
    return await run(settings, { now: () => new Date(), stdout: writeStdout, notices });
  } catch (error) {
    if (error instanceof UserError) {
      notices.line(error.message);
      return error.exitCode;
    }
    notices.line(`unexpected error: ${describeError(error)}${process.env.PERFMON_DEBUG ? `\n${(error as Error).stack}` : ''}`);
    return EXIT.runtime;
  }
}

// An EPIPE on stdout can also arrive as an event after the write callback: never a stack trace.
process.stdout.on('error', () => {});
process.exitCode = await main(process.argv);
