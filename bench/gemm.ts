// GEMM next to tfjs-backend-wasm 4.22.0 (XNNPACK, one thread) in the same process:
// interleaved rounds, medians, GFLOP/s, the ratio actlab/tfjs and each side's fraction of
// the register-only f32x4 mul+add peak measured in the same run (f32_gemm_peak_probe).
// Times are the process's CPU time (process.cpuUsage): both libraries run on this one
// thread, and on a machine shared with other jobs CPU time leaves out the time the thread
// waited for a core, which wall time does not. The wall-time ratio is printed beside it.
// Run: npm run bench -- gemm   (prints a Markdown table for bench/README.md)
// --only=TEXT keeps the cases whose "group shape" contains TEXT (npm run bench -- gemm --only=x10]).
//
// With --relaxed (npm run bench -- gemm --relaxed; bench/run.mjs adds Node 20's
// --experimental-wasm-relaxed-simd) it loads the relaxed-SIMD overlay too and times three
// sides per case, interleaved: actlab relaxed, actlab plain (the same tensors, the kernels
// switched with simdTesting.use between batches) and tfjs-wasm; it measures both register
// peaks, the plain mul+add chain and the relaxed_madd chain (the overlay's f32_gemm_peak_probe).
import { cpus, loadavg } from 'node:os';
import { tf, useBackend } from './tfjs.js';
import { dense, init, matMul, simdInfo, tensor } from '../src/index.js';
import { rt, simdTesting, type Kernels } from '../src/core/wasm.js';
import { mulberry32, uniformF32 } from '../test/helpers/rng.js';
import { median } from './util.js';
import { datasets } from '../src/node/index.js';

/** Rounds per case; each round times a batch of calls on each side, alternating. */
const ROUNDS = 9;
const RELAXED = process.argv.includes('--relaxed');
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
/** Target wall time of one batch, so timer resolution and call overhead do not matter. */
const BATCH_MS = 25;

interface Case {
  readonly group: string;
  readonly label: string;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
  /** A new B tensor every call (weights that change every training step). */
  readonly fresh?: boolean;
  /** dense(x, w, bias, 'relu') against tf.fused.matMul with bias and relu. */
  readonly fused?: boolean;
  /** The bar for actlab/tfjs. */
  readonly goal?: number;
  /** A holds real MNIST images (81% of the pixels are 0), rows of 784 pixels. */
  readonly mnist?: boolean;
}

const cases: Case[] = [];
for (const s of [64, 128, 256, 512, 1024]) {
  cases.push({ group: 'square', label: `${s}x${s} * ${s}x${s}`, M: s, N: s, K: s, goal: s >= 256 ? 1 : undefined });
}
const layers: ReadonlyArray<readonly [number, number]> = [[784, 128], [128, 64], [64, 10]];
for (const batch of [32, 256]) {
  for (const [k, n] of layers) {
    cases.push({ group: 'MLP forward', label: `[${batch}x${k}] * [${k}x${n}]`, M: batch, N: n, K: k, goal: 1 });
  }
}
for (const batch of [32, 256]) {
  cases.push({ group: 'dense+bias+relu', label: `[${batch}x784] * [784x128]`, M: batch, N: 128, K: 784, fused: true });
}
// A single sample (predict on one image) and a few: the rows under 8 that read B in place.
for (const batch of [1, 2, 4, 7]) {
  cases.push({ group: 'few rows', label: `[${batch}x784] * [784x128]`, M: batch, N: 128, K: 784 });
}
for (const batch of [32, 256]) {
  for (const [k, n] of layers) {
    cases.push({ group: 'fresh B', label: `[${batch}x${k}] * [${k}x${n}]`, M: batch, N: n, K: k, fresh: true, goal: 2 });
  }
}
for (const batch of [32, 256]) {
  for (const [k, n] of layers) {
    // dW = x^T dy: [k x batch] * [batch x n]; dX = dy w^T: [batch x n] * [n x k].
    cases.push({ group: 'backward dW (transposeA)', label: `[${batch}x${k}]^T * [${batch}x${n}]`, M: k, N: n, K: batch, transA: true, goal: 10 });
    cases.push({ group: 'backward dX (transposeB)', label: `[${batch}x${n}] * [${k}x${n}]^T`, M: batch, N: k, K: n, transB: true, goal: 10 });
  }
}

