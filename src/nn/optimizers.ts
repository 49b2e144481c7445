// Optimizers with tfjs-style factories (`sgd`, `adam`, `adamw`, `rmsprop`) and Keras 3 update
// rules, each one fused Wasm kernel per variable (assembly/optim.ts holds the formulas).
//
// Where the formulas differ from tfjs-core 4.22.0 (measured in test/optim.test.ts):
// - adam: Keras puts epsilon on sqrt(v) before bias correction ("epsilon hat"):
//     w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
//   tfjs-core puts it after: w -= lr * mhat / (sqrt(vhat) + eps), mhat = m / (1 - b1^t),
//   vhat = v / (1 - b2^t). The two agree when tfjs' epsilon is eps / sqrt(1 - b2^t).
// - sgd with momentum: Keras keeps v = momentum v - lr g (lr inside the velocity), tfjs keeps
//   a = momentum a + g and steps -lr a. Equal while lr is constant; after a learning-rate
//   change Keras' velocity still carries the old rate.
// - rmsprop centered: tfjs-core computes sqrt(ms - (mg^2 + eps)), subtracting epsilon;
//   Keras adds it: sqrt(ms - mg^2 + eps).
// - adamw: tfjs-core has none. Keras 3 decays first, w -= lr * weightDecay * w, then takes
//   the Adam step with the same learning rate.
//
// State lives in Tensors owned by the optimizer, one set per variable, keyed by the name
// applyGradients is given with it (Sequential passes 'layer/weight'), else by its position
// in the list. Keyed by name, a model whose layers are frozen or unfrozen between fits keeps
// each weight's own state; a name held by another live variable (one optimizer shared by
// two models) is an error rather than mixed state, and a name whose variable was disposed
// (a layer removed and freed, its replacement given the same name) starts afresh.
import { elementwise } from '../core/parallel.js';
import { rt } from '../core/wasm.js';
import { PoolError } from '../core/pool.js';
import type { Ptr } from '../core/heap.js';
import { Tensor, zeros, tensor, shapeText } from '../core/tensor.js';
import { checkFinite, checkKeys, showValue } from '../core/checks.js';
import { LearningRateSchedule, type ScheduleJson } from './schedules.js';

/** A variable and the gradient of the loss with respect to it (same shape). */
export interface VariableGrad {
  /** The tensor to update, in place. */
  readonly variable: Tensor;
  /** dLoss/dvariable, the variable's shape (read, not disposed). */
  readonly grad: Tensor;
  /** Keys the variable's state and names it in getWeights(); defaults to its position. */
  readonly name?: string;
}

/** A state tensor with the name getWeights() gives it (`iter`, `<variable>/<slot>`). */
export interface NamedTensor {
  /** `iter`, or `<variable>/<slot>` such as `dense/kernel/m`. */
  readonly name: string;
  /** The values (a copy the caller owns, from getWeights). */
  readonly tensor: Tensor;
}

/** Gradient clipping, as Keras: at most one of the three may be set. */
export interface ClipOptions {
  /** Clip each gradient to this L2 norm: g * clipnorm / max(||g||, clipnorm). */
  readonly clipnorm?: number;
  /** Clip all gradients together to this global L2 norm (one scale for all). */
  readonly globalClipnorm?: number;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  readonly clipvalue?: number;
}

/** getConfig()'s values; `learningRate` is a number or, for a schedule, its JSON. */
export type OptimizerConfig = Readonly<Record<string, number | boolean | null | ScheduleJson>>;

/** A constant rate, or a schedule asked for the rate of every step (see schedules). */
export type LearningRate = number | LearningRateSchedule;

// ---- validation --------------------------------------------------------------------------

type Check = (v: number) => boolean;
const positive: Check = (v) => Number.isFinite(v) && v > 0;
const nonNegative: Check = (v) => Number.isFinite(v) && v >= 0;
const unitOpen: Check = (v) => v >= 0 && v < 1;
const unitClosed: Check = (v) => v >= 0 && v <= 1;

