/**
 * The command verbs an agent answers, so that the fleet can refuse a verb (or arguments) the agent
 * would reject before queueing it. An agent's birth lists the verbs it has registered (`verbs`);
 * for a device never seen, or one whose agent does not say, `verbsForRole` is the static table of
 * the core verbs plus the verbs of the role's modules (test/fleet/commands-verbs.test.ts keeps it
 * equal to what real agents register). Pure: no I/O.
 */
import { z } from 'zod';
import { CounterAdjustArgs } from './config/modules.js';
import { LOG_LEVELS } from './log.js';
import type { Role } from './mqtt/messages.js';

/** Verbs every agent registers (device/agent.ts and device/log-ship.ts). */
export const CORE_VERBS = ['ping', 'identify', 'rebirth', 'restart', 'set-log-level', 'logs', 'logs-follow'] as const;

/** Verbs of each module that registers some (device/modules/…). */
export const MODULE_VERBS: Readonly<Record<string, readonly string[]>> = {
  'board-watch': ['board-status'],
  gps: ['gps-status'],
  apc: ['apc-reset', 'apc-status'],
  counter: ['adjust', 'counter-status'],
};

/** The modules each role runs, as far as their verbs go (device/roles.ts is the full table). */
export const ROLE_VERB_MODULES: Readonly<Record<Role, readonly string[]>> = {
  bus: ['board-watch', 'gps', 'apc'],
  'stop-display': ['board-watch', 'departures'],
  'parking-panel': ['board-watch', 'panel'],
  'car-park-counter': ['board-watch', 'counter'],
  'info-panel': ['board-watch', 'kiosk'],
};

/** The verbs an agent of `role` registers when all its modules run. */
export function verbsForRole(role: Role): string[] {
  return [...CORE_VERBS, ...ROLE_VERB_MODULES[role].flatMap((m) => MODULE_VERBS[m] ?? [])];
}

/** The arguments of the verbs that take some, where the agent would refuse others. */
export const VERB_ARGS: Readonly<Record<string, z.ZodType>> = {
  'set-log-level': z.object({ level: z.enum(LOG_LEVELS) }),
  logs: z.object({ since: z.number().finite().optional(), limit: z.number().int().positive().optional() }).passthrough(),
  'logs-follow': z.object({ forS: z.number().finite().nonnegative() }).passthrough(),
  adjust: CounterAdjustArgs,
};

export type VerbCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether `verb` with `args` is one the agent would take, given the verbs it `known`s: an unknown
 * verb names the closest known one ("did you mean …"), bad arguments say what is wrong.
 */
export function checkVerb(verb: string, args: Record<string, unknown>, known: readonly string[]): VerbCheck {
  if (!known.includes(verb)) {
    const near = closest(verb, known);
    return { ok: false, reason: `unknown verb ${verb}${near ? `; did you mean ${near}?` : ''} (known: ${[...known].sort().join(', ')})` };
  }
  const schema = VERB_ARGS[verb];
  if (!schema) return { ok: true };
  const parsed = schema.safeParse(args);
  if (parsed.success) return { ok: true };
  const issues = parsed.error.issues.map((i) => `args.${i.path.join('.') || '(all)'}: ${i.message}`);
  return { ok: false, reason: `${verb}: ${issues.join('; ')}` };
}

/** The known verb nearest to `verb` by edit distance, if near enough to be a typo (or a prefix of it). */
export function closest(verb: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.startsWith(verb) || verb.startsWith(k) ? 1 : editDistance(verb, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(verb.length / 3)) ? best : null;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
