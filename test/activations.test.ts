// Every registry activation: forward and derivative against the float64 reference over a
// dense sweep, the size sweep (SIMD body + tail, in place), finite differences, parameter
// gradients, extreme values and parameter validation.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, activations, ACTIVATIONS, ACTIVATION_NAMES, type Activation, type ActivationName } from '../src/index.js';
import { rt } from '../src/core/wasm.js';
import { resolveParams, withKernelArgs } from '../src/activations/index.js';
import { close, nextDown, nextUp, ulpDistance } from './helpers/accuracy.js';
import { uniform } from './helpers/random.js';

const wrong = <T>(v: unknown): T => v as T;

beforeAll(async () => { await init(); });

/** Non-default parameter sets each activation is also tested with. */
const VARIANTS: Record<string, Record<string, number>[]> = {
  leakyRelu: [{ alpha: 0.2 }, { alpha: 0 }],
  prelu: [{ alpha: 0.05 }, { alpha: -0.3 }],
  elu: [{ alpha: 0.5 }, { alpha: 2.5 }],
  celu: [{ alpha: 0.7 }, { alpha: 3 }],
  swish: [{ beta: 2 }, { beta: 1.7 }, { beta: -0.6 }, { beta: 0 }],
  scaledSwish: [{ alpha: 1.3, beta: 0.7 }, { alpha: -2, beta: 2.5 }],
  softplus: [{ beta: 2, threshold: 10 }, { beta: 0.3, threshold: 20 }],
  hardSigmoid: [{ slope: 0.2, offset: 0.5 }],
  hardTanh: [{ min: -2, max: 3 }, { min: 0.25, max: 0.5 }],
  softShrink: [{ lambda: 1.3 }, { lambda: 0 }],
  hardShrink: [{ lambda: 1.3 }, { lambda: 0 }],
};

/**
 * Each parameter at a closed, finite end of its range (0 for NON_NEGATIVE), the others at
 * their defaults: a new row is tested where its formula degenerates (b = 0 in squareplus'
 * (1 + x / sqrt(x^2 + b)) / 2 is 0/0 at x = 0) without an entry in VARIANTS.
 */
function boundarySets(row: Activation): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const p of row.params) {
    if (p.perChannel) continue;
    for (const [v, open] of [[p.min, p.minOpen], [p.max, p.maxOpen]] as const) {
      if (open || !Number.isFinite(v) || v === p.default) continue;
      const set = { [p.name]: v };
      if (row.check?.(row.params.map((q) => Math.fround(set[q.name] ?? q.default))) === undefined) out.push(set);
    }
  }
  return out;
}

function paramSets(row: Activation): Record<string, number>[] {
  const sets = [{}, ...(VARIANTS[row.name] ?? [])];
  const seen = new Set(sets.map((p) => JSON.stringify(p)));
  return [...sets, ...boundarySets(row).filter((p) => !seen.has(JSON.stringify(p)))];
}

/** Scalar parameter values as the reference takes them: float32, in row order. */
function refParams(row: Activation, p: Record<string, number>): number[] {
  return row.params.map((s) => Math.fround(p[s.name] ?? s.default));
}

/** The dense sweep: every 1/1024 step on [-100, 100], decades from 1e-45 to 3e38, and specials. */
function sweep(): Float32Array {
  const xs: number[] = [];
  for (let i = -102400; i <= 102400; i++) xs.push(i / 1024);
  for (let e = -45; e <= 38; e += 0.125) xs.push(10 ** e, -(10 ** e));
  xs.push(1e4, -1e4, Infinity, -Infinity, NaN, -0, 0, 3.4028234e38, -3.4028234e38, 1.4e-45, -1.4e-45, 1.17549435e-38);
  return new Float32Array(xs);
}

/** At a kink of f' any one-sided value is right: accept the reference one float32 step either side. */
function derivativeOk(row: Activation, x: number, p: number[], got: number): boolean {
  for (const at of [x, nextDown(x), nextUp(x)]) {
    const r = row.reference(at, p);
    if (close(got, r.df, 4, 1e-6, r.dfScale ?? 0)) return true;
  }
  return false;
}

