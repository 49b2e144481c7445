// The cross-runtime determinism workload: one fixed computation whose output bytes must
// hash to the same SHA-256 in Node, Deno, Bun, Chromium and Firefox (issue 5).
//
// It uses only what every runtime has (Wasm, typed arrays, crypto.subtle), and it reaches
// the core only through `src/index.ts`, which the runners' bundle (runners.ts) swaps for
// the built `dist/index.js`, so the runtimes exercise the code that ships.
//
// Inputs are made from integers alone (a mulberry32 stream whose 32-bit outputs become
// float32 bit patterns), so no JS Math function, whose results differ between engines,
// ever touches a value that reaches the hash.
//
// Sections, in hash order: the inputs, every activation, softmax, matmul and the fused
// dense, conv2d and its gradients, pooling, the MNIST subset's bytes, one seeded
// training epoch on that subset (whose bytes the entries embed; see inputs.ts), the
// learning-rate schedules, and a user's round of the Keras-like API on that subset (fit
// with metrics and validation, evaluate, the metrics namespace, a compiled model saved and
// loaded back, a custom loop on lossOp, epochLogger's CSV, summary()). Adding one: write a function
// returning `SectionOutput[]` (or a promise of them) and append it to `sections()` below. The hash changes, which is the
// point: update EXPECTED_SHA256 in test/runtimes.test.ts deliberately, after all five
// runtimes agree.
import {
  activations, adam, add, affine, avgPool, callbacks, avgPoolBackprop, conv2d, conv2dBackpropBias, conv2dBackpropFilter, conv2dBackpropInput,
  datasetFromIdx, dense, init, layers, logSoftmax, logSoftmaxGrad, lossOp, matMul, maxPool, maxPoolBackprop, maxPoolWithArgmax,
  metrics, modelFromArtifacts, modelToArtifacts, schedules, sequential, simdInfo, softmax, softmaxCrossEntropy, softmaxGrad, tensor, tidy,
  valueAndGrads, type Padding, type Sequential, type Shape, type Tensor,
} from '../../src/index.js';

/**
 * Data a section may need beyond its seed. It is always bytes, never a path: browsers have
 * no file system. The way that is identical in all five runtimes is for the entries
 * (cli-entry.ts, page-entry.ts) to import the files through esbuild's `binary` loader,
 * which embeds the bytes in the bundle, and pass them to runWorkload; the other is for
 * Node/Deno/Bun to read the files and for the page to fetch them from the loopback server.
 *
 * `mnist` (for the training section): the fixed 2,000-image subset as the
 * raw IDX files, i.e. `images` = the idx3-ubyte bytes (16-byte header, then 2,000 x 28 x 28
 * uint8 pixels) and `labels` = the idx1-ubyte bytes (8-byte header, then 2,000 uint8
 * labels). The section must check the headers and counts and throw an `actlab: ` error on
 * a mismatch rather than train on whatever it got.
 */
export interface WorkloadInputs {
  readonly mnist?: { readonly images: Uint8Array; readonly labels: Uint8Array };
}

