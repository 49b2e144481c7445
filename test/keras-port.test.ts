// What a Keras 3 / tfjs-layers training script relies on when ported: per-epoch History
// values against tfjs-layers 4.22.0 (validationSplit takes the last fraction before any
// shuffle, shuffle false, a batch larger than the data, initialEpoch), earlyStopping's
// restoreBestWeights as Keras 3's on_train_end, and options a port might misspell.
import { beforeAll, describe, expect, test, vi } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  init, tensor, sequential, layers, sgd, callbacks, type Sequential, type Callback,
} from '../src/index.js';
import { shapeText } from '../src/core/tensor.js';
import { tf, useBackend } from './helpers/tfjs.js';

beforeAll(async () => { await init(); await useBackend('cpu'); });

const wrong = <T>(v: unknown): T => v as T;

function xs(n: number, d: number): Float32Array {
  let s = 1;
  return Float32Array.from({ length: n * d }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1);
}

function mlp(seed = 3): Sequential {
  const m = sequential({ seed, layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' })] });
  m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('per-epoch History against tfjs-layers 4.22.0 (cpu), same weights, SGD', () => {
  test('validationSplit, shuffle false, initialEpoch, a partial last batch and a batch larger than the data', async () => {
    const n = 50, d = 4, x = xs(n, d);
    const y = Int32Array.from({ length: n }, (_, i) => (x[i * d] + x[i * d + 1] > 0 ? 1 : 0) + (x[i * d + 2] > 0.5 ? 1 : 0));
    for (const batchSize of [16, 64]) {
      const m = mlp();
      const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [d] }), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
      t.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const ws = m.getWeights();
      t.setWeights(ws.map((w) => tf.tensor(w.dataSync(), [...w.shape])));
      for (const w of ws) w.dispose();
      const opts = { epochs: 4, batchSize, shuffle: false, validationSplit: 0.2, initialEpoch: 1 };
      const xa = tensor(x, [n, d]);
      const h = await m.fit(xa, y, opts);
      const th = await t.fit(tf.tensor(x, [n, d]), tf.tensor(Array.from(y)), { ...opts, verbose: 0 });
      expect(h.epoch).toEqual(th.epoch);
      expect(Object.keys(h.history).sort()).toEqual(Object.keys(th.history).sort());
      for (const k of Object.keys(th.history)) {
        (th.history[k] as number[]).forEach((v, i) => expect(h.history[k][i]).toBeCloseTo(v, 5));
      }
      xa.dispose(); m.dispose(); t.dispose();
    }
  });
});

describe('regression and binary classification against tfjs-layers 4.22.0 (cpu), same weights, SGD', () => {
  type Out = 'linear' | 'sigmoid';
  type Loss = 'meanSquaredError' | 'binaryCrossentropy';
  /** Fits actlab and tf.js from the same weights on the same (x, y) and compares History, evaluate and predict. */
  async function against(k: number, activation: Out, loss: Loss, y: Float32Array, yShape: number[], batchSize: number): Promise<void> {
    const n = yShape[0], d = 4, x = xs(n, d);
    const m = sequential({ seed: 3, layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [d] }), layers.dense({ units: k, activation })] });
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss, metrics: ['accuracy'] });
    const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [d] }), tfl.layers.dense({ units: k, activation })] });
    t.compile({ optimizer: tf.train.sgd(0.1), loss, metrics: ['accuracy'] });
    const ws = m.getWeights();
    t.setWeights(ws.map((w) => tf.tensor(w.dataSync(), [...w.shape])));
    for (const w of ws) w.dispose();
    const opts = { epochs: 3, batchSize, shuffle: false, validationSplit: 0.2 };
    const xa = tensor(x, [n, d]), ya = tensor(y, yShape), xt = tf.tensor(x, [n, d]), yt = tf.tensor(y, yShape);
    const label = `${k} ${activation} unit(s), ${loss}, y ${shapeText(yShape)}, batch ${batchSize}`;
    const h = await m.fit(xa, ya, opts);
    const th = await t.fit(xt, yt, { ...opts, verbose: 0 });
    expect(Object.keys(h.history).sort(), label).toEqual(Object.keys(th.history).sort());
    for (const key of Object.keys(th.history)) {
      (th.history[key] as number[]).forEach((v, i) => expect(h.history[key][i], `${label}: ${key}[${i}]`).toBeCloseTo(v, 5));
    }
    const ev = m.evaluate(xa, ya, { batchSize: 7 });
    const tev = t.evaluate(xt, yt, { batchSize: 7 });
    (Array.isArray(tev) ? tev : [tev]).forEach((s, i) => expect(ev[i], `${label}: evaluate[${i}]`).toBeCloseTo(s.dataSync()[0], 5));
    const p = m.predict(xa), tp = t.predict(xt);
    if (Array.isArray(tp)) throw new Error('one output expected');
    const pv = p.dataSync();
    tp.dataSync().forEach((v, i) => expect(pv[i], `${label}: predict[${i}]`).toBeCloseTo(v, 5));
    for (const z of [xa, ya, p]) z.dispose();
    for (const z of [xt, yt, tp]) z.dispose();
    m.dispose(); t.dispose();
  }

  const n = 30, x = xs(n, 4);
  const yReg = Float32Array.from({ length: n }, (_, i) => x[i * 4] * 2 + x[i * 4 + 1] + 0.3);
  const yReg3 = Float32Array.from({ length: n * 3 }, (_, j) => x[Math.floor(j / 3) * 4 + (j % 3)] * 1.5);
  const yBin = Float32Array.from({ length: n }, (_, i) => (x[i * 4] + x[i * 4 + 1] > 0 ? 1 : 0));
  const yMulti = Float32Array.from({ length: n * 3 }, (_, j) => (x[Math.floor(j / 3) * 4 + (j % 3)] > 0 ? 1 : 0));

  test('mean squared error (one and three outputs) and binary cross-entropy (one sigmoid unit, multi-label): History keys and values, evaluate, predict', async () => {
    for (const batchSize of [7, 64]) {
      await against(1, 'linear', 'meanSquaredError', yReg, [n, 1], batchSize);
      await against(3, 'linear', 'meanSquaredError', yReg3, [n, 3], batchSize);
      await against(1, 'sigmoid', 'binaryCrossentropy', yBin, [n, 1], batchSize);
      await against(3, 'sigmoid', 'binaryCrossentropy', yMulti, [n, 3], batchSize);
    }
    await against(1, 'linear', 'meanSquaredError', yReg, [n, 1], 1);
    await against(1, 'sigmoid', 'binaryCrossentropy', yBin, [n, 1], 1);
  });

  test('a one-unit output takes [n] targets as [n, 1], as tf.js does', async () => {
    await against(1, 'sigmoid', 'binaryCrossentropy', yBin, [n], 7);
    await against(1, 'linear', 'meanSquaredError', yReg, [n], 7);
  });
});

