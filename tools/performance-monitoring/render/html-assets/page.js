// The HTML report's script (render/html.ts inlines it after uPlot): one chart pair per service
// from the embedded timeline, redrawn to the card's width, its times in UTC and its values shown
// on hover; click a column header to sort.
// The live page (render/html-live.ts) swaps the report in and calls window.perfmonSetup() again.
(() => {
  var COLORS = { operations: '#2563eb', failures: '#dc2626', p95: '#7c3aed', threshold: '#d97706' };
  var HEIGHT = 190;
  var data = null;
  var charts = [];

  function widthOf(el) {
    return Math.max(200, Math.floor(el.getBoundingClientRect().width));
  }

  function utc(seconds) {
    return uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');
  }

  function two(n) {
    return (n < 10 ? '0' : '') + n;
  }

  // The report's times are UTC: the axis says so and never shows the viewer's zone or a 12-hour clock.
  function spansDays() {
    return data.starts.length > 1 && data.starts[data.starts.length - 1] - data.starts[0] >= 86400;
  }

  function utcText(seconds, withDate) {
    var d = new Date(seconds * 1000);
    var day = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
    var time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
    return withDate ? `${day} ${time}` : time;
  }

  function axisTime(seconds) {
    var days = spansDays();
    var text = utcText(seconds, days);
    return days ? text.slice(5) : text;
  }

  function shown(value, unit) {
    return value == null ? '—' : Math.round(value).toLocaleString('en-US') + unit;
  }

  // The time column of the legend: the hovered bucket's start, in UTC.
  var TIME = { label: 'Time (UTC)', value: (_u, v) => (v == null ? '—' : `${utcText(v, true)} UTC`) };

  function chartOptions(kind, el) {
    // Half a bucket of room on each side, so the first and last bars are whole.
    var pad = data.bucketSeconds / 2;
    var x = { time: true, range: (_u, min, max) => [min - pad, max + pad] };
    var base = {
      width: widthOf(el),
      height: HEIGHT,
      tzDate: utc,
      // The legend follows the cursor: hovering a bucket shows its time and every series' value.
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: x },
      axes: [{ label: 'UTC', values: (_u, splits) => splits.map(axisTime) }, {}],
    };
    if (kind === 'ops') withOpsSeries(base);
    else withP95Series(base);
    return base;
  }

  // Failures have their own scale (right axis): at a 1% error rate they would be invisible
  // against the operations' bars on one axis.
  function withOpsSeries(base) {
    var bars = uPlot.paths.bars({ size: [0.7, 40] });
    var count = (_u, v) => shown(v, '');
    base.title = 'Operations and failures';
    base.series = [
      TIME,
      {
        label: 'Operations',
        stroke: COLORS.operations,
        width: 0,
        fill: `${COLORS.operations}99`,
        paths: bars,
        points: { show: false },
        value: count,
      },
      {
        label: 'Failures',
        scale: 'failures',
        stroke: COLORS.failures,
        width: 2,
        points: { show: true, size: 5, fill: COLORS.failures },
        value: count,
      },
    ];
    base.scales.y = { range: (_u, _min, max) => [0, Math.max(1, max)] };
    base.scales.failures = { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] };
    base.axes.push({ scale: 'failures', side: 1, label: 'Failures', stroke: COLORS.failures, grid: { show: false } });
  }

  function withP95Series(base) {
    var ms = (_u, v) => shown(v, ' ms');
    base.title = 'P95 (ms) against the threshold';
    base.series = [
      TIME,
      { label: 'P95 ms', stroke: COLORS.p95, width: 2, spanGaps: false, points: { show: true, size: 4 }, value: ms },
      { label: 'Threshold', stroke: COLORS.threshold, width: 2, dash: [6, 4], points: { show: false }, value: ms },
    ];
    base.scales.y = { range: (_u, _min, max) => [0, Math.max(max, data.threshold) * 1.1] };
  }

  function seriesOf(kind, service) {
    if (kind === 'ops') return [data.starts, service.operations, service.failures];
    return [data.starts, service.p95, data.starts.map(() => data.threshold)];
  }

  function drawCharts() {
    charts.forEach((c) => {
      c.plot.destroy();
    });
    charts = [];
    data = JSON.parse(document.getElementById('perfmon-chart-data').textContent);
    if (data === null) return;
    document.querySelectorAll('[data-chart]').forEach((el) => {
      var service = data.services[Number(el.getAttribute('data-index'))];
      var kind = el.getAttribute('data-chart');
      charts.push({ el: el, plot: new uPlot(chartOptions(kind, el), seriesOf(kind, service), el) });
    });
  }

  var pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      charts.forEach((c) => {
        c.plot.setSize({ width: widthOf(c.el), height: HEIGHT });
      });
    });
  });

  function compareKeys(x, y) {
    if (x < y) return -1;
    return x > y ? 1 : 0;
  }

  function sortKey(row, column, numeric) {
    var raw = row.cells[column].getAttribute('data-sort');
    if (!numeric) return raw.toLowerCase();
    return raw === '' ? -Infinity : Number(raw);
  }

  function sortBy(table, headers, th, column) {
    var numeric = th.getAttribute('data-type') === 'number';
    var direction = th.getAttribute('aria-sort') === 'descending' ? 'ascending' : 'descending';
    headers.forEach((other) => {
      other.removeAttribute('aria-sort');
    });
    th.setAttribute('aria-sort', direction);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort((a, b) => {
      var order = compareKeys(sortKey(a, column, numeric), sortKey(b, column, numeric));
      return direction === 'ascending' ? order : -order;
    });
    rows.forEach((row) => {
      body.appendChild(row);
    });
  }

  function bindSorting() {
    document.querySelectorAll('table.sortable').forEach((table) => {
      var headers = table.querySelectorAll('th');
      headers.forEach((th, column) => {
        th.querySelector('button').addEventListener('click', () => sortBy(table, headers, th, column));
      });
    });
  }

  window.perfmonSetup = () => {
    drawCharts();
    bindSorting();
  };
  window.perfmonSetup();
})();
