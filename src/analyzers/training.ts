// The analyzers that train classifiers per activation (slides 6, 8, 11, 13), and what every
// training analyzer shares: the seed's models built from registry rows, datasets as
// tensors, progress per batch and histories as plain arrays. Node-free: datasets arrive as
// Dataset objects (the CLI loads the files).
import { tensor, type Tensor } from '../core/tensor.js';
import { Sequential } from '../nn/sequential.js';
import { layers, Dense, Conv2D, Activation, PReLU, CustomActivation, type ActivationSpec } from '../nn/layers.js';
import type { Layer } from '../nn/layer.js';
import { adam } from '../nn/optimizers.js';
import { ReduceLROnPlateau, type Callback } from '../nn/callbacks.js';
import { constant } from '../nn/initializers.js';
import { activation as activationOp } from '../ops/activation.js';
import { sliceDataset, type Dataset } from '../data/dataset.js';
import { checkAnalyzerOptions, resolveRequests, type ResolvedRequest } from './common.js';
import { describeValue } from '../core/checks.js';
import type {
  BenchmarkOptions, BenchmarkResult, BenchmarkRun, CompareCnnOptions, CompareCnnResult, CompareTrainingOptions,
  CompareTrainingResult, DataSplits, LearnedParams, ProgressCallback, TrainingHistory, TrainingRun,
} from './types.js';

// ---- option checks ---------------------------------------------------------------------------

/** An integer option >= min; throws naming the analyzer, the option and the value. */
export function intOption(fn: string, name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`actlab: ${fn}: ${name} = ${v} is invalid: expected an integer >= ${min}`);
  return v;
}

export function hiddenWidths(fn: string, hidden: readonly number[]): number[] {
  if (hidden.length === 0) throw new Error(`actlab: ${fn}: hidden is empty: expected at least one layer width`);
  return hidden.map((w, i) => intOption(fn, `hidden[${i}]`, w));
}

/** The seed every analyzer needs, so that its runs can be repeated: a non-negative safe integer. */
export function checkSeed(fn: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`actlab: ${fn}: seed must be a non-negative integer (it makes the runs repeatable), got ${describeValue(seed)}`);
  }
  return seed;
}

/** Train and test splits that fit one model: samples in both, the same sample shape and classes. */
export function checkSplits(fn: string, data: DataSplits): void {
  const isSet = (d: unknown): boolean => typeof d === 'object' && d !== null && 'x' in d && 'y' in d && 'shape' in d;
  if (typeof data !== 'object' || data === null || !isSet(data.train) || !isSet(data.test)) {
    throw new Error(`actlab: ${fn}: data must be { train, test } Datasets (e.g. await datasets.mnist()), got ${describeValue(data)}`);
  }
  const { train, test } = data;
  if (train.length === 0 || test.length === 0) {
    throw new Error(`actlab: ${fn}: the data has ${train.length} training and ${test.length} test samples: expected at least one of each`);
  }
  if (train.shape.join(',') !== test.shape.join(',') || train.numClasses !== test.numClasses) {
    throw new Error(`actlab: ${fn}: train samples are [${train.shape.join(', ')}] with ${train.numClasses} classes but test samples are ` +
      `[${test.shape.join(', ')}] with ${test.numClasses}: expected the same shape and classes`);
  }
}

// ---- data and progress -------------------------------------------------------------------------

/** A dataset as one [n, ...shape] tensor (the caller disposes it) and its labels. */
export interface TensorSplit {
  readonly x: Tensor;
  readonly y: Int32Array;
}

export function toTensors(ds: Dataset, shape: readonly number[] = ds.shape): TensorSplit {
  return { x: tensor(ds.x, [ds.length, ...shape]), y: ds.y };
}