/**
 * `v` checked by `ok`; with `f32`, its float32 value too, as the kernels take it: 1 - 1e-9 is
 * 1 there (Adam would divide by 1 - beta1^t = 0), 1e-46 is 0 (0 / (0 + epsilon) is NaN) and
 * 1e39 is Infinity.
 */
function num(where: string, name: string, v: unknown, ok: Check, expected: string, f32 = false): number {
  if (typeof v !== 'number' || !ok(v)) {
    throw new Error(`actlab: ${where}: ${name} = ${showValue(v)} is out of range: expected ${expected}`);
  }
  if (f32 && !ok(Math.fround(v))) {
    throw new Error(`actlab: ${where}: ${name} = ${showValue(v)} is ${Math.fround(v)} in float32, the kernels' type: expected ${expected}`);
  }
  return v;
}

function bool(where: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`actlab: ${where}: ${name} = ${String(v)} must be true or false`);
  return v;
}

const CLIP_KEYS = ['clipnorm', 'globalClipnorm', 'clipvalue'] as const;

interface Clip { readonly kind: 'none' | 'clipnorm' | 'globalClipnorm' | 'clipvalue'; readonly value: number }

function resolveClip(where: string, o: ClipOptions): Clip {
  const set = CLIP_KEYS.filter((k) => o[k] !== undefined && o[k] !== null);
  if (set.length > 1) {
    throw new Error(`actlab: ${where}: only one of clipnorm, globalClipnorm, clipvalue may be set, got ${set.join(' and ')}`);
  }
  if (set.length === 0) return { kind: 'none', value: 0 };
  const kind = set[0];
  // clipvalue reaches the kernel as float32; clipnorm as float64.
  return { kind, value: num(where, kind, o[kind], positive, 'a finite number > 0', kind === 'clipvalue') };
}

/** A copy with its own memory (Tensor.reshape always copies). */
function copy(t: Tensor): Tensor { return t.reshape(t.shape); }

/** Why an optimizer may be disposed when its user did not dispose it, and what to do. */
export const DISPOSED_WHY = '(a model frees the optimizer it was compiled with when the model is disposed or recompiled with another): ' +
  'make a new optimizer for each model, e.g. compile({ optimizer: adam(), ... })';

/** True when state was last used by another variable that has been disposed since: applyGradients starts such state afresh. */
function isStale(entry: { variable?: Tensor }, variable: Tensor): boolean {
  return entry.variable !== undefined && entry.variable !== variable && entry.variable.isDisposed;
}

/** The key of a variable's state: its name, else its position in the list. */
function keyOf(p: VariableGrad, i: number): string { return p.name ?? String(i); }

// ---- the base class ------------------------------------------------------------------------

/**
 * What sgd(), adam(), adamw() and rmsprop() make: applyGradients() updates variables in place
 * with Wasm kernels, keeping per-weight state (moments) by name; learningRate is a constant
 * or a schedule. dispose() frees the state (a model compiled with it does that).
 */
export abstract class Optimizer {
  /** Keras / tfjs class name: 'SGD', 'Adam', 'AdamW', 'RMSprop'. */
  abstract readonly className: string;
  private lr: number;
  private readonly schedule: LearningRateSchedule | null;
  /** The rate of the step being applied (update() reads it). */
  protected stepLr = 0;
  private iters = 0;
  private disposed = false;
  private readonly clip: Clip;
  /** State per variable key (its name, else its position): one tensor per slot name, in creation order. */
  private state = new Map<string, { slots: Tensor[]; variable?: Tensor }>();

  protected constructor(protected readonly where: string, learningRate: LearningRate, clip: Clip) {
    if (learningRate instanceof LearningRateSchedule) {
      this.schedule = learningRate;
      this.lr = Number.NaN;
    } else {
      this.schedule = null;
      this.lr = num(where, 'learningRate', learningRate, positive, 'a finite number > 0 or a schedule (schedules.cosineDecay, ...)', true);
    }
    this.clip = clip;
  }

