// Test support: an HTTP server on 127.0.0.1 that answers the Supabase RPC call
// (POST /rest/v1/rpc/perf_monitor_summary) with whatever JSON the test crafted: a broken or
// hostile server, as far as the tool can tell. Any other request gets a PostgREST-like 404.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const RPC_PATH = '/rest/v1/rpc/perf_monitor_summary';

export interface HostileRpc {
  /** http://127.0.0.1:<port>, for SUPABASE_URL. */
  readonly url: string;
  /** What the next RPC calls answer (serialized as JSON, HTTP 200). */
  answer(body: unknown): void;
  /** Paths requested so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startHostileRpc(): Promise<HostileRpc> {
  let body: unknown = [];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const isRpc = req.method === 'POST' && (req.url ?? '').split('?')[0] === RPC_PATH;
      res.writeHead(isRpc ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(isRpc ? body : { code: 'PGRST125', message: 'not found', details: null, hint: null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer: (next) => (body = next),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
