// Slide 7: what one layer computes for one input. The seed indexes every output as if it
// were a conv feature map; here each layer type gets the picture that suits it: a dense
// (or flattened) layer's units laid out row-major on a near-square grid, a conv or pooling
// layer's output one map per filter.
import { Tensor, tensor, sizeOf } from '../core/tensor.js';
import { Sequential } from '../nn/sequential.js';
import type { Layer } from '../nn/layer.js';
import { Dense, Conv2D, Activation, PReLU, CustomActivation } from '../nn/layers.js';
import { adam } from '../nn/optimizers.js';
import { countZeros } from '../ops/reduce.js';
import { sampleSize } from '../data/dataset.js';
import { checkAnalyzerOptions, resolveRequests } from './common.js';
import {
  Progress, batchesPerEpoch, checkSeed, checkSplits, cnnModel, defaultWatchedLayer, imageShape, intOption, mlpModel, toTensors,
} from './training.js';
import type { ActivationPatternsOptions, ActivationPatternsResult, ConvPattern, DensePattern } from './types.js';

/** What to say about the input when probing a model directly. */
export interface LayerPatternOptions {
  /** Index of the input in its dataset, if it came from one. */
  readonly sample?: number;
  /** The input's class label, if known. */
  readonly label?: number;
  /** Label of the model's activation; default: read from the layer (its fused activation or class). */
  readonly activation?: string;
  /** Conv layers: show at most this many filters; default 16. */
  readonly maxFilters?: number;
}

/** The smallest c with c * c >= n (an integer loop: layout must not depend on Math.sqrt). */
function ceilSqrt(n: number): number {
  let c = 1;
  while (c * c < n) c++;
  return c;
}

/** Units on a near-square grid: cols = ceil(sqrt(units)), rows as many as needed, null past the end. */
export function denseGrid(values: ArrayLike<number>): DensePattern {
  const units = values.length;
  const cols = ceilSqrt(units);
  const rows = Math.ceil(units / cols);
  const cells: (number | null)[] = new Array<number | null>(rows * cols).fill(null);
  for (let i = 0; i < units; i++) cells[i] = values[i];
  return { kind: 'dense', units, rows, cols, values: cells };
}

/** NHWC output of one sample as one height x width map per filter (the first maxFilters). */
function convMaps(values: Float32Array, height: number, width: number, filters: number, maxFilters: number): ConvPattern {
  const maps = [];
  for (let f = 0; f < Math.min(filters, maxFilters); f++) {
    const map = new Array<number>(height * width);
    for (let p = 0; p < height * width; p++) map[p] = values[p * filters + f];
    maps.push({ filter: f, values: map });
  }
  return { kind: 'conv', height, width, filters, maps };
}

/** The input as an image: [h, w] or the first channel of [h, w, c]; a flat square input as a square. */
function inputImage(values: Float32Array, shape: readonly number[]): ActivationPatternsResult['input'] {
  if (shape.length >= 2) {
    const [height, width] = shape;
    const channels = shape.length === 3 ? shape[2] : 1;
    const image = new Array<number>(height * width);
    for (let p = 0; p < height * width; p++) image[p] = values[p * channels];
    return { height, width, values: image };
  }
  const side = ceilSqrt(values.length);
  return side * side === values.length
    ? { height: side, width: side, values: Array.from(values) }
    : { height: 1, width: values.length, values: Array.from(values) };
}

function layerActivation(layer: Layer): string {
  if ((layer instanceof Dense || layer instanceof Conv2D || layer instanceof Activation) && layer.activation !== undefined) return layer.activation.name;
  if (layer instanceof PReLU) return 'prelu';
  if (layer instanceof CustomActivation) return layer.className;
  return 'linear';
}