/** One named output array of a section; float arrays are NaN-canonicalised before hashing. */
export interface SectionOutput {
  readonly label: string;
  /** Float64Array: numbers JavaScript holds (per-batch losses as fit reports them), hashed with all 64 bits. */
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

export interface SectionReport {
  readonly name: string;
  /** SHA-256 (hex) of the section's outputs after NaN canonicalisation. */
  readonly sha256: string;
  /** SHA-256 of the same outputs as the engine produced them (diagnostic only: NaN payloads may differ). */
  readonly rawSha256: string;
  readonly values: number;
  /** NaNs found in float outputs, and how many of them had a bit pattern other than the canonical one. */
  readonly nans: number;
  readonly nansRewritten: number;
}

export interface WorkloadReport {
  /** SHA-256 (hex) over every section's canonical output bytes, in order. */
  readonly sha256: string;
  readonly rawSha256: string;
  readonly sections: readonly SectionReport[];
}

// ---- integer-only inputs ----------------------------------------------------------------

/** mulberry32: a 32-bit integer generator; every step is integer arithmetic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Float32 bit patterns every kernel must treat the same way everywhere: extremes, zeros, subnormals, NaNs. */
const SPECIAL_BITS: readonly number[] = [
  0x00000000, 0x80000000, // +0, -0
  0x7f800000, 0xff800000, // +Inf, -Inf
  0x7fc00000, 0xffc00000, 0x7fa00001, 0x7f800001, // NaNs: quiet, negative, payload, signalling
  0x461c4000, 0xc61c4000, // +-1e4
  0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, // subnormals
  0x00800000, 0x80800000, // +-smallest normal
  0x7f7fffff, 0xff7fffff, // +-largest finite
  0x3f800000, 0xbf800000, 0x3f000000, 0xbf000000, // +-1, +-0.5
  0x40400000, 0xc0400000, 0x40c00000, 0xc0c00000, // +-3, +-6 (hard* kernel corners)
  0x41a00000, 0xc1a00000, // +-20 (softplus threshold)
  0x42b17218, 0xc2b17218, 0x42b20000, 0xc2ce0000, // +-88.72 (exp overflow edge), 89, -103
  0x33800000, 0xb3800000, // +-2^-24
];

/** Number of inputs: 7 x 585, so per-channel parameters split evenly into the 7 channels and the length is 3 mod 4 (a SIMD tail). */
export const INPUT_LENGTH = 4095;
/** Per-channel parameter values (prelu's alpha) for the channel-indexed runs: both signs, zero, and one. */
const CHANNEL_VALUES: readonly number[] = [0.25, -0.5, 0, 1, 0.125, 2, -1];
const CHANNELS = CHANNEL_VALUES.length;
/** Inputs that are raw random bit patterns (after the specials): huge, tiny, NaN, anything. */
const WILD_COUNT = 1024;

/**
 * The fixed input set: the special values, then random bit patterns of every kind
 * (including more NaNs and huge values), then log-uniform magnitudes in [2^-12, 2^5) with
 * random signs, where the activations do their interesting work.
 */
export function makeInputs(seed = 0x5eed): Float32Array {
  const bits = new Uint32Array(INPUT_LENGTH);
  const next = mulberry32(seed);
  bits.set(SPECIAL_BITS);
  const wild = SPECIAL_BITS.length + WILD_COUNT;
  for (let i = SPECIAL_BITS.length; i < wild; i++) bits[i] = next();
  for (let i = wild; i < INPUT_LENGTH; i++) {
    const r = next();
    const exponent = 127 - 12 + ((r >>> 23) % 17);
    bits[i] = (r & 0x80000000) | (exponent << 23) | (r & 0x007fffff);
  }
  return new Float32Array(bits.buffer);
}

/** Random values in (-1, 1) built from integers (k * 2^-23, exact in float32), for upstream gradients. */
function makeUnit(length: number, seed: number): Float32Array {
  const bits = new Uint32Array(length);
  const next = mulberry32(seed);
  for (let i = 0; i < length; i++) {
    const r = next();
    // Biased exponent 127 with a random fraction is [1, 2); moving it one toward zero below is exact.
    bits[i] = (r & 0x80000000) | (127 << 23) | (r & 0x007fffff);
  }
  const f = new Float32Array(bits.buffer);
  for (let i = 0; i < length; i++) f[i] = f[i] > 0 ? f[i] - 1 : f[i] + 1;
  return f;
}

/** The finite, moderate tail of the inputs (log-uniform part), for reductions that a NaN would swamp. */
function moderate(x: Float32Array): Float32Array {
  return x.subarray(SPECIAL_BITS.length + WILD_COUNT);
}

// ---- sections ---------------------------------------------------------------------------

function inputsSection(x: Float32Array): SectionOutput[] {
  return [{ label: 'x', data: x }];
}

/** Every registry activation at its default parameters: f, f', dL/dx for a fixed dy, and parameter gradients. */
function activationSection(x: Float32Array): SectionOutput[] {
  const dy = makeUnit(x.length, 0xd1);
  const xm = moderate(x);
  const dym = dy.subarray(dy.length - xm.length);
  const out: SectionOutput[] = [];
  for (const row of activations.list()) {
    out.push({ label: `${row.name}.f`, data: activations.apply(row.name, x) });
    out.push({ label: `${row.name}.df`, data: activations.derivative(row.name, x) });
    out.push({ label: `${row.name}.dx`, data: activations.backward(row.name, x, dy) });
    if (row.paramGrad !== undefined) {
      // On the finite inputs only: a parameter gradient is a sum, and one NaN would hide every other term.
      for (const [name, g] of Object.entries(activations.paramGradients(row.name, xm, dym))) {
        out.push({ label: `${row.name}.d${name}`, data: typeof g === 'number' ? new Float32Array([g]) : g });
      }
    }
    if (row.params.some((p) => p.perChannel)) {
      // Per-channel values on the last axis, so the kernels' channel indexing is covered too.
      const perChannel: Record<string, readonly number[]> = {};
      for (const p of row.params) if (p.perChannel) perChannel[p.name] = CHANNEL_VALUES;
      const opts = { channels: CHANNELS };
      out.push({ label: `${row.name}.f[c]`, data: activations.apply(row.name, x, perChannel, opts) });
      out.push({ label: `${row.name}.dx[c]`, data: activations.backward(row.name, x, dy, perChannel, opts) });
      if (row.paramGrad !== undefined) {
        for (const [name, g] of Object.entries(activations.paramGradients(row.name, x, dy, perChannel, opts))) {
          out.push({ label: `${row.name}.d${name}[c]`, data: typeof g === 'number' ? new Float32Array([g]) : g });
        }
      }
    }
  }
  return out;
}

/** softmax / log-softmax and their gradients at T = 0.5, 1, 2, over rows of 10 (MNIST classes) and 33 (odd) columns. */
function softmaxSection(x: Float32Array): SectionOutput[] {
  const out: SectionOutput[] = [];
  const xm = moderate(x);
  for (const cols of [10, 33]) {
    const rows = Math.floor(xm.length / cols);
    const logits = xm.subarray(0, rows * cols);
    const dy = makeUnit(logits.length, 0x50f7 + cols);
    for (const t of [0.5, 1, 2]) {
      const y = softmax(logits, cols, t);
      const ly = logSoftmax(logits, cols, t);
      out.push({ label: `softmax.c${cols}.t${t}`, data: y });
      out.push({ label: `logSoftmax.c${cols}.t${t}`, data: ly });
      out.push({ label: `softmaxGrad.c${cols}.t${t}`, data: softmaxGrad(y, dy, cols, t) });
      out.push({ label: `logSoftmaxGrad.c${cols}.t${t}`, data: logSoftmaxGrad(ly, dy, cols, t) });
    }
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) labels[r] = (r * 7 + 3) % cols;
    const xent = softmaxCrossEntropy(logits, labels, cols);
    out.push({ label: `xent.c${cols}.losses`, data: xent.losses });
    out.push({ label: `xent.c${cols}.grad`, data: xent.grad });
  }
  // Rows holding the special values: how Inf and NaN spread through a row must match too.
  const rows = Math.floor(SPECIAL_BITS.length / 6);
  const special = x.subarray(0, rows * 6);
  for (const t of [0.5, 1, 2]) {
    out.push({ label: `softmax.special.t${t}`, data: softmax(special, 6, t) });
    out.push({ label: `logSoftmax.special.t${t}`, data: logSoftmax(special, 6, t) });
  }
  return out;
}

