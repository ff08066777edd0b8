#!/usr/bin/env -S npx tsx
// perf-monitor entry: parse, run, map errors to exit codes. Everything else lives in run.ts.
import { CommanderError } from 'commander';
import { buildProgram, type RawOptions } from './cli/program.js';
import { validateOptions } from './cli/validate.js';
import { EXIT, UserError, describeError } from './errors.js';
import { redact, secretsFrom } from './redact.js';

function fail(message: string): void {
  const safe = redact(message, secretsFrom(process.env));
  process.stderr.write(`perf-monitor: ${safe}\n`);
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error (SPEC §7: exit 2).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  try {
    const options = validateOptions(program.opts<RawOptions>());
    // Loaded after parsing, so --help and --version stay instant.
    const [{ loadEnvFile }, { run }] = await Promise.all([import('./config.js'), import('./run.js')]);
    loadEnvFile();
    return await run(options, {
      env: process.env,
      now: () => new Date(),
      stdout: (text) => process.stdout.write(text),
      notice: (line) => process.stderr.write(`perf-monitor: ${redact(line, secretsFrom(process.env))}\n`),
      stdoutIsTty: process.stdout.isTTY === true,
    });
  } catch (error) {
    if (error instanceof UserError) {
      fail(error.message);
      return error.exitCode;
    }
    fail(`unexpected error: ${describeError(error)}${process.env.PERFMON_DEBUG ? `\n${(error as Error).stack}` : ''}`);
    return EXIT.runtime;
  }
}

process.exitCode = await main(process.argv);
