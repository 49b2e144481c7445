// Losses: value and gradient against float64 evaluations of the Keras formulas over a sweep
// of row lengths (SIMD body and tail), extreme inputs (probabilities 0 and 1, logits +-100)
// without NaN or Infinity, tfjs-core / tfjs-layers 4.22.0 on the cpu backend (largest
// differences reported), and label and shape validation.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  init, tensor, meanSquaredError, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  type LossResult, type Tensor,
} from '../src/index.js';
import { rt } from '../src/core/wasm.js';
import { close } from './helpers/accuracy.js';
import { mulberry32 } from './helpers/random.js';

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

const f = Math.fround;
const EPS = f(1e-7), ONE_M_EPS = f(1 - 1e-7);
const clip = (p: number): number => Math.min(Math.max(p, EPS), ONE_M_EPS);
const COLS = [1, 3, 4, 5, 7, 8, 9, 63, 64, 65];
const ROWS = [1, 3, 7];

/** The float64 loss and gradient, and per-element magnitudes for the cancellation-aware tolerance. */
interface Ref { loss: number; grad: Float64Array; gradScale: Float64Array }

function refMse(t: Float32Array, p: Float32Array): Ref {
  const n = p.length, grad = new Float64Array(n), gradScale = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    s += d * d;
    grad[i] = 2 * d / n;
    gradScale[i] = 2 * (Math.abs(p[i]) + Math.abs(t[i])) / n;
  }
  return { loss: s / n, grad, gradScale };
}

function refBce(t: Float32Array, p: Float32Array): Ref {
  const n = p.length, grad = new Float64Array(n), gradScale = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = clip(p[i]);
    s += -(t[i] * Math.log(c) + (1 - t[i]) * Math.log(1 - c));
    const inside = p[i] >= EPS && p[i] <= ONE_M_EPS;
    const a = (1 - t[i]) / (1 - c), b = t[i] / c;
    grad[i] = inside ? (a - b) / n : 0;
    gradScale[i] = inside ? (a + b) / n : 0;
  }
  return { loss: s / n, grad, gradScale };
}

function refBceLogits(z: Float32Array, x: Float32Array): Ref {
  const n = x.length, grad = new Float64Array(n), gradScale = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += Math.max(x[i], 0) - x[i] * z[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
    const sg = 1 / (1 + Math.exp(-x[i]));
    grad[i] = (sg - z[i]) / n;
    gradScale[i] = (sg + Math.abs(z[i])) / n;
  }
  return { loss: s / n, grad, gradScale };
}

function refCce(t: Float32Array, p: Float32Array, cols: number): Ref {
  const n = p.length, rows = n / cols, grad = new Float64Array(n), gradScale = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let S = 0;
    for (let j = 0; j < cols; j++) S += p[r * cols + j];
    const g = new Float64Array(cols);
    let A = 0, absA = 0;
    for (let j = 0; j < cols; j++) {
      const q = p[r * cols + j] / S, tj = t[r * cols + j];
      total += -tj * Math.log(clip(q));
      g[j] = q >= EPS && q <= ONE_M_EPS ? -tj / q : 0;
      A += g[j] * q;
      absA += Math.abs(g[j] * q);
    }
    for (let j = 0; j < cols; j++) {
      grad[r * cols + j] = (g[j] - A) / S / rows;
      gradScale[r * cols + j] = (Math.abs(g[j]) + absA) / S / rows;
    }
  }
  return { loss: total / rows, grad, gradScale };
}

