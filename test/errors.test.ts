// Bad input: every case is its own test, and each checks that the message says what was
// wrong and what was expected. The list (grouped) is in docs/reliability.md; layers, fit and
// checkpoints add theirs later.
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  init, tensor, zeros, empty, add, sub, mul, div, affine, mean, reshape, activation, activations, softmax, softmaxGrad,
  softmaxOp, logSoftmaxOp, softmaxCrossEntropy, valueAndGrads, sum, sgd, adam, adamw, rmsprop, meanSquaredError,
  binaryCrossentropy, sparseCategoricalCrossentropy, dataset, batches, oneHot, validationSplit, parseIdx,
  parseCifar10Batch, memoryStats, setDebugChecks, getDebugChecks, conv2d, conv2dBackpropInput, datasetFromIdx, rng, initializers, xor, twoSpirals,
  gatherDataset, trainTestSplit, stats, matMul, sequential, layers, modelToArtifacts,
  type ActivationName,
} from '../src/index.js';
import { datasets } from '../src/node/index.js';
import { rt } from '../src/core/wasm.js';

/** A value of the wrong type, as plain JavaScript can pass one. */
const wrong = <T>(v: unknown): T => v as T;

beforeAll(async () => { await init(); });
afterEach(() => { setDebugChecks({ nonFinite: 'off' }); vi.restoreAllMocks(); });

/** Two shapes and ops over them, disposed afterwards. */
function withPair(a: number[], b: number[], fn: (x: ReturnType<typeof tensor>, y: ReturnType<typeof tensor>) => void): void {
  const x = zeros(a), y = zeros(b);
  try { fn(x, y); } finally { x.dispose(); y.dispose(); }
}

describe('shape mismatches name both shapes', () => {
  test.each([['add', add], ['sub', sub], ['mul', mul], ['div', div]] as const)('%s [2, 3] with [2]', (name, op) => {
    withPair([2, 3], [2], (x, y) => expect(() => op(x, y)).toThrow(
      `actlab: ${name}: shapes [2, 3] and [2] do not broadcast (the second must match the first, be a suffix of it, or have one element)`));
  });
  test('reshape to another size', () => {
    withPair([2, 3], [1], (x) => expect(() => reshape(x, [4])).toThrow('actlab: cannot reshape [2, 3] (6 elements) to [4] (4 elements)'));
  });
  test('tensor() values that do not fill the shape', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow('actlab: tensor(): 3 values do not fill shape [2, 2] (4 elements)');
  });
  test('a shape with a negative or fractional dimension', () => {
    expect(() => zeros([2, -1])).toThrow('actlab: invalid shape [2, -1]: dimensions must be non-negative integers');
    expect(() => zeros([1.5])).toThrow('actlab: invalid shape [1.5]: dimensions must be non-negative integers');
  });
  test('prelu alpha with the wrong number of channels', () => {
    withPair([4, 3], [2], (x, alpha) => expect(() => activation(x, 'prelu', { alpha }))
      .toThrow("actlab: activation 'prelu' parameter 'alpha' has shape [2] but x [4, 3] has 3 channels on its last axis"));
  });
  test('activation backward with dy of another length', () => {
    expect(() => activations.backward('tanh', new Float32Array(3), new Float32Array(2)))
      .toThrow("actlab: activation 'tanh' backward: dy has 2 elements but x has 3");
  });
  test('softmax over values that do not form rows', () => {
    expect(() => softmax(new Float32Array(7), 3)).toThrow('actlab: softmax: 7 values do not form rows of 3 columns (length must be a multiple of cols)');
  });
  test('softmaxGrad with dy of another length', () => {
    expect(() => softmaxGrad(new Float32Array(6), new Float32Array(3), 3)).toThrow('actlab: softmaxGrad: dy has 3 values but y has 6');
  });
  test('softmaxOp on a scalar and on an empty last axis', () => {
    withPair([], [2, 0], (s, e) => {
      expect(() => softmaxOp(s)).toThrow('actlab: softmax: needs at least one axis, got a scalar');
      expect(() => logSoftmaxOp(e)).toThrow('actlab: logSoftmax: the last axis of [2, 0] is empty');
    });
  });
  test('a loss with yTrue and yPred of different shapes', () => {
    withPair([2, 3], [3, 2], (t, p) => expect(() => meanSquaredError(t, p))
      .toThrow('actlab: meanSquaredError: yTrue shape [2, 3] does not match yPred shape [3, 2]'));
  });
  test('an optimizer gradient of another shape than its variable', () => {
    withPair([2, 3], [3, 2], (w, g) => expect(() => sgd().applyGradients([{ variable: w, grad: g }]))
      .toThrow('actlab: sgd.applyGradients: entry 0: grad shape [3, 2] does not match variable shape [2, 3]'));
  });
  test('an optimizer given variables in another order than before', () => {
    withPair([2], [3], (a, b) => {
      const opt = adam();
      opt.applyGradients([{ variable: a, grad: a }, { variable: b, grad: b }]);
      expect(() => opt.applyGradients([{ variable: b, grad: b }, { variable: a, grad: a }]))
        .toThrow("actlab: adam.applyGradients: entry 0 has 3 elements but the optimizer's state for position 0 has 2: pass the same variables in the same order every step");
      opt.dispose();
    });
  });
  test('valueAndGrads with dy of another shape than f returns', () => {
    withPair([2, 2], [3], (x, dy) => expect(() => valueAndGrads(() => mul(x, x), [x], dy))
      .toThrow('actlab: dy has shape [3] but f returned [2, 2]'));
  });
});

