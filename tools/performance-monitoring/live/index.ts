// --watch and --serve (docs/live.md): one refresh loop feeding its sinks (the terminal or a
// stream of reports on stdout, the --output file, the HTTP server; alerts are part of each
// refresh), until q, Ctrl-C, SIGTERM or SIGINT; then everything is closed within 5 seconds.
// Refreshes run in a worker thread (remote.ts, worker.ts): this thread only serves and draws.
import type { ReadStream, WriteStream } from 'node:tty';
import { writeFileAtomic } from '../base/atomic-write.js';
import { describeError, EXIT, type ExitCode, RuntimeError, UsageError, type UserError } from '../base/errors.js';
import type { Notices } from '../base/notices.js';
import { redact } from '../base/redact.js';
import type { LiveSettings, Settings } from '../settings.js';
import { RefreshLoop } from './loop.js';
import { LiveNotices } from './notices.js';
import { RemoteRefresher, type RemoteReport } from './remote.js';
import type { LiveServer } from './server.js';
import { TerminalView } from './terminal.js';
import type { ViewName } from './worker-protocol.js';

export interface LiveIo {
  notices: Notices;
  stdout: (text: string) => Promise<void> | void;
}

/** Quitting must be done by then (docs/live.md); a watchdog exits regardless. */
const SHUTDOWN_MS = 5_000;

export async function runLive(settings: Settings, live: LiveSettings, io: LiveIo): Promise<ExitCode> {
  const notices = new LiveNotices(io.notices);
  let server: LiveServer | null = null;
  const output = settings.report.output;
  // --output and a report per refresh on stdout take the --format rendering; the server says what it needs.
  const wants = (): ViewName[] => [
    ...(output !== null || (live.watch && !live.terminal) ? (['output'] as const) : []),
    ...(server?.wants() ?? []),
  ];
  const refresher = new RemoteRefresher({ settings, color: live.color }, notices, wants);
  let usageError: UserError | null = null;
  const loop = new RefreshLoop<RemoteReport>(
    async (signal) => {
      notices.beginRefresh();
      try {
        return await refresher.refresh(signal);
      } catch (error) {
        // Bad input found by the first refresh (a missing file, an unknown column) is the user's
        // to fix: exit 2, as a one-shot run would. Later failures only make the report stale.
        if (error instanceof UsageError && loop.state.refreshes === 0) usageError = error;
        throw error;
      }
    },
    { intervalMs: live.intervalMs, timeoutMs: live.refreshTimeoutMs, describe: (error) => redact(describeError(error), settings.secrets) },
  );

  let quit: (code: ExitCode | null) => void = () => {};
  const quitting = new Promise<ExitCode | null>((resolve) => {
    quit = resolve;
  });

  if (live.serve !== null) {
    const { LiveServer } = await import('./server.js');
    server = new LiveServer(loop, { address: live.serve, token: live.token, intervalMs: live.intervalMs });
    try {
      const bound = await server.listen();
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      notices.line(
        `serving http://${host}:${bound.port}/ (/events /metrics /report.json /healthz), a refresh every ${live.intervalMs / 1000}s`,
      );
    } catch (error) {
      throw new RuntimeError(`--serve ${live.serve.host}:${live.serve.port}: cannot listen: ${describeError(error)}`);
    }
  }

  const terminal = live.watch && live.terminal ? terminalView(settings, loop, notices, () => quit(null)) : null;
  const sinkErrors = (what: string) => (error: unknown) => notices.line(`${what}: ${redact(describeError(error), settings.secrets)}`);
  loop.onChange((state) => {
    if (usageError !== null) return quit(usageError.exitCode);
    if (state.failure !== null && terminal === null)
      notices.line(`refresh failed: ${state.failure.cause}; the last report stays, marked stale`);
    terminal?.update().catch(sinkErrors('drawing the report'));
    if (state.failure !== null || state.report === null) return;
    if (live.watch && !live.terminal) {
      // Off a terminal: one whole report per refresh (NDJSON with --format json --compact).
      state.report
        .get('output')
        .then((body) => io.stdout(body.toString('utf8')))
        .catch(sinkErrors('writing the report'));
    }
    if (output !== null) {
      state.report
        .get('output')
        .then((body) => writeFileAtomic(output, body.toString('utf8')))
        .catch(sinkErrors('--output'));
    }
  });

  const onSignal = () => quit(null);
  let crashed = false;
  const crash = (error: unknown) => {
    terminal?.restore();
    if (crashed) return;
    crashed = true;
    notices.release();
    io.notices.line(`unexpected error: ${redact(describeError(error), settings.secrets)}`);
    // The worker's DuckDB is closed before the process ends: exiting with it open aborts (SIGABRT).
    void refresher.close(1_000).finally(() => process.exit(EXIT.runtime));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  if (terminal !== null) {
    notices.hold();
    terminal.start();
  }
  loop.start();
  const code = await quitting;

  // Quitting: no new refresh, the running one finished or abandoned, the server and the source closed.
  const watchdog = setTimeout(() => {
    terminal?.restore();
    void refresher.close(500).finally(() => process.exit(code ?? EXIT.ok));
  }, SHUTDOWN_MS - 600);
  watchdog.unref();
  await loop.stop(1_500);
  await Promise.all([server?.close(2_000), refresher.close(1_000)]);
  terminal?.restore();
  notices.release();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
  process.off('uncaughtException', crash);
  process.off('unhandledRejection', crash);
  clearTimeout(watchdog);
  if (usageError !== null) throw usageError;
  // 4 when the last refresh's alerts could not be delivered (docs/alerting.md).
  const final = code ?? (loop.state.report?.alertsFailed ? EXIT.alertFailed : EXIT.ok);
  // Whatever a library may still hold open (an abandoned query's client), the process ends in time.
  setTimeout(() => process.exit(final), 1_000).unref();
  return final;
}

function terminalView(settings: Settings, loop: RefreshLoop<RemoteReport>, notices: LiveNotices, onQuit: () => void): TerminalView {
  return new TerminalView(loop.state, {
    input: process.stdin as ReadStream,
    output: process.stdout as WriteStream,
    outputFd: 1,
    render: async (width) => {
      const report = loop.state.report;
      return report === null ? '' : (await report.get(`terminal:${width}`)).toString('utf8');
    },
    source: settings.source.kind,
    notice: () => (notices.last === null ? null : redact(notices.last, settings.secrets)),
    onQuit,
    onRefresh: () => void loop.refreshNow(),
  });
}
