// A worker of corruptSeverities (corrupt_parallel.ts): corrupts images [from, to) of the severity-major list
// (image j is test image j mod n at severity severities[⌊j/n⌋]) into the shared output, then counts itself done.
import { workerData } from 'node:worker_threads';
import { Rng } from '../util/rng.js';
import { corruptImage } from './corruptions.js';
import type { WorkerJob } from './corrupt_parallel.js';

const job = workerData as WorkerJob;
const counter = new Int32Array(job.done);
try {
  const [c, h, w] = job.shape;
  const per = c * h * w;
  const src = new Uint8Array(job.src);
  const out = new Uint8Array(job.out);
  const work = new Float32Array(per);
  for (let j = job.from; j < job.to; j++) {
    const s = job.severities[Math.floor(j / job.n)];
    const i = j % job.n;
    const rng = Rng.derive(job.seed, `${job.kind}:${s}:${i}`);
    corruptImage(
      job.kind,
      s,
      src.subarray(i * per, (i + 1) * per),
      h,
      w,
      rng,
      out.subarray(j * per, (j + 1) * per),
      work,
    );
  }
} catch {
  Atomics.add(counter, 1, 1);
} finally {
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}
