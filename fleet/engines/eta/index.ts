/**
 * The "eta" engine: where each bus is on the timetable, when it will reach the stops ahead, and
 * what each stop display should show.
 *
 * From the buses' committed `gps` records it runs one EtaModel per site's feed (model/: matching,
 * learning, prediction — the code `tabla eta eval` scores), learning segment running times and
 * dwells into SQLite (`eta_history`). After each fix it refreshes the boards of the stop displays
 * the bus's predictions touch and, every `boardIntervalMs`, the boards whose time has come
 * (departures leave, predictions grow stale): delivery.ts. A display's board (`arrival-board`
 * content) is sent only when what a passenger would see changes (boards.ts).
 *
 * Which stop a display shows: its device label `stop` (a GTFS stop_id, or a station's id for all
 * its platforms). A bus's load comes from its `apc` records and its capacity label (default 60).
 *
 * Its `apc` records also go to ridership (ridership.ts): each visit put on its stop and route.
 *
 * Routes (routes.ts; admin token): `GET /api/stops/:stopId/arrivals` (`?site=`), `GET /api/vehicles`,
 * `GET /api/vehicles/:id`, `PUT /api/vehicles/:id/assignment` (`{"target": "<trip|block|none|auto>"}`),
 * `GET /api/ridership?from&to&route&site`.
 */
import type { GtfsFeed } from '../../../protocols/index.js';
import { ApcRecord, GpsRecord } from '../../../protocols/index.js';
import type { FleetEngine } from '../engine.js';
import { readRecord } from '../records.js';
import type { SiteTimetable, Timetables } from '../gtfs/timetables.js';
import { REALTIME_MAX_AGE_MS, type Load } from './boards.js';
import { HISTORY_MIGRATIONS, TravelHistory } from './history.js';
import { EtaModel, type Assignment, type Prediction, type VehicleView } from './model/index.js';
import { RIDERSHIP_MIGRATIONS, Ridership, type LastStop } from './ridership.js';
import { addEtaRoutes } from './routes.js';
import { BoardDelivery } from './delivery.js';

export interface EtaEngineOptions {
  timetables: Timetables;
  /** how often every board is looked at again, ms (default 15 s) */
  boardIntervalMs?: number;
  /** passengers a bus carries when full, unless its `capacity` label says (default 60) */
  capacity?: number;
}

/** What other engines (GTFS-Realtime) read of the ETA engine. */
export interface EtaLive {
  feed(site: string): GtfsFeed | null;
  vehicles(): (VehicleView & { site: string })[];
  /** a vehicle's live predictions (empty when it is not to be trusted) */
  predictions(vehicleId: string): Prediction[];
}

export const ETA_MIGRATIONS = [
  HISTORY_MIGRATIONS[0]!,
  `CREATE TABLE eta_assignments (
     device_id TEXT PRIMARY KEY,
     kind      TEXT NOT NULL CHECK (kind IN ('trip', 'block', 'none')),
     ref       TEXT,
     set_at    INTEGER NOT NULL
   ) WITHOUT ROWID`,
  ...RIDERSHIP_MIGRATIONS,
];

export interface Site {
  name: string;
  timetable: SiteTimetable;
  model: EtaModel;
  /** run key → stop sequence → prediction */
  byRun: Map<string, Map<number, Prediction>>;
}

/** A fix timed further ahead of the fleet's clock than this is not taken. */
const MAX_FUTURE_MS = 2 * 60_000;