function refCceLogits(t: Float32Array, x: Float32Array, cols: number): Ref {
  const n = x.length, rows = n / cols, grad = new Float64Array(n), gradScale = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let S = 0, T = 0;
    for (let j = 0; j < cols; j++) {
      S += Math.exp(x[r * cols + j] - m);
      T += t[r * cols + j];
    }
    const ls = Math.log(S);
    for (let j = 0; j < cols; j++) {
      // d/dx_i of -sum_j t_j log softmax_j = softmax_i sum_j t_j - t_i (sum t = 1 for a distribution).
      const i = r * cols + j, lp = x[i] - m - ls, sm = Math.exp(lp);
      if (t[i] !== 0) total += -t[i] * lp;
      grad[i] = (sm * T - t[i]) / rows;
      gradScale[i] = (sm * Math.abs(T) + Math.abs(t[i])) / rows;
    }
  }
  return { loss: total / rows, grad, gradScale };
}

/** Checks a result against a reference; returns the failures (at most 5), naming shape and index. */
function compare(what: string, got: LossResult, want: Ref, lossScale = 0): string[] {
  const bad: string[] = [];
  if (!close(got.loss, want.loss, 8, 2e-6, lossScale)) bad.push(`${what}: loss ${got.loss}, expected ${want.loss}`);
  const g = got.grad.dataSync();
  for (let i = 0; i < g.length && bad.length < 5; i++) {
    if (!close(g[i], want.grad[i], 8, 1e-5, want.gradScale[i])) {
      bad.push(`${what} i=${i}: grad ${g[i]}, expected ${want.grad[i]}`);
    }
  }
  return bad;
}

