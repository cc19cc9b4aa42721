/**
 * The fleet's HTTP API as the CLI calls it, and how the CLI finds the fleet: --url/--token, else
 * TABLA_URL/TABLA_TOKEN, else the fleet.json that a fleet running on this machine writes.
 */
import { dataDirFromEnv, localFile, readLocal } from '../local.js';
import { Failure } from './errors.js';

const REQUEST_TIMEOUT_MS = 15_000;
/** An upload (a GTFS zip of a region) is sent and parsed before the answer: give it longer. */
const UPLOAD_TIMEOUT_MS = 120_000;

/** One path segment of an API URL (a device id, a command id). */
export const enc = encodeURIComponent;

/** The fleet said no: its message, with the status and the whole answer for a command that shows more. */
export class ApiFailure extends Failure {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Where the CLI found the fleet: says where the right token lives, and whether a refusal means a stopped local fleet. */
export interface FleetSource {
  /** Where the token came from, in words: "--token", "TABLA_TOKEN", "adminToken in <file>". */
  token: string;
  /** The fleet.json the URL came from, when it did. */
  localFile?: string;
}

export class FleetApi {
  constructor(
    readonly url: string,
    readonly token: string,
    readonly source: FleetSource = { token: '--token' },
  ) {}

  get<T>(p: string): Promise<T> {
    return this.request<T>('GET', p);
  }

  request<T>(method: string, p: string, body?: unknown): Promise<T> {
    const init = body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return this.#send<T>(method, p, init, REQUEST_TIMEOUT_MS);
  }

  /** Sends bytes as the body (a GTFS zip), with their content type. */
  upload<T>(method: string, p: string, bytes: Uint8Array, contentType: string): Promise<T> {
    return this.#send<T>(method, p, { headers: { 'content-type': contentType }, body: bytes }, UPLOAD_TIMEOUT_MS);
  }

  async #send<T>(method: string, p: string, init: { headers?: Record<string, string>; body?: string | Uint8Array }, timeoutMs: number): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url.replace(/\/+$/, '') + p, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Failure(unreachable(this.url, cause?.code ?? cause?.message ?? (err as Error).message, this.source));
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const error = (json as { error?: unknown } | undefined)?.error;
      const said = typeof error === 'string' ? error : `${method} ${p}: HTTP ${res.status} ${res.statusText}`;
      throw new ApiFailure(explain(res.status, said, this.url, this.source), res.status, json);
    }
    if (json === undefined) throw new Failure(`${method} ${p}: the fleet answered something that is not JSON`);
    return json as T;
  }
}

/** A refused connection to the URL of a local fleet.json means that fleet stopped: say so and how to start it. */
export function unreachable(url: string, why: string, source: FleetSource): string {
  if (source.localFile && why === 'ECONNREFUSED')
    return `the fleet is not running: nothing answers at ${url}, the address in ${source.localFile} (written when it last started). Start it with \`tabla-fleet\` (same TABLA_DATA_DIR), or point TABLA_URL and TABLA_TOKEN at a running fleet`;
  return `cannot reach the fleet at ${url}: ${why}`;
}

/** The fleet's refusal in the technician's terms: a rejected token, an unknown device. */
export function explain(status: number, said: string, url: string, source: FleetSource): string {
  if (status === 401) return `the fleet at ${url} rejected the token (401) from ${source.token}: the right one is adminToken in the fleet's fleet.json (its TABLA_DATA_DIR)`;
  if (status === 404 && /^no device /.test(said)) return `${said} (tabla devices lists them)`;
  return said;
}

/** The global flags that name a fleet. */
export interface FleetFlags {
  url?: string;
  token?: string;
}

/** --url/--token, then TABLA_URL/TABLA_TOKEN, then the local fleet's fleet.json. */
export function findFleet(flags: FleetFlags, env: NodeJS.ProcessEnv = process.env): FleetApi {
  const url = flags.url ?? env.TABLA_URL;
  const token = flags.token ?? env.TABLA_TOKEN;
  const tokenFrom = flags.token ? '--token' : 'TABLA_TOKEN';
  if (url && token) return new FleetApi(url, token, { token: tokenFrom });
  const how = 'set TABLA_URL and TABLA_TOKEN (or pass --url and --token), or set TABLA_DATA_DIR to the data directory of a fleet running on this machine';
  // An explicit URL gets only an explicit token: the local admin token is not sent elsewhere.
  if (url) throw new Failure(`no token for ${url}: set TABLA_TOKEN (or pass --token)`);
  const dataDir = dataDirFromEnv(env);
  const local = readLocal(dataDir);
  if (!local?.httpUrl || !local.adminToken) throw new Failure(`no fleet found (no ${localFile(dataDir)} with httpUrl and adminToken): ${how}`);
  return new FleetApi(local.httpUrl, token ?? local.adminToken, { token: token ? tokenFrom : `adminToken in ${localFile(dataDir)}`, localFile: localFile(dataDir) });
}
