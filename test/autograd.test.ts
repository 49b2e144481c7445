// The tape: gradients of compositions of ops against central finite differences in
// float64, broadcasting gradients, tidy disposal, and the activation op's parameter grads.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, tensor, add, sub, mul, div, affine, square, sum, mean, reshape, valueAndGrads, grads, grad, tidy, keep, memoryStats,
  matMul, dense, linear, activation, activations, flatten, softmax, softmaxOp, byteTable, type Tensor,
} from '../src/index.js';
import { uniform } from './helpers/random.js';

beforeAll(async () => { await init(); });

/** Central differences of a float64 function of flat inputs. */
function numericGrad(f: (xs: Float64Array[]) => number, xs: Float64Array[], h = 1e-6): Float64Array[] {
  return xs.map((x, k) => {
    const g = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const up = xs.map((v) => Float64Array.from(v)), dn = xs.map((v) => Float64Array.from(v));
      up[k][i] += h; dn[k][i] -= h;
      g[i] = (f(up) - f(dn)) / (2 * h);
    }
    return g;
  });
}

function expectGrads(name: string, got: Tensor[], want: Float64Array[], tol = 1e-4): void {
  got.forEach((g, k) => {
    const v = g.dataSync();
    for (let i = 0; i < v.length; i++) {
      expect(Math.abs(v[i] - want[k][i]), `${name}: d/dx${k}[${i}] = ${v[i]}, finite difference ${want[k][i]}`)
        .toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[k][i])));
    }
  });
}

describe('gradients of op compositions', () => {
  test('sum((a * b + a) / (b * b + 1)) with same shapes', () => {
    const av = uniform(12, -2, 2, 1), bv = uniform(12, -2, 2, 2);
    const a = tensor(av, [3, 4]), b = tensor(bv, [3, 4]);
    const one = tensor([1], []);
    const { value, grads } = valueAndGrads(() => sum(div(add(mul(a, b), a), add(mul(b, b), one))), [a, b]);
    const ref = ([x, y]: Float64Array[]): number => x.reduce((s, _, i) => s + (x[i] * y[i] + x[i]) / (y[i] * y[i] + 1), 0);
    expect(Math.abs(value.dataSync()[0] - ref([Float64Array.from(av), Float64Array.from(bv)]))).toBeLessThan(1e-5);
    expectGrads('composition', grads, numericGrad(ref, [Float64Array.from(av), Float64Array.from(bv)]));
    for (const t of [a, b, one, value, ...grads]) t.dispose();
  });

  test('broadcast bias [C] over [N, C] and a scalar: gradients sum over the broadcast rows', () => {
    const xv = uniform(15, -1, 1, 3), bv = uniform(5, -1, 1, 4);
    const x = tensor(xv, [3, 5]), b = tensor(bv, [5]), s = tensor([0.7], [1]);
    const g = valueAndGrads(() => mean(square(sub(mul(add(x, b), s), b))), [x, b, s]);
    const ref = ([xx, bb, ss]: Float64Array[]): number =>
      xx.reduce((acc, v, i) => acc + ((v + bb[i % 5]) * ss[0] - bb[i % 5]) ** 2, 0) / 15;
    expectGrads('broadcast', g.grads, numericGrad(ref, [Float64Array.from(xv), Float64Array.from(bv), Float64Array.from([Math.fround(0.7)])]));
    for (const t of [x, b, s, g.value, ...g.grads]) t.dispose();
  });

  test('a broadcast first operand is expanded and its gradient reduced', () => {
    const b = tensor([1, 2, 3], [3]), x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const [gb] = valueAndGrads(() => sum(div(b, x)), [b]).grads;
    const want = [1 / 1 + 1 / 4, 1 / 2 + 1 / 5, 1 / 3 + 1 / 6];
    gb.dataSync().forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-6));
    for (const t of [b, x, gb]) t.dispose();
  });

  test('grad(f)(x, dy) is the vector-Jacobian product; reshape and affine pass gradients through', () => {
    const x = tensor([1, 2, 3, 4], [2, 2]), dy = tensor([1, -1, 2, 0.5], [4]);
    const g = grad((v) => reshape(affine(square(v), 3, 1), [4]))(x, dy);
    expect(Array.from(g.dataSync())).toEqual([6, -12, 36, 12]);
    expect(g.shape).toEqual([2, 2]);
    for (const t of [x, dy, g]) t.dispose();
  });

  test('a tensor the result does not depend on gets a zero gradient', () => {
    const a = tensor([1, 2]), b = tensor([3, 4]);
    const [ga, gb] = valueAndGrads(() => sum(a), [a, b]).grads;
    expect(Array.from(gb.dataSync())).toEqual([0, 0]);
    expect(Array.from(ga.dataSync())).toEqual([1, 1]);
    for (const t of [a, b, ga, gb]) t.dispose();
  });

  test('incompatible shapes print both and the rule', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]), b = tensor([1, 2], [2]);
    expect(() => add(a, b)).toThrow('actlab: add: shapes [2, 3] and [2] do not broadcast (the second must match the first, be a suffix of it, or have one element)');
    a.dispose(); b.dispose();
  });
});

