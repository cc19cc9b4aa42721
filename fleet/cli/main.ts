/**
 * tabla — the technicians' CLI: provision devices, see the fleet, send commands, set configs, and
 * export the broker's rules for an external Mosquitto. A thin client of the fleet's HTTP API.
 *
 * Finds the fleet from --url/--token, else TABLA_URL/TABLA_TOKEN, else $TABLA_DATA_DIR/fleet.json
 * (default ./.tabla), which a local fleet writes on start.
 *
 * Exit codes: 0 ok, 1 failure (API error, unreachable fleet, command not succeeded), 2 usage error.
 *
 * This file only runs the program. The program (the root command, the list of command groups, and
 * errors mapped to exit codes) is program.ts; a new command group is `commands/<group>.ts` and one
 * line in GROUPS there. Argument parsers and shared options are in args.ts (a bad value exits 2),
 * shared formatting in format.ts, help in help.ts, the HTTP client in api.ts; a command throws
 * `Failure` (errors.ts) to exit 1.
 */
import { run } from './program.js';

// `tabla devices --json | head`: a reader that has had enough is no failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await run(process.argv.slice(2));
