/**
 * Simulated doors played from a visit timeline (hardware/door/timeline.ts, config `visits`): each
 * visit's passengers walked through its door's beams when the wall clock reaches the visit, the
 * visits already past at start skipped (as a GNSS log at rate 'clock'), and a bad file refused
 * naming its file and line. On the counter's manual clock first, then in a real agent whose apc
 * module makes the visits its `apc` records.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from '../../device/agent.js';
import { loadAgentConfig } from '../../device/config.js';
import { driversFrom } from '../../device/hardware.js';
import { apc } from '../../device/modules/apc/index.js';
import { createDoorCounter, SimulatedDoorCounter, type DoorCrossing } from '../../hardware/door/door.js';
import { doorContract, type DoorSetup, type DoorUnderTest } from '../../hardware/door/contract.js';
import { planStopVisit } from '../../hardware/door/passengers.js';
import { ManualTime } from '../../hardware/common/time.js';
import { parseVisitTimeline, readVisitTimeline, visitSeed, visitWalkMs, VisitTimelineError } from '../../hardware/door/timeline.js';
import { HardwareConfig } from '../../protocols/index.js';
import { provision, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';

/** The contract again, on simulated doors with a timeline whose one visit is a month away: a timeline waiting changes nothing. */
doorContract('simulated doors with a visit timeline', (setup: DoorSetup): DoorUnderTest => {
  const { root, time, ...rest } = setup;
  const visits = path.join(root, 'visits.jsonl');
  fs.writeFileSync(visits, `${JSON.stringify({ at: time.now() + 30 * 86_400_000, door: 1, boardings: 5, alightings: 5 })}\n`);
  const counter = createDoorCounter({ kind: 'simulated', visits, clock: time, timers: time, ...rest });
  return { counter, setBeam: (door, beam, broken) => counter.setBeam(door, beam, broken), openWatchers: () => (counter.listening ? 1 : 0) + counter.visiting.length };
});

// ---------------------------------------------------------------------------------------------

const file = suite('a visit timeline file: JSON lines or an array, each problem named by file and line');

file('JSON lines: ISO times and ms, comments and blank lines skipped, in time order, each with its line', () => {
  const text = [
    "# Lokal'c demo: riders of D-rdeca-1",
    '{"at": "2026-03-10T09:00:10Z", "door": 2, "boardings": 0, "alightings": 3}',
    '',
    '{"at": 1773133200000, "door": 1, "boardings": 2, "alightings": 0, "seed": 7}',
    '{"at": "2026-03-10T10:00:05.250+01:00", "door": 1, "boardings": 1, "alightings": 1}',
  ].join('\n');
  const visits = parseVisitTimeline(text, 'visits.jsonl', [1, 2]);
  assert.equal(visits, [
    { at: Date.UTC(2026, 2, 10, 9, 0, 0), door: 1, boardings: 2, alightings: 0, seed: 7, line: 4 },
    { at: Date.UTC(2026, 2, 10, 9, 0, 5, 250), door: 1, boardings: 1, alightings: 1, line: 5 },
    { at: Date.UTC(2026, 2, 10, 9, 0, 10), door: 2, boardings: 0, alightings: 3, line: 2 },
  ]);
  assert.is(visitSeed(visits[0]!), 7);
  assert.is(visitSeed(visits[1]!), visitSeed({ ...visits[1]! }), 'a seed from time and door: the same every time');
  assert.is.not(visitSeed(visits[1]!), visitSeed({ ...visits[1]!, door: 2 }));
  assert.equal(parseVisitTimeline('\n# nothing yet\n', 'visits.jsonl', [1, 2]), []);
});

file('a JSON array, one visit or several a line: the same visits, problems on the line the entry starts', () => {
  const text = '[\n  {"at": 1000, "door": 1, "boardings": 1, "alightings": 0},\n  {"at": 2000, "door": 2,\n   "boardings": 0, "alightings": 1}, {"at": 3000, "door": 1, "boardings": 0, "alightings": 0}\n]\n';
  assert.equal(
    parseVisitTimeline(text, 'v.json', [1, 2]).map((v) => [v.at, v.door, v.line]),
    [
      [1000, 1, 2],
      [2000, 2, 3],
      [3000, 1, 4],
    ],
  );
  assert.equal(parseVisitTimeline(' [ ] ', 'v.json', [1, 2]), []);
  assert.throws(() => parseVisitTimeline(text.replace('"door": 2', '"door": 4'), 'v.json', [1, 2]), /^v\.json:3: door 4 is not one of 1, 2$/);
});

