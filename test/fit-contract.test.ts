// What fit, evaluate, predict, compile and the optimizer promise at their edges: a step
// whose loss is not finite changes nothing, labels are checked before the first batch, a
// recompile frees the optimizer it replaces, frozen layers keep each weight's own state,
// checkpoints keep the whole history and the exact step count, loadModel checks names
// and shapes, and wrong argument types give actlab errors. Each case is one that once
// went wrong (found by an adversarial review on 2026-12-07).
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, tensor, sequential, layers, adam, sgd, callbacks, memoryStats, checkpointOf, restoreCheckpoint,
  modelToArtifacts, modelFromArtifacts, mul, activation, sparseCategoricalCrossentropy, type Tensor, type Sequential, type Callback, type CheckpointJson, type Layer,
} from '../src/index.js';

beforeAll(async () => { await init(); });

/** 12 samples of 4 features, 3 classes. */
function data(): { x: Tensor; y: Int32Array } {
  return {
    x: tensor(Float32Array.from({ length: 48 }, (_, i) => Math.sin(i * 0.7)), [12, 4]),
    y: Int32Array.from({ length: 12 }, (_, i) => i % 3),
  };
}

function mlp(seed = 2, optimizer: Parameters<Sequential['compile']>[0]['optimizer'] = adam({ learningRate: 0.05 })): Sequential {
  const m = sequential({
    seed,
    layers: [
      layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }),
      layers.dense({ units: 4, activation: 'tanh' }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** A value of the wrong type, as plain JavaScript can pass one. */
const wrong = <T>(v: unknown): T => v as T;

const bits = (m: Sequential): number[][] => m.snapshotWeights().map((w) => Array.from(new Uint32Array(w.buffer)));

describe('fit at a non-finite loss', () => {
  test('the batch whose loss is NaN is not applied: the weights stay those of the batch before', async () => {
    const m = mlp();
    const x = tensor(Float32Array.from({ length: 48 }, (_, i) => (i === 40 ? NaN : Math.sin(i))), [12, 4]);
    const y = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const before = bits(m);
    // Sample 10 holds the NaN: batch 0 (samples 0-7) trains, batch 1 (8-11) has a NaN loss.
    let afterFirst: number[][] = [];
    const keep = { onBatchEnd: (b: number) => { if (b === 0) afterFirst = bits(m); } };
    await expect(m.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, callbacks: [keep] }))
      .rejects.toThrow(/^actlab: fit: x holds NaN at index 40 \(sample 10\), and the loss became NaN at epoch 0, batch 1; this batch's update was not applied/);
    expect(afterFirst).not.toEqual(before);
    expect(bits(m)).toEqual(afterFirst);
    expect(m.optimizer.iterations).toBe(1);
    m.dispose(); x.dispose();
  });
});

describe('labels are checked before the first batch', () => {
  test('labels of one per sample for an output with positions (a dense straight on an image, no flatten) name the missing flatten', async () => {
    // Dense on a [batch, 6, 4] input applies per row, as in Keras: the output is [batch, 6, 3]. That
    // used to be refused at add() with 'add a flatten layer'; now only the labels show the mistake.
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 5, activation: 'relu', inputShape: [6, 4] }), layers.dense({ units: 3, activation: 'softmax' })] });
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    const x = tensor(new Float32Array(2 * 24), [2, 6, 4]);
    const before = bits(m);
    const hint = "(the model's output [null, 6, 3] has 6 positions per sample: a dense layer on an input of rank > 2 applies to each position " +
      'of its last axis, as in Keras; for one prediction per sample, put layers.flatten() before the first dense layer)';
    await expect(m.fit(x, Int32Array.from([0, 2]), { epochs: 1 })).rejects.toThrow(`actlab: fit: sparseCategoricalCrossentropy takes 6 class id(s) per sample, but y (2 ids) has 1 ${hint}`);
    expect(() => m.evaluate(x, Int32Array.from([0, 2]))).toThrow(hint);
    const oneHot = tensor([1, 0, 0, 0, 0, 1], [2, 3]);
    m.compile({ optimizer: adam(), loss: 'categoricalCrossentropy' });
    await expect(m.fit(x, oneHot, { epochs: 1 })).rejects.toThrow(`actlab: fit: categoricalCrossentropy needs targets shaped like the output, [2, 6, 3], but y has shape [2, 3] ${hint}`);
    // Ids per position are what such a model takes; a wrong count of them gets no flatten advice.
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    const three = tensor(new Float32Array(6), [2, 3]);
    const err = await m.fit(x, three, { epochs: 1 }).catch((e: unknown) => String(e));
    expect(err).toContain('takes 6 class id(s) per sample, but y [2, 3] has 3');
    expect(err).not.toContain('flatten');
    expect(bits(m)).toEqual(before);
    m.dispose(); x.dispose(); oneHot.dispose(); three.dispose();
  });

  test('a scalar label tensor is refused', async () => {
    const m = mlp();
    const x = tensor([1, 2, 3, 4], [1, 4]), y = tensor([2], []);
    await expect(m.fit(x, y)).rejects.toThrow("actlab: fit: y is a scalar; labels need one entry per sample, shape [1] (class ids) or [1, 3]");
    expect(() => m.evaluate(x, y)).toThrow('actlab: evaluate: y is a scalar');
    m.dispose(); x.dispose(); y.dispose();
  });

  test('a label that is not an integer class is named by its index in y, and nothing has trained', async () => {
    const m = mlp();
    const { x } = data();
    const before = bits(m);
    const ids = [0, 1, 2, 0, 1, 2, 0, 2.5, 1, 2, 0, 1];
    await expect(m.fit(x, ids, { batchSize: 4 })).rejects.toThrow('actlab: fit: label 2.5 at index 7 of y is not an integer class in [0, 3)');
    await expect(m.fit(x, Int32Array.from(ids.map((v, i) => (i === 9 ? 3 : Math.floor(v)))), { batchSize: 4 }))
      .rejects.toThrow('actlab: fit: label 3 at index 9 of y is not an integer class in [0, 3)');
    const yt = tensor(ids, [12]);
    await expect(m.fit(x, yt)).rejects.toThrow('actlab: fit: label 2.5 at index 7 of y');
    expect(() => m.evaluate(x, yt)).toThrow('actlab: evaluate: label 2.5 at index 7 of y');
    expect(bits(m)).toEqual(before);
    expect(m.optimizer.iterations).toBe(0);
    m.dispose(); x.dispose(); yt.dispose();
  });

  test('class ids as a plain array train as an Int32Array does', async () => {
    const a = mlp(), b = mlp();
    const { x, y } = data();
    await a.fit(x, y, { epochs: 2, batchSize: 5 });
    await b.fit(x, Array.from(y), { epochs: 2, batchSize: 5 });
    expect(bits(b)).toEqual(bits(a));
    a.dispose(); b.dispose(); x.dispose();
  });

  test('targets of another shape than the output, or not finite, are refused', async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 2, inputShape: [4] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data();
    const t3 = tensor(new Float32Array(36), [12, 3]);
    await expect(m.fit(x, t3)).rejects.toThrow('actlab: fit: meanSquaredError needs targets shaped like the output, [12, 2], but y has shape [12, 3]');
    await expect(m.fit(x, y)).rejects.toThrow('actlab: fit: meanSquaredError needs a target tensor of shape [12, 2], got class ids');
    const tn = tensor(Float32Array.from({ length: 24 }, (_, i) => (i === 5 ? Infinity : 0)), [12, 2]);
    await expect(m.fit(x, tn)).rejects.toThrow('actlab: fit: y holds Infinity at flat index 5; targets must be finite');
    m.dispose(); x.dispose(); t3.dispose(); tn.dispose();
  });

  test('binary cross-entropy targets outside [0, 1] are refused before the first batch, in fit, validationData and evaluate', async () => {
    // Labels 1/2 (or -1/1) once trained silently towards a negative loss.
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const { x } = data();
    const before = bits(m);
    const twos = tensor(Float32Array.from({ length: 12 }, (_, i) => 1 + (i % 2)), [12, 1]);
    const signs = tensor(Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? -1 : 1)), [12]);
    const ok = tensor(Float32Array.from({ length: 12 }, (_, i) => (i % 4) / 3), [12, 1]);
    await expect(m.fit(x, twos)).rejects.toThrow('actlab: fit: y holds 2 at flat index 1; binaryCrossentropy takes targets in [0, 1] (0/1 labels or probabilities)');
    await expect(m.fit(x, ok, { validationData: [x, twos] })).rejects.toThrow('actlab: fit (validationData): y holds 2 at flat index 1; binaryCrossentropy takes targets in [0, 1]');
    expect(() => m.evaluate(x, signs)).toThrow('actlab: evaluate: y holds -1 at flat index 2; binaryCrossentropy takes targets in [0, 1]');
    expect(bits(m)).toEqual(before);
    await m.fit(x, ok); // soft targets in [0, 1] train
    m.dispose(); x.dispose(); twos.dispose(); signs.dispose(); ok.dispose();
  });

  test('binaryCrossentropy on a linear output (a Keras from_logits port) is an error at the first batch, nothing applied or leaked', async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 1, inputShape: [4] })] });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const { x } = data();
    const y = tensor(Float32Array.from({ length: 12 }, (_, i) => i % 2), [12, 1]);
    const before = bits(m), blocks = memoryStats().liveBlocks;
    await expect(m.fit(x, y)).rejects.toThrow(/^actlab: binaryCrossentropy: yPred holds -?[0-9.e-]+ at flat index \d+, not a probability in \[0, 1\]: end the model in sigmoid/);
    expect(() => m.evaluate(x, y)).toThrow('not a probability in [0, 1]');
    expect(bits(m)).toEqual(before);
    expect(memoryStats().liveBlocks).toBe(blocks);
    m.dispose(); x.dispose(); y.dispose();
  });

  test('a NaN prediction (x holds NaN) under binaryCrossentropy is a non-finite loss, not "not a probability"', async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const x = tensor([1, 2, NaN, 4], [2, 2]), y = tensor([0, 1], [2, 1]);
    await expect(m.fit(x, y, { batchSize: 2 })).rejects.toThrow('actlab: fit: x holds NaN at index 2 (sample 1), and the loss became NaN at epoch 0, batch 0');
    const h = await m.fit(x, y, { batchSize: 2, epochs: 3, stopOnNonFinite: false, callbacks: [callbacks.terminateOnNaN()] });
    expect(h.history.loss).toEqual([NaN]);
    expect(m.evaluate(x, y)).toEqual([NaN]);
    m.dispose(); x.dispose(); y.dispose();
  });

  test('class ids given as strings (read from a CSV) are named as strings, not as the numbers they look like', async () => {
    const m = mlp();
    const { x } = data();
    const ids = wrong<number[]>(Array.from({ length: 12 }, (_, i) => String(i % 3)));
    await expect(m.fit(x, ids)).rejects.toThrow('actlab: fit: label "0" at index 0 of y is not an integer class in [0, 3)');
    const p = tensor(new Float32Array(6).fill(0.5), [3, 2]);
    expect(() => sparseCategoricalCrossentropy(wrong<number[]>(['1', '0', '1']), p)).toThrow('actlab: sparseCategoricalCrossentropy: label "1" at index 0 is not an integer class in [0, 2)');
    m.dispose(); x.dispose(); p.dispose();
  });

  test('arguments of the wrong type give actlab errors', async () => {
    const m = mlp();
    const { x, y } = data();
    await expect(m.fit(wrong<Tensor>(new Float32Array(4)), y)).rejects.toThrow('actlab: fit: x must be a Tensor (tensor(values, shape)), got Float32Array');
    await expect(m.fit(x, wrong<Int32Array>(undefined))).rejects.toThrow('actlab: fit: y must be a Tensor or class ids (a typed array such as Int32Array, or number[]), got undefined');
    expect(() => m.predict(wrong<Tensor>(null))).toThrow('actlab: predict: x must be a Tensor (tensor(values, shape)), got null');
    await expect(m.fit(x, y, { callbacks: [wrong<Callback>(null)] })).rejects.toThrow('actlab: fit: callbacks[0] must be a callback object');
    expect(() => m.compile({ optimizer: wrong<'adam'>({}), loss: 'mse' })).toThrow('actlab: compile: optimizer must be a name (adam, sgd, rmsprop, adamw) or an optimizer object such as adam(), got Object');
    m.dispose(); x.dispose();
  });

  test('a misspelt option is an error, not a silent default', async () => {
    const m = mlp();
    const { x, y } = data();
    await expect(m.fit(x, y, wrong<{ epochs: number }>({ epochs: 1, batch_size: 4 })))
      .rejects.toThrow("actlab: fit: unknown option 'batch_size'; valid options: epochs, batchSize, validationData");
    expect(() => m.compile(wrong<{ optimizer: 'adam'; loss: 'mse' }>({ optimizer: 'adam', loss: 'mse', metric: ['accuracy'] })))
      .toThrow("actlab: compile: unknown option 'metric'; valid options: optimizer, loss, metrics");
    expect(() => m.evaluate(x, y, wrong<{ batchSize: number }>({ batch: 4 }))).toThrow("actlab: evaluate: unknown option 'batch'");
    expect(() => m.predict(x, wrong<{ batchSize: number }>({ batch: 4 }))).toThrow("actlab: predict: unknown option 'batch'");
    m.dispose(); x.dispose();
  });

  test("sequential() refuses what it does not take, as compile and fit do (a misspelt seed gave seed 0's weights)", () => {
    const before = memoryStats().liveBlocks;
    const dense = (): Layer => layers.dense({ units: 2, inputShape: [3] });
    expect(() => sequential(wrong<{ seed: number }>({ layers: [dense()], randomSeed: 42 })))
      .toThrow("actlab: sequential: unknown option 'randomSeed'; valid options: layers, name, seed");
    expect(() => sequential(wrong<{ seed: number }>({ layer: [dense()] }))).toThrow("actlab: sequential: unknown option 'layer'");
    expect(() => sequential(wrong<{ layers: Layer[] }>({ layers: dense() })))
      .toThrow('actlab: sequential: layers must be an array of layers ([layers.dense(...), ...]), got Dense');
    expect(memoryStats().liveBlocks).toBe(before);
  });

  test('validationSplit 0 holds out nothing, as Keras', async () => {
    const a = mlp(), b = mlp();
    const { x, y } = data();
    const h = await a.fit(x, y, { epochs: 1, validationSplit: 0 });
    await b.fit(x, y, { epochs: 1 });
    expect(h.val_loss).toEqual([]);
    expect(bits(a)).toEqual(bits(b));
    a.dispose(); b.dispose(); x.dispose();
  });
});