/** Runs body with both splits as tensors and frees them afterwards, whatever happens. */
export async function withSplits<T>(data: DataSplits, shape: readonly number[], body: (train: TensorSplit, test: TensorSplit) => Promise<T>): Promise<T> {
  const train = toTensors(data.train, shape);
  try {
    const test = toTensors(data.test, shape);
    try {
      return await body(train, test);
    } finally {
      test.x.dispose();
    }
  } finally {
    train.x.dispose();
  }
}

/** Counts finished steps (batches) against a known total and reports each to onProgress. */
export class Progress {
  private done = 0;
  constructor(readonly total: number, private readonly report: ProgressCallback | undefined) {}

  step(label: string, steps = 1): void {
    this.done = Math.min(this.total, this.done + steps);
    this.report?.({ done: this.done, total: this.total, label });
  }

  /** A fit callback that steps once per batch, labelled '<prefix>: epoch e/E'. */
  batches(prefix: string, epochs: number): Callback {
    let epoch = 0;
    return {
      onEpochBegin: (e) => { epoch = e; },
      onBatchEnd: () => this.step(`${prefix}: epoch ${epoch + 1}/${epochs}`),
    };
  }
}

export const batchesPerEpoch = (samples: number, batchSize: number): number => Math.ceil(samples / batchSize);

// ---- models ------------------------------------------------------------------------------------

/**
 * How a hidden layer gets its activation: fused into the Dense/Conv2D kernel (parameters
 * fixed), or as a layer of its own after a linear one, which owns the parameters as weights.
 * A per-channel parameter (prelu's alpha) always needs that layer; it is frozen unless the
 * activation is learnable.
 */
interface ActivationPlacement {
  readonly fused?: ActivationSpec;
  readonly after?: () => Layer;
}

function placement(r: ResolvedRequest, learnable: boolean): ActivationPlacement {
  const row = r.row;
  const perChannel = row.params.filter((p) => p.perChannel);
  const trainable = row.params.filter((p) => p.learnable && !p.perChannel);
  if (perChannel.length === 0 && (!learnable || trainable.length === 0)) return { fused: { name: row.name, params: r.given } };
  if (perChannel.length > 0) {
    if (perChannel.length > 1 || row.name !== 'prelu') {
      throw new Error(`actlab: activation '${row.name}' has per-channel parameters that no layer provides: expected prelu's alpha`);
    }
    return { after: () => layers.prelu({ alphaInitializer: constant({ value: r.params.alpha }), trainable: learnable }) };
  }
  // Learnable scalars become the custom layer's weights; the op differentiates them on the tape.
  const fixed: Record<string, number> = {};
  const initial: Record<string, number> = {};
  for (const p of row.params) (p.learnable ? initial : fixed)[p.name] = r.params[p.name];
  const className = `Learnable${row.name[0].toUpperCase()}${row.name.slice(1)}`;
  return {
    after: () => layers.customActivation({ className, params: initial, fn: (x, w) => activationOp(x, row.name, { ...fixed, ...w }) }),
  };
}

/** [layer, optional activation layer] for one hidden layer. */
function hiddenLayers(make: (activation: ActivationSpec | undefined) => Layer, where: ActivationPlacement): Layer[] {
  const after = where.after?.();
  return after === undefined ? [make(where.fused)] : [make(undefined), after];
}

/** One hidden Dense layer of `units` with the activation (and its activation layer, if it needs one). */
export function denseBlock(units: number, r: ResolvedRequest, learnable = false, inputShape?: readonly number[]): Layer[] {
  return hiddenLayers((activation) => layers.dense({ units, activation, ...(inputShape ? { inputShape } : {}) }), placement(r, learnable));
}

/** Flatten (unless the input is flat) -> Dense(hidden[i], activation)... -> Dense(classes, softmax). */
export function mlpModel(inputShape: readonly number[], hidden: readonly number[], r: ResolvedRequest, numClasses: number,
  seed: number, learnable = false): Sequential {
  const stack: Layer[] = inputShape.length === 1 ? [] : [layers.flatten({ inputShape })];
  for (const units of hidden) stack.push(...denseBlock(units, r, learnable, stack.length === 0 ? inputShape : undefined));
  stack.push(layers.dense({ units: numClasses, activation: 'softmax' }));
  return new Sequential({ seed, layers: stack });
}

