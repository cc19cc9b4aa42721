/**
 * Everything the fleet publishes to devices, in one place: acks, commands, desired configs,
 * epoch floors and content. Nothing here throws to its caller: a message that cannot be encoded
 * is logged and counted (and a command that cannot be sent ends `failed`, so it never blocks the
 * ones queued after it).
 */
import type { Ack, Clock, ContentBody, ContentKind, Logger } from '../protocols/index.js';
import { CONTENT_RETAINED, Content, Session, decodeContent, encode, topic } from '../protocols/index.js';
import type { CommandBook, CommandRecord } from './commands.js';
import type { DeviceConfigs } from './device-config.js';
import type { Metrics } from './metrics.js';

/** Hands a message to the broker connection (fleet/link.ts); a no-op while there is none. */
export type RawPublish = (t: string, payload: string, options: { qos: 0 | 1; retain: boolean }) => void;

export class Outgoing {
  readonly #raw: RawPublish;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #commands: CommandBook;
  readonly #configs: DeviceConfigs;

  constructor(options: { publish: RawPublish; metrics: Metrics; log: Logger; clock: Clock; commands: CommandBook; configs: DeviceConfigs }) {
    this.#raw = options.publish;
    this.#metrics = options.metrics;
    this.#log = options.log;
    this.#clock = options.clock;
    this.#commands = options.commands;
    this.#configs = options.configs;
    const m = options.metrics;
    m.define('tabla_messages_out_total', 'counter', 'Messages the fleet published, by kind.');
    m.define('tabla_publish_errors_total', 'counter', 'Messages the fleet could not encode (never sent), by kind.');
  }

  /** Acks are ours and simple: built without a schema pass (the device still validates them). */
  ack(deviceId: string, streams: Record<string, number>, outbox?: string): void {
    const ack: Ack = { v: 1, ts: this.#clock.now(), streams, ...(outbox ? { outbox } : {}) };
    this.#send('ack', topic.ack(deviceId), JSON.stringify(ack), false, 0);
  }

  /** A command that cannot be encoded (too big, or a row an older version stored) ends `failed`. */
  command(c: CommandRecord): void {
    let payload: string;
    try {
      payload = this.#commands.payload(c);
    } catch (err) {
      const reason = (err as Error).message;
      this.#metrics.inc('tabla_publish_errors_total', { kind: 'cmd' });
      this.#log.error('command cannot be sent', { device: c.deviceId, cmdId: c.cmdId, verb: c.verb, error: reason });
      this.#commands.fail(c.cmdId, `cannot be sent: ${reason}`);
      return;
    }
    this.#send('cmd', topic.cmd(c.deviceId, c.verb), payload);
  }

  /** Desired settings, retained; one that cannot be encoded is logged and counted and stays unsent. */
  desired(deviceId: string, version: number, settings: Record<string, unknown>): void {
    this.#encoded('cfg', topic.cfgDesired(deviceId), () => this.#configs.payload(version, settings), true, { device: deviceId, version });
  }

  /** The newest session epoch seen of a device that announced an older one (a new SD card). */
  epochFloor(deviceId: string, refusedEpoch: number, epochFloor: number): void {
    this.#encoded('session', topic.session(deviceId), () => encode(Session, { v: 1, ts: this.#clock.now(), refusedEpoch, epochFloor }), false, {
      device: deviceId,
    });
  }

  /**
   * What a device should show, checked against its kind's schema (protocols/content). Retained for
   * the kinds CONTENT_RETAINED says: a display that reconnects (or restarts with an empty store)
   * gets the latest at once; the others are re-sent by their engine on the device's birth.
   */
  content<K extends ContentKind>(deviceId: string, kind: K, body: ContentBody<K>): boolean {
    return this.#encoded(
      'content',
      topic.content(deviceId),
      () => {
        const checked = decodeContent(kind, body);
        if (!checked.ok) throw new Error(`${kind}: ${checked.reason}`);
        return encode(Content, { v: 1, ts: this.#clock.now(), kind, body: checked.value });
      },
      CONTENT_RETAINED[kind],
      { device: deviceId, kind },
    );
  }

  #encoded(kind: string, t: string, build: () => string, retain: boolean, context: Record<string, unknown>): boolean {
    let payload: string;
    try {
      payload = build();
    } catch (err) {
      this.#metrics.inc('tabla_publish_errors_total', { kind });
      this.#log.error(`${kind} cannot be sent`, { ...context, error: (err as Error).message });
      return false;
    }
    this.#send(kind, t, payload, retain);
    return true;
  }

  #send(kind: string, t: string, payload: string, retain = false, qos: 0 | 1 = 1): void {
    this.#metrics.inc('tabla_messages_out_total', { kind });
    this.#raw(t, payload, { qos, retain });
  }
}
