/**
 * GPS fixes of a city's worth of buses through the whole live path: broker → fleet → validated →
 * stored → acked → ETA engine (trip matching, prediction) → the arrival boards that changed,
 * published to the stop displays' `content` topics.
 *
 * - the city (eta-city.ts): K copies of the Lokal'c network (scripts/lokalc) in one GTFS feed, each
 *   with its own ids (`c<k>-`) and moved to its own cell of a grid `spacingM` apart (10 km: no copy
 *   within 5 km of another), K = ⌈(vehicles + probes) / blocks in service per copy⌉: one vehicle per
 *   block, so each copy is as dense as the town (a thousand buses on one town's five blocks would
 *   change every board on nearly every fix, which no real network does). Only the weekday service
 *   is kept by default (the bench day is a Wednesday; the feed parses faster).
 * - fleet: a real FleetService (embedded broker with auth and ACL) in this process, running the ETA
 *   and GTFS-Realtime engines over the city's feed for site velenje, on a bench clock in
 *   Wednesday's morning peak (eta-fleet.ts).
 * - devices, in a load child (eta-devices.ts): `vehicles` buses and `probes` probe buses, each on
 *   the agent's own Link without the outbox, each driving its own block in service as drive.mjs
 *   drives the town's (seeds varying by copy), one valid gps record per message with its fix time
 *   from the bench clock; the probes take evenly spread blocks and each sends one fix when told.
 *   Stop displays (label stop=<stop_id>) at the town's busiest stops: `displays` of them connected
 *   and subscribed to their `content`, in `displayCopies` copies that have a probe; and
 *   `extraDisplaysPerCopy` in every other copy, registered but never connected (the engine builds
 *   and publishes their boards all the same; the broker routes them to no one).
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
 *   fix — a bus the engine has not seen, so it is matched from scratch and its predictions put its
 *   block's runs on the boards of the stops ahead in real time. For every board a probe's fix
 *   changed (connected display or not): from the fix's PUBLISH reaching the embedded broker to the
 *   board's PUBLISH on the display's content topic being routed by the same broker (both ends in
 *   this process; BoardLatency in eta-fleet.ts). fix_to_board_p99_ms is the p99 of those; the
 *   background buses' fixes are timed the same way (info).
 */
import { agentConfigFor } from '../../fleet/provision.js';
import { AgentConfig as AgentConfigSchema, departuresAt, encodeTelemetryBatch, serviceDayStart, type AgentConfig, type Logger } from '../../protocols/index.js';
import { LoadChild } from './child.js';
import { buildCity, lokalcTown } from './eta-city.js';
import { fixesAlong, type EtaBusPlan, type Track } from './eta-devices.js';
import { BoardLatency, SITE, benchClock, blockTrack, blocksInService, seedDevices, startEtaFleet, type BoardSample, type SeedDevice } from './eta-fleet.js';
import { RoundProfiler } from './ingest.js';
import { RawSink, startRawBroker } from './raw.js';
import { median, now, tempDir, within } from './util.js';

