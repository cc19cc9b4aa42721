/**
 * The information panel's view (device/modules/kiosk/view.ts): the words of each car park, the
 * minutes to each departure, the bike stations near by (gone once their counts are stale), the
 * data's age and when the stale banner shows — in both languages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { carParkLook, kioskView, mapPoints, type StoredKiosk } from '../../device/modules/kiosk/view.js';
import { ageText, bikesUnit, distanceText, docksUnit, minutesText } from '../../device/modules/kiosk/wording.js';
import { kioskSummary } from '../../device/modules/kiosk/index.js';
import type { KioskBikeStation, KioskContent } from '../../protocols/index.js';
import { KioskSettings, decodeContent } from '../../protocols/index.js';

/** 14:00 local (CEST) on a Monday. */
const NOW = Date.parse('2026-06-01T14:00:00+02:00');
const at = (min: number) => new Date(NOW + min * 60_000).toISOString();
const SETTINGS = KioskSettings.parse({});

const BODY: KioskContent = {
  site: 'celje',
  generatedAt: '2026-06-01T13:59:40+02:00',
  timeZone: 'Europe/Ljubljana',
  carParks: [
    { id: 'celeiapark', name: 'Celeiapark', kind: 'garage', lat: 46.2297, lon: 15.2625, capacity: 550, free: 0, state: 'full', updatedAt: at(-1) },
    { id: 'glazija', name: 'Glazija', kind: 'garage', lat: 46.2336, lon: 15.2597, capacity: 402, free: 37, state: 'almostFull', updatedAt: at(-1) },
    { id: 'mestni-park', name: 'Mestni park', kind: 'open', lat: 46.2288, lon: 15.2689, capacity: 77, free: 50, state: 'spacesAvailable', updatedAt: at(-2) },
    { id: 'spodnji-grad', name: 'Spodnji grad', kind: 'open', capacity: 120, free: null, state: 'closed', updatedAt: null },
    { id: 'kocbekova', name: 'Kocbekova', kind: 'garage', capacity: 184, free: null, state: 'unknown', updatedAt: null },
  ],
  stops: [
    {
      stopId: 'CE1',
      name: 'Celje, avtobusna postaja',
      departures: [
        { line: '1', colour: '#e30613', destination: 'Lava', departsAt: at(-1), realtime: true },
        { line: '2', destination: 'Hudinja', departsAt: at(0.5), realtime: true },
        { line: '3', destination: 'Ostrožno', departsAt: at(7.9), realtime: false },
        { line: '4', destination: 'Teharje', departsAt: at(75), realtime: false },
      ],
    },
  ],
  notices: [
    { id: 'm-1', text: 'Zapora Stanetove ulice', until: '2026-06-01T18:00:00+02:00' },
    { id: 'm-2', text: 'Poteklo obvestilo', until: '2026-06-01T13:00:00+02:00' },
  ],
};

const stored = (body = BODY): StoredKiosk => ({ body, receivedAt: NOW - 15_000 });

test('the kiosk body passes its schema; a bad one names its field', () => {
  assert.ok(decodeContent('kiosk', BODY).ok);
  const bad = decodeContent('kiosk', { ...BODY, carParks: [{ ...BODY.carParks[0], free: -1 }] });
  assert.equal(bad, { ok: false, reason: 'schema: carParks.0.free: Too small: expected number to be >=0' });
});

test('car parks: free spaces, ZASEDENO when full, ZAPRTO when closed, -- when unknown', () => {
  const v = kioskView({ stored: stored(), now: NOW, fleetOnline: true, settings: SETTINGS });
  assert.equal(
    v.carParks.map((c) => [c.id, c.look, c.value.sl, c.value.en, c.free]),
    [
      ['celeiapark', 'full', 'ZASEDENO', 'FULL', 0],
      ['glazija', 'almost', '37', '37', 37],
      ['mestni-park', 'free', '50', '50', 50],
      ['spodnji-grad', 'closed', 'ZAPRTO', 'CLOSED', null],
      ['kocbekova', 'unknown', '--', '--', null],
    ],
  );
  // No free space left is ZASEDENO even before the state follows (hysteresis).
  assert.is(carParkLook({ state: 'spacesAvailable', free: 0 }).value.sl, 'ZASEDENO');
});

