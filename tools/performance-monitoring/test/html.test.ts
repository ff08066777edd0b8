// --format html opened in the real headless Chromium (Debian's, driven by puppeteer-core): no
// console error, no request but the file itself, charts drawn, the page's figures equal the
// JSON report's, sortable tables, readable at 375 px and 1,400 px; screenshots kept.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutFailuresThen } from '../harness/baseline-edit.js';
import { emptyDir, runCli } from '../harness/cli.js';
import { buildReport, sampleServices, silentService } from '../harness/report-fixture.js';
import { chromiumPath } from '../harness/system.js';
import { renderHtml, type TimelineBucket } from '../render/html.js';
import type { Report, ServiceReport } from '../report/types.js';

const scratch = emptyDir('perfmon-html-');
let browser: Browser;

beforeAll(async () => {
  browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    userDataDir: emptyDir('perfmon-chromium-'),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

/** Opens the page from a file at `width` px; every request but the file itself is blocked and kept. */
async function open(html: string, name: string, width: number): Promise<Opened> {
  const file = join(scratch, `${name}.html`);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('dialog', (d) => {
    consoleErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url() === url) return void request.continue();
    requests.push(request.url());
    return void request.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, consoleErrors, requests };
}

/** Screenshot into the scratch dir; PERFMON_KEEP_SCREENSHOTS=DIR keeps a copy to look at. */
async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(scratch, `${name}.png`);
  await page.screenshot({ path: path as `${string}.png`, fullPage: true });
  const keep = process.env.PERFMON_KEEP_SCREENSHOTS;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    copyFileSync(path, join(keep, `${name}.png`));
  }
  expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
}

/** Rows of a table as their cells' [text, data-sort]. */
function tableRows(page: Page, id: string): Promise<[string, string][][]> {
  return page.$$eval(`#${id} tbody tr`, (rows) =>
    rows.map((row) =>
      Array.from((row as HTMLTableRowElement).cells, (c) => [c.textContent ?? '', c.getAttribute('data-sort') ?? ''] as [string, string]),
    ),
  );
}

/** Per chart canvas: how many pixels are of each series colour family. */
function chartPixels(page: Page): Promise<{ kind: string; blue: number; red: number; purple: number; orange: number }[]> {
  return page.$$eval('[data-chart]', (figures) => {
    // Defined in here: this runs in the page, where nothing outside the callback exists.
    type Family = 'blue' | 'red' | 'purple' | 'orange';
    const familyOf = (r: number, g: number, b: number): Family | null => {
      if (b > 180 && r < 120 && g < 170) return 'blue';
      if (r > 180 && g < 100 && b < 100) return 'red';
      if (r > 90 && r < 160 && g < 90 && b > 200) return 'purple';
      if (r > 190 && g > 100 && g < 150 && b < 40) return 'orange';
      return null;
    };
    const pixelsOf = (canvas: HTMLCanvasElement | null): Uint8ClampedArray => {
      const context = canvas?.getContext('2d');
      if (!canvas || !context) return new Uint8ClampedArray(0);
      return context.getImageData(0, 0, canvas.width, canvas.height).data;
    };
    return figures.map((figure) => {
      const counts = { kind: figure.getAttribute('data-chart') ?? '', blue: 0, red: 0, purple: 0, orange: 0 };
      const data = pixelsOf(figure.querySelector('canvas'));
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i + 3] ?? 0) < 128) continue;
        const family = familyOf(data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0);
        if (family !== null) counts[family] += 1;
      }
      return counts;
    });
  });
}

/** A timeline of six hourly buckets for the fixture's services; n8n fails and slows in the last two. */
function withTimeline(report: Report): Report {
  const starts = Array.from({ length: 6 }, (_, i) => new Date(Date.UTC(2025, 10, 20, 4 + i)).toISOString());
  const bucket = (operations: number, failures: number, p95: number | null): TimelineBucket => ({
    operations,
    failures,
    errorRate: operations === 0 ? null : (failures / operations) * 100,
    avgDuration: p95 === null ? null : p95 / 2,
    p95Duration: p95,
  });
  const series: Record<string, TimelineBucket[]> = {
    hubspot: [bucket(80, 2, 1500), bucket(90, 1, 1600), bucket(85, 3, 1700), bucket(88, 2, 1650), bucket(90, 3, 1900), bucket(90, 2, 1800)],
    unleashed: [
      bucket(70, 1, 1100),
      bucket(68, 2, 1200),
      bucket(72, 1, 1150),
      bucket(66, 2, 1250),
      bucket(70, 1, 1300),
      bucket(66, 1, 1200),
    ],
    n8n: [bucket(50, 1, 2100), bucket(52, 1, 2300), bucket(51, 2, 2500), bucket(53, 2, 2600), bucket(53, 6, 4400), bucket(53, 6, 5200)],
  };
  const services = report.services.map((s) => ({ ...s, timeline: series[s.service] ?? starts.map(() => bucket(0, 0, null)) }));
  return { ...report, timeline: { bucketSeconds: 3600, starts }, services } as Report;
}

