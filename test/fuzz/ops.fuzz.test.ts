// Property tests for tensor ops: elementwise arithmetic with broadcasting (zero-size
// dimensions included) against exactly rounded float64, softmax / log-softmax against a
// float64 reference, random compositions of ops on the tape against float64 finite
// differences, and kernels called with n = 0 writing nothing.
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  init, tensor, add, sub, mul, div, affine, sum, softmax, logSoftmax, softmaxOp, logSoftmaxOp, activation,
  valueAndGrads, memoryStats, tidy, type Tensor,
} from '../../src/index.js';
import { rt } from '../../src/core/wasm.js';
import { fuzz, timeoutFor, f32Value, f32Array } from './config.js';

beforeAll(async () => { await init(); });

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** A shape of rank 0..3 with dimensions 0..5 (zero-size tensors are common). */
const shapeArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 });

/** A pair (a, b) where b broadcasts over a in one of the supported ways, or a over b, or neither. */
const pairArb = shapeArb.chain((a) => fc.oneof(
  fc.constant({ a, b: a, kind: 'same' }),
  fc.integer({ min: 0, max: a.length }).map((k) => ({ a, b: a.slice(a.length - k), kind: 'suffix' })),
  fc.constantFrom([], [1], [1, 1]).map((b) => ({ a, b, kind: 'one' })),
  fc.integer({ min: 0, max: a.length }).map((k) => ({ a: a.slice(a.length - k), b: a, kind: 'reverse' })),
  shapeArb.map((b) => ({ a, b, kind: 'random' })),
));

const OPS = [
  { name: 'add', op: add, f: (x: number, y: number) => x + y },
  { name: 'sub', op: sub, f: (x: number, y: number) => x - y },
  { name: 'mul', op: mul, f: (x: number, y: number) => x * y },
  { name: 'div', op: div, f: (x: number, y: number) => x / y },
] as const;

/** numpy-style: b broadcasts over a when it matches a's trailing dims or has one element; and the reverse. */
function expectedShape(a: readonly number[], b: readonly number[]): readonly number[] | undefined {
  const eq = (s: readonly number[], t: readonly number[]): boolean => s.length === t.length && s.every((d, i) => d === t[i]);
  const fits = (big: readonly number[], small: readonly number[]): boolean =>
    eq(big, small) || size(small) === 1 || (small.length <= big.length && eq(big.slice(big.length - small.length), small));
  if (fits(a, b)) return a;
  if (fits(b, a)) return b;
  return undefined;
}