test('the map: only car parks with a position, north up, inside the view box', () => {
  const v = kioskView({ stored: stored(), now: NOW, fleetOnline: true, settings: SETTINGS });
  const pts = v.map!;
  assert.equal(pts.map((p) => p.id), ['celeiapark', 'glazija', 'mestni-park']);
  for (const p of pts) assert.ok(p.x >= 0 && p.x <= 1000 && p.y >= 0 && p.y <= 600, JSON.stringify(p));
  const [celeia, glazija, park] = pts as [(typeof pts)[0], (typeof pts)[0], (typeof pts)[0]];
  assert.ok(glazija.y < celeia.y, 'Glazija is north of Celeiapark: higher on the map');
  assert.ok(park.x > celeia.x, 'Mestni park is east: further right');
  assert.is(mapPoints([BODY.carParks[3]!], v.carParks.slice(3, 4)), null);
});

test('departures: zdaj, N min, the clock time past an hour; scheduled marked; gone ones dropped', () => {
  const v = kioskView({ stored: stored(), now: NOW, fleetOnline: true, settings: SETTINGS });
  const rows = v.stops[0]!.departures.map((d) => [d.line, d.when.sl, d.when.en, d.time, d.scheduled]);
  assert.equal(rows, [
    ['2', 'zdaj', 'now', '14:00', false],
    ['3', '7 min', '7 min', '14:07', true],
    ['4', '15:15', '15:15', '15:15', true],
  ]);
  assert.is(v.stops[0]!.departures[0]!.colour, null);
  assert.equal(minutesText(59.9 * 60_000, 'x'), { sl: '59 min', en: '59 min' });
});

test('notices: expired ones dropped, the until in local time', () => {
  const v = kioskView({ stored: stored(), now: NOW, fleetOnline: true, settings: SETTINGS });
  assert.equal(v.notices, [{ id: 'm-1', text: 'Zapora Stanetove ulice', until: '18:00' }]);
});

test('age and stale: fresh with the fleet; the banner without it, or past staleAfterS, or with no data', () => {
  const fresh = kioskView({ stored: stored(), now: NOW, fleetOnline: true, settings: SETTINGS });
  assert.equal(fresh.data.age, { sl: 'Podatki: pred 20 s', en: 'Data: 20 s ago' });
  assert.is(fresh.data.stale, false);
  assert.is(fresh.data.banner, null);
  assert.is(fresh.clock, '14:00');

  const offline = kioskView({ stored: stored(), now: NOW, fleetOnline: false, settings: SETTINGS });
  assert.equal(offline.data.banner, { sl: 'Podatki niso osveženi od 13:59', en: 'Data not updated since 13:59' });

  const old = kioskView({ stored: stored(), now: NOW + SETTINGS.staleAfterS * 1000, fleetOnline: true, settings: SETTINGS });
  assert.is(old.data.stale, true);
  assert.equal(old.data.age, { sl: 'Podatki: pred 3 min', en: 'Data: 3 min ago' });

  const none = kioskView({ stored: null, now: NOW, fleetOnline: true, settings: SETTINGS });
  assert.equal([none.data.stale, none.data.at, none.data.banner?.en], [true, null, 'Data not available']);
  assert.equal([none.carParks, none.stops, none.notices, none.map], [[], [], [], null]);
  assert.equal(ageText(3 * 3600), { sl: 'Podatki: pred 3 h', en: 'Data: 3 h ago' });
});

