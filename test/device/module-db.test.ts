/**
 * A module's own tables (numbered migrations, names prefixed, tracked per module in the agent's
 * SQLite file, surviving restarts; a step outside its names rolled back) and its typed `record`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import type { AgentContext, AgentModule } from '../../device/module.js';
import { provision, quiet, startFleet, storedSeqs, waitFor } from '../helpers.js';

/** A module that counts its starts in its own table, with the migrations given. */
function tally(steps: (table: string) => string[], seen: { version?: number; rows?: number; columns?: string[] }): AgentModule {
  return {
    name: 'tally',
    start(ctx) {
      const t = ctx.db.table('starts');
      seen.version = ctx.db.migrate(steps(t));
      ctx.db.prepare(`INSERT INTO ${t} (at) VALUES (?)`).run(Date.now());
      seen.rows = (ctx.db.prepare<{ n: number }>(`SELECT count(*) AS n FROM ${t}`).get())!.n;
      seen.columns = ctx.db.prepare<{ name: string }>(`SELECT name FROM pragma_table_info('${t}')`).all().map((c) => c.name);
    },
    stop() {},
  };
}

const V1 = (t: string) => [`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)`];
const V2 = (t: string) => [...V1(t), `ALTER TABLE ${t} ADD COLUMN note TEXT`, `CREATE INDEX ${t}_at ON ${t} (at)`];

async function rejects(work: () => Promise<unknown>, expected: RegExp): Promise<void> {
  try {
    await work();
  } catch (err) {
    assert.match((err as Error).message, expected);
    return;
  }
  assert.unreachable(`resolved; expected a rejection matching ${expected}`);
}

/** A module whose only migration is `sql`; it reports what happened to it. */
const rogue = (name: string, sql: string): AgentModule => ({ name, start: (ctx) => void ctx.db.migrate([sql]), stop() {} });

test('ctx.db: migrations run once each and their tables survive a restart; steps outside its own names are rolled back; a downgrade fails', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'bus-d1');
  const seen: { version?: number; rows?: number; columns?: string[] } = {};
  const restart = { minMs: 60_000 };
  let agent = new Agent({ config, log: quiet, modules: [tally(V1, seen)], moduleRestart: restart });
  try {
    await agent.start();
    assert.equal(seen, { version: 1, rows: 1, columns: ['id', 'at'] });
    assert.equal(agent.state().modules!.tally, { status: 'ok' });
    await agent.stop();

    agent = new Agent({
      config,
      log: quiet,
      modules: [
        tally(V2, seen),
        rogue('grabby', 'CREATE TABLE agent_stuff (x)'),
        rogue('meddler', 'ALTER TABLE m_tally__starts ADD COLUMN y'),
        rogue('snoop', 'CREATE TABLE m_snoop__ok (x); DROP TABLE agent_settings'),
      ],
      moduleRestart: restart,
    });
    await agent.start();
    assert.equal(seen, { version: 3, rows: 2, columns: ['id', 'at', 'note'] }, 'the first start survived; only steps 2 and 3 ran');
    const modules = agent.state().modules!;
    assert.match(modules.grabby!.error!, /^start: migration 1 touches table agent_stuff: a module's step may only use names from table\(\) \(m_grabby__…\)/);
    assert.match(modules.meddler!.error!, /migration 1 touches table m_tally__starts/);
    assert.match(modules.snoop!.error!, /migration 1 touches table agent_settings/);
    await agent.stop();

    // Nothing of the refused steps stayed; the agent's own tables are intact.
    const check: { tables?: string[] } = {};
    agent = new Agent({
      config,
      log: quiet,
      modules: [
        {
          name: 'check',
          start(ctx) {
            check.tables = ctx.db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
          },
          stop() {},
        },
        tally(V1, seen),
      ],
      moduleRestart: restart,
    });
    await agent.start();
    assert.ok(check.tables!.includes('agent_settings'));
    assert.not.ok(check.tables!.includes('agent_stuff'));
    assert.not.ok(check.tables!.includes('m_snoop__ok'), 'the whole step was rolled back');
    assert.match(agent.state().modules!.tally!.error!, /tables are at schema version 3, newer than the 1 this agent knows/);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('ctx.record is typed by STREAMS and checked at run time; records reach the fleet', async () => {
  const fleet = await startFleet();
  const holder: { ctx?: AgentContext } = {};
  const agent = new Agent({
    config: provision(fleet, 'bus-d2'),
    log: quiet,
    modules: [{ name: 'gnss', start: (ctx) => void (holder.ctx = ctx), stop() {} }],
  });
  try {
    await agent.start();
    const ctx = holder.ctx!;
    const fix = { time: Date.now(), lat: 46.3592, lon: 15.1103, speed: 8.3, course: 92.5, fix: '3d' as const, hdop: 0.9, sats: 9 };
    const seq = await ctx.record('gps', fix);
    const apc = await ctx.record('apc', { stopId: 'velenje-center', doors: [{ door: 1, boardings: 3, alightings: 1 }], onboard: 17 });
    await ctx.record('log', { module: 'gnss', level: 'warn', msg: 'fix lost', fields: { forS: 40 } });

    // @ts-expect-error: no such stream
    await rejects(() => ctx.record('weather', { sunny: true }), /record on weather refused: unknown stream weather/);
    // @ts-expect-error: a gps record has no such field
    await rejects(() => ctx.record('gps', { ...fix, altitude: 300 }), /Unrecognized key/);
    await rejects(() => ctx.record('gps', { ...fix, lat: 123 }), /schema: lat: /);
    // @ts-expect-error: direction is 'in' or 'out'
    await rejects(() => ctx.record('loops', { carParkId: 'glazija', lane: 'entry-1', direction: 'sideways', ts: 1 }), /direction/);
    // Not awaited: a refused record must not become an unhandled rejection (which would end the process).
    void ctx.record('gps', { ...fix, speed: -1 });

    await waitFor('records stored at the fleet', () => storedSeqs(fleet, 'bus-d2', 'log').length === 1);
    assert.equal(storedSeqs(fleet, 'bus-d2', 'gps'), [seq]);
    assert.equal(storedSeqs(fleet, 'bus-d2', 'apc'), [apc]);
    assert.equal(fleet.ingest.records('bus-d2', 'gps')[0]!.data, fix);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
