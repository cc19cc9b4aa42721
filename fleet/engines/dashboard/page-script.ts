/**
 * The dashboard's script, core part: login, the live event stream, the views' router, the
 * overview, the stop displays' mirror and the device page. Vanilla JS in one closure, no template
 * literals (this file is one itself); every text put in the page goes through `esc`.
 */
import { CHARTS_SCRIPT } from './page-charts.js';
import { PLOTS_SCRIPT } from './page-plots.js';
import { VIEWS_SCRIPT } from './page-views.js';

const CORE_SCRIPT = String.raw`
var S = { devices: new Map(), parking: new Map(), commands: new Map(), alerts: null, loaded: false };
var PRESENCES = ['online', 'stale', 'offline', 'unknown'];
var es = null, pending = false, reloadTimer = null;

function $(id) { return document.getElementById(id); }
function esc(v) { return String(v == null ? '' : v).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
function pill(cls, text) { return '<span class="pill ' + esc(cls) + '">' + esc(text == null ? cls : text) + '</span>'; }
function ago(iso) {
  if (!iso) return 'never';
  var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 90 ? s + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}
function time(ms) { return ms == null ? '' : new Date(ms).toLocaleTimeString(); }

function api(path, opts) {
  return fetch('/dashboard/api' + path, Object.assign({ credentials: 'same-origin' }, opts || {})).then(function (r) {
    if (r.status === 401) { showLogin('Your login ended; log in again.'); throw new Error('logged out'); }
    return r;
  });
}
function getJson(path) {
  return api(path).then(function (r) {
    return r.json().then(function (b) { if (!r.ok) throw new Error(b && b.error ? b.error : 'HTTP ' + r.status); return b; });
  });
}
function postJson(path, body) {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(function (r) {
    return r.json().then(function (b) { if (!r.ok) throw new Error(b && b.error ? b.error : 'HTTP ' + r.status); return b; });
  });
}

/* ---- login ---- */
function showLogin(message) {
  closeEvents();
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('token').focus();
}
$('login-form').addEventListener('submit', function (e) {
  e.preventDefault();
  $('login-error').textContent = '';
  fetch('/dashboard/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: $('token').value }) })
    .then(function (r) {
      if (r.ok) { $('token').value = ''; return goNext() || start(); }
      return r.json().then(function (b) { $('login-error').textContent = (b && b.error) || 'refused (HTTP ' + r.status + ')'; });
    })
    .catch(function (err) { $('login-error').textContent = 'the fleet did not answer: ' + err.message; });
});
$('logout').addEventListener('click', function () {
  fetch('/dashboard/logout', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' }).finally(function () { showLogin(''); });
});

/* Sent here to log in by an admin application (/dashboard?next=/red/): back there once logged in. */
function goNext() {
  var next = new URLSearchParams(location.search).get('next');
  if (!next || !/^\/[a-z0-9-]+\/[^\/\\]?/.test(next) || next.indexOf('//') >= 0) return false;
  location.assign(next);
  return true;
}
function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  fetch('/dashboard/session', { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : {}; }).then(function (b) {
    $('nav-red').hidden = !(b.apps || []).includes('/red');
  }, function () {});
  return loadDevices().then(function () { openEvents(); route(); });
}

/* ---- data ---- */
function loadDevices() {
  return getJson('/devices').then(function (list) {
    S.devices = new Map(list.map(function (d) { return [d.id, d]; }));
    S.loaded = true;
    getJson('/alerts').then(function (b) { S.alerts = Array.isArray(b) ? b : b.alerts || b.open || []; changed(); }).catch(function () { S.alerts = null; });
    changed();
  });
}
function reloadSoon() {
  if (reloadTimer) return;
  reloadTimer = setTimeout(function () { reloadTimer = null; loadDevices().catch(function () {}); }, 300);
}

/* ---- live events ---- */
function setLive(state) { $('live').dataset.state = state; }
function closeEvents() { if (es) { es.close(); es = null; } setLive('closed'); }
function openEvents() {
  closeEvents();
  var first = true;
  es = new EventSource('/dashboard/events');
  setLive('connecting');
  es.onopen = function () { setLive('open'); if (!first) reloadSoon(); first = false; };
  es.onerror = function () {
    setLive('connecting');
    if (es && es.readyState === 2) {
      fetch('/dashboard/session', { credentials: 'same-origin' }).then(function (r) {
        if (r.status === 401) showLogin('Your login ended; log in again.');
        else setTimeout(openEvents, 2000);
      }, function () { setTimeout(openEvents, 2000); });
    }
  };
  function on(type, fn) {
    es.addEventListener(type, function (e) {
      try { fn(JSON.parse(e.data)); } catch (err) { console.error('dashboard event ' + type, err); }
    });
  }
  on('presence', function (d) {
    var dev = S.devices.get(d.deviceId);
    if (!dev) return reloadSoon();
    dev.presence = d.presence;
    if (d.presence === 'online') dev.lastSeen = new Date().toISOString();
    changed('devices', d.deviceId);
  });
  on('birth', function (d) {
    var dev = S.devices.get(d.deviceId);
    if (!dev) return reloadSoon();
    dev.versions = d.versions;
    changed('devices', d.deviceId);
  });
  on('state', function (d) {
    var dev = S.devices.get(d.deviceId);
    if (!dev) return reloadSoon();
    dev.outbox = d.outbox;
    dev.lastSeen = new Date().toISOString();
    dev.liveModules = d.modules;
    if (d.heartbeat && current.view && current.view.heartbeat) current.view.heartbeat(d.deviceId, d.heartbeat);
    changed('state', d.deviceId);
  });
  on('frame', function (d) {
    var dev = S.devices.get(d.deviceId);
    if (!dev) return reloadSoon();
    dev.frame = d;
    changed('frame', d.deviceId);
  });
  on('occupancy', function (d) { S.parking.set(d.id, d); changed('parking', d.id); });
  on('command', function (c) {
    var list = S.commands.get(c.deviceId);
    if (list) {
      var i = list.findIndex(function (x) { return x.cmdId === c.cmdId; });
      if (i >= 0) list[i] = c; else list.unshift(c);
    }
    changed('command', c.deviceId);
  });
  on('config', function (d) {
    var dev = S.devices.get(d.deviceId);
    if (dev && dev.config) { dev.config.reported = d.reported.version; dev.config.error = d.reported.error || null; }
    changed('config', d.deviceId);
  });
}

/* ---- router ---- */
var VIEWS = {};
var current = { name: null, arg: null, view: null };
function route() {
  var parts = (location.hash || '#/overview').slice(2).split('/');
  var name = VIEWS[parts[0]] ? parts[0] : 'overview';
  var arg = parts.length > 1 ? decodeURIComponent(parts.slice(1).join('/')) : null;
  document.querySelectorAll('nav a').forEach(function (a) { a.classList.toggle('current', a.dataset.view === name); });
  if (current.view && current.view.leave) current.view.leave();
  current = { name: name, arg: arg, view: VIEWS[name] };
  $('view').innerHTML = '';
  $('view').dataset.view = name;
  if (current.view.enter) current.view.enter(arg);
  paint();
}
window.addEventListener('hashchange', route);
function changed(kind, id) {
  if (current.view && current.view.update && kind && current.view.update(kind, id)) return;
  if (pending) return;
  pending = true;
  requestAnimationFrame(function () { pending = false; paint(); });
}
function paint() { if (S.loaded && current.view && !$('app').hidden) current.view.render($('view'), current.arg); }

/* ---- overview ---- */
function devicesList() { return Array.from(S.devices.values()).sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; }); }
VIEWS.overview = {
  render: function (el) {
    var list = devicesList();
    var totals = { online: 0, stale: 0, offline: 0, unknown: 0 };
    var groups = new Map();
    list.forEach(function (d) {
      totals[d.presence] = (totals[d.presence] || 0) + 1;
      var key = (d.site || '(no site)') + '|' + d.role;
      var g = groups.get(key) || { site: d.site || '(no site)', role: d.role, online: 0, stale: 0, offline: 0, unknown: 0 };
      g[d.presence]++;
      groups.set(key, g);
    });
    var html = '<div class="cards" id="totals"><div class="card"><div class="muted">devices</div><div class="big" data-count="all">' + list.length + '</div></div>';
    PRESENCES.forEach(function (p) { html += '<div class="card"><div class="muted">' + p + '</div><div class="big" data-count="' + p + '">' + totals[p] + '</div></div>'; });
    html += '</div><h2>By site and role</h2><table id="presence"><thead><tr><th>site</th><th>role</th>';
    PRESENCES.forEach(function (p) { html += '<th class="num">' + p + '</th>'; });
    html += '</tr></thead><tbody>';
    Array.from(groups.values()).sort(function (a, b) { return (a.site + a.role).localeCompare(b.site + b.role); }).forEach(function (g) {
      html += '<tr data-site="' + esc(g.site) + '" data-role="' + esc(g.role) + '"><td>' + esc(g.site) + '</td><td>' + esc(g.role) + '</td>';
      PRESENCES.forEach(function (p) { html += '<td class="num" data-presence="' + p + '">' + g[p] + '</td>'; });
      html += '</tr>';
    });
    html += '</tbody></table>';
    html += '<h2>Open faults and alerts</h2>' + troubleTable(list);
    var backlog = list.filter(function (d) { return d.outbox && d.outbox.depth > 0; }).sort(function (a, b) { return b.outbox.depth - a.outbox.depth; });
    html += '<h2>Outbox backlogs</h2>';
    html += backlog.length ? '<table id="backlogs"><thead><tr><th>device</th><th class="num">depth</th><th class="num">oldest</th><th class="num">dropped</th></tr></thead><tbody>' +
      backlog.map(function (d) { return '<tr><td><a href="#/device/' + encodeURIComponent(d.id) + '">' + esc(d.id) + '</a></td><td class="num">' + d.outbox.depth + '</td><td class="num">' + (d.outbox.oldestAgeS == null ? '' : Math.round(d.outbox.oldestAgeS) + ' s') + '</td><td class="num">' + d.outbox.dropped + '</td></tr>'; }).join('') +
      '</tbody></table>' : '<p class="muted">Every outbox is empty.</p>';
    html += '<h2>Devices</h2><table id="devices"><thead><tr><th>device</th><th>role</th><th>site</th><th>presence</th><th>last seen</th><th class="num">outbox</th><th>agent</th><th>config</th></tr></thead><tbody>';
    list.forEach(function (d) {
      html += '<tr data-device="' + esc(d.id) + '"><td><a href="#/device/' + encodeURIComponent(d.id) + '">' + esc(d.id) + '</a></td><td>' + esc(d.role) + '</td><td>' + esc(d.site || '') + '</td><td class="presence">' + pill(d.presence) +
        '</td><td>' + esc(ago(d.lastSeen)) + '</td><td class="num">' + (d.outbox ? d.outbox.depth : '') + '</td><td>' + esc((d.versions || {}).agent || '') + '</td><td>' + esc(configText(d.config)) + '</td></tr>';
    });
    el.innerHTML = html + '</tbody></table>';
  },
};
function configText(c) {
  if (!c) return '';
  // Nothing pushed yet (tabla config set): the agent runs on its own file.
  if (!c.desired && c.reported == null && !c.error) return 'its file';
  return 'v' + (c.reported == null ? '?' : c.reported) + (c.desired != null && c.desired !== c.reported ? ' (wants v' + c.desired + ')' : '') + (c.error ? ' error: ' + c.error : '');
}
function troubleTable(list) {
  var rows = [];
  (S.alerts || []).forEach(function (a) {
    rows.push('<tr><td>alert</td><td>' + esc(a.deviceId || a.device || a.target || '') + '</td><td>' + esc(a.rule || a.name || a.code || '') + '</td><td>' + esc(a.message || a.summary || '') + '</td><td>' + esc(a.since || a.firedAt || a.startsAt || '') + '</td></tr>');
  });
  list.forEach(function (d) {
    (d.faults || []).forEach(function (f) {
      rows.push('<tr><td>fault</td><td><a href="#/device/' + encodeURIComponent(d.id) + '">' + esc(d.id) + '</a></td><td>' + esc(f.code) + '</td><td>' + esc(f.message) + (f.count > 1 ? ' (×' + f.count + ')' : '') + '</td><td>' + esc(f.since) + '</td></tr>');
    });
  });
  return rows.length ? '<table id="trouble"><thead><tr><th></th><th>device</th><th>what</th><th>message</th><th>since</th></tr></thead><tbody>' + rows.join('') + '</tbody></table>' : '<p class="muted">No open faults' + (S.alerts ? ' or alerts' : '') + '.</p>';
}

/* ---- stop displays: the mirror ---- */
function frameUrl(d) { return '/dashboard/api/devices/' + encodeURIComponent(d.id) + '/frame.png?v=' + encodeURIComponent((d.frame && (d.frame.hash || d.frame.ts)) || '0'); }
VIEWS.displays = {
  render: function (el) {
    var displays = devicesList().filter(function (d) { return d.role === 'stop-display' || d.frame; });
    if (!displays.length) { el.innerHTML = '<p class="muted">No stop display is registered.</p>'; return; }
    var grid = el.querySelector('.mirror');
    if (!grid) { el.innerHTML = '<div class="mirror" id="mirror"></div>'; grid = el.querySelector('.mirror'); }
    displays.forEach(function (d) {
      var fig = grid.querySelector('figure[data-device="' + CSS.escape(d.id) + '"]');
      if (!fig) {
        fig = document.createElement('figure');
        fig.dataset.device = d.id;
        fig.innerHTML = '<img alt=""><figcaption><a></a> <span class="presence"></span> <span class="when muted"></span><div class="summary"></div></figcaption>';
        fig.querySelector('a').href = '#/device/' + encodeURIComponent(d.id);
        fig.querySelector('a').textContent = d.id + (d.labels && d.labels.stop ? ' (stop ' + d.labels.stop + ')' : '');
        fig.querySelector('img').addEventListener('error', function () { this.hidden = true; });
        fig.querySelector('img').addEventListener('load', function () { this.hidden = false; });
        grid.appendChild(fig);
      }
      fig.querySelector('.presence').innerHTML = pill(d.presence);
      var img = fig.querySelector('img');
      if (d.frame) {
        var url = frameUrl(d);
        if (img.getAttribute('src') !== url) { img.setAttribute('src', url); img.alt = 'what ' + d.id + ' shows'; }
        fig.querySelector('.when').textContent = d.frame.ts ? time(d.frame.ts) : '';
        fig.querySelector('.summary').textContent = d.frame.summary || '';
      } else {
        img.hidden = true;
        fig.querySelector('.summary').textContent = 'no frame reported yet';
      }
    });
  },
};
`;

export const PAGE_SCRIPT = `(function () {\n'use strict';\n${CORE_SCRIPT}\n${PLOTS_SCRIPT}\n${VIEWS_SCRIPT}\n${CHARTS_SCRIPT}\nfetch('/dashboard/session', { credentials: 'same-origin' }).then(function (r) { if (r.ok) { if (!goNext()) start(); } else showLogin(''); }, function () { showLogin('The fleet did not answer.'); });\n})();\n`;
