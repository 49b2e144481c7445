// Optimizers: every kernel against (a) a float32 emulation of the documented formula in
// the kernel's operation order, bit for bit, (b) a float64 evaluation of the formula, and
// (c) tfjs-core 4.22.0's optimizers on the cpu backend, reporting the largest difference.
// Sizes sweep the SIMD body and tail; validation, state save/restore and clipping follow.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  init, tensor, sgd, adam, adamw, rmsprop, sequential, layers, restoreCheckpoint, memoryStats, type Optimizer, type Sequential, type Tensor,
} from '../src/index.js';
import { rt } from '../src/core/wasm.js';
import { mulberry32 } from './helpers/random.js';
import { ulpDistance } from './helpers/accuracy.js';

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

const SIZES = [1, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1000];
const STEPS = 6;
const f = Math.fround;

/** Weights in [-2, 2) and, per step, gradients whose magnitudes span 1e-8 to 10 (the epsilon regime included). */
function problem(n: number, seed: number, steps = STEPS): { w0: Float32Array; grads: Float32Array[] } {
  const r = mulberry32(seed);
  const w0 = new Float32Array(n);
  for (let i = 0; i < n; i++) w0[i] = 4 * r() - 2;
  const grads: Float32Array[] = [];
  for (let s = 0; s < steps; s++) {
    const g = new Float32Array(n);
    for (let i = 0; i < n; i++) g[i] = (2 * r() - 1) * 10 ** (-8 + 9 * r());
    grads.push(g);
  }
  return { w0, grads };
}

// ---- references: one step of each formula, generic over the rounding ------------------------
// `rd` is Math.fround for the float32 emulation (each operation rounded, in the kernel's
// order; double rounding is harmless for + - * / sqrt from float64) or the identity for float64.

type Rd = (x: number) => number;
const id: Rd = (x) => x;

interface Hyper {
  kind: 'sgd' | 'adam' | 'rmsprop';
  lr: number; momentum?: number; nesterov?: boolean;
  beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number;
  rho?: number; centered?: boolean;
}

function powi(b: number, t: number): number {
  let r = 1, x = b, k = t;
  while (k > 0) {
    if (k & 1) r *= x;
    x *= x;
    k >>= 1;
  }
  return r;
}

/** Runs `steps` reference updates; returns the weights. State arrays start at zero. */
function reference(h: Hyper, w0: Float32Array, grads: Float32Array[], rd: Rd, lrs?: number[]): Float64Array {
  const n = w0.length;
  const w = Float64Array.from(w0), a = new Float64Array(n), b = new Float64Array(n), c = new Float64Array(n);
  grads.forEach((g, s) => {
    const lr = lrs?.[s] ?? h.lr, t = s + 1;
    if (h.kind === 'sgd') {
      const mu = h.momentum ?? 0;
      for (let i = 0; i < n; i++) {
        if (mu === 0) { w[i] = rd(w[i] - rd(g[i] * rd(lr))); continue; }
        const step = rd(g[i] * rd(lr));
        a[i] = rd(rd(a[i] * rd(mu)) - step);
        w[i] = rd(w[i] + (h.nesterov ? rd(rd(a[i] * rd(mu)) - step) : a[i]));
      }
    } else if (h.kind === 'adam') {
      const b1 = h.beta1 ?? 0.9, b2 = h.beta2 ?? 0.999, eps = h.epsilon ?? 1e-7, wd = h.weightDecay ?? 0;
      // Keras raises the float32 betas to the power t.
      const alpha = rd(lr * Math.sqrt(1 - powi(f(b2), t)) / (1 - powi(f(b1), t)));
      const c1 = rd(1 - b1), c2 = rd(1 - b2), d = rd(lr * wd);
      for (let i = 0; i < n; i++) {
        a[i] = rd(a[i] + rd(rd(g[i] - a[i]) * c1));
        b[i] = rd(b[i] + rd(rd(rd(g[i] * g[i]) - b[i]) * c2));
        let wi = w[i];
        if (wd !== 0) wi = rd(wi - rd(wi * d));
        w[i] = rd(wi - rd(rd(a[i] * alpha) / rd(rd(Math.sqrt(b[i])) + rd(eps))));
      }
    } else {
      const rho = rd(h.rho ?? 0.9), cr = rd(1 - (h.rho ?? 0.9)), mu = rd(h.momentum ?? 0), eps = rd(h.epsilon ?? 1e-7);
      for (let i = 0; i < n; i++) {
        a[i] = rd(rd(rho * a[i]) + rd(cr * rd(g[i] * g[i])));
        let denom: number;
        if (h.centered) {
          c[i] = rd(rd(rho * c[i]) + rd(cr * g[i]));
          denom = rd(rd(a[i] - rd(c[i] * c[i])) + eps);
        } else denom = rd(a[i] + eps);
        let inc = rd(rd(rd(lr) * g[i]) / rd(Math.sqrt(denom)));
        if (mu > 0) { b[i] = rd(rd(mu * b[i]) + inc); inc = b[i]; }
        w[i] = rd(w[i] - inc);
      }
    }
  });
  return w;
}

