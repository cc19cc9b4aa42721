/**
 * `npm run bench [-- --json] [-- --only=outbox,ingest,drain,sd,nmea,eta,render,glass,alpha,parking,dashboard,rss] [-- --quick]`
 *
 * Tabla's throughput against raw baselines measured in the same run on the same machine:
 *   outbox_append_ratio   Outbox.append/s ÷ raw better-sqlite3 batched inserts/s      (target ≥ 0.5)
 *   ingest_ratio          live records/s broker→fleet→stored→acked ÷ raw Aedes QoS1    (target ≥ 0.6)
 *   drain_records_per_s   backlog drained after an outage, with acks                  (target ≥ 10,000)
 *   sd_bytes_per_hour     bytes an agent writes per hour at the demo's rates
 *   nmea_sentences_per_s  NMEA sentences through the decoder, and its ratio to a raw line split
 *   eta_fixes_per_s       GPS fixes of 1,000 buses (250 with --quick), each on its own block of a city of copies of the Lokal'c
 *                           network, through ingest → matching → ETA → changed boards,
 *   eta_ingest_ratio        and their ratio to raw Aedes QoS1 with as many publishers          (target ≥ 0.6)
 *   fix_to_board_p99_ms   a fix's arrival at the fleet → the board it changed on the display's topic (target ≤ 50)
 *   render_ms_p99         a stop display's full 800×480 frame from its Screen (target ≤ 20), and render_ratio:
 *                           ÷ the same frame's primitives replayed raw, no layout (scripts/bench/render.ts)
 *   content_to_glass_p99_ms  a stop display's agent: arrival-board received → the partial refresh issued to the
 *                           panel (info), and content_raw_p99_ms: the same boards to a bare subscriber (scripts/bench/glass.ts)
 *   alpha_frames_per_s    a parking panel's Alpha (M-Protocol) frames built and parsed (STRING writes and ACKs), and
 *                           alpha_ratio: ÷ a raw copy and indexOf-scan of the same bytes (info; scripts/bench/alpha.ts)
 *   occupancy_event_to_panel_p99_ms  a car's crossing at the loops → its free count on the sign emulator, through a counter
 *                           Agent, the fleet's occupancy engine and a parking-panel Agent (info), and occupancy_raw_p99_ms:
 *                           the same two hops over bare MQTT (scripts/bench/parking.ts)
 *   dashboard_update_p99_ms  a device heartbeat → the new number on the dashboard's overview in headless Chromium (info),
 *                           and dashboard_raw_p99_ms: its SSE message at a bare HTTP client (scripts/bench/dashboard.ts)
 *   fleet_rss_mb          the fleet's max RSS with the whole demo running (info), and fleet_rss_empty_mb: an empty fleet (scripts/bench/rss.ts)
 * Sections [7]–[12] are listed in sections.ts, run in its order after the others.
 * Human-readable lines as it goes; with --json, one JSON object on the last line.
 * Everything binds to 127.0.0.1 on free ports, lives in temp dirs, and is stopped at the end.
 *
 * The device side of [2], [3] and [6] runs in forked children (load.ts): devices are other machines.
 * Profiling: `node --cpu-prof --import tsx scripts/bench/main.ts` (children inherit the flag), or
 * TABLA_BENCH_PROFILE=<dir> for profiles of the measured ingest rounds only (ingest.ts).
 * Tuning: TABLA_BENCH_PER_DEVICE, TABLA_BENCH_REPS, TABLA_BENCH_WINDOW (ingest), TABLA_BENCH_LIMIT_MS;
 * TABLA_BENCH_ETA_VEHICLES, TABLA_BENCH_ETA_PER_VEHICLE, TABLA_BENCH_ETA_REPS, TABLA_BENCH_ETA_INTERVAL_MS,
 * TABLA_BENCH_ETA_PROBES, TABLA_BENCH_ETA_PACED_MS (the latency phase's probe buses and length),
 * TABLA_BENCH_ETA_ALL_SERVICES=1 (the city's feed with its weekend services too) (eta).
 */
