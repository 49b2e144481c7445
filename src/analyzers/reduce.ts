// The analyzers' reductions, on the private kernels of assembly/analysis.ts (index-order
// float64 sums; the public ones in ops/reduce.ts sum in eight parts, a different order).
import { rt } from '../core/wasm.js';
import { empty, type Tensor } from '../core/tensor.js';

/** Summary statistics of a tensor's values, each computed in float64 in Wasm and rounded to float32. */
export interface Stats {
  /** mean |x| */
  readonly meanAbs: number;
  readonly mean: number;
  /** Population standard deviation (divides by n, as numpy's default). */
  readonly std: number;
  /** NaN when any value is NaN. */
  readonly maxAbs: number;
}

export function stats(x: Tensor): Stats {
  if (x.size === 0) throw new Error('actlab: statistics of an empty tensor are undefined: expected at least one value');
  const out = empty([4]);
  try {
    rt().kernels.f32_analysis_stats(x.size, x.ptr, out.ptr);
    const [meanAbs, mean, std, maxAbs] = out.dataSync();
    return { meanAbs, mean, std, maxAbs };
  } finally {
    out.dispose();
  }
}

/** Per-row sums of p and entropies -sum p log p (nats), from probabilities and their logs. */
export function rowSumEntropy(p: Tensor, logp: Tensor, cols: number): { sums: Float32Array; entropy: Float32Array } {
  const rows = p.size / cols;
  const sums = empty([rows]), entropy = empty([rows]);
  try {
    rt().kernels.f32_analysis_row_sum_entropy(rows, cols, p.ptr, logp.ptr, sums.ptr, entropy.ptr);
    return { sums: sums.dataSync(), entropy: entropy.dataSync() };
  } finally {
    sums.dispose();
    entropy.dispose();
  }
}

/** Natural log of a count, in Wasm (the largest possible entropy of `n` outcomes). */
export function logOf(n: number): number {
  return rt().kernels.f32_log1(n);
}
