/**
 * tabla-fleet — the fleet service.
 *
 *   tabla-fleet [--data-dir DIR] [--http-port N] [--mqtt-port N] [--mqtt-host H] [--mqtt-url URL]
 *               [--tls-port N --tls-cert FILE --tls-key FILE] [--public-mqtt-url URL] [--node-red]
 *
 * Environment: TABLA_DATA_DIR (default ./.tabla), TABLA_HTTP_PORT (8080), TABLA_MQTT_PORT (1883),
 * TABLA_HTTP_HOST / TABLA_MQTT_HOST (127.0.0.1), TABLA_MQTT_URL, TABLA_LOG_LEVEL,
 * TABLA_FLEET_LINK (local: in process with the embedded broker, the default; mqtt: over loopback),
 * TABLA_NODE_RED=1 (or --node-red: Node-RED in the fleet, its editor at /red unless
 * TABLA_NODE_RED_EDITOR=0).
 *
 * Exit codes: 0 stopped, 1 failure (the supervisor restarts it), 2 a setting the operator must fix
 * (TLS files, data directory, a port in use): `tabla-fleet: <setting>: <why>` on stderr. An uncaught
 * exception is logged with its stack, counted in `<dataDir>/crashes.json` (`tabla_crashes_total`
 * after the next start) and exits 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel, createLogger } from '../protocols/index.js';
import { exitOnCrash, readCrashCount } from './crash.js';
import { dataDirFromEnv } from './local.js';
import { FleetService } from './service.js';

const env = process.env;
let values;
try {
  ({ values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      'http-port': { type: 'string' },
      'http-host': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'mqtt-host': { type: 'string' },
      'mqtt-url': { type: 'string' },
      'public-mqtt-url': { type: 'string' },
      'tls-port': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'node-red': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  process.stderr.write(`tabla-fleet: ${(err as Error).message}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(
    'usage: tabla-fleet [--data-dir DIR] [--http-port N] [--mqtt-port N] [--mqtt-url URL] [--tls-port N --tls-cert F --tls-key F] [--node-red]\n' +
      '  --node-red   run Node-RED in the fleet (as TABLA_NODE_RED=1); its editor at /red for admins\n',
  );
  process.exit(0);
}
// The engines read it when the fleet is made (engines/index.ts).
if (values['node-red']) env.TABLA_NODE_RED = '1';

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`tabla-fleet: ${name} must be a port number (0-65535), got "${value}"\n`);
    process.exit(2);
  }
  return n;
}

/** A setting the operator must fix: names it and exits 2, which RestartPreventExitStatus=2 leaves down. */
function badSetting(setting: string, why: string): never {
  process.stderr.write(`tabla-fleet: ${setting}: ${why}\n`);
  process.exit(2);
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** The file's contents, or the operator's error naming the setting. */
function readSettingFile(setting: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    badSetting(setting, `cannot read ${file} (${errorCode(err)})`);
  }
}

