// The tape: gradients of compositions of ops against central finite differences in
// float64, broadcasting gradients, tidy disposal, and the activation op's parameter grads.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, tensor, add, sub, mul, div, affine, square, sum, mean, reshape, valueAndGrads, grad, tidy, keep, memoryStats, type Tensor,
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
});
