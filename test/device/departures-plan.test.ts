/**
 * The stop display's plan (device/modules/departures/plan.ts): board + timetable + messages + clock
 * + link → the screen, as a table of cases. Velenje (Europe/Ljubljana, CET in March 2026):
 * Tuesday 3 March is an ordinary weekday, Sunday 8 March has no service.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planScreen, outOfServiceScreen, vouchedAt, type PlanInput, type StoredBoard } from '../../device/modules/departures/plan.js';
import type { Screen } from '../../device/modules/departures/screen.js';
import { isQuiet, scheduledDepartures, scheduledTwin } from '../../device/modules/departures/timetable.js';
import { nextDetail, noneWithinTitle } from '../../device/modules/departures/wording.js';
import type { ArrivalBoard, Departure, StopTimetable } from '../../protocols/index.js';
import { DeparturesSettings, StopTimetable as StopTimetableSchema } from '../../protocols/index.js';

const SETTINGS = DeparturesSettings.parse({ outOfServiceDetail: 'Vozni red: lokalc.velenje.si' });

/** ms of a local (CET, +01:00) time on a March 2026 day. */
const at = (hhmm: string, day = '03') => Date.parse(`2026-03-${day}T${hhmm}:00+01:00`);
const iso = (hhmm: string, day = '03') => `2026-03-${day}T${hhmm}:00+01:00`;
const s = (hhmm: string, day = '03') => at(hhmm, day) / 1000;

const TIMETABLE: StopTimetable = StopTimetableSchema.parse({
  stopId: 'ap',
  stop: 'Avtobusno postajališče Velenje',
  timeZone: 'Europe/Ljubljana',
  generatedAt: iso('04:00'),
  lines: [
    { name: 'rumena', colour: '#f5c400' },
    { name: 'rdeča', colour: '#d0021b' },
  ],
  destinations: ['Center', 'Konovo'],
  days: [
    { date: '2026-03-03', served: true, departures: [[s('05:10'), 0, 0], [s('14:05'), 0, 0], [s('14:12'), 1, 1], [s('14:20'), 0, 0], [s('14:35'), 0, 0], [s('16:00'), 1, 1], [s('22:00'), 0, 0]] },
    { date: '2026-03-04', served: true, departures: [[s('05:10', '04'), 0, 0], [s('22:00', '04'), 0, 0]] },
  ],
});

/** A weekend: Saturday's last at 20:00, no service on Sunday, Monday from 05:10. */
const WEEKEND: StopTimetable = StopTimetableSchema.parse({
  ...TIMETABLE,
  days: [
    { date: '2026-03-07', served: true, departures: [[s('07:00', '07'), 0, 0], [s('20:00', '07'), 1, 1]] },
    { date: '2026-03-08', served: false, departures: [] },
    { date: '2026-03-09', served: true, departures: [[s('05:10', '09'), 0, 0]] },
  ],
});

const dep = (line: string, destination: string, hhmm: string, realtime: boolean, extra: Partial<Departure> = {}): Departure => ({
  line,
  destination,
  departsAt: iso(hhmm),
  realtime,
  ...extra,
});

const BOARD: ArrivalBoard = {
  stop: 'Avtobusno postajališče Velenje',
  generatedAt: iso('14:02'),
  departures: [
    dep('rumena', 'Center', '14:05:30'.slice(0, 5), true, { colour: '#f5c400', load: 'seats', departsAt: '2026-03-03T14:05:30+01:00' }),
    dep('rdeča', 'Konovo', '14:12', false),
    dep('rumena', 'Center', '14:36', true),
  ],
};

const stored = (board: ArrivalBoard, receivedAt: number): StoredBoard => ({ board, receivedAt });

const input = (o: Partial<PlanInput> & { now: number }): PlanInput => ({
  board: null,
  timetable: null,
  messages: [],
  link: { up: false, lastUpAt: null },
  settings: SETTINGS,
  ...o,
});

