import { defineConfig } from 'tsup';

// Three executables, one per audience: the fleet service, the edge agent, the technicians' CLI.
export default defineConfig({
  entry: {
    'fleet/main': 'fleet/main.ts',
    'fleet/cli/main': 'fleet/cli/main.ts',
    'device/main': 'device/main.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: true,
  banner: { js: '#!/usr/bin/env node' },
});
