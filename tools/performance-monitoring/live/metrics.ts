// /metrics of --serve (docs/live.md): the latest report's figures (render/openmetrics.ts) and the
// server's own (refreshes, failures, freshness, perfmon_up), as Prometheus text 0.0.4 or, when
// the scraper's Accept asks for it, OpenMetrics 1.0 (counters named without `_total` in their
// TYPE line, and the closing `# EOF`).
import type { LiveState } from './loop.js';

export const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Prometheus sends `Accept: application/openmetrics-text;version=1.0.0,...;q=0.5,text/plain;version=0.0.4;q=0.4,...`. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let best = { om: -1, text: -1 };
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const weight = Number.isFinite(q) ? q : 0;
    if (type === 'application/openmetrics-text') best = { ...best, om: Math.max(best.om, weight) };
    if (type === 'text/plain' || type === '*/*') best = { ...best, text: Math.max(best.text, weight) };
  }
  return best.om > 0 && best.om >= best.text;
}

/** What the server counts besides the loop's state: these change with every request. */
export interface ServerCounters {
  requests: Map<string, number>;
  streams: number;
  streamsRefused: number;
}

interface OwnFamily {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: { labels?: string; value: number | null }[];
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

/** The families that change only when a refresh ends (the loop's state): rendered then. */
function refreshFamilies(state: LiveState<unknown>): OwnFamily[] {
  return [
    {
      name: 'perfmon_refreshes_total',
      type: 'counter',
      help: 'Refreshes run (each reads the source once).',
      samples: [{ value: state.refreshes }],
    },
    {
      name: 'perfmon_refresh_failures_total',
      type: 'counter',
      help: 'Refreshes that failed (source down, timeout).',
      samples: [{ value: state.failures }],
    },
    {
      name: 'perfmon_last_refresh_timestamp_seconds',
      type: 'gauge',
      help: 'When the last refresh ended, Unix time in seconds.',
      samples: [{ value: seconds(state.lastRefreshAt) }],
    },
    {
      name: 'perfmon_last_success_timestamp_seconds',
      type: 'gauge',
      help: 'When the last successful refresh ended, Unix time in seconds.',
      samples: [{ value: seconds(state.lastSuccessAt) }],
    },
    {
      name: 'perfmon_refresh_duration_seconds',
      type: 'gauge',
      help: 'How long the last refresh took, seconds.',
      samples: [{ value: seconds(state.lastDurationMs) }],
    },
    {
      name: 'perfmon_up',
      type: 'gauge',
      help: '1 when the last refresh succeeded; 0 when it failed (the figures are then the last good ones) or none ran yet.',
      samples: [{ value: state.report !== null && state.failure === null ? 1 : 0 }],
    },
  ];
}

/** The families that change with every request: rendered per request (a few lines). */
function requestFamilies(counters: ServerCounters): OwnFamily[] {
  return [
    {
      name: 'perfmon_http_requests_total',
      type: 'counter',
      help: 'HTTP requests answered, by route.',
      samples: [...counters.requests].sort().map(([route, n]) => ({ labels: `route="${route}"`, value: n })),
    },
    { name: 'perfmon_event_streams', type: 'gauge', help: 'Open /events streams.', samples: [{ value: counters.streams }] },
    {
      name: 'perfmon_event_streams_refused_total',
      type: 'counter',
      help: '/events streams refused (at the cap of open streams).',
      samples: [{ value: counters.streamsRefused }],
    },
  ];
}

function exposition(families: OwnFamily[], openMetrics: boolean): string {
  const lines: string[] = [];
  for (const family of families) {
    // OpenMetrics names the counter family without its `_total` sample suffix.
    const familyName = openMetrics && family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
    lines.push(`# HELP ${familyName} ${family.help}`, `# TYPE ${familyName} ${family.type}`);
    for (const sample of family.samples) {
      if (sample.value === null) continue;
      lines.push(`${family.name}${sample.labels ? `{${sample.labels}}` : ''} ${sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One /metrics answer: the part made at the last refresh, then the request's own lines. */
export interface MetricsAnswer {
  type: string;
  /** The report's figures and the refresh's own families, encoded once per refresh. */
  head: Buffer;
  /** The per-request families (and OpenMetrics' closing `# EOF`). */
  tail: Buffer;
}

/**
 * /metrics without per-request rendering (docs/live.md, "/metrics under load"): the report's
 * figures and every figure that changes only when a refresh ends (perfmon_up, the timestamps,
 * the refresh counters) are rendered and encoded once per refresh, in both formats; only the
 * request and stream counters, which change between refreshes, are rendered per request.
 */
export class MetricsBodies {
  private openMetrics = Buffer.alloc(0);
  private text = Buffer.alloc(0);

  /** At every refresh's end (and once before the first): `figures` (the report's, encoded by the
   *  worker) may be empty. */
  update(figures: Buffer, state: LiveState<unknown>): void {
    this.openMetrics = Buffer.concat([figures, Buffer.from(exposition(refreshFamilies(state), true))]);
    this.text = Buffer.concat([figures, Buffer.from(exposition(refreshFamilies(state), false))]);
  }

  answer(openMetrics: boolean, counters: ServerCounters): MetricsAnswer {
    const own = exposition(requestFamilies(counters), openMetrics);
    return openMetrics
      ? { type: OPENMETRICS_TYPE, head: this.openMetrics, tail: Buffer.from(`${own}# EOF\n`) }
      : { type: PROMETHEUS_TYPE, head: this.text, tail: Buffer.from(own) };
  }
}
