/**
 * What the talking button says: Slovenian numbers as words (tables of cases: compounds, hundreds,
 * thousands, the agreement of 1 and 2), the noun's grammatical number after them, clock times,
 * and whole screens (a board, scheduled rows, loads, an empty screen, out of service) as sentences.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clockTime, hourLocative, inMinutes, MINUTES_ACCUSATIVE, nounForm, numberWords } from '../../device/speech/numbers.js';
import { speakable, speechText, whenSaid } from '../../device/speech/text.js';
import type { BoardScreen, EmptyScreen, OutOfServiceScreen, ScreenRow } from '../../device/modules/departures/screen.js';

const numbers = suite('Slovenian numbers as words');

const WORDS: [number, string][] = [
  [0, 'nič'],
  [1, 'ena'],
  [2, 'dva'],
  [3, 'tri'],
  [4, 'štiri'],
  [7, 'sedem'],
  [10, 'deset'],
  [11, 'enajst'],
  [12, 'dvanajst'],
  [14, 'štirinajst'],
  [19, 'devetnajst'],
  [20, 'dvajset'],
  [21, 'enaindvajset'],
  [22, 'dvaindvajset'],
  [25, 'petindvajset'],
  [30, 'trideset'],
  [38, 'osemintrideset'],
  [44, 'štiriinštirideset'],
  [59, 'devetinpetdeset'],
  [99, 'devetindevetdeset'],
  [100, 'sto'],
  [101, 'sto ena'],
  [110, 'sto deset'],
  [125, 'sto petindvajset'],
  [200, 'dvesto'],
  [342, 'tristo dvainštirideset'],
  [999, 'devetsto devetindevetdeset'],
  [1000, 'tisoč'],
  [1001, 'tisoč ena'],
  [1136, 'tisoč sto šestintrideset'],
  [2000, 'dva tisoč'],
  [2024, 'dva tisoč štiriindvajset'],
  [21_000, 'enaindvajset tisoč'],
  [100_000, 'sto tisoč'],
  [999_999, 'devetsto devetindevetdeset tisoč devetsto devetindevetdeset'],
];
for (const [n, words] of WORDS) numbers(`${n} → ${words}`, () => assert.is(numberWords(n), words));

numbers('1 and 2 agree with the noun when they stand last on their own, never inside a compound', () => {
  assert.is(numberWords(1, { gender: 'masculine' }), 'en');
  assert.is(numberWords(1, { gender: 'feminine' }), 'ena');
  assert.is(numberWords(1, { gender: 'feminine', accusative: true }), 'eno');
  assert.is(numberWords(1, { gender: 'neuter' }), 'eno');
  assert.is(numberWords(2, { gender: 'masculine' }), 'dva');
  assert.is(numberWords(2, { gender: 'feminine' }), 'dve');
  assert.is(numberWords(102, { gender: 'feminine' }), 'sto dve');
  assert.is(numberWords(101, { gender: 'feminine', accusative: true }), 'sto eno');
  assert.is(numberWords(21, { gender: 'feminine', accusative: true }), 'enaindvajset');
  assert.is(numberWords(2002, { gender: 'feminine' }), 'dva tisoč dve');
  for (const bad of [-1, 1.5, 1_000_000, Number.NaN]) assert.throws(() => numberWords(bad), /whole number 0…999999/);
});

const MINUTES: [number, string][] = [
  [1, 'čez eno minuto'],
  [2, 'čez dve minuti'],
  [3, 'čez tri minute'],
  [4, 'čez štiri minute'],
  [5, 'čez pet minut'],
  [10, 'čez deset minut'],
  [11, 'čez enajst minut'],
  [12, 'čez dvanajst minut'],
  [13, 'čez trinajst minut'],
  [14, 'čez štirinajst minut'],
  [21, 'čez enaindvajset minut'],
  [22, 'čez dvaindvajset minut'],
  [23, 'čez triindvajset minut'],
  [59, 'čez devetinpetdeset minut'],
  [100, 'čez sto minut'],
  [101, 'čez sto eno minuto'],
  [102, 'čez sto dve minuti'],
  [103, 'čez sto tri minute'],
  [104, 'čez sto štiri minute'],
  [105, 'čez sto pet minut'],
  [111, 'čez sto enajst minut'],
  [1001, 'čez tisoč eno minuto'],
];
for (const [n, said] of MINUTES) numbers(`in ${n} min → ${said}`, () => assert.is(inMinutes(n), said));

numbers('the noun form follows the last two digits', () => {
  const forms = (ns: number[]) => ns.map((n) => nounForm(n, MINUTES_ACCUSATIVE));
  assert.equal(forms([0, 1, 2, 3, 4, 5, 11, 12, 13, 14, 20, 201, 202, 203, 311, 1000]), ['minut', 'minuto', 'minuti', 'minute', 'minute', 'minut', 'minut', 'minut', 'minut', 'minut', 'minut', 'minuto', 'minuti', 'minute', 'minut', 'minut']);
});

const CLOCK: [number, number, string][] = [
  [14, 5, 'ob štirinajstih in pet minut'],
  [14, 0, 'ob štirinajstih'],
  [14, 1, 'ob štirinajstih in ena minuta'],
  [14, 2, 'ob štirinajstih in dve minuti'],
  [14, 3, 'ob štirinajstih in tri minute'],
  [14, 21, 'ob štirinajstih in enaindvajset minut'],
  [1, 15, 'ob enih in petnajst minut'],
  [2, 30, 'ob dveh in trideset minut'],
  [3, 40, 'ob treh in štirideset minut'],
  [4, 4, 'ob štirih in štiri minute'],
  [5, 45, 'ob petih in petinštirideset minut'],
  [7, 0, 'ob sedmih'],
  [8, 10, 'ob osmih in deset minut'],
  [9, 59, 'ob devetih in devetinpetdeset minut'],
  [12, 12, 'ob dvanajstih in dvanajst minut'],
  [21, 5, 'ob enaindvajsetih in pet minut'],
  [23, 50, 'ob triindvajsetih in petdeset minut'],
  [0, 0, 'ob polnoči'],
  [0, 10, 'deset minut čez polnoč'],
];
for (const [h, m, said] of CLOCK) numbers(`${h}:${String(m).padStart(2, '0')} → ${said}`, () => assert.is(clockTime(h, m), said));

numbers('hours and clock times out of range are RangeErrors', () => {
  assert.throws(() => hourLocative(0), RangeError);
  assert.throws(() => clockTime(24, 0), RangeError);
  assert.throws(() => clockTime(10, 60), RangeError);
  assert.is(hourLocative(22), 'dvaindvajsetih');
});

numbers.run();

// ---------------------------------------------------------------------------------------------

const text = suite('speechText: a screen as sentences');

const row = (over: Partial<ScreenRow>): ScreenRow => ({ line: 'rumena', destination: 'Center', time: '3 min', scheduled: false, ...over });
const board = (rows: ScreenRow[], over: Partial<BoardScreen> = {}): BoardScreen => ({
  kind: 'board',
  stop: 'Šalek',
  clock: '14:03',
  updated: 'Posodobljeno 14:02',
  banner: null,
  notice: null,
  rows,
  ...over,
});

const TIMES: [string, string][] = [
  ['zdaj', 'zdaj'],
  ['1 min', 'čez eno minuto'],
  ['2 min', 'čez dve minuti'],
  ['4 min', 'čez štiri minute'],
  ['12 min', 'čez dvanajst minut'],
  ['0 min', 'zdaj'],
  ['14:05', 'ob štirinajstih in pet minut'],
  ['9.30', 'ob devetih in trideset minut'],
  ['25:99', 'petindvajset:devetindevetdeset'],
];
for (const [time, said] of TIMES) text(`a row's time "${time}" → ${said}`, () => assert.is(whenSaid(time), said));

text('a board: the stop, then each departure, live, scheduled, with its load', () => {
  const said = speechText(
    board([
      row({ time: 'zdaj', load: 'full' }),
      row({ line: 'rdeča', destination: 'Konovo', time: '14:05', scheduled: true }),
      row({ line: 'modra', destination: 'Gorica', time: '21 min', load: 'standing' }),
      row({ line: '2', destination: 'Pesje', time: '1 min', load: 'seats' }),
    ]),
  );
  assert.is(
    said,
    [
      'Postajališče Šalek.',
      'Linija rumena, smer Center, zdaj. Avtobus je poln.',
      'Linija rdeča, smer Konovo, ob štirinajstih in pet minut, po voznem redu.',
      'Linija modra, smer Gorica, čez enaindvajset minut. Na voljo so samo stojišča.',
      'Linija dva, smer Pesje, čez eno minuto. Na voljo so prosti sedeži.',
    ].join(' '),
  );
});

text('a stop whose name says what it is is not called a stop twice; notice first, banner last; maxRows; load off', () => {
  const rows = [1, 2, 3, 4, 5, 6, 7].map((n) => row({ time: `${n} min`, load: 'full' }));
  const said = speechText(board(rows, { stop: 'Avtobusno postajališče Velenje', notice: 'Podatki v živo trenutno niso na voljo', banner: 'Zaradi del na Šaleški cesti obvoz (10 min)' }), {
    maxRows: 2,
    load: false,
  });
  assert.is(
    said,
    'Avtobusno postajališče Velenje. Podatki v živo trenutno niso na voljo. Linija rumena, smer Center, čez eno minuto. Linija rumena, smer Center, čez dve minuti. Obvestilo: Zaradi del na Šaleški cesti obvoz, deset minut.',
  );
  assert.match(speechText(board(rows)), /čez pet minut\. Avtobus je poln\.$/);
  assert.not.match(speechText(board(rows)), /šest minut/);
  assert.throws(() => speechText(board(rows), { maxRows: 0 }), /maxRows/);
  assert.is(speechText(board([])), 'Postajališče Šalek. Ni odhodov.');
});

text('an empty screen is read as its title and detail, times and arrows made speakable', () => {
  const empty: EmptyScreen = {
    kind: 'empty',
    reason: 'none-within-hour',
    stop: 'Center',
    clock: '14:03',
    updated: null,
    banner: null,
    notice: null,
    title: 'Ni odhodov v naslednji uri',
    detail: 'Naslednji odhod ob 15:40 (rumena → Center)',
  };
  assert.is(speechText(empty), 'Postajališče Center. Ni odhodov v naslednji uri. Naslednji odhod ob petnajstih in štirideset minut, rumena, smer Center.');
});

text('out of service: the stop if known, the title, the detail (a web address with its dots said)', () => {
  const out: OutOfServiceScreen = { kind: 'out-of-service', stop: null, title: 'Prikazovalnik ne deluje', detail: 'Vozni red: lokalc.velenje.si' };
  assert.is(speechText(out), 'Prikazovalnik ne deluje. Vozni red: lokalc pika velenje pika si.');
  assert.is(speechText({ ...out, stop: 'Gorica', detail: null }), 'Postajališče Gorica. Prikazovalnik ne deluje.');
});

text('speakable: numbers, minutes, bare clock times, leading zeros left as digits', () => {
  assert.is(speakable('Zamuda 5 min'), 'Zamuda pet minut');
  assert.is(speakable('Zamuda 1 min'), 'Zamuda ena minuta');
  assert.is(speakable('Odhodi med 5:40 in 22:00'), 'Odhodi med pet in štirideset minut in dvaindvajset nič nič');
  assert.is(speakable('Peron 3'), 'Peron tri');
  assert.is(speakable('koda 007'), 'koda 007');
});

text.run();
