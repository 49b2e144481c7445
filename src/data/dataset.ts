// A labelled dataset in plain JavaScript memory, and the operations on it that training
// needs: slicing, Keras' validation split, seeded shuffling and batching, one-hot labels.
// Rows are copied, never computed, so nothing here rounds a float.
import { Rng } from '../core/random.js';
import { checkKeys, describeValue } from '../core/checks.js';

/** n samples of `shape` each, row-major, sample after sample, with integer class labels. */
export interface Dataset {
  /** n * prod(shape) values. */
  readonly x: Float32Array;
  /** n labels in [0, numClasses). */
  readonly y: Int32Array;
  /** One sample's shape, e.g. [28, 28] for MNIST, [32, 32, 3] (HWC) for CIFAR-10. */
  readonly shape: readonly number[];
  /** Number of classes: labels lie in [0, numClasses). */
  readonly numClasses: number;
  /** Number of samples. */
  readonly length: number;
}

function prod(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) throw new Error(`actlab: dataset sample shape [${shape.join(', ')}] must have positive integer dimensions`);
    n *= d;
  }
  return n;
}

/** Number of values in one sample. */
export function sampleSize(ds: Dataset): number { return prod(ds.shape); }

/**
 * Builds a Dataset, checking that x fills y.length samples of `shape` and every label is in
 * range. Labels given as another array of integers (number[], Uint8Array) are copied into an
 * Int32Array; x must already be a Float32Array (a conversion would round float64 values).
 */
export function dataset(parts: { x: Float32Array; y: ArrayLike<number>; shape: readonly number[]; numClasses: number }): Dataset {
  const { x, y, numClasses } = parts;
  // Other arrays used to be kept as they were and broke later (slicing a plain array threw
  // a TypeError inside batches and sliceDataset).
  if (!(x instanceof Float32Array)) throw new Error(`actlab: dataset: x must be a Float32Array (Float32Array.from(values) converts), got ${describeValue(x)}`);
  if (typeof y !== 'object' || y === null || !Number.isInteger(y.length)) {
    throw new Error(`actlab: dataset: y must be an Int32Array or an array of integer labels, got ${describeValue(y)}`);
  }
  const shape = Object.freeze([...parts.shape]);
  const per = prod(shape);
  if (x.length !== y.length * per) {
    throw new Error(`actlab: dataset: x has ${x.length} values but ${y.length} labels of sample shape [${shape.join(', ')}] ` +
      `need ${y.length * per}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`actlab: dataset: numClasses must be a positive integer, got ${numClasses}`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= numClasses) {
      throw new Error(`actlab: dataset: label ${y[i]} at index ${i} is ${Number.isInteger(y[i]) ? 'outside' : 'not an integer in'} [0, ${numClasses})`);
    }
  }
  return { x, y: y instanceof Int32Array ? y : Int32Array.from(y), shape, numClasses, length: y.length };
}

/** The same samples seen with another sample shape of the same size (shares memory). */
export function reshapeDataset(ds: Dataset, shape: readonly number[]): Dataset {
  if (prod(shape) !== sampleSize(ds)) {
    throw new Error(`actlab: reshapeDataset: sample shape [${ds.shape.join(', ')}] (${sampleSize(ds)} values) cannot become ` +
      `[${shape.join(', ')}] (${prod(shape)} values)`);
  }
  return { ...ds, shape: Object.freeze([...shape]) };
}

function checkRange(fn: string, n: number, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > n) {
    throw new Error(`actlab: ${fn}: range [${start}, ${end}) must lie within [0, ${n}] with start <= end`);
  }
}

/** Samples [start, end) as a view sharing memory with `ds`. */
export function sliceDataset(ds: Dataset, start: number, end = ds.length): Dataset {
  checkRange('sliceDataset', ds.length, start, end);
  const per = sampleSize(ds);
  return { ...ds, x: ds.x.subarray(start * per, end * per), y: ds.y.subarray(start, end), length: end - start };
}

/** The samples at `indices`, in that order, copied. */
export function gatherDataset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  // A number or an object without a length used to give an empty set whose length was undefined.
  if (typeof indices !== 'object' || indices === null || !Number.isInteger(indices.length)) {
    throw new Error(`actlab: gatherDataset: indices must be an array of sample indices, got ${describeValue(indices)}`);
  }
  const per = sampleSize(ds);
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= ds.length) {
      throw new Error(`actlab: gatherDataset: index ${j} at position ${i} is ${Number.isInteger(j) ? 'outside' : 'not an integer in'} [0, ${ds.length})`);
    }
    x.set(ds.x.subarray(j * per, (j + 1) * per), i * per);
    y[i] = ds.y[j];
  }
  return { ...ds, x, y, length: indices.length };
}

/** Several datasets of the same sample shape and classes, one after another (copied). */
export function concatDatasets(parts: readonly Dataset[]): Dataset {
  if (parts.length === 0) throw new Error('actlab: concatDatasets: needs at least one dataset');
  const first = parts[0];
  let n = 0;
  for (const [i, p] of parts.entries()) {
    if (p.shape.join(',') !== first.shape.join(',') || p.numClasses !== first.numClasses) {
      throw new Error(`actlab: concatDatasets: dataset ${i} has sample shape [${p.shape.join(', ')}] and ${p.numClasses} classes; ` +
        `expected [${first.shape.join(', ')}] and ${first.numClasses} like dataset 0`);
    }
    n += p.length;
  }
  const per = sampleSize(first);
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * per);
    y.set(p.y, at);
    at += p.length;
  }
  return { ...first, x, y, length: n };
}

function checkFraction(fn: string, f: number): void {
  if (!(f > 0 && f < 1)) throw new Error(`actlab: ${fn}: the fraction must be in (0, 1), got ${f}`);
}

/**
 * Keras' validation_split: the LAST `fraction` of the samples, in order and unshuffled,
 * become the validation set; train = samples [0, floor(n * (1 - fraction))). Views, no copy.
 */
export function validationSplit(ds: Dataset, fraction: number): { train: Dataset; validation: Dataset } {
  return splitAt('validationSplit', ds, fraction);
}

/** The last `fraction` of ds held out; an empty part is an error (as fit's validationSplit and Keras). */
function splitAt(fn: string, ds: Dataset, fraction: number): { train: Dataset; validation: Dataset } {
  checkFraction(fn, fraction);
  const at = Math.floor(ds.length * (1 - fraction));
  if (at === 0 || at === ds.length) {
    throw new Error(`actlab: ${fn}: a fraction of ${fraction} of ${ds.length} samples leaves ${at === 0 ? 'no training' : 'no held-out'} samples`);
  }
  return { train: sliceDataset(ds, 0, at), validation: sliceDataset(ds, at) };
}

/**
 * Train/test split. Without a seed it is validationSplit (the last fraction, unshuffled);
 * with a seed the samples are first permuted by Rng(seed), then split the same way.
 */
export function trainTestSplit(ds: Dataset, options: { testFraction: number; seed?: number }): { train: Dataset; test: Dataset } {
  // validationSplit(ds, 0.2) takes the fraction itself; batches takes { shuffle, rng }: both guesses used to be
  // 'the fraction must be in (0, 1), got undefined', or a split left unshuffled without a word.
  const o: unknown = options;
  if (typeof o === 'number') throw new Error(`actlab: trainTestSplit: expected options { testFraction: ${o}, seed? }, got the number ${o}`);
  if (typeof o !== 'object' || o === null) throw new Error(`actlab: trainTestSplit: expected options { testFraction, seed? }, got ${describeValue(o)}`);
  checkKeys('trainTestSplit', o, ['testFraction', 'seed'], (key) => (key === 'shuffle' || key === 'rng'
    ? ' (a seed shuffles the samples before the split; without one the last fraction is held out in order)' : ''));
  checkFraction('trainTestSplit', options.testFraction);
  const src = options.seed === undefined ? ds : gatherDataset(ds, new Rng(options.seed).permutation(ds.length));
  const { train, validation } = splitAt('trainTestSplit', src, options.testFraction);
  return { train, test: validation };
}

/** One-hot rows: n x numClasses floats, 1 at each label's column. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`actlab: oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(`actlab: oneHot: label ${c} at index ${i} is ${Number.isInteger(c) ? 'outside' : 'not an integer in'} [0, ${numClasses})`);
    }
    out[i * numClasses + c] = 1;
  }
  return out;
}

