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
 * With the ETA engine (`eta` option) a VehiclePosition names the trip run the bus is matched to
 * (trip_id, start_date, start_time for a frequency run, route_id) and its next stop, and
 * `GET /gtfs-rt/trip-updates` gives one TripUpdate per run with live predictions: stop_sequence and
 * stop_id on every StopTimeUpdate, arrival/departure times never decreasing (E022), an arrival's
 * uncertainty in seconds, and the delay; predictions resting on a fix older than 90 s are left out.
 *
 * Memory only: positions older than 90 s are useless after a restart, and the onboard load comes
 * again with the next stop visit.
 */
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import type { transit_realtime as rt } from 'gtfs-realtime-bindings';
import { ApcRecord, GpsRecord } from '../../../protocols/index.js';
import type { FleetEngine } from '../engine.js';
import { readRecord } from '../records.js';
import type { EtaLive } from '../eta/index.js';
import type { Prediction } from '../eta/model/index.js';
import { HttpError } from '../../http/router.js';

const { transit_realtime } = GtfsRealtimeBindings;
const { FeedMessage, FeedHeader, VehiclePosition, TripDescriptor } = transit_realtime;
const Occupancy = VehiclePosition.OccupancyStatus;

/** A fix older than this is left out of the feed (REFERENCES: drop data older than 90 s). */
export const MAX_FIX_AGE_MS = 90_000;

export interface GtfsRtOptions {
  /** Passengers a bus carries at 100 % (seated and standing); default 60. A device label `capacity` overrides it per bus. */
  capacity?: number;
  /** the ETA engine's live state: trip descriptors and trip updates */
  eta?: EtaLive;
}

