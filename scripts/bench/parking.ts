/**
 * [10] A car crossing the loops → the number on the guidance sign. All real parts in this process:
 *
 *   simulated loop detector (hardware/loop/simulated.ts, the real LoopPair reading) → counter Agent
 *   (module `counter`: a `loops` record into its SQLite outbox, drained over MQTT) → FleetService
 *   (embedded broker, ingest, the occupancy engine with a catalogue of Celje's Glazija and
 *   Celeiapark) → `parking-counts` content → parking-panel Agent (module `panel`) → the real Alpha
 *   driver → the sign emulator's in-memory port (hardware/sign/simulated.ts).
 *
 * Measured: from the detector's crossing event (its listeners are told the car is through: a
 * listener registered before the counter module's takes the time) to the emulator's change event
 * that shows the new free count in row 1's STRING file. Cars one at a time, alternately in by the
 * entry lane and out by the exit lane (the count goes 379, 380, 379, …: every car changes the
 * number, the state stays `spacesAvailable`), each waited for until the sign shows its number.
 * Stamps on the way (info): the fleet's `telemetry-committed` of the record, the panel module's
 * onContent.
 *
 * What is set, and why, is in `settings` (printed by main.ts): only what would add deliberate
 * delay, or make the run long without being on the measured span.
 *
 * Raw baseline, defined: the same hops as bare MQTT, measured in the same run: a bare Aedes broker
 * (scripts/bench/raw.ts: no auth, no ACL), a publisher sends a one-record loops batch (QoS 1) →
 * broker → a relay client (the fleet's place) that JSON.parses it and publishes a parking-counts
 * content (QoS 1) → broker → a subscriber (the panel's place) that JSON.parses it and writes the
 * STRING packet's bytes (as long as the real one) into a preallocated buffer a turn of the event
 * loop later (as the in-memory port does). Timed from before the publish to after the copy; the
 * samples are spaced as the cars are. `occupancy_panel_ratio` = Tabla p99 ÷ raw p99 (info).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { Agent } from '../../device/agent.js';
import { counter } from '../../device/modules/counter/index.js';
import { panel } from '../../device/modules/panel/index.js';
import { agentConfigFor } from '../../fleet/provision.js';
import { occupancyEngine } from '../../fleet/engines/occupancy/index.js';
import { FleetService } from '../../fleet/service.js';
import { createLoopDetector, type SimulatedLoopDetector } from '../../hardware/loop/loop.js';
import { LOOP_PAIR_DEFAULTS } from '../../hardware/loop/pair.js';
import { SimulatedSign } from '../../hardware/sign/simulated.js';
import { encodePacket, transliterate, writeStringCommand } from '../../protocols/alpha/index.js';
import { AgentConfig, STREAM_PRIORITIES, type AgentConfigInput, type Logger } from '../../protocols/index.js';
import { percentiles, type Percentiles } from './glass.js';
import { startRawBroker } from './raw.js';
import { now, sleep, tempDir, until, within } from './util.js';

export interface ParkingBenchResult {
  samples: number;
  warmup: number;
  /** Crossing event → the sign emulator has the new number. */
  eventToPanel: Percentiles;
  /** Crossing event → the fleet committed the loops record. */
  eventToCommitted: Percentiles;
  /** Fleet commit → the panel module's onContent (engine, content publish, broker, agent's checks). */
  committedToContent: Percentiles;
  /** onContent → the sign emulator has the number (plan rows, driver, encode, in-memory port, parse). */
  contentToSign: Percentiles;
  /** The detector's crossing time (`at`: when the lane was clear) → its crossing event: the clear proving itself (gapMs + reorderMs), before the span. */
  clearToEvent: Percentiles;
  /** The same at the detector's defaults (gapMs + reorderMs), ms. */
  clearToEventDefaultMs: number;
  raw: Percentiles;
  /** Raw: publish → the relay has parsed it (the first hop alone). */
  rawFirstHop: Percentiles;
  ratio: number;
  /** What was set, and why: one line each. */
  settings: string[];
  /** The STRING packet of a row, bytes, and its time on a real sign's line (9600 baud 7E1, its ACK too), ms. */
  stringPacketBytes: number;
  lineMs: number;
  loopsRecords: number;
  problems: string[];
}

