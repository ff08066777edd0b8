// Test support, not part of the tool: hostile HTTP servers on 127.0.0.1 for the network-path
// tests. Each answers the CLI's PostgREST (or Slack webhook) requests in one wrong way and keeps
// every request it saw, so a test can tell how often the CLI asked and what it sent.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path without the query string, e.g. /rest/v1/integration_logs. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HostileServer {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  port: number;
  requests: SeenRequest[];
  close: () => Promise<void>;
}

export type Handler = (request: SeenRequest, response: ServerResponse) => void | Promise<void>;

/** Body bytes kept per request: the CLI never sends much, and a test must not hoard memory. */
const KEPT_BODY = 64 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      if (body.length < KEPT_BODY) body += chunk.slice(0, KEPT_BODY - body.length);
    });
    request.on('end', () => resolve(body));
    request.on('error', () => resolve(body));
  });
}

export async function startServer(handler: Handler): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const seen: SeenRequest = {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body,
      };
      requests.push(seen);
      try {
        await handler(seen, response);
      } catch {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

export const RPC_PATH = '/rest/v1/rpc/perf_monitor_summary';
export const TABLE_PATH = '/rest/v1/integration_logs';

/** PostgREST's answer when a function is not in its schema cache: the CLI falls back to pages. */
export function rpcNotFound(response: ServerResponse): void {
  sendJson(response, 404, {
    code: 'PGRST202',
    details:
      'Searched for the function public.perf_monitor_summary with parameters p_end, p_previous_start, p_service, p_start, p_threshold',
    hint: null,
    message:
      'Could not find the function public.perf_monitor_summary(p_end, p_previous_start, p_service, p_start, p_threshold) in the schema cache',
  });
}

/** The created_at range of a page request: `created_at=gte.X&created_at=lt.Y` (values unquoted). */
export function requestedRange(query: URLSearchParams): { gte: string; lt: string } {
  const bounds = query.getAll('created_at');
  const value = (op: string) => bounds.find((b) => b.startsWith(`${op}.`))?.slice(op.length + 1) ?? '';
  return { gte: value('gte'), lt: value('lt') };
}

export interface RowShape {
  id: number;
  created_at: string;
  source?: string;
  duration_ms?: number;
  status?: string;
}

/** Rows as PostgREST returns them for perf-monitor's select list. */
export function logRows(rows: RowShape[]): Record<string, unknown>[] {
  return rows.map((row) => ({
    id: row.id,
    source: row.source ?? 'billing',
    operation: 'charge',
    level: 'info',
    status: row.status ?? 'success',
    message: null,
    duration_ms: row.duration_ms ?? 100,
    created_at: row.created_at,
  }));
}

/**
 * Streams `bytes` bytes of `chunk` repeated as the body, honouring backpressure, and stops as
 * soon as the client goes away (the point of the test is that it does). Resolves with the bytes
 * actually written.
 */
export function streamBody(
  response: ServerResponse,
  status: number,
  bytes: number,
  chunk = 'x'.repeat(64 * 1024),
  headers: Record<string, string> = {},
): Promise<number> {
  response.writeHead(status, { 'content-type': 'text/html', 'content-length': String(bytes), ...headers });
  const piece = Buffer.from(chunk);
  let written = 0;
  return new Promise((resolve) => {
    const finish = () => resolve(written);
    response.on('close', finish);
    const pump = () => {
      while (written < bytes && !response.destroyed) {
        const next = piece.subarray(0, Math.min(piece.length, bytes - written));
        written += next.length;
        if (!response.write(next)) {
          response.once('drain', pump);
          return;
        }
      }
      if (!response.destroyed) response.end();
    };
    pump();
  });
}

/** A redirect to `target` + the same path and query. */
export function redirect(response: ServerResponse, status: number, target: string, request: SeenRequest): void {
  const query = request.query.toString();
  response.writeHead(status, { location: `${target}${request.path}${query ? `?${query}` : ''}`, 'content-length': '0' });
  response.end();
}
