// sgemm against a float64 naive reference (sizes around the 4 x 8 tile, odd leading
// dimensions with sentinels in the gaps, all transposes, alpha/beta, bias), the row-split
// determinism the kernel promises, the fused dense epilogue for every registry activation,
// and matMul against tfjs-backend-wasm 4.22.0 in the same process.
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ACTIVATIONS, activations, dense, init, matMul, memoryStats, tensor, type ActivationName, type ActivationParams } from '../src/index.js';
import { rt } from '../src/core/wasm.js';
import { mulberry32, uniformF32 } from './helpers/rng.js';
import { runRawGemm } from './helpers/raw-gemm.js';

const wrong = <T>(v: unknown): T => v as T;

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 127];
const TRANSPOSES: ReadonlyArray<readonly [boolean, boolean]> = [[false, false], [false, true], [true, false], [true, true]];
/** Unit roundoff of float32. */
const U = 2 ** -24;
/** Written into every gap between rows of C and past its end; must survive every call. */
const SENTINEL = -7777.25;
const TRAIL = 8;
const MAX_REPORTED = 5;

/**
 * The error bound the result must meet. Each C element is a float32 recursive sum of K
 * rounded products, so |fl(a.b) - a.b| <= gamma_K sum_k |a_ik b_kj| with gamma_K =
 * K u / (1 - K u) (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5);
 * alpha *, beta * C, + beta C and + bias add at most four more roundings, each at most u
 * of the same sum of magnitudes. The 1.01 covers the 1/(1 - K u) factor for K <= 10^5.
 * Typical errors are about sqrt(K) u, so this bound is tight enough to catch a wrong
 * index, a lost term or a term counted twice, and never flaky.
 */
function tolerance(K: number, scale: number): number { return 1.01 * (K + 4) * U * scale; }

interface GemmCase {
  readonly M: number; readonly N: number; readonly K: number;
  readonly transA: boolean; readonly transB: boolean;
  /** Extra elements per stored row beyond the minimum (the gap). */
  readonly padA: number; readonly padB: number; readonly padC: number;
  readonly alpha: number; readonly beta: number;
  readonly bias: boolean;
  readonly seed: number;
  /** Fraction of op(A)'s values set to +0 (exercises the zero skipping). */
  readonly zerosA?: number;
}

function describeCase(c: GemmCase, lda: number, ldb: number, ldc: number): string {
  return `${c.M} x ${c.N} x ${c.K} transA=${c.transA} transB=${c.transB} lda=${lda} ldb=${ldb} ldc=${ldc} ` +
    `alpha=${c.alpha} beta=${c.beta}${c.bias ? ' +bias' : ''}`;
}

/** A stored r x cols matrix with leading dimension ld: random values, NaN in the gaps. */
function stored(next: () => number, rows: number, cols: number, ld: number): Float32Array {
  const out = new Float32Array(rows * ld).fill(NaN);
  const v = uniformF32(next, rows * cols);
  for (let r = 0; r < rows; r++) out.set(v.subarray(r * cols, (r + 1) * cols), r * ld);
  return out;
}

/** Runs one case through f32_gemm (or f32_gemm_packed when it has a bias); returns failure messages. */
function runGemm(c: GemmCase): string[] {
  const { M, N, K, transA, transB, alpha, beta } = c;
  const next = mulberry32(c.seed);
  const [rowsA, colsA] = transA ? [K, M] : [M, K];
  const [rowsB, colsB] = transB ? [N, K] : [K, N];
  const lda = colsA + c.padA, ldb = colsB + c.padB, ldc = N + c.padC;
  const a = stored(next, rowsA, colsA, lda);
  const b = stored(next, rowsB, colsB, ldb);
  if (c.zerosA !== undefined) for (let r = 0; r < rowsA; r++) for (let k = 0; k < colsA; k++) if (next() < c.zerosA) a[r * lda + k] = 0;
  const bias = uniformF32(next, N);
  // C: gaps and the tail hold the sentinel; with beta = 0 the elements hold NaN, which must never be read.
  const c0 = new Float32Array(M * ldc + TRAIL).fill(SENTINEL);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c0[i * ldc + j] = beta === 0 ? NaN : 2 * next() - 1;

  const out = runRawGemm({ M, N, K, transA, transB, alpha, beta, lda, ldb, ldc }, a, b, c0, c.bias ? bias : undefined);

  const fails: string[] = [];
  const name = describeCase(c, lda, ldb, ldc);
  const opA = (i: number, k: number): number => (transA ? a[k * lda + i] : a[i * lda + k]);
  const opB = (k: number, j: number): number => (transB ? b[j * ldb + k] : b[k * ldb + j]);
  for (let i = 0; i < M && fails.length < MAX_REPORTED; i++) {
    for (let j = 0; j < N && fails.length < MAX_REPORTED; j++) {
      let sum = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        const p = opA(i, k) * opB(k, j);
        sum += p;
        mag += Math.abs(p);
      }
      let expected = alpha * sum, scale = Math.abs(alpha) * mag;
      if (beta !== 0) {
        expected += beta * c0[i * ldc + j];
        scale += Math.abs(beta * c0[i * ldc + j]);
      }
      if (c.bias) {
        expected += bias[j];
        scale += Math.abs(bias[j]);
      }
      const actual = out[i * ldc + j];
      const tol = tolerance(K, scale);
      if (!(Math.abs(actual - expected) <= tol)) {
        fails.push(`${name}: C[${i}][${j}] (index ${i * ldc + j}) expected ${expected} actual ${actual} (tolerance ${tol.toExponential(2)})`);
      }
    }
  }
  for (let idx = 0; idx < out.length && fails.length < MAX_REPORTED; idx++) {
    const inside = idx < M * ldc && idx % ldc < N;
    if (!inside && !Object.is(out[idx], SENTINEL)) {
      fails.push(`${name}: index ${idx} outside the M x N result was overwritten: expected sentinel ${SENTINEL} actual ${out[idx]}`);
    }
  }
  return fails;
}

