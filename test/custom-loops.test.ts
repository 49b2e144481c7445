// Training loops written by hand with the public API (valueAndGrads, lossOp, an optimizer's
// applyGradients, tidy), as a tf.js or PyTorch user writes them instead of calling fit:
// where the arithmetic is fit's they must give fit's bits; elsewhere they are checked against
// finite differences or the equivalent optimizer option. No step may leave a tensor behind.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, tensor, add, affine, mean, square, valueAndGrads, grads, tidy, keep, lossOp, adam, sgd, rmsprop, memoryStats,
  sequential, layers, callbacks, stats, rng, setDebugChecks, type Tensor, type Sequential, type Optimizer, type LayerWeight,
} from '../src/index.js';

beforeAll(async () => { await init(); });

const N = 24;
const xv = new Float32Array(N * 3).map((_, i) => Math.sin(i * 1.3));
const labels = new Int32Array(N).map((_, i) => (i * 7) % 3);
const targets = new Float32Array(N * 2).map((_, i) => Math.cos(i * 0.7));
const wrong = <T>(v: unknown): T => v as T;

/** A classifier ending in a softmax layer (fit fuses it with the cross-entropy and takes the logits). */
function classifier(seed = 1): Sequential {
  return sequential({ seed, layers: [
    layers.dense({ units: 6, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 3 }), layers.activation({ activation: 'softmax' }),
  ] });
}
function regressor(seed = 1): Sequential {
  return sequential({ seed, layers: [layers.dense({ units: 5, activation: 'elu', inputShape: [3] }), layers.dense({ units: 2 })] });
}
function weightsOf(m: Sequential): number[] {
  const ws = m.getWeights();
  const out = ws.flatMap((t) => Array.from(t.dataSync()));
  for (const t of ws) t.dispose();
  return out;
}
function rows(t: Tensor, start: number, count: number): Tensor {
  const per = t.size / t.shape[0];
  return tensor(t.dataSync().slice(start * per, (start + count) * per), [count, ...t.shape.slice(1)]);
}
/** One step of the loop the README shows: the loss on the tape, gradients, applyGradients by name. */
function step(opt: Optimizer, vars: readonly LayerWeight[], loss: () => Tensor): number {
  return tidy(() => {
    const { value, grads: g } = valueAndGrads(loss, vars.map((v) => v.tensor));
    opt.applyGradients(vars.map((v, i) => ({ variable: v.tensor, grad: g[i], name: v.name })));
    return value.dataSync()[0];
  });
}