test('bike stations: name, distance, free bikes and docks with their words; -- without a count; gone past validUntil; the footer line', () => {
  const fresh = { updatedAt: at(-0.5), validUntil: at(1.5) };
  const bikes: KioskBikeStation[] = [
    { id: 'bicy-01', name: 'Titov trg', bikes: 4, docks: 6, distanceM: 92, ...fresh },
    { id: 'bicy-02', name: 'Avtobusna postaja', bikes: 0, docks: 1, distanceM: 338, ...fresh },
    { id: 'bicy-03', name: 'Šalek – Šaleška cesta', bikes: null, docks: 2, distanceM: 1260, ...fresh },
  ];
  const body = { ...BODY, bikes };
  assert.ok(decodeContent('kiosk', body).ok);
  const v = kioskView({ stored: stored(body), now: NOW, fleetOnline: true, settings: SETTINGS });
  assert.equal(
    v.bikes.map((b) => [b.name, b.distance.sl, b.distance.en, b.bikes.value, b.bikes.unit.sl, b.bikes.unit.en, b.bikes.look, b.docks.value, b.docks.unit.sl, b.docks.unit.en, b.docks.look]),
    [
      ['Titov trg', '90 m', '90 m', '4', 'kolesa', 'bikes', 'some', '6', 'prostih mest', 'free docks', 'some'],
      ['Avtobusna postaja', '340 m', '340 m', '0', 'koles', 'bikes', 'none', '1', 'prosto mesto', 'free dock', 'some'],
      ['Šalek – Šaleška cesta', '1,3 km', '1.3 km', '--', 'kolesa', 'bikes', 'unknown', '2', 'prosti mesti', 'free docks', 'some'],
    ],
  );
  assert.equal(v.bikesLine, { sl: 'Kolesa: Titov trg 4 kolesa · 6 mest', en: 'Bikes: Titov trg 4 bikes · 6 docks' });
  assert.match(kioskSummary(body), / \| Kolesa: Titov trg 4\/6, Avtobusna postaja 0\/1, Šalek – Šaleška cesta --\/2$/);

  // Past validUntil the counts are not live: no station, no line — with the fleet or without; the rest stays.
  for (const fleetOnline of [true, false]) {
    const later = kioskView({ stored: stored(body), now: NOW + 90_000, fleetOnline, settings: SETTINGS });
    assert.equal([later.bikes, later.bikesLine, later.carParks.length], [[], null, 5]);
  }
  // Only the stale one goes; a station without counts gives no line.
  const mixed = kioskView({ stored: stored({ ...BODY, bikes: [{ ...bikes[0]!, validUntil: at(-0.1) }, { ...bikes[2]!, docks: null }] }), now: NOW, fleetOnline: true, settings: SETTINGS });
  assert.equal([mixed.bikes.map((b) => b.id), mixed.bikesLine], [['bicy-03'], null]);
  // Content from a fleet before bike share: no section.
  assert.equal(kioskView({ stored: stored(), now: NOW, fleetOnline: true, settings: SETTINGS }).bikes, []);
  // The body is strict: a field an agent does not know refuses the set — why the fleet leaves `bikes` out when it has none.
  assert.not.ok(decodeContent('kiosk', { ...BODY, scooters: [] }).ok);
  assert.not.ok(decodeContent('kiosk', { ...body, bikes: [{ ...bikes[0]!, bikes: -1 }] }).ok);

  assert.equal([bikesUnit(1).sl, bikesUnit(2).sl, bikesUnit(103).sl, bikesUnit(1).en], ['kolo', 'kolesi', 'kolesa', 'bike']);
  assert.equal([docksUnit(0).sl, docksUnit(2).en, docksUnit(null).sl], ['prostih mest', 'free docks', 'prosta mesta']);
  assert.equal([distanceText(3).sl, distanceText(994).sl, distanceText(995).sl], ['10 m', '990 m', '1,0 km']);
});

test('settings: defaults, and a bad section named', () => {
  assert.equal([SETTINGS.port, SETTINGS.languages, SETTINGS.tabs, SETTINGS.cycleS], [8090, ['sl', 'en'], ['parking', 'buses', 'notices'], 15]);
  assert.not.ok(KioskSettings.safeParse({ languages: ['sl', 'sl'] }).success);
  assert.not.ok(KioskSettings.safeParse({ languages: ['de'] }).success);
  assert.not.ok(KioskSettings.safeParse({ cycleS: 1 }).success);
});

test.run();
