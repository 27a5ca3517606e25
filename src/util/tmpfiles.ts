// Temporary files of atomic writes (written under a name carrying the writer's PID, then renamed): those of
// processes that are gone (kill -9, a power cut) are removed when the directory is next opened.
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './lock.js';

/** `.<name>.<pid>.<ms>.tmp` (safetensors) and `<name>.tmp-<pid>` (JSON, metrics): the writer's PID. */
const TEMP_NAME = [/^\..+\.(\d+)\.\d+\.tmp$/, /^.+\.tmp-(\d+)$/];

export function tempFileOwner(name: string): number | undefined {
  for (const re of TEMP_NAME) {
    const m = re.exec(name);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Removes the temporary files in `dir` whose writing process is no longer alive; returns their names. */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempFileOwner(name);
    if (pid === undefined || pid === process.pid || isProcessAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // removed by someone else meanwhile, or not ours to remove: leave it
    }
  }
  return removed;
}
