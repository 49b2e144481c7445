// Sequential: a stack of layers with Keras' compile / fit / evaluate / predict. A training
// step is: gather a batch (Wasm copy), forward through fused ops on the tape, the loss
// (fused with softmax when the model ends in softmax), backprop, one fused optimizer
// update per variable; every temporary is freed by tidy.
import { rt } from '../core/wasm.js';
import { Tensor, empty, shapeText, type Shape } from '../core/tensor.js';
import { Rng } from '../core/random.js';
import { checkKeys, describeValue, hasOwn, ownEntry, showValue } from '../core/checks.js';
import { checkName, displayWidth, padCells, terminalText } from '../core/text.js';
import { valueAndGrads } from '../autograd/grad.js';
import { Optimizer, adam, sgd, rmsprop, adamw, DISPOSED_WHY } from './optimizers.js';
import {
  sparseCategoricalCrossentropy, categoricalCrossentropy, binaryCrossentropy, meanSquaredError, resolveLoss, type LossResult, type LossName, type LossAlias,
} from './losses.js';
import { sameShape, layoutHint, type Layer, type LayerWeight } from './layer.js';
import { Dense, Activation } from './layers.js';
import type { Callback, Logs, TrainingModel } from './callbacks.js';
import { resolveMetrics, metricTotals, metricValue, type CompiledMetric, type MetricAlias } from './metrics.js';
import { saveArtifacts } from './serialize.js';
import { checkpointOf, checkResume, type Checkpoint, type FitState } from './checkpoint.js';

export type { LossName, LossAlias } from './losses.js';

/** Class ids, one integer per sample (or per output position), in a typed array or a number[]. */
export type ClassIds = Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Float32Array | Float64Array | readonly number[];

/** Labels: a tensor ([n] class ids, [n, ...outputShape] targets, or [n] targets of a one-unit output) or class ids. */
export type Labels = Tensor | ClassIds;

/** What compile() takes (Keras's names). */
export interface CompileArgs {
  /** An optimizer object (adam({ learningRate }), ...) or the name of one with its defaults. */
  optimizer: Optimizer | 'adam' | 'sgd' | 'rmsprop' | 'adamw';
  /** The loss, by tfjs or Keras name. With a softmax output layer the cross-entropies take its logits (one fused kernel). */
  loss: LossAlias;
  /**
   * Metrics to log besides the loss, by tf.js or Keras name: ['accuracy'] adds `acc` (and
   * `val_acc` with validation data) to the logs and History; any other name logs under the
   * name as given ('mae' as `mae` and `val_mae`, 'meanAbsoluteError' as `meanAbsoluteError`).
   * evaluate() returns [loss, ...metrics] in this order. See the README's metrics table.
   */
  metrics?: readonly MetricAlias[];
}

/** fit's options (Keras names). */
export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32; the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** [x, y] evaluated after each epoch (val_loss, and val_ + each metric's key). */
  validationData?: readonly [Tensor, Labels];
  /** The last fraction of the data, before shuffling, is held out (Keras); 0 (the default) holds out none. */
  validationSplit?: number;
  /** Shuffle the samples each epoch (default true). */
  shuffle?: boolean;
  /** Seeds shuffling and dropout; default: the model's seed. */
  seed?: number;
  /** One callback or a list, called in order (see Callback). */
  callbacks?: Callback | readonly Callback[];
  /**
   * 0 (the default): silent; 1 or 2: one line per epoch on console.log (Keras' verbose=2 form; no
   * progress bar): `Epoch 3/100 - 412ms - loss: 0.1234 - acc: 0.9610`, the epoch's time with its
   * validation, and values below 1e-3 as `2.5000e-5`.
   */
  verbose?: 0 | 1 | 2;
  /**
   * The epoch to start at (Keras): epochs initialEpoch..epochs-1 run, each with the shuffle
   * and dropout of that epoch of an uninterrupted run. Left out, a model fitted before with
   * the same seed goes on from where that fit stopped (new shuffles and masks; the epochs
   * are still numbered from 0), and a fresh model starts at 0.
   */
  initialEpoch?: number;
  /**
   * Stop with an error naming the epoch and batch at the first NaN/Infinity in the loss
   * (that batch's update is not applied) or in a weight after an update (default true).
   */
  stopOnNonFinite?: boolean;
  /**
   * How often fit lets other tasks run (timers, I/O, a server's requests, a page's events):
   * tfjs-layers' option. 'auto' (the default) yields to the event loop once at least 125 ms
   * have passed since the last time, checked after each batch; 'batch' after every batch,
   * 'epoch' after every epoch, a number after each batch once that many milliseconds have
   * passed; 'never' only where a callback awaits. The numbers do not depend on it. Where the
   * runtime lacks setImmediate (browsers, workers) a yield is a MessageChannel message, which
   * neither the 4 ms clamp of nested timers nor a hidden tab's timer throttling delays.
   */
  yieldEvery?: YieldEvery;
  /**
   * A model restored from a checkpoint (restoreCheckpoint, loadCheckpoint) refuses a fit that
   * resumes it (initialEpoch left out or above 0) with another seed, batchSize or shuffle than
   * the run that wrote it recorded, since the run would not go on as the uninterrupted one
   * (another seed is another stream of shuffles and masks, and its history starts again).
   * true resumes with the change; default false. initialEpoch: 0 starts a new run from the
   * restored weights instead, and is not checked.
   */
  allowResumeChanges?: boolean;
}

/** fit's yieldEvery: 'auto' (every 125 ms), 'batch', 'epoch', 'never', or a number of milliseconds. */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

const FIT_OPTIONS = ['epochs', 'batchSize', 'validationData', 'validationSplit', 'shuffle', 'seed', 'callbacks', 'verbose', 'initialEpoch', 'stopOnNonFinite', 'yieldEvery', 'allowResumeChanges'];

/** tfjs-layers' interval for yieldEvery 'auto'. */
const AUTO_YIELD_MS = 125;

/**
 * Resolves in a later task of the event loop, so timers and I/O queued meanwhile run first
 * (awaiting a resolved promise runs only microtasks). setImmediate where the runtime has it
 * (Node, Bun, Deno); otherwise a MessageChannel message (browsers, workers, edge runtimes),
 * which a hidden tab does not throttle: chained setTimeout 0 calls wait a second each there
 * (a minute after five minutes hidden), so a fit yielding every 125 ms would crawl.
 * setTimeout 0 only where neither exists.
 */
function nextTask(): Promise<void> {
  const immediate: unknown = Reflect.get(globalThis, 'setImmediate');
  return new Promise((resolve) => {
    if (typeof immediate === 'function') {
      Reflect.apply(immediate, globalThis, [resolve]);
    } else if (typeof MessageChannel === 'function') {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
      channel.port2.postMessage(null);
    } else {
      setTimeout(resolve, 0);
    }
  });
}

/** evaluate()'s and predict()'s options. */
export interface EvaluateArgs {
  /**
   * Rows per forward pass, default 32: x is run `batchSize` rows at a time, so the working
   * memory is one batch's activations (batch x the widest layer), not all rows'. predict's
   * values are bit-identical for every batchSize; evaluate's loss differs only in the float
   * rounding of its per-batch means. A larger batchSize grows the Wasm memory, which never
   * shrinks (the slide-13 CNN: about 0.28 MB a row, so 10,000 rows at once leave 3.2 GB).
   */
  batchSize?: number;
}