// ---- tensor sections (matmul, conv2d, pooling) ---------------------------------------------

/** A tensor of `shape` holding makeUnit(seed) values. */
function unitTensor(shape: Shape, seed: number): Tensor {
  return tensor(makeUnit(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** [M, K, N] shapes: odd sizes off the 4 x 8 gemm tile, one row, and K past a packed panel. */
const MATMUL_SHAPES: readonly (readonly [number, number, number])[] = [[37, 29, 53], [1, 7, 3], [70, 131, 9]];

/** matMul in all four transpose cases, and the fused dense (bias + relu, and no bias + gelu). */
function matmulSection(): SectionOutput[] {
  return tidy(() => {
    const out: SectionOutput[] = [];
    MATMUL_SHAPES.forEach(([M, K, N], i) => {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = unitTensor(ta ? [K, M] : [M, K], 0xa000 + 16 * i + (ta ? 1 : 0));
          const b = unitTensor(tb ? [N, K] : [K, N], 0xb000 + 16 * i + (tb ? 1 : 0));
          out.push({ label: `matMul.${M}x${K}x${N}.${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`, data: matMul(a, b, ta, tb).dataSync() });
        }
      }
      const x = unitTensor([M, K], 0xc000 + i), w = unitTensor([K, N], 0xd000 + i), bias = unitTensor([N], 0xe000 + i);
      out.push({ label: `dense.${M}x${K}x${N}.bias.relu`, data: dense(x, w, bias, 'relu').dataSync() });
      out.push({ label: `dense.${M}x${K}x${N}.gelu`, data: dense(x, w, undefined, 'gelu').dataSync() });
    });
    return out;
  });
}

interface ConvCase {
  readonly x: Shape;
  readonly filter: Shape;
  readonly strides: number | readonly [number, number];
  readonly pad: Padding;
  readonly dilations: number | readonly [number, number];
}

/** Odd images and channel counts, stride 2, dilation 2 (alone and together), 'same' and 'valid', a non-square filter. */
const CONV_CASES: readonly ConvCase[] = [
  { x: [2, 13, 11, 5], filter: [3, 3, 5, 7], strides: 2, pad: 'same', dilations: 1 },
  { x: [2, 13, 11, 5], filter: [3, 3, 5, 7], strides: 2, pad: 'valid', dilations: 1 },
  { x: [2, 13, 11, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'same', dilations: 2 },
  { x: [2, 13, 11, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'valid', dilations: 2 },
  { x: [3, 9, 15, 3], filter: [2, 5, 3, 9], strides: [2, 1], pad: 'same', dilations: [1, 2] },
  { x: [1, 17, 10, 8], filter: [3, 2, 8, 11], strides: 2, pad: 'valid', dilations: 2 },
];

/** conv2d forward (plain, and with bias + relu), its input and filter gradients, and the bias gradient. */
function convSection(): SectionOutput[] {
  return tidy(() => {
    const out: SectionOutput[] = [];
    CONV_CASES.forEach((c, i) => {
      const name = `conv.${c.x.join('x')}.${c.filter.join('x')}.s${String(c.strides)}.d${String(c.dilations)}.${c.pad}`;
      const x = unitTensor(c.x, 0xc0 + i), filter = unitTensor(c.filter, 0xf0 + i), bias = unitTensor([c.filter[3]], 0xb0 + i);
      const y = conv2d(x, filter, c.strides, c.pad, c.dilations);
      out.push({ label: `${name}.y`, data: y.dataSync() });
      out.push({ label: `${name}.y.bias.relu`, data: conv2d(x, filter, c.strides, c.pad, c.dilations, bias, 'relu').dataSync() });
      const dy = unitTensor(y.shape, 0xd0 + i);
      out.push({ label: `${name}.dx`, data: conv2dBackpropInput(c.x, dy, filter, c.strides, c.pad, c.dilations).dataSync() });
      out.push({ label: `${name}.dfilter`, data: conv2dBackpropFilter(x, dy, c.filter, c.strides, c.pad, c.dilations).dataSync() });
      out.push({ label: `${name}.dbias`, data: conv2dBackpropBias(dy).dataSync() });
    });
    return out;
  });
}

interface PoolCase {
  readonly size: number | readonly [number, number];
  readonly strides: number | readonly [number, number];
  readonly pad: Padding;
}

const POOL_CASES: readonly PoolCase[] = [
  { size: 3, strides: 2, pad: 'same' },
  { size: 2, strides: 2, pad: 'valid' },
  { size: 3, strides: 1, pad: 'valid' },
  { size: [2, 3], strides: [1, 2], pad: 'same' },
];

/**
 * Max and average pooling forward and backward on odd images. Half of the input is
 * quantised to a few values, so windows hold ties and the argmax's tie rule (first in
 * window order) is part of the hash.
 */
function poolSection(): SectionOutput[] {
  return tidy(() => {
    const out: SectionOutput[] = [];
    const shape: Shape = [2, 9, 7, 6];
    const values = makeUnit(2 * 9 * 7 * 6, 0x9001);
    for (let i = 0; i < values.length; i += 2) values[i] = ((i * 7) % 5) / 4;
    const x = tensor(values, shape);
    POOL_CASES.forEach((c, i) => {
      const name = `pool.${shape.join('x')}.k${String(c.size)}.s${String(c.strides)}.${c.pad}`;
      const { result, argmax } = maxPoolWithArgmax(x, c.size, c.strides, c.pad);
      out.push({ label: `${name}.max`, data: result.dataSync() });
      out.push({ label: `${name}.argmax`, data: argmax.dataSync() });
      const dy = unitTensor(result.shape, 0x9100 + i);
      out.push({ label: `${name}.max.dx`, data: maxPoolBackprop(dy, x, c.size, c.strides, c.pad, argmax).dataSync() });
      argmax.dispose();
      out.push({ label: `${name}.max.plain`, data: maxPool(x, c.size, c.strides, c.pad).dataSync() });
      out.push({ label: `${name}.avg`, data: avgPool(x, c.size, c.strides, c.pad).dataSync() });
      out.push({ label: `${name}.avg.dx`, data: avgPoolBackprop(dy, shape, c.size, c.strides, c.pad).dataSync() });
    });
    return out;
  });
}

// ---- training ------------------------------------------------------------------------------

/** The subset's size and image geometry; the section refuses anything else. */
const MNIST_COUNT = 2000;
const MNIST_SIDE = 28;
/** Images whose predictions after the epoch are hashed too (the inference path). */
const PREDICTED = 100;

/** An IDX file's magic and dimensions (its rank is the magic's low byte), or undefined when the bytes are too short. */
function idxHeader(bytes: Uint8Array): { magic: number; dims: number[] } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) return undefined;
  const magic = view.getUint32(0), rank = magic & 0xff;
  if (bytes.byteLength < 4 + 4 * rank) return undefined;
  return { magic, dims: Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i)) };
}

