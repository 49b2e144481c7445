// The playground's training worker (examples/playground/train-worker.ts) without a
// browser: its adapter finds (or misses) the model API, and train() builds the model as
// issue 5's interface says, streams batch and epoch messages, and turns predictions into a
// decision boundary (spirals) or a confusion matrix (MNIST subset). The model here is a
// recording stand-in, so this checks the worker's plumbing, not training itself.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, tensor, type Tensor } from '../src/index.js';
import { MNIST_SUBSET, mnistSubset } from './runtimes/mnist-subset.js';
import type { FromWorker, TrainConfig } from '../examples/playground/protocol.js';
import { train, trainingApi, type FitOptions, type TrainingApi, type TrainingModel } from '../examples/playground/train-worker.js';

beforeAll(async () => { await init(); });

interface Recorded {
  layers: object[];
  units: number[];
  compiled?: { optimizer: object; loss: string; metrics: string[] };
  fit?: { xShape: readonly number[]; yLength: number; options: FitOptions };
}

/** A stand-in API: records what it is given; predict() puts all mass on class (row mod classes). */
function fakeApi(rec: Recorded): TrainingApi {
  const model = (classes: number): TrainingModel => ({
    compile(config) { rec.compiled = config; },
    async fit(x, y, options) {
      rec.fit = { xShape: x.shape, yLength: y.length, options };
      for (let e = 0; e < options.epochs; e++) {
        for (let b = 0; b < 3; b++) options.callbacks.onBatchEnd(b, { loss: 1 / (e * 3 + b + 1), acc: 0.5 });
        options.callbacks.onEpochEnd(e, { loss: 0.25, accuracy: 0.75 });
      }
    },
    predict(x: Tensor): Tensor {
      const rows = x.shape[0];
      const p = new Float32Array(rows * classes);
      for (let i = 0; i < rows; i++) p[i * classes + (i % classes)] = 1;
      return tensor(p, [rows, classes]);
    },
  });
  return {
    dense: (config) => { rec.layers.push(config); rec.units.push(config.units); return config; },
    sequential: () => model(rec.units.at(-1) ?? 0),
    adam: (config) => ({ adam: config }),
  };
}

const CONFIG: TrainConfig = { dataset: 'spirals', activation: 'gelu', hidden: [16, 8], learningRate: 0.02, epochs: 2, batchSize: 32, seed: 7 };

describe('playground training worker', () => {
  it('the adapter names what the core lacks, and accepts an API with the three functions', () => {
    const fn = () => ({});
    expect(trainingApi({ adam: fn })).toEqual({ missing: ['sequential', 'dense'] });
    const api = { sequential: fn, dense: fn, adam: fn };
    expect(trainingApi(api)).toBe(api);
  });

  it('spirals: builds the model of the interface, streams every batch and epoch, and a 48 x 48 boundary', async () => {
    const rec: Recorded = { layers: [], units: [] };
    const messages: FromWorker[] = [];
    await train(fakeApi(rec), CONFIG, undefined, (m) => messages.push(m));
    expect(rec.layers).toEqual([
      { units: 16, activation: 'gelu', inputShape: [2] },
      { units: 8, activation: 'gelu' },
      { units: 2, activation: 'softmax' },
    ]);
    expect(rec.compiled).toEqual({ optimizer: { adam: { learningRate: 0.02 } }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    expect(rec.fit?.xShape).toEqual([600, 2]);
    expect(rec.fit?.yLength).toBe(600);
    expect(rec.fit?.options).toMatchObject({ epochs: 2, batchSize: 32, shuffle: true, seed: 7 });
    expect(messages.filter((m) => m.type === 'batch').map((m) => m.type === 'batch' && m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(messages.at(-1)).toEqual({ type: 'done' });
    const epochs = messages.filter((m) => m.type === 'epoch');
    expect(epochs).toHaveLength(2);
    const last = epochs[1];
    if (last.type !== 'epoch' || last.view.kind !== 'boundary') throw new Error('actlab: expected a boundary view');
    expect(last.accuracy).toBe(0.75);
    expect(last.view.size).toBe(48);
    // predict() put class (row mod 2) first: p1 is 1 on odd grid cells.
    expect(Array.from(last.view.p1.subarray(0, 4))).toEqual([0, 1, 0, 1]);
    expect(last.view.points.length).toBe(1200);
  });

  it('MNIST subset: 1,600 images train, the 400 held out fill the confusion matrix', async () => {
    const rec: Recorded = { layers: [], units: [] };
    const messages: FromWorker[] = [];
    const mnist = mnistSubset(MNIST_SUBSET);
    await train(fakeApi(rec), { ...CONFIG, dataset: 'mnist', epochs: 1 }, mnist, (m) => messages.push(m));
    expect(rec.fit?.xShape).toEqual([1600, 784]);
    expect(rec.layers[0]).toEqual({ units: 16, activation: 'gelu', inputShape: [784] });
    const epoch = messages.find((m) => m.type === 'epoch');
    if (epoch?.type !== 'epoch' || epoch.view.kind !== 'confusion') throw new Error('actlab: expected a confusion view');
    const expected = new Int32Array(100);
    for (let i = 0; i < 400; i++) expected[mnist.labels[8 + 1600 + i] * 10 + (i % 10)]++;
    expect(Array.from(epoch.view.matrix)).toEqual(Array.from(expected));
  });
});