describe('--format html in Chromium', () => {
  let report: Report;
  let html: string;

  beforeAll(async () => {
    const file = join(scratch, 'demo.html');
    const args = ['--demo', '--until', '2025-11-20T12:00:00Z'];
    const [json, out] = await Promise.all([runCli([...args, '--format', 'json']), runCli([...args, '--format', 'html', '--output', file])]);
    expect(out.code).toBe(0);
    report = JSON.parse(json.stdout) as Report;
    html = readFileSync(file, 'utf8');
  });

  it('opens the demo page with no console error and no request, under 400 kB', async () => {
    expect(Buffer.byteLength(html)).toBeLessThan(400 * 1024);
    const { page, consoleErrors, requests } = await open(html, 'demo', 1400);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    // The demo report has a timeline once docs/timeline.md lands: then two charts per service.
    const timed = (report as { timeline?: unknown }).timeline !== undefined;
    const charts = await chartPixels(page);
    expect(charts).toHaveLength(timed ? 2 * report.services.length : 0);
    for (const chart of charts) expect(chart.blue + chart.purple).toBeGreaterThan(50);
    await screenshot(page, 'demo-1400');
    await page.close();
  });

  it("shows the JSON report's figures: health score, overall and every service row", async () => {
    const { page } = await open(html, 'demo-figures', 1400);
    expect(await page.$eval('#health-score', (e) => e.textContent)).toBe(String(report.healthScore));
    expect(await page.$eval('[data-field="totalOperations"]', (e) => e.textContent)).toBe(
      report.overall.totalOperations.toLocaleString('en-US'),
    );
    expect(await page.$eval('[data-field="errorRate"]', (e) => e.textContent)).toBe(`${report.overall.errorRate?.toFixed(2)}%`);
    expect(await page.$eval('[data-field="invalidDurations"]', (e) => e.textContent)).toBe(String(report.dataQuality.invalidDurations));
    const rows = await tableRows(page, 'services-table');
    expect(rows.map((r) => r[0]?.[1])).toEqual(report.services.map((s) => s.service));
    expect(rows.map((r) => Number(r[1]?.[1]))).toEqual(report.services.map((s) => s.operations.total));
    expect(rows.map((r) => r[1]?.[0])).toEqual(report.services.map((s) => s.operations.total.toLocaleString('en-US')));
    expect(rows.map((r) => Number(r[4]?.[1]))).toEqual(report.services.map((s) => s.performance.p95Duration));
    expect(rows.map((r) => Number(r[7]?.[1]))).toEqual(report.services.map((s) => s.errors.errorRate));
    // Read off the demo's text report by hand once.
    expect(rows[3]?.map((c) => c[0]).slice(0, 5)).toEqual(['⚠️ n8n', '1,017', '92.1%', '1,650ms', '6,451ms']);
    const errors = await tableRows(page, 'errors-table');
    expect(errors.map((r) => [r[1]?.[0], r[2]?.[0], Number(r[3]?.[1])])).toEqual(
      report.mostFrequentErrors.map((e) => [e.service, e.message, e.count]),
    );
    await page.close();
  });

  it('sorts the service table by a column, descending then ascending', async () => {
    const { page } = await open(html, 'demo-sort', 1400);
    const p95s = report.services.map((s) => s.performance.p95Duration ?? -Infinity);
    await page.click('#services-table th:nth-child(5) button');
    expect((await tableRows(page, 'services-table')).map((r) => Number(r[4]?.[1]))).toEqual([...p95s].sort((a, b) => b - a));
    await page.click('#services-table th:nth-child(5) button');
    expect((await tableRows(page, 'services-table')).map((r) => Number(r[4]?.[1]))).toEqual([...p95s].sort((a, b) => a - b));
    await page.click('#services-table th:nth-child(1) button');
    expect((await tableRows(page, 'services-table')).map((r) => r[0]?.[1])).toEqual(
      report.services
        .map((s) => s.service)
        .sort()
        .reverse(),
    );
    await page.close();
  });
});

