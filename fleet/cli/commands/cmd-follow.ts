/**
 * What `tabla cmd` says about one command: whether its device can get it now (an offline device
 * keeps it queued until it expires), and its status changes while --wait follows it.
 */
import { FINAL_STATUSES, type CommandRecord } from '../../commands.js';
import { enc, type FleetApi } from '../api.js';
import { age, commandLine, duration } from '../format.js';

export const POLL_MS = 250;

export const isFinal = (status: string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);

/** The device as `cmd` needs it (a part of what GET /api/devices returns). */
export interface Target {
  id: string;
  role: string;
  site?: string | null;
  presence: string;
  lastSeen: string | null;
}

/** A wall-clock time of day, local, to the second: "14:05:09". */
export function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** When the command stops waiting for its device: "14:20:09 (in 15m)". */
export function expiry(c: CommandRecord, now: number): string {
  return `${clockTime(c.expiresAt)} (in ${duration(Math.max(0, c.expiresAt - now))})`;
}

/** Reached at once: a device that is online now (or stale: its session may still be up). */
export const reachable = (presence: string): boolean => presence === 'online' || presence === 'stale';

/** For a device that cannot get the command now: says so, when it was last seen, when the command expires. */
export function offlineNotice(d: Target, c: CommandRecord, now: number): string | null {
  if (reachable(d.presence)) return null;
  const seen = d.lastSeen ? `last seen ${age(d.lastSeen, now)}` : 'never seen';
  return `${d.id} is offline (${seen}): ${c.verb} stays queued until ${expiry(c, now)} and is delivered if ${d.id} connects before then`;
}

/** What --wait says when it gives up on a command that is not final yet. */
export function stillWaiting(c: CommandRecord, timeoutS: number, now: number): string {
  return `${c.verb} on ${c.deviceId}: still ${c.status} after ${timeoutS} s; it stays queued until ${expiry(c, now)} (tabla cmd status ${c.cmdId})`;
}

/**
 * Polls a command until it is final or `timeoutS` has passed, calling `onChange` on every status
 * it moves to. Resolves with the last record seen.
 */
export async function follow(
  api: FleetApi,
  first: CommandRecord,
  timeoutS: number,
  onChange: (c: CommandRecord) => void = () => {},
  pollMs = POLL_MS,
): Promise<CommandRecord> {
  let c = first;
  const deadline = Date.now() + timeoutS * 1000;
  while (!isFinal(c.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
    const next = await api.get<CommandRecord>(`/api/commands/${enc(c.cmdId)}`);
    if (next.status !== c.status) onChange(next);
    c = next;
  }
  return c;
}

/** A command's status line and its result or error. */
export function commandLines(c: CommandRecord): string[] {
  const lines = [commandLine(c)];
  if (c.result !== undefined) lines.push(`result: ${JSON.stringify(c.result)}`);
  if (c.error) lines.push(`error: ${c.error}`);
  return lines;
}
