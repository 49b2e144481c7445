// Metrics: the standalone functions against tfjs-layers 4.22.0's tf.metrics and hand-computed
// cases; compile()'s metrics through fit (History keys and values, val_ keys, against a tf.js
// fit of the same weights), evaluate's order, callbacks that monitor them, epochLogger's
// columns, the verbose line, checkpoint and save/load round trips, and refused names.
import { afterEach, beforeAll, describe, expect, expectTypeOf, test, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  init, tensor, sequential, layers, sgd, callbacks, metrics, modelToArtifacts, modelFromArtifacts,
  type Tensor, type MetricAlias, type CompileArgs, type LossAlias, type Sequential,
} from '../src/index.js';
import { restoreCheckpoint } from '../src/nn/checkpoint.js';
import { modelCheckpoint, loadCheckpoint } from '../src/node/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniform } from './helpers/random.js';

const wrong = <T>(v: unknown): T => v as T;

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

afterEach(() => { vi.restoreAllMocks(); });

/** Rows of values as [rows, cols] for both libraries. */
const both = (v: Float32Array, shape: number[]): { ours: Tensor; theirs: tf.Tensor } => ({ ours: tensor(v, shape), theirs: tf.tensor(v, shape) });

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i])));
}

describe('standalone metrics', () => {
  test('match tf.metrics 4.22 in value and shape', () => {
    const shape = [4, 3, 5];
    const probs = uniform(60, 0.01, 0.99, 1);
    const targets = uniform(60, 0.5, 2, 2);
    const onehot = new Float32Array(60);
    const ids = new Float32Array(12);
    for (let r = 0; r < 12; r++) { ids[r] = r % 5; onehot[r * 5 + (r % 5)] = 1; }
    const binary = Float32Array.from(uniform(60, 0, 1, 3), (v) => (v > 0.6 ? 1 : 0));
    const p = both(probs, shape), t = both(targets, shape), oh = both(onehot, shape), b = both(binary, shape);
    const cases: [string, Tensor, tf.Tensor][] = [
      ['binaryAccuracy', metrics.binaryAccuracy(b.ours, p.ours), tfl.metrics.binaryAccuracy(b.theirs, p.theirs)],
      ['categoricalAccuracy', metrics.categoricalAccuracy(oh.ours, p.ours), tfl.metrics.categoricalAccuracy(oh.theirs, p.theirs)],
      ['sparseCategoricalAccuracy', metrics.sparseCategoricalAccuracy(tensor(ids, [4, 3]), p.ours), tfl.metrics.sparseCategoricalAccuracy(tf.tensor(ids, [4, 3]), p.theirs)],
      ['meanSquaredError', metrics.meanSquaredError(t.ours, p.ours), tfl.metrics.meanSquaredError(t.theirs, p.theirs)],
      ['mse', metrics.mse(t.ours, p.ours), tfl.metrics.MSE(t.theirs, p.theirs)],
      ['meanAbsoluteError', metrics.mae(t.ours, p.ours), tfl.metrics.meanAbsoluteError(t.theirs, p.theirs)],
      ['meanAbsolutePercentageError', metrics.mape(t.ours, p.ours), tfl.metrics.meanAbsolutePercentageError(t.theirs, p.theirs)],
      ['binaryCrossentropy', metrics.binaryCrossentropy(b.ours, p.ours), tfl.metrics.binaryCrossentropy(b.theirs, p.theirs)],
      ['cosineProximity', metrics.cosineProximity(t.ours, p.ours), tfl.metrics.cosineProximity(t.theirs, p.theirs)],
      ['categoricalCrossentropy', metrics.categoricalCrossentropy(oh.ours, p.ours), tfl.metrics.categoricalCrossentropy(oh.theirs, p.theirs)],
      // tf.metrics has no sparseCategoricalCrossentropy: the one-hot form of the same ids.
      ['sparseCategoricalCrossentropy', metrics.sparseCategoricalCrossentropy(ids, p.ours), tfl.metrics.categoricalCrossentropy(oh.theirs, p.theirs)],
      // tf.js counts a prediction as positive only where it is exactly 1: with 0/1 predictions the two agree.
      ['precision', metrics.precision(b.ours, both(Float32Array.from(probs, (v) => (v > 0.5 ? 1 : 0)), shape).ours),
        tfl.metrics.precision(b.theirs, tf.tensor(Float32Array.from(probs, (v) => (v > 0.5 ? 1 : 0)), shape))],
      ['recall', metrics.recall(b.ours, both(Float32Array.from(probs, (v) => (v > 0.5 ? 1 : 0)), shape).ours),
        tfl.metrics.recall(b.theirs, tf.tensor(Float32Array.from(probs, (v) => (v > 0.5 ? 1 : 0)), shape))],
    ];
    for (const [name, ours, theirs] of cases) {
      expect(ours.shape, name).toEqual(theirs.shape);
      expectClose(ours.dataSync(), theirs.dataSync() as Float32Array, 2e-6);
    }
  });

  test('hand-computed values; precision and recall threshold probabilities at 0.5', () => {
    const yTrue = tensor([1, 2, 3, 4], [2, 2]), yPred = tensor([1, 3, 5, 4], [2, 2]);
    expect([...metrics.mae(yTrue, yPred).dataSync()]).toEqual([0.5, 1]);
    expect([...metrics.mse(yTrue, yPred).dataSync()]).toEqual([0.5, 2]);
    expect(metrics.mape(yTrue, yPred).dataSync()[1]).toBeCloseTo(100 * (2 / 3) / 2, 5);
    // Labels 1 1 0 0 1; predictions above 0.5 at 0, 2, 4: tp 2, fp 1, fn 1.
    const t = tensor([1, 1, 0, 0, 1], [5, 1]), p = tensor([0.9, 0.2, 0.7, 0.5, 0.51], [5, 1]);
    expect(metrics.precision(t, p).shape).toEqual([]);
    expect(metrics.precision(t, p).dataSync()[0]).toBeCloseTo(2 / 3, 6);
    expect(metrics.recall(t, p).dataSync()[0]).toBeCloseTo(2 / 3, 6);
    expect(metrics.precision(t, tensor([0, 0, 0, 0, 0], [5, 1])).dataSync()[0]).toBe(0);
    expect([...metrics.binaryAccuracy(t, p).dataSync()]).toEqual([1, 0, 0, 1, 1]);
  });

  test('the top-k accuracies match tf.inTopKAsync for every k, ties included (the lower index wins); k defaults to 5', async () => {
    // tf.js 4.22 declares both metrics but they throw NotImplementedError, and tf.metrics does not export them:
    // tf.inTopKAsync (tfjs-core) is tf.js's one top-k test. Values in quarters make many ties.
    expect(Object.keys(tfl.metrics)).not.toContain('topKCategoricalAccuracy');
    const rows = 40, cols = 6;
    const p = Float32Array.from(uniform(rows * cols, 0, 1, 41), (v) => Math.round(v * 4) / 4);
    const ids = Float32Array.from(uniform(rows, 0, cols, 42), Math.floor);
    const onehot = new Float32Array(rows * cols);
    ids.forEach((id, r) => { onehot[r * cols + id] = 1; });
    const pred = tensor(p, [rows, cols]);
    let tied = 0;
    for (let r = 0; r < rows; r++) if (p.subarray(r * cols, r * cols + cols).filter((v) => v === p[r * cols + ids[r]]).length > 1) tied++;
    expect(tied).toBeGreaterThan(10);
    for (let k = 1; k <= cols; k++) {
      const theirs = [...(await tf.inTopKAsync(tf.tensor(p, [rows, cols]), tf.tensor(ids, [rows], 'int32'), k)).dataSync()];
      expect([...metrics.sparseTopKCategoricalAccuracy(ids, pred, k).dataSync()], `k ${k}`).toEqual(theirs);
      expect([...metrics.topKCategoricalAccuracy(tensor(onehot, [rows, cols]), pred, k).dataSync()], `k ${k}`).toEqual(theirs);
    }
    const five = [...(await tf.inTopKAsync(tf.tensor(p, [rows, cols]), tf.tensor(ids, [rows], 'int32'), 5)).dataSync()];
    expect([...metrics.sparseTopKCategoricalAccuracy(ids, pred).dataSync()]).toEqual(five);
    // A k at or above the number of classes counts every row (Keras; tf.inTopKAsync refuses it).
    expect([...metrics.sparseTopKCategoricalAccuracy([0, 1], tensor([1, 2, 3, 4], [2, 2])).dataSync()]).toEqual([1, 1]);
    expect(metrics.topKCategoricalAccuracy(tensor(onehot, [5, 8, cols]), tensor(p, [5, 8, cols])).shape).toEqual([5, 8]);
    expect(() => metrics.topKCategoricalAccuracy(tensor(onehot, [rows, cols]), pred, 0)).toThrow('actlab: metrics.topKCategoricalAccuracy: k must be an integer >= 1, got 0');
  });

  test('bad inputs are refused with the function and the shapes', () => {
    expect(() => metrics.mae(tensor([1, 2], [2, 1]), tensor([1, 2], [1, 2]))).toThrow('actlab: metrics.meanAbsoluteError: yTrue shape [2, 1] does not match yPred shape [1, 2]');
    expect(() => metrics.sparseCategoricalAccuracy([0, 3], tensor([1, 2, 3, 4], [2, 2]))).toThrow('actlab: metrics.sparseCategoricalAccuracy: class id 3 at index 1 is not an integer in [0, 2)');
    expect(() => metrics.precision(wrong<Tensor>([1]), tensor([1], [1]))).toThrow('actlab: metrics.precision: yTrue must be a Tensor');
  });
});