/** Bits of a float32 array, for exact comparisons that also treat NaN payloads and -0 exactly. */
function bits(x: Float32Array): Uint32Array { return new Uint32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength)); }

function firstBitDifference(name: string, cols: number, expected: Float32Array, actual: Float32Array): string | undefined {
  if (expected.length !== actual.length) return `${name}: ${actual.length} values, expected ${expected.length}`;
  const e = bits(expected), a = bits(actual);
  for (let i = 0; i < e.length; i++) {
    if (e[i] !== a[i]) {
      return `${name}: [${Math.floor(i / cols)}][${i % cols}] (index ${i}) expected ${expected[i]} (0x${e[i].toString(16)}) ` +
        `actual ${actual[i]} (0x${a[i].toString(16)})`;
    }
  }
  return undefined;
}

beforeAll(async () => {
  await init();
  const dir = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]*$/, '');
  setWasmPaths(dir);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm did not initialise');
});

describe('f32_gemm against a float64 reference', () => {
  for (const [transA, transB] of TRANSPOSES) {
    // Every (M, N, K) of the sweep: 3375 shapes, tight leading dimensions, alpha = 1, beta = 0.
    it(`full M x N x K cube of the size sweep, transA=${transA} transB=${transB}`, () => {
      const fails: string[] = [];
      let seed = 1;
      for (const M of SIZES) {
        for (const N of SIZES) {
          for (const K of SIZES) {
            if (fails.length >= MAX_REPORTED) break;
            fails.push(...runGemm({ M, N, K, transA, transB, padA: 0, padB: 0, padC: 0, alpha: 1, beta: 0, bias: false, seed: seed++ }));
          }
        }
      }
      expect(fails).toEqual([]);
    });

    // Every size on every axis, twice, with the other two drawn from the sweep; odd gaps
    // in every leading dimension, and alpha/beta/bias varied.
    it(`odd leading dimensions, alpha, beta (beta = 0 with NaN in C) and bias, transA=${transA} transB=${transB}`, () => {
      const next = mulberry32(transA ? (transB ? 11 : 12) : (transB ? 13 : 14));
      const pick = (): number => SIZES[Math.floor(next() * SIZES.length)];
      const alphas = [1, -0.5, 2.25, 0];
      const betas = [0, 1, -1.5, 0.75];
      const fails: string[] = [];
      let n = 0;
      for (let axis = 0; axis < 3; axis++) {
        for (const v of SIZES) {
          for (let rep = 0; rep < 2 && fails.length < MAX_REPORTED; rep++) {
            const dims = [pick(), pick(), pick()];
            dims[axis] = v;
            fails.push(...runGemm({
              M: dims[0], N: dims[1], K: dims[2], transA, transB,
              padA: 1 + 2 * Math.floor(next() * 3), padB: 1 + 2 * Math.floor(next() * 3), padC: 1 + 2 * Math.floor(next() * 3),
              alpha: alphas[n % alphas.length], beta: betas[Math.floor(n / 2) % betas.length], bias: n % 3 === 1, seed: 1000 + n,
            }));
            n++;
          }
        }
      }
      expect(fails).toEqual([]);
    });
  }

  it('K = 0 gives beta * C (+ bias), M = 0 or N = 0 writes nothing', () => {
    const fails: string[] = [];
    for (const [M, N] of [[3, 5], [1, 9], [0, 4], [4, 0]]) {
      for (const beta of [0, 1.5]) {
        fails.push(...runGemm({ M, N, K: 0, transA: false, transB: true, padA: 0, padB: 1, padC: 3, alpha: 2, beta, bias: beta !== 0, seed: 7 }));
      }
    }
    fails.push(...runGemm({ M: 0, N: 5, K: 4, transA: true, transB: false, padA: 1, padB: 1, padC: 1, alpha: 1, beta: 1, bias: false, seed: 8 }));
    expect(fails).toEqual([]);
  });

  it('inputs past the float32 product range give +-Inf/NaN like the reference, not garbage', () => {
    const { kernels, heap } = rt();
    const a = heap.allocF32([3e38, 1, -3e38, 1]);
    const b = heap.allocF32([10, 1, 10, 1]);
    const c = heap.alloc(16);
    const bytes = kernels.f32_gemm_workspace(2, 2) >>> 0;
    const ws = heap.alloc(bytes);
    kernels.f32_gemm(2, 2, 2, a, 2, b, 2, c, 2, ws, bytes, 0, 0, 1, 0);
    const out = Array.from(heap.f32(c, 4));
    for (const p of [a, b, c, ws]) heap.free(p);
    // 3e38 * 10 overflows to +-Inf; 3e38 * 1 + 1 * 1 rounds back to 3e38.
    expect(out).toEqual([Infinity, Math.fround(3e38), -Infinity, Math.fround(-3e38)]);
  });
});