/** Slide 13's CNN: Conv(32, 3x3) -> MaxPool -> Conv(64, 3x3) -> MaxPool -> Conv(64, 3x3) -> Flatten -> Dense(64) -> Dense(classes, softmax). */
export function cnnModel(inputShape: readonly number[], r: ResolvedRequest, numClasses: number, seed: number, learnable = false): Sequential {
  const where = placement(r, learnable);
  const conv = (filters: number, first = false): Layer[] =>
    hiddenLayers((activation) => layers.conv2d({ filters, kernelSize: 3, activation, ...(first ? { inputShape } : {}) }), where);
  const stack: Layer[] = [
    ...conv(32, true), layers.maxPooling2d({ poolSize: 2 }),
    ...conv(64), layers.maxPooling2d({ poolSize: 2 }),
    ...conv(64), layers.flatten(),
    ...hiddenLayers((activation) => layers.dense({ units: 64, activation }), where),
    layers.dense({ units: numClasses, activation: 'softmax' }),
  ];
  return new Sequential({ seed, layers: stack });
}

/** Conv input [h, w, c]: MNIST's [28, 28] gains its channel axis. */
export function imageShape(fn: string, shape: readonly number[]): number[] {
  if (shape.length === 2) return [shape[0], shape[1], 1];
  if (shape.length === 3) return [...shape];
  throw new Error(`actlab: ${fn}: samples of shape [${shape.join(', ')}] are not images: expected [height, width] or [height, width, channels]`);
}

const isActivationLayer = (l: Layer): boolean => l instanceof Activation || l instanceof PReLU || l instanceof CustomActivation;

/**
 * The layer the slide 7 and 12 analyzers watch when none is named. The slides' code watches
 * Keras's 'dense_1', the second Dense layer of the slide 6 MLP (its 64-unit hidden layer), so
 * that is the default where a model has two hidden Dense layers or more (every Dense layer
 * but the last, the classifier, is hidden); with one, that one; with none, the only Dense
 * layer. A model with conv layers is watched at its first conv layer, whose output is the
 * stack of feature maps slide 7 draws. The activation layer right after it, if any, is what
 * is watched.
 */
export function defaultWatchedLayer(model: Sequential): string {
  const all = model.layers;
  let i = all.findIndex((l) => l instanceof Conv2D);
  if (i < 0) {
    const dense = all.flatMap((l, k) => (l instanceof Dense ? [k] : []));
    i = dense.length >= 3 ? dense[1] : dense.length > 0 ? dense[0] : -1;
  }
  if (i < 0) throw new Error(`actlab: model '${model.name}' has no dense or conv2d layer to watch; its layers: ${all.map((l) => l.name).join(', ')}`);
  const next = all[i + 1];
  return next !== undefined && isActivationLayer(next) ? next.name : all[i].name;
}

/** Trainable activation-layer parameters, per layer. */
function learnedParams(model: Sequential): LearnedParams[] {
  return model.layers.filter((l) => isActivationLayer(l) && l.trainableWeights.length > 0).map((l) => {
    const params: Record<string, number[]> = {};
    for (const w of l.trainableWeights) params[w.name.slice(w.name.lastIndexOf('/') + 1)] = Array.from(w.tensor.dataSync());
    return { layer: l.name, params };
  });
}

function plainHistory(h: { loss: number[]; acc: number[]; val_loss: number[]; val_acc: number[] }, lr?: number[]): TrainingHistory {
  return { loss: [...h.loss], acc: [...h.acc], val_loss: [...h.val_loss], val_acc: [...h.val_acc], ...(lr ? { lr } : {}) };
}

