// The relaxed-SIMD engine, run for real: test/relaxed.test.ts bundles this file and runs it
// in a child process (Node with --experimental-wasm-relaxed-simd, Node without it, Deno,
// Bun), because an engine validates relaxed SIMD or not for the whole process. It prints
// one JSON line (RelaxedReport) and never touches Node APIs, so every runtime runs it as is.
//
// What it checks, in the runtime it runs in, after init({ relaxedSimd: true }):
// - which engine loaded, and the reason when it fell back;
// - `fused`: matMul of [-(1 + 2^-11), 1 + 2^-12] by [1, 1 + 2^-12]^T. The exact product
//   (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 in float32, so an unfused
//   multiply-add gives 0 and a fused one 2^-24: proof of what the engine does with relaxed_madd;
// - GEMM (sizes around the 4 x 8 tile, all transposes, odd leading dimensions, alpha, beta,
//   bias) and conv2d with both gradients (strides, dilations, paddings) against float64
//   references, within the error bound of a float32 sum (fused or not, the same bound holds);
// - that relaxed results are the same with 2 threads (the workers load the overlay too) as
//   with 1, bit for bit, where the runtime has workers;
// - how many GEMM outputs differ from the plain kernels' bits (simdTesting.use('plain')).
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, init, matMul, simdInfo, tensor, threadInfo, type SimdInfo } from '../../src/index.js';
import { simdTesting, threadTesting } from '../../src/core/wasm.js';
import { mulberry32, uniformF32 } from '../helpers/rng.js';
import { runRawGemm } from '../helpers/raw-gemm.js';
import { outDims, refConv2d, refConv2dGradFilter, refConv2dGradInput, type ConvCase } from '../helpers/conv-reference.js';

export interface RelaxedReport {
  readonly info: SimdInfo;
  /** matMul's result for the fused-or-not probe: 2^-24 fused, 0 unfused. */
  readonly fused: number;
  readonly gemmCases: number;
  readonly convCases: number;
  /** At most 10 messages naming the case, the index, expected and actual. */
  readonly failures: readonly string[];
  /** Largest error over the error scale (sum of |terms|), GEMM and conv. */
  readonly worst: number;
  /** GEMM output elements whose bits differ from the plain kernels', and all of them. */
  readonly differing: number;
  readonly compared: number;
  /** Whether the 2-thread run happened and split work, and whether its bits matched 1 thread. */
  readonly threads: { readonly ran: boolean; readonly parallelCalls: number; readonly identical: boolean; readonly reason?: string };
}

const U = 2 ** -24;
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 17, 33];
const failures: string[] = [];
let worst = 0;

function fail(msg: string): void { if (failures.length < 10) failures.push(msg); }

function check(what: string, i: number, actual: number, expected: number, scale: number, terms: number): void {
  const err = Math.abs(actual - expected);
  const tol = 1.01 * (terms + 4) * U * scale + 1e-30;
  if (!(err <= tol)) fail(`${what}: index ${i}: expected ${expected}, actual ${actual} (error ${err.toExponential(3)} > tolerance ${tol.toExponential(3)})`);
  if (scale > 0) worst = Math.max(worst, err / scale);
}

interface Gemm {
  readonly M: number; readonly N: number; readonly K: number; readonly transA: boolean; readonly transB: boolean;
  readonly pad: number; readonly alpha: number; readonly beta: number; readonly bias: boolean; readonly seed: number;
}