  /**
   * The learning rate of the next step: the constant, or the schedule's rate for step
   * `iterations`. Callbacks (reduceLROnPlateau) may set a constant rate between steps; a
   * scheduled rate cannot be set, as in Keras.
   */
  get learningRate(): number { return this.schedule ? this.schedule.at(this.iters) : this.lr; }
  set learningRate(v: number) {
    if (this.schedule) {
      throw new Error(`actlab: ${this.where}: the learning rate follows a ${this.schedule.className} schedule and cannot be set ` +
        `(callbacks that change it, such as reduceLROnPlateau, need a constant learningRate)`);
    }
    // 0 is allowed here (a callback's warmup may start from it); a new optimizer needs a rate > 0.
    this.lr = num(this.where, 'learningRate', v, nonNegative, 'a finite number >= 0', true);
  }

  /** The schedule given as learningRate, or null for a constant rate. */
  get learningRateSchedule(): LearningRateSchedule | null { return this.schedule; }

  /** Number of steps taken (Keras `iterations`); Adam's bias correction uses iterations + 1. */
  get iterations(): number { return this.iters; }

  /** Names of the per-variable state tensors, in getWeights() order. */
  abstract slotNames(): readonly string[];

  /** The hyperparameters, with Keras-like keys in camelCase. */
  getConfig(): OptimizerConfig {
    return {
      learningRate: this.schedule ? this.schedule.toJSON() : this.lr,
      clipnorm: this.clip.kind === 'clipnorm' ? this.clip.value : null,
      globalClipnorm: this.clip.kind === 'globalClipnorm' ? this.clip.value : null,
      clipvalue: this.clip.kind === 'clipvalue' ? this.clip.value : null,
    };
  }

