// conv2d forward, input gradient and filter gradient: actlab next to tf.js in the same
// process, interleaved (a batch of actlab calls, a batch of tf.js calls, repeated), medians
// of CPU time, GFLOP/s with 2 * N * OH * OW * KH * KW * Cin * Cout flops per pass.
// tf.js: tfjs-backend-wasm 4.22.0 (XNNPACK) for the forward pass and the input gradient.
// The wasm backend registers no Conv2DBackpropFilter, so tf.js's conv2d filter gradient runs
// on tfjs-backend-cpu there; its wasm Conv3DBackpropFilterV2 computes the same gradient for a
// depth-1 volume, so the filter gradient is also timed through it (the fairer peer, and the
// ratio the headline quotes). One thread on both sides. Prints a markdown table for bench/README.md.
// With --relaxed (npm run bench -- conv --relaxed) it times actlab's relaxed-SIMD kernels
// against its plain ones instead, on the same tensors, interleaved, medians of CPU time.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { init, tensor, conv2d, conv2dBackpropInput, conv2dBackpropFilter, simdInfo, type Tensor } from '../src/index.js';
import { simdTesting } from '../src/core/wasm.js';
import { cpuMs, interleave, seededFill, median } from './util.js';

type Shape4 = [number, number, number, number];

interface Case { readonly x: Shape4; readonly f: Shape4 }

const CASES: Case[] = [
  { x: [32, 28, 28, 1], f: [3, 3, 1, 32] },
  { x: [32, 13, 13, 32], f: [3, 3, 32, 64] },
  { x: [32, 32, 32, 3], f: [3, 3, 3, 32] },
  { x: [32, 5, 5, 64], f: [3, 3, 64, 64] }, // the slide-13 CNN's third layer (im2col + sgemm for the forward pass and the filter gradient)
];

/** Wall time of one call in ms. */
function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** fn repeated often enough that one timed sample lasts about 25 ms (CPU-time ticks are coarse). */
function batched(fn: () => void): { run: () => void; calls: number } {
  fn();
  const calls = Math.max(1, Math.min(1000, Math.ceil(25 / Math.max(time(fn), 1e-3))));
  return { run: () => { for (let i = 0; i < calls; i++) fn(); }, calls };
}

/**
 * Interleaved CPU-time medians (ms per call) of `reps` samples of actlab and tf.js, each a
 * batch of calls of about 25 ms, after three warm-up rounds (interleave's).
 */
function race(ours: () => void, theirs: () => void, reps: number): [number, number] {
  const a = batched(ours), b = batched(theirs);
  const [ta, tb] = interleave(reps, [a.run, b.run], cpuMs);
  return [ta / a.calls, tb / b.calls];
}

