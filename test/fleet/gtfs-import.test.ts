/**
 * Importing GTFS feeds over HTTP into a real fleet, one per site, side by side: each stored in
 * `<dataDir>/gtfs/<site>.zip` and loaded again at the next start; a refused feed (422, with the
 * reasons and the problems) leaves the site's feed as it was, on disk and in memory; a stop's
 * departures find their feed by `?site=`, or alone when one feed has the stop; a broken stored
 * feed is logged and skipped at start.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Timetables, gtfsEngine, type GtfsEngineOptions } from '../../fleet/engines/gtfs/index.js';
import type { FleetService } from '../../fleet/service.js';
import { createLogger } from '../../protocols/index.js';
import { VELENJE, VELENJE_ERRORS, without, zipFeed } from '../fixtures/gtfs-velenje.js';
import { api, startFleet, tmpDir } from '../helpers.js';

const FEED = path.resolve(import.meta.dirname, '../../../shared/data/gtfs/bullrunner-gtfs.zip');
const BULLRUNNER = new Uint8Array(fs.readFileSync(FEED));

async function put(fleet: FleetService, p: string, bytes: Uint8Array, contentType = 'application/zip', token = fleet.local.adminToken) {
  const res = await fetch(fleet.httpUrl + p, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: bytes });
  return { status: res.status, body: (await res.json()) as any };
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function fleetWith(dataDir: string, options: Partial<GtfsEngineOptions> = {}, log?: ReturnType<typeof createLogger>) {
  const timetables = new Timetables();
  return { timetables, start: () => startFleet({ dataDir, ...(log ? { log } : {}), engines: [gtfsEngine({ timetables, ...options })] }) };
}

test('two sites side by side, imported as zips: stored, listed, and both back after a restart', async () => {
  const dataDir = tmpDir('tabla-fleet-');
  const first = fleetWith(dataDir);
  const seen: string[] = [];
  first.timetables.onChange((site, t) => seen.push(`${site}:${t ? t.feed.trips.size : 'gone'}`));
  let fleet = await first.start();
  let campus: any;
  let velenje: any;
  try {
    assert.equal((await api(fleet, 'GET', '/api/gtfs')).body, { feeds: [] });
    const a = await put(fleet, '/api/gtfs/feeds/campus?name=bullrunner-gtfs.zip', BULLRUNNER);
    assert.is(a.status, 201, JSON.stringify(a.body));
    campus = a.body;
    assert.equal([campus.site, campus.source, campus.stored, campus.replaced, campus.trips, campus.problems], ['campus', 'bullrunner-gtfs.zip', true, false, 15, { error: 0, warning: 10 }]);
    assert.is(campus.firstProblems.length, 10);
    assert.equal(campus.firstProblems[0], { file: 'stops.txt', row: 2, field: 'stop_name', message: 'value "Math & Engineering " has spaces around it', severity: 'warning' });

    const v = await put(fleet, '/api/gtfs/feeds/velenje?name=velenje.zip', zipFeed(VELENJE));
    assert.is(v.status, 201, JSON.stringify(v.body));
    velenje = v.body;
    assert.equal([velenje.trips, velenje.stopTimes, velenje.problems], [2, 5, { error: 2, warning: 0 }]);
    assert.equal(velenje.info, {
      publisherName: 'Mestna občina Velenje',
      publisherUrl: 'https://www.velenje.si',
      lang: 'sl',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      version: '2026-03',
      contactEmail: 'promet@velenje.si',
    });
    assert.equal(velenje.firstProblems.map((p: any) => [`${p.file}:${p.row}`, p.message]), VELENJE_ERRORS);

    const { feeds } = (await api(fleet, 'GET', '/api/gtfs')).body;
    assert.equal(feeds.map((f: any) => [f.site, f.trips]), [['campus', 15], ['velenje', 2]]);
    assert.equal(first.timetables.all().map((t) => t.site), ['campus', 'velenje'], 'the shared timetables hold both');
    assert.equal(seen, ['campus:15', 'velenje:2']);
    assert.is(fleet.metrics.get('tabla_gtfs_problems', { site: 'velenje', severity: 'error' }), 2);
    assert.equal(fs.readdirSync(path.join(dataDir, 'gtfs')).sort(), ['campus.json', 'campus.zip', 'velenje.json', 'velenje.zip'], 'no temp file left');
    assert.equal(new Uint8Array(fs.readFileSync(path.join(dataDir, 'gtfs', 'campus.zip'))), BULLRUNNER);
  } finally {
    await fleet.stop();
  }

  fleet = await fleetWith(dataDir).start();
  try {
    const { feeds } = (await api(fleet, 'GET', '/api/gtfs')).body;
    const strip = ({ loadedAt: _l, replaced: _r, firstProblems: _f, ...rest }: any) => rest;
    assert.equal(feeds.map(strip), [strip(campus), strip(velenje)], 'the same feeds, with their names and import times');
  } finally {
    await fleet.stop();
  }
});

test('a refused feed (stops.txt missing): 422 with the reasons and problems; the site keeps its feed, in memory and on disk', async () => {
  const dataDir = tmpDir('tabla-fleet-');
  const fleet = await fleetWith(dataDir).start();
  try {
    const before = (await put(fleet, '/api/gtfs/feeds/velenje?name=velenje.zip', zipFeed(VELENJE))).body;
    const stored = path.join(dataDir, 'gtfs', 'velenje.zip');
    const hash = sha(stored);
    const refused = await put(fleet, '/api/gtfs/feeds/velenje?name=broken.zip', zipFeed(without(VELENJE, 'stops.txt')));
    assert.is(refused.status, 422);
    assert.equal(refused.body.reasons, ['stops.txt is missing (required)']);
    assert.is(refused.body.error, 'GTFS feed refused: stops.txt is missing (required)');
    assert.is(refused.body.site, 'velenje');
    assert.equal(refused.body.problems[0], { file: 'stops.txt', row: null, message: 'stops.txt is missing (required)', severity: 'error' });
    const after = (await api(fleet, 'GET', '/api/gtfs/feeds/velenje')).body;
    assert.equal([after.source, after.importedAt, after.trips], [before.source, before.importedAt, before.trips]);
    assert.is(sha(stored), hash, 'the stored zip untouched');
    assert.is(fleet.metrics.get('tabla_gtfs_refused_total', { site: 'velenje' }), 1);

    const notZip = await put(fleet, '/api/gtfs/feeds/velenje', new TextEncoder().encode('agency_name,agency_url\n'));
    assert.is(notZip.status, 422);
    assert.match(notZip.body.error, /^not a zip|^not a readable zip/);

    const again = await put(fleet, '/api/gtfs/feeds/velenje?name=velenje-2.zip', zipFeed(VELENJE));
    assert.equal([again.status, again.body.replaced, again.body.source], [200, true, 'velenje-2.zip'], 'a good feed replaces it');
  } finally {
    await fleet.stop();
  }
});

test('the upload route: zip content type, a site name, a body, the admin token, and a larger body limit of its own', async () => {
  const fleet = await fleetWith(tmpDir('tabla-fleet-'), { limits: { zipBytes: 30_000 } }).start();
  try {
    const small = zipFeed(VELENJE);
    assert.is((await put(fleet, '/api/gtfs/feeds/velenje', small, 'application/json')).status, 415);
    assert.equal(
      await put(fleet, '/api/gtfs/feeds/Velenje_1', small),
      { status: 400, body: { error: 'site "Velenje_1": lower-case letters, digits and dashes, at most 32, the first a letter or digit' } },
    );
    assert.is((await put(fleet, `/api/gtfs/feeds/${'a'.repeat(33)}`, small)).status, 400);
    assert.is((await put(fleet, '/api/gtfs/feeds/velenje', new Uint8Array())).status, 400);
    assert.is((await put(fleet, '/api/gtfs/feeds/velenje', small, 'application/zip', 'wrong')).status, 401);
    const tooBig = await put(fleet, '/api/gtfs/feeds/campus', BULLRUNNER); // 37 254 bytes
    assert.equal(tooBig, { status: 413, body: { error: 'body over 30000 bytes' } });
    assert.is((await put(fleet, '/api/gtfs/feeds/velenje', small, 'application/zip; charset=binary')).status, 201, 'over 1 MiB is not the point: the route has its own limit');
    assert.equal((await api(fleet, 'GET', '/api/gtfs')).body.feeds.map((f: any) => f.site), ['velenje']);
  } finally {
    await fleet.stop();
  }
});

test('departures and problems find their feed: by ?site=, or the only feed that has the stop', async () => {
  const fleet = await fleetWith(tmpDir('tabla-fleet-')).start();
  try {
    await put(fleet, '/api/gtfs/feeds/campus', BULLRUNNER);
    await put(fleet, '/api/gtfs/feeds/campus-west', BULLRUNNER);
    await put(fleet, '/api/gtfs/feeds/velenje', zipFeed(VELENJE));
    const from = encodeURIComponent('2026-03-02T07:55:00+01:00');
    const alone = await api(fleet, 'GET', `/api/gtfs/stops/center/departures?from=${from}&minutes=30`);
    assert.is(alone.status, 200);
    assert.equal([alone.body.site, alone.body.departures.map((d: any) => `${d.departsAt} ${d.route} ${d.headsign}`)], ['velenje', ['2026-03-02T08:05:00+01:00 1 Stara vas']]);
    assert.equal(await api(fleet, 'GET', '/api/gtfs/stops/401/departures'), {
      status: 400,
      body: { error: 'stop 401 is in the feeds of campus, campus-west: say which with ?site=' },
    });
    const chosen = await api(fleet, 'GET', '/api/gtfs/stops/401/departures?site=campus-west&from=2020-03-02T14:00:00-05:00');
    assert.equal([chosen.status, chosen.body.site, chosen.body.departures.length], [200, 'campus-west', 35]);
    assert.equal(await api(fleet, 'GET', '/api/gtfs/stops/center/departures?site=campus'), { status: 404, body: { error: 'no stop center in the feed of site campus' } });
    assert.equal(await api(fleet, 'GET', '/api/gtfs/stops/nowhere/departures'), { status: 404, body: { error: 'no stop nowhere in the feeds' } });

    assert.equal(await api(fleet, 'GET', '/api/gtfs/problems'), { status: 400, body: { error: 'site: which feed? one of campus, campus-west, velenje' } });
    const problems = (await api(fleet, 'GET', '/api/gtfs/problems?site=velenje&severity=error')).body;
    assert.equal(problems.problems.map((p: any) => [`${p.file}:${p.row}`, p.message]), VELENJE_ERRORS);
    assert.is((await api(fleet, 'GET', '/api/gtfs/problems?site=nowhere')).status, 404);
  } finally {
    await fleet.stop();
  }
});

test('DELETE /api/gtfs/feeds/:site: forgets the feed and deletes its zip; a second time is 404', async () => {
  const dataDir = tmpDir('tabla-fleet-');
  const { timetables, start } = fleetWith(dataDir);
  const fleet = await start();
  try {
    await put(fleet, '/api/gtfs/feeds/velenje', zipFeed(VELENJE));
    await put(fleet, '/api/gtfs/feeds/campus', BULLRUNNER);
    assert.equal(await api(fleet, 'DELETE', '/api/gtfs/feeds/velenje'), { status: 200, body: { site: 'velenje', removed: true, stored: true } });
    assert.equal(fs.readdirSync(path.join(dataDir, 'gtfs')).sort(), ['campus.json', 'campus.zip']);
    assert.equal(timetables.all().map((t) => t.site), ['campus']);
    assert.is(fleet.metrics.get('tabla_gtfs_problems', { site: 'velenje', severity: 'error' }), 0, 'its gauge gone');
    assert.equal(await api(fleet, 'GET', '/api/gtfs/feeds/velenje'), { status: 404, body: { error: 'no GTFS feed for site velenje' } });
    assert.is((await api(fleet, 'DELETE', '/api/gtfs/feeds/velenje')).status, 404);
  } finally {
    await fleet.stop();
  }
});

test('at start: a broken stored feed is logged and skipped, the others load; an imported feed wins over TABLA_GTFS for its site', async () => {
  const dataDir = tmpDir('tabla-fleet-');
  const dir = path.join(dataDir, 'gtfs');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'broken.zip'), 'PK\x03\x04 this is not a zip');
  fs.writeFileSync(path.join(dir, 'default.zip'), zipFeed(VELENJE));
  fs.writeFileSync(path.join(dir, 'default.zip.123.abcd.tmp'), 'an interrupted write');
  fs.writeFileSync(path.join(dir, 'Odd Name.zip'), zipFeed(VELENJE));
  const lines: string[] = [];
  const log = createLogger('test', { level: 'info', sink: (l) => lines.push(l) });
  const fleet = await fleetWith(dataDir, { path: FEED }, log).start();
  try {
    assert.equal(fleet.health().engines, ['gtfs']);
    const { feeds } = (await api(fleet, 'GET', '/api/gtfs')).body;
    assert.equal(feeds.map((f: any) => [f.site, f.source, f.trips]), [['default', path.join(dir, 'default.zip'), 2]], 'no origin record: the file names itself');
    assert.ok(lines.some((l) => l.includes('the stored feed cannot be loaded') && l.includes('broken.zip')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('not a site name') && l.includes('Odd Name.zip')));
    assert.ok(lines.some((l) => l.includes('TABLA_GTFS is not loaded: site default has an imported feed')));
    assert.is(fleet.metrics.get('tabla_gtfs_refused_total', { site: 'broken' }), 1);
    assert.not.ok(fs.existsSync(path.join(dir, 'default.zip.123.abcd.tmp')), 'the leftover temp file removed');
    assert.is((await put(fleet, '/api/gtfs/feeds/broken', BULLRUNNER)).status, 201, 'a good feed imported over the broken one');
  } finally {
    await fleet.stop();
  }
});

test.run();
