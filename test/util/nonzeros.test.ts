import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countNonzeros, nonzeroPattern } from '../../src/util/nonzeros.js';

test('countNonzeros and nonzeroPattern: the ones of a 0/1 mask, the nonzeros of a weight', () => {
  assert.equal(countNonzeros(Uint8Array.of(1, 0, 1, 1)), 3);
  assert.equal(countNonzeros(Float32Array.of(0, -0.5, 0, 2)), 2);
  assert.equal(countNonzeros([]), 0);
  assert.deepEqual(nonzeroPattern(Float64Array.of(0, -0.5, 0, 2)), Uint8Array.of(0, 1, 0, 1));
});