describe('hyperparameters out of range say the valid range', () => {
  test.each<[string, () => unknown, string]>([
    ['learning rate 0', () => sgd({ learningRate: 0 }), 'actlab: sgd: learningRate = 0 is out of range: expected a finite number > 0'],
    ['learning rate NaN', () => adam({ learningRate: NaN }), 'actlab: adam: learningRate = NaN is out of range: expected a finite number > 0'],
    ['learning rate Infinity', () => rmsprop({ learningRate: Infinity }), 'actlab: rmsprop: learningRate = Infinity is out of range: expected a finite number > 0'],
    ['beta1 = 1', () => adam({ beta1: 1 }), 'actlab: adam: beta1 = 1 is out of range: expected a number in [0, 1)'],
    ['beta2 < 0', () => adamw({ beta2: -0.1 }), 'actlab: adamw: beta2 = -0.1 is out of range: expected a number in [0, 1)'],
    ['epsilon 0', () => adam({ epsilon: 0 }), 'actlab: adam: epsilon = 0 is out of range: expected a finite number > 0'],
    ['rho 1', () => rmsprop({ rho: 1 }), 'actlab: rmsprop: rho = 1 is out of range: expected a number in [0, 1)'],
    ['momentum 1.5', () => sgd({ momentum: 1.5 }), 'actlab: sgd: momentum = 1.5 is out of range: expected a number in [0, 1]'],
    ['weight decay < 0', () => adamw({ weightDecay: -1 }), 'actlab: adamw: weightDecay = -1 is out of range: expected a finite number >= 0'],
    ['clipnorm 0', () => sgd({ clipnorm: 0 }), 'actlab: sgd: clipnorm = 0 is out of range: expected a finite number > 0'],
    ['two clipping options', () => sgd({ clipnorm: 1, clipvalue: 1 }), 'actlab: sgd: only one of clipnorm, globalClipnorm, clipvalue may be set, got clipnorm and clipvalue'],
    ['an unknown option', () => adam({ lr: 0.1 } as Parameters<typeof adam>[0]), 'actlab: adam: unknown option \'lr\'; valid options: learningRate, beta1, beta2, epsilon, clipnorm, globalClipnorm, clipvalue'],
  ])('%s', (_, make, message) => { expect(make).toThrow(message); });

  test('learning rate set to a negative value between steps', () => {
    const opt = sgd();
    expect(() => { opt.learningRate = -0.1; }).toThrow('actlab: sgd: learningRate = -0.1 is out of range: expected a finite number >= 0');
  });
  test('softmax temperature 0 (arrays) and NaN (tensors)', () => {
    expect(() => softmax(new Float32Array(3), 3, 0)).toThrow('actlab: softmax: temperature must be a finite number > 0, got 0');
    withPair([2, 3], [1], (x) => expect(() => softmaxOp(x, NaN)).toThrow('actlab: softmax: temperature must be a finite number > 0, got NaN'));
  });
  test('an activation parameter outside its range', () => {
    expect(() => activations.apply('celu', new Float32Array(2), { alpha: 0 })).toThrow("actlab: activation 'celu' parameter 'alpha' = 0 is out of range: expected 0 < alpha < Infinity");
  });
  test('an activation parameter that is finite as a double but Infinity in float32 (fixed: it reached the kernel)', () => {
    expect(() => activations.apply('swish', new Float32Array(2), { beta: 1e39 }))
      .toThrow("actlab: activation 'swish' parameter 'beta' = 1e+39 (Infinity in float32) is out of range: expected -Infinity < beta < Infinity");
    withPair([2], [1], (x) => expect(() => activation(x, 'swish', { beta: -1e39 })).toThrow(/parameter 'beta' = -1e\+39 \(-Infinity in float32\) is out of range/));
  });
  test('a positive activation parameter that rounds to 0 in float32 (fixed: celu divided by 0)', () => {
    expect(() => activations.apply('celu', new Float32Array(2), { alpha: 1e-50 }))
      .toThrow("actlab: activation 'celu' parameter 'alpha' = 1e-50 (0 in float32) is out of range: expected 0 < alpha < Infinity");
  });
  test('hardTanh with min >= max', () => {
    expect(() => activations.apply('hardTanh', new Float32Array(2), { min: 1, max: 1 })).toThrow("actlab: activation 'hardTanh': min (1) must be below max (1)");
  });
  test('an unknown activation and an unknown parameter list the valid ones', () => {
    expect(() => activations.apply(wrong<ActivationName>('relu7'), new Float32Array(1))).toThrow(/actlab: unknown activation 'relu7'; valid names: sigmoid, tanh, relu, /);
    expect(() => activations.apply('elu', new Float32Array(1), { beta: 1 })).toThrow("actlab: activation 'elu' has no parameter 'beta'; its parameters: alpha");
  });
  test("a name only layers take ('softmax', Keras's 'hard_sigmoid' and 'gelu_new') says what to write outside a layer", () => {
    withPair([2, 3], [1], (x) => {
      expect(() => activation(x, wrong<ActivationName>('softmax')))
        .toThrow("actlab: unknown activation 'softmax' (softmax works over rows, not elementwise: softmaxOp(x) for a tensor, softmax(values, cols) for an array; only layers take 'softmax' as an activation); valid names: sigmoid");
      expect(() => activation(x, wrong<ActivationName>('hard_sigmoid')))
        .toThrow("actlab: unknown activation 'hard_sigmoid' ('hard_sigmoid' is the Keras name layers take; here write 'hardSigmoid'); valid names: sigmoid");
    });
    expect(() => activations.apply(wrong<ActivationName>('gelu_new'), [1])).toThrow("('gelu_new' is the Keras name layers take; here write 'geluTanh')");
    expect(() => activations.apply(wrong<ActivationName>('toString'), [1])).toThrow(/^actlab: unknown activation 'toString'; valid names/);
  });
  test('affine with a non-finite scale', () => {
    withPair([2], [1], (x) => expect(() => affine(x, NaN)).toThrow('actlab: affine: alpha must be a finite number, got NaN'));
  });
});

