// The --serve HTTP server (docs/live.md), on Node's own http: five GET routes need no framework.
// Every answer comes from the loop's last refresh (views.ts: bodies the refresh worker rendered),
// never from a query of its own: any number of clients cost one source read per interval. Safe by default: 127.0.0.1 unless a host
// is named, an optional bearer token compared in constant time, GET and HEAD only, bounded
// headers and request time, a cap on open streams, no secret in any answer.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServeAddress } from '../settings.js';
import { EventStreams, sseEvent } from './events.js';
import type { LiveState, RefreshLoop } from './loop.js';
import { type MetricsAnswer, MetricsBodies, wantsOpenMetrics } from './metrics.js';
import type { RemoteReport } from './remote.js';
import { Views } from './views.js';
import type { ViewName } from './worker-protocol.js';

/** How long a client may take (docs/live.md); slow or silent clients are cut off. */
export interface ServerLimits {
  /** The request's headers complete within this (a slowloris is answered 408 and closed). */
  headersMs: number;
  /** The whole request, body included, within this. */
  requestMs: number;
  /** A connection with nothing sent or read for this long is closed (not /events: keep-alive comments). */
  idleMs: number;
  /** How often the two bounds above are checked: a slow client is cut within this of its bound
   *  (Node's default, 30 s, would let one hold its socket 40 s for a 10 s bound). */
  checkEveryMs: number;
}

export const SERVER_LIMITS: ServerLimits = { headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, checkEveryMs: 1_000 };

export interface ServerOptions {
  address: ServeAddress;
  token: string | null;
  intervalMs: number;
  /** SERVER_LIMITS unless given (tests shorten them). */
  limits?: Partial<ServerLimits>;
}

const ROUTES = ['/', '/events', '/metrics', '/report.json', '/healthz'] as const;
type Route = (typeof ROUTES)[number];
/** Without Prometheus' scrape-timeout header, how long a request waits for the first report. */
const DEFAULT_WAIT_MS = 10_000;
const PAGE_CSP = "default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const NOTHING = Buffer.alloc(0);
const digest = (text: string) => createHash('sha256').update(text).digest();

export class LiveServer {
  private readonly server: Server;
  private readonly views: Views;
  readonly streams = new EventStreams();
  private readonly requests = new Map<string, number>();
  private readonly tokenDigest: Buffer | null;
  private readonly metrics = new MetricsBodies();

  constructor(
    private readonly loop: RefreshLoop<RemoteReport>,
    private readonly options: ServerOptions,
  ) {
    this.views = new Views(loop.state);
    this.tokenDigest = options.token === null ? null : digest(options.token);
    const limits = { ...SERVER_LIMITS, ...options.limits };
    this.server = createServer(
      {
        maxHeaderSize: 16 * 1024,
        headersTimeout: limits.headersMs,
        requestTimeout: limits.requestMs,
        connectionsCheckingInterval: limits.checkEveryMs,
        keepAliveTimeout: 5_000,
      },
      (req, res) =>
        this.answer(req, res).catch(() => {
          if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('internal error\n');
        }),
    );
    // A connection that sends nothing (or a response nobody reads) for a minute is closed.
    this.server.setTimeout(limits.idleMs, (socket) => socket.destroy());
    this.server.maxConnections = 1_000;
    this.metrics.update(NOTHING, loop.state);
    loop.onChange((state) => {
      // /metrics is put together here, once per refresh, not per scrape (docs/live.md).
      this.metrics.update(this.views.current?.peek('figures') ?? NOTHING, state);
      this.broadcast(state);
    });
  }

