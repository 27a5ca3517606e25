// Markdown tables: what pipelines, runs and `report` write beside their JSON.

/** A Markdown table of the rows' cells under the header. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** An accuracy as a table cell, in percent ('—' when absent). */
export const accuracyCell = (m?: { accuracy: number }): string => (m ? (100 * m.accuracy).toFixed(2) : '—');
