/**
 * The dashboard's script, third part: buses (an SVG map drawn from the GTFS shapes and stops, with
 * each bus at its last fix, its delay and load; no map tiles) and ridership (boardings and
 * alightings per stop and hour, bars drawn with uPlot). Shares the core's closure (page-script.ts).
 */
export const CHARTS_SCRIPT = String.raw`
/* ---- buses ---- */
var busTimer = null, network = null, vehicles = [];
function delayText(s) {
  if (s == null) return 'no trip';
  var m = Math.round(s / 60);
  return m === 0 ? 'on time' : m > 0 ? '+' + m + ' min' : m + ' min';
}
function delayClass(s) { return s == null ? 'unknown' : s > 300 ? 'offline' : s > 120 ? 'stale' : 'online'; }
function loadBuses() {
  getJson('/vehicles').then(function (b) { vehicles = b.vehicles || []; changed(); }).catch(function () {});
}
VIEWS.buses = {
  enter: function () {
    if (!network) fetch('/dashboard/network', { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : { sites: [] }; }).then(function (b) { network = b; changed(); }, function () {});
    loadBuses();
    busTimer = setInterval(loadBuses, 5000);
  },
  leave: function () { clearInterval(busTimer); busTimer = null; },
  render: function (el) {
    var sites = (network && network.sites) || [];
    var pts = [];
    sites.forEach(function (s) { s.lines.forEach(function (l) { pts = pts.concat(l.points); }); s.stops.forEach(function (p) { pts.push([p.lat, p.lon]); }); });
    vehicles.forEach(function (v) { if (v.lastFix) pts.push([v.lastFix.lat, v.lastFix.lon]); });
    var h = '';
    if (pts.length) {
      var W = 1000, H = 600, pad = 30;
      var minLat = Infinity, maxLat = -Infinity, minLon = Infinity, maxLon = -Infinity;
      pts.forEach(function (p) { minLat = Math.min(minLat, p[0]); maxLat = Math.max(maxLat, p[0]); minLon = Math.min(minLon, p[1]); maxLon = Math.max(maxLon, p[1]); });
      var k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
      var sx = (maxLon - minLon) * k || 1e-3, sy = (maxLat - minLat) || 1e-3;
      var scale = Math.min((W - 2 * pad) / sx, (H - 2 * pad) / sy);
      var ox = (W - 2 * pad - sx * scale) / 2, oy = (H - 2 * pad - sy * scale) / 2; // centred
      var xy = function (lat, lon) { return [(pad + ox + (lon - minLon) * k * scale).toFixed(1), (H - pad - oy - (lat - minLat) * scale).toFixed(1)]; };
      h += '<svg id="bus-map" viewBox="0 0 ' + W + ' ' + H + '" width="100%" role="img" aria-label="bus map">';
      sites.forEach(function (s) {
        s.lines.forEach(function (l) {
          h += '<polyline data-line="' + esc(l.id) + '" fill="none" stroke="' + esc(l.color) + '" stroke-width="3" stroke-opacity="0.6" points="' + l.points.map(function (p) { return xy(p[0], p[1]).join(','); }).join(' ') + '"/>';
        });
        s.stops.forEach(function (p) { var c = xy(p.lat, p.lon); h += '<circle class="stop" cx="' + c[0] + '" cy="' + c[1] + '" r="3" fill="#fff" stroke="#5b6570"><title>' + esc(p.name || p.id) + '</title></circle>'; });
      });
      vehicles.forEach(function (v) {
        if (!v.lastFix) return;
        var c = xy(v.lastFix.lat, v.lastFix.lon), col = { online: '#1f883d', stale: '#bf8700', offline: '#cf222e', unknown: '#8c959f' }[delayClass(v.delay)];
        h += '<g class="bus" data-vehicle="' + esc(v.id) + '"><circle cx="' + c[0] + '" cy="' + c[1] + '" r="8" fill="' + col + '" stroke="#fff" stroke-width="2"/>' +
          '<text x="' + (+c[0] + 11) + '" y="' + (+c[1] + 4) + '" fill="#1b1f24" font-weight="600">' + esc((v.label || v.id) + (v.route ? ' · ' + v.route : '') + ' · ' + delayText(v.delay)) + '</text></g>';
      });
      h += '</svg>';
    } else {
      h += '<p class="muted">No timetable with shapes and no bus position yet.</p>';
    }
    h += '<h2>Buses</h2>' + (vehicles.length ? '<table id="vehicles"><thead><tr><th>bus</th><th>route</th><th>towards</th><th>delay</th><th>next stop</th><th>load</th><th>last fix</th></tr></thead><tbody>' +
      vehicles.map(function (v) {
        return '<tr data-vehicle="' + esc(v.id) + '"><td><a href="#/device/' + encodeURIComponent(v.id) + '">' + esc(v.label || v.id) + '</a></td><td>' + esc(v.route || '') + '</td><td>' + esc(v.headsign || '') + '</td><td>' + pill(delayClass(v.delay), delayText(v.delay)) +
          '</td><td>' + esc(v.nextStop ? v.nextStop.name || v.nextStop.id : '') + '</td><td>' + esc(v.load ? v.load.onboard + (v.load.capacity ? ' / ' + v.load.capacity : '') + (v.load.level ? ' (' + v.load.level + ')' : '') : '') +
          '</td><td>' + esc(v.lastFix ? ago(v.lastFix.time) : 'none') + '</td></tr>';
      }).join('') + '</tbody></table>' : '<p class="muted">No bus has sent a position.</p>');
    el.innerHTML = h;
  },
};

/* ---- ridership ---- */
var riders = null, riderStop = null, riderPlot = null;
function riderPlotGone() { if (riderPlot) { riderPlot.destroy(); riderPlot = null; } }
/** Boardings and alightings of each hour at one stop, side by side in the hour's slot (h:00 to h+1:00). */
function riderChart(box, hours) {
  var b = hours.map(function (x) { return x.b; }), a = hours.map(function (x) { return x.a; });
  var count = function (u, v) { return v == null ? '–' : String(v); };
  riderPlot = new uPlot({
    width: Math.max(320, box.querySelector('.plot').clientWidth), height: 280,
    legend: { live: true },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    scales: { x: { time: false, range: [0, 24] }, y: { range: function (u, min, max) { return [0, Math.max(4, Math.ceil((max || 0) * 1.1))]; } } },
    axes: [
      { stroke: '#5b6570', grid: { show: false }, splits: function () { return [0, 3, 6, 9, 12, 15, 18, 21, 24]; }, values: function (u, splits) { return splits.map(function (h) { return h + ':00'; }); } },
      { stroke: '#5b6570', grid: { stroke: '#eef1f4' }, values: function (u, splits) { return splits.map(function (v) { return v % 1 ? '' : String(v); }); } },
    ],
    series: [
      { label: 'hour', value: function (u, x) { var h = Math.floor(x); return x == null ? '' : h + ':00–' + (h + 1) + ':00'; } },
      { label: 'boardings', stroke: '#0969da', fill: '#0969da', width: 0, value: count, paths: uPlot.paths.bars({ size: [0.42, 40], align: -1 }), points: { show: false } },
      { label: 'alightings', stroke: '#bf8700', fill: '#bf8700', width: 0, value: count, paths: uPlot.paths.bars({ size: [0.42, 40], align: 1 }), points: { show: false } },
    ],
  }, [hours.map(function (x) { return x.i + 0.5; }), b, a], box.querySelector('.plot'));
  box.dataset.boardings = String(b.reduce(function (s, v) { return s + v; }, 0));
  box.dataset.alightings = String(a.reduce(function (s, v) { return s + v; }, 0));
}
VIEWS.ridership = {
  enter: function () {
    riders = null;
    getJson('/ridership').then(function (b) { riders = b; changed(); }).catch(function (err) { riders = { error: err.message }; changed(); });
  },
  leave: riderPlotGone,
  update: function (kind) { return !!kind; }, // the devices' live news change nothing here
  render: function (el) {
    riderPlotGone();
    if (!riders) { el.innerHTML = '<p class="muted">Loading…</p>'; return; }
    if (riders.error) { el.innerHTML = '<p class="error">' + esc(riders.error) + '</p>'; return; }
    var byStop = new Map();
    (riders.stops || []).forEach(function (r) {
      var s = byStop.get(r.stopId) || { id: r.stopId, name: r.stopName || r.stopId, hours: [], total: 0 };
      s.hours.push(r);
      s.total += r.boardings;
      byStop.set(r.stopId, s);
    });
    var stops = Array.from(byStop.values()).sort(function (a, b) { return b.total - a.total; });
    var h = '<p class="muted">' + esc(riders.from) + ' to ' + esc(riders.to) + ' · ' + esc((riders.totals || {}).boardings || 0) + ' boardings, ' + esc((riders.totals || {}).alightings || 0) + ' alightings</p>';
    if (!stops.length) { el.innerHTML = h + '<p class="muted">No counted stop visits in this week.</p>'; return; }
    if (!riderStop || !byStop.has(riderStop)) riderStop = stops[0].id;
    h += '<label>Stop <select id="rider-stop">' + stops.map(function (s) { return '<option value="' + esc(s.id) + '"' + (s.id === riderStop ? ' selected' : '') + '>' + esc(s.name) + ' (' + s.total + ')</option>'; }).join('') + '</select></label>';
    var hours = new Array(24).fill(null).map(function (_, i) { return { b: 0, a: 0, i: i }; });
    byStop.get(riderStop).hours.forEach(function (r) { hours[r.hour].b += r.boardings; hours[r.hour].a += r.alightings; });
    h += '<h2>Boardings and alightings by hour' + (riders.timeZone ? ' (' + esc(riders.timeZone) + ')' : '') + '</h2>';
    el.innerHTML = h + '<figure id="ridership-chart" class="plot-card" role="img" aria-label="boardings and alightings by hour"><div class="plot"></div></figure>';
    var box = $('ridership-chart');
    box.dataset.stop = riderStop;
    if (plotsAvailable()) riderChart(box, hours);
    else box.textContent = 'The charting library did not load.';
  },
};
document.addEventListener('change', function (e) {
  if (e.target && e.target.id === 'rider-stop') { riderStop = e.target.value; changed(); }
});
`;
