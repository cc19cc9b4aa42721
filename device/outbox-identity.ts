/**
 * The outbox's identity, made with its database: a new one means seqs start again at 1, and the
 * fleet files what an older identity sent apart from it. It is bound to where the outbox lives
 * (board and path): an outbox opened somewhere else than where it was made is a cloned or moved
 * card, so it takes a new identity and names the one it replaced.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';

export function loadOutboxIdentity(db: Database.Database, home: string | null): { id: string; replaced: string | null } {
  db.exec('CREATE TABLE IF NOT EXISTS outbox_identity (id TEXT NOT NULL, home TEXT)');
  // Databases from before identities were bound to a home.
  if (!(db.prepare('SELECT name FROM pragma_table_info(?)').all('outbox_identity') as { name: string }[]).some((c) => c.name === 'home')) {
    db.exec('ALTER TABLE outbox_identity ADD COLUMN home TEXT');
  }
  const row = db.prepare('SELECT id, home FROM outbox_identity').get() as { id: string; home: string | null } | undefined;
  if (row && (row.home === home || home === null || row.home === null)) {
    if (row.home === null && home !== null) saveIdentity(db, row.id, home); // adopted by this board
    return { id: row.id, replaced: null };
  }
  const id = crypto.randomBytes(6).toString('base64url');
  saveIdentity(db, id, home);
  return { id, replaced: row?.id ?? null };
}

function saveIdentity(db: Database.Database, id: string, home: string | null): void {
  try {
    db.transaction(() => {
      db.prepare('DELETE FROM outbox_identity').run();
      db.prepare('INSERT INTO outbox_identity (id, home) VALUES (?, ?)').run(id, home);
    })();
  } catch {
    // a full disk: this identity holds for this run; the next start tries again
  }
}
