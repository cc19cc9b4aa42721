/**
 * counter (car-park-counter): vehicles in and out of car parks from the lanes' loop detectors
 * (hardware/loop/). Each passage becomes one `loops` record ({carParkId, lane, direction, ts}, in a
 * high outbox lane: protocols/streams STREAM_PRIORITIES) for the fleet's occupancy engine, by the
 * lane's settings (lanes.ts says how a lane's kind turns A→B into in or out).
 *
 * It also keeps a local occupancy estimate per car park from its own counts (estimate.ts: clamped
 * at 0 and the capacity, in its own tables, so a restart keeps it), set to the configured night
 * count at the configured local time each night, and corrected by hand with the verb `adjust`
 * ({carParkId, delta | set, reason, by}: protocols/config/modules.ts CounterAdjustArgs). The
 * heartbeat's module status has no field for it, so the estimate is logged at each change and
 * answered by the verb `counter-status` (and `estimate()` in-process).
 *
 * Faults of the loops (stuck, silent in opening hours, unreadable) and lanes the settings do not
 * match make the module `degraded`, the reasons in its status; cleared, it is `ok` again.
 */
import type { Clock, CounterSettings } from '../../../protocols/index.js';
import { CounterAdjustArgs, formatIssues, MODULE_SETTINGS, systemClock } from '../../../protocols/index.js';
import type { LaneCrossing, LoopDetector, LoopFault } from '../../../hardware/loop/loop.js';
import { CommandRejected } from '../../commands.js';
import type { AgentContext, AgentModule } from '../../module.js';
import { EstimateStore, nextCount, recalibrationDue, type CarParkEstimate } from './estimate.js';
import { directionOf, laneProblems } from './lanes.js';

export interface CounterOptions {
  /** Wall time of the recalibration and the adjustments (default the system's; tests step it). */
  clock?: Clock;
  /** How often the nightly recalibration is looked for (ms, default 30 000). */
  checkMs?: number;
}

/** What the counter has counted since it started (the estimate aside). */
export interface CounterTally {
  in: number;
  out: number;
  /** Vehicles through a one-way lane the wrong way (recorded as what they did). */
  wrongWay: number;
  /** Passages on lanes the settings do not name: not recorded. */
  unmapped: number;
  /** Times an estimate would have gone below 0 or above its capacity. */
  clamped: number;
}

export interface CounterModule extends AgentModule<CounterSettings> {
  /** The local estimate of each car park counted or adjusted here, by id. */
  estimate(): Record<string, number>;
  tally(): CounterTally;
}

