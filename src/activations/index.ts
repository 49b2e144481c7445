// The activation API on plain Float32Arrays: look a row up, validate its parameters,
// copy into Wasm memory, run the kernel, copy out.
import { rt } from '../core/wasm.js';
import type { Heap, Ptr } from '../core/heap.js';
import { ACTIVATIONS, type Activation, type ActivationName, type KernelArgs, type ParamSpec } from './registry.js';
import { checkFiniteAt, describeValue } from '../core/checks.js';

export type { Activation, ActivationName, ParamSpec, KernelArgs, Reference } from './registry.js';
export { ACTIVATIONS, ACTIVATION_NAMES } from './registry.js';

/** Parameter values by name; a per-channel parameter may be one number or one value per channel. */
export type ActivationParams = Readonly<Record<string, number | Float32Array | readonly number[]>>;

const byName = new Map<string, Activation>(ACTIVATIONS.map((a) => [a.name, a]));

/**
 * Names a layer's activation option takes that the registry does not (LayerActivationName):
 * given to the op or the Float32Array API, the error says what to write there instead.
 */
const LAYER_ONLY_NAMES: Readonly<Record<string, string>> = {
  softmax: "softmax works over rows, not elementwise: softmaxOp(x) for a tensor, softmax(values, cols) for an array; only layers take 'softmax' as an activation",
  hard_sigmoid: "'hard_sigmoid' is the Keras name layers take; here write 'hardSigmoid'",
  gelu_new: "'gelu_new' is the Keras name layers take; here write 'geluTanh'",
};

/** The registry row for `name`; an unknown name throws and lists the valid ones. */
export function getActivation(name: string): Activation {
  const row = byName.get(name);
  if (row === undefined) {
    const shown = typeof name === 'string' ? `'${name}'` : describeValue(name);
    const hint = typeof name === 'string' && Object.hasOwn(LAYER_ONLY_NAMES, name) ? ` (${LAYER_ONLY_NAMES[name]})` : '';
    throw new Error(`actlab: unknown activation ${shown}${hint}; valid names: ${ACTIVATIONS.map((a) => a.name).join(', ')}`);
  }
  return row;
}

function rangeText(p: ParamSpec): string {
  return `${p.min}${p.minOpen ? ' < ' : ' <= '}${p.name}${p.maxOpen ? ' < ' : ' <= '}${p.max}`;
}

function checkValue(row: Activation, p: ParamSpec, v: number): void {
  // The kernels take float32: check the value they will see. 1e39 passed a finite range as a
  // double and reached the kernel as Infinity; 1e-50 passed 'celu alpha > 0' and became 0.
  const f = Math.fround(v);
  const ok = typeof v === 'number' && !Number.isNaN(v) &&
    (p.minOpen ? f > p.min : f >= p.min) && (p.maxOpen ? f < p.max : f <= p.max);
  if (!ok) {
    const asF32 = typeof v === 'number' && f !== v ? ` (${f} in float32)` : '';
    throw new Error(`actlab: activation '${row.name}' parameter '${p.name}' = ${v}${asF32} is out of range: expected ${rangeText(p)}`);
  }
}

/** Resolved parameter values: scalars in row order, and per-channel values when given. */
export interface ResolvedParams {
  /** Scalar values in the row's parameter order, rounded to float32 (0 in a per-channel parameter's place). */
  readonly scalars: readonly number[];
  /** Per-channel values (prelu), or undefined when none of the row's parameters is per channel. */
  readonly channelValues?: Float32Array;
}

/** Validates `params` against the row (names, types, ranges, cross-parameter rules) and fills defaults. */
export function resolveParams(row: Activation, params: ActivationParams = {}): ResolvedParams {
  for (const key of Object.keys(params)) {
    if (!row.params.some((p) => p.name === key)) {
      const valid = row.params.length ? row.params.map((p) => p.name).join(', ') : 'none';
      throw new Error(`actlab: activation '${row.name}' has no parameter '${key}'; its parameters: ${valid}`);
    }
  }
  const scalars: number[] = [];
  let channelValues: Float32Array | undefined;
  for (const p of row.params) {
    const v = params[p.name] ?? p.default;
    if (typeof v === 'number') {
      checkValue(row, p, v);
      scalars.push(Math.fround(v));
      if (p.perChannel) channelValues = new Float32Array([v]);
    } else {
      const what = Array.isArray(v) || ArrayBuffer.isView(v) ? 'an array' : typeof v === 'string' ? `the string '${v}'` : String(v);
      if (!p.perChannel || (!Array.isArray(v) && !(v instanceof Float32Array))) {
        throw new Error(`actlab: activation '${row.name}' parameter '${p.name}' must be a number${p.perChannel ? ' or one number per channel' : ''}, got ${what}`);
      }
      if (v.length === 0) throw new Error(`actlab: activation '${row.name}' parameter '${p.name}' is an empty array: expected one value per channel`);
      for (let i = 0; i < v.length; i++) checkValue(row, p, v[i]);
      channelValues = Float32Array.from(v);
      scalars.push(0);
    }
  }
  const msg = row.check?.(scalars);
  if (msg !== undefined) throw new Error(`actlab: activation '${row.name}': ${msg}`);
  return { scalars, channelValues };
}

/**
 * Runs `fn` with kernel arguments for a row: per-channel values are copied to Wasm memory
 * (a single shared value is broadcast over `channels`) and freed afterwards.
 */
