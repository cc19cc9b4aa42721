/**
 * `tabla devices` (the fleet as a table; filters by role, site and presence; `--watch` redraws it)
 * and `tabla device <id>` (one device in detail), or the API's JSON with --json.
 */
import { Option, type Command } from 'commander';
import { ROLES } from '../../../protocols/index.js';
import { PRESENCES } from '../../presence.js';
import { enc } from '../api.js';
import { noHeadersOption, positiveInt, positiveNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { deviceView, devicesTable, type DeviceDetail, type DeviceSummary } from '../format.js';
import { examples } from '../help.js';

export interface DeviceFilter {
  role?: string;
  site?: string;
  presence?: string;
}

/** The devices that pass every filter given (a site matches case-insensitively). */
export function filterDevices(devices: DeviceSummary[], f: DeviceFilter): DeviceSummary[] {
  return devices.filter(
    (d) => (!f.role || d.role === f.role) && (!f.site || (d.site ?? '').toLowerCase() === f.site.toLowerCase()) && (!f.presence || d.presence === f.presence),
  );
}

interface DevicesOptions extends DeviceFilter {
  json?: boolean;
  headers: boolean;
  watch?: number | true;
  times?: number;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('devices')
    .description('list devices: presence, last seen, outbox depth, agent version, config')
    .addOption(new Option('--role <role>', 'only devices of this role').choices(ROLES))
    .option('--site <site>', 'only devices at this site')
    .addOption(new Option('--presence <presence>', 'only devices this present').choices(PRESENCES))
    .option('--json', 'print the JSON array')
    .addOption(noHeadersOption())
    .option('-w, --watch [seconds]', 'redraw every few seconds (default 2) until interrupted', positiveNumber)
    .addOption(new Option('--times <n>', 'with --watch: stop after n refreshes').argParser(positiveInt).hideHelp())
    .addHelpText(
      'after',
      examples([
        'tabla devices',
        'tabla devices --role stop-display --site velenje --presence offline',
        'tabla devices --watch 5',
        "tabla devices --presence offline --no-headers | cut -d' ' -f1",
        'tabla devices --json',
      ]),
    )
    .action(async (o: DevicesOptions) => {
      const api = ctx.api();
      const filter: DeviceFilter = { ...(o.role ? { role: o.role } : {}), ...(o.site ? { site: o.site } : {}), ...(o.presence ? { presence: o.presence } : {}) };
      const filtered = Object.keys(filter).length > 0;
      const show = async () => {
        const all = await api.get<DeviceSummary[]>('/api/devices');
        const devices = filterDevices(all, filter);
        if (o.json) return ctx.json(devices);
        if (filtered && all.length > 0 && devices.length === 0) return ctx.out(`none of the ${all.length} devices matches ${Object.entries(filter).map(([k, v]) => `--${k} ${v}`).join(' ')}`);
        ctx.out(devicesTable(devices, ctx.style(o)));
      };
      if (o.watch === undefined) return show();
      const everyMs = (o.watch === true ? 2 : o.watch) * 1000;
      const tty = Boolean(process.stdout.isTTY);
      for (let i = 0; o.times === undefined || i < o.times; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, everyMs));
        if (tty) process.stdout.write('\x1b[H\x1b[2J');
        else if (i > 0) ctx.out('');
        if (tty || !o.json) ctx.out(`${new Date().toISOString().slice(11, 19)}  every ${everyMs / 1000}s (Ctrl-C stops)`);
        await show();
      }
    });

  program
    .command('device')
    .description('one device: identity, presence, health, outbox, streams, commands, config')
    .argument('<id>')
    .option('--json', 'print the JSON')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla device bus-01', 'tabla device bus-01 --json']))
    .action(async (id: string, o: { json?: boolean; headers: boolean }) => {
      const d = await ctx.api().get<DeviceDetail>(`/api/devices/${enc(id)}`);
      if (o.json) ctx.json(d);
      else ctx.out(deviceView(d, ctx.style(o)));
    });
}
