// Philox known answers, the Wasm fills against the TypeScript reference (bit-exact for
// uniform and permutation, close for normal), slices by offset, golden fingerprints,
// distribution bounds, the Rng's stream discipline and the vectorised sin/cos.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, Rng, memoryStats } from '../src/index.js';
import { rt } from '../src/core/wasm.js';
import {
  philox, refUniform, refNormal, refPermutation, normalCdf, ksStatistic, fnv1a, bitsHex,
} from './helpers/philox.js';
import { ulpDistance } from './helpers/accuracy.js';

beforeAll(async () => { await init(); });

type Fill = 'f32_random_uniform' | 'f32_random_normal' | 'f32_random_truncated_normal';

/** Runs a fill kernel for elements [offset, offset + n) and returns a copy. */
function fill(kernel: Fill, n: number, offset: number, key: [number, number], stream: number, a: number, b: number): Float32Array {
  const { heap, kernels } = rt();
  const p = heap.alloc(n * 4);
  try {
    kernels[kernel](n, offset, p, key[0], key[1], stream, a, b);
    return heap.f32(p, n).slice();
  } finally {
    heap.free(p);
  }
}

function words(blocks: number, key: number[], c: number[]): Uint32Array {
  const { heap, kernels } = rt();
  const p = heap.alloc(blocks * 16);
  try {
    kernels.u32_philox4x32(blocks, p, key[0], key[1], c[0], c[1], c[2], c[3]);
    return new Uint32Array(heap.memory.buffer, p, blocks * 4).slice();
  } finally {
    heap.free(p);
  }
}

describe('Philox4x32-10', () => {
  // Random123's kat_vectors: counter (4 words), key (2 words) -> output (4 words).
  const KAT: [number[], number[], number[]][] = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  test.each(KAT)('known answer %#', (c, k, want) => {
    expect(Array.from(words(1, k, c))).toEqual(want);
    expect(philox(c, k)).toEqual(want);
  });

  test('blocks step the first counter word', () => {
    const w = words(5, [7, 9], [0xfffffffe, 3, 4, 5]);
    for (let b = 0; b < 5; b++) expect(Array.from(w.subarray(4 * b, 4 * b + 4))).toEqual(philox([(0xfffffffe + b) >>> 0, 3, 4, 5], [7, 9]));
  });
});

describe('fill kernels', () => {
  const key: [number, number] = [0x12345678, 0x9abcdef0];

  test('uniform equals the TypeScript reference bit for bit', () => {
    for (const [lo, hi] of [[0, 1], [-3, 5], [1e-3, 2e-3], [-1e30, 1e30]]) {
      const got = fill('f32_random_uniform', 1001, 0, key, 17, lo, hi);
      for (let j = 0; j < got.length; j++) {
        const want = refUniform(j, key, 17, lo, hi);
        if (!Object.is(got[j], want)) throw new Error(`uniform [${lo}, ${hi}) element ${j}: expected ${want}, got ${got[j]}`);
      }
    }
  });

  test('uniform never reaches hi, even when the width is one ulp', () => {
    const hi = Math.fround(1 + 2 ** -23);
    const got = fill('f32_random_uniform', 4096, 0, key, 3, 1, hi);
    expect(got.every((v) => v === 1)).toBe(true);
    const wide = fill('f32_random_uniform', 100000, 0, key, 4, -2, 2);
    expect(wide.every((v) => v >= -2 && v < 2)).toBe(true);
  });

  test('normal is close to float64 Box-Muller (lanes map to words as documented)', () => {
    const got = fill('f32_random_normal', 4003, 0, key, 5, 0, 1);
    for (let j = 0; j < got.length; j++) {
      const want = refNormal(j, key, 5);
      // log, sqrt and sin/cos each within ~1 ulp; r <= 5.8, so 1e-5 absolute is ample.
      if (!(Math.abs(got[j] - want) <= 1e-6 + 2e-6 * Math.abs(want))) {
        throw new Error(`normal element ${j}: expected ${want}, got ${got[j]}`);
      }
    }
  });

  test('truncated normal: within 2 std, and equal to the plain normal wherever that was inside', () => {
    const n = 20000, mean = 0.5, std = 3;
    const plain = fill('f32_random_normal', n, 0, key, 9, mean, std);
    const tn = fill('f32_random_truncated_normal', n, 0, key, 9, mean, std);
    let redrawn = 0;
    for (let j = 0; j < n; j++) {
      const z = refNormal(j, key, 9);
      expect(Math.abs(tn[j] - mean)).toBeLessThanOrEqual(2 * std + 1e-5);
      if (Math.abs(z) < 2 - 1e-5) expect(tn[j]).toBe(plain[j]);
      else if (Math.abs(z) > 2 + 1e-5) {
        redrawn++;
        expect(tn[j]).not.toBe(plain[j]);
      }
    }
    // P(|z| > 2) = 0.0455: 910 expected, binomial std 29.5; 6 std either way.
    expect(redrawn).toBeGreaterThan(910 - 180);
    expect(redrawn).toBeLessThan(910 + 180);
  });

  // Offsets that start and end mid-block exercise every store path (head, body, tail).
  test.each<[Fill]>([['f32_random_uniform'], ['f32_random_normal'], ['f32_random_truncated_normal']])('%s: any slice equals the same elements of one fill', (k) => {
    const whole = fill(k, 203, 0, key, 11, -1, 2);
    for (const [off, n] of [[0, 1], [1, 1], [2, 1], [3, 1], [1, 2], [3, 6], [5, 3], [7, 100], [13, 190], [0, 203], [4, 8], [200, 3]]) {
      const part = fill(k, n, off, key, 11, -1, 2);
      expect(bitsHex(part), `offset ${off}, n ${n}`).toEqual(bitsHex(whole.subarray(off, off + n)));
    }
  });

  test('a fill writes exactly its n elements (guard values around it survive)', () => {
    const { heap, kernels } = rt();
    for (const n of [1, 2, 3, 4, 5, 7, 9]) {
      for (const off of [0, 1, 2, 3]) {
        const p = heap.alloc((n + 8) * 4);
        heap.f32(p, n + 8).fill(-7);
        kernels.f32_random_normal(n, off, p + 16, 1, 2, 3, 0, 1);
        const v = heap.f32(p, n + 8);
        for (let i = 0; i < 4; i++) expect(v[i]).toBe(-7);
        for (let i = 4 + n; i < n + 8; i++) expect(v[i], `n ${n} offset ${off} index ${i}`).toBe(-7);
        heap.free(p);
      }
    }
  });
});

