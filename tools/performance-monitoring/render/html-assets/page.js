// The HTML report's script (render/html.ts inlines it after uPlot): one chart pair per service
// from the embedded timeline, redrawn to the card's width; click a column header to sort.
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

  function chartOptions(kind, el) {
    // Half a bucket of room on each side, so the first and last bars are whole.
    var pad = data.bucketSeconds / 2;
    var x = { time: true, range: (u, min, max) => [min - pad, max + pad] };
    var base = {
      width: widthOf(el),
      height: HEIGHT,
      tzDate: utc,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: x },
    };
    if (kind === 'ops') {
      var bars = uPlot.paths.bars({ size: [0.7, 40] });
      base.title = 'Operations and failures';
      base.series = [
        {},
        { label: 'Operations', stroke: COLORS.operations, fill: COLORS.operations + '99', paths: bars, points: { show: false } },
        { label: 'Failures', stroke: COLORS.failures, fill: COLORS.failures + 'cc', paths: bars, points: { show: false } },
      ];
      base.scales.y = { range: (u, min, max) => [0, Math.max(1, max)] };
    } else {
      base.title = 'P95 (ms) against the threshold';
      base.series = [
        {},
        { label: 'P95 ms', stroke: COLORS.p95, width: 2, spanGaps: false, points: { show: true, size: 4 } },
        { label: 'Threshold', stroke: COLORS.threshold, width: 2, dash: [6, 4], points: { show: false } },
      ];
      base.scales.y = { range: (u, min, max) => [0, Math.max(max, data.threshold) * 1.1] };
    }
    return base;
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

  function sortKey(row, column, numeric) {
    var raw = row.cells[column].getAttribute('data-sort');
    if (!numeric) return raw.toLowerCase();
    return raw === '' ? -Infinity : Number(raw);
  }

  function bindSorting() {
    document.querySelectorAll('table.sortable').forEach((table) => {
      var headers = table.querySelectorAll('th');
      headers.forEach((th, column) => {
        th.querySelector('button').addEventListener('click', () => {
          var numeric = th.getAttribute('data-type') === 'number';
          var direction = th.getAttribute('aria-sort') === 'descending' ? 'ascending' : 'descending';
          headers.forEach((other) => {
            other.removeAttribute('aria-sort');
          });
          th.setAttribute('aria-sort', direction);
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort((a, b) => {
            var x = sortKey(a, column, numeric),
              y = sortKey(b, column, numeric);
            var order = x < y ? -1 : x > y ? 1 : 0;
            return direction === 'ascending' ? order : -order;
          });
          rows.forEach((row) => {
            body.appendChild(row);
          });
        });
      });
    });
  }

  window.perfmonSetup = () => {
    drawCharts();
    bindSorting();
  };
  window.perfmonSetup();
})();