describe('tidy and ownership', () => {
  test('tidy disposes temporaries and keeps what it returns and what is kept', () => {
    const before = memoryStats().liveBytes;
    const x = tensor([1, 2, 3]);
    let kept: Tensor | undefined;
    const out = tidy(() => {
      const t = mul(x, x);
      kept = keep(add(t, x));
      return { y: sum(t) };
    });
    expect(out.y.dataSync()[0]).toBe(14);
    expect(kept?.dataSync()).toEqual(new Float32Array([2, 6, 12]));
    out.y.dispose(); kept?.dispose(); x.dispose();
    expect(memoryStats().liveBytes).toBe(before);
  });

  test('valueAndGrads leaves nothing behind', () => {
    const x = tensor(uniform(100, -1, 1, 9), [10, 10]);
    const before = memoryStats().liveBytes;
    const r = valueAndGrads(() => mean(square(mul(x, x))), [x]);
    r.value.dispose(); r.grads.forEach((t) => t.dispose());
    expect(memoryStats().liveBytes).toBe(before);
    x.dispose();
  });

  test('a disposed tensor cannot be used', () => {
    const x = tensor([1, 2]);
    x.dispose();
    expect(() => x.dataSync()).toThrow('actlab: tensor [2] was disposed and cannot be used');
    expect(() => add(x, x)).toThrow(/was disposed/);
  });
});

describe('activation op', () => {
  test('gradients w.r.t. x and the learnable parameters of scaledSwish match finite differences', async () => {
    const { activation } = await import('../src/index.js');
    const xv = uniform(24, -4, 4, 21);
    const x = tensor(xv, [4, 6]), alpha = tensor([0.5], []), beta = tensor([1.2], [1]);
    const g = valueAndGrads(() => sum(mul(activation(x, 'scaledSwish', { alpha, beta }), x)), [x, alpha, beta]);
    const sig = (z: number): number => 1 / (1 + Math.exp(-z));
    const ref = ([xx, a, b]: Float64Array[]): number => xx.reduce((s, v) => s + a[0] * v * sig(b[0] * v) * v, 0);
    expectGrads('scaledSwish', g.grads, numericGrad(ref, [Float64Array.from(xv), Float64Array.from([0.5]), Float64Array.from([Math.fround(1.2)])]), 2e-4);
    for (const t of [x, alpha, beta, g.value, ...g.grads]) t.dispose();
  });

  test('prelu with a per-channel alpha tensor', async () => {
    const { activation } = await import('../src/index.js');
    const xv = uniform(12, -2, 2, 22);
    const x = tensor(xv, [4, 3]), alpha = tensor([0.1, 0.2, 0.3], [3]);
    const g = valueAndGrads(() => sum(square(activation(x, 'prelu', { alpha }))), [x, alpha]);
    const ref = ([xx, a]: Float64Array[]): number => xx.reduce((s, v, i) => s + (v > 0 ? v : a[i % 3] * v) ** 2, 0);
    expectGrads('prelu', g.grads, numericGrad(ref, [Float64Array.from(xv), Float64Array.from([0.1, 0.2, 0.3].map(Math.fround))]), 2e-4);
    expect(() => activation(x, 'prelu', { alpha: tensor([1, 2], [2]) })).toThrow(/has shape \[2\] but x \[4, 3\] has 3 channels/);
    for (const t of [x, alpha, g.value, ...g.grads]) t.dispose();
  });

  test('prelu with one alpha for every channel: a number (default 0.25) or a one-value tensor', async () => {
    const { activation } = await import('../src/index.js');
    const xv = uniform(12, -2, 2, 23);
    const x = tensor(xv, [4, 3]);
    const ref = (a: number) => ([xx]: Float64Array[]): number => xx.reduce((s, v) => s + (v > 0 ? v : a * v) ** 2, 0);
    for (const [params, a] of [[{}, 0.25], [{ alpha: 0.1 }, Math.fround(0.1)]] as const) {
      const g = valueAndGrads(() => sum(square(activation(x, 'prelu', params))), [x]);
      expectGrads('prelu shared number', g.grads, numericGrad(ref(a), [Float64Array.from(xv)]), 2e-4);
      expect(Array.from(activation(x, 'prelu', params).dataSync())).toEqual(Array.from(activations.apply('prelu', xv, { alpha: a })));
      for (const t of [g.value, ...g.grads]) t.dispose();
    }
    // A learnable shared slope (PyTorch's nn.PReLU() default): its gradient sums over every element.
    const alpha = tensor([0.2], [1]);
    const g = valueAndGrads(() => sum(square(activation(x, 'prelu', { alpha }))), [x, alpha]);
    const refA = ([xx, a]: Float64Array[]): number => xx.reduce((s, v) => s + (v > 0 ? v : a[0] * v) ** 2, 0);
    expectGrads('prelu shared tensor', g.grads, numericGrad(refA, [Float64Array.from(xv), Float64Array.from([Math.fround(0.2)])]), 2e-4);
    for (const t of [x, alpha, g.value, ...g.grads]) t.dispose();
  });
});

