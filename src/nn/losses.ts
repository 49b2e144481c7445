// Losses with Keras names and Keras 3 formulas: each returns the mean loss (reduced in Wasm
// in a fixed order) and a new gradient tensor with respect to the predictions, which the
// caller owns. Arguments are (yTrue, yPred) as in Keras and tfjs.
//
// Keras' per-sample loss is a mean over the last axis for binaryCrossentropy and
// meanSquaredError and a sum over classes for the cross-entropies; the batch mean of the
// per-sample means equals the mean over all elements, which is what is computed.
//
// Differences from tfjs-layers 4.22.0 (measured in test/losses.test.ts): its
// categoricalCrossentropy with fromLogits takes softmax then clips to [1e-7, 1 - 1e-7];
// here logits go through the exact fused log-softmax (as Keras 3), so a logit gap of 100
// costs 100, not 16.1. Its binaryCrossentropy turns clipped probabilities back into logits;
// here the clipped log form is used directly (same value to rounding). Predictions that are
// not probabilities (outside [0, 1] for binary, negative for categorical) are refused without
// fromLogits, where tfjs clips them (a loss with zero gradient wherever they fall outside).
import { rt } from '../core/wasm.js';
import type { Ptr } from '../core/heap.js';
import { Tensor, empty, shapeText } from '../core/tensor.js';
import { checkFinite, describeValue, showValue } from '../core/checks.js';

/** The mean loss and dLoss/dyPred (same shape as yPred; the caller disposes it). */
export interface LossResult {
  /** The mean loss over the batch. */
  readonly loss: number;
  /** dLoss/dyPred, shaped like yPred: a new tensor the caller disposes. */
  readonly grad: Tensor;
}

/** Options of the cross-entropy losses. */
export interface CrossentropyOptions {
  /** yPred holds logits (unnormalised) rather than probabilities; default false. */
  readonly fromLogits?: boolean;
}

function checkTensor(fn: string, what: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`actlab: ${fn}: ${what} must be a Tensor`);
  if (t.isDisposed) throw new Error(`actlab: ${fn}: ${what} was disposed`);
  return t;
}

function checkSameShape(fn: string, yTrue: Tensor, yPred: Tensor): void {
  const a = yTrue.shape, b = yPred.shape;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new Error(`actlab: ${fn}: yTrue shape ${shapeText(a)} does not match yPred shape ${shapeText(b)}`);
  }
  if (yPred.size === 0) throw new Error(`actlab: ${fn}: yPred ${shapeText(b)} is empty: the mean loss needs at least one value`);
  checkFinite(fn, [yTrue, yPred], ['yTrue', 'yPred']);
}

function fromLogitsOption(fn: string, options: CrossentropyOptions): boolean {
  for (const key of Object.keys(options)) {
    if (key !== 'fromLogits') throw new Error(`actlab: ${fn}: unknown option '${key}'; valid options: fromLogits`);
  }
  const v = options.fromLogits ?? false;
  if (typeof v !== 'boolean') throw new Error(`actlab: ${fn}: fromLogits = ${showValue(v)} must be true or false`);
  return v;
}

/**
 * Refuses predictions that are not probabilities (`max` 1 for binary cross-entropy, none for
 * categorical, which normalises each row): the clipped formulas would give them a loss and a
 * zero gradient wherever they fall outside, so a model ending in a linear unit trained silently.
 */
function checkProbabilities(fn: string, yPred: Tensor, max: number): void {
  const p = rt().heap.f32(yPred.ptr, yPred.size);
  // NaN passes: it is not a wrong activation but a diverged or NaN-fed model, which the loss
  // reports as NaN (fit's stopOnNonFinite names x, terminateOnNaN stops). A plain loop: findIndex
  // with a callback doubled the loss's time for large outputs.
  let i = 0;
  while (i < p.length && !(p[i] < 0 || p[i] > max)) i++;
  if (i === p.length) return;
  throw new Error(`actlab: ${fn}: yPred holds ${p[i]} at flat index ${i}, not a probability` +
    `${max === 1 ? ' in [0, 1]' : ' (>= 0)'}: end the model in ${max === 1 ? 'sigmoid' : 'softmax'}, or pass logits with { fromLogits: true }`);
}

/** Rows and classes of a [..., classes] prediction tensor. */
function rowsOf(fn: string, yPred: Tensor): { rows: number; cols: number } {
  if (yPred.rank === 0) throw new Error(`actlab: ${fn}: yPred must have a class axis (rank >= 1), got a scalar`);
  const cols = yPred.shape[yPred.rank - 1];
  if (cols === 0 || yPred.size === 0) throw new Error(`actlab: ${fn}: yPred ${shapeText(yPred.shape)} is empty`);
  return { rows: yPred.size / cols, cols };
}

/**
 * Runs `compute(loss, dx)` with a temporary buffer of `count` per-row or per-element losses
 * and a new gradient tensor, then reduces the losses; frees the buffer and, on failure, the
 * gradient.
 */