export function etaEngine(options: EtaEngineOptions): FleetEngine & { live: EtaLive } {
  const sites = new Map<string, Site>();
  const vehicleSite = new Map<string, string>();
  const predictions = new Map<string, Prediction[]>();
  const loads = new Map<string, { onboard: number; capacity: number; at: number }>();
  let timer: NodeJS.Timeout | null = null;
  let firstSweep: NodeJS.Timeout | null = null;
  let stopWatching: (() => void) | null = null;
  let now = () => Date.now();

  const live: EtaLive = {
    feed: (site) => sites.get(site)?.model.feed ?? null,
    vehicles: () => {
      const out: (VehicleView & { site: string })[] = [];
      for (const [id, site] of vehicleSite) {
        const v = sites.get(site)?.model.view(id, now());
        if (v) out.push({ ...v, site });
      }
      return out;
    },
    predictions: (id) => predictions.get(id) ?? [],
  };

  const engine: FleetEngine & { live: EtaLive } = {
    name: 'eta',
    live,
    start(ctx) {
      const db = ctx.migrate(ETA_MIGRATIONS);
      now = () => ctx.clock.now();
      const capacityDefault = options.capacity ?? 60;
      const m = ctx.metrics;
      m.define('tabla_eta_fixes_total', 'counter', 'gps fixes the ETA engine took, by outcome (matched, unmatched; refused: unreadable; future: timed over 2 min ahead of the fleet).');
      m.define('tabla_eta_vehicles', 'gauge', 'Buses the ETA engine follows, by status.');
      m.define('tabla_eta_boards_sent_total', 'counter', 'Arrival boards sent to stop displays (only when what a passenger sees changed).');
      m.define('tabla_eta_board_errors_total', 'counter', 'Arrival boards that could not be built or sent.');
      m.define('tabla_eta_history_buckets', 'gauge', 'Learned segment and dwell buckets, by site.');
      m.define('tabla_eta_history_write_errors_total', 'counter', 'Failed writes of learned running times (kept in memory, written with a later batch).');

      const assignments = new Map<string, Assignment>();
      for (const r of db.prepare('SELECT device_id, kind, ref FROM eta_assignments').all() as { device_id: string; kind: string; ref: string | null }[]) {
        assignments.set(r.device_id, r.kind === 'none' ? { kind: 'none' } : { kind: r.kind as 'trip' | 'block', id: r.ref! });
      }

      // --- sites: one model per feed, rebuilt when a feed is replaced -------------------------
      const ridership = new Ridership(db);
      /** Per bus, the stops it reached lately (a visit's record may come after later fixes: batches). */
      const lastStops = new Map<string, LastStop[]>();
      const stopBefore = (id: string, ts: number): LastStop | null => {
        const list = lastStops.get(id) ?? [];
        for (let i = list.length - 1; i >= 0; i--) if (list[i]!.time <= ts) return list[i]!;
        return null;
      };
      m.define('tabla_ridership_visits_total', 'counter', 'Bus stop visits (apc records) recorded, by whether their stop is known (mapped) or not.');

      const build = (timetable: SiteTimetable) => {
        const model = new EtaModel(timetable.feed, new TravelHistory(db, timetable.site));
        model.onStop = (e) => {
          // A run's first stop has no arrival (the bus waits there): its departure places the visit.
          if (!Number.isFinite(e.time) || (e.kind === 'departure' && e.index !== 0)) return;
          const st = e.run.trip.stopTimes[e.index]!;
          const list = lastStops.get(e.vehicleId) ?? [];
          list.push({
            stopId: st.stopId,
            routeId: e.run.trip.routeId,
            directionId: e.run.trip.directionId ?? null,
            tripId: e.run.trip.id,
            stopSequence: st.stopSequence,
            time: e.time,
          });
          if (list.length > 32) list.shift();
          lastStops.set(e.vehicleId, list);
        };
        for (const [id, a] of assignments) if (vehicleSite.get(id) === timetable.site) model.assign(id, a);
        sites.set(timetable.site, { name: timetable.site, timetable, model, byRun: new Map() });
        for (const [id, site] of vehicleSite) if (site === timetable.site) predictions.delete(id);
        ctx.log.info('timetable in use', { site: timetable.site, source: timetable.source });
      };
      for (const t of options.timetables.all()) build(t);
      stopWatching = options.timetables.onChange((site, timetable) => {
        try {
          if (timetable) build(timetable);
          else sites.delete(site);
          boards.rereadDisplays();
        } catch (err) {
          ctx.log.error('timetable change failed', { site, error: (err as Error).message });
        }
      });

      // --- devices: role, site and labels, kept in memory (a registry read per fix costs more than the fix) ---
      type DeviceInfo = { role: string; site: string | null; labels: Record<string, string> };
      const known = new Map<string, DeviceInfo | null>();
      const deviceInfo = (id: string): DeviceInfo | null => {
        if (known.has(id)) return known.get(id)!;
        const d = ctx.devices.get(id);
        const info = d ? { role: d.role, site: d.site, labels: d.labels } : null;
        known.set(id, info);
        return info;
      };
      ctx.on('device-birth', ({ deviceId }) => void known.delete(deviceId));

      const siteOf = (deviceId: string): Site | null => {
        const device = deviceInfo(deviceId);
        if (!device) return null;
        const t = options.timetables.forSite(device.site);
        return t ? (sites.get(t.site) ?? null) : null;
      };

      const loadOf = (id: string): Load | null => {
        const l = loads.get(id);
        if (!l) return null;
        const pct = l.capacity > 0 ? l.onboard / l.capacity : 1;
        return pct < 0.6 ? 'seats' : pct < 0.95 ? 'standing' : 'full';
      };

      const boards = new BoardDelivery(ctx, { sites, timetables: options.timetables, loadOf });
      ctx.on('device-birth', () => boards.rereadDisplays());
      const entriesFor = (site: Site, stopId: string, now: number) => boards.entriesFor(site, stopId, now);

      /**
       * Puts a vehicle's new predictions in its site's index; returns the stops whose boards may
       * change: where a prediction came, went, or moved by TOUCH_MS or more. Smaller moves add up
       * on a board only slowly, and the sweep looks at every board anyway.
       */
      const TOUCH_MS = 10_000;
      const reindex = (site: Site, id: string, next: Prediction[]): Set<string> => {
        const touched = new Set<string>();
        const before = new Map<string, Prediction>();
        for (const p of predictions.get(id) ?? []) {
          const byStop = site.byRun.get(p.runKey);
          if (byStop?.get(p.stopSequence)?.vehicleId === id) {
            byStop.delete(p.stopSequence);
            if (byStop.size === 0) site.byRun.delete(p.runKey);
          }
          before.set(`${p.runKey}|${p.stopSequence}`, p);
        }
        for (const p of next) {
          let byStop = site.byRun.get(p.runKey);
          if (!byStop) site.byRun.set(p.runKey, (byStop = new Map()));
          byStop.set(p.stopSequence, p);
          const key = `${p.runKey}|${p.stopSequence}`;
          const old = before.get(key);
          before.delete(key);
          if (!old || Math.abs(old.departure - p.departure) >= TOUCH_MS || old.basedOn + REALTIME_MAX_AGE_MS <= p.basedOn) touched.add(p.stopId);
        }
        for (const gone of before.values()) touched.add(gone.stopId);
        predictions.set(id, next);
        return touched;
      };

      /** Takes one fix; returns its site (null: the bus has no timetable). */
      const onFix = (deviceId: string, fix: GpsRecord): Site | null => {
        const site = siteOf(deviceId);
        if (!site) return null;
        const before = vehicleSite.get(deviceId);
        if (before !== site.name) {
          if (before) sites.get(before)?.model.forget(deviceId);
          vehicleSite.set(deviceId, site.name);
          const a = assignments.get(deviceId);
          if (a) site.model.assign(deviceId, a);
        }
        const view = site.model.observe(deviceId, { time: fix.time, lat: fix.lat, lon: fix.lon, speed: fix.speed, course: fix.course });
        m.inc('tabla_eta_fixes_total', { outcome: view.runKey ? 'matched' : 'unmatched' });
        return site;
      };

      /**
       * After a batch of fixes (or a new load): the bus's new predictions, and the boards they touch.
       * A bus is predicted again when it reached or left a stop, changed run or status, or every
       * PREDICT_EVERY_MS of its own time: between those its predictions move by seconds, and a
       * board shows minutes.
       */
      const lastPredicted = new Map<string, { at: number; shape: string }>();
      const PREDICT_EVERY_MS = 5_000;
      const afterFixes = (deviceId: string, site: Site, force = false) => {
        const now = ctx.clock.now();
        const view = site.model.view(deviceId, now);
        const shape = view ? `${view.runKey}|${view.nextStop}|${view.status}` : '';
        const last = lastPredicted.get(deviceId);
        const at = view?.lastFix?.time ?? now;
        if (!force && last && last.shape === shape && at - last.at < PREDICT_EVERY_MS && at >= last.at) return;
        lastPredicted.set(deviceId, { at, shape });
        boards.touch(site, reindex(site, deviceId, site.model.predict(deviceId, now)));
      };

      ctx.on('telemetry-committed', ({ deviceId, stream, records }) => {
        if (stream !== 'gps' && stream !== 'apc') return;
        const device = deviceInfo(deviceId);
        if (device?.role !== 'bus') return;
        let site: Site | null = null;
        for (const r of records) {
          if (stream === 'gps') {
            const data = readRecord(GpsRecord, r);
            if (!data) {
              m.inc('tabla_eta_fixes_total', { outcome: 'refused' });
              continue;
            }
            // A fix from the future (a receiver's clock gone wrong) would hide every true one after it.
            if (data.time > ctx.clock.now() + MAX_FUTURE_MS) {
              m.inc('tabla_eta_fixes_total', { outcome: 'future' });
              continue;
            }
            site = onFix(deviceId, data) ?? site;
          } else {
            const data = readRecord(ApcRecord, r);
            if (!data) continue;
            const own = siteOf(deviceId);
            const mapped = ridership.record(
              {
                deviceId,
                seq: r.seq,
                ts: r.ts,
                site: own?.name ?? device.site,
                stopId: data.stopId ?? null,
                boardings: data.doors.reduce((n, d) => n + d.boardings, 0),
                alightings: data.doors.reduce((n, d) => n + d.alightings, 0),
                onboard: data.onboard,
              },
              stopBefore(deviceId, r.ts),
              own?.model.feed ?? null,
            );
            m.inc('tabla_ridership_visits_total', { stop: mapped ? 'mapped' : 'unmapped' });
            const last = loads.get(deviceId);
            if (last && r.ts < last.at) continue;
            const label = Number(device.labels.capacity);
            loads.set(deviceId, { onboard: data.onboard, capacity: Number.isFinite(label) && label > 0 ? label : capacityDefault, at: r.ts });
          }
        }
        if (site) {
          afterFixes(deviceId, site);
          try {
            site.model.history.flush();
          } catch (err) {
            // Kept in memory and written with a later batch; predictions do not wait for the disk.
            m.inc('tabla_eta_history_write_errors_total');
            ctx.log.warn('learned times not written yet', { site: site.name, error: (err as Error).message });
          }
        } else if (stream === 'apc') {
          // A new load shows on the boards the bus is predicted at.
          const own = sites.get(vehicleSite.get(deviceId) ?? '');
          const preds = predictions.get(deviceId);
          if (own && preds?.length) boards.touch(own, new Set(preds.map((p) => p.stopId)));
        }
      });

      // --- every board, every interval ----------------------------------------------------------
      const sweep = () => {
        try {
          const now = ctx.clock.now();
          const counts: Record<string, number> = {};
          for (const [id, siteName] of vehicleSite) {
            const site = sites.get(siteName);
            if (!site) continue;
            const view = site.model.view(id, now);
            if (view) counts[view.status] = (counts[view.status] ?? 0) + 1;
            // A vehicle gone silent or stalled loses its real-time entries here.
            if (view && view.status !== 'in-progress' && view.status !== 'layover' && predictions.get(id)?.length) reindex(site, id, []);
          }
          m.reset('tabla_eta_vehicles');
          for (const [status, n] of Object.entries(counts)) m.set('tabla_eta_vehicles', { status }, n);
          for (const site of sites.values()) m.set('tabla_eta_history_buckets', { site: site.name }, site.model.history.size);
          boards.sweep(now);
        } catch (err) {
          ctx.log.error('board sweep failed', { error: (err as Error).message, stack: (err as Error).stack });
        }
      };
      timer = setInterval(sweep, options.boardIntervalMs ?? 15_000);
      timer.unref();
      // The first boards soon after start (a restarted fleet owes its displays a board), not a sweep later.
      firstSweep = setTimeout(sweep, Math.min(1_000, options.boardIntervalMs ?? 15_000));
      firstSweep.unref();

      addEtaRoutes(ctx, { sites, live, predictions, loads, assignments, vehicleSite, db, ridership, timetables: options.timetables, entriesFor, reindex, loadOf });
    },
    stop() {
      if (timer) clearInterval(timer);
      if (firstSweep) clearTimeout(firstSweep);
      timer = null;
      stopWatching?.();
      for (const site of sites.values()) {
        try {
          site.model.history.flush();
        } catch {
          // the fleet is stopping; what was not written is learned again
        }
      }
      sites.clear();
    },
  };
  return engine;
}
