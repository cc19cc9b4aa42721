/**
 * The stop display's talking button end to end: a real fleet on loopback, a real agent whose
 * config file names a simulated e-paper panel and WAV audio (a path relative to the file), the
 * departures module and a simulated button pressed by the test. Each reading is measured with sox
 * against the words speechText gives for the screen the module planned at the press, and against
 * the same text spoken straight to another WAV (espeak-ng is deterministic). A broken espeak-ng
 * leaves the display as it was, counted and logged once; without a button nothing talks.
 *
 * Skipped, with the reason printed, where espeak-ng or sox is not installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { Agent } from '../../device/agent.js';
import type { ModuleDrivers } from '../../device/module.js';
import { loadAgentConfig } from '../../device/config.js';
import { departures, type DeparturesModule } from '../../device/modules/departures/index.js';
import { speakerOptions } from '../../device/modules/departures/talk.js';
import { TEXT } from '../../device/modules/departures/wording.js';
import { renderScreen } from '../../device/render/index.js';
import { Speaker } from '../../device/speech/speaker.js';
import { speechText } from '../../device/speech/text.js';
import { SimulatedButton } from '../../hardware/button/simulated.js';
import { SimulatedEpaper } from '../../hardware/epaper/simulated.js';
import type { AgentConfig, ArrivalBoard, StopTimetable } from '../../protocols/index.js';
import { AudioHardware, Content, createLogger, encode, topic } from '../../protocols/index.js';
import { fleetClient, provision, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';

import { duration, has, rms, words } from './wav.js';

/** As test/device/speech-speaker.test.ts calibrated them on espeak-ng 1.51 (`-v sl -s 140`). */
const SECONDS_PER_WORD = { min: 0.4, max: 0.95 };
const MIN_SPEECH_RMS = 0.03;

const at = (hhmm: string) => Date.parse(`2026-03-03T${hhmm}:00+01:00`);
const iso = (hhmm: string) => `2026-03-03T${hhmm}:00+01:00`;

const BOARD: ArrivalBoard = {
  stop: 'Avtobusno postajališče Velenje',
  generatedAt: iso('14:02'),
  departures: [
    { line: 'rumena', colour: '#f5c400', destination: 'Center', departsAt: iso('14:05'), realtime: true, load: 'seats' },
    { line: 'rdeča', destination: 'Konovo', departsAt: iso('14:12'), realtime: false },
    { line: 'modra', destination: 'Gorica', departsAt: iso('14:20'), realtime: true, load: 'full' },
  ],
};

const TIMETABLE: StopTimetable = {
  stopId: 'ap',
  stop: 'Avtobusno postajališče Velenje',
  timeZone: 'Europe/Ljubljana',
  generatedAt: iso('04:00'),
  lines: [{ name: 'rumena' }, { name: 'rdeča' }],
  destinations: ['Center', 'Konovo'],
  days: [
    {
      date: '2026-03-03',
      served: true,
      departures: [
        [at('14:12') / 1000, 1, 1],
        [at('14:34') / 1000, 0, 0],
      ],
    },
  ],
};

/** The agent's config as a technician writes it: a file, its hardware paths relative to it. */
function configFile(config: AgentConfig, hardware: Record<string, unknown>): { file: string; dir: string } {
  const dir = tmpDir('tabla-talk-config-');
  const file = path.join(dir, 'agent.json');
  fs.writeFileSync(file, JSON.stringify({ ...config, hardware }, null, 2));
  return { file, dir };
}

/** A stop display agent from a config file, with the drivers the test holds (a button it presses). */
function stopDisplay(file: string, module: DeparturesModule, drivers: Partial<ModuleDrivers>, log = quiet): Agent {
  return new Agent({ config: loadAgentConfig(file), log, modules: [module], drivers });
}

/**
 * A firm press: the debounce runs on the timers of an event loop busy drawing frames. A WAV is
 * written faster than it is spoken, so the test waits for the release before pressing again.
 */
const HOLD_MS = 300;

const talkOf = (agent: Agent) => agent.state().modules!.departures!.display?.talk;