  /**
   * One update of every variable from its gradient (t = iterations + 1), then iterations += 1.
   * Returns true when every updated weight is finite (the update kernels check what they
   * write, so no second pass over the weights is needed).
   */
  applyGradients(pairs: readonly VariableGrad[]): boolean {
    this.checkLive();
    if (!Array.isArray(pairs)) throw new Error(`actlab: ${this.where}.applyGradients: expected an array of {variable, grad}`);
    // Validate everything before any weight changes, so a bad call leaves the model untouched.
    pairs.forEach((p, i) => this.checkPair(p, i));
    const keys = pairs.map(keyOf);
    const dup = firstDuplicate(keys);
    if (dup !== undefined) throw new Error(`actlab: ${this.where}.applyGradients: two entries are named '${dup}'; each variable needs its own name`);
    // One tensor under two names (a layer shared by two models, listed once per model) would take two steps,
    // each with state of its own.
    const seen = new Map<Tensor, number>();
    pairs.forEach((p, i) => {
      const j = seen.get(p.variable);
      if (j !== undefined) {
        throw new Error(`actlab: ${this.where}.applyGradients: entries ${j} and ${i} (${keys[j] === String(j) ? 'unnamed' : `'${keys[j]}'`} and ` +
          `${keys[i] === String(i) ? 'unnamed' : `'${keys[i]}'`}) hold the same variable; list each variable once per step, with the sum of its gradients`);
      }
      seen.set(p.variable, i);
    });
    pairs.forEach((p, i) => checkFinite(`${this.where}.applyGradients`, [p.grad], [`grad ${i}`]));
    // As Keras: no gradients, no step (the iteration count does not move).
    if (pairs.length === 0) return true;
    const { heap } = rt();
    const temps: Ptr[] = [];
    // The kernels store 1 here when a weight they write is NaN or +-Infinity.
    const flag = heap.alloc(4);
    temps.push(flag);
    heap.i32(flag, 1)[0] = 0;
    try {
      const grads = this.clipGrads(pairs, temps);
      const t = this.iters + 1;
      // A user's schedule may return anything: '0.1' or true would pass the range test and reach the kernels as numbers.
      const lr: unknown = this.learningRate;
      if (typeof lr !== 'number' || !(lr >= 0 && lr < Infinity)) {
        throw new Error(`actlab: ${this.where}.applyGradients: the learning rate for step ${this.iters} is ${showValue(lr)}: expected a finite number >= 0`);
      }
      this.stepLr = lr;
      // State whose variable has been disposed since is no one's (getWeights leaves it out): free it now,
      // or one optimizer used for model after model (a sweep, layers named per model) kept every model's moments.
      for (const [key, entry] of this.state) {
        if (entry.variable?.isDisposed !== true) continue;
        for (const s of entry.slots) s.dispose();
        this.state.delete(key);
      }
      let updated = 0;
      try {
        pairs.forEach((p, i) => {
          const key = keyOf(p, i);
          // The state of a variable that was disposed (a layer removed from the model and freed, its
          // replacement given the same name) was freed above: its moments mean nothing for this variable.
          let entry = this.state.get(key);
          if (entry === undefined) {
            // keep(): the state outlives the step. The first step usually runs inside a tidy
            // scope, which freed lazily created state at its end (found by test/memory.test.ts).
            entry = { slots: this.slotNames().map(() => rt().engine.keep(zeros(p.variable.shape))) };
            this.state.set(key, entry);
          }
          entry.variable = p.variable;
          this.update(p.variable.size, grads[i], p.variable.ptr, entry.slots.map((s) => s.ptr), t, flag);
          updated++;
        });
      } catch (e) {
        // A kernel call that fails here (a worker that died, memory refused) leaves a step half
        // taken: say so, rather than let training go on from weights that match no step.
        // Only a failed parallel call can leave the first variable partly written.
        if (updated === 0 && !(e instanceof PoolError)) throw e;
        const text = e instanceof Error ? e.message : String(e);
        throw new Error(`${text.startsWith('actlab: ') ? text : `actlab: ${text}`} [during ${this.where}.applyGradients, step ${t}: ` +
          `${updated} of ${pairs.length} variables (and their state) were updated and the one after may be partly written, ` +
          `while iterations stays ${this.iters}: the weights match no step, so restore them (a checkpoint, setWeights) before training on]`, { cause: e });
      }
      this.iters = t;
      return heap.i32(flag, 1)[0] === 0;
    } finally {
      for (const q of temps) heap.free(q);
    }
  }

  /**
   * Copies of the state: `iter` (shape []), then each variable's slots; the caller owns them.
   * State whose variable has been disposed is left out.
   */
  getWeights(): NamedTensor[] {
    this.checkLive();
    const out: NamedTensor[] = [{ name: 'iter', tensor: tensor([this.iters], []) }];
    const slotNames = this.slotNames();
    for (const [key, entry] of this.state) {
      // State a disposed variable left (a layer removed and freed) is dropped at the next step, so it
      // is no one's: saved, a new variable of that name would resume on it where the live run starts afresh.
      if (entry.variable?.isDisposed === true) continue;
      entry.slots.forEach((s, j) => out.push({ name: `${key}/${slotNames[j]}`, tensor: copy(s) }));
    }
    return out;
  }

