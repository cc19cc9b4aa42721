/**
 * The "alerts" engine: the operators' alarms. Rules (rules.ts: device offline past N, outbox
 * backlog past N, parking panel stale, loop fault, stop display on its fallback timetable) are
 * evaluated per device (evaluate.ts) when its presence changes or its heartbeat comes, and for
 * every device on a tick (time alone makes a device offline for too long). A rule that starts to
 * hold raises an alert; one that stops holding clears it. Both are kept in `alerts_history`
 * (store.ts) with their times, logged, counted, and sent on to the webhook if one is configured
 * (webhook.ts: queued, never blocking, retried with backoff, bounded).
 *
 * It also keeps the fleet's gauges of what the heartbeats report (gauges.ts).
 *
 * Routes (admin token):
 * - `GET /api/alerts[?device=ID]` → `{open: AlertJson[], recent: AlertJson[]}`: open alerts, oldest
 *   first, and those cleared within `recentHours`, newest first; times as ISO 8601
 * - `GET /api/alerts/rules` → `{source, rules: [{id, enabled, text, …thresholds}], webhook:
 *   {target, queued, sent, failed, dropped, lastError} | null, tickS, recentHours, keepDays}`
 */
import type { State } from '../../../protocols/index.js';
import type { EngineContext, FleetEngine } from '../engine.js';
import { deviceConditions, reconcile, type DeviceView } from './evaluate.js';
import { defineGauges, setGauges } from './gauges.js';
import { RULE_IDS, RULE_TEXT, loadAlertsConfig, parseAlertsConfig, type AlertsConfig, type AlertsConfigInput, type RuleId } from './rules.js';
import { ALERTS_MIGRATIONS, AlertStore, type Alert } from './store.js';
import { WebhookSender, webhookBody } from './webhook.js';

export { deviceConditions, moduleSignals, reconcile, type Condition, type DeviceView, type ModuleSignals } from './evaluate.js';
export { AlertsConfig, RULE_IDS, RULE_TEXT, loadAlertsConfig, parseAlertsConfig, type RuleId, type AlertsConfigInput } from './rules.js';
export { ALERTS_MIGRATIONS, AlertStore, type Alert } from './store.js';
export { WebhookSender, webhookBody, type WebhookBody } from './webhook.js';

/** An alert as the API gives it. */
export interface AlertJson {
  id: number;
  deviceId: string;
  rule: RuleId;
  detail: string;
  raisedAt: string;
  clearedAt: string | null;
  clearedDetail: string | null;
}

export interface AlertsEngineOptions {
  /** The configuration itself (tests, embedding); without it TABLA_ALERTS_FILE / `<dataDir>/alerts/alerts.json`. */
  config?: AlertsConfigInput;
  /** Where TABLA_ALERTS_FILE and TABLA_ALERTS_WEBHOOK are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface AlertsEngine extends FleetEngine {
  /** Open alerts, oldest first (empty before start). */
  open(): Alert[];
  /** Evaluates every device now (what the tick does). */
  evaluate(): void;
}

const HOUR = 3_600_000;

export const alertJson = (a: Alert): AlertJson => ({
  ...a,
  raisedAt: new Date(a.raisedAt).toISOString(),
  clearedAt: a.clearedAt === null ? null : new Date(a.clearedAt).toISOString(),
});