describe('matMul, dense, flatten and reshape on the tape', () => {
  const bitsOf = (t: Tensor): number[] => Array.from(new Uint32Array(t.dataSync().buffer));

  test('matMul: gradients for all four transpose cases match finite differences', () => {
    // L = sum(W * op(A) op(B)) with a fixed weight W, so every entry of dC differs.
    const M = 3, K = 4, N = 5;
    const wv = uniform(M * N, -1, 1, 11);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const av = uniform(M * K, -1, 1, 12), bv = uniform(K * N, -1, 1, 13);
      const a = tensor(av, ta ? [K, M] : [M, K]), b = tensor(bv, tb ? [N, K] : [K, N]), w = tensor(wv, [M, N]);
      const g = valueAndGrads(() => sum(mul(matMul(a, b, ta, tb), w)), [a, b]);
      const at = (x: Float64Array, i: number, k: number): number => (ta ? x[k * M + i] : x[i * K + k]);
      const bt = (x: Float64Array, k: number, j: number): number => (tb ? x[j * K + k] : x[k * N + j]);
      const ref = ([x, y]: Float64Array[]): number => {
        let l = 0;
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let c = 0;
          for (let k = 0; k < K; k++) c += at(x, i, k) * bt(y, k, j);
          l += wv[i * N + j] * c;
        }
        return l;
      };
      expect(g.grads.map((t) => t.shape)).toEqual([a.shape, b.shape]);
      expectGrads(`matMul transposeA=${ta} transposeB=${tb}`, g.grads, numericGrad(ref, [Float64Array.from(av), Float64Array.from(bv)]));
      for (const t of [a, b, w, g.value, ...g.grads]) t.dispose();
    }
  });

  test('dense: the same bits on and off the tape, and the gradients of linear then the activation', () => {
    const x = tensor(uniform(6 * 7, -2, 2, 14), [6, 7]), w = tensor(uniform(7 * 5, -1, 1, 15), [7, 5]), b = tensor(uniform(5, -1, 1, 16), [5]);
    for (const act of [undefined, 'gelu', 'prelu'] as const) {
      const params = act === 'prelu' ? { alpha: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5]) } : undefined;
      const plain = dense(x, w, b, act, params);
      const taped = valueAndGrads(() => dense(x, w, b, act, params), [x, w, b]);
      const alpha = act === 'prelu' ? tensor([0.1, 0.2, 0.3, 0.4, 0.5], [5]) : undefined;
      const composed = valueAndGrads(() => {
        const z = linear(x, w, b);
        return act === undefined ? z : activation(z, act, alpha ? { alpha } : {});
      }, [x, w, b]);
      expect(bitsOf(taped.value), `dense ${act} forward on the tape`).toEqual(bitsOf(plain));
      expect(bitsOf(composed.value), `dense ${act} forward as linear + activation`).toEqual(bitsOf(plain));
      taped.grads.forEach((g, i) => expect(bitsOf(g), `dense ${act} gradient ${i}`).toEqual(bitsOf(composed.grads[i])));
      expect(taped.grads.some((g) => g.dataSync().some((v) => v !== 0))).toBe(true);
      for (const t of [plain, taped.value, composed.value, ...taped.grads, ...composed.grads]) t.dispose();
      alpha?.dispose();
    }
    for (const t of [x, w, b]) t.dispose();
  });

  test('flatten and Tensor.reshape pass gradients back in the input shape', () => {
    const x = tensor([1, 2, 3, 4], [1, 2, 2]);
    const [g1] = grads(() => sum(mul(flatten(x), flatten(x))), [x]);
    const [g2] = grads(() => sum(square(x.reshape([4]))), [x]);
    expect([Array.from(g1.dataSync()), g1.shape]).toEqual([[2, 4, 6, 8], [1, 2, 2]]);
    expect([Array.from(g2.dataSync()), g2.shape]).toEqual([[2, 4, 6, 8], [1, 2, 2]]);
    for (const t of [x, g1, g2]) t.dispose();
  });

  test('tidy returning a view of a tensor it made keeps the view alive, and disposing the view frees both', () => {
    const x = tensor([1, -2, 3, -4], [1, 2, 2]);
    const before = memoryStats().liveBlocks;
    const v = tidy(() => flatten(flatten(activation(x, 'relu'))));
    expect([v.isDisposed, Array.from(v.dataSync()), v.shape]).toEqual([false, [1, 0, 3, 0], [1, 4]]);
    expect(memoryStats().liveBlocks).toBe(before + 1);
    v.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
    // A view of an outer tensor leaves that tensor alone.
    const u = tidy(() => flatten(x));
    u.dispose();
    expect(x.isDisposed).toBe(false);
    const r = valueAndGrads(() => flatten(mul(x, x)), [x]);
    expect(Array.from(r.value.dataSync())).toEqual([1, 4, 9, 16]);
    r.value.dispose(); r.grads.forEach((t) => t.dispose());
    expect(memoryStats().liveBlocks).toBe(before);
    x.dispose();
  });

  test('grads of a function that returns a tensor it did not make leaves that tensor alive', () => {
    const x = tensor([1, 2]), other = tensor([5]);
    const [gx] = grads(() => x, [x]);
    const [gw] = grads(() => other, [x]);
    expect([x.isDisposed, other.isDisposed]).toEqual([false, false]);
    expect([Array.from(gx.dataSync()), Array.from(gw.dataSync())]).toEqual([[1, 1], [0, 0]]);
    const r = valueAndGrads(() => x, [x]);
    expect(r.value).not.toBe(x);
    r.value.dispose();
    expect(Array.from(x.dataSync())).toEqual([1, 2]);
    for (const t of [x, other, gx, gw, ...r.grads]) t.dispose();
  });

  test('a scalar that float32 turns into 0 or Infinity is refused, not computed with', () => {
    const x = tensor([1, 2, 3], [1, 3]);
    expect(() => softmax(new Float32Array([1, 2, 3]), 3, 1e-50)).toThrow("actlab: softmax: temperature = 1e-50 is 0 in float32, the kernels' type: expected a value from 1.4e-45 to 3.4e38");
    expect(() => softmaxOp(x, 1e39)).toThrow('actlab: softmax: temperature = 1e+39 is Infinity in float32');
    expect(() => byteTable(1e-50)).toThrow('actlab: byteTable: divisor = 1e-50 is 0 in float32');
    expect(() => affine(x, 1e39)).toThrow("actlab: affine: alpha = 1e+39 is Infinity in float32, the kernels' type: expected a value within +-3.4e38");
    const y = affine(x, 1e-50, -0);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0]);
    for (const t of [x, y]) t.dispose();
  });
});