const COUNTER = 'bench-counter';
const PANEL = 'bench-panel';
const CAPACITY = 380;
const CATALOGUE = {
  site: 'celje',
  timeZone: 'Europe/Ljubljana',
  carParks: [
    { id: 'glazija', name: 'Garažna hiša Glazija', kind: 'garage', address: 'Ljubljanska cesta 20, Celje', capacity: CAPACITY },
    { id: 'celeiapark', name: 'Celeiapark', kind: 'garage', address: 'Aškerčeva ulica 14, Celje', capacity: 520 },
  ],
};
/** Loop reading: an occupied level counts from 20 ms, a clear one ends the car after 30 ms (+ reorderMs 10). */
const DEBOUNCE_MS = 20;
const GAP_MS = 30;
/** A car's four edges (A on, B on, A off, B off) this far apart. */
const EDGE_MS = 25;
const WIDTH = 20;

interface Stamps {
  /** The free count this car should bring (null: the first car, any number). */
  expected: number | null;
  crossing?: number;
  crossingAt?: number;
  crossingWall?: number;
  committed?: number;
  content?: number;
  sign?: number;
}

/** One car over `lane`: A, then both, then B, then clear (an `ab` passage). */
async function car(loops: SimulatedLoopDetector, lane: string): Promise<void> {
  loops.setLoop(lane, 'a', true);
  await sleep(EDGE_MS);
  loops.setLoop(lane, 'b', true);
  await sleep(EDGE_MS);
  loops.setLoop(lane, 'a', false);
  await sleep(EDGE_MS);
  loops.setLoop(lane, 'b', false);
}