import os from 'node:os';
import { FleetService } from '../../fleet/service.js';
import { LoadChild } from './child.js';
import { benchDrain, type DrainResult } from './drain.js';
import { benchIngest, instrumentFlush, type FlushStats, type IngestResult } from './ingest.js';
import { benchOutbox, type OutboxBenchResult } from './outbox.js';
import { benchEta, type EtaResult } from './eta.js';
import { benchNmea } from './nmea.js';
import { SECTIONS } from './sections.js';
import { benchSd, type SdOptions, type SdResult } from './sd.js';
import { cleanupTempDirs, countingLogger, fmt, readIo, round, tempDir } from './util.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = new Set(onlyArg ? onlyArg.slice('--only='.length).split(',') : ['outbox', 'ingest', 'drain', 'sd', 'nmea', 'eta', 'render', 'glass', 'alpha', 'parking', 'dashboard', 'rss']);
const TARGETS = { outbox_append_ratio: 0.5, ingest_ratio: 0.6, drain_records_per_s: 10_000, eta_ingest_ratio: 0.6, fix_to_board_p99_ms: 50, render_ms_p99: 20 };
const LIMIT_MS = Number(process.env.TABLA_BENCH_LIMIT_MS ?? 360_000);

const say = (line = '') => process.stdout.write(line + '\n');
const verdict = (value: number, target: number) => (value >= target ? `meets target ≥ ${target.toLocaleString('en-US')}` : `MISSES target ≥ ${target.toLocaleString('en-US')}`);
const verdictAtMost = (value: number, target: number) => (value <= target ? `meets target ≤ ${target.toLocaleString('en-US')}` : `MISSES target ≤ ${target.toLocaleString('en-US')}`);

