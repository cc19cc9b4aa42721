/**
 * The "gtfs-rt" engine: a GTFS-Realtime VehiclePositions feed from the buses' committed telemetry.
 * Listens to `gps` (the latest fix per bus) and `apc` (the latest onboard load per bus) and answers
 * `GET /gtfs-rt/vehicle-positions`: a FeedMessage in protobuf (`application/x-protobuf`), or the same
 * message as JSON with `?format=json`. Open data, like `/healthz`: not under `/api/`.
 *
 * Producer rules kept (REFERENCES.md, MobilityData validator): header timestamp present and never
 * decreasing between two responses (E048/E018: max(now, last served), so a wall clock stepped back
 * does not make it go backwards); vehicle ids unique (E052: one entity per vehicle, keyed by id);
 * speed in m/s (W004); vehicles whose last fix is older than 90 s are left out.
 *
 * No trip descriptor yet: vehicle-to-trip matching (fix → shape → trip, from the static GTFS) comes
 * later; until then a VehiclePosition carries the vehicle, its position and its load only.
 *
 * Memory only: positions older than 90 s are useless after a restart, and the onboard load comes
 * again with the next stop visit.
 */
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import type { transit_realtime as rt } from 'gtfs-realtime-bindings';
import { ApcRecord, GpsRecord } from '../../../protocols/index.js';
import type { FleetEngine } from '../engine.js';
import { HttpError } from '../../http/router.js';

const { transit_realtime } = GtfsRealtimeBindings;
const { FeedMessage, FeedHeader, VehiclePosition } = transit_realtime;
const Occupancy = VehiclePosition.OccupancyStatus;

/** A fix older than this is left out of the feed (REFERENCES: drop data older than 90 s). */
export const MAX_FIX_AGE_MS = 90_000;

export interface GtfsRtOptions {
  /** Passengers a bus carries at 100 % (seated and standing); default 60. A device label `capacity` overrides it per bus. */
  capacity?: number;
}

interface Fix {
  time: number;
  lat: number;
  lon: number;
  speed: number;
  course: number;
}

interface Load {
  onboard: number;
  /** The record's device timestamp: the newest one wins (a resent old batch does not). */
  ts: number;
}

/** The GTFS-RT occupancy of `onboard` passengers in a bus of `capacity`. */
export function occupancyOf(onboard: number, capacity: number): { status: rt.VehiclePosition.OccupancyStatus; percentage: number } {
  const pct = capacity > 0 ? (onboard / capacity) * 100 : onboard > 0 ? 100 : 0;
  const status =
    onboard <= 0
      ? Occupancy.EMPTY
      : pct < 50
        ? Occupancy.MANY_SEATS_AVAILABLE
        : pct < 80
          ? Occupancy.FEW_SEATS_AVAILABLE
          : pct < 100
            ? Occupancy.STANDING_ROOM_ONLY
            : Occupancy.FULL;
  return { status, percentage: Math.round(pct) };
}

export function gtfsRtEngine(options: GtfsRtOptions = {}): FleetEngine {
  const defaultCapacity = options.capacity ?? 60;
  return {
    name: 'gtfs-rt',
    start(ctx) {
      const fixes = new Map<string, Fix>();
      const loads = new Map<string, Load>();
      /** The header timestamp last served, in seconds: the next one is never smaller. */
      let lastServed = 0;

      ctx.metrics.define('tabla_gtfs_rt_vehicles', 'gauge', 'Vehicles in the last GTFS-RT VehiclePositions feed served.');
      ctx.metrics.define('tabla_gtfs_rt_records_refused_total', 'counter', 'gps/apc records the GTFS-RT engine could not read, by stream.');

      const isBus = (id: string) => ctx.devices.get(id)?.role === 'bus';

      ctx.on('telemetry-committed', ({ deviceId, stream, records }) => {
        if (stream !== 'gps' && stream !== 'apc') return;
        if (!isBus(deviceId)) return;
        for (const r of records) {
          if (stream === 'gps') {
            const p = GpsRecord.safeParse(r.data);
            if (!p.success) {
              ctx.metrics.inc('tabla_gtfs_rt_records_refused_total', { stream });
              continue;
            }
            const last = fixes.get(deviceId);
            if (!last || p.data.time >= last.time) {
              fixes.set(deviceId, { time: p.data.time, lat: p.data.lat, lon: p.data.lon, speed: p.data.speed, course: p.data.course });
            }
          } else {
            const p = ApcRecord.safeParse(r.data);
            if (!p.success) {
              ctx.metrics.inc('tabla_gtfs_rt_records_refused_total', { stream });
              continue;
            }
            const last = loads.get(deviceId);
            if (!last || r.ts >= last.ts) loads.set(deviceId, { onboard: p.data.onboard, ts: r.ts });
          }
        }
      });

      /** The feed as protobuf bytes: what every consumer reads, JSON included. */
      const build = (): Uint8Array => {
        const now = ctx.clock.now();
        lastServed = Math.max(Math.floor(now / 1000), lastServed);
        const entity: rt.IFeedEntity[] = [];
        for (const [id, fix] of [...fixes.entries()].sort(([a], [b]) => a.localeCompare(b))) {
          if (now - fix.time > MAX_FIX_AGE_MS) continue;
          const device = ctx.devices.get(id);
          if (device?.role !== 'bus') continue;
          const labelCapacity = Number(device.labels.capacity);
          const capacity = Number.isFinite(labelCapacity) && labelCapacity > 0 ? labelCapacity : defaultCapacity;
          const load = loads.get(id);
          const occupancy = load ? occupancyOf(load.onboard, capacity) : null;
          entity.push({
            id,
            vehicle: {
              // trip: none yet (vehicle-to-trip matching comes later).
              vehicle: { id, label: device.labels.label ?? id },
              position: { latitude: fix.lat, longitude: fix.lon, bearing: fix.course, speed: fix.speed },
              timestamp: Math.floor(fix.time / 1000),
              ...(occupancy ? { occupancyStatus: occupancy.status, occupancyPercentage: occupancy.percentage } : {}),
            },
          });
        }
        ctx.metrics.set('tabla_gtfs_rt_vehicles', {}, entity.length);
        const msg = FeedMessage.create({
          header: FeedHeader.create({ gtfsRealtimeVersion: '2.0', incrementality: FeedHeader.Incrementality.FULL_DATASET, timestamp: lastServed }),
          entity,
        });
        return FeedMessage.encode(msg).finish();
      };

      ctx.routes.add('GET', '/gtfs-rt/vehicle-positions', (req) => {
        const format = req.url.searchParams.get('format') ?? 'protobuf';
        if (format !== 'protobuf' && format !== 'pb' && format !== 'json') throw new HttpError(400, `format ${format}: protobuf (default) or json`);
        const bytes = build();
        if (format === 'json') {
          // From the encoded bytes, so the JSON is exactly what a protobuf reader gets (float32 positions).
          return { body: FeedMessage.toObject(FeedMessage.decode(bytes), { longs: Number, enums: String }) };
        }
        return { bytes, contentType: 'application/x-protobuf' };
      });
    },
  };
}