/** relaxed against plain: the same calls with the kernels switched, interleaved, CPU-time medians. */
async function mainRelaxed(): Promise<void> {
  await init({ threads: 1, relaxedSimd: true });
  const info = simdInfo();
  if (info.engine !== 'relaxed') throw new Error(`actlab bench: --relaxed, but the relaxed kernels did not load: ${info.reason ?? 'unknown'}`);
  const rows: string[] = [];
  for (const c of CASES) {
    const [n, h, w, cin] = c.x;
    const [kh, kw, , cout] = c.f;
    const oh = h - kh + 1, ow = w - kw + 1;
    const flops = 2 * n * oh * ow * kh * kw * cin * cout;
    const x = tensor(seededFill(n * h * w * cin, 1), c.x), f = tensor(seededFill(kh * kw * cin * cout, 2), c.f);
    const dy = tensor(seededFill(n * oh * ow * cout, 3), [n, oh, ow, cout]);
    const passes: [string, () => Tensor][] = [
      ['forward', () => conv2d(x, f, 1, 'valid')],
      ['grad input', () => conv2dBackpropInput(c.x, dy, f, 1, 'valid')],
      ['grad filter', () => conv2dBackpropFilter(x, dy, c.f, 1, 'valid')],
    ];
    for (const [pass, make] of passes) {
      const on = (e: 'relaxed' | 'plain') => (): void => { simdTesting.use(e); make().dispose(); };
      const [r, p] = interleave(21, [on('relaxed'), on('plain')], cpuMs);
      const g = (t: number): string => (flops / t / 1e6).toFixed(2);
      rows.push(`| [${c.x.join(',')}]x[${c.f.join(',')}] | ${pass} | ${r.toFixed(2)} | ${g(r)} | ${p.toFixed(2)} | ${g(p)} | ${(p / r).toFixed(2)}x |`);
    }
    for (const t of [x, f, dy]) t.dispose();
  }
  console.log(`date: ${new Date().toISOString()}; node ${process.version} ${process.execArgv.join(' ')}; loadavg: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log('| conv2d (valid, stride 1) | pass | relaxed ms | relaxed GFLOP/s | plain ms | plain GFLOP/s | relaxed / plain |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

async function main(): Promise<void> {
  await init({ threads: 1 }); // one thread, as the single-threaded peers
  setWasmPaths(join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  if (!(await tf.setBackend('cpu')) || !(await tf.setBackend('wasm'))) throw new Error('tf.js backends failed to initialise');

  const rows: string[] = [];
  for (const c of CASES) {
    const [n, h, w, cin] = c.x;
    const [kh, kw, , cout] = c.f;
    const oh = h - kh + 1, ow = w - kw + 1;
    const yShape: Shape4 = [n, oh, ow, cout];
    const flops = 2 * n * oh * ow * kh * kw * cin * cout;
    const xv = seededFill(n * h * w * cin, 1), fv = seededFill(kh * kw * cin * cout, 2), dyv = seededFill(n * oh * ow * cout, 3);
    const x = tensor(xv, c.x), f = tensor(fv, c.f), dy = tensor(dyv, yShape);
    const shape = `[${c.x.join(',')}]x[${c.f.join(',')}]`;
    const row = (pass: string, tfName: string, ms: [number, number]): void => {
      const g = (t: number): string => (flops / t / 1e6).toFixed(2);
      rows.push(`| ${shape} | ${pass} | ${ms[0].toFixed(2)} | ${g(ms[0])} | ${ms[1].toFixed(2)} | ${g(ms[1])} | ${tfName} | ${(ms[1] / ms[0]).toFixed(2)}x |`);
      console.log(rows[rows.length - 1]);
    };
    const ours = (make: () => Tensor) => () => make().dispose();
    const filterGrad = ours(() => conv2dBackpropFilter(x, dy, c.f, 1, 'valid'));

    await tf.setBackend('wasm');
    let tx = tf.tensor4d(xv, c.x), tfl = tf.tensor4d(fv, c.f), tdy = tf.tensor4d(dyv, yShape);
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' };
    row('forward', 'wasm', race(ours(() => conv2d(x, f, 1, 'valid')), () => tf.conv2d(tx, tfl, 1, 'valid').dispose(), 15));
    row('grad input', 'wasm', race(ours(() => conv2dBackpropInput(c.x, dy, f, 1, 'valid')),
      () => (tf.engine().runKernel('Conv2DBackpropInput', { dy: tdy, filter: tfl }, { ...attrs, inputShape: c.x }) as tf.Tensor).dispose(), 15));
    // The same filter gradient as a depth-1 3-D convolution, which the wasm backend does register.
    const tx5 = tf.tensor5d(xv, [n, 1, h, w, cin]), tdy5 = tf.tensor5d(dyv, [n, 1, oh, ow, cout]);
    const attrs3 = { strides: [1, 1, 1, 1, 1], pad: 'valid', filterShape: [1, kh, kw, cin, cout] };
    {
      // The peer must compute the same numbers: compare once against actlab's filter gradient.
      const mine = conv2dBackpropFilter(x, dy, c.f, 1, 'valid');
      const theirs = tf.engine().runKernel('Conv3DBackpropFilterV2', { x: tx5, dy: tdy5 }, attrs3) as tf.Tensor;
      const u = mine.dataSync(), v = theirs.dataSync();
      let worst = 0, scale = 0;
      for (let i = 0; i < u.length; i++) { worst = Math.max(worst, Math.abs(u[i] - v[i])); scale = Math.max(scale, Math.abs(u[i])); }
      mine.dispose(); theirs.dispose();
      if (!(worst <= 1e-4 * scale)) throw new Error(`actlab bench: Conv3DBackpropFilterV2 differs from actlab's filter gradient by ${worst} (largest value ${scale})`);
    }
    row('grad filter', 'wasm (Conv3DBackpropFilterV2)', race(filterGrad,
      () => (tf.engine().runKernel('Conv3DBackpropFilterV2', { x: tx5, dy: tdy5 }, attrs3) as tf.Tensor).dispose(), 9));
    tf.dispose([tx, tfl, tdy, tx5, tdy5]);

    // tf.js's own conv2d filter gradient, on the cpu backend: a warm-up, then 3 interleaved calls each
    // (it takes a second or more a call).
    await tf.setBackend('cpu');
    tx = tf.tensor4d(xv, c.x);
    tdy = tf.tensor4d(dyv, yShape);
    const cpuFilter = (): void => (tf.engine().runKernel('Conv2DBackpropFilter', { x: tx, dy: tdy }, { ...attrs, filterShape: c.f }) as tf.Tensor).dispose();
    const a = batched(filterGrad);
    cpuFilter();
    const oursMs: number[] = [], theirsMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      let t0 = cpuMs(); a.run(); oursMs.push((cpuMs() - t0) / a.calls);
      t0 = cpuMs(); cpuFilter(); theirsMs.push(cpuMs() - t0);
    }
    row('grad filter', 'cpu (Conv2DBackpropFilter)', [median(oursMs), median(theirsMs)]);
    tf.dispose([tx, tdy]);
    for (const t of [x, f, dy]) t.dispose();
  }

  console.log('');
  console.log(`date: ${new Date().toISOString()}; node ${process.version}; loadavg: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log('| conv2d (valid, stride 1) | pass | actlab ms | actlab GFLOP/s | tf.js ms | tf.js GFLOP/s | tf.js backend | speed-up (tf.js ms / actlab ms) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  pooledFilterGradient();
}

/**
 * A dy shaped like a 2x2 max pool's gradient: per window one preferred position, which each
 * channel takes with probability 0.7 (else a random one), its value nonzero with probability
 * 0.6; the last row and column of an odd size get none, as a valid pool drops them. About half
 * of the pixels are then zero over a block of 8 channels, close to the slide-13 CNN's layers
 * after one epoch (46% and 57%).
 */
function pooledDy(n: number, oh: number, ow: number, cout: number, seed: number): Float32Array {
  const r = seededFill(n * (oh >> 1) * (ow >> 1) * (3 + 3 * cout), seed);
  let i = 0;
  const u = (): number => r[i++] * 0.5 + 0.5; // seededFill is uniform in [-1, 1)
  const dy = new Float32Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++) for (let y = 0; y + 1 < oh; y += 2) for (let x = 0; x + 1 < ow; x += 2) {
    const pref = Math.min(3, Math.floor(u() * 4));
    for (let c = 0; c < cout; c++) {
      const k = u() < 0.7 ? pref : Math.min(3, Math.floor(u() * 4));
      const v = u();
      if (u() < 0.6) dy[((b * oh + y + (k >> 1)) * ow + x + (k & 1)) * cout + c] = v - 0.5;
    }
  }
  return dy;
}

/** The filter gradient of the CNN's layers with a dense dy and with a pool-shaped dy (same shapes), interleaved. */
function pooledFilterGradient(): void {
  const out: string[] = [];
  for (const c of CASES.slice(0, 2)) {
    const [n, h, w, cin] = c.x;
    const [kh, kw, , cout] = c.f;
    const oh = h - kh + 1, ow = w - kw + 1;
    const flops = 2 * n * oh * ow * kh * kw * cin * cout;
    const x = tensor(seededFill(n * h * w * cin, 1), c.x);
    const dense = tensor(seededFill(n * oh * ow * cout, 3), [n, oh, ow, cout]), pooled = tensor(pooledDy(n, oh, ow, cout, 5), [n, oh, ow, cout]);
    const run = (dy: Tensor) => (): void => conv2dBackpropFilter(x, dy, c.f, 1, 'valid').dispose();
    const [d, p] = interleave(21, [run(dense), run(pooled)], cpuMs);
    const g = (t: number): string => (flops / t / 1e6).toFixed(2);
    out.push(`| [${c.x.join(',')}]x[${c.f.join(',')}] | ${d.toFixed(2)} | ${g(d)} | ${p.toFixed(2)} | ${g(p)} | ${(d / p).toFixed(2)}x |`);
    for (const t of [x, dense, pooled]) t.dispose();
  }
  console.log('');
  console.log('filter gradient, dy dense or shaped by a 2x2 max pool (21 interleaved calls each, medians of CPU time):');
  console.log('| conv2d (valid, stride 1) | dense dy ms | GFLOP/s | pooled dy ms | GFLOP/s (the dense count) | dense / pooled |');
  console.log('|---|---|---|---|---|---|');
  for (const r of out) console.log(r);
}

await (process.argv.includes('--relaxed') ? mainRelaxed() : main());
