/**
 * The car parks the fleet counts, live: their catalogue, counts, trend samples and the status each
 * one shows. Crossings, corrections, recalibrations and time (closing hours, silence) go in; every
 * change someone would see comes out through `changed`, once, with the status it replaced.
 *
 * Counts are written through to the store in the transaction of their batch (a restart keeps the
 * occupancy); trend samples live in memory (after a restart the trend starts again from the count).
 */
import type { CarParkStatus, LoopsRecord } from '../../../protocols/index.js';
import type { Catalogue, CarParkDefinition, CatalogueReason } from './catalogue.js';
import { newCount, moveCount, nextLevel, panelChange, pruneSamples, recalibrationDue, seenChange, statusOf, withOccupied, type CarParkCount, type Sample } from './model.js';
import { resolveThresholds } from './catalogue.js';
import type { OccupancyStore } from './store.js';

export interface CarPark {
  def: CarParkDefinition;
  site: string;
  timeZone: string;
  /** when its site's catalogue was last put */
  definedAt: number;
}

export type Correction = { delta: number } | { set: number };

export interface Adjustment {
  carParkId: string;
  at: number;
  by: string;
  reason: string;
  correction: Correction;
  before: number;
  after: number;
  clamped: 'high' | 'low' | null;
}

export interface Changed {
  status: CarParkStatus;
  previous: CarParkStatus | null;
  /** a guidance panel's row changes (free count or state) */
  panel: boolean;
}

/** A catalogue that names a car park another site already has. */
export class CatalogueConflict extends Error {
  constructor(readonly reasons: CatalogueReason[]) {
    super(`car park catalogue refused: ${reasons.map((r) => `${r.path}: ${r.message}`).join('; ')}`);
  }
}

export interface CarParksOptions {
  store: OccupancyStore;
  changed(c: Changed): void;
  /** a record for a car park no catalogue has (counted and logged by the caller) */
  unknown(carParkId: string): void;
  clamped(carParkId: string, end: 'high' | 'low'): void;
  log: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void };
}

export class CarParks {
  readonly #o: CarParksOptions;
  readonly #sites = new Map<string, Catalogue>();
  readonly #parks = new Map<string, CarPark>();
  readonly #counts: Map<string, CarParkCount>;
  readonly #samples = new Map<string, Sample[]>();
  readonly #shown = new Map<string, CarParkStatus>();

  constructor(o: CarParksOptions, now: number) {
    this.#o = o;
    const { catalogues, broken } = o.store.catalogues();
    for (const b of broken) o.log.warn('stored car park catalogue no longer valid: left out', b);
    this.#counts = o.store.counts();
    for (const c of catalogues) this.#install(c.catalogue, c.updatedAt, now);
    for (const id of this.#parks.keys()) this.#shown.set(id, this.#status(id, now));
  }

  get(id: string): CarPark | null {
    return this.#parks.get(id) ?? null;
  }

  all(): CarPark[] {
    return [...this.#parks.values()].sort((a, b) => a.site.localeCompare(b.site) || a.def.id.localeCompare(b.def.id));
  }

  sites(): Catalogue[] {
    return [...this.#sites.values()];
  }

  count(id: string): CarParkCount | null {
    return this.#counts.get(id) ?? null;
  }

  /** The status shown now (as of the last refresh). */
  status(id: string): CarParkStatus | null {
    return this.#shown.get(id) ?? null;
  }

  statuses(): CarParkStatus[] {
    return this.all().map((p) => this.#shown.get(p.def.id)!);
  }

  /** Replaces a site's whole catalogue; a car park kept keeps its count. */
  putCatalogue(c: Catalogue, now: number): { added: string[]; removed: string[]; kept: string[] } {
    const reasons: CatalogueReason[] = [];
    c.carParks.forEach((p, i) => {
      const other = this.#parks.get(p.id);
      if (other && other.site !== c.site) reasons.push({ path: `carParks.${i}.id`, message: `${p.id} is a car park of site ${other.site}` });
    });
    if (reasons.length) throw new CatalogueConflict(reasons);
    const before = new Set(this.sites().find((s) => s.site === c.site)?.carParks.map((p) => p.id) ?? []);
    const after = new Set(c.carParks.map((p) => p.id));
    const out = {
      added: [...after].filter((id) => !before.has(id)),
      removed: [...before].filter((id) => !after.has(id)),
      kept: [...after].filter((id) => before.has(id)),
    };
    this.#o.store.atomically(() => {
      this.#o.store.putCatalogue(c, now);
      for (const id of out.removed) {
        this.#parks.delete(id);
        this.#shown.delete(id);
        this.#o.store.record(id, now, 'catalogue', { change: 'removed', site: c.site });
      }
      this.#install(c, now, now);
      for (const p of c.carParks) {
        this.#o.store.saveCount(p.id, this.#counts.get(p.id)!);
        this.#o.store.record(p.id, now, 'catalogue', { change: out.added.includes(p.id) ? 'added' : 'updated', site: c.site, capacity: p.capacity });
      }
    });
    this.refresh(now, c.carParks.map((p) => p.id));
    return out;
  }

  /** Committed crossings of one batch: the counts move, in one transaction with their store. */
  crossings(records: readonly LoopsRecord[], receivedAt: number): void {
    const touched = new Set<string>();
    this.#o.store.atomically(() => {
      for (const r of records) {
        const park = this.#parks.get(r.carParkId);
        if (!park) {
          this.#o.unknown(r.carParkId);
          continue;
        }
        const c = this.#counts.get(r.carParkId)!;
        const m = moveCount(c.occupied, r.direction === 'in' ? 1 : -1, park.def.capacity);
        if (m.clamped === 'high') c.clampedHigh++;
        if (m.clamped === 'low') c.clampedLow++;
        if (m.clamped) this.#o.clamped(r.carParkId, m.clamped);
        this.#set(r.carParkId, m.occupied, receivedAt);
        c.lastCountAt = Math.max(c.lastCountAt ?? 0, receivedAt);
        touched.add(r.carParkId);
      }
      for (const id of touched) this.#o.store.saveCount(id, this.#counts.get(id)!);
    });
    if (touched.size) this.refresh(receivedAt, [...touched]);
  }

