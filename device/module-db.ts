/**
 * Each module's own tables in the agent's SQLite file: names prefixed with the module's
 * (`m_board_watch__readings`), numbered migrations it passes, and the version reached kept per
 * module in `agent_module_schema`. A step that creates, changes or drops anything outside its own
 * names is rolled back, so two modules never collide and none touches the agent's tables.
 */
import type Database from 'better-sqlite3';
import { NAME_PATTERN } from '../protocols/index.js';
import type { ModuleDatabase } from './module.js';

const SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS agent_module_schema (
  module  TEXT PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID`;

const TABLE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** `board-watch` → `m_board_watch__`: injective, since module names never hold `_`. */
export function tablePrefix(moduleName: string): string {
  if (!NAME_PATTERN.test(moduleName)) throw new Error(`module name ${JSON.stringify(moduleName)} must match ${NAME_PATTERN}`);
  return `m_${moduleName.replace(/-/g, '_')}__`;
}

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

export function moduleDatabase(db: Database.Database, moduleName: string): ModuleDatabase {
  const prefix = tablePrefix(moduleName);
  const own = (o: SchemaObject) => o.tbl_name.startsWith(prefix) && (o.name.startsWith(prefix) || o.name.startsWith('sqlite_autoindex_'));
  const others = (): Map<string, string | null> => {
    const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master').all() as SchemaObject[];
    return new Map(rows.filter((o) => !own(o)).map((o) => [`${o.type} ${o.name}`, o.sql]));
  };
  return {
    table(name: string): string {
      if (!TABLE_NAME.test(name)) throw new Error(`table name ${JSON.stringify(name)} must match ${TABLE_NAME}`);
      return prefix + name;
    },

    migrate(steps: readonly string[]): number {
      db.exec(SCHEMA_TABLE);
      const row = db.prepare('SELECT version FROM agent_module_schema WHERE module = ?').get(moduleName) as { version: number } | undefined;
      let version = row?.version ?? 0;
      if (version > steps.length) {
        throw new Error(`its tables are at schema version ${version}, newer than the ${steps.length} this agent knows (a downgrade?)`);
      }
      for (; version < steps.length; version++) {
        const step = steps[version]!;
        db.transaction(() => {
          const before = others();
          db.exec(step);
          const after = others();
          const touched = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
          if (touched.length) {
            throw new Error(`migration ${version + 1} touches ${touched.slice(0, 3).join(', ')}: a module's step may only use names from table() (${prefix}…)`);
          }
          db.prepare('INSERT OR REPLACE INTO agent_module_schema (module, version) VALUES (?, ?)').run(moduleName, version + 1);
        })();
      }
      return version;
    },

    prepare<R = unknown>(sql: string) {
      return db.prepare<unknown[], R>(sql);
    },

    transaction<T>(work: () => T): T {
      return db.transaction(work)();
    },
  };
}
