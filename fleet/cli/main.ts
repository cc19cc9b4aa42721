/**
 * tabla — the technicians' CLI: provision devices, see the fleet, send commands, set configs, and
 * export the broker's rules for an external Mosquitto. A thin client of the fleet's HTTP API.
 *
 * Finds the fleet from --url/--token, else TABLA_URL/TABLA_TOKEN, else $TABLA_DATA_DIR/fleet.json
 * (default ./.tabla), which a local fleet writes on start.
 *
 * Exit codes: 0 ok, 1 failure (API error, unreachable fleet, command not succeeded), 2 usage error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ROLES, type Role } from '../../protocols/index.js';
import { FINAL_STATUSES, type CommandRecord } from '../commands.js';
import type { DeviceConfigRecord } from '../device-config.js';
import { dataDirFromEnv, localFile, readLocal } from '../local.js';
import { writeMosquittoFiles, type MosquittoFiles } from '../mosquitto.js';
import { agentConfigFor } from '../provision.js';
import type { DeviceDetail, DeviceSummary } from './format.js';
import { commandLine, configView, deviceView, devicesTable, styleFor } from './format.js';

/** A failure to report as `tabla: <message>` with exit code 1. */
class Failure extends Error {}

const DEVICE_CONFIG_PATH = '/etc/tabla/agent.json';
const POLL_MS = 250;
const REQUEST_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------------------------
// The fleet's HTTP API

class FleetApi {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  get<T>(p: string): Promise<T> {
    return this.request<T>('GET', p);
  }