export function withKernelArgs<T>(heap: Heap, r: ResolvedParams, n: number, channels: number | undefined,
  name: string, fn: (a: KernelArgs) => T): T {
  if (r.channelValues === undefined) return fn({ s: r.scalars, channels: 1, vec: 0 });
  const c = channels ?? r.channelValues.length;
  if (r.channelValues.length !== 1 && r.channelValues.length !== c) {
    throw new Error(`actlab: activation '${name}' has ${r.channelValues.length} per-channel values but the last axis has ${c} channels`);
  }
  if (c <= 0 || n % c !== 0) {
    throw new Error(`actlab: activation '${name}': ${n} elements do not split into rows of ${c} channels (the last axis)`);
  }
  const vec = heap.alloc(c * 4);
  try {
    const view = heap.f32(vec, c);
    if (r.channelValues.length === 1) view.fill(r.channelValues[0]); else view.set(r.channelValues);
    return fn({ s: r.scalars, channels: c, vec });
  } finally {
    heap.free(vec);
  }
}

/** The inputs the Float32Array API takes: a Float32Array, or numbers (rounded to float32). */
type Values = Float32Array | readonly number[];

/** Options for the Float32Array API: `channels` is the size of the last axis for per-channel parameters. */
export interface ApplyOptions {
  /** Size of the last axis; default: the number of per-channel values given. */
  readonly channels?: number;
}

function runUnary<T>(name: string, x: Values, params: ActivationParams | undefined, opts: ApplyOptions | undefined,
  body: (row: Activation, px: Ptr, a: KernelArgs) => T): T {
  const row = getActivation(name);
  const resolved = resolveParams(row, params);
  if (!Array.isArray(x) && !(ArrayBuffer.isView(x) && 'length' in x)) {
    throw new Error(`actlab: activation '${name}': x must be a Float32Array (or an array of numbers), got ${describeValue(x)}`);
  }
  const { heap } = rt();
  const px = heap.allocF32(x);
  try {
    checkFiniteAt(`activation '${name}'`, 'x', px, x.length, [x.length]);
    return withKernelArgs(heap, resolved, x.length, opts?.channels, name, (a) => body(row, px, a));
  } finally {
    heap.free(px);
  }
}

/** f(x) elementwise, computed in Wasm. */
function apply(name: ActivationName, x: Values, params?: ActivationParams, opts?: ApplyOptions): Float32Array {
  return runUnary(name, x, params, opts, (row, px, a) => {
    const { kernels, heap } = rt();
    const py = heap.alloc(x.length * 4);
    try {
      row.forward(kernels, x.length, px, py, a);
      return heap.f32(py, x.length).slice();
    } finally {
      heap.free(py);
    }
  });
}

/** Vector-Jacobian product dL/dx = dy * f'(x) for an upstream gradient dy. */
function backward(name: ActivationName, x: Values, dy: Values, params?: ActivationParams, opts?: ApplyOptions): Float32Array {
  if (dy.length !== x.length) {
    throw new Error(`actlab: activation '${name}' backward: dy has ${dy.length} elements but x has ${x.length}`);
  }
  return runUnary(name, x, params, opts, (row, px, a) => {
    const { kernels, heap } = rt();
    const pg = heap.allocF32(dy);
    try {
      row.backward(kernels, x.length, px, pg, pg, a);
      return heap.f32(pg, x.length).slice();
    } finally {
      heap.free(pg);
    }
  });
}

/** f'(x) elementwise (the backward kernel with dy = 1). */
function derivative(name: ActivationName, x: Values, params?: ActivationParams, opts?: ApplyOptions): Float32Array {
  return backward(name, x, new Float32Array(x.length).fill(1), params, opts);
}

/**
 * Gradients of sum(dy * f(x)) with respect to each learnable parameter: one number per
 * scalar parameter, one Float32Array per per-channel parameter.
 */
function paramGradients(name: ActivationName, x: Values, dy: Values, params?: ActivationParams,
  opts?: ApplyOptions): Record<string, number | Float32Array> {
  const row = getActivation(name);
  if (row.paramGrad === undefined) throw new Error(`actlab: activation '${name}' has no learnable parameters`);
  if (dy.length !== x.length) {
    throw new Error(`actlab: activation '${name}' parameter gradient: dy has ${dy.length} elements but x has ${x.length}`);
  }
  const grad = row.paramGrad;
  return runUnary(name, x, params, opts, (_, px, a) => {
    const out: Record<string, number | Float32Array> = {};
    const { kernels, heap } = rt();
    const learnable = row.params.filter((p) => p.learnable);
    const sizes = learnable.map((p) => (p.perChannel ? a.channels : 1));
    const total = sizes.reduce((s, v) => s + v, 0);
    const pg = heap.allocF32(dy);
    const po = heap.alloc(total * 4);
    try {
      grad(kernels, x.length, px, pg, po, a);
      const view = heap.f32(po, total);
      let off = 0;
      learnable.forEach((p, i) => {
        out[p.name] = p.perChannel ? view.slice(off, off + sizes[i]) : view[off];
        off += sizes[i];
      });
    } finally {
      heap.free(po);
      heap.free(pg);
    }
    return out;
  });
}

/** The activation registry and elementwise evaluation on Float32Arrays. */
export const activations = {
  /** Every registry row (name, parameters, formula, paper, kernels). */
  list: (): readonly Activation[] => ACTIVATIONS,
  /** The names of every activation, in registry order. */
  names: (): ActivationName[] => ACTIVATIONS.map((a) => a.name),
  /** The registry row for a name; an unknown name throws and lists the valid ones. */
  get: getActivation,
  /** f(x) elementwise, as a new Float32Array; `params` are checked against the row's ranges. */
  apply,
  /** f'(x) elementwise, as a new Float32Array. */
  derivative,
  /** dL/dx = dy * f'(x) for an upstream gradient dy of x's length, as a new Float32Array. */
  backward,
  /** sum(dy * df/dp) per learnable parameter: a number per scalar one, a Float32Array per per-channel one; throws for rows without learnable parameters. */
  paramGradients,
};
