/**
 * The fleet's own MQTT connection: a client of the broker like any device (over loopback for the
 * embedded one), subscribed to every device's upward topics, with its presence retained on
 * `tabla/v1/_fleet/state` and a last will saying `offline`.
 *
 * Telemetry at QoS 0 between broker and fleet: delivery is made certain end to end (the device
 * keeps every row until the fleet's `ack` after its commit, and resends), so a broker-level PUBACK
 * per record would buy nothing and cost a round of bookkeeping per message. The rest at QoS 1.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock, Logger } from '../protocols/index.js';
import { FLEET_USERNAME, FleetState, encode, fleetSubscriptionQos, topic } from '../protocols/index.js';
import type { RawPublish } from './outgoing.js';

export interface FleetLinkOptions {
  url: string;
  password: string;
  startedAt: number;
  clock: Clock;
  log: Logger;
  /** Every message on a subscribed topic; must not throw (the caller wraps its handlers). */
  onMessage(topicName: string, payload: Buffer): void;
}

/** What the service needs of its broker connection: over MQTT (FleetLink) or in this process (LocalFleetLink). */
export interface FleetConnection {
  readonly connected: boolean;
  readonly publish: RawPublish;
  connect(): Promise<void>;
  close(): Promise<void>;
}

export class FleetLink implements FleetConnection {
  readonly #o: FleetLinkOptions;
  #client: MqttClient | null = null;

  constructor(options: FleetLinkOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  /** The publish function for Outgoing: a no-op while there is no connection object. */
  readonly publish: RawPublish = (t, payload, options) => {
    this.#client?.publish(t, payload, options, (err) => {
      if (err) this.#o.log.warn('publish failed', { topic: t, error: err.message });
    });
  };

  /** Connects (resolves on the first CONNACK, rejects on the first error) and keeps reconnecting after. */
  async connect(): Promise<void> {
    const o = this.#o;
    const url = new URL(o.url);
    const username = decodeURIComponent(url.username) || FLEET_USERNAME;
    const password = decodeURIComponent(url.password) || o.password;
    url.username = url.password = '';
    const offline = () => encode(FleetState, { v: 1, ts: o.clock.now(), status: 'offline' });
    const client = mqtt.connect(url.toString(), {
      clientId: FLEET_USERNAME,
      username,
      password,
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 2000,
      will: { topic: topic.fleetState(), payload: Buffer.from(offline()), qos: 1, retain: true },
    });
    this.#client = client;
    client.on('message', (t, payload) => o.onMessage(t, payload));
    client.on('error', (err) => o.log.warn('mqtt error', { error: err.message }));
    client.on('close', () => o.log.debug('mqtt connection closed'));
    client.on('connect', () => {
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      o.log.info('connected to broker', { url: url.toString() });
      client.subscribe(fleetSubscriptionQos(), (err) => {
        if (err) return o.log.error('subscribe failed', { error: err.message });
        const online = encode(FleetState, { v: 1, ts: o.clock.now(), status: 'online', startedAt: o.startedAt });
        client.publishAsync(topic.fleetState(), online, { qos: 1, retain: true }).catch((e: Error) => o.log.warn('fleet state not published', { error: e.message }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error) => {
        client.off('connect', onOk);
        void client.endAsync(true);
        reject(new Error(`cannot connect to the broker at ${url.toString()}: ${err.message}`));
      };
      const onOk = () => {
        client.off('error', onErr);
        resolve();
      };
      client.once('connect', onOk);
      client.once('error', onErr);
    });
  }

  /** Says `offline` (retained) and disconnects. */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (!client) return;
    if (client.connected) {
      await client
        .publishAsync(topic.fleetState(), encode(FleetState, { v: 1, ts: this.#o.clock.now(), status: 'offline' }), { qos: 1, retain: true })
        .catch(() => {});
    }
    client.removeAllListeners('error');
    client.on('error', () => {}); // late socket errors of a client we are closing
    await client.endAsync().catch(() => {});
  }
}
