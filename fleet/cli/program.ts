/**
 * The `tabla` program: the root command, the command groups, and errors mapped to exit codes
 * (0 ok, 1 failure, 2 usage error). main.ts runs it; a test builds it to walk its commands.
 *
 * A new command group goes in `commands/<group>.ts`, exporting `register(program, ctx)` that adds
 * its commands to `program` and takes everything it shares from `ctx` (context.ts: the fleet's
 * API, stdout, the output style); then it is listed in GROUPS below, whose order is the order of
 * `tabla --help`. Every command's help ends with examples (help.ts); a table takes --no-headers
 * (args.ts); a script's output is --json, its times ISO 8601 (format.ts, `isoTimes`).
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
import { isoTimes, styleFor } from './format.js';
import { examples, pointUsageErrorsToOwnHelp } from './help.js';

const GROUPS: readonly { register: Register }[] = [provision, credentials, devices, outbox, cmd, logs, config, broker, gnss, gtfs, eta, message, preview, parking, alerts, flows];

/** Where the program writes: stdout and stderr, unless a test captures them. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_OUTPUT: CliOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export function buildProgram(io: CliOutput = PROCESS_OUTPUT): Command {
  const program = new Command('tabla')
    .description("Tabla technicians' CLI: provision devices, watch the fleet, send commands, set configs")
    .version('0.1.0')
    .option('--url <url>', 'fleet HTTP API (default: $TABLA_URL, else httpUrl in $TABLA_DATA_DIR/fleet.json)')
    .option('--token <token>', 'admin token (default: $TABLA_TOKEN, else adminToken in $TABLA_DATA_DIR/fleet.json)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(text.replace(/^error: /, 'tabla: ')) })
    .addHelpText(
      'after',
      examples(
        ['tabla devices --presence offline', 'tabla cmd bus-01 ping --wait', 'tabla --url https://fleet.example:8080 --token "$TOKEN" devices --json', 'tabla config set --help'],
        `Finding the fleet: --url/--token, else TABLA_URL and TABLA_TOKEN, else TABLA_DATA_DIR (default ./.tabla)
holding the fleet.json that a fleet running on this machine writes.
Output: tables are plain columns (--no-headers drops the header row); --json prints JSON, times in ISO 8601.
Exit codes: 0 ok, 1 failure (API error, unreachable fleet, command not succeeded), 2 usage error.`,
      ),
    );
  // The settings above (exitOverride, output) are copied into each command as it is created:
  // register the groups after them.
  const out = (text: string) => io.out(text.endsWith('\n') ? text : text + '\n');
  const ctx: CliContext = {
    api: () => findFleet(program.opts<FleetFlags>()),
    out,
    json: (value) => out(JSON.stringify(isoTimes(value), null, 2)),
    style: (o) => ({ ...styleFor(process.stdout), headers: o?.headers !== false }),
  };
  for (const group of GROUPS) group.register(program, ctx);
  pointUsageErrorsToOwnHelp(program);
  return program;
}

/** Runs the CLI; resolves with the exit code. */
export async function run(argv: string[], io: CliOutput = PROCESS_OUTPUT): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // commander has already printed its own message (and the hint to the command's help)
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.err(`tabla: ${(err as Error).message}\n`);
    return 1;
  }
}