function run(yPred: Tensor, count: number, compute: (loss: Ptr, dx: Ptr) => void): LossResult {
  const { heap, kernels } = rt();
  const lossBuf = heap.alloc(count * 4);
  let grad: Tensor | undefined;
  try {
    grad = empty(yPred.shape);
    compute(lossBuf, grad.ptr);
    return { loss: kernels.f32_loss_mean(count, lossBuf), grad };
  } catch (e) {
    grad?.dispose();
    throw e;
  } finally {
    heap.free(lossBuf);
  }
}

/** mean((yPred - yTrue)^2); grad 2 (yPred - yTrue) / n. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): LossResult {
  const fn = 'meanSquaredError';
  checkTensor(fn, 'yTrue', yTrue);
  checkTensor(fn, 'yPred', yPred);
  checkSameShape(fn, yTrue, yPred);
  const k = rt().kernels, n = yPred.size, p = yPred.ptr, t = yTrue.ptr;
  return run(yPred, n, (l, d) => {
    k.f32_mse(n, p, t, l);
    k.f32_mse_grad(n, p, t, d, Math.fround(1 / n));
  });
}

/**
 * Binary cross-entropy, mean over all elements. From probabilities (Keras):
 * -(t log c + (1 - t) log(1 - c)) with c = clip(p, 1e-7, 1 - 1e-7), gradient 0 where p was
 * clipped. From logits x: max(x, 0) - x t + log1p(exp(-|x|)), gradient sigmoid(x) - t.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): LossResult {
  const fn = 'binaryCrossentropy';
  checkTensor(fn, 'yTrue', yTrue);
  checkTensor(fn, 'yPred', yPred);
  checkSameShape(fn, yTrue, yPred);
  const logits = fromLogitsOption(fn, options);
  if (!logits) checkProbabilities(fn, yPred, 1);
  const k = rt().kernels, n = yPred.size, p = yPred.ptr, t = yTrue.ptr, scale = Math.fround(1 / n);
  return run(yPred, n, (l, d) => {
    if (logits) {
      k.f32_bce_logits(n, p, t, l);
      k.f32_bce_logits_grad(n, p, t, d, scale);
    } else {
      k.f32_bce(n, p, t, l);
      k.f32_bce_grad(n, p, t, d, scale);
    }
  });
}

/**
 * Categorical cross-entropy against target distributions (one-hot or soft), mean over rows of
 * -sum_j t_j log q_j. From probabilities (Keras): q = clip(p / sum(p), 1e-7, 1 - 1e-7).
 * From logits: q = softmax(x), fused with its gradient softmax(x) * sum(t) - t (softmax(x) - t
 * for one-hot or normalised rows; softmax.ts).
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): LossResult {
  const fn = 'categoricalCrossentropy';
  checkTensor(fn, 'yTrue', yTrue);
  checkTensor(fn, 'yPred', yPred);
  checkSameShape(fn, yTrue, yPred);
  const logits = fromLogitsOption(fn, options);
  const { rows, cols } = rowsOf(fn, yPred);
  if (!logits) checkProbabilities(fn, yPred, Infinity);
  const k = rt().kernels, p = yPred.ptr, t = yTrue.ptr, scale = Math.fround(1 / rows);
  return run(yPred, rows, (l, d) => {
    if (logits) k.f32_softmax_xent_dense(rows, cols, p, t, d, l, scale);
    else {
      k.f32_cce(rows, cols, p, t, l);
      k.f32_cce_grad(rows, cols, p, t, d, scale);
    }
  });
}

/** Integer class labels: a Tensor of integral values, an Int32Array, or numbers. */
export type SparseLabels = Tensor | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Float32Array | Float64Array | readonly number[];

/**
 * Categorical cross-entropy with integer labels, mean over rows of -log q[label]: the same
 * formulas as categoricalCrossentropy with one-hot targets. Labels must be integers in
 * [0, classes), one per row of yPred.
 */
export function sparseCategoricalCrossentropy(yTrue: SparseLabels, yPred: Tensor, options: CrossentropyOptions = {}): LossResult {
  const fn = 'sparseCategoricalCrossentropy';
  checkTensor(fn, 'yPred', yPred);
  const logits = fromLogitsOption(fn, options);
  const { rows, cols } = rowsOf(fn, yPred);
  const labels = yTrue instanceof Tensor ? checkTensor(fn, 'yTrue', yTrue).dataSync() : yTrue;
  if (labels.length !== rows) {
    throw new Error(`actlab: ${fn}: ${labels.length} labels for ${rows} rows of yPred ${shapeText(yPred.shape)}: expected one label per row`);
  }
  for (let i = 0; i < rows; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= cols) {
      throw new Error(`actlab: ${fn}: label ${showValue(c)} at index ${i} is not an integer class in [0, ${cols})`);
    }
  }
  checkFinite(fn, [yPred], ['yPred']);
  if (!logits) checkProbabilities(fn, yPred, Infinity);
  const { heap, kernels: k } = rt();
  const scale = Math.fround(1 / rows);
  if (logits) {
    const lab = heap.alloc(rows * 4);
    try {
      heap.i32(lab, rows).set(labels);
      return run(yPred, rows, (l, d) => k.f32_softmax_xent_sparse(rows, cols, yPred.ptr, lab, d, l, scale));
    } finally {
      heap.free(lab);
    }
  }
  const onehot = heap.alloc(rows * cols * 4);
  try {
    const view = heap.f32(onehot, rows * cols);
    view.fill(0);
    for (let i = 0; i < rows; i++) view[i * cols + labels[i]] = 1;
    return run(yPred, rows, (l, d) => {
      k.f32_cce(rows, cols, yPred.ptr, onehot, l);
      k.f32_cce_grad(rows, cols, yPred.ptr, onehot, d, scale);
    });
  } finally {
    heap.free(onehot);
  }
}