describe('metrics', () => {
  test('accuracy for a softmax output is the argmax, whatever the sign of the logits fit hands it (one class included)', async () => {
    for (const bias of [5, -5]) {
      for (const loss of ['categoricalCrossentropy', 'sparseCategoricalCrossentropy'] as const) {
        const m = sequential({ layers: [layers.dense({ units: 1, activation: 'softmax', inputShape: [2] })] });
        m.layers[0].setWeights([tensor(new Float32Array(2), [2, 1]), tensor([bias], [1])]);
        m.compile({ optimizer: sgd({ learningRate: 1e-9 }), loss, metrics: ['accuracy'] });
        const x = tensor(new Float32Array(8).fill(1), [4, 2]);
        const y = loss === 'sparseCategoricalCrossentropy' ? new Int32Array(4) : tensor(new Float32Array(4).fill(1), [4, 1]);
        expect(m.evaluate(x, y)[1], `${loss}, bias ${bias}`).toBe(1);
        expect((await m.fit(x, y, { epochs: 1 })).history.acc, `${loss}, bias ${bias}`).toEqual([1]);
        x.dispose(); if (!(y instanceof Int32Array)) y.dispose(); m.dispose();
      }
    }
  });

  test('binary accuracy with several outputs is the share of right outputs (Keras, tfjs), never above 1', async () => {
    // sigmoid(1) > 0.5 everywhere: all 12 outputs of 4 samples right, then 2 of 3 right per sample.
    const m = sequential({ layers: [layers.dense({ units: 3, activation: 'sigmoid', inputShape: [2] })] });
    m.layers[0].setWeights([tensor(new Float32Array(6), [2, 3]), tensor([1, 1, 1], [3])]);
    m.compile({ optimizer: sgd({ learningRate: 1e-9 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const x = tensor([1, 0, 0, 1, 1, 1, 0, 0], [4, 2]);
    const all = tensor(new Float32Array(12).fill(1), [4, 3]);
    const twoOfThree = tensor(Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? 0 : 1)), [4, 3]);
    expect(m.evaluate(x, all)[1]).toBe(1);
    expect(m.evaluate(x, twoOfThree)[1]).toBeCloseTo(2 / 3, 12);
    const h = await m.fit(x, twoOfThree, { epochs: 1, batchSize: 3, shuffle: false });
    expect(h.history.acc[0]).toBeCloseTo(2 / 3, 12);
    for (const t of [x, all, twoOfThree]) t.dispose();
    m.dispose();
  });

  test('accuracy of an output with several positions per sample (a conv net per pixel) is the mean over positions, never above 1', async () => {
    // A 1x1 conv over a 2x2 image: 4 positions per sample, each with its own class id or target.
    const conv = (activation: 'softmax' | 'sigmoid', filters: number): Sequential => {
      const m = sequential({ layers: [layers.conv2d({ filters, kernelSize: 1, activation, inputShape: [2, 2, 1], useBias: false })] });
      m.layers[0].setWeights([tensor(filters === 2 ? [-1, 1] : [1], [1, 1, 1, filters])]);
      return m;
    };
    // Pixel values 1, -1, 2, -2: class 1 (sigmoid > 0.5) where positive.
    const x = tensor([1, -1, 2, -2, 1, -1, 2, -2], [2, 2, 2, 1]);
    const soft = conv('softmax', 2);
    soft.compile({ optimizer: sgd({ learningRate: 1e-9 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    // Three of four pixels right in each sample.
    const ids = tensor([1, 0, 1, 1, 1, 0, 1, 1], [2, 2, 2]);
    expect(soft.evaluate(x, ids)[1]).toBe(0.75);
    expect((await soft.fit(x, ids, { epochs: 1, batchSize: 1 })).history.acc).toEqual([0.75]);
    const sig = conv('sigmoid', 1);
    sig.compile({ optimizer: sgd({ learningRate: 1e-9 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const t = tensor([1, 0, 1, 1, 1, 0, 1, 1], [2, 2, 2, 1]);
    expect(sig.evaluate(x, t)[1]).toBe(0.75);
    for (const u of [x, ids, t]) u.dispose();
    soft.dispose(); sig.dispose();
  });
});

describe('model weights', () => {
  test('getWeights / setWeights on the model, as tfjs: copies in layer order; count and shapes checked before a write', () => {
    const a = mlp(2), b = mlp(3);
    const ws = a.getWeights();
    expect(ws.map((w) => w.shape)).toEqual([[4, 5], [5], [5, 4], [4], [4, 3], [3]]);
    b.setWeights(ws);
    expect(b.snapshotWeights()).toEqual(a.snapshotWeights());
    const before = b.snapshotWeights();
    expect(() => b.setWeights(ws.slice(1))).toThrow("actlab: setWeights: model 'sequential' has 6 weights (dense/kernel, dense/bias, dense_1/kernel, dense_1/bias, dense_2/kernel, dense_2/bias) but got 5");
    const swapped = [...ws.slice(0, 4), ws[5], ws[4]];
    expect(() => b.setWeights(swapped)).toThrow("actlab: setWeights: 'dense_2/kernel' has shape [4, 3] but the value has [3]");
    expect(b.snapshotWeights()).toEqual(before);
    for (const w of ws) w.dispose();
    a.dispose(); b.dispose();
  });
});

describe('layer weights', () => {
  test('getLayer by name or by index, as tfjs getLayer(name?, index?) and Keras get_layer(index=...)', () => {
    const m = mlp();
    expect(m.getLayer('dense_1')).toBe(m.layers[1]);
    expect(m.getLayer(1)).toBe(m.layers[1]);
    expect(m.getLayer(undefined, 2)).toBe(m.layers[2]);
    expect(m.getLayer(-1)).toBe(m.layers[2]);
    expect(() => m.getLayer(3)).toThrow("actlab: getLayer: index 3 is out of range: model 'sequential' has 3 layers (indices 0 to 2, or -3 to -1 from the end)");
    expect(() => m.getLayer(undefined, 1.5)).toThrow('actlab: getLayer: index 1.5 is out of range');
    expect(() => m.getLayer('dense', 1)).toThrow('actlab: getLayer: give a layer name or an index, not both (got "dense" and 1)');
    expect(() => m.getLayer('head')).toThrow("actlab: model 'sequential' has no layer 'head'; its layers: dense, dense_1, dense_2");
    m.dispose();
  });

  test("one layer's setWeights changes that layer only and checks its values as the model's does", () => {
    const a = mlp(2), b = mlp(3);
    const before = b.snapshotWeights();
    const head = a.layers[2].getWeights();
    b.layers[2].setWeights(head);
    const after = b.snapshotWeights();
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after.slice(4)).toEqual(a.snapshotWeights().slice(4));
    const l = b.layers[2];
    expect(() => l.setWeights(wrong([new Float32Array(12), new Float32Array(3)])))
      .toThrow("actlab: layer 'dense_2'.setWeights: the value for 'dense_2/kernel' must be a Tensor, got Float32Array");
    expect(() => l.setWeights(wrong(head[0])))
      .toThrow("actlab: layer 'dense_2'.setWeights takes an array of tensors, one per weight (dense_2/kernel, dense_2/bias), got Tensor");
    expect(() => l.setWeights(head.slice(1))).toThrow("actlab: layer 'dense_2' has 2 weights (dense_2/kernel, dense_2/bias) but setWeights got 1");
    // Checked before anything is written: a disposed bias after a good kernel leaves the kernel as it was.
    const c = mlp(4);
    const other = c.layers[2].getWeights();
    other[1].dispose();
    expect(() => l.setWeights(other)).toThrow("actlab: layer 'dense_2'.setWeights: the value for 'dense_2/bias' ([3]) was disposed");
    expect(b.snapshotWeights()).toEqual(after);
    for (const t of [...head, other[0]]) t.dispose();
    a.dispose(); b.dispose(); c.dispose();
  });
});

describe('memory held by the model and its optimizer', () => {
  test('a recompile frees the optimizer it replaces', async () => {
    const { x, y } = data();
    const m = mlp();
    await m.fit(x, y, { epochs: 1 });
    const first = m.optimizer;
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, y, { epochs: 1 });
    const blocks = memoryStats().liveBlocks;
    for (let i = 0; i < 3; i++) {
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { epochs: 1 });
    }
    expect(memoryStats().liveBlocks).toBe(blocks);
    expect(() => first.getWeights()).toThrow(/disposed/);
    m.dispose(); x.dispose();
  });

  test('an optimizer freed with its model is refused at compile, and the error says why and what to write', async () => {
    // A notebook: one cell makes the optimizer, the next (re-run) disposes the old model and
    // compiles a new one with it. compile took the freed optimizer; fit then failed with only
    // "this optimizer was disposed and cannot be used".
    const { x, y } = data();
    const opt = adam({ learningRate: 0.05 });
    const first = mlp(2, opt);
    await first.fit(x, y, { epochs: 1 });
    first.dispose();
    expect(opt.isDisposed).toBe(true);
    const again = sequential({ seed: 2, layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    const compile = (): void => again.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
    expect(compile).toThrow("actlab: compile: the Adam optimizer given to model 'sequential' was disposed " +
      '(a model frees the optimizer it was compiled with when the model is disposed or recompiled with another): ' +
      'make a new optimizer for each model, e.g. compile({ optimizer: adam(), ... })');
    expect(() => again.optimizer).toThrow('is not compiled');
    // Shared by two models, it is freed under the one still using it: fit names the cause too.
    const opt2 = adam();
    const a = mlp(2, opt2), b = mlp(3, opt2);
    b.dispose();
    expect(opt2.isDisposed).toBe(true);
    await expect(a.fit(x, y, { epochs: 1 })).rejects.toThrow('actlab: adam: this optimizer was disposed and cannot be used (a model frees the optimizer');
    a.dispose(); again.dispose(); x.dispose();
  });

  test('predict frees its output when the forward pass throws', () => {
    const m = mlp();
    const x = tensor(new Float32Array(8), [2, 4]);
    m.predict(x).dispose();
    const blocks = memoryStats().liveBlocks;
    const l = m.layers[1];
    const apply = l.apply.bind(l);
    l.apply = () => { throw new Error('boom'); };
    for (let i = 0; i < 3; i++) expect(() => m.predict(x)).toThrow('boom');
    l.apply = apply;
    expect(memoryStats().liveBlocks).toBe(blocks);
    const t = tensor([1, 2]);
    t.dispose();
    expect(() => t.reshape([2, 1])).toThrow('actlab: tensor [2] was disposed');
    expect(memoryStats().liveBlocks).toBe(blocks);
    m.dispose(); x.dispose();
  });
});

describe('optimizer state belongs to each weight', () => {
  test('freezing a layer after training keeps every other weight on its own state', async () => {
    const { x, y } = data();
    // a: freeze layer 0 after one epoch. b: the same, with an optimizer that holds only the
    // state of the weights still trained (what a per-weight optimizer must do).
    const a = mlp(), b = mlp();
    await a.fit(x, y, { epochs: 1, batchSize: 12 });
    await b.fit(x, y, { epochs: 1, batchSize: 12 });
    const state = b.optimizer.getWeights();
    const opt = adam({ learningRate: 0.05 });
    opt.setWeights([state[0], ...state.slice(1).filter((s) => !s.name.startsWith('dense/'))]);
    for (const s of state) s.tensor.dispose();
    b.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
    a.layers[0].trainable = false;
    b.layers[0].trainable = false;
    await a.fit(x, y, { epochs: 2, batchSize: 12 });
    await b.fit(x, y, { epochs: 2, batchSize: 12 });
    expect(bits(a)).toEqual(bits(b));
    // Unfrozen again, layer 0 continues from its own moments.
    a.layers[0].trainable = true;
    await a.fit(x, y, { epochs: 1, batchSize: 12 });
    expect(a.optimizer.getWeights().map((s) => { s.tensor.dispose(); return s.name; }).slice(1, 3)).toEqual(['dense/kernel/m', 'dense/kernel/v']);
    a.dispose(); b.dispose(); x.dispose();
  });

  test('a layer replaced and disposed leaves no state to the new layer that takes its name', async () => {
    const { x, y } = data();
    // The head is swapped through the layers array and freed; the new head gets the old one's
    // name (dense_2) and shape. It must start from fresh moments, as a head named otherwise
    // does, not from those the freed kernel left under that name.
    const swapHead = async (name?: string): Promise<number[][]> => {
      const m = mlp();
      await m.fit(x, y, { epochs: 2, batchSize: 4 });
      m.layers.pop()?.dispose();
      m.add(layers.dense({ units: 3, activation: 'softmax', name, kernelInitializer: 'ones' }));
      await m.fit(x, y, { epochs: 1, batchSize: 12 });
      const out = bits(m);
      m.dispose();
      return out;
    };
    const reused = await swapHead();
    expect(reused).toEqual(await swapHead('head'));
    x.dispose();
  });

  test('a checkpoint taken after a head is replaced and disposed resumes as the live model trains: the freed head leaves no state in it', async () => {
    const { x, y } = data();
    const m = mlp();
    await m.fit(x, y, { epochs: 2, batchSize: 4 });
    m.layers.pop()?.dispose();
    m.add(layers.dense({ units: 3, activation: 'softmax', kernelInitializer: 'ones' }));
    // Before the next step: the freed dense_2's moments are still held under its name.
    const cp = checkpointOf(m);
    expect(cp.json.optimizer.state.map((w) => w.name)).not.toContain('dense_2/kernel/m');
    const r = restoreCheckpoint(cp);
    await m.fit(x, y, { epochs: 3, batchSize: 4, initialEpoch: 2 });
    await r.model.fit(x, y, { epochs: 3, batchSize: 4, initialEpoch: r.initialEpoch, seed: r.seed });
    expect(bits(r.model)).toEqual(bits(m));
    m.dispose(); r.model.dispose(); x.dispose();
  });

  test('model.pop() removes the head for a new one, as tfjs and Keras; the optimizer forgets the head it removed', async () => {
    const { x, y } = data();
    const swapHead = async (name?: string): Promise<{ bits: number[][]; old: Layer; summary: string }> => {
      const m = mlp();
      await m.fit(x, y, { epochs: 2, batchSize: 4 });
      const old = m.pop();
      expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
      expect(m.outputShape).toEqual([4]);
      // The removed layer is the caller's: alive, with its weights, until disposed.
      expect(old.isDisposed).toBe(false);
      m.add(layers.dense({ units: 3, activation: 'softmax', name, kernelInitializer: 'ones' }));
      await m.fit(x, y, { epochs: 1, batchSize: 12 });
      const out = { bits: bits(m), old, summary: m.summary(false) };
      m.dispose();
      return out;
    };
    const a = await swapHead(), b = await swapHead('head');
    // Kept alive, the old head still held its name's state; the new dense_2 trains as a head named otherwise.
    expect(a.bits).toEqual(b.bits);
    expect(a.summary).toContain('dense_2 (Dense)');
    expect(a.old.name).toBe('dense_2');
    const blocks = memoryStats().liveBlocks;
    a.old.dispose(); b.old.dispose();
    expect(memoryStats().liveBlocks).toBe(blocks - 4);
    // Taken out of the layers array instead and kept alive, the old head still owns the name's state: the error says what to do.
    const c = mlp();
    await c.fit(x, y, { epochs: 1 });
    const kept = c.layers.pop();
    c.add(layers.dense({ units: 3, activation: 'softmax' }));
    await expect(c.fit(x, y, { epochs: 1 })).rejects.toThrow(/state for 'dense_2\/kernel' belongs to another live variable: pass the same variables every step \(a layer taken out of a model keeps its state under its name until it is disposed: remove layers with model.pop\(\), or compile again\)/);
    c.dispose(); kept?.dispose();
    const empty = sequential();
    expect(() => empty.pop()).toThrow("actlab: pop: model 'sequential' has no layers to remove");
    const m = mlp();
    const fitting = m.fit(x, y, { epochs: 1, callbacks: { onBatchEnd: () => { expect(() => m.pop()).toThrow("actlab: pop: model 'sequential' is being fitted; pop after fit returns"); } } });
    await fitting;
    // Nor add: a task let in between batches (yieldEvery) would have the next batch train through the new layer.
    const extra = layers.dense({ units: 3, activation: 'softmax' });
    const before = m.layers.length;
    let refused = '';
    await m.fit(x, y, { epochs: 1, batchSize: 4, yieldEvery: 'batch', callbacks: { onTrainBegin: () => { setImmediate(() => { try { m.add(extra); } catch (e) { refused = String(e); } }); } } });
    expect(refused).toBe("Error: actlab: add: model 'sequential' is being fitted; add layers after fit returns");
    expect(m.layers.length).toBe(before);
    extra.dispose();
    m.dispose(); x.dispose();
  });

  test('one optimizer shared by two live models is an error, not mixed state', async () => {
    const { x, y } = data();
    const opt = adam();
    const a = mlp(1, opt), b = mlp(2, opt);
    await a.fit(x, y, { epochs: 1 });
    await expect(b.fit(x, y, { epochs: 1 })).rejects.toThrow("actlab: adam.applyGradients: the state for 'dense/kernel' belongs to another live variable");
    expect(() => opt.applyGradients([{ variable: x, grad: x, name: 'w' }, { variable: x, grad: x, name: 'w' }]))
      .toThrow("actlab: adam.applyGradients: two entries are named 'w'");
    a.dispose(); b.dispose(); x.dispose();
  });
});

describe('freezing a whole model (transfer learning)', () => {
  test('model.trainable = false freezes every layer, as Keras and tfjs; nonTrainableWeights lists what fit leaves alone', async () => {
    const { x, y } = data();
    const base = mlp();
    await base.fit(x, y, { epochs: 1 });
    expect(base.trainable).toBe(true);
    base.trainable = false;
    expect(base.layers.map((l) => l.trainable)).toEqual([false, false, false]);
    expect(base.trainable).toBe(false);
    expect(base.trainableWeights).toEqual([]);
    expect(base.nonTrainableWeights.map((w) => w.name)).toEqual(base.weights.map((w) => w.name));
    expect(base.summary(false)).toContain('Trainable params: 0\nNon-trainable params: 64');
    const frozen = bits(base);
    await base.fit(x, y, { epochs: 2 });
    expect(bits(base)).toEqual(frozen);
    // A new head on the frozen layers: only the head trains, the frozen layers keep their bits.
    const head = layers.dense({ units: 2, activation: 'softmax' });
    const model = sequential({ layers: [base.layers[0], base.layers[1], head] });
    model.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    expect(model.trainableWeights.map((w) => w.name)).toEqual(['dense_2/kernel', 'dense_2/bias']);
    expect(model.nonTrainableWeights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    expect(model.trainable).toBe(true);
    const y2 = Int32Array.from(y, (c) => c % 2);
    await model.fit(x, y2, { epochs: 2, batchSize: 4 });
    expect(bits(model).slice(0, 4)).toEqual(frozen.slice(0, 4));
    // Unfrozen, every layer trains again.
    base.trainable = true;
    expect(base.layers.map((l) => l.trainable)).toEqual([true, true, true]);
    expect(base.nonTrainableWeights).toEqual([]);
    // A string would be truthy and train a layer meant to be frozen.
    expect(() => { base.trainable = wrong<boolean>('false'); }).toThrow("actlab: model 'sequential': trainable must be true or false, got string \"false\"");
    expect(() => { base.layers[0].trainable = wrong<boolean>(0); }).toThrow("actlab: layer 'dense': trainable must be true or false, got number 0");
    expect(() => layers.dense({ units: 2, trainable: wrong<boolean>('no') })).toThrow("actlab: layer 'dense': trainable must be true or false, got string \"no\"");
    model.pop().dispose();
    base.dispose(); x.dispose();
  });
});

describe('callbacks and checkpoints', () => {
  test('earlyStopping stops at the patience-th epoch without improvement, as tfjs-layers', async () => {
    for (const patience of [0, 1, 2, 3]) {
      const m = mlp();
      const { x, y } = data();
      // minDelta 100: only the first epoch counts as an improvement.
      const stop = callbacks.earlyStopping({ monitor: 'loss', patience, minDelta: 100 });
      const h = await m.fit(x, y, { epochs: 10, callbacks: [stop] });
      // tfjs-layers and Keras stop once `wait >= patience`, so patience 0 acts as 1.
      const at = Math.max(patience, 1);
      expect([h.epoch.length, stop.stoppedEpoch]).toEqual([at + 1, at]);
      m.dispose(); x.dispose();
    }
  });

  test('restoreBestWeights restores the best epoch even when none beat the baseline (Keras)', async () => {
    const m = mlp();
    const { x, y } = data();
    // A callback ahead of earlyStopping writes scripted values over the monitored loss: 4, 5, ...
    const script: Callback = { onEpochEnd: (epoch, logs) => { if (logs) logs.loss = 4 + epoch; } };
    const weightsAt: Float32Array[][] = [];
    const record: Callback = { onEpochEnd: () => { weightsAt.push(m.snapshotWeights()); } };
    const stop = callbacks.earlyStopping({ monitor: 'loss', patience: 2, baseline: 3, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 10, callbacks: [script, record, stop] });
    expect(h.loss).toEqual([4, 5]);
    expect(stop.stoppedEpoch).toBe(1);
    expect(m.snapshotWeights()).toEqual(weightsAt[0]);
    m.dispose(); x.dispose();
  });

  test('the epoch-end logs a callback adds or changes reach History; hooks without logs get {}', async () => {
    const m = mlp();
    const { x, y } = data();
    const seen: unknown[] = [];
    const cb: Callback = {
      onTrainBegin: (logs) => { seen.push(logs); },
      onEpochBegin: (_e, logs) => { seen.push(logs); },
      onEpochEnd: (e, logs) => { if (logs) { logs.extra = e * 10; logs.loss = -1; } },
      onTrainEnd: (logs) => { seen.push(logs); },
    };
    const h = await m.fit(x, y, { epochs: 2, callbacks: [cb] });
    expect(h.history.extra).toEqual([0, 10]);
    expect(h.loss).toEqual([-1, -1]);
    expect(seen).toEqual([{}, {}, {}, {}]);
    m.dispose(); x.dispose();
  });

  test('stopTraining set before an epoch\'s first batch still runs that batch (Keras, tfjs): no epoch of NaN', async () => {
    const m = mlp();
    const { x, y } = data();
    const batches: number[] = [];
    const cb: Callback = {
      onEpochBegin: (e) => { if (e === 1) m.stopTraining = true; },
      onBatchEnd: (b) => { batches.push(b); },
    };
    const h = await m.fit(x, y, { epochs: 3, batchSize: 4, callbacks: [cb] });
    expect(batches).toEqual([0, 1, 2, 0]);
    expect(h.loss).toHaveLength(2);
    expect(h.loss.every(Number.isFinite)).toBe(true);
    m.dispose(); x.dispose();
  });

  test('learningRateScheduler may set a rate of 0 (a warmup from 0), not a negative one', async () => {
    const m = mlp(2, sgd({ learningRate: 0.1 }));
    const { x, y } = data();
    const before = m.snapshotWeights();
    await m.fit(x, y, { epochs: 1, callbacks: [callbacks.learningRateScheduler(() => 0)] });
    expect(m.snapshotWeights()).toEqual(before);
    await expect(m.fit(x, y, { epochs: 1, callbacks: [callbacks.learningRateScheduler(() => -1)] }))
      .rejects.toThrow('actlab: learningRateScheduler: schedule(0, 0) returned -1: expected a finite number >= 0');
    m.dispose(); x.dispose();
  });

  test('a checkpoint after a resumed fit holds every epoch of the history', async () => {
    const { x, y } = data();
    const whole = mlp();
    await whole.fit(x, y, { epochs: 4 });
    const part = mlp();
    await part.fit(x, y, { epochs: 2 });
    const r = restoreCheckpoint(checkpointOf(part));
    const h = await r.model.fit(x, y, { epochs: 4, initialEpoch: r.initialEpoch, seed: r.seed });
    expect(h.epoch).toEqual([2, 3]);
    expect(checkpointOf(r.model).json.fit.history).toEqual(checkpointOf(whole).json.fit.history);
    expect(bits(r.model)).toEqual(bits(whole));
    whole.dispose(); part.dispose(); r.model.dispose(); x.dispose();
  });

  test('a step count above 2^24 survives a checkpoint exactly', async () => {
    const { x, y } = data();
    const m = mlp(2, sgd({ learningRate: 0.01 }));
    await m.fit(x, y, { epochs: 1, batchSize: 12 });
    const opt = sgd({ learningRate: 0.01 });
    // As a run 2^24 + 1 steps long would hold it: float32 iter reads 2^24.
    const state = m.optimizer.getWeights();
    state[0].tensor.dispose();
    state[0] = { name: 'iter', tensor: tensor([2 ** 24 + 1], []) };
    expect(state[0].tensor.dataSync()[0]).toBe(2 ** 24);
    opt.setWeights(state, 2 ** 24 + 1);
    for (const s of state) s.tensor.dispose();
    expect(() => opt.setWeights([{ name: 'iter', tensor: tensor([5], []) }], 7)).toThrow('iterations = 7 does not round to the stored iter 5');
    m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
    const cp = checkpointOf(m);
    expect(cp.json.optimizer.iterations).toBe(2 ** 24 + 1);
    const r = restoreCheckpoint(cp);
    expect(r.model.optimizer.iterations).toBe(2 ** 24 + 1);
    m.dispose(); r.model.dispose(); x.dispose();
  });

  test('a checkpoint whose optimizer config holds a wrong type is refused', () => {
    const m = mlp();
    const cp = checkpointOf(m);
    const json = wrong<CheckpointJson>({ ...cp.json, optimizer: { ...cp.json.optimizer, config: { ...cp.json.optimizer.config, learningRate: 'x' } } });
    expect(() => restoreCheckpoint({ json, data: cp.data })).toThrow(`actlab: restoreCheckpoint: checkpoint.json optimizer: Adam config 'learningRate' is "x"; expected a number`);
    m.dispose();
  });

  test('loadModel checks each weight name and shape, not only sizes', () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 5, inputShape: [18] }), layers.dense({ units: 5 })] });
    const art = modelToArtifacts(m);
    const edit = (f: (w: { name: string; shape: number[] }[]) => void) => {
      const json = structuredClone(art.modelJson);
      f(json.weightsManifest[0].weights);
      return () => modelFromArtifacts({ modelJson: json, weightData: art.weightData });
    };
    expect(edit((w) => { w[0].shape = [5, 18]; })).toThrow("actlab: loadModel: weight 'dense/kernel' has shape [5,18] in the manifest but needs [18, 5]");
    expect(edit((w) => { w[1].name = 'dense/gain'; })).toThrow("actlab: loadModel: the manifest has no weight 'dense/bias' (it lists dense/kernel, dense/gain, dense_1/kernel, dense_1/bias)");
    expect(edit((w) => { w[3].name = 'dense/bias'; })).toThrow("actlab: loadModel: the manifest names weight 'dense/bias' twice");
    const back = modelFromArtifacts(art);
    expect(bits(back)).toEqual(bits(m));
    // The manifest gives the data's order and weights are found by name (tf.js does the same): a
    // file written bias first loads the same model.
    const sizes = [18 * 5, 5, 5 * 5, 5];
    const parts = sizes.map((n, i) => new Float32Array(art.weightData, sizes.slice(0, i).reduce((a, b) => a + b, 0) * 4, n));
    const order = [1, 0, 3, 2];
    const json = structuredClone(art.modelJson);
    json.weightsManifest[0].weights = order.map((i) => art.modelJson.weightsManifest[0].weights[i]);
    const data = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    let off = 0;
    for (const i of order) { data.set(parts[i], off); off += parts[i].length; }
    const reordered = modelFromArtifacts({ modelJson: json, weightData: data.buffer });
    expect(bits(reordered)).toEqual(bits(m));
    m.dispose(); back.dispose(); reordered.dispose();
  });

  test('a custom activation reloads through its factory; a factory without the params is named', () => {
    const fn = (x: Tensor, p: Readonly<Record<string, Tensor>>): Tensor => mul(x, activation(mul(x, p.beta), 'sigmoid'));
    const m = sequential({ seed: 4, layers: [layers.dense({ units: 3, inputShape: [2] }), layers.customActivation({ className: 'MySwish', params: { beta: 1.5 }, fn })] });
    const art = modelToArtifacts(m);
    expect(() => modelFromArtifacts(art, { MySwish: () => ({ className: 'MySwish', fn }) }))
      .toThrow("actlab: loadModel: the manifest lists 3 weights (dense/kernel, dense/bias, custom_activation/beta) but the model built from model.json has 2 (dense/kernel, dense/bias); missing: custom_activation/beta");
    const back = modelFromArtifacts(art, { MySwish: (c) => ({ className: 'MySwish', fn, params: { beta: Number(c.beta) } }) });
    const x = tensor([0.5, -1, 2, 0.25], [2, 2]);
    const [a, b] = [m.predict(x), back.predict(x)];
    expect(Array.from(new Uint32Array(b.dataSync().buffer))).toEqual(Array.from(new Uint32Array(a.dataSync().buffer)));
    for (const t of [x, a, b]) t.dispose();
    m.dispose(); back.dispose();
  });
});