/** What fit returns: per-epoch logs (Keras History). */
export class History {
  /** The number of each epoch this fit ran (from initialEpoch). */
  readonly epoch: number[] = [];
  /** Every logged value per key (loss, the metrics' keys, val_loss, val_ + the metrics' keys, and keys callbacks add), one per epoch. */
  readonly history: Record<string, number[]> = {};
  /** Mean training loss of each epoch (over its batches, weighted by batch size). */
  get loss(): number[] { return this.history.loss ?? []; }
  /** Training accuracy of each epoch, a fraction in [0, 1]; empty without the accuracy metric. */
  get acc(): number[] { return this.history.acc ?? []; }
  /** Validation loss of each epoch; empty without validation data. */
  get val_loss(): number[] { return this.history.val_loss ?? []; }
  /** Validation accuracy of each epoch, a fraction in [0, 1]; empty without validation data or the metric. */
  get val_acc(): number[] { return this.history.val_acc ?? []; }
  /** Appends one epoch's logs (fit calls it). */
  push(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) ownEntry(this.history, k, () => []).push(v);
  }

  /**
   * What the epoch-end callbacks did to the logs pushed last: a key they added is appended
   * (Keras records History after every other callback), a value they changed replaces it.
   */
  amendLast(pushed: Logs, logs: Logs): void {
    for (const [k, v] of Object.entries(logs)) {
      const arr = ownEntry(this.history, k, () => []);
      if (hasOwn(pushed, k)) arr[arr.length - 1] = v;
      else arr.push(v);
    }
  }
}

/** sequential()'s arguments. */
export interface SequentialArgs {
  /** The layers in order; the first needs an inputShape. */
  layers?: readonly Layer[];
  /** The model's name; default 'sequential'. */
  name?: string;
  /** Seeds weight initialisation (and, by default, shuffling and dropout). Default 0. */
  seed?: number;
}

interface Compiled {
  readonly optimizer: Optimizer;
  readonly loss: LossName;
  readonly metrics: readonly CompiledMetric[];
}

function checkEpochsEtc(where: string, name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`actlab: ${where}: ${name} must be an integer >= ${min}, got ${showValue(v)}`);
  return v;
}

/**
 * Callbacks with setModel held by the fits running now. Such a callback keeps one model and
 * its own counts (best value, patience, rates set), so it cannot serve two fits at once.
 */
const boundCallbacks = new WeakMap<object, Sequential>();

/** A training epoch's random numbers: its generator and the key it was forked at (seeded dropout layers key on it). */
interface Draws { readonly rng: Rng; readonly epoch: number }

/**
 * A stack of layers, each fed the previous one's output: Keras's compile / fit / evaluate /
 * predict, weights in Wasm memory (dispose() frees them), save in the tfjs LayersModel format.
 */
export class Sequential implements TrainingModel {
  /** Always 'Sequential' (Keras's class name, as saved). */
  readonly className = 'Sequential';
  /** The model's name. */
  readonly name: string;
  /** The seed of weight initialisation, and fit's default seed. */
  readonly seed: number;
  /** The layers in order (add() appends, pop() removes the last). */
  readonly layers: Layer[] = [];
  /** Set to true (by a callback) to end fit after the current batch; fit resets it when it starts. */
  stopTraining = false;
  /**
   * Where fit is: its seed, the next epoch to run, the history so far, and the batchSize and
   * shuffle of the fit that ran its last epoch (checkpoints save it).
   * The history is one object that later fits of the same stream extend in place; copy it to
   * keep a snapshot.
   */
  fitState?: FitState;
  private readonly rng: Rng;
  private compiled?: Compiled;
  private disposed = false;
  /** True while a fit runs (it awaits callbacks, so other code can run meanwhile). */
  private fitting = false;
  /** The epoch fit is in the middle of (some of its batches trained), else undefined. */
  private midEpoch: { epoch: number; batches: number } | undefined;
  private cutShort: { epoch: number; batches: number; of: number } | undefined;

  constructor(args: SequentialArgs = {}) {
    // As compile, fit and the layers do: a misspelt seed ({ randomSeed: 42 }) would otherwise give seed 0's weights.
    checkKeys('sequential', args, ['layers', 'name', 'seed']);
    const given: unknown = args.layers;
    if (given !== undefined && !Array.isArray(given)) {
      throw new Error(`actlab: sequential: layers must be an array of layers ([layers.dense(...), ...]), got ${describeValue(given)}`);
    }
    if (args.name !== undefined) {
      if (typeof args.name !== 'string' || args.name.length === 0) throw new Error(`actlab: sequential: name must be a non-empty string, got ${describeValue(args.name)}`);
      checkName('sequential', args.name);
    }
    this.name = args.name ?? 'sequential';
    this.seed = args.seed ?? 0;
    this.rng = new Rng(this.seed);
    try {
      for (const l of args.layers ?? []) this.add(l);
    } catch (e) {
      // The caller never gets the model, so the layers built before the one that failed are freed here.
      this.dispose();
      throw e;
    }
  }

  /** Appends a layer; builds it at once when the input shape is known. */
  add(layer: Layer): void {
    this.checkLive();
    // As pop: the fit running (which lets other tasks in between batches) would train the next batch through it.
    if (this.fitting) throw new Error(`actlab: add: model '${this.name}' is being fitted; add layers after fit returns`);
    if (this.layers.includes(layer)) throw new Error(`actlab: layer '${layer.name}' is already in model '${this.name}'`);
    if (!layer.hasExplicitName) {
      // The first free name from the count of that kind on: a loaded model's layers keep their
      // file's names (Keras numbers them per session: dense_1, dense_2), and pop() + add() on one
      // named the new layer after a kept one, which the check below refused.
      let same = this.layers.filter((l) => l.kind === layer.kind).length;
      const taken = (n: string): boolean => this.layers.some((l) => l.name === n);
      while (taken(same === 0 ? layer.kind : `${layer.kind}_${same}`)) same++;
      layer.assignName(same === 0 ? layer.kind : `${layer.kind}_${same}`);
    }
    if (this.layers.some((l) => l.name === layer.name)) throw new Error(`actlab: model '${this.name}' already has a layer named '${layer.name}'`);
    const prev = this.layers.at(-1);
    if (prev === undefined) {
      if (layer.inputShape === undefined) {
        throw new Error(`actlab: the first layer of model '${this.name}' needs an inputShape (e.g. { inputShape: [784] })`);
      }
      layer.build(layer.inputShape, this.rng);
    } else {
      layer.build(prev.outputShape, this.rng);
    }
    this.layers.push(layer);
  }

  /**
   * Removes the last layer and returns it, as tfjs's and Keras's `pop()`: the caller owns it
   * (dispose() it, or add it to another model). The optimizer forgets that layer's state, so a
   * layer added in its place, which may get the same name (`dense_2`), starts afresh.
   */
  pop(): Layer {
    this.checkLive();
    if (this.fitting) throw new Error(`actlab: pop: model '${this.name}' is being fitted; pop after fit returns`);
    const layer = this.layers.at(-1);
    if (layer === undefined) throw new Error(`actlab: pop: model '${this.name}' has no layers to remove`);
    this.layers.pop();
    this.compiled?.optimizer.forgetState(layer.weights.map((w) => w.name));
    return layer;
  }

