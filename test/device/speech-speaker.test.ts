/**
 * Speaking with the real espeak-ng: a screen read to a WAV and measured with sox (its length for
 * the words said, and that it is not silence), through a player on a pipe, refusals (overlap,
 * nothing to say), failures (espeak-ng missing, a voice it has not, a file it cannot write, the
 * timeout, no sound card) and a reading cut short; then the talking button: a simulated button's
 * presses read the screen aloud, a press while reading is ignored.
 *
 * Skipped, with the reason printed, where espeak-ng or sox is not installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BoardScreen, Screen } from '../../device/modules/departures/screen.js';
import { Speaker, SpeechError } from '../../device/speech/speaker.js';
import { startTalkingButton } from '../../device/speech/talking-button.js';
import { NO_SCREEN_TEXT, speechText } from '../../device/speech/text.js';
import { createButton } from '../../hardware/button/button.js';
import { ManualTime } from '../../hardware/common/time.js';
import { tmpDir, waitFor } from '../helpers.js';

import { duration, has, rms, words } from './wav.js';

const SCREEN: BoardScreen = {
  kind: 'board',
  stop: 'Šalek',
  clock: '14:03',
  updated: 'Posodobljeno 14:02',
  banner: null,
  notice: null,
  rows: [
    { line: 'rumena', destination: 'Center', time: '3 min', scheduled: false, load: 'full' },
    { line: 'rdeča', destination: 'Konovo', time: '14:05', scheduled: true },
    { line: 'modra', destination: 'Gorica', time: '21 min', scheduled: false },
  ],
};

/**
 * Calibrated on espeak-ng 1.51, `-v sl -s 140`: the screens here took 0.64–0.67 s a word
 * (Slovenian words are long, and each sentence ends in a pause), a lone word about 1 s. The bounds
 * leave room for other espeak-ng versions and catch a truncated or runaway file.
 */
const SECONDS_PER_WORD = { min: 0.4, max: 0.95 };
/** Speech measured about 0.1 RMS; digital silence is 0, hiss from a bad pipe a few thousandths. */
const MIN_SPEECH_RMS = 0.03;

