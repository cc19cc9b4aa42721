/**
 * The agent config's `hardware` section: which drivers the role's modules get (hardware/<class>/),
 * each by `kind` — the real one on a board, a simulated one for the demo town and tests.
 */
import { z } from 'zod';

const bcm = z.number().int().min(0).max(53).describe('BCM GPIO number (the header pin names, not physical pin numbers)');
const firmataPin = z.number().int().min(0).max(127).describe("the board's digital pin number (Firmata's numbering: D2 is 2, A0 on an Uno is 14)");
const door = z.number().int().min(1).max(8).describe('door number, 1 at the front');

const counting = {
  debounceMs: z.number().int().min(0).max(1000).optional().describe('beam flickers shorter than this are ignored (default 30)'),
  stallMs: z.number().int().min(100).max(60_000).optional().describe('both beams broken this long is a stalled crossing (default 2000)'),
  stuckMs: z.number().int().min(1000).optional().describe('a beam broken this long raises beam-stuck (default 60000)'),
};

export const DoorsHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('gpio'),
      doors: z.array(z.object({ door, a: bcm.describe('the outer beam'), b: bcm.describe('the inner beam') }).strict()).min(1).max(8),
      brokenWhen: z.enum(['low', 'high']).default('low').describe("the receiver's level while its beam is broken"),
      ...counting,
    })
    .strict(),
  z
    .object({
      kind: z.literal('firmata'),
      path: z.string().min(1).describe("the sensor board's serial port: /dev/ttyACM0, /dev/ttyUSB0"),
      baud: z.number().int().positive().default(57_600).describe("the board's serial rate (StandardFirmata: 57600)"),
      doors: z
        .array(z.object({ door, a: firmataPin.describe('the outer beam'), b: firmataPin.describe('the inner beam') }).strict())
        .min(1)
        .max(8),
      brokenWhen: z.enum(['low', 'high']).default('low').describe("the receiver's level while its beam is broken"),
      pullUp: z.boolean().default(false).describe("turn on the board's pull-up on the beam pins (open-collector receivers without their own)"),
      ...counting,
    })
    .strict(),
  z
    .object({
      kind: z.literal('simulated'),
      doors: z.array(door).min(1).max(8).default([1, 2]),
      visits: z
        .string()
        .min(1)
        .optional()
        .describe('a visit timeline to play by the wall clock, relative to the config file: JSON lines of {"at", "door", "boardings", "alightings"} (hardware/door/timeline.ts)'),
      ...counting,
    })
    .strict(),
]);
export type DoorsHardware = z.infer<typeof DoorsHardware>;

const latLon = z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]);

export const GnssHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('serial'),
      path: z.string().min(1).describe('/dev/serial0 (the GPIO UART), /dev/ttyUSB0, /dev/ttyACM0'),
      baudRate: z.number().int().positive().default(9600),
    })
    .strict(),
  z
    .object({
      kind: z.literal('replay'),
      file: z.string().min(1).describe('an NMEA log to play (relative to the config file)'),
      loop: z.boolean().default(true),
      rate: z
        .enum(['realtime', 'fast', 'clock'])
        .default('realtime')
        .describe("realtime: at the pace it was recorded, from its start; fast: as fast as it goes; clock: each fix at its own time by the wall clock (a log written ahead, as the demo's buses have)"),
    })
    .strict(),
  z
    .object({
      kind: z.literal('simulated'),
      route: z.array(latLon).min(2).describe('the polyline the simulated bus drives, [lat, lon] pairs'),
      speedMps: z.number().positive().max(40).default(8),
      stops: z.array(z.object({ lat: z.number(), lon: z.number(), dwellS: z.number().nonnegative() }).strict()).default([]),
    })
    .strict(),
]);
export type GnssHardware = z.infer<typeof GnssHardware>;

export const EpaperHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('waveshare-7in5-v2'),
      spi: z.object({ bus: z.number().int().min(0).max(6).default(0), device: z.number().int().min(0).max(3).default(0), speedHz: z.number().int().positive().max(20_000_000).default(4_000_000) }).strict().default({ bus: 0, device: 0, speedHz: 4_000_000 }),
      pins: z
        .object({ rst: bcm.default(17), dc: bcm.default(25), busy: bcm.default(24), pwr: bcm.default(18) })
        .strict()
        .default({ rst: 17, dc: 25, busy: 24, pwr: 18 })
        .describe('BCM numbers of the HAT\'s RST, DC, BUSY and PWR lines'),
      busyTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000).describe('longest wait for BUSY before the panel is reported faulty'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('simulated'),
      png: z.string().min(1).optional().describe('where to save what the glass shows after each refresh, relative to the config file'),
      speed: z.number().positive().max(1000).default(1).describe('refresh times divided by this (1: about 4 s full, 0.5 s partial)'),
      temperatureC: z.number().min(-40).max(85).default(20).describe("the simulated panel's temperature"),
    })
    .strict(),
]);
export type EpaperHardware = z.infer<typeof EpaperHardware>;

