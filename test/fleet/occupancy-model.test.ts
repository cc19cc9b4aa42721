/**
 * The occupancy model as pure functions: thresholds from percentages to DATEX II free-space
 * counts, the state's hysteresis walked car by car, clamping, opening hours (overnight ranges,
 * the site's time zone), the trend's dead band, the nightly recalibration, the catalogue's reasons.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Catalogue, catalogueReasons, resolveThresholds, type Thresholds } from '../../fleet/engines/occupancy/catalogue.js';
import { isOpen, localInstant, moveCount, nextLevel, recalibrationDue, statusOf, trendOf, newCount, type Level } from '../../fleet/engines/occupancy/model.js';

const TZ = 'Europe/Ljubljana';
const DEFAULTS: Thresholds = { almostFull: { upPercent: 90, downPercent: 85 }, full: { upPercent: 98, upFree: 3, downPercent: 95 } };

test('thresholds: percentages of the capacity become free-space counts, the way back above the way up', () => {
  // 420 spaces (Glazija): almostFull at 378 occupied (42 free), back at 357 (63 free);
  // full at 98 % = 411.6 → 412 occupied (8 free), back at 95 % = 399 occupied (21 free).
  assert.equal(resolveThresholds(420, DEFAULTS), { almostFullIncreasing: 42, almostFullDecreasing: 63, fullIncreasing: 8, fullDecreasing: 21 });
  // 77 spaces (Mestni park): 98 % is 75.46 → 76 occupied (1 free), but 3 free comes first.
  assert.equal(resolveThresholds(77, DEFAULTS), { almostFullIncreasing: 7, almostFullDecreasing: 12, fullIncreasing: 3, fullDecreasing: 4 });
  // 10 spaces: every band keeps at least one space between up and back.
  const t = resolveThresholds(10, DEFAULTS);
  assert.ok(t.fullDecreasing > t.fullIncreasing && t.almostFullDecreasing > t.almostFullIncreasing, JSON.stringify(t));
  assert.ok(t.almostFullIncreasing >= t.fullIncreasing);
});

test('hysteresis: the state rises at one count and falls back at another, car by car', () => {
  const t = resolveThresholds(100, DEFAULTS); // almostFull ≤10 free, back ≥15; full ≤3 free, back ≥5
  assert.equal(t, { almostFullIncreasing: 10, almostFullDecreasing: 15, fullIncreasing: 3, fullDecreasing: 5 });
  // [free spaces after each car, expected state]
  const walk: [number, Level][] = [
    [12, 'spacesAvailable'],
    [11, 'spacesAvailable'],
    [10, 'almostFull'], // 90 % occupied
    [11, 'almostFull'],
    [14, 'almostFull'], // back only at 85 %
    [15, 'spacesAvailable'],
    [10, 'almostFull'],
    [4, 'almostFull'],
    [3, 'full'], // 3 free: full
    [4, 'full'],
    [5, 'almostFull'], // back at 95 %
    [4, 'almostFull'],
    [3, 'full'],
    [16, 'spacesAvailable'], // a large correction drops straight through both bands
    [0, 'full'],
  ];
  let level: Level = 'spacesAvailable';
  for (const [free, expected] of walk) {
    level = nextLevel(level, free, t);
    assert.is(level, expected, `${free} free`);
  }
});

test('a crossing past either end is clamped and said so', () => {
  assert.equal(moveCount(99, 1, 100), { occupied: 100, clamped: null });
  assert.equal(moveCount(100, 1, 100), { occupied: 100, clamped: 'high' });
  assert.equal(moveCount(0, -1, 100), { occupied: 0, clamped: 'low' });
  assert.equal(moveCount(5, -3, 100), { occupied: 2, clamped: null });
});

test('opening hours: weekly ranges in the site time zone, overnight ranges, 24/7 without any', () => {
  const at = (date: string, hhmm: string) => localInstant(date, hhmm, TZ);
  const hours = [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[], from: '06:00', to: '22:00' },
    { days: ['sat' as const], from: '20:00', to: '02:00' },
  ];
  // 2026-11-30 is a Monday; Ljubljana is UTC+1 in winter.
  assert.is(new Date(at('2026-11-30', '06:00')).toISOString(), '2026-11-30T05:00:00.000Z');
  assert.is(isOpen(at('2026-11-30', '05:59'), hours, TZ), false);
  assert.is(isOpen(at('2026-11-30', '06:00'), hours, TZ), true);
  assert.is(isOpen(at('2026-11-30', '21:59'), hours, TZ), true);
  assert.is(isOpen(at('2026-11-30', '22:00'), hours, TZ), false);
  assert.is(isOpen(at('2026-12-05', '12:00'), hours, TZ), false, 'Saturday noon');
  assert.is(isOpen(at('2026-12-05', '23:30'), hours, TZ), true, 'Saturday night');
  assert.is(isOpen(at('2026-12-06', '01:30'), hours, TZ), true, 'past midnight into Sunday');
  assert.is(isOpen(at('2026-12-06', '02:00'), hours, TZ), false);
  // Summer time: 06:00 local is 04:00 UTC.
  assert.is(isOpen(Date.parse('2026-07-06T04:00:00Z'), hours, TZ), true);
  assert.is(isOpen(Date.parse('2026-07-06T03:59:00Z'), hours, TZ), false);
  assert.is(isOpen(at('2026-12-06', '04:00'), undefined, TZ), true, 'no hours: always open');
});

test('trend: the count against the one 15 minutes ago, with a dead band', () => {
  const now = 10_000_000;
  const samples = [
    { at: now - 20 * 60_000, occupied: 100 },
    { at: now - 14 * 60_000, occupied: 104 },
  ];
  // In force at the window's start: 100 (the sample 20 min ago). Band: max(2, 1 % of 400) = 4.
  assert.is(trendOf(samples, 104, 400, now), 'steady');
  assert.is(trendOf(samples, 105, 400, now), 'rising');
  assert.is(trendOf(samples, 95, 400, now), 'falling');
  assert.is(trendOf([], 50, 400, now), 'steady', 'nothing known before: steady');
});

test('recalibration: due once at its local time, skipped when the fleet was down long past it', () => {
  const due = localInstant('2026-11-30', '03:30', TZ);
  assert.is(recalibrationDue(due - 1000, '03:30', TZ, due - 86_400_000 + 1), null, 'not yet');
  assert.equal(recalibrationDue(due + 5000, '03:30', TZ, due - 3_600_000), { at: due, late: false });
  assert.is(recalibrationDue(due + 6000, '03:30', TZ, due), null, 'done already');
  assert.equal(recalibrationDue(due + 5 * 3_600_000, '03:30', TZ, due - 3_600_000), { at: due, late: true });
});

test('status: counted when open and fresh, unknown when silent, closed outside hours', () => {
  const def = Catalogue.parse({ site: 'celje', carParks: [{ id: 'mestni-park', name: 'Mestni park', kind: 'open', capacity: 77, staleAfterS: 600 }] }).carParks[0]!;
  const now = Date.parse('2026-11-30T10:00:00Z');
  const count = { ...newCount(now - 3_600_000), occupied: 70, level: 'almostFull' as Level, lastCountAt: now - 60_000 };
  const s = statusOf({ def, site: 'celje', timeZone: TZ, count, samples: [], now });
  assert.equal([s.state, s.free, s.percent, s.open, s.updatedAt], ['almostFull', 7, 90.9, true, '2026-11-30T10:59:00+01:00']);
  const silent = statusOf({ def, site: 'celje', timeZone: TZ, count, samples: [], now: now + 600_000 });
  assert.equal([silent.state, silent.free, silent.percent, silent.trend], ['unknown', null, null, null]);
  const closedDef = { ...def, openingHours: [{ days: ['sun' as const], from: '00:00', to: '24:00' }] };
  const closed = statusOf({ def: closedDef, site: 'celje', timeZone: TZ, count, samples: [], now });
  assert.equal([closed.state, closed.free, closed.open, closed.occupied], ['closed', null, false, 70]);
});

test('catalogue: defaults filled in, refusals name their paths', () => {
  const c = Catalogue.parse({ site: 'celje', carParks: [{ id: 'glazija', name: 'Glazija', kind: 'garage', capacity: 420 }] });
  assert.is(c.timeZone, TZ);
  assert.equal(c.carParks[0]!.thresholds, DEFAULTS);
  assert.is(c.carParks[0]!.staleAfterS, 3600);
  const bad = Catalogue.safeParse({
    site: 'Celje',
    carParks: [
      { id: 'glazija', name: 'Glazija', kind: 'garage', capacity: 0 },
      { id: 'celeiapark', name: 'x', kind: 'tent', capacity: 10, thresholds: { almostFull: { upPercent: 80, downPercent: 85 } }, openingHours: [{ days: ['mon'], from: '25:00', to: '10:00' }] },
    ],
  });
  assert.is(bad.success, false);
  const paths = catalogueReasons(bad.error!).map((r) => r.path);
  for (const p of ['site', 'carParks.0.capacity', 'carParks.1.kind', 'carParks.1.thresholds.almostFull.downPercent', 'carParks.1.openingHours.0.from']) {
    assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
  }
  // Rules across fields are checked once each field is right.
  const twice = Catalogue.safeParse({
    site: 'celje',
    carParks: [
      { id: 'glazija', name: 'Glazija', kind: 'garage', capacity: 420 },
      { id: 'glazija', name: 'Glazija 2', kind: 'garage', capacity: 10, recalibrate: { at: '03:00', count: 11 } },
    ],
  });
  assert.equal(catalogueReasons(twice.error!).map((r) => r.path).sort(), ['carParks.1.id', 'carParks.1.recalibrate.count']);
});

test.run();
