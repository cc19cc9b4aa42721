/**
 * `tabla message`: the banners on the stop displays.
 *
 *   tabla message <stopId|all> "<text>" [--until <time>]    put one on a stop's displays, or on all
 *   tabla message --site <site> "<text>" [--until <time>]   on every display of a site
 *   tabla message --clear                                    clear every banner (as `all --clear`)
 *   tabla message <stopId|all> --clear                       clear those put on that stop (all: every message)
 *   tabla message --site <site> --clear                      clear those put on that site
 *   tabla message --clear --id <id>                          clear one
 *   tabla message --list, tabla messages                     what is shown, where, until when
 *
 * What was cleared is always said (ids, how many displays), so a clear that reached more than
 * meant is seen at once and can be put back from the list it printed. `--until` takes the forms of
 * fleet/engines/displays/until.ts; a wall-clock time (18:00) is read in the fleet's time zone, by
 * the fleet. A malformed or past time, or a request the fleet refuses as malformed, exits 2.
 */
import os from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { UNTIL_FORMS, untilFormError } from '../../engines/displays/until.js';
import { ApiFailure, enc, type FleetApi } from '../api.js';
import { noHeadersOption } from '../args.js';
import type { CliContext } from '../context.js';
import { table } from '../format.js';
import { examples } from '../help.js';

type Target = { stop: string } | { site: string } | { all: true };

interface MessageView {
  id: string;
  target: Target;
  text: string;
  until: string | null;
  createdAt: string;
  createdBy: string | null;
  displays: number;
}

interface MessageOptions {
  site?: string;
  until?: string;
  clear?: boolean;
  id?: string;
  list?: boolean;
  json?: boolean;
  headers: boolean;
}

const MAX_TEXT = 500;

function until(text: string): string {
  const wrong = untilFormError(text);
  if (wrong) throw new InvalidArgumentError(wrong);
  return text.trim();
}

const CLEAR_FORMS = `the forms of --clear:
  tabla message --clear                every message on every display
  tabla message <stopId> --clear       those put on that stop
  tabla message --site <site> --clear  those put on that site
  tabla message --clear --id <id>      one (tabla message --list shows the ids)
  tabla message all --clear            every message on every display`;