/** The screen in a line or two: what a case pins. */
function sketch(screen: Screen): Record<string, unknown> {
  if (screen.kind === 'out-of-service') return { kind: screen.kind, title: screen.title, detail: screen.detail };
  const common = { clock: screen.clock, updated: screen.updated, notice: screen.notice, banner: screen.banner };
  if (screen.kind === 'board') return { rows: screen.rows.map((r) => `${r.line}→${r.destination} ${r.time}${r.scheduled ? ' (s)' : ''}${r.load ? ` ${r.load}` : ''}`), ...common };
  return { reason: screen.reason, title: screen.title, detail: screen.detail, ...common };
}

interface Case {
  name: string;
  in: PlanInput;
  want: Record<string, unknown>;
  live?: boolean;
  quiet?: boolean;
}

const linked = { up: true, lastUpAt: at('14:03') };

const CASES: Case[] = [
  {
    name: 'live board: minutes (rounded down), the scheduled mark, the load, clock time past 20 min; updated now',
    in: input({ now: at('14:03'), board: stored(BOARD, at('14:02')), timetable: TIMETABLE, link: linked }),
    want: {
      rows: ['rumena→Center 2 min seats', 'rdeča→Konovo 9 min (s)', 'rumena→Center 14:36'],
      clock: '14:03',
      updated: 'Posodobljeno 14:03',
      notice: null,
      banner: null,
    },
    live: true,
  },
  {
    name: 'under a minute: zdaj; a departure leaves the glass at its time with no new content',
    in: input({ now: at('14:05'), board: stored(BOARD, at('14:02')), link: { up: true, lastUpAt: at('14:05') } }),
    want: { rows: ['rumena→Center zdaj seats', 'rdeča→Konovo 7 min (s)', 'rumena→Center 14:36'], clock: '14:05', updated: 'Posodobljeno 14:05', notice: null, banner: null },
  },
  {
    name: 'passed: gone at 14:05:30 exactly',
    in: input({ now: Date.parse('2026-03-03T14:05:30+01:00'), board: stored(BOARD, at('14:02')), link: linked }),
    want: { rows: ['rdeča→Konovo 6 min (s)', 'rumena→Center 14:36'], clock: '14:05', updated: 'Posodobljeno 14:05', notice: null, banner: null },
  },
  {
    name: 'no word from the fleet for 100 s (> 90 s): live times take their timetable twins, marked scheduled, no load; footer keeps the last update',
    in: input({ now: Date.parse('2026-03-03T14:03:40+01:00'), board: stored(BOARD, at('14:02')), timetable: TIMETABLE, link: { up: false, lastUpAt: at('14:01') } }),
    want: {
      rows: ['rumena→Center 1 min (s)', 'rdeča→Konovo 8 min (s)', 'rumena→Center 14:35 (s)'],
      clock: '14:03',
      updated: 'Posodobljeno 14:02',
      notice: null,
      banner: null,
    },
    live: true,
  },
  {
    name: 'link down 80 s: live times still live',
    in: input({ now: Date.parse('2026-03-03T14:03:20+01:00'), board: stored(BOARD, at('14:02')), timetable: TIMETABLE, link: { up: false, lastUpAt: at('14:02') } }),
    want: { rows: ['rumena→Center 2 min seats', 'rdeča→Konovo 8 min (s)', 'rumena→Center 14:36'], clock: '14:03', updated: 'Posodobljeno 14:02', notice: null, banner: null },
  },
  {
    name: 'stale live time with no timetable to find its twin: kept, marked scheduled',
    in: input({ now: at('14:04'), board: stored(BOARD, at('14:02')), link: { up: false, lastUpAt: at('14:02') } }),
    want: { rows: ['rumena→Center 1 min (s)', 'rdeča→Konovo 8 min (s)', 'rumena→Center 14:36 (s)'], clock: '14:04', updated: 'Posodobljeno 14:02', notice: null, banner: null },
  },
  {
    name: 'no fleet for over 3 min: the timetable, all scheduled, with the notice',
    in: input({ now: at('14:03'), board: stored(BOARD, at('13:55')), timetable: TIMETABLE, link: { up: false, lastUpAt: at('13:58') } }),
    want: {
      rows: ['rumena→Center 2 min (s)', 'rdeča→Konovo 9 min (s)', 'rumena→Center 17 min (s)', 'rumena→Center 14:35 (s)'],
      clock: '14:03',
      updated: 'Posodobljeno 13:58',
      notice: 'Podatki v živo trenutno niso na voljo',
      banner: null,
    },
    live: false,
  },
  {
    name: 'a retained board from two hours ago, just received, never vouched for: not live',
    in: input({ now: at('14:03'), board: stored({ ...BOARD, generatedAt: iso('12:00') }, at('14:03')), timetable: TIMETABLE }),
    want: {
      rows: ['rumena→Center 2 min (s)', 'rdeča→Konovo 9 min (s)', 'rumena→Center 17 min (s)', 'rumena→Center 14:35 (s)'],
      clock: '14:03',
      updated: 'Posodobljeno 12:00',
      notice: 'Podatki v živo trenutno niso na voljo',
      banner: null,
    },
    live: false,
  },
  {
    name: 'a fleet clock ahead of ours: the board is as old as its receipt, not younger',
    in: input({ now: at('14:04'), board: stored({ ...BOARD, generatedAt: iso('14:10') }, at('14:02')), timetable: TIMETABLE }),
    want: { rows: ['rumena→Center 1 min (s)', 'rdeča→Konovo 8 min (s)', 'rumena→Center 14:35 (s)'], clock: '14:04', updated: 'Posodobljeno 14:02', notice: null, banner: null },
  },
  {
    name: 'live but empty: none within the hour, the next from the timetable',
    in: input({ now: at('14:50'), board: stored({ ...BOARD, departures: [] }, at('14:40')), timetable: TIMETABLE, link: linked }),
    want: {
      reason: 'none-within-hour',
      title: 'Ni odhodov v naslednji uri',
      detail: 'Naslednji odhod ob 16:00 (rdeča → Konovo)',
      clock: '14:50',
      updated: 'Posodobljeno 14:50',
      notice: null,
      banner: null,
    },
  },
  {
    name: 'live, empty, no timetable: none within the hour, nothing more known',
    in: input({ now: at('14:50'), board: stored({ ...BOARD, departures: [] }, at('14:40')), link: linked }),
    want: { reason: 'none-within-hour', title: 'Ni odhodov v naslednji uri', detail: null, clock: '14:50', updated: 'Posodobljeno 14:50', notice: null, banner: null },
  },
  {
    name: 'after the last bus (within the margin): no more today, tomorrow’s first',
    in: input({ now: at('22:10'), timetable: TIMETABLE }),
    want: {
      reason: 'none-today',
      title: 'Danes ni več odhodov',
      detail: 'Naslednji odhod jutri ob 05:10 (rumena → Center)',
      clock: '22:10',
      updated: null,
      notice: 'Podatki v živo trenutno niso na voljo',
      banner: null,
    },
    quiet: false,
  },
  {
    name: 'quiet hours: the plain screen, no clock, footer or notice',
    in: input({ now: at('22:30'), timetable: TIMETABLE, board: stored({ ...BOARD, departures: [] }, at('22:00')), link: { up: false, lastUpAt: at('22:00') } }),
    want: { reason: 'none-today', title: 'Danes ni več odhodov', detail: 'Naslednji odhod jutri ob 05:10 (rumena → Center)', clock: '', updated: null, notice: null, banner: null },
    quiet: true,
  },
  {
    name: 'after midnight, still quiet: the wording follows the date',
    in: input({ now: at('00:30', '04'), timetable: TIMETABLE }),
    want: { reason: 'none-within-hour', title: 'Ni odhodov v naslednji uri', detail: 'Naslednji odhod ob 05:10 (rumena → Center)', clock: '', updated: null, notice: null, banner: null },
    quiet: true,
  },
  {
    name: 'within the margin before the first bus (90 min here): the clock again, the same words',
    in: input({ now: at('04:05', '04'), timetable: TIMETABLE, settings: { ...SETTINGS, quietBeforeMin: 90 } }),
    want: {
      reason: 'none-within-hour',
      title: 'Ni odhodov v naslednji uri',
      detail: 'Naslednji odhod ob 05:10 (rumena → Center)',
      clock: '04:05',
      updated: null,
      notice: 'Podatki v živo trenutno niso na voljo',
      banner: null,
    },
    quiet: false,
  },
  {
    name: 'quiet hours over: the first bus listed',
    in: input({ now: at('04:45', '04'), timetable: TIMETABLE }),
    want: {
      rows: ['rumena→Center 05:10 (s)'],
      clock: '04:45',
      updated: null,
      notice: 'Podatki v živo trenutno niso na voljo',
      banner: null,
    },
    quiet: false,
  },
  {
    name: 'Saturday evening: the next is on Monday',
    in: input({ now: at('20:10', '07'), timetable: WEEKEND }),
    want: {
      reason: 'none-today',
      title: 'Danes ni več odhodov',
      detail: 'Naslednji odhod v ponedeljek ob 05:10 (rumena → Center)',
      clock: '20:10',
      updated: null,
      notice: 'Podatki v živo trenutno niso na voljo',
      banner: null,
    },
    quiet: false,
  },
  {
    name: 'Sunday: not served today (plain: quiet all day)',
    in: input({ now: at('10:00', '08'), timetable: WEEKEND }),
    want: { reason: 'not-served', title: 'Danes avtobusi tu ne ustavljajo', detail: 'Naslednji odhod jutri ob 05:10 (rumena → Center)', clock: '', updated: null, notice: null, banner: null },
    quiet: true,
  },
  {
    name: 'nothing known at all: no data, with the help line',
    in: input({ now: at('14:03') }),
    want: { reason: 'no-data', title: 'Ni podatkov o odhodih', detail: 'Vozni red: lokalc.velenje.si', clock: '14:03', updated: null, notice: null, banner: null },
  },
  {
    name: 'a timetable that has run out: no data',
    in: input({ now: at('12:00', '10'), timetable: TIMETABLE }),
    want: { reason: 'no-data', title: 'Ni podatkov o odhodih', detail: 'Vozni red: lokalc.velenje.si', clock: '12:00', updated: null, notice: null, banner: null },
  },
  {
    name: 'banner: messages in force (expired ones left out), then the live board’s own notice',
    in: input({
      now: at('14:03'),
      board: stored({ ...BOARD, message: 'Obvoz zaradi del' }, at('14:02')),
      link: linked,
      messages: [
        { id: 'a', text: 'Jutri brezplačni prevozi', until: iso('18:00') },
        { id: 'b', text: 'Stara obvestila', until: iso('14:00') },
        { id: 'c', text: 'Postajališče Center zaprto' },
      ],
    }),
    want: {
      rows: ['rumena→Center 2 min seats', 'rdeča→Konovo 9 min (s)', 'rumena→Center 14:36'],
      clock: '14:03',
      updated: 'Posodobljeno 14:03',
      notice: null,
      banner: 'Jutri brezplačni prevozi · Postajališče Center zaprto · Obvoz zaradi del',
    },
  },
  {
    name: 'the countdown threshold: 20 min in minutes, 21 as a clock time; at most 7 rows',
    in: input({
      now: at('14:00'),
      link: linked,
      board: stored(
        { ...BOARD, departures: ['14:20', '14:21', '14:22', '14:23', '14:24', '14:25', '14:26', '14:27', '14:28'].map((t) => dep('modra', 'Gorica', t, false)) },
        at('14:00'),
      ),
    }),
    want: {
      rows: ['modra→Gorica 20 min (s)', 'modra→Gorica 14:21 (s)', 'modra→Gorica 14:22 (s)', 'modra→Gorica 14:23 (s)', 'modra→Gorica 14:24 (s)', 'modra→Gorica 14:25 (s)', 'modra→Gorica 14:26 (s)'],
      clock: '14:00',
      updated: 'Posodobljeno 14:00',
      notice: null,
      banner: null,
    },
  },
];

