// Property tests for GEMM and conv2d: random shapes (zero-size dimensions included),
// transposes, strides, dilations and paddings against float64 references. Tolerance: the
// float32 dot-product bound (K + 2) * 2^-24 * sum |a b| on every output (Higham's gamma_K).
import { beforeAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { init, tensor, matMul, conv2d, conv2dBackpropInput, conv2dBackpropFilter } from '../../src/index.js';
import { fuzz, timeoutFor } from './config.js';
import { outDims, refConv2d, refConv2dGradInput, refConv2dGradFilter, type ConvCase } from '../helpers/conv-reference.js';

beforeAll(async () => { await init(); });

const U = 2 ** -24;
const values = (n: number) => fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }).map(Math.fround), { minLength: n, maxLength: n });

function check(what: string, got: Float32Array, want: ArrayLike<number>, scale: ArrayLike<number>, k: number): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    const tol = (k + 2) * U * scale[i] * 1.01 + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}: index ${i}: got ${got[i]}, expected ${want[i]} (tolerance ${tol})`);
  }
}

describe('gemm fuzz', () => {
  const runs = 150;
  test(`matMul over random M, N, K in [0, 37] and transposes (${runs} cases)`, () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 37 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (M, N, K, ta, tb, seed) => {
        let s = seed;
        const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return Math.fround(((s >>> 8) / 2 ** 24) * 8 - 4); };
        const a = Float32Array.from({ length: M * K }, rnd), b = Float32Array.from({ length: K * N }, rnd);
        const at = tensor(a, ta ? [K, M] : [M, K]), bt = tensor(b, tb ? [N, K] : [K, N]);
        const c = matMul(at, bt, ta, tb);
        const want = new Float64Array(M * N), scale = new Float64Array(M * N);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) {
          const av = ta ? a[k * M + i] : a[i * K + k], bv = tb ? b[j * K + k] : b[k * N + j];
          want[i * N + j] += av * bv; scale[i * N + j] += Math.abs(av * bv);
        }
        check(`${M} x ${N} x ${K} transposeA=${ta} transposeB=${tb}`, c.dataSync(), want, scale, K);
        at.dispose(); bt.dispose(); c.dispose();
      }), fuzz(runs));
  }, timeoutFor(runs));
});

describe('conv2d fuzz', () => {
  const runs = 80;
  const caseArb = fc.record({
    n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }),
    cin: fc.integer({ min: 1, max: 5 }), cout: fc.integer({ min: 1, max: 9 }), kh: fc.integer({ min: 1, max: 9 }), kw: fc.integer({ min: 1, max: 9 }),
    sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
    pad: fc.constantFrom('valid' as const, 'same' as const),
  });
  test(`forward and both gradients over random shapes, strides, dilations, paddings (${runs} cases)`, () => {
    fc.assert(fc.property(caseArb.chain((c) => fc.tuple(fc.constant(c), values(c.n * c.h * c.w * c.cin), values(c.kh * c.kw * c.cin * c.cout))), ([c, xv, fv]) => {
      const cc: ConvCase = c;
      const d = outDims(cc);
      const label = JSON.stringify(c);
      const x = tensor(xv, [c.n, c.h, c.w, c.cin]), f = tensor(fv, [c.kh, c.kw, c.cin, c.cout]);
      try {
        const strides: [number, number] = [c.sh, c.sw], dil: [number, number] = [c.dh, c.dw];
        if (d === undefined) {
          // A window larger than the input under 'valid' padding: a clear error, nothing computed.
          let message = '';
          try { conv2d(x, f, strides, c.pad, dil).dispose(); } catch (e) { message = e instanceof Error ? e.message : String(e); }
          if (!message.startsWith('actlab: ')) throw new Error(`conv2d ${label}: expected an actlab error for a window larger than the input, got '${message}'`);
          return;
        }
        const y = conv2d(x, f, strides, c.pad, dil);
        const ref = refConv2d(cc, d, xv, fv);
        check(`conv2d ${label}`, y.dataSync(), ref.v, ref.scale, c.kh * c.kw * c.cin);
        const dyv = Float32Array.from(y.dataSync(), (v, i) => Math.fround(((i * 7919) % 13) / 6.5 - 1));
        const dy = tensor(dyv, y.shape);
        const gi = conv2dBackpropInput(x.shape, dy, f, strides, c.pad, dil);
        const ri = refConv2dGradInput(cc, d, dyv, fv);
        check(`conv2dBackpropInput ${label}`, gi.dataSync(), ri.v, ri.scale, c.kh * c.kw * c.cout);
        const gf = conv2dBackpropFilter(x, dy, f.shape, strides, c.pad, dil);
        const rf = refConv2dGradFilter(cc, d, xv, dyv);
        check(`conv2dBackpropFilter ${label}`, gf.dataSync(), rf.v, rf.scale, c.n * d.oh * d.ow);
        for (const t of [y, dy, gi, gf]) t.dispose();
      } finally {
        x.dispose(); f.dispose();
      }
    }), fuzz(runs));
  }, timeoutFor(runs, 50));
});