/** A linear regression model and data with targets away from 0 (mape). */
function regression(seed = 3): { model: Sequential; x: Tensor; y: Tensor; vx: Tensor; vy: Tensor } {
  const model = sequential({ seed, layers: [layers.dense({ units: 2, inputShape: [3] })] });
  return {
    model, x: tensor(uniform(30, -1, 1, 11), [10, 3]), y: tensor(uniform(20, 1, 2, 12), [10, 2]),
    vx: tensor(uniform(12, -1, 1, 13), [4, 3]), vy: tensor(uniform(8, 1, 2, 14), [4, 2]),
  };
}

/** The tf.js twin of an actlab model of dense layers, with its (seeded) weights overwritten by ours. */
function twin(ours: Sequential, specs: { units: number; activation?: 'sigmoid' | 'softmax' }[]): tfl.Sequential {
  const theirs = tfl.sequential({
    layers: specs.map((s, i) => tfl.layers.dense({
      units: s.units, activation: s.activation, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 + i }),
      ...(i === 0 ? { inputShape: [...ours.inputShape] } : {}),
    })),
  });
  theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape])));
  return theirs;
}

describe('the cross-entropy metrics in every runtime', () => {
  // Engines round Math.log differently in the last bit (Node 20 gives ln(0.02754988893866539) =
  // -3.591756774655753, Deno 2.9 and Bun 1.4 -3.5917567746557535): the metrics take their
  // logarithms from the kernels, so an engine's Math.log, here one off by an ulp, changes nothing.
  test('evaluate and the metrics namespace give the same bits whatever Math.log returns', () => {
    const m = sequential({ layers: [layers.activation({ activation: 'linear', inputShape: [2] })] });
    m.compile({ optimizer: sgd(), loss: 'meanSquaredError', metrics: ['binaryCrossentropy', 'categoricalCrossentropy'] });
    const scores = (): number[] => {
      const x = tensor([0.02754988893866539, 0.23101769387722015], [1, 2]), y = tensor([1, 0], [1, 2]);
      const p = tensor([0.25, 0.75], [1, 2]);
      try {
        return [...m.evaluate(x, y), metrics.binaryCrossentropy(y, x).dataSync()[0], metrics.sparseCategoricalCrossentropy([1], p).dataSync()[0]];
      } finally {
        for (const t of [x, y, p]) t.dispose();
      }
    };
    const sparse = sequential({ layers: [layers.activation({ activation: 'linear', inputShape: [2] })] });
    sparse.compile({ optimizer: sgd(), loss: 'sparseCategoricalCrossentropy', metrics: ['sparseCategoricalCrossentropy'] });
    const sparseScore = (): number => {
      const x = tensor([0.02754988893866539, 0.23101769387722015], [1, 2]);
      try { return sparse.evaluate(x, [0])[1]; } finally { x.dispose(); }
    };
    const before = [...scores(), sparseScore()];
    // The engine's logarithm as it is here, then one ulp larger.
    const engineLog = Math.log;
    const off = new Float64Array(1), bits = new BigUint64Array(off.buffer);
    vi.spyOn(Math, 'log').mockImplementation((v: number) => { off[0] = engineLog(v); bits[0] += 1n; return off[0]; });
    expect([...scores(), sparseScore()]).toEqual(before);
    m.dispose();
    sparse.dispose();
  });
});

