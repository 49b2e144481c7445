// The fused ops layers are made of, each one tape entry: linear (x w + b), conv2d (+ bias),
// pooling and dropout. Their backward passes call the GEMM / conv kernels directly and
// skip gradients nobody asked for (the first layer's dx, a frozen layer's dw).
import { rt } from '../core/wasm.js';
import { Tensor, empty, shapeText } from '../core/tensor.js';
import { gemmTensor, xwPlusBias } from './matmul.js';
import type { Rng } from '../core/random.js';
import { conv2d, maxPool, avgPool, type Padding } from './conv.js';

export type { Padding };

/** x w + b for x [batch, in], w [in, units], b [units]; gradients for all three. */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(`actlab: linear: x ${shapeText(x.shape)} and w ${shapeText(w.shape)} do not chain: expected x [batch, k] and w [k, units]`);
  }
  const [M, K] = x.shape;
  const N = w.shape[1];
  if (b !== undefined && b.size !== N) throw new Error(`actlab: linear: bias ${shapeText(b.shape)} does not match ${N} units`);
  const y = xwPlusBias(x, w, b);
  rt().engine.record({
    name: 'linear', inputs: b ? [x, w, b] : [x, w], output: y,
    backward: (dy, needs) => {
      const dx = needs[0] ? gemmTensor(M, K, N, dy, N, false, w, N, true) : undefined;       // dy w^T
      const dw = needs[1] ? gemmTensor(K, N, M, x, K, true, dy, N, false) : undefined;       // x^T dy
      let db: Tensor | undefined;
      if (b && needs[2]) {
        db = empty([N]);
        rt().kernels.f32_sum_rows(dy.size, N, dy.ptr, db.ptr);
      }
      return [dx, dw, db];
    },
  });
  return y;
}

/** Inverted dropout: zeroes each element with probability rate and scales the rest by 1/(1-rate). */
export function dropoutOp(x: Tensor, rate: number, rng: Rng): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`actlab: dropout: rate = ${rate} is out of range: expected 0 <= rate < 1`);
  const mask = rng.uniform([x.size]);
  const { kernels } = rt();
  kernels.f32_dropout_mask(mask.size, mask.ptr, mask.ptr, Math.fround(rate));
  let y: Tensor;
  try {
    y = empty(x.shape);
  } catch (e) {
    mask.dispose();
    throw e;
  }
  kernels.f32_mul(x.size, x.size, x.ptr, mask.ptr, y.ptr);
  const { engine } = rt();
  if (!engine.recording) {
    mask.dispose();
    return y;
  }
  // The backward pass needs the mask; the gradient computation's scope frees it.
  engine.record({
    name: 'dropout', inputs: [x], output: y,
    backward: (dy) => {
      const dx = empty(x.shape);
      rt().kernels.f32_mul(dy.size, dy.size, dy.ptr, mask.ptr, dx.ptr);
      return [dx];
    },
  });
  return y;
}

/** conv2d (+ bias) on the tape: input, filter and bias gradients from the conv kernels (conv2d itself records). */
export function conv2dOp(x: Tensor, filter: Tensor, bias: Tensor | undefined, strides: readonly [number, number],
  padding: Padding, dilations: readonly [number, number]): Tensor {
  return conv2d(x, filter, strides, padding, dilations, bias);
}

/** Max or average pooling on the tape (maxPool and avgPool record themselves). */
export function poolOp(mode: 'max' | 'avg', x: Tensor, poolSize: readonly [number, number], strides: readonly [number, number],
  padding: Padding): Tensor {
  return mode === 'avg' ? avgPool(x, poolSize, strides, padding) : maxPool(x, poolSize, strides, padding);
}
