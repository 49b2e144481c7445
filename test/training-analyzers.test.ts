// The training analyzers (slides 6, 7, 8, 10-13) on tiny settings: a few hundred real
// MNIST images, one or two epochs, small models. Shapes and sanity of the results, the
// seed's claims (sigmoid's gradients vanish, ReLU is sparse), determinism, no leaked
// tensors, and clear errors for bad options.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  init, compareTraining, activationPatterns, vanishingGradients, benchmarkActivations, trainingDynamics, compareCnn,
  DynamicsRecorder, sequential, layers, tensor, memoryStats, sliceDataset, type DataSplits, type ProgressEvent,
} from '../src/index.js';
import { datasets } from '../src/node/index.js';

let data: DataSplits;
let liveBefore = 0;
beforeAll(async () => {
  await init();
  data = await datasets.mnist({ subset: { train: 400, test: 100 } });
  liveBefore = memoryStats().liveBlocks;
});
afterAll(() => {
  // Every analyzer frees its models, data tensors and temporaries.
  expect(memoryStats().liveBlocks).toBe(liveBefore);
});

describe('compareTraining (slide 6, 8)', () => {
  test('one run per activation: history per epoch, accuracy above chance, time, progress to the end', async () => {
    const events: ProgressEvent[] = [];
    const r = await compareTraining({ data, activations: ['relu', 'sigmoid'], hidden: [32], epochs: 2, seed: 3, onProgress: (e) => events.push(e) });
    expect(r.settings).toEqual({ hidden: [32], epochs: 2, batchSize: 32, learningRate: 0.001, seed: 3, trainSamples: 400, testSamples: 100, learnable: [] });
    expect(r.runs.map((x) => x.activation)).toEqual(['relu', 'sigmoid']);
    expect(r.runs.map((x) => x.name)).toEqual(['relu', 'sigmoid']);
    for (const run of r.runs) {
      for (const k of ['loss', 'acc', 'val_loss', 'val_acc'] as const) expect(run.history[k]).toHaveLength(2);
      expect(run.testAccuracy).toBe(run.history.val_acc[1]);
      expect(run.trainingTimeMs).toBeGreaterThan(0);
      expect(run.learnedParams).toBeUndefined();
    }
    expect(r.runs[0].testAccuracy).toBeGreaterThan(0.4);
    expect(events.at(-1)).toMatchObject({ done: 2 * 2 * 13, total: 2 * 2 * 13, label: 'sigmoid: epoch 2/2' });
    const again = await compareTraining({ data, activations: ['relu'], hidden: [32], epochs: 2, seed: 3 });
    expect(again.runs[0].history).toEqual(r.runs[0].history);
  });

  test('learnable scaledSwish trains alpha and beta per hidden layer', async () => {
    const r = await compareTraining({ data, activations: ['swish', 'scaledSwish'], learnable: ['scaledSwish'], hidden: [32, 16], epochs: 1, seed: 1 });
    expect(r.runs[0].learnedParams).toBeUndefined();
    const learned = r.runs[1].learnedParams ?? [];
    expect(learned.map((l) => l.layer)).toEqual(['custom_activation', 'custom_activation_1']);
    for (const l of learned) {
      expect(Object.keys(l.params)).toEqual(['alpha', 'beta']);
      expect(l.params.alpha[0]).not.toBe(0.5);
      expect(l.params.beta[0]).not.toBe(1);
    }
  });

  test('bad options say what was expected', async () => {
    await expect(compareTraining({ data, epochs: 0, seed: 1 })).rejects.toThrow('actlab: compareTraining: epochs = 0 is invalid: expected an integer >= 1');
    await expect(compareTraining({ data, activations: ['nope'], seed: 1 })).rejects.toThrow(/unknown activation 'nope'/);
    await expect(compareTraining({ data, activations: ['relu'], learnable: ['relu'], seed: 1 })).rejects.toThrow(/'relu' has no learnable parameters/);
    await expect(compareTraining({ data: { train: data.train, test: sliceDataset(data.test, 0, 0) }, seed: 1 })).rejects.toThrow(/expected at least one of each/);
  });
});