interface FitSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly callbacks?: readonly Callback[];
}

/**
 * Compiles with Adam and sparse categorical cross-entropy, fits with the test split as
 * validation data, and times fit(). The test metrics are the last epoch's val_loss and
 * val_acc: evaluate() on the same split with the same weights would give the same bits.
 */
async function fitRun(model: Sequential, r: ResolvedRequest, train: TensorSplit, test: TensorSplit,
  s: FitSettings, progress: Progress, lr?: number[]): Promise<TrainingRun> {
  model.compile({ optimizer: adam({ learningRate: s.learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  const history = await model.fit(train.x, train.y, {
    epochs: s.epochs, batchSize: s.batchSize, seed: s.seed, validationData: [test.x, test.y],
    callbacks: [progress.batches(r.label, s.epochs), ...(s.callbacks ?? [])],
  });
  const trainingTimeMs = performance.now() - start;
  const learned = learnedParams(model);
  return {
    activation: r.label, name: r.row.name, params: r.params, history: plainHistory(history, lr),
    testAccuracy: history.val_acc[history.val_acc.length - 1], testLoss: history.val_loss[history.val_loss.length - 1],
    trainingTimeMs, ...(learned.length > 0 ? { learnedParams: learned } : {}),
  };
}

export function learnableNames(fn: string, names: readonly string[], requests: readonly ResolvedRequest[]): Set<string> {
  if (!Array.isArray(names)) throw new Error(`actlab: ${fn}: learnable must be an array of activation names, e.g. ['scaledSwish'], got ${JSON.stringify(names)}`);
  for (const n of names) {
    const r = requests.find((q) => q.row.name === n);
    if (r === undefined) throw new Error(`actlab: ${fn}: learnable '${n}' is not among the activations (${requests.map((q) => q.row.name).join(', ')})`);
    if (!r.row.params.some((p) => p.learnable)) {
      const which = requests.filter((q) => q.row.params.some((p) => p.learnable)).map((q) => q.row.name);
      throw new Error(`actlab: ${fn}: activation '${n}' has no learnable parameters: expected one of ${which.join(', ') || '(none among the activations)'}`);
    }
  }
  return new Set(names);
}

// ---- slide 6 (and 8) -------------------------------------------------------------------------

/**
 * Slide 6: the same seeded MLP (Flatten -> Dense 128 -> Dense 64 -> Dense 10 softmax by
 * default) trained once per activation with Adam; per-epoch history on train and test,
 * test accuracy and loss, and fit()'s wall time. With `learnable`, those activations'
 * parameters train too (slide 8) and their final values are returned.
 * Example: `compareTraining({ data: await datasets.mnist(), epochs: 5, seed: 42 })`.
 */
export async function compareTraining(options: CompareTrainingOptions): Promise<CompareTrainingResult> {
  const fn = 'compareTraining';
  checkAnalyzerOptions(fn, options, ['activations', 'data', 'hidden', 'epochs', 'batchSize', 'learningRate', 'learnable', 'seed', 'onProgress']);
  const requests = resolveRequests(fn, options.activations ?? ['relu', 'tanh', 'sigmoid']);
  const hidden = hiddenWidths(fn, options.hidden ?? [128, 64]);
  const epochs = intOption(fn, 'epochs', options.epochs ?? 5);
  const batchSize = intOption(fn, 'batchSize', options.batchSize ?? 32);
  const learningRate = options.learningRate ?? 0.001;
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new Error(`actlab: ${fn}: learningRate = ${learningRate} is invalid: expected a finite number > 0`);
  const learnable = learnableNames(fn, options.learnable ?? [], requests);
  const { data } = options;
  checkSplits(fn, data);
  const seed = checkSeed(fn, options.seed);
  const progress = new Progress(requests.length * epochs * batchesPerEpoch(data.train.length, batchSize), options.onProgress);
  const runs = await withSplits(data, data.train.shape, async (train, test) => {
    const out: TrainingRun[] = [];
    for (const r of requests) {
      const model = mlpModel(data.train.shape, hidden, r, data.train.numClasses, seed, learnable.has(r.row.name));
      try {
        out.push(await fitRun(model, r, train, test, { epochs, batchSize, learningRate, seed }, progress));
      } finally {
        model.dispose();
      }
    }
    return out;
  });
  return {
    settings: { hidden, epochs, batchSize, learningRate, seed, trainSamples: data.train.length, testSamples: data.test.length, learnable: [...learnable] },
    runs,
  };
}

// ---- slide 11 --------------------------------------------------------------------------------

/**
 * Slide 11: per activation, an MLP (Dense 256 -> 128 -> 64 -> 10 softmax by default) trained
 * with Adam: fit() wall time, predict() time per test sample, the last epoch's validation
 * accuracy and the convergence rate, the mean epoch-to-epoch gain in training accuracy
 * (NaN after a single epoch, as numpy's mean of no differences).
 *
 * Before each activation's timed run, a model of its own is fitted for one epoch on the first
 * `warmupSamples` training samples and predicts up to as many test samples, then is discarded: the
 * JavaScript and Wasm code gets compiled, the kernels tiered up and Wasm memory grown before
 * the clock starts, so the first activation in the list is not timed cold (it read 30-60%
 * slower than the same activation timed later). The timed models and their results are
 * the same with or without it.
 */
export async function benchmarkActivations(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const fn = 'benchmarkActivations';
  checkAnalyzerOptions(fn, options, ['activations', 'data', 'hidden', 'epochs', 'batchSize', 'warmupSamples', 'seed', 'onProgress']);
  const requests = resolveRequests(fn, options.activations ?? ['relu', 'elu', 'selu', 'tanh']);
  const hidden = hiddenWidths(fn, options.hidden ?? [256, 128, 64]);
  const epochs = intOption(fn, 'epochs', options.epochs ?? 10);
  const batchSize = intOption(fn, 'batchSize', options.batchSize ?? 32);
  const { data } = options;
  checkSplits(fn, data);
  const seed = checkSeed(fn, options.seed);
  const warmupSamples = Math.min(intOption(fn, 'warmupSamples', options.warmupSamples ?? 2048, 0), data.train.length);
  const perRun = epochs * batchesPerEpoch(data.train.length, batchSize);
  const progress = new Progress(requests.length * (perRun + 1 + (warmupSamples > 0 ? 1 : 0)), options.onProgress);
  const runs = await withSplits(data, data.train.shape, async (train, test) => {
    const out: BenchmarkRun[] = [];
    for (const r of requests) {
      if (warmupSamples > 0) {
        await warmUp(mlpModel(data.train.shape, hidden, r, data.train.numClasses, seed), data, warmupSamples, batchSize, seed);
        progress.step(`${r.label}: warm-up`);
      }
      const model = mlpModel(data.train.shape, hidden, r, data.train.numClasses, seed);
      try {
        const run = await fitRun(model, r, train, test, { epochs, batchSize, learningRate: 0.001, seed }, progress);
        // The median of three predict() passes: one pass over a small test split lasts a few
        // milliseconds, where a moment of another job's load would decide the figure.
        const passes = [0, 1, 2].map(() => {
          const start = performance.now();
          model.predict(test.x, { batchSize }).dispose();
          return performance.now() - start;
        }).sort((a, b) => a - b);
        const inferenceMsPerSample = passes[1] / data.test.length;
        progress.step(`${r.label}: inference`);
        const acc = run.history.acc;
        out.push({
          activation: r.label, name: r.row.name, trainingTimeMs: run.trainingTimeMs, inferenceMsPerSample,
          finalValAccuracy: run.testAccuracy, convergenceRate: (acc[acc.length - 1] - acc[0]) / (acc.length - 1), history: run.history,
        });
      } finally {
        model.dispose();
      }
    }
    return out;
  });
  return { settings: { hidden, epochs, batchSize, seed, trainSamples: data.train.length, testSamples: data.test.length, warmupSamples }, runs };
}

/** One untimed epoch on the first `samples` training samples and a predict of as many test samples; disposes the model. */
async function warmUp(model: Sequential, data: DataSplits, samples: number, batchSize: number, seed: number): Promise<void> {
  try {
    model.compile({ optimizer: adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await withSplits({ train: sliceDataset(data.train, 0, samples), test: sliceDataset(data.test, 0, Math.min(samples, data.test.length)) },
      data.train.shape, async (train, test) => {
        await model.fit(train.x, train.y, { epochs: 1, batchSize, seed });
        model.predict(test.x, { batchSize }).dispose();
      });
  } finally {
    model.dispose();
  }
}

// ---- slide 13 --------------------------------------------------------------------------------

/** Records the learning rate each epoch trains with (ReduceLROnPlateau changes it between epochs). */
class LearningRateLog implements Callback {
  readonly rates: number[] = [];
  constructor(private readonly model: Sequential) {}
  onEpochBegin(): void { this.rates.push(this.model.learningRate); }
}

/**
 * Slide 13: the slide's CNN per activation (relu, elu, selu, swish by default), Adam, with
 * ReduceLROnPlateau on val_loss (factor 0.2, patience 3, minDelta 1e-4); histories with the learning rate
 * per epoch, test accuracy and loss. MNIST's [28, 28] samples get a channel axis; CIFAR-10's
 * [32, 32, 3] are used as they are.
 */
export async function compareCnn(options: CompareCnnOptions): Promise<CompareCnnResult> {
  const fn = 'compareCnn';
  checkAnalyzerOptions(fn, options, ['activations', 'data', 'epochs', 'batchSize', 'reduceLrOnPlateau', 'seed', 'onProgress']);
  const requests = resolveRequests(fn, options.activations ?? ['relu', 'elu', 'selu', 'swish']);
  const epochs = intOption(fn, 'epochs', options.epochs ?? 10);
  const batchSize = intOption(fn, 'batchSize', options.batchSize ?? 32);
  const given = options.reduceLrOnPlateau ?? { factor: 0.2, patience: 3 };
  // Only these three reach the callback: its other options (cooldown, minLr, monitor) would be ignored.
  checkAnalyzerOptions(`${fn}: reduceLrOnPlateau`, given, ['factor', 'patience', 'minDelta']);
  const plateau = { factor: given.factor, patience: given.patience, minDelta: given.minDelta ?? 1e-4 };
  const { data } = options;
  checkSplits(fn, data);
  const seed = checkSeed(fn, options.seed);
  const inputShape = imageShape(fn, data.train.shape);
  const progress = new Progress(requests.length * epochs * batchesPerEpoch(data.train.length, batchSize), options.onProgress);
  const runs = await withSplits(data, inputShape, async (train, test) => {
    const out: TrainingRun[] = [];
    for (const r of requests) {
      const model = cnnModel(inputShape, r, data.train.numClasses, seed);
      try {
        const lrLog = new LearningRateLog(model);
        const reduce = new ReduceLROnPlateau({ monitor: 'val_loss', factor: plateau.factor, patience: plateau.patience, minDelta: plateau.minDelta });
        out.push(await fitRun(model, r, train, test,
          { epochs, batchSize, learningRate: 0.001, seed, callbacks: [lrLog, reduce] }, progress, lrLog.rates));
      } finally {
        model.dispose();
      }
    }
    return out;
  });
  return {
    settings: {
      epochs, batchSize, factor: plateau.factor, patience: plateau.patience, minDelta: plateau.minDelta, seed, inputShape,
      trainSamples: data.train.length, testSamples: data.test.length,
    },
    runs,
  };
}
