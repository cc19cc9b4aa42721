/**
 * The timetables the fleet holds: one GTFS feed per site, side by side. The gtfs engine fills it
 * (from `<dataDir>/gtfs/<site>.zip` at start, `tabla gtfs import`, or TABLA_GTFS); the ETA,
 * GTFS-Realtime and ridership engines read it. Built once in `defaultEngines()` and handed to each
 * engine that needs it, so engines share the feed without reaching into each other.
 *
 * A device finds its feed by its site; a device with no site (or a site without a feed) uses the
 * only feed when there is exactly one.
 */
import type { GtfsFeed, GtfsLoad } from '../../../protocols/index.js';

export interface SiteTimetable {
  site: string;
  feed: GtfsFeed;
  load: GtfsLoad;
  /** where it came from (the uploaded file's name, or the TABLA_GTFS path) */
  source: string;
  /** when the fleet loaded it, ms since the Unix epoch */
  loadedAt: number;
}

export type TimetableListener = (site: string, timetable: SiteTimetable | null) => void;

export class Timetables {
  readonly #sites = new Map<string, SiteTimetable>();
  readonly #listeners = new Set<TimetableListener>();

  /** Puts (or replaces) a site's feed and tells the listeners. */
  set(timetable: SiteTimetable): void {
    this.#sites.set(timetable.site, timetable);
    this.#emit(timetable.site, timetable);
  }

  delete(site: string): boolean {
    const had = this.#sites.delete(site);
    if (had) this.#emit(site, null);
    return had;
  }

  get(site: string): SiteTimetable | null {
    return this.#sites.get(site) ?? null;
  }

  /** The feed a device of `site` uses: its site's, else the only one. */
  forSite(site: string | null | undefined): SiteTimetable | null {
    if (site) {
      const own = this.#sites.get(site);
      if (own) return own;
    }
    return this.#sites.size === 1 ? this.#sites.values().next().value! : null;
  }

  all(): SiteTimetable[] {
    return [...this.#sites.values()].sort((a, b) => a.site.localeCompare(b.site));
  }

  get size(): number {
    return this.#sites.size;
  }

  /** Called after each set/delete; returns the function that removes the listener. */
  onChange(listener: TimetableListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(site: string, timetable: SiteTimetable | null): void {
    for (const l of this.#listeners) {
      try {
        l(site, timetable);
      } catch {
        // a listener's fault is its engine's; the others still hear of the change
      }
    }
  }
}
