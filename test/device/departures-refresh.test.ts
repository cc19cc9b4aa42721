/**
 * The e-paper refresh policy (device/modules/departures/refresh.ts), on a clock the test steps:
 * nothing for the same bits, partial for small changes, full on the schedule, deferred (not lost)
 * inside the minimum interval, held outside the temperature range and in quiet hours.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EPAPER_FRAME_BYTES, EPAPER_HEIGHT, EPAPER_ROW_BYTES, EPAPER_WIDTH } from '../../hardware/epaper/epaper.js';
import { changedBands } from '../../device/render/index.js';
import {
  UNKNOWN_GLASS,
  afterFault,
  afterRefresh,
  dayOfRefresh,
  decideRefresh,
  faultBackoffMs,
  type GlassState,
  type RefreshInput,
} from '../../device/modules/departures/refresh.js';
import { DeparturesSettings } from '../../protocols/index.js';

const SETTINGS = DeparturesSettings.parse({});
const at = (hhmm: string, day = '03') => Date.parse(`2026-03-${day}T${hhmm}:00+01:00`);

/** A frame with `rows` pixel rows from `y` black (a changed band), else white. */
function frame(mark: number, y = 0, rows = 8): Uint8Array {
  const f = new Uint8Array(EPAPER_FRAME_BYTES);
  for (let r = y; r < y + rows; r++) f.fill(mark & 0xff, r * EPAPER_ROW_BYTES, r * EPAPER_ROW_BYTES + 10);
  return f;
}

const input = (glass: GlassState, next: Uint8Array, now: number, o: Partial<RefreshInput> = {}): RefreshInput => ({
  glass,
  next,
  now,
  temperatureC: 20,
  quiet: false,
  size: { width: EPAPER_WIDTH, height: EPAPER_HEIGHT },
  bands: (a, b) => changedBands(a, b),
  settings: SETTINGS,
  ...o,
});

/** A glass that just had a full refresh of `shown` at `t`. */
const fresh = (shown: Uint8Array, t: number): GlassState => afterRefresh(UNKNOWN_GLASS, 'full', shown, t);

test('the first frame: full (the glass is unknown); the same bits again: nothing', () => {
  const a = frame(1);
  assert.equal(decideRefresh(input(UNKNOWN_GLASS, a, at('14:00'))), { action: 'full', reason: 'unknown' });
  const glass = fresh(a, at('14:00'));
  assert.equal(decideRefresh(input(glass, frame(1), at('14:05'))), { action: 'nothing' });
});

test('a small change: a partial refresh of the changed window only', () => {
  const glass = fresh(frame(1), at('14:00'));
  const d = decideRefresh(input(glass, frame(3), at('14:01')));
  assert.equal(d, { action: 'partial', windows: [{ x: 0, y: 0, width: 80, height: 8 }] });
});

test('a change inside the minimum interval waits (until the interval ends), then goes', () => {
  const glass = fresh(frame(1), at('14:00'));
  const soon = at('14:00') + 10_000;
  assert.equal(decideRefresh(input(glass, frame(3), soon)), { action: 'wait', until: at('14:00') + 30_000 });
  assert.is(decideRefresh(input(glass, frame(3), at('14:00') + 30_000)).action, 'partial');
  // A clock stepped back counts as the interval having passed, not as a wait of hours.
  assert.is(decideRefresh(input(glass, frame(3), at('13:00'))).action, 'partial');
});

test('most of the glass changed: full', () => {
  const glass = fresh(frame(1, 0, 8), at('14:00'));
  const big = new Uint8Array(EPAPER_FRAME_BYTES).fill(0xff);
  assert.equal(decideRefresh(input(glass, big, at('14:01'))), { action: 'full', reason: 'coverage' });
  assert.equal(decideRefresh(input(glass, big, at('14:01'), { settings: { ...SETTINGS, fullRefreshAboveShare: 1 } })).action, 'partial');
});