  /**
   * Restores state saved by getWeights() (copied in; the caller keeps ownership of `weights`).
   * `iterations` gives the exact step count where `iter`'s float32 value cannot hold it
   * (above 2^24); it must round to `iter`.
   */
  setWeights(weights: readonly NamedTensor[], iterations?: number): void {
    this.checkLive();
    const where = `${this.where}.setWeights`;
    if (weights.length === 0 || weights[0].name !== 'iter' || weights[0].tensor.size !== 1) {
      throw new Error(`actlab: ${where}: the first weight must be 'iter' with one value, as getWeights() returns`);
    }
    const stored = weights[0].tensor.dataSync()[0];
    const iter = iterations ?? stored;
    if (!Number.isSafeInteger(iter) || iter < 0) throw new Error(`actlab: ${where}: iter = ${iter} must be a non-negative integer`);
    if (Math.fround(iter) !== stored) throw new Error(`actlab: ${where}: iterations = ${iterations} does not round to the stored iter ${stored}`);
    const slotNames = this.slotNames();
    const rest = weights.slice(1);
    if (slotNames.length === 0 ? rest.length !== 0 : rest.length % slotNames.length !== 0) {
      throw new Error(`actlab: ${where}: ${rest.length} state tensors do not form groups of ${slotNames.length} ` +
        `(${slotNames.join(', ') || 'no state'}) per variable`);
    }
    const groups: NamedTensor[][] = [];
    for (let i = 0; slotNames.length > 0 && i < rest.length; i += slotNames.length) groups.push(rest.slice(i, i + slotNames.length));
    groups.forEach((g, i) => g.forEach((w, j) => {
      if (!w.name.endsWith(`/${slotNames[j]}`)) {
        throw new Error(`actlab: ${where}: state ${1 + i * slotNames.length + j} is named '${w.name}', expected '<variable>/${slotNames[j]}'`);
      }
      if (w.tensor.size !== g[0].tensor.size) {
        throw new Error(`actlab: ${where}: '${w.name}' has shape ${shapeText(w.tensor.shape)}, but '${g[0].name}' has ${shapeText(g[0].tensor.shape)}`);
      }
    }));
    const keys = groups.map((g) => g[0].name.slice(0, g[0].name.length - slotNames[0].length - 1));
    const dup = firstDuplicate(keys);
    if (dup !== undefined) throw new Error(`actlab: ${where}: variable '${dup}' has two groups of state`);
    this.disposeSlots();
    groups.forEach((g, i) => this.state.set(keys[i], { slots: g.map((w) => rt().engine.keep(copy(w.tensor))) }));
    this.iters = iter;
  }

  /** True after dispose(), which a model compiled with this optimizer calls when it is disposed or recompiled with another. */
  get isDisposed(): boolean { return this.disposed; }

  /**
   * Frees the state kept under these variable names (a layer taken out of the model), so a
   * variable given one of the names later starts afresh. Unknown names are ignored.
   * @internal
   */
  forgetState(names: readonly string[]): void {
    for (const name of names) {
      const entry = this.state.get(name);
      if (entry === undefined) continue;
      for (const s of entry.slots) s.dispose();
      this.state.delete(name);
    }
  }

  /** Frees the state; the optimizer cannot be used afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposeSlots();
    this.disposed = true;
  }

  /** Runs the kernel on one variable: n elements, gradient g, weights w, state slots; flag as the kernels take it. */
  protected abstract update(n: number, g: Ptr, w: Ptr, slots: readonly Ptr[], t: number, flag: Ptr): void;

  private disposeSlots(): void {
    for (const e of this.state.values()) for (const s of e.slots) s.dispose();
    this.state.clear();
  }

  private checkLive(): void {
    if (this.disposed) throw new Error(`actlab: ${this.where}: this optimizer was disposed and cannot be used ${DISPOSED_WHY}`);
  }

