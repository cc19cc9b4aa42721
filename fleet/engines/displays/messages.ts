/**
 * Service messages: the operator's banners (`tabla message`), each for one stop, one site or every
 * display, until a time or until cleared. Kept in the engine's table `displays_messages` and in
 * memory (a handful at a time); which displays a message reaches is a pure function of its target
 * and the display (`reaches`).
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';

export type MessageTarget = { stop: string } | { site: string } | { all: true };

export interface ServiceNotice {
  id: string;
  target: MessageTarget;
  text: string;
  /** ms epoch; null: until cleared */
  until: number | null;
  createdAt: number;
  createdBy: string | null;
}

/** A stop display as a message target sees it. */
export interface DisplayPlace {
  site: string | null;
  /** its `stop` label, or null */
  stopId: string | null;
  /** the stops its board covers besides its own: its station's id, or its platforms' (from the feed) */
  related: readonly string[];
}

export const MESSAGES_MIGRATION = `CREATE TABLE displays_messages (
  id          TEXT PRIMARY KEY,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('stop', 'site', 'all')),
  target      TEXT,
  text        TEXT NOT NULL,
  until       INTEGER,
  created_at  INTEGER NOT NULL,
  created_by  TEXT
) WITHOUT ROWID`;

/** Most messages kept at once (a bound on the work, far above what a town posts). */
export const MAX_MESSAGES = 1000;

/** Whether a message with `target` shows on `display`: its stop (or the station it belongs to, or a platform of its station), its site, or every display. */
export function reaches(target: MessageTarget, display: DisplayPlace): boolean {
  if ('all' in target) return true;
  if ('site' in target) return display.site === target.site;
  return display.stopId !== null && (display.stopId === target.stop || display.related.includes(target.stop));
}

export function targetText(target: MessageTarget): string {
  return 'all' in target ? 'all' : 'site' in target ? `site ${target.site}` : `stop ${target.stop}`;
}

interface Row {
  id: string;
  target_kind: 'stop' | 'site' | 'all';
  target: string | null;
  text: string;
  until: number | null;
  created_at: number;
  created_by: string | null;
}

const toNotice = (r: Row): ServiceNotice => ({
  id: r.id,
  target: r.target_kind === 'all' ? { all: true } : r.target_kind === 'site' ? { site: r.target! } : { stop: r.target! },
  text: r.text,
  until: r.until,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export class MessageBook {
  readonly #db: Database.Database;
  /** newest first */
  #list: ServiceNotice[];

  constructor(db: Database.Database) {
    this.#db = db;
    this.#list = (db.prepare('SELECT * FROM displays_messages ORDER BY created_at DESC, id').all() as Row[]).map(toNotice);
  }

  get size(): number {
    return this.#list.length;
  }

  add(input: { target: MessageTarget; text: string; until: number | null; createdBy: string | null }, now: number): ServiceNotice {
    const notice: ServiceNotice = { id: `m-${crypto.randomBytes(5).toString('hex')}`, ...input, createdAt: now };
    const [kind, target] = 'all' in input.target ? ['all', null] : 'site' in input.target ? ['site', input.target.site] : ['stop', input.target.stop];
    this.#db
      .prepare('INSERT INTO displays_messages (id, target_kind, target, text, until, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(notice.id, kind, target, notice.text, notice.until, notice.createdAt, notice.createdBy);
    this.#list.unshift(notice);
    return notice;
  }

  get(id: string): ServiceNotice | null {
    return this.#list.find((m) => m.id === id) ?? null;
  }

  /** The messages not yet expired at `now`, newest first. */
  active(now: number): ServiceNotice[] {
    return this.#list.filter((m) => m.until === null || m.until > now);
  }

  /** Removes the messages `pick` chooses; returns them. */
  remove(pick: (m: ServiceNotice) => boolean): ServiceNotice[] {
    const gone = this.#list.filter(pick);
    if (gone.length === 0) return gone;
    const del = this.#db.prepare('DELETE FROM displays_messages WHERE id = ?');
    this.#db.transaction(() => {
      for (const m of gone) del.run(m.id);
    })();
    this.#list = this.#list.filter((m) => !gone.includes(m));
    return gone;
  }

  /** Removes the messages whose `until` has come; returns them. */
  expire(now: number): ServiceNotice[] {
    return this.remove((m) => m.until !== null && m.until <= now);
  }
}
