/**
 * `tabla alerts [--all] [--device ID] [--json]`: the operators' alerts (device offline, outbox
 * backlog, parking panel stale, loop fault, stop display on its fallback timetable).
 *
 * - without flags: the open alerts, oldest first, as a plain aligned table (device, rule, since,
 *   detail); "no open alerts" when there are none
 * - `--all`: the recently cleared ones too (within the fleet's `recentHours`), newest first, with
 *   when they cleared
 * - `--json`: what the fleet answered (`GET /api/alerts`: `{open, recent}`)
 * - `tabla alerts rules [--json]`: the rules in force, their thresholds, and the webhook's state
 */
import type { Command } from 'commander';
import type { AlertJson } from '../../engines/alerts/index.js';
import { enc } from '../api.js';
import { noHeadersOption, optionsGiven } from '../args.js';
import type { CliContext } from '../context.js';
import { age, table, type Style } from '../format.js';
import { examples } from '../help.js';

interface Alerts {
  open: AlertJson[];
  recent: AlertJson[];
}

interface Rules {
  source: string;
  rules: ({ id: string; enabled: boolean; text: string } & Record<string, unknown>)[];
  webhook: { target: string; queued: number; sent: number; failed: number; dropped: number; lastError: string | null } | null;
  tickS: number;
  recentHours: number;
}

/** The open alerts (and, with `all`, the recently cleared ones) as aligned text. */
export function alertsText(a: Alerts, all: boolean, style: Style): string {
  const now = style.now;
  const open = a.open.length
    ? table(
        ['DEVICE', 'RULE', 'SINCE', 'DETAIL'],
        a.open.map((x) => [x.deviceId, x.rule, age(x.raisedAt, now), x.detail]),
        style,
      )
    : 'no open alerts';
  if (!all) return open;
  const recent = a.recent.length
    ? table(
        ['DEVICE', 'RULE', 'RAISED', 'CLEARED', 'DETAIL'],
        a.recent.map((x) => [x.deviceId, x.rule, age(x.raisedAt, now), age(x.clearedAt, now), x.detail]),
        style,
      )
    : 'none cleared recently';
  return `${open}\n\nrecently cleared:\n${recent}`;
}

export function rulesText(r: Rules, style: Style): string {
  const params = (x: Rules['rules'][number]) =>
    Object.entries(x)
      .filter(([k]) => !['id', 'enabled', 'text'].includes(k))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ') || '-';
  const rules = table(
    ['RULE', 'ENABLED', 'THRESHOLD', 'WHEN'],
    r.rules.map((x) => [x.id, x.enabled ? 'yes' : 'no', params(x), x.text]),
    style,
  );
  const hook = r.webhook
    ? `webhook ${r.webhook.target}: ${r.webhook.sent} sent, ${r.webhook.queued} queued, ${r.webhook.failed} failed, ${r.webhook.dropped} dropped${r.webhook.lastError ? ` (last error: ${r.webhook.lastError})` : ''}`
    : 'no webhook (TABLA_ALERTS_WEBHOOK or "webhook" in the alerts file)';
  return `${rules}\n\nfrom ${r.source}; evaluated every ${r.tickS} s; cleared alerts listed for ${r.recentHours} h\n${hook}`;
}

export function register(program: Command, ctx: CliContext): void {
  const alerts = program
    .command('alerts')
    .description('open alerts: device offline, outbox backlog, panel stale, loop fault, display on its timetable')
    .option('--all', 'with the recently cleared ones')
    .option('--device <id>', "only this device's")
    .option('--json', 'print JSON')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla alerts', 'tabla alerts --all --device stop-tomsiceva', 'tabla alerts --no-headers', 'tabla alerts --all --json', 'tabla alerts rules']))
    .action(async (o: { all?: boolean; device?: string; json?: boolean; headers: boolean }) => {
      const a = await ctx.api().get<Alerts>(`/api/alerts${o.device ? `?device=${enc(o.device)}` : ''}`);
      if (o.json) return ctx.json(o.all ? a : { open: a.open });
      ctx.out(alertsText(a, Boolean(o.all), ctx.style(o)));
    });
  alerts
    .command('rules')
    .description('the alert rules in force and the webhook')
    .option('--json', 'print JSON')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla alerts rules', 'tabla alerts rules --json']))
    .action(async (_o, cmd: Command) => {
      const o = optionsGiven<{ json?: boolean; headers: boolean }>(cmd);
      const r = await ctx.api().get<Rules>('/api/alerts/rules');
      if (o.json) return ctx.json(r);
      ctx.out(rulesText(r, ctx.style(o)));
    });
}
