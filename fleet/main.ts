/**
 * tabla-fleet — the fleet service.
 *
 *   tabla-fleet [--data-dir DIR] [--http-port N] [--mqtt-port N] [--mqtt-host H] [--mqtt-url URL]
 *               [--tls-port N --tls-cert FILE --tls-key FILE] [--public-mqtt-url URL]
 *
 * Environment: TABLA_DATA_DIR (default ./.tabla), TABLA_HTTP_PORT (8080), TABLA_MQTT_PORT (1883),
 * TABLA_HTTP_HOST / TABLA_MQTT_HOST (127.0.0.1), TABLA_MQTT_URL, TABLA_LOG_LEVEL.
 */
import { parseArgs } from 'node:util';
import { LEVELS, type Level, createLogger } from '../protocols/index.js';
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
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  process.stderr.write(`tabla-fleet: ${(err as Error).message}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(
    'usage: tabla-fleet [--data-dir DIR] [--http-port N] [--mqtt-port N] [--mqtt-url URL] [--tls-port N --tls-cert F --tls-key F]\n',
  );
  process.exit(0);
}

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`tabla-fleet: ${name} must be a port number (0-65535), got "${value}"\n`);
    process.exit(2);
  }
  return n;
}

const level = (env.TABLA_LOG_LEVEL ?? 'info') as Level;
const log = createLogger('fleet', { level: LEVELS.includes(level) ? level : 'info' });
const tlsPort = values['tls-port'] ?? env.TABLA_MQTT_TLS_PORT;
const tlsCert = values['tls-cert'] ?? env.TABLA_MQTT_TLS_CERT;
const tlsKey = values['tls-key'] ?? env.TABLA_MQTT_TLS_KEY;
if (tlsPort && (!tlsCert || !tlsKey)) {
  process.stderr.write('tabla-fleet: --tls-port needs --tls-cert and --tls-key\n');
  process.exit(2);
}
const mqttUrl = values['mqtt-url'] ?? env.TABLA_MQTT_URL;
const publicMqttUrl = values['public-mqtt-url'] ?? env.TABLA_PUBLIC_MQTT_URL;

const fleet = new FleetService({
  dataDir: values['data-dir'] ?? dataDirFromEnv(),
  httpPort: port('TABLA_HTTP_PORT', values['http-port'] ?? env.TABLA_HTTP_PORT, 8080),
  httpHost: values['http-host'] ?? env.TABLA_HTTP_HOST ?? '127.0.0.1',
  mqttPort: port('TABLA_MQTT_PORT', values['mqtt-port'] ?? env.TABLA_MQTT_PORT, 1883),
  mqttHost: values['mqtt-host'] ?? env.TABLA_MQTT_HOST ?? '127.0.0.1',
  ...(mqttUrl ? { mqttUrl } : {}),
  ...(publicMqttUrl ? { publicMqttUrl } : {}),
  ...(tlsPort && tlsCert && tlsKey ? { tls: { port: port('--tls-port', tlsPort, 8883), certFile: tlsCert, keyFile: tlsKey } } : {}),
  log,
});

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

try {
  await fleet.start();
} catch (err) {
  log.error('cannot start', { error: (err as Error).message });
  process.exit(1);
}
