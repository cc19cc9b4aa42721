/**
 * The demo's riders (scripts/lokalc/riders.mjs): who gets off and on wherever a bus stands, written
 * ahead as the visit timeline its simulated doors play. Seeded; never more off than on board, and
 * the bus emptied where a trip ends; busier at busy stops and at peak hours; each door's visit
 * inside the dwell; and, played through the simulated doors' real counter, exactly one stop visit
 * (one apc record) per stand.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { parseGtfsZip, type GtfsFeed } from '../../protocols/index.js';
import { StopVisit } from '../../device/modules/apc/index.js';
import { createDoorCounter, type DoorCrossing } from '../../hardware/door/door.js';
import { ManualTime } from '../../hardware/common/time.js';
import { parseVisitTimeline, visitWalkMs } from '../../hardware/door/timeline.js';
import { blockStands } from '../../scripts/lokalc/drive.mjs';
import { planRiders, stopWeights, VISIT_QUIET_S, writeVisitLog, type RiderStand, type Riders } from '../../scripts/lokalc/riders.mjs';
import { tmpDir } from '../helpers.js';

const COMMITTED = path.resolve(import.meta.dirname, '../../scripts/lokalc/gtfs');
const feed: GtfsFeed = parseGtfsZip(
  zipSync(Object.fromEntries(fs.readdirSync(COMMITTED).filter((f) => f.endsWith('.txt')).map((f) => [f, new Uint8Array(fs.readFileSync(path.join(COMMITTED, f)))]))),
).feed;
const local = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+01:00`).getTime();
const WEEKDAY_BLOCKS = ['D-rumena-1', 'D-rdeca-1', 'D-modra-1', 'D-zelena-oranzna-1'];

const riders = (blockId: string | null, fromMs: number, seconds: number, extra: { seed?: number; capacity?: number; doors?: number[] } = {}): Riders =>
  planRiders({ feed, blockId, fromMs, seconds, walkMs: visitWalkMs, ...extra });

/** A weekday's riders of every block, 04:30 to midnight. */
const weekday = WEEKDAY_BLOCKS.map((b) => ({ blockId: b, riders: riders(b, local('2026-03-10', '04:30'), 19.5 * 3600) }));

test('seeded: the same block, start and seed give the same riders; another seed others', () => {
  const from = local('2026-03-10', '07:10');
  const a = riders('D-rdeca-1', from, 3600);
  assert.equal(riders('D-rdeca-1', from, 3600), a);
  assert.ok(a.visits.length > 20, `${a.visits.length} visits in an hour`);
  assert.not.equal(riders('D-rdeca-1', from, 3600, { seed: 2 }).visits, a.visits);
  assert.equal(riders(null, from, 3600), { fromMs: from, toMs: from + 3600_000, stands: [], visits: [] }, 'a spare bus has no riders');
  const oneDoor = riders('D-rdeca-1', from, 3600, { doors: [1] });
  assert.ok(oneDoor.visits.length > 10 && oneDoor.visits.every((v) => v.door === 1), 'a one-door bus: everyone through door 1');
  for (const s of oneDoor.stands) assert.is(s.visits.reduce((t, v) => t + v.boardings - v.alightings, 0), s.boardings - s.alightings);
});

test('never more get off than are on board, nor on than there is room for; where a trip ends, everyone gets off', () => {
  for (const { blockId, riders: r } of [...weekday, { blockId: 'D-modra-1 (a 40-seat bus)', riders: riders('D-modra-1', local('2026-03-10', '06:00'), 4 * 3600, { capacity: 40 }) }]) {
    let onboard = 0;
    let ends = 0;
    for (const s of r.stands) {
      assert.ok(s.alightings <= onboard, `${blockId} ${s.stopId}: ${s.alightings} off of ${onboard} on board`);
      const tripEnds = s.alight !== null && s.alight.tripId !== s.board?.tripId;
      if (tripEnds) {
        ends++;
        assert.is(s.alightings, onboard, `${blockId}: everyone off at the end of ${s.alight!.tripId}`);
      }
      if (!s.alight) assert.is(s.alightings, 0, `${blockId} ${s.stopId}: no one off where the stop is pick-up only`);
      if (!s.board) assert.is(s.boardings, 0, `${blockId} ${s.stopId}: no one on where the stop is drop-off only`);
      onboard += s.boardings - s.alightings;
      assert.is(s.onboard, onboard);
      assert.ok(onboard >= 0 && onboard <= (blockId.includes('40-seat') ? 40 : 60), `${blockId}: ${onboard} on board`);
      const doors = s.visits.reduce((t, v) => ({ on: t.on + v.boardings, off: t.off + v.alightings }), { on: 0, off: 0 });
      assert.equal(doors, { on: s.boardings, off: s.alightings }, 'the door visits add up to the stand');
    }
    assert.ok(ends > 10, `${blockId}: ${ends} trip ends`);
  }
});