function uniform(r: () => number, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Probabilities in (0, 1) with exact 0s, 1s and values at the clip edges mixed in. */
function probs(r: () => number, n: number): Float32Array {
  const special = [0, 1, EPS, ONE_M_EPS, 1e-9, 0.5];
  return Float32Array.from({ length: n }, () => (r() < 0.15 ? special[Math.floor(r() * special.length)] : r()));
}

function oneHot(labels: number[], cols: number): Float32Array {
  const t = new Float32Array(labels.length * cols);
  labels.forEach((l, i) => { t[i * cols + l] = 1; });
  return t;
}

/** Runs `fn` on tensors made from the arrays and frees everything, returning the loss and a grad copy. */
function withTensors(tv: Float32Array, pv: Float32Array, shape: number[],
  fn: (t: Tensor, p: Tensor) => LossResult): LossResult & { values: Float32Array } {
  const t = tensor(tv, shape), p = tensor(pv, shape);
  try {
    const r = fn(t, p);
    return { ...r, values: r.grad.dataSync() };
  } finally {
    t.dispose();
    p.dispose();
  }
}

function check(what: string, tv: Float32Array, pv: Float32Array, shape: number[],
  fn: (t: Tensor, p: Tensor) => LossResult, want: Ref, lossScale = 0): string[] {
  const r = withTensors(tv, pv, shape, fn);
  try {
    return compare(what, r, want, lossScale);
  } finally {
    r.grad.dispose();
  }
}

describe('against float64 over rows x cols (SIMD body and tail)', () => {
  const shapes = ROWS.flatMap((rows) => COLS.map((cols) => [rows, cols])).concat([[4, 250]]);

  test('meanSquaredError', () => {
    const bad = shapes.flatMap(([rows, cols], k) => {
      const r = mulberry32(10 + k), n = rows * cols;
      const t = uniform(r, n, -3, 3), p = uniform(r, n, -3, 3);
      return check(`[${rows}, ${cols}]`, t, p, [rows, cols], meanSquaredError, refMse(t, p));
    });
    expect(bad).toEqual([]);
  });

  test('binaryCrossentropy from probabilities (hard and soft targets, clipped edges)', () => {
    const bad = shapes.flatMap(([rows, cols], k) => {
      const r = mulberry32(20 + k), n = rows * cols;
      const t = Float32Array.from({ length: n }, () => (r() < 0.5 ? Math.round(r()) : f(r())));
      const p = probs(r, n);
      return check(`[${rows}, ${cols}]`, t, p, [rows, cols], (a, b) => binaryCrossentropy(a, b), refBce(t, p));
    });
    expect(bad).toEqual([]);
  });

  test('binaryCrossentropy from logits', () => {
    const bad = shapes.flatMap(([rows, cols], k) => {
      const r = mulberry32(30 + k), n = rows * cols;
      const z = Float32Array.from({ length: n }, () => (r() < 0.5 ? Math.round(r()) : f(r())));
      const x = uniform(r, n, -20, 20);
      return check(`[${rows}, ${cols}]`, z, x, [rows, cols], (a, b) => binaryCrossentropy(a, b, { fromLogits: true }), refBceLogits(z, x));
    });
    expect(bad).toEqual([]);
  });

  test('categoricalCrossentropy from probabilities (rows need not sum to 1)', () => {
    const bad = shapes.flatMap(([rows, cols], k) => {
      const r = mulberry32(40 + k), n = rows * cols;
      const labels = Array.from({ length: rows }, () => Math.floor(r() * cols));
      const t = k % 2 ? oneHot(labels, cols) : probs(r, n);
      const p = Float32Array.from({ length: n }, () => 0.01 + r());
      return check(`[${rows}, ${cols}]`, t, p, [rows, cols], (a, b) => categoricalCrossentropy(a, b), refCce(t, p, cols));
    });
    expect(bad).toEqual([]);
  });

  test('categoricalCrossentropy from logits (the fused softmax kernel): one-hot, multi-hot and unnormalised targets', () => {
    const bad = shapes.flatMap(([rows, cols], k) => {
      const r = mulberry32(50 + k), n = rows * cols;
      const labels = Array.from({ length: rows }, () => Math.floor(r() * cols));
      // Rows that do not sum to 1 once had the gradient of a distribution (softmax - t), not of the loss reported.
      const t = k % 3 === 0 ? oneHot(labels, cols)
        : k % 3 === 1 ? Float32Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0))
          : Float32Array.from({ length: n }, () => f(2 * r()));
      const x = uniform(r, n, -8, 8);
      return check(`[${rows}, ${cols}]`, t, x, [rows, cols], (a, b) => categoricalCrossentropy(a, b, { fromLogits: true }),
        refCceLogits(t, x, cols), 8);
    });
    expect(bad).toEqual([]);
  });

  test('sparseCategoricalCrossentropy equals the categorical form on one-hot targets, both modes', () => {
    const bad: string[] = [];
    shapes.forEach(([rows, cols], k) => {
      const r = mulberry32(60 + k);
      const labels = Array.from({ length: rows }, () => Math.floor(r() * cols));
      const t = oneHot(labels, cols);
      for (const fromLogits of [false, true]) {
        const x = fromLogits ? uniform(r, rows * cols, -8, 8) : Float32Array.from({ length: rows * cols }, () => 0.01 + r());
        const want = fromLogits ? refCceLogits(t, x, cols) : refCce(t, x, cols);
        bad.push(...check(`[${rows}, ${cols}] fromLogits ${fromLogits}`, t, x, [rows, cols],
          (_, p) => sparseCategoricalCrossentropy(new Int32Array(labels), p, { fromLogits }), want, 8));
        // Labels as a float tensor of shape [rows, 1] give the same bits.
        const lt = tensor(labels, [rows, 1]), p = tensor(x, [rows, cols]);
        const a = sparseCategoricalCrossentropy(lt, p, { fromLogits });
        const b = sparseCategoricalCrossentropy(labels, p, { fromLogits });
        if (a.loss !== b.loss || a.grad.dataSync().some((v, i) => !Object.is(v, b.grad.dataSync()[i]))) {
          bad.push(`[${rows}, ${cols}]: tensor labels differ from array labels`);
        }
        [lt, p, a.grad, b.grad].forEach((q) => q.dispose());
      }
    });
    expect(bad).toEqual([]);
  });
});

