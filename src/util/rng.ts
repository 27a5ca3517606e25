// A counter-based random number generator: draw n of the stream (seed, stream) is a pure function of
// (seed, stream, n), so any draw can be reproduced from those three numbers alone, and the same arithmetic
// transcribed to C++ (uint32_t, wrapping multiplies) gives the same bits. Only 32-bit integer operations
// (Math.imul, >>>, ^) touch the state; floats are derived from the integers at the very end.
//
// Draw n: lo = n mod 2^32, hi = floor(n / 2^32)
//   x = (lo·φ + k0) ^ (hi·0x85ebca6b);  x = mix32(x);  x = mix32(x ^ k1)
// where φ = 0x9e3779b9, mix32 is the "lowbias32" finaliser (a bijection on 32 bits), and (k0, k1) are the
// key words hashed from (seed, stream). For a fixed key and hi the map lo → x is a bijection, so every
// 2^32-long block of a stream is a permutation of all 32-bit values.

const GOLDEN = 0x9e3779b9;
const TWO_32 = 4294967296;

/** Chris Wellons' lowbias32 integer hash: a 32-bit bijection with low avalanche bias. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** 32-bit FNV-1a over the UTF-8 bytes of s (names are ASCII in practice, where bytes = characters). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Everything needed to resume a generator exactly where it stopped (e.g. from a checkpoint). */
export interface RngState {
  seed: number;
  stream: number;
  counter: number;
}

export class Rng {
  readonly seed: number;
  readonly stream: number;
  /** Index of the next draw; uint32() consumes one, normal() two. */
  counter = 0;
  private readonly k0: number;
  private readonly k1: number;

  /** seed: a non-negative safe integer (its low and high 32-bit words both count); stream: a uint32. */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new Error(`Rng: seed must be a non-negative integer, got ${seed}`);
    if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_32) {
      throw new Error(`Rng: stream must be a 32-bit unsigned integer, got ${stream}`);
    }
    this.seed = seed;
    this.stream = stream;
    const seedLo = seed >>> 0;
    const seedHi = Math.floor(seed / TWO_32) >>> 0;
    this.k0 = mix32(seedLo ^ mix32((seedHi + GOLDEN) >>> 0));
    this.k1 = mix32(this.k0 ^ mix32((stream ^ 0x85ebca6b) >>> 0));
  }

  /** An independent stream named by a string, e.g. Rng.derive(seed, 'layer1.0.conv1.weight'). */
  static derive(seed: number, key: string): Rng {
    return new Rng(seed, hashString(key));
  }

  static fromState(s: RngState): Rng {
    const r = new Rng(s.seed, s.stream);
    r.counter = s.counter;
    return r;
  }

  state(): RngState {
    return { seed: this.seed, stream: this.stream, counter: this.counter };
  }

  /** A uniformly distributed integer in [0, 2^32). */
  uint32(): number {
    const n = this.counter++;
    const lo = n >>> 0;
    const hi = Math.floor(n / TWO_32) >>> 0;
    let x = ((Math.imul(lo, GOLDEN) + this.k0) ^ Math.imul(hi, 0x85ebca6b)) >>> 0;
    x = mix32(x);
    return mix32((x ^ this.k1) >>> 0);
  }

  /** Uniform in [0, 1) with 32 random bits. */
  float(): number {
    return this.uint32() / TWO_32;
  }

  /** Standard normal by Box–Muller (cosine branch only, so every call consumes exactly two draws). */
  normal(): number {
    const u1 = (this.uint32() + 0.5) / TWO_32; // in (0, 1): log is finite
    const u2 = this.uint32() / TWO_32;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [0, n), unbiased (rejection of the incomplete top block), 1 ≤ n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32)
      throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const u = this.uint32();
      if (u < limit) return u % n;
    }
  }

  /** Fisher–Yates in place, from the last position down; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