describe.each(ACTIVATIONS.map((row) => [row.name, row] as const))('%s', (_, row) => {
  const x = sweep();

  test.each(paramSets(row).map((p) => [JSON.stringify(p), p] as const))(
    'forward and derivative within 4 ulp or 1e-6 of float64 over the sweep, params %s', (_, params) => {
      const p = refParams(row, params);
      const y = activations.apply(row.name, x, params);
      const d = activations.derivative(row.name, x, params);
      const bad: string[] = [];
      for (let i = 0; i < x.length && bad.length < 5; i++) {
        if (Number.isNaN(x[i])) {
          if (!Number.isNaN(y[i]) || !Number.isNaN(d[i])) bad.push(`NaN input gave f=${y[i]} f'=${d[i]}`);
          continue;
        }
        const r = row.reference(x[i], p);
        if (!close(y[i], r.f)) {
          bad.push(`f(${x[i]}) = ${y[i]}, expected ${r.f} (${ulpDistance(y[i], Math.fround(r.f))} ulp)`);
        }
        if (!derivativeOk(row, x[i], p, d[i])) {
          bad.push(`f'(${x[i]}) = ${d[i]}, expected ${r.df} (${ulpDistance(d[i], Math.fround(r.df))} ulp)`);
        }
      }
      expect(bad, `${row.name} ${JSON.stringify(params)}`).toEqual([]);
    });

  test('derivative matches central finite differences of the float64 function', () => {
    for (const params of paramSets(row)) {
      const p = refParams(row, params);
      const xs = uniform(2000, -12, 12, 7);
      const d = activations.derivative(row.name, xs, params);
      for (let i = 0; i < xs.length; i++) {
        const v = xs[i], h = 1e-5 * Math.max(1, Math.abs(v));
        const lo = row.reference(v - h, p).f, hi = row.reference(v + h, p).f;
        const fd = (hi - lo) / (2 * h);
        // A kink inside [v-h, v+h] makes the difference quotient meaningless there.
        const kink = Math.abs(row.reference(v - h, p).df - row.reference(v + h, p).df) > 1e-3 * (1 + Math.abs(fd));
        if (kink) continue;
        const scale = row.reference(v, p).dfScale ?? Math.abs(fd);
        expect(Math.abs(d[i] - fd), `${row.name} ${JSON.stringify(params)} f'(${v}): kernel ${d[i]}, finite difference ${fd}`)
          .toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
      }
    }
  });

  test('size sweep 1..1000003: SIMD body and tail, in place and not, bytes past the end untouched', () => {
    const { kernels, heap } = rt();
    const params = paramSets(row).at(-1) ?? {};
    const p = refParams(row, params);
    const resolved = resolveParams(row, params);
    for (const n of [1, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1000003]) {
      const xs = uniform(n, -20, 20, n);
      const dy = uniform(n, -2, 2, n + 1);
      const SENT = 12345.678;
      // n + 8 slots: the last 8 are sentinels a kernel must not write.
      const px = heap.alloc((n + 8) * 4), py = heap.alloc((n + 8) * 4), pg = heap.alloc((n + 8) * 4);
      try {
        withKernelArgs(heap, resolved, n, 1, row.name, (a) => {
          heap.f32(px, n + 8).fill(SENT).set(xs);
          heap.f32(py, n + 8).fill(SENT);
          row.forward(kernels, n, px, py, a);
          const y = heap.f32(py, n + 8).slice();
          // In place: y written over x.
          row.forward(kernels, n, px, px, a);
          const yIn = heap.f32(px, n + 8).slice();
          heap.f32(px, n).set(xs);
          heap.f32(pg, n + 8).fill(SENT).set(dy);
          row.backward(kernels, n, px, pg, py, a);
          const dx = heap.f32(py, n + 8).slice();
          row.backward(kernels, n, px, pg, pg, a);
          const dxIn = heap.f32(pg, n + 8).slice();
          for (let j = n; j < n + 8; j++) {
            expect(yIn[j], `${row.name} n=${n}: forward wrote past the end at ${j}`).toBe(Math.fround(SENT));
            expect(dxIn[j], `${row.name} n=${n}: backward wrote past the end at ${j}`).toBe(Math.fround(SENT));
          }
          expect(Buffer.from(yIn.buffer).equals(Buffer.from(y.buffer)), `${row.name} n=${n}: in-place forward differs`).toBe(true);
          expect(Buffer.from(dxIn.buffer).equals(Buffer.from(dx.buffer)), `${row.name} n=${n}: in-place backward differs`).toBe(true);
          // Check the reference on every element of small sizes, a stride of the large one.
          const step = n > 1000 ? 97 : 1;
          for (let i = 0; i < n; i += step) {
            const r = row.reference(xs[i], p);
            if (!close(y[i], r.f)) expect.fail(`${row.name} n=${n} index ${i}: f(${xs[i]}) = ${y[i]}, expected ${r.f}`);
            if (!derivativeOk(row, xs[i], p, dx[i] / dy[i]) && !close(dx[i], dy[i] * r.df, 4, 2e-6, Math.abs(dy[i]) * (r.dfScale ?? 0))) {
              expect.fail(`${row.name} n=${n} index ${i}: dy*f'(${xs[i]}) = ${dx[i]}, expected ${dy[i] * r.df}`);
            }
          }
        });
      } finally {
        heap.free(pg); heap.free(py); heap.free(px);
      }
    }
  });

  if (row.paramGrad !== undefined) {
    test('parameter gradients match the reference and finite differences', () => {
      const learnable = row.params.filter((s) => s.learnable);
      for (const params of paramSets(row)) {
        const p = refParams(row, params);
        const xs = uniform(1001, -8, 8, 11), dy = uniform(1001, -1, 1, 12);
        const g = activations.paramGradients(row.name, xs, dy, params);
        learnable.forEach((spec) => {
          const k = row.params.indexOf(spec);
          let exact = 0, fd = 0, mag = 0;
          const h = 1e-6 * Math.max(1, Math.abs(p[k]));
          for (let i = 0; i < xs.length; i++) {
            const r = row.reference(xs[i], p);
            exact += dy[i] * (r.dp?.[learnable.indexOf(spec)] ?? NaN);
            mag += Math.abs(dy[i] * (r.dp?.[learnable.indexOf(spec)] ?? NaN));
            const up = [...p], dn = [...p];
            up[k] += h; dn[k] -= h;
            fd += dy[i] * (row.reference(xs[i], up).f - row.reference(xs[i], dn).f) / (2 * h);
          }
          const got = g[spec.name];
          const value = typeof got === 'number' ? got : got[0];
          expect(Math.abs(value - exact), `${row.name}.${spec.name} ${JSON.stringify(params)}: kernel ${value}, float64 ${exact}`)
            .toBeLessThanOrEqual(1e-6 * mag + 1e-6);
          expect(Math.abs(exact - fd), `${row.name}.${spec.name}: reference ${exact} vs finite difference ${fd}`)
            .toBeLessThanOrEqual(1e-5 * mag + 1e-6);
        });
      }
    });
  }
});

