/**
 * The stop display's whole path, with real parts only: a real fleet (embedded broker on loopback,
 * ingest, the ETA and displays engines on the eta-line feed as site `town`), a real bus agent whose
 * gps module reads a simulated GNSS receiver (NMEA through the real chain) driving the line, and a
 * real stop-display agent (departures module, real renderer) on the simulated e-paper panel (the
 * Waveshare driver on the UC8179 emulator, saving its glass as a PNG).
 *
 * The bus drives toward the display's stop → its fixes go through its outbox to the fleet → the
 * ETA engine predicts → an `arrival-board` with a real-time row → the display plans, renders and
 * refreshes → the emulator's glass (its PNG) shows the live row → the frame goes up → the fleet's
 * `frame.png` is the glass, bit for bit. Then the fleet goes away: past the live max age the display
 * shows its timetable extract, every row scheduled, with the notice.
 *
 * One wall clock for the whole town (08:02:30 on the feed's Monday), stepped once to pass the live
 * max age; the broker, agents and panel run in real time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { departures, type DeparturesModule } from '../../device/modules/departures/index.js';
import { TEXT } from '../../device/modules/departures/wording.js';
import { gps } from '../../device/modules/gps/index.js';
import { renderScreen } from '../../device/render/index.js';
import { pngToFrame } from '../../hardware/epaper/png.js';
import { SimulatedEpaper } from '../../hardware/epaper/simulated.js';
import { SimulatedGnss } from '../../hardware/gnss/simulated.js';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { etaEngine } from '../../fleet/engines/eta/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import { agentConfigFor } from '../../fleet/provision.js';
import type { FleetService } from '../../fleet/service.js';
import { AgentConfig, type AgentConfigInput, type Role } from '../../protocols/index.js';
import { LAT, T0, lineFeed, lonOf } from '../fixtures/eta-line.js';
import { SteppableClock, api, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';

/** Short ages so the fallback fits in a test: the schema's least live max age, a tick a second, no minimum interval. */
const DISPLAY_SETTINGS = { refreshMinIntervalS: 0, tickS: 1, liveMaxAgeS: 30, realtimeMaxAgeS: 30 };