  /** A technician's correction (`+N`, `-N` or `=N`), recorded with who and why. */
  adjust(id: string, correction: Correction, reason: string, by: string, now: number): Adjustment {
    const park = this.#parks.get(id);
    if (!park) throw new Error(`no car park ${id}`);
    const c = this.#counts.get(id)!;
    const before = c.occupied;
    const m = 'delta' in correction ? moveCount(before, correction.delta, park.def.capacity) : moveCount(0, correction.set, park.def.capacity);
    const a: Adjustment = { carParkId: id, at: now, by, reason, correction, before, after: m.occupied, clamped: m.clamped };
    this.#o.store.atomically(() => {
      this.#set(id, m.occupied, now);
      this.#o.store.saveCount(id, c);
      this.#o.store.record(id, now, 'adjust', { by, reason, ...correction, before, after: m.occupied, clamped: m.clamped });
    });
    this.#o.log.info('car park count corrected', { carPark: id, ...correction, before, after: m.occupied, by, reason });
    this.refresh(now, [id]);
    return a;
  }

  /** Recalibrations that fell due, then every status again (time alone closes, opens and silences car parks). */
  tick(now: number): void {
    for (const p of this.#parks.values()) {
      const r = p.def.recalibrate;
      const c = this.#counts.get(p.def.id)!;
      if (!r) continue;
      const due = recalibrationDue(now, r.at, p.timeZone, c.recalibratedAt);
      if (!due) continue;
      this.#o.store.atomically(() => {
        const before = c.occupied;
        c.recalibratedAt = due.at;
        if (due.late) {
          this.#o.store.record(p.def.id, now, 'recalibration-missed', { due: due.at, count: before });
          this.#o.log.warn('recalibration missed (the fleet was not running at the time): left for tomorrow', { carPark: p.def.id, due: new Date(due.at).toISOString() });
        } else {
          this.#set(p.def.id, r.count, now);
          this.#o.store.record(p.def.id, now, 'recalibrate', { before, after: c.occupied, due: due.at });
          this.#o.log.info('car park recalibrated', { carPark: p.def.id, before, after: c.occupied });
        }
        this.#o.store.saveCount(p.def.id, c);
      });
    }
    this.refresh(now);
  }

  /** Computes the statuses of `ids` (default: all) again and reports the ones that changed. */
  refresh(now: number, ids: Iterable<string> = this.#parks.keys()): void {
    for (const id of ids) {
      if (!this.#parks.has(id)) continue;
      const previous = this.#shown.get(id) ?? null;
      const status = this.#status(id, now);
      this.#shown.set(id, status);
      if (!seenChange(previous, status)) continue;
      if (previous && previous.state !== status.state) {
        this.#o.store.record(id, now, 'state', { from: previous.state, to: status.state, free: status.free, occupied: status.occupied });
      }
      this.#o.changed({ status, previous, panel: panelChange(previous, status) });
    }
  }

  #status(id: string, now: number): CarParkStatus {
    const p = this.#parks.get(id)!;
    const samples = pruneSamples(this.#samples.get(id) ?? [], now);
    this.#samples.set(id, samples);
    return statusOf({ def: p.def, site: p.site, timeZone: p.timeZone, count: this.#counts.get(id)!, samples, now });
  }

  /** Sets a count and its level, and samples it for the trend. */
  #set(id: string, occupied: number, now: number): void {
    const p = this.#parks.get(id)!;
    const c = this.#counts.get(id)!;
    const next = withOccupied(c, occupied, p.def);
    c.occupied = next.occupied;
    c.level = next.level;
    const samples = this.#samples.get(id) ?? [];
    samples.push({ at: now, occupied: c.occupied });
    this.#samples.set(id, samples.length > 2048 ? pruneSamples(samples, now) : samples);
  }

  #install(c: Catalogue, definedAt: number, now: number): void {
    this.#sites.set(c.site, c);
    for (const def of c.carParks) {
      this.#parks.set(def.id, { def, site: c.site, timeZone: c.timeZone, definedAt });
      let count = this.#counts.get(def.id);
      if (!count) this.#counts.set(def.id, (count = newCount(now)));
      // A smaller capacity or new thresholds: the count stays within it, the state follows them.
      count.occupied = Math.min(count.occupied, def.capacity);
      count.level = nextLevel(count.level, def.capacity - count.occupied, resolveThresholds(def.capacity, def.thresholds));
      if (!this.#samples.has(def.id)) this.#samples.set(def.id, [{ at: now, occupied: count.occupied }]);
    }
  }
}
