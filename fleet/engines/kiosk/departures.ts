/**
 * The next departures at an information panel's stops: the ETA engine's own board functions
 * (eta/boards.ts) over the shared timetable, with the ETA engine's live predictions where a bus
 * has one (its `live` view, as GTFS-Realtime reads it). The same entries a stop display at that
 * stop is sent, so the panel and the display never disagree.
 */
import type { Departure } from '../../../protocols/index.js';
import { DEFAULT_WINDOW_MS, LOOK_BACK_MS, arrivalBoard, boardEntries, scheduledDepartures } from '../eta/boards.js';
import type { EtaLive } from '../eta/index.js';
import type { Prediction } from '../eta/model/index.js';
import type { SiteTimetable } from '../gtfs/timetables.js';

/** Departures composed per stop (the content takes 12; the page lists fewer). */
export const DEPARTURES_PER_STOP = 8;

/** run key → stop sequence → prediction, of the buses of one site (what boardEntries reads). */
export function livePredictions(eta: EtaLive | undefined, site: string): Map<string, Map<number, Prediction>> {
  const byRun = new Map<string, Map<number, Prediction>>();
  if (!eta) return byRun;
  for (const v of eta.vehicles()) {
    if (v.site !== site) continue;
    for (const p of eta.predictions(v.id)) {
      let byStop = byRun.get(p.runKey);
      if (!byStop) byRun.set(p.runKey, (byStop = new Map()));
      byStop.set(p.stopSequence, p);
    }
  }
  return byRun;
}

/** The stops of `stopIds` that the timetable has, each with its next departures; the others are returned as unknown. */
export function stopDepartures(
  timetable: SiteTimetable,
  stopIds: readonly string[],
  predictions: ReadonlyMap<string, ReadonlyMap<number, Prediction>>,
  now: number,
): { stops: { stopId: string; name: string; departures: Departure[] }[]; unknown: string[] } {
  const feed = timetable.feed;
  const stops: { stopId: string; name: string; departures: Departure[] }[] = [];
  const unknown: string[] = [];
  for (const stopId of stopIds) {
    const stop = feed.stops.get(stopId);
    if (!stop) {
      unknown.push(stopId);
      continue;
    }
    const scheduled = scheduledDepartures(feed, stopId, now - LOOK_BACK_MS, now + DEFAULT_WINDOW_MS);
    const entries = boardEntries({ scheduled, now, predictions, max: DEPARTURES_PER_STOP });
    const name = stop.name ?? stopId;
    stops.push({ stopId, name, departures: arrivalBoard(name, entries, now, feed.timeZone).departures });
  }
  return { stops, unknown };
}