/** One GEMM through the loaded kernels (f32_gemm, or f32_gemm_packed with a bias); returns C and checks it. */
function gemm(g: Gemm, verify: boolean): Float32Array {
  const { M, N, K, transA, transB, alpha, beta } = g;
  const next = mulberry32(g.seed);
  const [ra, ca] = transA ? [K, M] : [M, K];
  const [rb, cb] = transB ? [N, K] : [K, N];
  const lda = ca + g.pad, ldb = cb + g.pad, ldc = N + g.pad;
  const a = uniformF32(next, ra * lda), b = uniformF32(next, rb * ldb), bias = uniformF32(next, N);
  const c0 = uniformF32(next, M * ldc);
  const out = runRawGemm({ M, N, K, transA, transB, alpha, beta, lda, ldb, ldc }, a, b, c0, g.bias ? bias : undefined);
  if (!verify) return out;
  const name = `${M} x ${N} x ${K} transA=${transA} transB=${transB} ld+${g.pad} alpha=${alpha} beta=${beta}${g.bias ? ' +bias' : ''}`;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        const p = (transA ? a[k * lda + i] : a[i * lda + k]) * (transB ? b[j * ldb + k] : b[k * ldb + j]);
        sum += p;
        mag += Math.abs(p);
      }
      const cij = c0[i * ldc + j];
      const expected = alpha * sum + beta * cij + (g.bias ? bias[j] : 0);
      const scale = Math.abs(alpha) * mag + Math.abs(beta * cij) + (g.bias ? Math.abs(bias[j]) : 0);
      check(name, i * ldc + j, out[i * ldc + j], expected, scale, K);
    }
  }
  for (let idx = 0; idx < out.length; idx++) {
    if (idx % ldc >= N && !Object.is(out[idx], c0[idx])) fail(`${name}: index ${idx} in a row gap was overwritten`);
  }
  return out;
}

function gemmCases(): Gemm[] {
  const cases: Gemm[] = [];
  const next = mulberry32(77);
  let seed = 1;
  for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
    for (const M of SIZES) {
      for (const N of SIZES) {
        const K = SIZES[Math.floor(next() * SIZES.length)] * (next() < 0.2 ? 8 : 1);
        const n = cases.length;
        cases.push({
          M, N, K, transA, transB, pad: n % 3, alpha: n % 4 === 1 ? -0.5 : 1, beta: n % 5 === 2 ? 0.75 : 0, bias: n % 3 === 1, seed: seed++,
        });
      }
    }
  }
  return cases;
}

interface Conv { readonly c: ConvCase; readonly seed: number }

function convCases(): Conv[] {
  const next = mulberry32(5);
  const out: Conv[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  while (out.length < 40) {
    const c: ConvCase = {
      n: pick([1, 2]), h: pick([3, 5, 7, 9]), w: pick([3, 5, 8, 11]), cin: pick([1, 2, 3, 4, 5, 8, 9]),
      kh: pick([1, 2, 3]), kw: pick([1, 2, 3]), cout: pick([1, 3, 4, 5, 8, 9, 16, 17]),
      sh: pick([1, 2]), sw: pick([1, 2]), dh: pick([1, 2]), dw: pick([1, 2]), pad: pick(['valid', 'same'] as const),
    };
    if (outDims(c) !== undefined) out.push({ c, seed: out.length + 1 });
  }
  return out;
}

/** conv2d forward (with bias), input gradient and filter gradient of one case; checked when verify. */
function conv(v: Conv, verify: boolean): Float32Array[] {
  const { c } = v;
  const d = outDims(c);
  if (d === undefined) return [];
  const next = mulberry32(v.seed);
  const xs = [c.n, c.h, c.w, c.cin], fs = [c.kh, c.kw, c.cin, c.cout], ys = [c.n, d.oh, d.ow, c.cout];
  const x = uniformF32(next, c.n * c.h * c.w * c.cin), f = uniformF32(next, c.kh * c.kw * c.cin * c.cout);
  const dy = uniformF32(next, c.n * d.oh * d.ow * c.cout), bias = uniformF32(next, c.cout);
  const tx = tensor(x, xs), tf = tensor(f, fs), tdy = tensor(dy, ys), tb = tensor(bias, [c.cout]);
  const strides: [number, number] = [c.sh, c.sw], dil: [number, number] = [c.dh, c.dw];
  const run = (make: () => ReturnType<typeof conv2d>): Float32Array => { const t = make(); const r = t.dataSync(); t.dispose(); return r; };
  const y = run(() => conv2d(tx, tf, strides, c.pad, dil, tb));
  const dx = run(() => conv2dBackpropInput(xs, tdy, tf, strides, c.pad, dil));
  const df = run(() => conv2dBackpropFilter(tx, tdy, fs, strides, c.pad, dil));
  for (const t of [tx, tf, tdy, tb]) t.dispose();
  if (verify) {
    const name = `x [${xs.join(', ')}] filter [${fs.join(', ')}] strides [${strides.join(', ')}] dilations [${dil.join(', ')}] pad '${c.pad}'`;
    const cmp = (what: string, actual: Float32Array, ref: { v: Float64Array; scale: Float64Array }, terms: number): void => {
      if (actual.length !== ref.v.length) fail(`${name} ${what}: ${actual.length} values, expected ${ref.v.length}`);
      for (let i = 0; i < ref.v.length; i++) check(`${name} ${what}`, i, actual[i], ref.v[i], ref.scale[i], terms);
    };
    cmp('forward', y, refConv2d(c, d, x, f, bias), c.kh * c.kw * c.cin);
    cmp('grad input', dx, refConv2dGradInput(c, d, dy, f), c.kh * c.kw * c.cout);
    cmp('grad filter', df, refConv2dGradFilter(c, d, x, dy), c.n * d.oh * d.ow);
  }
  return [y, dx, df];
}

/** Every output of a fixed set of GEMM and conv calls, for bit comparisons between thread counts. */
function outputs(): Float32Array[] {
  const big: Gemm[] = [
    { M: 67, N: 45, K: 129, transA: false, transB: false, pad: 1, alpha: 1, beta: 0, bias: true, seed: 901 },
    { M: 96, N: 33, K: 70, transA: true, transB: true, pad: 0, alpha: 1, beta: 0, bias: false, seed: 902 },
  ];
  const convs: Conv[] = [
    { c: { n: 4, h: 9, w: 9, cin: 5, kh: 3, kw: 3, cout: 12, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'same' }, seed: 903 },
    { c: { n: 3, h: 8, w: 7, cin: 2, kh: 3, kw: 2, cout: 9, sh: 2, sw: 1, dh: 1, dw: 2, pad: 'valid' }, seed: 904 },
  ];
  return [...big.map((g) => gemm(g, false)), ...convs.flatMap((v) => conv(v, false))];
}

function sameBits(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (x.length !== y.length) return false;
    const xb = new Uint32Array(x.buffer, x.byteOffset, x.length), yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
    return xb.every((v, j) => v === yb[j]);
  });
}

