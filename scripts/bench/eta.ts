/**
 * GPS fixes of a town's worth of buses through the whole live path: broker → fleet → validated →
 * stored → acked → ETA engine (trip matching, prediction) → the arrival boards that changed,
 * published to the stop displays' `content` topics.
 *
 * - fleet: a real FleetService (embedded broker with auth and ACL) in this process, running the
 *   ETA and GTFS-Realtime engines over the Lokal'c feed (scripts/lokalc, built in-process) for
 *   site velenje, on a bench clock in Wednesday's morning peak (eta-fleet.ts).
 * - devices, in a load child (eta-devices.ts): `vehicles` buses, each on the agent's own Link
 *   without the outbox, bus i driving block i mod (blocks in service) some minutes behind that
 *   block's bus (spread over the 30-min cycle, so they are all along the routes), one valid gps
 *   record per message with its fix time from the bench clock; `probes` more buses that each send
 *   one fix when told; and a stop display (label stop=<stop_id>) for each of `displays` stops,
 *   subscribed to its `content`.
 * - eta_fixes_per_s: every bus sends `perVehicle` fixes (sized from the warm-up so a round takes
 *   about `roundS`, at least one each), at most `window` beyond the fleet's ack (the agent's drain
 *   window); timed until every bus holds the ack of its last fix. The engines run synchronously
 *   right after each commit's acks, in the same turn, so a round's time covers its boards too.
 * - raw baseline, the same run: a bare Aedes broker, `vehicles` mqtt.js publishers in another
 *   child (same payload size, same window, QoS 1) → one subscriber here; msgs/s until it has all.
 *   Rounds alternate raw / ETA after a warm-up of each (the warm-up matches every bus to its run).
 *   eta_ingest_ratio = median ETA fixes/s ÷ median raw msgs/s.
 * - fix_to_board: while every bus sends one fix per `intervalMs` (a bus's gps module records one
 *   a second while moving; if that is more than a third of the throughput measured above, the
 *   interval is stretched to a third of it, and the output says so), each probe bus sends its one
 *   fix — a bus the engine has not seen, so it is matched from scratch and its predictions replace
 *   the ones on the boards of the stops ahead. For every board a probe's fix changed: from the
 *   fix's PUBLISH reaching the embedded broker to the board's PUBLISH on the display's content
 *   topic being routed by the same broker (both ends in this process; BoardLatency in
 *   eta-fleet.ts). fix_to_board_p99_ms is the p99 of those; the background buses' fixes are
 *   timed the same way (info).
 */
import { agentConfigFor } from '../../fleet/provision.js';
import { AgentConfig as AgentConfigSchema, encodeTelemetryBatch, type AgentConfig, type Logger } from '../../protocols/index.js';
import { LoadChild } from './child.js';
import { fixesAlong, type EtaBusPlan } from './eta-devices.js';
import { BoardLatency, SITE, benchClock, blockTracks, lokalcFeed, seedDevices, startEtaFleet, type BoardSample, type SeedDevice } from './eta-fleet.js';
import { RawSink, startRawBroker } from './raw.js';
import { median, now, tempDir, within } from './util.js';

export interface EtaOptions {
  vehicles: number;
  probes: number;
  displays: number;
  window: number;
  reps: number;
  /** fixes per bus in a measured ETA round; null: sized from the warm-up so a round takes about `roundS` (1 … `maxPerVehicle`) */
  perVehicle: number | null;
  roundS: number;
  maxPerVehicle: number;
  /** messages in a raw round (at least one per publisher) */
  rawMessages: number;
  /** the latency phase: how long the background runs */
  pacedMs: number;
  /** each bus's interval between fixes at the real rate (the gps module records one a second while moving) */
  intervalMs: number;
  log: Logger;
}

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface EtaResult {
  vehicles: number;
  probes: number;
  displays: number;
  blocks: string[];
  perVehicle: number;
  window: number;
  payloadBytes: number;
  rawMsgsPerS: number;
  etaFixesPerS: number;
  ratio: number;
  samples: { raw: number[]; eta: number[] };
  /** CPU µs of this process (broker + subscriber, or broker + fleet + engines) per message */
  cpu: { rawUsPerMsg: number; etaUsPerFix: number };
  /** over the measured ETA rounds */
  engine: {
    fixes: { matched: number; unmatched: number; refused: number };
    matchedShare: number;
    boardsSent: number;
    boardsAtBroker: number;
    boardsAtDisplays: number;
    boardsPerFix: number;
    /** displays at the stops a bus's predictions reach, averaged over the buses after the rounds: the boards the engine rebuilds for each fix (at least) */
    displaysPerFix: number;
  };
  latency: {
    /** each bus's interval in the latency phase, and the resulting background rate */
    intervalMs: number;
    backgroundPerS: number;
    /** true when the fleet could not take the real rate (every bus each `realIntervalMs`) with room to spare: the background was cut to a third of its measured throughput */
    reduced: boolean;
    realIntervalMs: number;
    pacedMs: number;
    backgroundFixes: number;
    /** fixes due while their bus had `window` unacked: > 0 means the fleet did not keep up with the background */
    windowFull: number;
    probesSent: number;
    probesWithBoard: number;
    /** every board a probe's fix changed */
    probe: Percentiles;
    /** each probe's first board only */
    probeFirst: Percentiles;
    /** of `probe`: from the fix's arrival at the broker to the engines being handed it (transport, validation, commit) */
    probeIntake: Percentiles;
    /** every board a background fix changed (info) */
    background: Percentiles;
    /** every background fix: arrival at the broker → engines handed it (info: queueing in front of the engine) */
    backgroundIntake: Percentiles;
    unattributed: number;
  };
  setupS: number;
  phases: Record<string, number>;
  problems: string[];
}

