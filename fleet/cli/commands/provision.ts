/**
 * `tabla provision <deviceId> --role <role>`: registers a device with the fleet and writes its agent
 * config (with the device's secret, shown nowhere else) as a 0600 file ready to copy to the device.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ROLES, type Role } from '../../../protocols/index.js';
import { agentConfigFor } from '../../provision.js';
import type { FleetApi } from '../api.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import type { DeviceSummary } from '../format.js';

const DEVICE_CONFIG_PATH = '/etc/tabla/agent.json';

interface ProvisionOptions {
  role: Role;
  site?: string;
  out?: string;
  dataDirOnDevice?: string;
  force?: boolean;
  label: Record<string, string>;
}

/** `--label key=value`, repeatable. */
function labelOption(text: string, labels: Record<string, string> = {}): Record<string, string> {
  const m = /^([a-z][a-z0-9_-]{0,31})=(.{1,100})$/.exec(text);
  if (!m) throw new InvalidArgumentError('key=value (key: lower-case letters, digits, - and _; value up to 100 characters)');
  return { ...labels, [m[1]!]: m[2]! };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('provision')
    .description('register a device and write its agent config, ready to copy to the device')
    .argument('<deviceId>', 'lower-case letters, digits and dashes')
    .addOption(new Option('--role <role>', 'what the device is').choices(ROLES).makeOptionMandatory())
    .option('--site <site>', 'where it stands (a stop, a road, a garage)')
    .option('--out <file>', 'where to write the config (default ./<deviceId>.agent.json)')
    .option('--data-dir-on-device <path>', 'the agent data directory on the device (default /var/lib/tabla)')
    .option('--force', 'overwrite an existing config file')
    .option('--label <key=value>', 'a label, repeatable: stop=<GTFS stop_id> (which stop a display shows), capacity=<passengers> (a bus), label=<fleet number>', labelOption, {})
    .addHelpText('after', '\nExamples:\n  tabla provision bus-01 --role bus --site velenje --label label=101 --label capacity=60\n  tabla provision stop-tomsiceva --role stop-display --site velenje --label stop=LV12\n')
    .action((id: string, o: ProvisionOptions) => provision(id, o, ctx.api(), ctx));
}

async function provision(deviceId: string, o: ProvisionOptions, api: FleetApi, ctx: CliContext) {
  // Check the file first: a device provisioned but whose config could not be written has lost its secret.
  const file = path.resolve(o.out ?? `${deviceId}.agent.json`);
  if (!o.force && fs.existsSync(file)) throw new Failure(`${file} exists; pass --force to overwrite it`);
  try {
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
  } catch {
    throw new Failure(`cannot write into ${path.dirname(file)}`);
  }
  const r = await api.request<{ device: DeviceSummary; secret: string; mqttUrl: string }>('POST', '/api/devices', {
    id: deviceId,
    role: o.role,
    ...(o.site ? { site: o.site } : {}),
    ...(Object.keys(o.label).length ? { labels: o.label } : {}),
  });
  const config = agentConfigFor({
    deviceId,
    role: o.role,
    site: r.device.site,
    secret: r.secret,
    mqttUrl: r.mqttUrl,
    ...(o.dataDirOnDevice ? { dataDir: o.dataDirOnDevice } : {}),
  });
  const text = JSON.stringify(config, null, 2) + '\n';
  try {
    writeSecretFile(file, text);
  } catch (err) {
    ctx.out(text); // the secret exists only here now: show it rather than lose it
    throw new Failure(`${deviceId} is provisioned but ${file} could not be written (${(err as Error).message}); its config is above`);
  }
  ctx.out(
    [
      `provisioned ${deviceId} (${o.role}${r.device.site ? `, site ${r.device.site}` : ''}); broker ${r.mqttUrl}`,
      `wrote ${file} (mode 0600: it holds the device's secret, shown nowhere else)`,
      `next: copy it to the device as ${DEVICE_CONFIG_PATH}, then run there:`,
      `  tabla-agent --config ${DEVICE_CONFIG_PATH}`,
    ].join('\n'),
  );
}

/** Writes a file that holds a secret: mode 0600, temp file + rename so it is whole or absent. */
function writeSecretFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