for (const c of CASES) {
  test(`plan: ${c.name}`, () => {
    const plan = planScreen(c.in);
    assert.equal(sketch(plan.screen), c.want);
    if (c.live !== undefined) assert.is(plan.live, c.live, 'live');
    if (c.quiet !== undefined) assert.is(plan.quiet, c.quiet, 'quiet');
  });
}

test('plan: a board screen carries the stop and the line colours for the renderer', () => {
  const { screen } = planScreen(CASES[0]!.in);
  assert.is(screen.kind, 'board');
  if (screen.kind !== 'board') return;
  assert.is(screen.stop, 'Avtobusno postajališče Velenje');
  assert.is(screen.rows[0]!.colour, '#f5c400');
  assert.is(screen.rows[0]!.load, 'seats');
});

test('out of service: the Slovenian title and the configured detail', () => {
  assert.equal(outOfServiceScreen('Center', null), { kind: 'out-of-service', stop: 'Center', title: 'Prikazovalnik ne deluje', detail: null });
});

test('vouchedAt: now while linked; else the later of the board’s own time and the last link, never after now', () => {
  const board = stored(BOARD, at('14:02'));
  assert.is(vouchedAt({ now: at('14:10'), board, link: { up: true, lastUpAt: at('14:10') } }), at('14:10'));
  assert.is(vouchedAt({ now: at('14:10'), board, link: { up: false, lastUpAt: at('14:07') } }), at('14:07'));
  assert.is(vouchedAt({ now: at('14:10'), board, link: { up: false, lastUpAt: null } }), at('14:02'));
  assert.is(vouchedAt({ now: at('14:10'), board: null, link: { up: true, lastUpAt: null } }), null);
});

