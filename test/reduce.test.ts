// Reductions against float64 references over lengths around the 4- and 8-lane bodies,
// on Tensors and Float32Arrays, with the special values (NaN, -0, ties) and the errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, tensor, stats } from '../src/index.js';

const { sum, sumSquares, l2Norm, moments, mean, std, min, max, countZeros, argMaxRows } = stats;
import { mulberry32, uniform, pick } from './helpers/mulberry32.js';

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 127, 1000, 100003];

beforeAll(async () => {
  await init();
});

/** |actual - expected| <= n * 2^-52 * scale: a float64 sum of n exact terms. */
function expectSum(what: string, n: number, actual: number, expected: number, scale: number): void {
  const tol = (n + 1) * 2 ** -52 * scale;
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`${what} (n = ${n}): expected ${expected}, actual ${actual} (tolerance ${tol})`);
  }
}

describe('sums and norms', () => {
  it('sum, sum of squares, L2 norm, mean and std match float64 references for every length', () => {
    const rand = mulberry32(11);
    for (const n of SIZES) {
      // mixed magnitudes so a float32 accumulator would visibly fail
      const x = uniform(rand, n).map((v, i) => v * (i % 7 === 0 ? 1e4 : 1));
      let s = 0, a = 0, q = 0;
      for (const v of x) { s += v; a += Math.abs(v); q += v * v; }
      const t = tensor(x, [n]);
      expectSum('sum', n, sum(t), s, a);
      expectSum('sum of a Float32Array', n, sum(x), s, a);
      expectSum('sumSquares', n, sumSquares(x), q, q);
      expectSum('l2Norm', n, l2Norm(t) ** 2, q, q);
      if (n > 0) {
        const m = s / n;
        let v = 0;
        for (const e of x) v += (e - m) ** 2;
        const got = moments(t);
        expectSum('mean', n, got.mean, m, a / n);
        expectSum('variance', n, got.variance, v / n, q / n + m * m);
        expect(got.std).toBe(Math.sqrt(got.variance));
        expect(mean(x)).toBe(got.mean);
        expect(std(x)).toBe(got.std);
      }
      t.dispose();
    }
  });

  it('sums are exact where float32 accumulation would not be', () => {
    const x = new Float32Array(1 << 20).fill(1);
    x[0] = 2 ** 24;
    // in float32, 2^24 + 1 == 2^24, so a float32 running sum would stay at 2^24
    expect(sum(x)).toBe(2 ** 24 + (1 << 20) - 1);
  });

  it('gives the same bits for a Tensor, a Float32Array and repeated calls', () => {
    const x = uniform(mulberry32(12), 4099);
    const t = tensor(x, [4099]);
    for (const f of [sum, sumSquares, l2Norm]) {
      expect(Object.is(f(t), f(x))).toBe(true);
      expect(Object.is(f(t), f(t))).toBe(true);
    }
    t.dispose();
  });
});

describe('min, max and zeros', () => {
  it('min and max for every length and position of the extreme', () => {
    const rand = mulberry32(13);
    for (const n of SIZES.filter((k) => k > 0)) {
      const x = uniform(rand, n);
      for (const at of [0, n - 1, n >> 1]) {
        const y = x.slice();
        y[at] = 5;
        expect(max(y), `max n = ${n} at ${at}`).toBe(5);
        y[at] = -5;
        expect(min(y), `min n = ${n} at ${at}`).toBe(-5);
      }
      expect(max(x)).toBe(x.reduce((m, v) => Math.max(m, v), -Infinity));
      expect(min(x)).toBe(x.reduce((m, v) => Math.min(m, v), Infinity));
    }
  });

  it('a NaN anywhere makes min and max NaN', () => {
    for (const n of [1, 4, 5, 9, 33]) {
      for (const at of [0, n - 1]) {
        const x = new Float32Array(n).fill(1);
        x[at] = NaN;
        expect(max(x), `n = ${n}, NaN at ${at}`).toBeNaN();
        expect(min(x), `n = ${n}, NaN at ${at}`).toBeNaN();
      }
    }
  });

  it('counts exact zeros, both signs, for every length', () => {
    const rand = mulberry32(14);
    for (const n of SIZES) {
      const x = new Float32Array(n).map(() => [0, -0, 1e-45, -1, 2][pick(rand, 5)]);
      const expected = x.reduce((c, v) => c + (v === 0 ? 1 : 0), 0);
      expect(countZeros(x), `n = ${n}`).toBe(expected);
    }
  });
});

describe('argMaxRows', () => {
  it('first index of the row maximum over row lengths around the lane count, ties and NaN', () => {
    const rand = mulberry32(15);
    for (const cols of [1, 2, 3, 4, 5, 7, 8, 9, 10, 17, 33]) {
      const rows = 13;
      // few distinct values: ties are common
      const x = new Float32Array(rows * cols).map(() => pick(rand, 4) - 2);
      if (cols > 2) x[3 * cols + cols - 1] = NaN;
      if (cols > 3) { x[5 * cols + 1] = NaN; x[5 * cols + 2] = NaN; }
      const t = tensor(x, [rows, cols]);
      const got = argMaxRows(t);
      t.dispose();
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let c = 1; c < cols; c++) {
          const v = x[r * cols + c], b = x[r * cols + best];
          if (Number.isNaN(b)) break;
          if (Number.isNaN(v) || v > b) best = c;
        }
        expect(got[r], `row ${r} of ${rows} x ${cols}: [${Array.from(x.subarray(r * cols, (r + 1) * cols)).join(', ')}]`).toBe(best);
      }
      expect(Array.from(argMaxRows(x, cols))).toEqual(Array.from(got));
    }
  });
});

describe('errors', () => {
  it('name the problem', () => {
    expect(() => min(new Float32Array(0))).toThrow(/actlab: min: the array is empty: expected at least one value/);
    expect(() => moments(new Float32Array(0))).toThrow(/moments: the array is empty/);
    expect(() => argMaxRows(new Float32Array(10), 3)).toThrow(/10 values, which do not form rows of 3/);
    expect(() => argMaxRows(new Float32Array(10), 0)).toThrow(/cols must be a positive integer/);
    expect(() => argMaxRows(new Float32Array(10))).toThrow(/cols must be a positive integer/);
    expect(sum(new Float32Array(0))).toBe(0);
  });
});