describe('determinism', () => {
  it('any split of the rows gives the same bits as one call (the thread-split promise)', () => {
    const { kernels, heap } = rt();
    const fails: string[] = [];
    for (const [M, N, K, transA] of [[37, 29, 127, 0], [64, 33, 17, 1], [9, 130, 300, 0], [127, 8, 64, 1]]) {
      const next = mulberry32(M * 1000 + N);
      const lda = transA ? M : K;
      const pa = heap.allocF32(uniformF32(next, M * K));
      const pb = heap.allocF32(uniformF32(next, K * N));
      const pbias = heap.allocF32(uniformF32(next, N));
      const packed = kernels.f32_gemm_packed_b_bytes(K, N) >>> 0;
      const ws = heap.alloc(packed + (kernels.f32_gemm_a_scratch_bytes(K) >>> 0));
      const whole = heap.alloc(M * N * 4), split = heap.alloc(M * N * 4);
      const finite = kernels.f32_gemm_pack_b(K, N, pb, N, ws, 0);
      kernels.f32_gemm_packed(M, N, K, pa, lda, ws, pbias, whole, N, ws + packed, transA, 1, 0, finite);
      for (const step of [1, 2, 3, 5, 7, 13]) {
        for (let r = 0; r < M; r += step) {
          const rows = Math.min(step, M - r);
          const aRow = transA ? pa + r * 4 : pa + r * lda * 4;
          kernels.f32_gemm_packed(rows, N, K, aRow, lda, ws, pbias, split + r * N * 4, N, ws + packed, transA, 1, 0, finite);
        }
        const d = firstBitDifference(`${M} x ${N} x ${K} transA=${transA === 1} rows split by ${step}`, N,
          heap.f32(whole, M * N).slice(), heap.f32(split, M * N).slice());
        if (d) fails.push(d);
      }
      for (const p of [pa, pb, pbias, ws, whole, split]) heap.free(p);
    }
    expect(fails).toEqual([]);
  });

  it('the same call twice gives the same bits, and f32_gemm equals pack + packed', () => {
    const next = mulberry32(99);
    const x = tensor(uniformF32(next, 33 * 127), [33, 127]);
    const w = tensor(uniformF32(next, 127 * 31), [127, 31]);
    const y1 = matMul(x, w), y2 = matMul(x, w), y3 = dense(x, w);
    expect(firstBitDifference('matMul twice', 31, y1.dataSync(), y2.dataSync())).toBeUndefined();
    expect(firstBitDifference('dense vs matMul', 31, y1.dataSync(), y3.dataSync())).toBeUndefined();
    for (const t of [x, w, y1, y2, y3]) t.dispose();
  });
});

