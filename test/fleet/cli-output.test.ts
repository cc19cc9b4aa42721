/**
 * The CLI's output rules, across every command: each help (every command and subcommand, found by
 * walking commander's tree) ends with examples; a usage error exits 2 and points to the help of
 * the command it happened in; a table drops its header row under --no-headers; and every time in
 * --json is an ISO 8601 string, even where the fleet's API answers milliseconds since the epoch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isoTimes } from '../../fleet/cli/format.js';
import { everyCommand, usageHint } from '../../fleet/cli/help.js';
import { buildProgram, run, type CliOutput } from '../../fleet/cli/program.js';
import { Birth, State, encode, topic } from '../../protocols/index.js';
import { api, deviceClient, startFleet, tabla, tmpDir, waitFor } from '../helpers.js';

/** A CliOutput that keeps what the program writes. */
function capture(): CliOutput & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
const TIME_KEY = /^(?:ts|lastSeen|since)$|[a-z]At$/;
const OPAQUE = new Set(['args', 'result', 'desired', 'settings', 'labels', 'fields', 'flows', 'body']);

/** Every time in a --json answer: its path and value (a time key outside someone's own document). */
function timesIn(value: unknown, at = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => timesIn(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]): [string, unknown][] => {
    if (OPAQUE.has(k)) return [];
    if (TIME_KEY.test(k) && (typeof v === 'number' || typeof v === 'string')) return [[`${at}.${k}`, v]];
    return timesIn(v, `${at}.${k}`);
  });
}

test('isoTimes: epoch milliseconds under a time key become ISO 8601; documents, small numbers and other keys stay', () => {
  const t = Date.parse('2026-11-28T09:55:00.000Z');
  assert.equal(
    isoTimes({ cmdId: 'c1', issuedAt: t, expiresAt: t + 900_000, ttlS: 900, args: { since: t }, result: { pong: t }, birth: { ts: t, heartbeatS: 60 }, list: [{ desiredAt: t, reportedAt: null }], raisedAt: '2026-11-28T09:55:00.000Z', seq: 7, epoch: 3, hwmAt: 5 }),
    {
      cmdId: 'c1',
      issuedAt: '2026-11-28T09:55:00.000Z',
      expiresAt: '2026-11-28T10:10:00.000Z',
      ttlS: 900,
      args: { since: t },
      result: { pong: t },
      birth: { ts: '2026-11-28T09:55:00.000Z', heartbeatS: 60 },
      list: [{ desiredAt: '2026-11-28T09:55:00.000Z', reportedAt: null }],
      raisedAt: '2026-11-28T09:55:00.000Z',
      seq: 7,
      epoch: 3,
      hwmAt: 5,
    },
  );
});

test('every command and subcommand has a help that ends with examples of itself', () => {
  const io = capture();
  const commands = everyCommand(buildProgram(io));
  const paths = commands.map(([p]) => p);
  for (const known of ['', 'provision', 'credentials rotate', 'devices', 'cmd', 'config set', 'broker export-mosquitto', 'gnss decode', 'gtfs departures', 'eta eval', 'messages', 'parking adjust', 'alerts rules', 'flows export']) {
    assert.ok(paths.includes(known), `the walk reaches "${known}"`);
  }
  assert.ok(commands.length >= 35, `${commands.length} commands`);
  for (const [p, c] of commands) {
    io.stdout = '';
    c.outputHelp();
    const help = io.stdout;
    const block = /\n\nExamples:\n((?: {2}\S.*\n?)+)$/.exec(help);
    assert.ok(block, `tabla ${p} --help ends with an Examples block:\n${help.slice(-400)}`);
    const lines = block[1]!.trimEnd().split('\n');
    assert.ok(lines.some((l) => l.includes(p ? `tabla ${p} ` : 'tabla ') || l.trimEnd().endsWith(`tabla ${p}`)), `tabla ${p}: an example runs it:\n${lines.join('\n')}`);
  }
});

test('an unknown option in any command exits 2 and points to that command\'s own help', async () => {
  for (const [p] of everyCommand(buildProgram(capture()))) {
    const io = capture();
    const code = await run([...(p ? p.split(' ') : []), '--no-such-option'], io);
    assert.is(code, 2, `tabla ${p} --no-such-option: exit ${code}\n${io.stderr}`);
    // (a missing required option is reported first: a usage error all the same)
    assert.match(io.stderr, /^tabla: (unknown option '--no-such-option'|required option '.+' not specified)\n/);
    assert.ok(io.stderr.trimEnd().endsWith(usageHint(p)), `tabla ${p}: ${io.stderr}`);
    assert.is(io.stdout, '');
  }
  assert.is(usageHint('config get'), '(tabla config get --help shows its usage and examples)');
});