describe('extreme inputs stay finite and correct', () => {
  const finite = (r: { loss: number; values: Float32Array }): boolean => Number.isFinite(r.loss) && r.values.every(Number.isFinite);

  test('binaryCrossentropy at probabilities 0 and 1: the clipped loss per wrong element, gradient 0', () => {
    const t = new Float32Array([0, 1, 0, 1, 1]), p = new Float32Array([1, 0, 0, 1, 0.5]);
    const r = withTensors(t, p, [5], (a, b) => binaryCrossentropy(a, b));
    expect(finite(r)).toBe(true);
    expect(compare('bce extremes', r, refBce(t, p))).toEqual([]);
    expect(Array.from(r.values.slice(0, 4))).toEqual([0, 0, 0, 0]);
    // Wrong and certain: -log(1e-7) and -log(1 - (1 - 1e-7 in float32)); right: about 1e-7 each.
    const want = (-Math.log(1 - ONE_M_EPS) - Math.log(EPS) - Math.log(1 - EPS) - Math.log(ONE_M_EPS) + Math.log(2)) / 5;
    expect(r.loss).toBeCloseTo(want, 5);
    r.grad.dispose();
  });

  test('binaryCrossentropy from logits +-100 (and +-1e4): exact hinge values and sigmoid - z gradients', () => {
    const z = new Float32Array([0, 1, 0, 1, 0.5, 0.5, 0, 1]), x = new Float32Array([100, 100, -100, -100, 100, -100, 1e4, -1e4]);
    const r = withTensors(z, x, [8], (a, b) => binaryCrossentropy(a, b, { fromLogits: true }));
    expect(finite(r)).toBe(true);
    expect(compare('bce logits extremes', r, refBceLogits(z, x))).toEqual([]);
    expect([r.values[0], r.values[3], r.values[4], r.values[7]]).toEqual([0.125, -0.125, 0.0625, -0.125]);
    // 100 + 0 + e^-100 + 100 + 50 + 50 + 1e4 + 1e4, over 8.
    expect(r.loss).toBe(2537.5);
    r.grad.dispose();
  });

  test('categorical cross-entropies at probabilities 0 and 1 and logits +-100', () => {
    const t = oneHot([0, 1, 2], 3);
    const p = new Float32Array([1, 0, 0, 1, 0, 0, 0.5, 0.5, 0]);
    const a = withTensors(t, p, [3, 3], (u, v) => categoricalCrossentropy(u, v));
    expect(finite(a)).toBe(true);
    expect(compare('cce extremes', a, refCce(t, p, 3), 16)).toEqual([]);
    const x = new Float32Array([100, -100, 0, 100, -100, 0, -100, -100, 100]);
    const b = withTensors(t, x, [3, 3], (u, v) => categoricalCrossentropy(u, v, { fromLogits: true }));
    expect(finite(b)).toBe(true);
    expect(compare('cce logits extremes', b, refCceLogits(t, x, 3), 200)).toEqual([]);
    expect(b.loss).toBeCloseTo(200 / 3, 4);
    const s = withTensors(t, x, [3, 3], (_, v) => sparseCategoricalCrossentropy([0, 1, 2], v, { fromLogits: true }));
    expect(s.loss).toBe(b.loss);
    [a, b, s].forEach((r) => r.grad.dispose());
  });

  test('meanSquaredError with large values stays finite', () => {
    const r = withTensors(new Float32Array([1e18, -1e18]), new Float32Array([-1e18, 1e18]), [2], meanSquaredError);
    expect(finite(r)).toBe(true);
    expect(r.loss).toBe(f(4e36));
    r.grad.dispose();
  });
});

