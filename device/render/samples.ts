/**
 * Sample screens of a Lokal'c stop, one per situation the renderer must draw well: the golden
 * images of the tests (test/data/frames/<name>.png), the render bench and previews use them.
 * Names and times are made up but shaped like the real thing (line names by colour, Slovenian
 * stop names with č, š, ž).
 */
import type { Screen } from '../modules/departures/screen.js';

const base = { stop: 'Avtobusna postaja Velenje', clock: '14:03', updated: 'Posodobljeno 14:02', banner: null, notice: null };

export const SAMPLE_SCREENS: Record<string, Screen> = {
  /** Live and scheduled departures mixed, with loads. */
  'board-normal': {
    kind: 'board',
    ...base,
    rows: [
      { line: 'rumena', colour: '#ffd400', destination: 'Šalek', time: 'zdaj', scheduled: false, load: 'seats' },
      { line: 'rdeča', colour: '#e30613', destination: 'Gorica', time: '3 min', scheduled: false, load: 'standing' },
      { line: 'modra', colour: '#0069b4', destination: 'Lokovica', time: '7 min', scheduled: true },
      { line: 'zelena', colour: '#3aaa35', destination: 'Konovo – Plešivec', time: '12 min', scheduled: false, load: 'full' },
      { line: 'oranžna', colour: '#f39200', destination: 'Pirešica', time: '14:21', scheduled: true },
      { line: 'rumena', colour: '#ffd400', destination: 'Železniška postaja Velenje', time: '14:25', scheduled: false, load: 'seats' },
      { line: 'rdeča', colour: '#e30613', destination: 'Škale', time: '14:33', scheduled: true },
    ],
  },
  /** Live departures with bike share near the stop in the footer (GBFS, while its data is live). */
  'board-bikes': {
    kind: 'board',
    ...base,
    stop: 'Titov trg',
    bikes: 'Kolesa: Titov trg – BICY 4 kolesa · 6 mest',
    rows: [
      { line: 'rumena', colour: '#ffd400', destination: 'Šalek', time: '2 min', scheduled: false, load: 'seats' },
      { line: 'modra', colour: '#0069b4', destination: 'Lokovica', time: '9 min', scheduled: true },
      { line: 'zelena', colour: '#3aaa35', destination: 'Konovo – Plešivec', time: '14 min', scheduled: false },
    ],
  },
  /** Nothing live: every time from the timetable. */
  'board-scheduled': {
    kind: 'board',
    ...base,
    stop: 'Tržnica',
    updated: null,
    rows: [
      { line: 'rumena', destination: 'Šalek', time: '4 min', scheduled: true },
      { line: 'modra', destination: 'Lokovica', time: '11 min', scheduled: true },
      { line: 'rumena', destination: 'Železniška postaja', time: '14:19', scheduled: true },
      { line: 'oranžna', destination: 'Pirešica', time: '14:32', scheduled: true },
    ],
  },
  /** The fleet is unreachable: the local timetable, with the notice. */
  'board-offline': {
    kind: 'board',
    ...base,
    stop: 'Titov trg',
    updated: 'Zadnja posodobitev 13:41',
    notice: 'Podatki v živo trenutno niso na voljo',
    rows: [
      { line: 'rdeča', destination: 'Gorica', time: '2 min', scheduled: true },
      { line: 'zelena', destination: 'Konovo', time: '9 min', scheduled: true },
      { line: 'rumena', destination: 'Šalek', time: '14:18', scheduled: true },
      { line: 'modra', destination: 'Velenjska plaža', time: '14:24', scheduled: true },
      { line: 'oranžna', destination: 'Staro Velenje', time: '14:40', scheduled: true },
    ],
  },
  'none-today': {
    kind: 'empty',
    ...base,
    stop: 'Pokopališče Podkraj',
    clock: '22:47',
    updated: 'Posodobljeno 22:46',
    reason: 'none-today',
    title: 'Danes ni več odhodov',
    detail: 'Prvi odhod jutri ob 5:40 (zelena → Avtobusna postaja)',
  },
  'none-within-hour': {
    kind: 'empty',
    ...base,
    stop: 'Bevče',
    reason: 'none-within-hour',
    title: 'Ni odhodov v naslednji uri',
    detail: 'Naslednji odhod ob 15:40 (oranžna → Pirešica)',
  },
  /** An operator's message, long enough to need both lines and a `…`. */
  'board-banner': {
    kind: 'board',
    ...base,
    stop: 'Rudarski dom',
    banner:
      'Zaradi prireditve na Titovem trgu bo v soboto, 14. 3., med 8. in 16. uro rumena linija vozila po obvozu čez Kidričevo cesto; ' +
      'postajališči Titov trg in Tržnica v tem času ne bosta v uporabi. Hvala za razumevanje.',
    rows: [
      { line: 'rumena', destination: 'Šalek', time: '1 min', scheduled: false },
      { line: 'modra', destination: 'Vila Bianca', time: '6 min', scheduled: false, load: 'seats' },
      { line: 'rdeča', destination: 'Gorica', time: '14:15', scheduled: false },
    ],
  },
  /** Seven rows under a full footer (notice, two-line banner, status): the lowest rows there are (42 px). */
  'board-crowded': {
    kind: 'board',
    ...base,
    stop: 'Kardeljev trg',
    notice: 'Podatki v živo trenutno niso na voljo',
    banner: 'Rumena linija vozi po obvozu čez Kidričevo cesto; postajališče Titov trg ta teden ni v uporabi.',
    rows: [
      { line: 'rumena', destination: 'Šalek', time: 'zdaj', scheduled: false, load: 'standing' },
      { line: 'rumena', destination: 'Avtobusna postaja', time: '4 min', scheduled: true },
      { line: 'rdeča', destination: 'Gorica', time: '9 min', scheduled: true },
      { line: 'modra', destination: 'Lokovica', time: '14:15', scheduled: true, load: 'full' },
      { line: 'zelena', destination: 'Podkraj', time: '14:22', scheduled: true },
      { line: 'oranžna', destination: 'Pirešica', time: '14:30', scheduled: true },
      { line: 'rumena', destination: 'Jenkova cesta', time: '14:33', scheduled: true, load: 'seats' },
    ],
  },
  'out-of-service': {
    kind: 'out-of-service',
    stop: 'Avtobusna postaja Velenje',
    title: 'Prikazovalnik ne deluje',
    detail: 'Vozni red: lokalc.velenje.si',
  },
  /** Names too long for their room, with č, š, ž, a line name longer than its badge, a missing glyph (☃). */
  'long-names': {
    kind: 'board',
    ...base,
    stop: 'Šolski center Velenje – Šaleška cesta, smer Železniška postaja',
    notice: 'Podatki v živo trenutno niso na voljo za linijo oranžna in zeleno',
    updated: 'Posodobljeno 14:02 · naslednja posodobitev čez 30 s',
    rows: [
      { line: 'oranžna-nočna', destination: 'Muzej premogovništva Slovenije in Velenjski grad', time: '2 min', scheduled: false, load: 'standing' },
      { line: 'zelena', destination: 'Pokopališče Podkraj čez Plešivec in Konovo do Šolskega centra', time: '8 min', scheduled: true },
      { line: 'rdeča', destination: 'Zdravstveni dom Velenje ☃ Koroška cesta', time: '14:19', scheduled: false },
      { line: 'X', destination: 'Železniškapostajavelenjebrezpresledkovindrugihznakov', time: '14:27', scheduled: true, load: 'full' },
    ],
  },
};
