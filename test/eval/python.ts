// Runs python/eval_check.py (Debian's python3 with numpy, scipy, sklearn, torch): one JSON request, one answer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../python/eval_check.py', import.meta.url));

export function python(req: Record<string, unknown>): Record<string, unknown> {
  const r = spawnSync(process.env.ST_PYTHON ?? '/usr/bin/python3', [script], {
    input: JSON.stringify(req),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}
