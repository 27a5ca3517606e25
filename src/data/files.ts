import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from './dataset.js';

/** Reads a file, gunzipping it when it ends in .gz; errors name the file. */
export function readMaybeGz(path: string): Buffer {
  if (!existsSync(path)) throw new DataError(`${path}: file not found`);
  const raw = readFileSync(path);
  if (!path.endsWith('.gz')) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new DataError(`${path}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** The first of `names` (each tried plain and with .gz) that exists in dir. */
export function findFile(dir: string, names: string[]): string {
  for (const name of names) {
    for (const candidate of [`${dir}/${name}`, `${dir}/${name}.gz`]) if (existsSync(candidate)) return candidate;
  }
  throw new DataError(`${dir}: none of ${names.join(', ')} (plain or .gz) found`);
}