describe('a hand-written loop takes fit\'s steps bit for bit', () => {
  test('softmax classifier, cross-entropy from the logits, Adam, batches of 8', async () => {
    const x = tensor(xv, [N, 3]);
    const a = classifier();
    a.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    const h = await a.fit(x, labels, { epochs: 3, batchSize: 8, shuffle: false });
    const b = classifier();
    const opt = adam({ learningRate: 0.05 });
    const before = memoryStats();
    const losses: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      let sum = 0;
      for (let s = 0; s < N; s += 8) {
        const xb = rows(x, s, 8), yb = labels.slice(s, s + 8);
        // The logits are the output of the last dense layer; the loss applies the softmax.
        sum += 8 * step(opt, b.trainableWeights, () => lossOp('sparseCategoricalCrossentropy', yb, b.layerOutput('dense_1', xb), { fromLogits: true }));
        xb.dispose();
      }
      losses.push(sum / N);
      if (epoch === 0) expect(memoryStats().liveBytes).toBeGreaterThan(before.liveBytes);   // Adam's moments, made at the first step
    }
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(losses.map(Math.fround)).toEqual(h.loss.map(Math.fround));
    const live = memoryStats();
    // Nothing per step: another epoch leaves the live bytes and blocks where they are.
    for (let s = 0; s < N; s += 8) {
      const xb = rows(x, s, 8), yb = labels.slice(s, s + 8);
      step(opt, b.trainableWeights, () => lossOp('sparseCategoricalCrossentropy', yb, b.layerOutput('dense_1', xb), { fromLogits: true }));
      xb.dispose();
    }
    expect(memoryStats().liveBytes).toBe(live.liveBytes);
    expect(memoryStats().liveBlocks).toBe(live.liveBlocks);
    for (const t of [x, a, b, opt]) t.dispose();
  });

  test('dropout and shuffling: the forward pass through layer.apply with fit\'s generator, rng(seed).forkAt(epoch)', async () => {
    const x = tensor(xv, [N, 3]);
    const make = (): Sequential => sequential({ seed: 2, layers: [
      layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), layers.dropout({ rate: 0.4 }), layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    const a = make();
    a.compile({ optimizer: sgd({ learningRate: 0.2 }), loss: 'sparseCategoricalCrossentropy' });
    await a.fit(x, labels, { epochs: 2, batchSize: 10, seed: 9 });
    const b = make();
    const opt = sgd({ learningRate: 0.2 });
    const all = x.dataSync();
    for (let epoch = 0; epoch < 2; epoch++) {
      const r = rng(9).forkAt(epoch);
      const order = r.permutation(N);
      for (let s = 0; s < N; s += 10) {
        const idx = Array.from(order.subarray(s, s + 10));
        const xb = tensor(idx.flatMap((i) => Array.from(all.subarray(i * 3, i * 3 + 3))), [idx.length, 3]);
        const yb = idx.map((i) => labels[i]);
        step(opt, b.trainableWeights, () => {
          // Every layer in training mode; the last one's softmax left to the loss, as fit does.
          const h = b.layers.reduce((t, l, i) => l.apply(t, { training: true, rng: r, epoch, logits: i === b.layers.length - 1 }), xb);
          return lossOp('sparseCategoricalCrossentropy', yb, h, { fromLogits: true });
        });
        xb.dispose();
      }
    }
    expect(weightsOf(b)).toEqual(weightsOf(a));
    // Without a generator the error says what to pass.
    expect(() => tidy(() => b.layers.reduce((t, l) => l.apply(t, { training: true }), x))).toThrow("actlab: dropout 'dropout': apply(x, { training: true }) needs " +
      'the generator of its masks: pass { training: true, rng: rng(seed) } (fit passes rng(seed).forkAt(epoch)), or give the layer its own seed (layers.dropout({ rate, seed }))');
    for (const t of [x, a, b, opt]) t.dispose();
  });

  test('a frozen layer and a learning rate changed mid-run, against fit with trainable = false and a scheduler', async () => {
    const x = tensor(xv, [N, 3]), y = tensor(targets, [N, 2]);
    const a = regressor();
    a.layers[0].trainable = false;
    a.compile({ optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'meanSquaredError' });
    await a.fit(x, y, { epochs: 4, batchSize: 12, shuffle: false, callbacks: [callbacks.learningRateScheduler((e) => (e < 2 ? 0.1 : 0.02))] });
    const b = regressor();
    const first = weightsOf(b).slice(0, 20);
    const opt = sgd({ learningRate: 0.1, momentum: 0.9 });
    const head = b.layers[1].trainableWeights;
    for (let epoch = 0; epoch < 4; epoch++) {
      if (epoch === 2) opt.learningRate = 0.02;
      for (let s = 0; s < N; s += 12) {
        const xb = rows(x, s, 12), yb = rows(y, s, 12);
        step(opt, head, () => lossOp('meanSquaredError', yb, b.layerOutput('dense_1', xb)));
        xb.dispose(); yb.dispose();
      }
    }
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(weightsOf(b).slice(0, 20)).toEqual(first);
    for (const t of [x, y, a, b, opt]) t.dispose();
  });
});

describe('loops fit cannot write', () => {
  test('two losses: the gradient of their weighted sum is the weighted sum of their gradients, and matches finite differences', () => {
    const m = classifier(3);
    const x = tensor(xv, [N, 3]);
    const vars = m.trainableWeights.map((v) => v.tensor);
    const ce = (): Tensor => lossOp('sparseCategoricalCrossentropy', labels, m.layerOutput('dense_1', x), { fromLogits: true });
    const act = (): Tensor => mean(square(m.layerOutput('dense', x)));   // an activity penalty on the hidden layer
    const both = (): Tensor => add(ce(), affine(act(), 0.3, 0));
    const g1 = grads(ce, vars), g2 = grads(act, vars);
    const { value, grads: g } = valueAndGrads(both, vars);
    g.forEach((gi, i) => {
      const a = gi.dataSync(), b1 = g1[i].dataSync(), b2 = g2[i].dataSync();
      a.forEach((v, k) => expect(Math.abs(v - (b1[k] + 0.3 * b2[k]))).toBeLessThan(1e-6));
    });
    // Central differences on the first kernel, in float64 from the float32 losses.
    const lossAt = (): number => tidy(() => both().dataSync()[0]);
    const start = m.getWeights();
    const w = start[0].dataSync();
    const at = (k: number, v: number): number => {
      const moved = w.slice();
      moved[k] = v;
      const t = tensor(moved, start[0].shape);
      m.setWeights([t, ...start.slice(1)]);
      t.dispose();
      return lossAt();
    };
    const eps = 1e-2;
    for (const k of [0, 4, 11]) {
      const up = at(k, w[k] + eps), down = at(k, w[k] - eps);
      m.setWeights(start);
      expect(Math.abs((up - down) / (2 * eps) - g[0].dataSync()[k])).toBeLessThan(2e-3);
    }
    expect(value.dataSync()[0]).toBeCloseTo(lossAt(), 6);
    for (const t of [value, ...g, ...g1, ...g2, ...start, x, m]) t.dispose();
  });

  test('clipping by global norm by hand takes the steps of globalClipnorm', () => {
    const x = tensor(xv, [N, 3]), y = tensor(targets, [N, 2]);
    const a = regressor(), b = regressor();
    const oa = rmsprop({ learningRate: 0.05, globalClipnorm: 0.1 }), ob = rmsprop({ learningRate: 0.05 });
    for (let i = 0; i < 5; i++) {
      step(oa, a.trainableWeights, () => lossOp('meanSquaredError', y, a.layerOutput('dense_1', x)));
      tidy(() => {
        const vars = b.trainableWeights;
        const g = grads(() => lossOp('meanSquaredError', y, b.layerOutput('dense_1', x)), vars.map((v) => v.tensor));
        const norm = Math.sqrt(g.reduce((s, gi) => s + stats.sumSquares(gi), 0));
        const scale = Math.fround(0.1 / Math.max(norm, 0.1));
        ob.applyGradients(vars.map((v, k) => ({ variable: v.tensor, grad: affine(g[k], scale, 0), name: v.name })));
      });
    }
    expect(weightsOf(b)).toEqual(weightsOf(a));
    for (const t of [x, y, a, b, oa, ob]) t.dispose();
  });

  test('gradients accumulated over three batches of 8 step as one batch of 24', () => {
    const x = tensor(xv, [N, 3]), y = tensor(targets, [N, 2]);
    const a = regressor(), b = regressor();
    const oa = sgd({ learningRate: 0.1 }), ob = sgd({ learningRate: 0.1 });
    const before = memoryStats();
    for (let i = 0; i < 3; i++) {
      step(oa, a.trainableWeights, () => lossOp('meanSquaredError', y, a.layerOutput('dense_1', x)));
      const vars = b.trainableWeights;
      let acc: Tensor[] | undefined;
      for (let s = 0; s < N; s += 8) {
        const xb = rows(x, s, 8), yb = rows(y, s, 8);
        const g = grads(() => lossOp('meanSquaredError', yb, b.layerOutput('dense_1', xb)), vars.map((v) => v.tensor));
        const next = acc === undefined ? g : tidy(() => g.map((gi, k) => add(acc?.[k] ?? gi, gi)));
        if (acc !== undefined) for (const t of [...acc, ...g]) t.dispose();
        acc = next;
        xb.dispose(); yb.dispose();
      }
      const sum = acc ?? [];
      tidy(() => ob.applyGradients(vars.map((v, k) => ({ variable: v.tensor, grad: affine(sum[k], 1 / 3, 0), name: v.name }))));
      for (const t of sum) t.dispose();
      if (i === 0) expect(memoryStats().liveBytes).toBe(before.liveBytes);   // plain SGD keeps no state
    }
    const wa = weightsOf(a), wb = weightsOf(b);
    wa.forEach((v, k) => expect(Math.abs(v - wb[k])).toBeLessThan(1e-6));
    for (const t of [x, y, a, b, oa, ob]) t.dispose();
  });

  test('a GAN-like alternation: two optimizers, two parameter sets, each step moves only its own', () => {
    const gen = sequential({ seed: 4, layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 3 })] });
    const disc = sequential({ seed: 5, layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
    const z = tensor(xv.slice(0, 16), [8, 2]);
    const real = tensor(xv.slice(0, 24).map((v) => v * 2 + 1), [8, 3]);
    const ones = keep(tensor(new Float32Array(8).fill(1), [8, 1])), zeros = keep(tensor(new Float32Array(8), [8, 1]));
    const og = adam({ learningRate: 0.01 }), od = adam({ learningRate: 0.01 });
    const bce = (t: Tensor, p: Tensor): Tensor => lossOp('binaryCrossentropy', t, p);
    let live = 0;
    for (let i = 0; i < 40; i++) {
      const g0 = weightsOf(gen), d0 = weightsOf(disc);
      step(od, disc.trainableWeights, () => add(bce(ones, disc.layerOutput('dense_1', real)), bce(zeros, disc.layerOutput('dense_1', gen.layerOutput('dense_1', z)))));
      expect(weightsOf(gen)).toEqual(g0);
      const d1 = weightsOf(disc);
      expect(d1).not.toEqual(d0);
      step(og, gen.trainableWeights, () => bce(ones, disc.layerOutput('dense_1', gen.layerOutput('dense_1', z))));
      expect(weightsOf(disc)).toEqual(d1);
      if (i === 1) live = memoryStats().liveBytes;
    }
    expect(memoryStats().liveBytes).toBe(live);
    for (const t of [gen, disc, z, real, ones, zeros, og, od]) t.dispose();
  });
});