test('a missing argument or required option exits 2 with the hint to the command\'s own help', async () => {
  const needy = everyCommand(buildProgram(capture())).filter(([, c]) => c.registeredArguments.some((a) => a.required) || c.options.some((o) => o.mandatory));
  assert.ok(needy.length >= 15, `${needy.length} commands need an argument or an option`);
  for (const [p] of needy) {
    const io = capture();
    const code = await run(p.split(' '), io);
    assert.is(code, 2, `tabla ${p}: exit ${code}\n${io.stderr}`);
    assert.match(io.stderr, /^tabla: (missing required argument|required option)/);
    assert.ok(io.stderr.trimEnd().endsWith(usageHint(p)), `tabla ${p}: ${io.stderr}`);
  }
});

test('as a process: usage errors exit 2 with the hint, a failure exits 1 without it', async () => {
  const [departures, rules, eta, noFleet] = await Promise.all([
    tabla(['gtfs', 'departures']),
    tabla(['alerts', 'rules', '--bogus']),
    tabla(['eta']),
    tabla(['gtfs', 'departures', 'LV12']),
  ]);
  assert.is(departures.code, 2, departures.stderr);
  assert.is(departures.stderr, "tabla: missing required argument 'stopId'\n(tabla gtfs departures --help shows its usage and examples)\n");
  assert.is(rules.code, 2, rules.stderr);
  assert.match(rules.stderr, '(tabla alerts rules --help shows its usage and examples)');
  assert.is(eta.code, 2, 'a stop id is a usage error');
  assert.match(eta.stderr, /^tabla: missing argument 'stopId'.*\n\(tabla eta --help/);
  assert.is(noFleet.code, 1, 'no fleet is a failure, not a usage error');
  assert.not.match(noFleet.stderr, '--help shows');
});

test('--no-headers: the rows alone in alerts rules, messages, parking, cmd to many and a provision batch', async () => {
  const fleet = await startFleet();
  const cwd = tmpDir('tabla-output-');
  try {
    fleet.registry.provision({ id: 'bus-1', role: 'bus', site: 'garage' }); // never connects
    await api(fleet, 'POST', '/api/messages', { target: { all: true }, text: 'Test of the displays' });
    const catalogue = { timeZone: 'Europe/Ljubljana', carParks: [{ id: 'glazija', name: 'Glazija', kind: 'garage', capacity: 420 }] };
    assert.is((await api(fleet, 'PUT', '/api/parking/car-parks?site=celje', catalogue)).status, 200);
    fs.writeFileSync(path.join(cwd, 'devices.csv'), 'id,role,site\nstop-a,stop-display,velenje\nbus-2,bus,\n');
    fs.mkdirSync(path.join(cwd, 'configs'));

    const [rules, bareRules, rulesJson, messages, bareMessages, listed, parking, bareParking, many] = await Promise.all([
      tabla(['alerts', 'rules'], { fleet }),
      tabla(['alerts', 'rules', '--no-headers'], { fleet }),
      tabla(['alerts', 'rules', '--json'], { fleet }),
      tabla(['messages'], { fleet }),
      tabla(['messages', '--no-headers'], { fleet }),
      tabla(['message', '--list', '--no-headers'], { fleet }),
      tabla(['parking'], { fleet }),
      tabla(['parking', '--no-headers'], { fleet }),
      tabla(['cmd', '--all', 'ping', '--timeout', '1', '--no-headers'], { fleet }),
    ]);
    const batch = await tabla(['provision', '--from', 'devices.csv', '-o', 'configs', '--no-headers'], { fleet, cwd });
    const first = (r: { stdout: string }) => r.stdout.split('\n')[0]!;
    for (const r of [rules, bareRules, messages, bareMessages, listed, parking, bareParking, batch]) assert.is(r.code, 0, r.stderr);

    assert.match(first(rules), /^RULE +ENABLED +THRESHOLD +WHEN$/);
    assert.match(first(bareRules), /^device-offline +yes +afterS=\d+ /, bareRules.stdout);
    assert.is(bareRules.stdout.split('\n').length, rules.stdout.split('\n').length - 1, 'one line fewer: the header');
    // `alerts` has --json and --no-headers too: after `rules` they are still rules' own.
    assert.ok((JSON.parse(rulesJson.stdout) as { rules: unknown[] }).rules.length > 0, rulesJson.stdout);

    assert.match(first(messages), /^id +on +text +until +displays +by$/);
    assert.match(first(bareMessages), /^\S+ +all displays +Test of the displays +cleared +\d+ /);
    assert.is(listed.stdout, bareMessages.stdout, 'message --list is messages');

    assert.match(first(parking), /^ID +NAME +SITE +STATE/);
    assert.match(bareParking.stdout, /^glazija +Glazija +celje +unknown +- +420 +0 +- +- +never\n$/);

    assert.is(many.code, 1, 'bus-1 is offline: not all succeeded');
    assert.match(many.stdout, /^bus-1 +offline +queued +queued until /);

    assert.match(batch.stdout, /^stop-a +stop-display +velenje +\/\S+stop-a\.agent\.json\nbus-2 +bus +- +\/\S+bus-2\.agent\.json\nprovisioned 2 devices; broker /);
  } finally {
    await fleet.stop();
  }
});

test('--json: every time is ISO 8601 in cmd, cmd status, cmd to many, config get, device and devices', async () => {
  const fleet = await startFleet();
  try {
    const { secret } = fleet.registry.provision({ id: 'bus-5', role: 'bus', site: 'velenje' });
    const client = await deviceClient(fleet, 'bus-5', secret);
    try {
      await client.publishAsync(topic.birth('bus-5'), encode(Birth, { v: 1, epoch: 1, ts: Date.now(), role: 'bus', versions: { agent: 'test' }, heartbeatS: 60, configVersion: 0 }), { qos: 1 });
      await client.publishAsync(topic.state('bus-5'), encode(State, { v: 1, epoch: 1, ts: Date.now(), status: 'online' }), { qos: 1, retain: true });
      await waitFor('bus-5 online', () => fleet.presence.of('bus-5') === 'online');

      const sent = await tabla(['cmd', 'bus-5', 'ping', '--json'], { fleet });
      assert.is(sent.code, 0, sent.stderr);
      const record = JSON.parse(sent.stdout) as { cmdId: string; issuedAt: unknown; expiresAt: unknown; updatedAt: unknown };
      for (const k of ['issuedAt', 'expiresAt', 'updatedAt'] as const) assert.match(String(record[k]), ISO, `cmd --json ${k}: ${record[k]}`);
      assert.ok(Date.parse(String(record.expiresAt)) > Date.parse(String(record.issuedAt)), 'the same instants, as ISO 8601');
      const set = await tabla(['config', 'set', 'bus-5', 'heartbeatS=15'], { fleet });
      assert.is(set.code, 0, set.stderr);

      const runs = await Promise.all([
        tabla(['cmd', 'status', record.cmdId, '--json'], { fleet }),
        tabla(['cmd', '--all', 'ping', '--timeout', '0.5', '--json'], { fleet }),
        tabla(['config', 'get', 'bus-5', '--json'], { fleet }),
        tabla(['device', 'bus-5', '--json'], { fleet }),
        tabla(['devices', '--json'], { fleet }),
      ]);
      const [status, many, config, device, devices] = runs.map((r) => {
        assert.ok(r.code === 0 || r.code === 1, r.stderr);
        return JSON.parse(r.stdout) as unknown;
      });
      const seen = new Set<string>();
      for (const value of [status, many, config, device, devices]) {
        for (const [at, v] of timesIn(value)) {
          assert.type(v, 'string', `${at} is ${v}: a number where ISO 8601 belongs`);
          assert.match(v as string, ISO, at);
          seen.add(at.replace(/\[\d+\]/g, '[]'));
        }
      }
      // The fleet answers these in milliseconds: they must have been seen, and converted.
      for (const at of ['.issuedAt', '.results[].command.issuedAt', '.desiredAt', '.birth.ts', '.state.ts', '.commands[].expiresAt', '.configDetail.desiredAt', '[].lastSeen']) {
        assert.ok(seen.has(at), `${at} among the times checked: ${[...seen].join(' ')}`);
      }
    } finally {
      await client.endAsync();
    }
  } finally {
    await fleet.stop();
  }
});

test.run();
