// What every density is counted from: the nonzeros of a mask (a 0/1 mask: its ones) or of a weight.

/** Nonzero entries of `values`. */
export function countNonzeros(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

/** The 0/1 pattern of the nonzeros of `values`. */
export function nonzeroPattern(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  return out;
}
