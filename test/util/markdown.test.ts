import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyCell, markdownTable } from '../../src/util/markdown.js';

test('markdownTable: header, separator, one line per row; accuracyCell in percent or —', () => {
  assert.equal(markdownTable(['a', 'b'], [['1', '2']]), '| a | b |\n| --- | --- |\n| 1 | 2 |\n');
  assert.equal(accuracyCell({ accuracy: 0.12345 }), '12.35');
  assert.equal(accuracyCell(undefined), '—');
});
