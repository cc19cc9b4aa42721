/**
 * The occupancy engine in a real fleet (broker, ingest, bus, HTTP): a counter sends its loop
 * crossings with its own credentials as an agent does, reconnects and sends the same batch again
 * (counted once); a guidance panel subscribed to its content gets its rows on every change and
 * again before they expire; time alone turns a silent car park unknown and a closed one closed;
 * a restart keeps the count.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CarParkStatus, ParkingCounts } from '../../protocols/index.js';
import { Content, decode, topic } from '../../protocols/index.js';
import { occupancyEngine } from '../../fleet/engines/occupancy/index.js';
import { localInstant } from '../../fleet/engines/occupancy/model.js';
import { SteppableClock, api, deviceClient, startFleet, storedSeqs, waitFor } from '../helpers.js';

const TZ = 'Europe/Ljubljana';
/** Monday 2026-11-30, 10:00 in Celje. */
const MONDAY_10 = localInstant('2026-11-30', '10:00', TZ);

const CELJE = {
  site: 'celje',
  timeZone: TZ,
  carParks: [
    { id: 'glazija', name: 'Garažna hiša Glazija', kind: 'garage', lat: 46.2337, lon: 15.2604, address: 'Ljubljanska cesta 20, Celje', capacity: 100, staleAfterS: 600 },
    { id: 'celeiapark', name: 'Celeiapark', kind: 'garage', capacity: 300, panelLabel: 'CELEIA' },
    { id: 'spodnji-grad', name: 'Spodnji grad', kind: 'open', capacity: 50, openingHours: [{ days: ['sat', 'sun'], from: '08:00', to: '20:00' }] },
  ],
};

const batch = (epoch: number, records: { seq: number; ts: number; data: unknown }[]) =>
  JSON.stringify({ v: 1, epoch, outbox: 'c1', low: records[0]!.seq, records });
const crossings = (from: number, n: number, direction: 'in' | 'out', ts: number) =>
  Array.from({ length: n }, (_, i) => ({ seq: from + i, ts, data: { carParkId: 'glazija', lane: direction === 'in' ? 'entry-1' : 'exit-1', direction, ts } }));

