// Reproduce presets: for each paper of the mission, sweep files shipped with the package in configs/<paper>/
// at three scales: tiny (a smoke run of a few minutes, run by CI), small (the reduced scale this project's
// docs/RESULTS.md reports) and full (the paper's own settings: for the four papers a set of tables, each the runs
// of presets in configs/<paper>/full/, experiments/tables.ts).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../util/errors.js';

/** Where the presets are: the package's configs/, or SPARSETICKETS_CONFIGS (a copy to edit, a test's). */
export const CONFIGS_DIR =
  process.env.SPARSETICKETS_CONFIGS || join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'configs');
export const PAPERS = ['sparse-core', 'suptickets', 'lottery-pools', 'freetickets', 'spending'] as const;
export const SCALES = ['tiny', 'small', 'full'] as const;
export type Scale = (typeof SCALES)[number];

export function presetFile(paper: string, scale: string): string {
  if (!(PAPERS as readonly string[]).includes(paper))
    throw new UsageError(`reproduce: unknown paper '${paper}'; valid: ${PAPERS.join(', ')}`);
  if (!(SCALES as readonly string[]).includes(scale))
    throw new UsageError(`reproduce: --scale '${scale}' is not one of: ${SCALES.join(', ')}`);
  const file = join(CONFIGS_DIR, paper, `${scale}.yaml`);
  if (!existsSync(file)) throw new UsageError(`reproduce: the preset ${file} is missing from this installation`);
  return file;
}
