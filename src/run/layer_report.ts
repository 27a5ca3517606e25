// The layer-wise density table of a sparse run (as Sup-tickets' appendix Table 9): layer_density.json and .md.
import { join } from 'node:path';
import type { SparseTraining } from '../sparse/training.js';
import { writeFileAtomic, type RunDir } from '../train/rundir.js';
import { markdownTable } from '../util/markdown.js';
import type { TrainConfig } from './config.js';

const sumOf = <T>(xs: T[], key: keyof T) => xs.reduce((a, x) => a + (x[key] as number), 0);

/** Writes the layer-wise density table (as Sup-tickets' appendix Table 9) as JSON and markdown. */
export function writeLayerReport(dir: RunDir, c: TrainConfig, sparse: SparseTraining): void {
  const r = sparse.layerReport();
  dir.writeJson('layer_density.json', { method: sparse.s.method, sparsity: sparse.s.sparsity, ...r });
  const table = markdownTable(
    ['layer', 'shape', 'params', 'nonzeros', 'density', 'forward FLOPs/sample (dense → sparse)', 'runs'],
    [
      ...r.layers.map((l) => [
        l.name,
        l.shape.join('×'),
        String(l.params),
        String(l.nnz),
        l.density.toFixed(4),
        `${l.flops_dense} → ${Math.round(l.flops_sparse)}`,
        l.execution,
      ]),
      [
        '**total**',
        '',
        String(sumOf(r.layers, 'params')),
        String(sumOf(r.layers, 'nnz')),
        r.density.toFixed(4),
        `${sumOf(r.layers, 'flops_dense')} → ${Math.round(sumOf(r.layers, 'flops_sparse'))}`,
        '',
      ],
    ],
  );
  const title = `# Layer-wise density: ${c.model}, ${sparse.s.method}, sparsity ${sparse.s.sparsity} (${sparse.s.distribution})`;
  writeFileAtomic(join(dir.path, 'layer_density.md'), `${title}\n\n${table}`);
}