  private checkPair(p: VariableGrad, i: number): void {
    const where = `${this.where}.applyGradients`;
    if (!(p?.variable instanceof Tensor) || !(p.grad instanceof Tensor)) {
      throw new Error(`actlab: ${where}: entry ${i} must be {variable: Tensor, grad: Tensor}`);
    }
    const entry = `entry ${i}${p.name === undefined ? '' : ` ('${p.name}')`}`;
    if (p.variable.isDisposed) {
      throw new Error(`actlab: ${where}: ${entry}: the variable ${shapeText(p.variable.shape)} was disposed (a weight of a disposed model or layer?): ` +
        'pass the weights of a live model (model.trainableWeights)');
    }
    if (p.grad.isDisposed) throw new Error(`actlab: ${where}: ${entry}: the grad ${shapeText(p.grad.shape)} was disposed`);
    const a = p.variable.shape, b = p.grad.shape;
    if (a.length !== b.length || a.some((d, k) => d !== b[k])) {
      throw new Error(`actlab: ${where}: entry ${i}: grad shape ${shapeText(b)} does not match variable shape ${shapeText(a)}`);
    }
    const key = keyOf(p, i);
    const e = this.state.get(key);
    if (e === undefined || isStale(e, p.variable)) return;
    const what = p.name === undefined ? `position ${i}` : `'${key}'`;
    const same = p.name === undefined ? 'pass the same variables in the same order every step'
      : 'pass the same variables every step (a layer taken out of a model keeps its state under its name until it is disposed: ' +
        'remove layers with model.pop(), or compile again)';
    if (e.slots.length > 0 && e.slots[0].size !== p.variable.size) {
      throw new Error(`actlab: ${where}: entry ${i} has ${p.variable.size} elements but the optimizer's state for ${what} has ${e.slots[0].size}: ${same}`);
    }
    if (e.variable !== undefined && e.variable !== p.variable && !e.variable.isDisposed) {
      throw new Error(`actlab: ${where}: the state for ${what} belongs to another live variable: ${same}, ` +
        'and give each model its own optimizer');
    }
  }

  /** The gradient pointers to use: the originals, or clipped copies in `temps` (freed by the caller). */
  private clipGrads(pairs: readonly VariableGrad[], temps: Ptr[]): Ptr[] {
    const { heap, kernels } = rt();
    const c = this.clip;
    if (c.kind === 'none') return pairs.map((p) => p.grad.ptr);
    let global = 0;
    if (c.kind === 'globalClipnorm') {
      // Each array's sum is exact-order float64 in Wasm; the running total adds them in list order.
      for (const p of pairs) global += kernels.f32_sum_squares(p.grad.size, p.grad.ptr);
    }
    return pairs.map((p) => {
      const n = p.grad.size;
      const q = heap.alloc(n * 4);
      temps.push(q);
      if (c.kind === 'clipvalue') kernels.f32_clip_by_value(n, p.grad.ptr, q, Math.fround(c.value));
      else {
        const ss = c.kind === 'clipnorm' ? kernels.f32_sum_squares(n, p.grad.ptr) : global;
        kernels.f32_clip_by_norm(n, p.grad.ptr, q, ss, c.value);
      }
      return q;
    });
  }
}

// ---- SGD -----------------------------------------------------------------------------------

/** sgd()'s options (Keras names and defaults). */
export interface SgdOptions extends ClipOptions {
  /** Default 0.01 (Keras); a number > 0 or a schedule. */
  readonly learningRate?: LearningRate;
  /** In [0, 1]; 0 (default) is plain SGD. */
  readonly momentum?: number;
  /** Nesterov momentum; ignored when momentum is 0, as in Keras. */
  readonly nesterov?: boolean;
}

/** SGD: w -= lr g; with momentum v = momentum v - lr g, w += v (Nesterov: w += momentum v - lr g). */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  /** Momentum in [0, 1]; 0 is plain SGD. */
  readonly momentum: number;
  /** Whether the momentum step is Nesterov's. */
  readonly nesterov: boolean;

  constructor(options: SgdOptions = {}) {
    const where = 'sgd';
    checkKeys(where, options, ['learningRate', 'momentum', 'nesterov', ...CLIP_KEYS]);
    super(where, options.learningRate ?? 0.01, resolveClip(where, options));
    this.momentum = num(where, 'momentum', options.momentum ?? 0, unitClosed, 'a number in [0, 1]');
    this.nesterov = bool(where, 'nesterov', options.nesterov ?? false);
  }

  slotNames(): readonly string[] { return this.momentum > 0 ? ['momentum'] : []; }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }

  protected update(n: number, g: Ptr, w: Ptr, slots: readonly Ptr[], _t: number, flag: Ptr): void {
    elementwise(n, 4, (k, i, c) => {
      const o = i * 4;
      if (this.momentum > 0) k.f32_sgd_momentum_update(c, g + o, w + o, slots[0] + o, this.stepLr, this.momentum, this.nesterov ? 1 : 0, flag);
      else k.f32_sgd_update(c, g + o, w + o, this.stepLr, flag);
    });
  }
}

