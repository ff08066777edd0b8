// The shape of the bench's generated data, shared by its two generators (datasets.ts in DuckDB,
// rollup-data.ts in PostgreSQL) and the cases that check their output: the report window, the 8
// services with their error rates and messages, the 22 operations with their durations.

/** The report window every benchmark run uses: `--until BENCH_UNTIL --hours BENCH_HOURS`. */
export const BENCH_UNTIL = '2025-11-20T12:00:00.000Z';
export const BENCH_HOURS = 24;

const HOUR_MS = 3_600_000;
export const WINDOW_END_MS = Date.parse(BENCH_UNTIL);
export const WINDOW_SPAN_MS = BENCH_HOURS * HOUR_MS;
export const CURRENT_START_MS = WINDOW_END_MS - WINDOW_SPAN_MS;
export const PREVIOUS_START_MS = WINDOW_END_MS - 2 * WINDOW_SPAN_MS;

interface ServiceProfile {
  name: string;
  errorRate: number;
  /** Failure messages, most frequent first. */
  messages: [string, string, string, string];
}

interface OperationProfile {
  service: string;
  operation: string;
  /** Share of operations, in thousandths (all weights sum to 1000). */
  weight: number;
  medianMs: number;
  sigma: number;
}

export const SERVICES: ServiceProfile[] = [
  {
    name: 'hubspot',
    errorRate: 0.012,
    messages: ['Rate limit exceeded (429)', 'Contact not found', 'Request timed out after 30000ms', "Invalid property 'lifecyclestage'"],
  },
  {
    name: 'supabase',
    errorRate: 0.004,
    messages: [
      'duplicate key value violates unique constraint',
      'JWT expired',
      'canceling statement due to statement timeout',
      'connection reset by peer',
    ],
  },
  {
    name: 'shopify',
    errorRate: 0.01,
    messages: [
      'Exceeded 2 calls per second for api client',
      'Product not found',
      'Request timed out after 30000ms',
      'Inventory item is not stocked at the location',
    ],
  },
  {
    name: 'n8n',
    errorRate: 0.06,
    messages: [
      'Workflow execution timed out',
      'Node "HTTP Request" failed: 502 Bad Gateway',
      'Credentials for "HubSpot" are not valid',
      'ECONNRESET',
    ],
  },
  {
    name: 'unleashed',
    errorRate: 0.02,
    messages: [
      'Sales order could not be created: customer on hold',
      'Signature mismatch',
      'Request timed out after 30000ms',
      'Product code already exists',
    ],
  },
  {
    name: 'stripe',
    errorRate: 0.008,
    messages: ['Your card was declined.', 'No such customer', 'Idempotency key reused with different parameters', 'Rate limit exceeded'],
  },
  {
    name: 'xero',
    errorRate: 0.03,
    messages: [
      'Rate limit exceeded: 60 calls per minute',
      'Validation error: Account code is not valid',
      'Token expired',
      'Request timed out after 30000ms',
    ],
  },
  { name: 'slack', errorRate: 0.005, messages: ['channel_not_found', 'ratelimited', 'invalid_blocks', 'not_in_channel'] },
];

export const OPERATIONS: OperationProfile[] = [
  { service: 'hubspot', operation: 'contacts.search', weight: 90, medianMs: 340, sigma: 0.5 },
  { service: 'hubspot', operation: 'contacts.batch', weight: 40, medianMs: 2100, sigma: 0.42 },
  { service: 'hubspot', operation: 'deals.update', weight: 60, medianMs: 420, sigma: 0.4 },
  { service: 'hubspot', operation: 'companies.get', weight: 40, medianMs: 260, sigma: 0.38 },
  { service: 'supabase', operation: 'rest.select', weight: 120, medianMs: 55, sigma: 0.5 },
  { service: 'supabase', operation: 'rpc.sync_inventory', weight: 40, medianMs: 850, sigma: 0.45 },
  { service: 'supabase', operation: 'storage.upload', weight: 25, medianMs: 1150, sigma: 0.55 },
  { service: 'shopify', operation: 'orders.list', weight: 70, medianMs: 470, sigma: 0.45 },
  { service: 'shopify', operation: 'products.update', weight: 40, medianMs: 640, sigma: 0.5 },
  { service: 'shopify', operation: 'inventory.adjust', weight: 60, medianMs: 300, sigma: 0.4 },
  { service: 'n8n', operation: 'workflows.execute', weight: 80, medianMs: 1350, sigma: 0.65 },
  { service: 'n8n', operation: 'webhooks.receive', weight: 50, medianMs: 95, sigma: 0.5 },
  { service: 'unleashed', operation: 'salesOrders.create', weight: 30, medianMs: 1100, sigma: 0.45 },
  { service: 'unleashed', operation: 'products.list', weight: 40, medianMs: 780, sigma: 0.5 },
  { service: 'unleashed', operation: 'stockOnHand.get', weight: 30, medianMs: 600, sigma: 0.4 },
  { service: 'stripe', operation: 'charges.create', weight: 50, medianMs: 380, sigma: 0.35 },
  { service: 'stripe', operation: 'refunds.create', weight: 10, medianMs: 520, sigma: 0.4 },
  { service: 'stripe', operation: 'webhooks.verify', weight: 40, medianMs: 25, sigma: 0.3 },
  { service: 'xero', operation: 'invoices.create', weight: 25, medianMs: 1900, sigma: 0.5 },
  { service: 'xero', operation: 'contacts.sync', weight: 15, medianMs: 2600, sigma: 0.6 },
  { service: 'slack', operation: 'chat.postMessage', weight: 35, medianMs: 180, sigma: 0.45 },
  { service: 'slack', operation: 'users.lookupByEmail', weight: 10, medianMs: 120, sigma: 0.4 },
];

/** The service `--service` benchmarks use (about 23% of the rows). */
export const ONE_SERVICE = 'hubspot';

/** The rollup bench's many-operations shape (issue 24): 7 services (the first 7 above) x 23
 *  operations = 161, as a realistic integration platform has; weights 6 or 7 thousandths (sum
 *  1000), medians 20 ms to ~3 s spread over the operations, sigmas 0.35 to 0.95 (lognormal). */
export const MANY_SERVICES: ServiceProfile[] = SERVICES.slice(0, 7);
export const MANY_OPERATIONS: OperationProfile[] = MANY_SERVICES.flatMap((service, s) =>
  Array.from({ length: 23 }, (_, o) => {
    const i = s * 23 + o;
    return {
      service: service.name,
      operation: `op${String(o + 1).padStart(2, '0')}.${['get', 'list', 'create', 'update', 'sync'][o % 5]}`,
      weight: i < 1000 - 6 * 161 ? 7 : 6,
      medianMs: Math.round(20 * 150 ** (((i * 37) % 161) / 160)),
      sigma: 0.35 + ((i * 13) % 7) / 10,
    };
  }),
);
