/**
 * Sends raised and cleared alerts on to a webhook: each one POSTed as JSON, one at a time, in
 * order. Never blocking: `send` only queues. A failed POST (no answer within the timeout, or a
 * status other than 2xx) is tried again after a backoff doubling from `backoffMs` to
 * `maxBackoffMs`, at most `maxAttempts` times in all, then dropped (logged, counted): a webhook
 * that is down never holds the fleet up, and never holds more than `queue` alerts (past it the
 * oldest waiting is dropped).
 *
 * The body: `{v: 1, event: 'raised'|'cleared', alert: {id, deviceId, rule, detail, raisedAt,
 * clearedAt, clearedDetail}, text}`, times as ISO 8601; `text` is one line a chat webhook
 * (Slack, Mattermost, Rocket.Chat incoming hooks) shows as it is.
 */
import type { Logger } from '../../../protocols/index.js';
import type { Alert } from './store.js';
import type { WebhookConfig } from './rules.js';

export type AlertEvent = 'raised' | 'cleared';

export interface WebhookBody {
  v: 1;
  event: AlertEvent;
  alert: Omit<Alert, 'raisedAt' | 'clearedAt'> & { raisedAt: string; clearedAt: string | null };
  text: string;
}

export function webhookBody(event: AlertEvent, a: Alert): WebhookBody {
  const alert = { ...a, raisedAt: new Date(a.raisedAt).toISOString(), clearedAt: a.clearedAt === null ? null : new Date(a.clearedAt).toISOString() };
  const text =
    event === 'raised' ? `Tabla alert ${a.rule} on ${a.deviceId}: ${a.detail}` : `Tabla alert ${a.rule} on ${a.deviceId} cleared${a.clearedDetail ? ` (${a.clearedDetail})` : ''}`;
  return { v: 1, event, alert, text };
}

export type WebhookOutcome = 'sent' | 'retried' | 'failed' | 'dropped';

export interface WebhookStats {
  queued: number;
  sent: number;
  failed: number;
  dropped: number;
  lastError: string | null;
}

export class WebhookSender {
  readonly #c: WebhookConfig;
  readonly #log: Logger;
  readonly #count: (outcome: WebhookOutcome) => void;
  readonly #queue: { body: WebhookBody; attempts: number }[] = [];
  readonly #stats: WebhookStats = { queued: 0, sent: 0, failed: 0, dropped: 0, lastError: null };
  #busy = false;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #abort: AbortController | null = null;

  constructor(config: WebhookConfig, log: Logger, count: (outcome: WebhookOutcome) => void = () => {}) {
    this.#c = config;
    this.#log = log;
    this.#count = count;
  }

  /** Where it sends, without path, query or credentials (a hook's URL often holds its secret). */
  get target(): string {
    return new URL(this.#c.url).origin;
  }

  stats(): WebhookStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Queues one alert to send; returns at once. */
  send(body: WebhookBody): void {
    if (this.#stopped) return;
    if (this.#queue.length >= this.#c.queue) {
      const old = this.#queue.splice(this.#busy ? 1 : 0, 1)[0];
      if (old) this.#drop(old.body, 'queue full');
    }
    this.#queue.push({ body, attempts: 0 });
    this.#next();
  }

  /** Stops sending: aborts the POST under way, forgets the queue. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort?.abort();
    this.#queue.length = 0;
  }

  #drop(body: WebhookBody, why: string): void {
    this.#stats.dropped++;
    this.#count('dropped');
    this.#log.warn('alert not sent to the webhook; dropped', { why, rule: body.alert.rule, device: body.alert.deviceId, event: body.event });
  }

  #next(): void {
    if (this.#busy || this.#stopped || this.#timer || !this.#queue.length) return;
    this.#busy = true;
    const item = this.#queue[0]!;
    this.#post(item.body)
      .then(
        () => {
          this.#stats.sent++;
          this.#count('sent');
          this.#queue.shift();
        },
        (err: unknown) => {
          if (this.#stopped) return;
          item.attempts++;
          this.#stats.lastError = (err as Error).message;
          if (item.attempts >= this.#c.maxAttempts) {
            this.#stats.failed++;
            this.#count('failed');
            this.#queue.shift();
            this.#log.error('webhook failed; alert dropped', { attempts: item.attempts, error: (err as Error).message, rule: item.body.alert.rule, device: item.body.alert.deviceId });
            return;
          }
          this.#count('retried');
          const wait = Math.min(this.#c.maxBackoffMs, this.#c.backoffMs * 2 ** (item.attempts - 1));
          this.#log.warn('webhook failed; trying again', { attempt: item.attempts, inMs: wait, error: (err as Error).message });
          this.#timer = setTimeout(() => {
            this.#timer = null;
            this.#next();
          }, wait);
          this.#timer.unref();
        },
      )
      .catch((err: unknown) => this.#log.error('webhook sender fault', { error: (err as Error).message }))
      .finally(() => {
        this.#busy = false;
        this.#next();
      });
  }

  async #post(body: WebhookBody): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.#c.timeoutMs} ms`)), this.#c.timeoutMs);
    try {
      const res = await fetch(this.#c.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'tabla-fleet' },
        body: JSON.stringify(body),
        signal: abort.signal,
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new Error(abort.signal.aborted ? String((abort.signal.reason as Error)?.message ?? 'aborted') : (cause?.code ?? (err as Error).message));
    } finally {
      clearTimeout(timer);
      this.#abort = null;
    }
  }
}
