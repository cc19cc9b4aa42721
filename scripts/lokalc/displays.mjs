/**
 * The demo's stop displays: an e-paper arrival display at every one of Lokal'c's 42 stops
 * (network.mjs), each a stop-display agent labelled with the stop_id whose departures it shows,
 * with the simulated Waveshare 7.5" panel (hardware/epaper/simulated.ts: the real driver on the
 * controller's emulator) at a real panel's pace, saving what its glass shows as a PNG in the data
 * dir after every refresh. The demo runs them all in one tabla-agent process (one `--config` each).
 */
import path from 'node:path';
import { STOPS } from './network.mjs';

/** The site of Velenje's displays (the fleet's Lokal'c timetable is loaded for it). */
export const DISPLAY_SITE = 'velenje';

/** Under the data dir, the folder of the displays' PNGs. */
export const DISPLAYS_DIR = 'displays';

/** The bus station's display keeps the id it had when the demo had three displays. */
const ID_PARTS = { ap: 'postaja' };

/**
 * The simulated panel. speed 1: refreshes take as long as on the glass (about 4 s full, 0.5 s
 * partial); 20 °C is inside the panel's range, so the temperature never holds a refresh.
 */
export const DISPLAY_PANEL = Object.freeze({ kind: 'simulated', speed: 1, temperatureC: 20 });

/** The device id of the display at `stopId`: stop-velenje-<stop id>. */
export function displayId(stopId) {
  return `stop-velenje-${ID_PARTS[stopId] ?? stopId}`;
}

/** One display per stop, in the order of the stops: what the demo provisions. */
export function stopDisplays(stops = STOPS) {
  return stops.map((s) => ({ id: displayId(s.id), role: 'stop-display', site: DISPLAY_SITE, labels: { stop: s.id } }));
}

/** Where the display `id` saves its glass: `<dataDir>/displays/<id>.png`. */
export function displayPng(dataDir, id) {
  return path.join(dataDir, DISPLAYS_DIR, `${id}.png`);
}

/**
 * The `hardware` section of the display `id`'s agent.json, written in `configDir`: its panel, the
 * PNG given relative to the config file (as the agent resolves it), so a data dir can be moved.
 */
export function displayHardware({ id, dataDir, configDir }) {
  return { epaper: { ...DISPLAY_PANEL, png: path.relative(configDir, displayPng(dataDir, id)) } };
}
