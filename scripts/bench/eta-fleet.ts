/**
 * The fleet side of the ETA benchmark (eta.ts): a bench clock in the Lokal'c timetable's service
 * hours, the buses of its blocks (drive.mjs), a registry seeded with a city's worth of devices, a
 * FleetService running the ETA (and GTFS-Realtime) engines on the city's feed (eta-city.ts), and
 * read-only instrumentation of its embedded broker to time each fix from its arrival to the boards
 * it changed.
 *
 * Measurement only: nothing here changes what the fleet does. The embedded broker's Aedes instance
 * is private to fleet/broker.ts; it is caught as `Aedes.createBroker` returns it during
 * `fleet.start()` (the static is put back at once), with the broker's own `authorizePublish`
 * wrapped to note when a gps message arrives. `fleet.bus.emit` and `fleet.outgoing.content` are
 * shadowed on their instances (as ingest.ts does with Ingest.flush) to tell which fix's handling
 * each board was sent from.
 */
import crypto from 'node:crypto';
import { Aedes, type AedesOptions, type Client, type PublishPacket } from 'aedes';
import type { Clock, GtfsFeed, GtfsLoad, Logger } from '../../protocols/index.js';
import { serviceDayStart } from '../../protocols/index.js';
import { hashMosquitto, newSecret } from '../../fleet/credentials.js';
import { openFleetDatabase } from '../../fleet/db.js';
import { etaEngine, type EtaLive } from '../../fleet/engines/eta/index.js';
import { gtfsRtEngine } from '../../fleet/engines/gtfs-rt/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import { FleetService } from '../../fleet/service.js';
import { blocksOn, busOnBlock } from '../lokalc/drive.mjs';
import type { Track } from './eta-devices.js';
import { now } from './util.js';

export const SITE = 'velenje';

/**
 * The bench clock: the wall clock moved to a weekday morning peak in Velenje (Wednesday
 * 2026-03-11, from 07:40 local), so that every run sees the same buses in service whatever hour it
 * is run at (no Lokal'c bus runs at night). Fleet and devices both read it; fixes carry its time,
 * so the engine takes them as live.
 */
export function benchClock(feed: GtfsFeed): { clock: Clock; shiftMs: number; date: string; startS: number } {
  const date = '2026-03-11';
  const startS = 7 * 3600 + 40 * 60;
  const shiftMs = serviceDayStart(date, feed.timeZone) + startS * 1000 - Date.now();
  return { clock: { now: () => Date.now() + shiftMs, mono: () => now() }, shiftMs, date, startS };
}

/** The blocks in service all the way from `fromS` to `toS` (seconds of `date`'s service day). */
export function blocksInService(feed: GtfsFeed, date: string, fromS: number, toS: number): string[] {
  return blocksOn(feed, date)
    .filter((b) => b.first <= fromS && b.last >= toS)
    .map((b) => b.blockId);
}

/**
 * A block's bus from `fromS` to `toS` (seconds of `date`'s service day), sampled once a second by
 * scripts/lokalc/drive.mjs with its `seed` (which varies the day's delays).
 */
export function blockTrack(feed: GtfsFeed, blockId: string, date: string, fromS: number, toS: number, seed: number): Track {
  const dayStart = serviceDayStart(date, feed.timeZone);
  const t: Track = { start: dayStart + fromS * 1000, stepMs: 1000, lat: [], lon: [], course: [], speed: [] };
  for (let s = fromS; s <= toS; s++) {
    const p = busOnBlock(feed, blockId, new Date(dayStart + s * 1000), { seed });
    if (!p) throw new Error(`drive.mjs has no position for ${blockId} at ${s} s`);
    t.lat.push(p.lat);
    t.lon.push(p.lon);
    t.course.push(p.courseDeg);
    t.speed.push(p.speedMps);
  }
  return t;
}

export interface SeedDevice {
  id: string;
  role: 'bus' | 'stop-display';
  labels?: Record<string, string>;
}

/**
 * Registers devices straight into a new fleet database, before the FleetService opens it, each
 * with its own secret — hashed with scrypt at N = 16 instead of the registry's 16384: provisioning
 * and verifying ~1,200 devices at ~50 ms of scrypt each would take a minute of set-up that this
 * bench does not measure (the hash's parameters travel in the hash; verification reads them).
 */