test("gelu' keeps 1e-6 relative accuracy at its root x = -0.75179..., not only relative to its terms", () => {
  // Phi(x) + x phi(x) cancels there; the sweep's tolerance scales with |Phi| + |x phi|, this one
  // with the result alone. 4001 consecutive floats centred on the root.
  const row = ACTIVATIONS.find((r) => r.name === 'gelu')!;
  const bits = new Int32Array(4001), x = new Float32Array(bits.buffer);
  const centre = new Int32Array(new Float32Array([-0.7517915]).buffer)[0];
  for (let i = 0; i < bits.length; i++) bits[i] = centre + i - 2000;
  const d = activations.derivative('gelu', x);
  const bad: string[] = [];
  let signChanges = 0;
  for (let i = 0; i < x.length; i++) {
    const want = row.reference(x[i], []).df;
    if (!close(d[i], want, 4, 1e-6)) bad.push(`gelu'(${x[i]}) = ${d[i]}, expected ${want}`);
    if (i > 0 && Math.sign(d[i]) !== Math.sign(d[i - 1])) signChanges++;
  }
  expect(bad.slice(0, 5)).toEqual([]);
  expect(signChanges).toBe(1);
});

test('hardSigmoid: where offset / slope overflows float32 (a subnormal slope), the float64 form takes over', () => {
  // The fast form shifts x by c = offset / slope held in two floats; c = 5e38 does not fit.
  const row = ACTIVATIONS.find((r) => r.name === 'hardSigmoid')!;
  const params = { slope: 1e-39, offset: 0.5 };
  const x = new Float32Array([-3e38, -1e38, -1, 0, 1, 1e38, 3e38]);
  const y = activations.apply('hardSigmoid', x, params);
  const p = refParams(row, params);
  expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(row.reference(v, p).f)));
  const d = activations.derivative('hardSigmoid', x, params);
  expect(Array.from(d)).toEqual(Array.from(x, (v) => Math.fround(row.reference(v, p).df)));
});

