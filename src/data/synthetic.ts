// Small synthetic classification sets for demos and tests. Coordinates, noise and the
// spirals' sin/cos are computed in Wasm from a seeded Rng, so a seed gives the same bits
// everywhere.
import { rt } from '../core/wasm.js';
import { positiveF32 } from '../core/checks.js';
import { Rng } from '../core/random.js';
import { dataset, type Dataset } from './dataset.js';

/** Options of the synthetic two-class sets. */
export interface SyntheticOptions {
  /** Number of points (both classes together). */
  n: number;
  /** Std of the Gaussian noise added to each coordinate; default 0. */
  noise?: number;
  /** Seeds the noise; default 0. */
  seed?: number;
}

function checkOptions(fn: string, o: SyntheticOptions): { n: number; noise: number; seed: number } {
  const noise = o.noise ?? 0;
  if (!Number.isInteger(o.n) || o.n < 1 || o.n > 2 ** 26) throw new Error(`actlab: ${fn}: n must be an integer in [1, 2^26], got ${o.n}`);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`actlab: ${fn}: noise must be a finite number >= 0, got ${noise}`);
  if (noise > 0) positiveF32(fn, 'noise', noise);
  return { n: o.n, noise, seed: o.seed ?? 0 };
}

function generate(n: number, noise: number, seed: number,
  kernel: (n: number, noise: number, x: number, y: number) => void): Dataset {
  const { heap } = rt();
  const noiseT = new Rng(seed).normal([n, 2], 0, noise);
  const py = heap.alloc(n * 4);
  try {
    kernel(n, noiseT.ptr, noiseT.ptr, py);
    const x = heap.f32(noiseT.ptr, 2 * n).slice();
    const y = heap.i32(py, n).slice();
    return dataset({ x, y, shape: [2], numClasses: 2 });
  } finally {
    heap.free(py);
    noiseT.dispose();
  }
}

/**
 * Two interleaved spirals in the plane, classes alternating (point i has class i % 2).
 * Each arm runs from radius 0 to 1 through `turns` full turns (default 1.5); class 1 is
 * class 0 rotated by half a turn. Needs `await init()`.
 */
export function twoSpirals(options: SyntheticOptions & { turns?: number }): Dataset {
  const { n, noise, seed } = checkOptions('twoSpirals', options);
  const turns = options.turns ?? 1.5;
  positiveF32('twoSpirals', 'turns', turns);
  return generate(n, noise, seed, (m, pn, px, py) => rt().kernels.f32_two_spirals(m, pn, px, py, turns));
}

/**
 * XOR: points at the corners (a, b) of the unit square, cycling (0,0), (1,0), (0,1), (1,1),
 * plus Gaussian noise; class a xor b. Needs `await init()`.
 */
export function xor(options: SyntheticOptions): Dataset {
  const { n, noise, seed } = checkOptions('xor', options);
  return generate(n, noise, seed, (m, pn, px, py) => rt().kernels.f32_xor_points(m, pn, px, py));
}
