// 10,000 small training-like steps (a linear model on elementwise ops, the tape, Adam
// updating the variables in place, all inside tidy): after the first 100 steps neither the
// allocator's live bytes nor the Wasm memory may grow. The figures are printed for
// docs/reliability.md. (model.fit gets the same test when it lands.)
import { beforeAll, expect, test } from 'vitest';
import { init, tensor, add, sub, mul, mean, square, sum, valueAndGrads, grads, poolOp, tidy, keep, adam, memoryStats } from '../src/index.js';
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
