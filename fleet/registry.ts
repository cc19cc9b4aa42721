/**
 * The device registry: who exists, in which role and site, with which credentials, and the last
 * birth, state and frame (without its picture) each one sent.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Birth, Frame, Role, State } from '../protocols/index.js';
import { DEVICE_ID_PATTERN, ROLES } from '../protocols/index.js';
import { hashMosquitto, hashScrypt, newSecret, verifyScrypt } from './credentials.js';

export interface DeviceRecord {
  id: string;
  role: Role;
  site: string | null;
  labels: Record<string, string>;
  createdAt: number;
  epoch: number;
  lastSeen: number | null;
  birth: Birth | null;
  state: State | null;
  frame: Frame | null;
}

interface Row {
  id: string;
  role: Role;
  site: string | null;
  labels: string;
  created_at: number;
  epoch: number;
  last_seen: number | null;
  birth: string | null;
  state: string | null;
  frame: string | null;
}

export class RegistryError extends Error {
  constructor(readonly code: 'invalid' | 'exists' | 'not-found', message: string) {
    super(message);
  }
}

const json = <T>(s: string | null): T | null => (s ? (JSON.parse(s) as T) : null);

export class Registry {
  readonly #db: Database.Database;
  /** sha256 of passwords that verified, so reconnect storms cost no scrypt. */
  readonly #verified = new Map<string, string>();
  /** Every registered id: asked once per incoming message, so kept in memory. */
  readonly #ids: Set<string>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#ids = new Set((db.prepare('SELECT id FROM devices').all() as { id: string }[]).map((r) => r.id));
  }

  /** Creates a device with fresh credentials; the secret is returned once and never stored. */
  provision(input: { id: string; role: string; site?: string; labels?: Record<string, string> }): { device: DeviceRecord; secret: string } {
    if (!DEVICE_ID_PATTERN.test(input.id)) {
      throw new RegistryError('invalid', `device id "${input.id}": lower-case letters, digits and dashes, 1–63 characters`);
    }
    if (!(ROLES as readonly string[]).includes(input.role)) {
      throw new RegistryError('invalid', `role "${input.role}": one of ${ROLES.join(', ')}`);
    }
    if (this.get(input.id)) throw new RegistryError('exists', `device ${input.id} exists already`);
    const secret = newSecret();
    this.#db
      .prepare(
        'INSERT INTO devices (id, role, site, labels, created_at, secret_scrypt, secret_pbkdf2) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(input.id, input.role, input.site ?? null, JSON.stringify(input.labels ?? {}), Date.now(), hashScrypt(secret), hashMosquitto(secret));
    this.#ids.add(input.id);
    return { device: this.get(input.id)!, secret };
  }

  /** Issues new credentials (a replaced SD card, a leaked secret); the old secret stops working. */
  rotateSecret(id: string): string {
    const secret = newSecret();
    const r = this.#db
      .prepare('UPDATE devices SET secret_scrypt = ?, secret_pbkdf2 = ? WHERE id = ?')
      .run(hashScrypt(secret), hashMosquitto(secret), id);
    if (r.changes === 0) throw new RegistryError('not-found', `no device ${id}`);
    this.#verified.delete(id);
    return secret;
  }

  async verify(id: string, password: string): Promise<boolean> {
    const digest = crypto.createHash('sha256').update(password).digest('base64');
    if (this.#verified.get(id) === digest) return true;
    const row = this.#db.prepare('SELECT secret_scrypt FROM devices WHERE id = ?').get(id) as { secret_scrypt: string } | undefined;
    if (!row) return false;
    const ok = await verifyScrypt(password, row.secret_scrypt);
    if (ok) this.#verified.set(id, digest);
    return ok;
  }

  #getStatement: Database.Statement | null = null;

  exists(id: string): boolean {
    return this.#ids.has(id);
  }

  get(id: string): DeviceRecord | null {
    // Prepared once: engines ask for a device per batch of telemetry.
    this.#getStatement ??= this.#db.prepare('SELECT * FROM devices WHERE id = ?');
    const row = this.#getStatement.get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  list(): DeviceRecord[] {
    return (this.#db.prepare('SELECT * FROM devices ORDER BY id').all() as Row[]).map(toRecord);
  }

  /** Mosquitto password-file lines for every device. */
  mosquittoHashes(): { id: string; hash: string }[] {
    return this.#db.prepare('SELECT id, secret_pbkdf2 AS hash FROM devices ORDER BY id').all() as { id: string; hash: string }[];
  }

  recordBirth(id: string, birth: Birth): void {
    this.#db.prepare('UPDATE devices SET birth = ?, epoch = max(epoch, ?), last_seen = ? WHERE id = ?').run(JSON.stringify(birth), birth.epoch, Date.now(), id);
  }

  recordState(id: string, state: State): void {
    this.#db.prepare('UPDATE devices SET state = ?, epoch = max(epoch, ?), last_seen = ? WHERE id = ?').run(JSON.stringify(state), state.epoch, Date.now(), id);
  }

  /** Keeps what a frame says (kind, summary, hash), not its picture: the displays engine keeps that, and listings stay small. */
  recordFrame(id: string, frame: Frame): void {
    const { image: _picture, ...said } = frame;
    this.#db.prepare('UPDATE devices SET frame = ?, last_seen = ? WHERE id = ?').run(JSON.stringify(said), Date.now(), id);
  }
}

function toRecord(row: Row): DeviceRecord {
  return {
    id: row.id,
    role: row.role,
    site: row.site,
    labels: JSON.parse(row.labels) as Record<string, string>,
    createdAt: row.created_at,
    epoch: row.epoch,
    lastSeen: row.last_seen,
    birth: json<Birth>(row.birth),
    state: json<State>(row.state),
    frame: json<Frame>(row.frame),
  };
}
