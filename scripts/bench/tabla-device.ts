/**
 * Devices of the load children (load.ts) that speak Tabla's contract, each on the agent's own Link
 * (device/link.ts: same client options, credentials, will, subscriptions, fleet-presence gate),
 * without the outbox:
 * - TablaDevice: a birth, then one-record TelemetryBatch payloads on tabla/v1/{id}/t/gps through
 *   the session's publish (QoS 1, as the agent's drainer), at most `window` records not yet
 *   covered by the fleet's `ack` (the agent's drain window). Its records come from a RecordSource.
 * - DisplayDevice: a stop display that announces itself and counts the `content` it is sent.
 */
import { Link, type LinkSession } from '../../device/link.js';
import type { AgentConfig } from '../../protocols/index.js';
import { Birth, createLogger, encode, encodeTelemetryBatch, topic } from '../../protocols/index.js';
import { gpsFix } from './payload.js';
import { within } from './util.js';

/** The record a device sends as its `seq`-th: its timestamp and its data as JSON text. */
export type RecordSource = (seq: number) => { ts: number; data: string };

/** The ingest bench's record: the same ~100-byte fix moving a little each time (not a valid GpsRecord). */
export const benchRecord: RecordSource = (seq) => ({ ts: Date.now(), data: JSON.stringify(gpsFix(seq)) });

function linkFor(config: AgentConfig, handlers: { onSession(s: LinkSession): void; onFleet(online: boolean): void; onMessage(t: string, p: Buffer): void; onDown(): void }): Link {
  const log = createLogger(config.deviceId, { level: 'error', sink: () => {} });
  let epoch = 0;
  return new Link(config, () => ++epoch, handlers, log);
}

function birth(config: AgentConfig, session: LinkSession): string {
  const b: Birth = {
    v: 1,
    epoch: session.epoch,
    ts: Date.now(),
    role: config.role,
    versions: { agent: 'bench', node: process.version },
    heartbeatS: 30,
    configVersion: 0,
  };
  return encode(Birth, b);
}

export class TablaDevice {
  #epoch = 0;
  #session: LinkSession | null = null;
  #nextSeq = 1;
  #hwm = 0;
  #target = 0;
  #done: (() => void) | null = null;
  #ready: () => void = () => {};
  readonly ready = new Promise<void>((r) => (this.#ready = r));
  readonly link: Link;
  acks = 0;
  publishErrors = 0;

  constructor(
    readonly config: AgentConfig,
    readonly window: number,
    readonly record: RecordSource = benchRecord,
  ) {
    const id = config.deviceId;
    this.link = linkFor(config, {
      onSession: (session) => {
        this.#session = session;
        this.#epoch = session.epoch;
        void session.publish(topic.birth(id), birth(config, session));
      },
      onFleet: (online) => {
        if (online) this.#ready();
      },
      onMessage: (t, payload) => {
        if (t !== topic.ack(id)) return;
        const ack = JSON.parse(payload.toString('utf8')) as { streams: Record<string, number> };
        this.acks++;
        const hwm = ack.streams.gps;
        if (hwm !== undefined && hwm > this.#hwm) this.#hwm = hwm;
        this.#pump();
      },
      onDown: () => {
        this.#session = null;
      },
    });
  }

  start(): Promise<void> {
    this.link.start();
    return within(`${this.config.deviceId} connected and fleet online`, this.ready, 30_000);
  }

  /** Sends `count` more records; resolves when the fleet has acked them all. */
  run(count: number): Promise<void> {
    this.#target = this.#nextSeq - 1 + count;
    return this.settled();
  }

  /** Queues `count` more records, sent as the window allows; does not wait. */
  more(count: number): void {
    this.#target = Math.max(this.#target, this.#nextSeq - 1) + count;
    this.#pump();
  }

  /** Resolves when the fleet has acked every record queued so far. */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.#done = resolve;
      this.#pump();
    });
  }

  /** Records queued or sent that the fleet has not acked yet. */
  get unacked(): number {
    return Math.max(this.#target, this.#nextSeq - 1) - this.#hwm;
  }

  #pump(): void {
    const session = this.#session;
    if (!session) return;
    // One record per message, as the agent's drainer sends when records trickle in one at a time,
    // through the session's publish (QoS 1), as the agent does.
    while (this.#nextSeq - 1 - this.#hwm < this.window && this.#nextSeq <= this.#target) {
      const seq = this.#nextSeq++;
      const { ts, data } = this.record(seq);
      const payload = encodeTelemetryBatch(this.#epoch, this.#hwm + 1, [{ seq, ts, data }]);
      session.publish(topic.telemetry(this.config.deviceId, 'gps'), payload).catch(() => this.publishErrors++);
    }
    if (this.#hwm >= this.#target && this.#done) {
      const d = this.#done;
      this.#done = null;
      d();
    }
  }
}

/** A stop display: its Link subscribes to its downward topics; it counts the `content` it gets. */
export class DisplayDevice {
  #ready: () => void = () => {};
  readonly ready = new Promise<void>((r) => (this.#ready = r));
  readonly link: Link;
  contents = 0;

  constructor(readonly config: AgentConfig) {
    const id = config.deviceId;
    this.link = linkFor(config, {
      onSession: (session) => void session.publish(topic.birth(id), birth(config, session)),
      onFleet: (online) => {
        if (online) this.#ready();
      },
      onMessage: (t) => {
        if (t === topic.content(id)) this.contents++;
      },
      onDown: () => {},
    });
  }

  start(): Promise<void> {
    this.link.start();
    return within(`${this.config.deviceId} connected and fleet online`, this.ready, 30_000);
  }
}