if (!has('espeak-ng', ['--version']) || !has('sox', ['--version'])) {
  console.log('speech-speaker: skipped: espeak-ng or sox is not installed (apt-get install espeak-ng sox)');
} else {
  const speaker = suite('Speaker: espeak-ng to a WAV, measured with sox');
  let dir = '';
  speaker.before.each(() => {
    dir = tmpDir('tabla-speech-');
  });
  speaker.after.each(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  speaker('a board read to a WAV holds speech of a plausible length for its words, and is not silence', async () => {
    const file = path.join(dir, 'talk.wav');
    const s = new Speaker({ output: { kind: 'wav', file } });
    const text = speechText(SCREEN);
    const said = await s.speak(text);
    assert.is(said.file, file);
    const seconds = duration(file);
    const perWord = seconds / words(text);
    assert.ok(perWord >= SECONDS_PER_WORD.min && perWord <= SECONDS_PER_WORD.max, `${seconds} s for ${words(text)} words: ${perWord.toFixed(2)} s a word`);
    assert.ok(rms(file) >= MIN_SPEECH_RMS, `RMS ${rms(file)}: silence?`);
    assert.equal(fs.readdirSync(dir), ['talk.wav'], 'a temp file left behind');

    // Half the screen is about half as long; twice the speed, clearly shorter.
    const short = speechText({ ...SCREEN, rows: SCREEN.rows.slice(0, 1) });
    await s.speak(short);
    const ratio = duration(file) / seconds;
    assert.ok(ratio > 0.2 && ratio < 0.6, `the short text took ${ratio.toFixed(2)} of the long one`);
    const fast = new Speaker({ output: { kind: 'wav', file }, wordsPerMinute: 280 });
    await fast.speak(text);
    const speedup = duration(file) / seconds;
    assert.ok(speedup > 0.35 && speedup < 0.8, `twice the speed took ${speedup.toFixed(2)} of the time`);
    assert.equal(s.stats(), { speaking: false, spoken: 2, errors: {} });
  });

  speaker('through a player on a pipe (espeak-ng --stdout | player): sox standing in for aplay', async () => {
    const file = path.join(dir, 'played.wav');
    const s = new Speaker({ output: { kind: 'pipe', command: ['sox', '-q', '-t', 'wav', '-', file] } });
    await s.speak('Linija zelena, smer Selo, zdaj.');
    assert.ok(duration(file) > 1, `${duration(file)} s`);
    assert.ok(rms(file) >= MIN_SPEECH_RMS);
  });

  speaker('never two at once: a second speak() while speaking is refused (busy), counted; the next after it works', async () => {
    const file = path.join(dir, 'talk.wav');
    const s = new Speaker({ output: { kind: 'wav', file } });
    const first = s.speak(speechText(SCREEN));
    assert.is(s.speaking, true);
    await s.speak('Zdaj.').then(
      () => assert.unreachable('overlapped'),
      (err) => {
        assert.instance(err, SpeechError);
        assert.is(err.code, 'busy');
      },
    );
    await first;
    assert.is(s.speaking, false);
    await s.speak('Zdaj.');
    await s.speak('   ').catch((err) => assert.is(err.code, 'empty'));
    assert.equal(s.stats().errors, { busy: 1, empty: 1 });
    assert.is(s.stats().spoken, 2);
  });

  speaker('espeak-ng missing, a player missing: a clear error naming the program, counted; nothing left behind', async () => {
    const file = path.join(dir, 'talk.wav');
    const s = new Speaker({ output: { kind: 'wav', file }, espeak: path.join(dir, 'espeak-ng') });
    await s.speak('Zdaj.').then(
      () => assert.unreachable('spoke'),
      (err) => {
        assert.is(err.code, 'missing');
        assert.match(err.message, /espeak-ng is not installed: no ".*espeak-ng" on PATH/);
      },
    );
    await s.speak('Zdaj.').catch(() => undefined);
    assert.equal(s.stats().errors, { missing: 2 });
    assert.match(s.stats().lastError ?? '', /^missing: /);
    assert.is(s.speaking, false);
    assert.equal(fs.readdirSync(dir), []);
    const noPlayer = new Speaker({ output: { kind: 'pipe', command: ['tabla-no-such-player', '-q'] } });
    await noPlayer.speak('Zdaj.').then(
      () => assert.unreachable('spoke'),
      (err) => assert.match(err.message, /tabla-no-such-player is not installed/),
    );
  });

  speaker('a voice espeak-ng has not, a file it cannot write: failed, with what it said', async () => {
    const bad = new Speaker({ output: { kind: 'wav', file: path.join(dir, 'x.wav') }, voice: 'xx-none' });
    await bad.speak('Zdaj.').then(
      () => assert.unreachable('spoke'),
      (err) => {
        assert.is(err.code, 'failed');
        assert.match(err.message, /espeak-ng exited with 1: .*voice does not exist/);
      },
    );
    const nowhere = path.join(dir, 'missing-dir', 'x.wav');
    const s = new Speaker({ output: { kind: 'wav', file: nowhere } });
    await s.speak('Zdaj.').then(
      () => assert.unreachable('spoke'),
      (err) => assert.match(err.message, /cannot write .*missing-dir\/x\.wav/),
    );
  });

  speaker('an utterance past its timeout is killed: timeout, no file, no temp file; cancel() cuts one short', async () => {
    const file = path.join(dir, 'talk.wav');
    const long = speechText(SCREEN).repeat(20);
    // Twenty boards are some 400 s of speech: espeak-ng renders that in about a second, past 300 ms.
    // Through a pipe, both processes are killed.
    const slow = new Speaker({ output: { kind: 'pipe', command: ['sox', '-q', '-t', 'wav', '-', '-t', 'wav', file] }, timeoutMs: 300 });
    const from = performance.now();
    const timedOut = await slow.speak(long).catch((err: SpeechError) => err);
    assert.instance(timedOut, SpeechError);
    assert.is((timedOut as SpeechError).code, 'timeout', (timedOut as Error).message);
    assert.ok(performance.now() - from < 3000);
    assert.is(slow.speaking, false);

    const wav = new Speaker({ output: { kind: 'wav', file }, timeoutMs: 1 });
    const err = await wav.speak(long).catch((e: SpeechError) => e);
    assert.is((err as SpeechError).code, 'timeout');
    assert.not.ok(fs.readdirSync(dir).some((f) => f.endsWith('.tmp')), 'a temp file left behind');

    const cut = new Speaker({ output: { kind: 'wav', file: path.join(dir, 'cut.wav') } });
    const reading = cut.speak(long).catch((e: SpeechError) => e);
    await cut.cancel();
    assert.is(((await reading) as SpeechError).code, 'cancelled');
    assert.is(cut.speaking, false);
    assert.not.ok(fs.existsSync(path.join(dir, 'cut.wav')));
  });

  const noSoundCard = !fs.existsSync('/proc/asound/cards') || /no soundcards/.test(fs.readFileSync('/proc/asound/cards', 'utf8'));
  if (noSoundCard) {
    speaker('to the audio device on a machine without one: failed, saying so (espeak-ng itself exits 0)', async () => {
      const s = new Speaker({ output: { kind: 'device' } });
      await s.speak('Zdaj.').then(
        () => assert.unreachable('spoke'),
        (err) => assert.match(err.message, /could not play to the audio device: error: /),
      );
    });
  }

  speaker('bad options are RangeErrors', () => {
    assert.throws(() => new Speaker({ output: { kind: 'wav', file: '' } }), /wav output needs a file/);
    assert.throws(() => new Speaker({ output: { kind: 'pipe', command: [] } }), /player command/);
    assert.throws(() => new Speaker({ output: { kind: 'device' }, wordsPerMinute: 5 }), /wordsPerMinute must be 80…450/);
  });

  speaker.run();

  // -------------------------------------------------------------------------------------------

  const talking = suite('talking button: a press reads the screen aloud');

  talking('a press reads the screen to the WAV; a press while reading is ignored; no screen yet is said so; stop() stops it all', async () => {
    const dir = tmpDir('tabla-talk-');
    const file = path.join(dir, 'talk.wav');
    const time = new ManualTime();
    const button = createButton({ kind: 'simulated' }, { clock: time, timers: time });
    const speaker = new Speaker({ output: { kind: 'wav', file } });
    let screen: Screen | null = null;
    const talk = await startTalkingButton({ button, speaker, screen: () => screen });
    try {
      assert.is(button.health().status, 'ok');
      button.press();
      time.advance(500);
      assert.is(speaker.speaking, true);
      await talk.idle();
      const nothing = duration(file);
      assert.ok(nothing > 1 && nothing < words(NO_SCREEN_TEXT) * SECONDS_PER_WORD.max, `${nothing} s`);

      screen = SCREEN;
      button.press();
      time.advance(500);
      button.press(); // impatient
      time.advance(500);
      await talk.idle();
      const board = duration(file);
      assert.ok(board > nothing * 3, `the board took ${board} s, the no-data sentence ${nothing} s`);
      assert.ok(rms(file) >= MIN_SPEECH_RMS);
      assert.equal(talk.stats(), { presses: 3, read: 2, ignored: 1, failed: 0 });

      // A reading cut short by stop(): the button is released too.
      button.press();
      time.advance(500);
      assert.is(speaker.speaking, true);
      await talk.stop();
      assert.is(speaker.speaking, false);
      assert.is(button.health().status, 'stopped');
      assert.is(talk.stats().failed, 0);
      assert.is(time.pending(), 0);
    } finally {
      await talk.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  talking('a speaker that fails or a screen that cannot be said is counted and the button keeps working', async () => {
    const time = new ManualTime();
    const button = createButton({ kind: 'simulated' }, { clock: time, timers: time });
    const speaker = new Speaker({ output: { kind: 'wav', file: path.join(tmpDir('tabla-talk-'), 'x.wav') }, espeak: 'tabla-no-such-espeak' });
    let broken = true;
    const talk = await startTalkingButton({
      button,
      speaker,
      screen: () => {
        if (broken) throw new Error('no plan');
        return SCREEN;
      },
    });
    button.press();
    time.advance(500);
    await talk.idle();
    broken = false;
    button.press();
    time.advance(500);
    await waitFor('the failed reading', () => talk.stats().failed === 2, 3000);
    assert.match(talk.stats().lastError ?? '', /tabla-no-such-espeak is not installed/);
    assert.is(talk.stats().presses, 2);
    await talk.stop();
  });

  talking('a button that cannot start: startTalkingButton rejects and listens to nothing', async () => {
    const button = createButton({ kind: 'simulated', presses: '/nonexistent/presses.jsonl' });
    const speaker = new Speaker({ output: { kind: 'device' } });
    await startTalkingButton({ button, speaker, screen: () => null }).then(
      () => assert.unreachable('started'),
      (err) => assert.match(String(err), /cannot read the press timeline/),
    );
    assert.is(button.health().status, 'stopped');
  });

  talking.run();
}
