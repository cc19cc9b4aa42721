/**
 * The alert rules and where the alerts go: one schema gives the type, the defaults and the
 * validation of the alerts file.
 *
 * The file is `TABLA_ALERTS_FILE`, else `<dataDir>/alerts/alerts.json` when it exists, else the
 * defaults alone. Every key is optional:
 *
 * ```json
 * {
 *   "rules": {
 *     "device-offline":   { "enabled": true, "afterS": 300 },
 *     "outbox-backlog":   { "enabled": true, "depth": 1000 },
 *     "panel-stale":      { "enabled": true },
 *     "loop-fault":       { "enabled": true },
 *     "display-fallback": { "enabled": true }
 *   },
 *   "webhook": { "url": "https://hooks.example.org/tabla", "timeoutMs": 5000, "maxAttempts": 5 },
 *   "tickS": 15,
 *   "recentHours": 24,
 *   "keepDays": 30
 * }
 * ```
 *
 * `TABLA_ALERTS_WEBHOOK` sets (or overrides) the webhook's URL. A file that does not parse or
 * does not fit the schema stops the engine's start with an error naming the file and the paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../../../protocols/index.js';

export const RULE_IDS = ['device-offline', 'outbox-backlog', 'panel-stale', 'loop-fault', 'display-fallback'] as const;
export type RuleId = (typeof RULE_IDS)[number];

const enabled = z.boolean().default(true);

export const AlertsConfig = z
  .object({
    rules: z
      .object({
        'device-offline': z
          .object({ enabled, afterS: z.number().int().min(1).max(7 * 86_400).default(300).describe('offline, stale or unheard for longer than this') })
          .strict()
          .prefault({}),
        'outbox-backlog': z
          .object({ enabled, depth: z.number().int().min(1).max(10_000_000).default(1000).describe("records pending in a device's outbox, more than this") })
          .strict()
          .prefault({}),
        'panel-stale': z.object({ enabled }).strict().prefault({}),
        'loop-fault': z.object({ enabled }).strict().prefault({}),
        'display-fallback': z.object({ enabled }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    webhook: z
      .object({
        url: z.url({ protocol: /^https?$/ }).describe('where raised and cleared alerts are POSTed as JSON'),
        timeoutMs: z.number().int().min(100).max(60_000).default(5000),
        maxAttempts: z.number().int().min(1).max(20).default(5).describe('tries per alert before it is dropped (logged, counted)'),
        backoffMs: z.number().int().min(1).max(60_000).default(1000).describe('the first retry waits this long, doubling'),
        maxBackoffMs: z.number().int().min(1).max(3_600_000).default(60_000),
        queue: z.number().int().min(1).max(10_000).default(200).describe('alerts waiting to be sent; past it the oldest is dropped'),
      })
      .strict()
      .optional(),
    tickS: z.number().min(0.05).max(3600).default(15).describe('how often every device is evaluated (events evaluate their device at once)'),
    recentHours: z.number().min(0).max(24 * 90).default(24).describe('cleared alerts younger than this are listed as recent'),
    keepDays: z.number().min(1).max(3650).default(30).describe('cleared alerts older than this are deleted'),
  })
  .strict();
export type AlertsConfig = z.infer<typeof AlertsConfig>;
export type AlertsConfigInput = z.input<typeof AlertsConfig>;
export type WebhookConfig = NonNullable<AlertsConfig['webhook']>;

/** What each rule watches, for `GET /api/alerts/rules` and the docs. */
export const RULE_TEXT: Record<RuleId, string> = {
  'device-offline': 'a device seen before is offline, stale or not heard since the fleet started, for longer than afterS',
  'outbox-backlog': "a device's heartbeat reports more than depth records pending in its outbox",
  'panel-stale': 'a parking panel reports its counts stale (it blanks them)',
  'loop-fault': 'a car-park counter reports a loop detector fault',
  'display-fallback': 'a stop display shows its own timetable: no live board vouched for',
};

export class AlertsConfigError extends Error {}

/** Parses a configuration (defaults filled in); throws AlertsConfigError naming `source` and the paths. */
export function parseAlertsConfig(input: unknown, source: string): AlertsConfig {
  const parsed = AlertsConfig.safeParse(input ?? {});
  if (!parsed.success) throw new AlertsConfigError(`alerts configuration ${source}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** The configuration from TABLA_ALERTS_FILE or `<dataDir>/alerts/alerts.json`, and TABLA_ALERTS_WEBHOOK. */
export function loadAlertsConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): { config: AlertsConfig; source: string } {
  const file = env.TABLA_ALERTS_FILE || path.join(dataDir, 'alerts', 'alerts.json');
  let input: Record<string, unknown> = {};
  let source = 'defaults';
  if (env.TABLA_ALERTS_FILE || fs.existsSync(file)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new AlertsConfigError(`alerts configuration ${file}: ${(err as Error).message}`);
    }
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new AlertsConfigError(`alerts configuration ${file}: not JSON (${(err as Error).message})`);
    }
    source = file;
  }
  if (env.TABLA_ALERTS_WEBHOOK) {
    const hook = input && typeof input === 'object' && typeof input.webhook === 'object' && input.webhook ? input.webhook : {};
    input = { ...input, webhook: { ...hook, url: env.TABLA_ALERTS_WEBHOOK } };
    source += ' + TABLA_ALERTS_WEBHOOK';
  }
  return { config: parseAlertsConfig(input, source), source };
}