function describeIdx(name: string, bytes: Uint8Array): string {
  const h = idxHeader(bytes);
  if (h === undefined) return `${name}: ${bytes.byteLength} bytes, too short for its IDX header`;
  return `${name}: magic 0x${h.magic.toString(16)}, dims ${h.dims.join(' x ')}, ${bytes.byteLength} bytes`;
}

/** Checks the IDX headers before training: magic, count, image size and byte lengths; throws naming what differs. */
export function checkMnist(mnist: { readonly images: Uint8Array; readonly labels: Uint8Array }): void {
  const im = idxHeader(mnist.images), lb = idxHeader(mnist.labels);
  const imageBytes = 16 + MNIST_COUNT * MNIST_SIDE * MNIST_SIDE, labelBytes = 8 + MNIST_COUNT;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  const imOk = im !== undefined && im.magic === 0x803 && same(im.dims, [MNIST_COUNT, MNIST_SIDE, MNIST_SIDE]) &&
    mnist.images.byteLength === imageBytes;
  const lbOk = lb !== undefined && lb.magic === 0x801 && same(lb.dims, [MNIST_COUNT]) && mnist.labels.byteLength === labelBytes;
  if (!imOk || !lbOk) {
    throw new Error(`actlab: the training section needs the ${MNIST_COUNT}-image MNIST subset as IDX bytes ` +
      `(images: magic 0x803, dims ${MNIST_COUNT} x ${MNIST_SIDE} x ${MNIST_SIDE}, ${imageBytes} bytes; ` +
      `labels: magic 0x801, dims ${MNIST_COUNT}, ${labelBytes} bytes); got ` +
      `${describeIdx('images', mnist.images)}; ${describeIdx('labels', mnist.labels)}`);
  }
}

