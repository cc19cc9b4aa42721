/**
 * `tabla gtfs import|info|remove|departures` against a real fleet: the real Bull Runner zip and a
 * small hand-made folder imported into two sites side by side, still there after a restart; a
 * refused feed exits 1 with its reasons and leaves the old one; referential errors shown by
 * file:line; feed_info shown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Timetables, gtfsEngine } from '../../fleet/engines/gtfs/index.js';
import type { FleetService } from '../../fleet/service.js';
import { VELENJE, VELENJE_ERRORS, without, writeFolder } from '../fixtures/gtfs-velenje.js';
import { startFleet, tabla, tmpDir } from '../helpers.js';

const FEED = path.resolve(import.meta.dirname, '../../../shared/data/gtfs/bullrunner-gtfs.zip');

const cli = (fleet: FleetService) => ({ env: { TABLA_URL: fleet.httpUrl, TABLA_TOKEN: fleet.local.adminToken, NO_COLOR: '1' } });

test('gtfs info and departures show the TABLA_GTFS feed; a stop that is not there exits 1 naming it', async () => {
  const fleet = await startFleet({ engines: [gtfsEngine({ timetables: new Timetables(), path: FEED })] });
  const env = cli(fleet);
  try {
    const info = await tabla(['gtfs', 'info'], env);
    assert.is(info.code, 0, info.stderr);
    assert.match(info.stdout, /^site\s+default$/m);
    assert.match(info.stdout, new RegExp(`^feed\\s+${FEED.replace(/[.\\/]/g, '\\$&')} \\(TABLA_GTFS, loaded at each start\\)$`, 'm'));
    assert.match(info.stdout, /contents\s+6 routes, 125 stops, 15 trips \(15 by frequency\), 473 stop times, 6 shapes/);
    assert.match(info.stdout, /problems\s+0 errors, 10 warnings \(--problems lists them\)/);
    assert.not.match(info.stdout, /publisher/, 'no feed_info.txt in this feed');
    const json = JSON.parse((await tabla(['gtfs', 'info', '--json'], env)).stdout);
    assert.equal([json.feeds.length, json.feeds[0].routes.length], [1, 6]);

    // A Monday morning at the Marshall Center (stop 401), in the feed's time zone.
    const dep = await tabla(['gtfs', 'departures', '401', '--from', '2015-01-19T08:00:00-05:00', '--json'], env);
    assert.is(dep.code, 0, dep.stderr);
    const body = JSON.parse(dep.stdout);
    assert.is(body.departures.length, 35);
    const text = await tabla(['gtfs', 'departures', '401', '--from', '2015-01-19T08:00:00-05:00', '--minutes', '10'], env);
    assert.match(text.stdout, /^.+\(401, site default\), 2015-01-19T08:00:00-05:00 … 2015-01-19T08:10:00-05:00\n/);
    assert.match(text.stdout, /departs.+line.+to.+trip/);

    const missing = await tabla(['gtfs', 'departures', 'nowhere'], env);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /no stop nowhere in the feed/);
  } finally {
    await fleet.stop();
  }
});

test('gtfs import: a zip and a folder into two sites, side by side after a restart; a refused feed exits 1 and leaves the old one', async () => {
  const dataDir = tmpDir('tabla-fleet-');
  const start = () => startFleet({ dataDir, engines: [gtfsEngine({ timetables: new Timetables() })] });
  const folder = writeFolder(path.join(tmpDir('tabla-gtfs-'), 'velenje-gtfs'), VELENJE);
  fs.writeFileSync(path.join(folder, 'notes.md'), 'not part of the feed');
  let fleet = await start();
  try {
    let env = cli(fleet);
    const campus = await tabla(['gtfs', 'import', FEED, '--site', 'campus'], env);
    assert.is(campus.code, 0, campus.stderr);
    assert.match(campus.stdout, /^imported\s+bullrunner-gtfs\.zip as site campus \(a new site\)$/m);
    assert.match(campus.stdout, /^agency\s+USF Bull Runner \(America\/New_York\)$/m);
    assert.match(campus.stdout, /^service\s+2015-01-01 … 2020-12-31$/m);
    assert.match(campus.stdout, /problems\s+0 errors, 10 warnings \(tabla gtfs info --site campus --problems lists them\)/);
    assert.match(campus.stdout, /^problems by file:line:$/m);
    assert.match(campus.stdout, /stops\.txt:2\s.+warning\s.+stop_name\s.+value "Math & Engineering " has spaces around it/);

    const velenje = await tabla(['gtfs', 'import', folder, '--site', 'velenje'], env);
    assert.is(velenje.code, 0, velenje.stderr);
    assert.match(velenje.stdout, /^imported\s+velenje-gtfs\/ as site velenje \(a new site\)$/m);
    assert.match(velenje.stdout, /^publisher\s+Mestna občina Velenje https:\/\/www\.velenje\.si \(version 2026-03, language sl, promet@velenje\.si\)$/m);
    assert.match(velenje.stdout, /^covers\s+2026-01-01 … 2026-12-31 \(feed_info\.txt\)$/m);
    assert.match(velenje.stdout, /problems\s+2 errors, 0 warnings/);
    for (const [where, message] of VELENJE_ERRORS) assert.match(velenje.stdout, new RegExp(`${where.replace('.', '\\.')}\\s.+error\\s.+${message.split(' ')[0]}\\s.+${message.split(' ').slice(1, 3).join(' ')}`));

    const refused = await tabla(['gtfs', 'import', writeFolder(path.join(tmpDir('tabla-gtfs-'), 'no-stops'), without(VELENJE, 'stops.txt')), '--site', 'velenje'], env);
    assert.is(refused.code, 1);
    assert.match(refused.stdout, /^refused\s+no-stops\/ for site velenje: the site keeps the feed it had$/m);
    assert.match(refused.stdout, /^because\s+stops\.txt is missing \(required\)$/m);
    assert.match(refused.stderr, /^tabla: GTFS feed refused: stops\.txt is missing \(required\) \(site velenje keeps the feed it had\)\n$/);
    const json = await tabla(['gtfs', 'import', writeFolder(path.join(tmpDir('tabla-gtfs-'), 'no-stops'), without(VELENJE, 'stops.txt')), '--site', 'velenje', '--json'], env);
    assert.is(json.code, 1);
    assert.equal(JSON.parse(json.stdout).reasons, ['stops.txt is missing (required)']);

    await fleet.stop();
    fleet = await start();
    env = cli(fleet);
    const info = await tabla(['gtfs', 'info'], env);
    assert.is(info.code, 0, info.stderr);
    assert.equal([...info.stdout.matchAll(/^site\s+(\S+)$/gm)].map((m) => m[1]), ['campus', 'velenje'], 'both sites after the restart');
    assert.match(info.stdout, /^feed\s+velenje-gtfs\/ \(imported \d{4}-\d\d-\d\dT[\d:.]+Z\)$/m);
    assert.match(info.stdout, /contents\s+1 routes, 3 stops, 2 trips \(0 by frequency\), 5 stop times, 0 shapes/, 'the first feed, not the refused one');

    const problems = await tabla(['gtfs', 'info', '--site', 'velenje', '--problems'], env);
    assert.is(problems.code, 0, problems.stderr);
    assert.not.match(problems.stdout, /^site\s+campus$/m);
    assert.match(problems.stdout, /trips\.txt:3\s.+error\s.+route_id\s.+route_id modra is not in routes\.txt; row skipped/);
    assert.match(problems.stdout, /stop_times\.txt:6\s.+error\s.+stop_id\s.+stop_id gorenje is not in stops\.txt; row skipped/);
    const one = JSON.parse((await tabla(['gtfs', 'info', '--site', 'velenje', '--json'], env)).stdout);
    assert.equal([one.site, one.info.version, one.problems], ['velenje', '2026-03', { error: 2, warning: 0 }]);

    const removed = await tabla(['gtfs', 'remove', '--site', 'campus'], env);
    assert.is(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^removed the feed of site campus$/m);
    const gone = await tabla(['gtfs', 'info', '--site', 'campus'], env);
    assert.equal([gone.code, gone.stderr], [1, 'tabla: no GTFS feed for site campus\n']);
  } finally {
    await fleet.stop();
  }
});

test('gtfs usage: a bad site name or a missing --site exits 2, an unreadable path or an empty folder 1; every command has examples', async () => {
  const commands = ['import', 'info', 'remove', 'departures'];
  const [bad, noSite, empty, nothing, ...helps] = await Promise.all([
    tabla(['gtfs', 'import', 'feed.zip', '--site', 'Campus!']),
    tabla(['gtfs', 'remove']),
    tabla(['gtfs', 'import', tmpDir('tabla-empty-')]),
    tabla(['gtfs', 'import', '/nonexistent/feed.zip']),
    ...commands.map((command) => tabla(['gtfs', command, '--help'])),
  ]);
  assert.is(bad!.code, 2);
  assert.match(bad!.stderr, /a site's name: lower-case letters, digits and dashes/);
  assert.is(noSite!.code, 2);
  assert.equal(empty!.code, 1);
  assert.match(empty!.stderr, /holds no \.txt file/);
  assert.equal([nothing!.code, nothing!.stderr], [1, 'tabla: cannot read /nonexistent/feed.zip: ENOENT\n']);
  commands.forEach((command, i) => {
    assert.is(helps[i]!.code, 0);
    assert.match(helps[i]!.stdout, new RegExp(`Examples:\\n  tabla gtfs ${command}`), command);
  });
});

test.run();