/** One layer's output for one input (shape = the model's input shape, with or without a batch axis of 1). */
function probeLayer(model: Sequential, layerName: string, input: Tensor | Float32Array, options: LayerPatternOptions): ActivationPatternsResult {
  const layer = model.getLayer(layerName);
  const inputShape = model.inputShape;
  const values = input instanceof Tensor ? input.dataSync() : input;
  const shapeOk = !(input instanceof Tensor) || [inputShape, [1, ...inputShape]].some((s) => s.length === input.rank && s.every((d, i) => d === input.shape[i]));
  if (values.length !== sizeOf(inputShape) || !shapeOk) {
    const got = input instanceof Tensor ? `a tensor of shape [${input.shape.join(', ')}]` : `${values.length} values`;
    throw new Error(`actlab: activationPatterns: the input is ${got}: expected one sample of model '${model.name}', shape [${inputShape.join(', ')}]`);
  }
  const maxFilters = intOption('activationPatterns', 'maxFilters', options.maxFilters ?? 16);
  const x = tensor(values, [1, ...inputShape]);
  try {
    const out = model.layerOutput(layerName, x);
    try {
      const v = out.dataSync();
      let pattern: DensePattern | ConvPattern;
      if (out.rank === 2) pattern = denseGrid(v);
      else if (out.rank === 4) pattern = convMaps(v, out.shape[1], out.shape[2], out.shape[3], maxFilters);
      else {
        throw new Error(`actlab: activationPatterns: layer '${layerName}' outputs [${out.shape.join(', ')}]: expected [1, units] or [1, height, width, filters]`);
      }
      return {
        activation: options.activation ?? layerActivation(layer), layer: layerName, layers: model.layers.map((l) => l.name),
        sample: options.sample ?? null, label: options.label ?? null, input: inputImage(values, inputShape), pattern,
        sparsity: countZeros(out) / out.size,
      };
    } finally {
      out.dispose();
    }
  } finally {
    x.dispose();
  }
}

async function trainAndProbe(options: ActivationPatternsOptions): Promise<ActivationPatternsResult> {
  const fn = 'activationPatterns';
  checkAnalyzerOptions(fn, options, ['activation', 'data', 'architecture', 'layer', 'sample', 'epochs', 'batchSize', 'maxFilters', 'seed', 'onProgress']);
  const [r] = resolveRequests(fn, [options.activation ?? 'relu']);
  const architecture = options.architecture ?? 'mlp';
  if (architecture !== 'mlp' && architecture !== 'cnn') throw new Error(`actlab: ${fn}: architecture '${String(architecture)}' is invalid: expected 'mlp' or 'cnn'`);
  const epochs = intOption(fn, 'epochs', options.epochs ?? 1, 0);
  const batchSize = intOption(fn, 'batchSize', options.batchSize ?? 32);
  const sample = intOption(fn, 'sample', options.sample ?? 0, 0);
  const { data } = options;
  checkSplits(fn, data);
  const seed = checkSeed(fn, options.seed);
  if (sample >= data.test.length) throw new Error(`actlab: ${fn}: sample ${sample} is out of range: the test split has ${data.test.length} samples`);
  const shape = architecture === 'cnn' ? imageShape(fn, data.train.shape) : [...data.train.shape];
  const classes = data.train.numClasses;
  const model = architecture === 'cnn' ? cnnModel(shape, r, classes, seed) : mlpModel(shape, [128, 64], r, classes, seed);
  try {
    const layer = options.layer ?? defaultWatchedLayer(model);
    model.getLayer(layer);
    if (epochs > 0) {
      const progress = new Progress(epochs * batchesPerEpoch(data.train.length, batchSize), options.onProgress);
      model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const train = toTensors(data.train, shape);
      try {
        await model.fit(train.x, train.y, { epochs, batchSize, seed, callbacks: [progress.batches(`${r.label} ${architecture}`, epochs)] });
      } finally {
        train.x.dispose();
      }
    }
    const per = sampleSize(data.test);
    return probeLayer(model, layer, data.test.x.subarray(sample * per, (sample + 1) * per),
      // The request's label (with its parameters) names the hidden layers' activation; any other layer is named by its own.
      { sample, label: data.test.y[sample], activation: layerActivation(model.getLayer(layer)) === r.row.name ? r.label : undefined, maxFilters: options.maxFilters });
  } finally {
    model.dispose();
  }
}

/**
 * Slide 7. With a model: `activationPatterns(model, 'dense_1', image)` returns that layer's
 * output for one input at once. With options: trains the slide 6 MLP (or the slide 13 CNN)
 * for `epochs` on `data`, then probes one test sample; by default the slide's layer, dense_1 (the MLP's second
 * hidden layer), or the CNN's first conv layer.
 */
export function activationPatterns(options: ActivationPatternsOptions): Promise<ActivationPatternsResult>;
export function activationPatterns(model: Sequential, layerName: string, input: Tensor | Float32Array, options?: LayerPatternOptions): ActivationPatternsResult;
export function activationPatterns(first: ActivationPatternsOptions | Sequential, layerName?: string, input?: Tensor | Float32Array,
  options: LayerPatternOptions = {}): Promise<ActivationPatternsResult> | ActivationPatternsResult {
  if (!(first instanceof Sequential)) return trainAndProbe(first);
  if (layerName === undefined || input === undefined) {
    throw new Error('actlab: activationPatterns(model, layerName, input): layerName and input are required');
  }
  checkAnalyzerOptions('activationPatterns', options, ['sample', 'label', 'activation', 'maxFilters']);
  return probeLayer(first, layerName, input, options);
}
