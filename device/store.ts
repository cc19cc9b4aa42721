/**
 * The agent's SQLite file: the outbox, the session epoch, the commands already seen and the
 * settings applied. One file, WAL mode, every change in a transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CmdAck, DeviceSettings } from '../protocols/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agent_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agent_commands (
  cmd_id   TEXT PRIMARY KEY,
  verb     TEXT NOT NULL,
  received INTEGER NOT NULL,
  outcome  TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agent_settings (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  version  INTEGER NOT NULL,
  settings TEXT NOT NULL
);
`;

/**
 * Opens (or makes) the agent's database. `exclusive`: the last resort on a full disk
 * (disk-reserve.ts), where SQLite keeps its wal-index in memory instead of the -shm file it
 * cannot allocate; no other connection can open the database while this one holds it.
 */
export function openDatabase(file: string, synchronous: 'NORMAL' | 'FULL' = 'NORMAL', options: { exclusive?: boolean } = {}): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // Before anything reads the database: only then does WAL mode do without the -shm file.
    if (options.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    // Small pages for small rows: every commit writes whole pages to the WAL, and SD cards wear out.
    // (Takes effect only when the file is new; an existing database keeps its page size.)
    db.pragma('page_size = 1024');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    db.close(); // a handle left open would hold the files (and the file system) until exit
    throw err;
  }
  return db;
}

export class AgentStore {
  readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    db.exec(SCHEMA);
  }

  /** The last epoch handed out, in memory too: a full disk must not stop the agent connecting. */
  #epoch: number | null = null;

  /**
   * Raises and returns the session epoch; called once per connect, before the will is set.
   * If the disk refuses the write, the epoch still rises in memory (and the fleet's epoch floor
   * puts it right after a restart), so the agent connects and drains all the same.
   */
  nextEpoch(): number {
    const next = this.#storedEpoch() + 1;
    this.#saveEpoch(next);
    return next;
  }

  /** The fleet has seen sessions up to `floor` (this card is newer than its epochs): continue above it. */
  raiseEpoch(floor: number): void {
    if (floor > this.#storedEpoch()) this.#saveEpoch(floor);
  }

  #storedEpoch(): number {
    if (this.#epoch === null) {
      const row = this.db.prepare("SELECT value FROM agent_meta WHERE key = 'epoch'").get() as { value: string } | undefined;
      this.#epoch = row ? Number(row.value) : 0;
    }
    return this.#epoch;
  }

  #saveEpoch(epoch: number): void {
    this.#epoch = epoch;
    try {
      this.db.prepare("INSERT OR REPLACE INTO agent_meta (key, value) VALUES ('epoch', ?)").run(String(epoch));
    } catch {
      // kept in memory; the caller's status shows the storage trouble
    }
  }

  /**
   * Records a command as received. Returns null the first time, or what was recorded before for a
   * repeated cmdId (its final ack, or undefined if it never finished), so it is answered, not re-run.
   */
  commandSeen(cmdId: string, verb: string, now: number): { outcome: CmdAck | null } | null {
    const row = this.db.prepare('SELECT outcome FROM agent_commands WHERE cmd_id = ?').get(cmdId) as
      | { outcome: string | null }
      | undefined;
    if (row) return { outcome: row.outcome ? (JSON.parse(row.outcome) as CmdAck) : null };
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO agent_commands (cmd_id, verb, received) VALUES (?, ?, ?)').run(cmdId, verb, now);
      // Keep the memory of commands bounded: a week is far longer than any command's expiry.
      this.db.prepare('DELETE FROM agent_commands WHERE received < ?').run(now - 7 * 24 * 3600 * 1000);
    })();
    return null;
  }

  commandDone(cmdId: string, outcome: CmdAck): void {
    this.db.prepare('UPDATE agent_commands SET outcome = ? WHERE cmd_id = ?').run(JSON.stringify(outcome), cmdId);
  }

  appliedSettings(): { version: number; settings: DeviceSettings } | null {
    const row = this.db.prepare('SELECT version, settings FROM agent_settings WHERE id = 1').get() as
      | { version: number; settings: string }
      | undefined;
    return row ? { version: row.version, settings: JSON.parse(row.settings) as DeviceSettings } : null;
  }

  saveSettings(version: number, settings: DeviceSettings): void {
    this.db
      .prepare('INSERT OR REPLACE INTO agent_settings (id, version, settings) VALUES (1, ?, ?)')
      .run(version, JSON.stringify(settings));
  }
}
