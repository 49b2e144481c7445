// Training end to end: Sequential on small real-MNIST subsets and two spirals (accuracy
// well above chance in seconds), determinism, layer outputs, callbacks, and one step
// against tfjs-layers 4.22.0 from identical weights.
import { beforeAll, describe, expect, test } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  init, tensor, sequential, layers, adam, sgd, callbacks, twoSpirals, memoryStats, type Tensor, type Dataset, type LayerActivationName,
} from '../src/index.js';
import { datasets } from '../src/node/index.js';
import { tf, useBackend } from './helpers/tfjs.js';

let mnist: { train: Dataset; test: Dataset };
beforeAll(async () => {
  await init();
  mnist = await datasets.mnist({ subset: { train: 3000, test: 1000 } });
});

function toTensors(ds: Dataset): { x: Tensor; y: Int32Array } {
  return { x: tensor(ds.x, [ds.length, ...ds.shape]), y: ds.y };
}

function mlp(activation: LayerActivationName, seed = 1) {
  return sequential({
    seed,
    layers: [
      layers.flatten({ inputShape: [28, 28] }),
      layers.dense({ units: 64, activation }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

describe('Sequential on MNIST subsets', () => {
  test('a relu MLP reaches well above chance on 3,000 images in 3 epochs', async () => {
    const train = toTensors(mnist.train), test = toTensors(mnist.test);
    const model = mlp('relu');
    model.compile({ optimizer: adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(train.x, train.y, { epochs: 3, batchSize: 32, validationData: [test.x, test.y] });
    const [loss, acc] = model.evaluate(test.x, test.y);
    console.log(`MNIST 3000/1000 relu MLP: test accuracy ${acc.toFixed(4)}, loss ${loss.toFixed(4)}; history`, history.history);
    expect(acc).toBeGreaterThan(0.85);
    expect(history.loss[2]).toBeLessThan(history.loss[0]);
    expect(history.val_acc).toHaveLength(3);
    const p = model.predict(test.x.reshape([1000, 28, 28]));
    expect(p.shape).toEqual([1000, 10]);
    const row = p.dataSync().subarray(0, 10);
    expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
    p.dispose(); model.dispose(); train.x.dispose(); test.x.dispose();
  });

  test('the same seed gives the same bits; another seed does not', async () => {
    const sub = toTensors({ ...mnist.train, x: mnist.train.x.subarray(0, 500 * 784), y: mnist.train.y.subarray(0, 500), length: 500 });
    const run = async (seed: number): Promise<Float32Array[]> => {
      const m = mlp('tanh', seed);
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(sub.x, sub.y, { epochs: 1, batchSize: 50, seed });
      const w = m.snapshotWeights();
      m.dispose();
      return w;
    };
    const a = await run(7), b = await run(7), c = await run(8);
    a.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b[i].buffer)), `weight ${i}`).toBe(true));
    expect(Buffer.from(a[1].buffer).equals(Buffer.from(c[1].buffer))).toBe(false);
    sub.x.dispose();
  });

  test('summary, getLayer and layer outputs', () => {
    const model = mlp('sigmoid');
    const text = model.summary(false);
    expect(text).toContain('dense (Dense)');
    expect(text).toContain('Total params: 50890');
    expect(model.getLayer('dense_1').outputShape).toEqual([10]);
    expect(() => model.getLayer('nope')).toThrow("model 'sequential' has no layer 'nope'; its layers: flatten, dense, dense_1");
    const x = tensor(mnist.test.x.subarray(0, 2 * 784), [2, 28, 28]);
    const outs = model.layerOutputs(x);
    expect([...outs.keys()]).toEqual(['flatten', 'dense', 'dense_1']);
    expect(outs.get('dense')?.shape).toEqual([2, 64]);
    const h = model.layerOutput('dense', x);
    expect(Array.from(h.dataSync())).toEqual(Array.from(outs.get('dense')?.dataSync() ?? []));
    for (const t of [...outs.values(), h, x]) t.dispose();
    model.dispose();
  });
});

describe('two spirals, learnable activations, callbacks', () => {
  test('tanh MLP separates two spirals; swish/scaledSwish/prelu layers learn their parameters', async () => {
    const ds = twoSpirals({ n: 400, noise: 0.02, seed: 3, turns: 1 });
    const x = tensor(ds.x, [ds.length, 2]);
    for (const act of ['tanh', 'learnableSwish', 'scaledSwish', 'prelu']) {
      const actLayer = () => (act === 'learnableSwish' ? layers.learnableSwish() : act === 'scaledSwish' ? layers.scaledSwish() : act === 'prelu' ? layers.prelu() : layers.activation({ activation: 'tanh' }));
      const model = sequential({
        seed: 2,
        layers: [layers.dense({ units: 32, inputShape: [2] }), actLayer(), layers.dense({ units: 32 }), actLayer(), layers.dense({ units: 2, activation: 'softmax' })],
      });
      const before = model.snapshotWeights();
      model.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      await model.fit(x, ds.y, { epochs: 80, batchSize: 32 });
      const [, acc] = model.evaluate(x, ds.y);
      expect(acc, `${act} on two spirals`).toBeGreaterThan(0.9);
      if (act !== 'tanh') {
        const param = model.layers[1].weights[0];
        const i = model.weights.findIndex((w) => w.name === param.name);
        expect(Array.from(param.tensor.dataSync()), `${act}: ${param.name} should have moved`).not.toEqual(Array.from(before[i]));
        if (act !== 'prelu') {
          // As the seed's get_config: the learned values, not the initial ones.
          const learned = Object.fromEntries(model.layers[1].weights.map((w) => [w.name.slice(w.name.lastIndexOf('/') + 1), w.tensor.dataSync()[0]]));
          expect(model.layers[1].getConfig()).toMatchObject(learned);
          expect(Object.values(learned)).not.toContain(1);
        }
      }
      model.dispose();
    }
    x.dispose();
  });

  test('earlyStopping stops, reduceLROnPlateau lowers the rate, the logger writes a line per epoch', async () => {
    const ds = twoSpirals({ n: 200, noise: 0.1, seed: 4 });
    const x = tensor(ds.x, [ds.length, 2]);
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 4, inputShape: [2], activation: 'relu' }), layers.dense({ units: 2, activation: 'softmax' })] });
    model.compile({ optimizer: sgd({ learningRate: 1e-6 }), loss: 'sparseCategoricalCrossentropy' });
    const lines: string[] = [];
    const stop = callbacks.earlyStopping({ monitor: 'loss', patience: 1, minDelta: 1 });
    const plateau = callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 1 });
    const h = await model.fit(x, ds.y, { epochs: 20, callbacks: [plateau, stop, callbacks.epochLogger({ write: (l) => lines.push(l) })] });
    expect(h.epoch.length).toBeLessThan(20);
    expect(plateau.changes.length).toBeGreaterThan(0);
    expect(model.learningRate).toBeLessThan(1e-6);
    expect(lines[0]).toBe('epoch,loss\n');
    expect(lines).toHaveLength(h.epoch.length + 1);
    model.dispose(); x.dispose();
  });

  test('reduceLROnPlateau reused for a second fit starts from a fresh best (Keras resets it on train begin)', async () => {
    const ds = twoSpirals({ n: 100, noise: 0.1, seed: 4 });
    const x = tensor(ds.x, [ds.length, 2]);
    const model = sequential({ seed: 1, layers: [layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });
    model.compile({ optimizer: sgd({ learningRate: 1e-6 }), loss: 'sparseCategoricalCrossentropy' });
    // minDelta 1: only the first epoch of a fit can improve on a fresh best; one epoch per fit never waits.
    const plateau = callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 1 });
    await model.fit(x, ds.y, { epochs: 1, callbacks: [plateau] });
    await model.fit(x, ds.y, { epochs: 1, callbacks: [plateau] });
    expect(plateau.changes).toEqual([]);
    expect(model.learningRate).toBe(1e-6);
    model.dispose(); x.dispose();
  });

  test('a diverging run stops with the epoch, batch and tensor named', async () => {
    const x = tensor(new Float32Array(40).fill(1e30), [20, 2]);
    const model = sequential({ layers: [layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });
    model.compile({ optimizer: sgd({ learningRate: 1e30 }), loss: 'sparseCategoricalCrossentropy' });
    await expect(model.fit(x, new Int32Array(20), { epochs: 3, batchSize: 10 })).rejects.toThrow(/at epoch 0, batch 0|non-finite at epoch 0, batch 0/);
    model.dispose(); x.dispose();
  });

  test('a weight that overflows while the loss is still finite is named with its step', async () => {
    // Step 0's loss comes from the small initial weights (class 1 is the unlikely one here, so
    // its gradient is about 10); the update, lr 3e38 times that, overflows to Infinity, which
    // the update kernel reports.
    const x = tensor(new Float32Array(40).fill(10), [20, 2]);
    const model = sequential({ seed: 3, layers: [layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });
    model.compile({ optimizer: sgd({ learningRate: 3e38 }), loss: 'sparseCategoricalCrossentropy' });
    await expect(model.fit(x, new Int32Array(20).fill(1), { epochs: 1, batchSize: 10, shuffle: false }))
      .rejects.toThrow(/^actlab: fit: weight 'dense\/kernel' \[2, 2\] became non-finite at epoch 0, batch 0 \(loss [0-9.e+-]+\); the update is applied, so the weights are no longer usable/);
    model.dispose(); x.dispose();
  });

  test('fit leaves no tensors behind', async () => {
    const ds = twoSpirals({ n: 64, noise: 0.1, seed: 5 });
    const x = tensor(ds.x, [64, 2]);
    const model = sequential({ layers: [layers.dense({ units: 8, inputShape: [2], activation: 'relu' }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 2, activation: 'softmax' })] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, ds.y, { epochs: 1, batchSize: 16 });
    const after1 = memoryStats().liveBytes;
    await model.fit(x, ds.y, { epochs: 5, batchSize: 16, validationSplit: 0.25 });
    expect(memoryStats().liveBytes).toBe(after1);
    model.dispose(); x.dispose();
  });
});