describe('mistakes in a hand-written loop', () => {
  test('lossOp names a wrong loss, labels of the wrong kind, and leaves nothing behind', () => {
    const p = tensor([0.2, 0.8], [1, 2]);
    const before = memoryStats();
    expect(() => lossOp(wrong('hinge'), p, p)).toThrow("actlab: lossOp: unknown loss 'hinge'; valid: sparseCategoricalCrossentropy, sparse_categorical_crossentropy, ");
    // compile's names, Keras's and 'mse' included: the same loss, value and gradient.
    const q = tensor([0.3, 0.6], [1, 2]);
    for (const [alias, name] of [['mse', 'meanSquaredError'], ['binary_crossentropy', 'binaryCrossentropy'], ['categorical_crossentropy', 'categoricalCrossentropy']] as const) {
      tidy(() => {
        const a = valueAndGrads(() => lossOp(alias, p, q), [q]), b = valueAndGrads(() => lossOp(name, p, q), [q]);
        expect(a.value.dataSync()).toEqual(b.value.dataSync());
        expect(a.grads[0].dataSync()).toEqual(b.grads[0].dataSync());
      });
    }
    q.dispose();
    expect(() => lossOp('categoricalCrossentropy', [1], p)).toThrow('actlab: lossOp: categoricalCrossentropy needs yTrue as a tensor shaped like yPred, got class ids');
    expect(() => lossOp('meanSquaredError', p, p, { fromLogits: true })).toThrow('actlab: lossOp: meanSquaredError takes no options, got fromLogits');
    expect(() => lossOp('sparseCategoricalCrossentropy', [2], p)).toThrow('actlab: sparseCategoricalCrossentropy: label 2 at index 0 is not an integer class in [0, 2)');
    const v = lossOp('sparseCategoricalCrossentropy', [1], p);   // outside a gradient computation: the value alone
    expect(v.dataSync()[0]).toBeCloseTo(-Math.log(0.8), 6);
    v.dispose();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    p.dispose();
  });

  test('a disposed model\'s variables, lists of different lengths and a non-finite gradient (debug check) are named', () => {
    const m = regressor();
    const x = tensor(xv, [N, 3]), y = tensor(targets, [N, 2]);
    const opt = adam();
    const vars = m.trainableWeights.map((v) => v.tensor);
    tidy(() => {
      const g = grads(() => lossOp('meanSquaredError', y, m.layerOutput('dense_1', x)), vars.slice(0, 2));
      expect(() => opt.applyGradients(vars.map((v, i) => ({ variable: v, grad: g[i] })))).toThrow('actlab: adam.applyGradients: entry 2 must be {variable: Tensor, grad: Tensor}');
      const bad = tensor(new Float32Array(vars[1].size).fill(Number.NaN), vars[1].shape);
      setDebugChecks({ nonFinite: 'throw' });
      try {
        expect(() => opt.applyGradients([{ variable: vars[0], grad: g[0] }, { variable: vars[1], grad: bad }])).toThrow('actlab: adam.applyGradients: grad 1 [5] holds NaN at index 0');
      } finally {
        setDebugChecks({ nonFinite: 'off' });
      }
      // Without the check the step is taken and reports the non-finite weight it made.
      const w = weightsOf(m);
      expect(w.every(Number.isFinite)).toBe(true);
    });
    m.dispose();
    const g = vars.map((v) => tensor(new Float32Array(v.size), v.shape));
    expect(() => opt.applyGradients(vars.map((v, i) => ({ variable: v, grad: g[i], name: `dense/${i}` }))))
      .toThrow("actlab: adam.applyGradients: entry 0 ('dense/0'): the variable [3, 5] was disposed (a weight of a disposed model or layer?)");
    expect(() => grads(() => mean(x), vars)).toThrow('actlab: valueAndGrads: xs[0] must be a live Tensor; [3, 5] was disposed');
    for (const t of [...g, x, y, opt]) t.dispose();
  });
});
