// 10,000 small training-like steps (a linear model on elementwise ops, the tape, Adam
// updating the variables in place, all inside tidy): after the first 100 steps neither the
// allocator's live bytes nor the Wasm memory may grow. The figures are printed for
// docs/reliability.md. (model.fit gets the same test when it lands.)
import { beforeAll, expect, test } from 'vitest';
import { init, tensor, type Tensor, add, sub, mul, mean, square, sum, valueAndGrads, grads, poolOp, tidy, keep, adam, sgd, memoryStats, sequential, layers } from '../src/index.js';
import { uniform } from './helpers/random.js';

beforeAll(async () => { await init(); });

test('10,000 steps: live bytes, blocks and Wasm memory are flat after step 100, and everything is returned', () => {
  const start = memoryStats();
  const x = tensor(uniform(32 * 4, -1, 1, 1), [32, 4]);
  const target = tensor(uniform(32 * 4, -1, 1, 2), [32, 4]);
  const w = keep(tensor([0.1, -0.2, 0.3, 0.05], [4]));
  const b = keep(tensor([0], []));
  const opt = adam({ learningRate: 0.01 });
  const figures: Record<number, ReturnType<typeof memoryStats>> = {};
  let first = 0, last = 0;
  for (let step = 1; step <= 10_000; step++) {
    const loss = tidy(() => {
      const { value, grads } = valueAndGrads(() => mean(square(sub(add(mul(x, w), b), target))), [w, b]);
      opt.applyGradients([{ variable: w, grad: grads[0] }, { variable: b, grad: grads[1] }]);
      return value.dataSync()[0];
    });
    if (step === 1) first = loss;
    last = loss;
    if (step === 100 || step === 1000 || step === 10_000) figures[step] = memoryStats();
  }
  for (const s of [100, 1000, 10_000]) {
    const f = figures[s];
    console.log(`memory at step ${s}: live ${f.liveBytes} bytes in ${f.liveBlocks} blocks, Wasm memory ${f.memoryBytes} bytes, peak ${f.peakBytes} bytes`);
  }
  expect(last, `the loss went from ${first} to ${last}`).toBeLessThan(first);
  for (const s of [1000, 10_000]) {
    expect(figures[s].liveBytes, `live bytes at step ${s} vs 100`).toBe(figures[100].liveBytes);
    expect(figures[s].liveBlocks, `live blocks at step ${s} vs 100`).toBe(figures[100].liveBlocks);
    expect(figures[s].memoryBytes, `Wasm memory at step ${s} vs 100`).toBe(figures[100].memoryBytes);
  }
  opt.dispose();
  for (const t of [x, target, w, b]) t.dispose();
  expect(memoryStats().liveBytes, 'every byte returned after dispose').toBe(start.liveBytes);
  expect(memoryStats().liveBlocks).toBe(start.liveBlocks);
});

test('optimizer state created by a first step inside tidy survives the scope (it was freed with it)', () => {
  for (const make of [() => adam(), () => adam({ learningRate: 0.1 })]) {
    const w = tensor([1, 2]), opt = make();
    for (let i = 0; i < 3; i++) tidy(() => { opt.applyGradients([{ variable: w, grad: tensor([0.5, -0.5]) }]); });
    expect(opt.iterations).toBe(3);
    const state = tidy(() => opt.getWeights().map((n) => n.tensor.dataSync()[0]));
    expect(state[1]).not.toBe(0);
    const restored = adam();
    const weights = opt.getWeights();
    tidy(() => restored.setWeights(weights));
    restored.applyGradients([{ variable: w, grad: w }]);
    for (const n of weights) n.tensor.dispose();
    opt.dispose(); restored.dispose(); w.dispose();
  }
});

test('max pooling on the tape returns its argmax buffer: after the gradient, when the forward throws, when no gradient reaches it', () => {
  const x = tensor(uniform(2 * 6 * 6 * 3, -1, 1, 3), [2, 6, 6, 3]);
  const pool = (): ReturnType<typeof poolOp> => poolOp('max', x, [2, 2], [2, 2], 'valid');
  const before = memoryStats();
  const expectFlat = (when: string): void => {
    expect(memoryStats().liveBlocks, `live blocks ${when}`).toBe(before.liveBlocks);
    expect(memoryStats().liveBytes, `live bytes ${when}`).toBe(before.liveBytes);
  };
  for (let i = 0; i < 3; i++) grads(() => sum(pool()), [x])[0].dispose();
  expectFlat('after three gradients through the pool');
  expect(() => grads(() => { pool(); throw new Error('boom'); }, [x])).toThrow('boom');
  expectFlat('after a forward pass that threw');
  grads(() => { pool(); return sum(x); }, [x])[0].dispose();
  expectFlat('after a gradient that did not pass through the pool');
  x.dispose();
});

