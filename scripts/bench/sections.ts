/**
 * The bench's sections that run after the fleet-wide ones, in order: each its name for `--only=`
 * and a `run` printing its lines and setting its JSON keys in `out` (main.ts runs them, then prints
 * the summary). [7] render, [8] glass, [9] alpha, [10] parking, [11] dashboard, [12] rss.
 */
import { benchAlpha } from './alpha.js';
import { dashboardSection } from './dashboard.js';
import { benchGlass } from './glass.js';
import { benchParking } from './parking.js';
import { benchRender } from './render.js';
import { rssSection } from './rss.js';
import { countingLogger, fmt, round } from './util.js';

export interface SectionContext {
  say: (line?: string) => void;
  out: Record<string, unknown>;
  quick: boolean;
  verdictAtMost: (value: number, target: number) => string;
  targets: { render_ms_p99: number };
}

export interface Section {
  name: string;
  run(ctx: SectionContext): Promise<void>;
}

export const SECTIONS: Section[] = [
  {
    name: 'render',
    async run({ say, out, quick, verdictAtMost, targets: TARGETS }) {
      say('\n[7] stop display renderer: full 800×480 1-bpp frames of the sample screens (boards, empty, out of service, long names)');
      const r = benchRender({ rounds: quick ? 100 : 250 });
      say(`    ${fmt(r.frames)} frames (${r.screens} screens), ${r.primitivesPerFrame.toFixed(0)} primitive calls a frame (${r.blitsPerFrame.toFixed(0)} glyph/icon blits); first render of the process ${r.firstRenderMs.toFixed(1)} ms (fonts decoded)`);
      say(`    raw: the same primitives replayed without layout or text handling: p50 ${r.rawMsP50.toFixed(3)} ms, p99 ${r.rawMsP99.toFixed(3)} ms`);
      say(`    renderScreen: p50 ${r.renderMsP50.toFixed(3)} ms, p99 ${r.renderMsP99.toFixed(3)} ms, max ${r.renderMsMax.toFixed(3)} ms → render_ratio ${r.ratio.toFixed(2)} (at p50: ${r.ratioP50.toFixed(2)}) (info)`);
      say(`    render_ms_p99 = ${r.renderMsP99.toFixed(3)}   ${verdictAtMost(r.renderMsP99, TARGETS.render_ms_p99)}`);
      out.render_ms_p99 = round(r.renderMsP99, 3);
      out.render_raw_ms_p99 = round(r.rawMsP99, 3);
      out.render_ratio = round(r.ratio, 2);
      out.render_ratio_p50 = round(r.ratioP50, 2);
      out.render = r;
    },
  },
  {
    name: 'glass',
    async run({ say, out, quick }) {
      const log = countingLogger('glass');
      const r = await benchGlass({ samples: quick ? 200 : 300, warmup: 20, speed: 200, log });
      const ms = (x: number) => `${x.toFixed(2)} ms`;
      const pc = (p: { p50: number; p99: number; max: number }) => `p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`;
      say('\n[8] content to glass: a stop display (real Agent, departures module, Waveshare driver on the UC8179 emulator at speed ' + r.speed + ')');
      say(`    receiving arrival-board content from a real FleetService (outgoing.content → embedded broker), ${r.payloadBytes}-byte payloads, one row changed each time,`);
      say('    one at a time (each waited for until the panel sleeps again). refreshMinIntervalS 0: every change goes through — the production');
      say("    minimum interval (30 s) defers changes by design. 'Received': the departures module's onContent, as the agent hands it over.");
      say(`    raw: the same boards to a bare mqtt.js subscriber (the display's account) that JSON.parses them: publish → decoded ${pc(r.raw)}`);
      say(`    publish → module onContent (broker, agent's decode and schema checks): ${pc(r.publishToModule)}`);
      say(`    received → partial() called (store, plan, render, changed bands): ${pc(r.contentToPartialCall)}`);
      say(`    received → 0x12 of the partial refresh (${r.samples} partials, ${r.windowsPerChange.toFixed(2)} window(s) a change, ${r.windowHeightPx.toFixed(0)} px high): ${pc(r.contentToGlass)}`);
      say(`    received → panel done and asleep (at speed ${r.speed}): ${pc(r.contentToDone)}; publish → 0x12: ${pc(r.publishToGlass)}`);
      say(`    on a real panel (speed 1) the driver's waits before 0x12 (wake: reset, init, charge pump) add ${r.waitsBeforeRefreshMs.toFixed(0)} ms, and the SPI transfer its time (here ÷ ${r.speed})`);
      say(`    full refreshes among the changes (fullRefreshEvery 10, by design): ${r.fullRefreshes.n}, received → 0x12 ${pc(r.fullRefreshes)} (not in the samples)`);
      say(`    content_to_glass_p99_ms = ${ms(r.contentToGlass.p99)}; content_raw_p99_ms = ${ms(r.raw.p99)}; ratio ${r.ratio.toFixed(2)} (info, no target)`);
      for (const p of r.problems) say(`    PROBLEM: ${p}`);
      if (log.problems.length) say(`    logged ${log.problems.length}+ warnings/errors, first: ${log.problems[0]}`);
      out.content_to_glass_p99_ms = round(r.contentToGlass.p99, 2);
      out.content_raw_p99_ms = round(r.raw.p99, 2);
      out.content_glass_ratio = round(r.ratio, 2);
      out.glass = { ...r, warnings: log.problems };
    },
  },
  {
    name: 'alpha',
    async run({ say, out, quick }) {
      const r = benchAlpha({ frames: quick ? 10_000 : 20_000, reps: quick ? 3 : 5 });
      say(`\n[9] Alpha (M-Protocol): a parking panel's frames — ${r.rowsPerFrame} STRING writes of 20-character rows (${r.packetBytes}-byte packets), each parsed by the sign, and its ACKs parsed by the host`);
      say('    (transliterate → writeStringCommand → encodePacket; AlphaParser both ways), against a raw Uint8Array.set copy + indexOf scan of the same bytes');
      say(`    raw: ${fmt(r.rawFramesPerS)} frames/s (${r.rawUsPerFrame.toFixed(2)} µs)   (samples ${r.samples.raw.map(fmt).join(', ')})`);
      say(`    Alpha: ${fmt(r.alphaFramesPerS)} frames/s (${r.alphaUsPerFrame.toFixed(2)} µs)   (samples ${r.samples.alpha.map(fmt).join(', ')})`);
      say(`    the same ${r.bytesPerFrame} bytes take ${r.lineMsPerFrame.toFixed(0)} ms on a real sign's line (9600 baud, 7E1): the codec is ${((r.alphaUsPerFrame / 1000 / r.lineMsPerFrame) * 100).toFixed(3)}% of it`);
      say(`    alpha_frames_per_s = ${fmt(r.alphaFramesPerS)}; alpha_ratio = ${r.ratio.toFixed(3)} (info, no target)`);
      for (const p of r.problems) say(`    PROBLEM: ${p}`);
      out.alpha_frames_per_s = round(r.alphaFramesPerS);
      out.alpha_raw_frames_per_s = round(r.rawFramesPerS);
      out.alpha_ratio = round(r.ratio, 3);
      out.alpha = r;
    },
  },
  {
    name: 'parking',
    async run({ say, out, quick }) {
      const log = countingLogger('parking');
      say('\n[10] occupancy event to panel: a car crossing the loops → its free count on the guidance sign. Real parts, one process: simulated loop detector →');
      say('    counter Agent (outbox, MQTT) → FleetService (embedded broker, ingest, occupancy engine; catalogue Glazija 380, Celeiapark 520) →');
      say('    parking-panel Agent (panel module, Alpha driver) → sign emulator. Cars one at a time, in and out alternately, each waited for on the sign.');
      const r = await benchParking({ samples: quick ? 100 : 150, warmup: 10, log });
      const ms = (x: number) => `${x.toFixed(2)} ms`;
      const pc = (p: { p50: number; p99: number; max: number }) => `p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`;
      say('    set, and why:');
      for (const line of r.settings) say(`      - ${line}`);
      say(`    raw: publish → bare Aedes → relay (parse, publish) → bare Aedes → subscriber (parse) → ${r.stringPacketBytes} bytes copied a turn later: ${pc(r.raw)}`);
      say(`        (first hop alone: ${pc(r.rawFirstHop)})`);
      say(`    crossing event → fleet committed the loops record: ${pc(r.eventToCommitted)}`);
      say(`    committed → panel module's onContent (engine, content, broker, agent): ${pc(r.committedToContent)}`);
      say(`    onContent → the number in the emulator's STRING file (rows, driver, encode, port, parse): ${pc(r.contentToSign)}`);
      say(`    crossing event → the number on the sign (${r.samples} cars, ${r.loopsRecords} loops records committed in all): ${pc(r.eventToPanel)}`);
      say(`    before the span: the lane clear → the crossing event (gapMs + reorderMs, the clear proving itself): ${pc(r.clearToEvent)}; ${fmt(r.clearToEventDefaultMs)} ms at the defaults`);
      say(`    after it, on a real sign: the ${r.stringPacketBytes}-byte STRING packet and its ACK take ${r.lineMs.toFixed(1)} ms on the line at 9600 baud 7E1`);
      say(`    occupancy_event_to_panel_p99_ms = ${ms(r.eventToPanel.p99)}; occupancy_raw_p99_ms = ${ms(r.raw.p99)}; ratio ${r.ratio.toFixed(2)} (info, no target)`);
      for (const p of r.problems) say(`    PROBLEM: ${p}`);
      if (log.problems.length) say(`    logged ${log.problems.length}+ warnings/errors, first: ${log.problems[0]}`);
      out.occupancy_event_to_panel_p99_ms = round(r.eventToPanel.p99, 2);
      out.occupancy_event_to_panel_p50_ms = round(r.eventToPanel.p50, 2);
      out.occupancy_raw_p99_ms = round(r.raw.p99, 2);
      out.occupancy_panel_ratio = round(r.ratio, 2);
      out.parking = { ...r, warnings: log.problems };
    },
  },
  {
    name: 'dashboard',
    async run({ say, out, quick }) {
      const log = countingLogger('dashboard');
      await dashboardSection(say, out, { samples: quick ? 100 : 150, warmup: 10, others: 89, log, problems: log.problems });
    },
  },
  {
    name: 'rss',
    async run({ say, out, quick }) {
      await rssSection(say, out, { sampleS: quick ? 30 : 45, baselineS: quick ? 10 : 15, startTimeoutS: 240 });
    },
  },
];