describe('compiled metrics in fit and evaluate', () => {
  const setups: {
    what: string; loss: LossAlias; tfLoss: string; metrics: MetricAlias[]; units: number; activation?: 'sigmoid' | 'softmax';
    labels: (n: number, seed: number) => Float32Array; ids?: true;
  }[] = [
    { what: 'regression', loss: 'mse', tfLoss: 'meanSquaredError', metrics: ['mae', 'mse', 'mape'], units: 2, labels: (n, s) => uniform(n * 2, 1, 2, s) },
    // tf.js's 'cosine' is cosineProximity: minus the cosine similarity.
    { what: "'cosine'", loss: 'mse', tfLoss: 'meanSquaredError', metrics: ['cosine', 'mae'], units: 3, labels: (n, s) => uniform(n * 3, -1, 2, s) },
    {
      what: 'binary', loss: 'binaryCrossentropy', tfLoss: 'binaryCrossentropy', metrics: ['acc', 'binaryAccuracy', 'mae'], units: 1, activation: 'sigmoid',
      labels: (n, s) => Float32Array.from(uniform(n, 0, 1, s), (v) => (v > 0.5 ? 1 : 0)),
    },
    {
      // Softmax fused into the loss: the metrics that need probabilities get the softmax of the logits.
      what: 'categorical (fused softmax)', loss: 'categoricalCrossentropy', tfLoss: 'categoricalCrossentropy',
      metrics: ['categoricalAccuracy', 'categoricalCrossentropy', 'mse'], units: 3, activation: 'softmax',
      labels: (n, s) => { const o = new Float32Array(n * 3); uniform(n, 0, 3, s).forEach((v, i) => { o[i * 3 + Math.floor(v)] = 1; }); return o; },
    },
    // 'crossentropy' and 'ce' are the cross-entropy that matches the loss, logged as `ce` (tf.js's training.js).
    {
      what: "'ce' with binary cross-entropy", loss: 'binaryCrossentropy', tfLoss: 'binaryCrossentropy', metrics: ['ce', 'binaryAccuracy'], units: 2, activation: 'sigmoid',
      labels: (n, s) => Float32Array.from(uniform(n * 2, 0, 1, s), (v) => (v > 0.5 ? 1 : 0)),
    },
    {
      what: "'crossentropy' with categorical cross-entropy (fused softmax)", loss: 'categoricalCrossentropy', tfLoss: 'categoricalCrossentropy',
      metrics: ['crossentropy', 'acc'], units: 3, activation: 'softmax',
      labels: (n, s) => { const o = new Float32Array(n * 3); uniform(n, 0, 3, s).forEach((v, i) => { o[i * 3 + Math.floor(v)] = 1; }); return o; },
    },
    {
      what: "'ce' with class ids", loss: 'sparseCategoricalCrossentropy', tfLoss: 'sparseCategoricalCrossentropy', metrics: ['ce', 'acc'],
      units: 3, activation: 'softmax', labels: (n, s) => Float32Array.from(uniform(n, 0, 3, s), Math.floor), ids: true,
    },
    {
      // One output unit picks the binary cross-entropy whatever the loss.
      what: "'crossentropy' on one unit with mean squared error", loss: 'meanSquaredError', tfLoss: 'meanSquaredError', metrics: ['crossentropy'], units: 1, activation: 'sigmoid',
      labels: (n, s) => Float32Array.from(uniform(n, 0, 1, s), (v) => (v > 0.5 ? 1 : 0)),
    },
  ];
  for (const s of setups) {
    test(`History and evaluate match a tf.js 4.22 fit of the same weights: ${s.what}`, async () => {
      const n = 10, nv = 4;
      const x = uniform(n * 3, -1, 1, 21), y = s.labels(n, 22), vx = uniform(nv * 3, -1, 1, 23), vy = s.labels(nv, 24);
      const ours = sequential({ seed: 5, layers: [layers.dense({ units: s.units, activation: s.activation, inputShape: [3] })] });
      const theirs = twin(ours, [{ units: s.units, activation: s.activation }]);
      ours.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: s.loss, metrics: s.metrics });
      theirs.compile({ optimizer: tf.train.sgd(0.1), loss: s.tfLoss, metrics: s.metrics });
      const shape = (rows: number): number[] => [rows, s.ids ? 1 : s.units];
      const h = await ours.fit(tensor(x, [n, 3]), tensor(y, shape(n)), { epochs: 2, batchSize: 4, shuffle: false, validationData: [tensor(vx, [nv, 3]), tensor(vy, shape(nv))] });
      const th = await theirs.fit(tf.tensor(x, [n, 3]), tf.tensor(y, shape(n)), { epochs: 2, batchSize: 4, shuffle: false, validationData: [tf.tensor(vx, [nv, 3]), tf.tensor(vy, shape(nv))] });
      const keys = (m: readonly string[]): string[] => m.map((k) => (k === 'accuracy' || k === 'acc' ? 'acc' : k === 'crossentropy' || k === 'ce' ? 'ce' : k));
      expect(Object.keys(h.history)).toEqual(['loss', ...keys(s.metrics), 'val_loss', ...keys(s.metrics).map((k) => `val_${k}`)]);
      expect(Object.keys(h.history).sort()).toEqual(Object.keys(th.history).sort());
      for (const k of Object.keys(th.history)) expectClose(h.history[k], th.history[k] as number[], 2e-5);
      const ev = ours.evaluate(tensor(vx, [nv, 3]), tensor(vy, shape(nv)));
      const tev = (theirs.evaluate(tf.tensor(vx, [nv, 3]), tf.tensor(vy, shape(nv))) as tf.Scalar[]).map((t) => t.dataSync()[0]);
      expect(ev.length).toBe(1 + s.metrics.length);
      expectClose(ev, tev, 2e-5);
    });
  }

  test('evaluate returns [loss, ...metrics] in compile order; with the weights still, fit logs the metrics of the whole epoch', async () => {
    const { model, x, y, vx, vy } = regression();
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['mape', 'mae'] });
    const [loss, mape, mae] = model.evaluate(x, y, { batchSize: 3 });
    const pred = model.predict(x);
    const mean = (t: Tensor): number => { const v = t.dataSync(); return v.reduce((a, b) => a + b, 0) / v.length; };
    expect(mae).toBeCloseTo(mean(metrics.mae(y, pred)), 6);
    expect(mape).toBeCloseTo(mean(metrics.mape(y, pred)), 4);
    expect(loss).toBeCloseTo(mean(metrics.mse(y, pred)), 6);
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['mae', 'mape'] });
    expect(model.evaluate(x, y, { batchSize: 3 })).toEqual([loss, mae, mape]);
    expect(model.metricsNames).toEqual(['loss', 'mae', 'mape']);
    // Learning rate 0: every batch sees the same weights, so the epoch's value over uneven batches (4, 4, 2) is evaluate's.
    model.learningRate = 0;
    const h = await model.fit(x, y, { epochs: 1, batchSize: 4, validationData: [vx, vy] });
    expect(h.history.mae[0]).toBeCloseTo(mae, 6);
    expect(h.history.val_mape[0]).toBeCloseTo(model.evaluate(vx, vy)[2], 6);
  });

  test("the top-k accuracies in fit and evaluate: k 5 (Keras's default), on the softmax's probabilities, the mean of the standalone values", async () => {
    // tf.js 4.22's compile does not know them (its metric functions throw NotImplementedError).
    const tfModel = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, inputShape: [3], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
    expect(() => tfModel.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['topKCategoricalAccuracy'] })).toThrow('Unknown metric topKCategoricalAccuracy');
    const n = 24, ids = Float32Array.from(uniform(n, 0, 6, 52), Math.floor), onehot = new Float32Array(n * 6);
    ids.forEach((id, r) => { onehot[r * 6 + id] = 1; });
    const x = tensor(uniform(n * 3, -2, 2, 51), [n, 3]);
    const mean = (t: Tensor): number => { const v = t.dataSync(); return v.reduce((a, b) => a + b, 0) / v.length; };
    for (const sparseIds of [false, true]) {
      const m = sequential({ seed: 7, layers: [layers.dense({ units: 6, activation: 'softmax', inputShape: [3] })] });
      m.compile(sparseIds
        ? { optimizer: sgd(), loss: 'sparseCategoricalCrossentropy', metrics: ['sparse_top_k_categorical_accuracy', 'sparseTopKCategoricalAccuracy'] }
        : { optimizer: sgd(), loss: 'categoricalCrossentropy', metrics: ['topKCategoricalAccuracy', 'top_k_categorical_accuracy'] });
      // Learning rate 0: every batch sees the same weights, so the epoch's value is the mean over predict's rows.
      m.learningRate = 0;
      const y = sparseIds ? tensor(ids, [n]) : tensor(onehot, [n, 6]);
      const p = m.predict(x);
      const expected = sparseIds ? mean(metrics.sparseTopKCategoricalAccuracy(ids, p)) : mean(metrics.topKCategoricalAccuracy(y, p));
      expect(expected).toBeGreaterThan(0.5);
      expect(expected).toBeLessThan(1);
      const h = await m.fit(x, y, { epochs: 1, batchSize: 5, shuffle: false, validationData: [x, y] });
      const names = sparseIds ? ['sparse_top_k_categorical_accuracy', 'sparseTopKCategoricalAccuracy'] : ['topKCategoricalAccuracy', 'top_k_categorical_accuracy'];
      expect(Object.keys(h.history)).toEqual(['loss', ...names, 'val_loss', ...names.map((k) => `val_${k}`)]);
      for (const k of names) {
        expect(h.history[k][0]).toBeCloseTo(expected, 12);
        expect(h.history[`val_${k}`][0]).toBeCloseTo(expected, 12);
      }
      expect(m.evaluate(x, y, { batchSize: 7 }).slice(1)).toEqual(names.map(() => h.history[names[0]][0]));
      expect(m.metricsNames).toEqual(['loss', ...names]);
      m.dispose();
    }
  });

  test('an output with positions per sample ([batch, steps, units]): each metric is the mean over every position, as the standalone one', () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 2, inputShape: [2, 4], activation: 'sigmoid' })] });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['mae', 'binaryAccuracy', 'precision'] });
    const x = tensor(uniform(40, -1, 1, 31), [5, 2, 4]);
    const y = tensor(Float32Array.from(uniform(20, 0, 1, 32), (v) => (v > 0.5 ? 1 : 0)), [5, 2, 2]);
    const p = m.predict(x);
    const mean = (t: Tensor): number => { const v = t.dataSync(); return v.reduce((a, b) => a + b, 0) / v.length; };
    const [, mae, acc, precision] = m.evaluate(x, y, { batchSize: 2 });
    expect(mae).toBeCloseTo(mean(metrics.mae(y, p)), 6);
    expect(acc).toBeCloseTo(mean(metrics.binaryAccuracy(y, p)), 12);
    expect(precision).toBeCloseTo(metrics.precision(y, p).dataSync()[0], 6);
  });

  test('precision and recall are exact over the epoch (true positives over all its batches), not a mean of batch ratios', async () => {
    // One sigmoid unit computing sigmoid(10 x): predictions are x > 0.
    const model = sequential({ layers: [layers.dense({ units: 1, inputShape: [1], activation: 'sigmoid', kernelInitializer: 'ones' })] });
    model.setWeights([tensor([10], [1, 1]), tensor([0], [1])]);
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['precision', 'recall'] });
    model.learningRate = 0;
    // Batches of 2: [tp, fp], [tp, tp], [fn, tn]: tp 3, fp 1, fn 1. The batches' precisions 1/2, 1, 0 average 0.5 (tf.js).
    const x = tensor([1, 1, 1, 1, -1, -1], [6, 1]), y = tensor([1, 0, 1, 1, 1, 0], [6, 1]);
    const batchLogs: Record<string, number>[] = [];
    const h = await model.fit(x, y, { batchSize: 2, shuffle: false, callbacks: { onBatchEnd: (_b, logs) => { batchLogs.push({ ...logs }); } } });
    expect(h.history.precision).toEqual([3 / 4]);
    expect(h.history.recall).toEqual([3 / 4]);
    expect(batchLogs.map((l) => l.precision)).toEqual([0.5, 1, 0]);
    expect(model.evaluate(x, y, { batchSize: 2 }).slice(1)).toEqual([3 / 4, 3 / 4]);
  });

  test('unknown names, names for the other kind of labels and repeats are refused; a typo is a type error', () => {
    const { model } = regression();
    expectTypeOf<'f1'>().not.toMatchTypeOf<MetricAlias>();
    expectTypeOf<'mae' | 'MAE' | 'mean_absolute_error' | 'precision' | 'recall' | 'acc' | 'ce' | 'crossentropy' | 'topKCategoricalAccuracy' | 'sparse_top_k_categorical_accuracy' | 'cosine' | 'cosine_similarity'>().toMatchTypeOf<NonNullable<CompileArgs['metrics']>[number]>();
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [wrong<MetricAlias>('f1')] })).toThrow(
      "actlab: compile: unknown metric 'f1'; valid: accuracy (acc), binaryAccuracy (binary_accuracy), categoricalAccuracy (categorical_accuracy), " +
      'sparseCategoricalAccuracy (sparse_categorical_accuracy), topKCategoricalAccuracy (top_k_categorical_accuracy), ' +
      'sparseTopKCategoricalAccuracy (sparse_top_k_categorical_accuracy), meanSquaredError (mean_squared_error, mse, MSE), meanAbsoluteError (mean_absolute_error, mae, MAE), ' +
      'meanAbsolutePercentageError (mean_absolute_percentage_error, mape, MAPE), binaryCrossentropy (binary_crossentropy), categoricalCrossentropy (categorical_crossentropy), ' +
      'sparseCategoricalCrossentropy (sparse_categorical_crossentropy), crossentropy (ce), cosineProximity (cosine_proximity, cosine), ' +
      'cosineSimilarity (cosine_similarity), precision, recall');
    expect(() => model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['mae'] })).toThrow(
      "actlab: compile: metric 'mae' needs targets shaped like the output, but the loss sparseCategoricalCrossentropy takes class ids");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['sparseCategoricalAccuracy'] })).toThrow(
      "actlab: compile: metric 'sparseCategoricalAccuracy' takes class ids, but the loss categoricalCrossentropy takes targets shaped like the output");
    // The top-k accuracy's form for the other kind of labels is among those the message names.
    expect(() => model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['top_k_categorical_accuracy'] })).toThrow(
      "with class ids use 'accuracy', 'crossentropy', 'sparseCategoricalAccuracy', 'sparseTopKCategoricalAccuracy' or 'sparseCategoricalCrossentropy'");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['sparse_top_k_categorical_accuracy'] })).toThrow(
      "use 'accuracy', 'categoricalAccuracy' or 'topKCategoricalAccuracy' (one-hot targets)");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['accuracy', 'acc'] })).toThrow(
      "actlab: compile: metrics list 'acc' and 'accuracy', which both log as 'acc'; give each once");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', 'mae'] })).toThrow("metrics list 'mae' twice");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['crossentropy', 'ce'] })).toThrow(
      "actlab: compile: metrics list 'ce' and 'crossentropy', which both log as 'ce'; give each once");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: wrong<MetricAlias[]>('mae') })).toThrow("actlab: compile: metrics must be an array, e.g. ['accuracy']");
    expect(model.isCompiled).toBe(false);
  });
});