export function alertsEngine(options: AlertsEngineOptions = {}): AlertsEngine {
  let timer: NodeJS.Timeout | null = null;
  let soon: NodeJS.Immediate | null = null;
  let webhook: WebhookSender | null = null;
  let store: AlertStore | null = null;
  let evaluateAll: () => void = () => {};

  return {
    name: 'alerts',
    open: () => store?.open() ?? [],
    evaluate: () => evaluateAll(),

    start(ctx: EngineContext) {
      const loaded = options.config ? { config: parseAlertsConfig(options.config, 'options'), source: 'options' } : loadAlertsConfig(ctx.dataDir, options.env);
      const config: AlertsConfig = loaded.config;
      const s = new AlertStore(ctx.migrate(ALERTS_MIGRATIONS));
      store = s;
      const m = ctx.metrics;
      m.define('tabla_alerts_raised_total', 'counter', 'Alerts raised, by rule.');
      m.define('tabla_alerts_cleared_total', 'counter', 'Alerts cleared, by rule.');
      m.define('tabla_alerts_webhook_total', 'counter', 'Alerts sent on to the webhook, by outcome (sent; retried; failed: out of attempts; dropped: queue full).');
      m.define('tabla_alerts_errors_total', 'counter', 'Alert evaluations that failed (logged with the device).');
      defineGauges(m);

      webhook = config.webhook ? new WebhookSender(config.webhook, ctx.log.child('webhook'), (outcome) => m.inc('tabla_alerts_webhook_total', { outcome })) : null;
      const startedAt = ctx.clock.now();
      /** Open alerts by device and rule, as in the table. */
      const open = new Map<string, Map<RuleId, Alert>>();
      for (const a of s.open()) {
        if (!open.has(a.deviceId)) open.set(a.deviceId, new Map());
        open.get(a.deviceId)!.set(a.rule, a);
      }
      /** When each device the fleet saw leave online left it (see DeviceView.downSince). */
      const downSince = new Map<string, number>();
      /** The last heartbeat of each device that said online (a will carries no statuses). */
      const lastOnline = new Map<string, State>();
      const stateOf = (id: string): State | null => {
        const known = lastOnline.get(id);
        if (known) return known;
        const st = ctx.devices.get(id)?.state;
        return st && st.status === 'online' ? st : null;
      };

      const raise = (deviceId: string, rule: RuleId, detail: string, now: number) => {
        const a = s.raise(deviceId, rule, detail, now);
        if (!open.has(deviceId)) open.set(deviceId, new Map());
        open.get(deviceId)!.set(rule, a);
        m.inc('tabla_alerts_raised_total', { rule });
        ctx.log.warn('alert raised', { device: deviceId, rule, detail });
        webhook?.send(webhookBody('raised', a));
      };
      const clear = (deviceId: string, rule: RuleId, now: number, why: string) => {
        open.get(deviceId)?.delete(rule);
        if (open.get(deviceId)?.size === 0) open.delete(deviceId);
        const a = s.clear(deviceId, rule, now, why);
        if (!a) return;
        m.inc('tabla_alerts_cleared_total', { rule });
        ctx.log.info('alert cleared', { device: deviceId, rule, why });
        webhook?.send(webhookBody('cleared', a));
      };

      const evaluateDevice = (id: string, now: number) => {
        try {
          const record = ctx.devices.get(id);
          const mine = open.get(id) ?? new Map<RuleId, Alert>();
          if (!record) {
            for (const rule of [...mine.keys()]) clear(id, rule, now, 'device removed');
            return;
          }
          const details = new Map([...mine].map(([rule, a]) => [rule, a.detail] as const));
          const presence = ctx.devices.presence(id);
          const since = presence === 'online' ? null : (downSince.get(id) ?? (record.lastSeen === null ? null : Math.max(record.lastSeen, startedAt)));
          const view: DeviceView = { id, presence, lastSeen: record.lastSeen, downSince: since, state: stateOf(id) };
          const holding = deviceConditions(view, config.rules, now, details);
          const { raise: up, clear: down } = reconcile(details, holding);
          for (const c of up) raise(id, c.rule, c.detail, now);
          for (const rule of down) clear(id, rule, now, config.rules[rule]?.enabled === false ? 'rule turned off' : 'no longer holds');
        } catch (err) {
          m.inc('tabla_alerts_errors_total');
          ctx.log.error('alert evaluation failed', { device: id, error: (err as Error).message, stack: (err as Error).stack });
        }
      };

      let prunedAt = 0;
      evaluateAll = () => {
        const now = ctx.clock.now();
        const ids = new Set([...ctx.devices.list().map((d) => d.id), ...open.keys()]);
        for (const id of ids) evaluateDevice(id, now);
        if (now - prunedAt > HOUR) {
          prunedAt = now;
          const n = s.prune(now - config.keepDays * 24 * HOUR);
          if (n) ctx.log.info('old cleared alerts deleted', { count: n, keepDays: config.keepDays });
        }
      };
      const tick = () => {
        try {
          evaluateAll();
        } catch (err) {
          m.inc('tabla_alerts_errors_total');
          ctx.log.error('alert tick failed', { error: (err as Error).message, stack: (err as Error).stack });
        }
      };

      ctx.on('presence-changed', ({ deviceId, presence, previous }) => {
        const now = ctx.clock.now();
        if (presence === 'online') downSince.delete(deviceId);
        else if (previous === 'online' || !downSince.has(deviceId)) downSince.set(deviceId, now);
        evaluateDevice(deviceId, now);
      });
      ctx.on('device-state', ({ deviceId, state }) => {
        if (state.status === 'online') lastOnline.set(deviceId, state);
        evaluateDevice(deviceId, ctx.clock.now());
      });

      m.collect(() => {
        if (store !== s) return; // stopped: the gauges keep their last values
        try {
          collectGauges();
        } catch (err) {
          m.inc('tabla_alerts_errors_total');
          ctx.log.error('alert gauges not computed', { error: (err as Error).message });
        }
      });
      const collectGauges = () => {
        const byRule = new Map<RuleId, number>();
        for (const rules of open.values()) for (const rule of rules.keys()) byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
        const states = ctx.devices
          .list()
          .filter((d) => ctx.devices.presence(d.id) === 'online')
          .map((d) => ({ deviceId: d.id, state: stateOf(d.id) }));
        setGauges(m, { states, openByRule: byRule });
      };

      timer = setInterval(tick, config.tickS * 1000);
      timer.unref();
      soon = setImmediate(tick);
      ctx.log.info('alerts started', { source: loaded.source, webhook: webhook?.target ?? null, open: s.open().length });

      ctx.routes.add('GET', '/api/alerts', (req) => {
        const device = req.url.searchParams.get('device');
        const mineOnly = (a: Alert) => device === null || a.deviceId === device;
        const since = ctx.clock.now() - config.recentHours * HOUR;
        return { body: { open: s.open().filter(mineOnly).map(alertJson), recent: s.recent(since).filter(mineOnly).map(alertJson) } };
      });
      ctx.routes.add('GET', '/api/alerts/rules', () => ({
        body: {
          source: loaded.source,
          rules: RULE_IDS.map((id) => ({ id, ...config.rules[id], text: RULE_TEXT[id] })),
          webhook: webhook ? { target: webhook.target, ...webhook.stats() } : null,
          tickS: config.tickS,
          recentHours: config.recentHours,
          keepDays: config.keepDays,
        },
      }));
    },

    stop() {
      if (timer) clearInterval(timer);
      if (soon) clearImmediate(soon);
      timer = null;
      soon = null;
      webhook?.stop();
      webhook = null;
      store = null;
      evaluateAll = () => {};
    },
  };
}
