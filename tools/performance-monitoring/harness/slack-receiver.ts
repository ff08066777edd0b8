// A stand-in for Slack's incoming webhook on 127.0.0.1: records each POSTed JSON body and answers
// `200 ok`, or, when told to, fails the next requests with 500 or 429 + Retry-After, answers
// with a chosen status and body, or posts the message and then answers late or not at all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackReceiver {
  /** Webhook URL with a secret-looking path, so tests can check it never leaks. */
  url: string;
  /** Every request's parsed body, failed ones included (attempts). */
  requests: unknown[];
  /** Bodies that were answered 200. */
  messages: Record<string, unknown>[];
  failNext(count: number, status: 500 | 429, retryAfterSeconds?: number): void;
  /** The next `count` requests get no answer at all (to exercise the client's timeout). */
  hangNext(count: number): void;
  /** The next request is answered `status` with `body` as text/plain (a 4xx with hostile text). */
  answerNext(status: number, body: string): void;
  /** The next `count` requests are posted (counted in `messages`), then answered `ok` after `delayMs`. */
  slowNext(count: number, delayMs: number): void;
  /** The next `count` requests are posted, then their connection is cut without an answer. */
  cutNext(count: number): void;
  /** Resolves when the next request has arrived (before it is answered): to kill a sender mid-send. */
  nextRequest(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export const WEBHOOK_PATH = '/services/T0SECRET/B0SECRET/xoxsecrettoken';

type Failure = { status: number | 'hang' | 'slow' | 'cut'; retryAfter?: number; body?: string; delayMs?: number };

/** The request's body as JSON, or as text when it is not JSON. */
function parsedBody(chunks: Buffer[]): unknown {
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** Answers a request as the failure it was set up for says: no answer, posted then answered late
 *  or cut off, or an error status. */
function answerFailure(
  failure: Failure,
  body: unknown,
  request: IncomingMessage,
  response: ServerResponse,
  posted: { messages: Record<string, unknown>[]; timers: Set<NodeJS.Timeout> },
): void {
  if (failure.status === 'hang') return; // closeAllConnections() ends it on close()
  if (failure.status === 'slow' || failure.status === 'cut') {
    // Slack has posted it; only the answer is late or lost.
    posted.messages.push(body as Record<string, unknown>);
    if (failure.status === 'cut') {
      request.socket.destroy();
      return;
    }
    const timer = setTimeout(() => {
      posted.timers.delete(timer);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }, failure.delayMs);
    posted.timers.add(timer);
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
  response.writeHead(failure.status, headers).end(failure.body ?? (failure.status === 429 ? 'rate_limited' : 'internal_error'));
}

export async function startSlackReceiver(): Promise<SlackReceiver> {
  const failures: Failure[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const requests: unknown[] = [];
  const messages: Record<string, unknown>[] = [];
  const waiting: (() => void)[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = parsedBody(chunks);
      requests.push(body);
      for (const resolve of waiting.splice(0)) resolve();
      if (request.method !== 'POST' || request.url !== WEBHOOK_PATH) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
        return;
      }
      const failure = failures.shift();
      if (failure) {
        answerFailure(failure, body, request, response, { messages, timers });
        return;
      }
      messages.push(body as Record<string, unknown>);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    requests,
    messages,
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i++)
        failures.push({ status, ...(retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds }) });
    },
    hangNext(count) {
      for (let i = 0; i < count; i++) failures.push({ status: 'hang' });
    },
    answerNext(status, body) {
      failures.push({ status, body });
    },
    slowNext(count, delayMs) {
      for (let i = 0; i < count; i++) failures.push({ status: 'slow', delayMs });
    },
    cutNext(count) {
      for (let i = 0; i < count; i++) failures.push({ status: 'cut' });
    },
    nextRequest: () => new Promise<void>((resolve) => waiting.push(resolve)),
    reset() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      failures.length = 0;
      requests.length = 0;
      messages.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
