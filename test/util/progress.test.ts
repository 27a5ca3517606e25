import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, type ProgressStream } from '../../src/util/progress.js';

/** The screen of a terminal that understands what Progress writes: text, \r, \n and "erase to end of line". */
class FakeTerminal implements ProgressStream {
  readonly isTTY = true;
  readonly lines = [''];
  private col = 0;

  write(chunk: string): boolean {
    const ERASE = '\x1b[K';
    for (let i = 0; i < chunk.length; i++) {
      const last = this.lines.length - 1;
      const line = this.lines[last];
      if (chunk.startsWith(ERASE, i)) {
        this.lines[last] = line.slice(0, this.col);
        i += ERASE.length - 1;
      } else if (chunk[i] === '\r') this.col = 0;
      else if (chunk[i] === '\n') {
        this.lines.push('');
        this.col = 0;
      } else {
        this.lines[last] = line.slice(0, this.col) + chunk[i] + line.slice(this.col + 1);
        this.col++;
      }
    }
    return true;
  }
}

test('progress on a terminal: a line logged while the bar is shown starts on a fresh line, the bar redrawn below', () => {
  const term = new FakeTerminal();
  const p = new Progress('train run', 'it', term);
  p.update(1, 6, 'epoch 1/2');
  p.update(2, 6, 'epoch 1/2');
  assert.equal(term.lines.length, 1, 'the bar is redrawn in place');
  assert.match(term.lines[0], /^train run \[#{10}\.{20}\] 2\/6 it .* epoch 1\/2$/);

  p.log('epoch 1/2: train loss 2.3026 acc 10.00%');
  assert.deepEqual(term.lines, ['epoch 1/2: train loss 2.3026 acc 10.00%', '']);
  p.update(3, 6, 'epoch 2/2');
  p.log('auto: fc1.weight runs sparse');
  p.update(4, 6, 'epoch 2/2');
  assert.equal(term.lines.length, 3);
  assert.equal(term.lines[1], 'auto: fc1.weight runs sparse');
  assert.match(term.lines[2], /^train run \[#{20}\.{10}\] 4\/6 it .* epoch 2\/2$/);

  // The finished bar stays, and what follows goes below it untouched.
  p.update(6, 6, 'epoch 2/2');
  p.log('epoch 2/2: train loss 1.9000');
  assert.equal(term.lines.length, 5);
  assert.match(term.lines[2], /^train run \[#{30}\] 6\/6 it /);
  assert.equal(term.lines[3], 'epoch 2/2: train loss 1.9000');
});

test('progress off a terminal: plain lines, no control characters, logs untouched', () => {
  const chunks: string[] = [];
  const pipe: ProgressStream = { isTTY: false, write: (c) => chunks.push(c) > 0 };
  const p = new Progress('bench lenet300', 'steps', pipe);
  p.update(1, 4);
  p.log('a log line');
  p.update(4, 4);
  assert.equal(chunks.length, 3);
  assert.match(chunks[0], /^bench lenet300 1\/4 steps .*\n$/);
  assert.equal(chunks[1], 'a log line\n');
  assert.match(chunks[2], /^bench lenet300 4\/4 steps .*\n$/);
  assert.ok(chunks.every((c) => !c.includes('\r') && !c.includes('\x1b')));
});