/** The trip descriptor of a run (its key is `tripId@YYYY-MM-DD[+HH:MM:SS]`, see eta/schedule.ts). */
export function tripDescriptor(runKey: string, tripId: string, routeId: string): rt.ITripDescriptor {
  const m = /@(\d{4})-(\d{2})-(\d{2})(?:\+(\d{2}:\d{2}:\d{2}))?$/.exec(runKey);
  return {
    tripId,
    routeId,
    ...(m ? { startDate: `${m[1]}${m[2]}${m[3]}` } : {}),
    ...(m?.[4] ? { startTime: m[4] } : {}),
    scheduleRelationship: TripDescriptor.ScheduleRelationship.SCHEDULED,
  };
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
  const eta = options.eta;
  return {
    name: 'gtfs-rt',
    start(ctx) {
      const fixes = new Map<string, Fix>();
      const loads = new Map<string, Load>();
      /** The header timestamp last served, in seconds: the next one is never smaller. */
      let lastServed = 0;

      ctx.metrics.define('tabla_gtfs_rt_vehicles', 'gauge', 'Vehicles in the last GTFS-RT VehiclePositions feed served.');
      ctx.metrics.define('tabla_gtfs_rt_records_refused_total', 'counter', 'gps/apc records the GTFS-RT engine could not read, by stream.');

      // Roles kept in memory (a registry read per batch of telemetry adds up); a birth reads it again.
      const roles = new Map<string, string | null>();
      const isBus = (id: string) => {
        if (!roles.has(id)) roles.set(id, ctx.devices.get(id)?.role ?? null);
        return roles.get(id) === 'bus';
      };
      ctx.on('device-birth', ({ deviceId }) => void roles.delete(deviceId));

      ctx.on('telemetry-committed', ({ deviceId, stream, records }) => {
        if (stream !== 'gps' && stream !== 'apc') return;
        if (!isBus(deviceId)) return;
        for (const r of records) {
          if (stream === 'gps') {
            const data = readRecord(GpsRecord, r);
            if (!data) {
              ctx.metrics.inc('tabla_gtfs_rt_records_refused_total', { stream });
              continue;
            }
            const last = fixes.get(deviceId);
            if (!last || data.time >= last.time) {
              fixes.set(deviceId, { time: data.time, lat: data.lat, lon: data.lon, speed: data.speed, course: data.course });
            }
          } else {
            const data = readRecord(ApcRecord, r);
            if (!data) {
              ctx.metrics.inc('tabla_gtfs_rt_records_refused_total', { stream });
              continue;
            }
            const last = loads.get(deviceId);
            if (!last || r.ts >= last.ts) loads.set(deviceId, { onboard: data.onboard, ts: r.ts });
          }
        }
      });

      /** The feed as protobuf bytes: what every consumer reads, JSON included. */
      const build = (): Uint8Array => {
        const now = ctx.clock.now();
        lastServed = Math.max(Math.floor(now / 1000), lastServed);
        const entity: rt.IFeedEntity[] = [];
        const matched = new Map((eta?.vehicles() ?? []).map((v) => [v.id, v]));
        for (const [id, fix] of [...fixes.entries()].sort(([a], [b]) => a.localeCompare(b))) {
          if (now - fix.time > MAX_FIX_AGE_MS) continue;
          const device = ctx.devices.get(id);
          if (device?.role !== 'bus') continue;
          const labelCapacity = Number(device.labels.capacity);
          const capacity = Number.isFinite(labelCapacity) && labelCapacity > 0 ? labelCapacity : defaultCapacity;
          const load = loads.get(id);
          const occupancy = load ? occupancyOf(load.onboard, capacity) : null;
          const v = matched.get(id);
          const onTrip = v && v.runKey && v.tripId && v.routeId && (v.status === 'in-progress' || v.status === 'layover') ? v : null;
          const trip = onTrip ? eta!.feed(onTrip.site)?.trips.get(onTrip.tripId!) : undefined;
          const next = trip && onTrip!.nextStop !== null ? trip.stopTimes[onTrip!.nextStop] : undefined;
          entity.push({
            id,
            vehicle: {
              ...(onTrip ? { trip: tripDescriptor(onTrip.runKey!, onTrip.tripId!, onTrip.routeId!) } : {}),
              ...(next ? { currentStopSequence: next.stopSequence, stopId: next.stopId, currentStatus: VehiclePosition.VehicleStopStatus.IN_TRANSIT_TO } : {}),
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

      /** Trip updates: one entity per run with live predictions, from the ETA engine. */
      const buildTripUpdates = (): Uint8Array => {
        const now = ctx.clock.now();
        lastServed = Math.max(Math.floor(now / 1000), lastServed);
        const entity: rt.IFeedEntity[] = [];
        let count = 0;
        for (const v of (eta?.vehicles() ?? []).sort((a, b) => a.id.localeCompare(b.id))) {
          const byRun = new Map<string, Prediction[]>();
          for (const p of eta!.predictions(v.id)) {
            if (now - p.basedOn > MAX_FIX_AGE_MS) continue;
            const list = byRun.get(p.runKey) ?? [];
            list.push(p);
            byRun.set(p.runKey, list);
          }
          const device = ctx.devices.get(v.id);
          for (const [runKey, preds] of byRun) {
            const first = preds[0]!;
            const lastIndex = eta!.feed(v.site)?.trips.get(first.tripId)?.stopTimes.length ?? Infinity;
            entity.push({
              id: runKey,
              tripUpdate: {
                trip: tripDescriptor(runKey, first.tripId, first.routeId),
                vehicle: { id: v.id, label: device?.labels.label ?? v.id },
                timestamp: Math.floor(first.basedOn / 1000),
                delay: Math.round((first.expectedArrival - first.scheduledArrival) / 1000),
                // Open data carries the model's best estimate, not the early-leaning times the boards show:
                // a consumer applies its own rule, with the uncertainty to do it.
                stopTimeUpdate: preds.map((p) => ({
                  stopSequence: p.stopSequence,
                  stopId: p.stopId,
                  // A run's first stop is left, its last one reached: each has only the time that happens there.
                  ...(p.index > 0 ? { arrival: { time: Math.round(p.expectedArrival / 1000), uncertainty: p.uncertainty } } : {}),
                  ...(p.index < lastIndex - 1 ? { departure: { time: Math.round(p.expectedDeparture / 1000), uncertainty: p.uncertainty } } : {}),
                  scheduleRelationship: transit_realtime.TripUpdate.StopTimeUpdate.ScheduleRelationship.SCHEDULED,
                })),
              },
            });
            count++;
          }
        }
        ctx.metrics.set('tabla_gtfs_rt_trip_updates', {}, count);
        return FeedMessage.encode(
          FeedMessage.create({
            header: FeedHeader.create({ gtfsRealtimeVersion: '2.0', incrementality: FeedHeader.Incrementality.FULL_DATASET, timestamp: lastServed }),
            entity,
          }),
        ).finish();
      };
      ctx.metrics.define('tabla_gtfs_rt_trip_updates', 'gauge', 'Trip updates in the last GTFS-RT TripUpdates feed served.');

      const serve = (req: { url: URL }, bytes: () => Uint8Array) => {
        const format = req.url.searchParams.get('format') ?? 'protobuf';
        if (format !== 'protobuf' && format !== 'pb' && format !== 'json') throw new HttpError(400, `format ${format}: protobuf (default) or json`);
        const b = bytes();
        if (format === 'json') return { body: FeedMessage.toObject(FeedMessage.decode(b), { longs: Number, enums: String }) };
        return { bytes: b, contentType: 'application/x-protobuf' };
      };
      ctx.routes.add('GET', '/gtfs-rt/trip-updates', (req) => {
        if (!eta) throw new HttpError(404, 'no trip updates: the ETA engine is not running');
        return serve(req, buildTripUpdates);
      });

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
