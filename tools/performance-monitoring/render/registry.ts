// Output formats: the one list `--format`'s help, validation and dispatch come from. Each
// renderer is loaded on demand, so `--help` and parsing never pay for it.
import type { Report } from '../report/types.js';

export interface RenderOptions {
  /** ANSI colours (text only). */
  color: boolean;
  /** One-line output (json only; validate.ts refuses it elsewhere). */
  compact: boolean;
  /** Terminal columns, for the sparklines (text only); 80 when unknown. */
  width?: number;
  /** Block characters for the sparklines (a UTF-8 locale); ASCII otherwise (text only). */
  unicode?: boolean;
}

export type Renderer = (report: Report, options: RenderOptions) => string;

interface RendererEntry {
  /** For `--help`. */
  description: string;
  load: () => Promise<Renderer>;
}

export const RENDERERS = {
  text: { description: 'for people (default)', load: async () => (await import('./text.js')).renderText },
  json: { description: 'report.schema.json, for jq and scripts', load: async () => (await import('./json.js')).renderJson },
  markdown: { description: 'GitHub-flavoured, for job summaries', load: async () => (await import('./markdown.js')).renderMarkdown },
  openmetrics: {
    description: 'Prometheus text, for node_exporter',
    load: async () => (await import('./openmetrics.js')).renderOpenMetrics,
  },
  html: { description: 'one self-contained page with charts', load: async () => (await import('./html.js')).renderHtml },
} satisfies Record<string, RendererEntry>;

export type Format = keyof typeof RENDERERS;

export const FORMATS = Object.keys(RENDERERS) as Format[];

export function isFormat(value: string): value is Format {
  return Object.hasOwn(RENDERERS, value);
}