const visit = '{"at": 1000, "door": 1, "boardings": 1, "alightings": 0}';
for (const [what, text, error] of [
  ['a line that is not JSON', `${visit}\n${visit}\n{"at": 1000, "door": 1,\n`, /^visits\.jsonl:3: not JSON: /],
  ['an unknown field', `${visit}\n{"at": 1000, "door": 1, "boarding": 1, "alightings": 0}`, /^visits\.jsonl:2: unknown field "boarding" \(a visit has at, door, boardings, alightings, seed\)$/],
  ['a field missing', `{"at": 1000, "door": 1, "boardings": 1}`, /^visits\.jsonl:1: "alightings" is missing$/],
  ['a time without its zone', `{"at": "2026-03-10T09:00:00", "door": 1, "boardings": 1, "alightings": 0}`, /^visits\.jsonl:1: "at" must be an ISO time with its zone/],
  ['a time that is no time', `{"at": "soon", "door": 1, "boardings": 1, "alightings": 0}`, /^visits\.jsonl:1: "at" must be/],
  ['a door the counter does not have', `\n\n${visit.replace('"door": 1', '"door": 3')}`, /^visits\.jsonl:3: door 3 is not one of 1, 2$/],
  ['a count below 0', visit.replace('"boardings": 1', '"boardings": -1'), /^visits\.jsonl:1: "boardings" must be a whole number 0…10000, not -1$/],
  ['a count that is not whole', visit.replace('"alightings": 0', '"alightings": 1.5'), /^visits\.jsonl:1: "alightings" must be a whole number/],
  ['a bad seed', visit.replace('}', ', "seed": "x"}'), /^visits\.jsonl:1: "seed" must be a whole number/],
  ['a visit that is not an object', `${visit}\n[1, 2]`, /^visits\.jsonl:2: a visit is an object/],
  ['an array with a comma too many', `[\n${visit},\n]`, /^visits\.jsonl:3: an empty entry in the array/],
  ['an array not closed', `[\n${visit},\n${visit}\n`, /^visits\.jsonl:4: the array is not closed/],
  ['text after an array', `[${visit}]\n\n{"more": 1}`, /^visits\.jsonl:3: text after the array$/],
] as const) {
  file(`refused, naming file and line: ${what}`, () => {
    try {
      parseVisitTimeline(text, 'visits.jsonl', [1, 2]);
      assert.unreachable('parsed');
    } catch (err) {
      assert.instance(err, VisitTimelineError);
      assert.match((err as Error).message, error);
    }
  });
}

file('a file that is not there: the error names it', async () => {
  try {
    await readVisitTimeline('/nonexistent/visits.jsonl', [1, 2]);
    assert.unreachable('read');
  } catch (err) {
    assert.instance(err, VisitTimelineError);
    assert.match((err as Error).message, /^\/nonexistent\/visits\.jsonl: cannot read the visit timeline \(ENOENT\)$/);
  }
});

file("visitWalkMs is how long the door's seeded plan takes: from the doors opening to the last edge", () => {
  const v = { at: 5000, door: 2, boardings: 4, alightings: 3, seed: 11 };
  const plan = planStopVisit({ boardings: 4, alightings: 3, seed: 11 });
  assert.is(visitWalkMs(v), plan.edges.at(-1)!.at);
  assert.is(visitWalkMs({ ...v, boardings: 0, alightings: 0 }), 0);
  assert.ok(visitWalkMs({ ...v, boardings: 20 }) > visitWalkMs(v));
});

file.run();

// ---------------------------------------------------------------------------------------------

const play = suite('simulated doors play their timeline by the wall clock');

interface Played {
  time: ManualTime;
  counter: SimulatedDoorCounter;
  crossings: DoorCrossing[];
  file: string;
}

