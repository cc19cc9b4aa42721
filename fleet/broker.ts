/**
 * The embedded MQTT broker (Aedes, MQTT 3.1.1) with Tabla's authentication and ACL: every device
 * with its own credentials, confined to its own subtree and to the topics the contract gives it.
 * Every refusal is logged with the client and the topic, and counted. Before Aedes parses a byte, a
 * PacketGuard on each connection bounds what a client can make it hold (packet-guard.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../protocols/index.js';
import { FLEET_USERNAME, MAX_PAYLOAD_BYTES, mayPublish, maySubscribe } from '../protocols/index.js';
import type { Metrics } from './metrics.js';
import { PacketGuard } from './packet-guard.js';
import type { Registry } from './registry.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  tls?: { port: number; certFile: string; keyFile: string; host?: string };
  registry: Registry;
  fleetPassword: string;
  metrics: Metrics;
  log: Logger;
}

/** A connection that has not sent its CONNECT by then is dropped. */
const CONNECT_TIMEOUT_MS = 10_000;

function authError(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export class EmbeddedBroker {
  readonly #options: EmbeddedBrokerOptions;
  #aedes: Aedes | null = null;
  #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();
  /** Who each authenticated client is (its username). */
  readonly #users = new WeakMap<Client, string>();
  /** Each connection's guard, keyed by the socket Aedes was handed (a client's `conn`). */
  readonly #guards = new WeakMap<object, PacketGuard>();
  port = 0;
  tlsPort = 0;

  constructor(options: EmbeddedBrokerOptions) {
    this.#options = options;
  }

  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const { registry, metrics, log, fleetPassword } = this.#options;
    const refuse = (kind: string, client: Client | null, detail: Record<string, unknown>) => {
      metrics.inc('tabla_broker_refusals_total', { kind });
      const who = client?.id ? { client: client.id, user: this.#users.get(client) } : {};
      log.warn(`refused ${kind}`, { ...who, ...detail });
    };
    const fleetDigest = crypto.createHash('sha256').update(fleetPassword).digest();
    const admit = (client: Client, user: string) => {
      this.#users.set(client, user);
      this.#guards.get(client.conn)?.authenticate();
    };
    const aedes = await Aedes.createBroker({
      connectTimeout: CONNECT_TIMEOUT_MS,
      authenticate: (client, username, password, done) => {
        const user = username ?? '';
        const secret = password?.toString('utf8') ?? '';
        const fail = (reason: string, code: 4 | 5) => {
          refuse('connect', client, { username: user, reason });
          done(authError(reason, code), null);
        };
        if (!user || !secret) return fail('no username or password', 4);
        // A client id is its username (or username.suffix): no device can take over another's session.
        if (client.id !== user && !client.id.startsWith(`${user}.`)) return fail(`client id ${client.id} does not belong to ${user}`, 5);
        if (user === FLEET_USERNAME) {
          const ok = crypto.timingSafeEqual(crypto.createHash('sha256').update(secret).digest(), fleetDigest);
          if (!ok) return fail('wrong password', 4);
          admit(client, user);
          return done(null, true);
        }
        registry.verify(user, secret).then(
          (ok) => {
            if (!ok) return fail('wrong password or unknown device', 4);
            admit(client, user);
            done(null, true);
          },
          (err: Error) => fail(`verification failed: ${err.message}`, 5),
        );
      },
      authorizePublish: (client, packet, callback) => {
        if (!client) return callback(null); // the broker's own publications
        const user = this.#users.get(client) ?? '';
        const decision = mayPublish(user, packet.topic);
        if (!decision.ok) {
          refuse('publish', client, { topic: packet.topic, reason: decision.reason });
          return callback(new Error(`publish to ${packet.topic} refused: ${decision.reason}`));
        }
        // A second line: the packet guard has already refused anything over MAX_PAYLOAD_BYTES plus its envelope.
        if (user !== FLEET_USERNAME && packet.payload.length > MAX_PAYLOAD_BYTES) {
          refuse('publish', client, { topic: packet.topic, reason: `oversize ${packet.payload.length} bytes` });
          return callback(new Error('payload too large'));
        }
        callback(null);
      },
      authorizeSubscribe: (client, sub, callback) => {
        const user = this.#users.get(client) ?? '';
        const decision = maySubscribe(user, sub.topic);
        if (!decision.ok) {
          refuse('subscribe', client, { topic: sub.topic, reason: decision.reason });
          return callback(null, null); // SUBACK 0x80 [MQTT-3.9.3]
        }
        callback(null, sub);
      },
    });
    aedes.on('clientError', (client, err) => log.debug('client error', { client: client.id, error: err.message }));
    aedes.on('connectionError', (client, err) => log.debug('connection error', { client: client?.id, error: err.message }));
    this.#aedes = aedes;

    const accept = (socket: net.Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      this.#guard(socket, refuse);
      aedes.handle(socket);
    };
    // Small messages both ways (telemetry, acks): Nagle's delay with delayed ACKs would stall each round trip.
    const plain = net.createServer({ noDelay: true }, accept);
    this.port = await listen(plain, this.#options.port, this.#options.host);
    this.#servers.push(plain);
    if (this.#options.tls) {
      const t = this.#options.tls;
      const secure = tls.createServer({ cert: fs.readFileSync(t.certFile), key: fs.readFileSync(t.keyFile), noDelay: true }, accept);
      this.tlsPort = await listen(secure, t.port, t.host ?? this.#options.host);
      this.#servers.push(secure);
    }
  }

  /**
   * The fleet's own connection when it runs in this process: subscriptions on the broker's emitter
   * and publications straight into it — no loopback socket, no MQTT encoding and parsing both
   * ways, no second copy of every message. Retained messages matching the filters are handed over
   * first, as a SUBSCRIBE would. `onMessage` must not throw (the fleet wraps its handlers).
   */
  async attachLocal(filters: readonly string[], onMessage: (topic: string, payload: Buffer) => void): Promise<LocalAttachment> {
    const aedes = this.#aedes;
    if (!aedes) throw new Error('the embedded broker is not running');
    const deliver = (packet: { topic: string; payload: Buffer | string }, cb: () => void) => {
      try {
        onMessage(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);
      } finally {
        // Not synchronously: the emitter would start its next queued message inside this call, and
        // a burst from a thousand devices would nest that deep (a stack overflow). A microtask
        // unwinds first and still keeps the emitter's order.
        queueMicrotask(cb);
      }
    };
    const on = (filter: string) => new Promise<void>((resolve, reject) => aedes.subscribe(filter, deliver, (err?: Error) => (err ? reject(err) : resolve())));
    const off = (filter: string) => new Promise<void>((resolve) => aedes.unsubscribe(filter, deliver, () => resolve()));
    for (const filter of filters) await on(filter);
    // Aedes' types leave the persistence out; its createRetainedStreamCombi is what a SUBSCRIBE uses.
    const persistence = (aedes as unknown as { persistence: { createRetainedStreamCombi(p: string[]): AsyncIterable<{ topic: string; payload: Buffer }> } }).persistence;
    for await (const packet of persistence.createRetainedStreamCombi([...filters])) deliver(packet, () => {});
    return {
      publish(topic, payload, options, done) {
        aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: options.qos, retain: options.retain, dup: false }, (err?: Error) => done?.(err ?? undefined));
      },
      async detach() {
        for (const filter of filters) await off(filter);
      },
    };
  }

  /**
   * Puts a PacketGuard between the socket and Aedes, which reads with `conn.read(null)` on
   * 'readable': the socket's own `read` is wrapped, so each buffer is inspected as Aedes takes it,
   * with no extra stream. A refusal destroys the socket before Aedes parses any of that buffer.
   */
  #guard(socket: net.Socket, refuse: (kind: string, client: Client | null, detail: Record<string, unknown>) => void): void {
    const guard = new PacketGuard();
    this.#guards.set(socket, guard);
    const read = socket.read;
    socket.read = function guardedRead(this: net.Socket, size?: number) {
      const chunk: unknown = read.call(this, size);
      if (!(chunk instanceof Uint8Array)) return chunk; // null: nothing buffered
      const refusal = guard.inspect(chunk);
      if (refusal === null) return chunk;
      if (!this.destroyed) {
        const client = (this as net.Socket & { client?: Client }).client ?? null;
        refuse(refusal.kind, client, { remote: `${this.remoteAddress}:${this.remotePort}`, authenticated: guard.authenticated, reason: refusal.reason });
        this.destroy();
      }
      return null;
    };
  }

  async stop(): Promise<void> {
    const aedes = this.#aedes;
    this.#aedes = null;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(
      this.#servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
          }),
      ),
    );
    this.#servers = [];
  }
}

/** The fleet's in-process connection to the embedded broker (EmbeddedBroker.attachLocal). */
export interface LocalAttachment {
  /** Publishes as the broker's own (no client, no ACL: the fleet may publish anywhere). */
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain: boolean }, done?: (err?: Error) => void): void;
  detach(): Promise<void>;
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
