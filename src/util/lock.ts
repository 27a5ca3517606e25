// A lock on a directory held by one process at a time: a file holding the owner's PID, host and start time,
// created atomically (O_EXCL). A lock whose process is gone (killed, crashed, or its PID reused by another
// program) is stale and taken over; a live one is refused with one line naming the holder. Used by the run
// directory, and meant for every pipeline that owns a directory (lottery rounds, pools, sweeps, workers).
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorCode, fileError, UsageError } from './errors.js';

export const LOCK_FILE = 'run.lock';

interface LockInfo {
  pid: number;
  host: string;
  /** The owner's start time as the kernel counts it (/proc/<pid>/stat field 22), to tell a reused PID. */
  pidStart?: string;
  since: string;
}

/** The kernel's start time of a process (Linux), or undefined where /proc cannot say. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when process `pid` of this host exists (and, given `pidStart`, is the same process that recorded it). */
export function isProcessAlive(pid: number, pidStart?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (errorCode(e) !== 'EPERM') return false;
  }
  const now = processStart(pid);
  return pidStart === undefined || now === undefined || now === pidStart;
}

/** Refusal to take a lock another live process holds: one line, exit 2. */
export class LockedError extends UsageError {
  override name = 'LockedError';
}

export class DirLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly path: string) {
    process.once('exit', this.onExit);
  }

  /**
   * Takes the lock of `dir` (which must exist) for this process; `what` names the directory in the refusal,
   * e.g. 'run runs/x'. Throws LockedError while a live process holds it.
   */
  static acquire(dir: string, what: string): DirLock {
    const path = join(dir, LOCK_FILE);
    const me: LockInfo = { pid: process.pid, host: hostname(), pidStart: processStart(process.pid), since: '' };
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (e) {
        if (errorCode(e) !== 'EEXIST' || attempt >= 3) throw fileError(e, 'create the lock file', path);
        const holder = readLock(path);
        if (holder && holder.pid === process.pid && holder.host === me.host) return new DirLock(path);
        if (holder && !isStale(holder))
          throw new LockedError(
            `${what} is in use by process ${holder.pid}${holder.host === me.host ? '' : ` on ${holder.host}`} ` +
              `(since ${holder.since}); wait for it to end or stop it${holder.host === me.host ? '' : `, or remove ${path} if that process is gone`}`,
          );
        try {
          unlinkSync(path); // stale (or unreadable): its owner is gone
        } catch (u) {
          if (errorCode(u) !== 'ENOENT') throw fileError(u, 'remove the stale lock file', path);
        }
        continue;
      }
      try {
        writeSync(fd, JSON.stringify({ ...me, since: new Date().toISOString() }) + '\n');
      } catch (e) {
        closeSync(fd);
        unlinkSync(path);
        throw fileError(e, 'write the lock file', path);
      }
      closeSync(fd);
      return new DirLock(path);
    }
  }

  /** Gives the lock up (idempotent; also done when the process exits). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const holder = readLock(this.path);
    if (holder?.pid !== process.pid) return;
    try {
      unlinkSync(this.path);
    } catch {
      // the directory is gone (an --overwrite of our own, a removed run): nothing to release
    }
  }
}

/** The lock's content, or null when it cannot be read (absent, or half written by a process that died). */
function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return Number.isInteger(v.pid) ? v : null;
  } catch {
    return null;
  }
}

/** A lock of this host whose process is gone; one of another host is never taken as stale. */
function isStale(l: LockInfo): boolean {
  return l.host === hostname() && !isProcessAlive(l.pid, l.pidStart);
}

/** The holder of dir's lock, if a live process holds it. */
export function lockHolder(dir: string): number | undefined {
  const l = readLock(join(dir, LOCK_FILE));
  return l && !isStale(l) ? l.pid : undefined;
}
