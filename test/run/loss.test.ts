// Distillation from several teachers (Sup-tickets' KD from the M cheap tickets, SPEC §6): their logits become
// T·log(mean_i softmax(t_i/T)), whose softmax at temperature T is the mean of the teachers' softened outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensembleLogits } from '../../src/run/loss.js';
import { randomArray } from '../helpers.js';

const softmax = (z: ArrayLike<number>, T: number, r: number, C: number) => {
  const row = Array.from({ length: C }, (_, j) => z[r * C + j] / T);
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

test('ensemble teacher: softmax(z/T) of the combined logits is the mean of the teachers’ softmax(t_i/T)', () => {
  const [N, C, T] = [5, 7, 4];
  const teachers = [1, 2, 3].map((s) => ({ data: randomArray(N * C, s, -6, 6), shape: [N, C] }));
  const z = ensembleLogits(teachers, T);
  assert.deepEqual(z.shape, [N, C]);
  for (let r = 0; r < N; r++) {
    const got = softmax(z.data, T, r, C);
    const want = Array.from({ length: C }, (_, j) => teachers.reduce((a, t) => a + softmax(t.data, T, r, C)[j], 0) / 3);
    got.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-6, `row ${r} class ${j}: ${v} vs ${want[j]}`));
  }
});
