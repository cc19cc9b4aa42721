/**
 * The Alpha sign driver: keeps what the sign should show (layout, row texts, brightness) and what
 * it is known to hold, and reconciles the two one step at a time (plan.ts), one exchange on the
 * line at a time. Every write is confirmed:
 *
 * - by the sign's ACK (a NAK is a refusal) when it answers ACK/NAK, or
 * - by reading the file back (B TEXT, F `$` memory configuration, H STRING) when it does not:
 *   many signs ship with the handshake off and silently drop what they cannot take. With
 *   `handshake: 'auto'` the driver waits for an ACK, reads back when none comes, and once a read-back
 *   confirms a write that got no ACK it stops waiting for ACKs (until one arrives).
 *
 * (How one step is sent and confirmed is confirm.ts's.)
 *
 * A NAK, a read-back that differs or a write that gets no answer makes the driver read the sign's
 * memory configuration: a sign that rebooted has lost it (and refuses writes to its files), so it is
 * configured again and every file rewritten. The same check runs every `checkIntervalMs` and after
 * the port comes back (the sign may have lost power while the cable was out). A step is tried
 * `retries` more times (waits doubling from `retryDelayMs`) before the pass fails with a SignFault;
 * the driver then tries again with backoff, for as long as it runs.
 */
import { ADDRESS_BROADCAST, addressOf, brightnessLevel, checkLabel, MAX_STRING_SIZE, sameMemoryConfig, transliterate } from '../../protocols/alpha/index.js';
import type { Logger } from '../../protocols/index.js';
import { confirmStep, describeStep, readMemoryConfig, type Outcome } from './confirm.js';
import { SignExchange } from './exchange.js';
import { SignLink, type SignPortLike, type SerialSettings } from './link.js';
import { planSteps, type DesiredSign, type KnownSign, type SignStep } from './plan.js';
import { renderSign, type SignPicture } from './render.js';
import { SignFault, type GuidanceSign, type SignCounts, type SignFaultKind, type SignHealth, type SignLayout } from './sign.js';