test('busy stops are busier, peak hours busier, and the front door is for getting on', () => {
  const weights = stopWeights(feed);
  const all: RiderStand[] = weekday.flatMap((b) => b.riders.stands);
  const mean = (stands: RiderStand[], of: (s: RiderStand) => number) => stands.reduce((t, s) => t + of(s), 0) / stands.length;
  const through = (s: RiderStand) => s.boardings + s.alightings;
  const passing = all.filter((s) => s.alight && s.board && s.alight.tripId === s.board.tripId);
  const busy = passing.filter((s) => (weights.get(s.stopId) ?? 1) >= 2);
  const quiet = passing.filter((s) => (weights.get(s.stopId) ?? 1) === 1);
  assert.ok(busy.length > 50 && quiet.length > 200, `${busy.length} busy and ${quiet.length} quiet stands`);
  assert.ok(mean(busy, through) > 1.5 * mean(quiet, through), `busy stops ${mean(busy, through).toFixed(2)} a stand, quiet ones ${mean(quiet, through).toFixed(2)}`);
  const hour = (s: RiderStand) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: feed.timeZone, hour: '2-digit', hourCycle: 'h23' }).format(s.arriveMs!));
  const peak = passing.filter((s) => hour(s) >= 6 && hour(s) < 8);
  const midday = passing.filter((s) => hour(s) >= 9 && hour(s) < 12);
  assert.ok(mean(peak, (s) => s.boardings) > 1.4 * mean(midday, (s) => s.boardings), `6–8: ${mean(peak, (s) => s.boardings).toFixed(2)} on a stand, 9–12: ${mean(midday, (s) => s.boardings).toFixed(2)}`);
  const visits = weekday.flatMap((b) => b.riders.visits);
  const sum = (door: number, key: 'boardings' | 'alightings') => visits.filter((v) => v.door === door).reduce((t, v) => t + v[key], 0);
  assert.ok(sum(1, 'boardings') > sum(2, 'boardings'), 'more on at the front');
  assert.ok(sum(2, 'alightings') > sum(1, 'alightings'), 'more off at the middle');
  const total = weekday.reduce((t, b) => t + b.riders.stands.reduce((u, s) => u + s.boardings, 0), 0);
  assert.ok(total > 1500 && total < 8000, `${total} boardings on a weekday's four blocks`);
});

test('each door visit is inside its stand: doors open 2 s after the bus stops, the last passenger through before they close', () => {
  for (const { blockId, riders: r } of weekday) {
    for (const s of r.stands) {
      for (const v of s.visits) {
        if (s.arriveMs !== null) assert.ok(v.at >= s.arriveMs + 2000, `${blockId} ${s.stopId}: door ${v.door} opens ${v.at - s.arriveMs} ms after the bus stops`);
        if (s.departMs !== null) assert.ok(v.at + visitWalkMs(v) <= s.departMs - 1000, `${blockId} ${s.stopId}: door ${v.door} busy until ${v.at + visitWalkMs(v) - s.departMs} ms after the bus leaves`);
      }
    }
  }
});

