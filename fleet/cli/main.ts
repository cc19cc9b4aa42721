/**
 * tabla — the technicians' CLI: provision devices, see the fleet, send commands, set configs, and
 * export the broker's rules for an external Mosquitto. A thin client of the fleet's HTTP API.
 *
 * Finds the fleet from --url/--token, else TABLA_URL/TABLA_TOKEN, else $TABLA_DATA_DIR/fleet.json
 * (default ./.tabla), which a local fleet writes on start.
 *
 * Exit codes: 0 ok, 1 failure (API error, unreachable fleet, command not succeeded), 2 usage error.
 *
 * This file is only the program: the root command, the groups, and errors mapped to exit codes. A
 * new command group goes in `commands/<group>.ts`, exporting `register(program, ctx)` that adds its
 * commands to `program` and takes everything it shares from `ctx` (context.ts: the fleet's API,
 * stdout, the output style); then it is listed in GROUPS below, whose order is the order of
 * `tabla --help`. Argument parsers are in args.ts (a bad value exits 2), shared formatting in
 * format.ts, the HTTP client in api.ts; a command throws `Failure` (errors.ts) to exit 1.
 */
import { Command, CommanderError } from 'commander';
import { findFleet, type FleetFlags } from './api.js';
import * as alerts from './commands/alerts.js';
import * as broker from './commands/broker.js';
import * as cmd from './commands/cmd.js';
import * as config from './commands/config.js';
import * as credentials from './commands/credentials.js';
import * as devices from './commands/devices.js';
import * as eta from './commands/eta.js';
import * as flows from './commands/flows.js';
import * as gnss from './commands/gnss.js';
import * as gtfs from './commands/gtfs.js';
import * as logs from './commands/logs.js';
import * as message from './commands/message.js';
import * as outbox from './commands/outbox.js';
import * as parking from './commands/parking.js';
import * as preview from './commands/preview.js';
import * as provision from './commands/provision.js';
import type { CliContext, Register } from './context.js';
import { styleFor } from './format.js';

const GROUPS: readonly { register: Register }[] = [provision, credentials, devices, outbox, cmd, logs, config, broker, gnss, gtfs, eta, message, preview, parking, alerts, flows];

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
  // The settings above (exitOverride, output, help after error) are copied into each command as it
  // is created: register the groups after them.
  const out = (text: string) => void process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  const ctx: CliContext = {
    api: () => findFleet(program.opts<FleetFlags>()),
    out,
    json: (value) => out(JSON.stringify(value, null, 2)),
    style: () => styleFor(process.stdout),
  };
  for (const group of GROUPS) group.register(program, ctx);
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

// `tabla devices --json | head`: a reader that has had enough is no failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await run(process.argv.slice(2));
