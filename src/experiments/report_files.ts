// Writing a report: report.md, report.csv, report.json, report.tex, plots/<name>.svg and .png, and report.html —
// one self-contained page (tables and the plots inlined as PNG data; no CDN, no script). Every file is written
// to a temporary name and renamed.
import { join } from 'node:path';
import { makeDirs, writeFileAtomic } from '../train/rundir.js';
import { reportPlots, renderPlot, type RenderedPlot } from './plots.js';
import { flagOf, metricColumns, toCsv, toJson, toLatex, toMarkdown, type Report } from './report.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function toHtml(rep: Report, plots: RenderedPlot[], title: string): string {
  const md = toMarkdown(rep).trim().split('\n');
  const rows = md.filter((_, i) => i !== 1).map((l) => l.slice(2, -2).split(' | '));
  const cell = (c: string, tag: string) => `<${tag}>${esc(c).replace(/\*\*(.*)\*\*/, '<b>$1</b>')}</${tag}>`;
  const table = [
    '<table id="results">',
    `<thead><tr>${rows[0].map((c) => cell(c, 'th')).join('')}</tr></thead>`,
    '<tbody>',
    ...rows
      .slice(1)
      .map(
        (r, i) => `<tr${flagOf(rep.rows[i]) ? ' class="flagged"' : ''}>${r.map((c) => cell(c, 'td')).join('')}</tr>`,
      ),
    '</tbody></table>',
  ].join('\n');
  const figures = plots
    .map(
      (p) =>
        `<figure id="${p.name}"><img alt="${esc(p.title)}" src="data:image/png;base64,${p.png.toString('base64')}" width="${Math.round(
          pngWidth(p.png) / 2,
        )}"><figcaption>${esc(p.title)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:"DejaVu Sans",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}
th{background:#eee}tr.flagged td:last-child{color:#b00}figure{display:inline-block;margin:1em}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${rep.runs} runs in ${rep.rows.length} groups; mean ± sample standard deviation over seeds, n completed runs; best per column in bold. Metrics: ${metricColumns(
    rep,
  )
    .map((m) => esc(m.name))
    .join(', ')}.</p>
${table}
${figures}
</body></html>
`;
}

/** Width in pixels of a PNG (its IHDR chunk). */
function pngWidth(png: Buffer): number {
  return png.readUInt32BE(16);
}

export interface WrittenReport {
  dir: string;
  files: string[];
  plots: RenderedPlot[];
}

export async function writeReport(rep: Report, outDir: string, title: string): Promise<WrittenReport> {
  const plots = await Promise.all(reportPlots(rep).map(renderPlot));
  makeDirs(join(outDir, 'plots'));
  const files: string[] = [];
  const put = (file: string, text: string) => {
    writeFileAtomic(join(outDir, file), text);
    files.push(join(outDir, file));
  };
  put(
    'report.md',
    `# ${title}\n\n` + toMarkdown(rep) + plots.map((p) => `\n![${p.title}](plots/${p.name}.png)\n`).join(''),
  );
  put('report.csv', toCsv(rep));
  put('report.json', toJson(rep));
  put('report.tex', toLatex(rep));
  for (const p of plots) {
    put(`plots/${p.name}.svg`, p.svg);
    writeFileAtomic(join(outDir, 'plots', `${p.name}.png`), p.png);
    files.push(join(outDir, 'plots', `${p.name}.png`));
  }
  put('report.html', toHtml(rep, plots, title));
  return { dir: outDir, files, plots };
}
