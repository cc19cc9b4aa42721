/**
 * The demo's parking guidance panels: 35 LED direction panels on Celje's main roads (the
 * programme's plan), each a parking-panel agent showing 2–4 nearby car parks (car-parks.mjs) with
 * the arrow a driver at that spot follows. Which car parks, in row order, is the device's label
 * `carParks=glazija,celeiapark,…` (what the fleet's occupancy engine sends it); the arrows are the
 * panel module's settings (`settings.modules.panel.rows`), as a panel is mounted. Each panel's sign
 * is simulated (hardware/sign/simulated.ts: the real Alpha driver on an emulated sign) and saves
 * what it shows as `<dataDir>/panels/<id>.png`. The demo runs all 35 in one tabla-agent process.
 *
 * The roads are Celje's; the panels' places along them and the rows each shows are illustrative.
 * A row is written as the sign shows it: `<glazija` left, `^glazija` straight on, `glazija>` right.
 */
import path from 'node:path';
import { CAR_PARKS, CELJE_SITE, CELJE_TIME_ZONE } from './car-parks.mjs';

/** Under the data dir, the folder of the panels' PNGs. */
export const PANELS_DIR = 'panels';

/** Characters a line of each sign shows: an arrow, the longest panel label and ZASEDENO. */
export const PANEL_COLUMNS = 24;

/** Per main road, its name and its panels' rows, the panel nearest the edge of town first. */
export const ROADS = Object.freeze([
  { road: 'mariborska', name: 'Mariborska cesta', panels: [
    '^glazija ^celeiapark ^kocbekova',
    '^glazija ^celeiapark kocbekova>',
    '^glazija ^celeiapark kocbekova> zdravstveni-dom>',
    '^glazija <celeiapark kocbekova>',
    'glazija> <celeiapark <zelezniska-postaja ^trznica',
  ] },
  { road: 'ljubljanska', name: 'Ljubljanska cesta', panels: [
    '^glazija ^celeiapark ^kocbekova',
    '^glazija ^celeiapark ^spodnji-grad',
    '^glazija spodnji-grad> ^celeiapark',
    '<glazija ^celeiapark spodnji-grad> ^trznica',
    '^celeiapark ^trznica <kocbekova',
  ] },
  { road: 'deckova', name: 'Dečkova cesta', panels: [
    '^kocbekova ^glazija ^celeiapark',
    '^kocbekova ^zdravstveni-dom ^glazija',
    'kocbekova> <zdravstveni-dom ^glazija',
    '^glazija ^trznica ^celeiapark',
  ] },
  { road: 'kidriceva', name: 'Kidričeva ulica', panels: [
    '^kocbekova ^celeiapark ^zelezniska-postaja',
    '<kocbekova ^celeiapark ^mestni-park',
    '^celeiapark ^zelezniska-postaja mestni-park>',
  ] },
  { road: 'teharska', name: 'Teharska cesta', panels: [
    '^celeiapark ^mestni-park ^zelezniska-postaja',
    '^celeiapark <mestni-park ^zelezniska-postaja ^glazija',
    'celeiapark> ^zelezniska-postaja <glazija',
  ] },
  { road: 'levstikova', name: 'Levstikova ulica', panels: [
    '^celeiapark ^spodnji-grad ^mestni-park',
    '<celeiapark spodnji-grad> ^glazija',
    '^spodnji-grad ^glazija',
  ] },
  { road: 'ipavceva', name: 'Ipavčeva ulica', panels: [
    '^zelezniska-postaja ^celeiapark ^kocbekova',
    '<zelezniska-postaja ^celeiapark kocbekova>',
    '^celeiapark mestni-park>',
  ] },
  { road: 'gregorciceva', name: 'Gregorčičeva ulica', panels: [
    '^zdravstveni-dom ^glazija ^kocbekova',
    '<zdravstveni-dom kocbekova> ^glazija',
  ] },
  { road: 'kersnikova', name: 'Kersnikova ulica', panels: [
    '^glazija ^kocbekova ^trznica',
    '<glazija kocbekova> ^trznica ^celeiapark',
  ] },
  { road: 'askerceva', name: 'Aškerčeva ulica', panels: [
    '^celeiapark ^mestni-park',
    '<celeiapark ^zelezniska-postaja mestni-park>',
  ] },
  { road: 'opekarniska', name: 'Opekarniška cesta', panels: [
    '^glazija ^zdravstveni-dom ^kocbekova',
    'glazija> ^zdravstveni-dom',
  ] },
  { road: 'bezigrajska', name: 'Bežigrajska cesta', panels: [
    '^glazija ^spodnji-grad ^trznica',
  ] },
]);

/** One row of the notation: `<id` left, `^id` straight, `id>` right. */
export function parseRow(text) {
  if (text.startsWith('<')) return { carParkId: text.slice(1), arrow: 'left' };
  if (text.startsWith('^')) return { carParkId: text.slice(1), arrow: 'straight' };
  if (text.endsWith('>')) return { carParkId: text.slice(0, -1), arrow: 'right' };
  throw new Error(`panel row ${JSON.stringify(text)}: write <id, ^id or id>`);
}

/** The panel `n` (from 1) on `road`: panel-celje-<road>-<n>. */
export function panelId(road, n) {
  return `panel-celje-${road}-${n}`;
}

/** Every panel with its road and rows, in order. */
export function guidancePanels(roads = ROADS) {
  const known = new Set(CAR_PARKS.map((c) => c.id));
  return roads.flatMap((r) =>
    r.panels.map((spec, i) => {
      const rows = spec.split(/\s+/).map(parseRow);
      for (const row of rows) if (!known.has(row.carParkId)) throw new Error(`${panelId(r.road, i + 1)}: no car park ${row.carParkId}`);
      return { id: panelId(r.road, i + 1), road: r.road, roadName: r.name, rows };
    }),
  );
}

/** What the demo provisions: each panel labelled with its car parks in row order. */
export function panelDevices(panels = guidancePanels()) {
  return panels.map((p) => ({ id: p.id, role: 'parking-panel', site: CELJE_SITE, labels: { carParks: p.rows.map((r) => r.carParkId).join(',') } }));
}

/** Where the panel `id` saves its sign: `<dataDir>/panels/<id>.png`. */
export function panelPng(dataDir, id) {
  return path.join(dataDir, PANELS_DIR, `${id}.png`);
}

/**
 * The `hardware` section of a panel's agent.json: a simulated sign with a line per row, saving its
 * picture at an absolute path (the agent takes a relative one from its working directory).
 */
export function panelHardware({ panel, dataDir }) {
  return { sign: { kind: 'simulated', columns: PANEL_COLUMNS, lines: panel.rows.length, acks: true, png: path.resolve(panelPng(dataDir, panel.id)) } };
}

/** The panel module's settings (`settings.modules.panel`): its rows with their arrows. */
export function panelSettings(panel) {
  return { rows: panel.rows.map((r) => ({ carParkId: r.carParkId, arrow: r.arrow })), timeZone: CELJE_TIME_ZONE };
}