if (!has('espeak-ng', ['--version']) || !has('sox', ['--version'])) {
  console.log('departures-talk: skipped: espeak-ng or sox is not installed (apt-get install espeak-ng sox)');
} else {
  test('a press reads what the display shows into the WAV: the no-data screen, the board, the offline timetable; counted in the heartbeat; stopped with the module', async () => {
    const fleet = await startFleet();
    const { file, dir } = configFile(provision(fleet, 'stop-t1', 'stop-display'), {
      epaper: { kind: 'simulated', speed: 400 },
      audio: { kind: 'wav', file: 'sound/talk.wav' },
    });
    const wav = path.join(dir, 'sound', 'talk.wav');
    const reference = path.join(tmpDir('tabla-talk-ref-'), 'ref.wav');
    const button = new SimulatedButton();
    let now = at('14:03');
    const module = departures({ now: () => now });
    const agent = stopDisplay(file, module, { button });

    /** Presses, waits for the reading, and checks the WAV holds the text of the screen planned at the press. */
    const pressAndHear = async (what: string) => {
      const text = speechText(module.plan()!.screen);
      const before = talkOf(agent)?.spoken ?? 0;
      const inode = fs.existsSync(wav) ? fs.statSync(wav).ino : null;
      await waitFor('the button released', () => !button.pressed);
      button.press(HOLD_MS);
      await waitFor(`${what} read aloud`, () => (talkOf(agent)?.spoken ?? 0) === before + 1, 20_000);
      assert.ok(fs.statSync(wav).ino !== inode, 'the WAV is a new file (renamed over the old one)');
      assert.equal(fs.readdirSync(path.dirname(wav)), ['talk.wav'], 'no temp file left behind');
      const seconds = duration(wav);
      const perWord = seconds / words(text);
      assert.ok(perWord >= SECONDS_PER_WORD.min && perWord <= SECONDS_PER_WORD.max, `${what}: ${seconds} s for ${words(text)} words (${text})`);
      assert.ok(rms(wav) >= MIN_SPEECH_RMS, `${what}: RMS ${rms(wav)}: silence?`);
      // The same words spoken straight by espeak-ng with the same options: the same length.
      await new Speaker(speakerOptions({ kind: 'wav', file: reference })).speak(text);
      assert.ok(Math.abs(duration(reference) - seconds) < 0.05, `${what}: ${seconds} s, the text itself ${duration(reference)} s`);
      return { text, seconds };
    };

    let opened: MqttClient | null = null;
    try {
      const fc = (opened = await fleetClient(fleet));
      const send = (kind: string, body: unknown) => fc.publishAsync(topic.content('stop-t1'), encode(Content, { v: 1, ts: Date.now(), kind, body }), { qos: 1 });
      await agent.start();
      await waitFor('agent ready', () => agent.link.fleetOnline);
      await waitFor('the first screen on the glass', () => agent.state().modules!.departures!.display?.full === 1);
      await waitFor('the talking button ready', () => button.health().status === 'ok');

      // No board yet: the glass says there are no data, and so does the button.
      assert.is(module.plan()!.screen.kind, 'empty');
      const noData = await pressAndHear('the no-data screen');
      assert.ok(noData.text.includes(TEXT.noData), noData.text);

      // A board: its departures, their times as words, how full the buses are.
      await send('stop-timetable', TIMETABLE);
      await send('arrival-board', BOARD);
      // (The timetable alone is planned as a board too, with the notice that live data are missing.)
      await waitFor('the live board planned', () => module.plan()?.screen.kind === 'board' && module.plan()?.live);
      const board = await pressAndHear('the board');
      assert.match(board.text, /^Avtobusno postajališče Velenje\. Linija rumena, smer Center, čez dve minuti\. Na voljo so prosti sedeži\. Linija rdeča/);
      assert.match(board.text, /Linija modra, smer Gorica, čez sedemnajst minut\. Avtobus je poln\./);
      assert.ok(board.seconds > noData.seconds * 3, `the board ${board.seconds} s, no data ${noData.seconds} s`);

      // The fleet away: the timetable on the glass, with its notice; the button says the same.
      await fleet.stop();
      await waitFor('link down', () => !agent.link.fleetOnline);
      now = at('14:09');
      await module.update();
      const offline = await pressAndHear('the offline timetable');
      assert.ok(offline.text.includes(TEXT.liveUnavailable), offline.text);
      assert.match(offline.text, /po voznem redu/);

      assert.equal(talkOf(agent), { presses: 3, spoken: 3, ignored: 0, failures: 0 });
      assert.is(agent.state().modules!.departures!.status, 'ok');

      // Stopped with the module: the button no longer listens, a press says nothing.
      await agent.stop();
      assert.is(button.health().status, 'stopped');
      const last = fs.statSync(wav).mtimeMs;
      button.press(HOLD_MS);
      await new Promise((r) => setTimeout(r, 400));
      assert.is(fs.statSync(wav).mtimeMs, last);
    } finally {
      await opened?.endAsync().catch(() => {});
      await agent.stop().catch(() => {});
      await fleet.stop().catch(() => {});
    }
  });

  test('espeak-ng missing: the display goes on (status ok, the glass follows the board), the failures counted and logged once', async () => {
    const fleet = await startFleet();
    const { file, dir } = configFile(provision(fleet, 'stop-t2', 'stop-display'), {
      audio: { kind: 'wav', file: 'talk.wav', espeak: '/nonexistent/espeak-ng' },
    });
    const lines: string[] = [];
    const log = createLogger('stop-t2', { level: 'debug', sink: (l) => lines.push(l) });
    const button = new SimulatedButton();
    const panel = new SimulatedEpaper({ speed: 400, temperatureC: 21 });
    let now = at('14:03');
    const module = departures({ now: () => now });
    const agent = stopDisplay(file, module, { button, epaper: panel }, log);
    const glassShowsPlan = () => Buffer.compare(Buffer.from(panel.glass()), Buffer.from(renderScreen(module.plan()!.screen))) === 0;
    let fc: MqttClient | null = null;
    try {
      fc = await fleetClient(fleet);
      await agent.start();
      await waitFor('agent ready', () => agent.link.fleetOnline);
      await waitFor('the talking button ready', () => button.health().status === 'ok');
      await fc.publishAsync(topic.content('stop-t2'), encode(Content, { v: 1, ts: Date.now(), kind: 'arrival-board', body: BOARD }), { qos: 1 });
      await waitFor('the board planned', () => module.plan()?.screen.kind === 'board');
      now += 30_000; // past the minimum interval since the first picture
      await module.update();
      assert.ok(glassShowsPlan(), 'the board on the glass');

      button.press(HOLD_MS);
      await waitFor('the first failure counted', () => talkOf(agent)?.failures === 1);
      await waitFor('the button released', () => !button.pressed);
      button.press(HOLD_MS);
      await waitFor('the second failure counted', () => talkOf(agent)?.failures === 2);
      const talk = talkOf(agent)!;
      assert.is(talk.presses, 2);
      assert.is(talk.spoken, 0);
      assert.match(talk.lastError!, /\/nonexistent\/espeak-ng is not installed/);
      assert.is(lines.filter((l) => l.includes('cannot read the departures aloud')).length, 1, lines.join('\n'));
      assert.not.ok(fs.existsSync(path.join(dir, 'talk.wav')), 'no WAV');

      // The display is untouched: ok, and the glass shows the board.
      const status = agent.state().modules!.departures!;
      assert.is(status.status, 'ok');
      assert.is(status.error, undefined);
      assert.is(status.failures, undefined);
      const refreshes = status.display!.full + status.display!.partial;
      now += 60_000; // a minute on: the minutes change, the glass follows
      await module.update();
      assert.ok(glassShowsPlan(), 'the glass follows the plan');
      assert.is(agent.state().modules!.departures!.display!.full + agent.state().modules!.departures!.display!.partial, refreshes + 1);
      assert.is(talkOf(agent)!.failures, 2, 'the talk counts kept with the display’s');
    } finally {
      await fc?.endAsync().catch(() => {});
      await agent.stop().catch(() => {});
      await fleet.stop().catch(() => {});
    }
  });

  test('no button: nothing talks, no talk counts, no WAV', async () => {
    const fleet = await startFleet();
    const { file, dir } = configFile(provision(fleet, 'stop-t3', 'stop-display'), {
      epaper: { kind: 'simulated', speed: 400 },
      audio: { kind: 'wav', file: 'talk.wav' },
    });
    const lines: string[] = [];
    const log = createLogger('stop-t3', { level: 'debug', sink: (l) => lines.push(l) });
    const agent = stopDisplay(file, departures({ now: () => at('14:03') }), {}, log);
    try {
      await agent.start();
      await waitFor('the first screen on the glass', () => agent.state().modules!.departures!.display?.full === 1);
      assert.is(talkOf(agent), undefined);
      assert.not.ok(lines.some((l) => l.includes('talking button')), 'no talking button started');
      assert.equal(fs.readdirSync(dir), ['agent.json']);
    } finally {
      await agent.stop().catch(() => {});
      await fleet.stop().catch(() => {});
    }
  });
}