export interface EtaOptions {
  vehicles: number;
  probes: number;
  /** connected stop displays, at the busiest stops of `displayCopies` copies */
  displays: number;
  displayCopies: number;
  /** unconnected stop displays at the busiest stops of every other copy */
  extraDisplaysPerCopy: number;
  /** between two copies of the town in the city's grid, m */
  spacingM: number;
  /** the services kept in the city's feed (null: all) */
  services: string[] | null;
  /** drive.mjs seeds the copies' buses cycle through (each track is a drive.mjs call a second per block and seed, ~45 µs each) */
  trackVariants: number;
  /** each bus's track covers this long from the bench clock's start, s (it stands at its last place after) */
  trackS: number;
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
  /** connected (subscribed) stop displays */
  displays: number;
  /** stop displays registered (labelled with a stop) but never connected: their boards are built and published all the same */
  unconnectedDisplays: number;
  city: {
    copies: number;
    spacingKm: number;
    services: string[] | null;
    /** the town's blocks in service, each driven in every copy (`c<k>-<block>`) */
    baseBlocks: string[];
    blocksPerCopy: number;
    /** the copies with the connected displays */
    displayCopies: number[];
    /** drive.mjs seeds the tracks cycle through */
    trackVariants: number;
    stops: number;
    trips: number;
    stopTimes: number;
    shapes: number;
    blocks: number;
    bytes: number;
    buildS: number;
    parseS: number;
  };
  perVehicle: number;
  /** the warm-up's rounds (one fix per bus each): the buses' first fixes (each matched from scratch), then their second (sizes `perVehicle`) */
  warmUp: { firstFixesPerS: number; secondFixesPerS: number };
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
    /** probe fixes per second, and the share of the fleet's time they take if each costs what a bus's first fix did in the warm-up (> 1/3: the probes alone queue up; info) */
    probesPerS: number;
    probeLoad: number;
    /** boards the broker routed in the latency phase (to every display), and boards the subscribed displays received */
    boards: number;
    boardsAtDisplays: number;
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
  // --- the city: copies of the town, one for every `blocksPerCopy` vehicles (probes included) -----
  const town = await lokalcTown();
  const bench = benchClock(town.load.feed);
  // Each bus's track, from just before the bench clock starts to `trackS` later (its last place after).
  const fromS = bench.startS - 60;
  const toS = bench.startS + o.trackS;
  const baseBlocks = blocksInService(town.load.feed, bench.date, fromS, toS);
  if (baseBlocks.length === 0) throw new Error(`no Lokal'c block runs on ${bench.date} from ${fromS} to ${toS} s`);
  const blocksPerCopy = baseBlocks.length;
  const vehiclesInAll = o.vehicles + o.probes;
  const city = buildCity(town, { copies: Math.ceil(vehiclesInAll / blocksPerCopy), spacingM: o.spacingM, services: o.services });
  const copies = city.copies;
  const feed = city.load.feed;
  phase('city feed');
  // drive.mjs's delays vary with its seed: copy k drives the town's blocks with seed k mod variants + 1.
  const variants = Math.max(1, Math.min(o.trackVariants, copies.length));
  const tracks = new Map<string, Track>();
  const trackKey = (block: string, k: number) => `${block}#${(k % variants) + 1}`;
  for (let v = 0; v < variants; v++) for (const b of baseBlocks) tracks.set(trackKey(b, v), blockTrack(town.load.feed, b, bench.date, fromS, toS, v + 1));
  phase('tracks');

  // One vehicle per block in service: slot s is copy ⌊s / blocksPerCopy⌋'s (s mod blocksPerCopy)-th
  // block. The probes take evenly spread slots (so they drive every kind of block, across the
  // city), the buses the rest in order.
  const probeSlots = new Set(Array.from({ length: o.probes }, (_, j) => Math.floor(((j + 0.5) * vehiclesInAll) / o.probes)));
  type Planned = { id: string; copy: number; blockId: string; track: string };
  const buses: Planned[] = [];
  const probes: Planned[] = [];
  for (let slot = 0; slot < vehiclesInAll; slot++) {
    const k = Math.floor(slot / blocksPerCopy);
    const block = baseBlocks[slot % blocksPerCopy]!;
    const list = probeSlots.has(slot) ? probes : buses;
    const id = `${list === probes ? 'eta-probe' : 'eta-bus'}-${String(list.length).padStart(4, '0')}`;
    list.push({ id, copy: k, blockId: `${copies[k]!.prefix}${block}`, track: trackKey(block, k) });
  }
  if (buses.length !== o.vehicles || probes.length !== o.probes) throw new Error(`planned ${buses.length} buses and ${probes.length} probes`);