// The first layer of the MNIST MLP on real images: actlab's GEMM leaves out the k where a
// 4-row tile of op(A) is all zero (same bits); XNNPACK multiplies every zero. GFLOP/s
// count the dense work (2 M N K) on both sides.
for (const batch of [32, 256]) {
  cases.push({ group: 'MNIST pixels', label: `[${batch}x784] * [784x128]`, M: batch, N: 128, K: 784, mnist: true });
  cases.push({ group: 'MNIST pixels dW', label: `[${batch}x784]^T * [${batch}x128]`, M: 784, N: 128, K: batch, transA: true, mnist: true });
}

if (ONLY !== undefined) {
  const kept = cases.filter((c) => `${c.group} ${c.label}`.includes(ONLY));
  if (kept.length === 0) throw new Error(`actlab bench: --only=${ONLY} matches no case`);
  cases.splice(0, cases.length, ...kept);
}

interface Timing { readonly cpu: number; readonly wall: number }

/** CPU and wall milliseconds per call of `fn`, timed over `n` calls. */
function timeBatch(fn: () => void, n: number): Timing {
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000 / n, wall: wall / n };
}

/** Calls per batch so that one batch takes about BATCH_MS. */
function calibrate(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  let n = 1;
  for (;;) {
    const ms = timeBatch(fn, n).wall * n;
    if (ms >= BATCH_MS / 4 || n >= 1 << 20) return Math.max(1, Math.round((n * BATCH_MS) / Math.max(ms, 1e-3)));
    n *= 4;
  }
}

/** GFLOP/s (CPU time) of a register-only multiply-add probe (plain mul+add or relaxed_madd), over about 5 ms. */
function peakOnce(k: Kernels = rt().simd.plain): number {
  const iters = 2_000_000;
  const { cpu } = timeBatch(() => k.f32_gemm_peak_probe(iters, 0.001), 1);
  return (iters * 96) / (cpu * 1e6);
}

interface Side { readonly run: () => void; readonly dispose: () => void }

function actlabSide(c: Case, a: Float32Array, b: Float32Array, bias: Float32Array): Side {
  const ta = tensor(a, c.transA ? [c.K, c.M] : [c.M, c.K]);
  const bShape = c.transB ? [c.N, c.K] : [c.K, c.N];
  const tb = tensor(b, bShape);
  const tbias = tensor(bias, [c.N]);
  const run = c.fresh
    ? (): void => { const w = tensor(b, bShape); matMul(ta, w, c.transA, c.transB).dispose(); w.dispose(); }
    : c.fused
      ? (): void => { dense(ta, tb, tbias, 'relu').dispose(); }
      : (): void => { matMul(ta, tb, c.transA, c.transB).dispose(); };
  return { run, dispose: () => { for (const t of [ta, tb, tbias]) t.dispose(); } };
}

function tfjsSide(c: Case, a: Float32Array, b: Float32Array, bias: Float32Array): Side {
  const ta = tf.tensor2d(a, c.transA ? [c.K, c.M] : [c.M, c.K]);
  const bShape: [number, number] = c.transB ? [c.N, c.K] : [c.K, c.N];
  const tb = tf.tensor2d(b, bShape);
  const tbias = tf.tensor1d(bias);
  const run = c.fresh
    ? (): void => { const w = tf.tensor2d(b, bShape); tf.matMul(ta, w, c.transA, c.transB).dispose(); w.dispose(); }
    : c.fused
      ? (): void => { tf.fused.matMul({ a: ta, b: tb, bias: tbias, activation: 'relu' }).dispose(); }
      : (): void => { tf.matMul(ta, tb, c.transA, c.transB).dispose(); };
  return { run, dispose: () => { for (const t of [ta, tb, tbias]) t.dispose(); } };
}

