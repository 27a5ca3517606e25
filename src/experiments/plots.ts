// The report's plots: vega-lite specs compiled and rendered to SVG by vega (headless, renderer 'none'), and
// rasterised to PNG by resvg with a real font file (Debian's DejaVu Sans) so text renders the same everywhere.
// Accuracy vs sparsity per method, vs training FLOPs and vs wall-clock (the compute-matched view), and the
// training curves. (Reliability diagrams need per-bin confidences, which run summaries do not keep.)
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Report, ReportRow } from './report.js';

export const FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
];
const FONT = 'DejaVu Sans';

export interface Plot {
  /** File stem: accuracy_vs_sparsity, … */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

export interface RenderedPlot extends Plot {
  svg: string;
  png: Buffer;
}

/** The series a row belongs to in the plots: its label without the key on the x axis. */
function series(row: ReportRow, keys: string[], without: string[]): string {
  const parts = keys
    .filter((k) => !without.includes(k))
    .map((k) => `${k.split('.').pop()}=${String(row.label[k] ?? '—')}`);
  return parts.join(', ') || 'all runs';
}

const sparsityOf = (r: ReportRow) => {
  const s = r.config.sparse as { method?: string; sparsity?: number } | undefined;
  return !s || s.method === 'dense' ? 0 : (s.sparsity ?? 0);
};

const base = (title: string, width = 420, height = 280) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  title,
  width,
  height,
  background: 'white',
  config: {
    font: FONT,
    axis: { labelFont: FONT, titleFont: FONT },
    legend: { labelFont: FONT, titleFont: FONT },
    title: { font: FONT },
  },
});

/** The plots a report has data for. */
export function reportPlots(rep: Report): Plot[] {
  const rows = rep.rows.filter((r) => r.metrics.test_accuracy);
  if (rows.length === 0) return [];
  const point = (r: ReportRow, without: string[]) => ({
    series: series(r, rep.keys, without),
    accuracy: 100 * r.metrics.test_accuracy.mean,
    lo: 100 * (r.metrics.test_accuracy.mean - (r.metrics.test_accuracy.std ?? 0)),
    hi: 100 * (r.metrics.test_accuracy.mean + (r.metrics.test_accuracy.std ?? 0)),
    sparsity: sparsityOf(r),
    flops: r.metrics.training_flops?.mean ?? 1,
    wall: r.time.wall_seconds?.mean ?? 0,
    n: r.n,
  });
  const scatter = (
    name: string,
    title: string,
    x: 'sparsity' | 'flops' | 'wall',
    xTitle: string,
    without: string[],
    line: boolean,
  ): Plot => {
    const values = rows.map((r) => point(r, without)).sort((a, b) => a[x] - b[x]);
    const enc = {
      x: { field: x, type: 'quantitative', title: xTitle, scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        legend: { orient: 'bottom', columns: 1, labelLimit: 420 },
      },
    };
    return {
      name,
      title,
      spec: {
        ...base(title),
        data: { values },
        layer: [
          {
            mark: { type: 'errorbar', ticks: true },
            encoding: {
              ...enc,
              y: { field: 'lo', type: 'quantitative', title: 'test accuracy % (mean ± std)', scale: { zero: false } },
              y2: { field: 'hi' },
            },
          },
          {
            mark: {
              type: line ? 'line' : 'point',
              point: line ? { filled: true, size: 60 } : undefined,
              filled: true,
              size: line ? undefined : 80,
            },
            encoding: {
              ...enc,
              y: { field: 'accuracy', type: 'quantitative', scale: { zero: false } },
              tooltip: [{ field: 'n' }],
            },
          },
        ],
      } as unknown as TopLevelSpec,
    };
  };
  const plots: Plot[] = [];
  if (new Set(rows.map(sparsityOf)).size > 1)
    plots.push(
      scatter(
        'accuracy_vs_sparsity',
        'Test accuracy vs sparsity',
        'sparsity',
        'sparsity',
        ['sparse.sparsity', 'sparse.method'],
        false,
      ),
    );
  // Per method along sparsity: colour by the method (and the other keys), x = sparsity.
  if (plots.length)
    plots[0] = scatter(
      'accuracy_vs_sparsity',
      'Test accuracy vs sparsity, per method',
      'sparsity',
      'sparsity',
      ['sparse.sparsity'],
      true,
    );
  plots.push(
    scatter('accuracy_vs_flops', 'Test accuracy vs training FLOPs', 'flops', 'training FLOPs (× dense)', [], false),
  );
  if (rows.some((r) => r.time.wall_seconds))
    plots.push(
      scatter('accuracy_vs_wallclock', 'Test accuracy vs wall-clock', 'wall', 'wall-clock seconds per run', [], false),
    );
  const curves = rows.flatMap((r) =>
    r.curve.map((c) => ({ series: series(r, rep.keys, []), epoch: c.epoch, accuracy: 100 * c.test_accuracy })),
  );
  if (curves.length)
    plots.push({
      name: 'training_curves',
      title: 'Training curves',
      spec: {
        ...base('Test accuracy per epoch (mean over seeds)'),
        data: { values: curves },
        mark: { type: 'line', point: curves.length < 200 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative' },
          y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy %', scale: { zero: false } },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            legend: { orient: 'bottom', columns: 1, labelLimit: 420 },
          },
        },
      } as unknown as TopLevelSpec,
    });
  return plots;
}

/** vega-lite → SVG (vega, headless) → PNG (resvg, DejaVu Sans at 2× scale). */
export async function renderPlot(p: Plot): Promise<RenderedPlot> {
  const view = new vega.View(vega.parse(compile(p.spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const fontFiles = FONT_FILES.filter((f) => existsSync(f));
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: { fontFiles, loadSystemFonts: fontFiles.length === 0, defaultFontFamily: FONT },
  })
    .render()
    .asPng();
  return { ...p, svg, png };
}
