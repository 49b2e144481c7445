// Row softmax / log-softmax with temperature, their backward kernels and the fused
// softmax cross-entropy, against float64 references; stability at +-1e30; errors.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, softmax, logSoftmax, softmaxGrad, logSoftmaxGrad, softmaxCrossEntropy } from '../src/index.js';
import { rt } from '../src/core/wasm.js';
import { uniform } from './helpers/random.js';

beforeAll(async () => { await init(); });

function refSoftmax(x: ArrayLike<number>, cols: number, t: number): { p: Float64Array; logp: Float64Array } {
  const p = new Float64Array(x.length), logp = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp((x[r * cols + j] - m) / t);
    for (let j = 0; j < cols; j++) {
      const z = (x[r * cols + j] - m) / t;
      p[r * cols + j] = Math.exp(z) / s;
      logp[r * cols + j] = z - Math.log(s);
    }
  }
  return { p, logp };
}

// Probabilities: exp((x - m)/T) amplifies the argument's rounding by |x - m|/T, so the
// bound is relative to each row's largest term plus 1e-6 relative.
function expectClose(name: string, got: Float32Array, want: Float64Array, cols: number, abs: number): void {
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (err > abs + 1e-6 * Math.abs(want[i])) {
      expect.fail(`${name}: cols=${cols} index ${i} (row ${Math.floor(i / cols)}): got ${got[i]}, expected ${want[i]}`);
    }
  }
}