  /** One sample's input shape (without the batch axis). */
  get inputShape(): Shape { return this.first().inputShape ?? []; }
  /** One sample's output shape (without the batch axis). */
  get outputShape(): Shape { return this.last().outputShape; }

  /**
   * The layer called `name`, or the layer at `index` (0 is the first): `getLayer('dense_1')`,
   * `getLayer(1)`, or tfjs's `getLayer(undefined, 1)`. Throws listing the names when there is none.
   */
  getLayer(name: string): Layer;
  /** The layer at `index` (0 is the first layer; negative counts from the end, as `layers.at`). */
  getLayer(index: number): Layer;
  /** tfjs's and Keras's form: a name, or undefined and an index. */
  getLayer(name: string | undefined, index: number): Layer;
  getLayer(nameOrIndex?: string | number, index?: number): Layer {
    if (index !== undefined || typeof nameOrIndex === 'number') {
      if (index !== undefined && nameOrIndex !== undefined) {
        throw new Error(`actlab: getLayer: give a layer name or an index, not both (got ${showValue(nameOrIndex)} and ${showValue(index)})`);
      }
      const i: unknown = index ?? nameOrIndex;
      const n = this.layers.length;
      if (typeof i !== 'number' || !Number.isInteger(i) || i < -n || i >= n) {
        throw new Error(`actlab: getLayer: index ${showValue(i)} is out of range: model '${this.name}' ${n === 0 ? 'has no layers' : `has ${n} layers (indices 0 to ${n - 1}, or -${n} to -1 from the end)`}`);
      }
      return this.layers[i < 0 ? n + i : i];
    }
    const name = nameOrIndex;
    const l = this.layers.find((x) => x.name === name);
    if (l === undefined) throw new Error(`actlab: model '${this.name}' has no layer '${name}'; its layers: ${this.layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  /** Every layer's weights, in layer order (the model's tensors: do not dispose them). */
  get weights(): LayerWeight[] { return this.layers.flatMap((l) => [...l.weights]); }
  /** The weights fit updates (those of trainable layers). */
  get trainableWeights(): LayerWeight[] { return this.layers.flatMap((l) => [...l.trainableWeights]); }
  /** The weights fit leaves alone (those of frozen layers), in layer order (Keras's non_trainable_weights). */
  get nonTrainableWeights(): LayerWeight[] { return this.layers.flatMap((l) => [...l.nonTrainableWeights]); }

  /**
   * Keras's and tfjs's `model.trainable`: setting it sets every layer's `trainable`, so `false`
   * freezes the whole model (to train a new head on it: `base.trainable = false`, then
   * `sequential({ layers: [...base.layers, head] })`) and `true` unfreezes every layer. It reads
   * true while any layer is trainable. The flag lives on the layers (model files save it there):
   * a layer set trainable after `model.trainable = false` trains, where Keras trains nothing
   * until the model's own flag is true again.
   */
  get trainable(): boolean { return this.layers.length === 0 || this.layers.some((l) => l.trainable); }
  set trainable(value: boolean) {
    this.checkLive();
    if (typeof value !== 'boolean') throw new Error(`actlab: model '${this.name}': trainable must be true or false, got ${describeValue(value)}`);
    for (const l of this.layers) l.trainable = value;
  }

  /** Number of weight values in the model. */
  countParams(): number { return this.layers.reduce((s, l) => s + l.countParams(), 0); }

  /** Sets the optimizer, loss and metrics for fit and evaluate (the model then owns the optimizer). */
  compile(args: CompileArgs): void {
    this.checkLive();
    if (this.fitting) {
      throw new Error(`actlab: compile: model '${this.name}' is being fitted, and that fit uses the current optimizer; ` +
        'compile again after fit returns (a callback can change model.learningRate instead)');
    }
    checkKeys('compile', args, ['optimizer', 'loss', 'metrics']);
    const loss = resolveLoss('compile', args.loss);
    const metrics = resolveMetrics('compile', args.metrics ?? [], loss === 'sparseCategoricalCrossentropy', loss);
    if (typeof args.optimizer !== 'string' && !(args.optimizer instanceof Optimizer)) {
      throw new Error(`actlab: compile: optimizer must be a name (adam, sgd, rmsprop, adamw) or an optimizer object such as adam(), got ${describeValue(args.optimizer)}`);
    }
    if (args.optimizer instanceof Optimizer && args.optimizer.isDisposed) {
      throw new Error(`actlab: compile: the ${args.optimizer.className} optimizer given to model '${this.name}' was disposed ${DISPOSED_WHY}`);
    }
    const optimizer = typeof args.optimizer === 'string' ? namedOptimizer(args.optimizer) : args.optimizer;
    // The model owns the optimizer it is compiled with (dispose() frees it), so a recompile
    // frees the one it replaces: its state belongs to the old compile.
    const previous = this.compiled?.optimizer;
    this.compiled = { optimizer, loss, metrics };
    if (previous !== undefined && previous !== optimizer) previous.dispose();
  }

  /** True once compile() has run (a model loaded from a file saved compiled comes compiled). */
  get isCompiled(): boolean { return this.compiled !== undefined; }
  /** The optimizer compile() set (owned by the model); throws before compile. */
  get optimizer(): Optimizer { return this.compiledOrThrow('optimizer').optimizer; }
  /**
   * What compile() was given (checkpoints save it): the optimizer, the loss and the metrics'
   * names as given; `accuracy` is true when they include 'accuracy' or 'acc'.
   */
  compiledConfig(): { optimizer: Optimizer; loss: LossName; metrics: MetricAlias[]; accuracy: boolean } {
    const c = this.compiledOrThrow('checkpoint');
    return { optimizer: c.optimizer, loss: c.loss, metrics: c.metrics.map((m) => m.name), accuracy: c.metrics.some((m) => m.metric === 'accuracy') };
  }
  /**
   * What evaluate() returns, by log key (tf.js's metricsNames): 'loss', then the compiled
   * metrics in compile order (`acc` for accuracy, else the name as given); [] before compile.
   */
  get metricsNames(): string[] { return this.compiled === undefined ? [] : ['loss', ...this.compiled.metrics.map((m) => m.key)]; }
  /** The optimizer's learning rate for its next step; settable only when it is a constant (see Optimizer.learningRate). */
  get learningRate(): number { return this.optimizer.learningRate; }
  set learningRate(v: number) { this.optimizer.learningRate = v; }
  /** The class name of the optimizer's learning-rate schedule, or null for a constant rate. */
  get learningRateSchedule(): string | null { return this.optimizer.learningRateSchedule?.className ?? null; }

  /**
   * The model's output for x (inference: dropout off, softmax applied): a new tensor that the
   * caller owns (dispose() it, or call predict inside tidy()). A bad x throws before anything is
   * computed and leaves the model as it was.
   */
  predict(x: Tensor, args: EvaluateArgs = {}): Tensor {
    this.checkInput('predict', x);
    checkKeys('predict', args, ['batchSize']);
    const batchSize = checkEpochsEtc('predict', 'batchSize', args.batchSize ?? 32, 1);
    // predict copies each batch into its result, off the tape: a gradient through it would be silently zero.
    if (rt().engine.recording) {
      throw new Error(`actlab: predict: called inside a gradient computation, where its output would carry no gradient; ` +
        `use model.layerOutput('${this.layers.at(-1)?.name ?? ''}', x) for a forward pass the tape records`);
    }
    const n = x.shape[0];
    const out = empty([n, ...this.outputShape]);
    const per = out.size / Math.max(n, 1);
    const { engine, kernels } = rt();
    try {
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        engine.tidy(() => {
          const xb = sliceRows(x, start, count);
          const y = this.forward(xb, { training: false });
          kernels.f32_copy(y.size, y.ptr, out.ptr + start * per * 4);
        });
      }
    } catch (e) {
      out.dispose();
      throw e;
    }
    return out;
  }

  /** Every layer's output for x, in order (inference mode, all of x in one pass: unlike predict there is no batchSize); the caller owns the tensors. */
  layerOutputs(x: Tensor): Map<string, Tensor> {
    this.checkInput('layerOutputs', x);
    const out = new Map<string, Tensor>();
    try {
      rt().engine.tidy(() => {
        let h = x;
        for (const l of this.layers) {
          const input = h;
          h = l.apply(h, { training: false });
          // A layer that passes its input through (dropout at inference) returns x itself or the
          // previous layer's output: a copy, so each tensor handed out is the caller's own once.
          out.set(l.name, rt().engine.keep(h === input ? h.reshape(h.shape) : h));
        }
      });
    } catch (e) {
      // The outputs kept before a layer failed (a custom activation that throws) never reach the caller.
      for (const t of out.values()) t.dispose();
      throw e;
    }
    return out;
  }

  /** One layer's output for x (inference mode, all of x in one pass: unlike predict there is no batchSize, so slice a large x); a new tensor. */
  layerOutput(name: string, x: Tensor): Tensor {
    const index = this.layers.indexOf(this.getLayer(name));
    this.checkInput('layerOutput', x);
    return rt().engine.tidy(() => {
      let h = x;
      for (const l of this.layers.slice(0, index + 1)) h = l.apply(h, { training: false });
      return h === x ? x.reshape(x.shape) : h;
    });
  }

  /** Mean loss and metrics over (x, y) as Keras: [loss, ...metrics] in the order compile() was given them. */
  evaluate(x: Tensor, y: Labels, args: EvaluateArgs = {}): number[] {
    const c = this.compiledOrThrow('evaluate');
    this.checkInput('evaluate', x);
    checkKeys('evaluate', args, ['batchSize']);
    checkLabels('evaluate', x, y, c.loss, this.outputShape);
    const batchSize = checkEpochsEtc('evaluate', 'batchSize', args.batchSize ?? 32, 1);
    const n = x.shape[0];
    if (n === 0) throw new Error('actlab: evaluate: x has no samples');
    let lossSum = 0;
    const totals = new Float64Array(c.metrics.length * 2);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      rt().engine.tidy(() => {
        const xb = sliceRows(x, start, count);
        const yb = sliceLabels(y, start, count);
        const r = this.lossAndOutput(xb, yb, false);
        lossSum += r.loss * count;
        metricTotals(c.metrics, r.output, yb, c.loss, r.logits).forEach((v, i) => { totals[i] += v; });
        r.grad.dispose();
      });
    }
    return [lossSum / n, ...c.metrics.map((_, i) => metricValue(totals[2 * i], totals[2 * i + 1]))];
  }

  /** Trains for `epochs` epochs; resolves to the per-epoch History. */
  async fit(x: Tensor, y: Labels, args: FitArgs = {}): Promise<History> {
    // Two fits of one model at once would share its optimizer, stopTraining and fitState.
    if (this.fitting) throw new Error(`actlab: fit: model '${this.name}' is already being fitted; await that fit before starting another`);
    this.fitting = true;
    try {
      return await this.fitOnce(x, y, args);
    } finally {
      this.fitting = false;
    }
  }

  private async fitOnce(x: Tensor, y: Labels, args: FitArgs): Promise<History> {
    const c = this.compiledOrThrow('fit');
    const caveat = this.layers.find((l) => l.trainingCaveat !== undefined)?.trainingCaveat;
    if (caveat !== undefined) throw new Error(`actlab: fit: ${caveat}`);
    this.checkInput('fit', x);
    checkKeys('fit', args, FIT_OPTIONS);
    checkLabels('fit', x, y, c.loss, this.outputShape);
    const epochs = checkEpochsEtc('fit', 'epochs', args.epochs ?? 1, 0);
    const batchSize = checkEpochsEtc('fit', 'batchSize', args.batchSize ?? 32, 1);
    const initialEpoch = checkEpochsEtc('fit', 'initialEpoch', args.initialEpoch ?? 0, 0);
    const cbs = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? [...args.callbacks] : [args.callbacks as Callback];
    const HOOKS = ['setModel', 'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;
    cbs.forEach((cb, i) => {
      if (typeof cb !== 'object' || cb === null) throw new Error(`actlab: fit: callbacks[${i}] must be a callback object (callbacks.earlyStopping(), ...), got ${describeValue(cb)}`);
      for (const h of HOOKS) {
        const hook: unknown = cb[h];
        if (hook !== undefined && hook !== null && typeof hook !== 'function') throw new Error(`actlab: fit: callbacks[${i}].${h} must be a function, got ${describeValue(hook)}`);
      }
    });
    const stopOnNonFinite = args.stopOnNonFinite ?? true;
    const verbose: unknown = args.verbose ?? 0;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new Error(`actlab: fit: verbose must be 0 (silent), 1 or 2 (one line per epoch), got ${describeValue(verbose)}`);
    const yieldEvery: unknown = args.yieldEvery ?? 'auto';
    if (!(yieldEvery === 'auto' || yieldEvery === 'batch' || yieldEvery === 'epoch' || yieldEvery === 'never' || (typeof yieldEvery === 'number' && yieldEvery >= 0))) {
      throw new Error(`actlab: fit: yieldEvery must be 'auto' (the default: every ${AUTO_YIELD_MS} ms), 'batch', 'epoch', 'never' or a number of milliseconds >= 0, got ${describeValue(yieldEvery)}`);
    }
    // Without a yield, a fit whose callbacks do not await (or that has none) holds the thread to
    // its end: a server in the same process answered no request, and a page froze, until it returned.
    const yieldMs = yieldEvery === 'auto' ? AUTO_YIELD_MS : yieldEvery === 'batch' ? 0 : typeof yieldEvery === 'number' ? yieldEvery : Infinity;
    let lastYield = performance.now();
    const maybeYield = async (): Promise<void> => {
      if (yieldMs === Infinity || performance.now() - lastYield < yieldMs) return;
      await nextTask();
      lastYield = performance.now();
    };

    if (x.shape[0] === 0) throw new Error('actlab: fit: x has no samples');
    const fitSeed = args.seed ?? this.seed;
    const baseRng = new Rng(fitSeed);
    const shuffle = args.shuffle ?? true;
    // A model restored from a checkpoint resumes its run only with that run's seed, batchSize and shuffle.
    checkResume(this.fitState, { seed: fitSeed, seedGiven: args.seed !== undefined, batchSize, shuffle, initialEpoch: args.initialEpoch, allow: args.allowResumeChanges });
    // Each epoch's shuffle and dropout come from a generator keyed by (seed, key), key counting
    // the epochs this model has trained with that seed: a run resumed from a checkpoint at
    // epoch e (initialEpoch e) draws exactly what the uninterrupted run did, and a fit called
    // again without initialEpoch goes on with new keys (fit(1) twice draws what fit(2) does)
    // instead of replaying the first call's shuffles and masks. History and callbacks number
    // a call's epochs from initialEpoch (default 0), as Keras.
    const continuing = args.initialEpoch === undefined && this.fitState !== undefined && this.fitState.seed === fitSeed;
    const keyBase = continuing && this.fitState !== undefined ? this.fitState.epoch : 0;
    // A fit resumed where the last one (or a restored checkpoint) stopped continues its
    // history in fitState, so later checkpoints hold every epoch; the returned History
    // holds this call's epochs, as Keras'.
    const resumed = continuing || (initialEpoch > 0 && this.fitState?.epoch === initialEpoch && this.fitState.seed === fitSeed);
    // Every epoch so far, per key: the earlier fits' series with this call's appended. Kept up
    // to date in place, a few values per epoch (rebuilding it each epoch made a long run of
    // fits quadratic in its epochs).
    const cumulative: Record<string, number[]> = resumed && this.fitState !== undefined ? this.fitState.history : {};
    // Where that history holds epochs stopTraining cut short (FitState.cut), carried on with it:
    // saveBestOnly must not compare later epochs with one of which no checkpoint was taken.
    const cut: Record<string, number[]> = resumed && this.fitState?.cut !== undefined ? this.fitState.cut : {};

    let trainX = x, trainY = y, valX: Tensor | undefined, valY: Labels | undefined;
    const owned: Tensor[] = [];
    const history = new History();
    const bound: object[] = [];
    try {
      cbs.forEach((cb, i) => {
        if (typeof cb.setModel !== 'function') return;
        const other = boundCallbacks.get(cb);
        if (other !== undefined && other !== this) {
          throw new Error(`actlab: fit: callbacks[${i}] is in use by the running fit of model '${other.name}': a callback with setModel ` +
            'keeps one model and its own counts (best value, patience, learning rates), so two fits at once would act on each ' +
            'other\'s model; give each fit its own (callbacks.earlyStopping(...) again)');
        }
      });
      for (const cb of cbs) {
        if (typeof cb.setModel === 'function' && !boundCallbacks.has(cb)) { boundCallbacks.set(cb, this); bound.push(cb); }
      }
      if (args.validationData !== undefined) {
        const vd: unknown = args.validationData;
        if (!Array.isArray(vd) || vd.length !== 2) throw new Error(`actlab: fit: validationData must be [x, y], got ${describeValue(vd)}`);
        [valX, valY] = args.validationData;
        this.checkInput('fit (validationData)', valX);
        checkLabels('fit (validationData)', valX, valY, c.loss, this.outputShape);
      } else if (args.validationSplit !== undefined && args.validationSplit !== 0) {
        const f = args.validationSplit;
        if (!(f > 0 && f < 1)) throw new Error(`actlab: fit: validationSplit must be 0 (none) or in (0, 1), got ${f}`);
        const n = x.shape[0], split = Math.floor(n * (1 - f));
        if (split === 0 || split === n) throw new Error(`actlab: fit: validationSplit ${f} of ${n} samples leaves an empty part`);
        // Kept out of any tidy around fit: fit frees them itself, after its last await.
        const { engine } = rt();
        trainX = engine.keep(sliceRows(x, 0, split)); owned.push(trainX);
        valX = engine.keep(sliceRows(x, split, n - split)); owned.push(valX);
        trainY = sliceLabels(y, 0, split); if (trainY instanceof Tensor) owned.push(engine.keep(trainY));
        valY = sliceLabels(y, split, n - split); if (valY instanceof Tensor) owned.push(engine.keep(valY));
      }
      const n = trainX.shape[0];
      const base = new Map(Object.entries(cumulative).map(([k, v]) => [k, v.length]));
      const soFar = (): Record<string, number[]> => {
        // History only appends values and changes the last one: copy those.
        for (const [k, series] of Object.entries(history.history)) {
          const all = ownEntry(cumulative, k, () => []);
          let b = base.get(k);
          if (b === undefined) base.set(k, (b = all.length));
          for (let i = Math.max(0, all.length - b - 1); i < series.length; i++) all[b + i] = series[i];
        }
        return cumulative;
      };
      const state = (next: number): FitState => ({ seed: fitSeed, epoch: next, history: soFar(), batchSize, shuffle, ...(Object.keys(cut).length === 0 ? {} : { cut }) });
      // The model and the data may be disposed by a callback, or by another task between fit's awaits.
      const checkAlive = (before: string): void => {
        this.checkLive();
        for (const [t, what] of [[trainX, 'x'], [trainY, 'y'], [valX, 'validationData[0]'], [valY, 'validationData[1]']] as const) {
          if (t instanceof Tensor && t.isDisposed) {
            throw new Error(`actlab: fit: ${what} was disposed while fit was running (before ${before}); dispose it after fit returns`);
          }
        }
      };
      this.stopTraining = false;
      for (const cb of cbs) cb.setModel?.(this);
      for (const cb of cbs) await cb.onTrainBegin?.({});
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        const key = keyBase + epoch;
        const rng = baseRng.forkAt(key);
        const epochStart = performance.now();
        this.fitState = state(key);
        for (const cb of cbs) await cb.onEpochBegin?.(epoch, {});
        const order = shuffle ? rng.permutation(n) : identity(n);
        let lossSum = 0, seen = 0;
        const totals = new Float64Array(c.metrics.length * 2);
        let start = 0, batch = 0;
        // stopTraining is read after each batch (Keras, tfjs): set before the first, the epoch still runs one.
        for (; start < n && (batch === 0 || !this.stopTraining); start += batchSize, batch++) {
          checkAlive(`epoch ${epoch}, batch ${batch}`);
          const count = Math.min(batchSize, n - start);
          for (const cb of cbs) await cb.onBatchBegin?.(batch, { batch, size: count });
          // Again after the last await before the step: onBatchBegin (or a task it let run) may have disposed them.
          checkAlive(`epoch ${epoch}, batch ${batch}`);
          const idx = order.subarray(start, start + count);
          const r = this.trainStep(trainX, trainY, idx, c, { rng, epoch: key }, stopOnNonFinite);
          if (stopOnNonFinite && !Number.isFinite(r.loss)) {
            // A NaN or Infinity in the input is the likeliest cause; name it rather than the loss alone.
            const bad = rt().kernels.f32_first_non_finite(trainX.size, trainX.ptr);
            const where = bad < 0 ? '' : `x holds ${rt().heap.f32(trainX.ptr + bad * 4, 1)[0]} at index ${bad} (sample ${Math.floor(bad / (trainX.size / n))}), and `;
            throw new Error(`actlab: fit: ${where}the loss became ${r.loss} at epoch ${epoch}, batch ${batch}; this batch's update was ` +
              'not applied, so the weights are those of the batch before' + (bad < 0 ? ' (pass stopOnNonFinite: false to keep going)' : ''));
          }
          if (stopOnNonFinite && r.firstNonFinite) {
            throw new Error(`actlab: fit: ${r.firstNonFinite} became non-finite at epoch ${epoch}, batch ${batch} (loss ${r.loss}); ` +
              'the update is applied, so the weights are no longer usable: lower the learning rate or clip the gradients (clipnorm)');
          }
          this.midEpoch = { epoch, batches: batch + 1 };
          lossSum += r.loss * count;
          r.totals.forEach((v, i) => { totals[i] += v; });
          seen += count;
          const logs: Logs = { batch, size: count, loss: r.loss };
          c.metrics.forEach((m, i) => { logs[m.key] = metricValue(r.totals[2 * i], r.totals[2 * i + 1]); });
          for (const cb of cbs) await cb.onBatchEnd?.(batch, logs);
          await maybeYield();
        }
        this.midEpoch = undefined;
        // stopTraining set during the epoch (a callback, a SIGINT handler) ends it early: its logs and
        // the callbacks still come (Keras), but a checkpoint of it would skip its remaining batches.
        this.cutShort = start < n ? { epoch, batches: batch, of: Math.ceil(n / batchSize) } : undefined;
        const logs: Logs = { loss: lossSum / seen };
        c.metrics.forEach((m, i) => { logs[m.key] = metricValue(totals[2 * i], totals[2 * i + 1]); });
        if (valX !== undefined && valY !== undefined) {
          checkAlive(`the validation of epoch ${epoch}`);
          const [vl, ...vm] = this.evaluate(valX, valY, { batchSize });
          logs.val_loss = vl;
          c.metrics.forEach((m, i) => { logs[`val_${m.key}`] = vm[i]; });
        }
        const pushed = { ...logs };
        history.push(epoch, pushed);
        this.fitState = state(key + 1);
        if (verbose !== 0) {
          // Keras' form: the epoch's time, and values below 1e-3 in exponent form (a long run's loss of
          // 3e-5 printed as 0.0000 epoch after epoch).
          const ms = performance.now() - epochStart;
          const took = ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
          const show = (v: number): string => (Math.abs(v) > 1e-3 || !Number.isFinite(v) ? v.toFixed(4) : v.toExponential(4));
          console.log(`Epoch ${epoch + 1}/${epochs} - ${took} - ${Object.entries(logs).map(([k, v]) => `${terminalText(k)}: ${show(v)}`).join(' - ')}`);
        }
        for (const cb of cbs) {
          await cb.onEpochEnd?.(epoch, logs);
          // After each callback, so that a checkpoint a later one takes (modelCheckpoint) holds the
          // keys the earlier ones added to this epoch's logs, as it holds those fit logged.
          history.amendLast(pushed, logs);
          Object.assign(pushed, logs);
          this.fitState = state(key + 1);
        }
        if (this.cutShort !== undefined) {
          // After the callbacks, so that the keys they added to the epoch's logs are marked too.
          for (const k of Object.keys(pushed)) ownEntry(cut, k, () => []).push(ownEntry(cumulative, k, () => []).length - 1);
          this.fitState = state(key + 1);
        }
        if (yieldEvery === 'epoch') await nextTask();
      }
      for (const cb of cbs) await cb.onTrainEnd?.({});
    } finally {
      // An aborted epoch counts as not run: fit called again (or a checkpoint taken now) starts it afresh.
      this.midEpoch = undefined;
      for (const cb of bound) boundCallbacks.delete(cb);
      for (const t of owned) t.dispose();
    }
    return history;
  }

  /** One optimizer step on the rows `idx` of (x, y); none when the loss is not finite and `skipNonFinite`. */
  private trainStep(x: Tensor, y: Labels, idx: Int32Array, c: Compiled, draws: Draws, skipNonFinite: boolean):
    { loss: number; totals: Float64Array; firstNonFinite?: string } {
    const vars = this.trainableWeights;
    const { engine } = rt();
    return engine.tidy(() => {
      const xb = gatherRows(x, idx);
      const yb = gatherLabels(y, idx);
      let loss = NaN;
      let totals: Float64Array = new Float64Array(0);
      const { grads } = valueAndGrads(() => {
        const r = this.lossAndOutput(xb, yb, true, draws);
        loss = r.loss;
        // Totalled here: the output is freed when valueAndGrads returns.
        totals = metricTotals(c.metrics, r.output, yb, c.loss, r.logits);
        return r.lossTensor;
      }, vars.map((v) => v.tensor));
      if (skipNonFinite && !Number.isFinite(loss)) return { loss, totals };
      const finite = c.optimizer.applyGradients(vars.map((v, i) => ({ variable: v.tensor, grad: grads[i], name: v.name })));
      // The update kernels report a non-finite weight; only then is each one scanned to name it.
      const bad = !finite
        ? vars.find((v) => rt().kernels.f32_first_non_finite(v.tensor.size, v.tensor.ptr) >= 0) : undefined;
      return { loss, totals, firstNonFinite: bad === undefined ? undefined : `weight '${bad.name}' ${shapeText(bad.tensor.shape)}` };
    });
  }

  /**
   * Forward pass and loss for a batch. When the model ends in softmax and the loss is a
   * cross-entropy, the softmax is left out and the loss takes logits: one fused kernel,
   * exact for confident predictions. Records the loss on the tape with its gradient.
   */
  private lossAndOutput(xb: Tensor, yb: Labels, training: boolean, draws?: Draws):
    { loss: number; lossTensor: Tensor; output: Tensor; grad: Tensor; logits: boolean } {
    const c = this.compiledOrThrow('training');
    const fused = this.endsInSoftmax() && (c.loss === 'sparseCategoricalCrossentropy' || c.loss === 'categoricalCrossentropy');
    const output = this.forward(xb, { training, logits: fused, rng: draws?.rng, epoch: draws?.epoch });
    const r = computeLoss(c.loss, yb, output, fused);
    const lossTensor = empty([]);
    rt().heap.f32(lossTensor.ptr, 1)[0] = r.loss;
    rt().engine.record({
      name: `loss:${c.loss}`, inputs: [output], output: lossTensor,
      backward: (dy) => {
        const s = dy.dataSync()[0];
        if (s === 1) return [r.grad];
        const g = empty(r.grad.shape);
        rt().kernels.f32_affine(g.size, r.grad.ptr, g.ptr, s, 0);
        return [g];
      },
    });
    return { loss: r.loss, lossTensor, output, grad: r.grad, logits: fused };
  }

  private forward(x: Tensor, options: { training: boolean; logits?: boolean; rng?: Rng; epoch?: number }): Tensor {
    let h = x;
    const lastIndex = this.layers.length - 1;
    this.layers.forEach((l, i) => {
      h = l.apply(h, { training: options.training, logits: i === lastIndex ? options.logits : false, rng: options.rng, epoch: options.epoch });
    });
    return h;
  }

  private endsInSoftmax(): boolean {
    const l = this.layers.at(-1);
    return (l instanceof Dense || l instanceof Activation) && l.activation?.name === 'softmax';
  }

  /** A Keras-style table of layers, output shapes and parameter counts: returned, and printed with console.log unless `print` is false. */
  summary(print = true): string {
    // Names are the user's or a model file's: control characters shown as escapes, columns
    // padded by terminal cells (a full-width or combining character is not one cell).
    const rows = this.layers.map((l) => [terminalText(`${l.name} (${l.className})`), `[null, ${l.outputShape.join(', ')}]`, String(l.countParams())]);
    // A name longer than its column widens it, so the columns after it stay aligned.
    const widths = [Math.max(30, ...rows.map((r) => displayWidth(r[0]) + 1)), 24, 12];
    const rule = widths[0] + 38;
    const line = (cells: string[]): string => cells.map((c, i) => padCells(c, widths[i])).join(' ');
    const trainable = this.trainableWeights.reduce((s, w) => s + w.tensor.size, 0);
    const text = [
      `Model: "${terminalText(this.name)}"`, '_'.repeat(rule), line(['Layer (type)', 'Output shape', 'Param #']), '='.repeat(rule),
      ...rows.map(line), '='.repeat(rule),
      `Total params: ${this.countParams()}`, `Trainable params: ${trainable}`, `Non-trainable params: ${this.countParams() - trainable}`,
    ].join('\n');
    if (print) console.log(text);
    return text;
  }

  /** Saves model.json + weights.bin (tfjs LayersModel format, with the compiled loss, metrics and optimizer settings) into a directory; needs 'actlab/node'. */
  save(dir: string): Promise<void> { this.checkLive(); return saveArtifacts(this, dir); }

  /** Model, optimizer state and fit's position, for resuming (see restoreCheckpoint). */
  checkpoint(): Checkpoint { return checkpointOf(this); }

  /** Copies of every weight, layer by layer (kernel before bias), as tfjs's model.getWeights(); the caller owns them. */
  getWeights(): Tensor[] {
    this.checkLive();
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Overwrites every weight, in getWeights() order; the count and each shape must match (checked before anything is written). */
  setWeights(values: readonly Tensor[]): void {
    this.checkLive();
    const total = this.weights.length;
    if (!Array.isArray(values) || values.length !== total) {
      throw new Error(`actlab: setWeights: model '${this.name}' has ${total} weights (${this.weights.map((w) => w.name).join(', ')}) but got ${Array.isArray(values) ? values.length : describeValue(values)}`);
    }
    let at = 0;
    const parts = this.layers.map((l) => {
      const part = values.slice(at, at + l.weights.length);
      at += l.weights.length;
      part.forEach((v, i) => {
        const w = l.weights[i];
        if (!(v instanceof Tensor)) throw new Error(`actlab: setWeights: the value for '${w.name}' must be a Tensor, got ${describeValue(v)}`);
        if (v.isDisposed) throw new Error(`actlab: setWeights: the value for '${w.name}' (${shapeText(v.shape)}) was disposed`);
        if (!sameShape(v.shape, w.tensor.shape)) {
          throw new Error(`actlab: setWeights: '${w.name}' has shape ${shapeText(w.tensor.shape)} but the value has ${shapeText(v.shape)}${layoutHint(w.tensor.shape, v.shape)}`);
        }
      });
      return part;
    });
    this.layers.forEach((l, i) => { if (parts[i].length > 0) l.setWeights(parts[i]); });
  }

  /**
   * The epoch a running fit is in the middle of and the batches it has trained of it; undefined
   * between epochs and outside fit (checkpoints refuse the middle of an epoch).
   * @internal
   */
  get epochInProgress(): { readonly epoch: number; readonly batches: number } | undefined { return this.midEpoch; }

  /**
   * The last epoch fit ran, when stopTraining ended it before its last batch (the batches it
   * trained and the epoch's count); undefined once an epoch runs to its end. Checkpoints refuse
   * such a model, and modelCheckpoint writes none for that epoch: resumed, it would skip the
   * batches the epoch did not train.
   */
  get epochCutShort(): { readonly epoch: number; readonly batches: number; readonly of: number } | undefined { return this.cutShort; }

  /** Copies of every weight's values, in `weights` order (restoreWeights puts them back). */
  snapshotWeights(): Float32Array[] { this.checkLive(); return this.weights.map((w) => w.tensor.dataSync()); }
  /** Writes values from snapshotWeights() back into the weights; every array is checked before any is written. */
  restoreWeights(values: readonly Float32Array[]): void {
    this.checkLive();
    const ws = this.weights;
    if (values.length !== ws.length) throw new Error(`actlab: restoreWeights: ${values.length} arrays for ${ws.length} weights`);
    ws.forEach((w, i) => {
      const v: unknown = values[i];
      if (!(v instanceof Float32Array)) {
        throw new Error(`actlab: restoreWeights: array ${i} must be a Float32Array (as snapshotWeights gives), got ${describeValue(v)}; nothing was restored`);
      }
      if (v.length !== w.tensor.size) {
        throw new Error(`actlab: restoreWeights: array ${i} has ${v.length} values but weight '${w.name}' ${shapeText(w.tensor.shape)} has ${w.tensor.size}; nothing was restored`);
      }
    });
    ws.forEach((w, i) => rt().heap.f32(w.tensor.ptr, w.tensor.size).set(values[i]));
  }

  /** Frees every layer's weights and the optimizer's state. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.layers) l.dispose();
    this.compiled?.optimizer.dispose();
  }

  /** True after dispose(). */
  get isDisposed(): boolean { return this.disposed; }

  private first(): Layer {
    const l = this.layers[0];
    if (l === undefined) throw new Error(`actlab: model '${this.name}' has no layers`);
    return l;
  }
  private last(): Layer { this.first(); return this.layers[this.layers.length - 1]; }

  private compiledOrThrow(what: string): Compiled {
    this.checkLive();
    if (this.compiled === undefined) throw new Error(`actlab: ${what}: model '${this.name}' is not compiled; call compile({optimizer, loss}) first`);
    return this.compiled;
  }

  private checkLive(): void {
    if (this.disposed) throw new Error(`actlab: model '${this.name}' was disposed and cannot be used`);
  }

  private checkInput(where: string, x: Tensor): void {
    this.checkLive();
    if (!(x instanceof Tensor)) throw new Error(`actlab: ${where}: x must be a Tensor (tensor(values, shape)), got ${describeValue(x)}`);
    const want = this.inputShape;
    const got = x.shape.slice(1);
    if (x.rank !== want.length + 1 || got.some((d, i) => d !== want[i])) {
      throw new Error(`actlab: ${where}: model '${this.name}' expects input [batch, ${want.join(', ')}] but x has shape ${shapeText(x.shape)}`);
    }
  }
}