describe('labels', () => {
  test('sparse cross-entropy: a label out of range', () => {
    withPair([2, 3], [1], (p) => expect(() => sparseCategoricalCrossentropy([0, 3], p))
      .toThrow('actlab: sparseCategoricalCrossentropy: label 3 at index 1 is not an integer class in [0, 3)'));
  });
  test('sparse cross-entropy: a non-integer label in a tensor', () => {
    withPair([2, 3], [1], (p) => {
      const y = tensor([1.5, 0]);
      expect(() => sparseCategoricalCrossentropy(y, p, { fromLogits: true }))
        .toThrow('actlab: sparseCategoricalCrossentropy: label 1.5 at index 0 is not an integer class in [0, 3)');
      y.dispose();
    });
  });
  test('sparse cross-entropy: one label too few', () => {
    withPair([2, 3], [1], (p) => expect(() => sparseCategoricalCrossentropy([0], p))
      .toThrow('actlab: sparseCategoricalCrossentropy: 1 labels for 2 rows of yPred [2, 3]: expected one label per row'));
  });
  test('fused softmax cross-entropy: a negative label', () => {
    expect(() => softmaxCrossEntropy(new Float32Array(6), [0, -1], 3))
      .toThrow('actlab: softmaxCrossEntropy: label -1 at row 1 is not an integer class in [0, 3)');
  });
  test('oneHot: a label outside the classes', () => {
    expect(() => oneHot([0, 10], 10)).toThrow('actlab: oneHot: label 10 at index 1 is outside [0, 10)');
  });
  test('dataset: a label outside numClasses', () => {
    expect(() => dataset({ x: new Float32Array(2), y: Int32Array.from([0, 5]), shape: [1], numClasses: 2 }))
      .toThrow('actlab: dataset: label 5 at index 1 is outside [0, 2)');
  });
});

