import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

/** The CPU model name and core count, as quoted next to every benchmark figure. */
export function cpuDescription(): { model: string; cores: number } {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {
    // not Linux: os.cpus() is all we have
  }
  return { model, cores: cpus().length };
}