describe('gates in the page', () => {
  it('shows the GATES list and the baseline table, with no console error', async () => {
    const base = join(scratch, 'base.json');
    expect((await runCli(['--demo', '--until', '2025-11-19T12:00:00Z', '--format', 'json', '--output', base])).code).toBe(0);
    withoutFailuresThen(base, 'unleashed');
    const file = join(scratch, 'gates.html');
    const run = await runCli([
      '--demo',
      '--until',
      '2025-11-20T12:00:00Z',
      '--baseline',
      base,
      '--assert',
      'p95Duration<1500',
      '--format',
      'html',
      '--output',
      file,
    ]);
    expect(run.code).toBe(3);
    const { page, consoleErrors, requests } = await open(readFileSync(file, 'utf8'), 'gates', 1400);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.$$eval('#gates li', (lis) => lis.map((li) => li.textContent))).toEqual([
      '❌ p95Duration<1500: 2,507.5ms',
      `❌ --baseline ${base}: 1 regression (unleashed)`,
    ]);
    const rows = await page.$$eval('#baseline-table tbody tr', (trs) =>
      trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent)),
    );
    expect(rows[0]?.slice(0, 3)).toEqual(['Overall', '✅ no regression', '7,675 → 7,538 (-1.8%)']);
    expect(rows.filter((r) => r[1]?.startsWith('❌')).map((r) => r[0])).toEqual(['unleashed']);
    await page.close();
  });
});

describe('--service deep dive in the page', () => {
  it("has the OPERATIONS and TIMELINE tables with the JSON's figures", async () => {
    const args = ['--demo', '--until', '2025-11-20T12:00:00Z', '--service', 'n8n'];
    const file = join(scratch, 'n8n.html');
    const [json, out] = await Promise.all([runCli([...args, '--format', 'json']), runCli([...args, '--format', 'html', '--output', file])]);
    expect(out.code).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    const service = report.services[0] as ServiceReport;
    const { page, consoleErrors, requests } = await open(readFileSync(file, 'utf8'), 'n8n', 1400);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    const ops = await tableRows(page, 'operations-table');
    expect(ops.map((r) => [r[0]?.[0], Number(r[1]?.[1]), Number(r[2]?.[1])])).toEqual(
      service.byOperation.map((o) => [o.operation, o.calls, o.failures]),
    );
    const buckets = await tableRows(page, 'timeline-table');
    expect(buckets.map((r) => Number(r[1]?.[1]))).toEqual(service.timeline.map((b) => b.operations));
    expect(buckets.map((r) => r[0]?.[1])).toEqual(report.timeline.starts);
    await page.close();
  });
});

describe('charts from the timeline', () => {
  const report = withTimeline(buildReport({ services: [...sampleServices(), silentService()] }));
  const html = renderHtml(report);

  it.each([1400, 375])('draws operations, failures, p95 and the threshold for every service at %i px', async (width) => {
    const { page, consoleErrors, requests } = await open(html, `timeline-${width}`, width);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    const charts = await chartPixels(page);
    expect(charts.map((c) => c.kind)).toEqual(['ops', 'p95', 'ops', 'p95', 'ops', 'p95', 'ops', 'p95']);
    const [hubspotOps, hubspotP95, , , , n8nP95, silentOps] = charts;
    expect(hubspotOps?.blue).toBeGreaterThan(200);
    expect(hubspotOps?.red).toBeGreaterThan(10);
    expect(hubspotP95?.purple).toBeGreaterThan(50);
    expect(hubspotP95?.orange).toBeGreaterThan(50);
    expect(n8nP95?.purple).toBeGreaterThan(50);
    // The silent service has only empty buckets: axes, no bars.
    expect(silentOps?.blue).toBe(0);
    // Readable on a phone: nothing wider than the screen but the tables' own scroll boxes.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const chartWidths = await page.$$eval('[data-chart] canvas', (cs) => cs.map((c) => c.getBoundingClientRect().width));
    expect(Math.max(...chartWidths)).toBeLessThanOrEqual(width);
    await screenshot(page, `timeline-${width}`);
    await page.close();
  });

  it('keeps hostile log text inert: no script runs, nothing is fetched, the text shows as written', async () => {
    const hostile = ['<img src=http://127.0.0.1:9/x onerror=alert(1)>', '</script><script>alert(2)</script>', '"\'><svg onload=alert(3)>'];
    const services: ServiceReport[] = sampleServices().map((s, i) => ({ ...s, service: hostile[i] as string }));
    const page = renderHtml(
      withTimeline(
        buildReport({
          services,
          issues: hostile,
          mostFrequentErrors: hostile.map((h) => ({ service: h, message: h, count: 1, example: h, operations: [] })),
        }),
      ),
    );
    const { page: opened, consoleErrors, requests } = await open(page, 'hostile', 1400);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await opened.$$eval('img, svg:not(.uplot svg)', (els) => els.length)).toBe(0);
    expect((await tableRows(opened, 'services-table')).map((r) => r[0]?.[1])).toEqual(hostile);
    expect(await opened.$$eval('#issues li', (lis) => lis.map((li) => li.textContent))).toEqual(hostile.map((h) => `❌ ${h}`));
    await opened.close();
  });
});

