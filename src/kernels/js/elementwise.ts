// Reference elementwise arithmetic, the transpose, and the row broadcasts of a Linear bias.
import type { Floats } from './floats.js';

/** out = a + b */
export function add(out: Floats, a: Floats, b: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** y += alpha·x */
export function axpy(y: Floats, alpha: number, x: Floats): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** out = a ⊙ b */
export function mul(out: Floats, a: Floats, b: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

/** x *= alpha */
export function scale(x: Floats, alpha: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}

/** out[cols, rows] = aᵀ for a [rows, cols]. */
export function transpose(out: Floats, a: Floats, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
}

/** y[rows, F] += bias[F] on every row. */
export function addBiasRows(y: Floats, bias: Floats, rows: number, F: number): void {
  for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) y[r * F + f] += bias[f];
}

/** dbias[F] += Σ_rows dy[rows, F] (each column summed in row order). */
export function sumRows(dbias: Floats, dy: Floats, rows: number, F: number): void {
  for (let f = 0; f < F; f++) {
    let acc = 0;
    for (let r = 0; r < rows; r++) acc += dy[r * F + f];
    dbias[f] += acc;
  }
}
