/**
 * The raw baseline of the network benchmarks: a bare Aedes broker (no auth, no ACL, no guard) on
 * 127.0.0.1 and one mqtt.js subscriber client in this process receiving everything at QoS 1. The
 * publishers are RawPublishers in a load child (load.ts, `raw-connect`).
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { now, within } from './util.js';

export async function startRawBroker(): Promise<{ url: string; stop: () => Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The one subscriber of the raw baseline: counts messages, and says when a round's target is reached. */
export class RawSink {
  readonly #client: MqttClient;
  #received = 0;
  #target = Infinity;
  #gotAll: ((at: number) => void) | null = null;

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on('message', () => {
      if (++this.#received >= this.#target && this.#gotAll) {
        const g = this.#gotAll;
        this.#gotAll = null;
        g(now());
      }
    });
  }

  static async connect(url: string, filter: string): Promise<RawSink> {
    const client = mqtt.connect(url, { clientId: 'bench-sub', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    await within('subscriber connect', new Promise((r, j) => (client.once('connect', r), client.once('error', j))), 10_000);
    await client.subscribeAsync(filter, { qos: 1 });
    return new RawSink(client);
  }

  /** Resolves with the time (now()) the `count`-th message from here on arrived. */
  expect(count: number): Promise<number> {
    this.#received = 0;
    this.#target = count;
    return new Promise<number>((r) => (this.#gotAll = r));
  }

  async close(): Promise<void> {
    await this.#client.endAsync().catch(() => {});
  }
}
