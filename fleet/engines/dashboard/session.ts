/**
 * The dashboard's logins: a session per browser that gave the admin token on the login page, named
 * by a random id in an HttpOnly, SameSite=Strict cookie (the token itself never reaches the page
 * again, nor any URL). The cookie's path is `/`: the same login opens Node-RED's editor at `/red`.
 * Sessions live in memory: a restarted fleet asks for the token again. A session ends after
 * `maxAgeMs` or when the token it was opened with is refused.
 */
import crypto from 'node:crypto';

export const SESSION_COOKIE = 'tabla_session';
export const DASHBOARD_PATH = '/dashboard';
/** Sessions kept at most (the oldest goes first): a bound on memory, whoever keeps logging in. */
export const MAX_SESSIONS = 1000;

export interface Session {
  id: string;
  /** the admin token it was opened with, sent on to the fleet's API on the page's behalf */
  token: string;
  createdAt: number;
  expiresAt: number;
}

export class SessionBook {
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;
  readonly maxAgeMs: number;

  constructor(now: () => number, maxAgeMs = 12 * 3600_000) {
    this.#now = now;
    this.maxAgeMs = maxAgeMs;
  }

  get size(): number {
    return this.#sessions.size;
  }

  open(token: string): Session {
    const now = this.#now();
    const session: Session = { id: crypto.randomBytes(32).toString('base64url'), token, createdAt: now, expiresAt: now + this.maxAgeMs };
    this.#sessions.set(session.id, session);
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size <= MAX_SESSIONS) break;
      this.#sessions.delete(id);
    }
    return session;
  }

  /** The live session a Cookie header names, or null. */
  of(cookieHeader: string | undefined): Session | null {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!id) return null;
    const s = this.#sessions.get(id);
    if (!s) return null;
    if (s.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return null;
    }
    return s;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session opened with `token` (the fleet refused it: rotated). */
  closeToken(token: string): void {
    for (const [id, s] of this.#sessions) if (s.token === token) this.#sessions.delete(id);
  }
}

/** One cookie's value from a Cookie header (RFC 6265 §5.4: `name=value` pairs joined by `; `). */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The Set-Cookie value that opens (`maxAgeS` > 0) or ends (0) a session in the browser. */
export function sessionCookie(id: string, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict`;
}
