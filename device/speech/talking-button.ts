/**
 * The stop display's talking button: a press reads what the display shows now aloud (speechText
 * of the current Screen, through the Speaker). What a module wires in its start(), given its
 * button driver (`ctx.drivers.button`) and a speaker; the returned `stop()` goes in its stop().
 *
 * A press while the departures are being read is ignored (counted): they are being said already,
 * and a second reading queued behind would only repeat them to someone who pressed twice out of
 * impatience. A press with no screen yet says so (NO_SCREEN_TEXT) rather than nothing: whoever
 * pressed may not see the glass. The screen is read at the press, not when the reading ends.
 */
import type { Logger } from '../../protocols/index.js';
import type { PushButton } from '../../hardware/button/button.js';
import type { Screen } from '../modules/departures/screen.js';
import { SpeechError, type Speaker } from './speaker.js';
import { NO_SCREEN_TEXT, speechText, type SpeechTextOptions } from './text.js';

export interface TalkingButtonOptions {
  button: PushButton;
  speaker: Speaker;
  /** What the display shows now, or null before its first screen. */
  screen: () => Screen | null;
  log?: Logger;
  text?: SpeechTextOptions;
}

export interface TalkingButtonStats {
  presses: number;
  /** Readings finished. */
  read: number;
  /** Presses while a reading was under way. */
  ignored: number;
  /** Readings that failed (the speaker's stats say why). */
  failed: number;
  lastError?: string;
}

export interface TalkingButton {
  /** Stops listening, cuts short a reading under way and stops the button. Never rejects. */
  stop(): Promise<void>;
  stats(): TalkingButtonStats;
  /** Settles when the reading under way (if any) has ended: for tests and a clean shutdown. */
  idle(): Promise<void>;
}

/** Starts the button and reads the screen at every press. Rejects (holding nothing) when the button cannot be started. */
export async function startTalkingButton(options: TalkingButtonOptions): Promise<TalkingButton> {
  const { button, speaker, log } = options;
  const stats: TalkingButtonStats = { presses: 0, read: 0, ignored: 0, failed: 0 };
  let reading: Promise<void> | null = null;
  let stopped = false;

  const read = async (): Promise<void> => {
    let text: string;
    try {
      const screen = options.screen();
      text = screen ? speechText(screen, options.text) : NO_SCREEN_TEXT;
    } catch (err) {
      stats.failed++;
      stats.lastError = `the screen cannot be read aloud: ${describe(err)}`;
      log?.error('talking button: the screen cannot be read aloud', { error: describe(err) });
      return;
    }
    try {
      await speaker.speak(text);
      stats.read++;
    } catch (err) {
      if (err instanceof SpeechError && err.code === 'cancelled') return;
      stats.failed++;
      stats.lastError = describe(err);
      log?.warn('talking button: the departures could not be read aloud', { error: describe(err) });
    }
  };

  const unsubscribe = button.onPress(() => {
    if (stopped) return;
    stats.presses++;
    if (reading || speaker.speaking) {
      stats.ignored++;
      return;
    }
    reading = read().finally(() => {
      reading = null;
    });
  });

  try {
    await button.start();
  } catch (err) {
    unsubscribe();
    throw err;
  }
  log?.info('talking button ready');

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      await speaker.cancel().catch(() => undefined);
      await reading;
      await button.stop();
    },
    stats: () => ({ ...stats }),
    idle: async () => {
      await reading;
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