export interface AlphaSignOptions {
  /** The serial device: `/dev/ttyUSB0` (an RS-485 adapter), or one end of a pty in tests. */
  path: string;
  baudRate?: number;
  dataBits?: 7 | 8;
  parity?: 'even' | 'odd' | 'none';
  stopBits?: 1 | 2;
  /** The sign's serial address, 1–255 (default 1). */
  address?: number;
  /** Type code of the packets (default `Z`: every sign type). */
  typeCode?: string;
  /** The TEXT file holding the layout (default `A`). */
  textLabel?: string;
  handshake?: 'auto' | 'ack' | 'readback';
  ackTimeoutMs?: number;
  responseTimeoutMs?: number;
  retries?: number;
  /** First wait before a step is sent again, ms (200); it doubles. */
  retryDelayMs?: number;
  checkIntervalMs?: number;
  /** First wait before a failed pass is tried again, ms (1000), doubling up to `passBackoffMaxMs` (30 000). */
  passBackoffMinMs?: number;
  passBackoffMaxMs?: number;
  /** The sign's face, for picture(): characters a line and lines. */
  columns?: number;
  lines?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Makes the port (closed); node-serialport's unless a test or the simulation gives another. */
  openPort?: (settings: SerialSettings) => SignPortLike;
  log?: Logger;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class AlphaSign implements GuidanceSign {
  readonly #o: Required<Omit<AlphaSignOptions, 'openPort' | 'log'>>;
  readonly #log: Logger | undefined;
  readonly #link: SignLink;
  readonly #address: string;
  #desired: DesiredSign & { strings: Map<string, string> } = { layout: null, strings: new Map(), brightness: null };
  #known: KnownSign = { memory: null, layout: false, strings: new Map(), brightness: null };
  readonly #exchange: SignExchange;
  #running = false;
  #pass: Promise<void> | null = null;
  #again = false;
  #needProbe = true;
  #tickets: { resolve(): void; reject(err: Error): void }[] = [];
  #passTimer: NodeJS.Timeout | null = null;
  #checkTimer: NodeJS.Timeout | null = null;
  #passBackoffMs: number;
  readonly #faults = new Set<SignFaultKind>();
  #responding = false;
  #lastError: string | null = null;
  #lastOkAt: string | null = null;
  readonly #counts = { retries: 0, readBacks: 0, reboots: 0, transliterated: 0, unknownChars: 0, truncated: 0 };

  constructor(options: AlphaSignOptions) {
    this.#o = {
      path: options.path,
      baudRate: options.baudRate ?? 9600,
      dataBits: options.dataBits ?? 7,
      parity: options.parity ?? 'even',
      stopBits: options.stopBits ?? 1,
      address: options.address ?? 1,
      typeCode: options.typeCode ?? 'Z',
      textLabel: options.textLabel ?? 'A',
      handshake: options.handshake ?? 'auto',
      ackTimeoutMs: options.ackTimeoutMs ?? 1500,
      responseTimeoutMs: options.responseTimeoutMs ?? 2000,
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 200,
      checkIntervalMs: options.checkIntervalMs ?? 60_000,
      passBackoffMinMs: options.passBackoffMinMs ?? 1000,
      passBackoffMaxMs: options.passBackoffMaxMs ?? 30_000,
      columns: options.columns ?? 16,
      lines: options.lines ?? 2,
      reconnectMinMs: options.reconnectMinMs ?? 1000,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
    };
    this.#log = options.log;
    this.#address = addressOf(this.#o.address);
    if (this.#address === ADDRESS_BROADCAST) throw new RangeError('alpha sign: address 0 is broadcast, which no sign answers: give the sign its own address');
    checkLabel(this.#o.textLabel);
    this.#passBackoffMs = this.#o.passBackoffMinMs;
    this.#link = new SignLink(
      { ...this.#o, ...(options.log ? { log: options.log } : {}), ...(options.openPort ? { openPort: options.openPort } : {}) },
      {
        event: (e) => this.#exchange.event(e),
        connected: () => {
          this.#faults.delete('disconnected');
          this.#needProbe = true;
          this.#kick();
        },
        disconnected: (why) => {
          this.#faults.add('disconnected');
          this.#responding = false;
          this.#lastError = `port lost: ${why}`;
          this.#exchange.abandon();
        },
      },
    );
    this.#exchange = new SignExchange(this.#link, {
      typeCode: this.#o.typeCode,
      address: this.#address,
      handshake: this.#o.handshake,
      ackTimeoutMs: this.#o.ackTimeoutMs,
      responseTimeoutMs: this.#o.responseTimeoutMs,
      log: this.#log,
    });
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#link.start();
    if (!this.#link.connected) this.#faults.add('disconnected');
    this.#scheduleCheck();
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const t of [this.#passTimer, this.#checkTimer]) if (t) clearTimeout(t);
    this.#passTimer = this.#checkTimer = null;
    this.#exchange.abandon();
    await this.#pass?.catch(() => {});
    await this.#link.stop();
    this.#settle(new SignFault('state', 'the sign driver was stopped'));
  }

  configure(layout: SignLayout): Promise<void> {
    try {
      this.#checkLayout(layout);
    } catch (err) {
      return Promise.reject(err);
    }
    const same = JSON.stringify(layout) === JSON.stringify(this.#desired.layout);
    this.#desired.layout = layout.map((r) => ({ fileLabel: r.fileLabel, width: r.width }));
    if (!same) this.#desired.strings = new Map();
    return this.#ticket();
  }

  writeString(label: string, text: string): Promise<void> {
    const row = this.#desired.layout?.find((r) => r.fileLabel === label);
    if (!this.#desired.layout) return Promise.reject(new SignFault('state', 'configure() the layout before writing a row'));
    if (!row) return Promise.reject(new SignFault('input', `no row of the layout has STRING file ${JSON.stringify(label)}`));
    const t = transliterate(text);
    this.#counts.transliterated += t.replaced;
    this.#counts.unknownChars += t.unknown;
    let wire = t.text;
    if (wire.length > row.width) {
      this.#counts.truncated++;
      this.#log?.warn('sign row text cut to its width', { label, width: row.width, text: wire });
      wire = wire.slice(0, row.width);
    }
    this.#desired.strings.set(label, wire);
    return this.#ticket();
  }

  setBrightness(percent: number): Promise<void> {
    try {
      this.#desired.brightness = brightnessLevel(percent);
    } catch (err) {
      return Promise.reject(new SignFault('input', message(err)));
    }
    return this.#ticket();
  }

  health(): SignHealth {
    const parser = this.#link.parserStats();
    const counts: SignCounts = { ...this.#exchange.counts, ...this.#counts, disconnects: this.#link.disconnects, noiseBytes: parser.noiseBytes, rejected: { ...parser.rejected } as Record<string, number> };
    const configured = this.#desired.layout !== null && this.#known.memory !== null && this.#known.layout;
    return {
      connected: this.#link.connected,
      responding: this.#responding,
      acks: this.#exchange.acks,
      configured,
      inSync: this.#link.connected && planSteps(this.#desired, this.#known, this.#o.textLabel).length === 0,
      faults: [...this.#faults],
      lastError: this.#lastError,
      lastOkAt: this.#lastOkAt,
      counts,
    };
  }

  picture(): SignPicture {
    const layout = this.#desired.layout;
    const shown = layout && this.#known.memory && this.#known.layout ? layout.map((r) => this.#known.strings.get(r.fileLabel) ?? '') : [];
    return renderSign(shown, this.#o.columns, this.#o.lines);
  }

  #checkLayout(layout: SignLayout): void {
    if (!Array.isArray(layout) || layout.length === 0) throw new SignFault('input', 'a layout needs at least one row');
    const labels = new Set<string>();
    for (const row of layout) {
      try {
        checkLabel(row.fileLabel);
      } catch (err) {
        throw new SignFault('input', message(err));
      }
      if (row.fileLabel === this.#o.textLabel) throw new SignFault('input', `row label ${JSON.stringify(row.fileLabel)} is the layout's own TEXT file`);
      if (labels.has(row.fileLabel)) throw new SignFault('input', `row label ${JSON.stringify(row.fileLabel)} twice`);
      labels.add(row.fileLabel);
      if (!Number.isInteger(row.width) || row.width < 1 || row.width > MAX_STRING_SIZE) throw new SignFault('input', `row ${row.fileLabel}: width ${row.width} is not 1–${MAX_STRING_SIZE}`);
    }
  }

  /** A promise settled by the end of the next pass (which includes every wish made before it ends). */
  #ticket(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => this.#tickets.push({ resolve, reject }));
    if (!this.#running) {
      this.#settle(new SignFault('state', 'the sign driver is not started'));
      return p;
    }
    this.#kick();
    return p;
  }

  #settle(err: Error | null): void {
    const tickets = this.#tickets;
    this.#tickets = [];
    for (const t of tickets) err ? t.reject(err) : t.resolve();
  }

  #kick(): void {
    if (!this.#running) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    if (this.#passTimer) clearTimeout(this.#passTimer);
    this.#passTimer = null;
    this.#pass = (async () => {
      do {
        this.#again = false;
        try {
          await this.#runPass();
          this.#passOk();
        } catch (err) {
          this.#passFailed(err);
          return;
        }
      } while (this.#again && this.#running);
    })().finally(() => {
      this.#pass = null;
      // A wish made after the pass's last look (its ticket settled with this pass's end) gets a pass of its own.
      if (this.#again && this.#tickets.length > 0) this.#kick();
    });
  }

  async #runPass(): Promise<void> {
    let attempt = 0;
    for (;;) {
      if (!this.#running) throw new SignFault('state', 'the sign driver was stopped');
      if (!this.#link.connected) throw new SignFault('disconnected', `the sign port ${this.#o.path} is not open`);
      let outcome: Outcome;
      let what: string;
      if (this.#needProbe && this.#known.memory) {
        what = 'reading the memory configuration';
        outcome = await this.#probe();
        if (outcome === 'ok') this.#needProbe = false;
      } else {
        this.#needProbe = false;
        const step = planSteps(this.#desired, this.#known, this.#o.textLabel)[0];
        if (!step) return;
        what = describeStep(step);
        outcome = await confirmStep(this.#exchange, step, () => this.#counts.readBacks++);
        if (outcome === 'ok') this.#applied(step);
        else if (step.kind !== 'memory') this.#needProbe = true; // refused or lost: has the sign lost its configuration?
      }
      if (outcome === 'ok') {
        attempt = 0;
        this.#responding = true;
        this.#lastOkAt = new Date().toISOString();
        continue;
      }
      if (outcome === 'timeout') this.#responding = false;
      attempt++;
      if (attempt > this.#o.retries) {
        throw new SignFault(outcome === 'nak' ? 'nak' : 'no-response', `${what}: ${outcome === 'nak' ? 'refused (NAK)' : outcome === 'mismatch' ? 'read back different' : 'no answer'} after ${attempt} tries`);
      }
      this.#counts.retries++;
      this.#log?.debug('sign step again', { what, outcome, attempt });
      await sleep(this.#o.retryDelayMs * 2 ** (attempt - 1));
    }
  }

  #passOk(): void {
    for (const f of ['no-response', 'nak', 'disconnected'] as const) this.#faults.delete(f);
    this.#lastError = null;
    this.#passBackoffMs = this.#o.passBackoffMinMs;
    this.#settle(null);
  }

  #passFailed(err: unknown): void {
    const fault = err instanceof SignFault ? err : new SignFault('no-response', message(err), { cause: err });
    this.#faults.add(fault.kind);
    this.#lastError = fault.message;
    this.#settle(fault);
    if (!this.#running || fault.kind === 'state' || fault.kind === 'disconnected') return; // a reconnect starts the next pass
    this.#log?.warn('sign not updated: trying again', { error: fault.message, retryInMs: this.#passBackoffMs });
    const wait = this.#passBackoffMs;
    this.#passBackoffMs = Math.min(this.#passBackoffMs * 2, this.#o.passBackoffMaxMs);
    this.#passTimer = setTimeout(() => {
      this.#passTimer = null;
      this.#kick();
    }, wait);
  }

  #scheduleCheck(): void {
    if (!this.#running) return;
    this.#checkTimer = setTimeout(() => {
      this.#checkTimer = null;
      if (this.#known.memory && !this.#pass) {
        this.#needProbe = true;
        this.#kick();
      }
      this.#scheduleCheck();
    }, this.#o.checkIntervalMs);
  }

  /** Reads the memory configuration; a sign that no longer holds ours rebooted: everything is to be written again. */
  async #probe(): Promise<Outcome> {
    const parsed = await readMemoryConfig(this.#exchange);
    if (parsed === 'timeout' || parsed === 'nak') return parsed;
    if ('files' in parsed && this.#known.memory && sameMemoryConfig(parsed.files, this.#known.memory)) return 'ok';
    this.#counts.reboots++;
    this.#faults.add('config-lost');
    this.#log?.warn('the sign has lost its memory configuration (rebooted?): configuring it again', { heard: 'files' in parsed ? parsed.files.length : parsed.error });
    this.#known = { memory: null, layout: false, strings: new Map(), brightness: null };
    return 'ok';
  }

  #applied(step: SignStep): void {
    switch (step.kind) {
      case 'memory':
        this.#known = { memory: step.files, layout: false, strings: new Map(step.files.filter((f) => f.type === 'string').map((f) => [f.label, ''])), brightness: this.#known.brightness };
        this.#faults.delete('config-lost');
        return;
      case 'layout':
        this.#known.layout = true;
        return;
      case 'string':
        this.#known.strings.set(step.label, step.text);
        return;
      case 'brightness':
        this.#known.brightness = step.level;
        return;
    }
  }
}
