// Faults in the code users hand the library (callbacks, custom activations, initializers,
// writers): after each, the user's own error or an `actlab:` one reaches them, no tensor
// leaks, and the model and the callback stay usable. Each case failed before a review on
// 2026-12-07 that made every such piece of user code throw or return the wrong thing.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor, mul, memoryStats, sequential, layers } from '../src/index.js';

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
