import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLine, exitCodeOf, FileError, fileError, RunError, UsageError } from '../../src/util/errors.js';

test('errorLine: usage, file and run errors are their message; system errors name their path', () => {
  assert.equal(
    errorLine(new UsageError('train: --lr must be a decimal number')),
    'train: --lr must be a decimal number',
  );
  assert.equal(exitCodeOf(new UsageError('x')), 2);
  assert.equal(exitCodeOf(new RunError('x')), 1);
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const e = fileError(enospc, 'write', '/runs/x/config.json');
  assert.ok(e instanceof FileError);
  assert.equal(errorLine(e), 'cannot write /runs/x/config.json: no space left on the device');
  const erofs = Object.assign(new Error("EROFS: read-only file system, open '/ro/a'"), {
    code: 'EROFS',
    path: '/ro/a',
  });
  assert.equal(errorLine(erofs), '/ro/a: read-only file system');
  assert.equal(fileError(new TypeError('not a file error'), 'write', '/a') instanceof FileError, false);
});

test('errorLine: an unexpected error is its first line pointing to --debug, never a stack', () => {
  const bug = new TypeError('cannot read properties of undefined\nmore detail');
  assert.equal(errorLine(bug), 'cannot read properties of undefined (--debug prints the stack trace)');
  assert.equal(errorLine(bug, false), 'cannot read properties of undefined');
  assert.match(
    errorLine(new RangeError('Array buffer allocation failed')),
    /^out of memory: .*lower --width or --batch/,
  );
});
