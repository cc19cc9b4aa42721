/**
 * departures (stop-display): takes `arrival-board` content, keeps the latest board in its own
 * table (so a restarted display has it at once), and reports it as its frame. A data module:
 * drawing it on the e-paper panel comes with the renderer.
 */
import type { ArrivalBoard, DeparturesSettings } from '../../../protocols/index.js';
import { MODULE_SETTINGS, decodeContent } from '../../../protocols/index.js';
import type { AgentContext, AgentModule } from '../../module.js';
import { boardHash, boardSummary } from './summary.js';

export interface StoredBoard {
  board: ArrivalBoard;
  /** When it arrived, ms since the Unix epoch. */
  receivedAt: number;
}

const MIGRATIONS = (table: string) => [
  `CREATE TABLE ${table} (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     received_at INTEGER NOT NULL,
     body        TEXT NOT NULL
   )`,
];

export function departures(): AgentModule<DeparturesSettings, 'arrival-board'> & { latest(): StoredBoard | null } {
  let ctx: AgentContext<DeparturesSettings> | null = null;
  let table = '';
  let latest: StoredBoard | null = null;

  const show = (c: AgentContext<DeparturesSettings>, board: ArrivalBoard) =>
    void c.publishFrame({ kind: 'arrival-board', summary: boardSummary(board, c.settings().timeZone), hash: boardHash(board) });

  return {
    name: 'departures',
    settings: MODULE_SETTINGS.departures,
    contentKinds: ['arrival-board'],
    start(c) {
      ctx = c;
      table = c.db.table('board');
      c.db.migrate(MIGRATIONS(table));
      const row = c.db.prepare<{ received_at: number; body: string }>(`SELECT received_at, body FROM ${table} WHERE id = 1`).get();
      latest = null;
      if (row) {
        // Kept by this version or an older one: only a board that still passes the schema is shown.
        const stored = decodeContent('arrival-board', JSON.parse(row.body));
        if (stored.ok) latest = { board: stored.value, receivedAt: row.received_at };
        else c.log.warn('stored board no longer valid: waiting for the next', { reason: stored.reason });
      }
      if (latest) show(c, latest.board);
      else c.setStatus('degraded', 'no arrival board yet');
    },
    stop() {
      ctx = null;
    },
    onContent(_kind, board) {
      if (!ctx) return;
      const receivedAt = Date.now();
      ctx.db.prepare(`INSERT OR REPLACE INTO ${table} (id, received_at, body) VALUES (1, ?, ?)`).run(receivedAt, JSON.stringify(board));
      latest = { board, receivedAt };
      ctx.setStatus('ok');
      show(ctx, board);
    },
    onSettings() {
      if (ctx && latest) show(ctx, latest.board); // the summary's times follow the time zone
    },
    identify() {
      ctx?.log.warn(`IDENTIFY: departures of ${latest?.board.stop ?? 'no stop yet'} (${ctx.device.id})`);
    },
    latest: () => latest,
  };
}
