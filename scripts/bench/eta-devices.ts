/**
 * The device side of the ETA benchmark (eta.ts), in a load child (load.ts): buses whose GPS fixes
 * follow the blocks of the bench city (eta-city.ts: copies of the Lokal'c network), probe buses
 * that each send one fix when told, and stop displays.
 *
 * A bus drives its block `offsetMs` behind the block's timetable (0: it is the block's bus): its
 * fix at time t (the bench clock, strictly increasing per bus) is where scripts/lokalc/drive.mjs
 * puts the bus of the town's block at t − offsetMs, read from a track the parent sampled once a
 * second (interpolated in between) and moved by its copy's offset (`dLat`, `dLon`), so a child
 * computes no timetable geometry per fix and the parent sends a few tracks for a thousand buses.
 */
import type { AgentConfig } from '../../protocols/index.js';
import { DisplayDevice, TablaDevice, type RecordSource } from './tabla-device.js';
import { now, within } from './util.js';

/** A block's bus in the town sampled every `stepMs` from `start` (ms epoch, bench clock). */
export interface Track {
  start: number;
  stepMs: number;
  lat: number[];
  lon: number[];
  /** degrees true */
  course: number[];
  /** m/s */
  speed: number[];
}

export interface EtaBusPlan {
  config: AgentConfig;
  /** the key of its track in EtaConnect.tracks */
  track: string;
  offsetMs: number;
  /** degrees added to the track's latitudes and longitudes: its copy of the town */
  dLat: number;
  dLon: number;
}

export interface EtaConnect {
  type: 'eta-connect';
  buses: EtaBusPlan[];
  probes: EtaBusPlan[];
  displays: AgentConfig[];
  tracks: Record<string, Track>;
  /** bench clock − this machine's wall clock, ms */
  clockShiftMs: number;
  window: number;
}

export interface EtaPaced {
  type: 'eta-paced';
  durationMs: number;
  /** each bus sends one fix per interval, the buses evenly staggered */
  intervalMs: number;
  /** when each probe bus sends its one fix, ms after the start, ascending */
  probeAtMs: number[];
  drainTimeoutMs: number;
}

const round = (x: number, f: number) => Math.round(x * f) / f;

/** Valid GpsRecords (protocols/streams/gps.ts) along a track, `offsetMs` behind it, moved by (`dLat`, `dLon`). */
export function fixesAlong(track: Track, offsetMs: number, clockShiftMs: number, dLat = 0, dLon = 0): RecordSource {
  let last = 0;
  const n = track.lat.length;
  return () => {
    const time = Math.max(last + 1, Math.round(Date.now() + clockShiftMs));
    last = time;
    const x = Math.min(Math.max((time - offsetMs - track.start) / track.stepMs, 0), n - 1);
    const i = Math.floor(x);
    const j = Math.min(i + 1, n - 1);
    const f = x - i;
    const fix = {
      time,
      lat: round(dLat + track.lat[i]! + (track.lat[j]! - track.lat[i]!) * f, 1e6),
      lon: round(dLon + track.lon[i]! + (track.lon[j]! - track.lon[i]!) * f, 1e6),
      speed: round(track.speed[i]!, 10),
      course: round(track.course[i]!, 10) % 360,
      fix: '3d',
      hdop: 0.9,
      sats: 9,
    };
    return { ts: time, data: JSON.stringify(fix) };
  };
}

export class EtaDevices {
  readonly buses: TablaDevice[];
  readonly probes: TablaDevice[];
  readonly displays: DisplayDevice[];

  constructor(m: EtaConnect) {
    const device = (p: EtaBusPlan) => {
      const track = m.tracks[p.track];
      if (!track) throw new Error(`no track ${p.track}`);
      return new TablaDevice(p.config, m.window, fixesAlong(track, p.offsetMs, m.clockShiftMs, p.dLat, p.dLon));
    };
    this.buses = m.buses.map(device);
    this.probes = m.probes.map(device);
    this.displays = m.displays.map((c) => new DisplayDevice(c));
  }

  /** Connects everyone, a few hundred at a time (as a town's devices would not all come at once). */
  async start(): Promise<void> {
    const all = [...this.displays, ...this.buses, ...this.probes];
    for (let i = 0; i < all.length; i += 250) await Promise.all(all.slice(i, i + 250).map((d) => d.start()));
  }

  contents(): number {
    return this.displays.reduce((n, d) => n + d.contents, 0);
  }

  /**
   * Background fixes at a steady rate (every bus once per `intervalMs`, staggered) for
   * `durationMs`, and each probe bus's one fix at its time; then waits for every ack.
   * `windowFull` counts fixes that were due while their bus already had `window` unacked (they
   * went out late, when an ack made room): 0 means the fleet kept up.
   */
  async paced(m: EtaPaced): Promise<Record<string, unknown>> {
    const n = this.buses.length;
    // The c-th background fix is bus c mod n's, due at c × intervalMs / n.
    const total = Math.floor((m.durationMs * n) / m.intervalMs);
    const dueAt = (c: number) => (c * m.intervalMs) / n;
    const contents0 = this.contents();
    let sent = 0;
    let probed = 0;
    let windowFull = 0;
    const t0 = now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = now() - t0;
        for (; sent < total && dueAt(sent) <= elapsed; sent++) {
          const bus = this.buses[sent % n]!;
          if (bus.unacked >= bus.window) windowFull++;
          bus.more(1);
        }
        for (; probed < m.probeAtMs.length && probed < this.probes.length && m.probeAtMs[probed]! <= elapsed; probed++) this.probes[probed]!.more(1);
        if (sent >= total && (probed >= m.probeAtMs.length || probed >= this.probes.length)) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const sentMs = now() - t0;
    await within('every paced fix acked', Promise.all([...this.buses, ...this.probes].map((d) => d.settled())), m.drainTimeoutMs);
    return {
      background: sent,
      probes: probed,
      sentMs,
      elapsedMs: now() - t0,
      windowFull,
      contents: this.contents() - contents0,
      publishErrors: [...this.buses, ...this.probes].reduce((k, d) => k + d.publishErrors, 0),
    };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.buses, ...this.probes, ...this.displays].map((d) => d.link.stop().catch(() => {})));
  }
}
