/**
 * Fuzz targets: every decoder at the border, each with the invariants it must keep whatever a
 * device or an API caller sends. A new decoder is one more entry in `createTargets`: a zod message
 * is one `decodeTarget(...)` line; a byte codec (NMEA, sign frames, GTFS) is a `FuzzTarget` with
 * its own seeds, `input: jsonMutator(...)` or its own mutator, and a `run` that checks its rules.
 */
import type { z } from 'zod';
import {
  Ack, Birth, CfgDesired, CfgReported, CmdAck, Command, Content, FleetState, Frame, State, TelemetryBatch,
  DEVICE_ID_PATTERN, DOWN_LEAVES, FLEET_USERNAME, MAX_JSON_DEPTH, MAX_PAYLOAD_BYTES, MAX_REASON_CHARS, NAME_PATTERN, PayloadTooLarge, ROOT, UP_LEAVES,
  decode, encode, mayPublish, maySubscribe, parseTopic, topic, type ParsedTopic,
} from '../../protocols/index.js';
import { ConfigError, parseAgentConfig } from '../../device/config.js';
import { type Input, type Rng, jsonMutator, stringMutator } from './generate.js';
import { ingestTarget } from './ingest-target.js';
import { nmeaTarget } from './nmea-target.js';
import { Broken, assertPlainData, check, type FuzzTarget, sameJson } from './invariants.js';
import { AGENT_CONFIG_SEEDS, DEVICE_IDS, MESSAGE_SEEDS, TOPIC_PIECES, topicSeeds } from './seeds.js';


const show = (s: string) => JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s);

/**
 * How deep a JSON text nests (null if it is not JSON): its strings blanked by a regex, then the
 * brackets counted. The text, not the parsed value: of duplicate keys only the last survives.
 */
