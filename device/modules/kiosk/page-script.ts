/**
 * The information panel's page script: reads the view from the agent (`GET /api/kiosk`) every
 * `pollS`, lays it out, and handles touch: tabs cycle every `cycleS` until someone touches the
 * screen, which pauses cycling for `touchPauseS` (then the default language comes back). It decides
 * nothing about the data (view.ts does); when the agent stops answering it keeps the last view and
 * shows the stale banner itself. Plain browser JavaScript, no library; text only through
 * textContent (nothing from the data is ever parsed as HTML).
 */
export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var view = null;
  var lang = null;
  var tab = null;
  var lastTouch = -Infinity;
  var lastSwitch = Date.now();
  var failures = 0;
  var timer = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function say(s) { return s ? (s[lang] || s.sl || '') : ''; }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function touched() { return Date.now() - lastTouch < view.settings.touchPauseS * 1000; }

  function selectTab(name) {
    tab = name;
    lastSwitch = Date.now();
    render();
  }

  function nextLanguage() {
    var l = view.settings.languages;
    return l[(l.indexOf(lang) + 1) % l.length];
  }

  function renderTabs() {
    var nav = $('tabs');
    var tabs = view.settings.tabs;
    if (nav.childNodes.length !== tabs.length) {
      clear(nav);
      tabs.forEach(function (name) {
        var b = el('button', 'tab');
        b.type = 'button';
        b.id = 'tab-' + name;
        b.setAttribute('role', 'tab');
        b.dataset.tab = name;
        b.addEventListener('click', function () { selectTab(name); });
        nav.appendChild(b);
      });
    }
    Array.prototype.forEach.call(nav.childNodes, function (b) {
      b.textContent = say(view.text.tabs[b.dataset.tab]);
      b.setAttribute('aria-selected', String(b.dataset.tab === tab));
    });
    ['parking', 'buses', 'notices'].forEach(function (name) { $('panel-' + name).hidden = name !== tab; });
  }

  function valueCell(value, small) {
    var v = el('div', 'value', say(value));
    if (small) v.appendChild(el('small', null, small));
    return v;
  }

  function renderCarParks() {
    var list = $('carparks');
    clear(list);
    view.carParks.forEach(function (c) {
      var li = el('li', 'row carpark look-' + c.look);
      li.dataset.id = c.id;
      var name = el('div', 'name');
      name.appendChild(el('div', 'title', c.name));
      name.appendChild(el('div', 'sub', say(c.kind) + (c.address ? ' · ' + c.address : '')));
      li.appendChild(name);
      li.appendChild(valueCell(c.value, c.free !== null && c.look !== 'full' ? say(view.text.freeSpaces) + ' / ' + c.capacity : null));
      list.appendChild(li);
    });
    $('carparks-empty').hidden = view.carParks.length > 0;
    $('carparks-empty').textContent = say(view.data.at === null ? view.text.noData : view.text.noCarParks);
    var map = $('map');
    clear(map);
    map.hidden = !view.map;
    $('panel-parking').classList.toggle('with-map', !!view.map);
    (view.map || []).forEach(function (p) {
      var g = document.createElementNS(SVG, 'g');
      var dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('cx', p.x); dot.setAttribute('cy', p.y); dot.setAttribute('r', 22);
      dot.setAttribute('class', 'look-' + p.look);
      var value = document.createElementNS(SVG, 'text');
      value.setAttribute('x', p.x); value.setAttribute('y', p.y - 34);
      value.textContent = say(p.value);
      var name = document.createElementNS(SVG, 'text');
      name.setAttribute('x', p.x); name.setAttribute('y', p.y + 56);
      name.setAttribute('class', 'name');
      name.textContent = p.name;
      g.appendChild(dot); g.appendChild(value); g.appendChild(name);
      map.appendChild(g);
    });
  }

  function renderStops() {
    var box = $('stops');
    clear(box);
    view.stops.forEach(function (s) {
      var sec = el('section', 'stop');
      sec.dataset.id = s.id;
      sec.appendChild(el('h2', null, s.name));
      var ul = el('ul', 'rows');
      s.departures.forEach(function (d) {
        var li = el('li', 'row departure' + (d.scheduled ? ' scheduled' : ' live'));
        var line = el('div', 'line', d.line);
        if (d.colour) line.style.background = d.colour;
        li.appendChild(line);
        var name = el('div', 'name');
        name.appendChild(el('div', 'title', d.destination));
        li.appendChild(name);
        var when = el('div', 'when', say(d.when));
        when.appendChild(el('small', 'mark', d.scheduled ? say(view.text.scheduled) : say(view.text.live)));
        li.appendChild(when);
        ul.appendChild(li);
      });
      if (!s.departures.length) ul.appendChild(el('li', 'empty', say(view.text.noDepartures)));
      sec.appendChild(ul);
      box.appendChild(sec);
    });
    $('stops-empty').hidden = view.stops.length > 0;
    $('stops-empty').textContent = say(view.data.at === null ? view.text.noData : view.text.noStops);
  }

  function renderBikes() {
    var list = $('bike-stations');
    clear(list);
    view.bikes.forEach(function (b) {
      var li = el('li', 'row bike');
      li.dataset.id = b.id;
      var name = el('div', 'name');
      name.appendChild(el('div', 'title', b.name));
      name.appendChild(el('div', 'sub', say(b.distance)));
      li.appendChild(name);
      [['bikes', b.bikes], ['docks', b.docks]].forEach(function (c) {
        var v = el('div', 'value ' + c[0] + ' look-' + c[1].look, c[1].value);
        v.appendChild(el('small', null, say(c[1].unit)));
        li.appendChild(v);
      });
      list.appendChild(li);
    });
    $('bikes-title').textContent = say(view.text.bikesNearby);
    $('bikes').hidden = view.bikes.length === 0;
    $('panel-buses').classList.toggle('with-bikes', view.bikes.length > 0);
    var line = $('bikes-line');
    line.hidden = !view.bikesLine;
    line.textContent = say(view.bikesLine);
  }

  function renderNotices() {
    var list = $('notices');
    clear(list);
    view.notices.forEach(function (n) {
      var li = el('li', 'row notice');
      li.dataset.id = n.id;
      var text = el('div', 'name', n.text);
      if (n.until) text.appendChild(el('div', 'sub', say(view.text.until) + ' ' + n.until));
      li.appendChild(text);
      list.appendChild(li);
    });
    $('notices-empty').hidden = view.notices.length > 0;
    $('notices-empty').textContent = say(view.text.noNotices);
  }

  function renderStatus() {
    var lost = failures >= 2;
    var banner = lost ? view.data.lost : view.data.banner;
    var b = $('banner');
    b.hidden = !banner;
    b.textContent = say(banner);
    document.body.dataset.stale = String(!!banner);
    $('age').textContent = say(view.data.age || view.text.noData);
    $('clock').textContent = view.clock;
  }

  function render() {
    if (!view) return;
    document.documentElement.lang = lang;
    document.body.dataset.lang = lang;
    document.body.dataset.tab = tab;
    var toggle = $('lang');
    toggle.hidden = view.settings.languages.length < 2;
    toggle.textContent = view.text.language[nextLanguage()];
    renderTabs();
    renderCarParks();
    renderStops();
    renderBikes();
    renderNotices();
    renderStatus();
  }

  function poll() {
    var next = function () {
      clearTimeout(timer);
      timer = setTimeout(poll, (view ? view.settings.pollS : 3) * 1000);
    };
    fetch('/api/kiosk', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (v) {
        failures = 0;
        var first = !view;
        view = v;
        if (first || view.settings.languages.indexOf(lang) < 0) lang = view.settings.languages[0];
        if (first || view.settings.tabs.indexOf(tab) < 0) tab = view.settings.tabs[0];
        render();
      })
      .catch(function () {
        failures++;
        if (view) renderStatus();
      })
      .then(next, next);
  }

  function tick() {
    if (!view || touched()) return;
    var l = view.settings.languages;
    if (lang !== l[0]) { lang = l[0]; render(); }
    if (Date.now() - lastSwitch >= view.settings.cycleS * 1000) {
      var t = view.settings.tabs;
      selectTab(t[(t.indexOf(tab) + 1) % t.length]);
    }
  }

  document.addEventListener('pointerdown', function () { lastTouch = Date.now(); }, true);
  document.addEventListener('keydown', function () { lastTouch = Date.now(); }, true);
  $('lang').addEventListener('click', function () {
    if (!view) return;
    lang = nextLanguage();
    render();
  });
  document.addEventListener('contextmenu', function (e) { e.preventDefault(); });
  setInterval(tick, 1000);
  poll();
})();
`;