describe('elementwise ops with broadcasting', () => {
  test.each(OPS)('$name: every element is the exactly rounded float64 result; bad shapes name both', ({ name, op, f }) => {
    fc.assert(fc.property(pairArb, f32Array(f32Value(), 125, 125), f32Array(f32Value(), 125, 125), ({ a, b }, av, bv) => {
      const ta = tensor(av.subarray(0, size(a)), a), tb = tensor(bv.subarray(0, size(b)), b);
      try {
        const want = expectedShape(a, b);
        if (want === undefined) {
          expect(() => op(ta, tb)).toThrow(`actlab: ${name}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
          return;
        }
        const y = op(ta, tb);
        expect(y.shape).toEqual(want);
        const out = y.dataSync();
        const ya = size(want), na = size(a), nb = size(b);
        for (let i = 0; i < ya; i++) {
          // Flat index into each operand: the trailing elements of the output repeat.
          const x1 = av[na === ya ? i : i % Math.max(na, 1)], x2 = bv[nb === ya ? i : i % Math.max(nb, 1)];
          const r = Math.fround(f(x1, x2));
          if (!same(out[i], r)) expect.fail(`${name} ${JSON.stringify(a)} . ${JSON.stringify(b)} at ${i}: ${x1} ${name} ${x2} = ${out[i]}, expected ${r}`);
        }
        y.dispose();
      } finally {
        ta.dispose(); tb.dispose();
      }
    }), fuzz(500));
  }, timeoutFor(500));
});

/** float64 softmax / log-softmax of one row with the kernel's max shift (NaN anywhere in the row gives NaN). */
function refRow(x: Float32Array, t: number): { p: number[]; lp: number[] } {
  let m = -Infinity;
  for (const v of x) m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v);
  // The kernel subtracts in float32 first: a row spanning more than FLT_MAX (3e38 and -3e38)
  // overflows to -Inf there even at T = 1e30, a documented limit; the reference does the same.
  const z = Array.from(x, (v) => Math.fround(v - m) / t);
  const s = z.reduce((acc, v) => acc + Math.exp(v), 0);
  return { p: z.map((v) => Math.exp(v) / s), lp: z.map((v) => v - Math.log(s)) };
}

const tempArb = fc.oneof(
  fc.float({ min: Math.fround(0.05), max: 20, noNaN: true }),
  fc.constantFrom(1, Math.fround(1e-30), Math.fround(1e30), Math.fround(0.5)),
);

describe('softmax and log-softmax', () => {
  test('rows x cols (1 included) at random temperatures and extremes match float64; the tensor ops give the same bits', () => {
    const dims = fc.record({ rows: fc.integer({ min: 0, max: 5 }), cols: fc.integer({ min: 1, max: 11 }) });
    fc.assert(fc.property(dims, tempArb, f32Array(f32Value(), 55, 55), ({ rows, cols }, t, all) => {
      const x = all.subarray(0, rows * cols);
      const p = softmax(x, cols, t), lp = logSoftmax(x, cols, t);
      for (let r = 0; r < rows; r++) {
        const ref = refRow(x.subarray(r * cols, (r + 1) * cols), Math.fround(t));
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j, where = `rows ${rows} cols ${cols} T ${t} row ${r} col ${j} (x = ${x[i]})`;
          if (Number.isNaN(ref.p[j])) {
            expect(Number.isNaN(p[i]), `${where}: softmax ${p[i]}, expected NaN`).toBe(true);
            continue;
          }
          expect(Math.abs(p[i] - ref.p[j]), `${where}: softmax ${p[i]}, expected ${ref.p[j]}`).toBeLessThanOrEqual(2e-6);
          if (Number.isFinite(Math.fround(ref.lp[j]))) {
            expect(Math.abs(lp[i] - ref.lp[j]), `${where}: logSoftmax ${lp[i]}, expected ${ref.lp[j]}`)
              .toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref.lp[j])));
          } else {
            // Beyond float32's range (x - max)/T overflows to -Inf in the kernel, as it must.
            expect(lp[i], `${where}: logSoftmax`).toBe(Math.fround(ref.lp[j]));
          }
        }
      }
      if (rows > 0) {
        const tx = tensor(x, [rows, cols]);
        const a = softmaxOp(tx, t), b = logSoftmaxOp(tx, t);
        expect(Buffer.from(a.dataSync().buffer).equals(Buffer.from(p.buffer))).toBe(true);
        expect(Buffer.from(b.dataSync().buffer).equals(Buffer.from(lp.buffer))).toBe(true);
        for (const v of [tx, a, b]) v.dispose();
      }
    }), fuzz(1000));
  }, timeoutFor(1000));
});

// ---- random programs on the tape ----------------------------------------------------------

type Step =
  | { op: 'add' | 'sub' | 'mul' | 'safeDiv'; i: number; j: number }
  | { op: 'affine'; i: number; alpha: number; beta: number }
  | { op: 'tanh' | 'sigmoid' | 'softmax' | 'bias' | 'scale'; i: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const, 'safeDiv' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ op: fc.constant('affine' as const), i: fc.nat(), alpha: fc.constantFrom(-2, -0.5, 0.5, 1.5), beta: fc.constantFrom(0, 1, -0.25) }),
  fc.record({ op: fc.constantFrom('tanh' as const, 'sigmoid' as const, 'softmax' as const, 'bias' as const, 'scale' as const), i: fc.nat() }),
);

/** Runs a program on values of type V: vals starts as [x, y]; each step appends one value. */
interface Alg<V> {
  add(a: V, b: V): V; sub(a: V, b: V): V; mul(a: V, b: V): V; safeDiv(a: V, b: V): V;
  affine(a: V, alpha: number, beta: number): V; tanh(a: V): V; sigmoid(a: V): V; softmax(a: V): V;
  bias(a: V): V; scale(a: V): V;
}
function runProgram<V>(alg: Alg<V>, start: V[], steps: readonly Step[]): V {
  const vals = [...start];
  for (const s of steps) {
    const a = vals[s.i % vals.length];
    switch (s.op) {
      case 'add': case 'sub': case 'mul': case 'safeDiv': vals.push(alg[s.op](a, vals[s.j % vals.length])); break;
      case 'affine': vals.push(alg.affine(a, s.alpha, s.beta)); break;
      default: vals.push(alg[s.op](a));
    }
  }
  return vals[vals.length - 1];
}

describe('gradient tape', () => {
  test('random compositions: gradients w.r.t. x, y, a bias and a scalar match float64 central differences; nothing leaks', () => {
    const dims = fc.record({ rows: fc.integer({ min: 1, max: 3 }), cols: fc.integer({ min: 1, max: 5 }) });
    const vals = f32Array(fc.float({ min: -2, max: 2, noNaN: true }), 15 + 15 + 5 + 1 + 15, 15 + 15 + 5 + 1 + 15);
    fc.assert(fc.property(dims, fc.array(stepArb, { minLength: 1, maxLength: 7 }), vals, ({ rows, cols }, steps, v) => {
      const n = rows * cols;
      const X = v.subarray(0, n), Y = v.subarray(15, 15 + n), B = v.subarray(30, 30 + cols), S = v.subarray(35, 36), W = v.subarray(36, 36 + n);
      const before = memoryStats().liveBytes;
      const x = tensor(X, [rows, cols]), y = tensor(Y, [rows, cols]), b = tensor(B, [cols]), s = tensor(S, []), w = tensor(W, [rows, cols]);
      const one = tensor([1], []);
      const tensorAlg: Alg<Tensor> = {
        add, sub, mul, safeDiv: (p, q) => div(p, add(mul(q, q), one)), affine,
        tanh: (p) => activation(p, 'tanh'), sigmoid: (p) => activation(p, 'sigmoid'), softmax: (p) => softmaxOp(p),
        bias: (p) => add(p, b), scale: (p) => mul(p, s),
      };
      const { value, grads } = valueAndGrads(() => sum(mul(runProgram(tensorAlg, [x, y], steps), w)), [x, y, b, s]);
      // float64 twin of the same program over flat arrays.
      const f64 = (xs: Float64Array[]): number => {
        const [fx, fy, fb, fs] = xs;
        const map = (p: Float64Array, f: (u: number, i: number) => number): Float64Array => p.map((u, i) => f(u, i));
        const alg: Alg<Float64Array> = {
          add: (p, q) => map(p, (u, i) => u + q[i]), sub: (p, q) => map(p, (u, i) => u - q[i]),
          mul: (p, q) => map(p, (u, i) => u * q[i]), safeDiv: (p, q) => map(p, (u, i) => u / (q[i] * q[i] + 1)),
          affine: (p, al, be) => map(p, (u) => Math.fround(al) * u + Math.fround(be)),
          tanh: (p) => map(p, Math.tanh), sigmoid: (p) => map(p, (u) => 1 / (1 + Math.exp(-u))),
          softmax: (p) => {
            const out = new Float64Array(p.length);
            for (let r = 0; r < rows; r++) {
              const row = p.subarray(r * cols, (r + 1) * cols), m = Math.max(...row);
              const e = row.map((u) => Math.exp(u - m)), t = e.reduce((a2, c) => a2 + c, 0);
              out.set(e.map((u) => u / t), r * cols);
            }
            return out;
          },
          bias: (p) => map(p, (u, i) => u + fb[i % cols]), scale: (p) => map(p, (u) => u * fs[0]),
        };
        const out = runProgram(alg, [fx, fy], steps);
        return out.reduce((acc, u, i) => acc + u * W[i], 0);
      };
      const base = [X, Y, B, S].map((a) => Float64Array.from(a));
      const where = `program ${JSON.stringify(steps)} on [${rows}, ${cols}]`;
      const ref = f64(base);
      expect(Math.abs(value.dataSync()[0] - ref), `${where}: value ${value.dataSync()[0]}, float64 ${ref}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(ref)));
      grads.forEach((g, k) => {
        const got = g.dataSync();
        for (let i = 0; i < base[k].length; i++) {
          const h = 1e-6, up = base.map((a) => Float64Array.from(a)), dn = base.map((a) => Float64Array.from(a));
          up[k][i] += h; dn[k][i] -= h;
          const fd = (f64(up) - f64(dn)) / (2 * h);
          expect(Math.abs(got[i] - fd), `${where}: d/d${'xybs'[k]}[${i}] = ${got[i]}, finite difference ${fd}`)
            .toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(fd)));
        }
      });
      for (const t of [x, y, b, s, w, one, value, ...grads]) t.dispose();
      expect(memoryStats().liveBytes, `${where}: live bytes after disposing everything`).toBe(before);
    }), fuzz(300));
  }, timeoutFor(300, 60));

  test('zero-size tensors flow through ops, tidy and the tape', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }).filter((s) => size(s) === 0), (shape) => {
      const before = memoryStats().liveBytes;
      const x = tensor([], shape);
      const out = tidy(() => {
        const { value, grads } = valueAndGrads(() => sum(mul(affine(x, 2, 1), activation(x, 'gelu'))), [x]);
        return { v: value.dataSync()[0], g: grads[0].shape };
      });
      expect(out.v).toBe(0);
      expect(out.g).toEqual(shape);
      x.dispose();
      expect(memoryStats().liveBytes).toBe(before);
    }), fuzz(100));
  });
});

