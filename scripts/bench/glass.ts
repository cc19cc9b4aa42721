/**
 * [8] Content to glass on a stop display: an `arrival-board` received by a real agent → the partial
 * refresh that shows it issued to the panel, against a raw baseline measured in the same run.
 *
 * Set-up, real parts: a FleetService with its embedded broker on loopback (no engines: the boards are
 * sent by hand through its `outgoing.content`, as the ETA engine sends them: schema-checked,
 * retained, over the broker); a real Agent with the departures module; the Waveshare driver on the
 * UC8179 emulator (the parts of hardware/epaper/simulated.ts) through a transport that timestamps
 * the SPI bytes. All in this process, one clock (performance.now).
 *
 * Each sample: a board with one row changed (a departure a minute later or back), sent, and waited
 * for until the module has shown it and the panel is asleep again, so every sample is measured alone.
 * - content received: the agent's module host hands the content to the departures module (its
 *   `onContent`). That is the earliest point the agent exposes; before it the agent's MQTT client
 *   read the packet, the agent checked topic, envelope and body schema (publish → module is
 *   reported too, and the raw baseline covers the transport).
 * - partial refresh issued: the refresh command 0x12 of the partial update on the SPI bus, after the
 *   driver woke the panel (power, reset, init), sent partial-in 0x91, the window 0x90 and the data
 *   0x13. From then the glass changes. At speed 1 the driver's waits before it add `waitsBeforeRefreshMs`
 *   of panel time (reset and the charge pump); here they are divided by `speed`.
 * The module's clock is fixed (14:03 local), so only the content changes what the glass shows (no
 * minute ticks in between); refreshMinIntervalS is 0 so the policy lets every change through — the
 * production default (30 s) defers changes by design and would measure the policy, not the path.
 * fullRefreshEvery keeps its default (10): every 11th change is a full refresh, counted apart.
 *
 * Raw baseline, defined: the same boards through the same `outgoing.content` and broker to a bare
 * mqtt.js client with the display's credentials and subscriptions that only JSON.parses each
 * payload: publish → decoded. `content_glass_ratio` = content_to_glass p99 ÷ raw p99 (info: the two
 * spans differ; it says how the agent's own path compares with one broker hop).
 */
import mqtt from 'mqtt';
import { Agent } from '../../device/agent.js';
import { departures } from '../../device/modules/departures/index.js';
import { renderScreen } from '../../device/render/index.js';
import { type EpaperPanel, type Frame1bpp, type PanelWindow, type RefreshReport } from '../../hardware/epaper/epaper.js';
import { EmulatedTransport, ScaledClock, VirtualClock, type PanelClock } from '../../hardware/epaper/fake-transport.js';
import type { EpaperTransport, Level, OutputLine } from '../../hardware/epaper/transport.js';
import { WaveshareEpaper } from '../../hardware/epaper/waveshare.js';
import { agentConfigFor } from '../../fleet/provision.js';
import { FleetService } from '../../fleet/service.js';
import { AgentConfig, type ArrivalBoard, type Logger, deviceSubscriptionQos, topic } from '../../protocols/index.js';
import { now, sleep, tempDir, until, within } from './util.js';

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface GlassBenchResult {
  speed: number;
  /** Partial samples measured (after the warm-up). */
  samples: number;
  warmup: number;
  /** content received (module onContent) → 0x12 of the partial refresh. */
  contentToGlass: Percentiles;
  /** content received → the driver's partial() called (plan, render, changed bands: software only). */
  contentToPartialCall: Percentiles;
  /** content received → the panel done and asleep again (at `speed`). */
  contentToDone: Percentiles;
  /** fleet's outgoing.content called → module onContent (broker hop, agent's decode and schema checks). */
  publishToModule: Percentiles;
  /** fleet's outgoing.content called → 0x12 of the partial refresh. */
  publishToGlass: Percentiles;
  /** Raw: outgoing.content called → bare subscriber has JSON.parsed it. */
  raw: Percentiles;
  ratio: number;
  /** Panel time between partial() and 0x12 at a real panel's pace (the driver's waits: reset, charge pump), SPI transfer time aside. */
  waitsBeforeRefreshMs: number;
  /** Full refreshes among the changes (fullRefreshEvery), and their content → 0x12. */
  fullRefreshes: Percentiles;
  /** Mean height of the first partial window of a change, px (one board row), and windows per change. */
  windowHeightPx: number;
  windowsPerChange: number;
  payloadBytes: number;
  problems: string[];
}

