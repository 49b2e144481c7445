// Softmax and log-softmax over the last axis as tensor ops on the tape.
import { rt } from '../core/wasm.js';
import { Tensor, empty, shapeText } from '../core/tensor.js';
import { checkFinite, positiveF32, checkTensorArg } from '../core/checks.js';

function rowsCols(x: Tensor, fn: string, temperature: number): [number, number] {
  checkTensorArg(fn, 'x', x);
  if (x.rank === 0) throw new Error(`actlab: ${fn}: needs at least one axis, got a scalar`);
  positiveF32(fn, 'temperature', temperature);
  const cols = x.shape[x.rank - 1];
  if (cols === 0) throw new Error(`actlab: ${fn}: the last axis of ${shapeText(x.shape)} is empty`);
  checkFinite(fn, [x]);
  return [x.size / cols, cols];
}

/** softmax(x / T) over the last axis. */
export function softmaxOp(x: Tensor, temperature = 1): Tensor {
  const [rows, cols] = rowsCols(x, 'softmax', temperature);
  const t = Math.fround(temperature);
  const y = empty(x.shape);
  rt().kernels.f32_softmax(rows, cols, x.ptr, y.ptr, t);
  rt().engine.record({
    name: 'softmax', inputs: [x], output: y,
    backward: (dy) => {
      const dx = empty(x.shape);
      rt().kernels.f32_softmax_grad(rows, cols, y.ptr, dy.ptr, dx.ptr, t);
      return [dx];
    },
  });
  return y;
}

/** log softmax(x / T) over the last axis. */
export function logSoftmaxOp(x: Tensor, temperature = 1): Tensor {
  const [rows, cols] = rowsCols(x, 'logSoftmax', temperature);
  const t = Math.fround(temperature);
  const y = empty(x.shape);
  rt().kernels.f32_log_softmax(rows, cols, x.ptr, y.ptr, t);
  rt().engine.record({
    name: 'logSoftmax', inputs: [x], output: y,
    backward: (dy) => {
      const dx = empty(x.shape);
      rt().kernels.f32_log_softmax_grad(rows, cols, y.ptr, dy.ptr, dx.ptr, t);
      return [dx];
    },
  });
  return y;
}