describe('narrow C (N = 9, 10, and 5..8 with a transposed A: 16-row groups, B read in place)', () => {
  /**
   * The first N columns of a 16-column product go through the 4 x 8 tiles; the same N
   * columns alone go through the narrow path (16 rows at a time: tile8 on B in place,
   * columns 8 and 9 of four tiles together; row counts cover full, partial and single
   * 4-row tiles in the last group, and a transposed A read in place). Both must
   * give the same bits, through f32_gemm (B in place) and through pack + packed (packed
   * panels), with alpha, beta, bias, odd leading dimensions, every transpose and row counts
   * that are not multiples of 4; the gaps of C (columns N..ldc-1) are never written.
   */
  it('gives the bits of the wide tiles on every transpose, with alpha, beta and bias', () => {
    const { kernels, heap } = rt();
    const fails: string[] = [];
    const W = 16;
    let seed = 900;
    /** Columns [0, n) of the rows x ld matrix at p, packed. */
    const leading = (p: number, rows: number, ld: number, n: number): Float32Array => {
      const v = heap.f32(p, rows * ld), out = new Float32Array(rows * n);
      for (let i = 0; i < rows; i++) out.set(v.subarray(i * ld, i * ld + n), i * n);
      return out;
    };
    for (const [transA, transB] of TRANSPOSES) {
      for (const N of [5, 6, 7, 8, 9, 10]) for (const M of [1, 3, 4, 7, 16, 25, 30, 33]) for (const K of [1, 5, 64]) {
        const next = mulberry32(seed++);
        const lda = (transA ? M : K) + 1, ldc = N + 3;
        const a = uniformF32(next, (transA ? K : M) * lda);
        // Wide op(B) is K x 16; the narrow one is its first N columns, stored with its own ldb.
        const wide = uniformF32(next, K * W), ldbN = (transB ? K : N) + 2;
        const narrow = new Float32Array((transB ? N : K) * ldbN);
        const wideStored = new Float32Array(K * W);
        for (let k = 0; k < K; k++) for (let j = 0; j < W; j++) {
          const v = wide[k * W + j];
          wideStored[transB ? j * K + k : k * W + j] = v;
          if (j < N) narrow[transB ? j * ldbN + k : k * ldbN + j] = v;
        }
        const bias = uniformF32(next, W), c0 = uniformF32(next, M * W);
        const [alpha, beta] = seed % 2 ? [1, 0] : [0.75, -1.5];
        const pa = heap.allocF32(a), pw = heap.allocF32(wideStored), pn = heap.allocF32(narrow), pbias = heap.allocF32(bias);
        const cw = heap.allocF32(c0), cn = heap.alloc(M * ldc * 4), cp = heap.alloc(M * ldc * 4);
        const cInit = new Float32Array(M * ldc);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) cInit[i * ldc + j] = c0[i * W + j];
        heap.f32(cn, M * ldc).set(cInit);
        heap.f32(cp, M * ldc).set(cInit);
        const wsW = kernels.f32_gemm_workspace(K, W) >>> 0, wsN = kernels.f32_gemm_workspace(K, N) >>> 0;
        const ws = heap.alloc(Math.max(wsW, wsN));
        const packedN = kernels.f32_gemm_packed_b_bytes(K, N) >>> 0;
        try {
          // Wide: pack + packed with bias (every tile a 4 x 8 one).
          const fw = kernels.f32_gemm_pack_b(K, W, pw, transB ? K : W, ws, transB ? 1 : 0);
          kernels.f32_gemm_packed(M, W, K, pa, lda, ws, pbias, cw, W, ws + (kernels.f32_gemm_packed_b_bytes(K, W) >>> 0),
            transA ? 1 : 0, alpha, beta, fw);
          const name = `${M} x ${N} x ${K} transA=${transA} transB=${transB} alpha=${alpha} beta=${beta}`;
          const expectedPacked = leading(cw, M, W, N);
          // Narrow through pack + packed with the same bias.
          const fn = kernels.f32_gemm_pack_b(K, N, pn, ldbN, ws, transB ? 1 : 0);
          kernels.f32_gemm_packed(M, N, K, pa, lda, ws, pbias, cp, ldc, ws + packedN, transA ? 1 : 0, alpha, beta, fn);
          const d1 = firstBitDifference(`${name} (pack + packed, bias)`, N, expectedPacked, leading(cp, M, ldc, N));
          if (d1) fails.push(d1);
          // Narrow through f32_gemm, which takes no bias: against the wide f32_gemm product.
          heap.f32(cw, M * W).set(c0);
          kernels.f32_gemm(M, W, K, pa, lda, pw, transB ? K : W, cw, W, ws, wsW, transA ? 1 : 0, transB ? 1 : 0, alpha, beta);
          kernels.f32_gemm(M, N, K, pa, lda, pn, ldbN, cn, ldc, ws, wsN, transA ? 1 : 0, transB ? 1 : 0, alpha, beta);
          const d2 = firstBitDifference(`${name} (f32_gemm)`, N, leading(cw, M, W, N), leading(cn, M, ldc, N));
          if (d2) fails.push(d2);
          for (const [path, p] of [['f32_gemm', cn], ['pack + packed', cp]] as const) {
            const out = heap.f32(p, M * ldc);
            for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) {
              if (!Object.is(out[i * ldc + j], 0)) fails.push(`${name} (${path}): gap C[${i}][${j}] = ${out[i * ldc + j]} was written`);
            }
          }
        } finally {
          for (const p of [pa, pw, pn, pbias, cw, cn, cp, ws]) heap.free(p);
        }
      }
    }
    expect(fails.slice(0, MAX_REPORTED)).toEqual([]);
  });
});