export function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1]! : NaN };
}

/** What the panel did for one content, in performance.now() ms. */
interface Stamps {
  partialCall?: number;
  refresh?: number;
  mode?: 'full' | 'partial';
  /** Panel clock (transport.now()) at partial() and at 0x12. */
  panelAtCall?: number;
  panelAtRefresh?: number;
  window?: PanelWindow;
  /** partial() calls (one per changed window). */
  windows: number;
}

/** The emulator's transport, passing everything through, writing down when the refresh command goes out. */
class StampingTransport implements EpaperTransport {
  readonly inner: EmulatedTransport;
  #dc: Level = 0;
  #partialMode = false;
  /** Where the current content's stamps go (null between samples). */
  current: Stamps | null = null;

  constructor(inner: EmulatedTransport) {
    this.inner = inner;
  }
  reopen(): this {
    this.inner.reopen();
    return this;
  }
  async write(line: OutputLine, level: Level): Promise<void> {
    if (line === 'dc') this.#dc = level;
    if (line === 'rst' && level === 0) this.#partialMode = false; // a reset leaves partial mode
    return this.inner.write(line, level);
  }
  busy(): Promise<Level> {
    return this.inner.busy();
  }
  async spiWrite(bytes: Uint8Array): Promise<void> {
    if (this.#dc === 0 && bytes.length === 1 && this.current) {
      if (bytes[0] === 0x91) this.#partialMode = true;
      if (bytes[0] === 0x12 && this.current.refresh === undefined) {
        this.current.refresh = now();
        this.current.panelAtRefresh = this.inner.now();
        this.current.mode = this.#partialMode ? 'partial' : 'full';
      }
    }
    return this.inner.spiWrite(bytes);
  }
  spiRead(count: number): Promise<Uint8Array> {
    return this.inner.spiRead(count);
  }
  sleep(ms: number): Promise<void> {
    return this.inner.sleep(ms);
  }
  now(): number {
    return this.inner.now();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The Waveshare driver on the stamping transport, writing down when partial() is called. */
class ObservedPanel implements EpaperPanel {
  readonly transport: StampingTransport;
  readonly driver: WaveshareEpaper;
  readonly width: number;
  readonly height: number;
  constructor(clock: PanelClock) {
    this.transport = new StampingTransport(new EmulatedTransport({ clock, temperatureC: 20 }));
    this.driver = new WaveshareEpaper({ open: () => this.transport.reopen() });
    this.width = this.driver.width;
    this.height = this.driver.height;
  }
  get glass(): Uint8Array {
    return this.transport.inner.emulator.glass;
  }
  init(): Promise<void> {
    return this.driver.init();
  }
  full(frame: Frame1bpp): Promise<RefreshReport> {
    return this.driver.full(frame);
  }
  partial(frame: Frame1bpp, window: PanelWindow): Promise<RefreshReport> {
    const c = this.transport.current;
    if (c) c.windows++;
    if (c && c.partialCall === undefined) {
      c.partialCall = now();
      c.panelAtCall = this.transport.now();
      c.window = window;
    }
    return this.driver.partial(frame, window);
  }
  clear(): Promise<RefreshReport> {
    return this.driver.clear();
  }
  sleep(): Promise<void> {
    return this.driver.sleep();
  }
  temperature(): Promise<number | null> {
    return this.driver.temperature();
  }
  close(): Promise<void> {
    return this.driver.close();
  }
}

/** 14:03 on a Tuesday, Europe/Ljubljana: the module's fixed clock. */
const AT = Date.parse('2026-03-03T14:03:00+01:00');
const ROWS = [
  { line: 'rumena', colour: '#f5c400', destination: 'Center', min: 5, realtime: true },
  { line: 'rdeča', destination: 'Konovo', min: 12, realtime: false },
  { line: 'modra', destination: 'Gorica', min: 19, realtime: true },
  { line: 'zelena', destination: 'Šalek', min: 26, realtime: true },
  { line: 'oranžna', destination: 'Podkraj', min: 33, realtime: false },
] as const;

/** The board of sample `i`: row `i % 5` a minute later than in sample i − 1, or back (rows stay 7 min apart, in order). */
function boardFor(i: number, shift: number[]): ArrivalBoard {
  const k = i % ROWS.length;
  if (i > 0) shift[k] = 1 - shift[k]!;
  return {
    stop: 'Avtobusno postajališče Velenje',
    // Unique per sample (how a receipt is matched to its send); while the link is up the screen does not show it.
    generatedAt: new Date(AT - 60_000 + i).toISOString(),
    departures: ROWS.map((r, k) => ({
      line: r.line,
      ...('colour' in r ? { colour: r.colour } : {}),
      destination: r.destination,
      departsAt: new Date(AT + (r.min + shift[k]!) * 60_000).toISOString(),
      realtime: r.realtime,
    })),
  };
}

/**
 * The panel time from partial() to its 0x12 at a real panel's pace: the same driver and emulator on
 * a virtual clock (sleeps and BUSY exactly as timed, no compute counted), after a first full refresh.
 */
async function wakeBeforeRefreshMs(): Promise<number> {
  const panel = new ObservedPanel(new VirtualClock());
  const frame = new Uint8Array((panel.width / 8) * panel.height);
  await panel.init();
  await panel.full(frame);
  const stamps: Stamps = { windows: 0 };
  panel.transport.current = stamps;
  frame.fill(0xff, 0, 100 * 26);
  await panel.partial(frame, { x: 0, y: 0, width: panel.width, height: 26 });
  await panel.close();
  return stamps.panelAtRefresh! - stamps.panelAtCall!;
}

export async function benchGlass(options: { samples?: number; warmup?: number; speed?: number; log: Logger }): Promise<GlassBenchResult> {
  const partialsWanted = options.samples ?? 220;
  const warmup = options.warmup ?? 20;
  const speed = options.speed ?? 200;
  const problems: string[] = [];
  const fleet = new FleetService({ dataDir: tempDir('glass-fleet'), httpHost: '127.0.0.1', httpPort: 0, mqttHost: '127.0.0.1', mqttPort: 0, log: options.log, engines: [] });
  await fleet.start();
  const id = 'glass-d1';
  const contentTopic = topic.content(id);
  const { secret } = fleet.registry.provision({ id, role: 'stop-display', site: 'bench' });
  const base = agentConfigFor({ deviceId: id, role: 'stop-display', site: 'bench', secret, mqttUrl: fleet.mqttUrl, dataDir: tempDir(id) });
  const config = AgentConfig.parse({ ...base, settings: { logLevel: 'warn', modules: { departures: { refreshMinIntervalS: 0, tickS: 60 } } } });
  const send = (board: ArrivalBoard) => {
    const t = now();
    if (!fleet.outgoing.content(id, 'arrival-board', board)) throw new Error('the fleet refused the board');
    return t;
  };
  const payloadBytes = JSON.stringify({ v: 1, ts: Date.now(), kind: 'arrival-board', body: boardFor(0, [0, 0, 0, 0, 0]) }).length;

  // Raw baseline first (the agent not yet connected): the display's account, another client id.
  const raw: number[] = [];
  const rawClient = await mqtt.connectAsync(fleet.mqttUrl, { clientId: `${id}.raw`, username: id, password: secret, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  try {
    (rawClient.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const got = new Map<string, number>();
    rawClient.on('message', (t, payload, packet) => {
      if (t !== contentTopic || packet.retain) return;
      const at = now();
      const m = JSON.parse(payload.toString()) as { body?: { generatedAt?: string } };
      if (m.body?.generatedAt) got.set(m.body.generatedAt, at);
    });
    await rawClient.subscribeAsync(deviceSubscriptionQos(id));
    const shift = [0, 0, 0, 0, 0];
    for (let i = 0; i < warmup + partialsWanted; i++) {
      const board = boardFor(i, shift);
      const sent = send(board);
      await until('the raw subscriber', () => got.has(board.generatedAt), 5000, 0);
      if (i >= warmup) raw.push(got.get(board.generatedAt)! - sent);
      await sleep(1); // as between the display's samples
    }
  } finally {
    await rawClient.endAsync(true);
  }

  // The display.
  const panel = new ObservedPanel(new ScaledClock(speed));
  const module = departures({ now: () => AT });
  const received = new Map<string, number>();
  let handled: { key: string; done: () => void } | null = null;
  const observed: typeof module = {
    ...module,
    async onContent(...args) {
      const key = args[0] === 'arrival-board' ? args[1].generatedAt : '';
      received.set(key, now());
      await module.onContent!(...args);
      if (handled?.key === key) handled.done();
    },
  };
  const agent = new Agent({ config, log: options.log, modules: [observed], drivers: { epaper: panel } });
  const samples: { publish: number; received: number; stamps: Stamps; done: number }[] = [];
  try {
    await agent.start();
    await until('the agent online', () => agent.link.fleetOnline, 10_000);
    const display = () => agent.state().modules?.departures?.display;
    await until('the first screen', () => (display()?.full ?? 0) >= 1, 10_000);
    const shift = [0, 0, 0, 0, 0];
    let partials = 0;
    for (let i = 0; partials < warmup + partialsWanted; i++) {
      const board = boardFor(i, shift);
      const stamps: Stamps = { windows: 0 };
      panel.transport.current = stamps;
      const shown = new Promise<void>((resolve) => (handled = { key: board.generatedAt, done: resolve }));
      const publish = send(board);
      await within(`sample ${i} shown`, shown, 10_000);
      const done = now();
      panel.transport.current = null;
      handled = null;
      if (i === 0) continue; // the first board replaces the no-data screen: a full refresh
      if (stamps.refresh === undefined) {
        problems.push(`sample ${i}: the change reached no refresh`);
        continue;
      }
      if (stamps.mode === 'partial') partials++;
      if (partials > warmup || stamps.mode === 'full') samples.push({ publish, received: received.get(board.generatedAt)!, stamps, done });
      await sleep(1); // the frame's publish and the broker's PUBACKs settle outside the next sample
    }
    const plan = module.plan();
    if (!plan || Buffer.compare(Buffer.from(panel.glass), Buffer.from(renderScreen(plan.screen))) !== 0) problems.push('the glass is not the last planned screen');
  } finally {
    await agent.stop();
    await fleet.stop();
  }

  const partial = samples.filter((s) => s.stamps.mode === 'partial');
  const full = samples.filter((s) => s.stamps.mode === 'full');
  const glass = percentiles(partial.map((s) => s.stamps.refresh! - s.received));
  const rawP = percentiles(raw);
  const heights = partial.map((s) => s.stamps.window?.height ?? 0);
  return {
    speed,
    samples: partial.length,
    warmup,
    contentToGlass: glass,
    contentToPartialCall: percentiles(partial.map((s) => s.stamps.partialCall! - s.received)),
    contentToDone: percentiles(partial.map((s) => s.done - s.received)),
    publishToModule: percentiles(partial.map((s) => s.received - s.publish)),
    publishToGlass: percentiles(partial.map((s) => s.stamps.refresh! - s.publish)),
    raw: rawP,
    ratio: glass.p99 / rawP.p99,
    waitsBeforeRefreshMs: await wakeBeforeRefreshMs(),
    fullRefreshes: percentiles(full.map((s) => s.stamps.refresh! - s.received)),
    windowHeightPx: heights.reduce((a, b) => a + b, 0) / Math.max(1, heights.length),
    windowsPerChange: partial.reduce((a, s) => a + s.stamps.windows, 0) / Math.max(1, partial.length),
    payloadBytes,
    problems,
  };
}
