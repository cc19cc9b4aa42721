/**
 * The demo's interactive information panels: Celje's six touch kiosks (role info-panel), each an
 * agent whose kiosk module serves its page on its own loopback port (http://127.0.0.1:<port>/) for
 * the kiosk browser on the same card; the fleet's kiosk engine sends each the site's car parks
 * and the notices that reach it. The places are illustrative. Celje's buses are not in the demo's
 * timetable, so the pages cycle between car parks and notices. The demo runs all six in one
 * tabla-agent process.
 */
import net from 'node:net';
import { CELJE_SITE, CELJE_TIME_ZONE } from './car-parks.mjs';

/** Where each kiosk stands (illustrative). */
export const KIOSKS = Object.freeze([
  { place: 'krekov-trg', name: 'Krekov trg (TIC)' },
  { place: 'postaja', name: 'Železniška in avtobusna postaja' },
  { place: 'glazija', name: 'Garažna hiša Glazija' },
  { place: 'celeiapark', name: 'Garažna hiša Celeiapark' },
  { place: 'kocbekova', name: 'Garažna hiša Kocbekova' },
  { place: 'mestni-park', name: 'Mestni park' },
]);

/** The first kiosk's port when TABLA_KIOSK_PORT does not say; the others follow it. */
export const KIOSK_BASE_PORT = 8091;

export function kioskId(place) {
  return `info-celje-${place}`;
}

/** What the demo provisions. */
export function infoPanels(kiosks = KIOSKS) {
  return kiosks.map((k) => ({ id: kioskId(k.place), role: 'info-panel', site: CELJE_SITE }));
}

/** The kiosk module's settings (`settings.modules.kiosk`) on `port`. */
export function kioskSettings(port) {
  return { port, tabs: ['parking', 'notices'], timeZone: CELJE_TIME_ZONE };
}

/** Whether a loopback port can be listened on now. */
function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port the system picks. */
function anyPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/**
 * A loopback port for each of `n` kiosks: base, base+1, …, and for one that is taken, any free
 * port (so a busy 8093 on the machine does not leave a kiosk without its page).
 */
export async function kioskPorts(n, base = KIOSK_BASE_PORT) {
  const ports = [];
  for (let i = 0; i < n; i++) {
    const wanted = base + i;
    let port = wanted <= 65535 && (await portFree(wanted)) ? wanted : await anyPort();
    while (ports.includes(port)) port = await anyPort();
    ports.push(port);
  }
  return ports;
}
