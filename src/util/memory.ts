// Memory figures of a process: what it may still allocate (checked before work starts), and, for `bench`, the
// peak resident set over a stretch of work (Linux: the peak is reset through /proc/self/clear_refs, then read
// back as VmHWM), after a garbage collection, so that what set-up allocated and freed (a dense initialisation
// before compression, say) does not count.
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

/** Bytes this process may still allocate, and what bounds it (the tightest of the system's available memory,
 * the address-space limit of ulimit -v / prlimit --as, and the control group's limit); undefined off Linux. */
export function availableMemory(): { bytes: number; bound: string } | undefined {
  const bounds: { bytes: number; bound: string }[] = [];
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const kb = (text: string | undefined, re: RegExp) => {
    const m = text === undefined ? null : re.exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const free = kb(read('/proc/meminfo'), /^MemAvailable:\s+(\d+) kB$/m);
  if (free !== undefined) bounds.push({ bytes: free, bound: 'memory available on this machine' });
  const as = /^Max address space\s+(\d+)/m.exec(read('/proc/self/limits') ?? '');
  const vm = kb(read('/proc/self/status'), /^VmSize:\s+(\d+) kB$/m);
  if (as && vm !== undefined)
    bounds.push({ bytes: Number(as[1]) - vm, bound: 'address-space limit of this process (ulimit -v)' });
  for (const [limit, usage] of [
    ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current'],
    ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.usage_in_bytes'],
  ]) {
    const max = Number(read(limit));
    const used = Number(read(usage));
    // "max" (v2) and ~2^63 (v1) mean no limit
    if (Number.isFinite(max) && max < 2 ** 60 && Number.isFinite(used))
      bounds.push({ bytes: max - used, bound: 'memory limit of this control group' });
  }
  return bounds.length ? bounds.reduce((a, b) => (b.bytes < a.bytes ? b : a)) : undefined;
}

/** n bytes as GiB (or MiB below one GiB), for messages. */
export function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`;
}
