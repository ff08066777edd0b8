// The /events streams (docs/live.md): Server-Sent Events on the page's own port. A new client
// gets the latest state at once; every refresh sends `report` (the JSON report), `page` (the
// page's parts) and `status` (freshness); a comment every 15 s keeps proxies from closing an
// idle stream. At most MAX_STREAMS are open (503 beyond); a client that stops reading is cut off
// once its unsent backlog passes MAX_BACKLOG, so it cannot hold the server's memory.
import type { ServerResponse } from 'node:http';

export const MAX_STREAMS = 100;
const MAX_BACKLOG = 4 * 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export class EventStreams {
  private readonly streams = new Set<ServerResponse>();
  private readonly keepalive: NodeJS.Timeout;
  refused = 0;
  cutOff = 0;

  constructor() {
    this.keepalive = setInterval(() => this.send(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get size(): number {
    return this.streams.size;
  }

  get full(): boolean {
    return this.streams.size >= MAX_STREAMS;
  }

  /** Opens a stream on `res` (headers sent) and writes `first` to it. */
  open(res: ServerResponse, first: string | Buffer): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // nginx buffers responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    // The socket's idle timeout would end a quiet stream; keep-alive comments do that job.
    res.socket?.setTimeout(0);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    this.write(res, 'retry: 3000\n\n');
    if (first.length > 0) this.write(res, first);
  }

  /** One event (or several) to every stream: the same bytes, written to each. */
  send(chunk: string | Buffer): void {
    for (const res of this.streams) this.write(res, chunk);
  }

  /** To one stream, if it is still open. */
  sendTo(res: ServerResponse, chunk: string | Buffer): void {
    if (this.streams.has(res)) this.write(res, chunk);
  }

  /** Ends every stream (shutdown). */
  endAll(): void {
    clearInterval(this.keepalive);
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private write(res: ServerResponse, text: string | Buffer): void {
    if (res.writableLength > MAX_BACKLOG) {
      this.cutOff++;
      this.streams.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }
}

/** One SSE event; `data` must hold no line break (JSON text does not). */
export const sseEvent = (event: string, data: string) => `event: ${event}\ndata: ${data}\n\n`;