function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1]! : NaN };
}

export async function benchEta(o: EtaOptions): Promise<EtaResult> {
  const t0Setup = now();
  /** seconds each phase took (set-up included), for the JSON */
  const phases: Record<string, number> = {};
  let tPhase = t0Setup;
  const phase = (name: string) => {
    const t = now();
    phases[name] = Math.round(t - tPhase) / 1000;
    tPhase = t;
  };
  const load = await lokalcFeed();
  const feed = load.feed;
  const bench = benchClock(feed);
  const cycleS = 30 * 60; // every Lokal'c block repeats its run each 30 min
  const tracks = blockTracks(feed, bench.date, bench.startS - cycleS - 60, bench.startS + 900);
  const blocks = [...tracks.keys()];
  if (blocks.length === 0) throw new Error(`no Lokal'c block runs on ${bench.date} around ${bench.startS} s`);
  const plan = (prefix: string, count: number, slot: (k: number, perBlock: number) => number) => {
    const perBlock = Math.ceil(count / blocks.length);
    return Array.from({ length: count }, (_, i) => ({
      id: `${prefix}-${String(i).padStart(4, '0')}`,
      blockId: blocks[i % blocks.length]!,
      offsetMs: Math.round(slot(Math.floor(i / blocks.length), perBlock) * ((cycleS * 1000) / perBlock)),
    }));
  };
  const buses = plan('eta-bus', o.vehicles, (k) => k);
  const probes = plan('eta-probe', o.probes, (k) => k + 0.5);
  const stops = [...feed.stops.values()].filter((s) => s.locationType === 0).slice(0, o.displays);
  const displays = stops.map((s, i) => ({ id: `eta-stop-${String(i).padStart(2, '0')}`, stopId: s.id }));
  const seed: SeedDevice[] = [
    ...[...buses, ...probes].map((b) => ({ id: b.id, role: 'bus' as const })),
    ...displays.map((d) => ({ id: d.id, role: 'stop-display' as const, labels: { stop: d.stopId } })),
  ];
  phase('feed and tracks');
  const dataDir = tempDir('eta');
  const secrets = seedDevices(dataDir, seed);
  phase('registry seeded');

  // The payload the raw publishers send: as long as a bus's one-fix message.
  const sample = fixesAlong(tracks.get(blocks[0]!)!, 0, bench.shiftMs)(1);
  const payloadBytes = Buffer.byteLength(encodeTelemetryBatch(1, 1000, [{ seq: 1000, ts: sample.ts, data: sample.data }]));

  const lat = new BoardLatency();
  const { fleet, aedes, live } = await startEtaFleet({ dataDir, clock: bench.clock, load, log: o.log, onArrival: (p) => lat.arrival(p) });
  let broker: Awaited<ReturnType<typeof startRawBroker>> | null = null;
  let sink: RawSink | null = null;
  const rawChild = new LoadChild('raw publishers');
  const etaChild = new LoadChild('eta devices');
  try {
    lat.attach(fleet, aedes);
    phase('fleet started');
    broker = await startRawBroker();
    sink = await RawSink.connect(broker.url, 'bench/v1/+/t/+');
    const rawSink = sink;
    const config = (id: string, role: 'bus' | 'stop-display'): AgentConfig =>
      AgentConfigSchema.parse(agentConfigFor({ deviceId: id, role, site: SITE, secret: secrets.get(id)!, mqttUrl: fleet.mqttUrl, dataDir: '/nonexistent' }));
    const busPlan = (b: { id: string; blockId: string; offsetMs: number }): EtaBusPlan => ({ config: config(b.id, 'bus'), blockId: b.blockId, offsetMs: b.offsetMs });
    // Both children connect at once (they are separate processes; the fleet only sees its own).
    await Promise.all([
      rawChild.call({ type: 'raw-connect', url: broker.url, clients: o.vehicles, payloadBytes, window: o.window }, 60_000),
      etaChild.call(
        {
          type: 'eta-connect',
          buses: buses.map(busPlan),
          probes: probes.map(busPlan),
          displays: displays.map((d) => config(d.id, 'stop-display')),
          tracks: Object.fromEntries(tracks),
          clockShiftMs: bench.shiftMs,
          window: o.window,
        },
        120_000,
      ),
    ]);
    phase('buses and displays connected');
    const setupS = (now() - t0Setup) / 1000;
    /** Boards the displays have received so far (a zero-fix `run` answers with the count). */
    const displayContents = async () => (await etaChild.call({ type: 'run', perClient: 0 }, 10_000)).contents as number;
    const m = fleet.metrics;
    const fixes = () => ({ matched: m.get('tabla_eta_fixes_total', { outcome: 'matched' }), unmatched: m.get('tabla_eta_fixes_total', { outcome: 'unmatched' }), refused: m.get('tabla_eta_fixes_total', { outcome: 'refused' }) });
    const stored = () => m.get('tabla_telemetry_records_total');
    const dups = () => m.get('tabla_telemetry_duplicates_total');
    const cpu = { raw: [] as number[], eta: [] as number[] };

    const rawRound = async (perClient: number, measured = true): Promise<number> => {
      const target = perClient * o.vehicles;
      const all = rawSink.expect(target);
      const c0 = process.cpuUsage();
      const t0 = now();
      await rawChild.call({ type: 'run', perClient }, 120_000);
      const gotAllAt = await within('raw subscriber got everything', all, 60_000);
      const c = process.cpuUsage(c0);
      if (measured) cpu.raw.push((c.user + c.system) / target);
      return target / ((gotAllAt - t0) / 1000);
    };
    const etaRound = async (perClient: number, measured = true): Promise<number> => {
      const n = perClient * o.vehicles;
      const s0 = stored();
      const d0 = dups();
      const c0 = process.cpuUsage();
      const t0 = now();
      const res = await etaChild.call({ type: 'run', perClient }, 180_000);
      const elapsed = now() - t0;
      const c = process.cpuUsage(c0);
      if (res.publishErrors) throw new Error(`buses saw ${String(res.publishErrors)} publish errors`);
      if (stored() - s0 !== n) throw new Error(`fleet stored ${stored() - s0} fixes, expected ${n}`);
      if (dups() - d0 !== 0) throw new Error(`fleet saw ${dups() - d0} duplicates`);
      if (measured) cpu.eta.push((c.user + c.system) / n);
      return n / (elapsed / 1000);
    };

    // Warm-up: every bus's first fixes (matched from scratch), and the raw path's first messages.
    const rawPerClient = Math.max(1, Math.ceil(o.rawMessages / o.vehicles));
    await rawRound(Math.max(1, Math.round(rawPerClient / 4)), false);
    const warmRate = await etaRound(1, false);
    phase('warm-up');
    const perVehicle = o.perVehicle ?? Math.min(o.maxPerVehicle, Math.max(1, Math.round((o.roundS * warmRate) / o.vehicles)));
    // Board counts at three places, each read once the boards in flight have landed.
    const settle = () => new Promise((r) => setTimeout(r, 300));
    await settle();
    const f0 = fixes();
    const sent0 = m.get('tabla_eta_boards_sent_total');
    const broker0 = lat.boards;
    const displays0 = await displayContents();
    const samples = { raw: [] as number[], eta: [] as number[] };
    for (let r = 0; r < o.reps; r++) {
      samples.raw.push(await rawRound(rawPerClient));
      samples.eta.push(await etaRound(perVehicle));
    }
    const f1 = fixes();
    const engineFixes = { matched: f1.matched - f0.matched, unmatched: f1.unmatched - f0.unmatched, refused: f1.refused - f0.refused };
    const engineTotal = engineFixes.matched + engineFixes.unmatched + engineFixes.refused;
    await settle();
    const boardsSent = m.get('tabla_eta_boards_sent_total') - sent0;
    const boardsAtBroker = lat.boards - broker0;
    const boardsAtDisplays = (await displayContents()) - displays0;
    const raw = median(samples.raw);
    const eta = median(samples.eta);
    // How many displays a fix makes the engine look at: those at the stops of the bus's predictions.
    const displayStops = new Set(displays.map((d) => d.stopId));
    const touched = buses.map((b) => new Set(live.predictions(b.id).map((p) => p.stopId).filter((id) => displayStops.has(id))).size);
    const displaysPerFix = touched.reduce((a, b) => a + b, 0) / Math.max(1, touched.length);
    phase('measured rounds');

    // --- fix → board, under a steady background -------------------------------------------------
    // The real rate if the fleet takes it with room to spare (≤ a third of its measured throughput,
    // probes included); else a third of its throughput, so that what is timed is the path and not a
    // growing queue (the throughput measured above wobbles with whatever else the machine runs).
    const probePerS = (o.probes * 1000) / o.pacedMs;
    const realPerS = (o.vehicles * 1000) / o.intervalMs;
    const reduced = realPerS + probePerS > eta / 3;
    const backgroundPerS = reduced ? Math.max(eta / 3 - probePerS, eta / 10) : realPerS;
    const intervalMs = Math.round((o.vehicles * 1000) / backgroundPerS);
    lat.reset();
    lat.on = true;
    const probeAtMs = Array.from({ length: o.probes }, (_, j) => Math.round(((j + 0.5) * o.pacedMs) / o.probes));
    const paced = await etaChild.call({ type: 'eta-paced', durationMs: o.pacedMs, intervalMs, probeAtMs, drainTimeoutMs: 60_000 }, o.pacedMs + 90_000);
    await new Promise((r) => setTimeout(r, 300));
    lat.on = false;
    phase('latency phase');
    const probeIds = new Set(probes.map((p) => p.id));
    const probeSamples: BoardSample[] = lat.samples.filter((s) => probeIds.has(s.device));
    const first = new Map<string, number>();
    for (const s of probeSamples) first.set(s.device, Math.min(first.get(s.device) ?? Infinity, s.ms));
    const backgroundIntake = [...lat.intake].filter(([id]) => !probeIds.has(id)).flatMap(([, xs]) => xs);

    const problems: string[] = [];
    const counters: [string, number][] = [
      ['tabla_ingest_errors_total', m.total('tabla_ingest_errors_total')],
      ['tabla_ingest_parked_total', m.total('tabla_ingest_parked_total')],
      ['tabla_messages_refused_total', m.total('tabla_messages_refused_total')],
      ['tabla_broker_refusals_total', m.total('tabla_broker_refusals_total')],
      ['tabla_engine_errors_total', m.total('tabla_engine_errors_total')],
      ['tabla_eta_board_errors_total', m.total('tabla_eta_board_errors_total')],
      ['tabla_internal_errors_total', m.total('tabla_internal_errors_total')],
    ];
    for (const [name, n] of counters) if (n > 0) problems.push(`${name} = ${n}`);
    if (boardsSent === 0 || boardsAtBroker === 0) problems.push('no arrival board was published during the measured rounds');
    if (boardsAtDisplays === 0) problems.push('no display received a board during the measured rounds');
    const matchedShare = engineTotal ? engineFixes.matched / engineTotal : 0;
    if (matchedShare < 0.8) problems.push(`only ${(matchedShare * 100).toFixed(1)}% of the fixes matched a trip run (expected ≥ 80%)`);
    const storedFixes = samples.eta.length * perVehicle * o.vehicles;
    if (engineTotal !== storedFixes) problems.push(`the ETA engine took ${engineTotal} fixes, ${storedFixes} were stored`);
    if (first.size === 0) problems.push('no probe fix changed a board');
    if (paced.publishErrors) problems.push(`buses saw ${String(paced.publishErrors)} publish errors in the latency phase`);

    return {
      vehicles: o.vehicles,
      probes: o.probes,
      displays: displays.length,
      blocks,
      perVehicle,
      window: o.window,
      payloadBytes,
      rawMsgsPerS: raw,
      etaFixesPerS: eta,
      ratio: eta / raw,
      samples,
      cpu: { rawUsPerMsg: median(cpu.raw), etaUsPerFix: median(cpu.eta) },
      engine: { fixes: engineFixes, matchedShare, boardsSent, boardsAtBroker, boardsAtDisplays, boardsPerFix: boardsSent / Math.max(1, engineTotal), displaysPerFix },
      latency: {
        intervalMs,
        backgroundPerS,
        reduced,
        realIntervalMs: o.intervalMs,
        pacedMs: o.pacedMs,
        backgroundFixes: paced.background as number,
        windowFull: paced.windowFull as number,
        probesSent: paced.probes as number,
        probesWithBoard: first.size,
        probe: percentiles(probeSamples.map((s) => s.ms)),
        probeFirst: percentiles([...first.values()]),
        probeIntake: percentiles(probeSamples.map((s) => s.intakeMs)),
        background: percentiles(lat.samples.filter((s) => !probeIds.has(s.device)).map((s) => s.ms)),
        backgroundIntake: percentiles(backgroundIntake),
        unattributed: lat.unattributed,
      },
      setupS,
      phases,
      problems,
    };
  } finally {
    lat.on = false;
    await Promise.all([rawChild.stop(), etaChild.stop()]);
    await sink?.close();
    await broker?.stop();
    await fleet.stop();
  }
}