describe('activationPatterns (slide 7)', () => {
  test("trained MLP: the slide's dense_1 (the second hidden layer) as a square grid of its 64 units", async () => {
    const r = await activationPatterns({ data, epochs: 1, sample: 3, seed: 1 });
    expect(r.layer).toBe('dense_1');
    expect(r.layers).toEqual(['flatten', 'dense', 'dense_1', 'dense_2']);
    expect(r).toMatchObject({ activation: 'relu', sample: 3, label: data.test.y[3] });
    if (r.pattern.kind !== 'dense') throw new Error('expected a dense pattern');
    expect([r.pattern.units, r.pattern.rows, r.pattern.cols]).toEqual([64, 8, 8]);
    expect(r.pattern.values).toHaveLength(64);
    const first = activationPatterns({ data, epochs: 1, sample: 3, seed: 1, layer: 'dense' });
    if ((await first).pattern.kind !== 'dense') throw new Error('expected a dense pattern');
    const p = (await first).pattern;
    expect(p.kind === 'dense' ? [p.units, p.rows, p.cols, p.values.slice(128)] : []).toEqual([128, 11, 12, [null, null, null, null]]);
    expect(r.sparsity).toBeGreaterThan(0);
    expect(r.sparsity).toBeLessThan(1);
    expect([r.input.height, r.input.width]).toEqual([28, 28]);
  });

  test('a layer is named by its own activation: the softmax output is not called relu', async () => {
    const out = await activationPatterns({ data, epochs: 0, seed: 1, layer: 'dense_2' });
    expect(out.activation).toBe('softmax');
    expect((await activationPatterns({ data, epochs: 0, seed: 1, activation: { name: 'elu', params: { alpha: 0.5 } } })).activation).toMatch(/^elu/);
  });

  test('untrained CNN: one feature map per filter, at most maxFilters', async () => {
    const r = await activationPatterns({ data, architecture: 'cnn', epochs: 0, maxFilters: 8, seed: 1 });
    expect(r.layer).toBe('conv2d');
    if (r.pattern.kind !== 'conv') throw new Error('expected a conv pattern');
    expect([r.pattern.height, r.pattern.width, r.pattern.filters, r.pattern.maps.length]).toEqual([26, 26, 32, 8]);
    expect(r.pattern.maps[7].values).toHaveLength(26 * 26);
  });

  test('activationPatterns(model, layerName, input) probes any model at once', () => {
    const model = sequential({ seed: 2, layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 10, activation: 'tanh' })] });
    const image = data.test.x.subarray(0, 784);
    const asTensor = tensor(image, [1, 28, 28]);
    try {
      const r = activationPatterns(model, 'dense', image);
      expect(r).toMatchObject({ activation: 'tanh', layer: 'dense', sample: null, label: null, sparsity: 0 });
      if (r.pattern.kind !== 'dense') throw new Error('expected a dense pattern');
      expect([r.pattern.rows, r.pattern.cols]).toEqual([3, 4]);
      const flat = activationPatterns(model, 'flatten', asTensor);
      if (flat.pattern.kind !== 'dense') throw new Error('expected a dense pattern');
      expect([flat.pattern.rows, flat.pattern.cols]).toEqual([28, 28]);
      expect(flat.pattern.values.slice(0, 784)).toEqual(Array.from(image));
      expect(() => activationPatterns(model, 'dense', image.subarray(0, 10))).toThrow(/the input is 10 values: expected one sample .* shape \[28, 28\]/);
      expect(() => activationPatterns(model, 'nope', image)).toThrow(/has no layer 'nope'; its layers: flatten, dense/);
    } finally {
      model.dispose();
      asTensor.dispose();
    }
  });
});

describe('vanishingGradients (slide 10)', () => {
  test("sigmoid's gradient vanishes through 20 layers; relu's and tanh's do not", async () => {
    const r = await vanishingGradients({ seed: 42 });
    expect(r.settings).toEqual({ depth: 20, width: 64, batch: 32, inputDim: 100, seed: 42 });
    expect(r.runs.map((x) => x.activation)).toEqual(['relu', 'tanh', 'sigmoid']);
    const [relu, tanh, sigmoid] = r.runs;
    for (const run of r.runs) {
      expect(run.layers).toHaveLength(22);
      expect(run.layers[0].name).toBe('dense');
      for (const l of run.layers) expect(l.gradNorm).toBeGreaterThan(0);
    }
    expect(sigmoid.maxMinRatio).toBeGreaterThan(1e6);
    expect(sigmoid.maxMinRatio).toBeGreaterThan(relu.maxMinRatio);
    expect(sigmoid.maxMinRatio).toBeGreaterThan(tanh.maxMinRatio);
    expect(sigmoid.layers[0].gradNorm).toBeLessThan(sigmoid.layers[21].gradNorm * 1e-6);
    const again = await vanishingGradients({ seed: 42, activations: ['sigmoid'] });
    expect(again.runs[0]).toEqual(sigmoid);
  });

  test('any registry activation, including per-channel prelu; bad depth', async () => {
    const r = await vanishingGradients({ seed: 1, depth: 3, activations: ['selu', { name: 'prelu', params: { alpha: 0.1 } }] });
    expect(r.runs.map((x) => x.layers.length)).toEqual([5, 5]);
    expect(r.runs[1].activation).toBe('prelu (alpha=0.1)');
    await expect(vanishingGradients({ seed: 1, depth: 0 })).rejects.toThrow('actlab: vanishingGradients: depth = 0 is invalid: expected an integer >= 1');
  });

  test('the max/min ratio is NaN when every norm is 0 (no spread to measure), not 0/0 passed off as a ratio', async () => {
    // One relu unit fed one input: at seed 7 its pre-activation is negative, so no gradient reaches any kernel.
    const dead = await vanishingGradients({ seed: 7, depth: 1, width: 1, batch: 1, inputDim: 1, activations: ['relu'] });
    expect(dead.runs[0].layers.map((l) => l.gradNorm)).toEqual([0, 0, 0]);
    expect(dead.runs[0].maxMinRatio).toBeNaN();
  });
});