describe('permutation', () => {
  const key: [number, number] = [5, 6];
  function perm(n: number, stream: number): Int32Array {
    const { heap, kernels } = rt();
    const p = heap.alloc(n * 4);
    try {
      kernels.i32_random_permutation(n, p, key[0], key[1], stream);
      return heap.i32(p, n).slice();
    } finally {
      heap.free(p);
    }
  }

  test.each([0, 1, 2, 3, 5, 97, 1000])('n = %i equals the reference and is a permutation', (n) => {
    const p = perm(n, 2);
    expect(Array.from(p)).toEqual(Array.from(refPermutation(n, key, 2)));
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  test('every element lands in every position about equally often', () => {
    // 4000 permutations of 4: each (element, position) count is Binomial(4000, 1/4),
    // mean 1000, std 27.4; 6 std = 165 either way.
    const counts = new Array<number>(16).fill(0);
    const r = new Rng(77);
    for (let t = 0; t < 4000; t++) r.permutation(4).forEach((e, pos) => { counts[e * 4 + pos]++; });
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(165);
  });
});

describe('Rng', () => {
  // Golden fingerprints for seed 42: a change of numerics must fail here, loudly.
  const GOLDEN = {
    uniform: ['0x3f1ceaf0', '0x3eefea92', '0x3d95fa80', '0x3eae8566'],
    normal: ['0xbe86f1bb', '0x3fcbbcea', '0x3f202ec4', '0xbf3906b5'],
    truncated: ['0x3ff693a3', '0xbf250a3c', '0xbf8cf51d', '0xbf220114'],
    permutation: [498, 718, 296, 136, 774, 265, 509, 946],
    hashes: { uniform: '0x13ee0cd1', normal: '0x83481ac8', truncated: '0xea0bd397', permutation: '0x463e8e61' },
  };

  function draw(seed: number): { u: Float32Array; n: Float32Array; t: Float32Array; p: Int32Array } {
    const r = new Rng(seed);
    const take = (t: { dataSync(): Float32Array; dispose(): void }): Float32Array => { const d = t.dataSync(); t.dispose(); return d; };
    return { u: take(r.uniform([10000])), n: take(r.normal([100, 100])), t: take(r.truncatedNormal([10000])), p: r.permutation(1000) };
  }

  test('seed 42 reproduces the golden values', () => {
    const d = draw(42);
    expect(bitsHex(d.u.subarray(0, 4))).toEqual(GOLDEN.uniform);
    expect(bitsHex(d.n.subarray(0, 4))).toEqual(GOLDEN.normal);
    expect(bitsHex(d.t.subarray(0, 4))).toEqual(GOLDEN.truncated);
    expect(Array.from(d.p.subarray(0, 8))).toEqual(GOLDEN.permutation);
    expect({ uniform: fnv1a(d.u), normal: fnv1a(d.n), truncated: fnv1a(d.t), permutation: fnv1a(d.p) }).toEqual(GOLDEN.hashes);
  });

  test('same seed, same bytes; another seed, other bytes', () => {
    const a = draw(7), b = draw(7), c = draw(8);
    for (const k of ['u', 'n', 't', 'p'] as const) {
      expect(fnv1a(a[k])).toBe(fnv1a(b[k]));
      expect(fnv1a(a[k])).not.toBe(fnv1a(c[k]));
    }
  });

  test('each call takes its own stream: earlier sizes do not shift later values', () => {
    const a = new Rng(3), b = new Rng(3);
    a.uniform([10]).dispose();
    b.uniform([1000]).dispose();
    expect(bitsHex(a.normal([5]).dataSync())).toEqual(bitsHex(b.normal([5]).dataSync()));
    expect(a.streamsUsed).toBe(2);
  });

  test('seeds above 2^32 use the high key word', () => {
    const lo = new Rng(1).uniform([8]).dataSync();
    const hi = new Rng(1 + 2 ** 32).uniform([8]).dataSync();
    expect(bitsHex(lo)).not.toEqual(bitsHex(hi));
    expect(bitsHex(new Rng(2 ** 53 - 1).uniform([4]).dataSync())).toEqual(bitsHex(new Rng(2 ** 53 - 1).uniform([4]).dataSync()));
  });

  test('fork: deterministic, independent of the parent and of sibling forks', () => {
    const p1 = new Rng(11), p2 = new Rng(11);
    const f1 = p1.fork(), f2 = p2.fork(), g1 = p1.fork();
    const v = (r: Rng): string[] => bitsHex(r.uniform([16]).dataSync());
    const a = v(f1);
    expect(a).toEqual(v(f2));
    expect(a).not.toEqual(v(g1));
    expect(a).not.toEqual(v(new Rng(11)));
  });

  test('uniform: mean, variance and KS distance within bounds', () => {
    const n = 200000;
    const u = new Rng(2024).uniform([n], -1, 3).dataSync();
    let s = 0, s2 = 0;
    for (const v of u) { s += v; s2 += v * v; }
    const mean = s / n, variance = s2 / n - mean * mean;
    // U(-1, 3): mean 1, variance 16/12; std of the mean 0.0026, so 6 std = 0.016.
    expect(Math.abs(mean - 1)).toBeLessThan(0.016);
    // The variance estimate's std is sqrt((m4 - s^4)/n) = 0.0027 for this width; 6 std.
    expect(Math.abs(variance - 16 / 12)).toBeLessThan(0.017);
    // KS: 1.95 / sqrt(n) is the 0.1% critical value.
    expect(ksStatistic(u, (x) => Math.min(1, Math.max(0, (x + 1) / 4)))).toBeLessThan(1.95 / Math.sqrt(n));
  });

  test('normal: mean, std, tails and KS distance within bounds', () => {
    const n = 200000, mean = -2, std = 0.5;
    const z = new Rng(99).normal([n], mean, std).dataSync();
    let s = 0, s2 = 0, beyond3 = 0;
    for (const v of z) { s += v; s2 += v * v; if (Math.abs(v - mean) > 3 * std) beyond3++; }
    const m = s / n, sd = Math.sqrt(s2 / n - m * m);
    expect(Math.abs(m - mean)).toBeLessThan(6 * std / Math.sqrt(n));
    // std of the sample std is std / sqrt(2n); 6 of them.
    expect(Math.abs(sd - std)).toBeLessThan(6 * std / Math.sqrt(2 * n));
    // P(|z| > 3) = 0.0027: 540 expected, std 23; 6 std.
    expect(Math.abs(beyond3 - 540)).toBeLessThan(140);
    expect(ksStatistic(z, (x) => normalCdf((x - mean) / std))).toBeLessThan(1.95 / Math.sqrt(n));
  });

  test('truncated normal: std 0.8796 of the untruncated one, nothing beyond 2 std', () => {
    const n = 200000;
    const z = new Rng(5).truncatedNormal([n]).dataSync();
    let s = 0, s2 = 0, max = 0;
    for (const v of z) { s += v; s2 += v * v; max = Math.max(max, Math.abs(v)); }
    const sd = Math.sqrt(s2 / n - (s / n) ** 2);
    expect(max).toBeLessThanOrEqual(2);
    // Keras' constant; the sample std's std is about 0.0011 here, 6 of them.
    expect(Math.abs(sd - 0.87962566103423978)).toBeLessThan(0.007);
    const c = (x: number): number => (normalCdf(x) - normalCdf(-2)) / (normalCdf(2) - normalCdf(-2));
    expect(ksStatistic(z, c)).toBeLessThan(1.95 / Math.sqrt(n));
  });

  test('arguments are checked with clear errors', () => {
    expect(() => new Rng(-1)).toThrow(/actlab: Rng seed must be an integer in \[0, 2\^53\), got -1/);
    expect(() => new Rng(1.5)).toThrow(/got 1.5/);
    const r = new Rng(1);
    expect(() => r.uniform([2], 1, 1)).toThrow(/lo < hi/);
    expect(() => r.normal([2], 0, -1)).toThrow(/std must be >= 0/);
    expect(() => r.normal([2], NaN, 1)).toThrow(/mean must be a finite number/);
    expect(() => r.permutation(-3)).toThrow(/permutation: n must be an integer/);
  });

  test('no heap blocks leak from draws', () => {
    const before = memoryStats().liveBlocks;
    const r = new Rng(1);
    r.permutation(100);
    r.fork();
    r.uniform([3]).dispose();
    expect(memoryStats().liveBlocks).toBe(before);
  });
});

describe('sin / cos', () => {
  function within(actual: number, expected: number): boolean {
    // One ulp of the float32 result, or 6e-8 absolute where the result is near 0.
    return ulpDistance(actual, Math.fround(expected)) <= 1 || Math.abs(actual - expected) <= 6e-8;
  }

  test('radians: within 1 ulp (or 6e-8 near zeros) on a dense sweep and on large arguments', () => {
    const xs: number[] = [];
    for (let i = -40000; i <= 40000; i++) xs.push(Math.fround(i * 1.37e-3));
    for (let e = -40; e <= 23; e++) xs.push(Math.fround(2 ** e), Math.fround(-(2 ** e) * 1.1));
    for (let i = 0; i < 2000; i++) xs.push(Math.fround(1e3 + i * 8388.7));
    xs.push(Math.fround(16777215), -16777215, 12345678);
    for (const x of xs) {
      const s = rt().kernels.f32_sin1(x), c = rt().kernels.f32_cos1(x);
      if (!within(s, Math.sin(x))) throw new Error(`sin(${x}): expected ${Math.sin(x)}, got ${s}`);
      if (!within(c, Math.cos(x))) throw new Error(`cos(${x}): expected ${Math.cos(x)}, got ${c}`);
    }
  });

  test('radians: specials; |x| >= 2^24 is NaN rather than a quietly wrong value', () => {
    expect(Object.is(rt().kernels.f32_sin1(-0), -0)).toBe(true);
    expect(rt().kernels.f32_cos1(0)).toBe(1);
    expect(rt().kernels.f32_sin1(1e-30)).toBe(Math.fround(1e-30));
    for (const x of [NaN, Infinity, -Infinity, 2 ** 24, -(2 ** 30), 3e38]) {
      expect(rt().kernels.f32_sin1(x), `sin(${x})`).toBeNaN();
      expect(rt().kernels.f32_cos1(x), `cos(${x})`).toBeNaN();
    }
  });

  test('turns: within 1 ulp of sin(2 pi x), exact at quarter turns and for huge x', () => {
    for (let i = -50000; i <= 50000; i++) {
      const x = Math.fround(i * 1.9e-4);
      const s = rt().kernels.f32_sin_turns1(x), c = rt().kernels.f32_cos_turns1(x);
      if (!within(s, Math.sin(2 * Math.PI * x))) throw new Error(`sinTurns(${x}): expected ${Math.sin(2 * Math.PI * x)}, got ${s}`);
      if (!within(c, Math.cos(2 * Math.PI * x))) throw new Error(`cosTurns(${x}): expected ${Math.cos(2 * Math.PI * x)}, got ${c}`);
    }
    expect([0, 0.25, 0.5, 0.75, 1, -0.25, 1e30].map((x) => Math.abs(rt().kernels.f32_sin_turns1(x)))).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect([0, 0.25, 0.5, 0.75, 3e38].map((x) => Math.abs(rt().kernels.f32_cos_turns1(x)))).toEqual([1, 0, 1, 0, 1]);
    expect(rt().kernels.f32_sin_turns1(2 ** 22 + 0.5)).toBe(-0);
    expect(rt().kernels.f32_sin_turns1(Infinity)).toBeNaN();
  });
});
