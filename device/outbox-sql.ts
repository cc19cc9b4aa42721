/**
 * The outbox's tables and statements. `outbox_pending` holds the rows not yet acked, keyed by
 * stream and seq; `at` is the row's time on the outbox clock (outbox-clock.ts). `outbox_streams`
 * keeps each stream's next seq and how many rows it dropped (capacity, TTL).
 */
import type Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_streams (
  stream   TEXT PRIMARY KEY,
  next_seq INTEGER NOT NULL,
  dropped  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox_pending (
  stream TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  ts     INTEGER NOT NULL,
  data   TEXT NOT NULL,
  at     INTEGER,
  PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
`;

export type OutboxStatements = ReturnType<typeof outboxStatements>;

/** Makes the tables (and brings older databases up to date), then prepares the statements. */
export function outboxStatements(db: Database.Database) {
  db.exec(SCHEMA);
  // Databases from before the outbox clock: their rows age from their timestamps.
  if (!(db.prepare('SELECT name FROM pragma_table_info(?)').all('outbox_pending') as { name: string }[]).some((c) => c.name === 'at')) {
    db.exec('ALTER TABLE outbox_pending ADD COLUMN at INTEGER');
  }
  return {
    insert: db.prepare('INSERT INTO outbox_pending (stream, seq, ts, data, at) VALUES (?, ?, ?, ?, ?)'),
    saveStream: db.prepare(
      'INSERT INTO outbox_streams (stream, next_seq, dropped) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET next_seq = excluded.next_seq, dropped = excluded.dropped',
    ),
    dropOldest: db.prepare(
      'DELETE FROM outbox_pending WHERE stream = ? AND seq IN (SELECT seq FROM outbox_pending WHERE stream = ? ORDER BY seq LIMIT ?)',
    ),
    ack: db.prepare('DELETE FROM outbox_pending WHERE stream = ? AND seq <= ?'),
    countRange: db.prepare('SELECT count(*) AS n FROM outbox_pending WHERE stream = ? AND seq > ? AND seq <= ?'),
    // `at` is on the outbox clock; rows from before it (at NULL) age by their timestamp, mapped onto it.
    expire: db.prepare('DELETE FROM outbox_pending WHERE stream = ? AND coalesce(at, ts + ?) < ?'),
    after: db.prepare('SELECT seq, ts, data FROM outbox_pending WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?'),
    lowest: db.prepare('SELECT seq FROM outbox_pending WHERE stream = ? AND seq > ? ORDER BY seq LIMIT 1'),
    oldest: db.prepare('SELECT coalesce(at, ts + ?) AS at FROM outbox_pending WHERE stream = ? AND seq > ? ORDER BY seq LIMIT 1'),
  };
}