describe('benchmarkActivations (slide 11)', () => {
  test('times, final validation accuracy and convergence rate', async () => {
    const r = await benchmarkActivations({ data, activations: ['relu', 'tanh'], hidden: [32, 16], epochs: 2, seed: 1 });
    expect(r.settings).toMatchObject({ hidden: [32, 16], epochs: 2, trainSamples: 400, testSamples: 100 });
    for (const run of r.runs) {
      expect(run.trainingTimeMs).toBeGreaterThan(0);
      expect(run.inferenceMsPerSample).toBeGreaterThan(0);
      expect(run.finalValAccuracy).toBe(run.history.val_acc[1]);
      expect(run.convergenceRate).toBe(run.history.acc[1] - run.history.acc[0]);
    }
    const one = await benchmarkActivations({ data, activations: ['relu'], hidden: [8], epochs: 1, seed: 1 });
    expect(one.runs[0].convergenceRate).toBeNaN();
  });

  test('every activation gets an untimed warm-up before its timed run, which leaves the results unchanged', async () => {
    const labels: string[] = [];
    const opts = { data, activations: ['relu', 'tanh'] as const, hidden: [16], epochs: 2, seed: 3 };
    const warm = await benchmarkActivations({ ...opts, warmupSamples: 64, onProgress: (p) => labels.push(p.label) });
    expect(warm.settings.warmupSamples).toBe(64);
    // The warm-up of each activation comes before its first timed batch, and the count of steps is exact.
    const order = labels.filter((l) => l.endsWith('warm-up') || l.endsWith('epoch 1/2')).filter((l, i, a) => a.indexOf(l) === i);
    expect(order).toEqual(['relu: warm-up', 'relu: epoch 1/2', 'tanh: warm-up', 'tanh: epoch 1/2']);
    expect(labels.length).toBe(2 * (2 * Math.ceil(400 / 32) + 2));
    const cold = await benchmarkActivations({ ...opts, warmupSamples: 0 });
    expect(cold.settings.warmupSamples).toBe(0);
    expect(cold.runs.map((r) => r.history)).toEqual(warm.runs.map((r) => r.history));
    // The default is 2048 samples, or all of them when there are fewer.
    const all = await benchmarkActivations({ ...opts, activations: ['relu'], epochs: 1 });
    expect(all.settings.warmupSamples).toBe(400);
    await expect(benchmarkActivations({ ...opts, warmupSamples: -1 })).rejects.toThrow(/warmupSamples = -1 is invalid/);
  });
});