describe('extreme values', () => {
  const cases: [ActivationName, number, number][] = [
    ['sigmoid', -1000, 0], ['sigmoid', 1000, 1], ['sigmoid', -Infinity, 0], ['sigmoid', Infinity, 1],
    ['tanh', Infinity, 1], ['tanh', -Infinity, -1], ['tanh', 1e4, 1], ['tanh', -1e4, -1],
    ['softplus', 1000, 1000], ['softplus', -1000, 0], ['softplus', Infinity, Infinity],
    ['logSigmoid', -1000, -1000], ['logSigmoid', 1000, 0], ['logSigmoid', Infinity, 0],
    ['elu', -1000, -1], ['elu', -Infinity, -1], ['selu', -Infinity, -1.7580993408473766],
    ['gelu', -1000, 0], ['gelu', 1000, 1000], ['geluTanh', -1000, 0], ['geluTanh', 1000, 1000],
    ['swish', -1000, 0], ['swish', 1000, 1000], ['swish', -Infinity, 0], ['swish', Infinity, Infinity],
    ['mish', -1000, 0], ['mish', 1000, 1000], ['mish', -Infinity, 0],
    ['softsign', Infinity, 1], ['softsign', -Infinity, -1], ['exponential', -Infinity, 0],
    ['tanhShrink', 1e4, 9999], ['hardSwish', 3e38, 3e38],
  ];
  test.each(cases)('%s(%d) = %d', (name, x, expected) => {
    const y = activations.apply(name, new Float32Array([x]))[0];
    // == so that -0 (the sign a negative input leaves on a vanishing result) equals 0.
    expect(y == Math.fround(expected), `${name}(${x}) = ${y}, expected ${expected}`).toBe(true);
  });

  test('no NaN or Infinity where the math is finite, on |x| <= 1e4', () => {
    const xs = uniform(20000, -1e4, 1e4, 5);
    for (const row of ACTIVATIONS) {
      const p = refParams(row, {});
      const y = activations.apply(row.name, xs), d = activations.derivative(row.name, xs);
      for (let i = 0; i < xs.length; i++) {
        const r = row.reference(xs[i], p);
        if (Number.isFinite(Math.fround(r.f))) expect(Number.isFinite(y[i]), `${row.name}(${xs[i]}) = ${y[i]}`).toBe(true);
        if (Number.isFinite(Math.fround(r.df))) expect(Number.isFinite(d[i]), `${row.name}'(${xs[i]}) = ${d[i]}`).toBe(true);
      }
    }
  });

  test('odd functions keep the sign of zero; every activation maps -0 like +0', () => {
    for (const name of ['tanh', 'softsign', 'linear', 'hardTanh', 'tanhShrink', 'leakyRelu'] as const) {
      expect(Object.is(activations.apply(name, new Float32Array([-0]))[0], -0), `${name}(-0)`).toBe(true);
    }
    for (const row of ACTIVATIONS) {
      const [a, b] = activations.apply(row.name, new Float32Array([-0, 0]));
      expect(a === b, `${row.name}(-0) = ${a} but ${row.name}(+0) = ${b}`).toBe(true);
    }
  });

  test('NaN propagates through every forward and backward kernel', () => {
    for (const row of ACTIVATIONS) {
      const x = new Float32Array([1, NaN, -1, NaN, 0.5]);
      const y = activations.apply(row.name, x), d = activations.derivative(row.name, x);
      expect([Number.isNaN(y[1]), Number.isNaN(y[3]), Number.isNaN(d[1]), Number.isNaN(d[3])], row.name).toEqual([true, true, true, true]);
      expect(Number.isNaN(y[0]) || Number.isNaN(y[2]) || Number.isNaN(y[4]), `${row.name}: NaN leaked into a neighbour`).toBe(false);
    }
  });
});