function make(h: Hyper): Optimizer {
  if (h.kind === 'sgd') return sgd({ learningRate: h.lr, momentum: h.momentum ?? 0, nesterov: h.nesterov ?? false });
  if (h.kind === 'adam') {
    const o = { learningRate: h.lr, beta1: h.beta1 ?? 0.9, beta2: h.beta2 ?? 0.999, epsilon: h.epsilon ?? 1e-7 };
    return h.weightDecay !== undefined ? adamw({ ...o, weightDecay: h.weightDecay }) : adam(o);
  }
  return rmsprop({ learningRate: h.lr, rho: h.rho ?? 0.9, momentum: h.momentum ?? 0, epsilon: h.epsilon ?? 1e-7, centered: h.centered ?? false });
}

/** Runs an actlab optimizer over several variables at once; returns their final weights. */
function runActlab(opt: Optimizer, problems: { w0: Float32Array; grads: Float32Array[] }[], lrs?: number[]): Float32Array[] {
  const vars = problems.map((p) => tensor(p.w0));
  const steps = problems[0].grads.length;
  for (let s = 0; s < steps; s++) {
    if (lrs) opt.learningRate = lrs[s];
    const grads = problems.map((p) => tensor(p.grads[s]));
    opt.applyGradients(vars.map((v, i) => ({ variable: v, grad: grads[i] })));
    grads.forEach((g) => g.dispose());
  }
  const out = vars.map((v) => v.dataSync());
  vars.forEach((v) => v.dispose());
  return out;
}

const CONFIGS: [string, Hyper][] = [
  ['sgd', { kind: 'sgd', lr: 0.01 }],
  ['sgd momentum 0.9', { kind: 'sgd', lr: 0.01, momentum: 0.9 }],
  ['sgd nesterov 0.9', { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }],
  ['adam defaults', { kind: 'adam', lr: 0.001 }],
  ['adam lr 0.01 beta 0.8/0.99 eps 1e-4', { kind: 'adam', lr: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-4 }],
  ['adamw defaults', { kind: 'adam', lr: 0.001, weightDecay: 0.004 }],
  ['adamw wd 0.1 lr 0.01', { kind: 'adam', lr: 0.01, weightDecay: 0.1 }],
  ['rmsprop defaults', { kind: 'rmsprop', lr: 0.001 }],
  ['rmsprop momentum 0.9', { kind: 'rmsprop', lr: 0.001, momentum: 0.9 }],
  ['rmsprop centered', { kind: 'rmsprop', lr: 0.001, centered: true, epsilon: 1e-6 }],
  ['rmsprop centered momentum 0.5 rho 0.7', { kind: 'rmsprop', lr: 0.003, rho: 0.7, momentum: 0.5, centered: true, epsilon: 1e-6 }],
];