describe('one to seven rows (B read in place, nothing packed)', () => {
  /**
   * f32_gemm_few_rows, and f32_gemm for M < 8 with a row-major B, against the first rows of
   * an 8-row pack + packed product: the same bits with alpha, beta, bias, both op(A), odd
   * leading dimensions, zeros in op(A) (which the packed path skips) and an Inf in B (which
   * turns the skipping off); C's gaps never written.
   */
  it('gives the bits of the packed tiles', () => {
    const { kernels, heap } = rt();
    const fails: string[] = [];
    let seed = 4200;
    for (const transA of [false, true]) {
      for (const N of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 31, 33, 64, 130]) for (const K of [1, 3, 64, 200]) {
        const next = mulberry32(seed++);
        const R = 8, lda = (transA ? R : K) + 1, ldb = N + 3, ldc = N + 2;
        const a = uniformF32(next, (transA ? K : R) * lda);
        // Some k whose values in every row are zero (the packed path leaves them out).
        for (let k = 0; k < K; k += 3) for (let r = 0; r < R; r++) a[transA ? k * lda + r : r * lda + k] = 0;
        const b = uniformF32(next, K * ldb);
        if (seed % 3 === 0) b[(K - 1) * ldb + N - 1] = Infinity;
        const bias = uniformF32(next, N), c0 = uniformF32(next, R * ldc);
        const [alpha, beta] = seed % 2 ? [1, 0] : [0.75, -1.5];
        // B holds exactly K x ldb floats: reads past its end stay in the allocator's padding.
        const pa = heap.allocF32(a), pb = heap.allocF32(b), pbias = heap.allocF32(bias);
        const cRef = heap.allocF32(c0), cFew = heap.allocF32(c0), cGemm = heap.allocF32(c0);
        const wsBytes = kernels.f32_gemm_workspace(K, N) >>> 0;
        const ws = heap.alloc(wsBytes);
        try {
          const finite = kernels.f32_gemm_pack_b(K, N, pb, ldb, ws, 0);
          kernels.f32_gemm_packed(R, N, K, pa, lda, ws, pbias, cRef, ldc, ws + (kernels.f32_gemm_packed_b_bytes(K, N) >>> 0), transA ? 1 : 0, alpha, beta, finite);
          const ref = heap.f32(cRef, R * ldc).slice();
          for (const M of [1, 2, 3, 4, 5, 6, 7]) {
            const name = `${M} x ${N} x ${K} transA=${transA} alpha=${alpha} beta=${beta}`;
            heap.f32(cFew, R * ldc).set(c0);
            kernels.f32_gemm_few_rows(M, N, K, pa, lda, transA ? 1 : 0, pb, ldb, pbias, cFew, ldc, alpha, beta);
            const few = heap.f32(cFew, R * ldc).slice();
            const d = firstBitDifference(`${name} (few rows, bias)`, ldc, ref.subarray(0, M * ldc).map((v, i) => (i % ldc < N ? v : c0[i])), few.subarray(0, M * ldc));
            if (d) fails.push(d);
            if (!few.subarray(M * ldc).every((v, i) => Object.is(v, c0[M * ldc + i]))) fails.push(`${name}: rows past M were written`);
            // f32_gemm (no bias) against the packed product without bias.
            heap.f32(cGemm, R * ldc).set(c0);
            heap.f32(cRef, R * ldc).set(c0);
            kernels.f32_gemm_packed(R, N, K, pa, lda, ws, 0, cRef, ldc, ws + (kernels.f32_gemm_packed_b_bytes(K, N) >>> 0), transA ? 1 : 0, alpha, beta, finite);
            kernels.f32_gemm(M, N, K, pa, lda, pb, ldb, cGemm, ldc, ws, wsBytes, transA ? 1 : 0, 0, alpha, beta);
            const want = heap.f32(cRef, M * ldc).map((v, i) => (i % ldc < N ? v : c0[i]));
            const d2 = firstBitDifference(`${name} (f32_gemm)`, ldc, want, heap.f32(cGemm, M * ldc).slice());
            if (d2) fails.push(d2);
            // The packed result was computed over the workspace that f32_gemm may reuse: pack again.
            kernels.f32_gemm_pack_b(K, N, pb, ldb, ws, 0);
          }
        } finally {
          for (const p of [pa, pb, pbias, cRef, cFew, cGemm, ws]) heap.free(p);
        }
      }
    }
    expect(fails.slice(0, MAX_REPORTED)).toEqual([]);
  });

  it('dense of one to seven rows gives the rows of a larger batch, bit for bit, with bias and activation', () => {
    const next = mulberry32(77);
    for (const [K, N] of [[784, 128], [5, 3], [64, 10], [17, 33]] as const) {
      const x = uniformF32(next, 16 * K), w = uniformF32(next, K * N), bias = uniformF32(next, N);
      for (let i = 0; i < x.length; i += 5) x[i] = 0;
      const wt = tensor(w, [K, N]), bt = tensor(bias, [N]);
      const all = tensor(x, [16, K]);
      const full = dense(all, wt, bt, 'elu').dataSync();
      for (const M of [1, 2, 3, 4, 5, 6, 7]) {
        const part = tensor(x.subarray(0, M * K), [M, K]);
        const y = dense(part, wt, bt, 'elu');
        expect(bits(y.dataSync()), `${M} x ${N} x ${K}`).toEqual(bits(full.subarray(0, M * N)));
        const z = matMul(part, wt);
        const zAll = matMul(all, wt);
        expect(bits(z.dataSync()), `matMul ${M} x ${N} x ${K}`).toEqual(bits(zAll.dataSync().subarray(0, M * N)));
        for (const t of [part, y, z, zAll]) t.dispose();
      }
      for (const t of [wt, bt, all]) t.dispose();
    }
  });
});