/** A device provisioned at site `town` and the config it would be handed (reconnects shortened). */
function configFor(fleet: FleetService, id: string, role: Role, labels: Record<string, string>, settings: AgentConfigInput['settings'] = {}): AgentConfig {
  const { secret } = fleet.registry.provision({ id, role, site: 'town', labels });
  const base = agentConfigFor({ deviceId: id, role, site: 'town', secret, mqttUrl: fleet.mqttUrl, dataDir: tmpDir(`tabla-${id}-`) });
  return AgentConfig.parse({ ...base, mqtt: { ...base.mqtt, reconnectMinMs: 100, reconnectMaxMs: 500 }, settings });
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** The fleet's stored picture of a device's last frame, decoded to panel bits (null while there is none). */
async function fleetPicture(fleet: FleetService, id: string): Promise<Uint8Array | null> {
  const res = await fetch(`${fleet.httpUrl}/api/devices/${id}/frame.png`, { headers: { authorization: `Bearer ${fleet.local.adminToken}` } });
  const body = Buffer.from(await res.arrayBuffer());
  return res.status === 200 ? pngToFrame(body) : null;
}

/** What the display has planned, its rendering, the emulator's glass and the PNG it saved: one snapshot. */
function snapshot(module: DeparturesModule, panel: SimulatedEpaper, png: string) {
  const screen = module.plan()?.screen ?? null;
  const glass = panel.glass();
  const saved = fs.existsSync(png) ? pngToFrame(fs.readFileSync(png)) : null;
  return { screen, glass, saved, rendered: screen ? renderScreen(screen) : null };
}

test('a bus drives toward the stop: its real-time row reaches the glass and the fleet’s frame.png; without the fleet, the timetable with the notice', async () => {
  const clock = new SteppableClock();
  clock.offsetMs = T0 + 150_000 - Date.now(); // 08:02:30
  const timetables = new Timetables();
  const load = lineFeed();
  timetables.set({ site: 'town', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
  const fleet = await startFleet({ clock, engines: [etaEngine({ timetables, boardIntervalMs: 100 }), displaysEngine({ timetables, tickMs: 50 })] });

  const png = path.join(tmpDir('tabla-glass-'), 'disp-3.png');
  const panel = new SimulatedEpaper({ speed: 100, png, temperatureC: 20 });
  const module = departures({ now: () => clock.now() });
  const display = new Agent({
    config: configFor(fleet, 'disp-3', 'stop-display', { stop: 'S3' }, { modules: { departures: DISPLAY_SETTINGS } }),
    log: quiet,
    clock,
    modules: [module],
    drivers: { epaper: panel },
  });
  // 300 m along the street at 08:02:30 (T1 is timetabled there about 08:01:12), heading for S3 at 1000 m at 5 m/s.
  const gnss = new SimulatedGnss({ route: [[LAT, lonOf(300)], [LAT, lonOf(2000)]], speedMps: 5, loop: false, now: () => clock.now() });
  const bus = new Agent({ config: configFor(fleet, 'bus-1', 'bus', { label: '101' }), log: quiet, clock, modules: [gps()], drivers: { gnss } });
  let fleetUp = true;
  let busUp = false;
  try {
    await display.start();

    // No bus yet: the fleet's timetable board (every row scheduled) on the glass.
    const before = await waitFor('the scheduled board on the glass', () => {
      const s = snapshot(module, panel, png);
      const ok = s.screen?.kind === 'board' && s.screen.notice === null && s.screen.rows.length > 0 && s.screen.rows.every((r) => r.scheduled);
      return ok && s.rendered && same(s.glass, s.rendered) && s.saved && same(s.saved, s.glass) ? s : null;
    });
    assert.is(module.latest()!.board.stop, 'Stop 3');
    assert.ok(module.latest()!.board.departures.every((d) => !d.realtime));

    await bus.start();
    busUp = true;

    // The bus is matched to T1: a real-time row for rumena → Stop 5, planned, rendered, on the glass, in the PNG, at the fleet.
    const live = await waitFor(
      'the real-time row on the glass and at the fleet',
      async () => {
        const s = snapshot(module, panel, png);
        if (s.screen?.kind !== 'board' || !s.rendered) return null;
        const row = s.screen.rows.find((r) => r.line === 'rumena' && r.destination === 'Stop 5' && !r.scheduled);
        if (!row || !same(s.glass, s.rendered) || !s.saved || !same(s.saved, s.glass)) return null;
        const stored = await fleetPicture(fleet, 'disp-3');
        return stored && same(stored, s.glass) ? { ...s, row } : null;
      },
      30_000,
      50,
    );
    assert.ok(!same(live.glass, before.glass), 'the real-time rendering differs from the scheduled-only one');
    const board = module.latest()!.board;
    const t1 = board.departures.find((d) => d.realtime && d.destination === 'Stop 5');
    assert.ok(t1, JSON.stringify(board));
    // S3 is 700 m ahead at 5 m/s: expected a little after 08:04:30 at the latest, shown a little early, never in the past.
    const at = Date.parse(t1!.departsAt);
    assert.ok(at >= clock.now() - 60_000 && at <= T0 + 6 * 60_000, `T1 at S3 predicted ${t1!.departsAt}`);
    const frame = (await api(fleet, 'GET', '/api/devices/disp-3/frame')).body as { kind: string; summary: string; width: number; height: number };
    assert.equal([frame.kind, frame.width, frame.height], ['arrival-board', 800, 480]);
    assert.match(frame.summary, /rumena → Stop 5/);
    assert.ok(display.state().modules!.departures!.display!.partial >= 1, 'the live row came by a partial refresh');

    // The fleet goes away. Past the live max age the display lists its timetable extract, every row scheduled, with the notice.
    await bus.stop();
    busUp = false;
    await fleet.stop();
    fleetUp = false;
    await waitFor('the display sees the link down', () => !display.link.fleetOnline && !display.link.connected);
    clock.step((DISPLAY_SETTINGS.liveMaxAgeS + 2) * 1000);
    const fallback = await waitFor(
      'the timetable with the notice on the glass',
      () => {
        const s = snapshot(module, panel, png);
        const ok = s.screen?.kind === 'board' && s.screen.notice === TEXT.liveUnavailable;
        return ok && s.rendered && same(s.glass, s.rendered) && s.saved && same(s.saved, s.glass) ? s : null;
      },
      10_000,
      50,
    );
    assert.is(module.plan()!.live, false);
    if (fallback.screen?.kind !== 'board') throw new Error('not a board');
    assert.ok(fallback.screen.rows.every((r) => r.scheduled), JSON.stringify(fallback.screen.rows));
    // The extract's departures at S3 still ahead: 08:04 (unless the test ran past it), 08:19, 08:34.
    const rows = fallback.screen.rows.map((r) => `${r.line} ${r.destination}`);
    assert.ok(rows.length >= 2, JSON.stringify(rows));
    assert.equal(rows, ['rumena Stop 5', 'rumena Stop 1', 'rumena Stop 5'].slice(3 - rows.length));
    assert.is(fallback.screen.rows.at(-1)!.time, '08:34');
    assert.ok(!same(fallback.glass, live.glass), 'the fallback is on the glass, not the live board');
  } finally {
    if (busUp) await bus.stop().catch(() => {});
    await display.stop().catch(() => {});
    if (fleetUp) await fleet.stop().catch(() => {});
  }
});

test.run();
