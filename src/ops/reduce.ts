// Whole-array reductions on Tensors or Float32Arrays, computed in Wasm (assembly/reduce.ts)
// in a fixed order: sums in float64, so the results are the same bits in every engine.
import { rt } from '../core/wasm.js';
import type { Ptr } from '../core/heap.js';
import { Tensor, shapeText } from '../core/tensor.js';

/** What the reductions read: a tensor's values or a Float32Array. */
export type Values = Tensor | Float32Array;

/** Runs `body` on the values' address in Wasm memory (a Float32Array is copied in and freed afterwards). */
function withValues<T>(fn: string, x: Values, needsOne: boolean, body: (n: number, p: Ptr) => T): T {
  const n = x instanceof Tensor ? x.size : x.length;
  if (needsOne && n === 0) {
    const what = x instanceof Tensor ? `tensor ${shapeText(x.shape)}` : 'array';
    throw new Error(`actlab: ${fn}: the ${what} is empty: expected at least one value`);
  }
  if (x instanceof Tensor) return body(n, x.ptr);
  const { heap } = rt();
  const p = heap.allocF32(x);
  try {
    return body(n, p);
  } finally {
    heap.free(p);
  }
}

/** sum_i x_i, accumulated in float64 (0 for no values). */
export function sum(x: Values): number {
  return withValues('sum', x, false, (n, p) => rt().kernels.f32_sum(n, p));
}

/** sum_i x_i^2 in float64 (each square exact). */
export function sumSquares(x: Values): number {
  return withValues('sumSquares', x, false, (n, p) => rt().kernels.f32_sum_squares(n, p));
}

/** ||x||_2 = sqrt(sum_i x_i^2), float64. */
export function l2Norm(x: Values): number {
  return withValues('l2Norm', x, false, (n, p) => rt().kernels.f32_l2_norm(n, p));
}

/**
 * Mean and population standard deviation (divide by n, as tf.moments), float64, two passes:
 * mean = sum(x) / n, variance = sum((x - mean)^2) / n, std = sqrt(variance).
 */
export function moments(x: Values, fn = 'moments'): { mean: number; variance: number; std: number } {
  return withValues(fn, x, true, (n, p) => {
    const { kernels, heap } = rt();
    const out = heap.alloc(24);
    try {
      kernels.f32_moments(n, p, out);
      const v = new Float64Array(heap.memory.buffer, out, 3);
      return { mean: v[0], variance: v[1], std: v[2] };
    } finally {
      heap.free(out);
    }
  });
}

/** The arithmetic mean, float64. */
export function mean(x: Values): number { return moments(x, 'mean').mean; }

/** The population standard deviation, float64. */
export function std(x: Values): number { return moments(x, 'std').std; }

/** The smallest value; NaN if any value is NaN. */
export function min(x: Values): number {
  return withValues('min', x, true, (n, p) => rt().kernels.f32_min(n, p));
}

/** The largest value; NaN if any value is NaN. */
export function max(x: Values): number {
  return withValues('max', x, true, (n, p) => rt().kernels.f32_max(n, p));
}

/** How many values are exactly zero (+0 or -0). */
export function countZeros(x: Values): number {
  return withValues('countZeros', x, false, (n, p) => rt().kernels.f32_count_zeros(n, p));
}

/**
 * Index of the largest value in each row of `cols` values (the first on ties; NaN counts as
 * larger than every number). A Tensor's last axis is the row unless `cols` is given.
 */
export function argMaxRows(x: Values, cols?: number): Int32Array {
  const c = cols ?? (x instanceof Tensor && x.rank > 0 ? x.shape[x.rank - 1] : undefined);
  const n = x instanceof Tensor ? x.size : x.length;
  if (c === undefined || !Number.isInteger(c) || c < 1) {
    throw new Error(`actlab: argMaxRows: cols must be a positive integer (the row length), got ${String(c)}`);
  }
  if (n % c !== 0) {
    const what = x instanceof Tensor ? `tensor ${shapeText(x.shape)}` : 'array';
    throw new Error(`actlab: argMaxRows: the ${what} has ${n} values, which do not form rows of ${c} (n must be a multiple of cols)`);
  }
  const rows = n / c;
  return withValues('argMaxRows', x, false, (_, p) => {
    const { kernels, heap } = rt();
    const out = heap.alloc(rows * 4);
    try {
      kernels.f32_argmax_rows(rows, c, p, out);
      return heap.i32(out, rows).slice();
    } finally {
      heap.free(out);
    }
  });
}
