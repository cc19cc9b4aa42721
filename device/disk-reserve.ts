/**
 * Room held back on the data directory's file system for the day it fills up.
 *
 * On a disk full to the last byte (a runaway log, another process) SQLite can do nothing at all:
 * opening a database whose clean close removed its -wal and -shm files fails
 * (SQLITE_IOERR_SHMSIZE: the 32 KiB wal-index cannot be allocated), and in WAL mode even a DELETE
 * appends pages to the WAL, which starts over only after a checkpoint that may have to grow the
 * database file. The agent could neither start, nor delete acked rows, nor make room by dropping
 * old ones.
 *
 * So the agent keeps a file of zeros (`disk-reserve`, 1 MiB) in its data directory. When the
 * storage refuses a write it deletes it, handing that room to SQLite (checkpoints, ack deletes,
 * drop-oldest making room; the -shm and -wal files at the next start), and writes it again once
 * the disk has room for it and some to spare. While it is missing its room does not count as
 * free: the disk is taken as healed only when the reserve fits again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from '../protocols/index.js';
import { isStorageError } from './outbox-storage.js';
import { openDatabase } from './store.js';

export const RESERVE_FILE = 'disk-reserve';
export const RESERVE_BYTES = 1024 * 1024;

/** Free bytes for us on the file system of `dir` (statfs), or null if it cannot tell. */
export function freeBytes(dir: string): number | null {
  try {
    const st = fs.statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

export class DiskReserve {
  readonly file: string;
  readonly bytes: number;

  constructor(dir: string, bytes = RESERVE_BYTES) {
    this.file = path.join(dir, RESERVE_FILE);
    this.bytes = bytes;
  }

  /** Bytes of the reserve not on disk now: all of them while it is released. */
  missing(): number {
    try {
      return Math.max(0, this.bytes - fs.statSync(this.file).size);
    } catch {
      return this.bytes;
    }
  }

  /** Free bytes on the disk beyond what the reserve still needs back (what a healed disk must have spare). */
  spare(): number | null {
    const free = freeBytes(path.dirname(this.file));
    return free === null ? null : free - this.missing();
  }

  /** Deletes the reserve; returns the bytes it gave back (0 if it was not there). Never throws. */
  release(): number {
    const had = this.bytes - this.missing();
    try {
      fs.unlinkSync(this.file);
      return had;
    } catch {
      return 0;
    }
  }

  /**
   * Writes the reserve (back) if the disk has room for it and `spareBytes` more. Zeros really
   * written, not a sparse file, which would hold no room at all. Returns the bytes written.
   * Never throws: a write that fails leaves no partial file behind.
   */
  restore(spareBytes: number): number {
    const missing = this.missing();
    const spare = this.spare();
    if (missing === 0 || spare === null || spare < spareBytes) return 0;
    const tmp = `${this.file}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        const zeros = Buffer.alloc(64 * 1024);
        for (let written = 0; written < this.bytes; ) written += fs.writeSync(fd, zeros, 0, Math.min(zeros.length, this.bytes - written));
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
      return missing;
    } catch {
      fs.rmSync(tmp, { force: true });
      return 0;
    }
  }
}

/**
 * Opens the agent's database on whatever disk there is: as usual; on a storage error (a full
 * disk), again after giving SQLite the reserve; and as a last resort in exclusive locking mode,
 * which needs no -shm file (store.ts), so that an agent restarted on a full disk still connects
 * and drains what it holds. `trouble`: the storage error it met on the way, if any (the outbox
 * starts in trouble with it). Throws only when even the last resort fails.
 */
export function openOnAnyDisk(
  file: string,
  synchronous: 'NORMAL' | 'FULL',
  reserve: DiskReserve,
  log: Logger,
): { db: Database.Database; trouble: Error | null } {
  try {
    return { db: openDatabase(file, synchronous), trouble: null };
  } catch (err) {
    if (!isStorageError(err)) throw err;
    const freed = reserve.release();
    log.error('cannot open the database (disk full?)', { error: (err as Error).message, reserveReleased: freed });
    if (freed > 0) {
      try {
        return { db: openDatabase(file, synchronous), trouble: err as Error };
      } catch (again) {
        if (!isStorageError(again)) throw again;
      }
    }
    log.warn('opening the database in exclusive mode (no -shm file; nothing else can open it until the agent restarts)');
    return { db: openDatabase(file, synchronous, { exclusive: true }), trouble: err as Error };
  }
}
