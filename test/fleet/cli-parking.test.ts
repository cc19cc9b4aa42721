/**
 * `tabla parking`: import a site's catalogue from a file, list the car parks (a plain aligned
 * table, or JSON), show one, and correct a count with `adjust <id> <+N|-N|=N> --reason`, kept in
 * the history with who and why and forwarded to the car park's counter as the command `adjust`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { occupancyEngine } from '../../fleet/engines/occupancy/index.js';
import { correction } from '../../fleet/cli/commands/parking.js';
import { table } from '../../fleet/cli/format.js';
import { startFleet, tabla, tmpDir } from '../helpers.js';

const catalogue = {
  timeZone: 'Europe/Ljubljana',
  carParks: [
    { id: 'glazija', name: 'Garažna hiša Glazija', kind: 'garage', capacity: 420, recalibrate: { at: '03:30', count: 12 } },
    { id: 'mestni-park', name: 'Mestni park', kind: 'open', capacity: 77 },
  ],
};

test('corrections parse as +N, -N or =N; anything else is a usage error', () => {
  assert.equal(correction('+5'), { delta: 5 });
  assert.equal(correction('-3'), { delta: -3 });
  assert.equal(correction('=0'), { set: 0 });
  for (const bad of ['5', '+0', '=x', '++1', '-']) assert.throws(() => correction(bad), /\+N|changes nothing/);
  assert.is(table(['ID', 'FREE'], [['a', 5], ['long-id', '-'], ['b', 120]], { colour: false, now: 0 }), 'ID       FREE\na           5\nlong-id     -\nb         120', "a count of '-' is none: the column stays numbers");
});

test('import, list, show and adjust through the CLI; the correction is in the history and goes to the counter', async () => {
  const fleet = await startFleet({ engines: [occupancyEngine({ tickMs: 200 })] });
  try {
    fleet.registry.provision({ id: 'counter-glazija', role: 'car-park-counter', site: 'celje', labels: { carPark: 'glazija' } });
    const dir = tmpDir('tabla-parking-');
    const file = path.join(dir, 'celje.json');
    fs.writeFileSync(file, JSON.stringify(catalogue));

    const imported = await tabla(['parking', 'import', file, '--site', 'celje'], { fleet });
    assert.is(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /site celje: 2 car parks \(added glazija, mestni-park; removed none; kept none\)/);

    const list = await tabla(['parking'], { fleet });
    assert.is(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+NAME\s+SITE\s+STATE\s+FREE\s+CAPACITY\s+OCCUPIED\s+%\s+TREND\s+LAST COUNT$/);
    assert.match(lines[1]!, /^glazija\s+Garažna hiša Glazija\s+celje\s+unknown\s+-\s+420\s+0\s+-\s+-\s+never$/);
    assert.is(lines[1]!.indexOf('celje'), lines[2]!.indexOf('celje'), 'columns line up');
    const json = JSON.parse((await tabla(['parking', '--json'], { fleet })).stdout);
    assert.equal(json.carParks.map((c: { id: string; capacity: number }) => [c.id, c.capacity]), [['glazija', 420], ['mestni-park', 77]]);

    const adjusted = await tabla(['parking', 'adjust', 'glazija', '+25', '--reason', 'barrier open during the concert', '--by', 'mojca'], { fleet });
    assert.is(adjusted.code, 0, adjusted.stderr);
    assert.match(adjusted.stdout, /glazija: 0 → 25 occupied/);
    assert.match(adjusted.stdout, /recorded by mojca at .*: barrier open during the concert/);
    assert.match(adjusted.stdout, /forwarded to counter-glazija \(command [0-9a-f-]+, queued\)/);
    const [command] = fleet.commands.ofDevice('counter-glazija');
    assert.equal([command!.verb, command!.args], ['adjust', { carParkId: 'glazija', delta: 25, reason: 'barrier open during the concert', by: 'mojca' }]);

    const minus = await tabla(['parking', 'adjust', 'glazija', '-5', '--reason', 'counted twice'], { fleet });
    assert.is(minus.code, 0, minus.stderr);
    assert.match(minus.stdout, new RegExp(`recorded by ${os.userInfo().username} `), 'without --by: the user running tabla');
    const set = await tabla(['parking', 'adjust', 'mestni-park', '=40', '--reason', 'counted on site', '--json'], { fleet });
    assert.is(set.code, 0, set.stderr);
    const setAnswer = JSON.parse(set.stdout);
    assert.equal([setAnswer.adjustment.after, setAnswer.counters, setAnswer.forwarded], [40, [], []]);

    const show = await tabla(['parking', 'show', 'glazija'], { fleet });
    assert.is(show.code, 0, show.stderr);
    assert.match(show.stdout, /Garažna hiša Glazija \(glazija, site celje\)/);
    assert.match(show.stdout, /recalibrate daily at 03:30 to 12/);
    assert.match(show.stdout, /counters\s+counter-glazija/);
    assert.match(show.stdout, new RegExp(`adjust\\s+-5 25 → 20 by ${os.userInfo().username}: counted twice`));
    assert.match(show.stdout, /adjust\s+\+25 0 → 25 by mojca: barrier open during the concert/);
    assert.ok(show.stdout.indexOf('-5 25 → 20') < show.stdout.indexOf('+25 0 → 25'), 'newest first');
    const detail = JSON.parse((await tabla(['parking', 'show', 'glazija', '--json'], { fleet })).stdout);
    assert.is(detail.status.occupied, 20);
    assert.equal(detail.thresholds, { almostFullIncreasing: 42, almostFullDecreasing: 63, fullIncreasing: 8, fullDecreasing: 21 });

    // Usage errors exit 2; what the fleet refuses exits 1 with its reason.
    const usage = await tabla(['parking', 'adjust', 'glazija', '5', '--reason', 'x'], { fleet });
    assert.is(usage.code, 2);
    assert.match(usage.stderr, /\+N/);
    assert.is((await tabla(['parking', 'adjust', 'glazija', '+1'], { fleet })).code, 2, '--reason is required');
    const unknown = await tabla(['parking', 'adjust', 'nowhere', '+1', '--reason', 'x'], { fleet });
    assert.is(unknown.code, 1);
    assert.match(unknown.stderr, /no car park nowhere/);
    const tooMany = await tabla(['parking', 'adjust', 'mestni-park', '=78', '--reason', 'x'], { fleet });
    assert.is(tooMany.code, 1);
    assert.match(tooMany.stderr, /more than the capacity/);

    fs.writeFileSync(file, JSON.stringify({ carParks: [{ id: 'glazija', name: 'Glazija', kind: 'garage', capacity: 420, thresholds: { full: { upPercent: 97, downPercent: 99 } } }] }));
    const refused = await tabla(['parking', 'import', file, '--site', 'celje'], { fleet });
    assert.is(refused.code, 1);
    assert.match(refused.stdout, /carParks\.0\.thresholds\.full\.downPercent: must be below upPercent/);
    assert.match(refused.stderr, /the site keeps the catalogue it had/);
    assert.is(JSON.parse((await tabla(['parking', '--json'], { fleet })).stdout).carParks.length, 2);
  } finally {
    await fleet.stop();
  }
});

test.run();
