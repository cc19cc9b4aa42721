/**
 * A short, seeded fuzz of every decoder at the border (test/fuzz/): about 3 s in all. The seed is
 * fixed unless TABLA_FUZZ_SEED is set; `npm run fuzz` runs the same targets for longer.
 */
import { test } from 'uvu';
import type { z } from 'zod';
import * as assert from 'uvu/assert';
import { AgentConfig, decode, parseTopic, topic } from '../../protocols/index.js';
import * as messages from '../../protocols/mqtt/messages.js';
import { Campaign, type Finding, minimise, preview } from '../fuzz/run.js';
import { AGENT_CONFIG_SEEDS, DEVICE_IDS, MESSAGE_SEEDS } from '../fuzz/seeds.js';
import { createTargets } from '../fuzz/targets.js';
import { Broken, type FuzzTarget } from '../fuzz/invariants.js';

const SEED = Number(process.env.TABLA_FUZZ_SEED ?? 20_261_127);
const BUDGET_MS = 3000;
const targets = createTargets();

const describe = (f: Finding) => `${f.invariant} at input #${f.index}: ${f.message.slice(0, 300)} — input ${preview(f.input, 120)}`;

test('the seeds are valid: every mutation starts from a payload the decoder accepts', () => {
  for (const [name, seeds] of Object.entries(MESSAGE_SEEDS)) {
    const schema = (messages as unknown as Record<string, z.ZodType<unknown>>)[name]!;
    for (const seed of seeds) {
      const r = decode(schema, JSON.stringify(seed));
      assert.ok(r.ok, `${name} seed refused: ${r.ok ? '' : r.reason}`);
    }
  }
  for (const seed of AGENT_CONFIG_SEEDS) assert.ok(AgentConfig.safeParse(seed).success, `agent config seed ${seed.deviceId} refused`);
  for (const id of DEVICE_IDS) assert.ok(parseTopic(topic.telemetry(id, 'gps')), `topic of ${id} refused`);
  const decodeTargets = targets.filter((t) => t.name.startsWith('decode/')).map((t) => t.name.slice('decode/'.length));
  assert.equal(decodeTargets.sort(), Object.keys(MESSAGE_SEEDS).sort(), 'one decode target per message with seeds');
});

for (const target of targets) {
  test(`fuzz ${target.name}: every invariant holds`, () => {
    const campaign = new Campaign(target, SEED);
    try {
      campaign.runFor(BUDGET_MS / targets.length);
    } finally {
      campaign.close();
    }
    process.stdout.write(`fuzz ${target.name}: ${campaign.inputs} inputs, seed ${SEED}, ${Math.round(campaign.ms)} ms\n`);
    assert.ok(campaign.inputs > 0, 'no input tried');
    assert.equal(campaign.findings.map(describe), [], `new findings: TABLA_FUZZ_SEED=${SEED} npm run fuzz -- --target ${target.name} saves them`);
  });
}

test('the harness finds a planted bug, names its invariant, and minimises the input to the trigger', () => {
  const planted: FuzzTarget = {
    name: 'planted',
    input: createTargets()[0]!.input, // Birth payloads, mutated
    run(input) {
      if (Buffer.from(input).includes('[[[')) throw new Broken('no-triple-bracket', 'found [[[');
      if (Buffer.from(input).includes(0xff)) throw new RangeError('a decoder that throws');
    },
  };
  const campaign = new Campaign(planted, SEED);
  campaign.runFor(1000, 300);
  const names = campaign.findings.map((f) => f.invariant).sort();
  assert.equal(names, ['no-triple-bracket', 'threw:RangeError']);
  const f = campaign.findings.find((x) => x.invariant === 'no-triple-bracket')!;
  assert.equal(Buffer.from(minimise(planted, f.input, f.invariant)).toString(), '[[[');
  const again = new Campaign(planted, SEED);
  again.runFor(1000, f.index + 1);
  assert.is(again.findings.find((x) => x.invariant === f.invariant)?.index, f.index, 'the same seed gives the same inputs');
});

test.run();
