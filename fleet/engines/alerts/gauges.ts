/**
 * The fleet's gauges of what its devices report in their heartbeats, computed at scrape time from
 * the last online heartbeat of each online device (moduleSignals in evaluate.ts):
 *
 * - `tabla_displays_fallback`: stop displays showing their own timetable (no live board)
 * - `tabla_display_refreshes_per_hour{device}`: e-paper refreshes in the last hour, per display
 * - `tabla_panels_stale`: parking panels whose counts are stale (blanked)
 * - `tabla_loop_faults`: car-park counters with a loop detector fault
 * - `tabla_alerts_open{rule}`: open alerts, by rule
 */
import type { State } from '../../../protocols/index.js';
import type { Metrics } from '../../metrics.js';
import { moduleSignals } from './evaluate.js';
import { RULE_IDS, type RuleId } from './rules.js';

export function defineGauges(m: Metrics): void {
  m.define('tabla_displays_fallback', 'gauge', 'Stop displays showing their own timetable (no live board vouched for), of those online.');
  m.define('tabla_display_refreshes_per_hour', 'gauge', 'E-paper refreshes in the last hour, by device (online displays, as last reported).');
  m.define('tabla_panels_stale', 'gauge', 'Parking panels whose counts are stale (blanked), of those online.');
  m.define('tabla_loop_faults', 'gauge', 'Car-park counters reporting a loop detector fault, of those online.');
  m.define('tabla_alerts_open', 'gauge', 'Open alerts, by rule.');
}

export interface GaugeInput {
  /** The last online heartbeat of each online device. */
  states: { deviceId: string; state: State | null }[];
  openByRule: ReadonlyMap<RuleId, number>;
}

export function setGauges(m: Metrics, input: GaugeInput): void {
  let fallback = 0;
  let stale = 0;
  let faults = 0;
  m.reset('tabla_display_refreshes_per_hour');
  for (const { deviceId, state } of input.states) {
    const s = moduleSignals(state);
    if (s.fallback.length) fallback++;
    if (s.panelStale.length) stale++;
    if (s.loopFaults.length) faults++;
    if (s.refreshesLastHour !== null) m.set('tabla_display_refreshes_per_hour', { device: deviceId }, s.refreshesLastHour);
  }
  m.set('tabla_displays_fallback', {}, fallback);
  m.set('tabla_panels_stale', {}, stale);
  m.set('tabla_loop_faults', {}, faults);
  for (const rule of RULE_IDS) m.set('tabla_alerts_open', { rule }, input.openByRule.get(rule) ?? 0);
}