/** Creates the data directory if missing; exits 2 when it is not a directory this process can write. */
function checkDataDir(dir: string): void {
  const setting = '--data-dir / TABLA_DATA_DIR';
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') badSetting(setting, `cannot create ${dir} (${errorCode(err)})`);
  }
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) badSetting(setting, stat?.isFile() ? `${dir} is a file, not a directory` : `${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    badSetting(setting, `${dir} is not writable by this process (${errorCode(err)})`);
  }
}

const level = (env.TABLA_LOG_LEVEL ?? 'info') as LogLevel;
const log = createLogger('fleet', { level: LOG_LEVELS.includes(level) ? level : 'info' });
const tlsPort = values['tls-port'] ?? env.TABLA_MQTT_TLS_PORT;
const tlsCert = values['tls-cert'] ?? env.TABLA_MQTT_TLS_CERT;
const tlsKey = values['tls-key'] ?? env.TABLA_MQTT_TLS_KEY;
if (tlsPort && (!tlsCert || !tlsKey)) {
  process.stderr.write('tabla-fleet: --tls-port needs --tls-cert and --tls-key\n');
  process.exit(2);
}
if (tlsPort && tlsCert && tlsKey) {
  const cert = readSettingFile('--tls-cert / TABLA_MQTT_TLS_CERT', tlsCert);
  const key = readSettingFile('--tls-key / TABLA_MQTT_TLS_KEY', tlsKey);
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    badSetting('--tls-cert / --tls-key', `${tlsCert} and ${tlsKey} are not a PEM certificate and its key (${(err as Error).message})`);
  }
}
const mqttUrl = values['mqtt-url'] ?? env.TABLA_MQTT_URL;
const linkEnv = env.TABLA_FLEET_LINK;
if (linkEnv !== undefined && linkEnv !== 'local' && linkEnv !== 'mqtt') badSetting('TABLA_FLEET_LINK', `${linkEnv} is neither local nor mqtt`);
const publicMqttUrl = values['public-mqtt-url'] ?? env.TABLA_PUBLIC_MQTT_URL;
const dataDir = path.resolve(values['data-dir'] ?? dataDirFromEnv());
checkDataDir(dataDir);
exitOnCrash({ log, dataDir });

let fleet: FleetService;
try {
  fleet = new FleetService({
    dataDir,
    httpPort: port('TABLA_HTTP_PORT', values['http-port'] ?? env.TABLA_HTTP_PORT, 8080),
    httpHost: values['http-host'] ?? env.TABLA_HTTP_HOST ?? '127.0.0.1',
    mqttPort: port('TABLA_MQTT_PORT', values['mqtt-port'] ?? env.TABLA_MQTT_PORT, 1883),
    mqttHost: values['mqtt-host'] ?? env.TABLA_MQTT_HOST ?? '127.0.0.1',
    ...(mqttUrl ? { mqttUrl } : {}),
    ...(linkEnv ? { link: linkEnv } : {}),
    ...(publicMqttUrl ? { publicMqttUrl } : {}),
    ...(tlsPort && tlsCert && tlsKey ? { tls: { port: port('--tls-port', tlsPort, 8883), certFile: tlsCert, keyFile: tlsKey } } : {}),
    log,
  });
} catch (err) {
  process.stderr.write(`tabla-fleet: cannot open ${dataDir}: ${(err as Error).message}\n`);
  process.exit(1);
}
const crashes = readCrashCount(dataDir);
fleet.metrics.define('tabla_crashes_total', 'counter', 'Uncaught exceptions that stopped the fleet process (the supervisor restarted it).');
fleet.metrics.inc('tabla_crashes_total', {}, crashes.count);
if (crashes.count) log.warn('the fleet has crashed before', { crashes: crashes.count, last: crashes.last });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('stopping', { signal });
  const force = setTimeout(() => process.exit(1), 10_000);
  await fleet.stop();
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

/** Which listener a failed `listen` was: the broker's come first (plain, then TLS), then HTTP. */
function failedListener(): { port: string; host: string } {
  const broker = fleet.broker;
  if (broker && broker.port === 0) return { port: '--mqtt-port / TABLA_MQTT_PORT', host: '--mqtt-host / TABLA_MQTT_HOST' };
  if (broker && fleet.options.tls && broker.tlsPort === 0) return { port: '--tls-port / TABLA_MQTT_TLS_PORT', host: '--mqtt-host / TABLA_MQTT_HOST' };
  return { port: '--http-port / TABLA_HTTP_PORT', host: '--http-host / TABLA_HTTP_HOST' };
}

try {
  await fleet.start();
} catch (err) {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.syscall === 'listen') {
    const listener = failedListener();
    const where = `${e.address?.includes(':') ? `[${e.address}]` : e.address}:${e.port}`;
    if (e.code === 'EADDRINUSE') badSetting(listener.port, `${where} is in use`);
    if (e.code === 'EACCES') badSetting(listener.port, `${where} is not allowed for this user (EACCES; ports below 1024 need privileges)`);
    if (e.code === 'EADDRNOTAVAIL') badSetting(listener.host, `${e.address} is not an address of this machine (EADDRNOTAVAIL)`);
  }
  process.stderr.write(`tabla-fleet: cannot start: ${e.message}\n`);
  process.exit(1);
}

// Test hook (test/startup-errors.test.ts): an uncaught exception from a timer, to pin the crash path.
if (env.TABLA_TEST_CRASH_AFTER_MS) {
  setTimeout(() => {
    throw new Error('test crash (TABLA_TEST_CRASH_AFTER_MS)');
  }, Number(env.TABLA_TEST_CRASH_AFTER_MS));
}
