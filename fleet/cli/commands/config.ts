/**
 * `tabla config get <id>` and `tabla config set <id> <json|@file>`: a device's desired settings,
 * versioned; the device reports which version it applied.
 */
import type { Command } from 'commander';
import type { DeviceConfigRecord } from '../../device-config.js';
import { enc } from '../api.js';
import { jsonObjectOrFile } from '../args.js';
import type { CliContext } from '../context.js';
import { configView } from '../format.js';

export function register(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description("get <id> | set <id> <json|@file>: a device's desired settings (versioned; it reports what it applied)");

  config
    .command('get')
    .description('desired and reported config version, and the desired settings')
    .argument('<id>')
    .option('--json', 'print the JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const c = await ctx.api().get<DeviceConfigRecord>(`/api/devices/${enc(id)}/config`);
      if (o.json) ctx.json(c);
      else ctx.out(configView(c, ctx.style()));
    });

  config
    .command('set')
    .description('set the desired settings: a JSON object, or @file.json')
    .argument('<id>')
    .argument('<settings>', 'JSON object literal, or @path/to/file.json', jsonObjectOrFile)
    .option('--json', 'print the JSON answer')
    .action(async (id: string, settings: Record<string, unknown>, o: { json?: boolean }) => {
      const r = await ctx.api().request<{ version: number }>('PUT', `/api/devices/${enc(id)}/config`, { settings });
      if (o.json) ctx.json(r);
      else ctx.out(`${id}: config v${r.version} set; the device applies it when online (tabla config get ${id} shows whether it did)`);
    });
}