/** One batch from batches(): copies of its samples and labels. */
export interface Batch {
  /** size * prod(shape) values (copied). */
  readonly x: Float32Array;
  /** size labels (copied). */
  readonly y: Int32Array;
  /** Samples in this batch: batchSize, or fewer for the last one. */
  readonly size: number;
  /** Which samples of the dataset the batch holds, in batch order. */
  readonly indices: Int32Array;
  /** 0-based batch number within the epoch. */
  readonly index: number;
}

/** batches()'s options. */
export interface BatchOptions {
  /** Samples per batch, a positive integer; the last batch holds the remainder. */
  batchSize: number;
  /** Shuffle with this generator: each call draws a fresh permutation, so successive epochs differ. Not with `seed`. */
  rng?: Rng;
  /** Shuffle with `new Rng(seed)` (the same order on every call). Not with `rng`. */
  seed?: number;
  /** Defaults to true when rng or seed is given; true without either is an error. */
  shuffle?: boolean;
}

/**
 * One epoch of batches. Every sample appears exactly once; the last batch keeps the
 * remainder (n mod batchSize samples) rather than dropping it, as Keras' fit does.
 */
export function* batches(ds: Dataset, options: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`actlab: batches: batchSize must be a positive integer, got ${batchSize}`);
  // An empty dataset used to give an epoch of no batches, so training silently did nothing.
  if (ds.length === 0) throw new Error('actlab: batches: the dataset is empty (0 samples); expected at least one sample');
  // Both used to be accepted and the seed silently ignored, so the order was not the seed's.
  if (options.rng !== undefined && options.seed !== undefined) throw new Error('actlab: batches: give rng or seed, not both');
  if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new Error(`actlab: batches: rng must be an Rng (new Rng(seed)), got ${describeValue(options.rng)}`);
  const shuffle = options.shuffle ?? (options.rng !== undefined || options.seed !== undefined);
  let order: Int32Array;
  if (shuffle) {
    const r = options.rng ?? (options.seed !== undefined ? new Rng(options.seed) : undefined);
    if (r === undefined) throw new Error('actlab: batches: shuffle needs an rng or a seed (results must be reproducible)');
    order = r.permutation(ds.length);
  } else {
    order = new Int32Array(ds.length);
    for (let i = 0; i < ds.length; i++) order[i] = i;
  }
  for (let start = 0, index = 0; start < ds.length; start += batchSize, index++) {
    const indices = order.slice(start, Math.min(start + batchSize, ds.length));
    const b = gatherDataset(ds, indices);
    yield { x: b.x, y: b.y, size: indices.length, indices, index };
  }
}