// ---- Adam / AdamW ----------------------------------------------------------------------------

/** adam()'s options (Keras names and defaults). */
export interface AdamOptions extends ClipOptions {
  /** Default 0.001; a number > 0 or a schedule. */
  readonly learningRate?: LearningRate;
  /** In [0, 1), default 0.9. */
  readonly beta1?: number;
  /** In [0, 1), default 0.999. */
  readonly beta2?: number;
  /** > 0, default 1e-7 (Keras' "epsilon hat"). */
  readonly epsilon?: number;
}

/** adamw()'s options: Adam's and the weight decay (Keras 3 defaults). */
export interface AdamWOptions extends AdamOptions {
  /** >= 0, default 0.004 (Keras 3). */
  readonly weightDecay?: number;
}

const ADAM_KEYS = ['learningRate', 'beta1', 'beta2', 'epsilon', ...CLIP_KEYS] as const;

/** Adam's state and kernel, shared by Adam and AdamW (which differ only in the decay). */
abstract class AdamBase extends Optimizer {
  /** Decay of the first-moment average. */
  readonly beta1: number;
  /** Decay of the second-moment average. */
  readonly beta2: number;
  /** Added to sqrt(v) before the bias correction (Keras' epsilon hat). */
  readonly epsilon: number;
  protected readonly decay: number;

  protected constructor(where: string, options: AdamWOptions, decay: number) {
    super(where, options.learningRate ?? 0.001, resolveClip(where, options));
    this.beta1 = num(where, 'beta1', options.beta1 ?? 0.9, unitOpen, 'a number in [0, 1)', true);
    this.beta2 = num(where, 'beta2', options.beta2 ?? 0.999, unitOpen, 'a number in [0, 1)', true);
    this.epsilon = num(where, 'epsilon', options.epsilon ?? 1e-7, positive, 'a finite number > 0', true);
    this.decay = decay;
  }

  slotNames(): readonly string[] { return ['m', 'v']; }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  protected update(n: number, g: Ptr, w: Ptr, slots: readonly Ptr[], t: number, flag: Ptr): void {
    elementwise(n, 4, (k, i, c) => {
      const o = i * 4;
      k.f32_adam_update(c, g + o, w + o, slots[0] + o, slots[1] + o, this.stepLr, this.beta1, this.beta2, this.epsilon, this.decay, t, flag);
    });
  }
}

/**
 * Adam (Keras 3): m += (g - m)(1 - b1), v += (g^2 - v)(1 - b2),
 * w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps). Kingma and Ba, arXiv:1412.6980.
 */
export class Adam extends AdamBase {
  readonly className = 'Adam';

  constructor(options: AdamOptions = {}) {
    checkKeys('adam', options, ADAM_KEYS);
    super('adam', options, 0);
  }
}

/**
 * AdamW (Keras 3): first w -= lr * weightDecay * w (decoupled, every variable), then the
 * Adam step. Loshchilov and Hutter, arXiv:1711.05101.
 */
export class AdamW extends AdamBase {
  readonly className = 'AdamW';

  constructor(options: AdamWOptions = {}) {
    checkKeys('adamw', options, [...ADAM_KEYS, 'weightDecay']);
    super('adamw', options, num('adamw', 'weightDecay', options.weightDecay ?? 0.004, nonNegative, 'a finite number >= 0'));
  }

  /** The decoupled decay: each step first does w -= learningRate * weightDecay * w. */
  get weightDecay(): number { return this.decay; }