function namedOptimizer(name: string): Optimizer {
  switch (name) {
    case 'adam': return adam();
    case 'sgd': return sgd({ learningRate: 0.01 });
    case 'rmsprop': return rmsprop();
    case 'adamw': return adamw();
    default: throw new Error(`actlab: compile: unknown optimizer '${name}'; valid: adam, sgd, rmsprop, adamw (or an optimizer object)`);
  }
}

function computeLoss(loss: LossName, yGiven: Labels, output: Tensor, fromLogits: boolean): LossResult {
  // [batch] targets of a one-unit output (checkLabels lets them through) as [batch, 1]; a copy the caller's tidy frees.
  const y = loss !== 'sparseCategoricalCrossentropy' && yGiven instanceof Tensor && yGiven.rank === 1 && output.rank === 2
    ? yGiven.reshape(output.shape) : yGiven;
  switch (loss) {
    case 'sparseCategoricalCrossentropy': return sparseCategoricalCrossentropy(y, output, { fromLogits });
    case 'categoricalCrossentropy':
      if (!(y instanceof Tensor)) throw new Error('actlab: categoricalCrossentropy needs one-hot label tensors [batch, classes], got class ids');
      return categoricalCrossentropy(y, output, { fromLogits });
    case 'binaryCrossentropy':
      if (!(y instanceof Tensor)) throw new Error('actlab: binaryCrossentropy needs a label tensor shaped like the output');
      return binaryCrossentropy(y, output);
    case 'meanSquaredError':
      if (!(y instanceof Tensor)) throw new Error('actlab: meanSquaredError needs a target tensor shaped like the output');
      return meanSquaredError(y, output);
  }
}

