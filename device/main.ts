/**
 * tabla-agent --config agent.json
 *
 * Runs one edge agent until SIGINT/SIGTERM. Exit codes: 0 stopped, 1 failure, 2 usage or config error.
 * A `restart` command exits with 0 after acknowledging; the systemd unit restarts it (Restart=always).
 * An uncaught exception is logged with its stack, counted in `<dataDir>/crashes.json` and exits 1.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../protocols/index.js';
import { Agent } from './agent.js';
import { ConfigError, loadAgentConfig } from './config.js';
import { exitOnCrash } from './crash.js';
import { modulesFor } from './roles.js';

function usage(message?: string): never {
  if (message) process.stderr.write(`tabla-agent: ${message}\n`);
  process.stderr.write('usage: tabla-agent --config <agent.json>\n');
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } }));
} catch (err) {
  usage((err as Error).message);
}
if (values.help) usage();
const file = values.config ?? process.env.TABLA_AGENT_CONFIG;
if (!file) usage('--config is required');

let config;
try {
  config = loadAgentConfig(file);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`tabla-agent: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger(config.deviceId, { level: config.settings.logLevel });
exitOnCrash({ log, dataDir: config.dataDir });

let stopping = false;
const agent = new Agent({
  config,
  log,
  modules: modulesFor(config.role),
  onRestart: () => void shutdown('restart command'),
});

async function shutdown(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  agent.log.info('stopping', { why });
  const force = setTimeout(() => process.exit(1), 10_000);
  await agent.stop();
  clearTimeout(force);
  process.exit(0);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
await agent.start();

// Test hook (test/startup-errors.test.ts): an uncaught exception from a timer, to pin the crash path.
if (process.env.TABLA_TEST_CRASH_AFTER_MS) {
  setTimeout(() => {
    throw new Error('test crash (TABLA_TEST_CRASH_AFTER_MS)');
  }, Number(process.env.TABLA_TEST_CRASH_AFTER_MS));
}
