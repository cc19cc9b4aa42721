/**
 * The demo's stop displays (scripts/lokalc/displays.mjs): one at each of the 42 stops of the
 * Lokal'c network, each labelled with a stop of the committed feed, with ids the agent accepts;
 * the hardware section each gets is one the agent's config schema takes, with the simulated panel
 * at a real panel's pace, and its PNG lands in `<dataDir>/displays/<id>.png` once the agent has
 * resolved the path against its config file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { AgentConfig } from '../../protocols/index.js';
import { loadAgentConfig } from '../../device/config.js';
import { DISPLAY_SITE, displayHardware, displayId, displayPng, stopDisplays } from '../../scripts/lokalc/displays.mjs';
import { tmpDir } from '../helpers.js';

const COMMITTED_STOPS = path.resolve(import.meta.dirname, '../../scripts/lokalc/gtfs/stops.txt');

test('a display at every one of the 42 stops, each showing a stop of the feed, ids unique', () => {
  const displays = stopDisplays();
  assert.is(displays.length, 42);
  // the committed feed's stops (lokalc-gtfs.test.ts: the 42 of network.mjs), first column of stops.txt
  const feedStops = fs.readFileSync(COMMITTED_STOPS, 'utf8').split('\n').slice(1).filter(Boolean).map((line) => line.split(',')[0]!);
  assert.equal(displays.map((d) => d.labels.stop).sort(), feedStops.sort(), 'every stop of the feed has its display, and only those');
  for (const d of displays) {
    assert.is(d.role, 'stop-display');
    assert.is(d.site, DISPLAY_SITE);
  }
  assert.is(new Set(displays.map((d) => d.id)).size, 42, 'no two displays share an id');
});

test('ids: stop-velenje-<stop id>, the bus station keeping stop-velenje-postaja', () => {
  assert.is(displayId('trznica'), 'stop-velenje-trznica');
  assert.is(displayId('vila-bianca'), 'stop-velenje-vila-bianca');
  assert.is(displayId('ap'), 'stop-velenje-postaja');
  const ids = stopDisplays().map((d) => d.id);
  assert.ok(ids.includes('stop-velenje-salek') && ids.includes('stop-velenje-postaja'));
});

test("each display's agent config passes the agent's schema: the simulated panel at a real panel's pace", () => {
  for (const d of stopDisplays()) {
    const hardware = displayHardware({ id: d.id, dataDir: '/data', configDir: `/data/agents/${d.id}` });
    const parsed = AgentConfig.safeParse({ deviceId: d.id, role: d.role, site: d.site, dataDir: './state', mqtt: { url: 'mqtt://127.0.0.1:1883', password: 'secret' }, hardware });
    assert.ok(parsed.success, `${d.id}: ${parsed.success ? '' : parsed.error.message}`);
    const epaper = parsed.data!.hardware.epaper!;
    assert.is(epaper.kind, 'simulated');
    if (epaper.kind === 'simulated') {
      assert.is(epaper.speed, 1, 'refresh times as on the glass');
      assert.ok(epaper.temperatureC >= 0 && epaper.temperatureC <= 50, 'inside the panel range');
    }
  }
});

test('the PNG path, relative to the config file, resolves to <dataDir>/displays/<id>.png', () => {
  const dataDir = tmpDir('tabla-displays-');
  const id = displayId('trznica');
  const configDir = path.join(dataDir, 'agents', id);
  fs.mkdirSync(configDir, { recursive: true });
  const hardware = displayHardware({ id, dataDir, configDir });
  assert.not.ok(path.isAbsolute((hardware.epaper as { png: string }).png), 'relative: the data dir can be moved');
  const file = path.join(configDir, 'agent.json');
  fs.writeFileSync(file, JSON.stringify({ deviceId: id, role: 'stop-display', site: 'velenje', dataDir: './state', mqtt: { url: 'mqtt://127.0.0.1:1', password: 'secret' }, hardware }));
  const config = loadAgentConfig(file);
  assert.is(config.hardware.epaper?.kind === 'simulated' ? config.hardware.epaper.png : null, path.join(dataDir, 'displays', `${id}.png`));
  assert.is(displayPng(dataDir, id), path.join(dataDir, 'displays', `${id}.png`));
});

test.run();
