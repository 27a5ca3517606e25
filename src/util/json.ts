// Reading the JSON files runs and pipelines leave behind (config.json, summary.json, cached steps).
import { readFileSync } from 'node:fs';

/** The JSON in `file`, or undefined when there is none to read: the file is missing, unreadable or damaged
 * (a damaged summary or cached step then counts as not written, and its work is done again). */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