describe('kernels with n = 0 write nothing', () => {
  test('elementwise, activation, softmax, loss, optimizer and check kernels leave a sentinel block untouched', () => {
    const { heap, kernels: k } = rt();
    const p = heap.alloc(64), q = heap.alloc(64), r = heap.alloc(64), s = heap.alloc(64);
    const SENT = Math.fround(12345.678);
    const fill = (): void => { for (const b of [p, q, r, s]) heap.f32(b, 16).fill(SENT); };
    const check = (what: string): void => {
      for (const b of [p, q, r, s]) heap.f32(b, 16).forEach((v, i) => { if (v !== SENT) expect.fail(`${what} with n = 0 wrote ${v} at ${i}`); });
    };
    const calls: [string, () => void][] = [
      ['f32_add cols 1', () => k.f32_add(0, 1, p, q, r)], ['f32_mul cols 3', () => k.f32_mul(0, 3, p, q, r)],
      ['f32_affine', () => k.f32_affine(0, p, q, 2, 1)], ['f32_axpy', () => k.f32_axpy(0, p, q, 2)],
      ['f32_fill', () => k.f32_fill(0, p, 0)], ['f32_copy', () => k.f32_copy(0, p, q)],
      ['f32_sigmoid', () => k.f32_sigmoid(0, p, q)], ['f32_gelu_grad', () => k.f32_gelu_grad(0, p, q, r)],
      ['f32_prelu', () => k.f32_prelu(0, 3, p, q, r)], ['f32_prelu_grad', () => k.f32_prelu_grad(0, 3, p, q, r, s)],
      ['f32_softmax rows 0', () => k.f32_softmax(0, 5, p, q, 1)], ['f32_log_softmax rows 0', () => k.f32_log_softmax(0, 5, p, q, 1)],
      ['f32_softmax_grad rows 0', () => k.f32_softmax_grad(0, 5, p, q, r, 1)],
      ['f32_sgd_update', () => k.f32_sgd_update(0, p, q, 0.1, 0)], ['f32_adam_update', () => k.f32_adam_update(0, p, q, r, s, 0.1, 0.9, 0.999, 1e-7, 0, 1, 0)],
      ['f32_rmsprop_update', () => k.f32_rmsprop_update(0, p, q, r, s, s, 0.1, 0.9, 0.5, 1e-7, 0)],
      ['f32_mse', () => k.f32_mse(0, p, q, r)], ['f32_bce_grad', () => k.f32_bce_grad(0, p, q, r, 1)],
      ['f32_clip_by_value', () => k.f32_clip_by_value(0, p, q, 1)],
    ];
    try {
      for (const [what, call] of calls) { fill(); call(); check(what); }
      fill();
      expect(k.f32_first_non_finite(0, p)).toBe(-1);
    } finally {
      for (const b of [p, q, r, s]) heap.free(b);
    }
  });
});