describe('what metrics reach', () => {
  test("callbacks monitor a metric's val_ key", async () => {
    const { model, x, y, vx, vy } = regression();
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['mae'] });
    const warn = vi.spyOn(console, 'warn');
    const seen: number[] = [];
    const stop = callbacks.earlyStopping({ monitor: 'val_mae', patience: 0 });
    const plateau = callbacks.reduceLROnPlateau({ monitor: 'val_mae', patience: 0, factor: 0.5 });
    // Each epoch's val_mae is made worse than the last, so both act after the second epoch.
    const worse = { onEpochEnd: (e: number, logs: Record<string, number>) => { logs.val_mae = 1 + e; seen.push(logs.val_mae); } };
    await model.fit(x, y, { epochs: 5, validationData: [vx, vy], callbacks: [worse, plateau, stop] });
    expect(warn).not.toHaveBeenCalled();
    expect(seen).toEqual([1, 2]);
    expect(stop.stoppedEpoch).toBe(1);
    expect(plateau.changes).toEqual([[1, 0.05]]);
  });

  test("mode 'auto' watches precision, recall and camelCase accuracies upwards (tf.js looks for a lower-case 'acc' alone)", async () => {
    const { model, x, y, vx, vy } = regression();
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    // Each value set here falls (precision) or rises (binaryAccuracy) epoch by epoch.
    const p = callbacks.earlyStopping({ monitor: 'val_precision', patience: 0 });
    const falling = { onEpochEnd: (e: number, logs: Record<string, number>) => { logs.val_precision = 1 - e / 10; } };
    await model.fit(x, y, { epochs: 5, validationData: [vx, vy], callbacks: [falling, p] });
    expect(p.stoppedEpoch).toBe(1);
    const b = callbacks.earlyStopping({ monitor: 'val_binaryAccuracy', patience: 0 });
    const rising = { onEpochEnd: (e: number, logs: Record<string, number>) => { logs.val_binaryAccuracy = e / 10; } };
    await model.fit(x, y, { epochs: 5, validationData: [vx, vy], callbacks: [rising, b] });
    expect(b.stoppedEpoch).toBe(0);
    const r = callbacks.reduceLROnPlateau({ monitor: 'val_recall', patience: 0, factor: 0.5 });
    await model.fit(x, y, { epochs: 3, validationData: [vx, vy], callbacks: [{ onEpochEnd: (e: number, logs: Record<string, number>) => { logs.val_recall = e; } }, r] });
    expect(r.changes).toEqual([]);
  });

  test("cosine proximity is watched downwards by 'auto' (tf.js's sign: -1 is best), Keras 3's cosine_similarity upwards; both from one fit are opposites", async () => {
    const { model, x, y, vx, vy } = regression();
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['cosine', 'cosine_similarity', 'cosineProximity'] });
    const h = await model.fit(x, y, { epochs: 2, validationData: [vx, vy] });
    expect(h.history.val_cosine_similarity).toEqual(h.history.val_cosine.map((v) => -v));
    expect(h.history.cosineProximity).toEqual(h.history.cosine);
    // Each value set here rises epoch by epoch: an upward watch goes on, a downward one stops after the second epoch.
    const rising = (key: string) => ({ onEpochEnd: (e: number, logs: Record<string, number>) => { logs[key] = e / 10; } });
    const proximity = callbacks.earlyStopping({ monitor: 'val_cosine', patience: 0 });
    await model.fit(x, y, { epochs: 4, validationData: [vx, vy], callbacks: [rising('val_cosine'), proximity] });
    expect(proximity.stoppedEpoch).toBe(1);
    const similarity = callbacks.earlyStopping({ monitor: 'val_cosine_similarity', patience: 0 });
    await model.fit(x, y, { epochs: 4, validationData: [vx, vy], callbacks: [rising('val_cosine_similarity'), similarity] });
    expect(similarity.stoppedEpoch).toBe(0);
    const topK = callbacks.earlyStopping({ monitor: 'val_top_k_categorical_accuracy', patience: 0 });
    await model.fit(x, y, { epochs: 4, validationData: [vx, vy], callbacks: [rising('val_top_k_categorical_accuracy'), topK] });
    expect(topK.stoppedEpoch).toBe(0);
  });

  test("epochLogger's CSV columns and the verbose line carry the metrics", async () => {
    const { model, x, y, vx, vy } = regression();
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['mae', 'MSE'] });
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await model.fit(x, y, { epochs: 1, verbose: 1, validationData: [vx, vy], callbacks: callbacks.epochLogger({ write: (l) => lines.push(l) }) });
    expect(lines[0]).toBe('epoch,MSE,loss,mae,val_MSE,val_loss,val_mae\n');
    expect(lines[1].split(',')).toHaveLength(7);
    expect(String(log.mock.calls[0][0])).toMatch(/^Epoch 1\/1 - \d+ms - loss: [\d.e-]+ - mae: [\d.e-]+ - MSE: [\d.e-]+ - val_loss: [\d.e-]+ - val_mae: [\d.e-]+ - val_MSE: [\d.e-]+$/);
  });

  test('a checkpoint keeps the metrics by the names given; restored, evaluate and fit log the same keys', async () => {
    const { model, x, y } = regression();
    model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['mean_absolute_error', 'mape'] });
    await model.fit(x, y, { epochs: 1 });
    const cp = model.checkpoint();
    expect(cp.json.metrics).toEqual(['mean_absolute_error', 'mape']);
    const r = restoreCheckpoint(cp);
    expect(r.model.compiledConfig().metrics).toEqual(['mean_absolute_error', 'mape']);
    expect(r.model.evaluate(x, y)).toEqual(model.evaluate(x, y));
    expect(Object.keys((await r.model.fit(x, y, { epochs: 1 })).history)).toEqual(['loss', 'mean_absolute_error', 'mape']);
    expect(() => restoreCheckpoint({ json: { ...cp.json, metrics: ['f1'] }, data: cp.data })).toThrow("actlab: restoreCheckpoint: checkpoint.json metrics: unknown metric 'f1'; valid: accuracy (acc), ");
    // A file's name for a metric reaches the message with control characters escaped.
    expect(() => restoreCheckpoint({ json: { ...cp.json, metrics: ['f1\x1b[2J'] }, data: cp.data })).toThrow("actlab: restoreCheckpoint: checkpoint.json metrics: unknown metric 'f1\\u001b[2J'; valid: ");
    expect(() => restoreCheckpoint({ json: { ...cp.json, loss: wrong('hinge') }, data: cp.data })).toThrow("actlab: restoreCheckpoint: checkpoint.json: unknown loss 'hinge'; valid: ");
  });

  test('a saved compiled model loads compiled with its loss, metrics and optimizer settings; an uncompiled one loads uncompiled', async () => {
    const { model, x, y } = regression();
    const plain = modelFromArtifacts(modelToArtifacts(model));
    expect(plain.isCompiled).toBe(false);
    model.compile({ optimizer: sgd({ learningRate: 0.05, momentum: 0.5 }), loss: 'mse', metrics: ['mae', 'precision'] });
    const art = modelToArtifacts(model);
    expect(art.modelJson.actlab?.training).toEqual({ loss: 'meanSquaredError', metrics: ['mae', 'precision'], optimizer: { className: 'SGD', config: model.optimizer.getConfig() } });
    // Through JSON text, as a file holds it.
    const loaded = modelFromArtifacts({ modelJson: JSON.parse(JSON.stringify(art.modelJson)), weightData: art.weightData });
    expect(loaded.compiledConfig().metrics).toEqual(['mae', 'precision']);
    expect(loaded.compiledConfig().loss).toBe('meanSquaredError');
    expect(loaded.optimizer.getConfig()).toEqual(model.optimizer.getConfig());
    expect(loaded.evaluate(x, y)).toEqual(model.evaluate(x, y));
    expect(Object.keys((await loaded.fit(x, y)).history)).toEqual(['loss', 'mae', 'precision']);
    const edited = { ...art.modelJson, actlab: { seed: 0, training: { ...art.modelJson.actlab?.training, metrics: ['f1'] } } };
    expect(() => modelFromArtifacts({ modelJson: wrong<typeof art.modelJson>(edited), weightData: art.weightData })).toThrow("actlab: loadModel: model.json's actlab.training.metrics: unknown metric 'f1'; valid: ");
    // A loss the file names is checked as a loadModel error (it was compile's), and an alias written by hand is read as its loss.
    const withLoss = (loss: string, metrics: string[]): typeof art.modelJson => wrong({ ...art.modelJson, actlab: { seed: 0, training: { ...art.modelJson.actlab?.training, loss, metrics } } });
    expect(() => modelFromArtifacts({ modelJson: withLoss('hinge', []), weightData: art.weightData }))
      .toThrow("actlab: loadModel: model.json's actlab.training: unknown loss 'hinge'; valid: ");
    const sparse = modelFromArtifacts({ modelJson: withLoss('sparse_categorical_crossentropy', ['sparseCategoricalAccuracy']), weightData: art.weightData });
    expect(sparse.compiledConfig().loss).toBe('sparseCategoricalCrossentropy');
    sparse.dispose();
  });
});