describe('against tfjs-core / tfjs-layers 4.22.0 (cpu backend)', () => {
  const report: string[] = [];
  afterAll(() => { console.log(`largest differences vs tfjs (loss rel / grad max abs rel to max |grad|):\n  ${report.join('\n  ')}`); });

  const rows = 32, cols = 10, n = rows * cols;
  const r = mulberry32(99);
  const labels = Array.from({ length: rows }, () => Math.floor(r() * cols));
  const onehot = oneHot(labels, cols);
  const probsT = Float32Array.from({ length: n }, () => 0.01 + r());
  const logits = uniform(r, n, -6, 6);
  const soft = Float32Array.from({ length: n }, () => f(r()));

  /** Loss and gradient of a tfjs scalar loss function with respect to the prediction. */
  function tfjs(t: Float32Array, p: Float32Array, fn: (t: tf.Tensor, p: tf.Tensor) => tf.Scalar): { loss: number; grad: Float32Array } {
    return tf.tidy(() => {
      const tt = tf.tensor2d(t, [rows, cols]), pt = tf.tensor2d(p, [rows, cols]);
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => fn(tt, x))(pt);
      return { loss: value.dataSync()[0], grad: Float32Array.from(grad.dataSync()) };
    });
  }

  function measure(what: string, t: Float32Array, p: Float32Array, ours: (t: Tensor, p: Tensor) => LossResult,
    theirs: (t: tf.Tensor, p: tf.Tensor) => tf.Scalar): { lossRel: number; gradRel: number } {
    const a = withTensors(t, p, [rows, cols], ours);
    const b = tfjs(t, p, theirs);
    a.grad.dispose();
    const lossRel = Math.abs(a.loss - b.loss) / Math.abs(b.loss);
    let err = 0, top = 0;
    for (let i = 0; i < n; i++) {
      err = Math.max(err, Math.abs(a.values[i] - b.grad[i]));
      top = Math.max(top, Math.abs(b.grad[i]));
    }
    const gradRel = err / top;
    report.push(`${what}: ${lossRel.toExponential(2)} / ${gradRel.toExponential(2)}`);
    return { lossRel, gradRel };
  }

  test('meanSquaredError vs tf.losses.meanSquaredError', () => {
    const d = measure('mse', soft, probsT, meanSquaredError, (t, p) => tf.losses.meanSquaredError(t, p));
    expect(d.lossRel).toBeLessThan(1e-6);
    expect(d.gradRel).toBeLessThan(1e-6);
  });

  test('binaryCrossentropy vs tfjs-layers metrics.binaryCrossentropy and tf.losses.sigmoidCrossEntropy', () => {
    const p = probs(mulberry32(5), n);
    const a = measure('bce probabilities (tfjs-layers, via logits)', soft, p, (t, q) => binaryCrossentropy(t, q),
      (t, q) => tf.mean(tfl.metrics.binaryCrossentropy(t, q)));
    expect(a.lossRel).toBeLessThan(1e-5);
    expect(a.gradRel).toBeLessThan(1e-4);
    const b = measure('bce logits (tf.losses.sigmoidCrossEntropy)', soft, logits, (t, q) => binaryCrossentropy(t, q, { fromLogits: true }),
      (t, q) => tf.losses.sigmoidCrossEntropy(t, q));
    expect(b.lossRel).toBeLessThan(1e-5);
    expect(b.gradRel).toBeLessThan(1e-5);
  });

  test('categoricalCrossentropy vs tfjs-layers metrics.categoricalCrossentropy and tf.losses.softmaxCrossEntropy', () => {
    const a = measure('cce probabilities (tfjs-layers)', onehot, probsT, (t, q) => categoricalCrossentropy(t, q),
      (t, q) => tf.mean(tfl.metrics.categoricalCrossentropy(t, q)));
    expect(a.lossRel).toBeLessThan(1e-5);
    expect(a.gradRel).toBeLessThan(1e-5);
    const b = measure('cce logits (tf.losses.softmaxCrossEntropy)', onehot, logits, (t, q) => categoricalCrossentropy(t, q, { fromLogits: true }),
      (t, q) => tf.losses.softmaxCrossEntropy(t, q));
    expect(b.lossRel).toBeLessThan(1e-5);
    expect(b.gradRel).toBeLessThan(1e-5);
    const c = measure('sparse cce logits (tf.losses.softmaxCrossEntropy on one-hot)', onehot, logits,
      (_, q) => sparseCategoricalCrossentropy(labels, q, { fromLogits: true }), (t, q) => tf.losses.softmaxCrossEntropy(t, q));
    expect(c.lossRel).toBeLessThan(1e-5);
    expect(c.gradRel).toBeLessThan(1e-5);
  });

  test('at logits +-100 tfjs-layers (softmax, then clip) caps the loss at -log(1e-7); ours is exact', () => {
    const x = new Float32Array(n).map((_, i) => (i % cols === (labels[Math.floor(i / cols)] + 1) % cols ? 100 : -100));
    const ours = withTensors(onehot, x, [rows, cols], (t, q) => categoricalCrossentropy(t, q, { fromLogits: true }));
    ours.grad.dispose();
    const theirs = tf.tidy(() => tf.mean(tfl.metrics.categoricalCrossentropy(tf.tensor2d(onehot, [rows, cols]),
      tf.softmax(tf.tensor2d(x, [rows, cols])))).dataSync()[0]);
    report.push(`cce logits +-100: ours ${ours.loss}, tfjs-layers ${theirs}`);
    expect(ours.loss).toBe(200);
    expect(theirs).toBeCloseTo(-Math.log(1e-7), 4);
  });
});