/**
 * The subset's IDX bytes as the runtime received them, so a training hash that differs can
 * be told apart from data that arrived differently (the bundle embeds them as base64).
 */
function mnistSection(inputs: WorkloadInputs): SectionOutput[] {
  if (inputs.mnist === undefined) throw new Error('actlab: the mnist-subset section needs inputs.mnist (the MNIST subset\'s IDX bytes)');
  checkMnist(inputs.mnist);
  return [{ label: 'mnist.images', data: inputs.mnist.images }, { label: 'mnist.labels', data: inputs.mnist.labels }];
}

/**
 * One seeded epoch: Flatten -> Dense 64 relu -> Dense 10 softmax, Adam (lr 0.001), batch 32,
 * shuffled, on the 2,000-image MNIST subset. Hashes every batch's loss and accuracy as fit
 * reported them, the epoch's logs, the final weights and the predictions for 100 images.
 */
async function trainingSection(inputs: WorkloadInputs): Promise<SectionOutput[]> {
  if (inputs.mnist === undefined) throw new Error('actlab: the training section needs inputs.mnist (the MNIST subset\'s IDX bytes)');
  checkMnist(inputs.mnist);
  const data = datasetFromIdx(inputs.mnist.images, inputs.mnist.labels, { imagesName: 'mnist images', labelsName: 'mnist labels' });
  const model = sequential({
    seed: 2024,
    layers: [
      layers.flatten({ inputShape: [MNIST_SIDE, MNIST_SIDE] }),
      layers.dense({ units: 64, activation: 'relu' }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const x = tensor(data.x, [data.length, MNIST_SIDE, MNIST_SIDE]);
  const losses: number[] = [], accuracies: number[] = [], epochLogs: number[] = [];
  try {
    model.compile({ optimizer: adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, data.y, {
      epochs: 1, batchSize: 32, shuffle: true, seed: 7,
      callbacks: {
        onBatchEnd: (_batch, logs) => { losses.push(logs?.loss ?? NaN); accuracies.push(logs?.acc ?? NaN); },
        onEpochEnd: (_epoch, logs) => { epochLogs.push(logs?.loss ?? NaN, logs?.acc ?? NaN); },
      },
    });
    const out: SectionOutput[] = [
      { label: 'train.batchLoss', data: Float64Array.from(losses) },
      { label: 'train.batchAcc', data: Float64Array.from(accuracies) },
      { label: 'train.epochLogs', data: Float64Array.from(epochLogs) },
      ...model.weights.map((w) => ({ label: `train.weight.${w.name}`, data: w.tensor.dataSync() })),
    ];
    const predicted = tidy(() => model.predict(tensor(data.x.subarray(0, PREDICTED * MNIST_SIDE * MNIST_SIDE), [PREDICTED, MNIST_SIDE, MNIST_SIDE])).dataSync());
    out.push({ label: 'train.predict', data: predicted });
    return out;
  } finally {
    x.dispose();
    model.dispose();
  }
}

/**
 * Learning-rate schedules at steps 0-299: the cosine (with a warmup) and the non-integer
 * powers come from Wasm, so an engine's own Math.cos or Math.pow cannot leak in.
 */
function scheduleSection(): SectionOutput[] {
  const all = [
    schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 250, alpha: 0.05, warmupTarget: 0.1, warmupSteps: 30 }),
    schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 37, decayRate: 0.3 }),
    schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 90, power: 0.7, cycle: true }),
    schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 13, decayRate: 0.7 }),
  ];
  return all.map((s) => ({ label: `schedule.${s.className}`, data: Float64Array.from({ length: 300 }, (_, step) => s.at(step)) }));
}

// ---- the user-facing API: metrics, save/load, custom loops, text ---------------------------

