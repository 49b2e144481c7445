// Elementwise tensor ops with gradients. Binary ops broadcast the second operand when its
// shape is a suffix of the first's (a bias [C] over [N, C]) or when it has one element.
import { rt } from '../core/wasm.js';
import { Tensor, empty, shapeText, type Shape } from '../core/tensor.js';
import { checkFinite, finiteF32, checkTensorArg } from '../core/checks.js';

type BinaryKernel = (n: number, cols: number, a: number, b: number, y: number) => void;

/** How b broadcasts over a: the number of trailing elements it covers (a's size when shapes match). */
function broadcastCols(a: Shape, b: Shape): number | undefined {
  const bs = b.reduce((p, d) => p * d, 1);
  if (a.length === b.length && a.every((d, i) => d === b[i])) return bs;
  if (bs === 1) return 1;
  if (b.length <= a.length && b.every((d, i) => d === a[a.length - b.length + i])) return bs;
  return undefined;
}

function incompatible(op: string, a: Shape, b: Shape): Error {
  return new Error(`actlab: ${op}: shapes ${shapeText(a)} and ${shapeText(b)} do not broadcast ` +
    '(the second must match the first, be a suffix of it, or have one element)');
}

/** Runs a binary kernel with b broadcast over a; returns a new tensor of a's shape. */
function run(kernel: BinaryKernel, a: Tensor, b: Tensor, cols: number): Tensor {
  const y = empty(a.shape);
  kernel(a.size, cols, a.ptr, b.ptr, y.ptr);
  return y;
}

/** Sums dy over the broadcast rows down to a tensor of `shape` (cols values). */
function reduceTo(dy: Tensor, shape: Shape, cols: number): Tensor {
  if (cols === dy.size) return dy;
  const out = empty(shape);
  rt().kernels.f32_sum_rows(dy.size, cols, dy.ptr, out.ptr);
  return out;
}

function scaled(x: Tensor, alpha: number, beta = 0): Tensor {
  const y = empty(x.shape);
  rt().kernels.f32_affine(x.size, x.ptr, y.ptr, Math.fround(alpha), Math.fround(beta));
  return y;
}

/** Expands a broadcastable `small` to `like`'s shape. */
function tile(small: Tensor, like: Tensor, cols: number): Tensor {
  // -0, not +0: -0 + v is v for every v, while +0 + -0 is +0 and lost the sign of a
  // broadcast -0 (fuzzing: mul([-0] over [3, 2, 1]) gave +0 products).
  const zero = empty(like.shape);
  rt().kernels.f32_fill(zero.size, zero.ptr, -0);
  const y = run(rt().kernels.f32_add, zero, small, cols);
  zero.dispose();
  return y;
}

type BinaryGrads = (dy: Tensor, a: Tensor, b: Tensor, cols: number, needs: readonly boolean[]) => (Tensor | undefined)[];

function binary(name: string, a: Tensor, b: Tensor, kernel: BinaryKernel, grads: BinaryGrads): Tensor {
  checkTensorArg(name, 'a', a);
  checkTensorArg(name, 'b', b);
  checkFinite(name, [a, b]);
  return broadcastBinary(name, a, b, kernel, grads);
}

function broadcastBinary(name: string, a: Tensor, b: Tensor, kernel: BinaryKernel, grads: BinaryGrads): Tensor {
  const cols = broadcastCols(a.shape, b.shape);
  if (cols === undefined) {
    // a broadcasts over b: expand a first (rare; keeps one kernel form).
    const back = broadcastCols(b.shape, a.shape);
    if (back === undefined) throw incompatible(name, a.shape, b.shape);
    const left = tile(a, b, back);
    // Recorded before the op itself so that backprop, walking backwards, reaches it after.
    rt().engine.record({ name: `${name}:broadcast`, inputs: [a], output: left, backward: (dy) => [reduceTo(dy, a.shape, back)] });
    return broadcastBinary(name, left, b, kernel, grads);
  }
  const y = run(kernel, a, b, cols);
  const c = cols;
  rt().engine.record({ name, inputs: [a, b], output: y, backward: (dy, needs) => grads(dy, a, b, c, needs) });
  return y;
}

