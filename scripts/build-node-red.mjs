#!/usr/bin/env node
/**
 * After tsup (its onSuccess): copies Tabla's Node-RED node module (fleet/engines/node-red/nodes/:
 * plain JavaScript and HTML that Node-RED loads itself, not bundled) into dist/node-red/, where the
 * built fleet looks for it (runtime.ts, tablaNodesDir). The installed package holds dist/ only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(root, 'fleet', 'engines', 'node-red', 'nodes');
const to = path.join(root, 'dist', 'node-red');
fs.rmSync(to, { recursive: true, force: true });
fs.mkdirSync(to, { recursive: true });
const files = fs.readdirSync(from).filter((f) => /\.(js|html|json)$/.test(f));
for (const f of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
if (!files.includes('package.json')) throw new Error(`no package.json in ${from}`);
console.log(`node-red nodes: ${files.join(', ')} → dist/node-red/`);
