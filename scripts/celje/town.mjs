/**
 * Celje's parking guidance in the demo town, put together: the agents (a counter at each car park,
 * 35 guidance panels, 6 information panels), what each one's agent.json gets beyond its identity
 * (hardware and module settings), the processes they run in (one tabla-agent per kind, a
 * `--config` each), and the catalogue and starting counts the fleet is given before the counters
 * start (so their first crossings are counted, from the count the simulated traffic starts at).
 */
import path from 'node:path';
import { CAR_PARKS, CELJE_SITE, celjeCatalogue } from './car-parks.mjs';
import { carParkCounters, counterHardware, counterSettings } from './counters.mjs';
import { infoPanels, kioskSettings } from './kiosks.mjs';
import { guidancePanels, panelDevices, panelHardware, panelSettings } from './panels.mjs';

/** The tabla-agent processes of Celje's agents: by role, a name and a log file under the data dir. */
export const CELJE_PROCESSES = Object.freeze({
  'car-park-counter': { name: 'celje-counters', log: path.join('agents', 'celje-counters.log') },
  'parking-panel': { name: 'celje-panels', log: path.join('agents', 'celje-panels.log') },
  'info-panel': { name: 'celje-kiosks', log: path.join('agents', 'celje-kiosks.log') },
});

/** Every agent of Celje's parking guidance, as the demo provisions them: counters, panels, kiosks. */
export function celjeDevices() {
  return [...carParkCounters(), ...panelDevices(), ...infoPanels()];
}

/**
 * What the agent `d` (one of celjeDevices()) runs with: `hardware`, and `module` + `settings` for
 * `settings.modules[module]`. `kioskPort(id)` gives an info panel's loopback port.
 */
export function celjeAgentSetup(d, { dataDir, kioskPort }) {
  switch (d.role) {
    case 'car-park-counter': {
      const carPark = CAR_PARKS.find((c) => c.id === d.labels.carPark);
      if (!carPark) throw new Error(`${d.id}: no car park ${d.labels.carPark}`);
      return { hardware: counterHardware(carPark), module: 'counter', settings: counterSettings(carPark) };
    }
    case 'parking-panel': {
      const panel = guidancePanels().find((p) => p.id === d.id);
      if (!panel) throw new Error(`${d.id}: not one of the guidance panels`);
      return { hardware: panelHardware({ panel, dataDir }), module: 'panel', settings: panelSettings(panel) };
    }
    case 'info-panel':
      return { hardware: {}, module: 'kiosk', settings: kioskSettings(kioskPort(d.id)) };
    default:
      throw new Error(`${d.id}: ${d.role} is not one of Celje's parking roles`);
  }
}

/**
 * Gives the fleet Celje's catalogue, then sets each car park's count to the cars its simulated
 * traffic starts with (as a technician sets a car park's count when its counters go live).
 * `call(method, url, body)` → `{status, body}`.
 */
export async function loadCeljeParking(call) {
  const put = await call('PUT', `/api/parking/car-parks?site=${CELJE_SITE}`, celjeCatalogue());
  if (put.status !== 200) {
    const reasons = (put.body.reasons ?? []).map((r) => `${r.path}: ${r.message}`).join('; ');
    throw new Error(`Celje's car park catalogue: ${put.body.error}${reasons ? ` (${reasons})` : ''}`);
  }
  for (const c of CAR_PARKS) {
    const reason = `demo start: the simulated traffic begins with ${c.traffic.inside} cars inside`;
    const res = await call('POST', `/api/parking/${c.id}/adjust`, { set: c.traffic.inside, reason, by: 'demo' });
    if (res.status !== 200) throw new Error(`setting ${c.id}'s count: ${res.body.error}`);
  }
  return put.body;
}