test('timetable: unpacked soonest first, twins by line and destination, quiet between service days', () => {
  const list = scheduledDepartures(TIMETABLE);
  assert.is(list.length, 9);
  assert.ok(list.every((d, i) => i === 0 || list[i - 1]!.t <= d.t));
  assert.equal([list[0]!.first, list[6]!.last, list[7]!.first], [true, true, true]);
  const twin = scheduledTwin(list, { line: 'rumena', destination: 'Center', t: at('14:09') }, 30 * 60_000, new Set());
  assert.is(twin?.t, at('14:05'));
  assert.is(scheduledTwin(list, { line: 'rumena', destination: 'Konovo', t: at('14:09') }, 30 * 60_000, new Set()), null);
  const taken = new Set([twin!]);
  assert.is(scheduledTwin(list, { line: 'rumena', destination: 'Center', t: at('14:09') }, 30 * 60_000, taken)?.t, at('14:20'));
  const q = (t: number) => isQuiet(list, t, 20 * 60_000, 30 * 60_000);
  assert.equal([q(at('21:00')), q(at('22:19')), q(at('22:20')), q(at('04:39', '04')), q(at('04:40', '04'))], [false, false, true, true, false]);
  assert.is(q(at('23:00', '04')), false, 'after the last day in the extract: the next service is unknown, never quiet');
  assert.is(q(at('03:00', '03')), false, 'before the first departure of the extract: the day before is unknown');
});

