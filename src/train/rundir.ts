// The run directory runs/<name>/: config.json (resolved), metrics.jsonl (one line per epoch),
// summary.json, checkpoints/. Never overwrites an existing run unless asked; every file is written to a
// temporary name and renamed.
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class RunDirError extends Error {
  override name = 'RunDirError';
}

export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export class RunDir {
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

  /** Prepares the directory: fresh (error if it exists), overwrite (remove first) or resume (must exist). */
  static open(runsDir: string, name: string, mode: 'fresh' | 'overwrite' | 'resume'): RunDir {
    const path = join(runsDir, name);
    const exists = existsSync(path);
    if (mode === 'resume') RunDir.checkResumable(runsDir, name);
    if (mode === 'fresh' && exists)
      throw new RunDirError(`${path} already exists; pass --resume to continue it or --overwrite to replace it`);
    if (mode === 'overwrite' && exists) rmSync(path, { recursive: true, force: true });
    mkdirSync(join(path, 'checkpoints'), { recursive: true });
    return new RunDir(path);
  }

  writeJson(file: string, value: unknown): void {
    writeFileAtomic(join(this.path, file), JSON.stringify(value, null, 2) + '\n');
  }

  appendMetrics(record: unknown): void {
    appendFileSync(join(this.path, 'metrics.jsonl'), JSON.stringify(record) + '\n');
  }

  /** Rewrites metrics.jsonl keeping only records of epochs ≤ `epoch` (after a resume). */
  truncateMetrics(lines: string[]): void {
    writeFileAtomic(join(this.path, 'metrics.jsonl'), lines.length ? lines.join('\n') + '\n' : '');
  }

  checkpointFiles(): string[] {
    return existsSync(this.checkpoints) ? readdirSync(this.checkpoints).filter((f) => f.endsWith('.safetensors')) : [];
  }
}
