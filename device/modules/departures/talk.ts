/**
 * The stop display's talking button, as the departures module runs it: with a button among the
 * agent's drivers, a press reads the screen the module planned (what the glass shows: a board, the
 * offline timetable with its notice, an empty screen; before the first plan, NO_SCREEN_TEXT) aloud
 * through device/speech (speechText → Speaker → espeak-ng), to the configured audio
 * (`hardware.audio`, protocols/config/hardware.ts): a sound card through aplay, or a WAV file
 * replaced whole at each reading (the simulated town).
 *
 * Talking is a passenger's extra, never a condition of the display: a button that cannot be
 * started, espeak-ng missing or failing, a sound card gone — each is counted (TalkStats, carried
 * with the display's counts in the heartbeat) and logged once per spell of failures (again when a
 * reading succeeds after it), and never reaches the module's status or the glass.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AudioHardware, Logger } from '../../../protocols/index.js';
import type { PushButton } from '../../../hardware/button/button.js';
import type { DisplayStats } from '../../module.js';
import { Speaker, type SpeakerOptions, type SpeechOutput } from '../../speech/speaker.js';
import { startTalkingButton, type TalkingButton } from '../../speech/talking-button.js';
import type { Screen } from './screen.js';

/** The talking button's counts since the module started (the heartbeat's `display.talk`). */
export type TalkStats = NonNullable<DisplayStats['talk']>;

export interface TalkOptions {
  button: PushButton;
  /** Where the speech goes (ALSA's default device through aplay when not configured). */
  audio: AudioHardware | undefined;
  /** What the display shows now, or null before its first plan. */
  screen: () => Screen | null;
  log: Logger;
  /** The counts changed (after each press, once its reading has ended; a button that did not start). */
  onStats: (stats: TalkStats) => void;
}

export interface Talk {
  stats(): TalkStats;
  /** Settles once the press being handled (if any) has been read and counted: for tests and a clean stop. */
  idle(): Promise<void>;
  /** Cuts short a reading under way and stops the button. Never rejects. */
  stop(): Promise<void>;
}

/** Where espeak-ng's speech goes for an audio config. Pure. */
export function speechOutput(audio: AudioHardware | undefined): SpeechOutput {
  if (audio?.kind === 'wav') return { kind: 'wav', file: audio.file };
  return { kind: 'pipe', command: ['aplay', '-q', ...(audio?.device ? ['-D', audio.device] : [])] };
}

/** The Speaker's options for an audio config. Pure. */
export function speakerOptions(audio: AudioHardware | undefined): SpeakerOptions {
  return {
    output: speechOutput(audio),
    ...(audio?.wordsPerMinute !== undefined ? { wordsPerMinute: audio.wordsPerMinute } : {}),
    ...(audio?.amplitude !== undefined ? { amplitude: audio.amplitude } : {}),
    ...(audio?.espeak !== undefined ? { espeak: audio.espeak } : {}),
  };
}

function audioName(audio: AudioHardware | undefined): string {
  return audio?.kind === 'wav' ? `wav ${audio.file}` : `alsa ${audio?.device ?? 'default'}`;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Starts the talking button in the background (start does not wait for the line): failures are counted, never thrown. */
export function startTalk(o: TalkOptions): Talk {
  let stopped = false;
  let talking: TalkingButton | null = null;
  let unsubscribe = () => {};
  let startFailure: string | null = null;
  /** Whether the last outcome was a failure: only the first of a spell is logged. */
  let failing = false;
  let seen = { spoken: 0, failures: 0 };
  let handled: Promise<void> = Promise.resolve();

  const stats = (): TalkStats => {
    const s = talking?.stats() ?? { presses: 0, read: 0, ignored: 0, failed: 0 };
    const lastError = s.lastError ?? startFailure ?? undefined;
    return {
      presses: s.presses,
      spoken: s.read,
      ignored: s.ignored,
      failures: s.failed + (startFailure ? 1 : 0),
      ...(lastError !== undefined ? { lastError: lastError.slice(0, 500) } : {}),
    };
  };

  const report = () => {
    const s = stats();
    if (s.failures > seen.failures && !failing) {
      failing = true;
      o.log.warn('talking button: cannot read the departures aloud (the display goes on; further failures only counted)', { error: s.lastError, audio: audioName(o.audio) });
    } else if (s.spoken > seen.spoken && failing && s.failures === seen.failures) {
      failing = false;
      o.log.info('talking button: reading aloud again');
    }
    seen = { spoken: s.spoken, failures: s.failures };
    try {
      o.onStats(s);
    } catch (err) {
      o.log.error('talking button: its counts could not be reported', { error: message(err) });
    }
  };

  const started = (async () => {
    const speaker = new Speaker(speakerOptions(o.audio));
    // A WAV's directory is made here; if it cannot be, the first reading fails naming the file.
    if (o.audio?.kind === 'wav') await fs.mkdir(path.dirname(o.audio.file), { recursive: true }).catch(() => undefined);
    const t = await startTalkingButton({ button: o.button, speaker, screen: o.screen });
    if (stopped) {
      await t.stop();
      return;
    }
    talking = t;
    unsubscribe = o.button.onPress(() => {
      // After the talking button's own listener (subscribed first): its reading is under way now.
      handled = handled.then(() => t.idle()).then(report, report);
    });
    o.log.info('talking button ready', { audio: audioName(o.audio) });
  })().catch((err) => {
    startFailure = `the talking button could not be started: ${message(err)}`;
    report();
  });

  return {
    stats,
    idle: async () => {
      await started;
      await handled;
    },
    async stop() {
      stopped = true;
      await started;
      unsubscribe();
      await talking?.stop().catch(() => undefined);
      await handled;
    },
  };
}
