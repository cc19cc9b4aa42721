/**
 * Slovenian numbers as words, for the talking button: the speech engine then says them as a person
 * would, with the right grammatical number on the noun after them.
 *
 * Spelling (Slovenski pravopis): tens and units are one word, units first, joined by `in`
 * (`petindvajset`, `enaindvajset`, `dvaindvajset`); hundreds and thousands are words of their own
 * (`sto petindvajset`, `dva tisoč tristo`). Only a number's last word agrees with its noun, and
 * only `1` and `2` change with gender and case: `ena minuta`, `en avtobus`, `eno vozilo`,
 * `čez eno minuto` (feminine accusative); `dva avtobusa`, `dve minuti`. In compounds they never
 * change (`čez enaindvajset minut`).
 *
 * The noun's form follows the number's last two digits (1 → singular, 2 → dual, 3–4 → plural,
 * anything else → genitive plural: `ena minuta`, `dve minuti`, `tri minute`, `pet minut`,
 * `enajst minut`, `sto ena minuta`, `sto dve minuti`). Intl.PluralRules('sl') (CLDR) is that rule.
 */

export type Gender = 'masculine' | 'feminine' | 'neuter';

export interface NumberForm {
  /** The noun's gender, when the number stands before one (default: counting, `ena`, `dva`). */
  gender?: Gender;
  /** Accusative (after `čez`, `za`): only feminine `ena` changes, to `eno`. */
  accusative?: boolean;
}

const UNITS = ['nič', 'ena', 'dva', 'tri', 'štiri', 'pet', 'šest', 'sedem', 'osem', 'devet'];
const TEENS = ['deset', 'enajst', 'dvanajst', 'trinajst', 'štirinajst', 'petnajst', 'šestnajst', 'sedemnajst', 'osemnajst', 'devetnajst'];
const TENS = ['', '', 'dvajset', 'trideset', 'štirideset', 'petdeset', 'šestdeset', 'sedemdeset', 'osemdeset', 'devetdeset'];
const HUNDREDS = ['', 'sto', 'dvesto', 'tristo', 'štiristo', 'petsto', 'šeststo', 'sedemsto', 'osemsto', 'devetsto'];

export const MAX_SPOKEN_NUMBER = 999_999;

/** `n` (a whole number 0…999 999) in words: 125 → `sto petindvajset`; `form` for the last word's agreement. */
export function numberWords(n: number, form: NumberForm = {}): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPOKEN_NUMBER) throw new RangeError(`a number to say must be a whole number 0…${MAX_SPOKEN_NUMBER}, not ${n}`);
  if (n === 0) return 'nič';
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  const words: string[] = [];
  // 1000 is `tisoč` (not `ena tisoč`); 2000 `dva tisoč`; 21 000 `enaindvajset tisoč`.
  if (thousands === 1) words.push('tisoč');
  else if (thousands > 1) words.push(`${belowThousand(thousands, { gender: 'masculine' })} tisoč`);
  if (rest > 0) words.push(belowThousand(rest, form));
  return words.join(' ');
}

function belowThousand(n: number, form: NumberForm): string {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds > 0) words.push(HUNDREDS[hundreds]!);
  if (rest > 0) words.push(belowHundred(rest, form));
  return words.join(' ');
}

function belowHundred(n: number, form: NumberForm): string {
  if (n < 10) return unit(n, form);
  if (n < 20) return TEENS[n - 10]!;
  const unitDigit = n % 10;
  const tens = TENS[Math.floor(n / 10)]!;
  return unitDigit === 0 ? tens : `${UNITS[unitDigit]}in${tens}`;
}

/** A unit standing on its own at the end of a number: the one word that agrees with the noun. */
function unit(n: number, { gender, accusative = false }: NumberForm): string {
  if (n === 1) {
    if (gender === 'masculine') return 'en';
    if (gender === 'neuter' || (gender === 'feminine' && accusative)) return 'eno';
    return 'ena';
  }
  if (n === 2) return gender === 'feminine' || gender === 'neuter' ? 'dve' : 'dva';
  return UNITS[n]!;
}

/** The four forms of a noun after a number: `one` (1, 101…), `two` (2, 102…), `few` (3, 4, 103…), `other`. */
export interface NounForms {
  one: string;
  two: string;
  few: string;
  other: string;
}

const plural = new Intl.PluralRules('sl');

/** The form of a noun after `n`, by its last two digits (CLDR's Slovenian plural rule). */
export function nounForm(n: number, forms: NounForms): string {
  const category = plural.select(n);
  return category === 'one' || category === 'two' || category === 'few' ? forms[category] : forms.other;
}

/** Minutes after `čez` (accusative): `eno minuto`, `dve minuti`, `tri minute`, `pet minut`. */
export const MINUTES_ACCUSATIVE: NounForms = { one: 'minuto', two: 'minuti', few: 'minute', other: 'minut' };
/** Minutes as a plain count (nominative): `ena minuta`, `dve minuti`, `tri minute`, `pet minut`. */
export const MINUTES_NOMINATIVE: NounForms = { one: 'minuta', two: 'minuti', few: 'minute', other: 'minut' };

/** `čez tri minute`: in `n` minutes. */
export function inMinutes(n: number): string {
  return `čez ${numberWords(n, { gender: 'feminine', accusative: true })} ${nounForm(n, MINUTES_ACCUSATIVE)}`;
}

/**
 * The hour after `ob` (locative plural, as in `ob petih`, "at five"): `ob enih`, `ob dveh`,
 * `ob treh`, `ob štirih`, `ob sedmih`, `ob osmih`; every other hour adds `-ih` to its number
 * (`ob štirinajstih`, `ob enaindvajsetih`).
 */
export function hourLocative(hour: number): string {
  if (!Number.isInteger(hour) || hour < 1 || hour > 24) throw new RangeError(`an hour after "ob" is 1…24, not ${hour}`);
  const special: Record<number, string> = { 1: 'enih', 2: 'dveh', 3: 'treh', 4: 'štirih', 7: 'sedmih', 8: 'osmih' };
  return special[hour] ?? `${numberWords(hour)}ih`;
}

/**
 * A clock time after "at", as Slovenians say a departure time: the hour in the locative after
 * `ob`, the minutes as a count of minutes — `14:05` → `ob štirinajstih in pet minut`, `14:01` →
 * `ob štirinajstih in ena minuta`, `14:00` → `ob štirinajstih`. This is how times are said aloud
 * at a stop or on the phone; the written-register `ob 14.05` read digit by digit (`štirinajst nič
 * pet`) is harder to follow by ear, and `pol treh` style half-hours are ambiguous (12 h or 24 h).
 * Just after midnight there is no `ob ničih`: `00:00` → `ob polnoči`, `00:10` → `deset minut čez
 * polnoč`.
 */
export function clockTime(hours: number, minutes: number): string {
  if (!Number.isInteger(hours) || hours < 0 || hours > 23 || !Number.isInteger(minutes) || minutes < 0 || minutes > 59) {
    throw new RangeError(`not a clock time: ${hours}:${minutes}`);
  }
  const count = `${numberWords(minutes, { gender: 'feminine' })} ${nounForm(minutes, MINUTES_NOMINATIVE)}`;
  if (hours === 0) return minutes === 0 ? 'ob polnoči' : `${count} čez polnoč`;
  return minutes === 0 ? `ob ${hourLocative(hours)}` : `ob ${hourLocative(hours)} in ${count}`;
}