/** Images of the subset the API section uses: the first 480 train, the next 160 validate. */
const API_TRAIN = 480;
const API_VALID = 160;
/** Every metric compile() knows that takes one-hot targets, under the names a user would give. */
const API_METRICS = ['mae', 'precision', 'recall', 'categoricalAccuracy', 'mse', 'mape', 'binaryAccuracy', 'categoricalCrossentropy', 'binaryCrossentropy',
  'ce', 'topKCategoricalAccuracy', 'cosine', 'cosine_similarity'] as const;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A History (or any record of number lists) as its sorted keys' JSON and one float64 array per key. */
function recordOutputs(label: string, record: Readonly<Record<string, readonly number[]>>): SectionOutput[] {
  const keys = Object.keys(record).sort();
  return [{ label: `${label}.keys`, data: utf8(JSON.stringify(keys)) }, ...keys.map((k) => ({ label: `${label}.${k}`, data: Float64Array.from(record[k]) }))];
}

/**
 * What a user of the Keras-like API does, in the order a user does it: fit with every
 * one-hot metric and validation data (History and epochLogger's CSV hashed), evaluate, the
 * `metrics` namespace on the predictions, modelToArtifacts (model.json's text and the
 * weight bytes), modelFromArtifacts (the loaded model must come back compiled with the same
 * metrics, evaluate to the same numbers and train on as the original does), a custom loop
 * on lossOp inside valueAndGrads, and summary() of a model whose names hold full-width,
 * CJK, emoji and combining characters. Saved bytes that hash alike in every runtime are
 * what lets a model saved in one runtime load in another: the loader's reading is hashed too.
 */
