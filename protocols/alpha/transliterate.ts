/**
 * Text for a sign whose character set is 7-bit ASCII (Alpha signs have no č, š, ž: REFERENCES.md):
 * Slovenian and the neighbours' letters to their plain forms, č→c, š→s, ž→z, ć→c, đ→dj (Đ→Dj, or
 * DJ inside an upper-case word), other accented letters to their base letter, anything else that
 * is not printable ASCII to `?`, and control characters, which the sign would read as commands
 * (0x10 calls a file, ESC starts a page), to spaces. Our own data stays UTF-8; only the wire is
 * transliterated. Pure.
 */

const FIXED: Record<string, string> = { č: 'c', š: 's', ž: 'z', ć: 'c', đ: 'dj', Č: 'C', Š: 'S', Ž: 'Z', Ć: 'C', ß: 'ss', Æ: 'AE', æ: 'ae', Ø: 'O', ø: 'o', Ł: 'L', ł: 'l', '–': '-', '—': '-', '‘': "'", '’': "'", '“': '"', '”': '"', '„': '"', '…': '...', '\u00a0': ' ' };

export interface Transliterated {
  /** Printable ASCII only. */
  text: string;
  /** Characters written another way (č→c counts one). */
  replaced: number;
  /** Characters with no plain form, shown as `?`, and control characters shown as spaces. */
  unknown: number;
}

const isUpper = (ch: string | undefined) => ch !== undefined && ch !== ch.toLowerCase() && ch === ch.toUpperCase();

/** `text` as the sign can show it (see the top of the file). */
export function transliterate(text: string): Transliterated {
  let out = '';
  let replaced = 0;
  let unknown = 0;
  const chars = [...text];
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) {
      out += ch;
      return;
    }
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      out += ' ';
      unknown++;
      return;
    }
    if (ch === 'Đ') {
      // "ĐURO" → "DJURO", "Đurđevac" → "Djurdjevac".
      out += isUpper(chars[i + 1]) || (chars[i + 1] === undefined && isUpper(chars[i - 1])) ? 'DJ' : 'Dj';
      replaced++;
      return;
    }
    const fixed = FIXED[ch];
    if (fixed !== undefined) {
      out += fixed;
      replaced++;
      return;
    }
    const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    if (base.length > 0 && [...base].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) <= 0x7e)) {
      out += base;
      replaced++;
      return;
    }
    out += '?';
    unknown++;
  });
  return { text: out, replaced, unknown };
}
