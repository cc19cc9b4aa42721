/**
 * `tabla provision <deviceId> --role <role>` (or `--from devices.csv` for a batch): registers devices
 * with the fleet and writes each one's agent config (with the device's secret, shown nowhere else) as
 * a 0600 file ready to copy to the device. The file-writing helpers are shared with
 * `tabla credentials rotate`, which writes the same file with a new secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ROLES, type Role } from '../../../protocols/index.js';
import { agentConfigFor } from '../../provision.js';
import { ApiFailure, type FleetApi } from '../api.js';
import { noHeadersOption } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { table, type DeviceSummary } from '../format.js';
import { examples } from '../help.js';

export const DEVICE_CONFIG_PATH = '/etc/tabla/agent.json';

interface ProvisionOptions {
  role?: Role;
  site?: string;
  out?: string;
  from?: string;
  dataDirOnDevice?: string;
  force?: boolean;
  json?: boolean;
  headers: boolean;
  label: Record<string, string>;
}

/** One device to provision: a command line, or a row of a --from CSV. */
export interface ProvisionRow {
  id: string;
  role: Role;
  site?: string;
  labels: Record<string, string>;
}

const LABEL_KEY = /^[a-z][a-z0-9_-]{0,31}$/;

/** `--label key=value`, repeatable. */
function labelOption(text: string, labels: Record<string, string> = {}): Record<string, string> {
  const m = /^([a-z][a-z0-9_-]{0,31})=(.{1,100})$/.exec(text);
  if (!m) throw new InvalidArgumentError('key=value (key: lower-case letters, digits, - and _; value up to 100 characters)');
  return { ...labels, [m[1]!]: m[2]! };
}

/**
 * A batch as CSV with a header row: `id` and `role` columns, optionally `site`, and any other
 * column is a label (an empty cell: no such label). Throws naming the line of the first bad row.
 */
export function parseBatch(text: string): ProvisionRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (err) {
    throw new Error(`not CSV: ${(err as Error).message}`);
  }
  return records.map((r, i) => {
    const line = i + 2;
    const { id, role, site, ...labels } = r;
    if (!id || !/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new Error(`line ${line}: id "${id ?? ''}" must be lower-case letters, digits and dashes`);
    if (!role || !(ROLES as readonly string[]).includes(role)) throw new Error(`line ${line}: role "${role ?? ''}" must be one of ${ROLES.join(', ')}`);
    for (const k of Object.keys(labels)) if (!LABEL_KEY.test(k)) throw new Error(`column "${k}": a label name is lower-case letters, digits, - and _`);
    const set = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
    return { id, role: role as Role, ...(site ? { site } : {}), labels: set };
  });
}