describe('data: empty sets, batch size, files', () => {
  const ds = (n: number): ReturnType<typeof dataset> => dataset({ x: new Float32Array(n * 2), y: new Int32Array(n), shape: [2], numClasses: 2 });
  test('batches over an empty dataset (fixed: it silently gave no batches)', () => {
    expect(() => [...batches(ds(0), { batchSize: 4 })]).toThrow('actlab: batches: the dataset is empty (0 samples); expected at least one sample');
  });
  test('batch size 0', () => {
    expect(() => [...batches(ds(3), { batchSize: 0 })]).toThrow('actlab: batches: batchSize must be a positive integer, got 0');
  });
  test('a validation fraction of 1', () => {
    expect(() => validationSplit(ds(3), 1)).toThrow('actlab: validationSplit: the fraction must be in (0, 1), got 1');
  });
  test('dataset x that does not fill its labels', () => {
    expect(() => dataset({ x: new Float32Array(5), y: new Int32Array(3), shape: [2], numClasses: 2 }))
      .toThrow('actlab: dataset: x has 5 values but 3 labels of sample shape [2] need 6');
  });
  const header = (dims: number[], payload: number): Uint8Array => {
    const b = new Uint8Array(4 + 4 * dims.length + payload);
    b[2] = 0x08; b[3] = dims.length;
    dims.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d, false));
    return b;
  };
  test('IDX truncated', () => {
    expect(() => parseIdx(header([2, 3], 5), 'x.idx')).toThrow('actlab: x.idx: truncated: 17 bytes, expected exactly 18 (12-byte header + dims [2, 3] x 1 byte of uint8)');
  });
  test('IDX bad magic', () => {
    expect(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]), 'x.idx')).toThrow('actlab: x.idx: bad magic number 0x50 0x4B 0x03 0x04: an IDX file starts with 0x00 0x00 <type> <rank>');
  });
  test('IDX dims that disagree with the length', () => {
    expect(() => parseIdx(header([2, 2], 6), 'x.idx')).toThrow('actlab: x.idx: has trailing bytes: 18 bytes, expected exactly 16');
  });
  test('CIFAR-10 truncated', () => {
    expect(() => parseCifar10Batch(new Uint8Array(3073 + 100), 'b.bin'))
      .toThrow('actlab: b.bin: 3173 bytes is not a whole number of 3073-byte records (1 label + 3072 pixels); expected a positive multiple of 3073 (the file is 100 bytes past record 1)');
  });
  test('CIFAR-10 with a label byte above 9', () => {
    const b = new Uint8Array(3073); b[0] = 12;
    expect(() => parseCifar10Batch(b, 'b.bin')).toThrow('actlab: b.bin: record 0 (byte 0) has label 12; CIFAR-10 labels are 0..9');
  });
  test('file bytes given as an ArrayBuffer instead of a Uint8Array', () => {
    expect(() => parseIdx(wrong<Uint8Array>(new ArrayBuffer(8)), 'x.idx'))
      .toThrow("actlab: x.idx: expected the file's bytes as a Uint8Array (new Uint8Array(arrayBuffer)), got ArrayBuffer");
    expect(() => parseCifar10Batch(wrong<Uint8Array>(new ArrayBuffer(3073)), 'b.bin'))
      .toThrow("actlab: b.bin: expected the file's bytes as a Uint8Array (new Uint8Array(arrayBuffer)), got ArrayBuffer");
  });
  test('an IDX label outside the classes names the label file', () => {
    const images = header([2, 1, 1], 2), labels = header([2], 2);
    labels[labels.length - 1] = 10;
    expect(() => datasetFromIdx(images, labels, { labelsName: 'l.idx' })).toThrow('actlab: l.idx: label 10 at index 1 is outside [0, 10) (numClasses 10)');
  });
  test('a missing MNIST directory', async () => {
    await expect(datasets.mnist({ dir: '/nonexistent/mnist' }))
      .rejects.toThrow(/^actlab: cannot read the MNIST file \/nonexistent\/mnist\/train-images-idx3-ubyte \(ENOENT\)/);
  });
  test("mnist(dir) and cifar10({ dir }): each loader takes the other's form; a misspelt option is refused", async () => {
    // mnist('/dir') loaded the packaged MNIST instead of the directory's files; mnist({ path }) too.
    await expect(datasets.mnist(wrong<{ dir: string }>('/nonexistent/mnist')))
      .rejects.toThrow(/^actlab: cannot read the MNIST file \/nonexistent\/mnist\/train-images-idx3-ubyte \(ENOENT\)/);
    await expect(datasets.mnist(wrong<{ dir: string }>({ path: '/nonexistent/mnist' }))).rejects.toThrow("actlab: mnist: unknown option 'path'; valid options: subset, dir");
    await expect(datasets.cifar10({ dir: '/nonexistent/cifar' })).rejects.toThrow(/^actlab: cifar10: \/nonexistent\/cifar lacks data_batch_1.bin/);
    await expect(datasets.cifar10(wrong<string>({ path: '/x' }))).rejects.toThrow('actlab: cifar10: expected the cifar-10-batches-bin directory as a path (or { dir }), got {"path":"/x"}');
  });
});