describe('softmax and logSoftmax', () => {
  test.each([1, 2, 3, 4, 5, 7, 8, 9, 10, 31, 64, 65, 1000])('cols = %i at temperatures 0.5, 1, 2', (cols) => {
    const rows = 7;
    const x = uniform(rows * cols, -20, 20, cols);
    for (const t of [0.5, 1, 2]) {
      const { p, logp } = refSoftmax(x, cols, Math.fround(t));
      const y = softmax(x, cols, t);
      expectClose(`softmax T=${t}`, y, p, cols, 2e-7);
      expectClose(`logSoftmax T=${t}`, logSoftmax(x, cols, t), logp, cols, 4e-6);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += y[r * cols + j];
        expect(Math.abs(s - 1), `row ${r} sums to ${s}`).toBeLessThan(1e-5);
      }
    }
  });

  // Spreads past 87 (z = (x - max) / T below -87) leave exp's fast path: results down to the
  // subnormal range, and rows that mix both kinds of vector.
  test.each([3, 5, 9, 64, 257])('cols = %i with logits spread over [-180, 10]: underflowing terms round once', (cols) => {
    const rows = 9;
    const x = uniform(rows * cols, -180, 10, 7 + cols);
    for (const t of [0.7, 1, 2]) {
      const { p, logp } = refSoftmax(x, cols, Math.fround(t));
      expectClose(`softmax T=${t}`, softmax(x, cols, t), p, cols, 2e-7);
      expectClose(`logSoftmax T=${t}`, logSoftmax(x, cols, t), logp, cols, 4e-6);
    }
  });

  test('a NaN makes its row NaN and leaves the other rows alone', () => {
    const x = new Float32Array([1, NaN, 3, 0.5, 1, 2, -200, 0, NaN]);
    for (const y of [softmax(x, 3), logSoftmax(x, 3), softmax(x, 3, 0.5)]) {
      for (const i of [0, 1, 2, 6, 7, 8]) expect(Number.isNaN(y[i]), `index ${i}`).toBe(true);
      for (const i of [3, 4, 5]) expect(Number.isFinite(y[i]), `index ${i}`).toBe(true);
    }
  });

  test('stable for logits of +-1e30 and for tiny temperatures', () => {
    const x = new Float32Array([1e30, -1e30, 0, 1e30, 3.4e38, -3.4e38]);
    const y = softmax(x, 3);
    expect(Array.from(y)).toEqual([1, 0, 0, 1, 0, 0].map((v, i) => (i === 3 ? 0 : i === 4 ? 1 : v)));
    const ly = logSoftmax(x, 3);
    expect(ly[0]).toBe(0);
    expect(ly[1]).toBe(Math.fround(-2e30));
    const cold = softmax(new Float32Array([1, 2, 3]), 3, 1e-30);
    expect(Array.from(cold)).toEqual([0, 0, 1]);
    for (const v of [...y, ...cold]) expect(Number.isNaN(v)).toBe(false);
  });

  test('a temperature spreads or sharpens the distribution (slide 4)', () => {
    const scores = new Float32Array([1, 2, 3, 4, 1]);
    const entropy = (p: Float32Array): number => -Array.from(p).reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
    const h = [0.5, 1, 2].map((t) => entropy(softmax(scores, 5, t)));
    expect(h[0]).toBeLessThan(h[1]);
    expect(h[1]).toBeLessThan(h[2]);
  });

  test('in place: the kernel may write over its input', () => {
    const { kernels, heap } = rt();
    const x = uniform(30, -5, 5, 1);
    const p = heap.allocF32(x), q = heap.alloc(120);
    kernels.f32_softmax(3, 10, p, q, 1);
    kernels.f32_softmax(3, 10, p, p, 1);
    expect(Array.from(heap.f32(p, 30))).toEqual(Array.from(heap.f32(q, 30)));
    heap.free(q); heap.free(p);
  });

  // Rows go four at a time through their own loops and reductions (softmax at any width, the
  // others up to a width; the backward kernels too); a lone row takes the row kernel. Both must give the same bits,
  // NaN rows, infinities, spreads past exp's fast range and in-place calls included.
  test('four rows at a time give the bits of one row at a time, forward and backward', () => {
    const { kernels, heap } = rt();
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, -200, 88, 3.4e38, 1e-40];
    let checked = 0;
    // Both sides of each kernel's width limit for the four-row path (48, 128, 256).
    for (const cols of [1, 2, 3, 4, 5, 7, 8, 9, 10, 13, 16, 17, 33, 48, 49, 64, 128, 129, 256, 257, 1000]) {
      for (const t of [1, 0.5, 3]) {
        // 15 rows: log-softmax takes eight, then four, then three one by one; softmax four,
        // four, four, three.
        const rows = 15;
        const x = uniform(rows * cols, -30, 30, 7 * cols + Math.round(t * 10));
        for (let k = 0; k < specials.length; k++) x[(k * 37 + cols) % x.length] = specials[k];
        x.fill(NaN, 4 * cols, 5 * cols);                      // a NaN row inside a group
        x.fill(-Infinity, 13 * cols, 14 * cols);              // a row with no finite value
        for (const r of [1, 6, 9]) {                          // spreads past 87 (row 6 after the NaN row)
          for (let j = 0; j < cols; j++) x[r * cols + j] = j % 2 ? -150 : 0;
        }
        const dy = uniform(rows * cols, -2, 2, 11 * cols);
        dy[3] = NaN;
        dy[cols + 1] = Infinity;
        const kinds = [
          ['softmax', kernels.f32_softmax, kernels.f32_softmax_grad],
          ['logSoftmax', kernels.f32_log_softmax, kernels.f32_log_softmax_grad],
        ] as const;
        for (const [name, fwd, bwd] of kinds) {
          const px = heap.allocF32(x), py = heap.alloc(x.length * 4);
          const pg = heap.allocF32(dy), pd = heap.alloc(x.length * 4);
          const oneY = heap.alloc(cols * 4), oneG = heap.alloc(cols * 4);
          const bits = (p: number): Uint32Array => new Uint32Array(heap.f32(p, x.length).buffer, p, x.length).slice();
          fwd(rows, cols, px, py, t);
          const all = bits(py);
          bwd(rows, cols, py, pg, pd, t);
          const grad = bits(pd);
          bwd(rows, cols, py, pg, pg, t);                      // in place: dx = dy
          const gradInPlace = bits(pg);
          fwd(rows, cols, px, px, t);                          // in place
          const inPlace = bits(px);
          for (let r = 0; r < rows; r++) {
            heap.f32(oneY, cols).set(x.subarray(r * cols, (r + 1) * cols));
            fwd(1, cols, oneY, oneY, t);
            heap.f32(oneG, cols).set(dy.subarray(r * cols, (r + 1) * cols));
            bwd(1, cols, oneY, oneG, oneG, t);
            const wantY = new Uint32Array(heap.f32(oneY, cols).buffer, oneY, cols);
            const wantG = new Uint32Array(heap.f32(oneG, cols).buffer, oneG, cols);
            for (let j = 0; j < cols; j++) {
              const i = r * cols + j;
              // NaN payloads may differ; every other bit must not.
              const same = (a: number, b: number): boolean => a === b || ((a & 0x7fffffff) > 0x7f800000 && (b & 0x7fffffff) > 0x7f800000);
              if (!same(all[i], wantY[j]) || !same(inPlace[i], wantY[j])) {
                expect.fail(`${name} cols=${cols} T=${t} row ${r} column ${j}: rows together ${all[i].toString(16)}, ` +
                  `in place ${inPlace[i].toString(16)}, one row ${wantY[j].toString(16)}`);
              }
              if (!same(grad[i], wantG[j]) || !same(gradInPlace[i], wantG[j])) {
                expect.fail(`${name} gradient cols=${cols} T=${t} row ${r} column ${j}: rows together ${grad[i].toString(16)}, ` +
                  `in place ${gradInPlace[i].toString(16)}, one row ${wantG[j].toString(16)}`);
              }
              checked++;
            }
          }
          for (const p of [oneG, oneY, pd, pg, py, px]) heap.free(p);
        }
      }
    }
    expect(checked).toBeGreaterThan(10000);
  });

  test('backward kernels match finite differences of the float64 functions', () => {
    for (const cols of [1, 3, 4, 5, 9]) {
      const rows = 4, t = 1.5;
      const x = uniform(rows * cols, -3, 3, 40 + cols), dy = uniform(rows * cols, -1, 1, 50 + cols);
      const loss = (v: Float64Array, log: boolean): number => {
        const r = refSoftmax(v, cols, Math.fround(t));
        return (log ? r.logp : r.p).reduce((s, val, i) => s + val * dy[i], 0);
      };
      for (const log of [false, true]) {
        const y = log ? logSoftmax(x, cols, t) : softmax(x, cols, t);
        const dx = log ? logSoftmaxGrad(y, dy, cols, t) : softmaxGrad(y, dy, cols, t);
        for (let i = 0; i < x.length; i++) {
          const up = Float64Array.from(x), dn = Float64Array.from(x);
          up[i] += 1e-6; dn[i] -= 1e-6;
          const fd = (loss(up, log) - loss(dn, log)) / 2e-6;
          expect(Math.abs(dx[i] - fd), `${log ? 'logSoftmax' : 'softmax'} cols=${cols} index ${i}: ${dx[i]} vs ${fd}`).toBeLessThan(2e-6);
        }
      }
    }
  });
});

