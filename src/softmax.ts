// Row softmax / log-softmax over the last axis of row-major data, with temperature.
import { rt } from './core/wasm.js';
import { checkFiniteAt, positiveF32 } from './core/checks.js';

function checkRows(fn: string, length: number, cols: number, temperature: number): number {
  if (!Number.isInteger(cols) || cols <= 0) throw new Error(`actlab: ${fn}: cols must be a positive integer, got ${cols}`);
  if (length % cols !== 0) {
    throw new Error(`actlab: ${fn}: ${length} values do not form rows of ${cols} columns (length must be a multiple of cols)`);
  }
  positiveF32(fn, 'temperature', temperature);
  return length / cols;
}

function rowOp(fn: string, x: Float32Array, cols: number, temperature: number,
  kernel: (rows: number, cols: number, x: number, y: number, t: number) => void): Float32Array {
  const rows = checkRows(fn, x.length, cols, temperature);
  const { heap } = rt();
  const p = heap.allocF32(x);
  try {
    checkFiniteAt(fn, 'x', p, x.length, [rows, cols]);
    kernel(rows, cols, p, p, Math.fround(temperature));
    return heap.f32(p, x.length).slice();
  } finally {
    heap.free(p);
  }
}

/** softmax(x / T) over each row of `cols` values: e^(x_i/T) / sum_j e^(x_j/T), shifted by the row max. */
export function softmax(x: Float32Array, cols: number, temperature = 1): Float32Array {
  return rowOp('softmax', x, cols, temperature, (r, c, a, b, t) => rt().kernels.f32_softmax(r, c, a, b, t));
}

/** log softmax(x / T) over each row: (x_i - max)/T - log sum_j e^((x_j - max)/T). */
export function logSoftmax(x: Float32Array, cols: number, temperature = 1): Float32Array {
  return rowOp('logSoftmax', x, cols, temperature, (r, c, a, b, t) => rt().kernels.f32_log_softmax(r, c, a, b, t));
}

function rowGrad(fn: string, y: Float32Array, dy: Float32Array, cols: number, temperature: number,
  kernel: (rows: number, cols: number, y: number, dy: number, dx: number, t: number) => void): Float32Array {
  const rows = checkRows(fn, y.length, cols, temperature);
  if (dy.length !== y.length) throw new Error(`actlab: ${fn}: dy has ${dy.length} values but y has ${y.length}`);
  const { heap } = rt();
  const py = heap.allocF32(y);
  const pg = heap.allocF32(dy);
  try {
    kernel(rows, cols, py, pg, pg, Math.fround(temperature));
    return heap.f32(pg, y.length).slice();
  } finally {
    heap.free(pg);
    heap.free(py);
  }
}

/** Backward of softmax from its output y: dx = y (dy - sum(dy y)) / T. */
export function softmaxGrad(y: Float32Array, dy: Float32Array, cols: number, temperature = 1): Float32Array {
  return rowGrad('softmaxGrad', y, dy, cols, temperature, (r, c, a, g, d, t) => rt().kernels.f32_softmax_grad(r, c, a, g, d, t));
}

/** Backward of log-softmax from its output y: dx = (dy - e^y sum(dy)) / T. */
export function logSoftmaxGrad(y: Float32Array, dy: Float32Array, cols: number, temperature = 1): Float32Array {
  return rowGrad('logSoftmaxGrad', y, dy, cols, temperature, (r, c, a, g, d, t) => rt().kernels.f32_log_softmax_grad(r, c, a, g, d, t));
}

/**
 * Sparse softmax cross-entropy, fused: per-row losses -log softmax(x)[label] and the
 * gradient (softmax(x) - onehot(label)) / rows of their mean.
 */
export function softmaxCrossEntropy(logits: Float32Array, labels: Int32Array | readonly number[], cols: number):
  { losses: Float32Array; grad: Float32Array } {
  const rows = checkRows('softmaxCrossEntropy', logits.length, cols, 1);
  if (labels.length !== rows) {
    throw new Error(`actlab: softmaxCrossEntropy: ${labels.length} labels for ${rows} rows of logits`);
  }
  for (let i = 0; i < rows; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= cols) {
      throw new Error(`actlab: softmaxCrossEntropy: label ${l} at row ${i} is not an integer class in [0, ${cols})`);
    }
  }
  const { heap, kernels } = rt();
  const px = heap.allocF32(logits);
  const pl = heap.alloc(rows * 4);
  const ploss = heap.alloc(rows * 4);
  try {
    heap.i32(pl, rows).set(labels);
    kernels.f32_softmax_xent_sparse(rows, cols, px, pl, px, ploss, Math.fround(1 / rows));
    return { losses: heap.f32(ploss, rows).slice(), grad: heap.f32(px, logits.length).slice() };
  } finally {
    heap.free(ploss);
    heap.free(pl);
    heap.free(px);
  }
}
