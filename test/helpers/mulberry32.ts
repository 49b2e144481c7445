// The conv and reduction tests' view of the shared seeded generator (test/helpers/random.ts).
import { mulberry32 } from './random.js';

export { mulberry32 };

/** n float32 values uniform in [lo, hi) from a generator. */
export function uniform(rand: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/** An integer in [0, n). */
export function pick(rand: () => number, n: number): number { return Math.floor(rand() * n); }