interface Row { readonly c: Case; readonly ours: number; readonly theirs: number; readonly wallRatio: number }

/** One case of the relaxed table: CPU-time medians (ms) of relaxed, plain and tfjs, and relaxed/tfjs from wall medians. */
interface RelaxedRow { readonly c: Case; readonly relaxed: number; readonly plain: number; readonly tfjs: number; readonly wallRatio: number }

/** The relaxed table: actlab relaxed, actlab plain and tfjs-wasm per case, interleaved. */
async function mainRelaxed(): Promise<void> {
  await init({ threads: 1, relaxedSimd: true });
  const info = simdInfo();
  const relaxedKernels = rt().simd.relaxed;
  if (info.engine !== 'relaxed' || relaxedKernels === undefined) {
    throw new Error(`actlab bench: --relaxed, but the relaxed kernels did not load: ${info.reason ?? 'unknown'}`);
  }
  await useBackend('wasm');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threaded' : 'one thread';
  console.log(`# gemm --relaxed: ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version} ` +
    `${process.execArgv.join(' ')}, tfjs-backend-wasm ${threads}, load ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  for (let i = 0; i < 5; i++) { peakOnce(); peakOnce(relaxedKernels); }
  const peaks: number[] = [], relaxedPeaks: number[] = [];
  const rows: RelaxedRow[] = [];
  const engines = ['relaxed', 'plain'] as const;
  const next = mulberry32(2024);
  const pixels = (await datasets.mnist({ subset: { train: 256, test: 1 } })).train.x;
  for (const c of cases) {
    const a = c.mnist ? pixels.slice(0, c.M * c.K) : uniformF32(next, c.M * c.K), b = uniformF32(next, c.K * c.N), bias = uniformF32(next, c.N);
    const ours = actlabSide(c, a, b, bias), theirs = tfjsSide(c, a, b, bias);
    const n = engines.map((e) => { simdTesting.use(e); return calibrate(ours.run); });
    const nTheirs = calibrate(theirs.run);
    const t: Timing[][] = [[], [], []];
    for (let r = 0; r < ROUNDS; r++) {
      engines.forEach((e, i) => { simdTesting.use(e); t[i].push(timeBatch(ours.run, n[i])); });
      t[2].push(timeBatch(theirs.run, nTheirs));
      if (r % 3 === 0) { peaks.push(peakOnce()); relaxedPeaks.push(peakOnce(relaxedKernels)); }
    }
    simdTesting.use('relaxed');
    ours.dispose();
    theirs.dispose();
    const [relaxed, plain, tfjs] = t.map((ts) => median(ts.map((x) => x.cpu)));
    const wallRatio = median(t[2].map((x) => x.wall)) / median(t[0].map((x) => x.wall));
    rows.push({ c, relaxed, plain, tfjs, wallRatio });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const peak = median(peaks), relaxedPeak = median(relaxedPeaks);
  const range = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
  console.log(`register-only peaks (medians of ${peaks.length} probes each): plain f32x4 mul+add ${peak.toFixed(1)} GFLOP/s ` +
    `(range ${range(peaks)}), relaxed_madd ${relaxedPeak.toFixed(1)} GFLOP/s (range ${range(relaxedPeaks)})\n`);
  console.log('| case | shape | relaxed ms | plain ms | tfjs ms | relaxed GFLOP/s | plain GFLOP/s | tfjs GFLOP/s | relaxed/tfjs | ' +
    'plain/tfjs | relaxed/plain | (wall) | goal | relaxed % relaxed peak |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { c, relaxed, plain, tfjs, wallRatio } of rows) {
    const flop = 2 * c.M * c.N * c.K;
    const g = (ms: number): number => flop / (ms * 1e6);
    // the relaxed bar: >= 1.4x tfjs-wasm on the square 256-1024 and MLP forward shapes
    const goal = c.group === 'MLP forward' || (c.group === 'square' && c.goal !== undefined)
      ? `1.4x ${tfjs / relaxed >= 1.4 ? 'met' : 'MISSED'}` : '';
    console.log(`| ${c.group} | ${c.label} | ${relaxed.toFixed(3)} | ${plain.toFixed(3)} | ${tfjs.toFixed(3)} | ${g(relaxed).toFixed(1)} | ` +
      `${g(plain).toFixed(1)} | ${g(tfjs).toFixed(1)} | ${(tfjs / relaxed).toFixed(2)} | ${(tfjs / plain).toFixed(2)} | ` +
      `${(plain / relaxed).toFixed(2)} | ${wallRatio.toFixed(2)} | ${goal} | ${((100 * g(relaxed)) / relaxedPeak).toFixed(0)}% |`);
  }
  console.log(`\nload after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

async function main(): Promise<void> {
  await init({ threads: 1 }); // one thread, as the single-threaded peers
  await useBackend('wasm');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threaded' : 'one thread';
  const load = loadavg().map((v) => v.toFixed(2)).join(' ');
  console.log(`# gemm: ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ` +
    `tfjs-backend-wasm ${threads}, load ${load}`);

  for (let i = 0; i < 5; i++) peakOnce();
  const peaks: number[] = [];
  const rows: Row[] = [];
  const next = mulberry32(2024);
  const pixels = (await datasets.mnist({ subset: { train: 256, test: 1 } })).train.x;
  for (const c of cases) {
    const a = c.mnist ? pixels.slice(0, c.M * c.K) : uniformF32(next, c.M * c.K), b = uniformF32(next, c.K * c.N), bias = uniformF32(next, c.N);
    const ours = actlabSide(c, a, b, bias), theirs = tfjsSide(c, a, b, bias);
    const nOurs = calibrate(ours.run), nTheirs = calibrate(theirs.run);
    const tOurs: Timing[] = [], tTheirs: Timing[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      tOurs.push(timeBatch(ours.run, nOurs));
      tTheirs.push(timeBatch(theirs.run, nTheirs));
      if (r % 3 === 0) peaks.push(peakOnce());
    }
    ours.dispose();
    theirs.dispose();
    const wallRatio = median(tTheirs.map((t) => t.wall)) / median(tOurs.map((t) => t.wall));
    rows.push({ c, ours: median(tOurs.map((t) => t.cpu)), theirs: median(tTheirs.map((t) => t.cpu)), wallRatio });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const peak = median(peaks);
  console.log(`register-only f32x4 mul+add peak: ${peak.toFixed(1)} GFLOP/s (median of ${peaks.length} probes, ` +
    `range ${Math.min(...peaks).toFixed(1)}-${Math.max(...peaks).toFixed(1)})\n`);
  console.log('| case | shape | actlab ms | tfjs ms | actlab GFLOP/s | tfjs GFLOP/s | speed-up (tfjs ms / actlab ms) | (wall) | goal | actlab % of probe | tfjs % of probe |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { c, ours, theirs, wallRatio } of rows) {
    const flop = 2 * c.M * c.N * c.K;
    const g1 = flop / (ours * 1e6), g2 = flop / (theirs * 1e6);
    const ratio = theirs / ours;
    const goal = c.goal === undefined ? '' : `${c.goal}x ${ratio >= c.goal ? 'met' : 'MISSED'}`;
    console.log(`| ${c.group} | ${c.label} | ${ours.toFixed(3)} | ${theirs.toFixed(3)} | ${g1.toFixed(1)} | ${g2.toFixed(1)} | ` +
      `${ratio.toFixed(2)} | ${wallRatio.toFixed(2)} | ${goal} | ${((100 * g1) / peak).toFixed(0)}% | ${((100 * g2) / peak).toFixed(0)}% |`);
  }
  console.log(`\nload after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

await (RELAXED ? mainRelaxed() : main());
