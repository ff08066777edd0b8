// Live figures (docs/live.md), run by hand: `npx tsx tools/performance-monitoring/bench/live.ts
// [--sizes 1m,4m] [--rss-minutes 10]`. Measures (1) a tailed NDJSON file's refresh after 10k
// rows are appended, at 1M and 4M rows in the file (1M operations a day, 24-hour window), (2)
// /metrics latency under 100 concurrent scrapers of a real `--serve`, (3) the server's RSS in
// its first minute and its N-th of 1 s refreshes over a file that grows every second (sampled
// every second: median and max per minute, and the single sample at each minute's end).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { CONTROLLED, MONITOR, TSX_LOADER } from '../harness/cli.js';
import { TailingFileSource } from '../sources/file/tail.js';
import type { AggregateQuery } from '../sources/types.js';

const DAY = 86_400_000;
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const sizes = option('--sizes', '1m,4m')
  .split(',')
  .filter((s) => s !== 'none')
  .map((s) => Number(s.replace(/m$/i, '')) * 1_000_000);
/** What --serve reads while scraped: a 100k-row file (the default) or --demo (its refresh
 *  generates a week of rows in JavaScript, ~1 s of the event loop every refresh). */
const scrapeSource = option('--scrape-source', 'file');
const rssMinutes = Number(option('--rss-minutes', '10'));
/** How long the paced scrapers run: 100 a second, so 20 s gives 2,000 answers for the p99. */
const scrapeSeconds = Number(option('--scrape-seconds', '20'));
/** --hours of the RSS case: with a short window, old rows leave memory and RSS should plateau. */
const rssHours = option('--rss-hours', '0.02');
const dir = mkdtempSync(join(tmpdir(), 'perfmon-bench-live-'));
const SERVICES = ['hubspot', 'n8n', 'unleashed', 'stripe', 'slack', 'shopify', 'xero', 'zendesk'];

const line = (i: number, at: number) =>
  `{"source":"${SERVICES[i % 8]}","operation":"op${i % 22}","status":"${i % 37 === 0 ? 'error' : 'success'}","duration_ms":${50 + ((i * 7919) % 3000)},"created_at":"${new Date(at).toISOString()}"}\n`;

/** `rows` operations at 1M a day, ending now. */
async function writeFile(path: string, rows: number, end: number): Promise<void> {
  const out = createWriteStream(path);
  const step = DAY / 1_000_000;
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += line(i, end - (rows - i) * step);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function tailCase(rows: number): Promise<void> {
  const path = join(dir, `ops-${rows}.ndjson`);
  const end = Date.now();
  await writeFile(path, rows, end);
  const source = new TailingFileSource({ paths: [path], inputFormat: null, stdinMaxBytes: 1, mappings: [], timeUnit: 'ms' }, () => {});
  const query = (now: number): AggregateQuery => ({
    start: new Date(now - DAY),
    end: new Date(now),
    previousStart: new Date(now - 2 * DAY),
    services: null,
    threshold: 2000,
  });
  let t = performance.now();
  await source.aggregate(query(Date.now()));
  const first = (performance.now() - t) / 1000;
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    let text = '';
    for (let i = 0; i < 10_000; i++) text += line(i, Date.now() - 1000);
    appendFileSync(path, text);
    t = performance.now();
    await source.aggregate(query(Date.now()));
    times.push((performance.now() - t) / 1000);
  }
  await source.close();
  rmSync(path);
  console.log(
    `NDJSON ${(rows / 1e6).toFixed(0)}M rows: first refresh ${first.toFixed(2)} s; refresh after 10k appended rows: median ${median(times).toFixed(3)} s (${times.map((x) => x.toFixed(3)).join(', ')})`,
  );
}

function startServe(extra: string[]): Promise<{ url: string; pid: number; stop: () => void }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED) delete env[name];
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, '--serve', '0', '--interval', '1s', ...extra], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving (http:\/\/\S+\/)/.exec(stderr);
      if (match?.[1]) resolve({ url: match[1], pid: child.pid ?? 0, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
}

/** What Prometheus sends (scrape_protocols' default order): OpenMetrics preferred. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';

/** One autocannon run against /metrics; `rate` is each connection's requests a second (0: as fast as it can). */
async function cannon(url: string, rate: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: new URL('/metrics', url).href,
    connections: 100,
    duration: seconds,
    headers: { accept: PROMETHEUS_ACCEPT },
    ...(rate > 0 ? { connectionRate: rate } : {}),
  });
}

const refreshesOf = async (url: string) =>
  Number(/^perfmon_refreshes_total (\d+)/m.exec(await (await fetch(new URL('/metrics', url))).text())?.[1]);