describe('one step against tfjs-layers 4.22.0 (cpu backend)', () => {
  async function oneStep(opt: 'sgd' | 'adam') {
    await useBackend('cpu');
    const batch = 16, lr = 0.01;
    const xs = mnist.train.x.subarray(0, batch * 784), ys = mnist.train.y.subarray(0, batch);
    const ours = sequential({ seed: 5, layers: [layers.dense({ units: 32, inputShape: [784], activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })] });
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 32, inputShape: [784], activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })] });
    const initial = ours.snapshotWeights();
    theirs.setWeights(initial.map((w, i) => tf.tensor(w, [...ours.weights[i].tensor.shape])));
    // Keras 3 puts Adam's epsilon before the bias correction, tf.js after it: at step 1 the
    // two formulas agree when tf.js gets epsilon / sqrt(1 - beta2).
    ours.compile({ optimizer: opt === 'sgd' ? sgd({ learningRate: lr, momentum: 0.9 }) : adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy' });
    theirs.compile({
      optimizer: opt === 'sgd' ? tf.train.momentum(lr, 0.9) : tf.train.adam(lr, 0.9, 0.999, 1e-7 / Math.sqrt(1 - 0.999)),
      loss: 'sparseCategoricalCrossentropy',
    });
    const x = tensor(xs, [batch, 784]);
    await ours.fit(x, ys, { epochs: 1, batchSize: batch, shuffle: false });
    await theirs.fit(tf.tensor2d(xs, [batch, 784]), tf.tensor1d(Float32Array.from(ys)), { epochs: 1, batchSize: batch, shuffle: false });
    const after = theirs.getWeights().map((t) => Float32Array.from(t.dataSync()));
    const mine = ours.snapshotWeights();
    ours.dispose(); x.dispose();
    return { initial, mine, after };
  }

  /** Largest |ours - tfjs| / max(|tfjs|, 1e-3) over the weights selected. */
  function worst(mine: Float32Array[], after: Float32Array[], keep: (k: number, i: number) => boolean = () => true): { rel: number; where: string } {
    let rel = 0, where = '';
    mine.forEach((w, k) => {
      for (let i = 0; i < w.length; i++) {
        if (!keep(k, i)) continue;
        const r = Math.abs(w[i] - after[k][i]) / Math.max(Math.abs(after[k][i]), 1e-3);
        if (r > rel) { rel = r; where = `weight ${k} index ${i}: actlab ${w[i]}, tfjs ${after[k][i]}`; }
      }
    });
    return { rel, where };
  }

  test('sgd with momentum: every weight within 1e-5 relative', async () => {
    const { mine, after } = await oneStep('sgd');
    const w = worst(mine, after);
    console.log(`sgd+momentum: largest relative difference to tfjs-layers after one step ${w.rel.toExponential(2)} (${w.where})`);
    expect(w.rel, w.where).toBeLessThan(1e-5);
  });

  test('adam: within 1e-5 relative wherever the step is not dominated by epsilon', async () => {
    // Adam's first step is lr * g / (|g| + 3.2e-6): for |g| near epsilon the update turns
    // the last bits of g (summed in another order by tf.js's unfused softmax + cross-entropy)
    // into 1e-4-level differences. Weights whose step moved them by under 0.9 * lr are those;
    // they are reported, and must still agree to 1e-3.
    const lr = 0.01;
    const { initial, mine, after } = await oneStep('adam');
    const steady = (k: number, i: number): boolean => Math.abs(after[k][i] - initial[k][i]) > 0.9 * lr;
    const w = worst(mine, after, steady);
    const all = worst(mine, after);
    let count = 0, total = 0;
    initial.forEach((v, k) => { total += v.length; for (let i = 0; i < v.length; i++) if (steady(k, i)) count++; });
    console.log(`adam: largest relative difference ${w.rel.toExponential(2)} over ${count} of ${total} weights with a full step; ` +
      `${all.rel.toExponential(2)} over all (${all.where})`);
    expect(count).toBeGreaterThan(total / 10);
    expect(w.rel, w.where).toBeLessThan(1e-5);
    expect(all.rel, all.where).toBeLessThan(1e-3);
  });
});

