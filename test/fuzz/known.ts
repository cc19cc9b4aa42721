/**
 * Findings already reported and not yet fixed (in code the fuzz test's authors may not touch).
 * Listed so `npm test` stays green while they wait, not hidden: each excuses only its own bug (a
 * matcher narrower than the invariant), keeps a minimal reproducer, and the fuzz test fails once
 * the reproducer stops breaking the invariant, so a fix removes its entry here.
 */
import { Ack, Birth, MAX_PAYLOAD_BYTES, State, decode } from '../../protocols/index.js';
import type { Input } from './generate.js';
import { MAX_REASON_CHARS } from './targets.js';

interface FindingLike {
  target: string;
  invariant: string;
  message: string;
  input: Input;
}

export interface KnownFinding {
  id: string;
  /** What is wrong, where, and what it costs. */
  note: string;
  targets: readonly string[];
  invariants: readonly string[];
  /** Narrower than the invariant: only this bug is excused, not every break of the invariant. */
  matches(finding: FindingLike): boolean;
  /** A minimal input that shows it, and the target that shows it there. */
  reproducer: { target: string; input: Input };
}

const UNKNOWN_FIELDS = ['decode/TelemetryBatch', 'decode/Command', 'decode/CmdAck', 'decode/CfgDesired', 'decode/Content'];

/** Every key of a JSON text longer than `min` (none if it is not JSON). */
function longKeys(input: Input, min: number): string[] {
  const keys: string[] = [];
  try {
    JSON.parse(String(input), function (key) {
      if (key.length > min) keys.push(key);
      return (this as Record<string, unknown>)[key];
    });
  } catch {
    // not JSON: no keys
  }
  return keys;
}

const RECORD_SCHEMAS = { 'decode/Ack': Ack, 'decode/Birth': Birth, 'decode/State': State } as const;

/** The refusal reason would be short if the payload's long keys were not in it. */
function longOnlyByKeys(f: FindingLike): boolean {
  const schema = RECORD_SCHEMAS[f.target as keyof typeof RECORD_SCHEMAS];
  const r = schema && decode(schema as typeof Ack, f.input);
  if (!r || r.ok) return false;
  const rest = longKeys(f.input, 32).reduce((reason, key) => reason.split(key).join('…'), r.reason);
  return rest.length <= MAX_REASON_CHARS;
}

export const KNOWN_FINDINGS: KnownFinding[] = [
  {
    id: 'telemetry-empty-records-throws',
    note:
      "decode(TelemetryBatch) throws a TypeError on an empty records array: zod runs the `low <= records[0].seq` refine " +
      "(protocols/mqtt/messages.ts) after the non-fatal `records: min(1)` issue, and records[0] is undefined.",
    targets: ['decode/TelemetryBatch', 'ingest'],
    invariants: ['decode-throws'],
    matches: (f) => /reading 'seq'/.test(f.message),
    reproducer: { target: 'decode/TelemetryBatch', input: '{"v":1,"epoch":1,"low":1,"records":[]}' },
  },
  {
    id: 'reason-echoes-record-keys',
    note:
      "decode's refusal reason (formatIssues in protocols/mqtt/messages.ts) names a failing record key whole, so a payload " +
      'with long keys (Ack.streams, Birth.versions, State.modules) makes a reason, and a log line, of up to 256 KiB.',
    targets: ['decode/Ack', 'decode/Birth', 'decode/State'],
    invariants: ['reason-length'],
    matches: longOnlyByKeys,
    reproducer: { target: 'decode/Ack', input: `{"v":1,"ts":1,"streams":{"${'x'.repeat(MAX_REASON_CHARS)}":1}}` },
  },
  {
    id: 'unknown-fields-take-infinity',
    note:
      "Numbers past ±1.8e308 (`1e400`) parse to ±Infinity, which z.unknown() fields (records' data, Content.body, " +
      'CmdAck.result, Command.args, CfgDesired.settings) accept: not JSON values; encoding writes null, so the round trip changes them.',
    targets: UNKNOWN_FIELDS,
    invariants: ['plain-data'],
    matches: (f) => /is -?Infinity, which JSON cannot carry/.test(f.message),
    reproducer: { target: 'decode/Content', input: '{"v":1,"ts":1,"kind":"board","body":1e400}' },
  },
  {
    id: 'reencode-grows-past-limit',
    note:
      'A payload within MAX_PAYLOAD_BYTES can re-encode to 3–4.4× that: invalid UTF-8 bytes become U+FFFD (1 byte → 3) and ' +
      'numbers like 1e20 are written out in full (4 → 21 bytes). decode accepts it; encode of the value throws, and the ' +
      "fleet stores telemetry data re-encoded (JSON.stringify) unchecked.",
    targets: [...UNKNOWN_FIELDS, 'decode/Birth', 'decode/State'],
    invariants: ['reencode-oversize'],
    matches: (f) => {
      const bytes = Buffer.from(f.input);
      return !Buffer.from(bytes.toString('utf8')).equals(bytes) || /\d[eE]\+?\d/.test(bytes.toString('latin1'));
    },
    reproducer: {
      target: 'decode/Content',
      input: Buffer.concat([Buffer.from('{"v":1,"ts":1,"kind":"board","body":"'), Buffer.alloc(MAX_PAYLOAD_BYTES / 2, 0xff), Buffer.from('"}')]),
    },
  },
];

export function knownFinding(f: FindingLike): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((k) => k.targets.includes(f.target) && k.invariants.includes(f.invariant) && k.matches(f));
}
