/**
 * `tabla cmd <id> <verb>`: sends a command to a device (the fleet refuses a verb or arguments the
 * device's agent would reject, naming the nearest verb); says at once when the device is offline
 * and until when the command waits for it. --wait shows each status change and exits 1 unless it
 * succeeded. `tabla cmd status <cmdId>` shows one command; `tabla cmd --role|--site|--all <verb>`
 * sends to many (cmd-many.ts).
 */
import type { Command } from 'commander';
import type { CommandRecord } from '../../commands.js';
import { enc, type FleetApi } from '../api.js';
import { jsonObject, noHeadersOption, positiveInt, positiveNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { examples } from '../help.js';
import { clockTime, commandLines, expiry, follow, isFinal, offlineNotice, stillWaiting, type Target } from './cmd-follow.js';
import { sendToMany } from './cmd-many.js';

interface CommandOptions {
  args?: Record<string, unknown>;
  ttl?: number;
  wait?: boolean;
  timeout: number;
  json?: boolean;
  headers: boolean;
  force?: boolean;
  role?: string;
  site?: string;
  all?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('cmd')
    .description('send a command (ping, identify, rebirth, restart, set-log-level, …); `cmd status <cmdId>` shows one')
    .usage('<id> <verb> [options] | status <cmdId> | --role <role>|--site <site>|--all <verb>')
    .argument('[id]', 'device id (or `status`)')
    .argument('[verb]', 'command verb (or the cmdId after `status`)')
    .option('--args <json>', 'arguments as a JSON object', jsonObject)
    .option('--ttl <seconds>', 'drop the command if not delivered within this time (default 900)', positiveInt)
    .option('--wait', 'wait for the final status, showing each change; exit 1 unless it succeeded')
    .option('--timeout <seconds>', 'how long --wait (or a command to many devices) waits', positiveNumber, 30)
    .option('--role <role>', 'send to every device of this role (then give only the verb)')
    .option('--site <site>', 'send to every device at this site (then give only the verb)')
    .option('--all', 'send to every device (then give only the verb)')
    .option('--force', 'queue it even if the device is not known to have the verb')
    .option('--json', 'print the command record as JSON (with --role, --site or --all: the summary and each device\'s)')
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(
        [
          'tabla cmd bus-01 ping --wait',
          `tabla cmd stop-tomsiceva set-log-level --args '{"level":"debug"}'`,
          'tabla cmd status 3f2a9c1e',
          'tabla cmd --role stop-display identify --timeout 60',
          'tabla cmd --site velenje rebirth --no-headers',
        ],
        'With --role, --site or --all the verb goes to every device chosen: a table of who succeeded, failed,\nnever answered or is offline (the command stays queued for those), and exit 1 unless all succeeded.',
      ),
    )
    .action((id: string | undefined, verb: string | undefined, o: CommandOptions, cmd: Command) => {
      const many = o.all || o.role !== undefined || o.site !== undefined;
      if (many) {
        if (id === undefined || verb !== undefined) cmd.error('error: with --role, --site or --all give only the verb: tabla cmd --role bus ping');
        return sendToMany(id!, { ...(o.role ? { role: o.role } : {}), ...(o.site ? { site: o.site } : {}), ...(o.all ? { all: true } : {}) }, { ...o, args: o.args ?? {} }, ctx.api(), ctx);
      }
      if (id === undefined || verb === undefined) cmd.error(id === 'status' ? "error: missing argument 'cmdId'" : "error: missing argument 'verb'");
      if (id === 'status') return showStatus(verb!, o, ctx.api(), ctx);
      return sendCommand(id!, verb!, o, ctx.api(), ctx);
    });
}

async function sendCommand(id: string, verb: string, o: CommandOptions, api: FleetApi, ctx: CliContext) {
  const device = await api.get<Target>(`/api/devices/${enc(id)}`);
  const c = await api.request<CommandRecord>('POST', `/api/devices/${enc(id)}/commands`, {
    verb,
    args: o.args ?? {},
    ...(o.ttl ? { ttlS: o.ttl } : {}),
    ...(o.force ? { force: true } : {}),
  });
  const notice = offlineNotice(device, c, Date.now());
  // With --json stdout is the record alone; what a person should know goes to stderr.
  const say = o.json ? (text: string) => process.stderr.write(text + '\n') : (text: string) => ctx.out(text);
  if (!o.wait) {
    if (o.json) ctx.json(c);
    else say([...commandLines(c), ...(notice ? [notice] : []), `(tabla cmd status ${c.cmdId} shows its progress; --wait waits for the answer)`].join('\n'));
    return;
  }
  say(`${c.cmdId}  ${verb} → ${id}: ${c.status}`);
  if (notice) say(notice);
  const last = await follow(api, c, o.timeout, (n) => say(`${clockTime(n.updatedAt)}  ${n.status}${n.error ? `: ${n.error}` : ''}`));
  report(last, o, ctx, say);
  if (last.status === 'succeeded') return;
  if (!isFinal(last.status)) throw new Failure(stillWaiting(last, o.timeout, Date.now()));
  throw new Failure(`${verb} on ${id}: ${last.status}${last.error ? `: ${last.error}` : ''}`);
}

/** The final record after --wait: JSON, or its result or error. */
function report(c: CommandRecord, o: CommandOptions, ctx: CliContext, say: (text: string) => void) {
  if (o.json) return ctx.json(c);
  say(commandLines(c).join('\n'));
}

async function showStatus(cmdId: string, o: CommandOptions, api: FleetApi, ctx: CliContext) {
  let c = await api.get<CommandRecord>(`/api/commands/${enc(cmdId)}`);
  if (o.wait) c = await follow(api, c, o.timeout, o.json ? undefined : (n) => ctx.out(`${clockTime(n.updatedAt)}  ${n.status}`));
  if (o.json) ctx.json(c);
  else {
    const now = Date.now();
    const when = [`issued ${clockTime(c.issuedAt)}`, `updated ${clockTime(c.updatedAt)}`];
    if (!isFinal(c.status)) when.push(`expires ${expiry(c, now)}`);
    ctx.out([...commandLines(c), when.join(', ')].join('\n'));
  }
  if (o.wait && c.status !== 'succeeded') {
    throw new Failure(isFinal(c.status) ? `${c.verb} on ${c.deviceId}: ${c.status}` : stillWaiting(c, o.timeout, Date.now()));
  }
}