describe('prelu per channel', () => {
  test('each channel uses its own alpha; the alpha gradient sums over rows', () => {
    const c = 5, rows = 7;
    const x = uniform(rows * c, -3, 3, 3), dy = uniform(rows * c, -1, 1, 4);
    const alpha = new Float32Array([0.1, -0.2, 0.3, 0.45, 2]);
    const y = activations.apply('prelu', x, { alpha });
    const d = activations.derivative('prelu', x, { alpha });
    const g = activations.paramGradients('prelu', x, dy, { alpha });
    const ga = g.alpha;
    if (typeof ga === 'number') throw new Error('expected a per-channel gradient');
    const expected = new Float64Array(c);
    for (let i = 0; i < x.length; i++) {
      const a = alpha[i % c];
      expect(y[i]).toBe(x[i] > 0 ? x[i] : Math.fround(a * x[i]));
      expect(d[i]).toBe(x[i] > 0 ? 1 : a);
      if (x[i] <= 0) expected[i % c] += dy[i] * x[i];
    }
    for (let j = 0; j < c; j++) expect(Math.abs(ga[j] - expected[j]), `channel ${j}`).toBeLessThan(1e-6);
  });

  test('a channel count that does not divide the length is an error', () => {
    expect(() => activations.apply('prelu', new Float32Array(7), { alpha: new Float32Array(3) }))
      .toThrow(/7 elements do not split into rows of 3 channels/);
  });
});

describe('registry and validation', () => {
  test('every row is complete and names are unique', () => {
    const names = new Set<string>();
    for (const row of ACTIVATIONS) {
      expect(names.has(row.name), `duplicate ${row.name}`).toBe(false);
      names.add(row.name);
      expect(row.formula.length > 0 && row.derivative.length > 0 && (row.paper ?? '').length > 0, row.name).toBe(true);
      for (const p of row.params) {
        expect(p.default >= p.min && p.default <= p.max, `${row.name}.${p.name} default outside its range`).toBe(true);
      }
    }
    expect(names.size).toBeGreaterThanOrEqual(26);
  });

  test('every activation with parameters is also tested away from its defaults', () => {
    // A new row with parameters needs VARIANTS (or a closed bound, added by boundarySets):
    // the sweep would otherwise run its defaults only.
    const untested = ACTIVATIONS.filter((row) => row.params.length > 0 && paramSets(row).length < 2).map((row) => row.name);
    expect(untested, 'add non-default parameter sets to VARIANTS in test/activations.test.ts').toEqual([]);
  });

  test('ACTIVATION_NAMES (the type ActivationName) lists the registry, in order', () => {
    expect([...ACTIVATION_NAMES]).toEqual(ACTIVATIONS.map((a) => a.name));
  });

  test('unknown activation lists the valid names', () => {
    expect(() => activations.apply(wrong<ActivationName>('swishh'), new Float32Array(1))).toThrow(/unknown activation 'swishh'; valid names: sigmoid, tanh, relu/);
  });

  test('a parameter out of range names the activation, parameter, value and range', () => {
    expect(() => activations.apply('elu', new Float32Array(1), { alpha: -1 }))
      .toThrow("activation 'elu' parameter 'alpha' = -1 is out of range: expected 0 <= alpha < Infinity");
    expect(() => activations.apply('softplus', new Float32Array(1), { beta: 0 })).toThrow(/'softplus' parameter 'beta' = 0 .* 0 < beta < Infinity/);
    expect(() => activations.apply('swish', new Float32Array(1), { beta: NaN })).toThrow(/'swish' parameter 'beta' = NaN/);
    expect(() => activations.apply('celu', new Float32Array(1), { alpha: Infinity })).toThrow(/'celu' parameter 'alpha' = Infinity/);
  });

  test('unknown parameters and cross-parameter rules are errors', () => {
    expect(() => activations.apply('relu', new Float32Array(1), { alpha: 1 })).toThrow("activation 'relu' has no parameter 'alpha'; its parameters: none");
    expect(() => activations.apply('hardTanh', new Float32Array(1), { min: 2, max: 1 })).toThrow(/min \(2\) must be below max \(1\)/);
    expect(() => activations.apply('elu', new Float32Array(1), { alpha: new Float32Array(2) })).toThrow(/must be a number/);
  });

  test('activations without learnable parameters refuse paramGradients', () => {
    expect(() => activations.paramGradients('relu', new Float32Array(1), new Float32Array(1))).toThrow(/no learnable parameters/);
  });
});
