/**
 * The "occupancy" engine: how full each car park is, from its counters' loop crossings, for the
 * parking guidance panels, the bus (`occupancy-changed`), the technicians and the open data.
 *
 * - Catalogue (catalogue.ts): per site, its car parks with capacity, thresholds, opening hours,
 *   freshness and nightly recalibration; put whole over HTTP, stored in `occupancy_catalogues`.
 * - Counts (car-parks.ts, model.ts): each committed `loops` record moves its car park's count by
 *   one within 0…capacity (clamps counted: `tabla_occupancy_clamped_total`), written through to
 *   `occupancy_counts`; states with hysteresis, trend over 15 min, `closed` outside opening hours,
 *   `unknown` when no count came within `staleAfterS`; recalibration at its local time;
 *   corrections (`POST /api/parking/:id/adjust`) and all of these in `occupancy_history`.
 * - Panels (panels.ts): `parking-counts` to each `parking-panel` device for the car parks of its
 *   `carParks` label, on change, at birth and every `refreshS`.
 * - Routes (routes.ts), open data (opendata.ts): `/api/parking…`, `/parking.json`, `/parking/datex2`.
 *
 * Every change a person would see is emitted on the bus as `occupancy-changed`, and counted.
 */
import type { CarParkStatus } from '../../../protocols/index.js';
import { LoopsRecord } from '../../../protocols/index.js';
import type { FleetEvents } from '../../bus.js';
import type { EngineContext, FleetEngine } from '../engine.js';
import { readRecord } from '../records.js';
import { CarParks } from './car-parks.js';
import { PanelDelivery } from './panels.js';
import { addOccupancyRoutes } from './routes.js';
import { OCCUPANCY_MIGRATIONS, OccupancyStore } from './store.js';

export { Catalogue, CarParkDefinition, resolveThresholds, type CatalogueInput, type FreeThresholds } from './catalogue.js';
export { nextLevel, isOpen, trendOf, statusOf, recalibrationDue, type Level } from './model.js';
export { parkApiSites, datex2ParkingStatus } from './opendata.js';
export { panelCarParks, panelRows, PANEL_LABEL } from './panels.js';
export { COUNTER_LABEL } from './routes.js';

export interface OccupancyEngineOptions {
  /** how often time is looked at (closing hours, silence, recalibration, panel refresh), ms (default 1 s) */
  tickMs?: number;
  /** a panel's counts are valid this long after they are sent, s (default 180) */
  contentAgeS?: number;
  /** a panel is sent its counts again after this long without a change, s (default 60: three tries before they expire) */
  refreshS?: number;
  /** the DATEX II publisher (`nationalIdentifier`), country and language */
  datex2?: { country?: string; publisher?: string; lang?: string };
}

/** The engine, and the statuses it shows now (empty before it starts), for an engine that starts after it. */
export interface OccupancyEngine extends FleetEngine {
  statuses(): CarParkStatus[];
}

