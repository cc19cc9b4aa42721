/**
 * What the command groups share, handed to each group's `register(program, ctx)` by main.ts: the
 * fleet's API, stdout, and how to format for it. Nothing else reaches a command; no globals.
 */
import type { Command } from 'commander';
import type { FleetApi } from './api.js';
import type { Style } from './format.js';

export interface CliContext {
  /**
   * The fleet's API, found from the global --url/--token, TABLA_URL/TABLA_TOKEN or fleet.json.
   * Call it inside an action: a command that fails its usage check never needs a fleet.
   */
  api(): FleetApi;
  /** Writes text to stdout, ending it with a newline if it has none. */
  out(text: string): void;
  /** Writes a value to stdout as indented JSON (what every `--json` prints), its times in ISO 8601. */
  json(value: unknown): void;
  /**
   * How to format for stdout now: colour only on a terminal, the current time for ages, and the
   * header rows unless the command's options say `headers: false` (--no-headers, args.ts).
   */
  style(o?: { headers?: boolean }): Style;
}

/** A command group: adds its commands (and their subcommands) to the program. */
export type Register = (program: Command, ctx: CliContext) => void;