  // Stop displays at the town's busiest stops (departures in the bench's first two hours): the
  // connected ones at the `displays / displayCopies` busiest in `displayCopies` copies with a probe
  // (spread over the city), unconnected ones at the `extraDisplaysPerCopy` busiest in every other copy.
  const dayStart = serviceDayStart(bench.date, town.load.feed.timeZone);
  const busiest = [...town.load.feed.stops.values()]
    .filter((st) => st.locationType === 0)
    .map((st) => ({ id: st.id, n: departuresAt(town.load.feed, st.id, new Date(dayStart + bench.startS * 1000), new Date(dayStart + (bench.startS + 7200) * 1000)).length }))
    .sort((a, b) => b.n - a.n || a.id.localeCompare(b.id))
    .map((x) => x.id);
  const withProbe = [...new Set(probes.map((p) => p.copy))].sort((a, b) => a - b);
  const displayCopyCount = Math.min(o.displayCopies, withProbe.length);
  const displayCopies = Array.from({ length: displayCopyCount }, (_, i) => withProbe[Math.floor(((i + 0.5) * withProbe.length) / displayCopyCount)]!);
  const perDisplayCopy = Math.ceil(o.displays / Math.max(1, displayCopyCount));
  const displays: { id: string; stopId: string }[] = [];
  for (const k of displayCopies) {
    for (const stop of busiest.slice(0, perDisplayCopy)) {
      if (displays.length < o.displays) displays.push({ id: `eta-stop-${String(displays.length).padStart(2, '0')}`, stopId: `${copies[k]!.prefix}${stop}` });
    }
  }
  const unconnected: { id: string; stopId: string }[] = [];
  for (const c of copies) {
    if (displayCopies.includes(c.k)) continue;
    for (const stop of busiest.slice(0, o.extraDisplaysPerCopy)) unconnected.push({ id: `eta-board-${String(unconnected.length).padStart(4, '0')}`, stopId: `${c.prefix}${stop}` });
  }
  for (const d of [...displays, ...unconnected]) if (!feed.stops.has(d.stopId)) throw new Error(`display ${d.id}: no stop ${d.stopId} in the city feed`);
  const seed: SeedDevice[] = [
    ...[...buses, ...probes].map((b) => ({ id: b.id, role: 'bus' as const })),
    ...[...displays, ...unconnected].map((d) => ({ id: d.id, role: 'stop-display' as const, labels: { stop: d.stopId } })),
  ];
  phase('plan');
  const dataDir = tempDir('eta');
  const secrets = seedDevices(dataDir, seed);
  phase('registry seeded');

  // The payload the raw publishers send: as long as a bus's one-fix message.
  const sampleBus = buses[0] ?? probes[0]!;
  const sample = fixesAlong(tracks.get(sampleBus.track)!, 0, bench.shiftMs, copies[sampleBus.copy]!.dLat, copies[sampleBus.copy]!.dLon)(1);
  const payloadBytes = Buffer.byteLength(encodeTelemetryBatch(1, 1000, [{ seq: 1000, ts: sample.ts, data: sample.data }]));

  const lat = new BoardLatency();
  const source = `bench city: ${copies.length} copies of Lokal'c (scripts/bench/eta-city.ts)`;
  const { fleet, aedes, live } = await startEtaFleet({ dataDir, clock: bench.clock, load: city.load, source, log: o.log, onArrival: (p) => lat.arrival(p) });
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
    const busPlan = (b: Planned): EtaBusPlan => ({ config: config(b.id, 'bus'), track: b.track, offsetMs: 0, dLat: copies[b.copy]!.dLat, dLon: copies[b.copy]!.dLon });
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
    // TABLA_BENCH_PROFILE=<dir>: the measured rounds of each side into <dir>/eta-{raw,tabla}.cpuprofile.
    const profiler = new RoundProfiler('eta');
    await profiler.start();

