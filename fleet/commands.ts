/**
 * Commands to devices, persisted: `queued → received → succeeded | failed | rejected`, or
 * `expired` when `expiresAt` passes first. Delivered in issue order when issued to an online
 * device and again on every new session until they reach a final state or expire; the device
 * answers a repeated cmdId without running it twice.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { CmdAck } from '../protocols/index.js';
import { Command, NAME_PATTERN, PayloadInvalid, encode } from '../protocols/index.js';

export const FINAL_STATUSES = ['succeeded', 'failed', 'rejected', 'expired'] as const;
export type CommandStatus = 'queued' | 'received' | (typeof FINAL_STATUSES)[number];

export interface CommandRecord {
  cmdId: string;
  deviceId: string;
  verb: string;
  args: Record<string, unknown>;
  issuedAt: number;
  expiresAt: number;
  status: CommandStatus;
  updatedAt: number;
  result?: unknown;
  error?: string;
}

interface Row {
  cmd_id: string;
  device_id: string;
  verb: string;
  args: string;
  issued_at: number;
  expires_at: number;
  status: CommandStatus;
  updated_at: number;
  result: string | null;
  error: string | null;
}

export const DEFAULT_COMMAND_TTL_S = 15 * 60;

export class CommandBook {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #listeners = new Set<(c: CommandRecord) => void>();

  constructor(db: Database.Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  issue(deviceId: string, verb: string, args: Record<string, unknown> = {}, ttlS = DEFAULT_COMMAND_TTL_S): CommandRecord {
    if (!NAME_PATTERN.test(verb)) throw new Error(`verb "${verb}": lower-case letters, digits and dashes`);
    const now = this.#now();
    const c: CommandRecord = {
      cmdId: crypto.randomUUID(),
      deviceId,
      verb,
      args,
      issuedAt: now,
      expiresAt: now + ttlS * 1000,
      status: 'queued',
      updatedAt: now,
    };
    this.payload(c); // refused here, before it is stored, rather than at every delivery
    this.#db
      .prepare(
        'INSERT INTO commands (cmd_id, device_id, verb, args, issued_at, expires_at, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(c.cmdId, deviceId, verb, JSON.stringify(args), now, c.expiresAt, 'queued', now);
    return this.get(c.cmdId)!;
  }

  get(cmdId: string): CommandRecord | null {
    const row = this.#db.prepare('SELECT * FROM commands WHERE cmd_id = ?').get(cmdId) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Commands whose id starts with `prefix` (what `tabla device` shows is the first 8 characters), newest first. */
  byPrefix(prefix: string, limit = 5): CommandRecord[] {
    if (!/^[0-9a-f-]{1,36}$/i.test(prefix)) return [];
    return (this.#db.prepare('SELECT * FROM commands WHERE cmd_id LIKE ? ORDER BY issued_at DESC LIMIT ?').all(`${prefix.toLowerCase()}%`, limit) as Row[]).map(
      toRecord,
    );
  }

  ofDevice(deviceId: string, limit = 20): CommandRecord[] {
    return (this.#db.prepare('SELECT * FROM commands WHERE device_id = ? ORDER BY issued_at DESC LIMIT ?').all(deviceId, limit) as Row[]).map(
      toRecord,
    );
  }

  /** Commands still to deliver to a device, oldest first (expired ones are marked so first). */
  deliverable(deviceId: string): CommandRecord[] {
    this.expire();
    return (
      this.#db
        .prepare("SELECT * FROM commands WHERE device_id = ? AND status IN ('queued', 'received') ORDER BY issued_at, rowid")
        .all(deviceId) as Row[]
    ).map(toRecord);
  }

  toWire(c: CommandRecord, sentAt = this.#now()): Command {
    return { v: 1, cmdId: c.cmdId, issuedAt: c.issuedAt, expiresAt: c.expiresAt, sentAt, args: c.args };
  }

  /** The cmd/{verb} payload of a command; throws PayloadTooLarge or PayloadInvalid (see `encode`). */
  payload(c: CommandRecord): string {
    if (!NAME_PATTERN.test(c.verb)) throw new PayloadInvalid('command', `verb "${c.verb}": lower-case letters, digits and dashes`);
    return encode(Command, this.toWire(c), 'command');
  }

  /** Applies a cmd-ack from the device that owns the command. Final states never change again. */
  acknowledge(deviceId: string, ack: CmdAck): CommandRecord | null {
    const c = this.get(ack.cmdId);
    if (!c || c.deviceId !== deviceId) return null;
    if ((FINAL_STATUSES as readonly string[]).includes(c.status)) return c;
    if (ack.status === 'received' && c.status === 'received') return c;
    this.#db
      .prepare('UPDATE commands SET status = ?, updated_at = ?, result = ?, error = ? WHERE cmd_id = ?')
      .run(ack.status, this.#now(), ack.result === undefined ? null : JSON.stringify(ack.result), ack.error ?? null, ack.cmdId);
    const updated = this.get(ack.cmdId)!;
    for (const l of this.#listeners) l(updated);
    return updated;
  }

  /** Ends a command the fleet itself cannot deliver (it can never be sent): final `failed`. */
  fail(cmdId: string, error: string): CommandRecord | null {
    const c = this.get(cmdId);
    if (!c || (FINAL_STATUSES as readonly string[]).includes(c.status)) return c;
    this.#db.prepare("UPDATE commands SET status = 'failed', updated_at = ?, error = ? WHERE cmd_id = ?").run(this.#now(), error, cmdId);
    const updated = this.get(cmdId)!;
    for (const l of this.#listeners) l(updated);
    return updated;
  }

  /** Marks commands past their expiry that never finished. Returns how many. */
  expire(): number {
    const now = this.#now();
    const rows = this.#db
      .prepare("SELECT * FROM commands WHERE status IN ('queued', 'received') AND expires_at < ?")
      .all(now) as Row[];
    if (rows.length === 0) return 0;
    this.#db.prepare("UPDATE commands SET status = 'expired', updated_at = ? WHERE status IN ('queued', 'received') AND expires_at < ?").run(now, now);
    for (const r of rows) for (const l of this.#listeners) l({ ...toRecord(r), status: 'expired', updatedAt: now });
    return rows.length;
  }

  /**
   * The wall clock stepped by `deltaMs`: commands still waiting keep the lifetime they were given
   * (expiry instants move with the step). Returns how many moved.
   */
  shiftPending(deltaMs: number): number {
    return this.#db
      .prepare("UPDATE commands SET issued_at = issued_at + ?, expires_at = expires_at + ? WHERE status IN ('queued', 'received')")
      .run(deltaMs, deltaMs).changes;
  }

  onChange(listener: (c: CommandRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function toRecord(r: Row): CommandRecord {
  return {
    cmdId: r.cmd_id,
    deviceId: r.device_id,
    verb: r.verb,
    args: JSON.parse(r.args) as Record<string, unknown>,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    status: r.status,
    updatedAt: r.updated_at,
    ...(r.result !== null ? { result: JSON.parse(r.result) as unknown } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
  };
}
