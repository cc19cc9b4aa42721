/**
 * Argument parsers for commander options and arguments, and the options every command of a kind
 * shares, for the command groups. A bad value throws commander's `InvalidArgumentError`: a usage
 * error (exit 2) that commander reports itself.
 */
import fs from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';

/**
 * `--no-headers`, for every command that prints a table: the rows alone, for `awk` and `cut`. The
 * command reads it as `headers` (false when given) and passes its options to `ctx.style(o)`.
 */
export const noHeadersOption = (): Option => new Option('--no-headers', 'print tables without their header row (for scripts)');

/**
 * A subcommand's options, with those its parent took from the same command line. When a group
 * and its subcommand both have an option (`alerts` and `alerts rules` both take --json), commander
 * gives it to the group wherever it stands: `tabla alerts rules --json` leaves `rules` without it.
 * What was typed wins over a default, whichever command holds it.
 */
export function optionsGiven<T extends object>(cmd: Command): T {
  const own: Record<string, unknown> = { ...cmd.opts() };
  const names = new Set(cmd.options.map((o) => o.attributeName()));
  for (let c = cmd.parent; c; c = c.parent) {
    for (const [k, v] of Object.entries(c.opts())) if (names.has(k) && c.getOptionValueSource(k) === 'cli' && cmd.getOptionValueSource(k) !== 'cli') own[k] = v;
  }
  return own as T;
}

export function jsonObject(text: string): Record<string, unknown> {
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
export function jsonObjectOrFile(text: string): Record<string, unknown> {
  if (!text.startsWith('@')) return jsonObject(text);
  let content: string;
  try {
    content = fs.readFileSync(text.slice(1), 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${text.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return jsonObject(content);
}

export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

export function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above 0');
  return n;
}

export function hostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError('must be host:port, like 0.0.0.0:1883');
  return { host: (m[1] ?? m[2])!, port };
}