describe('skipping k where op(A) is zero (sparse inputs: MNIST pixels, ReLU outputs)', () => {
  /** A values with about `zeros` of them +0 (whole k groups often zero), some -0, optional NaN/Inf. */
  function sparse(next: () => number, n: number, zeros: number, specials = false): Float32Array {
    const v = uniformF32(next, n);
    for (let i = 0; i < n; i++) {
      const r = next();
      if (r < zeros) v[i] = 0;
      else if (r < zeros + 0.02) v[i] = -0;
      else if (specials && r < zeros + 0.03) v[i] = [NaN, Infinity, -Infinity][i % 3];
    }
    return v;
  }

  /** C through pack + packed with skipping allowed (as pack_b reports) and with it off: both outputs. */
  function both(M: number, N: number, K: number, transA: boolean, transB: boolean, a: Float32Array, b: Float32Array):
    { skip: Float32Array; dense: Float32Array; finite: number } {
    const { kernels, heap } = rt();
    const pa = heap.allocF32(a), pb = heap.allocF32(b);
    const packed = kernels.f32_gemm_packed_b_bytes(K, N) >>> 0;
    const ws = heap.alloc(packed + (kernels.f32_gemm_a_scratch_bytes(K) >>> 0));
    const c1 = heap.alloc(M * N * 4), c2 = heap.alloc(M * N * 4);
    try {
      const finite = kernels.f32_gemm_pack_b(K, N, pb, transB ? K : N, ws, transB ? 1 : 0);
      kernels.f32_gemm_packed(M, N, K, pa, transA ? M : K, ws, 0, c1, N, ws + packed, transA ? 1 : 0, 1, 0, finite);
      kernels.f32_gemm_packed(M, N, K, pa, transA ? M : K, ws, 0, c2, N, ws + packed, transA ? 1 : 0, 1, 0, 0);
      // f32_gemm (pack and multiply in one call) takes the same decision.
      const bytes = kernels.f32_gemm_workspace(K, N) >>> 0;
      const ws2 = heap.alloc(bytes);
      const c3 = heap.alloc(M * N * 4);
      kernels.f32_gemm(M, N, K, pa, transA ? M : K, pb, transB ? K : N, c3, N, ws2, bytes, transA ? 1 : 0, transB ? 1 : 0, 1, 0);
      const one = heap.f32(c3, M * N).slice();
      heap.free(ws2); heap.free(c3);
      const skip = heap.f32(c1, M * N).slice();
      expect(firstBitDifference(`f32_gemm vs pack + packed ${M} x ${N} x ${K}`, N, skip, one)).toBeUndefined();
      return { skip, dense: heap.f32(c2, M * N).slice(), finite };
    } finally {
      for (const p of [pa, pb, ws, c1, c2]) heap.free(p);
    }
  }

  it('gives the same bits as the full sum, and passes the float64 reference, on every transpose', () => {
    const fails: string[] = [];
    let seed = 500;
    for (const [transA, transB] of TRANSPOSES) {
      for (const [M, N, K] of [[33, 10, 127], [4, 8, 784], [9, 17, 33], [127, 64, 32], [5, 3, 1], [16, 130, 64]]) {
        for (const zeros of [0.5, 0.8, 0.97, 1]) {
          const next = mulberry32(seed++);
          const a = sparse(next, M * K, zeros), b = uniformF32(next, K * N);
          const r = both(M, N, K, transA, transB, a, b);
          expect(r.finite).toBe(1);
          const d = firstBitDifference(`${M} x ${N} x ${K} transA=${transA} transB=${transB} zeros=${zeros}`, N, r.dense, r.skip);
          if (d) fails.push(d);
        }
      }
    }
    // The reference sweep with sparse A (through f32_gemm, which skips when B is finite).
    for (const [transA, transB] of TRANSPOSES) {
      for (const M of [1, 5, 17]) for (const K of [3, 16, 31]) {
        fails.push(...runGemm({ M, N: 9, K, transA, transB, padA: 1, padB: 2, padC: 1, alpha: 1, beta: 0, bias: false, seed: seed++, zerosA: 0.85 }));
      }
    }
    expect(fails).toEqual([]);
  });

  it('keeps NaN and Infinity of A, and does not skip when B holds NaN or Infinity (0 * Inf is NaN)', () => {
    const fails: string[] = [];
    let seed = 900;
    for (const [transA, transB] of TRANSPOSES) {
      for (const [M, N, K] of [[8, 16, 12], [7, 10, 33], [12, 3, 9]]) {
        for (const special of [Infinity, -Infinity, NaN]) {
          const next = mulberry32(seed++);
          const a = sparse(next, M * K, 0.9, true), b = uniformF32(next, K * N);
          b[Math.floor(next() * b.length)] = special;
          const r = both(M, N, K, transA, transB, a, b);
          if (r.finite !== 0) fails.push(`${M} x ${N} x ${K} transB=${transB}: pack_b called B with ${special} finite`);
          const d = firstBitDifference(`${M} x ${N} x ${K} transA=${transA} transB=${transB} B holds ${special}`, N, r.dense, r.skip);
          if (d) fails.push(d);
          // Every row of the column holding the special value is NaN or +-Inf, as the full sum makes it.
          if (!r.skip.some((v) => !Number.isFinite(v))) fails.push(`${M} x ${N} x ${K}: no non-finite output`);
        }
        const next = mulberry32(seed++);
        const r = both(M, N, K, transA, transB, sparse(next, M * K, 0.9, true), uniformF32(next, K * N));
        const d = firstBitDifference(`${M} x ${N} x ${K} transA=${transA} transB=${transB} NaN/Inf in A`, N, r.dense, r.skip);
        if (d) fails.push(d);
      }
    }
    expect(fails).toEqual([]);
  });

  it('a row split of a sparse product gives the same bits as one call', () => {
    const { kernels, heap } = rt();
    const fails: string[] = [];
    for (const [M, N, K, transA] of [[37, 29, 127, 0], [64, 33, 17, 1], [130, 20, 784, 0]]) {
      const next = mulberry32(M + N + K);
      const pa = heap.allocF32(sparse(next, M * K, 0.8));
      const pb = heap.allocF32(uniformF32(next, K * N));
      const packed = kernels.f32_gemm_packed_b_bytes(K, N) >>> 0;
      const ws = heap.alloc(packed + (kernels.f32_gemm_a_scratch_bytes(K) >>> 0));
      const whole = heap.alloc(M * N * 4), split = heap.alloc(M * N * 4);
      const finite = kernels.f32_gemm_pack_b(K, N, pb, N, ws, 0);
      kernels.f32_gemm_packed(M, N, K, pa, transA ? M : K, ws, 0, whole, N, ws + packed, transA, 1, 0, finite);
      for (const step of [1, 3, 5, 13]) {
        for (let r = 0; r < M; r += step) {
          const aRow = transA ? pa + r * 4 : pa + r * K * 4;
          kernels.f32_gemm_packed(Math.min(step, M - r), N, K, aRow, transA ? M : K, ws, 0, split + r * N * 4, N, ws + packed, transA, 1, 0, finite);
        }
        const d = firstBitDifference(`${M} x ${N} x ${K} split by ${step}`, N, heap.f32(whole, M * N).slice(), heap.f32(split, M * N).slice());
        if (d) fails.push(d);
      }
      for (const p of [pa, pb, ws, whole, split]) heap.free(p);
    }
    expect(fails).toEqual([]);
  });
});