/** A counter on a manual clock at wall time W, with a timeline of visits at W + offset (ms). */
async function played(visits: { in: number; door: number; boardings: number; alightings: number; seed?: number }[], run: (p: Played) => void | Promise<void>) {
  const time = new ManualTime();
  const dir = tmpDir('tabla-visits-');
  const file = path.join(dir, 'visits.jsonl');
  const lines = visits.map(({ in: offset, ...v }) => JSON.stringify({ at: new Date(time.now() + offset).toISOString(), ...v }));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const counter = createDoorCounter({ kind: 'simulated', doors: [1, 2], visits: file, clock: time, timers: time });
  const crossings: DoorCrossing[] = [];
  counter.onCrossing((c) => crossings.push(c));
  try {
    await run({ time, counter, crossings, file });
  } finally {
    await counter.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const totals = (counter: SimulatedDoorCounter) => counter.counts().map((c) => [c.door, c.boardings, c.alightings]);

play('a visit is walked through its door when the clock reaches it: alightings out first, then boardings in', () =>
  played(
    [
      { in: 10_000, door: 2, boardings: 3, alightings: 2, seed: 5 },
      { in: 60_000, door: 1, boardings: 1, alightings: 0 },
    ],
    async ({ time, counter, crossings }) => {
      const w = time.now();
      await counter.start();
      assert.equal(counter.timeline, { file: counter.timeline!.file, played: 0, skipped: 0, pending: 2 });
      time.advance(9_900);
      assert.is(crossings.length, 0, 'nothing before the visit is due');
      assert.equal(counter.visiting, []);
      time.advance(200);
      assert.equal(counter.visiting, [2], 'the visit at door 2 is under way when due');
      time.advance(30_000);
      assert.equal(
        crossings.map((c) => `${c.door}${c.direction}`),
        ['2out', '2out', '2in', '2in', '2in'],
      );
      for (const c of crossings) assert.ok(c.at > w + 10_000 && c.at < w + 40_000, `crossing at W+${c.at - w} ms`);
      assert.equal(totals(counter), [[1, 0, 0], [2, 3, 2]]);
      time.advance(30_000);
      assert.equal(totals(counter), [[1, 1, 0], [2, 3, 2]]);
      assert.ok(crossings.at(-1)!.at > w + 60_000);
      assert.equal(counter.timeline, { file: counter.timeline!.file, played: 2, skipped: 0, pending: 0 });
      assert.is(time.pending(), 0, 'no timer once the timeline is played');
    },
  ));

play('the seed says how the passengers walk: the same file plays the same crossings, at the same times', async () => {
  const runs: number[][] = [];
  for (let i = 0; i < 2; i++) {
    await played([{ in: 1000, door: 1, boardings: 6, alightings: 4, seed: 42 }], async ({ time, counter, crossings }) => {
      const w = time.now();
      await counter.start();
      time.advance(60_000);
      runs.push(crossings.map((c) => c.at - w));
    });
  }
  assert.is(runs[0]!.length, 10);
  assert.equal(runs[0], runs[1]);
});

play('visits already past at start are skipped; the later ones are played', () =>
  played(
    [
      { in: -60_000, door: 1, boardings: 5, alightings: 0 },
      { in: -1, door: 2, boardings: 5, alightings: 0 },
      { in: 1000, door: 2, boardings: 0, alightings: 1 },
    ],
    async ({ time, counter }) => {
      await counter.start();
      assert.equal(counter.timeline, { file: counter.timeline!.file, played: 0, skipped: 2, pending: 1 });
      time.advance(120_000);
      assert.equal(totals(counter), [[1, 0, 0], [2, 0, 1]]);
    },
  ));

play('a visit due while its door still has one under way follows it; both are counted in full', () =>
  played(
    [
      { in: 1000, door: 1, boardings: 10, alightings: 0 },
      { in: 2000, door: 1, boardings: 0, alightings: 10 },
    ],
    async ({ time, counter, crossings }) => {
      await counter.start();
      time.advance(120_000);
      assert.equal(totals(counter), [[1, 10, 10], [2, 0, 0]]);
      assert.equal(crossings.map((c) => c.direction), [...Array(10).fill('in'), ...Array(10).fill('out')]);
    },
  ));

play('a visit hours ahead is waited for (in steps: a timer cannot wait that long)', () =>
  played([{ in: 3 * 3_600_000 + 500, door: 1, boardings: 2, alightings: 0 }], async ({ time, counter }) => {
    await counter.start();
    time.advance(3 * 3_600_000);
    assert.equal(totals(counter), [[1, 0, 0], [2, 0, 0]]);
    time.advance(30_000);
    assert.equal(totals(counter), [[1, 2, 0], [2, 0, 0]]);
  }));

play('stop() ends the timeline and leaves no timer; start() reads it again and goes on from the clock', () =>
  played(
    [
      { in: 10_000, door: 1, boardings: 1, alightings: 0 },
      { in: 100_000, door: 1, boardings: 2, alightings: 0 },
      { in: 200_000, door: 2, boardings: 3, alightings: 0 },
    ],
    async ({ time, counter }) => {
      await counter.start();
      time.advance(30_000);
      await counter.stop();
      assert.is(time.pending(), 0, 'timers left after stop()');
      time.advance(120_000);
      assert.equal(totals(counter), [[1, 1, 0], [2, 0, 0]]);
      await counter.start();
      assert.equal(counter.timeline, { file: counter.timeline!.file, played: 0, skipped: 2, pending: 1 });
      time.advance(100_000);
      assert.equal(totals(counter), [[1, 1, 0], [2, 3, 0]]);
    },
  ));

play('a bad timeline: start() rejects naming the file and line, and nothing is left running; fixed, it starts', () =>
  played([{ in: 1000, door: 1, boardings: 1, alightings: 0 }], async ({ time, counter, file }) => {
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${good}{"at": 0, "door": 9, "boardings": 1, "alightings": 0}\n`);
    try {
      await counter.start();
      assert.unreachable('started');
    } catch (err) {
      assert.instance(err, VisitTimelineError);
      assert.is((err as Error).message, `${file}:2: door 9 is not one of 1, 2`);
    }
    assert.is(counter.health().status, 'stopped');
    assert.not.ok(counter.listening);
    assert.is(time.pending(), 0);
    fs.writeFileSync(file, good);
    await counter.start();
    time.advance(30_000);
    assert.equal(totals(counter), [[1, 1, 0], [2, 0, 0]]);
  }));

play('a counter without a timeline has none; an empty file name is refused when the counter is made', () => {
  assert.is(createDoorCounter({ kind: 'simulated' }).timeline, null);
  assert.throws(() => createDoorCounter({ kind: 'simulated', visits: '' }), /visits must name a file/);
});

play.run();

// ---------------------------------------------------------------------------------------------

const agent = suite('the config names the timeline; the agent counts its visits into apc records');

agent('`visits` is relative to the config file, and the config refuses a bad one', () => {
  const dir = tmpDir('tabla-visits-config-');
  const file = path.join(dir, 'agent.json');
  const base = { deviceId: 'bus-1', role: 'bus', dataDir: 'state', mqtt: { url: 'mqtt://127.0.0.1:1883', password: 's3cret' } };
  fs.writeFileSync(file, JSON.stringify({ ...base, hardware: { doors: { kind: 'simulated', visits: 'visits.jsonl' } } }));
  const config = loadAgentConfig(file);
  assert.equal(config.hardware.doors, { kind: 'simulated', doors: [1, 2], visits: path.join(dir, 'visits.jsonl') });
  const doors = driversFrom(config.hardware, quiet).doors;
  assert.instance(doors, SimulatedDoorCounter);
  assert.not.ok(HardwareConfig.safeParse({ doors: { kind: 'simulated', visits: '' } }).success);
  assert.not.ok(HardwareConfig.safeParse({ doors: { kind: 'gpio', doors: [{ door: 1, a: 17, b: 27 }], visits: 'v.jsonl' } }).success, 'only simulated doors play a timeline');
  fs.rmSync(dir, { recursive: true, force: true });
});

agent('a timeline played through the simulated doors and the apc module: one apc record per visit, with its counts and load', async () => {
  const fleet = await startFleet();
  const dir = tmpDir('tabla-visits-agent-');
  const visits = path.join(dir, 'visits.jsonl');
  // Far enough ahead that the agent has started on a busy machine (a visit already past at start is not played).
  const now = Date.now() + 3000;
  const first = [
    { at: now + 300, door: 1, boardings: 3, alightings: 0, seed: 1 },
    { at: now + 500, door: 2, boardings: 1, alightings: 0, seed: 2 },
  ];
  // the next stop: the doors quiet for twice the visitQuietS after the first one's last passenger
  const clear = Math.max(...first.map((v) => v.at + visitWalkMs(v)));
  const lines = [...first, { at: clear + 4000, door: 2, boardings: 0, alightings: 2, seed: 3 }];
  fs.writeFileSync(visits, lines.map((l) => JSON.stringify(l)).join('\n'));
  const config = provision(fleet, 'bus-visits', 'bus', { hardware: { doors: { kind: 'simulated', doors: [1, 2], visits } }, settings: { modules: { apc: { visitQuietS: 2 } } } });
  const bus = new Agent({ config, log: quiet, modules: [apc()] });
  try {
    await bus.start();
    await waitFor('two visits stored', () => fleet.ingest.records('bus-visits', 'apc').length === 2, 25_000, 100);
    const [one, two] = fleet.ingest.records('bus-visits', 'apc').map((r) => r.data as { doors: unknown; onboard: number });
    assert.equal(one!.doors, [
      { door: 1, boardings: 3, alightings: 0 },
      { door: 2, boardings: 1, alightings: 0 },
    ]);
    assert.is(one!.onboard, 4);
    assert.equal(two!.doors, [{ door: 2, boardings: 0, alightings: 2 }]);
    assert.is(two!.onboard, 2);
  } finally {
    await bus.stop();
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

agent('a bad timeline fails the apc module with the file and line; the agent runs on', async () => {
  const fleet = await startFleet();
  const dir = tmpDir('tabla-visits-bad-');
  const visits = path.join(dir, 'visits.jsonl');
  fs.writeFileSync(visits, '{"at": 1000, "door": 1, "boardings": 1, "alightings": 0}\n{"at": 1000, "door": 1, "boardings": 1}\n');
  const bus = new Agent({ config: provision(fleet, 'bus-bad-visits', 'bus', { hardware: { doors: { kind: 'simulated', visits } } }), log: quiet, modules: [apc()] });
  try {
    await bus.start();
    await waitFor('online', () => fleet.presence.of('bus-bad-visits') === 'online');
    const state = bus.state().modules!.apc!;
    assert.is(state.status, 'failed');
    assert.match(state.error ?? '', `${visits}:2: "alightings" is missing`);
  } finally {
    await bus.stop();
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

agent.run();