test('predict and evaluate run batchSize rows at a time: the peak stays at a batch, the bits do not depend on it', () => {
  // 4,000 rows through 784-256-10: all rows at once would hold a 4 MB hidden activation and a
  // 12.5 MB copy of x; 32 rows at a time hold 132 KB. The same figures at 60,000 rows are 61 MB
  // and 188 MB against the same 132 KB.
  const rows = 4000;
  const m = sequential({ seed: 3, layers: [
    layers.dense({ units: 256, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: sgd(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tensor(uniform(rows * 784, 0, 1, 5), [rows, 784]);
  const y = Array.from({ length: rows }, (_, i) => (i * 7) % 10);
  // peakBytes is the high-water mark since init, so a larger peak left by an earlier test
  // (the 4 GiB test's 55 MB model) would be counted as predict's: hold a tensor that
  // brings the live bytes up to that mark first, and any new peak is this test's own.
  const gap = Math.ceil((memoryStats().peakBytes - memoryStats().liveBytes) / 4);
  const filler: Tensor | undefined = gap > 0 ? tensor(new Float32Array(gap), [gap]) : undefined;
  const base = memoryStats().liveBytes;
  expect(memoryStats().peakBytes).toBe(base);
  const p = m.predict(x);
  const outBytes = memoryStats().liveBytes - base;
  const extra = memoryStats().peakBytes - base - outBytes;
  expect(extra, `predict's working memory beyond its result at the default batchSize (32)`).toBeLessThan(1 << 20);
  const ev = m.evaluate(x, y);
  expect(memoryStats().peakBytes - base - outBytes, `evaluate's working memory at the default batchSize`).toBeLessThan(1 << 20);
  const ref = p.dataSync().slice();
  p.dispose();
  for (const batchSize of [1, 7, 1000, rows]) {
    const q = m.predict(x, { batchSize });
    expect(q.dataSync(), `predict with batchSize ${batchSize} against 32`).toEqual(ref);
    q.dispose();
    const e = m.evaluate(x, y, { batchSize });
    expect(e[1], `accuracy with batchSize ${batchSize}`).toBe(ev[1]);
    expect(Math.abs(e[0] - ev[0]) / ev[0], `loss with batchSize ${batchSize} (per-batch means differ in float rounding)`).toBeLessThan(1e-6);
  }
  // The whole set in one batch does hold all rows' activations: the measure above sees them.
  expect(memoryStats().peakBytes - base).toBeGreaterThan(rows * 256 * 4);
  expect(memoryStats().liveBytes).toBe(base);
  filler?.dispose();
  x.dispose();
  m.dispose();
});

test('a predict or evaluate batch that cannot fit in 4 GiB is an actlab error; the model works after it, as before', () => {
  // A batch of 1,000 through 2,048 filters is one 5.5 GB output: refused before memory grows.
  const m = sequential({ seed: 4, layers: [
    layers.conv2d({ filters: 2048, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), layers.flatten(),
    layers.dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: sgd(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tensor(uniform(1000 * 784, 0, 1, 6), [1000, 28, 28, 1]);
  const y = Array.from({ length: 1000 }, (_, i) => i % 10);
  const first = tensor(uniform(2 * 784, 0, 1, 6), [2, 28, 28, 1]);
  const before = m.predict(first);
  const live = memoryStats().liveBytes;
  const memory = memoryStats().memoryBytes;
  const refused = /^actlab: cannot allocate \d+ bytes: Wasm memory is .* above its 4096\.0 MiB maximum \(the wasm32 limit is 4 GiB\); free tensors or use smaller batches$/;
  expect(() => m.predict(x, { batchSize: 1000 })).toThrow(refused);
  expect(() => m.evaluate(x, y, { batchSize: 1000 })).toThrow(refused);
  expect(memoryStats().liveBytes, 'nothing left by the refused batches').toBe(live);
  expect(memoryStats().memoryBytes, 'the refused batches did not grow memory').toBe(memory);
  const after = m.predict(first);
  expect(after.dataSync()).toEqual(before.dataSync());
  expect(m.evaluate(first, [0, 1])[0]).toBeGreaterThan(0);
  for (const t of [after, before, first, x]) t.dispose();
  m.dispose();
});
