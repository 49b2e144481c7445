// Any registry activation as a tensor op on the tape. Parameters may be numbers or tensors;
// a tensor parameter (a learnable slope, a trainable beta) receives its gradient from the
// row's paramGrad kernel, so layers with learnable activations need no extra code.
import { rt } from '../core/wasm.js';
import { elementwise } from '../core/parallel.js';
import { Tensor, empty, shapeText } from '../core/tensor.js';
import { getActivation } from '../activations/index.js';
import { checkFinite, checkTensorArg } from '../core/checks.js';
import type { Activation, ActivationName, KernelArgs, ParamSpec } from '../activations/registry.js';

/** Parameter values by name for the activation op: a number (fixed), or a tensor (one value, or one per channel for prelu) that receives a gradient. */
export type ActivationTensorParams = Readonly<Record<string, number | Tensor>>;

interface Bound {
  readonly args: KernelArgs;
  /** Tensor-valued parameters in row order, with their specs. */
  readonly tensors: { spec: ParamSpec; t: Tensor }[];
  /** A per-channel parameter given as a number: one value for every channel, put in Wasm memory for each kernel call. */
  readonly shared?: number;
}

function checkRange(row: Activation, p: ParamSpec, v: number): void {
  // Checked as the float32 the kernel receives (1e39 would arrive as Infinity, 1e-50 as 0).
  const f = Math.fround(v);
  const ok = !Number.isNaN(v) && (p.minOpen ? f > p.min : f >= p.min) && (p.maxOpen ? f < p.max : f <= p.max);
  if (!ok) {
    throw new Error(`actlab: activation '${row.name}' parameter '${p.name}' = ${v}${f !== v ? ` (${f} in float32)` : ''} is out of range: expected ` +
      `${p.min}${p.minOpen ? ' < ' : ' <= '}${p.name}${p.maxOpen ? ' < ' : ' <= '}${p.max}`);
  }
}

function bind(row: Activation, x: Tensor, params: ActivationTensorParams): Bound {
  for (const key of Object.keys(params)) {
    if (!row.params.some((p) => p.name === key)) {
      throw new Error(`actlab: activation '${row.name}' has no parameter '${key}'; its parameters: ${row.params.map((p) => p.name).join(', ') || 'none'}`);
    }
  }
  const channels = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  const s: number[] = [];
  const tensors: { spec: ParamSpec; t: Tensor }[] = [];
  let vec = 0;
  let c = 1;
  let shared: number | undefined;
  for (const spec of row.params) {
    const v = params[spec.name] ?? spec.default;
    if (typeof v === 'number') {
      checkRange(row, spec, v);
      // A number for a per-channel parameter (prelu's default 0.25, or a layer's fixed
      // { alpha: 0.1 }) is one slope shared by every channel: the kernel reads it as one channel.
      if (spec.perChannel) shared = Math.fround(v);
      s.push(spec.perChannel ? 0 : Math.fround(v));
      continue;
    }
    tensors.push({ spec, t: v });
    if (spec.perChannel) {
      // One value per channel of the last axis, or a single value shared by all (its gradient sums over every element).
      if (v.size !== channels && v.size !== 1) {
        throw new Error(`actlab: activation '${row.name}' parameter '${spec.name}' has shape ${shapeText(v.shape)} but x ${shapeText(x.shape)} has ${channels} channels on its last axis: expected ${channels} values, or one shared by all`);
      }
      vec = v.ptr;
      c = v.size;
      s.push(0);
    } else {
      if (v.size !== 1) throw new Error(`actlab: activation '${row.name}' parameter '${spec.name}' must be a single value, got shape ${shapeText(v.shape)}`);
      const value = v.dataSync()[0];
      checkRange(row, spec, value);
      s.push(value);
    }
  }
  const msg = row.check?.(s);
  if (msg !== undefined) throw new Error(`actlab: activation '${row.name}': ${msg}`);
  return { args: { s, channels: c, vec }, tensors, shared };
}

/** Runs `fn` with the kernel arguments, a shared per-channel value copied to Wasm memory for the call. */
function withArgs<T>(b: Bound, fn: (a: KernelArgs) => T): T {
  if (b.shared === undefined) return fn(b.args);
  const { heap } = rt();
  const p = heap.alloc(4);
  try {
    heap.f32(p, 1)[0] = b.shared;
    return fn({ ...b.args, vec: p });
  } finally {
    heap.free(p);
  }
}

/** f(x) for a registry activation; differentiable with respect to x and tensor parameters. */
export function activation(x: Tensor, name: ActivationName, params: ActivationTensorParams = {}): Tensor {
  checkTensorArg('activation', 'x', x);
  const row = getActivation(name);
  const bound = bind(row, x, params);
  const { args, tensors } = bound;
  checkFinite(`activation '${name}'`, [x, ...tensors.map((p) => p.t)], ['x', ...tensors.map((p) => `parameter '${p.spec.name}'`)]);
  const y = empty(x.shape);
  // Chunks start on a multiple of 4 elements and of the channel count (per-channel
  // parameters are indexed from a call's first element).
  const align = 4 * args.channels;
  withArgs(bound, (a) => elementwise(x.size, align, (k, i, c) => row.forward(k, c, x.ptr + i * 4, y.ptr + i * 4, a)));
  if (rt().engine.recording) {
    rt().engine.record({
      name: `activation:${name}`,
      inputs: [x, ...tensors.map((p) => p.t)],
      output: y,
      backward: (dy, needs) => {
        const k = rt().kernels;
        const dx = needs[0] ? empty(x.shape) : undefined;
        if (dx) withArgs(bound, (a) => elementwise(x.size, align, (kk, i, c) => row.backward(kk, c, x.ptr + i * 4, dy.ptr + i * 4, dx.ptr + i * 4, a)));
        if (!needs.slice(1).some(Boolean) || row.paramGrad === undefined) return [dx, ...tensors.map(() => undefined)];
        const learnable = row.params.filter((p) => p.learnable);
        const sizes = learnable.map((p) => (p.perChannel ? args.channels : 1));
        const buf = empty([sizes.reduce((a, b) => a + b, 0)]);
        row.paramGrad(k, x.size, x.ptr, dy.ptr, buf.ptr, args);
        const all = buf.dataSync();
        buf.dispose();
        const grads = tensors.map(({ spec, t }) => {
          const at = learnable.indexOf(spec);
          if (at < 0) throw new Error(`actlab: activation '${name}' parameter '${spec.name}' is not learnable; pass a number`);
          const off = sizes.slice(0, at).reduce((a, b) => a + b, 0);
          const g = empty(t.shape);
          rt().heap.f32(g.ptr, g.size).set(all.subarray(off, off + sizes[at]));
          return g;
        });
        return [dx, ...grads];
      },
    });
  }
  return y;
}