describe('earlyStopping restoreBestWeights as Keras 3 (on_train_end)', () => {
  /** Fits with the monitored loss overwritten by `losses`, recording the weights at each epoch end. */
  async function run(losses: number[], args: Parameters<typeof callbacks.earlyStopping>[0]) {
    const m = mlp();
    const x = tensor(xs(12, 4), [12, 4]), y = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const script: Callback = { onEpochEnd: (e, logs) => { logs.loss = losses[e]; } };
    const at: Float32Array[][] = [];
    const record: Callback = { onEpochEnd: () => { at.push(m.snapshotWeights()); } };
    const stop = callbacks.earlyStopping({ monitor: 'loss', restoreBestWeights: true, ...args });
    const h = await m.fit(x, y, { epochs: losses.length, callbacks: [script, record, stop] });
    const final = m.snapshotWeights();
    x.dispose(); m.dispose();
    return { h, at, final, stop };
  }

  test('restores the best epoch also when training runs to its last epoch', async () => {
    const { h, at, final } = await run([1, 0.5, 0.7, 0.8], { patience: 5 });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(final).toEqual(at[1]);
  });

  test('the best epoch is the last that improved by more than minDelta', async () => {
    // Keras: 0.7 improves on 1 by more than 0.2, 0.65 does not improve on 0.7 by more than 0.2.
    const { h, at, final, stop } = await run([1, 0.7, 0.65, 0.66, 0.6], { patience: 2, minDelta: 0.2 });
    expect(stop.stoppedEpoch).toBe(3);
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(final).toEqual(at[1]);
  });

  test('without restoreBestWeights the last weights stay', async () => {
    const { at, final } = await run([1, 0.5, 0.7, 0.8], { patience: 5, restoreBestWeights: false });
    expect(final).toEqual(at[3]);
  });
});