async function main(): Promise<RelaxedReport> {
  await init({ relaxedSimd: true, threads: 2 });
  const info = simdInfo();
  let threads: RelaxedReport['threads'];
  if (threadInfo().threads === 2) {
    threadTesting.setMinWork(1, 1);
    const two = outputs();
    const parallelCalls = threadTesting.parallelCalls();
    await init({ threads: 1 });
    threadTesting.setMinWork(undefined, undefined);
    threads = { ran: true, parallelCalls, identical: sameBits(two, outputs()) };
  } else {
    await init({ threads: 1 });
    threads = { ran: false, parallelCalls: 0, identical: false, reason: threadInfo().reason ?? 'one thread' };
  }
  const ta = tensor(new Float32Array([-(1 + 2 ** -11), 1 + 2 ** -12]), [1, 2]);
  const tb = tensor(new Float32Array([1, 1 + 2 ** -12]), [2, 1]);
  const fused = matMul(ta, tb).dataSync()[0];
  const gc = gemmCases(), cc = convCases();
  const relaxed = gc.map((g) => gemm(g, true));
  for (const v of cc) conv(v, true);
  let differing = 0, compared = 0;
  if (info.engine === 'relaxed') {
    simdTesting.use('plain');
    gc.forEach((g, n) => {
      const plain = gemm(g, false), r = relaxed[n];
      const pb = new Uint32Array(plain.buffer), rb = new Uint32Array(r.buffer);
      for (let i = 0; i < pb.length; i++) if (pb[i] !== rb[i]) differing++;
      compared += pb.length;
    });
    simdTesting.use('relaxed');
  }
  return { info, fused, gemmCases: gc.length, convCases: cc.length, failures, worst, differing, compared, threads };
}

main().then((r) => console.log(`RELAXED-REPORT ${JSON.stringify(r)}`), (e: unknown) => {
  console.log(`RELAXED-ERROR ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
});