async function apiSection(inputs: WorkloadInputs): Promise<SectionOutput[]> {
  if (inputs.mnist === undefined) throw new Error('actlab: the api section needs inputs.mnist (the MNIST subset\'s IDX bytes)');
  checkMnist(inputs.mnist);
  const data = datasetFromIdx(inputs.mnist.images, inputs.mnist.labels, { imagesName: 'mnist images', labelsName: 'mnist labels' });
  const pixels = MNIST_SIDE * MNIST_SIDE;
  const oneHot = (start: number, count: number): Float32Array => {
    const t = new Float32Array(count * 10);
    for (let i = 0; i < count; i++) t[i * 10 + data.y[start + i]] = 1;
    return t;
  };
  const out: SectionOutput[] = [];
  const owned: (Tensor | Sequential)[] = [];
  const own = <T extends Tensor | Sequential>(t: T): T => { owned.push(t); return t; };
  try {
    const x = own(tensor(data.x.subarray(0, API_TRAIN * pixels), [API_TRAIN, MNIST_SIDE, MNIST_SIDE]));
    const y = own(tensor(oneHot(0, API_TRAIN), [API_TRAIN, 10]));
    const xv = own(tensor(data.x.subarray(API_TRAIN * pixels, (API_TRAIN + API_VALID) * pixels), [API_VALID, MNIST_SIDE, MNIST_SIDE]));
    const yv = own(tensor(oneHot(API_TRAIN, API_VALID), [API_VALID, 10]));
    const model = own(sequential({
      seed: 31,
      layers: [
        layers.flatten({ inputShape: [MNIST_SIDE, MNIST_SIDE] }),
        layers.dense({ units: 24, activation: 'relu' }),
        layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }));
    model.compile({ optimizer: adam({ learningRate: 0.003 }), loss: 'categoricalCrossentropy', metrics: [...API_METRICS] });
    let csv = '';
    const history = await model.fit(x, y, {
      epochs: 3, batchSize: 40, shuffle: true, seed: 5, validationData: [xv, yv],
      callbacks: [callbacks.epochLogger({ write: (line) => { csv += line; } })],
    });
    out.push(...recordOutputs('fit.history', history.history));
    out.push({ label: 'fit.epochLogger.csv', data: utf8(csv) });
    const names = model.metricsNames;
    out.push({ label: 'evaluate.names', data: utf8(JSON.stringify(names)) });
    const scores = model.evaluate(xv, yv, { batchSize: 64 });
    out.push({ label: 'evaluate', data: Float64Array.from(scores) });

    // The metrics namespace on the validation predictions.
    out.push(...tidy(() => {
      const p = model.predict(xv);
      const per = [
        metrics.meanAbsoluteError(yv, p), metrics.meanSquaredError(yv, p), metrics.meanAbsolutePercentageError(yv, p),
        metrics.categoricalAccuracy(yv, p), metrics.binaryAccuracy(yv, p), metrics.categoricalCrossentropy(yv, p),
        metrics.binaryCrossentropy(yv, p), metrics.sparseCategoricalAccuracy(data.y.subarray(API_TRAIN, API_TRAIN + API_VALID), p),
        metrics.sparseCategoricalCrossentropy(data.y.subarray(API_TRAIN, API_TRAIN + API_VALID), p),
        metrics.precision(yv, p), metrics.recall(yv, p),
        metrics.topKCategoricalAccuracy(yv, p, 2), metrics.sparseTopKCategoricalAccuracy(data.y.subarray(API_TRAIN, API_TRAIN + API_VALID), p, 3),
        metrics.cosineProximity(yv, p),
      ];
      return per.map((t, i) => ({ label: `metrics.${i}`, data: t.dataSync() }));
    }));

    // Saved to memory and loaded back: compiled, with the same metrics and the same numbers.
    const artifacts = modelToArtifacts(model);
    const jsonText = JSON.stringify(artifacts.modelJson);
    out.push({ label: 'save.modelJson', data: utf8(jsonText) });
    out.push({ label: 'save.weights', data: new Uint8Array(artifacts.weightData) });
    const loaded = own(modelFromArtifacts({ modelJson: JSON.parse(jsonText), weightData: artifacts.weightData.slice(0) }));
    if (!loaded.isCompiled) throw new Error('actlab: the api section: a model saved compiled loaded uncompiled');
    const loadedNames = loaded.metricsNames;
    if (JSON.stringify(loadedNames) !== JSON.stringify(names)) {
      throw new Error(`actlab: the api section: the loaded model's metrics are ${JSON.stringify(loadedNames)}, saved ${JSON.stringify(names)}`);
    }
    const loadedScores = loaded.evaluate(xv, yv, { batchSize: 64 });
    out.push({ label: 'load.evaluate', data: Float64Array.from(loadedScores) });
    const again = await loaded.fit(x, y, { epochs: 1, batchSize: 40, shuffle: true, seed: 6, validationData: [xv, yv] });
    out.push(...recordOutputs('load.fit.history', again.history));
    out.push(...loaded.weights.map((w) => ({ label: `load.fit.weight.${w.name}`, data: w.tensor.dataSync() })));

    // A custom loop: two lossOp losses combined inside valueAndGrads, stepped by its own optimizer.
    const net = own(sequential({
      seed: 77,
      layers: [
        layers.flatten({ inputShape: [MNIST_SIDE, MNIST_SIDE] }),
        layers.dense({ units: 16, activation: 'gelu' }),
        layers.dense({ units: 10, name: 'logits' }),
      ],
    }));
    const optimizer = adam({ learningRate: 0.01 });
    const stepLosses: number[] = [];
    try {
      for (let start = 0; start + 40 <= API_TRAIN; start += 40) {
        stepLosses.push(tidy(() => {
          const xb = tensor(data.x.subarray(start * pixels, (start + 40) * pixels), [40, MNIST_SIDE, MNIST_SIDE]);
          const ids = data.y.subarray(start, start + 40);
          const yb = tensor(oneHot(start, 40), [40, 10]);
          const vars = net.trainableWeights;
          const { value, grads } = valueAndGrads(() => {
            const logits = net.layerOutput('logits', xb);
            return add(lossOp('sparseCategoricalCrossentropy', ids, logits, { fromLogits: true }),
              affine(lossOp('categoricalCrossentropy', yb, logits, { fromLogits: true }), 0.25, 0));
          }, vars.map((v) => v.tensor));
          optimizer.applyGradients(vars.map((v, i) => ({ variable: v.tensor, grad: grads[i], name: v.name })));
          return value.dataSync()[0];
        }));
      }
    } finally {
      optimizer.dispose();
    }
    out.push({ label: 'loop.losses', data: Float64Array.from(stepLosses) });
    out.push(...net.weights.map((w) => ({ label: `loop.weight.${w.name}`, data: w.tensor.dataSync() })));

    // The cross-entropy metrics take logarithms: on chosen probabilities, row by row, so a
    // last-bit difference in one logarithm is not lost in a mean. (An identity model: its
    // output is its input.)
    const identity = own(sequential({ layers: [layers.activation({ activation: 'linear', inputShape: [4] })] }));
    identity.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['binaryCrossentropy', 'categoricalCrossentropy'] });
    const probs = makeUnit(4 * 64, 0x10c).map(Math.abs);
    const rowScores: number[] = [];
    for (let r = 0; r < 64; r++) {
      const target = new Float32Array(4);
      target[r % 4] = 1;
      rowScores.push(...tidy(() => identity.evaluate(tensor(probs.subarray(r * 4, r * 4 + 4), [1, 4]), tensor(target, [1, 4]))));
    }
    out.push({ label: 'evaluate.crossentropyRows', data: Float64Array.from(rowScores) });

    // summary() of names a terminal draws two cells wide, or none (combining marks; U+1ACF is
    // one of Unicode 17, which some engines' tables lack).
    const wide = own(sequential({
      name: '模型 ｍｏｄｅｌ 🧪',
      layers: [
        layers.flatten({ inputShape: [4, 3], name: 'ﬂatten_平' }),
        layers.dense({ units: 5, activation: 'relu', name: 'de\u0301nse_全角_ｗｉｄｅ_a\u1acf' }),
        layers.dense({ units: 2, name: 'выход_😀' }),
      ],
    }));
    out.push({ label: 'summary', data: utf8(wide.summary(false)) });
    return out;
  } finally {
    for (const t of owned.reverse()) t.dispose();
  }
}