test('audio config: a sound card through aplay (a device, or the default), a WAV; the espeak-ng program a name or an absolute path', () => {
  assert.equal(speakerOptions(undefined).output, { kind: 'pipe', command: ['aplay', '-q'] });
  assert.equal(speakerOptions(AudioHardware.parse({ kind: 'alsa', device: 'plughw:CARD=Headphones', wordsPerMinute: 120 })), {
    output: { kind: 'pipe', command: ['aplay', '-q', '-D', 'plughw:CARD=Headphones'] },
    wordsPerMinute: 120,
  });
  assert.equal(speakerOptions(AudioHardware.parse({ kind: 'wav', file: '/tmp/x.wav', espeak: '/opt/espeak-ng/bin/espeak-ng' })), {
    output: { kind: 'wav', file: '/tmp/x.wav' },
    espeak: '/opt/espeak-ng/bin/espeak-ng',
  });
  assert.not.ok(AudioHardware.safeParse({ kind: 'wav', file: 'x.wav', espeak: 'bin/espeak-ng' }).success, 'a relative program path');
  assert.not.ok(AudioHardware.safeParse({ kind: 'wav' }).success, 'a WAV without its file');
  assert.not.ok(AudioHardware.safeParse({ kind: 'alsa', volume: 3 }).success, 'an unknown field');
});

test.run();
