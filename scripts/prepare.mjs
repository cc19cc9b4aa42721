#!/usr/bin/env node
// npm's `prepare`, run after `npm ci` / `npm install` in this folder: builds dist/ with tsup, so that
// `npx tabla` works straight away. Without the dev dependencies (`npm ci --omit=dev` in a folder that
// holds a built dist/) there is no tsup to build with: keep that dist/. During `npm pack` it does
// nothing, because `prepack` has just built.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsup = path.join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
const built = path.join(root, 'dist', 'device', 'main.js');

if (['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);
if (fs.existsSync(tsup)) {
  const r = spawnSync(process.execPath, [tsup], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (fs.existsSync(built)) {
  console.log('prepare: tsup is not installed (dev dependencies omitted); keeping the dist/ that is here');
  process.exit(0);
}
console.error(
  'prepare: no dist/ and no tsup to build it. Developers: `npm ci` with the dev dependencies. ' +
    'Devices: install the packed tarball (`npm pack`), see README.md, "Run a real agent on a Raspberry Pi".',
);
process.exit(1);
