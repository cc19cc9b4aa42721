/**
 * The device's MQTT link: one session at a time, each with a fresh session epoch and a last will
 * that carries it; exponential backoff with jitter between attempts; birth and retained `online`
 * state on connect; telemetry drains only while the fleet's retained state says it is online.
 *
 * mqtt.js's own reconnect is off (reconnectPeriod 0): each attempt is a new client, so the will of
 * each session carries that session's epoch, and nothing relies on the client's offline queue.
 */
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../protocols/index.js';
import { FleetState, State, decode, deviceSubscriptionQos, encode, parseTopic, topic } from '../protocols/index.js';
import type { AgentConfig } from '../protocols/index.js';

export interface LinkHandlers {
  /** A new session is up: publish birth and state, (re)subscribe done. */
  onSession(session: LinkSession): void;
  /** The fleet's presence changed (true: it is online and will ack). */
  onFleet(online: boolean): void;
  /** A message on one of the device's downward topics. */
  onMessage(topicName: string, payload: Buffer): void;
  /** The session ended (connection lost or closed). */
  onDown(): void;
}

export interface LinkSession {
  epoch: number;
  publish(topicName: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
}

/**
 * How long to wait before connection attempt `attempt` (0-based): exponential from `minMs`, capped
 * at `maxMs`, with jitter over most of the interval, so a town of agents that lost the broker at
 * once does not come back at once.
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(minMs / 2 + random() * (ceiling - minMs / 2));
}

export class Link {
  readonly #config: AgentConfig;
  readonly #nextEpoch: () => number;
  readonly #handlers: LinkHandlers;
  readonly #log: Logger;
  #client: MqttClient | null = null;
  #stopped = true;
  #attempt = 0;
  #retry: NodeJS.Timeout | null = null;
  #connected = false;
  epoch = 0;
  fleetOnline = false;

  constructor(config: AgentConfig, nextEpoch: () => number, handlers: LinkHandlers, log: Logger) {
    this.#config = config;
    this.#nextEpoch = nextEpoch;
    this.#handlers = handlers;
    this.#log = log;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  /** Publishes the `offline` state and disconnects cleanly (a clean DISCONNECT sends no will). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const client = this.#client;
    this.#client = null;
    if (!client) return;
    let said = false;
    if (this.#connected) {
      const offline = encode(State, { v: 1, epoch: this.epoch, ts: Date.now(), status: 'offline' });
      said = await Promise.race([
        client.publishAsync(topic.state(this.#config.deviceId), offline, { qos: 1, retain: true }).then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref()),
      ]);
    }
    if (said) {
      await client.endAsync().catch(() => {});
    } else {
      // A clean DISCONNECT discards the will [MQTT-3.1.2-8]; without our own `offline` having
      // reached the broker, drop the connection instead so the will tells the fleet.
      client.stream?.destroy();
      await client.endAsync(true).catch(() => {});
    }
    this.#down();
  }

  /** Drops the connection without a DISCONNECT, as a power cut or a dead modem would (the broker sends the will). */
  kill(): void {
    this.#client?.stream?.destroy();
  }

  /** Ends this session now and connects again soon, with a fresh epoch (the fleet asked for one above its floor). */
  renew(): void {
    this.#attempt = 0;
    this.kill();
  }

  #connect(): void {
    if (this.#stopped) return;
    try {
      this.#open();
    } catch (err) {
      // Nothing of ours may escape a timer: log, back off, try again.
      this.#log.error('cannot connect', { error: (err as Error).message });
      this.#client = null;
      this.#scheduleRetry();
    }
  }

  #open(): void {
    const { deviceId, mqtt: m } = this.#config;
    const epoch = this.#nextEpoch();
    const will = encode(State, { v: 1, epoch, ts: Date.now(), status: 'offline' });
    const client = mqtt.connect(m.url, {
      clientId: deviceId,
      username: m.username ?? deviceId,
      password: m.password,
      protocolVersion: 4,
      clean: true,
      keepalive: m.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      will: { topic: topic.state(deviceId), payload: Buffer.from(will), qos: 1, retain: true },
      ...(m.caFile ? { ca: fs.readFileSync(m.caFile) } : {}),
    });
    this.#client = client;
    let up = false;
    client.on('connect', () => {
      if (this.#client !== client) return; // stopped while connecting
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      up = true;
      this.#connected = true;
      this.#attempt = 0;
      this.epoch = epoch;
      this.#log.info('connected', { url: m.url, epoch });
      // Acks at QoS 0: one lost is repaired by the resend after ackTimeoutS; the rest at QoS 1.
      const filters = deviceSubscriptionQos(deviceId);
      client.subscribe(filters, (err, granted) => {
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (err || refused.length) this.#log.error('subscribe refused', { error: err?.message, refused });
      });
      this.#handlers.onSession({
        epoch,
        publish: (t, payload, o) =>
          this.#client === client
            ? client.publishAsync(t, payload, { qos: o?.qos ?? 1, retain: o?.retain ?? false }).then(() => undefined)
            : Promise.reject(new Error(`session ${epoch} has ended`)),
      });
    });
    client.on('message', (t, payload) => {
      // Once stop() has begun (it publishes `offline`, then waits for the broker's ack), nothing
      // that arrives may act: a retained `online` from the fleet would set off a heartbeat that
      // says `online` after the `offline`, and the device would look alive when it is not.
      if (this.#client !== client) return;
      const parsed = parseTopic(t);
      if (parsed?.kind === 'fleet-state') {
        const fs_ = decode(FleetState, payload);
        const online = fs_.ok && fs_.value.status === 'online';
        if (!fs_.ok) this.#log.warn('fleet state refused', { reason: fs_.reason });
        if (online !== this.fleetOnline) {
          this.fleetOnline = online;
          this.#log.info(online ? 'fleet online' : 'fleet offline');
          this.#handlers.onFleet(online);
        }
        return;
      }
      this.#handlers.onMessage(t, payload);
    });
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      if (code === 4 || code === 5 || code === 134 || code === 135)
        this.#log.error('the broker refused this device\'s password', {
          error: err.message,
          fix: `its secret was rotated or it was provisioned again: run \`tabla credentials rotate ${this.#config.deviceId}\` where the fleet is reachable and copy the agent config it writes to this device`,
        });
      else this.#log.warn('mqtt error', { error: err.message });
      // Bad credentials or an ACL refusal will not heal by retrying fast: the backoff applies.
      if (!up) client.end(true);
    });
    client.on('close', () => {
      if (this.#client !== client) return;
      if (up) this.#log.warn('connection lost', { epoch });
      up = false;
      this.#down();
      client.removeAllListeners('connect');
      client.end(true);
      this.#client = null;
      this.#scheduleRetry();
    });
  }

  #down(): void {
    const was = this.#connected;
    this.#connected = false;
    if (this.fleetOnline) {
      this.fleetOnline = false;
      this.#handlers.onFleet(false);
    }
    if (was) this.#handlers.onDown();
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retry) return;
    const { reconnectMinMs, reconnectMaxMs } = this.#config.mqtt;
    const delay = reconnectDelay(this.#attempt, reconnectMinMs, reconnectMaxMs);
    this.#attempt++;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#connect();
    }, delay);
  }
}
