/**
 * The fleet's SQLite file (`$TABLA_DATA_DIR/fleet.db`, WAL): registry, credentials, commands,
 * desired configs and telemetry. Schema changes go in as numbered migrations.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

const MIGRATIONS: string[] = [
  `
  CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    site          TEXT,
    labels        TEXT NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL,
    secret_scrypt TEXT NOT NULL,
    secret_pbkdf2 TEXT NOT NULL,
    epoch         INTEGER NOT NULL DEFAULT 0,
    last_seen     INTEGER,
    birth         TEXT,
    state         TEXT,
    frame         TEXT
  );
  CREATE TABLE device_config (
    device_id        TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    desired_version  INTEGER NOT NULL DEFAULT 0,
    desired          TEXT,
    desired_at       INTEGER,
    reported_version INTEGER,
    reported_error   TEXT,
    reported_at      INTEGER
  );
  CREATE TABLE commands (
    cmd_id     TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    verb       TEXT NOT NULL,
    args       TEXT NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    result     TEXT,
    error      TEXT
  );
  CREATE INDEX commands_by_device ON commands (device_id, issued_at);
  CREATE TABLE telemetry (
    device_id   TEXT NOT NULL,
    stream      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    epoch       INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (device_id, stream, seq)
  ) WITHOUT ROWID;
  CREATE TABLE streams (
    device_id  TEXT NOT NULL,
    stream     TEXT NOT NULL,
    hwm        INTEGER NOT NULL DEFAULT 0,
    max_seq    INTEGER NOT NULL DEFAULT 0,
    stored     INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    lost       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, stream)
  ) WITHOUT ROWID;
  `,
  // The device outbox a stream's seqs come from: a new one (new SD card) starts again at 1.
  `ALTER TABLE streams ADD COLUMN outbox_id TEXT;`,
  // Telemetry batches that failed to store on their own (not acked; kept for a look).
  `CREATE TABLE ingest_parked (
    id        INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    stream    TEXT NOT NULL,
    first_seq INTEGER,
    last_seq  INTEGER,
    parked_at INTEGER NOT NULL,
    error     TEXT NOT NULL,
    batch     TEXT
  );`,
  // Each desired settings version a device was given (tabla config diff: what it runs → desired),
  // with the current one of every device from before the history.
  `CREATE TABLE device_config_history (
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    version   INTEGER NOT NULL,
    settings  TEXT NOT NULL,
    set_at    INTEGER NOT NULL,
    PRIMARY KEY (device_id, version)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO device_config_history (device_id, version, settings, set_at)
    SELECT device_id, desired_version, desired, coalesce(desired_at, 0) FROM device_config
    WHERE desired IS NOT NULL AND desired_version > 0;`,
];

export function openFleetDatabase(dataDir: string): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'fleet.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoint less often (about 40 MB of WAL): each checkpoint is an fsync on the ingest path.
  db.pragma('wal_autocheckpoint = 10000');
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let i = current; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