export function seedDevices(dataDir: string, devices: SeedDevice[]): Map<string, string> {
  const db = openFleetDatabase(dataDir);
  const secrets = new Map<string, string>();
  try {
    const insert = db.prepare('INSERT INTO devices (id, role, site, labels, created_at, secret_scrypt, secret_pbkdf2) VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const d of devices) {
        const secret = newSecret();
        const salt = crypto.randomBytes(16);
        const key = crypto.scryptSync(secret, salt, 32, { N: 16, r: 1, p: 1 });
        insert.run(d.id, d.role, SITE, JSON.stringify(d.labels ?? {}), Date.now(), `scrypt$16$1$1$${salt.toString('base64')}$${key.toString('base64')}`, hashMosquitto(secret, 1));
        secrets.set(d.id, secret);
      }
    })();
  } finally {
    db.close();
  }
  return secrets;
}

/** Called with each PUBLISH a client sends the embedded broker, before the broker acts on it. */
type ArrivalHook = (packet: PublishPacket, client: Client | null) => void;

/**
 * A FleetService with the ETA and GTFS-Realtime engines, the feed set for SITE, and its broker's
 * Aedes instance caught (see the file's comment).
 */
export async function startEtaFleet(o: {
  dataDir: string;
  clock: Clock;
  load: GtfsLoad;
  /** what the timetable is said to come from (logged by the engine) */
  source: string;
  log: Logger;
  onArrival: ArrivalHook;
}): Promise<{ fleet: FleetService; aedes: Aedes; live: EtaLive }> {
  const timetables = new Timetables();
  timetables.set({ site: SITE, feed: o.load.feed, load: o.load, source: o.source, loadedAt: o.clock.now() });
  const eta = etaEngine({ timetables });
  const fleet = new FleetService({
    dataDir: o.dataDir,
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    log: o.log,
    clock: o.clock,
    engines: [eta, gtfsRtEngine({ eta: eta.live })],
  });
  const createBroker = Aedes.createBroker;
  let caught: Aedes | null = null;
  Aedes.createBroker = async (opts?: AedesOptions) => {
    const authorize = opts?.authorizePublish;
    const wrapped: AedesOptions | undefined = authorize
      ? {
          ...opts,
          authorizePublish: (client, packet, callback) => {
            o.onArrival(packet, client);
            authorize(client, packet, callback);
          },
        }
      : opts;
    const aedes = await createBroker.call(Aedes, wrapped);
    caught = aedes;
    return aedes;
  };
  try {
    await fleet.start();
  } catch (err) {
    await fleet.stop().catch(() => {});
    throw err;
  } finally {
    Aedes.createBroker = createBroker;
  }
  if (!caught) {
    await fleet.stop();
    throw new Error('the fleet started without an embedded Aedes broker');
  }
  return { fleet, aedes: caught, live: eta.live };
}

/** What identifies a board among those sent to one display: its time and its departures. */
function boardPrint(body: unknown): string {
  const b = body as { generatedAt?: string; departures?: { departsAt?: string; realtime?: boolean; line?: string }[] } | null;
  return `${b?.generatedAt ?? ''}|${(b?.departures ?? []).map((d) => `${d.line}@${d.departsAt}${d.realtime ? '*' : ''}`).join(',')}`;
}

interface Cause {
  device: string;
  arrivedAt: number;
  takenAt: number;
}

export interface BoardSample {
  /** the bus whose fix the board was sent from */
  device: string;
  /** ms from the fix's PUBLISH reaching the broker to the board's PUBLISH being routed by it */
  ms: number;
  /** of which: from the fix's PUBLISH reaching the broker to the engines being handed the committed fix */
  intakeMs: number;
}

/**
 * fix → board latency, both ends timed in this process on the broker: t0 when the embedded broker
 * is handed a bus's gps PUBLISH (its authorizePublish, the first thing it does with a parsed
 * packet), t1 when it has routed a `content` PUBLISH from the fleet to the display's subscription
 * (Aedes' `publish` event, after retained storage and delivery to subscribers' queues). A board
 * is attributed to the fixes handed to the engines since its previous batch of boards (the engine
 * rebuilds the boards those fixes touched once per event-loop turn): each of them is counted, so
 * a fix that did not change the board counts too, with its own (longer or equal) wait — an upper
 * bound. It is recognised at the broker by its time and departures.
 */
export class BoardLatency {
  /** measuring (the hooks cost a JSON.parse per gps message and per board) */
  on = false;
  /** every content PUBLISH from the fleet, measuring or not */
  boards = 0;
  readonly samples: BoardSample[] = [];
  /** boards seen at the broker that no handling of a fix was found to have sent (sweeps, or not found) */
  unattributed = 0;
  readonly #arrivals = new Map<string, number>();
  #current: { device: string; arrivedAt: number; takenAt: number } | null = null;
  /** fixes handed to the engines since the engine last sent boards (it sends them once per event-loop turn) */
  #pending: Cause[] = [];
  #flush: Cause[] | null = null;
  readonly #sent = new Map<string, { print: string; causes: Cause[] }[]>();
  /** per bus, per committed fix: ms from its arrival at the broker to the engines being handed it */
  readonly intake = new Map<string, number[]>();

