// Faults in the code users hand the library (callbacks, custom activations, initializers,
// writers): after each, the user's own error or an `actlab:` one reaches them, no tensor
// leaks, and the model and the callback stay usable. Each case failed before a review on
// 2026-12-07 that made every such piece of user code throw or return the wrong thing.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor, mul, memoryStats, sequential, layers, callbacks, adam } from '../src/index.js';

beforeAll(async () => { await init(); });

const live = (): number => memoryStats().liveBlocks;

describe('a layer that throws', () => {
  test('layerOutputs frees the outputs it kept before the failing layer', () => {
    let fail = false;
    const m = sequential({ seed: 3, layers: [
      layers.dense({ inputShape: [2], units: 4 }),
      layers.dense({ units: 4 }),
      layers.customActivation({ className: 'Flaky', fn: (x) => { if (fail) throw new Error('user boom'); return mul(x, x); } }),
    ] });
    const x = tensor([1, 2, 3, 4], [2, 2]);
    const before = live();
    fail = true;
    expect(() => m.layerOutputs(x)).toThrow('user boom');
    expect(live()).toBe(before);
    fail = false;
    const outs = m.layerOutputs(x);
    expect([...outs.keys()]).toEqual(['dense', 'dense_1', 'custom_activation']);
    for (const t of outs.values()) t.dispose();
    expect(live()).toBe(before);
    m.dispose();
    x.dispose();
  });
});

describe('callbacks whose own user code fails', () => {
  test('an epochLogger whose first write throws writes its CSV header on the next fit', async () => {
    const lines: string[] = [];
    let fail = true;
    const logger = callbacks.epochLogger({ write: (l) => { if (fail) { fail = false; throw new Error('disk full'); } lines.push(l); } });
    const m = sequential({ seed: 1, layers: [layers.dense({ inputShape: [2], units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    const x = tensor([1, 2, 3, 4], [2, 2]);
    await expect(m.fit(x, [0, 1], { epochs: 1, callbacks: [logger] })).rejects.toThrow('disk full');
    await m.fit(x, [0, 1], { epochs: 2, callbacks: [logger] });
    expect(lines.map((l) => l.split(',')[0])).toEqual(['epoch', '0', '1']);
    m.dispose();
    x.dispose();
  });
});
