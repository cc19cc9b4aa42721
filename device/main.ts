/**
 * tabla-agent --config agent.json [--config other.json …]
 *
 * Runs one edge agent until SIGINT/SIGTERM. Exit codes: 0 stopped, 1 failure, 2 usage or config error.
 * A `restart` command exits with 0 after acknowledging; the systemd unit restarts it (Restart=always).
 * An uncaught exception is logged with its stack, counted in `<dataDir>/crashes.json` and exits 1.
 *
 * Several `--config`s run several agents in this one process, each with its own data dir, outbox,
 * modules and MQTT connection, all through the same agent code: a simulated town's 42 stop displays
 * without 42 Node processes. They start and stop together (a `restart` command to one restarts the
 * process, so all of them; an uncaught exception stops all of them, counted in each data dir).
 */
import { parseArgs } from 'node:util';
import type { AgentConfig } from '../protocols/index.js';
import { createLogger } from '../protocols/index.js';
import { Agent } from './agent.js';
import { ConfigError, loadAgentConfig } from './config.js';
import { exitOnCrash } from './crash.js';
import { modulesFor } from './roles.js';

function usage(message?: string): never {
  if (message) process.stderr.write(`tabla-agent: ${message}\n`);
  process.stderr.write('usage: tabla-agent --config <agent.json> [--config <other.json> …]\n');
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { config: { type: 'string', short: 'c', multiple: true }, help: { type: 'boolean', short: 'h' } } }));
} catch (err) {
  usage((err as Error).message);
}
if (values.help) usage();
const files = values.config?.length ? values.config : process.env.TABLA_AGENT_CONFIG ? [process.env.TABLA_AGENT_CONFIG] : [];
if (!files.length) usage('--config is required');

const configs: AgentConfig[] = [];
for (const file of files) {
  try {
    configs.push(loadAgentConfig(file));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tabla-agent: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
const ids = configs.map((c) => c.deviceId);
const twice = ids.find((id, i) => ids.indexOf(id) !== i);
if (twice) usage(`${twice} is configured twice (each --config must be another device)`);
const dirs = configs.map((c) => c.dataDir);
const shared = dirs.find((d, i) => dirs.indexOf(d) !== i);
if (shared) usage(`two configs share the data dir ${shared} (each agent needs its own)`);

const first = configs[0]!;
const processLog = createLogger(configs.length === 1 ? first.deviceId : 'tabla-agent', { level: first.settings.logLevel });
exitOnCrash({ log: processLog, dataDir: dirs });

let stopping = false;
const agents = configs.map(
  (config) =>
    new Agent({
      config,
      log: createLogger(config.deviceId, { level: config.settings.logLevel }),
      modules: modulesFor(config.role),
      onRestart: () => void shutdown('restart command'),
    }),
);

async function shutdown(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const agent of agents) agent.log.info('stopping', { why });
  // Modules may show a last screen (an e-paper display's out-of-service frame takes seconds).
  const force = setTimeout(() => process.exit(1), 20_000);
  await Promise.allSettled(agents.map((a) => a.stop()));
  clearTimeout(force);
  process.exit(0);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
await Promise.all(agents.map((a) => a.start()));

// Test hook (test/startup-errors.test.ts): an uncaught exception from a timer, to pin the crash path.
if (process.env.TABLA_TEST_CRASH_AFTER_MS) {
  setTimeout(() => {
    throw new Error('test crash (TABLA_TEST_CRASH_AFTER_MS)');
  }, Number(process.env.TABLA_TEST_CRASH_AFTER_MS));
}
