// The live page's script (render/html-live.ts): listens to its own /events by a relative URL
// (so the page works under a reverse proxy's path prefix), swaps each new report in place,
// shows "updated N s ago" and a banner when the figures are stale or the stream is lost.
(() => {
  var bar = document.getElementById('perfmon-live');
  var updated = document.getElementById('perfmon-updated');
  var banner = document.getElementById('perfmon-stale');
  var updatedAt = null;
  var status = null;
  var lastEventAt = Date.now();
  var connected = false;

  function ago(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 120) return `${s} s`;
    if (s < 7200) return `${Math.round(s / 60)} min`;
    return `${Math.round(s / 3600)} h`;
  }

  function show() {
    var now = Date.now();
    updated.textContent = updatedAt === null ? 'waiting for the first report' : `updated ${ago(now - updatedAt)} ago`;
    var problem = null;
    if (status !== null && status.failure !== null) {
      problem =
        'Stale: the last refresh failed ' +
        ago(now - (lastEventAt - status.failure.agoMs)) +
        ' ago (' +
        status.failure.cause +
        '). The figures are from the last good refresh.';
    } else if (!connected) {
      problem = 'Disconnected from the server: the figures may be out of date. Reconnecting…';
    } else if (status !== null && updatedAt !== null && now - updatedAt > 3 * status.intervalMs + 5000) {
      problem = `Stale: no new report for ${ago(now - updatedAt)}.`;
    }
    banner.hidden = problem === null;
    banner.textContent = problem === null ? '' : problem;
    bar.className = problem === null ? 'live-ok' : 'live-stale';
  }

  function replace(selector, html) {
    var el = document.querySelector(selector);
    if (el) el.outerHTML = html;
  }

  var events = new EventSource('events');
  events.onopen = () => {
    connected = true;
    show();
  };
  events.onerror = () => {
    connected = false;
    show();
  };
  events.addEventListener('page', (e) => {
    var page = JSON.parse(e.data);
    document.title = page.title;
    replace('body > header', page.header);
    document.querySelector('main').innerHTML = page.main;
    document.getElementById('perfmon-chart-data').textContent = page.data;
    window.perfmonSetup();
  });
  events.addEventListener('status', (e) => {
    status = JSON.parse(e.data);
    lastEventAt = Date.now();
    updatedAt = status.successAgoMs === null ? null : lastEventAt - status.successAgoMs;
    connected = true;
    show();
  });
  setInterval(show, 1000);
  show();
})();