describe('numbers that float32 cannot hold, and non-integers where integers belong', () => {
  test('random, initializer and synthetic-data parameters that become Infinity or 0 in float32', () => {
    const r = rng(1);
    expect(() => r.normal([4], 0, 1e39)).toThrow("actlab: normal: std = 1e+39 is Infinity in float32, the kernels' type");
    expect(() => r.normal([4], 1e39, 1)).toThrow('actlab: normal: mean = 1e+39 is Infinity in float32');
    expect(() => r.truncatedNormal([4], 0, 1e-46)).toThrow('actlab: truncatedNormal: std = 1e-46 is 0 in float32');
    expect(() => initializers.constant({ value: 1e39 })).toThrow('actlab: constant: value = 1e+39 is Infinity in float32');
    expect(() => xor({ n: 2, noise: 1e39 })).toThrow('actlab: xor: noise = 1e+39 is Infinity in float32');
    expect(() => twoSpirals({ n: 2, turns: 1e39 })).toThrow('actlab: twoSpirals: turns = 1e+39 is Infinity in float32');
  });
  test('a non-integer label or index says so', () => {
    expect(() => oneHot([0.5], 3)).toThrow('actlab: oneHot: label 0.5 at index 0 is not an integer in [0, 3)');
    const ds = dataset({ x: new Float32Array(6), y: new Int32Array(3), shape: [2], numClasses: 2 });
    expect(() => gatherDataset(ds, [1.5])).toThrow('actlab: gatherDataset: index 1.5 at position 0 is not an integer in [0, 3)');
    expect(() => dataset({ x: new Float32Array(4), y: wrong<Int32Array>([0, 0.5]), shape: [2], numClasses: 2 }))
      .toThrow('actlab: dataset: label 0.5 at index 1 is not an integer in [0, 2)');
  });
  test('mean and std of nothing name themselves', () => {
    expect(() => stats.mean(new Float32Array(0))).toThrow(/^actlab: mean: /);
    expect(() => stats.std(new Float32Array(0))).toThrow(/^actlab: std: /);
  });
  test('a split that leaves an empty part', () => {
    const one = dataset({ x: new Float32Array(2), y: new Int32Array(1), shape: [2], numClasses: 2 });
    expect(() => validationSplit(one, 0.5)).toThrow('actlab: validationSplit: a fraction of 0.5 of 1 samples leaves no training samples');
    const three = dataset({ x: new Float32Array(6), y: new Int32Array(3), shape: [2], numClasses: 2 });
    expect(() => validationSplit(three, 1e-17)).toThrow('actlab: validationSplit: a fraction of 1e-17 of 3 samples leaves no held-out samples');
    expect(() => trainTestSplit(three, { testFraction: 1e-17, seed: 1 })).toThrow('actlab: trainTestSplit: a fraction of 1e-17 of 3 samples leaves no held-out samples');
  });
});

describe('arguments of the wrong type', () => {
  test('conv2d without strides', () => {
    withPair([1, 3, 3, 1], [2, 2, 1, 1], (x, f) => expect(() => conv2d(x, f, wrong<number>(undefined), 'valid'))
      .toThrow('actlab: conv2d: strides undefined must be a positive integer or a pair [height, width] of them'));
    withPair([1, 3, 3, 1], [2, 2, 1, 1], (x, f) => expect(() => conv2d(x, f, [NaN, 1], 'valid'))
      .toThrow('actlab: conv2d: strides [NaN, 1] must be a positive integer or a pair [height, width] of them'));
  });
  test('conv2dBackpropInput with a shape that is not an array', () => {
    withPair([1, 3, 3, 1], [2, 2, 1, 1], (dy, f) => expect(() => conv2dBackpropInput(wrong<number[]>('abc'), dy, f, 1, 'same'))
      .toThrow('actlab: conv2dBackpropInput: x must be a shape [batch, height, width, inChannels], got "abc"'));
  });
  test('activations.apply on something that is not an array', () => {
    expect(() => activations.apply('relu', wrong<Float32Array>(null))).toThrow("actlab: activation 'relu': x must be a Float32Array (or an array of numbers), got null");
  });
  test('an activation parameter given as a string', () => {
    expect(() => activations.apply('leakyRelu', new Float32Array(2), wrong<{ alpha: number }>({ alpha: '0.5' })))
      .toThrow("actlab: activation 'leakyRelu' parameter 'alpha' must be a number, got the string '0.5'");
  });
  test('a thread count given as a string', async () => {
    await expect(init(wrong<{ threads: number }>({ threads: '4' }))).rejects.toThrow('actlab: init: threads must be a number (an integer from 1 to 64), got string "4"');
  });
  test('a per-channel activation on a tensor with no channels', () => {
    withPair([2, 0], [0], (x, alpha) => {
      const y = activation(x, 'prelu', { alpha });
      expect(y.shape).toEqual([2, 0]);
      y.dispose();
    });
  });
});