describe('conv nets, two steps against tfjs-layers 4.22.0 (cpu backend)', () => {
  // The slide-13 CNN (conv, max pool, flatten, dense) and a second net with the layers the
  // first lacks ('same' padding, stride 2, average pooling, tanh, elu; tf.js has no gradient for dilated conv), from identical
  // weights on the same two batches with SGD + momentum (the second step applies the
  // velocity of the first). tf.js sums in other orders, so the bound is relative, floored
  // at 1e-3 as in the MLP check above. Batches of 4: tfjs-backend-cpu takes about 0.4 s per
  // image through the slide-13 CNN.
  const nets = {
    'slide-13 CNN': {
      ours: () => [
        layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), layers.flatten(),
        layers.dense({ units: 64, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' }),
      ],
      theirs: () => [
        tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), tfl.layers.flatten(),
        tfl.layers.dense({ units: 64, activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    },
    'same padding, strides, average pooling, tanh, elu': {
      ours: () => [
        layers.conv2d({ filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'tanh', inputShape: [28, 28, 1] }),
        layers.averagePooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'elu' }), layers.flatten(),
        layers.dense({ units: 10, activation: 'softmax' }),
      ],
      theirs: () => [
        tfl.layers.conv2d({ filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'tanh', inputShape: [28, 28, 1] }),
        tfl.layers.averagePooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'elu' }), tfl.layers.flatten(),
        tfl.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    },
  };

  for (const [name, net] of Object.entries(nets)) {
    test(`${name}: every weight within 1e-5 relative after two steps`, async () => {
      await useBackend('cpu');
      const batch = 4, lr = 0.05;
      const xs = mnist.train.x.subarray(0, 2 * batch * 784), ys = mnist.train.y.subarray(0, 2 * batch);
      const ours = sequential({ seed: 11, layers: net.ours() });
      const theirs = tfl.sequential({ layers: net.theirs() });
      const initial = ours.snapshotWeights();
      expect(theirs.getWeights().map((w) => w.shape)).toEqual(ours.weights.map((w) => [...w.tensor.shape]));
      theirs.setWeights(initial.map((w, i) => tf.tensor(w, [...ours.weights[i].tensor.shape])));
      ours.compile({ optimizer: sgd({ learningRate: lr, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy' });
      theirs.compile({ optimizer: tf.train.momentum(lr, 0.9), loss: 'sparseCategoricalCrossentropy' });
      const x = tensor(xs, [2 * batch, 28, 28, 1]);
      await ours.fit(x, ys, { epochs: 1, batchSize: batch, shuffle: false });
      await theirs.fit(tf.tensor4d(xs, [2 * batch, 28, 28, 1]), tf.tensor1d(Float32Array.from(ys)), { epochs: 1, batchSize: batch, shuffle: false });
      const after = theirs.getWeights().map((t) => Float32Array.from(t.dataSync()));
      const mine = ours.snapshotWeights();
      ours.dispose(); x.dispose();
      let rel = 0, where = '', moved = 0;
      mine.forEach((w, k) => {
        for (let i = 0; i < w.length; i++) {
          moved = Math.max(moved, Math.abs(after[k][i] - initial[k][i]));
          const r = Math.abs(w[i] - after[k][i]) / Math.max(Math.abs(after[k][i]), 1e-3);
          if (r > rel) { rel = r; where = `weight ${k} index ${i}: actlab ${w[i]}, tfjs ${after[k][i]}`; }
        }
      });
      console.log(`${name}: largest relative difference to tfjs-layers after two steps ${rel.toExponential(2)} (${where}); largest step ${moved.toExponential(2)}`);
      // the steps are real: some weight moved by far more than the tolerance
      expect(moved).toBeGreaterThan(1e-3);
      expect(rel, where).toBeLessThan(1e-5);
    });
  }
});

describe('many steps against a float64 reference', () => {
  /**
   * The same MLP (784-16 relu-10 softmax, sparse cross-entropy, Adam as Keras 3 writes it)
   * trained in float64 here, from actlab's initial weights on the same batches: after 60
   * steps every weight must still agree. A wrong step count in the bias correction, a moment
   * update applied twice or a batch taken out of order would leave the float64 trajectory
   * by far more than float32 rounding does.
   */
  test('adam: 60 steps of a 784-16-10 MLP stay within 1e-4 of float64 (relative to the largest weight)', async () => {
    const batch = 20, steps = 60, lr = 0.003, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const ours = sequential({ seed: 9, layers: [layers.dense({ units: 16, inputShape: [784], activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })] });
    ours.compile({ optimizer: adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy' });
    const w = ours.snapshotWeights().map((a) => Float64Array.from(a)); // W1 [784,16], b1 [16], W2 [16,10], b2 [10]
    const xs = mnist.train.x.subarray(0, batch * steps * 784), ys = mnist.train.y.subarray(0, batch * steps);
    const x = tensor(xs, [batch * steps, 784]);
    await ours.fit(x, ys, { epochs: 1, batchSize: batch, shuffle: false });
    x.dispose();
    const m = w.map((a) => new Float64Array(a.length)), v = w.map((a) => new Float64Array(a.length));
    const f32 = (z: number): number => Math.fround(z);
    for (let t = 1; t <= steps; t++) {
      const g = w.map((a) => new Float64Array(a.length));
      for (let s = 0; s < batch; s++) {
        const row = (t - 1) * batch + s, xo = row * 784;
        const h = new Float64Array(16);
        for (let j = 0; j < 16; j++) {
          let acc = w[1][j];
          for (let i = 0; i < 784; i++) acc += xs[xo + i] * w[0][i * 16 + j];
          h[j] = Math.max(0, acc);
        }
        const z = new Float64Array(10);
        for (let k = 0; k < 10; k++) { let acc = w[3][k]; for (let j = 0; j < 16; j++) acc += h[j] * w[2][j * 10 + k]; z[k] = acc; }
        const zmax = Math.max(...z);
        const e = z.map((q) => Math.exp(q - zmax)), sum = e.reduce((a, b) => a + b, 0);
        const dz = e.map((q, k) => (q / sum - (k === ys[row] ? 1 : 0)) / batch);
        const dh = new Float64Array(16);
        for (let j = 0; j < 16; j++) {
          for (let k = 0; k < 10; k++) { g[2][j * 10 + k] += h[j] * dz[k]; dh[j] += dz[k] * w[2][j * 10 + k]; }
          if (h[j] <= 0) dh[j] = 0;
        }
        for (let k = 0; k < 10; k++) g[3][k] += dz[k];
        for (let j = 0; j < 16; j++) {
          if (dh[j] === 0) continue;
          g[1][j] += dh[j];
          for (let i = 0; i < 784; i++) g[0][i * 16 + j] += xs[xo + i] * dh[j];
        }
      }
      // Keras 3 Adam; the float32 betas raised to the power t, as actlab and Keras do
      const alpha = lr * Math.sqrt(1 - f32(b2) ** t) / (1 - f32(b1) ** t);
      w.forEach((a, k) => {
        for (let i = 0; i < a.length; i++) {
          m[k][i] += (g[k][i] - m[k][i]) * (1 - b1);
          v[k][i] += (g[k][i] ** 2 - v[k][i]) * (1 - b2);
          a[i] -= alpha * m[k][i] / (Math.sqrt(v[k][i]) + eps);
        }
      });
    }
    const mine = ours.snapshotWeights();
    ours.dispose();
    mine.forEach((a, k) => {
      let scale = 0, worst = 0, where = 0;
      for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(w[k][i]));
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i] - w[k][i]);
        if (d > worst) { worst = d; where = i; }
      }
      console.log(`adam after ${steps} steps, weight ${k}: largest |actlab - float64| ${worst.toExponential(2)} (scale ${scale.toFixed(3)}) at ${where}`);
      expect(worst / scale, `weight ${k} index ${where}: actlab ${a[where]}, float64 ${w[k][where]}`).toBeLessThan(1e-4);
    });
  });
});
