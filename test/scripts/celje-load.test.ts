/**
 * The demo's start of Celje's parking (scripts/celje/town.mjs loadCeljeParking) against a real
 * fleet: the catalogue goes in whole, each car park's count is set to the cars its simulated
 * traffic starts with (in the car park's history, with the reason), and doing it again on the next
 * start keeps the car parks and sets the counts afresh. A refused catalogue is an error naming why.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CarParkStatus } from '../../protocols/index.js';
import { CAR_PARKS } from '../../scripts/celje/car-parks.mjs';
import { loadCeljeParking } from '../../scripts/celje/town.mjs';
import { api, startFleet } from '../helpers.js';

test('the catalogue and the starting counts reach the fleet; a second start sets them afresh', async () => {
  const fleet = await startFleet();
  try {
    const call = (method: string, url: string, body?: unknown) => api(fleet, method, url, body);
    const first = await loadCeljeParking(call);
    assert.is(first.carParks, CAR_PARKS.length);
    const { body } = await api(fleet, 'GET', '/api/parking?site=celje');
    const parks = body.carParks as CarParkStatus[];
    assert.equal(parks.map((p) => p.id).sort(), CAR_PARKS.map((c) => c.id).sort());
    for (const c of CAR_PARKS) {
      const p = parks.find((x) => x.id === c.id)!;
      assert.is(p.capacity, c.capacity, c.id);
      assert.is(p.occupied, c.traffic.inside, `${c.id}: the traffic's starting count`);
    }
    const glazija = await api(fleet, 'GET', '/api/parking/glazija');
    assert.ok(
      glazija.body.history.some((h: { kind: string; reason?: string }) => h.kind === 'adjust' && /simulated traffic begins with 290 cars/.test(h.reason ?? '')),
      JSON.stringify(glazija.body.history),
    );
    await api(fleet, 'POST', '/api/parking/glazija/adjust', { delta: -100, reason: 'a test moves it' });
    const again = await loadCeljeParking(call);
    assert.equal(again.kept.length, CAR_PARKS.length, 'the car parks are kept');
    const after = (await api(fleet, 'GET', '/api/parking/glazija')).body.status as CarParkStatus;
    assert.is(after.occupied, 290);
  } finally {
    await fleet.stop();
  }
});

test('a catalogue the fleet refuses is an error that says why', async () => {
  const fleet = await startFleet();
  try {
    // another site already has glazija: the fleet refuses celje's catalogue
    await api(fleet, 'PUT', '/api/parking/car-parks?site=velenje', { carParks: [{ id: 'glazija', name: 'X', kind: 'open', capacity: 5 }] });
    let message = '';
    await loadCeljeParking((m, u, b) => api(fleet, m, u, b)).catch((err: Error) => (message = err.message));
    assert.match(message, /Celje's car park catalogue: .*glazija is a car park of site velenje/);
  } finally {
    await fleet.stop();
  }
});

test.run();