test('a stand under way when the timeline starts: riders in what is left of its dwell, from 10 s in, onto an empty bus', () => {
  const stands = blockStands(feed, 'D-rdeca-1', '2026-03-10');
  const at = stands.find((s) => s.arriveMs !== null && s.departMs !== null && s.departMs - s.arriveMs > 40_000 && s.arriveMs > local('2026-03-10', '10:00'))!;
  const from = at.arriveMs! + 5000;
  const r = riders('D-rdeca-1', from, 1800);
  const first = r.stands[0]!;
  assert.is(first.arriveMs, at.arriveMs, 'the stand under way');
  assert.is(first.alightings, 0, 'no one to get off yet');
  for (const v of first.visits) assert.ok(v.at >= from + 10_000 && v.at + visitWalkMs(v) <= at.departMs! - 1000, 'inside what is left of the dwell');
  for (const v of r.visits) assert.ok(v.at >= r.fromMs && v.at < r.toMs);
  const late = riders('D-rdeca-1', at.departMs! - 10_000, 1800);
  assert.ok(late.stands[0]!.arriveMs! > at.arriveMs!, 'a stand about to end is left out');
});

test('played through the simulated doors, each stand is one stop visit for the apc module, with its counts and the load', async () => {
  const dir = tmpDir('tabla-lokalc-riders-');
  const file = path.join(dir, 'visits.jsonl');
  const from = local('2026-03-10', '13:20');
  const plan = writeVisitLog({ file, feed, blockId: 'D-zelena-oranzna-1', fromMs: from, seconds: 2 * 3600, walkMs: visitWalkMs });
  assert.not.ok(fs.existsSync(`${file}.tmp`), 'written by way of a temp file, renamed');
  const read = parseVisitTimeline(fs.readFileSync(file, 'utf8'), file, [1, 2]);
  assert.equal(
    read.map(({ line: _line, ...v }) => v),
    plan.visits,
    'the file reads back as planned',
  );

  const time = new ManualTime(plan.fromMs - 1000);
  const counter = createDoorCounter({ kind: 'simulated', doors: [1, 2], visits: file, clock: time, timers: time });
  const crossings: DoorCrossing[] = [];
  counter.onCrossing((c) => crossings.push(c));
  await counter.start();
  time.advance(2 * 3600_000 + 60_000);
  await counter.stop();

  // The apc module's rule: a visit ends after VISIT_QUIET_S without a crossing. No two crossings are
  // anywhere near that apart (whenever its 1 s check comes, the visits are the same).
  const quietMs = VISIT_QUIET_S * 1000;
  const visits: StopVisit[] = [];
  let visit: StopVisit | null = null;
  for (const [i, c] of crossings.entries()) {
    const gap = i === 0 ? Infinity : c.at - crossings[i - 1]!.at;
    assert.ok(gap < quietMs - 3000 || gap > quietMs + 3000, `two crossings ${gap} ms apart, at ${new Date(c.at).toISOString()}`);
    if (gap > quietMs) visits.push((visit = new StopVisit()));
    visit!.add(c);
  }
  // Expected: each stand's visits, a layover's in two when they are apart.
  const expected = plan.stands.flatMap((s) => {
    const groups: (typeof s.visits)[] = [];
    let end = -Infinity;
    for (const v of s.visits) {
      if (v.at - end > quietMs) groups.push([]);
      groups.at(-1)!.push(v);
      end = Math.max(end, v.at + visitWalkMs(v));
    }
    return groups.map((g) =>
      [1, 2]
        .map((door) => ({ door, boardings: g.filter((v) => v.door === door).reduce((t, v) => t + v.boardings, 0), alightings: g.filter((v) => v.door === door).reduce((t, v) => t + v.alightings, 0) }))
        .filter((d) => d.boardings + d.alightings > 0),
    );
  });
  assert.ok(expected.length > 40, `${expected.length} stop visits in two hours`);
  assert.is(visits.length, expected.length, 'one apc record per stand (a long layover: one for the arriving riders, one for the leaving)');
  assert.equal(
    visits.map((v) => v.doors()),
    expected,
  );
  let onboard = 0;
  for (const v of visits) {
    const after = v.onboardAfter(onboard);
    assert.is(after.clamped, 0, 'the load never has to be clamped');
    onboard = after.onboard;
  }
  assert.is(onboard, plan.stands.at(-1)!.onboard);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