/** The sections in hash order; append new ones at the end. */
function sections(x: Float32Array, inputs: WorkloadInputs): { name: string; run: () => SectionOutput[] | Promise<SectionOutput[]> }[] {
  return [
    { name: 'inputs', run: () => inputsSection(x) },
    { name: 'activations', run: () => activationSection(x) },
    { name: 'softmax', run: () => softmaxSection(x) },
    { name: 'matmul', run: matmulSection },
    { name: 'conv2d', run: convSection },
    { name: 'pooling', run: poolSection },
    { name: 'mnist-subset', run: () => mnistSection(inputs) },
    { name: 'training', run: () => trainingSection(inputs) },
    { name: 'schedules', run: scheduleSection },
    { name: 'api', run: () => apiSection(inputs) },
  ];
}

// ---- hashing ----------------------------------------------------------------------------

const CANONICAL_NAN = 0x7fc00000;
/** The high word of the canonical float64 NaN 0x7ff8000000000000 (little-endian: the low word is 0). */
const CANONICAL_NAN64_HIGH = 0x7ff80000;

/**
 * The bytes hashed for one output: a 4-byte length, then the data. Wasm leaves the sign and
 * payload of a NaN result unspecified, and engines do differ: in log-softmax rows holding
 * Inf and NaN, V8 (Node, Deno, Chromium) and JavaScriptCore (Bun) return 0xffc00000 (x86's
 * default NaN) where SpiderMonkey (Firefox) returns 0x7fc00000 or carries the input's
 * payload through (0x7fe00001). So every float32 NaN becomes 0x7fc00000 and every
 * float64 NaN (a JavaScript number, e.g. a loss) 0x7ff8000000000000 before hashing; every
 * other bit pattern, -0 included, is hashed as produced. `rawSha256` keeps the engine's
 * own bits so such differences stay visible.
 */
function outputBytes(o: SectionOutput, canonical: boolean, count: { nans: number; rewritten: number }): Uint8Array {
  const bytes = new Uint8Array(4 + o.data.byteLength);
  new DataView(bytes.buffer).setUint32(0, o.data.length, true);
  bytes.set(new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength), 4);
  if (canonical && o.data instanceof Float32Array) {
    const view = new DataView(bytes.buffer, 4);
    for (let i = 0; i < o.data.length; i++) {
      const b = view.getUint32(i * 4, true);
      if ((b & 0x7fffffff) > 0x7f800000) {
        count.nans++;
        if (b !== CANONICAL_NAN) {
          count.rewritten++;
          view.setUint32(i * 4, CANONICAL_NAN, true);
        }
      }
    }
  }
  if (canonical && o.data instanceof Float64Array) {
    const view = new DataView(bytes.buffer, 4);
    for (let i = 0; i < o.data.length; i++) {
      if (!Number.isNaN(o.data[i])) continue;
      count.nans++;
      if (view.getUint32(i * 8, true) !== 0 || view.getUint32(i * 8 + 4, true) !== CANONICAL_NAN64_HIGH) {
        count.rewritten++;
        view.setUint32(i * 8, 0, true);
        view.setUint32(i * 8 + 4, CANONICAL_NAN64_HIGH, true);
      }
    }
  }
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(new ArrayBuffer(parts.reduce((s, p) => s + p.length, 0)));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Runs the whole workload and hashes it: per section, and over everything in order. */
export async function runWorkload(inputs: WorkloadInputs = {}): Promise<WorkloadReport> {
  await init();
  // The relaxed engine's bits depend on the engine and the CPU: the pinned hash is the plain one's.
  if (simdInfo().engine !== 'plain') throw new Error('actlab: the determinism workload must run the plain SIMD kernels');
  const x = makeInputs();
  const reports: SectionReport[] = [];
  const all: Uint8Array[] = [];
  const allRaw: Uint8Array[] = [];
  for (const s of sections(x, inputs)) {
    const outputs = await s.run();
    const count = { nans: 0, rewritten: 0 };
    const canonical = concat(outputs.map((o) => outputBytes(o, true, count)));
    const raw = concat(outputs.map((o) => outputBytes(o, false, count)));
    all.push(canonical);
    allRaw.push(raw);
    reports.push({
      name: s.name,
      sha256: await sha256(canonical),
      rawSha256: await sha256(raw),
      values: outputs.reduce((n, o) => n + o.data.length, 0),
      nans: count.nans,
      nansRewritten: count.rewritten,
    });
  }
  return { sha256: await sha256(concat(all)), rawSha256: await sha256(concat(allRaw)), sections: reports };
}