/** a + b (b broadcast over a's leading axes, or a scalar tensor). */
export function add(a: Tensor, b: Tensor): Tensor {
  return binary('add', a, b, rt().kernels.f32_add, (dy, _a, bb, cols, needs) =>
    [needs[0] ? dy : undefined, needs[1] ? reduceTo(dy, bb.shape, cols) : undefined]);
}

/** a - b */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary('sub', a, b, rt().kernels.f32_sub, (dy, _a, bb, cols, needs) =>
    [needs[0] ? dy : undefined, needs[1] ? reduceTo(scaled(dy, -1), bb.shape, cols) : undefined]);
}

/** a * b (elementwise) */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary('mul', a, b, rt().kernels.f32_mul, (dy, aa, bb, cols, needs) => {
    const k = rt().kernels;
    return [
      needs[0] ? run(k.f32_mul, dy, bb, cols) : undefined,
      needs[1] ? reduceTo(run(k.f32_mul, dy, aa, aa.size), bb.shape, cols) : undefined,
    ];
  });
}

/** a / b (elementwise) */
export function div(a: Tensor, b: Tensor): Tensor {
  return binary('div', a, b, rt().kernels.f32_div, (dy, aa, bb, cols, needs) => {
    const k = rt().kernels;
    const da = run(k.f32_div, dy, bb, cols);
    if (!needs[1]) return [needs[0] ? da : undefined, undefined];
    // d(a/b)/db = -a/b^2 = -(dy/b) * (a/b)
    const q = run(k.f32_div, aa, bb, cols);
    const db = reduceTo(scaled(run(k.f32_mul, da, q, q.size), -1), bb.shape, cols);
    return [needs[0] ? da : undefined, db];
  });
}

/** alpha * x + beta with scalar numbers. */
export function affine(x: Tensor, alpha: number, beta = 0): Tensor {
  checkTensorArg('affine', 'x', x);
  finiteF32('affine', 'alpha', alpha);
  finiteF32('affine', 'beta', beta);
  checkFinite('affine', [x]);
  const y = scaled(x, alpha, beta);
  rt().engine.record({ name: 'affine', inputs: [x], output: y, backward: (dy) => [scaled(dy, alpha)] });
  return y;
}

/** -x */
export function neg(x: Tensor): Tensor {
  checkTensorArg('neg', 'x', x);
  return affine(x, -1);
}

/** x * x */
export function square(x: Tensor): Tensor { return mul(x, x); }

/**
 * Refuses tf.js's `axis` / `keepDims` arguments: sum and mean reduce every element, and
 * would otherwise return the total where tf.sum(x, 0) returns per-column sums.
 */
function noAxis(fn: 'sum' | 'mean', args: number): void {
  if (args <= 1) return;
  throw new Error(`actlab: ${fn}: takes no axis or keepDims (tf.${fn}(x, axis, keepDims)); it reduces every element to shape []. ` +
    `Per row of a matrix x [rows, cols]: matMul(x, ones [cols, 1]); per column: matMul(ones [1, rows], x)` +
    (fn === 'mean' ? ', then affine(..., 1 / count)' : ''));
}

/** Sum of all elements, as a tensor of shape [] (no axis: see noAxis). */
export function sum(x: Tensor): Tensor {
  noAxis('sum', arguments.length);
  checkTensorArg('sum', 'x', x);
  checkFinite('sum', [x]);
  const y = empty([]);
  rt().kernels.f32_sum_rows(x.size, 1, x.ptr, y.ptr);
  rt().engine.record({
    name: 'sum', inputs: [x], output: y,
    backward: (dy) => [tile(dy, x, 1)],
  });
  return y;
}

/** Mean of all elements, as a tensor of shape [] (no axis, as sum). */
export function mean(x: Tensor): Tensor {
  noAxis('mean', arguments.length);
  checkTensorArg('mean', 'x', x);
  if (x.size === 0) throw new Error(`actlab: mean of an empty tensor ${shapeText(x.shape)} is undefined`);
  const s = sum(x);
  const y = affine(s, 1 / x.size);
  // The tape, when one records, reads s's shape in its backward pass; then the scope frees it.
  if (!rt().engine.recording) s.dispose();
  return y;
}

/** The same data under another shape (a copy; gradients flow back reshaped); x.reshape(shape) as a function. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  checkTensorArg('reshape', 'x', x);
  return x.reshape(shape);
}
