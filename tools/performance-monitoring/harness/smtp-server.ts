// A real SMTP peer on 127.0.0.1 (smtp-server), collecting what nodemailer delivers, parsed with
// mailparser. Plain text, no STARTTLS (a local test has no certificate); optional user/password
// check so "auth rejected" can be tested.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string | null; to: string[] };
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  messages: ReceivedMail[];
  /** AUTH attempts seen (to check that a rejected login is not retried). */
  authAttempts: number;
  /** MAIL FROM attempts seen (each delivery attempt makes one). */
  mailAttempts: number;
  /** Answer the next `count` MAIL FROM with a transient `451` (greylisting, full queue). */
  failNext(count: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startSmtpServer(credentials?: { user: string; pass: string }): Promise<TestSmtpServer> {
  const state = { messages: [] as ReceivedMail[], authAttempts: 0, mailAttempts: 0, failures: 0 };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: !credentials,
    allowInsecureAuth: true, // AUTH over plain text: fine on loopback, needed without TLS
    logger: false,
    onAuth(auth, _session, callback) {
      state.authAttempts++;
      if (credentials && auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
        return;
      }
      const error = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      callback(error);
    },
    onMailFrom(_address, _session, callback) {
      state.mailAttempts++;
      if (state.failures > 0) {
        state.failures--;
        callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
          state.messages.push({ envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) }, parsed });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    messages: state.messages,
    get authAttempts() {
      return state.authAttempts;
    },
    get mailAttempts() {
      return state.mailAttempts;
    },
    failNext(count) {
      state.failures += count;
    },
    reset() {
      state.messages.length = 0;
      state.authAttempts = 0;
      state.mailAttempts = 0;
      state.failures = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
