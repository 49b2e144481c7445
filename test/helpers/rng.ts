// A seeded generator for tests: the same seed gives the same numbers in every runtime.

/** mulberry32: 32 bits of state, period 2^32; returns uniform floats in [0, 1). */
// see: https://gist.github.com/tommyettinger/46a874533244883189143505d203312c
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32 values uniform in [lo, hi) from `next`. */
export function uniformF32(next: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}