describe('trainingDynamics (slide 12)', () => {
  test('one entry per epoch: layer statistics, a gradient norm per variable, the summary', async () => {
    const r = await trainingDynamics({ data, activations: ['relu', { name: 'tanh', label: 'my tanh' }], hidden: [32, 16], epochs: 3, probeSize: 50, seed: 1 });
    expect(r.runs.map((x) => [x.activation, x.name])).toEqual([['relu', 'relu'], ['my tanh', 'tanh']]);
    expect(r.settings).toEqual({ hidden: [32, 16], epochs: 3, batchSize: 32, probeSize: 50, seed: 1 });
    const [relu, tanh] = r.runs;
    for (const run of r.runs) {
      expect(run.layer).toBe('dense_1');
      expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      for (const e of run.epochs) {
        expect(e.gradNorms.map((g) => g.variable)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);
        for (const g of e.gradNorms) expect(g.norm).toBeGreaterThan(0);
        expect(e.activationStd).toBeGreaterThan(0);
      }
      expect(run.summary.finalSparsity).toBe(run.epochs[2].sparsity);
      const norms = run.epochs.flatMap((e) => e.gradNorms.map((g) => g.norm));
      expect(run.summary.meanGradientNorm).toBeCloseTo(norms.reduce((a, b) => a + b, 0) / norms.length, 12);
      expect(run.summary.activationStability).toBeGreaterThan(0);
    }
    expect(relu.summary.finalSparsity).toBeGreaterThan(0.1);
    expect(tanh.summary.finalSparsity).toBe(0);
  });

  test('DynamicsRecorder is a callback for any fit()', async () => {
    const model = sequential({ seed: 4, layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 16, activation: 'elu' }), layers.dense({ units: 10, activation: 'softmax' })] });
    const x = tensor(data.train.x.subarray(0, 200 * 784), [200, 28, 28]);
    const probe = { x: tensor(data.test.x.subarray(0, 20 * 784), [20, 28, 28]), y: data.test.y.subarray(0, 20) };
    try {
      const rec = new DynamicsRecorder({ model, probe });
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, data.train.y.subarray(0, 200), { epochs: 2, callbacks: [rec] });
      expect(rec.layer).toBe('dense');
      expect(rec.epochs).toHaveLength(2);
      // The default is the slide's dense_1 where there are two hidden Dense layers (its activation layer, if it has one).
      const deeper = sequential({ layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 8 }), layers.dense({ units: 6 }),
        layers.activation({ activation: 'tanh' }), layers.dense({ units: 4 }), layers.dense({ units: 10, activation: 'softmax' })] });
      try {
        expect(new DynamicsRecorder({ model: deeper, probe }).layer).toBe('activation');
      } finally {
        deeper.dispose();
      }
      // One hidden layer, the classifier's softmax a layer of its own: the hidden one.
      const split = sequential({ layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 10 }),
        layers.activation({ activation: 'softmax' })] });
      try {
        expect(new DynamicsRecorder({ model: split, probe }).layer).toBe('dense');
      } finally {
        split.dispose();
      }
      const none = sequential({ layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 10, activation: 'softmax' })] });
      try {
        // No hidden layer: the only Dense layer, as before.
        expect(new DynamicsRecorder({ model: none, probe }).layer).toBe('dense');
      } finally {
        none.dispose();
      }
      expect(rec.summary().finalSparsity).toBe(0);
      expect(() => new DynamicsRecorder({ model, probe: { x: probe.x, y: probe.y.subarray(0, 3) } })).toThrow(/expected as many labels as input rows/);
    } finally {
      model.dispose(); x.dispose(); probe.x.dispose();
    }
  });
});

describe('compareCnn (slide 13)', () => {
  test('the CNN per activation; ReduceLROnPlateau changes the rate when val_loss stalls', async () => {
    const small = { train: sliceDataset(data.train, 0, 100), test: sliceDataset(data.test, 0, 40) };
    // minDelta 10: no epoch after the first counts as an improvement, so patience 1 cuts the rate after epoch 2.
    const r = await compareCnn({ data: small, activations: ['relu'], epochs: 3, seed: 1, reduceLrOnPlateau: { factor: 0.5, patience: 1, minDelta: 10 } });
    expect(r.settings).toEqual({ epochs: 3, batchSize: 32, factor: 0.5, patience: 1, minDelta: 10, seed: 1, inputShape: [28, 28, 1], trainSamples: 100, testSamples: 40 });
    const run = r.runs[0];
    expect(run.history.lr).toEqual([0.001, 0.001, 0.0005]);
    expect(run.history.val_acc).toHaveLength(3);
    expect(run.testAccuracy).toBeGreaterThan(0.1);
    // Left out, the plateau settings are the seed's factor and patience and Keras's min_delta, recorded.
    const tiny = { train: sliceDataset(data.train, 0, 32), test: sliceDataset(data.test, 0, 8) };
    const d = await compareCnn({ data: tiny, activations: ['relu'], epochs: 1, seed: 1 });
    expect([d.settings.factor, d.settings.patience, d.settings.minDelta]).toEqual([0.2, 3, 1e-4]);
    await expect(compareCnn({ data: { train: { ...data.train, shape: [784] }, test: { ...data.test, shape: [784] } }, seed: 1 }))
      .rejects.toThrow('actlab: compareCnn: samples of shape [784] are not images: expected [height, width] or [height, width, channels]');
  });
});
