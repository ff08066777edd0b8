// Test support: the faults the PostgREST test server injects (a status, a delay, a hang, a reset
// connection, a body cut in half), which requests they apply to, and how often.
import type { IncomingHttpHeaders } from 'node:http';
import { JSON_CT } from './postgrest-errors.js';

/** What a fault's `match` sees of a request (the body is not read yet). */
export interface FaultRequest {
  method: string;
  /** Path and query, as received, e.g. `/rest/v1/integration_logs?select=...`. */
  url: string;
  /** Decoded path without the query, e.g. `/rest/v1/rpc/perf_monitor_summary`. */
  path: string;
  searchParams: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  /** Object -> JSON; string -> sent as is. Default: a PostgREST-style JSON error body. */
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type FaultAction =
  /** Answer with this status/headers/body instead of running the request. */
  | CannedResponse
  /** Run the request normally, but answer only after this delay. */
  | { delayMs: number }
  /** Never answer (the socket stays open until the client gives up or the server closes). */
  | 'hang'
  /** Destroy the connection without answering (client sees a reset / "other side closed"). */
  | 'destroy'
  /** Run the request, send the headers and half of the body, then destroy the connection. */
  | 'truncate';

export interface Fault {
  /** Which requests the fault applies to; default every request. */
  match?: (req: FaultRequest) => boolean;
  respond: FaultAction;
  /** Let this many matching requests through before the fault starts firing. Default 0. */
  skip?: number;
  /** How many matching requests it fires for (then it removes itself). Default 1; Infinity = always. */
  times?: number;
}

/** The name a fired fault has in the request log. */
export type FaultKind = 'status' | 'delay' | 'hang' | 'destroy' | 'truncate';

export function faultKind(action: FaultAction): FaultKind {
  if (typeof action === 'string') return action;
  return 'status' in action ? 'status' : 'delay';
}

/** Picks the faults that fire, in order, counting skips and removing spent faults from the list. */
export class FaultList {
  private readonly state = new Map<Fault, { seen: number; fired: number }>();

  constructor(readonly pending: Fault[] = []) {}

  /** The first pending fault that fires for this request, if any. */
  take(info: FaultRequest): Fault | null {
    for (const fault of this.pending) {
      if (fault.match && !fault.match(info)) continue;
      const state = this.state.get(fault) ?? { seen: 0, fired: 0 };
      this.state.set(fault, state);
      state.seen++;
      if (state.seen <= (fault.skip ?? 0)) continue;
      state.fired++;
      if (state.fired >= (fault.times ?? 1)) {
        this.pending.splice(this.pending.indexOf(fault), 1);
        this.state.delete(fault);
      }
      return fault;
    }
    return null;
  }
}

/** A canned body: text as given, anything else as JSON, PostgREST's error shape when none is given. */
function cannedBody(action: CannedResponse): string {
  if (action.body === undefined)
    return JSON.stringify({ code: null, message: `injected fault: HTTP ${action.status}`, details: null, hint: null });
  return typeof action.body === 'string' ? action.body : JSON.stringify(action.body);
}

/** The status, headers and body a canned response sends. */
export function cannedReply(action: CannedResponse): { status: number; headers: Record<string, string>; body: string } {
  const body = cannedBody(action);
  const headers: Record<string, string> = {
    'Content-Type': typeof action.body === 'string' ? 'text/plain; charset=utf-8' : JSON_CT,
    ...(action.headers ?? {}),
  };
  return { status: action.status, headers, body };
}
