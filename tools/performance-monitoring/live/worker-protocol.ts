// The messages between the serving thread and the refresh worker (docs/live.md, "The refresh
// worker"): what to refresh and render, and what comes back (encoded answers, notices, errors).
import { RuntimeError, UsageError } from '../base/errors.js';
import type { Settings } from '../settings.js';

/**
 * An answer rendered from one report: `figures` (the report's OpenMetrics families), `json`
 * (/report.json), `page` (/), `events` (the SSE `report` and `page` events), `output` (--format,
 * for --output and stdout), `terminal:<columns>` (the --watch view at that width).
 */
export type ViewName = 'figures' | 'json' | 'page' | 'events' | 'output' | `terminal:${number}`;

export interface WorkerData {
  /** The settings, packed (`packSettings`): a URL does not survive the copy to a thread. */
  settings: Settings;
  /** Colours of the terminal view (--watch on a terminal). */
  color: boolean;
}

/** An error as it crosses the thread boundary: its one-line cause and whether it is the user's. */
export interface WireError {
  message: string;
  /** 2: bad input (UsageError); 1: a runtime failure; null: anything else. */
  exitCode: number | null;
}

export type ToWorker =
  | { type: 'refresh'; id: number; want: ViewName[] }
  | { type: 'abandon'; id: number }
  | { type: 'view'; id: number; seq: number; name: ViewName }
  | { type: 'close' };

export type NoticeMethod = 'line' | 'progress' | 'endProgress' | 'clearProgress';

export type FromWorker =
  | { type: 'notice'; method: NoticeMethod; text: string }
  | { type: 'done'; id: number; seq: number; alertsFailed: boolean; views: Partial<Record<ViewName, Uint8Array>> }
  | { type: 'failed'; id: number; error: WireError }
  | { type: 'abandoned'; id: number }
  | { type: 'view'; id: number; body: Uint8Array | null; error: WireError | null }
  | { type: 'closed' };

export function toWire(error: unknown): WireError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) return { message, exitCode: 2 };
  return { message, exitCode: error instanceof RuntimeError ? 1 : null };
}

/** The error again on this side, of the class the loop tells apart (a first refresh's UsageError is exit 2). */
export function fromWire(error: WireError): Error {
  if (error.exitCode === 2) return new UsageError(error.message);
  if (error.exitCode === 1) return new RuntimeError(error.message);
  return new Error(error.message);
}

/** A URL as it crosses to the worker: structured cloning (worker_threads) drops its fields. */
interface PackedUrl {
  packedUrl: string;
}

const isPackedUrl = (value: unknown): value is PackedUrl =>
  typeof value === 'object' && value !== null && typeof (value as Partial<PackedUrl>).packedUrl === 'string';

/** `value` with every URL in it (the database's, Supabase's, webhooks) replaced by its text. */
export function packSettings<T>(value: T): T {
  return walk(value, (item) => (item instanceof URL ? { packedUrl: item.href } : undefined)) as T;
}

/** The settings as they were before packSettings. */
export function unpackSettings<T>(value: T): T {
  return walk(value, (item) => (isPackedUrl(item) ? new URL(item.packedUrl) : undefined)) as T;
}

/** A copy of plain objects and arrays with `swap` applied first at every level (undefined: keep walking). */
function walk(value: unknown, swap: (item: unknown) => unknown): unknown {
  const swapped = swap(value);
  if (swapped !== undefined) return swapped;
  if (Array.isArray(value)) return value.map((item) => walk(item, swap));
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, swap)]));
}