export function counter(options: CounterOptions = {}): CounterModule {
  const clock = options.clock ?? systemClock;
  let store: EstimateStore | null = null;
  let detector: LoopDetector | null = null;
  let unsubscribe: (() => void)[] = [];
  let tally: CounterTally = { in: 0, out: 0, wrongWay: 0, unmapped: 0, clamped: 0 };
  /** What keeps the module degraded: lanes that do not match, then the loops' faults. */
  let problems: string[] = [];
  const faults = new Map<string, LoopFault>();
  let refreshStatus = () => {};
  let settingsChanged: (section: CounterSettings) => void = () => {};

  return {
    name: 'counter',
    settings: MODULE_SETTINGS.counter,
    estimate: () => Object.fromEntries((store?.all() ?? []).map((e) => [e.carParkId, e.count])),
    tally: () => ({ ...tally }),

    async start(ctx: AgentContext<CounterSettings>) {
      tally = { in: 0, out: 0, wrongWay: 0, unmapped: 0, clamped: 0 };
      faults.clear();
      const estimates = new EstimateStore(ctx.db);
      store = estimates;
      const loops = ctx.drivers.loops ?? null;
      detector = loops;

      refreshStatus = () => {
        const reasons = [...problems, ...[...faults.values()].map((f) => `lane ${f.lane} loop ${f.loop.toUpperCase()} ${f.kind}: ${f.message}`)];
        if (reasons.length) ctx.setStatus('degraded', reasons.join('; ').slice(0, 500));
        else ctx.setStatus('ok');
      };
      const checkLanes = (section: CounterSettings) => {
        problems = loops ? laneProblems(section.lanes, loops.lanes) : ['no loop detectors configured (hardware.loops)'];
        refreshStatus();
      };

      /** Moves or sets a car park's estimate; returns it before and after. */
      const change = (carParkId: string, how: { delta: number } | { set: number }, at: number, note?: { kind: 'adjust' | 'recalibrate'; reason: string; by: string; recalibrated?: string }) => {
        const before = estimates.get(carParkId);
        const capacity = ctx.settings().carParks[carParkId]?.capacity;
        const { after, clamped } = nextCount(before.count, how, capacity);
        if (clamped && !note) tally.clamped++;
        const next: CarParkEstimate = { carParkId, count: after, updatedAt: at, recalibrated: note?.recalibrated ?? before.recalibrated };
        estimates.set(next, note ? { carParkId, kind: note.kind, before: before.count, after, reason: note.reason, by: note.by, at } : undefined);
        return { before: before.count, after, clamped };
      };

      const onCrossing = (c: LaneCrossing) => {
        const lane = ctx.settings().lanes[c.lane];
        if (!lane) {
          tally.unmapped++;
          ctx.log.warn('vehicle on a lane the settings do not name: not recorded', { lane: c.lane, order: c.order });
          return;
        }
        const { direction, wrongWay } = directionOf(lane.kind, c.order);
        // The record first: the fleet's count matters more than ours.
        void ctx.record('loops', { carParkId: lane.carParkId, lane: c.lane, direction, ts: c.at }, c.at);
        tally[direction]++;
        if (wrongWay) {
          tally.wrongWay++;
          ctx.log.warn('vehicle the wrong way through a one-way lane (or the lane is wired the other way round)', { lane: c.lane, kind: lane.kind, direction });
        }
        try {
          const { after, clamped } = change(lane.carParkId, { delta: direction === 'in' ? 1 : -1 }, c.at);
          ctx.log.debug('vehicle', { carParkId: lane.carParkId, lane: c.lane, direction, estimate: after, ...(clamped ? { clamped } : {}) });
        } catch (err) {
          ctx.log.error('estimate not updated', { carParkId: lane.carParkId, error: (err as Error).message });
        }
      };

      const recalibrate = () => {
        const s = ctx.settings();
        const now = clock.now();
        for (const [carParkId, park] of Object.entries(s.carParks)) {
          if (park.nightlyCount === undefined) continue;
          const date = recalibrationDue(now, park.nightlyAt, s.timeZone, estimates.get(carParkId).recalibrated);
          if (date === null) continue;
          const { before, after } = change(carParkId, { set: park.nightlyCount }, now, { kind: 'recalibrate', reason: `nightly at ${park.nightlyAt} ${s.timeZone}`, by: 'counter', recalibrated: date });
          ctx.log.info('estimate recalibrated', { carParkId, before, after, drift: before - after, date });
        }
      };

      ctx.commands.register('adjust', (args) => {
        const parsed = CounterAdjustArgs.safeParse(args);
        if (!parsed.success) throw new CommandRejected(`adjust: ${formatIssues(parsed.error)}`);
        const a = parsed.data;
        const s = ctx.settings();
        const known = new Set([...Object.values(s.lanes).map((l) => l.carParkId), ...Object.keys(s.carParks), ...estimates.all().map((e) => e.carParkId)]);
        if (!known.has(a.carParkId)) throw new CommandRejected(`adjust: this counter does not count car park ${a.carParkId} (it counts ${[...known].sort().join(', ') || 'none'})`);
        const how = a.set !== undefined ? { set: a.set } : { delta: a.delta! };
        const { before, after, clamped } = change(a.carParkId, how, clock.now(), { kind: 'adjust', reason: a.reason, by: a.by });
        ctx.log.info('estimate adjusted', { carParkId: a.carParkId, before, after, ...how, reason: a.reason, by: a.by });
        return { carParkId: a.carParkId, before, after, ...(clamped ? { clamped } : {}) };
      });
      ctx.commands.register('counter-status', () => ({
        estimates: estimates.all().map((e) => ({ ...e, capacity: ctx.settings().carParks[e.carParkId]?.capacity ?? null })),
        tally: { ...tally },
        lanes: loops?.health().lanes ?? [],
        faults: [...faults.values()],
        changes: estimates.changes(10),
      }));

      ctx.every(options.checkMs ?? 30_000, recalibrate);
      checkLanes(ctx.settings());
      settingsChanged = checkLanes;
      if (!loops) return;
      unsubscribe = [
        loops.onCrossing(onCrossing),
        loops.onFault((f) => {
          const key = `${f.lane}:${f.loop}:${f.kind}`;
          if (f.state === 'raised') faults.set(key, { lane: f.lane, loop: f.loop, kind: f.kind, since: f.since, message: f.message });
          else faults.delete(key);
          ctx.log[f.state === 'raised' ? 'warn' : 'info'](`loop fault ${f.state}`, { lane: f.lane, loop: f.loop, kind: f.kind, message: f.message });
          refreshStatus();
        }),
      ];
      await loops.start();
      recalibrate();
    },

    onSettings(section: CounterSettings) {
      settingsChanged(section);
    },

    async stop() {
      for (const off of unsubscribe) off();
      unsubscribe = [];
      refreshStatus = () => {};
      settingsChanged = () => {};
      await detector?.stop();
      detector = null;
    },
  };
}
