/**
 * Speaks text aloud with espeak-ng (github.com/espeak-ng/espeak-ng; Slovenian voice `-v sl`), one
 * utterance at a time:
 *
 *   device  espeak-ng plays to the default audio device itself (its pcaudiolib output)
 *   pipe    `espeak-ng --stdout | <player>`: a Pi's audio out through ALSA, e.g.
 *           `['aplay', '-q', '-D', 'plughw:CARD=Headphones']`, when espeak-ng's own output is not
 *           built in or the card is not the default
 *   wav     `espeak-ng -w`: a WAV file (the simulated town; tests), written beside it and renamed
 *           over it when complete, so a reader never sees half an utterance
 *
 * The text goes to espeak-ng's stdin as UTF-8 (`-b 1 --stdin`: č, š, ž as they are; no text is ever
 * an argument, so none can be taken for an option). Every utterance has a timeout (from its
 * length); past it the processes are killed. Utterances never overlap: `speak` while one is under
 * way is refused with a `busy` SpeechError. Every failure is a SpeechError with a code, counted in
 * stats(); a missing program is named (`espeak-ng is not installed …`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../protocols/index.js';

export type SpeechOutput = { kind: 'device' } | { kind: 'wav'; file: string } | { kind: 'pipe'; command: readonly string[] };

export interface SpeakerOptions {
  output: SpeechOutput;
  /** espeak-ng's voice (default `sl`, Slovenian). */
  voice?: string;
  /**
   * Speed in words a minute (default 140, below espeak-ng's 175: a stop is noisy, a listener may
   * be old or not a native speaker, and a departure missed cannot be read again from the glass).
   */
  wordsPerMinute?: number;
  /** Pitch 0–99 (espeak-ng's default 50). */
  pitch?: number;
  /** Volume 0–200 (espeak-ng's default 100). */
  amplitude?: number;
  /** The espeak-ng program (default `espeak-ng` on PATH). */
  espeak?: string;
  /** Longest an utterance may take, ms (default: 5 s + 150 ms a character, about twice its speech). */
  timeoutMs?: number;
  log?: Logger;
}

export type SpeechErrorCode = 'busy' | 'empty' | 'missing' | 'timeout' | 'failed' | 'cancelled';

export class SpeechError extends Error {
  constructor(
    readonly code: SpeechErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpeechError';
  }
}

export interface Utterance {
  text: string;
  /** How long it took, ms (the speech itself when played). */
  ms: number;
  /** The WAV written, for `wav` output. */
  file?: string;
}

export interface SpeakerStats {
  speaking: boolean;
  spoken: number;
  /** Refusals and failures by code. */
  errors: Partial<Record<SpeechErrorCode, number>>;
  lastError?: string;
}

export const DEFAULT_WORDS_PER_MINUTE = 140;
const STDERR_KEPT = 2000;

interface Running {
  children: ChildProcess[];
  cancel: (err: SpeechError) => void;
}

export class Speaker {
  readonly #o: SpeakerOptions;
  #current: Running | null = null;
  #spoken = 0;
  #errors: Partial<Record<SpeechErrorCode, number>> = {};
  #lastError: string | undefined;
  #seq = 0;

  constructor(options: SpeakerOptions) {
    const o = options;
    const check = (name: string, value: number | undefined, min: number, max: number) => {
      if (value !== undefined && (!Number.isFinite(value) || value < min || value > max)) throw new RangeError(`speaker: ${name} must be ${min}…${max}, not ${value}`);
    };
    check('wordsPerMinute', o.wordsPerMinute, 80, 450);
    check('pitch', o.pitch, 0, 99);
    check('amplitude', o.amplitude, 0, 200);
    check('timeoutMs', o.timeoutMs, 1, 3_600_000);
    if (o.output.kind === 'wav' && (typeof o.output.file !== 'string' || o.output.file === '')) throw new RangeError('speaker: wav output needs a file');
    if (o.output.kind === 'pipe' && (o.output.command.length === 0 || !o.output.command[0])) throw new RangeError('speaker: pipe output needs a player command');
    this.#o = { ...o };
  }

  get speaking(): boolean {
    return this.#current !== null;
  }

  stats(): SpeakerStats {
    const stats: SpeakerStats = { speaking: this.speaking, spoken: this.#spoken, errors: { ...this.#errors } };
    if (this.#lastError !== undefined) stats.lastError = this.#lastError;
    return stats;
  }

  /** Says `text`; resolves when it has been said (or written). Rejects with a SpeechError, counted. */
  async speak(text: string): Promise<Utterance> {
    if (this.#current) throw this.#fail(new SpeechError('busy', 'already speaking: utterances never overlap'));
    const t = text.trim();
    if (t === '') throw this.#fail(new SpeechError('empty', 'nothing to say'));
    const started = performance.now();
    try {
      const file = await this.#run(t);
      this.#spoken++;
      const ms = Math.round(performance.now() - started);
      this.#o.log?.debug('spoken', { chars: t.length, ms, file });
      return file !== undefined ? { text: t, ms, file } : { text: t, ms };
    } catch (err) {
      throw this.#fail(err instanceof SpeechError ? err : new SpeechError('failed', err instanceof Error ? err.message : String(err)));
    }
  }

  /** Cuts short what is being said (it rejects with `cancelled`); resolves once the processes are gone. */
  async cancel(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    const exited = current.children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((resolve) => c.once('close', resolve)) : null));
    current.cancel(new SpeechError('cancelled', 'cut short'));
    await Promise.all(exited);
  }

  #args(): string[] {
    const o = this.#o;
    const args = ['-v', o.voice ?? 'sl', '-s', String(Math.round(o.wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE)), '-b', '1'];
    if (o.pitch !== undefined) args.push('-p', String(Math.round(o.pitch)));
    if (o.amplitude !== undefined) args.push('-a', String(Math.round(o.amplitude)));
    return args;
  }

