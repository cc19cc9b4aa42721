/**
 * The dashboard's script, charts part: the device page's heartbeat charts, drawn with uPlot (served
 * by the engine from its package, assets.ts) from the fleet's stored heartbeats
 * (`/api/devices/:id/heartbeats`, one sample a minute) and extended by the live ones the event
 * stream brings, on the same rule: the last sample of each minute, over the same window. One small
 * chart per series, their cursors in step. Shares the core's closure (page-script.ts).
 */
export const PLOTS_SCRIPT = String.raw`
/* ---- heartbeat charts ---- */
var HB_HEIGHT = 150;
var HB_SERIES = [
  { key: 'depth', label: 'outbox depth', floor: 10, fmt: function (v) { return String(Math.round(v)); } },
  { key: 'oldestAgeS', label: 'oldest in outbox', floor: 60, fmt: function (v) { return v < 120 ? Math.round(v) + ' s' : v < 7200 ? Math.round(v / 60) + ' min' : (v / 3600).toFixed(1) + ' h'; } },
  { key: 'cpu', label: 'CPU load', floor: 1, fmt: function (v) { return v.toFixed(2); } },
  { key: 'mem', label: 'memory used', floor: 1, fmt: function (v) { return Math.round(v * 100) + ' %'; } },
  { key: 'temperatureC', label: 'temperature', optional: true, fmt: function (v) { return v.toFixed(1) + ' °C'; } },
];
var HB = null;

function plotsAvailable() { return typeof window.uPlot === 'function'; }
function hbStart(id) {
  hbStop();
  var hb = HB = { id: id, samples: [], loaded: false, error: null, windowS: 6 * 3600, charts: new Map(), observer: null };
  getJson('/devices/' + encodeURIComponent(id) + '/heartbeats').then(function (b) {
    if (HB !== hb) return;
    var early = hb.samples;
    hb.samples = b.samples || [];
    hb.windowS = b.windowS || hb.windowS;
    hb.loaded = true;
    early.forEach(hbAdd);
    hbDraw();
  }).catch(function (err) { if (HB === hb) { hb.error = err.message; hb.loaded = true; hbDraw(); } });
}
function hbStop() {
  if (!HB) return;
  HB.charts.forEach(function (u) { u.destroy(); });
  if (HB.observer) HB.observer.disconnect();
  HB = null;
}
/** A live sample: kept until the stored ones arrive, then added on the fleet's own rule. */
function hbLive(id, s) {
  if (!HB || HB.id !== id) return;
  if (!HB.loaded) { HB.samples.push(s); return; }
  hbAdd(s);
  hbDraw();
}
function hbAdd(s) {
  var list = HB.samples, t = Date.parse(s.ts), last = list[list.length - 1];
  if (!isFinite(t)) return;
  if (last) {
    var lt = Date.parse(last.ts);
    if (t < lt) return; // already among the stored ones
    if (Math.floor(t / 60000) === Math.floor(lt / 60000)) list.pop();
  }
  list.push(s);
  while (list.length && Date.parse(list[0].ts) <= t - HB.windowS * 1000) list.shift();
}
function hbChart(box, spec) {
  var fig = document.createElement('figure');
  fig.className = 'hb-chart';
  fig.dataset.chart = spec.key;
  fig.innerHTML = '<figcaption><b></b> <span class="now muted"></span></figcaption><div class="plot"></div>';
  fig.querySelector('b').textContent = spec.label;
  box.appendChild(fig);
  var plot = fig.querySelector('.plot');
  var fmt = function (v) { return v == null ? '–' : spec.fmt(v); };
  return new uPlot({
    width: Math.max(200, plot.clientWidth), height: HB_HEIGHT,
    cursor: { sync: { key: 'heartbeats' } },
    legend: { show: false },
    scales: {
      x: { range: hbRange },
      y: { range: function (u, min, max) { return spec.floor ? [0, Math.max(spec.floor, max == null ? 0 : max * 1.1)] : uPlot.rangeNum(min == null ? 0 : min, max == null ? 1 : max, 0.1, true); } },
    },
    axes: [{ stroke: '#5b6570', grid: { stroke: '#eef1f4' } }, { stroke: '#5b6570', grid: { stroke: '#eef1f4' }, size: 64, values: function (u, splits) { return splits.map(fmt); } }],
    series: [{}, { label: spec.label, stroke: '#0969da', width: 2, fill: 'rgba(9, 105, 218, 0.08)', value: function (u, v) { return fmt(v); } }],
    hooks: { setCursor: [function (u) { var i = u.cursor.idx; fig.querySelector('.now').textContent = i == null ? hbNow(u, fmt) : time(u.data[0][i] * 1000) + ': ' + fmt(u.data[1][i]); }] },
  }, [[], []], plot);
}
/** The samples' span, ten minutes at least (uPlot would give a lone sample a span of its own choosing); a zoom as asked. */
function hbRange(u, min, max) {
  var xs = u.data[0], first = xs[0], last = xs[xs.length - 1];
  if (first == null) { last = Date.now() / 1000; return [last - 600, last]; }
  if (xs.length > 1 && (min !== first || max !== last)) return [min, max];
  return [Math.min(first, last - 600), last];
}
function hbNow(u, fmt) {
  var ys = u.data[1];
  for (var i = ys.length - 1; i >= 0; i--) if (ys[i] != null) return 'now ' + fmt(ys[i]) + ', max ' + fmt(Math.max.apply(null, ys.filter(function (v) { return v != null; })));
  return 'no value';
}
/** Fits the charts into the box the device page keeps for them (made there once, never redrawn). */
function hbDraw() {
  var box = $('heartbeat-charts'), note = $('heartbeat-note');
  if (!HB || !box) return;
  var hours = Math.round(HB.windowS / 360) / 10;
  if (!plotsAvailable()) { note.textContent = 'The charting library did not load.'; return; }
  note.textContent = HB.error ? 'Heartbeats: ' + HB.error : !HB.loaded ? 'Loading heartbeats…' :
    HB.samples.length ? 'The last ' + hours + ' h, one heartbeat a minute: ' + HB.samples.length + ' so far.' : 'No heartbeat in the last ' + hours + ' h.';
  var xs = HB.samples.map(function (s) { return Date.parse(s.ts) / 1000; });
  HB_SERIES.forEach(function (spec) {
    var ys = HB.samples.map(function (s) { return s[spec.key] == null ? null : s[spec.key]; });
    var u = HB.charts.get(spec.key);
    if (!u && spec.optional && !ys.some(function (v) { return v != null; })) return;
    if (!u) { u = hbChart(box, spec); HB.charts.set(spec.key, u); }
    u.setData([xs, ys]);
    var fig = u.root.closest('figure');
    fig.dataset.points = String(ys.filter(function (v) { return v != null; }).length);
    if (u.cursor.idx == null) fig.querySelector('.now').textContent = hbNow(u, function (v) { return v == null ? '–' : spec.fmt(v); });
  });
  if (!HB.observer && window.ResizeObserver) {
    HB.observer = new ResizeObserver(function () {
      if (HB) HB.charts.forEach(function (u) { var w = u.root.parentNode.clientWidth; if (w && Math.abs(w - u.width) > 2) u.setSize({ width: w, height: HB_HEIGHT }); });
    });
    HB.observer.observe(box);
  }
}
`;