test('kernels work in place (output = prediction) and store only the n valid values', () => {
  const { heap, kernels: k } = rt();
  const bad: string[] = [];
  for (const [rows, cols] of [[1, 1], [3, 5], [2, 7], [1, 65]]) {
    const n = rows * cols, padded = Math.ceil(n / 4) * 4 + 4, r = mulberry32(n);
    const pv = Float32Array.from({ length: n }, () => 0.05 + 0.9 * r()), tv = Float32Array.from({ length: n }, () => f(r()));
    const runs: [string, (p: number, t: number, out: number) => void][] = [
      ['bce', (p, t, o) => k.f32_bce(n, p, t, o)], ['bce_grad', (p, t, o) => k.f32_bce_grad(n, p, t, o, 0.5)],
      ['bce_logits', (p, t, o) => k.f32_bce_logits(n, p, t, o)], ['bce_logits_grad', (p, t, o) => k.f32_bce_logits_grad(n, p, t, o, 0.5)],
      ['mse', (p, t, o) => k.f32_mse(n, p, t, o)], ['mse_grad', (p, t, o) => k.f32_mse_grad(n, p, t, o, 0.5)],
      ['cce_grad', (p, t, o) => k.f32_cce_grad(rows, cols, p, t, o, 0.5)],
    ];
    for (const [name, run] of runs) {
      const p = heap.allocF32(pv), t = heap.allocF32(tv), o = heap.alloc(n * 4);
      heap.f32(p, padded).fill(777, n);
      run(p, t, o);
      run(p, t, p);
      const out = heap.f32(o, n), inPlace = heap.f32(p, padded);
      if (out.some((v, i) => !Object.is(v, inPlace[i]))) bad.push(`${name} [${rows}, ${cols}]: in place differs`);
      if (inPlace.subarray(n).some((v) => v !== 777)) bad.push(`${name} [${rows}, ${cols}]: wrote past the end`);
      [p, t, o].forEach((q) => heap.free(q));
    }
  }
  expect(bad).toEqual([]);
});