  override getConfig(): OptimizerConfig { return { ...super.getConfig(), weightDecay: this.decay }; }
}

// ---- RMSprop -----------------------------------------------------------------------------------

/** rmsprop()'s options (Keras names and defaults). */
export interface RmspropOptions extends ClipOptions {
  /** Default 0.001; a number > 0 or a schedule. */
  readonly learningRate?: LearningRate;
  /** Discount of the squared-gradient average, in [0, 1), default 0.9 (tfjs calls it decay). */
  readonly rho?: number;
  /** In [0, 1], default 0. */
  readonly momentum?: number;
  /** > 0, default 1e-7. */
  readonly epsilon?: number;
  /** Divide by the estimated variance (ms - mg^2) instead of ms; default false. */
  readonly centered?: boolean;
}

/**
 * RMSprop (Keras 3): ms = rho ms + (1 - rho) g^2, inc = lr g / sqrt(ms + eps) (centered:
 * sqrt(ms - mg^2 + eps) with mg = rho mg + (1 - rho) g); w -= inc, or with momentum
 * mom = momentum mom + inc, w -= mom. Hinton, lecture 6e; Graves, arXiv:1308.0850.
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  /** Discount of the squared-gradient average. */
  readonly rho: number;
  /** Momentum in [0, 1]; 0 for none. */
  readonly momentum: number;
  /** Added under the square root. */
  readonly epsilon: number;
  /** Whether the mean gradient's square is subtracted (centered RMSprop). */
  readonly centered: boolean;

  constructor(options: RmspropOptions = {}) {
    const where = 'rmsprop';
    checkKeys(where, options, ['learningRate', 'rho', 'momentum', 'epsilon', 'centered', ...CLIP_KEYS]);
    super(where, options.learningRate ?? 0.001, resolveClip(where, options));
    this.rho = num(where, 'rho', options.rho ?? 0.9, unitOpen, 'a number in [0, 1)', true);
    this.momentum = num(where, 'momentum', options.momentum ?? 0, unitClosed, 'a number in [0, 1]');
    this.epsilon = num(where, 'epsilon', options.epsilon ?? 1e-7, positive, 'a finite number > 0', true);
    this.centered = bool(where, 'centered', options.centered ?? false);
  }

  slotNames(): readonly string[] {
    return ['velocity', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['average_gradient'] : [])];
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }

  protected update(n: number, g: Ptr, w: Ptr, slots: readonly Ptr[], _t: number, flag: Ptr): void {
    const mom = this.momentum > 0 ? slots[1] : 0;
    const mg = this.centered ? slots[this.momentum > 0 ? 2 : 1] : 0;
    elementwise(n, 4, (k, i, c) => {
      const o = i * 4;
      k.f32_rmsprop_update(c, g + o, w + o, slots[0] + o, mg && mg + o, mom && mom + o, this.stepLr, this.rho, this.momentum, this.epsilon, flag);
    });
  }
}

// ---- factories (tfjs-style names) --------------------------------------------------------------

/** SGD, optionally with (Nesterov) momentum; Keras defaults (learningRate 0.01). */
export function sgd(options: SgdOptions = {}): SGD { return new SGD(options); }
/** Adam with Keras defaults (learningRate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7). */
export function adam(options: AdamOptions = {}): Adam { return new Adam(options); }
/** AdamW with Keras 3 defaults (Adam's, and weightDecay 0.004). */
export function adamw(options: AdamWOptions = {}): AdamW { return new AdamW(options); }
/** RMSprop with Keras defaults (learningRate 1e-3, rho 0.9, momentum 0, epsilon 1e-7, not centered). */
export function rmsprop(options: RmspropOptions = {}): RMSprop { return new RMSprop(options); }

/** The first key seen twice, in one pass (a model's step checks all its variables' names). */
function firstDuplicate(keys: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) return k;
    seen.add(k);
  }
  return undefined;
}