describe('readable where no emoji font is installed, times in UTC, values on hover (issue 26)', () => {
  const report = withTimeline(buildReport({ services: sampleServices() }));
  const html = renderHtml(report);

  it('draws every status icon with CSS: a visible shape, the emoji kept as transparent text', async () => {
    const { page, consoleErrors } = await open(html, 'icons', 1400);
    expect(consoleErrors).toEqual([]);
    const icons = await page.$$eval('.icon', (els) =>
      els.map((el) => {
        const before = getComputedStyle(el, '::before');
        const box = el.getBoundingClientRect();
        return {
          text: el.textContent,
          label: el.getAttribute('aria-label'),
          color: getComputedStyle(el).color,
          shape: before.backgroundColor,
          width: box.width,
        };
      }),
    );
    expect(icons.length).toBeGreaterThan(5);
    for (const icon of icons) {
      expect(icon.label).not.toBe('');
      expect(icon.color).toBe('rgba(0, 0, 0, 0)');
      expect(icon.shape).not.toBe('rgba(0, 0, 0, 0)');
      expect(icon.width).toBeGreaterThan(8);
    }
    // Every emoji the body shows is inside an icon: none is left to an emoji font.
    const loose = await page.evaluate(() => {
      const walker = document.createTreeWalker(document.querySelector('main') ?? document.body, NodeFilter.SHOW_TEXT);
      const found: string[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (/\p{Extended_Pictographic}/u.test(node.textContent ?? '') && !node.parentElement?.classList.contains('icon'))
          found.push(node.textContent ?? '');
      }
      return found;
    });
    expect(loose).toEqual([]);
    await screenshot(page, 'icons-1400');
    await page.close();
  });

  it('keeps an emoji of a log line as text, never restyled as a status icon', async () => {
    const services = sampleServices().map((s, i) => (i === 0 ? { ...s, service: '✅ fake-ok' } : s));
    const { page } = await open(renderHtml(withTimeline(buildReport({ services }))), 'icons-log', 1400);
    const row = await page.$eval('tr[data-service="✅ fake-ok"] td', (td) => ({
      icons: td.querySelectorAll('.icon').length,
      text: td.textContent,
    }));
    // One icon: the status; the ✅ of the name is text.
    expect(row.icons).toBe(1);
    expect(row.text).toContain('✅ fake-ok');
    await page.close();
  });

  it('shows the hovered bucket in the legend: its UTC time, 24-hour, and every series value', async () => {
    const { page } = await open(html, 'hover', 1400);
    const over = await page.$eval('[data-chart="ops"] .u-over', (el) => {
      el.scrollIntoView({ block: 'center' });
      const box = el.getBoundingClientRect();
      return { x: box.left + box.width - 4, y: box.top + box.height / 2 };
    });
    const before = await page.$eval('[data-chart="ops"] .u-legend', (el) => (el.textContent ?? '').replace(/\s+/g, ' '));
    expect(before).not.toContain('Operations90');
    await page.mouse.move(over.x, over.y);
    const legend = await page.$eval('[data-chart="ops"] .u-legend', (el) => (el.textContent ?? '').replace(/\s+/g, ' '));
    // The last bucket of the first service (hubspot): 09:00 UTC, 90 operations, 2 failures.
    // Each legend entry is its label then its value (the colon is CSS).
    expect(legend).toContain('Time (UTC)2025-11-20 09:00 UTC');
    expect(legend).toContain('Operations90');
    expect(legend).toContain('Failures2');
    await screenshot(page, 'hover-1400');
    await page.close();
  });

  it('gives failures their own axis on the right, so a low error rate is still seen', async () => {
    const { page } = await open(html, 'failures-axis', 1400);
    // The plot area ends well before the canvas: the right-hand room is the failures' axis.
    const gutters = await page.$$eval('[data-chart="ops"]', (figures) =>
      figures.map((figure) => {
        const canvas = figure.querySelector('canvas')?.getBoundingClientRect();
        const over = figure.querySelector('.u-over')?.getBoundingClientRect();
        return canvas && over ? canvas.right - over.right : 0;
      }),
    );
    const p95Gutters = await page.$$eval('[data-chart="p95"]', (figures) =>
      figures.map((figure) => {
        const canvas = figure.querySelector('canvas')?.getBoundingClientRect();
        const over = figure.querySelector('.u-over')?.getBoundingClientRect();
        return canvas && over ? canvas.right - over.right : 0;
      }),
    );
    for (const [i, gutter] of gutters.entries()) expect(gutter).toBeGreaterThan((p95Gutters[i] ?? 0) + 20);
    await page.close();
  });
});