export const ButtonHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('gpio'),
      pin: bcm.describe('the button'),
      pressedWhen: z.enum(['low', 'high']).default('low').describe('its level while pressed (low: to ground, with the pull-up)'),
      debounceMs: z.number().int().min(0).max(1000).default(50),
    })
    .strict(),
  z
    .object({
      kind: z.literal('firmata'),
      path: z.string().min(1).describe("the sensor board's serial port"),
      baud: z.number().int().positive().default(57_600),
      pin: firmataPin.describe('the button'),
      pressedWhen: z.enum(['low', 'high']).default('low'),
      pullUp: z.boolean().default(true),
      debounceMs: z.number().int().min(0).max(1000).default(50),
    })
    .strict(),
  z
    .object({
      kind: z.literal('simulated'),
      presses: z.string().min(1).optional().describe('a file of press times to play by the wall clock (JSON lines of {"at"}), relative to the config file'),
    })
    .strict(),
]);
export type ButtonHardware = z.infer<typeof ButtonHardware>;

/** How the talking button's voice sounds, whatever it plays through (espeak-ng's options). */
const voice = {
  wordsPerMinute: z.number().int().min(80).max(450).optional().describe('speaking rate in words a minute (default 140: slower than espeak-ng\'s 175, for a noisy stop)'),
  amplitude: z.number().int().min(0).max(200).optional().describe("espeak-ng's volume, 0–200 (default 100)"),
  espeak: z
    .string()
    .min(1)
    .refine((p) => !p.includes('/') || p.startsWith('/'), 'a program name on PATH or an absolute path')
    .optional()
    .describe('the espeak-ng program, when not `espeak-ng` on PATH: a name on PATH or an absolute path'),
};

export const AudioHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('alsa'),
      device: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe("the ALSA device for `aplay -D`, e.g. plughw:CARD=Headphones (a Pi's 3.5 mm jack) or plughw:CARD=Device (a USB speaker); default ALSA's default device (`aplay -L` lists them)"),
      ...voice,
    })
    .strict()
    .describe('speech played on a sound card: espeak-ng --stdout | aplay -q [-D device] (apt-get install espeak-ng alsa-utils)'),
  z
    .object({
      kind: z.literal('wav'),
      file: z.string().min(1).describe('the WAV each reading is written to, relative to the config file; replaced whole (temp file + rename) at each press'),
      ...voice,
    })
    .strict()
    .describe('speech written to a WAV file instead of played (the simulated town; tests)'),
]);
export type AudioHardware = z.infer<typeof AudioHardware>;

/** The parking panel's LED sign (hardware/sign/): an Alpha (M-Protocol) sign on RS-485, or one simulated. */
const signFace = {
  columns: z.number().int().min(1).max(125).default(16).describe("characters a line of the sign shows (its picture's width: 6 LEDs a character)"),
  lines: z.number().int().min(1).max(8).default(2).describe('lines of text the sign shows'),
};

export const SignHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('alpha'),
      path: z.string().min(1).describe('the RS-485 adapter: /dev/ttyUSB0, /dev/ttyAMA0'),
      baudRate: z.number().int().positive().default(9600),
      dataBits: z.union([z.literal(7), z.literal(8)]).default(7).describe('Alpha signs: 7 data bits, even parity, 1 stop bit (7E1)'),
      parity: z.enum(['even', 'odd', 'none']).default('even'),
      stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
      address: z.number().int().min(1).max(255).default(1).describe("the sign's serial address, 1–255 (0 is broadcast, which no sign answers)"),
      typeCode: z.string().length(1).default('Z').describe('sign type code of the packets (Z: every type)'),
      textLabel: z.string().length(1).default('A').describe('the TEXT file that holds the layout (calls one STRING file a row)'),
      handshake: z
        .enum(['auto', 'ack', 'readback'])
        .default('auto')
        .describe("how writes are confirmed: ack: the sign's ACK/NAK; readback: reading the file back; auto: ACK when the sign sends one, else reading back"),
      ackTimeoutMs: z.number().int().min(50).max(30_000).default(1500).describe('longest wait for an ACK/NAK'),
      responseTimeoutMs: z.number().int().min(50).max(30_000).default(2000).describe("longest wait for a read's response"),
      retries: z.number().int().min(0).max(10).default(3).describe('writes sent again before a fault is reported (the driver keeps trying after, with backoff)'),
      checkIntervalMs: z.number().int().min(1000).max(3_600_000).default(60_000).describe("how often the sign's memory configuration is read back (a sign that rebooted has lost it)"),
      ...signFace,
    })
    .strict(),
  z
    .object({
      kind: z.literal('simulated'),
      acks: z.boolean().default(true).describe('whether the simulated sign answers ACK/NAK'),
      png: z.string().min(1).optional().describe('where to save what the sign shows after each change, relative to the config file'),
      ...signFace,
    })
    .strict(),
]);
export type SignHardware = z.infer<typeof SignHardware>;