/**
 * For labels of one row per sample and an output with positions ([batch, steps, classes], a
 * conv net's [batch, h, w, classes]): a dense layer on such an input applies per position, so
 * a missing flatten (dense straight on an image, or after a conv) shows up only here.
 */
function positionsHint(outputShape: Shape): string {
  if (outputShape.length < 2) return '';
  return ` (the model's output [null, ${outputShape.join(', ')}] has ${outputShape.slice(0, -1).join(' x ')} positions per sample: ` +
    'a dense layer on an input of rank > 2 applies to each position of its last axis, as in Keras; for one prediction per sample, ' +
    'put layers.flatten() before the first dense layer)';
}

/**
 * Checks y against x and the loss before any step, so an error names the index in the
 * caller's y and no batch has trained yet: one label row per sample; class ids that are
 * integers in [0, classes) for sparse categorical cross-entropy; finite targets shaped like
 * the model's output for the other losses, in [0, 1] for binary cross-entropy.
 */
function checkLabels(where: string, x: Tensor, y: Labels, loss: LossName, outputShape: Shape): void {
  const n = x.shape[0];
  if (y instanceof Tensor) {
    if (y.isDisposed) throw new Error(`actlab: ${where}: y was disposed`);
    if (y.rank === 0) throw new Error(`actlab: ${where}: y is a scalar; labels need one entry per sample, shape [${n}] (class ids) or [${n}, ${outputShape.join(', ')}]`);
  } else if (!Array.isArray(y) && !(ArrayBuffer.isView(y) && 'length' in y && typeof y[0] !== 'bigint')) {
    throw new Error(`actlab: ${where}: y must be a Tensor or class ids (a typed array such as Int32Array, or number[]), got ${describeValue(y)}`);
  }
  const rows = y instanceof Tensor ? y.shape[0] : y.length;
  if (rows !== n) throw new Error(`actlab: ${where}: x has ${n} samples but y has ${rows}`);
  const classes = outputShape[outputShape.length - 1];
  if (loss === 'sparseCategoricalCrossentropy') {
    const perSample = outputShape.reduce((a, b) => a * b, 1) / classes;
    const ids = y instanceof Tensor ? y.dataSync() : y;
    if (ids.length !== n * perSample) {
      throw new Error(`actlab: ${where}: sparseCategoricalCrossentropy takes ${perSample} class id(s) per sample, but y ${y instanceof Tensor ? shapeText(y.shape) : `(${ids.length} ids)`} has ${ids.length / Math.max(n, 1)}` +
        (ids.length === n ? positionsHint(outputShape) : ''));
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= classes) {
        throw new Error(`actlab: ${where}: label ${showValue(id)} at index ${i} of y is not an integer class in [0, ${classes})`);
      }
    }
    return;
  }
  const want = [n, ...outputShape];
  if (!(y instanceof Tensor)) throw new Error(`actlab: ${where}: ${loss} needs a target tensor of shape ${shapeText(want)}, got class ids`);
  // A one-unit output also takes [n] targets, read as [n, 1] (tf.js and Keras expand them).
  const flatForOneUnit = y.rank === 1 && sameShape(outputShape, [1]);
  if (!flatForOneUnit && (y.rank !== want.length || y.shape.some((d, i) => d !== want[i]))) {
    throw new Error(`actlab: ${where}: ${loss} needs targets shaped like the output, ${shapeText(want)}, but y has shape ${shapeText(y.shape)}` +
      (y.size === n || y.size === n * classes ? positionsHint(outputShape) : ''));
  }
  const bad = rt().kernels.f32_first_non_finite(y.size, y.ptr);
  if (bad >= 0) throw new Error(`actlab: ${where}: y holds ${y.dataSync()[bad]} at flat index ${bad}; targets must be finite`);
  if (loss === 'binaryCrossentropy') {
    // Outside [0, 1] the loss has no minimum (labels 1/2 or -1/1 train towards a negative loss).
    const t = rt().heap.f32(y.ptr, y.size);
    const i = t.findIndex((v) => !(v >= 0 && v <= 1));
    if (i >= 0) throw new Error(`actlab: ${where}: y holds ${t[i]} at flat index ${i}; binaryCrossentropy takes targets in [0, 1] (0/1 labels or probabilities)`);
  }
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Rows [start, start + count) of a tensor, as a new tensor. */
function sliceRows(x: Tensor, start: number, count: number): Tensor {
  const per = x.size / Math.max(x.shape[0], 1);
  const out = empty([count, ...x.shape.slice(1)]);
  rt().kernels.f32_copy(count * per, x.ptr + start * per * 4, out.ptr);
  return out;
}

function sliceLabels(y: Labels, start: number, count: number): Labels {
  return y instanceof Tensor ? sliceRows(y, start, count) : y.slice(start, start + count);
}

/** The rows idx of x, gathered by a Wasm copy. */
function gatherRows(x: Tensor, idx: Int32Array): Tensor {
  const per = x.size / Math.max(x.shape[0], 1);
  const out = empty([idx.length, ...x.shape.slice(1)]);
  const { heap, kernels } = rt();
  const p = heap.alloc(idx.length * 4);
  try {
    heap.i32(p, idx.length).set(idx);
    kernels.f32_gather_rows(idx.length, per, x.ptr, p, out.ptr);
  } finally {
    heap.free(p);
  }
  return out;
}

function gatherLabels(y: Labels, idx: Int32Array): Labels {
  if (y instanceof Tensor) return gatherRows(y, idx);
  const out = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = y[idx[i]];
  return out;
}

/** A Sequential model (tfjs-layers' sequential()): `sequential({ seed: 42, layers: [...] })`. */
export function sequential(args: SequentialArgs = {}): Sequential { return new Sequential(args); }