describe('memory and lifetimes', () => {
  test('5 GiB: a clear RangeError, the process survives, the library stays usable', () => {
    const before = memoryStats();
    expect(() => rt().heap.alloc(5 * 2 ** 30)).toThrow(RangeError);
    expect(() => rt().heap.alloc(5 * 2 ** 30)).toThrow(/^actlab: cannot allocate 5368709136 bytes: Wasm memory is [\d.]+ MiB and would need [\d.]+ MiB, above its [\d.]+ MiB maximum \(the wasm32 limit is 4 GiB\); free tensors or use smaller batches$/);
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    const y = activations.apply('relu', new Float32Array([-1, 2]));
    expect(Array.from(y)).toEqual([0, 2]);
  });
  test('a tensor too large for wasm32 (8 GiB) is a RangeError, and tensors work afterwards', () => {
    expect(() => empty([2 ** 20, 2 ** 11])).toThrow(RangeError);
    const t = tensor([1, 2]);
    expect(Array.from(t.dataSync())).toEqual([1, 2]);
    t.dispose();
  });
  test('a negative or fractional allocation size', () => {
    expect(() => rt().heap.alloc(-4)).toThrow('actlab: cannot allocate -4 bytes: the size must be a non-negative integer');
    expect(() => rt().heap.alloc(2.5)).toThrow('actlab: cannot allocate 2.5 bytes: the size must be a non-negative integer');
  });
  test('double free', () => {
    const p = rt().heap.alloc(8);
    rt().heap.free(p);
    expect(() => rt().heap.free(p)).toThrow(`actlab: free(${p}) does not name a live block (double free or foreign pointer)`);
  });
  test('reading a disposed tensor', () => {
    const t = tensor([1, 2, 3], [3]);
    t.dispose();
    expect(() => t.dataSync()).toThrow('actlab: tensor [3] was disposed and cannot be used');
  });
  test('an op on a disposed tensor', () => {
    const a = tensor([1, 2], [2]), b = tensor([1, 2], [2]);
    a.dispose();
    expect(() => add(a, b)).toThrow('actlab: tensor [2] was disposed and cannot be used');
    b.dispose();
  });
  test('an optimizer step with a disposed variable, and a disposed optimizer', () => {
    const w = tensor([1]), g = tensor([1]);
    w.dispose();
    const opt = sgd();
    expect(() => opt.applyGradients([{ variable: w, grad: g }])).toThrow('actlab: sgd.applyGradients: entry 0: the variable [1] was disposed ' +
      '(a weight of a disposed model or layer?): pass the weights of a live model (model.trainableWeights)');
    expect(() => opt.applyGradients([{ variable: g, grad: w, name: 'b' }])).toThrow("actlab: sgd.applyGradients: entry 0 ('b'): the grad [1] was disposed");
    opt.dispose();
    expect(() => opt.getWeights()).toThrow('actlab: sgd: this optimizer was disposed and cannot be used');
    g.dispose();
  });
  test('a loss on a disposed tensor', () => {
    withPair([2], [2], (t, p) => {
      p.dispose();
      expect(() => binaryCrossentropy(t, p)).toThrow('actlab: binaryCrossentropy: yPred was disposed');
    });
  });
  test('mean and losses of empty tensors', () => {
    withPair([0, 3], [0, 3], (t, p) => {
      expect(() => mean(p)).toThrow('actlab: mean of an empty tensor [0, 3] is undefined');
      expect(() => meanSquaredError(t, p)).toThrow('actlab: meanSquaredError: yPred [0, 3] is empty: the mean loss needs at least one value');
    });
  });
});

