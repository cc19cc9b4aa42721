/**
 * Measuring spoken WAVs with sox, for the speech tests: the length, the loudness, the words said.
 */
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';

/** Whether `command` runs here (espeak-ng, sox). */
export const has = (command: string, args: string[]) => !spawnSync(command, args, { stdio: 'ignore' }).error;

/** A WAV's length in seconds (`sox --i -D`). */
export function duration(file: string): number {
  const out = spawnSync('sox', ['--i', '-D', file], { encoding: 'utf8' });
  assert.is(out.status, 0, out.stderr);
  return Number(out.stdout.trim());
}

/** A WAV's RMS amplitude, 0…1 (`sox file -n stat`, which reports on stderr). */
export function rms(file: string): number {
  const out = spawnSync('sox', [file, '-n', 'stat'], { encoding: 'utf8' });
  const m = /RMS\s+amplitude:\s+([\d.]+)/.exec(out.stderr);
  assert.ok(m, `sox stat said: ${out.stderr}`);
  return Number(m![1]);
}

/** The words of a text (tokens with a letter). */
export const words = (text: string) => text.split(/\s+/).filter((w) => /\p{L}/u.test(w)).length;
