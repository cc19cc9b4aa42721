/**
 * The demo's Lokal'c buses: which block of today's timetable each one drives, what its GNSS
 * receiver will say while it does, and a line saying where it is, for the demo's printout.
 *
 * The receiver's output is written ahead as an NMEA log: RMC, GGA and GSA once a second
 * (hardware/gnss/talker.ts `epochSentences`, handed in as `talk`) from `busOnBlock` (drive.mjs),
 * stamped with the wall clock's own times. The agent plays it with `gnss: { kind: 'replay',
 * rate: 'clock' }`, each fix when the clock reaches its time, through the real decoder, outbox and
 * MQTT; so the fleet sees live positions, matched against the same timetable the buses drive.
 *
 * A receiver is not a timetable: each fix is off by a metre or two, the error wandering slowly
 * (a random walk pulled back to zero, as multipath and the satellites' geometry change), and the
 * satellites in use and HDOP drift too. Seeded: the same block, start and seed give the same log.
 */
import fs from 'node:fs';
import { blocksOn, busOnBlock, generator, localDate, serviceDayStart } from './drive.mjs';

/** Where a bus with no block today stands: a bay beside the bus station, off its stop. */
export const BUS_STATION_BAY = { lat: 46.35912, lon: 15.11012, courseDeg: 250 };
/** In service: driving a trip, standing at one of its stops, or laying over between two. */
const IN_SERVICE = new Set(['in-transit', 'at-stop', 'layover']);
const M_PER_DEG_LAT = 111_320;
/** Velenje's height above sea level, metres (GGA). */
const ALTITUDE_M = 396;

/**
 * A block for each of `count` buses on the service day of `at`: blocks in service at `at` first,
 * then those still to start (soonest first), then those done for the day; each block once. When
 * the day has fewer blocks than buses (a Sunday: one), the rest get null and stay at the bus
 * station: the fleet is told they are out of service, so nothing is matched to them.
 */
export function blocksForBuses(feed, at, count) {
  const ranked = blocksOn(feed, localDate(at.getTime(), feed.timeZone)).map((b) => {
    const bus = busOnBlock(feed, b.blockId, at);
    const rank = !bus ? 3 : IN_SERVICE.has(bus.status) ? 0 : bus.status === 'before-service' ? 1 : 2;
    return { ...b, rank };
  });
  ranked.sort((a, b) => a.rank - b.rank || a.first - b.first || a.blockId.localeCompare(b.blockId));
  return Array.from({ length: count }, (_, i) => ranked[i]?.blockId ?? null);
}

/** Is the bus on `blockId` in service (on a trip, or between two) at `at`? */
export function inService(feed, blockId, at) {
  const bus = blockId ? busOnBlock(feed, blockId, at) : null;
  return !!bus && IN_SERVICE.has(bus.status);
}


/**
 * Writes the receiver's log of the bus on `blockId` (null: standing at the bus station's bay)
 * from `fromMs` (rounded up to the whole second) for `seconds`, to `file` by way of a temp file
 * and a rename (an agent never reads half a log). Between the block's days, or when the block does
 * not run, the bus stays where it last was. Returns the epochs written and the log's time span.
 */
export function writeGnssLog({ file, feed, blockId, fromMs, seconds, talk, seed = 1 }) {
  const start = Math.ceil(fromMs / 1000) * 1000;
  const random = generator(`${blockId ?? 'bay'}|${start}|${seed}`);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((BUS_STATION_BAY.lat * Math.PI) / 180);
  let here = { lat: BUS_STATION_BAY.lat, lon: BUS_STATION_BAY.lon, courseDeg: BUS_STATION_BAY.courseDeg, speedMps: 0 };
  // the receiver's error, metres east and north: about 1.5 m, changing over tens of seconds
  let east = 0;
  let north = 0;
  let sats = 9;
  let hdop = 0.9;
  const out = [`# Lokal'c demo: ${blockId ?? 'no block (at the bus station)'}, written ${new Date().toISOString()}\n`];
  for (let s = 0; s < seconds; s++) {
    const t = start + s * 1000;
    const bus = blockId ? busOnBlock(feed, blockId, new Date(t), { seed }) : null;
    if (bus) here = { lat: bus.lat, lon: bus.lon, courseDeg: bus.courseDeg, speedMps: bus.speedMps };
    else here = { ...here, speedMps: 0 };
    east = 0.95 * east + 0.5 * gauss();
    north = 0.95 * north + 0.5 * gauss();
    if (random() < 0.01) sats = Math.min(12, Math.max(6, sats + (random() < 0.5 ? -1 : 1)));
    hdop = Math.min(2.5, Math.max(0.7, hdop + 0.02 * gauss() + (0.9 + (9 - sats) * 0.1 - hdop) * 0.05));
    const moving = here.speedMps > 0.3;
    out.push(
      ...talk({
        timeMs: t,
        lat: here.lat + north / M_PER_DEG_LAT,
        lon: here.lon + east / mPerDegLon,
        speedMps: moving ? Math.max(0, here.speedMps + 0.1 * gauss()) : 0,
        courseDeg: here.courseDeg,
        altitudeM: ALTITUDE_M + 0.8 * north,
        sats,
        hdop,
      }),
    );
  }
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, out.join(''));
  fs.renameSync(tmp, file);
  return { epochs: seconds, fromMs: start, toMs: start + (seconds - 1) * 1000 };
}

const hhmm = (ms, timeZone) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

function lateness(delayS) {
  const min = Math.round(delayS / 60);
  return min === 0 ? 'on time' : min > 0 ? `${min} min late` : `${-min} min early`;
}

/**
 * Where the bus on `blockId` is at `at`, in a few words: "Rumena to Šalek, next stop Tržnica,
 * 1 min late", "waits at Avtobusna postaja Velenje for its first trip, 06:00 to Šalek", …
 */
export function describeBus(feed, blockId, at) {
  const dayStartMs = (date) => serviceDayStart(date, feed.timeZone);
  if (!blockId) return `out of service (today's timetable has no block left for it), parked at ${feed.stops.get('ap')?.name ?? 'the bus station'}`;
  const bus = busOnBlock(feed, blockId, at);
  if (!bus) return `${blockId} does not run today`;
  const trip = feed.trips.get(bus.tripId);
  const route = feed.routes.get(bus.routeId);
  const line = route?.shortName ?? bus.routeId;
  const stop = feed.stops.get(bus.stopId)?.name ?? bus.stopId;
  const to = trip?.headsign ?? '';
  const departs = trip ? hhmm(dayStartMs(bus.serviceDate) + trip.stopTimes[0].departure * 1000, feed.timeZone) : '';
  switch (bus.status) {
    case 'in-transit':
      return stop === to ? `${line}, on its way in to ${stop}, ${lateness(bus.delayS)}` : `${line} to ${to}, next stop ${stop}, ${lateness(bus.delayS)}`;
    case 'at-stop':
      return `${line} to ${to}, at ${stop}, ${lateness(bus.delayS)}`;
    case 'layover':
      return `${line}, at ${stop} until its ${departs} trip to ${to}`;
    case 'before-service':
      return `waits at ${stop} for its first trip, ${line} ${departs} to ${to}`;
    default: {
      const arrived = trip ? hhmm(dayStartMs(bus.serviceDate) + trip.stopTimes.at(-1).arrival * 1000, feed.timeZone) : '';
      return `done for the day (its last trip was due in at ${arrived}), at ${stop}`;
    }
  }
}