test('a full refresh after every 10 partial ones: an hour of minute changes', () => {
  let glass = UNKNOWN_GLASS;
  const counts = { full: 0, partial: 0 };
  for (let m = 0; m < 60; m++) {
    const now = at('14:00') + m * 60_000;
    const next = frame(m + 1);
    const d = decideRefresh(input(glass, next, now));
    assert.ok(d.action === 'full' || d.action === 'partial', `minute ${m}: ${JSON.stringify(d)}`);
    if (d.action === 'full' || d.action === 'partial') {
      counts[d.action]++;
      glass = afterRefresh(glass, d.action, next, now);
    }
  }
  assert.equal(counts, { full: 6, partial: 54 }, 'refreshes 1, 12, 23, 34, 45, 56 full');
});

test('at least one full refresh a day: the first after 03:00 local', () => {
  const glass = fresh(frame(1), at('14:00', '02'));
  assert.is(decideRefresh(input(glass, frame(3), at('02:59', '03'))).action, 'partial', 'still the same refresh day');
  assert.equal(decideRefresh(input(glass, frame(3), at('03:00', '03'))), { action: 'full', reason: 'daily' });
  assert.is(dayOfRefresh(at('02:59', '03'), SETTINGS), '2026-03-02');
  assert.is(dayOfRefresh(at('03:00', '03'), SETTINGS), '2026-03-03');
  // Summer time (29 March, 02:00 → 03:00): 03:00 CEST is still the day's start on the wall clock.
  assert.is(dayOfRefresh(Date.parse('2026-03-29T03:00:00+02:00'), SETTINGS), '2026-03-29');
  assert.is(dayOfRefresh(Date.parse('2026-03-29T01:59:00+01:00'), SETTINGS), '2026-03-28');
});

test('outside the temperature range: held, with the reason; unknown temperature holds nothing', () => {
  const glass = fresh(frame(1), at('14:00'));
  assert.equal(decideRefresh(input(glass, frame(3), at('14:01'), { temperatureC: -5 })), { action: 'hold', reason: 'temperature -5 °C outside 0…50 °C' });
  assert.equal(decideRefresh(input(glass, frame(3), at('14:01'), { temperatureC: 51 })), { action: 'hold', reason: 'temperature 51 °C outside 0…50 °C' });
  assert.equal(decideRefresh(input(glass, frame(1), at('14:01'), { temperatureC: -5 })), { action: 'nothing', held: 'temperature -5 °C outside 0…50 °C' });
  assert.is(decideRefresh(input(glass, frame(3), at('14:01'), { temperatureC: null })).action, 'partial');
  assert.is(decideRefresh(input(UNKNOWN_GLASS, frame(3), at('14:01'), { temperatureC: 0 })).action, 'full', 'the range is inclusive');
});

test('quiet hours: the plain screen once, with a full refresh; then held', () => {
  const glass = fresh(frame(1), at('22:00'));
  assert.equal(decideRefresh(input(glass, frame(5), at('22:30'), { quiet: true })), { action: 'full', reason: 'quiet' });
  const night = afterRefresh(glass, 'full', frame(5), at('22:30'));
  assert.equal(decideRefresh(input(night, frame(5), at('23:30'), { quiet: true })), { action: 'nothing', held: 'quiet hours' });
});

test('after a fault: the glass is unknown (next refresh full), the attempt counts for the interval; backoff 5 s doubling to 5 min', () => {
  const glass = afterFault(fresh(frame(1), at('14:00')), at('14:01'));
  assert.is(glass.shown, null);
  assert.equal(decideRefresh(input(glass, frame(1), at('14:01') + 1000)), { action: 'wait', until: at('14:01') + 30_000 });
  assert.equal(decideRefresh(input(glass, frame(1), at('14:02'))), { action: 'full', reason: 'unknown' });
  assert.equal([0, 1, 2, 3, 4, 5, 6, 50].map(faultBackoffMs), [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

test.run();
