/**
 * Bike share on the stop display: the footer line's wording (Slovenian numbers; a station not
 * renting shows no bike count), the plan carries it only until the content's `validUntil` (never
 * in quiet hours, no key at all without it), the departures store keeps it across a restart (real
 * SQLite), and the renderer draws it in the footer without touching the rows.
 */
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { moduleDatabase } from '../../device/module-db.js';
import { bikesLine, slCount, BIKES_WORDS } from '../../device/modules/departures/bikes.js';
import { planScreen, type PlanInput } from '../../device/modules/departures/plan.js';
import type { BoardScreen } from '../../device/modules/departures/screen.js';
import { DeparturesStore } from '../../device/modules/departures/store.js';
import { changedBands, renderScreen, SAMPLE_SCREENS } from '../../device/render/index.js';
import type { ArrivalBoard, BikeStations } from '../../protocols/index.js';
import { DeparturesSettings, decodeContent } from '../../protocols/index.js';
import { quiet, tmpDir } from '../helpers.js';

const at = (hhmm: string) => Date.parse(`2026-03-03T${hhmm}:00+01:00`);
const iso = (hhmm: string) => `2026-03-03T${hhmm}:00+01:00`;
const SETTINGS = DeparturesSettings.parse({});

const BIKES: BikeStations = {
  stations: [
    { id: 'bicy-03', name: 'Šalek', bikes: null, docks: null, distanceM: 40 },
    { id: 'bicy-01', name: 'Titov trg', bikes: 4, docks: 6, distanceM: 120 },
  ],
  validUntil: iso('14:05'),
};

const BOARD: ArrivalBoard = {
  stop: 'Titov trg',
  generatedAt: iso('14:02'),
  departures: [{ line: 'rumena', destination: 'Šalek', departsAt: iso('14:10'), realtime: true }],
};

const input = (o: Partial<PlanInput> & { now: number }): PlanInput => ({
  board: { board: BOARD, receivedAt: at('14:02') },
  timetable: null,
  messages: [],
  link: { up: true, lastUpAt: o.now },
  settings: SETTINGS,
  ...o,
});

test('Slovenian numbers: kolo, kolesi, kolesa, koles; mesto, mesti, mesta, mest', () => {
  assert.equal([0, 1, 2, 3, 4, 5, 11, 101, 102, 104].map((n) => slCount(n, BIKES_WORDS.bikes)), [
    '0 koles', '1 kolo', '2 kolesi', '3 kolesa', '4 kolesa', '5 koles', '11 koles', '101 kolo', '102 kolesi', '104 kolesa',
  ]);
  assert.equal([1, 2, 3, 6].map((n) => slCount(n, BIKES_WORDS.docks)), ['1 mesto', '2 mesti', '3 mesta', '6 mest']);
});

test('the line: the nearest station with something to say; not renting: no bike count; none past validUntil', () => {
  assert.is(bikesLine(BIKES, at('14:03')), 'Kolesa: Titov trg 4 kolesa · 6 mest');
  const notRenting = { ...BIKES, stations: [{ id: 'x', name: 'Rdeča dvorana', bikes: null, docks: 1, distanceM: 10 }] };
  assert.is(bikesLine(notRenting, at('14:03')), 'Kolesa: Rdeča dvorana 1 mesto');
  assert.is(bikesLine(BIKES, at('14:05')), null, 'at validUntil: stale');
  assert.is(bikesLine({ ...BIKES, stations: [] }, at('14:03')), null);
  assert.is(bikesLine(null, at('14:03')), null);
});

test('the plan: the bike line while valid; no key without it, so the screens are as before', () => {
  const shown = planScreen(input({ now: at('14:03'), bikes: BIKES })).screen as BoardScreen;
  assert.is(shown.kind, 'board');
  assert.is(shown.bikes, 'Kolesa: Titov trg 4 kolesa · 6 mest');
  const later = planScreen(input({ now: at('14:06'), bikes: BIKES })).screen;
  assert.not.ok('bikes' in later, 'past validUntil: no line');
  const without = planScreen(input({ now: at('14:03') })).screen;
  assert.not.ok('bikes' in without);
  assert.equal({ ...shown, bikes: undefined }, { ...without, bikes: undefined }, 'nothing else changes');
});

test('quiet hours: no bike line (nothing that changes overnight)', () => {
  const night = planScreen(input({ now: at('23:30'), board: null, link: { up: false, lastUpAt: null }, bikes: { ...BIKES, validUntil: iso('23:59') }, timetable: {
    stopId: 'tt', stop: 'Titov trg', timeZone: 'Europe/Ljubljana', generatedAt: iso('04:00'), lines: [{ name: 'rumena' }], destinations: ['Šalek'],
    days: [
      { date: '2026-03-03', served: true, departures: [[at('05:10') / 1000, 0, 0], [at('22:00') / 1000, 0, 0]] },
      { date: '2026-03-04', served: true, departures: [[at('05:10') / 1000 + 86_400, 0, 0]] },
    ],
  } }));
  assert.ok(night.quiet);
  assert.not.ok('bikes' in night.screen);
});

test('the store keeps the latest bike stations across a restart (migration step appended)', () => {
  const db = new Database(`${tmpDir()}/agent.db`);
  const store = new DeparturesStore(moduleDatabase(db, 'departures'), quiet);
  assert.is(store.load('bike-stations'), null);
  store.save('bike-stations', BIKES, 9);
  const again = new DeparturesStore(moduleDatabase(db, 'departures'), quiet);
  assert.equal(again.load('bike-stations'), { body: BIKES, receivedAt: 9 });
  assert.ok(decodeContent('bike-stations', BIKES).ok);
  assert.not.ok(decodeContent('bike-stations', { ...BIKES, validUntil: 'soon' }).ok);
  db.close();
});

test('rendering: the bike line is drawn in the footer, above the status line; the header untouched; none when null', () => {
  const sample = SAMPLE_SCREENS['board-bikes'] as BoardScreen;
  const { bikes: _line, ...plain } = sample;
  const withLine = renderScreen(sample);
  const without = renderScreen(plain);
  const bands = changedBands(without, withLine);
  // The footer line sits between y = 430 and the status line at 458 (the rows share what is left, as with a banner).
  assert.ok(bands.some((b) => b.y <= 440 && b.y + b.height >= 450), JSON.stringify(bands));
  for (const b of bands) assert.ok(b.y >= 52, `changed band at y=${b.y}: the header is not touched`);
  assert.ok(Buffer.from(renderScreen({ ...plain, bikes: null })).equals(Buffer.from(without)), 'null draws nothing');
});

test.run();
