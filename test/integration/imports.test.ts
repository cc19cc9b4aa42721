/**
 * The README's import rules, checked on every source file: protocols/ imports nothing of ours;
 * hardware/ only protocols/; device/ only hardware/ and protocols/; fleet/ only protocols/ (the
 * fleet speaks the wire contract and never reaches into a device's code).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PARTS = ['protocols', 'hardware', 'device', 'fleet'] as const;
type Part = (typeof PARTS)[number];
const MAY_IMPORT: Record<Part, Part[]> = {
  protocols: [],
  hardware: ['protocols'],
  device: ['hardware', 'protocols'],
  fleet: ['protocols'],
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** Every module specifier a file names: static imports, re-exports, dynamic imports. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[^\w.])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function partOf(file: string): Part | null {
  const first = path.relative(ROOT, file).split(path.sep)[0];
  return (PARTS as readonly string[]).includes(first!) ? (first as Part) : null;
}

test('the specifier reader sees static, re-exported, type-only, side-effect and dynamic imports', () => {
  const text = [
    "import { a } from '../fleet/x.js';",
    "import type { B } from '../device/y.js';",
    "export * from './z.js';",
    "import './side.js';",
    "const m = await import('../hardware/w.js');",
    'import {\n  c,\n  d,\n} from "multi.js";',
    "// a word like important('x') is not an import",
  ].join('\n');
  assert.equal(specifiers(text), ['../fleet/x.js', '../device/y.js', './z.js', './side.js', '../hardware/w.js', 'multi.js']);
});

test("every source file keeps the README's import rules", () => {
  const broken: string[] = [];
  let checked = 0;
  for (const part of PARTS) {
    for (const file of sources(path.join(ROOT, part))) {
      checked++;
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue; // a package
        const target = partOf(path.resolve(path.dirname(file), spec));
        if (target === null) broken.push(`${path.relative(ROOT, file)} imports ${spec}, outside protocols/hardware/device/fleet`);
        else if (target !== part && !MAY_IMPORT[part].includes(target)) broken.push(`${path.relative(ROOT, file)} imports ${spec} (${part}/ may not import ${target}/)`);
      }
    }
  }
  assert.ok(checked > 50, `read the sources (${checked} files)`);
  assert.equal(broken, []);
});

test.run();