describe('fused softmax cross-entropy', () => {
  test('losses are -log p[label] and the gradient is (p - onehot) / batch', () => {
    for (const cols of [2, 3, 4, 5, 10, 17]) {
      const rows = 9;
      const x = uniform(rows * cols, -8, 8, cols);
      const labels = Int32Array.from({ length: rows }, (_, i) => (i * 7) % cols);
      const { losses, grad } = softmaxCrossEntropy(x, labels, cols);
      const { p, logp } = refSoftmax(x, cols, 1);
      for (let r = 0; r < rows; r++) {
        expect(Math.abs(losses[r] + logp[r * cols + labels[r]]), `row ${r}`).toBeLessThan(2e-6 * (1 + losses[r]));
        for (let j = 0; j < cols; j++) {
          const want = (p[r * cols + j] - (j === labels[r] ? 1 : 0)) / rows;
          expect(Math.abs(grad[r * cols + j] - want), `cols=${cols} row ${r} col ${j}`).toBeLessThan(1e-7);
        }
      }
    }
  });

  test('dense targets match the sparse form on one-hot rows', () => {
    const { kernels, heap } = rt();
    const rows = 6, cols = 7;
    const x = uniform(rows * cols, -5, 5, 8);
    const labels = Int32Array.from({ length: rows }, (_, i) => (i * 3) % cols);
    const onehot = new Float32Array(rows * cols);
    labels.forEach((l, r) => { onehot[r * cols + l] = 1; });
    const sparse = softmaxCrossEntropy(x, labels, cols);
    const px = heap.allocF32(x), pt = heap.allocF32(onehot), pg = heap.alloc(rows * cols * 4), pl = heap.alloc(rows * 4);
    kernels.f32_softmax_xent_dense(rows, cols, px, pt, pg, pl, 1 / rows);
    const loss = heap.f32(pl, rows).slice(), grad = heap.f32(pg, rows * cols).slice();
    heap.free(pl); heap.free(pg); heap.free(pt); heap.free(px);
    for (let i = 0; i < rows; i++) expect(Math.abs(loss[i] - sparse.losses[i])).toBeLessThan(1e-6);
    // (p - t) * scale versus p * scale - scale: one rounding apart.
    for (let i = 0; i < rows * cols; i++) expect(Math.abs(grad[i] - sparse.grad[i])).toBeLessThan(3e-8);
  });

  test('confident wrong answers give large finite losses, never NaN', () => {
    const { losses, grad } = softmaxCrossEntropy(new Float32Array([1e30, -1e30, 0, 50, -50, 0]), [1, 1], 3);
    expect(losses[0]).toBe(Math.fround(2e30));
    expect(Math.abs(losses[1] - 100)).toBeLessThan(1e-4);
    for (const g of grad) expect(Number.isNaN(g)).toBe(false);
  });
});

describe('errors', () => {
  const x = new Float32Array(6);
  test.each([0, -1, NaN, Infinity])('temperature %d is rejected', (t) => {
    expect(() => softmax(x, 3, t)).toThrow(`temperature must be a finite number > 0, got ${t}`);
    expect(() => logSoftmax(x, 3, t)).toThrow(/temperature/);
  });
  test('a length that is not a multiple of cols, or bad cols', () => {
    expect(() => softmax(x, 4)).toThrow('6 values do not form rows of 4 columns (length must be a multiple of cols)');
    expect(() => softmax(x, 0)).toThrow(/cols must be a positive integer, got 0/);
    expect(() => softmax(x, 1.5)).toThrow(/cols must be a positive integer/);
  });
  test('labels out of range, non-integer or miscounted', () => {
    expect(() => softmaxCrossEntropy(x, [0, 3], 3)).toThrow('label 3 at row 1 is not an integer class in [0, 3)');
    expect(() => softmaxCrossEntropy(x, [0.5, 1], 3)).toThrow(/label 0.5 at row 0/);
    expect(() => softmaxCrossEntropy(x, [0], 3)).toThrow('1 labels for 2 rows of logits');
  });
  test('backward with a dy of the wrong length', () => {
    expect(() => softmaxGrad(x, new Float32Array(3), 3)).toThrow('dy has 3 values but y has 6');
  });
});
