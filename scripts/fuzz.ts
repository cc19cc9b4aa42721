/**
 * `npm run fuzz [-- --seconds N] [-- --seed S] [-- --target name[,name]]`
 * `npm run fuzz -- --target <name> --input <file>`   replays one saved input
 *
 * Runs every fuzz target of test/fuzz/ (the decoders at the border and the telemetry ingest) for N
 * seconds in all (default 60), round-robin in short slices. The seed is TABLA_FUZZ_SEED or --seed,
 * else a fresh one, printed: the same seed gives every target the same inputs again. Each new
 * finding is minimised and written to .tabla/fuzz/ (the input and a .json with the seed, the input's
 * index and the command that replays it). Exit 1 on any finding: a finding is a bug to fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Campaign, type Finding, minimise, preview, verdict } from '../test/fuzz/run.js';
import { createTargets } from '../test/fuzz/targets.js';

const say = (line = '') => process.stdout.write(line + '\n');

function usage(message: string): never {
  process.stderr.write(`fuzz: ${message}\nusage: node --import tsx scripts/fuzz.ts [--seconds N] [--seed S] [--target name[,name]] [--input file]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): { seconds: number; seed: number; targets: string[]; input?: string } {
  const out = { seconds: 60, seed: NaN, targets: [] as string[], input: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--seconds') out.seconds = Number(value());
    else if (flag === '--seed') out.seed = Number(value());
    else if (flag === '--target') out.targets.push(...value().split(','));
    else if (flag === '--input') out.input = value();
    else usage(`unknown argument ${a}`);
  }
  if (!(out.seconds > 0)) usage('--seconds must be a positive number');
  if (Number.isNaN(out.seed)) out.seed = Number(process.env.TABLA_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
  if (!Number.isInteger(out.seed) || out.seed < 0 || out.seed >= 2 ** 32) usage('the seed must be an integer in [0, 2^32)');
  return out;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repo, '.tabla', 'fuzz');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function save(f: Finding, minimal: Finding['input']): string {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${f.target.replace(/\W+/g, '-')}--${f.invariant.replace(/\W+/g, '-')}--s${f.seed}-i${f.index}`);
  fs.writeFileSync(`${base}.input`, minimal);
  const replay = `node --import tsx scripts/fuzz.ts --target ${f.target} --input ${path.relative(repo, base)}.input`;
  const meta = {
    target: f.target,
    invariant: f.invariant,
    message: f.message,
    seed: f.seed,
    index: f.index,
    encoding: typeof minimal === 'string' ? 'string' : 'bytes',
    bytes: Buffer.byteLength(minimal),
    originalBytes: Buffer.byteLength(f.input),
    replay,
    regenerate: `TABLA_FUZZ_SEED=${f.seed} node --import tsx scripts/fuzz.ts --target ${f.target}  (input #${f.index} of that target)`,
  };
  fs.writeFileSync(`${base}.json`, JSON.stringify(meta, null, 2) + '\n');
  return `${base}.input`;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const all = createTargets();
  const targets = args.targets.length ? all.filter((t) => args.targets.some((n) => t.name === n || t.name.startsWith(`${n}/`))) : all;
  if (!targets.length) usage(`no target named ${args.targets.join(', ')}; targets: ${all.map((t) => t.name).join(', ')}`);

  if (args.input) {
    if (targets.length !== 1) usage('--input needs exactly one --target');
    const target = targets[0]!;
    const meta = fs.existsSync(args.input.replace(/\.input$/, '.json')) ? JSON.parse(fs.readFileSync(args.input.replace(/\.input$/, '.json'), 'utf8')) : {};
    const raw = fs.readFileSync(args.input);
    const input = meta.encoding === 'string' ? raw.toString('utf8') : raw;
    target.open?.();
    try {
      const v = verdict(target, input);
      say(`${target.name} ${preview(input)}: ${v ? `BROKEN ${v.message}` : 'every invariant holds'}`);
      return v ? 1 : 0;
    } finally {
      target.close?.();
    }
  }

  say(`fuzz: ${targets.length} targets for ${args.seconds} s, seed ${args.seed} (TABLA_FUZZ_SEED=${args.seed} to repeat)`);
  const campaigns = targets.map((t) => new Campaign(t, args.seed));
  const started = performance.now();
  const endAt = started + args.seconds * 1000;
  const sliceMs = Math.min(250, (args.seconds * 1000) / campaigns.length);
  let nextProgress = started + 5000;
  let fresh = 0;
  try {
    while (performance.now() < endAt) {
      for (const c of campaigns) {
        for (const f of c.runFor(Math.min(sliceMs, Math.max(1, endAt - performance.now())))) {
          const minimal = minimise(c.target, f.input, f.invariant, Math.max(1000, Math.min(5000, endAt - performance.now())));
          const file = save(f, minimal);
          fresh++;
          say(`  FINDING ${f.target} ${f.invariant} (input #${f.index}): ${f.message.slice(0, 300)}`);
          say(`    minimised to ${preview(minimal, 160)}; saved ${path.relative(repo, file)}`);
        }
        if (performance.now() >= endAt) break;
      }
      if (performance.now() >= nextProgress) {
        const n = campaigns.reduce((s, c) => s + c.inputs, 0);
        const s = (performance.now() - started) / 1000;
        say(`  [${s.toFixed(0).padStart(4)} s] ${fmt(n)} inputs (${fmt(n / s)}/s), ${fresh} findings`);
        nextProgress += 5000;
      }
    }
  } finally {
    for (const c of campaigns) c.close();
  }

  const total = campaigns.reduce((s, c) => s + c.inputs, 0);
  const secs = (performance.now() - started) / 1000;
  say(`\nsummary (seed ${args.seed}, ${secs.toFixed(1)} s, ${fmt(total)} inputs, ${fmt(total / secs)}/s):`);
  for (const c of campaigns) {
    const found = c.findings.map((f) => `${f.invariant} ×${f.count}`).join(', ');
    say(`  ${c.target.name.padEnd(22)} ${fmt(c.inputs).padStart(10)} inputs ${fmt(c.inputs / (c.ms / 1000)).padStart(8)}/s   ${found || 'no findings'}`);
  }
  say(fresh ? `${fresh} finding(s): inputs in ${path.relative(repo, outDir)}/` : 'no findings');
  return fresh > 0 ? 1 : 0;
}

process.exitCode = main();