describe('NaN and Infinity in inputs (opt-in debug checks)', () => {
  test("off by default: NaN flows through silently (the fast path)", () => {
    expect(getDebugChecks()).toEqual({ nonFinite: 'off' });
    withPair([2], [2], (a) => {
      const b = tensor([NaN, 1]);
      const y = add(a, b);
      expect(Number.isNaN(y.dataSync()[0])).toBe(true);
      y.dispose(); b.dispose();
    });
  });
  test("'throw': an elementwise op names itself, the input, its shape, the value and the first bad index", () => {
    setDebugChecks({ nonFinite: 'throw' });
    const a = zeros([2, 3]), b = tensor([0, 1, 2, 3, Infinity, NaN], [2, 3]);
    expect(() => mul(a, b)).toThrow("actlab: mul: input 1 [2, 3] holds Infinity at index 4 [1, 1]; expected finite values (debug check nonFinite = 'throw')");
    a.dispose(); b.dispose();
  });
  test("'throw': activation op, softmax op, sum, losses and optimizer gradients check their inputs", () => {
    setDebugChecks({ nonFinite: 'throw' });
    const bad = tensor([1, NaN, 3], [1, 3]), ok = zeros([1, 3]);
    expect(() => activation(bad, 'gelu')).toThrow("actlab: activation 'gelu': x [1, 3] holds NaN at index 1 [0, 1]");
    expect(() => softmaxOp(bad)).toThrow('actlab: softmax: input 0 [1, 3] holds NaN at index 1 [0, 1]');
    expect(() => sum(bad)).toThrow('actlab: sum: input 0 [1, 3] holds NaN at index 1');
    expect(() => meanSquaredError(ok, bad)).toThrow('actlab: meanSquaredError: yPred [1, 3] holds NaN at index 1 [0, 1]');
    expect(() => sgd().applyGradients([{ variable: ok, grad: bad }])).toThrow('actlab: sgd.applyGradients: grad 0 [1, 3] holds NaN at index 1 [0, 1]');
    expect(Array.from(ok.dataSync())).toEqual([0, 0, 0]);
    bad.dispose(); ok.dispose();
  });
  test("'throw': the Float32Array APIs check too", () => {
    setDebugChecks({ nonFinite: 'throw' });
    expect(() => activations.apply('relu', new Float32Array([1, 2, -Infinity]))).toThrow("actlab: activation 'relu': x [3] holds -Infinity at index 2");
    expect(() => softmax(new Float32Array([1, 2, 3, NaN]), 2)).toThrow('actlab: softmax: x [2, 2] holds NaN at index 3 [1, 1]');
    expect(memoryStats().liveBlocks).toBeGreaterThanOrEqual(0);
  });
  test("'warn': the op runs and one warning names the problem", () => {
    setDebugChecks({ nonFinite: 'warn' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const x = tensor([1, Infinity]);
    const y = affine(x, 2);
    expect(y.dataSync()[1]).toBe(Infinity);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith("actlab: affine: input 0 [2] holds Infinity at index 1; expected finite values (debug check nonFinite = 'warn')");
    x.dispose(); y.dispose();
  });
  test('an invalid mode or option', () => {
    expect(() => setDebugChecks({ nonFinite: 'loud' as 'warn' })).toThrow("actlab: setDebugChecks: nonFinite = loud is not valid; expected 'throw', 'warn' or 'off'");
    expect(() => setDebugChecks({ nan: 'throw' } as Parameters<typeof setDebugChecks>[0])).toThrow("actlab: setDebugChecks: unknown option 'nan'; valid options: nonFinite");
  });
  test('the scan kernel finds the first NaN/Inf at every position of the SIMD body and the tail', () => {
    const { heap, kernels } = rt();
    for (const n of [1, 3, 4, 5, 8, 13, 64, 67]) {
      const p = heap.alloc(n * 4);
      try {
        for (const bad of [NaN, Infinity, -Infinity]) {
          for (let at = 0; at < n; at++) {
            const v = heap.f32(p, n);
            v.fill(3.4e38);
            v[at] = bad;
            if (at + 1 < n) v[n - 1] = NaN;
            expect(kernels.f32_first_non_finite(n, p), `n ${n}, ${bad} at ${at}`).toBe(at);
          }
        }
        heap.f32(p, n).fill(-3.4e38);
        expect(kernels.f32_first_non_finite(n, p)).toBe(-1);
      } finally {
        heap.free(p);
      }
    }
  });
});

describe('init() options', () => {
  /** init's rejection, which must be exactly `message`. */
  const refuses = (options: unknown, message: string) => expect(init(wrong(options))).rejects.toThrow(new Error(message));
  test('a misspelt option is refused, not ignored', async () => {
    await refuses({ thread: 2 }, "actlab: init: unknown option 'thread'; valid options: threads, threadTimeoutMs, relaxedSimd");
    await refuses({ threads: 1, relaxedSIMD: true }, "actlab: init: unknown option 'relaxedSIMD'; valid options: threads, threadTimeoutMs, relaxedSimd");
  });
  test('an argument that is not an options object', async () => {
    const expected = 'actlab: init: expected an options object ({ threads?, threadTimeoutMs?, relaxedSimd? }) or nothing, got';
    await refuses(null, `${expected} null`);
    await refuses(4, `${expected} number 4`);
    await refuses('threads: 2', `${expected} string "threads: 2"`);
    await refuses([2], `${expected} Array`);
  });
  test('a thread timeout that is not a positive number', async () => {
    await refuses({ threadTimeoutMs: '5' }, 'actlab: init: threadTimeoutMs = "5" must be a positive number of milliseconds');
    await refuses({ threadTimeoutMs: 0 }, 'actlab: init: threadTimeoutMs = 0 must be a positive number of milliseconds');
  });
  test('after a refused init, init() still resolves and the kernels run', async () => {
    await refuses({ thread: 2 }, "actlab: init: unknown option 'thread'; valid options: threads, threadTimeoutMs, relaxedSimd");
    await expect(init()).resolves.toBeUndefined();
    expect(Array.from(activations.apply('relu', new Float32Array([-1, 2])))).toEqual([0, 2]);
  });
});

describe('common mistakes name the argument and what it got (an error-message review, 2026-12-07)', () => {
  test('a Float32Array or an array where a Tensor goes, a shape given as a number', () => {
    const x = tensor([1, 2, 3, 4], [2, 2]);
    const f32 = new Float32Array(4);
    expect(() => add(x, wrong<typeof x>(f32))).toThrow('actlab: add: b must be a Tensor (tensor(values, shape) makes one), got Float32Array');
    expect(() => matMul(x, wrong<typeof x>(f32))).toThrow('actlab: matMul: b must be a Tensor (tensor(values, shape) makes one), got Float32Array');
    expect(() => mean(wrong<typeof x>([1, 2]))).toThrow('actlab: mean: x must be a Tensor (tensor(values, shape) makes one), got Array');
    expect(() => softmaxOp(wrong<typeof x>(f32))).toThrow('actlab: softmax: x must be a Tensor');
    expect(() => sum(wrong<typeof x>(f32))).toThrow('actlab: sum: x must be a Tensor');
    expect(() => tensor([1, 2, 3], wrong<number[]>(3))).toThrow('actlab: a shape must be an array of dimensions, e.g. [2, 3], got the number 3');
    expect(() => zeros(wrong<number[]>(3))).toThrow('actlab: a shape must be an array of dimensions');
    expect(() => valueAndGrads(wrong<() => typeof x>([x]), wrong<(typeof x)[]>(() => x))).toThrow('actlab: valueAndGrads: xs must be an array of tensors (valueAndGrads(f, [x, ...])), got function');
    x.dispose();
  });

  test('strings, objects and functions are shown as what they are', () => {
    expect(() => sgd({ learningRate: wrong<number>('0.1') })).toThrow('actlab: sgd: learningRate = "0.1" is out of range');
    expect(() => layers.dense({ units: wrong<number>('3') })).toThrow('actlab: dense: units must be a positive integer, got "3"');
    expect(() => activations.apply(wrong<ActivationName>({ name: 'relu' }), new Float32Array(1))).toThrow('actlab: unknown activation Object; valid names');
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [2] })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: wrong<'mse'>(meanSquaredError) })).toThrow('actlab: compile: unknown loss function meanSquaredError; valid:');
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: wrong<['accuracy']>('accuracy') })).toThrow("actlab: compile: metrics must be an array, e.g. ['accuracy'], got string \"accuracy\"");
    expect(() => modelToArtifacts(wrong<typeof m>(layers.dense({ units: 1 })))).toThrow('actlab: save: expected a Sequential model, got Dense');
    m.dispose();
  });

  test("fit's validationData and callbacks are checked before training", async () => {
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = tensor([1, 2, 3, 4], [2, 2]), y = Int32Array.from([0, 1]);
    await expect(m.fit(x, y, { validationData: wrong<[typeof x, Int32Array]>(x) })).rejects.toThrow('actlab: fit: validationData must be [x, y], got Tensor');
    await expect(m.fit(x, y, { callbacks: [wrong<object>({ onEpochEnd: 3 })] })).rejects.toThrow('actlab: fit: callbacks[0].onEpochEnd must be a function, got number 3');
    await expect(m.fit(x, y, { seed: wrong<number>('1') })).rejects.toThrow('actlab: Rng seed must be an integer in [0, 2^53), got "1"');
    x.dispose(); m.dispose();
  });
});
