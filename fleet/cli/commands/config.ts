/**
 * `tabla config get|set|diff <id>`: a device's desired settings, versioned; the device reports which
 * version it applied. `set` merges a change into the current settings (`key=value` pairs or a JSON
 * patch; `--replace` sends a whole document) and prints what changed. The valid keys come from the
 * settings' own schemas (protocols/config/agent.ts and each module's in config/modules.ts). `diff`
 * compares the desired version with the one the device reports it runs (the fleet keeps both).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DeviceSettings, MODULE_SETTINGS } from '../../../protocols/index.js';
import type { DeviceConfigRecord, ReportedSettings } from '../../device-config.js';
import { enc } from '../api.js';
import { jsonObject, jsonObjectOrFile } from '../args.js';
import type { CliContext } from '../context.js';
import { configState, configView } from '../format.js';
import { examples } from '../help.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every key `config set` takes, dotted: the top-level settings, then each module's. */
export function validKeys(): string[] {
  const top = Object.keys(DeviceSettings.shape).filter((k) => k !== 'modules');
  const modules = Object.entries(MODULE_SETTINGS).flatMap(([name, schema]) => Object.keys(schema.shape).map((k) => `modules.${name}.${k}`));
  return [...top, 'labels.<name>', ...modules];
}

/** Null when `path` names a setting, else why not. */
export function checkKey(path: string[]): string | null {
  const [first, second, third] = path;
  const shown = path.join('.');
  if (!first || !(first in DeviceSettings.shape)) return `unknown key ${shown}`;
  if (first === 'labels') return path.length === 2 ? null : `labels take one name: labels.<name>=<value>`;
  if (first !== 'modules' || second === undefined) return null;
  const schema = (MODULE_SETTINGS as Record<string, { shape: Json }>)[second];
  if (!schema) return `unknown module ${second} (modules: ${Object.keys(MODULE_SETTINGS).join(', ')})`;
  if (third !== undefined && !(third in schema.shape)) return `unknown key ${shown} (module ${second} has: ${Object.keys(schema.shape).join(', ')})`;
  return null;
}

function keyError(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`${why}\nvalid keys:\n  ${validKeys().join('\n  ')}`);
}

/** The paths a JSON patch touches, down to a module's key (deeper is that key's own value). */
function patchPaths(patch: Json, prefix: string[] = []): string[][] {
  return Object.entries(patch).flatMap(([k, v]) => {
    const path = [...prefix, k];
    const descend = isObject(v) && (path[0] === 'modules' ? path.length < 3 : path.length < 1);
    return descend ? patchPaths(v, path) : [path];
  });
}

/** `key=value` (the value JSON when it parses, else text) into a patch; a JSON object is a patch already. */
export function parsePatch(args: string[]): Json {
  if (args.length === 1 && /^\s*[{@]/.test(args[0]!)) {
    const patch = jsonObjectOrFile(args[0]!.trim());
    for (const p of patchPaths(patch)) {
      const why = checkKey(p);
      if (why) throw keyError(why);
    }
    return patch;
  }
  const patch: Json = {};
  for (const arg of args) {
    const m = /^([A-Za-z0-9_.-]+)=(.*)$/s.exec(arg);
    if (!m) throw keyError(`${arg}: want key=value, or one JSON object`);
    const path = m[1]!.split('.');
    const why = checkKey(path);
    if (why) throw keyError(why);
    let value: unknown;
    try {
      value = JSON.parse(m[2]!);
    } catch {
      value = m[2]!;
    }
    let at = patch;
    for (const k of path.slice(0, -1)) at = (at[k] = isObject(at[k]) ? at[k] : {}) as Json;
    at[path.at(-1)!] = value;
  }
  return patch;
}

/** JSON merge patch (RFC 7386): objects merge, null removes a key, anything else replaces. */
export function mergePatch(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObject(v)) out[k] = mergePatch(isObject(base[k]) ? base[k] : {}, v);
    else out[k] = v;
  }
  return out;
}

function leaves(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (isObject(value) && (Object.keys(value).length > 0 || prefix === '')) {
    for (const [k, v] of Object.entries(value)) for (const [p, t] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, t);
  } else out.set(prefix, JSON.stringify(value));
  return out;
}

/** The settings that differ, a line each: `~ key: old → new`, `+ key: new`, `- key: old`. */
export function settingsDiff(before: unknown, after: unknown): string[] {
  const a = leaves(before);
  const b = leaves(after);
  const lines: string[] = [];
  for (const [k, v] of b) {
    if (!a.has(k)) lines.push(`+ ${k}: ${v}`);
    else if (a.get(k) !== v) lines.push(`~ ${k}: ${a.get(k)} → ${v}`);
  }
  for (const [k, v] of a) if (!b.has(k)) lines.push(`- ${k}: ${v}`);
  return lines;
}

/** Settings with their defaults filled in, as the fleet stores them; as given when they do not parse. */
function complete(settings: Json | null): Json {
  const parsed = DeviceSettings.safeParse(settings ?? {});
  return parsed.success ? (parsed.data as Json) : (settings ?? {});
}

