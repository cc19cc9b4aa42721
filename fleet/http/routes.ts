/**
 * The fleet's own routes, by concern: the service itself (`/`, `/healthz`, `/metrics`), devices
 * (list, provision, one in detail, credentials), commands, desired configs, the broker's export.
 * Each gets `ApiContext`, the narrow view of the fleet a route needs; engines add theirs through
 * their own context (fleet/engines/engine.ts).
 */
import { z } from 'zod';
import { NAME_PATTERN, Role } from '../../protocols/index.js';
import { checkVerb, verbsForRole } from '../../protocols/verbs.js';
import type { CommandBook, CommandRecord } from '../commands.js';
import type { DeviceConfigs } from '../device-config.js';
import { ConfigInvalid } from '../device-config.js';
import type { DeviceFaults } from '../faults.js';
import type { Ingest } from '../ingest.js';
import type { Metrics } from '../metrics.js';
import { mosquittoAcl, mosquittoPasswd } from '../mosquitto.js';
import type { PresenceTracker } from '../presence.js';
import type { DeviceRecord, Registry } from '../registry.js';
import { RegistryError } from '../registry.js';
import type { Logger } from '../../protocols/index.js';
import { HttpError, type Routes, parseBody } from './router.js';

export interface ApiContext {
  log: Logger;
  metrics: Metrics;
  registry: Registry;
  presence: PresenceTracker;
  faults: DeviceFaults;
  commands: CommandBook;
  configs: DeviceConfigs;
  ingest: Pick<Ingest, 'streamsOf'>;
  issueCommand(deviceId: string, verb: string, args?: Record<string, unknown>, ttlS?: number): CommandRecord;
  setConfig(deviceId: string, settings: unknown): { version: number };
  health(): { status: 'ok' | 'degraded' };
  publicMqttUrl(): string;
  fleetMqttPassword(): string;
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
    /** Queue it even if the device's verbs do not include it (an agent newer than the fleet's table). */
    force: z.boolean().optional(),
  })
  .strict();
const ConfigBody = z.object({ settings: z.record(z.string(), z.unknown()) }).strict();

/** A device as the API and the CLI show it. */
export function deviceSummary(f: ApiContext, d: DeviceRecord) {
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

function device(f: ApiContext, id: string): DeviceRecord {
  const d = f.registry.get(id);
  if (!d) throw new HttpError(404, `no device ${id}`);
  return d;
}

export function serviceRoutes(routes: Routes, f: ApiContext): void {
  // A browser is sent to the dashboard (fleet/engines/dashboard/, its login page); a script gets the index.
  routes.add('GET', '/', (req) => {
    if ((req.raw.headers.accept ?? '').includes('text/html')) {
      req.response.setHeader('location', '/dashboard');
      return { status: 302, body: { location: '/dashboard' } };
    }
    return { body: { service: 'tabla-fleet', endpoints: ['/dashboard', '/healthz', '/metrics', '/api/devices', '/api/devices/:id', '/parking.json', '/parking/datex2', '/gtfs-rt/trip-updates', '/gtfs-rt/vehicle-positions'] } };
  });
  routes.add('GET', '/healthz', () => {
    const health = f.health();
    return { status: health.status === 'ok' ? 200 : 503, body: health };
  });
  routes.add('GET', '/metrics', () => ({ text: f.metrics.render(), contentType: 'text/plain; version=0.0.4; charset=utf-8' }));
  routes.add('GET', '/api/broker/mosquitto', () => ({
    body: { passwd: mosquittoPasswd(f.registry.mosquittoHashes(), f.fleetMqttPassword()), acl: mosquittoAcl() },
  }));
}

export function deviceRoutes(routes: Routes, f: ApiContext): void {
  routes.add('GET', '/api/devices', () => ({ body: f.registry.list().map((d) => deviceSummary(f, d)) }));
  routes.add('POST', '/api/devices', async (req) => {
    const body = parseBody(ProvisionBody, await req.json());
    try {
      const { device: d, secret } = f.registry.provision(body);
      f.log.info('device provisioned', { device: d.id, role: d.role });
      return { status: 201, body: { device: deviceSummary(f, d), secret, mqttUrl: f.publicMqttUrl() } };
    } catch (err) {
      if (err instanceof RegistryError) throw new HttpError(err.code === 'exists' ? 409 : 400, err.message);
      throw err;
    }
  });
  routes.add('GET', '/api/devices/:id', (req) => {
    const d = device(f, req.params.id!);
    return {
      body: {
        ...deviceSummary(f, d),
        birth: d.birth,
        state: d.state,
        frame: d.frame,
        streams: f.ingest.streamsOf(d.id),
        commands: f.commands.ofDevice(d.id),
        configDetail: f.configs.get(d.id),
      },
    };
  });
  routes.add('POST', '/api/devices/:id/credentials', (req) => {
    const d = device(f, req.params.id!);
    return { body: { secret: f.registry.rotateSecret(d.id), mqttUrl: f.publicMqttUrl() } };
  });
}

export function commandRoutes(routes: Routes, f: ApiContext): void {
  routes.add('POST', '/api/devices/:id/commands', async (req) => {
    const d = device(f, req.params.id!);
    const body = parseBody(CommandBody, await req.json());
    if (!body.force) {
      // What the device said it has at its last birth; for one never seen (or an older agent), its role's table.
      const check = checkVerb(body.verb, body.args, d.birth?.verbs ?? verbsForRole(d.role));
      if (!check.ok) throw new HttpError(400, `${d.id} (${d.role}): ${check.reason}`);
    }
    return { status: 202, body: f.issueCommand(d.id, body.verb, body.args, body.ttlS) };
  });
  routes.add('GET', '/api/commands/:cmdId', (req) => {
    f.commands.expire();
    const id = req.params.cmdId!;
    const exact = f.commands.get(id);
    if (exact) return { body: exact };
    const found = id.length >= 4 ? f.commands.byPrefix(id) : [];
    if (found.length === 0) throw new HttpError(404, `no command ${id}`);
    if (found.length > 1) throw new HttpError(409, `${id} is the start of ${found.map((c) => c.cmdId).join(', ')}: give more of it`);
    return { body: found[0] };
  });
  routes.add('GET', '/api/devices/:id/commands', (req) => ({ body: f.commands.ofDevice(device(f, req.params.id!).id, 100) }));
  routes.add('GET', '/api/devices/:id/commands/:cmdId', (req) => {
    const d = device(f, req.params.id!);
    f.commands.expire();
    const c = f.commands.get(req.params.cmdId!);
    if (!c || c.deviceId !== d.id) throw new HttpError(404, `no command ${req.params.cmdId} for ${d.id}`);
    return { body: c };
  });
}

export function configRoutes(routes: Routes, f: ApiContext): void {
  routes.add('GET', '/api/devices/:id/config', (req) => {
    const id = device(f, req.params.id!).id;
    const record = f.configs.get(id);
    return { body: { ...record, ...f.configs.reported(id, record) } };
  });
  routes.add('PUT', '/api/devices/:id/config', async (req) => {
    const d = device(f, req.params.id!);
    const body = parseBody(ConfigBody, await req.json());
    try {
      return { body: f.setConfig(d.id, body.settings) };
    } catch (err) {
      if (err instanceof ConfigInvalid) throw new HttpError(400, `invalid settings: ${err.message}`);
      throw err;
    }
  });
}