describe('options a port from Keras might spell its way are refused, not ignored', () => {
  test('callback options', () => {
    const as = <T>(v: unknown): T => v as T;
    expect(() => callbacks.earlyStopping(as({ patience: 2, restore_best_weights: true }))).toThrow("actlab: earlyStopping: unknown option 'restore_best_weights'");
    expect(() => callbacks.earlyStopping(as({ startFromEpoch: 3 }))).toThrow("actlab: earlyStopping: unknown option 'startFromEpoch'");
    expect(() => callbacks.reduceLROnPlateau(as({ min_lr: 1e-5 }))).toThrow("actlab: reduceLROnPlateau: unknown option 'min_lr'");
    // tfjs-layers' earlyStopping takes verbose.
    expect(() => callbacks.earlyStopping({ patience: 1, verbose: 1 })).not.toThrow();
  });

  test("epochLogger: a format other than 'csv' or 'jsonl', or CSVLogger's options, are refused (they used to give CSV)", () => {
    const write = (): void => undefined;
    expect(() => callbacks.epochLogger(wrong({ write, format: 'json' }))).toThrow("actlab: epochLogger: format must be 'csv' or 'jsonl' (one JSON object per line), got \"json\"");
    expect(() => callbacks.epochLogger(wrong({ write, format: 'JSONL' }))).toThrow("format must be 'csv' or 'jsonl'");
    expect(() => callbacks.epochLogger(wrong({ write, separator: ';' }))).toThrow("actlab: epochLogger: unknown option 'separator'; valid options: write, format, header");
    const lines: string[] = [];
    callbacks.epochLogger({ write: (l) => lines.push(l), format: 'jsonl' }).onEpochEnd(0, { loss: 1 });
    expect(lines).toEqual(['{"epoch":0,"loss":1}\n']);
  });

  test("fit's verbose: 2 prints one line per epoch (Keras), other values are refused", async () => {
    const m = mlp();
    const x = tensor(xs(6, 4), [6, 4]), y = Int32Array.from({ length: 6 }, (_, i) => i % 3);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await m.fit(x, y, { epochs: 2, verbose: 2 });
      expect(log.mock.calls.map((c) => String(c[0]).split(' ')[0] + ' ' + String(c[0]).split(' ')[1])).toEqual(['Epoch 1/2', 'Epoch 2/2']);
    } finally {
      log.mockRestore();
    }
    await expect(m.fit(x, y, { epochs: 1, verbose: wrong<1>(true) })).rejects.toThrow('actlab: fit: verbose must be 0 (silent), 1 or 2');
    x.dispose(); m.dispose();
  });

  test("verbose lines give the epoch's time and small values in exponent form (a long run's loss was 0.0000 every epoch)", async () => {
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros' })] });
    m.compile({ optimizer: sgd({ learningRate: 1e-6 }), loss: 'meanSquaredError' });
    const x = tensor([1, 2, 3, 4], [2, 2]), y = tensor([0.001, 0.002], [2, 1]);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await m.fit(x, y, { epochs: 1, verbose: 1, validationData: [x, y] });
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^Epoch 1\/1 - \d+ms - loss: 2\.\d{4}e-6 - val_loss: 2\.\d{4}e-6$/)]);
    } finally {
      log.mockRestore();
    }
    x.dispose(); y.dispose(); m.dispose();
  });
});