export function register(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description("get | set | diff <id>: a device's desired settings (versioned; it reports what it applied)")
    .addHelpText('after', examples(['tabla config get bus-01', 'tabla config set bus-01 logLevel=debug heartbeatS=15', 'tabla config diff bus-01']));

  config
    .command('get')
    .description('desired and reported config version, and the desired settings')
    .argument('<id>')
    .option('--json', 'print the JSON')
    .addHelpText('after', examples(['tabla config get bus-01', 'tabla config get bus-01 --json']))
    .action(async (id: string, o: { json?: boolean }) => {
      const c = await ctx.api().get<DeviceConfigRecord>(`/api/devices/${enc(id)}/config`);
      if (o.json) ctx.json(c);
      else ctx.out(configView(c, ctx.style()));
    });

  config
    .command('set')
    .description('change the desired settings: key=value pairs or a JSON patch, merged into the current ones')
    .argument('<id>')
    .argument('<change...>', 'key=value (value as JSON, else text; null removes), or one JSON object / @file.json')
    .option('--replace', 'send the JSON object as the whole settings document instead of merging it')
    .option('--json', 'print the JSON answer')
    .addHelpText(
      'after',
      examples(
        [
          'tabla config set bus-01 logLevel=debug heartbeatS=15',
          'tabla config set stop-1 modules.departures.horizonMin=90',
          `tabla config set stop-1 '{"modules":{"kiosk":{"port":8091}}}'`,
          'tabla config set stop-1 --replace @settings.json',
        ],
        `Valid keys:\n  ${validKeys().join('\n  ')}`,
      ),
    )
    .action(async (id: string, change: string[], o: { replace?: boolean; json?: boolean }, cmd: Command) => {
      const patch = usage(cmd, () => (o.replace ? replacement(change) : parsePatch(change)));
      const api = ctx.api();
      const current = await api.get<DeviceConfigRecord>(`/api/devices/${enc(id)}/config`);
      const settings = o.replace ? patch : mergePatch(current.desired ?? {}, patch);
      const r = await api.request<{ version: number }>('PUT', `/api/devices/${enc(id)}/config`, { settings });
      const diff = settingsDiff(complete(current.desired), complete(settings));
      if (o.json) return ctx.json({ ...r, changes: diff });
      ctx.out(
        [
          `${id}: config v${r.version} set; the device applies it when online (tabla config get ${id} shows whether it did)`,
          ...(diff.length ? diff.map((l) => `  ${l}`) : ['  (no change to the settings)']),
        ].join('\n'),
      );
    });

  config
    .command('diff')
    .description('desired against reported: whether the device runs the desired version, and what changes from the one it runs')
    .argument('<id>')
    .option('--json', 'print the JSON')
    .addHelpText('after', examples(['tabla config diff bus-01', 'tabla config diff bus-01 --json']))
    .action(async (id: string, o: { json?: boolean }) => {
      const c = await ctx.api().get<DeviceConfigAnswer>(`/api/devices/${enc(id)}/config`);
      const inSync = c.desiredVersion === 0 || (c.reportedVersion === c.desiredVersion && !c.reportedError);
      const base = inSync ? null : diffBase(c);
      const changes = base ? settingsDiff(complete(base.settings), complete(c.desired)) : [];
      const from = base?.from ?? null;
      if (o.json) return ctx.json({ desired: c.desiredVersion, reported: c.reportedVersion, error: c.reportedError, inSync, changes, from });
      const state = configState({ desired: c.desiredVersion, reported: c.reportedVersion, error: c.reportedError });
      if (!base) return ctx.out(`${id}: in sync (${state})`);
      const heading =
        from === null
          ? `v${c.desiredVersion} sets, against the defaults (what the device runs is unknown: ${base.why}):`
          : `changes from v${from} (what the device runs${from === 0 ? `: ${base.why}` : ''}) to v${c.desiredVersion} (desired):`;
      ctx.out(
        [
          `${id}: desired v${c.desiredVersion}, reported ${c.reportedVersion === null ? 'nothing yet' : `v${c.reportedVersion}`}${c.reportedError ? ` (rejected: ${c.reportedError})` : ''}`,
          heading,
          ...(changes.length ? changes.map((l) => `  ${l}`) : [from === null ? '  (only defaults)' : '  (no change to the settings)']),
        ].join('\n'),
      );
    });
}

/** `GET /api/devices/:id/config`; a fleet from before the history answers without the reported fields. */
type DeviceConfigAnswer = DeviceConfigRecord & Partial<ReportedSettings>;

/**
 * What the desired version is compared with: the settings of the version the device reports (v0,
 * none pushed, is the defaults), or the defaults with the reason when that version's are unknown.
 */
function diffBase(c: DeviceConfigAnswer): { from: number | null; settings: Json | null; why: string } {
  const why = c.reportedSettingsNote ?? 'this fleet does not say what the reported version sets';
  if (c.reportedVersion === 0) return { from: 0, settings: null, why: 'no settings pushed, the agent runs its own file; shown against the defaults' };
  if (c.reportedVersion !== null && c.reportedSettings) return { from: c.reportedVersion, settings: c.reportedSettings, why: '' };
  return { from: null, settings: null, why };
}

/** Runs a check of the arguments; its InvalidArgumentError is a usage error (exit 2), printed like commander's. */
function usage<T>(cmd: Command, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof InvalidArgumentError) cmd.error(`tabla: ${err.message}`, { exitCode: 2, code: 'tabla.usage' });
    throw err;
  }
}

function replacement(change: string[]): Json {
  if (change.length !== 1) throw new InvalidArgumentError('--replace takes one JSON object or @file.json');
  const doc = change[0]!.startsWith('@') ? jsonObjectOrFile(change[0]!) : jsonObject(change[0]!);
  for (const p of patchPaths(doc)) {
    const why = checkKey(p);
    if (why) throw keyError(why);
  }
  return doc;
}