    const rawRound = async (perClient: number, measured = true): Promise<number> => {
      const target = perClient * o.vehicles;
      const all = rawSink.expect(target);
      const run = async () => {
        await rawChild.call({ type: 'run', perClient }, 120_000);
        return within('raw subscriber got everything', all, 60_000);
      };
      const c0 = process.cpuUsage();
      const t0 = now();
      const gotAllAt = await (measured ? profiler.round('raw', run) : run());
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
      const res = await (measured ? profiler.round('tabla', () => etaChild.call({ type: 'run', perClient }, 180_000)) : etaChild.call({ type: 'run', perClient }, 180_000));
      const elapsed = now() - t0;
      const c = process.cpuUsage(c0);
      if (res.publishErrors) throw new Error(`buses saw ${String(res.publishErrors)} publish errors`);
      if (stored() - s0 !== n) throw new Error(`fleet stored ${stored() - s0} fixes, expected ${n}`);
      if (dups() - d0 !== 0) throw new Error(`fleet saw ${dups() - d0} duplicates`);
      if (measured) cpu.eta.push((c.user + c.system) / n);
      return n / (elapsed / 1000);
    };

    // Warm-up: every bus's first fix (matched from scratch), and the raw path's first messages; then
    // one more fix each, whose rate (buses already on their runs) sizes the measured rounds.
    const rawPerClient = Math.max(1, Math.ceil(o.rawMessages / o.vehicles));
    await rawRound(Math.max(1, Math.round(rawPerClient / 4)), false);
    const matchRate = await etaRound(1, false);
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
    await profiler.stop();
    const f1 = fixes();
    const engineFixes = { matched: f1.matched - f0.matched, unmatched: f1.unmatched - f0.unmatched, refused: f1.refused - f0.refused };
    const engineTotal = engineFixes.matched + engineFixes.unmatched + engineFixes.refused;
    await settle();
    const boardsSent = m.get('tabla_eta_boards_sent_total') - sent0;
    const boardsAtBroker = lat.boards - broker0;
    const boardsAtDisplays = (await displayContents()) - displays0;
    const raw = median(samples.raw);
    const eta = median(samples.eta);
    // How many displays a fix makes the engine look at: those (connected or not) at the stops of the bus's predictions.
    const displayStops = new Set([...displays, ...unconnected].map((d) => d.stopId));
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
    const brokerBeforePaced = lat.boards;
    lat.on = true;
    const probeAtMs = Array.from({ length: o.probes }, (_, j) => Math.round(((j + 0.5) * o.pacedMs) / o.probes));
    const paced = await etaChild.call({ type: 'eta-paced', durationMs: o.pacedMs, intervalMs, probeAtMs, drainTimeoutMs: 60_000 }, o.pacedMs + 90_000);
    await new Promise((r) => setTimeout(r, 300));
    lat.on = false;
    phase('latency phase');
    const boardsInLatencyPhase = lat.boards - brokerBeforePaced;
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
    // One bus per block: a board changes when a bus comes, goes or runs visibly late, so the measured
    // rounds' few seconds may see none (the sweep sends most); the latency phase must see some.
    if (lat.boards - broker0 === 0) problems.push('no arrival board was published after the warm-up');
    if ((paced.contents as number) === 0) problems.push('no subscribed display received a board in the latency phase');
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
      unconnectedDisplays: unconnected.length,
      city: {
        copies: copies.length,
        spacingKm: o.spacingM / 1000,
        services: o.services,
        baseBlocks,
        blocksPerCopy,
        displayCopies,
        trackVariants: variants,
        ...city.counts,
        buildS: city.buildS,
        parseS: city.parseS,
      },
      perVehicle,
      warmUp: { firstFixesPerS: matchRate, secondFixesPerS: warmRate },
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
        probesPerS: probePerS,
        probeLoad: probePerS / matchRate,
        boards: boardsInLatencyPhase,
        boardsAtDisplays: paced.contents as number,
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
