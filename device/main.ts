/**
 * tabla-agent --config agent.json
 *
 * Runs one edge agent until SIGINT/SIGTERM. Exit codes: 0 stopped, 1 failure, 2 usage or config error.
 * A `restart` command exits with 0 after acknowledging; the systemd unit restarts it (Restart=always).
 */
import { parseArgs } from 'node:util';
import { Agent } from './agent.js';
import { ConfigError, loadAgentConfig } from './config.js';

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

let stopping = false;
const agent = new Agent({
  config,
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