describe('the metrics added after the twelfth round', () => {
  test("'ce', the top-k accuracies and the cosine metrics reach the CSV, metricsNames, a checkpoint and model.json's actlab.training by the names given", async () => {
    const names: MetricAlias[] = ['ce', 'top_k_categorical_accuracy', 'cosine', 'cosine_similarity'];
    const m = sequential({ seed: 4, layers: [layers.dense({ units: 6, activation: 'softmax', inputShape: [3] })] });
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy', metrics: names });
    const n = 12, onehot = new Float32Array(n * 6);
    uniform(n, 0, 6, 62).forEach((v, r) => { onehot[r * 6 + Math.floor(v)] = 1; });
    const x = tensor(uniform(n * 3, -1, 1, 61), [n, 3]), y = tensor(onehot, [n, 6]);
    const lines: string[] = [];
    await m.fit(x, y, { epochs: 1, batchSize: 4, validationData: [x, y], callbacks: callbacks.epochLogger({ write: (l) => lines.push(l) }) });
    expect(lines[0]).toBe('epoch,ce,cosine,cosine_similarity,loss,top_k_categorical_accuracy,val_ce,val_cosine,val_cosine_similarity,val_loss,val_top_k_categorical_accuracy\n');
    expect(m.metricsNames).toEqual(['loss', 'ce', 'top_k_categorical_accuracy', 'cosine', 'cosine_similarity']);
    const restored = restoreCheckpoint(m.checkpoint()).model;
    expect(restored.compiledConfig().metrics).toEqual(names);
    expect(restored.evaluate(x, y)).toEqual(m.evaluate(x, y));
    const art = modelToArtifacts(m);
    expect(art.modelJson.actlab?.training?.metrics).toEqual(names);
    const loaded = modelFromArtifacts({ modelJson: JSON.parse(JSON.stringify(art.modelJson)), weightData: art.weightData });
    expect(loaded.evaluate(x, y)).toEqual(m.evaluate(x, y));
    expect(Object.keys((await loaded.fit(x, y)).history)).toEqual(['loss', 'ce', 'top_k_categorical_accuracy', 'cosine', 'cosine_similarity']);
    // tf.js has meanSquaredLogarithmicError as a loss only: its compile refuses 'msle' as a metric, and so does actlab's.
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
    expect(() => theirs.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['msle'] })).toThrow('Unknown metric msle');
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [wrong<MetricAlias>('msle')] })).toThrow("actlab: compile: unknown metric 'msle'");
    for (const t of [m, restored, loaded, x, y]) t.dispose();
  });
});

