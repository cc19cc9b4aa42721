/**
 * The outbox's storage on a bad day: which SQLite errors are the storage's (full, I/O, read-only)
 * rather than a bug of ours, how they read in the heartbeat, and what an append refused for one gets.
 */

/** An append refused because the disk (or SQLite's storage) cannot take it now. */
export class OutboxStorageError extends Error {
  constructor(readonly stream: string, override readonly cause: Error) {
    super(`outbox stream ${stream}: record refused, ${storageTrouble(cause)}`);
    this.name = 'OutboxStorageError';
  }
}

/** SQLite errors of the storage itself (full, I/O, read-only), as opposed to a bug of ours. */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|NOMEM|CORRUPT)/.test(code);
}

/** The disk (or the file-size limit) has no room: SQLITE_FULL. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_FULL');
}

/** `disk full`, or the storage error in a few words. */
export function storageTrouble(err: Error): string {
  const code = (err as { code?: string }).code ?? '';
  return isDiskFull(err) ? 'disk full' : `storage error (${code || err.message})`;
}

/** Free bytes below which a full disk is not taken as healed. */
export const HEALED_FREE_BYTES = 256 * 1024;

/** An append refused because its stream is full and its policy is reject-new. */
export class OutboxFullError extends Error {
  constructor(
    readonly stream: string,
    readonly capacity: number,
  ) {
    super(`outbox stream ${stream} is full (${capacity} pending) and its policy is reject-new`);
    this.name = 'OutboxFullError';
  }
}
