/**
 * `tabla devices` (the fleet as a table) and `tabla device <id>` (one device in detail), or the
 * API's JSON with --json.
 */
import type { Command } from 'commander';
import { enc } from '../api.js';
import type { CliContext } from '../context.js';
import { deviceView, devicesTable, type DeviceDetail, type DeviceSummary } from '../format.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('devices')
    .description('list devices: presence, last seen, outbox depth, agent version, config')
    .option('--json', 'print the JSON array')
    .action(async (o: { json?: boolean }) => {
      const devices = await ctx.api().get<DeviceSummary[]>('/api/devices');
      if (o.json) ctx.json(devices);
      else ctx.out(devicesTable(devices, ctx.style()));
    });

  program
    .command('device')
    .description('one device: identity, presence, health, outbox, streams, commands, config')
    .argument('<id>')
    .option('--json', 'print the JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const d = await ctx.api().get<DeviceDetail>(`/api/devices/${enc(id)}`);
      if (o.json) ctx.json(d);
      else ctx.out(deviceView(d, ctx.style()));
    });
}
