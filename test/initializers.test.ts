// Initializers: Keras' fans for dense and conv shapes, the spread each one draws with, the
// sample variance against Keras' formulas, seeding rules and names.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, Rng, initializers, memoryStats } from '../src/index.js';
import type { Tensor } from '../src/index.js';

beforeAll(async () => { await init(); });

const { computeFans, getInitializer, TRUNCATED_NORMAL_STD } = initializers;

function take(t: Tensor): Float32Array {
  const d = t.dataSync();
  t.dispose();
  return d;
}

function moments(d: Float32Array): { mean: number; variance: number; maxAbs: number } {
  let s = 0, s2 = 0, maxAbs = 0;
  for (const v of d) { s += v; s2 += v * v; maxAbs = Math.max(maxAbs, Math.abs(v)); }
  const mean = s / d.length;
  return { mean, variance: s2 / d.length - mean * mean, maxAbs };
}

describe('computeFans (Keras compute_fans)', () => {
  test.each<[number[], number, number]>([
    [[], 1, 1],
    [[7], 7, 7],
    [[784, 128], 784, 128],
    [[3, 3, 16, 32], 144, 288],
    [[5, 1, 4], 5, 20],
    [[2, 3, 3, 8, 4], 144, 72],
  ])('%j -> fanIn %i, fanOut %i', (shape, fanIn, fanOut) => {
    expect(computeFans(shape)).toEqual({ fanIn, fanOut });
  });
});

// Keras: VarianceScaling(scale, mode, distribution); the sample variance must match
// scale / fan (the truncated normals are rescaled by 0.8796 so the truncated variance is
// scale / fan as well). 256 x 512 = 131072 samples: the variance estimate's relative std
// is sqrt(2 / n) = 0.0039 for normals, less for uniforms; 5% is over 10 std.
const CASES: [string, number, 'fanIn' | 'fanOut' | 'fanAvg', 'uniform' | 'truncatedNormal'][] = [
  ['glorotUniform', 1, 'fanAvg', 'uniform'],
  ['glorotNormal', 1, 'fanAvg', 'truncatedNormal'],
  ['heNormal', 2, 'fanIn', 'truncatedNormal'],
  ['heUniform', 2, 'fanIn', 'uniform'],
  ['lecunNormal', 1, 'fanIn', 'truncatedNormal'],
  ['lecunUniform', 1, 'fanIn', 'uniform'],
];

describe.each(CASES)('%s', (name, scale, mode, dist) => {
  const shapes = [[256, 512], [3, 3, 64, 256]];
  test.each(shapes)('variance matches scale / fan on %j', (...shape) => {
    const { fanIn, fanOut } = computeFans(shape);
    const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const want = scale / fan;
    const d = take(getInitializer(name).apply(shape, new Rng(1)));
    expect(d.length).toBe(shape.reduce((a, b) => a * b, 1));
    const m = moments(d);
    expect(Math.abs(m.variance / want - 1), `${name} ${JSON.stringify(shape)} variance ${m.variance} vs ${want}`).toBeLessThan(0.05);
    expect(Math.abs(m.mean)).toBeLessThan(6 * Math.sqrt(want / d.length));
    const bound = dist === 'uniform' ? Math.sqrt(3 * want) : 2 * Math.sqrt(want) / TRUNCATED_NORMAL_STD;
    expect(m.maxAbs).toBeLessThanOrEqual(Math.fround(bound));
    // The extremes reach close to the bound: uniform to its limit, truncated normal to 2 std.
    expect(m.maxAbs).toBeGreaterThan(0.99 * bound);
  });

  test('spread is the Keras formula', () => {
    const shape = [100, 300];
    const fan = mode === 'fanIn' ? 100 : 200;
    const s = initializers.varianceScalingSpread(shape, scale, mode, dist);
    const want = dist === 'uniform' ? Math.sqrt(3 * scale / fan) : Math.sqrt(scale / fan) / 0.87962566103423978;
    expect(s).toBe(want);
  });
});

describe('seeding', () => {
  test('an Rng gives reproducible, advancing draws; a seeded initializer repeats itself', () => {
    const a = new Rng(5), b = new Rng(5);
    const i = initializers.heNormal();
    const a1 = take(i.apply([20, 30], a)), b1 = take(i.apply([20, 30], b));
    expect(Array.from(a1)).toEqual(Array.from(b1));
    expect(Array.from(take(i.apply([20, 30], a)))).not.toEqual(Array.from(a1));
    const seeded = initializers.glorotUniform({ seed: 9 });
    const s1 = take(seeded.apply([4, 4])), s2 = take(seeded.apply([4, 4], new Rng(1)));
    expect(Array.from(s1)).toEqual(Array.from(s2));
  });

  test('golden values: glorotUniform and heNormal, seed 42', () => {
    const g = take(initializers.glorotUniform({ seed: 42 }).apply([2, 3]));
    const h = take(initializers.heNormal({ seed: 42 }).apply([2, 3]));
    // glorotUniform on fans (2, 3): U(-l, l), l = sqrt(3 / 2.5), from the first uniform stream.
    const u = take(new Rng(42).uniform([6], -Math.sqrt(1.2), Math.sqrt(1.2)));
    expect(Array.from(g)).toEqual(Array.from(u));
    const t = take(new Rng(42).truncatedNormal([6], 0, Math.sqrt(2 / 2) / 0.87962566103423978));
    expect(Array.from(h)).toEqual(Array.from(t));
  });

  test('a random initializer with neither seed nor Rng throws', () => {
    expect(() => initializers.lecunNormal().apply([2, 2])).toThrow(/actlab: initializer lecunNormal needs a seed/);
  });
});

describe('constants and names', () => {
  test('zeros, ones, constant', () => {
    expect(Array.from(take(initializers.zeros().apply([2, 3])))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(take(initializers.ones().apply([3])))).toEqual([1, 1, 1]);
    expect(Array.from(take(initializers.constant({ value: 0.25 }).apply([2])))).toEqual([0.25, 0.25]);
    expect(() => initializers.constant({ value: NaN })).toThrow(/finite/);
  });

  test('getInitializer takes camelCase and Keras snake_case names', () => {
    expect(getInitializer('he_normal').name).toBe('heNormal');
    expect(getInitializer('glorotUniform').name).toBe('glorotUniform');
    expect(getInitializer('zeros').name).toBe('zeros');
    expect(() => getInitializer('xavier')).toThrow(/unknown initializer 'xavier'; expected one of glorotUniform/);
    expect(() => getInitializer('toString')).toThrow(/unknown initializer/);
  });

  test('varianceScaling validates its config', () => {
    expect(() => initializers.varianceScaling({ scale: 0 })).toThrow(/scale must be a finite number > 0/);
    expect(() => initializers.varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'untruncatedNormal', seed: 3 }).apply([10, 10]).dispose()).not.toThrow();
  });

  test('no blocks leak', () => {
    const before = memoryStats().liveBlocks;
    take(initializers.heUniform().apply([3, 3], new Rng(1)));
    expect(memoryStats().liveBlocks).toBe(before);
  });
});