async function status(fleet: Awaited<ReturnType<typeof startFleet>>, id: string) {
  const r = await api(fleet, 'GET', `/api/parking/${id}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body as { status: CarParkStatus; history: { kind: string; [k: string]: unknown }[]; counts: { clampedHigh: number; clampedLow: number } };
}

test('counts from a counter, once each through a reconnect; panel rows on change and before they expire; silence → unknown; closed hours; a restart keeps the count', async () => {
  const clock = new SteppableClock();
  clock.offsetMs = MONDAY_10 - Date.now();
  const engine = () => occupancyEngine({ tickMs: 50, contentAgeS: 4, refreshS: 1 });
  // Whether the host gives engines an emitter for their own bus events (occupancy-changed).
  let hostEmits = false;
  const probe = { name: 'probe', start: (ctx: object) => void (hostEmits = typeof (ctx as { emit?: unknown }).emit === 'function') };
  let fleet = await startFleet({ clock, engines: [engine(), probe] });
  const dataDir = fleet.options.dataDir;
  const changes: CarParkStatus[] = [];
  fleet.bus.on('occupancy-changed', 'test', ({ status: s }) => void changes.push(s));
  const clients: Awaited<ReturnType<typeof deviceClient>>[] = [];
  try {
    assert.is((await api(fleet, 'PUT', '/api/parking/car-parks', CELJE)).status, 200);
    const counterSecret = fleet.registry.provision({ id: 'counter-glazija', role: 'car-park-counter', site: 'celje', labels: { carPark: 'glazija' } }).secret;
    const panelSecret = fleet.registry.provision({ id: 'panel-1', role: 'parking-panel', site: 'celje', labels: { carParks: 'glazija,celeiapark,nowhere' } }).secret;
    const panel = await deviceClient(fleet, 'panel-1', panelSecret);
    clients.push(panel);
    const received: ParkingCounts[] = [];
    panel.on('message', (_t, payload) => {
      const m = decode(Content, payload.toString());
      if (m.ok && m.value.kind === 'parking-counts') received.push(m.value.body as ParkingCounts);
    });
    await panel.subscribeAsync(topic.content('panel-1'), { qos: 1 });

    // Before any count: the car parks are unknown, and the panel's rows blank.
    assert.is((await status(fleet, 'glazija')).status.state, 'unknown');
    const blank = await waitFor('blank rows', () => received.find((r) => r.rows.length === 3));
    assert.equal(blank.rows, [
      { carParkId: 'glazija', label: 'GLAZIJA', free: null, state: 'unknown' },
      { carParkId: 'celeiapark', label: 'CELEIA', free: null, state: 'unknown' },
      { carParkId: 'nowhere', label: 'NOWHERE', free: null, state: 'unknown' },
    ]);

    // 97 cars in: 3 free, full (full at ≤ 3 free on 100 spaces).
    let counter = await deviceClient(fleet, 'counter-glazija', counterSecret);
    clients.push(counter);
    const t = clock.now();
    const first = crossings(1, 97, 'in', t);
    await counter.publishAsync(topic.telemetry('counter-glazija', 'loops'), batch(1, first), { qos: 1 });
    await waitFor('stored', () => storedSeqs(fleet, 'counter-glazija', 'loops').length === 97);
    let s = (await status(fleet, 'glazija')).status;
    assert.equal([s.occupied, s.free, s.state, s.percent], [97, 3, 'full', 97]);
    const full = await waitFor('the panel shows full', () => received.find((r) => r.rows[0]!.state === 'full'));
    assert.is(full.rows[0]!.free, 3);
    assert.ok(Date.parse(full.validUntil) - clock.now() > 3000 && Date.parse(full.validUntil) - clock.now() <= 4000, full.validUntil);

    // The counter loses its link before the ack and, as an agent does, sends the same rows again
    // in a new session, with two more (two cars out): each car counts once.
    await counter.endAsync(true);
    counter = await deviceClient(fleet, 'counter-glazija', counterSecret);
    clients.push(counter);
    await counter.publishAsync(topic.telemetry('counter-glazija', 'loops'), batch(2, [...first.slice(90), ...crossings(98, 2, 'out', t + 1000)]), { qos: 1 });
    await waitFor('stored again', () => storedSeqs(fleet, 'counter-glazija', 'loops').length === 99);
    s = (await status(fleet, 'glazija')).status;
    assert.equal([s.occupied, s.free, s.state], [95, 5, 'almostFull'], 'full falls back to almostFull at 5 free, not before');
    assert.is(fleet.metrics.get('tabla_telemetry_duplicates_total'), 7);
    await waitFor('the panel shows almostFull', () => received.find((r) => r.rows[0]!.state === 'almostFull' && r.rows[0]!.free === 5));

    // Unchanged rows are sent again before they expire.
    const before = received.length;
    clock.step(1500);
    const again = await waitFor('a refresh', () => received.slice(before).find((r) => r.rows[0]!.free === 5));
    assert.ok(Date.parse(again.validUntil) > Date.parse(full.validUntil));

    // Six more cars in at 95: five counted to capacity, one clamped and said so.
    await counter.publishAsync(topic.telemetry('counter-glazija', 'loops'), batch(2, crossings(100, 6, 'in', t + 2000)), { qos: 1 });
    await waitFor('clamped', () => fleet.metrics.get('tabla_occupancy_clamped_total', { car_park: 'glazija', end: 'high' }) === 1);
    const clamped = await status(fleet, 'glazija');
    assert.equal([clamped.status.occupied, clamped.status.free, clamped.counts.clampedHigh], [100, 0, 1]);

    // Closed outside its hours (a weekend car park on a Monday), whatever its count.
    const grad = (await status(fleet, 'spodnji-grad')).status;
    assert.equal([grad.state, grad.open, grad.free], ['closed', false, null]);

    // Silent past staleAfterS (600 s): unknown, and the panel blanks that row.
    clock.step(601_000);
    await waitFor('unknown', async () => (await status(fleet, 'glazija')).status.state === 'unknown');
    await waitFor('the panel blanks glazija', () => received.find((r) => r.rows[0]!.state === 'unknown' && r.rows[0]!.free === null && Date.parse(r.validUntil) > clock.now()));
    const history = (await status(fleet, 'glazija')).history;
    assert.equal(
      history.filter((h) => h.kind === 'state').map((h) => [h.from, h.to]).reverse(),
      [
        ['unknown', 'full'],
        ['full', 'almostFull'],
        ['almostFull', 'full'],
        ['full', 'unknown'],
      ],
    );

    // Every change someone sees is on the bus, when the host gives engines an emitter.
    if (hostEmits) {
      assert.ok(changes.some((c) => c.id === 'glazija' && c.state === 'almostFull' && c.free === 5), JSON.stringify(changes.map((c) => [c.id, c.state, c.free])));
    }

    // A restart keeps the count (and the count's freshness).
    for (const c of clients.splice(0)) await c.endAsync(true);
    await fleet.stop();
    fleet = await startFleet({ clock, engines: [engine()], dataDir });
    const kept = await status(fleet, 'glazija');
    assert.equal([kept.status.occupied, kept.status.state, kept.counts.clampedHigh], [100, 'unknown', 1]);
    const list = (await api(fleet, 'GET', '/api/parking')).body as { carParks: CarParkStatus[] };
    assert.equal(list.carParks.map((c) => c.id), ['celeiapark', 'glazija', 'spodnji-grad']);
  } finally {
    for (const c of clients) await c.endAsync(true);
    await fleet.stop();
  }
});

test('a catalogue is refused whole with its reasons by path; an id of another site is refused; the site keeps what it had', async () => {
  const fleet = await startFleet({ engines: [occupancyEngine({ tickMs: 1000 })] });
  try {
    assert.is((await api(fleet, 'PUT', '/api/parking/car-parks', CELJE)).status, 200);
    const bad = await api(fleet, 'PUT', '/api/parking/car-parks', { site: 'celje', carParks: [{ id: 'glazija', name: '', kind: 'garage', capacity: -1 }] });
    assert.is(bad.status, 422);
    assert.equal(bad.body.reasons.map((r: { path: string }) => r.path).sort(), ['carParks.0.capacity', 'carParks.0.name']);
    const other = await api(fleet, 'PUT', '/api/parking/car-parks?site=velenje', { carParks: [{ id: 'glazija', name: 'Glazija', kind: 'garage', capacity: 10 }] });
    assert.is(other.status, 422);
    assert.equal(other.body.reasons, [{ path: 'carParks.0.id', message: 'glazija is a car park of site celje' }]);
    assert.is(((await api(fleet, 'GET', '/api/parking')).body as { carParks: unknown[] }).carParks.length, 3);
    assert.is((await api(fleet, 'GET', '/api/parking', undefined, 'wrong')).status, 401, 'the API needs the token');
    assert.is((await api(fleet, 'GET', '/api/parking/nowhere')).status, 404);
  } finally {
    await fleet.stop();
  }
});

test.run();
