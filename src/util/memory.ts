// Memory figures of a process, for `bench`: the peak resident set over a stretch of work (Linux: the peak is
// reset through /proc/self/clear_refs, then read back as VmHWM), after a garbage collection, so that what set-up
// allocated and freed (a dense initialisation before compression, say) does not count.
import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs a full garbage collection (typed arrays freed by it give their memory back to the system). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Restarts the peak-RSS count from the current RSS; false where the system cannot (not Linux). */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set since the last reset (or the start), in MiB; undefined where /proc is missing. */
export function peakRssMb(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
