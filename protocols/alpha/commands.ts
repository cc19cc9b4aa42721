/**
 * The Alpha commands a guidance sign needs, as command builders and decoders (pure): write TEXT (A)
 * holding a layout that calls STRING files, write STRING (G), memory configuration (special function
 * E `$`), brightness (special function E `/`), and the reads (B, F `$`, H) with their responses.
 *
 * Section numbers are those of AMS 9708-8061F.
 *
 * - Write TEXT `A` (§6.1.1): file label, then the text. `ESC position mode` starts a page (§6.1.1.1:
 *   position 0x20 middle line, 0x30 fill; mode `b` hold); 0x0D moves to the next line; `0x10 label`
 *   calls a STRING file (§6.1.1.2 "call string") whose contents are shown in its place.
 * - Write STRING `G` (§6.3.1): label, then the characters. Writing a STRING does not restart or
 *   blank the TEXT file that calls it: that is how counts change without a flash.
 * - Write SPECIAL FUNCTION `E`, `$` Set Memory Configuration (§6.2.5): for every file, label, type
 *   (`A` TEXT, `B` STRING, `D` DOTS), keyboard protection (`U` unlocked, `L` locked), size as four
 *   hex digits, then four characters: TEXT start/stop times (`FF00`: always), STRING `0000`.
 *   Every file but TEXT `0` must be configured before it is written; the configuration clears all
 *   files, and a sign that loses power may lose it (then it refuses writes to the files).
 * - Read commands `B` TEXT, `F` special function, `H` STRING (§6.1.2, §6.2.x, §6.3.2): the sign
 *   answers with a packet of type code `0`, address `00`, carrying the matching write command
 *   (`A`, `E`, `G`) and the data, so a response could be written back unchanged.
 * - Special function `/` Set Dimming Register: two hex digits of dimming mode (`00`: the level now)
 *   and two digits of level, `00` brightest … `04` dimmest (100, 86, 72, 58, 44 %).
 */
import { ascii, latin1, type AlphaCommand } from './frame.js';

export const ESC = 0x1b;
export const CR = 0x0d;
/** TEXT control: call STRING file (followed by its label). */
export const CALL_STRING = 0x10;

export type AlphaFileType = 'text' | 'string';
const TYPE_CODE: Record<AlphaFileType, string> = { text: 'A', string: 'B' };

/** One file of a memory configuration. */
export interface MemoryFile {
  label: string;
  type: AlphaFileType;
  /** Bytes the sign sets aside (STRING files: at most 125, §6.3). */
  size: number;
  /** Locked against the sign's IR keyboard (default false). */
  locked?: boolean;
}

/** Largest STRING file (§6.3: 125 characters). */
export const MAX_STRING_SIZE = 125;

/**
 * A file label (Appendix A): one printable character 0x20–0x75, not `?` (the wildcard) and not `0`
 * (the priority TEXT file, which needs no configuration and overrides everything).
 */
export function checkLabel(label: string): void {
  const c = label.length === 1 ? label.charCodeAt(0) : -1;
  if (c < 0x20 || c > 0x75 || label === '?' || label === '0') {
    throw new RangeError(`alpha file label must be one character 0x20–0x75 other than "?" and "0", not ${JSON.stringify(label)}`);
  }
}

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** Special function `$`: the memory configuration for `files` (§6.2.5). */
export function memoryConfigCommand(files: readonly MemoryFile[]): AlphaCommand {
  let data = '$';
  const seen = new Set<string>();
  for (const f of files) {
    checkLabel(f.label);
    if (seen.has(f.label)) throw new RangeError(`alpha memory configuration: label ${JSON.stringify(f.label)} twice`);
    seen.add(f.label);
    if (!Number.isInteger(f.size) || f.size < 1 || f.size > 0xffff) throw new RangeError(`alpha file ${f.label}: size ${f.size} is not 1–65535`);
    if (f.type === 'string' && f.size > MAX_STRING_SIZE) throw new RangeError(`alpha STRING file ${f.label}: size ${f.size} is over ${MAX_STRING_SIZE}`);
    data += f.label + TYPE_CODE[f.type] + (f.locked ? 'L' : 'U') + hex4(f.size) + (f.type === 'text' ? 'FF00' : '0000');
  }
  return { code: 'E', data: ascii(data) };
}

/** The files of a memory configuration's data (`$` + 11 characters a file), or a reason it is not one. */
export function parseMemoryConfig(data: Uint8Array): { files: MemoryFile[] } | { error: string } {
  const text = latin1(data);
  if (!text.startsWith('$')) return { error: 'memory configuration data does not start with "$"' };
  const body = text.slice(1);
  if (body.length % 11 !== 0) return { error: `memory configuration of ${body.length} characters is not whole 11-character entries` };
  const files: MemoryFile[] = [];
  for (let i = 0; i < body.length; i += 11) {
    const entry = body.slice(i, i + 11);
    const label = entry[0]!;
    const type = entry[1] === 'A' ? 'text' : entry[1] === 'B' ? 'string' : null;
    if (!type) return { error: `file ${JSON.stringify(label)}: type ${JSON.stringify(entry[1])} is not A (TEXT) or B (STRING)` };
    if (entry[2] !== 'U' && entry[2] !== 'L') return { error: `file ${JSON.stringify(label)}: protection ${JSON.stringify(entry[2])} is not U or L` };
    if (!/^[0-9A-F]{4}$/i.test(entry.slice(3, 7))) return { error: `file ${JSON.stringify(label)}: size ${JSON.stringify(entry.slice(3, 7))} is not four hex digits` };
    const size = parseInt(entry.slice(3, 7), 16);
    files.push({ label, type, size, ...(entry[2] === 'L' ? { locked: true } : {}) });
  }
  return { files };
}

