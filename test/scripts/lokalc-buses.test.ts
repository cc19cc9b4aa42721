/**
 * The demo's buses (scripts/lokalc/buses.mjs): which block each of three buses drives on a
 * weekday, a Saturday, a Sunday and at night, and the NMEA log its receiver is given — real
 * sentences our decoder reads back as one fix a second at the wall-clock times asked for, a metre
 * or two from where drive.mjs puts the bus.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { decodeNmea, distanceM, parseGtfsZip, type GtfsFeed } from '../../protocols/index.js';
import { epochSentences } from '../../hardware/gnss/talker.js';
import { BUS_STATION_BAY, blocksForBuses, describeBus, inService, writeGnssLog } from '../../scripts/lokalc/buses.mjs';
import { busOnBlock } from '../../scripts/lokalc/drive.mjs';
import { tmpDir } from '../helpers.js';

/** The committed feed (lokalc-gtfs.test.ts checks it is what the generator writes). */
const COMMITTED = path.resolve(import.meta.dirname, '../../scripts/lokalc/gtfs');
const feed: GtfsFeed = parseGtfsZip(
  zipSync(Object.fromEntries(fs.readdirSync(COMMITTED).filter((f) => f.endsWith('.txt')).map((f) => [f, new Uint8Array(fs.readFileSync(path.join(COMMITTED, f)))]))),
).feed;
/** An instant from a local wall-clock time in Velenje (CET in March). */
const local = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+01:00`);

test('a weekday at ten: rumena, rdeča and modra, each in service', () => {
  const at = local('2026-03-10', '10:00');
  const blocks = blocksForBuses(feed, at, 3);
  assert.equal(blocks, ['D-rumena-1', 'D-rdeca-1', 'D-modra-1']);
  for (const b of blocks) assert.ok(inService(feed, b, at), String(b));
});

test("Saturday: the day's three blocks; after two, the one that has ended comes last", () => {
  assert.equal(blocksForBuses(feed, local('2026-03-14', '10:00'), 3), ['S-rumena-1', 'S-rdeca-modra-1', 'S-zelena-oranzna-1']);
  const afternoon = local('2026-03-14', '16:00');
  const blocks = blocksForBuses(feed, afternoon, 3);
  assert.equal(blocks, ['S-rumena-1', 'S-rdeca-modra-1', 'S-zelena-oranzna-1']);
  assert.equal(blocks.map((b) => inService(feed, b, afternoon)), [true, true, false]);
  assert.match(describeBus(feed, 'S-zelena-oranzna-1', afternoon), /^done for the day/);
});

test('Sunday and holidays: one block; the other two buses are spares at the bus station', () => {
  for (const date of ['2026-03-15', '2026-04-06']) {
    const at = local(date, '11:00');
    assert.equal(blocksForBuses(feed, at, 3), ['N-rumena-1', null, null], date);
    assert.match(describeBus(feed, null, at), /^out of service .*Avtobusna postaja Velenje$/);
    assert.not.ok(inService(feed, null, at));
  }
});

test('at night no block is in service: the buses wait for their first trips, soonest first', () => {
  const at = local('2026-03-10', '02:30');
  const blocks = blocksForBuses(feed, at, 3);
  assert.equal(blocks, ['D-rumena-1', 'D-rdeca-1', 'D-modra-1']);
  for (const b of blocks) assert.not.ok(inService(feed, b, at), String(b));
  assert.is(describeBus(feed, 'D-rumena-1', at), 'waits at Avtobusna postaja Velenje for its first trip, Rumena 05:00 to Šalek');
});

test("the receiver's log: our decoder's fixes, one a second at the times asked for, a metre or two from the bus", () => {
  const dir = tmpDir('tabla-lokalc-log-');
  const file = path.join(dir, 'gnss.nmea');
  const from = local('2026-03-10', '10:00').getTime() + 400;
  const r = writeGnssLog({ file, feed, blockId: 'D-rdeca-1', fromMs: from, seconds: 600, talk: epochSentences });
  assert.is(r.fromMs, from - 400 + 1000, 'from the next whole second');
  assert.not.ok(fs.existsSync(`${file}.tmp`), 'written by way of a temp file, renamed');
  const { fixes, sentences } = decodeNmea(fs.readFileSync(file));
  assert.is(sentences, 3 * 600, 'RMC, GGA and GSA every second, all read');
  assert.is(fixes.length, 600);
  let worst = 0;
  let moving = 0;
  for (const [i, fix] of fixes.entries()) {
    const t = r.fromMs + i * 1000;
    assert.is(Date.parse(fix.time), t);
    const bus = busOnBlock(feed, 'D-rdeca-1', new Date(t))!;
    worst = Math.max(worst, distanceM(bus, fix));
    if (bus.speedMps > 0.3) moving++;
    else assert.is(fix.speed, 0, 'standing still, a speed of 0');
  }
  assert.ok(worst < 10, `at most ${worst.toFixed(1)} m from where the bus is`);
  assert.ok(moving > 100, `moving ${moving} s of 600`);
  const again = path.join(dir, 'again.nmea');
  writeGnssLog({ file: again, feed, blockId: 'D-rdeca-1', fromMs: from, seconds: 600, talk: epochSentences });
  assert.equal(fs.readFileSync(again, 'utf8').split('\n').slice(1), fs.readFileSync(file, 'utf8').split('\n').slice(1), 'seeded: the same log again');
});

test('a spare bus stands at the bus station bay, its fixes wandering a metre or two', () => {
  const file = path.join(tmpDir('tabla-lokalc-bay-'), 'gnss.nmea');
  writeGnssLog({ file, feed, blockId: null, fromMs: local('2026-03-15', '11:00').getTime(), seconds: 120, talk: epochSentences });
  const { fixes } = decodeNmea(fs.readFileSync(file));
  assert.is(fixes.length, 120);
  for (const fix of fixes) {
    assert.ok(distanceM(BUS_STATION_BAY, fix) < 8, `${distanceM(BUS_STATION_BAY, fix).toFixed(1)} m from the bay`);
    assert.is(fix.speed, 0);
  }
});

test.run();
