// The demo week's profile (docs/sources.md): its services and operations with their volumes,
// durations and failure rates, the error messages, log lines, and the incidents it tells (an n8n
// ramp and burst, an unleashed fix); demo-data.ts turns it into one DuckDB INSERT.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** Relative traffic by UTC hour: busy in European/US working hours, quiet at night. */
export const HOURLY_WEIGHT = [
  0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.3, 0.6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.45, 0.35, 0.25, 0.2, 0.15,
];
export const WEEKEND_WEIGHT = 0.55;
export const MEAN_HOURLY = HOURLY_WEIGHT.reduce((a, b) => a + b, 0) / 24;
export const MEAN_DAILY = (5 + 2 * WEEKEND_WEIGHT) / 7;

export type ErrorDuration = 'timeout' | 'workflow_timeout' | 'fast' | 'gateway' | 'reset';

export interface OperationProfile {
  service: string;
  operation: string;
  /** Expected operations in a week. */
  perWeek: number;
  /** Lognormal latency: median and log-space spread. */
  medianMs: number;
  sigma: number;
  errorRate: number;
  warningRate: number;
  /** 0 = flat (scheduled jobs), 1 = follows the office day and week fully. */
  diurnal: number;
}

export const OPERATIONS: OperationProfile[] = [
  {
    service: 'hubspot',
    operation: 'contacts.search',
    perWeek: 5600,
    medianMs: 340,
    sigma: 0.5,
    errorRate: 0.012,
    warningRate: 0.004,
    diurnal: 1,
  },
  {
    service: 'hubspot',
    operation: 'contacts.batch',
    perWeek: 2400,
    medianMs: 2100,
    sigma: 0.42,
    errorRate: 0.018,
    warningRate: 0.01,
    diurnal: 1,
  },
  {
    service: 'hubspot',
    operation: 'deals.update',
    perWeek: 3800,
    medianMs: 420,
    sigma: 0.4,
    errorRate: 0.01,
    warningRate: 0.004,
    diurnal: 1,
  },
  {
    service: 'hubspot',
    operation: 'companies.get',
    perWeek: 2200,
    medianMs: 260,
    sigma: 0.38,
    errorRate: 0.008,
    warningRate: 0.002,
    diurnal: 1,
  },
  {
    service: 'supabase',
    operation: 'rest.select',
    perWeek: 7200,
    medianMs: 55,
    sigma: 0.5,
    errorRate: 0.004,
    warningRate: 0.002,
    diurnal: 0.8,
  },
  {
    service: 'supabase',
    operation: 'rpc.sync_inventory',
    perWeek: 2600,
    medianMs: 850,
    sigma: 0.45,
    errorRate: 0.008,
    warningRate: 0.004,
    diurnal: 0.8,
  },
  {
    service: 'supabase',
    operation: 'storage.upload',
    perWeek: 1600,
    medianMs: 1150,
    sigma: 0.55,
    errorRate: 0.012,
    warningRate: 0.004,
    diurnal: 0.8,
  },
  {
    service: 'shopify',
    operation: 'orders.list',
    perWeek: 3800,
    medianMs: 470,
    sigma: 0.45,
    errorRate: 0.01,
    warningRate: 0.004,
    diurnal: 1,
  },
  {
    service: 'shopify',
    operation: 'products.update',
    perWeek: 2200,
    medianMs: 640,
    sigma: 0.5,
    errorRate: 0.014,
    warningRate: 0.006,
    diurnal: 1,
  },
  {
    service: 'shopify',
    operation: 'inventory.adjust',
    perWeek: 3200,
    medianMs: 300,
    sigma: 0.4,
    errorRate: 0.008,
    warningRate: 0.003,
    diurnal: 1,
  },
  // n8n runs scheduled workflows around the clock: flatter traffic.
  {
    service: 'n8n',
    operation: 'workflows.execute',
    perWeek: 4400,
    medianMs: 1350,
    sigma: 0.65,
    errorRate: 0.015,
    warningRate: 0.006,
    diurnal: 0.3,
  },
  {
    service: 'n8n',
    operation: 'webhooks.receive',
    perWeek: 2600,
    medianMs: 95,
    sigma: 0.5,
    errorRate: 0.006,
    warningRate: 0.002,
    diurnal: 0.3,
  },
  {
    service: 'unleashed',
    operation: 'salesOrders.create',
    perWeek: 1700,
    medianMs: 1100,
    sigma: 0.45,
    errorRate: 0.02,
    warningRate: 0.006,
    diurnal: 1,
  },
  {
    service: 'unleashed',
    operation: 'products.list',
    perWeek: 2300,
    medianMs: 780,
    sigma: 0.5,
    errorRate: 0.012,
    warningRate: 0.004,
    diurnal: 1,
  },
  {
    service: 'unleashed',
    operation: 'stockOnHand.get',
    perWeek: 1700,
    medianMs: 600,
    sigma: 0.4,
    errorRate: 0.01,
    warningRate: 0.004,
    diurnal: 1,
  },
];

export interface ErrorProfile {
  /** A service, or `n8n-burst` for the failures of the story's error burst. */
  catalogue: string;
  message: string;
  weight: number;
  duration: ErrorDuration;
  /** Appends ` (execution <id>)`, an n8n execution id, so one cause logs many texts (docs/error-groups.md). */
  executionId?: true;
}

