// Significance over per-seed results (SPEC §10): the two-sample Kolmogorov–Smirnov statistic with its exact
// two-sided p-value (the lattice-path count scipy.stats.ks_2samp(method='exact') uses), mean ± sample standard
// deviation, and a percentile bootstrap confidence interval of the mean.
import { Rng } from '../util/rng.js';

export interface KsResult {
  statistic: number;
  pvalue: number;
}

/** D = sup_x |F_a(x) − F_b(x)| over the empirical CDFs; exact P(D ≥ d) under H0 (no ties between the groups
 * assumed for the null distribution, as scipy). */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) throw new Error('ksTwoSample: both groups need at least one value');
  const xs = [...a].sort((x, y) => x - y);
  const ys = [...b].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < m || j < n) {
    const v = Math.min(i < m ? xs[i] : Infinity, j < n ? ys[j] : Infinity);
    while (i < m && xs[i] === v) i++;
    while (j < n && ys[j] === v) j++;
    d = Math.max(d, Math.abs(i / m - j / n));
  }
  return { statistic: d, pvalue: ksExactP(m, n, d) };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** P(D_{m,n} ≥ d): 1 − the probability that a uniformly random lattice path from (0, 0) to (m, n) stays where
 * |i·n − j·m| < h·g, with g = gcd(m, n) and h = round(d·lcm) (d snapped to the lattice as scipy does). */
export function ksExactP(m: number, n: number, d: number): number {
  const g = gcd(m, n);
  const lcm = (m / g) * n;
  const h = Math.round(d * lcm);
  if (h === 0) return 1;
  const bound = h * g;
  // prob[j] over j for the current i: probability of reaching (i, j) inside the band by a uniform path,
  // stepping i+1 with probability (m − i)/(m − i + n − j).
  let prev = new Float64Array(n + 1);
  const inside = (i: number, j: number) => Math.abs(i * n - j * m) < bound;
  prev[0] = 1;
  for (let j = 1; j <= n; j++) prev[j] = inside(0, j) ? (prev[j - 1] * (n - (j - 1))) / (m + n - (j - 1)) : 0;
  for (let i = 1; i <= m; i++) {
    const cur = new Float64Array(n + 1);
    for (let j = 0; j <= n; j++) {
      if (!inside(i, j)) continue;
      // from (i−1, j) stepping in i, and from (i, j−1) stepping in j
      let p = prev[j] * ((m - (i - 1)) / (m - (i - 1) + n - j));
      if (j > 0) p += cur[j - 1] * ((n - (j - 1)) / (m - i + n - (j - 1)));
      cur[j] = p;
    }
    prev = cur;
  }
  return Math.min(1, Math.max(0, 1 - prev[n]));
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  /** Percentile bootstrap CI of the mean. */
  ci: [number, number];
  level: number;
}

export function summarize(
  v: readonly number[],
  o: { level?: number; resamples?: number; seed?: number } = {},
): Summary {
  const n = v.length;
  if (n === 0) throw new Error('summarize: no values');
  const mean = v.reduce((s, x) => s + x, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  const level = o.level ?? 0.95;
  const B = o.resamples ?? 10000;
  const rng = new Rng(o.seed ?? 0, 0xb007);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += v[rng.int(n)];
    means[b] = s / n;
  }
  means.sort();
  const q = (p: number) => {
    const pos = p * (B - 1);
    const lo = Math.floor(pos);
    return means[lo] + (means[Math.min(B - 1, lo + 1)] - means[lo]) * (pos - lo);
  };
  return { n, mean, std, ci: [q((1 - level) / 2), q(1 - (1 - level) / 2)], level };
}