  /** Runs espeak-ng (and the player); resolves with the WAV file for `wav` output. */
  #run(text: string): Promise<string | undefined> {
    const o = this.#o;
    const espeak = o.espeak ?? 'espeak-ng';
    const output = o.output;
    const args = this.#args();
    let temp: string | undefined;
    if (output.kind === 'wav') {
      temp = path.join(path.dirname(output.file), `.${path.basename(output.file)}.${process.pid}.${++this.#seq}.tmp`);
      args.push('-w', temp);
    } else if (output.kind === 'pipe') {
      args.push('--stdout');
    }
    args.push('--stdin');
    const timeoutMs = o.timeoutMs ?? 5000 + 150 * text.length;

    return new Promise<string | undefined>((resolve, reject) => {
      const children: ChildProcess[] = [];
      const stderr = new Map<ChildProcess, string>();
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (err: SpeechError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
        const open = children.filter((c) => c.exitCode === null && c.signalCode === null);
        // Free for the next utterance only once every process of this one is gone.
        void Promise.all(open.map((c) => new Promise((r) => c.once('close', r)))).then(() => {
          if (this.#current === running) this.#current = null;
          if (err) {
            if (temp) fs.rmSync(temp, { force: true });
            reject(err);
            return;
          }
          if (output.kind === 'wav' && temp) {
            try {
              fs.renameSync(temp, output.file);
            } catch (e) {
              fs.rmSync(temp, { force: true });
              reject(new SpeechError('failed', `cannot write ${output.file}: ${(e as Error).message}`));
              return;
            }
            resolve(output.file);
          } else {
            resolve(undefined);
          }
        });
      };
      const running: Running = { children, cancel: (err) => finish(err) };
      this.#current = running;

      const start = (command: string, argv: readonly string[], stdio: ('pipe' | 'ignore')[]) => {
        const child = spawn(command, argv, { stdio: stdio as ['pipe', 'pipe', 'pipe'] });
        children.push(child);
        stderr.set(child, '');
        child.stderr?.on('data', (chunk: Buffer) => stderr.set(child, (stderr.get(child)! + chunk.toString()).slice(-STDERR_KEPT)));
        child.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') {
            const hint = command === 'espeak-ng' ? ' (apt-get install espeak-ng)' : command === 'aplay' ? ' (apt-get install alsa-utils)' : '';
            finish(new SpeechError('missing', `${command} is not installed: no "${command}" on PATH${hint}`));
          } else {
            finish(new SpeechError('failed', `${command} could not be started: ${err.message}`));
          }
        });
        child.on('close', (code, signal) => {
          // espeak-ng playing to the audio device exits 0 when there is none, saying `error: …` on stderr.
          const deviceError = output.kind === 'device' && code === 0 ? /^error: .*$/m.exec(stderr.get(child) ?? '') : null;
          if (deviceError) {
            finish(new SpeechError('failed', `${command} could not play to the audio device: ${deviceError[0]} (no sound card, or not the default: use pipe output through aplay -D)`));
            return;
          }
          if (code === 0) {
            if (children.every((c) => c.exitCode === 0)) finish(null);
            return;
          }
          const said = (stderr.get(child) ?? '').trim().split('\n').slice(-3).join(' | ');
          finish(new SpeechError('failed', `${command} ${signal ? `was killed (${signal})` : `exited with ${code}`}${said ? `: ${said}` : ''}`));
        });
        return child;
      };

      const speaker = start(espeak, args, ['pipe', output.kind === 'pipe' ? 'pipe' : 'ignore', 'pipe']);
      if (output.kind === 'pipe') {
        const [command, ...argv] = output.command;
        const player = start(command!, argv, ['pipe', 'ignore', 'pipe']);
        speaker.stdout!.pipe(player.stdin!);
        player.stdin!.on('error', () => undefined); // the player gone: its own exit says why
      }
      speaker.stdin!.on('error', () => undefined); // espeak-ng gone: its own exit says why
      speaker.stdin!.end(text, 'utf8');
      timer = setTimeout(() => finish(new SpeechError('timeout', `${espeak} took longer than ${timeoutMs} ms: stopped`)), timeoutMs);
    });
  }

  #fail(err: SpeechError): SpeechError {
    this.#errors[err.code] = (this.#errors[err.code] ?? 0) + 1;
    this.#lastError = `${err.code}: ${err.message}`.slice(0, 500);
    if (err.code !== 'busy' && err.code !== 'cancelled') this.#o.log?.warn('speech failed', { code: err.code, error: err.message });
    return err;
  }
}
