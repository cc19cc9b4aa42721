/**
 * The fleet's HTTP API. `/healthz` and `/metrics` are open (for probes and Prometheus on the same
 * host); everything under `/api` needs the admin token as a bearer token.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { MAX_JSON_DEPTH, NAME_PATTERN, PayloadInvalid, PayloadTooLarge, Role, formatIssues, jsonTrouble } from '../protocols/index.js';
import { ConfigInvalid } from './device-config.js';
import { mosquittoAcl, mosquittoPasswd } from './mosquitto.js';
import type { DeviceRecord } from './registry.js';
import { RegistryError } from './registry.js';
import type { FleetService } from './service.js';

const MAX_BODY = 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const ProvisionBody = z
  .object({
    id: z.string(),
    role: Role,
    site: z.string().max(100).optional(),
    labels: z.record(z.string(), z.string().max(100)).optional(),
  })
  .strict();
const CommandBody = z
  .object({
    verb: z.string().regex(NAME_PATTERN, 'lower-case letters, digits and dashes'),
    args: z.record(z.string(), z.unknown()).default({}),
    ttlS: z.number().int().positive().max(7 * 24 * 3600).optional(),
  })
  .strict();
const ConfigBody = z.object({ settings: z.record(z.string(), z.unknown()) }).strict();

export class HttpApi {
  readonly #fleet: FleetService;
  readonly #server: http.Server;

  constructor(fleet: FleetService) {
    this.#fleet = fleet;
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        // What a device would refuse is refused here, before anything is stored.
        const status = err instanceof HttpError ? err.status : err instanceof PayloadTooLarge ? 413 : err instanceof PayloadInvalid ? 400 : 500;
        if (status === 500) fleet.log.error('http handler failed', { url: req.url, error: (err as Error).message });
        send(res, status, { error: (err as Error).message });
      });
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve((this.#server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** A device as the API and the CLI show it. */
  summary(d: DeviceRecord) {
    const f = this.#fleet;
    const cfg = f.configs.get(d.id);
    return {
      id: d.id,
      role: d.role,
      site: d.site,
      labels: d.labels,
      presence: f.presence.of(d.id),
      lastSeen: d.lastSeen ? new Date(d.lastSeen).toISOString() : null,
      epoch: d.epoch,
      outbox: d.state?.outbox ?? null,
      versions: d.birth?.versions ?? {},
      config: { desired: cfg.desiredVersion, reported: cfg.reportedVersion, error: cfg.reportedError },
      faults: f.faults.of(d.id),
    };
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const f = this.#fleet;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    const method = req.method ?? 'GET';
    if (p === '/healthz' && method === 'GET') {
      const health = f.health();
      return send(res, health.status === 'ok' ? 200 : 503, health);
    }
    if (p === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(f.metrics.render());
      return;
    }
    if (p === '/' && method === 'GET') {
      return send(res, 200, { service: 'tabla-fleet', endpoints: ['/healthz', '/metrics', '/api/devices', '/api/devices/:id'] });
    }
    if (!p.startsWith('/api/')) throw new HttpError(404, `no route ${method} ${p}`);
    this.#authorize(req);

    const parts = p.split('/').filter(Boolean).map(decodeURIComponent); // ['api', 'devices', id, ...]
    if (parts[1] === 'devices') {
      if (parts.length === 2 && method === 'GET') return send(res, 200, f.registry.list().map((d) => this.summary(d)));
      if (parts.length === 2 && method === 'POST') {
        const body = parse(ProvisionBody, await readJson(req));
        try {
          const { device, secret } = f.registry.provision(body);
          f.log.info('device provisioned', { device: device.id, role: device.role });
          return send(res, 201, { device: this.summary(device), secret, mqttUrl: f.publicMqttUrl });
        } catch (err) {
          if (err instanceof RegistryError) throw new HttpError(err.code === 'exists' ? 409 : 400, err.message);
          throw err;
        }
      }
      const id = parts[2]!;
      const device = f.registry.get(id);
      if (!device) throw new HttpError(404, `no device ${id}`);
      if (parts.length === 3 && method === 'GET') {
        return send(res, 200, {
          ...this.summary(device),
          birth: device.birth,
          state: device.state,
          frame: device.frame,
          streams: f.ingest.streamsOf(id),
          commands: f.commands.ofDevice(id),
          configDetail: f.configs.get(id),
        });
      }
      if (parts[3] === 'commands') {
        if (parts.length === 4 && method === 'POST') {
          const body = parse(CommandBody, await readJson(req));
          return send(res, 202, f.issueCommand(id, body.verb, body.args, body.ttlS));
        }
        if (parts.length === 4 && method === 'GET') return send(res, 200, f.commands.ofDevice(id, 100));
        if (parts.length === 5 && method === 'GET') {
          f.commands.expire();
          const c = f.commands.get(parts[4]!);
          if (!c || c.deviceId !== id) throw new HttpError(404, `no command ${parts[4]} for ${id}`);
          return send(res, 200, c);
        }
      }
      if (parts[3] === 'config' && parts.length === 4) {
        if (method === 'GET') return send(res, 200, f.configs.get(id));
        if (method === 'PUT') {
          const body = parse(ConfigBody, await readJson(req));
          try {
            return send(res, 200, f.setConfig(id, body.settings));
          } catch (err) {
            if (err instanceof ConfigInvalid) throw new HttpError(400, `invalid settings: ${err.message}`);
            throw err;
          }
        }
      }
      if (parts[3] === 'credentials' && parts.length === 4 && method === 'POST') {
        return send(res, 200, { secret: f.registry.rotateSecret(id), mqttUrl: f.publicMqttUrl });
      }
    }
    if (parts[1] === 'broker' && parts[2] === 'mosquitto' && method === 'GET') {
      return send(res, 200, { passwd: mosquittoPasswd(f.registry.mosquittoHashes(), f.local.mqttPassword), acl: mosquittoAcl() });
    }
    throw new HttpError(404, `no route ${method} ${p}`);
  }

  #authorize(req: http.IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const expected = Buffer.from(this.#fleet.local.adminToken);
    const given = Buffer.from(token);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'admin token required (Authorization: Bearer …; see TABLA_TOKEN)');
    }
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
  res.end(text + '\n');
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const trouble = jsonTrouble(text, MAX_JSON_DEPTH);
  if (trouble) throw new HttpError(400, `body refused: ${trouble}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `body is not JSON: ${(err as Error).message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, formatIssues(r.error));
  return r.data;
}