async function put(fleet: FleetService, path: string, body: unknown): Promise<void> {
  const res = await fetch(fleet.httpUrl + path, {
    method: 'PUT',
    headers: { authorization: `Bearer ${fleet.local.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

function config(fleet: FleetService, id: string, role: 'car-park-counter' | 'parking-panel', labels: Record<string, string>, modules: Record<string, unknown>): AgentConfig {
  const { secret } = fleet.registry.provision({ id, role, site: 'celje', labels });
  const base = agentConfigFor({ deviceId: id, role, site: 'celje', secret, mqttUrl: fleet.mqttUrl, dataDir: tempDir(id) });
  // commitIntervalMs 0 is the default (a commit per event-loop turn): written out, as it is the outbox's only batching interval.
  const input: AgentConfigInput = { ...base, settings: { logLevel: 'warn', modules }, outbox: { commitIntervalMs: 0 } };
  return AgentConfig.parse(input);
}

/** The raw baseline: publish → relay → subscriber → bytes copied, one at a time, spaced `spacingMs`. */
async function rawBaseline(n: number, spacingMs: number, packetBytes: number): Promise<{ total: number[]; firstHop: number[] }> {
  const broker = await startRawBroker();
  const clients: MqttClient[] = [];
  const connect = async (clientId: string) => {
    const c = await mqtt.connectAsync(broker.url, { clientId, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    clients.push(c);
    return c;
  };
  const total: number[] = [];
  const firstHop: number[] = [];
  try {
    const publisher = await connect('raw-counter');
    const relay = await connect('raw-fleet');
    const sink = await connect('raw-panel');
    const packet = new Uint8Array(packetBytes).fill(0x41);
    const line = new Uint8Array(packetBytes * 2);
    let sent = 0;
    let relayed = 0;
    let done: ((at: number) => void) | null = null;
    relay.on('message', (_t, payload) => {
      relayed = now();
      const batch = JSON.parse(payload.toString()) as { records: { data: { carParkId: string; direction: string } }[] };
      const r = batch.records[0]!.data;
      const body = {
        rows: [
          { carParkId: r.carParkId, label: 'GLAZIJA', free: r.direction === 'in' ? 379 : 380, state: 'spacesAvailable' },
          { carParkId: 'celeiapark', label: 'CELEIAPARK', free: null, state: 'unknown' },
        ],
        validUntil: new Date(Date.now() + 180_000).toISOString(),
      };
      void relay.publishAsync('raw/panel/content', JSON.stringify({ v: 1, ts: Date.now(), kind: 'parking-counts', body }), { qos: 1 });
    });
    sink.on('message', (_t, payload) => {
      const content = JSON.parse(payload.toString()) as { body: { rows: unknown[] } };
      if (!content.body.rows.length) return;
      setImmediate(() => {
        line.set(packet, 0);
        done?.(now());
      });
    });
    await relay.subscribeAsync('raw/counter/t/loops', { qos: 1 });
    await sink.subscribeAsync('raw/panel/content', { qos: 1 });
    for (let i = 0; i < n; i++) {
      const ts = Date.now();
      const data = JSON.stringify({ carParkId: 'glazija', lane: i % 2 ? 'exit-1' : 'entry-1', direction: i % 2 ? 'out' : 'in', ts });
      const payload = `{"v":1,"epoch":1,"outbox":"raw","low":${i + 1},"records":[{"seq":${i + 1},"ts":${ts},"data":${data}}]}`;
      const got = new Promise<number>((resolve) => (done = resolve));
      sent = now();
      void publisher.publishAsync('raw/counter/t/loops', payload, { qos: 1 });
      const at = await within(`raw sample ${i}`, got, 5000);
      done = null;
      total.push(at - sent);
      firstHop.push(relayed - sent);
      await sleep(spacingMs);
    }
  } finally {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await broker.stop();
  }
  return { total, firstHop };
}

export async function benchParking(options: { samples?: number; warmup?: number; log: Logger }): Promise<ParkingBenchResult> {
  const wanted = options.samples ?? 150;
  const warmup = options.warmup ?? 10;
  const log = options.log;
  const problems: string[] = [];
  const settings = [
    `loop detector: debounceMs ${DEBOUNCE_MS}, gapMs ${GAP_MS} (defaults ${LOOP_PAIR_DEFAULTS.debounceMs}, ${LOOP_PAIR_DEFAULTS.gapMs}), a car's edges ${EDGE_MS} ms apart: they decide when a crossing is complete` +
      ` (gapMs + reorderMs after the lane clears), before the measured span begins; shortened so ${warmup + wanted} cars take seconds, not minutes`,
    `counter outbox: commitIntervalMs 0 (the default: a commit per event-loop turn, the outbox's only batching interval); drain policy default` +
      ` (window 8, 50 batches/s: one car at a time never waits for a token); the loops stream in lane ${STREAM_PRIORITIES.loops} (the highest: 0 drains first, gps ${STREAM_PRIORITIES.gps})`,
    'fleet: ingest commits at once when idle (its spacing only applies under load); occupancy engine defaults (tickMs 1000, refreshS 60: neither on the path, a change is' +
      ' sent on its commit); its panel pacing (slices of 32 panels, 5 ms apart) does not pause for one panel: nothing to shorten',
    'panel: module defaults (it writes the sign on content at once; its tick is not on the path); sign: SimulatedSign (the real Alpha driver, ACK/NAK on, the emulator on an' +
      ' in-memory port: a turn of the event loop a hop, no baud-rate delay)',
  ];

  const fleet = new FleetService({ dataDir: tempDir('parking-fleet'), httpHost: '127.0.0.1', httpPort: 0, mqttHost: '127.0.0.1', mqttPort: 0, log, engines: [occupancyEngine()] });
  await fleet.start();
  const loops = createLoopDetector({
    kind: 'simulated',
    lanes: [
      { lane: 'entry-1', kind: 'entry' },
      { lane: 'exit-1', kind: 'exit' },
    ],
    debounceMs: DEBOUNCE_MS,
    gapMs: GAP_MS,
    log,
  });
  const sign = new SimulatedSign({ columns: WIDTH, lines: 2, log });
  let current: Stamps | null = null;
  let committedRecords = 0;
  let crossings = 0;
  // First listener of the detector: the time is taken before the counter module's work.
  loops.onCrossing((c) => {
    crossings++;
    if (current && current.crossing === undefined) Object.assign(current, { crossing: now(), crossingAt: c.at, crossingWall: Date.now() });
  });
  fleet.bus.on('telemetry-committed', 'bench', (e) => {
    if (e.stream !== 'loops' || e.deviceId !== COUNTER) return;
    committedRecords += e.records.length;
    if (current && current.committed === undefined) current.committed = now();
  });
  let waiting: { want: (free: number) => boolean; resolve: (free: number) => void } | null = null;
  const offChange = sign.emulator.onChange(() => {
    const w = waiting;
    if (!w) return;
    const m = /\s(\d+)$/.exec(sign.emulator.file('1') ?? '');
    if (!m || !w.want(Number(m[1]))) return;
    if (current) current.sign = now();
    waiting = null;
    w.resolve(Number(m[1]));
  });

  const module = panel();
  const observed: typeof module = {
    ...module,
    onContent(...args) {
      // This car's content, not a periodic refresh of the last one.
      const free = args[1].rows.find((r) => r.carParkId === 'glazija')?.free ?? null;
      if (current && current.content === undefined && free !== null && (current.expected === null || free === current.expected)) current.content = now();
      return module.onContent!(...args);
    },
  };
  const counterAgent = new Agent({
    config: config(fleet, COUNTER, 'car-park-counter', { carPark: 'glazija' }, {
      counter: {
        lanes: { 'entry-1': { carParkId: 'glazija', kind: 'entry' }, 'exit-1': { carParkId: 'glazija', kind: 'exit' } },
        carParks: { glazija: { capacity: CAPACITY } },
      },
    }),
    log,
    modules: [counter()],
    drivers: { loops },
  });
  const panelAgent = new Agent({
    config: config(fleet, PANEL, 'parking-panel', { carParks: 'glazija,celeiapark' }, {
      panel: { rows: [{ carParkId: 'glazija', arrow: 'left' }, { carParkId: 'celeiapark', arrow: 'right' }] },
    }),
    log,
    modules: [observed],
    drivers: { sign },
  });

  const samples: Stamps[] = [];
  let raw: { total: number[]; firstHop: number[] } = { total: [], firstHop: [] };
  let stringPacketBytes = 0;
  try {
    await put(fleet, '/api/parking/car-parks', CATALOGUE);
    await counterAgent.start();
    await panelAgent.start();
    await until('both agents online', () => counterAgent.link.fleetOnline && panelAgent.link.fleetOnline, 10_000);
    await until('the sign showing the rows, every count --', () => /GLAZIJA\s+--$/.test(sign.emulator.file('1') ?? '') && sign.health().inSync, 10_000);

    let free: number | null = null;
    for (let i = 0; i < warmup + wanted; i++) {
      const inbound = i % 2 === 0;
      const expected: number | null = free === null ? null : inbound ? free - 1 : free + 1;
      const stamps: Stamps = { expected };
      current = stamps;
      const shown = new Promise<number>((resolve) => (waiting = { want: (n) => expected === null || n === expected, resolve }));
      await car(loops, inbound ? 'entry-1' : 'exit-1');
      free = await within<number>(`car ${i}: its number on the sign (${expected ?? 'any'})`, shown, 10_000);
      current = null;
      if (stamps.crossing === undefined) problems.push(`car ${i}: no crossing event`);
      else if (i >= warmup) samples.push(stamps);
      await sleep(5); // the panel's frame and the fleet's ack settle outside the next car
    }
    const text = sign.emulator.file('1') ?? '';
    stringPacketBytes = encodePacket({ typeCode: 'Z', address: '01', commands: [writeStringCommand('1', transliterate(text).text)] }).length;
    await until('every loops record committed', () => committedRecords >= warmup + wanted, 5000).catch(() => undefined);
    if (committedRecords !== warmup + wanted) problems.push(`${committedRecords} loops records committed for ${warmup + wanted} cars`);
    if (crossings !== warmup + wanted) problems.push(`${crossings} crossings for ${warmup + wanted} cars`);
  } finally {
    current = null;
    waiting = null;
    offChange();
    await panelAgent.stop().catch((err: Error) => problems.push(`panel agent stop: ${err.message}`));
    await counterAgent.stop().catch((err: Error) => problems.push(`counter agent stop: ${err.message}`));
    await fleet.stop();
  }
  const carMs = 3 * EDGE_MS + GAP_MS + LOOP_PAIR_DEFAULTS.reorderMs;
  raw = await rawBaseline(warmup + wanted, carMs, stringPacketBytes);
  raw = { total: raw.total.slice(warmup), firstHop: raw.firstHop.slice(warmup) };

  const full = samples.filter((s) => s.sign !== undefined && s.crossing !== undefined);
  const span = (a: keyof Stamps, b: keyof Stamps) => percentiles(full.filter((s) => s[a] !== undefined && s[b] !== undefined).map((s) => s[b]! - s[a]!));
  const eventToPanel = span('crossing', 'sign');
  const rawP = percentiles(raw.total);
  return {
    samples: full.length,
    warmup,
    eventToPanel,
    eventToCommitted: span('crossing', 'committed'),
    committedToContent: span('committed', 'content'),
    contentToSign: span('content', 'sign'),
    clearToEvent: percentiles(full.map((s) => s.crossingWall! - s.crossingAt!)),
    clearToEventDefaultMs: LOOP_PAIR_DEFAULTS.gapMs + LOOP_PAIR_DEFAULTS.reorderMs,
    raw: rawP,
    rawFirstHop: percentiles(raw.firstHop),
    ratio: eventToPanel.p99 / rawP.p99,
    settings,
    stringPacketBytes,
    lineMs: ((stringPacketBytes + 2) * 10 * 1000) / 9600,
    loopsRecords: committedRecords,
    problems,
  };
}