async function scrapeCase(): Promise<void> {
  const path = join(dir, 'scraped.ndjson');
  if (scrapeSource === 'file') await writeFile(path, 100_000, Date.now());
  const server = await startServe(scrapeSource === 'file' ? ['--input', path] : ['--demo']);
  const what = scrapeSource === 'file' ? '--input of 100k rows' : '--demo';
  try {
    await fetch(new URL('/metrics', server.url)).then((r) => r.text());
    // (a) Scrapers: 100 connections, each one request a second (a Prometheus per connection).
    let before = await refreshesOf(server.url);
    const paced = await cannon(server.url, 1, scrapeSeconds);
    let refreshes = (await refreshesOf(server.url)) - before;
    console.log(
      `/metrics, 100 scrapers at 1 request/s each for ${scrapeSeconds} s (${what}, 1 s refreshes): ${paced.requests.total} answers (${paced.non2xx} not 2xx, ${paced.errors} errors, ${paced.timeouts} timeouts), p50 ${paced.latency.p50} ms, p99 ${paced.latency.p99} ms, max ${paced.latency.max} ms; ${refreshes} refreshes`,
    );
    // (b) Saturation: 100 connections as fast as they go (Little's law: latency = 100 / throughput).
    before = await refreshesOf(server.url);
    const flat = await cannon(server.url, 0, 10);
    refreshes = (await refreshesOf(server.url)) - before;
    console.log(
      `/metrics, saturation: 100 connections as fast as possible for 10 s: ${flat.requests.average.toFixed(0)} requests/s (${flat.requests.total} answers, ${flat.non2xx} not 2xx, ${flat.errors} errors), p50 ${flat.latency.p50} ms, p99 ${flat.latency.p99} ms, max ${flat.latency.max} ms; ${refreshes} refreshes`,
    );
  } finally {
    server.stop();
  }
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const durationOf = async (url: string) =>
  Number(/^perfmon_refresh_duration_seconds (\S+)/m.exec(await (await fetch(new URL('/metrics', url))).text())?.[1]);
const mb = (x: number) => `${x.toFixed(0)} MB`;
const change = (late: number, early: number) => `${(((late - early) / early) * 100).toFixed(1)}%`;

/** One minute's samples, taken every second: RSS moves in a band as each refresh takes and gives
 *  back its working memory, so one sample says where in the band it fell, not where the band is. */
interface Minute {
  rss: number[];
  durations: number[];
}

async function rssCase(): Promise<void> {
  const path = join(dir, 'growing.ndjson');
  await writeFile(path, 100_000, Date.now());
  const server = await startServe(['--input', path, '--hours', rssHours]);
  let i = 0;
  const appender = setInterval(() => {
    let text = '';
    for (let k = 0; k < 100; k++) text += line(i++, Date.now());
    appendFileSync(path, text);
  }, 1000);
  const minutes: Minute[] = [];
  const singles: number[] = [];
  for (let minute = 1; minute <= rssMinutes; minute++) {
    const current: Minute = { rss: [], durations: [] };
    minutes.push(current);
    for (let second = 0; second < 60; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      current.rss.push(rssMb(server.pid));
      current.durations.push(await durationOf(server.url));
    }
    singles.push(current.rss.at(-1) ?? NaN);
  }
  clearInterval(appender);
  server.stop();
  const first = minutes[0] as Minute;
  const last = minutes.at(-1) as Minute;
  const max = (xs: number[]) => Math.max(...xs);
  const [single1, singleN] = [singles[0] ?? NaN, singles.at(-1) ?? NaN];
  console.log(
    `RSS of --serve --hours ${rssHours} over a growing file (100k rows + 100 a second, 1 s refreshes), sampled every second; at each minute's end: ${singles.map((x, m) => `${m + 1} min ${mb(x)}`).join(', ')}`,
  );
  console.log(`  per minute, median/max: ${minutes.map((m, k) => `${k + 1}: ${mb(median(m.rss))}/${mb(max(m.rss))}`).join(', ')}`);
  console.log(
    `  minute ${rssMinutes} vs minute 1: single ${mb(singleN)} vs ${mb(single1)} (${change(singleN, single1)}), median ${mb(median(last.rss))} vs ${mb(median(first.rss))} (${change(median(last.rss), median(first.rss))}), max ${mb(max(last.rss))} vs ${mb(max(first.rss))} (${change(max(last.rss), max(first.rss))}); target: within 10%`,
  );
  const all = minutes.flatMap((m) => m.durations).filter(Number.isFinite);
  console.log(
    `  refresh duration (perfmon_refresh_duration_seconds, each second): median ${median(all).toFixed(3)} s, max ${max(all).toFixed(3)} s`,
  );
}

try {
  for (const rows of sizes) await tailCase(rows);
  if (scrapeSeconds > 0) await scrapeCase();
  if (rssMinutes > 0) await rssCase();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
