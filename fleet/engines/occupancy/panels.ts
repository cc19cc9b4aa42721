/**
 * What the parking guidance panels are sent: `parking-counts` (retained), one row per car park a
 * panel shows, each with the panel label of its car park, its free count and state, and a
 * `validUntil` of now + `contentAgeS`, past which the panel blanks its counts.
 *
 * Which car parks a panel shows, in its row order, is the device's label `carParks` (e.g.
 * `carParks=glazija,celeiapark`), set when it is provisioned: the registry is what the fleet's
 * engines can read, and it names the car parks without any knowledge of the panel's own settings
 * (arrows, brightness), which stay the panel module's business. The row's label is the car park's
 * `panelLabel` from the catalogue (default its id in capitals). A car park the catalogue does not
 * (or no longer) have is sent as a blank row (`free: null`, `unknown`), never left out, so the rows
 * keep their places on the glass.
 *
 * A panel is sent its rows when one of them changes (free count or state), at its birth, and again
 * every `refreshS` so that a healthy panel never reaches `validUntil`. Sending is paced in slices.
 * A panel known offline is skipped (its birth brings its rows).
 */
import type { CarParkStatus, ParkingCount, ParkingCounts } from '../../../protocols/index.js';
import { isoLocal } from '../../../protocols/index.js';
import type { EngineContext } from '../engine.js';
import { panelLabelOf } from './catalogue.js';
import type { CarParks } from './car-parks.js';

export interface GuidancePanel {
  id: string;
  carParks: string[];
}

const SLICE = 32;
const SLICE_PAUSE_MS = 5;
export const PANEL_LABEL = 'carParks';

/** A panel's car parks from its `carParks` label: ids separated by commas, blanks dropped, at most 32. */
export function panelCarParks(labels: Record<string, string>): string[] {
  return (labels[PANEL_LABEL] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 32);
}

/** The rows of a panel from the statuses it shows (pure). */
export function panelRows(carParks: readonly string[], status: (id: string) => { status: CarParkStatus; label: string } | null): ParkingCount[] {
  return carParks.map((id) => {
    const s = status(id);
    if (!s) return { carParkId: id.slice(0, 64), label: id.toUpperCase().slice(0, 32), free: null, state: 'unknown' };
    return { carParkId: id, label: s.label, free: s.status.free, state: s.status.state };
  });
}

export class PanelDelivery {
  readonly #ctx: EngineContext;
  readonly #parks: CarParks;
  readonly #contentAgeMs: number;
  readonly #refreshMs: number;
  readonly #lastSent = new Map<string, number>();
  readonly #queue = new Set<string>();
  #pumping: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(ctx: EngineContext, parks: CarParks, o: { contentAgeS: number; refreshS: number }) {
    this.#ctx = ctx;
    this.#parks = parks;
    this.#contentAgeMs = o.contentAgeS * 1000;
    this.#refreshMs = o.refreshS * 1000;
  }

  /** Every guidance panel in the registry (read afresh: asked on changes and ticks, not per record). */
  panels(): GuidancePanel[] {
    return this.#ctx.devices
      .list()
      .filter((d) => d.role === 'parking-panel')
      .map((d) => ({ id: d.id, carParks: panelCarParks(d.labels) }));
  }

  /** The panels that show a car park. */
  showing(carParkId: string): string[] {
    return this.panels()
      .filter((p) => p.carParks.includes(carParkId))
      .map((p) => p.id);
  }

  /** Rows of car parks changed: the panels showing them are sent soon. */
  changed(carParkIds: Iterable<string>): void {
    const ids = new Set(carParkIds);
    if (!ids.size) return;
    for (const p of this.panels()) if (p.carParks.some((c) => ids.has(c))) this.queue(p.id);
  }

  /** Panels whose last rows are `refreshS` old are sent again. */
  tick(now: number): void {
    for (const p of this.panels()) {
      const last = this.#lastSent.get(p.id);
      if (last === undefined || now - last >= this.#refreshMs || now < last) this.queue(p.id);
    }
  }

  queue(panelId: string): void {
    if (this.#stopped) return;
    this.#queue.add(panelId);
    if (!this.#pumping) this.#pumping = setTimeout(() => this.#pump(), 0);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#pumping) clearTimeout(this.#pumping);
    this.#pumping = null;
    this.#queue.clear();
  }

  /** The content a panel would be sent now. */
  contentFor(carParks: readonly string[], now: number): ParkingCounts {
    const rows = panelRows(carParks, (id) => {
      const park = this.#parks.get(id);
      const status = this.#parks.status(id);
      return park && status ? { status, label: panelLabelOf(park.def) } : null;
    });
    const tz = this.#parks.get(carParks.find((id) => this.#parks.get(id)) ?? '')?.timeZone ?? 'UTC';
    return { rows, validUntil: isoLocal(now + this.#contentAgeMs, tz) };
  }

  #pump(): void {
    this.#pumping = null;
    const now = this.#ctx.clock.now();
    let n = 0;
    for (const id of this.#queue) {
      if (n++ >= SLICE) break;
      this.#queue.delete(id);
      try {
        this.#send(id, now);
      } catch (err) {
        this.#ctx.metrics.inc('tabla_occupancy_panel_send_errors_total');
        this.#ctx.log.error('parking counts not sent', { device: id, error: (err as Error).message });
      }
    }
    if (this.#queue.size && !this.#stopped) this.#pumping = setTimeout(() => this.#pump(), SLICE_PAUSE_MS);
  }

  #send(id: string, now: number): void {
    const d = this.#ctx.devices.get(id);
    if (d?.role !== 'parking-panel') return;
    if (this.#ctx.devices.presence(id) === 'offline') return;
    const carParks = panelCarParks(d.labels);
    if (!carParks.length) {
      if (!this.#lastSent.has(id)) this.#ctx.log.warn('parking panel shows no car park: label it carParks=<id>,<id>…', { device: id });
      this.#lastSent.set(id, now);
      return;
    }
    this.#lastSent.set(id, now);
    if (this.#ctx.publishContent(id, 'parking-counts', this.contentFor(carParks, now))) this.#ctx.metrics.inc('tabla_occupancy_panel_sends_total');
    else this.#ctx.metrics.inc('tabla_occupancy_panel_send_errors_total');
  }
}