test('wording: horizons declined, later days named', () => {
  assert.is(noneWithinTitle(60), 'Ni odhodov v naslednji uri');
  assert.is(noneWithinTitle(120), 'Ni odhodov v naslednjih dveh urah');
  assert.is(noneWithinTitle(90), 'Ni odhodov v naslednjih 90 minutah');
  const tz = 'Europe/Ljubljana';
  const next = (t: number) => nextDetail({ t, line: 'zelena', destination: 'Šalek' }, at('12:00'), tz);
  assert.is(next(at('13:00')), 'Naslednji odhod ob 13:00 (zelena → Šalek)');
  assert.is(next(at('06:00', '05')), 'Naslednji odhod v četrtek ob 06:00 (zelena → Šalek)');
  assert.is(next(at('06:00', '07')), 'Naslednji odhod v soboto ob 06:00 (zelena → Šalek)');
  assert.is(next(at('06:00', '14')), 'Naslednji odhod 14. 3. ob 06:00 (zelena → Šalek)');
  // Summer time: the wall clock follows (29 March 2026, CET → CEST).
  assert.is(nextDetail({ t: Date.parse('2026-03-30T05:10:00+02:00'), line: 'rumena', destination: 'Center' }, Date.parse('2026-03-29T22:00:00+02:00'), tz), 'Naslednji odhod jutri ob 05:10 (rumena → Center)');
});

test.run();