  async request<T>(method: string, p: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url.replace(/\/+$/, '') + p, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Failure(`cannot reach the fleet at ${this.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const error = (json as { error?: unknown } | undefined)?.error;
      throw new Failure(typeof error === 'string' ? error : `${method} ${p}: HTTP ${res.status} ${res.statusText}`);
    }
    if (json === undefined) throw new Failure(`${method} ${p}: the fleet answered something that is not JSON`);
    return json as T;
  }
}

/** --url/--token, then TABLA_URL/TABLA_TOKEN, then the local fleet's fleet.json. */
function findFleet(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): FleetApi {
  const url = flags.url ?? env.TABLA_URL;
  const token = flags.token ?? env.TABLA_TOKEN;
  if (url && token) return new FleetApi(url, token);
  const how = 'set TABLA_URL and TABLA_TOKEN (or pass --url and --token), or set TABLA_DATA_DIR to the data directory of a fleet running on this machine';
  // An explicit URL gets only an explicit token: the local admin token is not sent elsewhere.
  if (url) throw new Failure(`no token for ${url}: set TABLA_TOKEN (or pass --token)`);
  const dataDir = dataDirFromEnv(env);
  const local = readLocal(dataDir);
  if (!local?.httpUrl || !local.adminToken) throw new Failure(`no fleet found (no ${localFile(dataDir)} with httpUrl and adminToken): ${how}`);
  return new FleetApi(local.httpUrl, token ?? local.adminToken);
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------------
// Argument parsers: a bad value is a usage error (exit 2), reported by commander.

function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError('must be a JSON object, like {"logLevel":"debug"}');
  return value as Record<string, unknown>;
}

/** A JSON object literal, or `@file` holding one. */
function jsonObjectOrFile(text: string): Record<string, unknown> {
  if (!text.startsWith('@')) return jsonObject(text);
  let content: string;
  try {
    content = fs.readFileSync(text.slice(1), 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${text.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return jsonObject(content);
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above 0');
  return n;
}

function hostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError('must be host:port, like 0.0.0.0:1883');
  return { host: (m[1] ?? m[2])!, port };
}

// ---------------------------------------------------------------------------------------------
// Output

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');
const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));
const style = () => styleFor(process.stdout);

/** Writes a file that holds a secret: mode 0600, temp file + rename so it is whole or absent. */
function writeSecretFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

interface Globals {
  url?: string;
  token?: string;
}

interface ProvisionOptions {
  role: Role;
  site?: string;
  out?: string;
  dataDirOnDevice?: string;
  force?: boolean;
}

async function provision(deviceId: string, o: ProvisionOptions, api: FleetApi) {
  // Check the file first: a device provisioned but whose config could not be written has lost its secret.
  const file = path.resolve(o.out ?? `${deviceId}.agent.json`);
  if (!o.force && fs.existsSync(file)) throw new Failure(`${file} exists; pass --force to overwrite it`);
  try {
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
  } catch {
    throw new Failure(`cannot write into ${path.dirname(file)}`);
  }
  const r = await api.request<{ device: DeviceSummary; secret: string; mqttUrl: string }>('POST', '/api/devices', {
    id: deviceId,
    role: o.role,
    ...(o.site ? { site: o.site } : {}),
  });
  const config = agentConfigFor({
    deviceId,
    role: o.role,
    site: r.device.site,
    secret: r.secret,
    mqttUrl: r.mqttUrl,
    ...(o.dataDirOnDevice ? { dataDir: o.dataDirOnDevice } : {}),
  });
  const text = JSON.stringify(config, null, 2) + '\n';
  try {
    writeSecretFile(file, text);
  } catch (err) {
    out(text); // the secret exists only here now: show it rather than lose it
    throw new Failure(`${deviceId} is provisioned but ${file} could not be written (${(err as Error).message}); its config is above`);
  }
  out(
    [
      `provisioned ${deviceId} (${o.role}${r.device.site ? `, site ${r.device.site}` : ''}); broker ${r.mqttUrl}`,
      `wrote ${file} (mode 0600: it holds the device's secret, shown nowhere else)`,
      `next: copy it to the device as ${DEVICE_CONFIG_PATH}, then run there:`,
      `  tabla-agent --config ${DEVICE_CONFIG_PATH}`,
    ].join('\n'),
  );
}

interface CommandOptions {
  args?: Record<string, unknown>;
  ttl?: number;
  wait?: boolean;
  timeout: number;
  json?: boolean;
}

async function sendCommand(id: string, verb: string, o: CommandOptions, api: FleetApi) {
  let c = await api.request<CommandRecord>('POST', `/api/devices/${enc(id)}/commands`, {
    verb,
    args: o.args ?? {},
    ...(o.ttl ? { ttlS: o.ttl } : {}),
  });
  if (o.wait) {
    const deadline = Date.now() + o.timeout * 1000;
    while (!(FINAL_STATUSES as readonly string[]).includes(c.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
      c = await api.get<CommandRecord>(`/api/devices/${enc(id)}/commands/${enc(c.cmdId)}`);
    }
  }
  if (o.json) printJson(c);
  else {
    const lines = [commandLine(c)];
    if (c.result !== undefined) lines.push(`result: ${JSON.stringify(c.result)}`);
    if (c.error) lines.push(`error: ${c.error}`);
    if (!o.wait) lines.push(`(tabla device ${id} shows its progress; --wait waits for the answer)`);
    out(lines.join('\n'));
  }
  if (!o.wait || c.status === 'succeeded') return;
  if (!(FINAL_STATUSES as readonly string[]).includes(c.status)) throw new Failure(`${verb} on ${id}: still ${c.status} after ${o.timeout} s`);
  throw new Failure(`${verb} on ${id}: ${c.status}${c.error ? `: ${c.error}` : ''}`);
}

async function exportMosquitto(dir: string, o: { listener?: { host: string; port: number } }, api: FleetApi) {
  const files = await api.get<MosquittoFiles>('/api/broker/mosquitto');
  const paths = writeMosquittoFiles(dir, files, o.listener);
  out(
    [
      `wrote ${paths.passwd} (mode 0600)`,
      `wrote ${paths.acl}`,
      `wrote ${paths.conf}`,
      `run: mosquitto -c ${paths.conf}`,
      `then start the fleet against it: tabla-fleet --mqtt-url mqtt://<host>:<port>`,
      'export again after provisioning a device or rotating its secret: passwd lists the devices known now.',
    ].join('\n'),
  );
}

function buildProgram(): Command {
  const program = new Command('tabla')
    .description("Tabla technicians' CLI: provision devices, watch the fleet, send commands, set configs")
    .version('0.1.0')
    .option('--url <url>', 'fleet HTTP API (default: $TABLA_URL, else httpUrl in $TABLA_DATA_DIR/fleet.json)')
    .option('--token <token>', 'admin token (default: $TABLA_TOKEN, else adminToken in $TABLA_DATA_DIR/fleet.json)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'tabla: ')) })
    .showHelpAfterError('(tabla --help lists the commands)')
    .addHelpText(
      'after',
      `
Finding the fleet: --url/--token, else TABLA_URL and TABLA_TOKEN, else TABLA_DATA_DIR (default ./.tabla)
holding the fleet.json that a fleet running on this machine writes.
Exit codes: 0 ok, 1 failure (API error, unreachable fleet, command not succeeded), 2 usage error.`,
    );
  const fleet = (cmd: Command) => findFleet(cmd.optsWithGlobals<Globals>());

  program
    .command('provision')
    .description('register a device and write its agent config, ready to copy to the device')
    .argument('<deviceId>', 'lower-case letters, digits and dashes')
    .addOption(new Option('--role <role>', 'what the device is').choices(ROLES).makeOptionMandatory())
    .option('--site <site>', 'where it stands (a stop, a road, a garage)')
    .option('--out <file>', 'where to write the config (default ./<deviceId>.agent.json)')
    .option('--data-dir-on-device <path>', 'the agent data directory on the device (default /var/lib/tabla)')
    .option('--force', 'overwrite an existing config file')
    .action((id: string, o: ProvisionOptions, cmd: Command) => provision(id, o, fleet(cmd)));

  program
    .command('devices')
    .description('list devices: presence, last seen, outbox depth, agent version, config')
    .option('--json', 'print the JSON array')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const devices = await fleet(cmd).get<DeviceSummary[]>('/api/devices');
      out(o.json ? JSON.stringify(devices, null, 2) : devicesTable(devices, style()));
    });

  program
    .command('device')
    .description('one device: identity, presence, health, outbox, streams, commands, config')
    .argument('<id>')
    .option('--json', 'print the JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const d = await fleet(cmd).get<DeviceDetail>(`/api/devices/${enc(id)}`);
      out(o.json ? JSON.stringify(d, null, 2) : deviceView(d, style()));
    });