describe('validation', () => {
  test('sparse labels must be integers in [0, classes), one per row; the message names the index', () => {
    const p = tensor(new Float32Array(12).fill(0.25), [3, 4]);
    expect(() => sparseCategoricalCrossentropy([0, 1.5, 2], p)).toThrow(/label 1.5 at index 1 is not an integer class in \[0, 4\)/);
    expect(() => sparseCategoricalCrossentropy([0, 1, 4], p)).toThrow(/label 4 at index 2 is not an integer class in \[0, 4\)/);
    expect(() => sparseCategoricalCrossentropy([-1, 1, 2], p, { fromLogits: true })).toThrow(/label -1 at index 0/);
    expect(() => sparseCategoricalCrossentropy([0, NaN, 2], p)).toThrow(/label NaN at index 1/);
    expect(() => sparseCategoricalCrossentropy([0, 1], p)).toThrow(/2 labels for 3 rows of yPred \[3, 4\]: expected one label per row/);
    p.dispose();
  });

  test('shapes must match, options must be known and boolean, tensors alive', () => {
    const a = tensor([1, 2, 3]), b = tensor([1, 2, 3, 4]), c = tensor([0.5, 0.5, 0.5]);
    expect(() => meanSquaredError(a, b)).toThrow(/actlab: meanSquaredError: yTrue shape \[3\] does not match yPred shape \[4\]/);
    expect(() => binaryCrossentropy(a, b)).toThrow(/binaryCrossentropy: yTrue shape \[3\]/);
    expect(() => categoricalCrossentropy(c, b, { fromLogits: true })).toThrow(/does not match/);
    const bad = { fromLogits: true, fromlogits: false };
    expect(() => binaryCrossentropy(a, c, bad)).toThrow(/unknown option 'fromlogits'; valid options: fromLogits/);
    c.dispose();
    expect(() => meanSquaredError(a, c)).toThrow(/yPred was disposed/);
    [a, b].forEach((t) => t.dispose());
  });

  test('predictions that are not probabilities are refused unless fromLogits (a linear output once trained silently)', () => {
    const t = tensor([1, 0, 0, 1], [2, 2]), p = tensor([0.9, -0.2, 0.3, 1.5], [2, 2]);
    expect(() => binaryCrossentropy(t, p)).toThrow('actlab: binaryCrossentropy: yPred holds -0.20000000298023224 at flat index 1, not a probability in [0, 1]: end the model in sigmoid, or pass logits with { fromLogits: true }');
    expect(() => categoricalCrossentropy(t, p)).toThrow('actlab: categoricalCrossentropy: yPred holds -0.20000000298023224 at flat index 1, not a probability (>= 0): end the model in softmax');
    expect(() => sparseCategoricalCrossentropy([0, 1], p)).toThrow('actlab: sparseCategoricalCrossentropy: yPred holds -0.20000000298023224 at flat index 1, not a probability (>= 0)');
    for (const r of [binaryCrossentropy(t, p, { fromLogits: true }), categoricalCrossentropy(t, p, { fromLogits: true }), sparseCategoricalCrossentropy([0, 1], p, { fromLogits: true })]) {
      expect(Number.isFinite(r.loss)).toBe(true);
      r.grad.dispose();
    }
    // Unnormalised non-negative rows stay valid for the categorical form (Keras divides by the row sum).
    const q = tensor([2, 6, 0, 1], [2, 2]);
    categoricalCrossentropy(t, q).grad.dispose();
    [t, p, q].forEach((z) => z.dispose());
  });

  test('no memory is leaked, including when a call throws', () => {
    const { heap } = rt();
    const before = heap.liveBlocks;
    const t = tensor(oneHot([1, 0], 3), [2, 3]), p = tensor([0.2, 0.3, 0.5, 0.1, 0.1, 0.8], [2, 3]);
    for (const fn of [
      () => categoricalCrossentropy(t, p), () => categoricalCrossentropy(t, p, { fromLogits: true }),
      () => sparseCategoricalCrossentropy([1, 0], p), () => sparseCategoricalCrossentropy([1, 0], p, { fromLogits: true }),
      () => binaryCrossentropy(t, p), () => binaryCrossentropy(t, p, { fromLogits: true }), () => meanSquaredError(t, p),
    ]) fn().grad.dispose();
    expect(() => sparseCategoricalCrossentropy([1, 3], p)).toThrow();
    t.dispose();
    p.dispose();
    expect(heap.liveBlocks).toBe(before);
  });
});
