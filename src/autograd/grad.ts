// Reverse-mode differentiation over the engine's tape: run f while recording, then walk
// the entries backwards from the result, accumulating dL/d(tensor) for every tensor that
// depends on the ones asked about.
import { rt } from '../core/wasm.js';
import { Tensor, empty, shapeText } from '../core/tensor.js';
import { releaseTape, type TapeEntry } from '../core/engine.js';
import { describeValue } from '../core/checks.js';

function ones(like: Tensor): Tensor {
  const t = empty(like.shape);
  rt().kernels.f32_fill(t.size, t.ptr, 1);
  return t;
}

function zerosLike(like: Tensor): Tensor {
  const t = empty(like.shape);
  rt().kernels.f32_fill(t.size, t.ptr, 0);
  return t;
}

function backprop(tape: readonly TapeEntry[], y: Tensor, dy: Tensor, xs: readonly Tensor[]): Tensor[] {
  const reach = new Set<Tensor>(xs);
  for (const e of tape) if (e.inputs.some((t) => reach.has(t))) reach.add(e.output);
  const g = new Map<Tensor, Tensor>([[y, dy]]);
  for (let i = tape.length - 1; i >= 0; i--) {
    const e = tape[i];
    const gy = g.get(e.output);
    if (gy === undefined || !reach.has(e.output)) continue;
    const needs = e.inputs.map((t) => reach.has(t));
    const dxs = e.backward(gy, needs);
    dxs.forEach((dx, j) => {
      if (dx === undefined || !needs[j]) return;
      const input = e.inputs[j];
      if (dx.size !== input.size) {
        throw new Error(`actlab: gradient of '${e.name}' has shape ${shapeText(dx.shape)} but its input has ${shapeText(input.shape)}`);
      }
      const prev = g.get(input);
      if (prev === undefined) {
        g.set(input, dx);
      } else {
        const acc = empty(input.shape);
        rt().kernels.f32_add(acc.size, acc.size, prev.ptr, dx.ptr, acc.ptr);
        g.set(input, acc);
      }
    });
  }
  const handedOut = new Set<Tensor>();
  return xs.map((x) => {
    const gx = g.get(x);
    if (gx === undefined) return zerosLike(x);
    // The caller owns what it gets back: never the dy it passed in, never one tensor twice.
    const sameShape = gx.shape.length === x.shape.length && gx.shape.every((d, i) => d === x.shape[i]);
    const out = gx === dy || handedOut.has(gx) || !sameShape ? gx.reshape(x.shape) : gx;
    handedOut.add(out);
    return out;
  });
}

/**
 * The value of f() and the gradients of that value with respect to `xs`. f must return a
 * tensor (a scalar for a loss; otherwise the gradient of its sum, or of sum(dy * f) when
 * dy is given). Tensors f creates are disposed; value and grads belong to the caller.
 */
export function valueAndGrads(f: () => Tensor, xs: readonly Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  const { engine } = rt();
  // The outer tape would see neither the inner forward pass nor the backward one: its
  // gradient would be silently zero along that path.
  if (engine.recording) {
    throw new Error('actlab: valueAndGrads: called inside the f of another gradient computation; higher-order gradients are not ' +
      'supported (take the inner gradient before or after the outer one)');
  }
  const given: unknown = xs;
  if (!Array.isArray(given)) throw new Error(`actlab: valueAndGrads: xs must be an array of tensors (valueAndGrads(f, [x, ...])), got ${describeValue(given)}`);
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`actlab: valueAndGrads: xs[${i}] must be a live Tensor${x instanceof Tensor ? `; ${shapeText(x.shape)} was disposed` : ''}`);
  });
  const seedGiven: unknown = dy;
  if (seedGiven !== undefined && !(seedGiven instanceof Tensor && !seedGiven.isDisposed)) {
    throw new Error(`actlab: valueAndGrads: dy must be a live Tensor shaped like f's result, got ${seedGiven instanceof Tensor ? `${shapeText(seedGiven.shape)}, disposed` : describeValue(seedGiven)}`);
  }
  return engine.tidy(() => {
    const { result: y, tape } = engine.withTape(f);
    try {
      const made: unknown = y;
      if (!(made instanceof Tensor)) throw new Error(`actlab: valueAndGrads: f must return a Tensor (the value to differentiate), got ${describeValue(made)}`);
      if (dy !== undefined && dy.size !== y.size) {
        throw new Error(`actlab: dy has shape ${shapeText(dy.shape)} but f returned ${shapeText(y.shape)}`);
      }
      const seed = dy ?? ones(y);
      const grads = backprop(tape, y, seed, xs);
      // The value is the caller's to keep or dispose: a copy when f returned a tensor it did
      // not make (one of xs, or any outer tensor), which stays the caller's own.
      return { value: engine.madeInScope(y) ? y : y.reshape(y.shape), grads };
    } finally {
      releaseTape(tape);
    }
  });
}

/** Gradients only: like valueAndGrads but disposes the value. */
export function grads(f: () => Tensor, xs: readonly Tensor[], dy?: Tensor): Tensor[] {
  const { value, grads: g } = valueAndGrads(f, xs, dy);
  value.dispose();
  return g;
}

/** tf.grad-style: grad(f)(x, dy?) is d sum(dy * f(x)) / dx. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => grads(() => f(x), [x], dy)[0];
}
