/**
 * `tabla devices`: plain aligned columns (no borders; colour for presence only on a terminal),
 * --no-headers, filters by role, site and presence, --watch; and the errors a technician meets
 * first: a stale fleet.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status, table, type Style } from '../../fleet/cli/format.js';
import { freePort, startFleet, tabla, tmpDir } from '../helpers.js';

const plain: Style = { colour: false, now: 0, headers: true };

test('table: columns padded to the widest cell, two spaces apart, numbers to the right; no borders', () => {
  const t = table(['id', 'depth', 'site'], [['bus-1', 3, 'Velenje AP'], ['stop-tomšičeva', 120, '-']], plain);
  assert.is(t, ['id              depth  site', 'bus-1               3  Velenje AP', 'stop-tomšičeva    120  -'].join('\n'));
  assert.is(table(['id', 'depth'], [['bus-1', 3]], { ...plain, headers: false }), 'bus-1  3', 'without headers the widths are the rows\' own');
});

test('colour marks presence and status only when the style says so, and does not count towards a width', () => {
  const colour: Style = { ...plain, colour: true };
  assert.is(status('online', plain), 'online');
  assert.is(status('online', colour), '\x1b[32monline\x1b[39m');
  assert.is(status('bus-1', colour), 'bus-1', 'other words stay plain');
  const t = table(['presence', 'id'], [[status('offline', colour), 'a'], ['online', 'b']], colour);
  assert.is(t.split('\n')[1], '\x1b[31moffline\x1b[39m   a');
});

test('devices filters by role, site and presence; --no-headers; --watch redraws; no colour into a pipe', async () => {
  const fleet = await startFleet();
  try {
    fleet.registry.provision({ id: 'bus-101', role: 'bus', site: 'velenje' });
    fleet.registry.provision({ id: 'stop-tomsiceva', role: 'stop-display', site: 'velenje' });
    fleet.registry.provision({ id: 'stop-celje-1', role: 'stop-display', site: 'celje' });
    const ids = (out: string) => out.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    const [all, stops, velenjeStops, online, bare, watch, badRole] = await Promise.all([
      tabla(['devices'], { fleet, env: { FORCE_COLOR: '1' } }),
      tabla(['devices', '--role', 'stop-display', '--no-headers'], { fleet }),
      tabla(['devices', '--role', 'stop-display', '--site', 'Velenje', '--json'], { fleet }),
      tabla(['devices', '--presence', 'online'], { fleet }),
      tabla(['devices', '--no-headers'], { fleet }),
      tabla(['devices', '--watch', '0.2', '--times', '2', '--site', 'celje', '--no-headers'], { fleet }),
      tabla(['devices', '--role', 'tram']),
    ]);
    assert.is(all.code, 0, all.stderr);
    assert.equal(ids(all.stdout), ['id', 'bus-101', 'stop-celje-1', 'stop-tomsiceva']);
    assert.not.match(all.stdout, '\x1b[', 'no colour when stdout is not a terminal');
    assert.equal(ids(stops.stdout), ['stop-celje-1', 'stop-tomsiceva']);
    assert.equal((JSON.parse(velenjeStops.stdout) as { id: string }[]).map((d) => d.id), ['stop-tomsiceva']);
    assert.is(online.stdout, 'none of the 3 devices matches --presence online\n');
    assert.equal(ids(bare.stdout), ['bus-101', 'stop-celje-1', 'stop-tomsiceva']);
    assert.is(watch.code, 0, watch.stderr);
    assert.is(watch.stdout.match(/^stop-celje-1 /gm)?.length, 2, 'drawn twice');
    assert.is(watch.stdout.match(/every 0.2s \(Ctrl-C stops\)/g)?.length, 2);
    assert.is(badRole.code, 2, 'an unknown role is a usage error');
  } finally {
    await fleet.stop();
  }
});

test('a stale fleet.json says the fleet is not running and how to start it', async () => {
  const dataDir = tmpDir('tabla-stale-');
  const port = await freePort(); // nothing listens there
  fs.writeFileSync(path.join(dataDir, 'fleet.json'), JSON.stringify({ adminToken: 't', mqttPassword: 'm', httpUrl: `http://127.0.0.1:${port}`, pid: 999999 }));
  const r = await tabla(['devices'], { env: { TABLA_DATA_DIR: dataDir } });
  assert.is(r.code, 1);
  assert.match(r.stderr, `tabla: the fleet is not running: nothing answers at http://127.0.0.1:${port}, the address in ${path.join(dataDir, 'fleet.json')}`);
  assert.match(r.stderr, 'Start it with `tabla-fleet`');
});

test.run();
