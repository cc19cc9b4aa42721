/**
 * The alert decision, apart from its I/O: which rules hold for a device now (from its presence and
 * its last online heartbeat), and what that means against the alerts already open (raise, clear).
 * Pure functions; the engine stores and sends what they decide.
 */
import type { State } from '../../../protocols/index.js';
import type { Presence } from '../../presence.js';
import type { AlertsConfig, RuleId } from './rules.js';

/** What the rules see of one device. */
export interface DeviceView {
  id: string;
  presence: Presence;
  /** When the fleet last heard it (wall ms), null if never. */
  lastSeen: number | null;
  /**
   * Since when it has not been online as far as the fleet knows (wall ms): when its presence left
   * online, or for one not heard since the fleet started, the later of its last word and the start.
   * Null while online or never seen (provisioned, not installed yet).
   */
  downSince: number | null;
  /** Its last heartbeat that said online (a last will carries no statuses), or null. */
  state: State | null;
}

/** A rule that holds for a device, and why, as a person reads it. */
export interface Condition {
  deviceId: string;
  rule: RuleId;
  detail: string;
}

/** The rules read from a heartbeat: while a device is not online they keep what they were. */
const HEARTBEAT_RULES: readonly RuleId[] = ['outbox-backlog', 'panel-stale', 'loop-fault', 'display-fallback'];

/** What the modules of one heartbeat report, as the rules and the gauges read it. */
export interface ModuleSignals {
  /** Modules showing their own timetable (`display.live` false). */
  fallback: string[];
  /** Modules whose parking counts are stale: `module: reason`. */
  panelStale: string[];
  /** Loop faults: `module: lane N loop A kind: message`. */
  loopFaults: string[];
  /** Sum of the display modules' refreshes in the last hour; null without a display. */
  refreshesLastHour: number | null;
}

const STALE = /^parking counts stale\b/;
const LOOP_FAULT = /^lane \S+ loop \S+ /;

export function moduleSignals(state: State | null): ModuleSignals {
  const out: ModuleSignals = { fallback: [], panelStale: [], loopFaults: [], refreshesLastHour: null };
  for (const [name, m] of Object.entries(state?.modules ?? {})) {
    if (m.display) {
      out.refreshesLastHour = (out.refreshesLastHour ?? 0) + m.display.refreshesLastHour;
      if (m.display.live === false) out.fallback.push(name);
    }
    if (m.status !== 'degraded' || !m.error) continue;
    if (STALE.test(m.error)) out.panelStale.push(`${name}: ${m.error}`);
    for (const part of m.error.split('; ')) if (LOOP_FAULT.test(part)) out.loopFaults.push(`${name}: ${part}`);
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The rules that hold for `d` at `now`. `open` are its rules with an alert open: a heartbeat rule
 * stays as it is while the device is not online (its last word still stands), so going offline
 * neither clears a backlog nor raises one from a will.
 */
export function deviceConditions(d: DeviceView, rules: AlertsConfig['rules'], now: number, open: ReadonlyMap<RuleId, string>): Condition[] {
  const out: Condition[] = [];
  const hold = (rule: RuleId, detail: string) => {
    if (rules[rule].enabled) out.push({ deviceId: d.id, rule, detail });
  };

  if (d.presence !== 'online' && d.downSince !== null && now - d.downSince > rules['device-offline'].afterS * 1000) {
    const heard = d.lastSeen === null ? 'never heard' : `last heard ${iso(d.lastSeen)}`;
    hold('device-offline', d.presence === 'unknown' ? `not heard since the fleet started (${heard})` : `${d.presence} since ${iso(d.downSince)}, ${heard}`);
  }

  if (d.presence !== 'online') {
    for (const rule of HEARTBEAT_RULES) {
      const detail = open.get(rule);
      if (detail !== undefined) hold(rule, detail);
    }
    return out;
  }

  const outbox = d.state?.outbox;
  if (outbox && outbox.depth > rules['outbox-backlog'].depth) {
    const oldest = outbox.oldestAgeS === null ? '' : `, oldest ${Math.round(outbox.oldestAgeS)} s`;
    hold('outbox-backlog', `outbox depth ${outbox.depth} > ${rules['outbox-backlog'].depth}${oldest}`);
  }
  const s = moduleSignals(d.state);
  if (s.panelStale.length) hold('panel-stale', s.panelStale.join('; ').slice(0, 500));
  if (s.loopFaults.length) hold('loop-fault', s.loopFaults.join('; ').slice(0, 500));
  if (s.fallback.length) hold('display-fallback', `${s.fallback.join(', ')}: showing its timetable (live data unavailable)`);
  return out;
}

/** Against the rules open for one device: which conditions to raise and which open rules to clear. */
export function reconcile(open: ReadonlyMap<RuleId, string>, holding: readonly Condition[]): { raise: Condition[]; clear: RuleId[] } {
  const now = new Set(holding.map((c) => c.rule));
  return {
    raise: holding.filter((c) => !open.has(c.rule)),
    clear: [...open.keys()].filter((rule) => !now.has(rule)),
  };
}
