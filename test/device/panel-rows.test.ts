/**
 * What a parking guidance panel's rows show (device/modules/panel/rows.ts) and how bright it is
 * (brightness.ts): tables of cases, pure.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scheduledBrightness } from '../../device/modules/panel/brightness.js';
import { fileLabels, panelSummary, planRows, rowText, rowValue, staleness, type StoredCounts } from '../../device/modules/panel/rows.js';
import { PanelSettings, type ParkingCount } from '../../protocols/index.js';

const T0 = Date.parse('2026-03-03T14:00:00+01:00');
const iso = (ms: number) => new Date(ms).toISOString();

const count = (carParkId: string, label: string, free: number | null, state: ParkingCount['state']): ParkingCount => ({ carParkId, label, free, state });

const stored = (rows: ParkingCount[], o: { receivedAt?: number; validUntil?: number } = {}): StoredCounts => ({
  body: { rows, validUntil: iso(o.validUntil ?? T0 + 600_000) },
  receivedAt: o.receivedAt ?? T0,
});

const settings = (input: unknown = {}) => PanelSettings.parse(input);

test('values: counts, full, closed, unknown, no row, stale', () => {
  const cases: [ParkingCount | undefined, boolean, string][] = [
    [count('glazija', 'GLAZIJA', 123, 'spacesAvailable'), false, '123'],
    [count('glazija', 'GLAZIJA', 7, 'almostFull'), false, '7'],
    [count('glazija', 'GLAZIJA', 0, 'spacesAvailable'), false, '0'],
    [count('glazija', 'GLAZIJA', 0, 'full'), false, 'ZASEDENO'],
    [count('glazija', 'GLAZIJA', 3, 'full'), false, 'ZASEDENO'],
    [count('glazija', 'GLAZIJA', null, 'closed'), false, 'ZAPRTO'],
    [count('glazija', 'GLAZIJA', null, 'unknown'), false, '--'],
    [count('glazija', 'GLAZIJA', 50, 'unknown'), false, '--'],
    [count('glazija', 'GLAZIJA', null, 'spacesAvailable'), false, '--'],
    [undefined, false, '--'],
    [count('glazija', 'GLAZIJA', 123, 'spacesAvailable'), true, '--'],
    [count('glazija', 'GLAZIJA', null, 'closed'), true, '--'],
    [count('glazija', 'GLAZIJA', 0, 'full'), true, '--'],
  ];
  for (const [c, stale, want] of cases) assert.is(rowValue(c, stale), want, JSON.stringify({ c, stale }));
});

test('row texts: arrows, right-aligned values, names cut before values', () => {
  const cases: [Parameters<typeof rowText>, string][] = [
    [['left', 'GLAZIJA', '123', 16], '< GLAZIJA    123'],
    [['straight', 'GLAZIJA', '99', 16], '^ GLAZIJA     99'],
    [['right', 'GLAZIJA', '123', 16], 'GLAZIJA    123 >'],
    [['none', 'GLAZIJA', '123', 16], 'GLAZIJA      123'],
    [['left', 'GLAZIJA', 'ZASEDENO', 20], '< GLAZIJA   ZASEDENO'],
    [['left', 'CELEIAPARK', 'ZASEDENO', 16], '< CELEI ZASEDENO'],
    [['right', 'MESTNI PARK', 'ZAPRTO', 16], 'MESTNI  ZAPRTO >'],
    [['none', 'SPODNJI GRAD', '--', 16], 'SPODNJI GRAD  --'],
    [['left', 'GLAZIJA', 'ZASEDENO', 9], '< ZASEDENO'],
    [['none', 'ŠKOFJA VAS', '5', 12], 'ŠKOFJA VAS 5'],
  ];
  for (const [args, want] of cases) assert.is(rowText(...args), want, JSON.stringify(args));
  // The value stays where it is as the count changes: only the digits move, not the name.
  assert.is(rowText('left', 'GLAZIJA', '100', 16).indexOf('GLAZIJA'), rowText('left', 'GLAZIJA', '9', 16).indexOf('GLAZIJA'));
  assert.is(rowText('left', 'GLAZIJA', '100', 16).length, 16);
  assert.is(rowText('left', 'GLAZIJA', '9', 16).length, 16);
});

test('stale: by age (staleAfterS), by validUntil, whichever is first; a clock set back cannot vouch', () => {
  const rows = [count('glazija', 'GLAZIJA', 10, 'spacesAvailable')];
  const cases: [StoredCounts | null, number, number, boolean, RegExp | null][] = [
    [null, T0, 300, false, null],
    [stored(rows), T0 + 299_000, 300, false, null],
    [stored(rows), T0 + 300_000, 300, true, /300 s old/],
    [stored(rows, { validUntil: T0 + 60_000 }), T0 + 59_000, 300, false, null],
    [stored(rows, { validUntil: T0 + 60_000 }), T0 + 60_000, 300, true, /past validUntil/],
    [stored(rows, { validUntil: T0 + 3_600_000 }), T0 + 120_000, 120, true, /120 s old/],
    [stored(rows, { validUntil: T0 - 1 }), T0, 300, true, /past validUntil/],
    [stored(rows), T0 - 30_000, 300, false, null],
    [stored(rows), T0 - 3_600_000, 300, true, /future/],
  ];
  for (const [s, now, after, want, reason] of cases) {
    const got = staleness(s, now, after);
    assert.is(got.stale, want, JSON.stringify({ s, now: now - T0, after }));
    if (reason) assert.match(got.reason!, reason);
    else assert.is(got.reason, null);
  }
});

test('plan: the settings rows in their order with their arrows and labels; the fleet’s label otherwise; missing → --', () => {
  const s = settings({
    rows: [
      { carParkId: 'glazija', arrow: 'left' },
      { carParkId: 'celeiapark', arrow: 'right', label: 'CELEIA' },
      { carParkId: 'kocbekova', arrow: 'straight' },
    ],
  });
  const content = stored([count('celeiapark', 'CELEIAPARK', 123, 'spacesAvailable'), count('glazija', 'GLAZIJA', 0, 'full')]);
  const plan = planRows({ stored: content, now: T0 + 1000, settings: s, width: 20 });
  assert.equal(
    plan.rows.map((r) => [r.fileLabel, r.text]),
    [
      ['1', '< GLAZIJA   ZASEDENO'],
      ['2', 'CELEIA         123 >'],
      ['3', '^ KOCBEKOVA       --'],
    ],
  );
  assert.is(plan.staleness.stale, false);
  assert.is(panelSummary(plan.rows), 'GLAZIJA ZASEDENO · CELEIA 123 · KOCBEKOVA --');

  // Six minutes later with nothing new: every count blanked, names and arrows stay.
  const later = planRows({ stored: content, now: T0 + 360_000, settings: s, width: 20 });
  assert.equal(
    later.rows.map((r) => r.text),
    ['< GLAZIJA         --', 'CELEIA          -- >', '^ KOCBEKOVA       --'],
  );
  assert.ok(later.staleness.stale);
});

test('plan: without settings rows the fleet’s rows in its order, no arrows; with nothing at all one row of --', () => {
  const content = stored([count('glazija', 'GLAZIJA', null, 'closed'), count('celeiapark', 'CELEIAPARK', 5, 'almostFull')]);
  const plan = planRows({ stored: content, now: T0, settings: settings(), width: 16 });
  assert.equal(
    plan.rows.map((r) => [r.fileLabel, r.text]),
    [
      ['1', 'GLAZIJA   ZAPRTO'],
      ['2', 'CELEIAPARK     5'],
    ],
  );
  assert.is(panelSummary(plan.rows), 'GLAZIJA ZAPRTO · CELEIAPARK 5');
  const none = planRows({ stored: null, now: T0, settings: settings(), width: 16 });
  assert.equal(
    none.rows.map((r) => r.text),
    ['              --'],
  );
  assert.ok(none.empty);
});

test('file labels: digits then lower case, never the layout TEXT file A, 0 or ?', () => {
  assert.equal(fileLabels(3), ['1', '2', '3']);
  const all = fileLabels(16);
  assert.is(new Set(all).size, 16);
  for (const l of all) assert.ok(!['A', '0', '?'].includes(l) && l.charCodeAt(0) >= 0x20 && l.charCodeAt(0) <= 0x75, l);
  assert.throws(() => fileLabels(17), /at most 16/);
});

test('brightness: a fixed day/night schedule in the panel’s time zone, across midnight, summer time', () => {
  const s = settings({ dayFrom: '06:30', nightFrom: '20:00', dayBrightness: 100, nightBrightness: 44 });
  const cases: [string, 'day' | 'night'][] = [
    ['2026-03-03T06:29:00+01:00', 'night'],
    ['2026-03-03T06:30:00+01:00', 'day'],
    ['2026-03-03T19:59:00+01:00', 'day'],
    ['2026-03-03T20:00:00+01:00', 'night'],
    ['2026-03-03T23:30:00+01:00', 'night'],
    ['2026-07-03T06:45:00+02:00', 'day'], // 04:45 UTC: day in Celje's summer time
    ['2026-07-03T05:45:00Z', 'day'],
    ['2026-07-03T04:15:00Z', 'night'],
  ];
  for (const [at, want] of cases) {
    const b = scheduledBrightness(Date.parse(at), s);
    assert.is(b.period, want, at);
    assert.is(b.percent, want === 'day' ? 100 : 44, at);
  }
  // Night shorter than the day, given the other way round (day from 22:00 to 05:00: an odd choice, still honoured).
  const odd = settings({ dayFrom: '22:00', nightFrom: '05:00' });
  assert.is(scheduledBrightness(Date.parse('2026-03-03T23:00:00+01:00'), odd).period, 'day');
  assert.is(scheduledBrightness(Date.parse('2026-03-03T12:00:00+01:00'), odd).period, 'night');
});

test('settings: defaults, and bad input named', () => {
  const s = settings();
  assert.is(s.staleAfterS, 300);
  assert.is(s.timeZone, 'Europe/Ljubljana');
  assert.equal(s.rows, []);
  assert.is(settings({ rows: [{ carParkId: 'glazija' }] }).rows[0]!.arrow, 'straight');
  for (const bad of [{ rows: [{ carParkId: 'a', arrow: 'up-left' }] }, { dayFrom: '25:00' }, { timeZone: 'Europe/Celje' }, { rows: [{ carParkId: 'a' }, { carParkId: 'a' }] }, { staleAfterS: 5 }]) {
    assert.not.ok(PanelSettings.safeParse(bad).success, JSON.stringify(bad));
  }
});

test.run();