function jsonDepth(input: Input): number | null {
  const text = String(input);
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  let depth = 0;
  let max = 0;
  for (const c of text.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

/**
 * A zod message decoded at the border: `decode` never throws and answers ok or a short reason;
 * what it accepts encodes (within MAX_PAYLOAD_BYTES) and decodes again to the same value.
 */
export function decodeTarget<T>(name: string, schema: z.ZodType<T>, seeds: readonly unknown[], extra?: (value: T) => void): FuzzTarget {
  return {
    name: `decode/${name}`,
    input: jsonMutator({ seeds, strings: true }),
    run(input) {
      let r;
      try {
        r = decode(schema, input);
      } catch (err) {
        throw new Broken('decode-throws', `${(err as Error)?.name}: ${(err as Error)?.message}`);
      }
      check(r && typeof r.ok === 'boolean', 'result-shape', () => `decode returned ${JSON.stringify(r)}`);
      if (!r.ok) {
        check(typeof r.reason === 'string' && r.reason.length > 0, 'reason-empty', () => 'a refusal without a reason');
        check(r.reason.length <= MAX_REASON_CHARS, 'reason-length', () => `reason of ${r.reason.length} chars: ${show(r.reason)}`);
        if (r.reason.startsWith('nesting')) {
          const depth = jsonDepth(input);
          check(depth === null || depth > MAX_JSON_DEPTH, 'nesting-miscounted', () => `refused as too deep, but nests ${depth} levels`);
        }
        return;
      }
      const depth = jsonDepth(input);
      check(depth !== null && depth <= MAX_JSON_DEPTH, 'nesting-miscounted', () => `accepted, but nests ${depth} levels`);
      assertPlainData(r.value);
      // Written again, what was accepted grows only by JavaScript's own number form (1e20 is
      // written 100000000000000000000: 4 bytes become 21), never by anything else (invalid UTF-8
      // is refused, not replaced): at most 21/4 of the limit, which is what the fleet stores.
      const size = Buffer.byteLength(JSON.stringify(r.value));
      check(size <= (MAX_PAYLOAD_BYTES * 21) / 4, 'reencode-oversize', () => `accepted ${Buffer.byteLength(input)} bytes that re-encode to ${size}`);
      let text: string;
      try {
        text = encode(schema, r.value);
      } catch (err) {
        if (err instanceof PayloadTooLarge && size > MAX_PAYLOAD_BYTES) return;
        throw new Broken('reencode-fails', `decoded ok, but encode threw: ${(err as Error).message.slice(0, 200)}`);
      }
      const again = decode(schema, text);
      check(again.ok, 'roundtrip-refused', () => `its own encoding is refused: ${again.ok ? '' : again.reason}`);
      check(sameJson(again.value, r.value), 'roundtrip-differs', () => `decode(encode(x)) differs from x: ${show(text)}`);
      extra?.(r.value);
    },
  };
}

/** What a parsed topic is written as, by the contract's own `topic.*` forms. */
function reform(p: ParsedTopic): string {
  if (p.kind === 'fleet-state') return topic.fleetState();
  if (p.kind === 'telemetry') return topic.telemetry(p.deviceId, p.stream);
  if (p.kind === 'cmd') return topic.cmd(p.deviceId, p.verb);
  const form = (topic as unknown as Record<string, ((id: string) => string) | undefined>)[p.kind.replace(/-(.)/g, (_, c: string) => c.toUpperCase())];
  check(form, 'no-topic-form', () => `kind ${p.kind} has no topic.* form`);
  return form(p.deviceId);
}

const TOPIC_FORMS = topic as unknown as Record<string, (id: string, name: string) => string>;
const topicInput = stringMutator(topicSeeds(TOPIC_FORMS), TOPIC_PIECES);

function topicTarget(): FuzzTarget {
  return {
    name: 'parseTopic',
    input: topicInput,
    run(input) {
      const t = String(input);
      const p = parseTopic(t);
      if (p === null) return;
      check(reform(p) === t, 'topic-reform', () => `${show(t)} parses to ${JSON.stringify(p)}, which is written ${show(reform(p))}`);
      if ('deviceId' in p) check(DEVICE_ID_PATTERN.test(p.deviceId), 'topic-id', () => `device id ${show(p.deviceId)} off the pattern`);
      if (p.kind === 'telemetry') check(NAME_PATTERN.test(p.stream), 'topic-name', () => `stream ${show(p.stream)} off the pattern`);
      if (p.kind === 'cmd') check(NAME_PATTERN.test(p.verb), 'topic-name', () => `verb ${show(p.verb)} off the pattern`);
    },
  };
}

const ACL_USERS = [...DEVICE_IDS, FLEET_USERNAME, 'bus-lokalc-2', '', '+', '#', 'Bus', '_other'];

/**
 * The ACL against the README's rules, written out independently: a device publishes only its own
 * upward leaves and telemetry streams, subscribes only to its own downward leaves, its commands
 * and the fleet state; the fleet anywhere under the root. Input: `username\ntopic`.
 */
function aclTarget(): FuzzTarget {
  return {
    name: 'acl',
    input: (rng: Rng) => `${rng.chance(0.1) ? topicInput(rng) : rng.pick(ACL_USERS)}\n${topicInput(rng)}`,
    run(input) {
      const text = String(input);
      const cut = text.indexOf('\n');
      const user = cut < 0 ? '' : text.slice(0, cut);
      const t = cut < 0 ? text : text.slice(cut + 1);
      const pub = mayPublish(user, t);
      const sub = maySubscribe(user, t);
      for (const d of [pub, sub]) check(d.ok || (typeof d.reason === 'string' && d.reason.length > 0), 'acl-reason', () => 'a refusal without a reason');
      if (user === FLEET_USERNAME) {
        check(pub.ok === t.startsWith(`${ROOT}/`), 'acl-fleet', () => `fleet publish ${show(t)}: ${pub.ok}`);
        check(sub.ok === t.startsWith(`${ROOT}/`), 'acl-fleet', () => `fleet subscribe ${show(t)}: ${sub.ok}`);
        return;
      }
      if (!DEVICE_ID_PATTERN.test(user)) return; // the broker authenticates registered ids only
      const own = `${ROOT}/${user}/`;
      const rest = t.startsWith(own) ? t.slice(own.length) : null;
      const up = rest !== null && ((UP_LEAVES as readonly string[]).includes(rest) || (rest.startsWith('t/') && NAME_PATTERN.test(rest.slice(2))));
      const down =
        t === topic.fleetState() ||
        (rest !== null && ((DOWN_LEAVES as readonly string[]).includes(rest) || rest === 'cmd/+' || (rest.startsWith('cmd/') && NAME_PATTERN.test(rest.slice(4)))));
      check(pub.ok === up, 'acl-publish', () => `${user} publish ${show(t)}: ACL says ${pub.ok}, the rules say ${up}`);
      check(sub.ok === down, 'acl-subscribe', () => `${user} subscribe ${show(t)}: ACL says ${sub.ok}, the rules say ${down}`);
    },
  };
}

/** The agent config: only ConfigError, naming the field; what it accepts parses again to itself. */
function agentConfigTarget(): FuzzTarget {
  return {
    name: 'parseAgentConfig',
    input: jsonMutator({ seeds: AGENT_CONFIG_SEEDS }),
    run(input) {
      const text = String(input);
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON: loadAgentConfig refuses it before parsing; the parser still gets a string here
      }
      let config;
      try {
        config = parseAgentConfig(json, 'fuzz.json');
      } catch (err) {
        check(err instanceof ConfigError, 'config-throws', () => `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
        check(err.message.length > 'fuzz.json: '.length, 'config-message', () => 'a ConfigError without a message');
        return;
      }
      assertPlainData(config);
      const again = parseAgentConfig(JSON.parse(JSON.stringify(config)), 'fuzz.json');
      check(sameJson(again, config), 'config-roundtrip', () => 'a parsed config written out parses to something else');
    },
  };
}

/** A telemetry batch the fleet accepts is in seq order and its `low` is at most its first seq. */
function batchOrder(b: TelemetryBatch): void {
  check(b.records.every((r, i) => i === 0 || r.seq > b.records[i - 1]!.seq), 'batch-order', () => 'seqs not strictly increasing');
  check(b.low <= b.records[0]!.seq, 'batch-low', () => `low ${b.low} above the first seq ${b.records[0]!.seq}`);
}

/** Every target, fresh (no resources held until `open`). */
export function createTargets(): FuzzTarget[] {
  const s = MESSAGE_SEEDS;
  return [
    decodeTarget('Birth', Birth, s.Birth),
    decodeTarget('State', State, s.State),
    decodeTarget('FleetState', FleetState, s.FleetState),
    decodeTarget('TelemetryBatch', TelemetryBatch, s.TelemetryBatch, batchOrder),
    decodeTarget('Ack', Ack, s.Ack),
    decodeTarget('Command', Command, s.Command),
    decodeTarget('CmdAck', CmdAck, s.CmdAck),
    decodeTarget('CfgDesired', CfgDesired, s.CfgDesired),
    decodeTarget('CfgReported', CfgReported, s.CfgReported),
    decodeTarget('Content', Content, s.Content),
    decodeTarget('Frame', Frame, s.Frame),
    topicTarget(),
    aclTarget(),
    agentConfigTarget(),
    ingestTarget(),
    nmeaTarget(),
  ];
}