/** Whether two memory configurations name the same files with the same types and sizes (in any order). */
export function sameMemoryConfig(a: readonly MemoryFile[], b: readonly MemoryFile[]): boolean {
  if (a.length !== b.length) return false;
  const key = (f: MemoryFile) => `${f.label}|${f.type}|${f.size}|${f.locked ? 1 : 0}`;
  const keys = new Set(a.map(key));
  return b.every((f) => keys.has(key(f)));
}

export type DisplayMode = 'hold' | 'rotate' | 'flash';
const MODE_CODE: Record<DisplayMode, string> = { rotate: 'a', hold: 'b', flash: 'c' };

/**
 * TEXT data that shows STRING files one a line: `ESC position mode`, then each row's
 * `0x10 label`, rows apart by CR. One row: middle line; more: fill (every line of the sign).
 */
export function layoutText(rowLabels: readonly string[], mode: DisplayMode = 'hold'): Uint8Array {
  if (rowLabels.length === 0) throw new RangeError('alpha layout: no rows');
  const bytes: number[] = [ESC, rowLabels.length === 1 ? 0x20 : 0x30, MODE_CODE[mode].charCodeAt(0)];
  rowLabels.forEach((label, i) => {
    checkLabel(label);
    if (i > 0) bytes.push(CR);
    bytes.push(CALL_STRING, label.charCodeAt(0));
  });
  return Uint8Array.from(bytes);
}

/** Write TEXT file `label` with `text` (bytes: layoutText, or characters already fit for the sign). */
export function writeTextCommand(label: string, text: Uint8Array): AlphaCommand {
  checkLabel(label);
  return { code: 'A', data: Uint8Array.from([label.charCodeAt(0), ...text]) };
}

/** Write STRING file `label` with `text` (printable ASCII only: transliterate.ts makes it so). */
export function writeStringCommand(label: string, text: string): AlphaCommand {
  checkLabel(label);
  const bytes = ascii(text);
  const bad = bytes.findIndex((b) => b < 0x20 || b > 0x7e);
  if (bad >= 0) throw new RangeError(`alpha STRING ${label}: byte 0x${bytes[bad]!.toString(16)} at ${bad} is not printable ASCII`);
  if (bytes.length > MAX_STRING_SIZE) throw new RangeError(`alpha STRING ${label}: ${bytes.length} characters, at most ${MAX_STRING_SIZE}`);
  return { code: 'G', data: Uint8Array.from([label.charCodeAt(0), ...bytes]) };
}

/** Brightness levels the dimming register takes, brightest first, percent. */
export const BRIGHTNESS_LEVELS = [100, 86, 72, 58, 44] as const;

/** The level index nearest `percent` (0–100). */
export function brightnessLevel(percent: number): number {
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`brightness must be 0–100 %, not ${percent}`);
  let best = 0;
  BRIGHTNESS_LEVELS.forEach((p, i) => {
    if (Math.abs(p - percent) < Math.abs(BRIGHTNESS_LEVELS[best]! - percent)) best = i;
  });
  return best;
}

/** Special function `/`: the dimming register at level index 0 (brightest) … 4. */
export function brightnessCommand(level: number): AlphaCommand {
  if (!Number.isInteger(level) || level < 0 || level >= BRIGHTNESS_LEVELS.length) throw new RangeError(`brightness level must be 0–4, not ${level}`);
  return { code: 'E', data: ascii(`/00${level.toString().padStart(2, '0')}`) };
}

/** The level of a dimming register command's data, or null when it is not one. */
export function parseBrightness(data: Uint8Array): number | null {
  const m = /^\/[0-9A-F]{2}(0[0-4])$/.exec(latin1(data));
  return m ? Number(m[1]) : null;
}

export const readMemoryConfigCommand = (): AlphaCommand => ({ code: 'F', data: ascii('$') });
export const readStringCommand = (label: string): AlphaCommand => (checkLabel(label), { code: 'H', data: ascii(label) });
export const readTextCommand = (label: string): AlphaCommand => (checkLabel(label), { code: 'B', data: ascii(label) });

/** A read's answer, decoded from the command a sign sends back. */
export type AlphaResponse =
  | { kind: 'memory'; files: MemoryFile[] }
  | { kind: 'string'; label: string; text: string }
  | { kind: 'text'; label: string; data: Uint8Array };

/** What a response command says, or a reason it cannot be read. Other special functions: null. */
export function parseResponse(command: AlphaCommand): AlphaResponse | { error: string } | null {
  const { code, data } = command;
  if (code === 'E' && data[0] === 0x24) {
    const parsed = parseMemoryConfig(data);
    return 'error' in parsed ? parsed : { kind: 'memory', files: parsed.files };
  }
  if ((code === 'G' || code === 'A') && data.length === 0) return { error: `response ${code} without a file label` };
  if (code === 'G') return { kind: 'string', label: String.fromCharCode(data[0]!), text: latin1(data.subarray(1)) };
  if (code === 'A') return { kind: 'text', label: String.fromCharCode(data[0]!), data: data.slice(1) };
  return null;
}