const targetText = (t: Target) => ('all' in t ? 'all displays' : 'site' in t ? `site ${t.site}` : `stop ${t.stop}`);
const when = (iso: string | null) => (iso === null ? 'until cleared' : `until ${iso.slice(0, 16).replace('T', ' ')}${iso.slice(19)}`);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function register(program: Command, ctx: CliContext): void {
  program
    .command('message')
    .description('put a banner on the stop displays (a stop, a site, or all), clear it, or list them')
    .argument('[target]', 'a GTFS stop_id, or all (with --site: leave it out)')
    .argument('[text]', 'the banner, as passengers read it (up to 500 characters)')
    .option('--site <site>', 'every display of this site')
    .option('--until <time>', `when it stops being shown (${UNTIL_FORMS}); default: until cleared`, until)
    .option('--clear', 'clear the messages of the target instead (all: every message)')
    .option('--id <id>', 'with --clear: the one message to clear')
    .option('--list', 'list the messages in force')
    .option('--json', 'print the API answer as JSON')
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(
        [
          'tabla message LV12 "Postaja zaprta zaradi del, vstop na LV13" --until 18:00',
          'tabla message --site velenje "Danes brezplačen prevoz" --until "tomorrow 04:00"',
          'tabla message all "Test of the displays" --until +10m',
          'tabla message LV12 --clear',
          'tabla message --list',
        ],
        "A wall-clock --until (18:00, 2026-11-30T18:00) is read in the fleet's time zone; a past time is refused.",
      ),
    )
    .action(async (target: string | undefined, text: string | undefined, o: MessageOptions, cmd: Command) => {
      const usage = (message: string): never => cmd.error(`error: ${message}`, { exitCode: 2, code: 'tabla.usage' });
      const words = [target, text].filter((x): x is string => x !== undefined);
      if (o.list) {
        if (words.length || o.clear || o.site || o.until || o.id) usage('--list takes no target, text or other option');
        return list(ctx.api(), ctx, o);
      }
      if (o.id && !o.clear) usage('--id goes with --clear (tabla message --clear --id <id>)');
      if (o.clear) {
        if (o.until) usage('--until has no meaning with --clear');
        let query: string;
        if (o.id) {
          if (words.length || o.site) usage('--clear --id <id> takes no other target');
          query = `/${enc(o.id)}`;
        } else if (o.site) {
          if (words.length) usage(`--site ${o.site} --clear takes no other target or text`);
          query = `?site=${enc(o.site)}`;
        } else if (words.length === 1) query = words[0] === 'all' ? '?all=1' : `?stop=${enc(words[0]!)}`;
        else if (words.length === 0) query = '?all=1';
        else return usage(`--clear takes a target, not a text\n${CLEAR_FORMS}`);
        const r = await ctx.api().request<{ removed: string[]; displays: number }>('DELETE', `/api/messages${query}`);
        if (o.json) return ctx.json(r);
        ctx.out(
          r.removed.length
            ? `cleared ${plural(r.removed.length, 'message')} (${r.removed.join(', ')}) from ${plural(r.displays, 'display')}`
            : 'no such messages: nothing cleared (tabla message --list shows them)',
        );
        return;
      }
      let put: Target;
      let banner: string;
      if (o.site) {
        if (words.length !== 1) usage(words.length ? `--site ${o.site} takes the text only: tabla message --site ${o.site} "<text>"` : 'the text of the message is missing');
        put = { site: o.site };
        banner = words[0]!;
      } else {
        if (words.length === 0) usage('tabla message <stopId|all> "<text>", tabla message --site <site> "<text>", --clear or --list');
        if (words.length === 1) usage(`where should "${words[0]!.slice(0, 40)}" show? tabla message <stopId|all> "<text>" or tabla message --site <site> "<text>"`);
        put = words[0] === 'all' ? { all: true } : { stop: words[0]! };
        banner = words[1]!;
      }
      const chars = [...banner.trim()].length;
      if (chars === 0) usage('the text of the message is empty');
      if (chars > MAX_TEXT) usage(`the text has ${chars} characters; a banner takes at most ${MAX_TEXT}`);
      let r: MessageView & { timeZone: string };
      try {
        r = await ctx.api().request('POST', '/api/messages', { target: put, text: banner, ...(o.until ? { until: o.until } : {}), by: who() });
      } catch (err) {
        // The fleet found the request malformed (a past --until, read in its time zone): a usage error.
        if (err instanceof ApiFailure && err.status === 400) usage(err.message);
        throw err;
      }
      if (o.json) return ctx.json(r);
      const lines = [`${r.id}: "${r.text}" on ${targetText(r.target)}, ${when(r.until)} — shown on ${plural(r.displays, 'display')}`];
      if (r.displays === 0) lines.push(`(no display shows ${targetText(r.target)} yet: one labelled so gets it when it comes online)`);
      ctx.out(lines.join('\n'));
    });

  program
    .command('messages')
    .description('list the banners in force on the stop displays (tabla message --list)')
    .option('--json', 'print the JSON')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla messages', 'tabla messages --no-headers', 'tabla messages --json']))
    .action((o: { json?: boolean; headers: boolean }) => list(ctx.api(), ctx, o));
}

async function list(api: FleetApi, ctx: CliContext, o: { json?: boolean; headers: boolean }): Promise<void> {
  const r = await api.get<{ timeZone: string; messages: MessageView[] }>('/api/messages');
  if (o.json) return ctx.json(r);
  if (r.messages.length === 0) return ctx.out('no messages in force (tabla message <stopId|all> "<text>" puts one)');
  ctx.out(
    table(
      ['id', 'on', 'text', 'until', 'displays', 'by'],
      r.messages.map((m) => [m.id, targetText(m.target), m.text, m.until === null ? 'cleared' : m.until.slice(0, 16).replace('T', ' '), m.displays, m.createdBy ?? '-']),
      ctx.style(o),
    ) + `\n(times in ${r.timeZone})`,
  );
}

/** Who puts the message, for the record: the login name, when there is one. */
function who(): string | undefined {
  try {
    return os.userInfo().username.slice(0, 64) || undefined;
  } catch {
    return undefined;
  }
}