// 30 s timeouts only where the story moves the average anyway: one of them shifts a
// service's daily average by a few percent.
export const ERRORS: ErrorProfile[] = [
  { catalogue: 'hubspot', message: 'Rate limit exceeded (429)', weight: 60, duration: 'fast' },
  { catalogue: 'hubspot', message: '502 Bad Gateway', weight: 15, duration: 'gateway' },
  { catalogue: 'hubspot', message: 'ECONNRESET: connection reset by peer', weight: 15, duration: 'reset' },
  { catalogue: 'hubspot', message: 'Invalid API key', weight: 10, duration: 'fast' },
  { catalogue: 'supabase', message: 'ECONNRESET: connection reset by peer', weight: 35, duration: 'reset' },
  { catalogue: 'supabase', message: '503 Service Unavailable', weight: 35, duration: 'gateway' },
  { catalogue: 'supabase', message: 'duplicate key value violates unique constraint "inventory_pkey"', weight: 30, duration: 'fast' },
  { catalogue: 'shopify', message: 'Rate limit exceeded (429)', weight: 55, duration: 'fast' },
  { catalogue: 'shopify', message: '502 Bad Gateway', weight: 25, duration: 'gateway' },
  { catalogue: 'shopify', message: 'ECONNRESET: connection reset by peer', weight: 20, duration: 'reset' },
  { catalogue: 'n8n', message: 'Workflow execution timeout', weight: 15, duration: 'workflow_timeout', executionId: true },
  { catalogue: 'n8n', message: 'ECONNRESET: connection reset by peer', weight: 35, duration: 'reset' },
  { catalogue: 'n8n', message: '503 Service Unavailable', weight: 30, duration: 'gateway' },
  { catalogue: 'n8n', message: 'Invalid API key', weight: 20, duration: 'fast' },
  { catalogue: 'n8n-burst', message: 'Workflow execution timeout', weight: 80, duration: 'workflow_timeout', executionId: true },
  { catalogue: 'n8n-burst', message: '503 Service Unavailable', weight: 12, duration: 'gateway' },
  { catalogue: 'n8n-burst', message: 'ECONNRESET: connection reset by peer', weight: 8, duration: 'reset' },
  { catalogue: 'unleashed', message: 'Rate limit exceeded (429)', weight: 42, duration: 'fast' },
  { catalogue: 'unleashed', message: '503 Service Unavailable', weight: 27, duration: 'gateway' },
  { catalogue: 'unleashed', message: 'ECONNRESET: connection reset by peer', weight: 27, duration: 'reset' },
  { catalogue: 'unleashed', message: 'Request timeout after 30000ms', weight: 4, duration: 'timeout' },
];

export const WARNINGS = ['Slow response, retried after 429 (attempt 2/3)', 'Deprecated API version, upgrade recommended'] as const;

/** Plain log lines: not operations (no duration, status info), so the report ignores them. */
export const LOG_LINES: { service: string; level: 'info' | 'debug'; message: string; perWeek: number }[] = [
  { service: 'hubspot', level: 'info', message: 'OAuth token refreshed', perWeek: 170 },
  { service: 'hubspot', level: 'debug', message: 'Paging contacts: cursor advanced', perWeek: 900 },
  { service: 'supabase', level: 'debug', message: 'Connection pool: 4/20 in use', perWeek: 700 },
  { service: 'shopify', level: 'info', message: 'Webhook signature verified', perWeek: 600 },
  { service: 'n8n', level: 'info', message: 'Workflow activated', perWeek: 120 },
  { service: 'n8n', level: 'debug', message: 'Polling trigger: no new items', perWeek: 500 },
  { service: 'unleashed', level: 'info', message: 'Product cache warmed', perWeek: 150 },
];
export const LOG_DIURNAL = 0.7;

/** Clock skew between hosts: a few negative durations for dataQuality (two in the last day). */
export const NEGATIVE_DURATIONS: { service: string; operation: string; hoursBefore: number; durationMs: number }[] = [
  { service: 'supabase', operation: 'storage.upload', hoursBefore: 3.3, durationMs: -12 },
  { service: 'hubspot', operation: 'contacts.search', hoursBefore: 17.6, durationMs: -3 },
  { service: 'supabase', operation: 'rest.select', hoursBefore: 31.1, durationMs: -1 },
  { service: 'shopify', operation: 'orders.list', hoursBefore: 58.4, durationMs: -27 },
  { service: 'supabase', operation: 'storage.upload', hoursBefore: 101.9, durationMs: -8 },
  { service: 'hubspot', operation: 'deals.update', hoursBefore: 140.2, durationMs: -5 },
];

// The story, in ms before `end`: n8n slows down over the last day, with a burst of workflow
// timeouts from end-10h to end-5h; unleashed got faster with a fix deployed 25 h ago.
export const N8N_RAMP_MS = DAY_MS;
export const N8N_RAMP_FROM = 1.05;
export const N8N_RAMP_TO = 1.45;
export const N8N_BURST_FROM_MS = 10 * HOUR_MS;
export const N8N_BURST_TO_MS = 5 * HOUR_MS;
export const N8N_BURST_FACTOR = 1.5;
export const N8N_BURST_ERROR_RATE = 0.58;
export const N8N_WORKFLOW_TIMEOUT_MS = 6000;
export const UNLEASHED_FIX_MS = 25 * HOUR_MS;
export const UNLEASHED_FACTOR = 0.68;