/**
 * A car park's loop detectors (hardware/loop/): two loops per lane, each detector channel's output
 * on one input. Wiring rule: loop A is the loop a vehicle meets first in the lane's normal direction
 * of travel (an entry lane's outer loop, an exit lane's inner one; on a two-way lane the outer one).
 */
const loopLane = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a lane name: 1–32 of A–Z a–z 0–9 - _')
  .describe('the lane as named on site and in the `loops` stream (entry-1)');
const localHhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM');
const uniqueLanes = (lanes: readonly { lane: string }[]) => new Set(lanes.map((l) => l.lane)).size === lanes.length;
const loopReading = {
  debounceMs: z.number().int().min(0).max(2000).optional().describe('occupied levels shorter than this are detector chatter (default 100)'),
  gapMs: z.number().int().min(0).max(10_000).optional().describe("clear levels shorter than this are a gap inside one vehicle, a trailer's drawbar (default 1500)"),
  stuckMs: z.number().int().min(10_000).optional().describe('a loop occupied this long raises loop-stuck (default 600000: 10 min)'),
  silentMs: z.number().int().min(60_000).optional().describe('a loop without an edge for this much opening time raises loop-silent (default: never)'),
  openHours: z
    .object({ from: localHhMm, to: localHhMm })
    .strict()
    .optional()
    .describe('when silence counts, local time (default: always; `to` before `from` runs past midnight)'),
  timeZone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'not a known IANA time zone')
    .optional()
    .describe('the time zone of openHours and of the simulated day (default Europe/Ljubljana)'),
};

export const LoopsHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('gpio'),
      lanes: z
        .array(z.object({ lane: loopLane, a: bcm.describe("loop A's detector output"), b: bcm.describe("loop B's detector output") }).strict())
        .min(1)
        .max(16)
        .refine(uniqueLanes, 'a lane is listed twice')
        .refine((lanes) => new Set(lanes.flatMap((l) => [l.a, l.b])).size === lanes.length * 2, 'a BCM line is used twice'),
      occupiedWhen: z.enum(['low', 'high']).default('low').describe("the detector output's level while its loop is occupied (low: a contact or open collector to ground)"),
      ...loopReading,
    })
    .strict(),
  z
    .object({
      kind: z.literal('simulated'),
      lanes: z
        .array(
          z
            .object({
              lane: loopLane,
              kind: z.enum(['entry', 'exit', 'both']).default('both').describe("which way the simulated vehicles go (set it as the counter module's lane kind)"),
            })
            .strict(),
        )
        .min(1)
        .max(16)
        .refine(uniqueLanes, 'a lane is listed twice'),
      traffic: z
        .object({
          seed: z.number().int().optional().describe('the same seed, the same vehicles (default 1)'),
          arrivalsPerHour: z.number().min(0).max(100_000).optional().describe('arrivals an hour at the morning peak (default 60)'),
          capacity: z.number().int().min(0).optional().describe('spaces: arrivals when full are turned away (default 200)'),
          inside: z.number().int().min(0).optional().describe('cars inside at start (default 0)'),
          speed: z.number().positive().max(10_000).optional().describe('the simulated day runs this many times faster (default 1; a lane passes about 500 vehicles a real hour)'),
          dayStartsAt: localHhMm.optional().describe('the simulated local time at start (default: the real one)'),
          reversingShare: z.number().min(0).max(1).optional().describe('share of arrivals that reverse away (default 0.03)'),
          trailerShare: z.number().min(0).max(1).optional().describe('share of vehicles towing a trailer (default 0.02)'),
          stopShare: z.number().min(0).max(1).optional().describe('share of vehicles that stop on the loops 5–40 s (default 0.15)'),
          chatterShare: z.number().min(0).max(1).optional().describe('share of vehicles whose detector chatters as they arrive (default 0.05)'),
        })
        .strict()
        .optional()
        .describe('a seeded day of traffic (morning fill, lunchtime churn, evening emptying) played from start; none: the loops stay clear'),
      ...loopReading,
    })
    .strict(),
]);
export type LoopsHardware = z.infer<typeof LoopsHardware>;

export const HardwareConfig = z
  .object({
    doors: DoorsHardware.optional().describe('door passenger counters (bus)'),
    gnss: GnssHardware.optional().describe('the GNSS receiver (bus)'),
    epaper: EpaperHardware.optional().describe('the e-paper panel (stop-display)'),
    button: ButtonHardware.optional().describe('the talking button that reads the departures aloud (stop-display)'),
    audio: AudioHardware.optional().describe("where the talking button's speech goes (stop-display; default: ALSA's default device through aplay)"),
    loops: LoopsHardware.optional().describe("the car park's entry and exit loop detectors (car-park-counter)"),
    sign: SignHardware.optional().describe('the LED guidance sign (parking-panel)'),
  })
  .strict();
export type HardwareConfig = z.infer<typeof HardwareConfig>;
