// The run directory runs/<name>/: config.json (resolved), metrics.jsonl (one line per epoch),
// summary.json, checkpoints/. Never overwrites an existing run unless asked; every file is written to a
// temporary name and renamed. One process at a time holds a run (run.lock, util/lock.ts); temporary files
// of writers that died are removed when the run is opened again.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileError, UsageError } from '../util/errors.js';
import { DirLock, LOCK_FILE, lockHolder } from '../util/lock.js';
import { removeStaleTempFiles } from '../util/tmpfiles.js';

/** A run directory that cannot be used as asked (exists, has no checkpoint, is damaged): one line, exit 2. */
export class RunDirError extends UsageError {
  override name = 'RunDirError';
}

/** Writes `content` to a temporary file beside `path` and renames it over `path`; on failure (a full disk)
 * the temporary file is removed and the error names `path`. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw fileError(e, 'write', path);
  }
}

/** mkdir -p that reports the real cause: Node's recursive mkdir says ENOENT on a read-only file system. */
export function makeDirs(path: string): void {
  if (existsSync(path)) return;
  const parent = dirname(path);
  if (parent !== path) makeDirs(parent);
  try {
    mkdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(e, 'create the directory', path);
  }
}

/**
 * The records of a metrics.jsonl. A last line cut short (a full disk, a kill during the append) is dropped:
 * the epoch it belonged to is redone after a resume. A bad line before the last is an error naming it.
 */
export function readMetricsFile(path: string): { records: unknown[]; lines: string[]; dropped: boolean } {
  if (!existsSync(path)) return { records: [], lines: [], dropped: false };
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const records: unknown[] = [];
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      records.push(JSON.parse(lines[i]));
      kept.push(lines[i]);
    } catch {
      if (i === lines.length - 1) return { records, lines: kept, dropped: true };
      throw new RunDirError(`${path}: line ${i + 1} is not JSON; the file is damaged`);
    }
  }
  return { records, lines: kept, dropped: false };
}

export class RunDir {
  private lock: DirLock | null = null;
  /** Set by open() when a plain (fresh) run replaced a failed run that had no checkpoint. */
  replaced = false;
  /** Temporary files of dead writers removed by open(). */
  cleaned: string[] = [];

  constructor(readonly path: string) {}

  get checkpoints(): string {
    return join(this.path, 'checkpoints');
  }

  /** Throws unless runs/<name> holds a checkpoint to resume from. */
  static checkResumable(runsDir: string, name: string): void {
    const path = join(runsDir, name);
    if (!existsSync(join(path, 'checkpoints', 'last.safetensors')))
      throw new RunDirError(`--resume: ${path} has no checkpoint (checkpoints/last.safetensors) to resume from`);
  }

  /** A run directory with nothing to resume (never checkpointed: it failed or was killed in its first epoch),
   * which a plain re-run may replace: it holds config.json or nothing, no checkpoint, and no live process. */
  static isReplaceable(path: string): boolean {
    if (!statSync(path).isDirectory()) return false;
    if (existsSync(join(path, 'checkpoints', 'last.safetensors')) || lockHolder(path) !== undefined) return false;
    const names = readdirSync(path).filter((n) => n !== LOCK_FILE);
    return names.length === 0 || names.includes('config.json');
  }

  /**
   * Prepares the directory and takes its lock: fresh (error if a run exists, unless it has nothing to resume),
   * overwrite (its contents removed first) or resume (must hold a checkpoint). A directory another live process
   * holds is refused (LockedError) before anything in it changes.
   */
  static open(runsDir: string, name: string, mode: 'fresh' | 'overwrite' | 'resume'): RunDir {
    const path = join(runsDir, name);
    const exists = existsSync(path);
    if (mode === 'resume') RunDir.checkResumable(runsDir, name);
    const dir = new RunDir(path);
    if (mode === 'fresh' && exists) {
      if (!RunDir.isReplaceable(path))
        throw new RunDirError(`${path} already exists; pass --resume to continue it or --overwrite to replace it`);
      dir.replaced = true;
    }
    if (!exists) {
      makeDirs(runsDir);
      try {
        mkdirSync(path); // not recursive: of two runs started at once under one name, one gets EEXIST
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new RunDirError(`${path} was just created by another run; pick another --name`);
        throw fileError(e, 'create the run directory', path);
      }
    }
    dir.lock = DirLock.acquire(path, `run ${path}`);
    try {
      if (mode === 'overwrite' || dir.replaced) {
        for (const entry of readdirSync(path))
          if (entry !== LOCK_FILE) rmSync(join(path, entry), { recursive: true, force: true });
      }
      makeDirs(join(path, 'checkpoints'));
      dir.cleaned = [...removeStaleTempFiles(path), ...removeStaleTempFiles(join(path, 'checkpoints'))];
    } catch (e) {
      dir.release();
      throw fileError(e, 'prepare the run directory', path);
    }
    return dir;
  }

  /** Gives up the run's lock (done by the end of every run, and at process exit). */
  release(): void {
    this.lock?.release();
    this.lock = null;
  }

  writeJson(file: string, value: unknown): void {
    writeFileAtomic(join(this.path, file), JSON.stringify(value, null, 2) + '\n');
  }

  appendMetrics(record: unknown): void {
    const path = join(this.path, 'metrics.jsonl');
    try {
      appendFileSync(path, JSON.stringify(record) + '\n');
    } catch (e) {
      throw fileError(e, 'append to', path);
    }
  }

  /** Rewrites metrics.jsonl keeping only records of epochs ≤ `epoch` (after a resume). */
  truncateMetrics(lines: string[]): void {
    writeFileAtomic(join(this.path, 'metrics.jsonl'), lines.length ? lines.join('\n') + '\n' : '');
  }

  checkpointFiles(): string[] {
    return existsSync(this.checkpoints) ? readdirSync(this.checkpoints).filter((f) => f.endsWith('.safetensors')) : [];
  }
}