  /** Hooks the fleet's bus, its outgoing content and its broker's publish events (once). */
  attach(fleet: FleetService, aedes: Aedes): void {
    const emit = fleet.bus.emit.bind(fleet.bus);
    fleet.bus.emit = ((event, payload) => {
      if (!this.on || event !== 'telemetry-committed') return emit(event, payload);
      const e = payload as { deviceId: string; stream: string; records: { seq: number }[] };
      const last = e.records[e.records.length - 1];
      const key = last && e.stream === 'gps' ? `${e.deviceId}\u0000${last.seq}` : '';
      const arrivedAt = this.#arrivals.get(key);
      this.#arrivals.delete(key);
      const takenAt = now();
      this.#current = arrivedAt === undefined ? null : { device: e.deviceId, arrivedAt, takenAt };
      if (this.#current) this.#pending.push(this.#current);
      if (arrivedAt !== undefined) {
        const list = this.intake.get(e.deviceId) ?? [];
        list.push(takenAt - arrivedAt);
        this.intake.set(e.deviceId, list);
      }
      const cause = this.#current;
      try {
        emit(event, payload);
      } finally {
        this.#current = null;
      }
      // The engine rebuilds the boards this fix touched in an immediate it queued during emit; this
      // one runs after it: a fix whose boards did not change must not wait for somebody else's.
      if (cause) setImmediate(() => (this.#pending = this.#pending.filter((c) => c !== cause)));
    }) as typeof fleet.bus.emit;
    const content = fleet.outgoing.content.bind(fleet.outgoing);
    fleet.outgoing.content = ((deviceId, kind, body) => {
      const ok = content(deviceId, kind, body);
      if (ok && this.on) {
        const list = this.#sent.get(deviceId) ?? [];
        let causes: Cause[];
        if (this.#current) causes = [this.#current];
        else {
          // Sent from the engine's per-turn flush: the fixes handed to it since the last flush, any
          // of which may have changed this board — each is counted (an upper bound for the others).
          if (!this.#flush) {
            this.#flush = this.#pending;
            this.#pending = [];
            queueMicrotask(() => (this.#flush = null));
          }
          causes = this.#flush;
        }
        list.push({ print: boardPrint(body), causes });
        this.#sent.set(deviceId, list);
      }
      return ok;
    }) as typeof fleet.outgoing.content;
    // The fleet publishes in process (fleet/link-local.ts): its boards come without a client.
    aedes.on('publish', (packet) => {
      if (!packet.topic.endsWith('/content')) return;
      this.boards++;
      if (!this.on) return;
      const t1 = now();
      const id = packet.topic.split('/')[2]!;
      let print = '';
      try {
        print = boardPrint((JSON.parse(packet.payload.toString('utf8')) as { body?: unknown }).body);
      } catch {
        // not a board we sent: counted below
      }
      const list = this.#sent.get(id) ?? [];
      const i = list.findIndex((s) => s.print === print);
      if (i < 0) {
        this.unattributed++;
        return;
      }
      const [s] = list.splice(i, 1);
      if (s!.causes.length === 0) this.unattributed++;
      const seen = new Set<string>();
      for (const c of s!.causes) {
        if (seen.has(c.device)) continue;
        seen.add(c.device);
        this.samples.push({ device: c.device, ms: t1 - c.arrivedAt, intakeMs: c.takenAt - c.arrivedAt });
      }
    });
  }

  /** For the broker's authorizePublish hook: notes when each gps message arrived. */
  arrival(packet: PublishPacket): void {
    if (!this.on || !packet.topic.endsWith('/t/gps')) return;
    const t0 = now();
    const device = packet.topic.split('/')[2]!;
    try {
      const seq = (JSON.parse(packet.payload.toString('utf8')) as { records: { seq: number }[] }).records.at(-1)?.seq;
      if (seq !== undefined) this.#arrivals.set(`${device}\u0000${seq}`, t0);
    } catch {
      // the fleet refuses it and counts it; no board can come of it
    }
  }

  /** Clears what is in flight (between phases). */
  reset(): void {
    this.#pending = [];
    this.#arrivals.clear();
    this.#sent.clear();
    this.samples.length = 0;
    this.intake.clear();
    this.unattributed = 0;
  }
}