describe('matMul and dense on Tensors', () => {
  it('matMul matches the reference for all four transposes and frees its workspace', () => {
    const fails: string[] = [];
    const live = memoryStats().liveBlocks;
    for (const [transA, transB] of TRANSPOSES) {
      for (const [M, N, K] of [[1, 1, 1], [5, 17, 9], [33, 8, 127], [64, 31, 3]]) {
        const next = mulberry32(M + 100 * N + 10000 * K);
        const av = uniformF32(next, M * K), bv = uniformF32(next, K * N);
        const a = tensor(av, transA ? [K, M] : [M, K]);
        const b = tensor(bv, transB ? [N, K] : [K, N]);
        const c = matMul(a, b, transA, transB);
        expect(c.shape).toEqual([M, N]);
        const out = c.dataSync();
        for (let i = 0; i < M && fails.length < MAX_REPORTED; i++) {
          for (let j = 0; j < N; j++) {
            let sum = 0, mag = 0;
            for (let k = 0; k < K; k++) {
              const p = (transA ? av[k * M + i] : av[i * K + k]) * (transB ? bv[j * K + k] : bv[k * N + j]);
              sum += p;
              mag += Math.abs(p);
            }
            if (!(Math.abs(out[i * N + j] - sum) <= tolerance(K, mag))) {
              fails.push(`matMul ${M} x ${N} x ${K} transA=${transA} transB=${transB}: C[${i}][${j}] expected ${sum} actual ${out[i * N + j]}`);
            }
          }
        }
        for (const t of [a, b, c]) t.dispose();
      }
    }
    expect(fails).toEqual([]);
    expect(memoryStats().liveBlocks).toBe(live);
  });

  it('K = 0 gives zeros; M = 0 gives an empty result', () => {
    const a = tensor([], [3, 0]), b = tensor([], [0, 2]);
    const c = matMul(a, b);
    expect(Array.from(c.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const e = matMul(tensor([], [0, 4]), tensor(new Float32Array(8), [4, 2]));
    expect(e.shape).toEqual([0, 2]);
  });

  it('shape errors print both shapes and the rule', () => {
    const a = tensor(new Float32Array(6), [2, 3]), b = tensor(new Float32Array(20), [4, 5]);
    expect(() => matMul(a, b)).toThrow(/^actlab: matMul: inner dimensions differ: a \[2, 3\].*b \[4, 5\].*expected a\.shape\[1\] === b\.shape\[0\]/);
    expect(() => matMul(a, b, true, true)).toThrow(/a \[2, 3\] \(transposeA=true\) has K = 2 but b \[4, 5\] \(transposeB=true\) has K = 5/);
    expect(() => matMul(tensor(new Float32Array(8), [2, 2, 2]), b)).toThrow(/^actlab: matMul: a has shape \[2, 2, 2\] \(rank 3\); expected a rank-2 matrix/);
    expect(() => dense(a, b)).toThrow(/^actlab: dense: x \[2, 3\] and w \[4, 5\] do not chain/);
    const w = tensor(new Float32Array(15), [3, 5]);
    expect(() => dense(a, w, tensor([1, 2], [2]))).toThrow(/^actlab: dense: bias has shape \[2\]; expected \[5\]/);
    expect(() => dense(a, w, undefined, wrong<ActivationName>('nope'))).toThrow(/unknown activation 'nope'/);
    expect(() => dense(a, w, undefined, 'elu', { alpha: -1 })).toThrow(/parameter 'alpha' = -1 is out of range/);
  });

  // The fused epilogue must be exactly matMul, then a float32 bias add, then the registry's
  // own activation kernel: same bits, for every row of the registry. The second shape has
  // N = 300, so dense works in several row blocks.
  for (const [M, K, N] of [[37, 29, 21], [61, 17, 300]]) {
    it(`dense(x, w, bias, f) for every registry activation equals matMul + bias + f, ${M} x ${N} x ${K}`, () => {
      const next = mulberry32(M * N);
      const x = tensor(uniformF32(next, M * K, -2, 2), [M, K]);
      const w = tensor(uniformF32(next, K * N), [K, N]);
      const biasV = uniformF32(next, N);
      const bias = tensor(biasV, [N]);
      const z = matMul(x, w).dataSync();
      for (let i = 0; i < z.length; i++) z[i] = Math.fround(z[i] + biasV[i % N]);
      const fails: string[] = [];
      for (const row of ACTIVATIONS) {
        const params: ActivationParams = row.name === 'prelu' ? { alpha: uniformF32(next, N, 0, 0.5) } : {};
        const expected = activations.apply(row.name, z, params, { channels: N });
        const y = dense(x, w, bias, row.name, params);
        const d = firstBitDifference(`dense ${M} x ${N} x ${K} + bias + ${row.name}`, N, expected, y.dataSync());
        if (d) fails.push(d);
        y.dispose();
      }
      const plain = dense(x, w, bias);
      const d = firstBitDifference(`dense ${M} x ${N} x ${K} + bias, no activation`, N, z, plain.dataSync());
      if (d) fails.push(d);
      for (const t of [x, w, bias, plain]) t.dispose();
      expect(fails).toEqual([]);
    });
  }
});

describe('cross-check against tfjs-backend-wasm 4.22.0', () => {
  it('matMul agrees with tf.matMul within both error bounds on every transpose', () => {
    let worst = 0, worstAbs = 0, worstAt = '';
    const fails: string[] = [];
    for (const [transA, transB] of TRANSPOSES) {
      for (const [M, N, K] of [[1, 1, 1], [7, 5, 3], [33, 17, 31], [64, 127, 33], [127, 64, 127], [32, 128, 784]]) {
        const next = mulberry32(7 * M + 13 * N + 17 * K);
        const av = uniformF32(next, M * K), bv = uniformF32(next, K * N);
        const sa = transA ? [K, M] : [M, K], sb = transB ? [N, K] : [K, N];
        const a = tensor(av, sa), b = tensor(bv, sb);
        const ours = matMul(a, b, transA, transB).dataSync();
        const ta = tf.tensor2d(av, [sa[0], sa[1]]), tb = tf.tensor2d(bv, [sb[0], sb[1]]);
        const tc = tf.matMul(ta, tb, transA, transB);
        const theirs = tc.dataSync();
        for (const t of [ta, tb, tc]) t.dispose();
        a.dispose();
        b.dispose();
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let mag = 0;
            for (let k = 0; k < K; k++) mag += Math.abs((transA ? av[k * M + i] : av[i * K + k]) * (transB ? bv[j * K + k] : bv[k * N + j]));
            const diff = Math.abs(ours[i * N + j] - theirs[i * N + j]);
            // Each result is within tolerance(K, mag) of the truth, so they are within twice that of each other.
            if (!(diff <= 2 * tolerance(K, mag)) && fails.length < MAX_REPORTED) {
              fails.push(`${M} x ${N} x ${K} transA=${transA} transB=${transB}: C[${i}][${j}] tfjs ${theirs[i * N + j]} actlab ${ours[i * N + j]}`);
            }
            const rel = mag === 0 ? 0 : diff / (mag * U);
            if (diff > worstAbs) worstAbs = diff;
            if (rel > worst) {
              worst = rel;
              worstAt = `${M} x ${N} x ${K} transA=${transA} transB=${transB} C[${i}][${j}]`;
            }
          }
        }
      }
    }
    console.log(`gemm vs tfjs-backend-wasm: largest |difference| ${worstAbs.toExponential(3)}; ` +
      `largest relative to u * sum|a b| ${worst.toFixed(2)} at ${worstAt}`);
    expect(fails).toEqual([]);
  });
});
