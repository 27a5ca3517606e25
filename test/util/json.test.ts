import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson } from '../../src/util/json.js';

test('readJson: the value; undefined for a missing, damaged or unreadable file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'json-'));
  writeFileSync(join(dir, 'ok.json'), '{"status":"completed","n":[1,2]}\n');
  writeFileSync(join(dir, 'cut.json'), '{"status":"compl');
  assert.deepEqual(readJson(join(dir, 'ok.json')), { status: 'completed', n: [1, 2] });
  assert.equal(readJson(join(dir, 'missing.json')), undefined);
  assert.equal(readJson(join(dir, 'cut.json')), undefined);
  assert.equal(readJson(dir), undefined, 'a directory');
});