  program
    .command('cmd')
    .description('send a command (ping, identify, rebirth, restart, set-log-level, …)')
    .argument('<id>', 'device id')
    .argument('<verb>', 'command verb')
    .option('--args <json>', 'arguments as a JSON object', jsonObject)
    .option('--ttl <seconds>', 'drop the command if not delivered within this time (default 900)', positiveInt)
    .option('--wait', 'wait for the final status; exit 1 unless it succeeded')
    .option('--timeout <seconds>', 'how long --wait waits', positiveNumber, 30)
    .option('--json', 'print the command record as JSON')
    .action((id: string, verb: string, o: CommandOptions, cmd: Command) => sendCommand(id, verb, o, fleet(cmd)));

  const config = program
    .command('config')
    .description("get <id> | set <id> <json|@file>: a device's desired settings (versioned; it reports what it applied)");
  config
    .command('get')
    .description('desired and reported config version, and the desired settings')
    .argument('<id>')
    .option('--json', 'print the JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const c = await fleet(cmd).get<DeviceConfigRecord>(`/api/devices/${enc(id)}/config`);
      out(o.json ? JSON.stringify(c, null, 2) : configView(c, style()));
    });
  config
    .command('set')
    .description('set the desired settings: a JSON object, or @file.json')
    .argument('<id>')
    .argument('<settings>', 'JSON object literal, or @path/to/file.json', jsonObjectOrFile)
    .option('--json', 'print the JSON answer')
    .action(async (id: string, settings: Record<string, unknown>, o: { json?: boolean }, cmd: Command) => {
      const r = await fleet(cmd).request<{ version: number }>('PUT', `/api/devices/${enc(id)}/config`, { settings });
      out(o.json ? JSON.stringify(r, null, 2) : `${id}: config v${r.version} set; the device applies it when online (tabla config get ${id} shows whether it did)`);
    });

  const broker = program
    .command('broker')
    .description('export-mosquitto <dir> [--listener host:port]: files to run the fleet on an external Mosquitto');
  broker
    .command('export-mosquitto')
    .description('write passwd, acl and tabla.conf for Mosquitto 2.x with the same rules as the embedded broker')
    .argument('<dir>')
    .option('--listener <host:port>', 'the listener line of tabla.conf', hostPort)
    .action((dir: string, o: { listener?: { host: string; port: number } }, cmd: Command) => exportMosquitto(dir, o, fleet(cmd)));

  return program;
}

/** Runs the CLI; resolves with the exit code. */
async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // commander has already printed its own message (and help) for usage errors
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`tabla: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