/** The losses compile() knows, under their canonical (tfjs camelCase) names. */
export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';
const LOSS_ALIASES = {
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy', categorical_crossentropy: 'categoricalCrossentropy',
  binaryCrossentropy: 'binaryCrossentropy', binary_crossentropy: 'binaryCrossentropy',
  meanSquaredError: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError',
} as const satisfies Record<string, LossName>;

/** A loss as compile() and lossOp take it: tfjs's camelCase name or Keras's snake_case one (and 'mse'). */
export type LossAlias = keyof typeof LOSS_ALIASES;

/** The losses lossOp takes: the names compile() takes (tf.js's, Keras's, 'mse'). */
export type LossOpName = LossAlias;

/**
 * The loss a name given to compile() or lossOp (or read from a file: `where` is loadModel or
 * restoreCheckpoint) stands for; an unknown name is an error that lists the valid ones.
 */
export function resolveLoss(where: string, given: unknown): LossName {
  if (typeof given === 'string' && Object.hasOwn(LOSS_ALIASES, given)) return LOSS_ALIASES[given as LossAlias];
  throw new Error(`actlab: ${where}: unknown loss ${typeof given === 'string' ? `'${given}'` : describeValue(given)}; valid: ${Object.keys(LOSS_ALIASES).join(', ')}`);
}

/**
 * The mean loss as a scalar tensor that the gradient tape records, for custom training loops:
 * `valueAndGrads(() => lossOp('sparseCategoricalCrossentropy', y, logits, { fromLogits: true }), vars)`.
 * `loss` is any name compile() takes ('mse', 'binary_crossentropy', ...).
 * The value and gradient are those of the loss function of that name (the same kernels fit
 * uses, so a loop built on it can take fit's steps bit for bit); a loss combines with other ops
 * (`add(lossOp(...), affine(lossOp(...), 0.5, 0))`). Labels: class ids for
 * sparseCategoricalCrossentropy, else a tensor shaped like yPred. `options` is the
 * cross-entropies' `{ fromLogits }`. The result is a new tensor the caller owns.
 */
export function lossOp(lossName: LossOpName, yTrue: SparseLabels, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  const loss = resolveLoss('lossOp', lossName);
  const tensorTarget = (): Tensor => {
    if (!(yTrue instanceof Tensor)) {
      throw new Error(`actlab: lossOp: ${loss} needs yTrue as a tensor shaped like yPred, got class ids (those go with sparseCategoricalCrossentropy)`);
    }
    return yTrue;
  };
  if (loss === 'meanSquaredError' && Object.keys(options).length > 0) {
    throw new Error(`actlab: lossOp: meanSquaredError takes no options, got ${Object.keys(options).join(', ')}`);
  }
  const r = loss === 'sparseCategoricalCrossentropy' ? sparseCategoricalCrossentropy(yTrue, yPred, options)
    : loss === 'categoricalCrossentropy' ? categoricalCrossentropy(tensorTarget(), yPred, options)
      : loss === 'binaryCrossentropy' ? binaryCrossentropy(tensorTarget(), yPred, options)
        : meanSquaredError(tensorTarget(), yPred);
  const { engine, heap, kernels } = rt();
  let value: Tensor | undefined;
  try {
    value = empty([]);
    heap.f32(value.ptr, 1)[0] = r.loss;
  } catch (e) {
    r.grad.dispose();
    throw e;
  }
  if (!engine.recording) {
    // Nothing will ask for the gradient.
    r.grad.dispose();
    return value;
  }
  // The gradient tensor stays in the enclosing scope (valueAndGrads frees it with the tape).
  engine.record({
    name: `lossOp:${loss}`, inputs: [yPred], output: value,
    backward: (dy) => {
      const s = dy.dataSync()[0];
      if (s === 1) return [r.grad];
      const g = empty(r.grad.shape);
      kernels.f32_affine(g.size, r.grad.ptr, g.ptr, s, 0);
      return [g];
    },
  });
  return value;
}
