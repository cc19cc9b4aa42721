/**
 * The dashboard's script, second part: the device page (heartbeat charts, outbox, config versions,
 * command history with identify and restart, last log lines), parking (car parks and the panels'
 * rows), buses (an SVG map of their last fixes, delay and load) and ridership (boardings per stop
 * and hour). Shares the core's closure (page-script.ts): `S`, `VIEWS`, `esc`, `getJson`, ….
 */
export const VIEWS_SCRIPT = String.raw`
/* ---- frames: fetched once per device without one (the device list carries none) ---- */
var frameAsked = new Set();
function askFrame(d) {
  if (d.frame || frameAsked.has(d.id)) return;
  frameAsked.add(d.id);
  getJson('/devices/' + encodeURIComponent(d.id) + '/frame').then(function (f) {
    d.frame = { deviceId: d.id, ts: Date.parse(f.ts) || f.ts, kind: f.kind, summary: f.summary, hash: f.hash, picture: !!f.width };
    changed('frame', d.id);
  }).catch(function () {});
}
var baseDisplaysRender = VIEWS.displays.render;
VIEWS.displays.render = function (el) { devicesList().forEach(function (d) { if (d.role === 'stop-display') askFrame(d); }); baseDisplaysRender(el); };

/* ---- the device page ---- */
var detail = null;
VIEWS.device = {
  enter: function (id) {
    detail = null;
    Promise.all([getJson('/devices/' + encodeURIComponent(id)), getJson('/devices/' + encodeURIComponent(id) + '/commands').catch(function () { return []; })])
      .then(function (r) { detail = r[0]; S.commands.set(id, r[1]); changed(); })
      .catch(function (err) { $('view').innerHTML = '<p class="error">' + esc(err.message) + '</p>'; });
    S.logs = [];
    getJson('/devices/' + encodeURIComponent(id) + '/logs?limit=50').then(function (b) { S.logs = b.lines || []; changed(); }, function () {});
    hbStart(id);
  },
  leave: hbStop,
  heartbeat: hbLive,
  update: function (kind, id) { return id != null && current.arg !== id; },
  render: function (el, id) {
    if (!detail) { el.innerHTML = '<p class="muted">Loading ' + esc(id) + '…</p>'; return; }
    if (!$('heartbeats')) { // the charts' box is made once and kept: the rest is written anew on each change
      el.innerHTML = '<div id="device-head"></div><section id="heartbeats"><h2>Heartbeats</h2><p id="heartbeat-note" class="muted"></p><div id="heartbeat-charts" class="hb-charts"></div></section><div id="device-body"></div>';
      hbDraw();
    }
    var d = S.devices.get(id) || detail;
    var h = '<h2 id="device-title">' + esc(id) + ' ' + pill(d.presence) + '</h2>';
    h += '<p class="muted">' + esc(d.role) + (d.site ? ' at ' + esc(d.site) : '') + ' · last seen ' + esc(ago(d.lastSeen)) + ' · session ' + esc(detail.epoch) + '</p>';
    h += '<div class="actions"><button type="button" class="primary" data-verb="identify">Identify</button><button type="button" data-verb="restart">Restart</button><span id="command-result" class="muted"></span></div>';
    $('device-head').innerHTML = h;
    var ob = d.outbox;
    h = '<p>Outbox: <b id="outbox-depth">' + (ob ? ob.depth : '?') + '</b> waiting' + (ob && ob.oldestAgeS != null ? ', oldest ' + Math.round(ob.oldestAgeS) + ' s' : '') + (ob ? ', ' + ob.dropped + ' dropped' : '') + '</p>';
    h += '<h2>Versions and config</h2><table><tbody>';
    Object.keys(d.versions || {}).forEach(function (k) { h += '<tr><th>' + esc(k) + '</th><td>' + esc(d.versions[k]) + '</td></tr>'; });
    h += '<tr><th>config</th><td>' + esc(configText(d.config)) + '</td></tr></tbody></table>';
    var modules = d.liveModules || (detail.state && detail.state.modules) || {};
    if (Object.keys(modules).length) {
      h += '<h2>Modules</h2><table><tbody>' + Object.keys(modules).map(function (k) {
        var m = modules[k] || {};
        return '<tr><th>' + esc(k) + '</th><td>' + esc(m.status || '') + '</td><td>' + esc(m.error || m.detail || '') + '</td></tr>';
      }).join('') + '</tbody></table>';
    }
    if ((d.faults || []).length) h += '<h2>Faults</h2>' + troubleTable([d]);
    h += '<h2>Commands</h2><table id="commands"><thead><tr><th>verb</th><th>status</th><th>issued</th><th>updated</th><th>result</th></tr></thead><tbody>';
    (S.commands.get(id) || []).forEach(function (c) {
      h += '<tr data-cmd="' + esc(c.cmdId) + '" data-verb="' + esc(c.verb) + '"><td>' + esc(c.verb) + '</td><td class="status">' + pill(c.status) + '</td><td>' + esc(time(c.issuedAt)) + '</td><td>' + esc(time(c.updatedAt)) +
        '</td><td>' + esc(c.error || (c.result === undefined ? '' : JSON.stringify(c.result))) + '</td></tr>';
    });
    h += '</tbody></table>';
    var streams = Array.isArray(detail.streams) ? detail.streams : [];
    h += '<h2>Telemetry streams</h2>' + (streams.length ? '<table id="streams"><thead><tr><th>stream</th><th class="num">stored up to seq</th><th class="num">highest seq</th><th class="num">gaps</th></tr></thead><tbody>' +
      streams.map(function (t) { return '<tr><td>' + esc(t.stream) + '</td><td class="num">' + esc(t.hwm) + '</td><td class="num">' + esc(t.maxSeq) + '</td><td class="num">' + esc(t.gaps) + '</td></tr>'; }).join('') + '</tbody></table>' : '<p class="muted">No telemetry stored yet.</p>');
    h += '<h2>Last log lines</h2>' + ((S.logs || []).length ? '<pre id="logs">' + S.logs.map(function (l) { return esc(new Date(l.ts).toISOString() + ' ' + (l.level || '') + ' ' + (l.msg || l.message || JSON.stringify(l))); }).join('\n') + '</pre>' :
      '<p class="muted">None shipped in the last hour (tabla logs ' + esc(id) + ' asks for them).</p>');
    $('device-body').innerHTML = h;
  },
};
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('button[data-verb]');
  if (!b || current.name !== 'device') return;
  var id = current.arg, verb = b.dataset.verb;
  if (verb === 'restart' && !window.confirm('Restart ' + id + '?')) return;
  $('command-result').textContent = 'sending ' + verb + '…';
  postJson('/devices/' + encodeURIComponent(id) + '/commands', { verb: verb }).then(function (c) {
    var list = S.commands.get(id) || [];
    if (!list.some(function (x) { return x.cmdId === c.cmdId; })) list.unshift(c);
    S.commands.set(id, list);
    changed();
  }).catch(function (err) { var r = $('command-result'); if (r) { r.textContent = verb + ' failed: ' + err.message; r.className = 'error'; } });
});

/* ---- parking ---- */
var TREND = { rising: '↑ filling', falling: '↓ emptying', steady: '→ steady' };
VIEWS.parking = {
  enter: function () {
    getJson('/parking').then(function (b) { (b.carParks || []).forEach(function (c) { S.parking.set(c.id, c); }); changed(); }).catch(function () {});
    devicesList().forEach(function (d) { if (d.role === 'parking-panel') askFrame(d); });
  },
  render: function (el) {
    var parks = Array.from(S.parking.values()).sort(function (a, b) { return (a.site + a.name).localeCompare(b.site + b.name); });
    var h = '<h2>Car parks</h2>';
    h += parks.length ? '<table id="carparks"><thead><tr><th>car park</th><th>site</th><th class="num">free</th><th class="num">capacity</th><th>occupancy</th><th>state</th><th>trend</th><th>updated</th></tr></thead><tbody>' +
      parks.map(function (c) {
        var pct = c.percent == null ? 0 : c.percent;
        return '<tr data-carpark="' + esc(c.id) + '"><td>' + esc(c.name) + '</td><td>' + esc(c.site) + '</td><td class="num free">' + esc(c.free == null ? '–' : c.free) + '</td><td class="num">' + esc(c.capacity) +
          '</td><td><meter min="0" max="100" low="85" high="95" optimum="0" value="' + Math.max(0, Math.min(100, pct)) + '">' + esc(pct) + ' %</meter> ' + esc(pct) + ' %</td><td class="state">' + pill(c.open === false ? 'closed' : c.state, c.open === false ? 'closed' : c.state) +
          '</td><td class="trend">' + esc(TREND[c.trend] || c.trend || '') + '</td><td>' + esc(c.updatedAt || '') + '</td></tr>';
      }).join('') + '</tbody></table>' : '<p class="muted">No car park is known (tabla parking import).</p>';
    var panels = devicesList().filter(function (d) { return d.role === 'parking-panel'; });
    h += '<h2>Panels, as the signs show them</h2>';
    h += panels.length ? '<table id="panels"><thead><tr><th>panel</th><th>presence</th><th>rows</th><th>picture</th></tr></thead><tbody>' + panels.map(function (d) {
      var rows = d.frame && d.frame.summary ? d.frame.summary.split(/ · |\r?\n/) : []; // the panel's summary: rows joined by ' · '
      return '<tr data-device="' + esc(d.id) + '"><td><a href="#/device/' + encodeURIComponent(d.id) + '">' + esc(d.id) + '</a></td><td>' + pill(d.presence) + '</td><td>' +
        (rows.length ? rows.map(function (r) { return '<div class="signrow">' + esc(r) + '</div>'; }).join('') : '<span class="muted">no frame reported yet</span>') + '</td><td>' +
        (d.frame && (d.frame.picture || d.frame.hash) ? '<img class="sign" alt="the sign of ' + esc(d.id) + '" src="' + esc(frameUrl(d)) + '">' : '') + '</td></tr>';
    }).join('') + '</tbody></table>' : '<p class="muted">No parking panel is registered.</p>';
    el.innerHTML = h;
  },
};
`;
