/**
 * The fleet's connection to its own embedded broker, in this process: the same subscriptions and
 * publications as FleetLink (link.ts), made on the broker's emitter instead of over a loopback
 * socket. Every message then crosses one MQTT hop (device ⇄ broker) instead of two, with no
 * encoding, parsing or socket write on the fleet's side of the broker.
 *
 * The fleet's presence is the same retained `tabla/v1/_fleet/state`: `online` on connect,
 * `offline` on close. No last will is needed: if this process dies, the broker dies with it and
 * every device sees its connection drop.
 */
import type { Clock, Logger } from '../protocols/index.js';
import { FleetState, encode, fleetSubscriptionQos, topic } from '../protocols/index.js';
import type { EmbeddedBroker, LocalAttachment } from './broker.js';
import type { FleetConnection } from './link.js';
import type { RawPublish } from './outgoing.js';

export interface LocalFleetLinkOptions {
  broker: EmbeddedBroker;
  startedAt: number;
  clock: Clock;
  log: Logger;
  /** Every message on a subscribed topic; must not throw (the caller wraps its handlers). */
  onMessage(topicName: string, payload: Buffer): void;
}

export class LocalFleetLink implements FleetConnection {
  readonly #o: LocalFleetLinkOptions;
  #attachment: LocalAttachment | null = null;

  constructor(options: LocalFleetLinkOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#attachment !== null;
  }

  readonly publish: RawPublish = (t, payload, options) => {
    this.#attachment?.publish(t, payload, options, (err) => {
      if (err) this.#o.log.warn('publish failed', { topic: t, error: err.message });
    });
  };

  async connect(): Promise<void> {
    const o = this.#o;
    this.#attachment = await o.broker.attachLocal(Object.keys(fleetSubscriptionQos()), o.onMessage);
    o.log.info('attached to the embedded broker in this process');
    await this.#state('online');
  }

  async close(): Promise<void> {
    const attachment = this.#attachment;
    if (!attachment) return;
    await this.#state('offline');
    this.#attachment = null;
    await attachment.detach();
  }

  #state(status: 'online' | 'offline'): Promise<void> {
    const o = this.#o;
    const body = status === 'online' ? { v: 1, ts: o.clock.now(), status, startedAt: o.startedAt } : { v: 1, ts: o.clock.now(), status };
    return new Promise((resolve) =>
      this.#attachment!.publish(topic.fleetState(), encode(FleetState, body as FleetState), { qos: 1, retain: true }, (err) => {
        if (err) o.log.warn('fleet state not published', { error: err.message });
        resolve();
      }),
    );
  }
}