/** A warning when the broker URL is a loopback address: it works only on the fleet's own machine. */
export function loopbackWarning(mqttUrl: string, file: string): string | null {
  let host: string;
  try {
    host = new URL(mqttUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
  if (!(host === 'localhost' || host === '::1' || /^127\./.test(host))) return null;
  return `warning: mqtt.url in ${file} is ${mqttUrl}, a loopback address: a device elsewhere cannot reach it. Start the fleet with --public-mqtt-url (TABLA_PUBLIC_MQTT_URL) set to an address the devices reach, or edit mqtt.url in the file`;
}

/** Checks that `file` may be written, before any secret exists that would be lost if it cannot. */
export function checkWritable(file: string, force: boolean | undefined): void {
  if (!force && fs.existsSync(file)) throw new Failure(`${file} exists; pass --force to overwrite it`);
  try {
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
  } catch {
    throw new Failure(`cannot write into ${path.dirname(file)}`);
  }
}

/** Writes a file that holds a secret: mode 0600, temp file + rename so it is whole or absent. */
export function writeSecretFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes a device's agent config; if it cannot, prints the config (the secret's only copy) and fails. */
export function writeAgentConfig(
  ctx: CliContext,
  file: string,
  p: { deviceId: string; role: Role; site: string | null | undefined; secret: string; mqttUrl: string; dataDir?: string | undefined },
): void {
  const config = agentConfigFor({ deviceId: p.deviceId, role: p.role, site: p.site ?? undefined, secret: p.secret, mqttUrl: p.mqttUrl, ...(p.dataDir ? { dataDir: p.dataDir } : {}) });
  const text = JSON.stringify(config, null, 2) + '\n';
  try {
    writeSecretFile(file, text);
  } catch (err) {
    ctx.out(text); // the secret exists only here now: show it rather than lose it
    throw new Failure(`${p.deviceId} has new credentials but ${file} could not be written (${(err as Error).message}); its config is above`);
  }
  const warning = loopbackWarning(p.mqttUrl, file);
  if (warning) process.stderr.write(`tabla: ${warning}\n`);
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('provision')
    .description('register a device (or a batch from CSV) and write its agent config, ready to copy to the device')
    .argument('[deviceId]', 'lower-case letters, digits and dashes')
    .addOption(new Option('--role <role>', 'what the device is').choices(ROLES))
    .option('--site <site>', 'where it stands (a stop, a road, a garage)')
    .option('-o, --out <path>', 'where to write the config (default ./<deviceId>.agent.json); with --from, a directory')
    .option('--from <csv>', 'provision every row of a CSV: columns id, role, optional site, any other column a label')
    .option('--data-dir-on-device <path>', 'the agent data directory on the device (default /var/lib/tabla)')
    .option('--force', 'overwrite an existing config file')
    .option('--json', 'print what was provisioned as JSON (never the secret: that is in the file)')
    .option('--label <key=value>', 'a label, repeatable: stop=<GTFS stop_id> (which stop a display shows), capacity=<passengers> (a bus), label=<fleet number>', labelOption, {})
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(
        [
          'tabla provision bus-01 --role bus --site velenje --label label=101 --label capacity=60',
          'tabla provision stop-tomsiceva --role stop-display --site velenje --label stop=LV12 -o configs/stop-tomsiceva.agent.json',
          'tabla provision --from devices.csv -o configs/   (columns: id,role,site,stop,…)',
        ],
        'The files hold secrets: *.agent.json is git-ignored in this repository. A batch (--from) is listed as\na table: device, role, site, file (--no-headers drops its header row).',
      ),
    )
    .action(async (id: string | undefined, o: ProvisionOptions, cmd: Command) => {
      const rows = batchOrOne(id, o, cmd);
      const api = ctx.api();
      const done: { id: string; role: Role; site: string | null; file: string; mqttUrl: string }[] = [];
      const batch = Boolean(o.from);
      const fileOf = (row: ProvisionRow) => path.resolve(batch ? path.join(o.out ?? '.', `${row.id}.agent.json`) : (o.out ?? `${row.id}.agent.json`));
      // Check every file first: a device provisioned but whose config could not be written has lost its secret.
      for (const row of rows) checkWritable(fileOf(row), o.force);
      for (const row of rows) {
        try {
          done.push(await provisionOne(row, fileOf(row), o, api, ctx));
        } catch (err) {
          if (done.length) process.stderr.write(`tabla: provisioned before the failure: ${done.map((d) => d.id).join(', ')}\n`);
          throw err;
        }
      }
      if (o.json) return ctx.json(batch ? done : done[0]);
      if (batch) {
        ctx.out(table(['device', 'role', 'site', 'file'], done.map((d) => [d.id, d.role, d.site ?? '-', d.file]), ctx.style(o)));
        ctx.out(`provisioned ${done.length} device${done.length === 1 ? '' : 's'}; broker ${done[0]!.mqttUrl}; each file has mode 0600: it holds its device's secret, shown nowhere else`);
      }
      for (const d of batch ? [] : done) {
        ctx.out(
          [
            `provisioned ${d.id} (${d.role}${d.site ? `, site ${d.site}` : ''}); broker ${d.mqttUrl}`,
            `wrote ${d.file} (mode 0600: it holds the device's secret, shown nowhere else)`,
          ].join('\n'),
        );
      }
      ctx.out([`next: copy ${done.length > 1 ? 'each file to its device' : 'it to the device'} as ${DEVICE_CONFIG_PATH}, then run there:`, `  tabla-agent --config ${DEVICE_CONFIG_PATH}`].join('\n'));
    });
}

/** The rows to provision, from --from or the command line; a usage error (exit 2) when neither or both. */
function batchOrOne(id: string | undefined, o: ProvisionOptions, cmd: Command): ProvisionRow[] {
  if (o.from) {
    if (id || o.role || o.site || Object.keys(o.label).length) cmd.error('tabla: --from takes the devices from the CSV: give no deviceId, --role, --site or --label', { exitCode: 2, code: 'tabla.usage' });
    let text: string;
    try {
      text = fs.readFileSync(o.from, 'utf8');
    } catch (err) {
      throw new Failure(`cannot read ${o.from} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      const rows = parseBatch(text);
      if (!rows.length) throw new Error('no rows');
      return rows;
    } catch (err) {
      return cmd.error(`tabla: ${o.from}: ${(err as Error).message}`, { exitCode: 2, code: 'tabla.usage' });
    }
  }
  if (!id) return cmd.error('tabla: missing argument deviceId (or --from <csv> for a batch)', { exitCode: 2, code: 'tabla.usage' });
  if (!o.role) return cmd.error(`tabla: required option --role <role> not specified (one of ${ROLES.join(', ')})`, { exitCode: 2, code: 'tabla.usage' });
  return [{ id, role: o.role, ...(o.site ? { site: o.site } : {}), labels: o.label }];
}

async function provisionOne(row: ProvisionRow, file: string, o: ProvisionOptions, api: FleetApi, ctx: CliContext) {
  let r: { device: DeviceSummary; secret: string; mqttUrl: string };
  try {
    r = await api.request('POST', '/api/devices', {
      id: row.id,
      role: row.role,
      ...(row.site ? { site: row.site } : {}),
      ...(Object.keys(row.labels).length ? { labels: row.labels } : {}),
    });
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 409)
      throw new Failure(`${err.message}: to give it new credentials (a new SD card, a lost config), run tabla credentials rotate ${row.id}`);
    throw err;
  }
  writeAgentConfig(ctx, file, { deviceId: row.id, role: row.role, site: r.device.site, secret: r.secret, mqttUrl: r.mqttUrl, dataDir: o.dataDirOnDevice });
  return { id: row.id, role: row.role, site: r.device.site ?? null, file, mqttUrl: r.mqttUrl };
}
