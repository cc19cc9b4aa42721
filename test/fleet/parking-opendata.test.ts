/**
 * The car parks as open data, without a token: ParkAPI v3 JSON at `/parking.json` and DATEX II
 * v2.3 at `/parking/datex2`, the latter valid against the official schema (xmllint --schema) for
 * a car park counted, one never counted (unknown), one closed, and for an empty catalogue.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { occupancyEngine } from '../../fleet/engines/occupancy/index.js';
import { datex2ParkingStatus } from '../../fleet/engines/occupancy/opendata.js';
import { localInstant } from '../../fleet/engines/occupancy/model.js';
import { topic } from '../../protocols/index.js';
import { SteppableClock, api, deviceClient, startFleet, storedSeqs, tmpDir, waitFor } from '../helpers.js';

const CELJE = {
  site: 'celje',
  timeZone: 'Europe/Ljubljana',
  carParks: [
    { id: 'glazija', name: 'Garažna hiša Glazija', kind: 'garage', lat: 46.2337, lon: 15.2604, address: 'Ljubljanska cesta 20, Celje', capacity: 100 },
    { id: 'celeiapark', name: 'Celeiapark', kind: 'garage', capacity: 300 },
    { id: 'spodnji-grad', name: 'Spodnji grad', kind: 'open', capacity: 50, openingHours: [{ days: ['sat', 'sun'], from: '08:00', to: '20:00' }] },
  ],
};

const SCHEMA = path.resolve(import.meta.dirname, '../data/datex2/DATEXIISchema_2_2_3.xsd');

/** xmllint's verdict on a document against the DATEX II 2.3 schema. */
function validate(xml: string): { ok: boolean; output: string } {
  const file = path.join(tmpDir('tabla-datex2-'), 'publication.xml');
  fs.writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint: ${r.error.message} (apt-get install libxml2-utils)`);
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

test('the schema check can fail: a status without its required origin time is refused', () => {
  const good = datex2ParkingStatus(
    [{ id: 'x', name: 'X', site: 's', kind: 'open', capacity: 10, occupied: 2, free: 8, percent: 20, trend: 'steady', state: 'spacesAvailable', open: true, updatedAt: '2026-11-30T10:00:00+01:00' }],
    { country: 'si', publisher: 'tabla', lang: 'sl', now: Date.parse('2026-11-30T09:00:00Z') },
  );
  assert.ok(validate(good).ok, validate(good).output);
  const bad = validate(good.replace(/<parkingStatusOriginTime>.*<\/parkingStatusOriginTime>/, ''));
  assert.is(bad.ok, false);
  assert.match(bad.output, /parkingStatusOriginTime/);
  assert.ok(validate(datex2ParkingStatus([], { country: 'si', publisher: 'tabla', lang: 'sl', now: 0 })).ok, 'an empty catalogue is a valid publication too');
});

test('ParkAPI JSON and DATEX II from a counted, an unknown and a closed car park, open to anyone', async () => {
  const clock = new SteppableClock();
  clock.offsetMs = localInstant('2026-11-30', '10:00', 'Europe/Ljubljana') - Date.now();
  const fleet = await startFleet({ clock, engines: [occupancyEngine({ tickMs: 100 })] });
  try {
    assert.is((await api(fleet, 'PUT', '/api/parking/car-parks', CELJE)).status, 200);
    const secret = fleet.registry.provision({ id: 'counter-1', role: 'car-park-counter', site: 'celje', labels: { carPark: 'glazija' } }).secret;
    const counter = await deviceClient(fleet, 'counter-1', secret);
    const ts = clock.now();
    const records = Array.from({ length: 12 }, (_, i) => ({ seq: i + 1, ts, data: { carParkId: 'glazija', lane: 'entry-1', direction: i < 10 ? 'in' : 'out', ts } }));
    await counter.publishAsync(topic.telemetry('counter-1', 'loops'), JSON.stringify({ v: 1, epoch: 1, outbox: 'c1', low: 1, records }), { qos: 1 });
    await waitFor('stored', () => storedSeqs(fleet, 'counter-1', 'loops').length === 12);
    await counter.endAsync();
    await waitFor('counted', async () => (await api(fleet, 'GET', '/api/parking/glazija')).body.status.occupied === 8);

    // No token: open data.
    const json = await fetch(`${fleet.httpUrl}/parking.json`);
    assert.is(json.status, 200);
    const { items } = (await json.json()) as { items: Record<string, unknown>[] };
    assert.equal(items.map((i) => i.uid), ['celeiapark', 'glazija', 'spodnji-grad']);
    const glazija = items[1]!;
    assert.equal(
      { ...glazija, static_data_updated_at: typeof glazija.static_data_updated_at, realtime_data_updated_at: typeof glazija.realtime_data_updated_at },
      {
        uid: 'glazija',
        name: 'Garažna hiša Glazija',
        type: 'CAR_PARK',
        lat: '46.2337000',
        lon: '15.2604000',
        address: 'Ljubljanska cesta 20, Celje',
        capacity: 100,
        has_realtime_data: true,
        static_data_updated_at: 'string',
        realtime_opening_status: 'OPEN',
        realtime_free_capacity: 92,
        realtime_data_updated_at: 'string',
      },
    );
    assert.ok(Math.abs(Date.parse(glazija.realtime_data_updated_at as string) - clock.now()) < 5000);
    assert.equal([items[0]!.realtime_opening_status, 'realtime_free_capacity' in items[0]!, 'realtime_data_updated_at' in items[0]!], ['UNKNOWN', false, false]);
    assert.equal([items[2]!.type, items[2]!.realtime_opening_status, items[2]!.realtime_free_capacity], ['OFF_STREET_PARKING_GROUND', 'CLOSED', 0]);

    const res = await fetch(`${fleet.httpUrl}/parking/datex2`);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/xml/);
    const xml = await res.text();
    const verdict = validate(xml);
    assert.ok(verdict.ok, verdict.output);
    assert.match(xml, /<genericPublicationName>ParkingStatusPublication<\/genericPublicationName>/);
    const record = (id: string) => xml.slice(xml.indexOf(`id="${id}"`), xml.indexOf('</parkingRecordStatus>', xml.indexOf(`id="${id}"`)));
    assert.match(record('glazija'), /<parkingNumberOfVacantSpaces>92<\/parkingNumberOfVacantSpaces>\s*<parkingNumberOfOccupiedSpaces>8<\/parkingNumberOfOccupiedSpaces>\s*<parkingOccupancy>8<\/parkingOccupancy>\s*<parkingOccupancyTrend>(stable|increasing)<\/parkingOccupancyTrend>/);
    assert.match(record('glazija'), /<parkingSiteStatus>spacesAvailable<\/parkingSiteStatus>\s*<parkingSiteOpeningStatus>open</);
    assert.match(record('celeiapark'), /<parkingSiteStatus>unknown<\/parkingSiteStatus>\s*<parkingSiteOpeningStatus>statusUnknown</);
    assert.match(record('spodnji-grad'), /<parkingNumberOfVacantSpaces>0<\/parkingNumberOfVacantSpaces>[\s\S]*<parkingSiteOpeningStatus>closed</);
  } finally {
    await fleet.stop();
  }
});

test.run();