describe('metrics with checkpoints', () => {
  test("modelCheckpoint saveBestOnly keeps the best epoch of 'val_precision' (upwards by 'auto') and of 'val_mae' (downwards), and a run resumed from one goes on bit for bit", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actlab-metrics-ckpt-'));
    try {
      const n = 48, nv = 16;
      const labels = (k: number, s: number): Float32Array => Float32Array.from(uniform(k * 2, 0, 1, s), (v) => (v > 0.6 ? 1 : 0));
      const make = (): Sequential => {
        const m = sequential({ seed: 5, layers: [layers.dense({ units: 8, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 2, activation: 'sigmoid' })] });
        m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'binaryCrossentropy', metrics: ['precision', 'mae'] });
        return m;
      };
      const x = tensor(uniform(n * 3, -1, 1, 11), [n, 3]), y = tensor(labels(n, 12), [n, 2]);
      const vx = tensor(uniform(nv * 3, -1, 1, 13), [nv, 3]), vy = tensor(labels(nv, 14), [nv, 2]);
      const run = { batchSize: 8, seed: 2, validationData: [vx, vy] as const };
      const whole = make();
      const p = join(dir, 'precision'), e = join(dir, 'mae');
      const h = await whole.fit(x, y, { epochs: 6, ...run, callbacks: [
        modelCheckpoint({ dir: p, saveBestOnly: true, monitor: 'val_precision' }), modelCheckpoint({ dir: e, saveBestOnly: true, monitor: 'val_mae' })] });
      const precision = h.history.val_precision, mae = h.history.val_mae;
      // The run must give the monitors something to choose: neither best is simply the last epoch.
      expect(new Set(precision).size).toBeGreaterThan(1);
      expect((await loadCheckpoint(p)).initialEpoch).toBe(precision.indexOf(Math.max(...precision)) + 1);
      const best = await loadCheckpoint(e);
      expect(best.initialEpoch).toBe(mae.indexOf(Math.min(...mae)) + 1);
      expect(best.model.metricsNames).toEqual(['loss', 'precision', 'mae']);
      const rest = await best.model.fit(x, y, { epochs: 6, ...run, initialEpoch: best.initialEpoch });
      expect(rest.history.val_precision).toEqual(precision.slice(best.initialEpoch));
      expect(rest.history.val_mae).toEqual(mae.slice(best.initialEpoch));
      for (const t of [x, y, vx, vy, whole, best.model]) t.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