async function main(): Promise<Record<string, unknown>> {
  const started = Date.now();
  const out: Record<string, unknown> = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}`, tmpdir: os.tmpdir() },
    quick,
  };
  say(`Tabla bench — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}${quick ? ' (quick)' : ''}`);

  if (only.has('outbox')) {
    say('\n[1] outbox appends vs raw better-sqlite3 (WAL, synchronous NORMAL, temp file)');
    const r: OutboxBenchResult = await benchOutbox({ rows: quick ? 20_000 : 50_000, batch: 1000, reps: quick ? 3 : 5 });
    say(`    raw better-sqlite3, ${r.batch} rows/tx, JSON.stringify per row : ${fmt(r.rawInsertsPerS)} inserts/s   (samples ${r.samples.raw.map(fmt).join(', ')})`);
    say(`    raw better-sqlite3, ${r.batch} rows/tx, data pre-stringified   : ${fmt(r.rawInsertsPerSPrestringified)} inserts/s   (info)`);
    say(`    Outbox.append, ${r.batch} per event-loop turn, default group commit: ${fmt(r.outboxAppendsPerS)} appends/s   (samples ${r.samples.outbox.map(fmt).join(', ')})`);
    say(`    Outbox.append, all ${fmt(r.rows)} in one burst (one transaction)  : ${fmt(r.outboxBurstAppendsPerS)} appends/s   (info)`);
    say(`    outbox_append_ratio = ${r.ratio.toFixed(3)}   ${verdict(r.ratio, TARGETS.outbox_append_ratio)}   (median of ${r.reps}, ${fmt(r.rows)} rows each)`);
    say(`    (against the pre-stringified raw inserts instead: ${(r.outboxAppendsPerS / r.rawInsertsPerSPrestringified).toFixed(3)})`);
    out.outbox_append_ratio = round(r.ratio, 3);
    out.outbox_appends_per_s = round(r.outboxAppendsPerS);
    out.raw_sqlite_inserts_per_s = round(r.rawInsertsPerS);
    out.raw_sqlite_inserts_per_s_prestringified = round(r.rawInsertsPerSPrestringified);
    out.outbox_append_ratio_vs_prestringified = round(r.outboxAppendsPerS / r.rawInsertsPerSPrestringified, 3);
    out.outbox = r;
  }

  let fleet: FleetService | null = null;
  let drainChild: LoadChild | null = null;
  let flushStats: FlushStats | null = null;
  const fleetLog = countingLogger('fleet');
  try {
    if (only.has('ingest') || only.has('drain')) {
      fleet = new FleetService({ dataDir: tempDir('fleet'), httpHost: '127.0.0.1', httpPort: 0, mqttHost: '127.0.0.1', mqttPort: 0, log: fleetLog });
      await fleet.start();
      flushStats = instrumentFlush(fleet);
    }
    if (fleet && only.has('ingest')) {
      const devices = 50;
      const window = Number(process.env.TABLA_BENCH_WINDOW ?? 8);
      say(`\n[2] live ingest: ${devices} device connections, one record per message, no batching`);
      say("    devices: provisioned devices in a child process, each on the agent's own Link (device/link.ts) without its outbox, publishing");
      say(`    valid one-record TelemetryBatch payloads (QoS1) on tabla/v1/{id}/t/gps, ≤ ${window} records beyond the`);
      const windowNote = window === 8 ? "the agent's default drain window" : 'NOT the default window of 8';
      say(`    fleet's ack each (${windowNote}); timed until every device holds the ack of its last record.`);
      const perDevice = Number(process.env.TABLA_BENCH_PER_DEVICE ?? (quick ? 100 : 400));
      const reps = Number(process.env.TABLA_BENCH_REPS ?? (quick ? 2 : 5));
      const r: IngestResult = await benchIngest(fleet, flushStats!, { devices, perDevice, window, reps });
      say(`    raw Aedes QoS1 pub/sub, ${r.devices} publishers (≤ ${r.window} awaiting PUBACK) → 1 subscriber, ${r.payloadBytes}-byte payloads:`);
      say(`        ${fmt(r.rawMsgsPerS)} msgs/s   (samples ${r.samples.raw.map(fmt).join(', ')})`);
      say(`    Tabla broker → fleet → validated → stored → acked, ${fmt(r.devices * r.perDevice)} records per round:`);
      say(`        ${fmt(r.tablaRecordsPerS)} records/s   (samples ${r.samples.tabla.map(fmt).join(', ')})`);
      const f = r.fleet;
      say(
        `        fleet: ${fmt(f.flushes)} ingest commits, ${f.recordsPerFlush.toFixed(1)} records each, ${(f.flushMsPerRecord * 1000).toFixed(1)} µs/record in Ingest.flush` +
          ` (${Math.round(f.flushShareOfRound * 100)}% of the rounds' wall time), ${fmt(f.acksSent)} acks sent`,
      );
      say(
        `    CPU per message, main process (raw: broker + subscriber; Tabla: broker + fleet): raw ${r.cpu.rawUsPerMsg.toFixed(1)} µs,` +
          ` Tabla ${r.cpu.tablaUsPerRecord.toFixed(1)} µs → CPU-bound ratio ${r.cpu.cpuRatio.toFixed(3)} (info; devices' child: raw ${r.cpu.rawDevicesUsPerMsg.toFixed(1)} µs, Tabla ${r.cpu.tablaDevicesUsPerRecord.toFixed(1)} µs)`,
      );
      const busyRaw = (r.cpu.rawUsPerMsg * r.rawMsgsPerS) / 1e6;
      const busyTabla = (r.cpu.tablaUsPerRecord * r.tablaRecordsPerS) / 1e6;
      say(
        `    main process busy: raw ${Math.round(busyRaw * 100)}% of a core, Tabla ${Math.round(busyTabla * 100)}%` +
          (busyTabla < 0.8 ? ' — Tabla is waiting, not computing: its rate is bound by round-trip latency, not CPU' : ''),
      );
      out.ingest_main_process_busy = { raw: round(busyRaw, 2), tabla: round(busyTabla, 2) };
      say(`    ingest_ratio = ${r.ratio.toFixed(3)}   ${verdict(r.ratio, TARGETS.ingest_ratio)}   (median of ${r.samples.raw.length})`);
      out.ingest_ratio = round(r.ratio, 3);
      out.ingest_records_per_s = round(r.tablaRecordsPerS);
      out.ingest_cpu_ratio = round(r.cpu.cpuRatio, 3);
      out.raw_aedes_msgs_per_s = round(r.rawMsgsPerS);
      out.ingest = r;
    }
    if (fleet && only.has('drain')) {
      const records = quick ? 20_000 : 50_000;
      say(`\n[3] backlog drain: a real Agent (child process) records ${fmt(records)} GPS fixes offline, then connects to the fleet`);
      drainChild = new LoadChild('drain agent');
      const raised = await benchDrain(fleet, drainChild, { records, reps: quick ? 2 : 3, policy: { maxBatchesPerS: 10_000 } });
      const p = raised.policy;
      say(`    policy batchSize ${p.batchSize}, window ${p.window}, maxBatchesPerS ${fmt(p.maxBatchesPerS)} (rate limit raised; other fields default):`);
      say(
        `        ${fmt(raised.recordsPerS)} records/s from start() to empty outbox   (samples ${raised.samples.map(fmt).join(', ')}; connect ${Math.round(raised.connectMs)} ms, drain ${Math.round(raised.drainMs)} ms, ${raised.sentPerRecord.toFixed(2)} sends/record)`,
      );
      say(`        second half of the backlog alone: ${fmt(raised.secondHalfPerS)} records/s`);
      say(`    drain_records_per_s = ${fmt(raised.recordsPerS)}   ${verdict(raised.recordsPerS, TARGETS.drain_records_per_s)}`);
      // The default policy's token bucket starts full (maxBatchesPerS batches): a backlog of the
      // default stream capacity (100,000) shows its sustained rate in the second half.
      const dfltRecords = quick ? records : 100_000;
      const dflt: DrainResult = await benchDrain(fleet, drainChild, { records: dfltRecords, reps: 1, policy: {} });
      const d = dflt.policy;
      say(
        `    default policy batchSize ${d.batchSize}, window ${d.window}, maxBatchesPerS ${d.maxBatchesPerS}: sustained cap ${fmt(d.batchSize * d.maxBatchesPerS)} records/s,` +
          ` after a first burst of ${fmt(d.batchSize * d.maxBatchesPerS)} (the token bucket starts full):`,
      );
      say(
        `        ${fmt(dflt.recordsPerS)} records/s over a backlog of ${fmt(dfltRecords)}   (samples ${dflt.samples.map(fmt).join(', ')}; connect ${Math.round(dflt.connectMs)} ms, drain ${Math.round(dflt.drainMs)} ms);` +
          ` second half of the backlog alone: ${fmt(dflt.secondHalfPerS)} records/s`,
      );
      say(`    fill: ${fmt(records)} agent.record() calls took ${Math.round(raised.fillMs)} ms in the agent`);
      out.drain_records_per_s = round(raised.recordsPerS);
      out.drain_default_policy_records_per_s = round(dflt.recordsPerS);
      out.drain_default_policy_second_half_records_per_s = round(dflt.secondHalfPerS);
      out.drain = { raised, default: dflt };
    }
  } finally {
    await drainChild?.stop();
    await fleet?.stop();
  }
  if (fleetLog.problems.length) {
    say(`\n    fleet logged ${fleetLog.problems.length}+ warnings/errors, first: ${fleetLog.problems[0]}`);
    out.fleet_warnings = fleetLog.problems;
  }

  if (only.has('sd')) {
    say('\n[4] SD writes per hour: one simulated hour (fake clock) of a bus agent, GPS fix every 2 s, heartbeat 30 s,');
    say('    acks 150 ms after each send deleting the rows; kernel writeback emulated every 30 s of simulated time');
    const io = readIo();
    if (!io) say('    /proc/self/io is not available: figures come from WAL frame counting');
    const configs: (SdOptions & { info?: string })[] = [
      { commitIntervalMs: 0, synchronous: 'NORMAL' },
      { commitIntervalMs: 1000, synchronous: 'NORMAL' },
      { commitIntervalMs: 10_000, synchronous: 'NORMAL', info: 'info' },
      ...(quick ? [] : [{ commitIntervalMs: 0, synchronous: 'FULL' as const, hours: 0.25, info: 'info' }]),
    ];
    const results: SdResult[] = [];
    const mb = (x: number | null) => (x === null ? 'n/a' : `${(x / 1e6).toFixed(2)} MB`);
    for (const c of configs) {
      const r = await benchSd(c);
      results.push(r);
      say(`    ${c.info ? `(${c.info}) ` : ''}${r.label}: ${mb(r.bytesPerHour)}/h (${r.source})`);
      say(
        `        write_bytes ${mb(r.writeBytesPerHour)}, wchar ${mb(r.wcharPerHour)}, WAL estimate ${mb(r.walEstimateBytesPerHour)};` +
          ` per hour ${fmt(r.commitsPerHour)} commits, ${fmt(r.walFramesPerHour)} WAL frames, ${fmt(r.checkpointsPerHour)} checkpoints`,
      );
    }
    const nominal = results[0];
    const one = results[1];
    out.sd_bytes_per_hour = nominal ? round(nominal.bytesPerHour) : null;
    out.sd_bytes_per_hour_commit_1000ms = one ? round(one.bytesPerHour) : null;
    out.sd = results;
  }

  if (only.has('nmea')) {
    say('\n[5] NMEA 0183: the gpsd logs through the decoder (framer, checksums, fix assembler) vs a raw line split');
    const r = benchNmea(quick ? 3 : 5);
    say(`    ${fmt(r.sentences)} sentences, ${fmt(r.bytes)} bytes, ${fmt(r.fixes)} fixes per pass`);
    say(`    raw line split: ${fmt(r.rawLinesPerS)} lines/s; decoder: ${fmt(r.decoderSentencesPerS)} sentences/s → ratio ${r.ratio.toFixed(3)} (info)`);
    out.nmea_sentences_per_s = round(r.decoderSentencesPerS);
    out.nmea_raw_lines_per_s = round(r.rawLinesPerS);
    out.nmea_ratio = round(r.ratio, 3);
  }

  if (only.has('eta')) {
    // --quick: a quarter of the city (fewer buses, so fewer copies of the town), so the section stays short.
    const vehicles = Number(process.env.TABLA_BENCH_ETA_VEHICLES ?? (quick ? 250 : 1000));
    const window = 8;
    const log = countingLogger('fleet');
    say(`\n[6] ETA: GPS fixes of ${fmt(vehicles)} buses through ingest → trip matching → prediction → changed arrival boards published`);
    say(`    fleet: ETA + GTFS-Realtime engines on a city of copies of the Lokal'c network (scripts/bench/eta-city.ts: as many as the buses need, 10 km apart,`);
    say(`    own ids, site velenje), clock set to a weekday 07:40; devices (a child process): ${fmt(vehicles)} buses on the agent's Link, each driving`);
    say(`    its own block (drive.mjs), one valid gps record per message (QoS1), ≤ ${window} beyond the fleet's ack; stop displays (label stop=<stop_id>)`);
    say(`    at the busiest stops, 40 subscribed to their content, the others never connected (their boards are built and published all the same).`);
    const perVehicle = process.env.TABLA_BENCH_ETA_PER_VEHICLE;
    const r: EtaResult = await benchEta({
      vehicles,
      probes: Number(process.env.TABLA_BENCH_ETA_PROBES ?? (quick ? 40 : 200)),
      displays: 40,
      displayCopies: 5,
      extraDisplaysPerCopy: 4,
      spacingM: 10_000,
      // The bench runs on a Wednesday: the weekday service is all that runs, and the feed parses faster without the weekend's.
      services: process.env.TABLA_BENCH_ETA_ALL_SERVICES ? null : ['delavnik'],
      trackVariants: 8,
      trackS: 900,
      window,
      reps: Number(process.env.TABLA_BENCH_ETA_REPS ?? (quick ? 1 : 3)),
      perVehicle: perVehicle ? Number(perVehicle) : null,
      roundS: quick ? 3 : 6,
      maxPerVehicle: 10,
      rawMessages: quick ? 10_000 : 20_000,
      pacedMs: Number(process.env.TABLA_BENCH_ETA_PACED_MS ?? (quick ? 4000 : 10_000)),
      intervalMs: Number(process.env.TABLA_BENCH_ETA_INTERVAL_MS ?? 1000),
      log,
    });
    const c = r.city;
    say(
      `    city: ${c.copies} copies × ${c.blocksPerCopy} blocks in service (${c.baseBlocks.join(', ')}), ${c.spacingKm} km apart; services ${c.services?.join(', ') ?? 'all'};` +
        ` ${fmt(c.stops)} stops, ${fmt(c.trips)} trips, ${fmt(c.stopTimes)} stop times, ${(c.bytes / 1e6).toFixed(1)} MB of text (built ${c.buildS.toFixed(1)} s, parsed ${c.parseS.toFixed(1)} s)`,
    );
    say(
      `    ${r.displays} displays subscribed (copies ${c.displayCopies.join(', ')}), ${fmt(r.unconnectedDisplays)} more never connected; ${r.payloadBytes}-byte payloads;` +
        ` tracks: ${c.trackVariants} drive.mjs seeds; set-up ${r.setupS.toFixed(1)} s`,
    );
    say(`    phases (s): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    say(`    warm-up, one fix per bus: first fixes (each bus matched from scratch) ${fmt(r.warmUp.firstFixesPerS)}/s, second fixes ${fmt(r.warmUp.secondFixesPerS)}/s (info)`);
    say(`    raw Aedes QoS1 pub/sub, ${fmt(r.vehicles)} publishers (≤ ${r.window} awaiting PUBACK) → 1 subscriber:`);
    say(`        ${fmt(r.rawMsgsPerS)} msgs/s   (samples ${r.samples.raw.map(fmt).join(', ')})`);
    say(`    Tabla broker → fleet → stored → acked → ETA engine → boards, ${r.perVehicle} fix(es) per bus, ${fmt(r.vehicles * r.perVehicle)} per round:`);
    say(`        ${fmt(r.etaFixesPerS)} fixes/s   (samples ${r.samples.eta.map(fmt).join(', ')})`);
    const e = r.engine;
    say(
      `        engine: ${(e.matchedShare * 100).toFixed(1)}% of fixes matched (${fmt(e.fixes.matched)} matched, ${fmt(e.fixes.unmatched)} unmatched, ${fmt(e.fixes.refused)} refused);` +
        ` ${fmt(e.boardsSent)} boards sent (${e.boardsPerFix.toFixed(2)} per fix), ${fmt(e.boardsAtBroker)} routed by the broker, ${fmt(e.boardsAtDisplays)} received by the subscribed displays`,
    );
    say(`        a bus's predictions reach ${e.displaysPerFix.toFixed(1)} of the ${fmt(r.displays + r.unconnectedDisplays)} displays on average: the boards a new prediction of it may rebuild (info)`);
    say(`    CPU per message, main process: raw ${r.cpu.rawUsPerMsg.toFixed(1)} µs (broker + subscriber), Tabla ${r.cpu.etaUsPerFix.toFixed(1)} µs (broker + fleet + engines) (info)`);
    say(`    eta_fixes_per_s = ${fmt(r.etaFixesPerS)}; eta_ingest_ratio = ${r.ratio.toFixed(3)}   ${verdict(r.ratio, TARGETS.eta_ingest_ratio)}   (median of ${r.samples.eta.length})`);
    const l = r.latency;
    const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
    const pc = (p: { p50: number; p99: number; max: number }) => `p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`;
    say(
      `    fix → board: ${fmt(r.vehicles)} buses, each one fix every ${fmt(l.intervalMs)} ms (${fmt(l.backgroundPerS)} fixes/s) for ${l.pacedMs / 1000} s,` +
        ` and ${l.probesSent} probe buses one fix each (first seen: matched from scratch)`,
    );
    if (l.reduced) {
      say(
        `        NOTE: the real rate (each bus one fix every ${fmt(l.realIntervalMs)} ms: ${fmt((r.vehicles * 1000) / l.realIntervalMs)} fixes/s) is more than a third of what the fleet` +
          ` takes (${fmt(r.etaFixesPerS)}/s): the background was cut to about a third of its throughput, else this would time a growing queue`,
      );
    }
    if (l.probeLoad > 1 / 3) {
      say(
        `        NOTE: ${fmt(l.probesPerS)} probe fixes/s, each matched from scratch (the warm-up's first fixes went at ${fmt(r.warmUp.firstFixesPerS)}/s): the probes alone` +
          ` take about ${(l.probeLoad * 100).toFixed(0)}% of the fleet's time, so they queue behind each other (TABLA_BENCH_ETA_PROBES, TABLA_BENCH_ETA_PACED_MS)`,
      );
    }
    say(`        boards in the latency phase: ${fmt(l.boards)} routed by the broker, ${fmt(l.boardsAtDisplays)} received by the subscribed displays`);
    say(`        background: ${fmt(l.backgroundFixes)} fixes, ${fmt(l.windowFull)} due while their bus had ${r.window} unacked; arrival → engine: ${pc(l.backgroundIntake)}`);
    say(
      `        probes whose fix changed a board: ${l.probesWithBoard} of ${l.probesSent}; boards they changed: ${l.probe.n}` +
        (l.unattributed ? `; ${l.unattributed} boards at the broker not traced to a fix (sweeps)` : ''),
    );
    say(`        fix PUBLISH reaching the embedded broker → changed board PUBLISH routed by it on the display's content topic:`);
    say(`        probes, every board changed: ${pc(l.probe)}; first board of each probe: p50 ${ms(l.probeFirst.p50)}, p99 ${ms(l.probeFirst.p99)}`);
    say(`          of which arrival → engine handed the committed fix: ${pc(l.probeIntake)}`);
    say(`        background fixes, every board changed (info): ${fmt(l.background.n)} boards, ${pc(l.background)}`);
    say(`    fix_to_board_p99_ms = ${ms(l.probe.p99)}   ${verdictAtMost(l.probe.p99, TARGETS.fix_to_board_p99_ms)}`);
    for (const p of r.problems) say(`    PROBLEM: ${p}`);
    if (log.problems.length) say(`    fleet logged ${log.problems.length}+ warnings/errors, first: ${log.problems[0]}`);
    out.eta_fixes_per_s = round(r.etaFixesPerS);
    out.eta_ingest_ratio = round(r.ratio, 3);
    out.fix_to_board_p99_ms = round(l.probe.p99, 1);
    out.eta_raw_aedes_msgs_per_s = round(r.rawMsgsPerS);
    out.fix_to_board_background_fixes_per_s = round(l.backgroundPerS);
    out.eta = { ...r, fleetWarnings: log.problems };
  }

  for (const s of SECTIONS) if (only.has(s.name)) await s.run({ say, out, quick, verdictAtMost, targets: TARGETS });

  out.elapsed_s = round((Date.now() - started) / 1000, 1);
  say(`\nsummary (${out.elapsed_s} s):`);
  if ('outbox_append_ratio' in out) say(`    outbox_append_ratio ${out.outbox_append_ratio}  (${fmt(out.outbox_appends_per_s as number)} / ${fmt(out.raw_sqlite_inserts_per_s as number)} /s)  ${verdict(out.outbox_append_ratio as number, TARGETS.outbox_append_ratio)}`);
  if ('ingest_ratio' in out) say(`    ingest_ratio        ${out.ingest_ratio}  (${fmt(out.ingest_records_per_s as number)} / ${fmt(out.raw_aedes_msgs_per_s as number)} /s)  ${verdict(out.ingest_ratio as number, TARGETS.ingest_ratio)}`);
  if ('drain_records_per_s' in out) say(`    drain_records_per_s ${fmt(out.drain_records_per_s as number)}  (default policy ${fmt(out.drain_default_policy_records_per_s as number)})  ${verdict(out.drain_records_per_s as number, TARGETS.drain_records_per_s)}`);
  if (out.sd_bytes_per_hour != null) say(`    sd_bytes_per_hour   ${fmt(out.sd_bytes_per_hour as number)} (commitIntervalMs 0), ${fmt(out.sd_bytes_per_hour_commit_1000ms as number)} (1000 ms), synchronous NORMAL`);
  if ('nmea_sentences_per_s' in out) say(`    nmea_sentences_per_s ${fmt(out.nmea_sentences_per_s as number)}  (raw line split ${fmt(out.nmea_raw_lines_per_s as number)} /s, ratio ${out.nmea_ratio})`);
  if ('eta_fixes_per_s' in out) {
    say(`    eta_ingest_ratio    ${out.eta_ingest_ratio}  (${fmt(out.eta_fixes_per_s as number)} fixes / ${fmt(out.eta_raw_aedes_msgs_per_s as number)} /s)  ${verdict(out.eta_ingest_ratio as number, TARGETS.eta_ingest_ratio)}`);
    say(`    fix_to_board_p99_ms ${out.fix_to_board_p99_ms}  ${verdictAtMost(out.fix_to_board_p99_ms as number, TARGETS.fix_to_board_p99_ms)}`);
  }
  if ('render_ms_p99' in out) say(`    render_ms_p99       ${out.render_ms_p99}  (raw ${out.render_raw_ms_p99} ms, ratio ${out.render_ratio})  ${verdictAtMost(out.render_ms_p99 as number, TARGETS.render_ms_p99)}`);
  if ('content_to_glass_p99_ms' in out) say(`    content_to_glass_p99_ms ${out.content_to_glass_p99_ms}  (raw ${out.content_raw_p99_ms} ms, ratio ${out.content_glass_ratio})  info`);
  if ('alpha_frames_per_s' in out) say(`    alpha_frames_per_s  ${fmt(out.alpha_frames_per_s as number)}  (raw ${fmt(out.alpha_raw_frames_per_s as number)} /s, ratio ${out.alpha_ratio})  info`);
  if ('occupancy_event_to_panel_p99_ms' in out) say(`    occupancy_event_to_panel_p99_ms ${out.occupancy_event_to_panel_p99_ms}  (raw ${out.occupancy_raw_p99_ms} ms, ratio ${out.occupancy_panel_ratio})  info`);
  if ('dashboard_update_p99_ms' in out) say(`    dashboard_update_p99_ms ${out.dashboard_update_p99_ms}  (raw ${out.dashboard_raw_p99_ms} ms, ratio ${out.dashboard_ratio})  info`);
  if ('fleet_rss_mb' in out) say(`    fleet_rss_mb        ${out.fleet_rss_mb}  (median ${out.fleet_rss_median_mb}, empty fleet ${out.fleet_rss_empty_mb})  info`);
  out.targets = TARGETS;
  return out;
}

process.once('SIGINT', () => {
  cleanupTempDirs();
  process.exit(130);
});

const guard = setTimeout(() => {
  say(`bench: still running after ${LIMIT_MS / 1000} s, giving up`);
  cleanupTempDirs();
  process.exit(2);
}, LIMIT_MS);
guard.unref();

main().then(
  (out) => {
    cleanupTempDirs();
    if (json) say(JSON.stringify(out));
    clearTimeout(guard);
  },
  (err: Error) => {
    cleanupTempDirs();
    say(`bench failed: ${err.stack ?? err.message}`);
    if (json) say(JSON.stringify({ error: err.message }));
    process.exitCode = 1;
    clearTimeout(guard);
  },
);