export function occupancyEngine(options: OccupancyEngineOptions = {}): OccupancyEngine {
  let timer: NodeJS.Timeout | null = null;
  let panels: PanelDelivery | null = null;
  let live: CarParks | null = null;
  return {
    name: 'occupancy',
    statuses: () => live?.statuses() ?? [],
    start(ctx: EngineContext) {
      const contentAgeS = options.contentAgeS ?? 180;
      const refreshS = Math.min(options.refreshS ?? 60, contentAgeS / 2);
      const m = ctx.metrics;
      m.define('tabla_occupancy_crossings_total', 'counter', 'Loop crossings counted, by car park and direction.');
      m.define('tabla_occupancy_unknown_car_park_total', 'counter', 'Loops records for a car park no catalogue has (not counted; logged once per id).');
      m.define('tabla_occupancy_clamped_total', 'counter', 'Crossings that would have taken a count past capacity (high) or below zero (low), by car park.');
      m.define('tabla_occupancy_bad_records_total', 'counter', 'Loops records whose data does not fit the stream schema (not counted).');
      m.define('tabla_occupancy_changes_total', 'counter', 'Changes of what a car park shows (free, state, trend, open), by car park.');
      m.define('tabla_occupancy_adjustments_total', 'counter', "Technicians' corrections, by car park.");
      m.define('tabla_occupancy_panel_sends_total', 'counter', 'parking-counts sent to guidance panels.');
      m.define('tabla_occupancy_panel_send_errors_total', 'counter', 'parking-counts that could not be built or sent.');
      m.define('tabla_occupancy_free', 'gauge', 'Free spaces by car park (absent while unknown or closed).');

      const store = new OccupancyStore(ctx.migrate(OCCUPANCY_MIGRATIONS));
      const unknownSeen = new Set<string>();
      let pendingPanels = new Set<string>();
      const parks = new CarParks(
        {
          store,
          log: ctx.log,
          changed: ({ status, previous, panel }) => {
            m.inc('tabla_occupancy_changes_total', { car_park: status.id });
            if (panel) pendingPanels.add(status.id);
            ctx.emit('occupancy-changed', { status, previous });
          },
          unknown: (id) => {
            m.inc('tabla_occupancy_unknown_car_park_total');
            if (unknownSeen.size < 1000 && !unknownSeen.has(id)) {
              unknownSeen.add(id);
              ctx.log.warn('loops record for a car park no catalogue has: not counted (tabla parking import adds it)', { carPark: id.slice(0, 64) });
            }
          },
          clamped: (id, end) => {
            m.inc('tabla_occupancy_clamped_total', { car_park: id, end });
            ctx.log.warn(end === 'high' ? 'a vehicle in while the count is at capacity: kept at capacity' : 'a vehicle out while the count is 0: kept at 0', { carPark: id });
          },
        },
        ctx.clock.now(),
      );
      live = parks;
      const d = (panels = new PanelDelivery(ctx, parks, { contentAgeS, refreshS }));
      const flushPanels = () => {
        if (!pendingPanels.size) return;
        const ids = pendingPanels;
        pendingPanels = new Set();
        d.changed(ids);
      };
      m.collect(() => {
        m.reset('tabla_occupancy_free');
        for (const s of parks.statuses()) if (s.free !== null) m.set('tabla_occupancy_free', { car_park: s.id }, s.free);
      });

      ctx.on('telemetry-committed', ({ stream, records, receivedAt }) => {
        if (stream !== 'loops') return;
        const crossings: LoopsRecord[] = [];
        for (const r of records) {
          const data = readRecord(LoopsRecord, r);
          if (!data) m.inc('tabla_occupancy_bad_records_total');
          else {
            crossings.push(data);
            m.inc('tabla_occupancy_crossings_total', { car_park: data.carParkId.slice(0, 64), direction: data.direction });
          }
        }
        if (crossings.length) parks.crossings(crossings, receivedAt);
        flushPanels();
      });

      ctx.on('device-birth', ({ deviceId }) => {
        if (ctx.devices.get(deviceId)?.role === 'parking-panel') d.queue(deviceId);
      });

      let lastPrune = 0;
      const tick = () => {
        try {
          const now = ctx.clock.now();
          parks.tick(now);
          flushPanels();
          d.tick(now);
          if (now - lastPrune > 3_600_000) {
            lastPrune = now;
            store.prune(now);
          }
        } catch (err) {
          ctx.log.error('occupancy tick failed', { error: (err as Error).message, stack: (err as Error).stack });
        }
      };
      timer = setInterval(tick, options.tickMs ?? 1000);
      timer.unref();

      const routeChanged = <T>(work: () => T): T => {
        try {
          return work();
        } finally {
          flushPanels();
        }
      };
      addOccupancyRoutes(ctx, {
        parks: {
          get: (id) => parks.get(id),
          all: () => parks.all(),
          count: (id) => parks.count(id),
          status: (id) => parks.status(id),
          statuses: () => parks.statuses(),
          putCatalogue: (c, now) => routeChanged(() => parks.putCatalogue(c, now)),
          adjust: (id, c, reason, by, now) => routeChanged(() => parks.adjust(id, c, reason, by, now)),
        },
        store,
        panels: d,
        datex2: { country: options.datex2?.country ?? 'si', publisher: options.datex2?.publisher ?? 'tabla', lang: options.datex2?.lang ?? 'sl' },
      });
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      panels?.stop();
      panels = null;
    },
  };
}
