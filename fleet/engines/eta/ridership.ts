/**
 * Ridership: the buses' stop visits (`apc` records) put on the map of the timetable — which stop,
 * which route and direction — and summed the way a city plans routes: boardings and alightings per
 * stop and hour, and load profiles (passengers on board along a route, stop by stop).
 *
 * A visit's stop is the one the record names when the bus knew it; else the stop the ETA model saw
 * the bus reach last, within 5 min before the visit closed; else none (counted, kept, not mapped).
 * Exactly-once ingest means a resent batch is never counted twice here.
 */
import type Database from 'better-sqlite3';
import type { GtfsFeed } from '../../../protocols/index.js';
import { isoLocal } from '../../../protocols/index.js';

export const RIDERSHIP_MIGRATIONS = [
  `CREATE TABLE eta_ridership (
     device_id     TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     ts            INTEGER NOT NULL,    -- when the visit closed, ms epoch (the bus's clock)
     site          TEXT,
     stop_id       TEXT,
     route_id      TEXT,
     direction_id  INTEGER,
     trip_id       TEXT,
     stop_sequence INTEGER,
     boardings     INTEGER NOT NULL,
     alightings    INTEGER NOT NULL,
     onboard       INTEGER NOT NULL,
     PRIMARY KEY (device_id, seq, ts)
   ) WITHOUT ROWID`,
  'CREATE INDEX eta_ridership_ts ON eta_ridership (ts)',
];

/** Where a bus last arrived, as the ETA model saw it. */
export interface LastStop {
  stopId: string;
  routeId: string;
  directionId: number | null;
  tripId: string;
  stopSequence: number;
  time: number;
}

export interface Visit {
  deviceId: string;
  seq: number;
  ts: number;
  site: string | null;
  stopId: string | null;
  boardings: number;
  alightings: number;
  onboard: number;
}

/** A visit belongs to the stop reached at most this long before it closed. */
const ATTRIBUTION_MS = 5 * 60_000;

export interface RidershipQuery {
  from: number;
  to: number;
  route?: string;
  site?: string;
}

export interface StopHour {
  stopId: string;
  stopName: string | null;
  /** local hour of the day, 0..23 */
  hour: number;
  boardings: number;
  alightings: number;
  visits: number;
}

export interface LoadPoint {
  stopSequence: number;
  stopId: string;
  stopName: string | null;
  visits: number;
  boardings: number;
  alightings: number;
  /** mean passengers on board as the bus left the stop */
  meanOnboard: number;
  maxOnboard: number;
}

export class Ridership {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO eta_ridership (device_id, seq, ts, site, stop_id, route_id, direction_id, trip_id, stop_sequence, boardings, alightings, onboard)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Records a visit, put on the route the bus was on when it reached the stop. Returns whether the stop is known. */
  record(visit: Visit, last: LastStop | null, feed: GtfsFeed | null): boolean {
    let stopId = visit.stopId && feed?.stops.has(visit.stopId) ? visit.stopId : null;
    const recent = last && visit.ts - last.time <= ATTRIBUTION_MS && visit.ts >= last.time - 60_000 ? last : null;
    if (!stopId && recent) stopId = recent.stopId;
    const onRoute = recent && recent.stopId === stopId ? recent : null;
    this.#insert.run(
      visit.deviceId,
      visit.seq,
      visit.ts,
      visit.site,
      stopId,
      onRoute?.routeId ?? null,
      onRoute?.directionId ?? null,
      onRoute?.tripId ?? null,
      onRoute?.stopSequence ?? null,
      visit.boardings,
      visit.alightings,
      visit.onboard,
    );
    return stopId !== null;
  }

  /** Boardings and alightings per stop and local hour, and the load profile per route and direction. */
  query(q: RidershipQuery, feedOf: (site: string | null) => GtfsFeed | null, timeZone: string) {
    const where = ['ts >= ?', 'ts < ?'];
    const args: (string | number)[] = [q.from, q.to];
    if (q.route) {
      where.push('route_id = ?');
      args.push(q.route);
    }
    if (q.site) {
      where.push('site = ?');
      args.push(q.site);
    }
    const rows = this.#db
      .prepare(
        `SELECT site, stop_id, route_id, direction_id, stop_sequence, ts, boardings, alightings, onboard FROM eta_ridership WHERE ${where.join(' AND ')} ORDER BY ts`,
      )
      .all(...args) as {
      site: string | null;
      stop_id: string | null;
      route_id: string | null;
      direction_id: number | null;
      stop_sequence: number | null;
      ts: number;
      boardings: number;
      alightings: number;
      onboard: number;
    }[];
    const stopName = (site: string | null, id: string) => feedOf(site)?.stops.get(id)?.name ?? null;
    const hours = new Map<string, StopHour>();
    const profiles = new Map<string, { routeId: string; directionId: number | null; points: Map<string, LoadPoint & { sum: number }> }>();
    let unmapped = { visits: 0, boardings: 0, alightings: 0 };
    let totals = { visits: 0, boardings: 0, alightings: 0 };
    for (const r of rows) {
      totals = { visits: totals.visits + 1, boardings: totals.boardings + r.boardings, alightings: totals.alightings + r.alightings };
      if (!r.stop_id) {
        unmapped = { visits: unmapped.visits + 1, boardings: unmapped.boardings + r.boardings, alightings: unmapped.alightings + r.alightings };
        continue;
      }
      const hour = Number(isoLocal(r.ts, timeZone).slice(11, 13));
      const hk = `${r.stop_id}|${hour}`;
      const h = hours.get(hk) ?? { stopId: r.stop_id, stopName: stopName(r.site, r.stop_id), hour, boardings: 0, alightings: 0, visits: 0 };
      h.boardings += r.boardings;
      h.alightings += r.alightings;
      h.visits++;
      hours.set(hk, h);
      if (r.route_id !== null && r.stop_sequence !== null) {
        const pk = `${r.route_id}|${r.direction_id ?? ''}`;
        let p = profiles.get(pk);
        if (!p) profiles.set(pk, (p = { routeId: r.route_id, directionId: r.direction_id, points: new Map() }));
        const sk = `${r.stop_sequence}|${r.stop_id}`;
        const pt = p.points.get(sk) ?? {
          stopSequence: r.stop_sequence,
          stopId: r.stop_id,
          stopName: stopName(r.site, r.stop_id),
          visits: 0,
          boardings: 0,
          alightings: 0,
          meanOnboard: 0,
          maxOnboard: 0,
          sum: 0,
        };
        pt.visits++;
        pt.boardings += r.boardings;
        pt.alightings += r.alightings;
        pt.sum += r.onboard;
        pt.maxOnboard = Math.max(pt.maxOnboard, r.onboard);
        p.points.set(sk, pt);
      }
    }
    return {
      totals,
      unmapped,
      stops: [...hours.values()].sort((a, b) => a.stopId.localeCompare(b.stopId) || a.hour - b.hour),
      loadProfiles: [...profiles.values()]
        .sort((a, b) => a.routeId.localeCompare(b.routeId) || (a.directionId ?? -1) - (b.directionId ?? -1))
        .map((p) => ({
          routeId: p.routeId,
          directionId: p.directionId,
          stops: [...p.points.values()]
            .sort((a, b) => a.stopSequence - b.stopSequence)
            .map(({ sum, ...pt }) => ({ ...pt, meanOnboard: Math.round((sum / pt.visits) * 10) / 10 })),
        })),
    };
  }
}