  /** Listens; resolves with the address bound (port 0 takes a free one). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.address.port, this.options.address.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting, ends the streams, lets answers in flight finish for up to `ms`. */
  async close(ms: number): Promise<void> {
    this.streams.endAll();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), ms);
    await closed;
    clearTimeout(timer);
  }

  /** The answers the worker renders with each refresh: /metrics' figures always, the /events
   *  payload while streams are open, and whatever was asked for since the last refresh. */
  wants(): ViewName[] {
    return ['figures', ...(this.streams.size > 0 ? (['events'] as const) : []), ...this.views.wanted()];
  }

  private broadcast(state: LiveState<RemoteReport>): void {
    if (this.streams.size === 0) return;
    const report = this.views.current;
    const status = () => sseEvent('status', this.views.status(Date.now(), this.options.intervalMs));
    const events = report === null || state.failure !== null ? null : report.peek('events');
    if (report === null || state.failure !== null || events !== undefined) {
      if (events) this.streams.send(events);
      this.streams.send(status());
      return;
    }
    report.get('events').then(
      (body) => this.streams.send(Buffer.concat([body, Buffer.from(status())])),
      () => this.streams.send(status()),
    );
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = ROUTES.find((r) => r === path) ?? null;
    this.requests.set(route ?? 'other', (this.requests.get(route ?? 'other') ?? 0) + 1);
    if (!this.authorized(req)) {
      return plain(res, 401, 'unauthorized: send Authorization: Bearer <PERFMON_SERVE_TOKEN>', {
        'WWW-Authenticate': 'Bearer realm="perf-monitor"',
      });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
    if (route === null) return plain(res, 404, `not found: try ${ROUTES.join(' ')}`);
    return this.route(route, req, res);
  }

  private async route(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const state = this.loop.state;
    switch (route) {
      case '/healthz':
        return this.health(res);
      case '/events': {
        if (this.streams.full) {
          this.streams.refused++;
          return plain(res, 503, 'too many open /events streams; try again later', { 'Retry-After': '30' });
        }
        if (req.method === 'HEAD') return void res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
        // The slot is taken now (the cap holds however many arrive at once); the latest report
        // follows as soon as it is rendered (at once when the refresh rendered it already).
        const status = () => sseEvent('status', this.views.status(Date.now(), this.options.intervalMs));
        const events = this.views.get('events');
        if (events === null) return this.streams.open(res, status());
        this.streams.open(res, '');
        const body = await events.catch(() => NOTHING);
        this.streams.sendTo(res, Buffer.concat([body, Buffer.from(status())]));
        return;
      }
      case '/metrics': {
        await this.loop.firstReport(scrapeBudget(req));
        return sendMetrics(res, req.method === 'HEAD', this.metrics.answer(wantsOpenMetrics(req.headers.accept), this.counters()));
      }
      case '/report.json':
      case '/': {
        const ready = await this.loop.firstReport(scrapeBudget(req));
        const body = ready ? this.views.get(route === '/' ? 'page' : 'json') : null;
        if (body === null)
          return plain(res, 503, `no report yet: ${state.failure?.cause ?? 'the first refresh is running'}`, { 'Retry-After': '5' });
        // Rendered by the worker on first use; if it cannot (it was restarted since), a retry will do.
        const rendered = await body.catch(() => null);
        if (rendered === null) return plain(res, 503, 'the report is being rendered again; try again shortly', { 'Retry-After': '5' });
        if (route === '/report.json') return send(res, 200, 'application/json; charset=utf-8', rendered);
        return send(res, 200, 'text/html; charset=utf-8', rendered, { 'Content-Security-Policy': PAGE_CSP });
      }
    }
  }

  private health(res: ServerResponse): void {
    const [status, text] = this.healthLine();
    plain(res, status, text);
  }

  /** 200 `ok` when the last refresh succeeded within 3 intervals; else 503 and why. */
  private healthLine(): [number, string] {
    const { lastSuccessAt, failure, report } = this.loop.state;
    if (failure !== null) return [503, `stale: the last refresh failed: ${failure.cause}`];
    if (report === null || lastSuccessAt === null) return [503, 'no report yet: the first refresh is running'];
    const age = Date.now() - lastSuccessAt;
    if (age > 3 * this.options.intervalMs)
      return [503, `stale: the last refresh succeeded ${Math.round(age / 1000)} s ago (over 3 intervals)`];
    return [200, 'ok'];
  }

  private counters() {
    return { requests: this.requests, streams: this.streams.size, streamsRefused: this.streams.refused };
  }

  /** Constant time: both sides hashed to the same length, then compared with timingSafeEqual. */
  private authorized(req: IncomingMessage): boolean {
    if (this.tokenDigest === null) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    return timingSafeEqual(digest(match?.[1] ?? ''), this.tokenDigest) && match !== null;
  }
}

/** Prometheus says how long it waits (X-Prometheus-Scrape-Timeout-Seconds); answer 0.5 s before. */
function scrapeBudget(req: IncomingMessage): number {
  const header = Number(req.headers['x-prometheus-scrape-timeout-seconds']);
  return Number.isFinite(header) && header > 0 ? Math.max(0, header * 1000 - 500) : DEFAULT_WAIT_MS;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

/** The refresh's encoded part and the request's own lines, without copying the first. */
function sendMetrics(res: ServerResponse, head: boolean, answer: MetricsAnswer): void {
  res.writeHead(200, {
    'Content-Type': answer.type,
    'Content-Length': answer.head.length + answer.tail.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (head) return void res.end();
  res.write(answer.head);
  res.end(answer.tail);
}

const plain = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) =>
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`, headers);