describe.each(CONFIGS)('%s', (name, h) => {
  const problems = SIZES.map((n, i) => problem(n, 1000 + 17 * i));

  test('matches the float32 evaluation of the formula bit for bit, every size (SIMD body and tail)', () => {
    const got = runActlab(make(h), problems);
    const bad: string[] = [];
    problems.forEach((p, k) => {
      const want = reference(h, p.w0, p.grads, f);
      for (let i = 0; i < want.length && bad.length < 5; i++) {
        if (!Object.is(got[k][i], want[i])) bad.push(`n=${SIZES[k]} i=${i}: got ${got[k][i]}, expected ${want[i]}`);
      }
    });
    expect(bad, name).toEqual([]);
  });

  test('matches the float64 evaluation of the formula within float32 rounding', () => {
    const got = runActlab(make(h), problems);
    let worst = 0;
    const bad: string[] = [];
    problems.forEach((p, k) => {
      const want = reference(h, p.w0, p.grads, id);
      const move = Math.max(...want.map((v, i) => Math.abs(v - p.w0[i])));
      for (let i = 0; i < want.length; i++) {
        // w is rounded each step (2^-24 relative), and each update has a few ulps of error
        // relative to the largest movement in the array.
        const tol = STEPS * 2 ** -23 * Math.max(Math.abs(want[i]), Math.abs(p.w0[i])) + 1e-5 * move;
        const err = Math.abs(got[k][i] - want[i]);
        worst = Math.max(worst, err / (tol || 1));
        if (err > tol && bad.length < 5) bad.push(`n=${SIZES[k]} i=${i}: got ${got[k][i]}, float64 ${want[i]}, |err| ${err} > ${tol}`);
      }
    });
    expect(bad, name).toEqual([]);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

test('a learning-rate change between steps takes effect (Keras velocity semantics for momentum)', () => {
  const p = problem(65, 77);
  const lrs = [0.1, 0.1, 0.05, 0.05, 0.01, 0.2];
  for (const h of [{ kind: 'sgd', lr: 0.1, momentum: 0.9 }, { kind: 'adam', lr: 0.1 }, { kind: 'rmsprop', lr: 0.1, momentum: 0.5 }] as Hyper[]) {
    const got = runActlab(make(h), [p], lrs)[0];
    const want = reference(h, p.w0, p.grads, f, lrs);
    expect(Array.from(got), h.kind).toEqual(Array.from(want));
  }
});

test('kernels store only the n valid values: the block padding is untouched', () => {
  const { heap } = rt();
  for (const n of [1, 5, 7, 65]) {
    const v = tensor(problem(n, n).w0), g = tensor(problem(n, n + 1).w0);
    const padded = Math.ceil(n / 4) * 4 + 4;
    heap.f32(v.ptr, padded).fill(12345, n);
    const opt = adamw({ learningRate: 0.1, weightDecay: 0.1 });
    opt.applyGradients([{ variable: v, grad: g }]);
    const o2 = rmsprop({ momentum: 0.5, centered: true });
    o2.applyGradients([{ variable: v, grad: g }]);
    const o3 = sgd({ momentum: 0.9, nesterov: true, clipnorm: 0.5 });
    o3.applyGradients([{ variable: v, grad: g }]);
    expect(Array.from(heap.f32(v.ptr, padded).subarray(n)), `n=${n}`).toEqual(new Array(padded - n).fill(12345));
    [opt, o2, o3, v, g].forEach((x) => x.dispose());
  }
});

test('zero gradients leave the weights unchanged, with no NaN', () => {
  const p = problem(9, 5);
  for (const h of CONFIGS.map(([, c]) => c).filter((c) => c.weightDecay === undefined)) {
    const got = runActlab(make(h), [{ w0: p.w0, grads: [new Float32Array(9), new Float32Array(9)] }])[0];
    expect(Array.from(got), h.kind).toEqual(Array.from(p.w0));
  }
});

// ---- tfjs-core 4.22.0 (cpu backend) ------------------------------------------------------------

/** tfjs' Adam with an epsilon that can be changed per step (the field is protected). */
class EpsilonAdam extends tf.AdamOptimizer {
  setEpsilon(e: number): void { this.epsilon = e; }
}

interface Diff { weightRel: number; updateRel: number; ulps: number }

/**
 * Largest |a - b| / |b| over the weights, largest |a - b| / max|b - w0| (relative to how far
 * the weights moved), and largest distance in float32 ulps.
 */
function diff(a: Float32Array, b: Float32Array, w0: Float32Array): Diff {
  let weightRel = 0, move = 0, err = 0, ulps = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    weightRel = Math.max(weightRel, e / Math.max(Math.abs(b[i]), 1e-30));
    move = Math.max(move, Math.abs(b[i] - w0[i]));
    err = Math.max(err, e);
    ulps = Math.max(ulps, ulpDistance(a[i], b[i]));
  }
  return { weightRel, updateRel: err / move, ulps };
}

/** Runs a tfjs optimizer on one variable; `before(step)` may adjust it or the variable first. */
function runTfjs(opt: tf.Optimizer, p: { w0: Float32Array; grads: Float32Array[] },
  before?: (step: number, v: tf.Variable) => void): Float32Array {
  const v = tf.variable(tf.tensor1d(p.w0));
  p.grads.forEach((g, s) => {
    before?.(s, v);
    const gt = tf.tensor1d(g);
    opt.applyGradients([{ name: v.name, tensor: gt }]);
    gt.dispose();
  });
  const out = Float32Array.from(v.dataSync());
  v.dispose();
  opt.dispose();
  return out;
}

describe('against tfjs-core 4.22.0 optimizers (cpu backend)', () => {
  const report: string[] = [];
  afterAll(() => { console.log(`largest differences vs tfjs-core (weights rel / rel to movement / float32 ulps), 1000 weights, 8 steps:\n  ${report.join('\n  ')}`); });
  const p = problem(1000, 4242, 8);
  const ours = (o: Optimizer): Float32Array => runActlab(o, [p])[0];
  const note = (what: string, d: Diff): void => {
    report.push(`${what}: ${d.weightRel.toExponential(2)} / ${d.updateRel.toExponential(2)} / ${d.ulps} ulp`);
  };

  test('sgd: same formula, same bits', () => {
    const d = diff(ours(sgd({ learningRate: 0.01 })), runTfjs(tf.train.sgd(0.01), p), p.w0);
    note('sgd', d);
    expect(d.weightRel).toBe(0);
  });

  test('momentum and nesterov: same rule at constant lr (Keras keeps lr inside the velocity)', () => {
    for (const nesterov of [false, true]) {
      const d = diff(ours(sgd({ learningRate: 0.01, momentum: 0.9, nesterov })), runTfjs(tf.train.momentum(0.01, 0.9, nesterov), p), p.w0);
      note(`momentum 0.9${nesterov ? ' nesterov' : ''}`, d);
      expect(d.weightRel).toBeLessThan(1e-5);
    }
  });

  test('adam: epsilon placement differs; with tfjs epsilon = eps / sqrt(1 - beta2^t) per step they agree', () => {
    const raw = diff(ours(adam()), runTfjs(tf.train.adam(0.001, 0.9, 0.999, 1e-7), p), p.w0);
    note('adam (Keras epsilon hat vs tfjs epsilon)', raw);
    const t = new EpsilonAdam(0.001, 0.9, 0.999, 1e-7);
    const adj = diff(ours(adam()), runTfjs(t, p, (s) => t.setEpsilon(1e-7 / Math.sqrt(1 - f(0.999) ** (s + 1)))), p.w0);
    note('adam, tfjs epsilon adjusted per step', adj);
    // What is left is rounding: tfjs divides m and v by their bias corrections separately.
    expect(adj.weightRel).toBeLessThan(1e-5);
    expect(raw.weightRel).toBeGreaterThan(1e-3);
  });

  test('adamw: tfjs has none; tfjs adam after w -= lr * wd * w each step agrees', () => {
    const t = new EpsilonAdam(0.001, 0.9, 0.999, 1e-7);
    const got = ours(adamw({ weightDecay: 0.05 }));
    const want = runTfjs(t, p, (s, v) => {
      t.setEpsilon(1e-7 / Math.sqrt(1 - f(0.999) ** (s + 1)));
      v.assign(tf.tidy(() => tf.sub(v, tf.mul(v, 0.05 * 0.001))));
    });
    const d = diff(got, want, p.w0);
    note('adamw vs tfjs adam + decoupled decay (epsilon adjusted)', d);
    expect(d.weightRel).toBeLessThan(1e-5);
  });

  test('rmsprop: same formula (plain and momentum); centered differs in the sign of epsilon', () => {
    for (const momentum of [0, 0.9]) {
      const d = diff(ours(rmsprop({ momentum })), runTfjs(tf.train.rmsprop(0.001, 0.9, momentum, 1e-7, false), p), p.w0);
      note(`rmsprop momentum ${momentum}`, d);
      expect(d.weightRel).toBeLessThan(1e-5);
    }
    const raw = diff(ours(rmsprop({ centered: true, epsilon: 1e-6 })), runTfjs(tf.train.rmsprop(0.001, 0.9, 0, 1e-6, true), p), p.w0);
    // tfjs' sqrt(ms - mg^2 - eps) is NaN wherever ms - mg^2 < eps (small gradients).
    note('rmsprop centered (tfjs subtracts epsilon)', raw);
    const adj = diff(ours(rmsprop({ centered: true, epsilon: 1e-6 })), runTfjs(tf.train.rmsprop(0.001, 0.9, 0, -1e-6, true), p), p.w0);
    note('rmsprop centered, tfjs given -epsilon', adj);
    expect(adj.weightRel).toBeLessThan(1e-5);
  });
});

// ---- clipping ------------------------------------------------------------------------------

describe('gradient clipping (Keras clipnorm, globalClipnorm, clipvalue)', () => {
  const ps = [problem(5, 1, 1), problem(64, 2, 1), problem(1000, 3, 1)];
  // Make the gradients large enough to be clipped.
  for (const p of ps) p.grads[0] = p.grads[0].map((g) => g * 100);
  /** Sum of squares in the kernel's order: four lane sums, combined (0 + 1) + (2 + 3). */
  const norm2 = (g: Float32Array): number => {
    const l = [0, 0, 0, 0];
    g.forEach((v, i) => { l[i & 3] += v * v; });
    return (l[0] + l[1]) + (l[2] + l[3]);
  };

  test('clipnorm scales each gradient to its own norm; plain SGD exposes the clipped gradient', () => {
    const got = runActlab(sgd({ learningRate: 1, clipnorm: 0.5 }), ps);
    ps.forEach((p, k) => {
      const s = f(0.5 / Math.max(Math.sqrt(norm2(p.grads[0])), 0.5));
      p.w0.forEach((w, i) => expect(got[k][i]).toBe(f(w - f(p.grads[0][i] * s))));
    });
  });

  test('globalClipnorm uses one norm over all gradients', () => {
    const got = runActlab(sgd({ learningRate: 1, globalClipnorm: 2 }), ps);
    const total = Math.sqrt(ps.reduce((s, p) => s + norm2(p.grads[0]), 0));
    const s = f(2 / Math.max(total, 2));
    ps.forEach((p, k) => p.w0.forEach((w, i) => expect(got[k][i]).toBe(f(w - f(p.grads[0][i] * s)))));
  });

  test('clipvalue clips elementwise; a norm within the limit leaves gradients exact', () => {
    const got = runActlab(sgd({ learningRate: 1, clipvalue: 0.25 }), ps);
    ps.forEach((p, k) => p.w0.forEach((w, i) => expect(got[k][i]).toBe(f(w - Math.min(Math.max(p.grads[0][i], -0.25), 0.25)))));
    const loose = runActlab(sgd({ learningRate: 1, clipnorm: 1e30 }), ps);
    ps.forEach((p, k) => p.w0.forEach((w, i) => expect(loose[k][i]).toBe(f(w - p.grads[0][i]))));
  });

  test('a non-finite gradient norm makes the step NaN instead of hiding it', () => {
    const got = runActlab(sgd({ learningRate: 1, globalClipnorm: 1 }), [{ w0: new Float32Array([1, 2]), grads: [new Float32Array([Infinity, 0])] }]);
    expect(got[0].every(Number.isNaN)).toBe(true);
  });
});

// ---- API: validation, learning rate, state ---------------------------------------------------

// A variable, not a literal, so the type checker lets the misspelt key through as a JS user could.
const misspelt = { beta1: 0.9, learningrate: 0.1 };

describe('optimizer API', () => {
  test.each([
    ['sgd learningRate 0', () => sgd({ learningRate: 0 }), /learningRate = 0 is out of range: expected a finite number > 0/],
    ['adam learningRate -1', () => adam({ learningRate: -1 }), /adam: learningRate = -1/],
    ['adam learningRate NaN', () => adam({ learningRate: NaN }), /learningRate = NaN/],
    ['rmsprop learningRate Infinity', () => rmsprop({ learningRate: Infinity }), /learningRate = Infinity/],
    ['adam beta1 1', () => adam({ beta1: 1 }), /beta1 = 1 is out of range: expected a number in \[0, 1\)/],
    ['adam beta2 -0.1', () => adam({ beta2: -0.1 }), /beta2 = -0.1/],
    ['adam epsilon 0', () => adam({ epsilon: 0 }), /epsilon = 0 is out of range: expected a finite number > 0/],
    ['adamw weightDecay -1', () => adamw({ weightDecay: -1 }), /adamw: weightDecay = -1 is out of range: expected a finite number >= 0/],
    ['sgd momentum 1.5', () => sgd({ momentum: 1.5 }), /momentum = 1.5 is out of range: expected a number in \[0, 1\]/],
    ['rmsprop rho 1', () => rmsprop({ rho: 1 }), /rho = 1/],
    ['rmsprop epsilon -1e-7', () => rmsprop({ epsilon: -1e-7 }), /epsilon = -1e-7/],
    ['two clip options', () => sgd({ clipnorm: 1, clipvalue: 1 }), /only one of clipnorm, globalClipnorm, clipvalue/],
    ['clipnorm 0', () => adam({ clipnorm: 0 }), /clipnorm = 0/],
    ['unknown option', () => adam(misspelt), /unknown option 'learningrate'/],
    // In [0, 1) or > 0 as numbers, but 1, 0 or Infinity in float32, the kernels' type (NaN weights otherwise).
    ['adam beta1 1 - 1e-9', () => adam({ beta1: 1 - 1e-9 }), /actlab: adam: beta1 = 0.999999999 is 1 in float32, the kernels' type: expected a number in \[0, 1\)/],
    ['adamw beta2 1 - 1e-9', () => adamw({ beta2: 1 - 1e-9 }), /beta2 = 0.999999999 is 1 in float32/],
    ['rmsprop rho 1 - 1e-9', () => rmsprop({ rho: 1 - 1e-9 }), /rho = 0.999999999 is 1 in float32/],
    ['adam epsilon 1e-46', () => adam({ epsilon: 1e-46 }), /epsilon = 1e-46 is 0 in float32, the kernels' type: expected a finite number > 0/],
    ['rmsprop epsilon 1e-46', () => rmsprop({ epsilon: 1e-46 }), /epsilon = 1e-46 is 0 in float32/],
    ['sgd learningRate 1e39', () => sgd({ learningRate: 1e39 }), /learningRate = 1e\+39 is Infinity in float32/],
    ['sgd clipvalue 1e-46', () => sgd({ clipvalue: 1e-46 }), /clipvalue = 1e-46 is 0 in float32/],
  ])('%s is a clear Error', (_, make, message) => {
    expect(make).toThrow(message);
  });

  test('learningRate is settable and validated', () => {
    const o = adam();
    o.learningRate = 0.5;
    expect(o.learningRate).toBe(0.5);
    expect(o.getConfig().learningRate).toBe(0.5);
    expect(() => { o.learningRate = -0.5; }).toThrow(/actlab: adam: learningRate = -0.5/);
    expect(() => { o.learningRate = 1e39; }).toThrow(/actlab: adam: learningRate = 1e\+39 is Infinity in float32/);
    o.learningRate = 0; // a callback may hold the rate at 0 (a warmup from 0)
    expect(o.learningRate).toBe(0);
    o.learningRate = 0.5;
    expect(o.learningRate).toBe(0.5);
  });

  test('getConfig carries the hyperparameters', () => {
    expect(sgd({ learningRate: 0.1, momentum: 0.5, nesterov: true }).getConfig()).toEqual(
      { learningRate: 0.1, momentum: 0.5, nesterov: true, clipnorm: null, globalClipnorm: null, clipvalue: null });
    expect(adamw().getConfig()).toMatchObject({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 });
    expect(rmsprop({ centered: true, clipvalue: 2 }).getConfig()).toMatchObject({ rho: 0.9, momentum: 0, epsilon: 1e-7, centered: true, clipvalue: 2 });
  });

  test('bad gradients are rejected before any weight changes', () => {
    const a = tensor([1, 2, 3]), b = tensor([1, 2]), ga = tensor([1, 1, 1]), gb = tensor([1, 1, 1]);
    const o = adam();
    expect(() => o.applyGradients([{ variable: a, grad: ga }, { variable: b, grad: gb }]))
      .toThrow(/entry 1: grad shape \[3\] does not match variable shape \[2\]/);
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3]);
    expect(o.iterations).toBe(0);
    o.applyGradients([]);
    expect(o.iterations).toBe(0);
    o.applyGradients([{ variable: a, grad: ga }]);
    const g2 = tensor([1, 1]);
    expect(() => o.applyGradients([{ variable: b, grad: g2 }]))
      .toThrow(/entry 0 has 2 elements but the optimizer's state for position 0 has 3/);
    o.dispose();
    expect(() => o.applyGradients([{ variable: a, grad: ga }])).toThrow(/disposed/);
    [a, b, ga, gb, g2].forEach((t) => t.dispose());
  });

  test.each(CONFIGS)('%s: getWeights/setWeights restore the state exactly', (_, h) => {
    const ps = [problem(7, 11), problem(65, 12)];
    const vars = ps.map((p) => tensor(p.w0));
    const step = (o: Optimizer, vs: Tensor[], s: number): void => {
      const gs = ps.map((p) => tensor(p.grads[s]));
      o.applyGradients(vs.map((v, i) => ({ variable: v, grad: gs[i], name: `layer${i}/kernel` })));
      gs.forEach((g) => g.dispose());
    };
    const a = make(h);
    for (let s = 0; s < 3; s++) step(a, vars, s);
    const saved = a.getWeights();
    expect(saved[0].name).toBe('iter');
    expect(saved.slice(1).map((w) => w.name)).toEqual(
      ['layer0/kernel', 'layer1/kernel'].flatMap((v) => a.slotNames().map((s) => `${v}/${s}`)));
    const copies = vars.map((v) => v.reshape(v.shape));
    const b = make(h);
    b.setWeights(saved);
    expect(b.iterations).toBe(3);
    for (let s = 3; s < 6; s++) {
      step(a, vars, s);
      step(b, copies, s);
    }
    vars.forEach((v, i) => expect(Array.from(copies[i].dataSync())).toEqual(Array.from(v.dataSync())));
    [...saved.map((w) => w.tensor), ...vars, ...copies].forEach((t) => t.dispose());
    a.dispose();
    b.dispose();
  });

  test('setWeights rejects a state list of the wrong form', () => {
    const o = adam();
    const iter = tensor([2], []), m = tensor([0, 0]), v = tensor([0, 0, 0]);
    expect(() => o.setWeights([{ name: 'x', tensor: iter }])).toThrow(/first weight must be 'iter'/);
    expect(() => o.setWeights([{ name: 'iter', tensor: iter }, { name: 'a/m', tensor: m }])).toThrow(/do not form groups of 2 \(m, v\)/);
    expect(() => o.setWeights([{ name: 'iter', tensor: iter }, { name: 'a/m', tensor: m }, { name: 'a/v', tensor: v }]))
      .toThrow(/'a\/v' has shape \[3\], but 'a\/m' has \[2\]/);
    [iter, m, v].forEach((t) => t.dispose());
  });

  test('applyGradients reports whether every weight it wrote is finite (tail lanes and padding included)', () => {
    const { heap } = rt();
    const makers: Array<[string, () => Optimizer]> = [
      ['sgd', () => sgd({ learningRate: 1e38 })], ['sgd momentum', () => sgd({ learningRate: 1e38, momentum: 0.9, nesterov: true })],
      ['adam', () => adam({ learningRate: 1e38 })], ['adamw', () => adamw({ learningRate: 1e38 })],
      ['rmsprop', () => rmsprop({ learningRate: 1e38, momentum: 0.5, centered: true })],
    ];
    const fails: string[] = [];
    for (const [name, make] of makers) {
      for (const n of [1, 4, 5, 7, 8, 33]) {
        for (const bad of [-1, 0, n - 1]) {
          // Gradients of 1e-30 keep every weight finite; a gradient of Infinity at `bad` does not.
          const v = tensor(new Float32Array(n).fill(0.5)), g = tensor(new Float32Array(n).fill(1e-30));
          if (bad >= 0) heap.f32(g.ptr, n)[bad] = Infinity;
          // The block's padding past n holds NaN: the kernels compute on it but must not report it.
          heap.f32(v.ptr, n + 3).fill(NaN, n);
          heap.f32(g.ptr, n + 3).fill(NaN, n);
          const o = make();
          const finite = o.applyGradients([{ variable: v, grad: g }]);
          const expected = bad < 0;
          const anyBad = v.dataSync().some((x) => !Number.isFinite(x));
          if (finite !== expected || anyBad === expected) fails.push(`${name} n=${n} bad=${bad}: returned ${finite}, weights non-finite: ${anyBad}`);
          o.dispose(); v.dispose(); g.dispose();
        }
      }
    }
    expect(fails).toEqual([]);
  });

  test('no memory is leaked by steps, clipping and dispose', () => {
    const { heap } = rt();
    const before = heap.liveBlocks;
    const v = tensor(problem(100, 1).w0), g = tensor(problem(100, 2).w0);
    const o = rmsprop({ momentum: 0.9, centered: true, globalClipnorm: 1 });
    for (let s = 0; s < 3; s++) o.applyGradients([{ variable: v, grad: g }]);
    o.dispose();
    v.dispose();
    g.dispose();
    expect(heap.liveBlocks).toBe(before);
  });

  test('a checkpoint taken while the learning rate is 0 (a callback may set it) restores and continues bit for bit', async () => {
    const build = (): Sequential => {
      const m = sequential({ seed: 3, layers: [layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), layers.dense({ units: 1 })] });
      m.compile({ optimizer: sgd({ learningRate: 0.1, momentum: 0.9, clipnorm: 0.5 }), loss: 'meanSquaredError' });
      return m;
    };
    const xs = Array.from({ length: 18 }, (_, i) => Math.sin(1.7 * i));
    const x = tensor(xs, [6, 3]), y = tensor(xs.slice(0, 6), [6, 1]);
    const a = build();
    await a.fit(x, y, { epochs: 1, batchSize: 2, seed: 1 });
    a.learningRate = 0;
    const cp = a.checkpoint();
    const r = restoreCheckpoint({ json: JSON.parse(JSON.stringify(cp.json)), data: cp.data });
    expect(r.model.learningRate).toBe(0);
    expect(r.model.compiledConfig().optimizer.getConfig()).toEqual(a.compiledConfig().optimizer.getConfig());
    for (const m of [a, r.model]) {
      m.learningRate = 0.05;
      await m.fit(x, y, { epochs: 2, batchSize: 2, seed: 1, initialEpoch: 1 });
    }
    const wa = a.snapshotWeights(), wr = r.model.snapshotWeights();
    wa.forEach((w, i) => expect(Array.from(wr[i])).toEqual(Array.from(w)));
    a.dispose(); r.model.dispose(); x.dispose(); y.dispose();
  });
});

test('one variable listed twice in a step (a shared layer listed once per model, under two names) is refused before anything moves', () => {
  const w = tensor([1, 2, 3], [3]), g = tensor([0.5, -0.5, 1], [3]);
  const opt = adam();
  expect(() => opt.applyGradients([{ variable: w, grad: g, name: 'a/kernel' }, { variable: w, grad: g, name: 'b/kernel' }]))
    .toThrow("actlab: adam.applyGradients: entries 0 and 1 ('a/kernel' and 'b/kernel') hold the same variable; list each variable once per step, with the sum of its gradients");
  expect(() => opt.applyGradients([{ variable: w, grad: g }, { variable: g, grad: g }, { variable: w, grad: g }]))
    .toThrow('actlab: adam.applyGradients: entries 0 and 2 (unnamed and unnamed) hold the same variable');
  expect(Array.from(w.dataSync())).toEqual([1, 2, 3]);
  expect(opt.iterations).toBe(0);
  expect(opt.getWeights().map((s) => s.name)).toEqual(['iter']);
  for (const t of [w, g, opt]) t.dispose();
});

test('one optimizer used for model after model frees the state of disposed variables at its next step', () => {
  // A sweep of hand-written loops sharing one optimizer, each model's layers named after its
  // run: every model's moments stayed until the optimizer was disposed (749 KB after 200 models).
  const opt = adam();
  const g = tensor(new Float32Array(64).fill(0.5), [64]);
  const blocks: number[] = [];
  for (let i = 0; i < 6; i++) {
    const w = tensor(new Float32Array(64).fill(i), [64]);
    opt.applyGradients([{ variable: w, grad: g, name: `run${i}/kernel` }]);
    w.dispose();
    blocks.push(memoryStats().liveBlocks);
  }
  expect(blocks.slice(1)).toEqual(blocks.slice(0, -1));
  expect(opt.getWeights().map((s) => { s.tensor.dispose(); return s.name; })).toEqual(['iter']);
  // A variable that takes a freed one's name starts afresh, as before.
  const w = tensor(new Float32Array(64), [64]);
  opt.applyGradients([{ variable: w, grad: g, name: 'run5/kernel' }]);
  const state = opt.getWeights();
  expect(state.map((s) => s.name)).toEqual(['iter', 'run5/kernel/m', 'run5/kernel/v']);
  expect(state[1].tensor.dataSync()[0]).toBe(Math.fround(Math.fround(0.1) * 0.5));   // (1 - beta1) g: one gradient's moment
  for (const t of [...state.map((s) => s.tensor), w, g, opt]) t.dispose();
});
