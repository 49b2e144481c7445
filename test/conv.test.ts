// conv2d, its two gradients and 2-D pooling against float64 naive references (a seeded
// sweep over sizes around the 4-pixel x 8-channel tile, strides, dilations and both
// paddings), central finite differences, tf.js (wasm for the forward pass and the input
// gradient, cpu for the filter gradient), bit-for-bit determinism and the errors.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  init, tensor, activations, conv2d, conv2dBackpropInput, conv2dBackpropFilter, conv2dBackpropBias, maxPool,
  maxPoolWithArgmax, maxPoolBackprop, avgPool, avgPoolBackprop, flatten, threadInfo, type ActivationName, type Tensor, type Shape,
} from '../src/index.js';
import { mulberry32, uniform, pick } from './helpers/mulberry32.js';
import {
  outDims, refConv2d, refConv2dGradInput, refConv2dGradFilter, refConv2dGradFilterF32, poolDims, refMaxPool, refMaxPoolGrad, refAvgPool,
  refAvgPoolGrad, finiteDiff, dot, type ConvCase, type Dims, type PoolCase, type Pad,
} from './helpers/conv-reference.js';
import { loadTf, onBackend, tf } from './helpers/tfjs.js';
import { rt, threadTesting } from '../src/core/wasm.js';
import { convTesting } from '../src/ops/conv.js';

const wrong = <T>(v: unknown): T => v as T;

const U = 2 ** -24;

function describeCase(c: ConvCase): string {
  return `x [${c.n}, ${c.h}, ${c.w}, ${c.cin}] filter [${c.kh}, ${c.kw}, ${c.cin}, ${c.cout}] ` +
    `strides [${c.sh}, ${c.sw}] dilations [${c.dh}, ${c.dw}] pad '${c.pad}'`;
}

/**
 * Fails with the case, the index, expected and actual unless every value is within
 * (terms + 2) ulp-units of its term scale (a float32 sum of `terms` products).
 */
function expectClose(what: string, actual: Float32Array, ref: { v: Float64Array; scale: Float64Array }, terms: number): number {
  expect(actual.length, `${what}: length`).toBe(ref.v.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - ref.v[i]);
    const tol = (terms + 2) * U * ref.scale[i] + 1e-30;
    if (!(err <= tol)) {
      throw new Error(`${what}: index ${i}: expected ${ref.v[i]}, actual ${actual[i]} (error ${err.toExponential(3)} > tolerance ${tol.toExponential(3)})`);
    }
    worst = Math.max(worst, ref.scale[i] > 0 ? err / ref.scale[i] : 0);
  }
  return worst;
}

function bitsEqual(what: string, a: Float32Array, b: Float32Array): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) throw new Error(`${what}: index ${i}: ${a[i]} and ${b[i]} differ in their bits`);
  }
}

/** Runs fn with tensors made from the arrays, disposing them (and fn's result) afterwards. */
function withTensors<T>(inputs: Array<[ArrayLike<number>, Shape]>, fn: (ts: Tensor[]) => Tensor, read: (t: Tensor) => T): T {
  const ts = inputs.map(([v, s]) => tensor(v, s));
  try {
    const out = fn(ts);
    try { return read(out); } finally { out.dispose(); }
  } finally {
    for (const t of ts) t.dispose();
  }
}

beforeAll(async () => {
  await init();
  await loadTf();
});

// ---- the sweep ------------------------------------------------------------------------------

const HW = [1, 5, 7, 8];
const CIN = [1, 3, 4, 5];
const COUT = [1, 3, 4, 8, 9];
const KERNELS: Array<[number, number]> = [[1, 1], [3, 3], [2, 3], [5, 5]];

/** Seeded cases that together cover every listed size, kernel, stride, dilation and padding. */
function sweep(count: number, seed: number): ConvCase[] {
  const rand = mulberry32(seed);
  const cases: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const [kh, kw] = KERNELS[i % KERNELS.length];
    cases.push({
      n: 1 + pick(rand, 2), h: HW[pick(rand, 4)], w: HW[(i >> 2) % 4], cin: CIN[(i >> 1) % 4], cout: COUT[i % 5],
      kh, kw, sh: 1 + pick(rand, 2), sw: 1 + (i & 1), dh: 1 + pick(rand, 2), dw: 1 + ((i >> 3) & 1),
      pad: (i >> 4) & 1 ? 'valid' : 'same',
    });
  }
  return cases;
}

describe('conv2d against the float64 reference', () => {
  const cases = sweep(320, 8);

  // Twice: with every conv on the direct kernels, and with im2col + sgemm wherever it
  // applies (kh * kw * cin >= 64, the forward pass and the unpadded filter gradients).
  it.each([['direct kernels', 0], ['im2col + sgemm where it applies', 2 ** 30]] as const)('forward (with bias), input gradient and filter gradient over the sweep: %s', (_, maxBytes) => {
    convTesting.setIm2colImageMaxBytes(maxBytes);
    try {
      sweepAgainstReference();
    } finally {
      convTesting.setIm2colImageMaxBytes(undefined);
    }
  });

  function sweepAgainstReference(): void {
    const rand = mulberry32(1);
    let run = 0, rejected = 0, worst = 0;
    for (const c of cases) {
      const d = outDims(c);
      const xs = [c.n, c.h, c.w, c.cin], fs = [c.kh, c.kw, c.cin, c.cout];
      const x = uniform(rand, c.n * c.h * c.w * c.cin), f = uniform(rand, c.kh * c.kw * c.cin * c.cout);
      if (d === undefined) {
        const tx = tensor(x, xs), tfl = tensor(f, fs);
        expect(() => conv2d(tx, tfl, [c.sh, c.sw], c.pad, [c.dh, c.dw]), describeCase(c)).toThrow(/larger than the input/);
        tx.dispose();
        tfl.dispose();
        rejected++;
        continue;
      }
      const ys = [c.n, d.oh, d.ow, c.cout];
      const bias = uniform(rand, c.cout);
      const dy = uniform(rand, c.n * d.oh * d.ow * c.cout);
      const name = describeCase(c);
      const taps = c.kh * c.kw * c.cin;
      const y = withTensors([[x, xs], [f, fs], [bias, [c.cout]]],
        ([a, b, bb]) => conv2d(a, b, [c.sh, c.sw], c.pad, [c.dh, c.dw], bb), (t) => t.dataSync());
      worst = Math.max(worst, expectClose(`conv2d ${name}`, y, refConv2d(c, d, x, f, bias), taps + 1));
      const dx = withTensors([[dy, ys], [f, fs]],
        ([g, b]) => conv2dBackpropInput(xs, g, b, [c.sh, c.sw], c.pad, [c.dh, c.dw]), (t) => t.dataSync());
      worst = Math.max(worst, expectClose(`conv2dBackpropInput ${name}`, dx, refConv2dGradInput(c, d, dy, f), c.kh * c.kw * c.cout));
      const df = withTensors([[x, xs], [dy, ys]],
        ([a, g]) => conv2dBackpropFilter(a, g, fs, [c.sh, c.sw], c.pad, [c.dh, c.dw]), (t) => t.dataSync());
      worst = Math.max(worst, expectClose(`conv2dBackpropFilter ${name}`, df, refConv2dGradFilter(c, d, x, dy), c.n * d.oh * d.ow));
      run++;
    }
    console.log(`conv2d sweep: ${run} cases checked (3 kernels each), ${rejected} rejected as 'valid' windows larger than ` +
      `the input; largest error / term scale ${worst.toExponential(2)}`);
    expect(run).toBeGreaterThan(200);
  }

  it('filters wider than the input: every tap in the padding, for every kernel', () => {
    // The filter gradient's flattened path (cin < 4) once ran its left-border loop past the
    // output row when a filter row's first tap stayed in the padding for every pixel.
    const rand = mulberry32(3);
    let run = 0;
    for (const h of [1, 3]) for (const w of [1, 2, 3]) for (const kh of [1, 3]) for (let kw = 1; kw <= 9; kw++) {
      for (const cin of [1, 2, 3, 5]) for (const cout of [1, 9]) for (const sw of [1, 2]) for (const pad of ['same', 'valid'] as const) {
        const c: ConvCase = { n: 1, h, w, cin, kh, kw, cout, sh: 1, sw, dh: 1, dw: 1, pad };
        const d = outDims(c);
        if (d === undefined) continue;
        const xs = [1, h, w, cin], fs = [kh, kw, cin, cout], ys = [1, d.oh, d.ow, cout];
        const x = uniform(rand, h * w * cin), f = uniform(rand, kh * kw * cin * cout), dy = uniform(rand, d.oh * d.ow * cout);
        const name = describeCase(c);
        const y = withTensors([[x, xs], [f, fs]], ([a, b]) => conv2d(a, b, [1, sw], pad), (t) => t.dataSync());
        expectClose(`conv2d ${name}`, y, refConv2d(c, d, x, f), kh * kw * cin);
        const dx = withTensors([[dy, ys], [f, fs]], ([g, b]) => conv2dBackpropInput(xs, g, b, [1, sw], pad), (t) => t.dataSync());
        expectClose(`conv2dBackpropInput ${name}`, dx, refConv2dGradInput(c, d, dy, f), kh * kw * cout);
        const df = withTensors([[x, xs], [dy, ys]], ([a, g]) => conv2dBackpropFilter(a, g, fs, [1, sw], pad), (t) => t.dataSync());
        expectClose(`conv2dBackpropFilter ${name}`, df, refConv2dGradFilter(c, d, x, dy), d.oh * d.ow);
        run++;
      }
    }
    expect(run).toBeGreaterThan(1000);
  });

  it('the analytic gradients agree with central finite differences of the float64 forward pass', () => {
    const rand = mulberry32(2);
    const small: ConvCase[] = [
      { n: 1, h: 5, w: 4, cin: 2, kh: 3, kw: 2, cout: 3, sh: 2, sw: 1, dh: 1, dw: 2, pad: 'same' },
      { n: 2, h: 6, w: 5, cin: 3, kh: 2, kw: 3, cout: 5, sh: 1, sw: 2, dh: 2, dw: 1, pad: 'valid' },
    ];
    for (const c of small) {
      const d = outDims(c);
      if (d === undefined) throw new Error('case has no output');
      const x = uniform(rand, c.n * c.h * c.w * c.cin), f = uniform(rand, c.kh * c.kw * c.cin * c.cout);
      const g = uniform(rand, c.n * d.oh * d.ow * c.cout);
      const xs = [c.n, c.h, c.w, c.cin], fs = [c.kh, c.kw, c.cin, c.cout], ys = [c.n, d.oh, d.ow, c.cout];
      // L(x, f) = sum(g * conv(x, f)); dL/dx and dL/df by central differences in float64
      const fdX = finiteDiff(Float64Array.from(x), (q) => dot(g, refConv2d(c, d, q, f).v));
      const fdF = finiteDiff(Float64Array.from(f), (q) => dot(g, refConv2d(c, d, x, q).v));
      const anX = refConv2dGradInput(c, d, g, f), anF = refConv2dGradFilter(c, d, x, g);
      for (let i = 0; i < fdX.length; i++) expect(Math.abs(fdX[i] - anX.v[i]), `${describeCase(c)} dx[${i}]`).toBeLessThan(1e-9);
      for (let i = 0; i < fdF.length; i++) expect(Math.abs(fdF[i] - anF.v[i]), `${describeCase(c)} df[${i}]`).toBeLessThan(1e-9);
      const dx = withTensors([[g, ys], [f, fs]], ([a, b]) => conv2dBackpropInput(xs, a, b, [c.sh, c.sw], c.pad, [c.dh, c.dw]), (t) => t.dataSync());
      const df = withTensors([[x, xs], [g, ys]], ([a, b]) => conv2dBackpropFilter(a, b, fs, [c.sh, c.sw], c.pad, [c.dh, c.dw]), (t) => t.dataSync());
      expectClose(`finite-difference dx ${describeCase(c)}`, dx, { v: fdX, scale: anX.scale.map((s) => s + 1e-6) }, 64);
      expectClose(`finite-difference df ${describeCase(c)}`, df, { v: fdF, scale: anF.scale.map((s) => s + 1e-6) }, 64);
    }
  });
});

describe('conv2d against tf.js 4.22.0', () => {
  const shapes: ConvCase[] = [
    { n: 2, h: 8, w: 7, cin: 3, kh: 3, kw: 3, cout: 9, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'same' },
    { n: 1, h: 9, w: 11, cin: 5, kh: 5, kw: 5, cout: 8, sh: 2, sw: 2, dh: 1, dw: 1, pad: 'valid' },
    { n: 3, h: 7, w: 8, cin: 4, kh: 2, kw: 3, cout: 3, sh: 2, sw: 1, dh: 1, dw: 1, pad: 'same' },
    { n: 2, h: 13, w: 13, cin: 32, kh: 3, kw: 3, cout: 64, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid' },
    { n: 1, h: 9, w: 9, cin: 3, kh: 3, kw: 3, cout: 5, sh: 1, sw: 1, dh: 2, dw: 2, pad: 'same' },
    { n: 1, h: 10, w: 9, cin: 2, kh: 3, kw: 2, cout: 4, sh: 1, sw: 1, dh: 2, dw: 3, pad: 'valid' },
    // more than one chunk of 64 tiles of 4 output pixels per image, two images
    { n: 2, h: 21, w: 19, cin: 3, kh: 3, kw: 2, cout: 5, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'same' },
    { n: 2, h: 24, w: 23, cin: 8, kh: 3, kw: 3, cout: 12, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid' },
  ];

  it('forward vs tfjs-backend-wasm, input gradient vs tfjs-backend-wasm, filter gradient vs tfjs-backend-cpu', async () => {
    const rand = mulberry32(3);
    const largest = { forward: 0, input: 0, filter: 0 };
    for (const c of shapes) {
      const d = outDims(c) as Dims;
      const xs: [number, number, number, number] = [c.n, c.h, c.w, c.cin];
      const fs: [number, number, number, number] = [c.kh, c.kw, c.cin, c.cout];
      const ys: [number, number, number, number] = [c.n, d.oh, d.ow, c.cout];
      const x = uniform(rand, c.n * c.h * c.w * c.cin), f = uniform(rand, c.kh * c.kw * c.cin * c.cout);
      const dy = uniform(rand, c.n * d.oh * d.ow * c.cout);
      const name = describeCase(c);
      const compare = (what: keyof typeof largest, ours: Float32Array, theirs: Float32Array, ref: { v: Float64Array; scale: Float64Array }, terms: number): void => {
        expect(ours.length, `${what} ${name}: length`).toBe(theirs.length);
        for (let i = 0; i < ours.length; i++) {
          const diff = Math.abs(ours[i] - theirs[i]);
          largest[what] = Math.max(largest[what], diff);
          const tol = 2 * (terms + 2) * U * ref.scale[i] + 1e-30;
          if (!(diff <= tol)) throw new Error(`${what} ${name}: index ${i}: tf.js ${theirs[i]}, actlab ${ours[i]} (difference ${diff} > ${tol})`);
        }
      };
      const yTf = await onBackend('wasm', () => tf.conv2d(tf.tensor4d(x, xs), tf.tensor4d(f, fs), [c.sh, c.sw], c.pad, 'NHWC', [c.dh, c.dw]));
      const y = withTensors([[x, xs], [f, fs]], ([a, b]) => conv2d(a, b, [c.sh, c.sw], c.pad, [c.dh, c.dw]), (t) => t.dataSync());
      compare('forward', y, yTf, refConv2d(c, d, x, f), c.kh * c.kw * c.cin);
      if (c.dh === 1 && c.dw === 1) {
        // tf.js's conv2d gradients reject dilations > 1
        const attrs = { strides: [c.sh, c.sw], pad: c.pad, dataFormat: 'NHWC' };
        const dxTf = await onBackend('wasm', () => tf.engine().runKernel('Conv2DBackpropInput',
          { dy: tf.tensor4d(dy, ys), filter: tf.tensor4d(f, fs) }, { ...attrs, inputShape: xs }) as tf.Tensor);
        const dx = withTensors([[dy, ys], [f, fs]], ([a, b]) => conv2dBackpropInput(xs, a, b, [c.sh, c.sw], c.pad), (t) => t.dataSync());
        compare('input', dx, dxTf, refConv2dGradInput(c, d, dy, f), c.kh * c.kw * c.cout);
        const dfTf = await onBackend('cpu', () => tf.engine().runKernel('Conv2DBackpropFilter',
          { x: tf.tensor4d(x, xs), dy: tf.tensor4d(dy, ys) }, { ...attrs, filterShape: fs }) as tf.Tensor);
        const df = withTensors([[x, xs], [dy, ys]], ([a, b]) => conv2dBackpropFilter(a, b, fs, [c.sh, c.sw], c.pad), (t) => t.dataSync());
        compare('filter', df, dfTf, refConv2dGradFilter(c, d, x, dy), c.n * d.oh * d.ow);
      }
    }
    console.log(`conv2d vs tf.js: largest |difference| forward (wasm) ${largest.forward.toExponential(2)}, ` +
      `input gradient (wasm) ${largest.input.toExponential(2)}, filter gradient (cpu) ${largest.filter.toExponential(2)}`);
  });
});

describe('conv2d determinism, fusion and splitting', () => {
  // 19 x 28 output pixels per image: more than one chunk of 64 tiles
  const c: ConvCase = { n: 3, h: 37, w: 28, cin: 5, kh: 3, kw: 3, cout: 9, sh: 2, sw: 1, dh: 1, dw: 2, pad: 'same' };
  const d = outDims(c) as Dims;
  const rand = mulberry32(4);
  const x = uniform(rand, c.n * c.h * c.w * c.cin), f = uniform(rand, c.kh * c.kw * c.cin * c.cout);
  const bias = uniform(rand, c.cout), dy = uniform(rand, c.n * d.oh * d.ow * c.cout);
  const xs = [c.n, c.h, c.w, c.cin], fs = [c.kh, c.kw, c.cin, c.cout], ys = [c.n, d.oh, d.ow, c.cout];
  const image = (v: Float32Array, i: number, per: number): Float32Array => v.slice(i * per, (i + 1) * per);

  it('gives the same bits on every run and image by image as for the whole batch', () => {
    const fwd = (xv: Float32Array, n: number): Float32Array => withTensors([[xv, [n, c.h, c.w, c.cin]], [f, fs], [bias, [c.cout]]],
      ([a, b, bb]) => conv2d(a, b, [c.sh, c.sw], c.pad, [c.dh, c.dw], bb), (t) => t.dataSync());
    const bwd = (g: Float32Array, n: number): Float32Array => withTensors([[g, [n, d.oh, d.ow, c.cout]], [f, fs]],
      ([a, b]) => conv2dBackpropInput([n, c.h, c.w, c.cin], a, b, [c.sh, c.sw], c.pad, [c.dh, c.dw]), (t) => t.dataSync());
    const whole = fwd(x, c.n), wholeDx = bwd(dy, c.n);
    bitsEqual('conv2d run twice', whole, fwd(x, c.n));
    bitsEqual('conv2dBackpropInput run twice', wholeDx, bwd(dy, c.n));
    const inImg = c.h * c.w * c.cin, outImg = d.oh * d.ow * c.cout;
    for (let i = 0; i < c.n; i++) {
      bitsEqual(`conv2d image ${i} alone`, fwd(image(x, i, inImg), 1), image(whole, i, outImg));
      bitsEqual(`conv2dBackpropInput image ${i} alone`, bwd(image(dy, i, outImg), 1), image(wholeDx, i, inImg));
    }
    const df = (): Float32Array => withTensors([[x, xs], [dy, ys]], ([a, b]) => conv2dBackpropFilter(a, b, fs, [c.sh, c.sw], c.pad, [c.dh, c.dw]), (t) => t.dataSync());
    bitsEqual('conv2dBackpropFilter run twice', df(), df());
  });

  it("'same' padding gives the same bits as 'valid' on an explicitly zero-padded input", () => {
    for (const k of [
      { sh: 1, sw: 1, dh: 1, dw: 1, kh: 3, kw: 3 }, { sh: 2, sw: 1, dh: 1, dw: 2, kh: 3, kw: 3 },
      { sh: 1, sw: 2, dh: 2, dw: 1, kh: 2, kw: 5 }, { sh: 2, sw: 2, dh: 1, dw: 1, kh: 5, kw: 5 },
    ]) {
      const cc: ConvCase = { ...c, ...k, pad: 'same' };
      const dd = outDims(cc) as Dims;
      const hp = (dd.oh - 1) * k.sh + (k.kh - 1) * k.dh + 1, wp = (dd.ow - 1) * k.sw + (k.kw - 1) * k.dw + 1;
      const xp = new Float32Array(c.n * hp * wp * c.cin);
      for (let b = 0; b < c.n; b++) for (let iy = 0; iy < hp; iy++) for (let ix = 0; ix < wp; ix++) for (let ci = 0; ci < c.cin; ci++) {
        const sy = iy - dd.pt, sx = ix - dd.pl;
        if (sy >= 0 && sy < c.h && sx >= 0 && sx < c.w) xp[((b * hp + iy) * wp + ix) * c.cin + ci] = x[((b * c.h + sy) * c.w + sx) * c.cin + ci];
      }
      const ff = uniform(mulberry32(9), k.kh * k.kw * c.cin * c.cout);
      const fsk = [k.kh, k.kw, c.cin, c.cout];
      const same = withTensors([[x, xs], [ff, fsk]], ([a, b]) => conv2d(a, b, [k.sh, k.sw], 'same', [k.dh, k.dw]), (t) => t.dataSync());
      const valid = withTensors([[xp, [c.n, hp, wp, c.cin]], [ff, fsk]], ([a, b]) => conv2d(a, b, [k.sh, k.sw], 'valid', [k.dh, k.dw]), (t) => t.dataSync());
      bitsEqual(`conv2d ${describeCase(cc)} vs explicit padding`, same, valid);
    }
  });

  it('a fused activation equals the convolution followed by the activation kernel', () => {
    const plain = withTensors([[x, xs], [f, fs], [bias, [c.cout]]], ([a, b, bb]) => conv2d(a, b, [c.sh, c.sw], c.pad, [c.dh, c.dw], bb), (t) => t.dataSync());
    for (const spec of ['relu', 'tanh', { name: 'elu', params: { alpha: 0.5 } }, { name: 'prelu', params: { alpha: Array.from({ length: c.cout }, (_, i) => 0.1 * i) } }] as const) {
      const name = typeof spec === 'string' ? spec : spec.name;
      const params = typeof spec === 'string' ? undefined : spec.params;
      const fused = withTensors([[x, xs], [f, fs], [bias, [c.cout]]], ([a, b, bb]) => conv2d(a, b, [c.sh, c.sw], c.pad, [c.dh, c.dw], bb, spec), (t) => t.dataSync());
      bitsEqual(`conv2d + ${name}`, fused, activations.apply(name, plain, params, { channels: c.cout }));
    }
  });

  it('a fused activation over groups of images (230 KB of output per image: groups of 2 of 3 images)', () => {
    const r = mulberry32(10);
    const xs3 = [3, 60, 60, 2], fs3 = [3, 3, 2, 16];
    const x3 = uniform(r, 3 * 60 * 60 * 2), f3 = uniform(r, 3 * 3 * 2 * 16), b3 = uniform(r, 16);
    const plain = withTensors([[x3, xs3], [f3, fs3], [b3, [16]]], ([a, b, bb]) => conv2d(a, b, 1, 'same', 1, bb), (t) => t.dataSync());
    const fused = withTensors([[x3, xs3], [f3, fs3], [b3, [16]]], ([a, b, bb]) => conv2d(a, b, 1, 'same', 1, bb, 'gelu'), (t) => t.dataSync());
    bitsEqual('conv2d + gelu in groups', fused, activations.apply('gelu', plain));
  });

  it("the filter gradient skips dy's zero pixels and keeps the full sum's bits (NaN from an Infinity in x included)", async () => {
    // Pixels whose dy is zero over a block of 8 output channels are left out of the tiles
    // (max pooling zeroes most of dy). Cases: input-channel tails (6 = 4 + 2), output-channel
    // tails of 5 and 4 lanes, 'same' padding (only the taps that reach every pixel use the
    // lists), strides and dilation 2, the flattened cin < 4 path (stride 1 and 2), and images
    // whose dy has no zero pixel or is all zero (a call stops building lists after two images
    // without enough zero pixels).
    const cases: ConvCase[] = [
      { n: 4, h: 13, w: 12, cin: 6, kh: 3, kw: 3, cout: 13, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid' },
      { n: 3, h: 11, w: 14, cin: 8, kh: 3, kw: 3, cout: 12, sh: 2, sw: 1, dh: 1, dw: 1, pad: 'same' },
      { n: 3, h: 12, w: 11, cin: 3, kh: 5, kw: 5, cout: 16, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid' },
      { n: 6, h: 9, w: 9, cin: 8, kh: 3, kw: 3, cout: 9, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid' },
      { n: 2, h: 14, w: 15, cin: 8, kh: 3, kw: 3, cout: 16, sh: 1, sw: 2, dh: 2, dw: 2, pad: 'valid' },
      { n: 2, h: 15, w: 14, cin: 3, kh: 5, kw: 5, cout: 8, sh: 2, sw: 2, dh: 1, dw: 1, pad: 'valid' },
    ];
    const r = mulberry32(31);
    // At 1 thread the whole-range kernels run; at 3, with every op split, the per-thread
    // (tap, channel-block) units and channel blocks, each thread with its own lists.
    // These cases are small enough for im2col + sgemm; this test is about the direct kernel.
    convTesting.setIm2colImageMaxBytes(0);
    const threadsBefore = threadInfo().threads;
    try {
      for (const threads of [1, 3]) {
        await init({ threads });
        threadTesting.setMinWork(1, 1);
        for (const [ci, cc] of cases.entries()) filterGradCase(ci, cc, threads);
      }
    } finally {
      convTesting.setIm2colImageMaxBytes(undefined);
      threadTesting.setMinWork(undefined, undefined);
      await init({ threads: threadsBefore });
    }

    function filterGradCase(ci: number, cc: ConvCase, threads: number): void {
      const dd = outDims(cc) as Dims;
      const xv = uniform(r, cc.n * cc.h * cc.w * cc.cin), dv = uniform(r, cc.n * dd.oh * dd.ow * cc.cout);
      const pixels = cc.n * dd.oh * dd.ow;
      for (let p = 0; p < pixels; p++) {
        const image = Math.floor(p / (dd.oh * dd.ow));
        if (ci === 3 && image >= 2 && image < 4) continue; // two images with no zero pixel: the lists stop, then restart
        // a zero pixel (some as -0), or zero channels 8.. only, or scattered zeros
        const u = ci === 3 && image === 4 ? 0 : r(); // image 4 of the last case: all of dy zero
        for (let c = 0; c < cc.cout; c++) {
          if (u < 0.4 || (u < 0.6 && c >= 8) || r() < 0.3) dv[p * cc.cout + c] = u < 0.1 ? -0 : 0;
        }
      }
      const xs = [cc.n, cc.h, cc.w, cc.cin], fs = [cc.kh, cc.kw, cc.cin, cc.cout], ys = [cc.n, dd.oh, dd.ow, cc.cout];
      const got = withTensors([[xv, xs], [dv, ys]], ([a, b]) => conv2dBackpropFilter(a, b, fs, [cc.sh, cc.sw], cc.pad, [cc.dh, cc.dw]), (t) => t.dataSync());
      bitsEqual(`conv2dBackpropFilter ${describeCase(cc)} at ${threads} threads, dy with zero pixels`, got, refConv2dGradFilterF32(cc, dd, xv, dv));
      // An Infinity in image 1, where dy has zero pixels: 0 * Inf is NaN, so those sums are NaN.
      const xi = xv.slice();
      xi[(1 * cc.h * cc.w + 4 * cc.w + 6) * cc.cin + 1] = Infinity;
      const want = refConv2dGradFilterF32(cc, dd, xi, dv);
      const gotInf = withTensors([[xi, xs], [dv, ys]], ([a, b]) => conv2dBackpropFilter(a, b, fs, [cc.sh, cc.sw], cc.pad, [cc.dh, cc.dw]), (t) => t.dataSync());
      expect(want.some(Number.isNaN), 'the reference has NaN sums').toBe(true);
      for (let i = 0; i < want.length; i++) {
        if (Number.isNaN(want[i]) !== Number.isNaN(gotInf[i]) || (!Number.isNaN(want[i]) && !Object.is(want[i], gotInf[i]))) {
          throw new Error(`conv2dBackpropFilter ${describeCase(cc)} at ${threads} threads with an Infinity in x: index ${i}: expected ${want[i]}, actual ${gotInf[i]}`);
        }
      }
    }
  });

  it('small images through im2col + sgemm give the direct kernels\' bits (forward with bias and activation, filter gradient)', async () => {
    // Each case: every conv on the direct kernels, then im2col + sgemm allowed (the default
    // limit); the results must agree bit for bit, at 1 thread and at 3 with every op split.
    // x and dy hold zeros (sgemm leaves out zero groups of op(A)); one case has 'same'
    // padding, whose padded filter gradient stays direct even with an Infinity in dy.
    const cases: ConvCase[] = [
      { n: 32, h: 5, w: 5, cin: 64, kh: 3, kw: 3, cout: 64, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid' }, // the slide-13 CNN's third layer
      { n: 3, h: 7, w: 6, cin: 9, kh: 3, kw: 3, cout: 13, sh: 2, sw: 1, dh: 1, dw: 1, pad: 'valid' },
      { n: 2, h: 9, w: 9, cin: 8, kh: 3, kw: 3, cout: 5, sh: 1, sw: 1, dh: 2, dw: 2, pad: 'valid' },
      { n: 5, h: 6, w: 6, cin: 16, kh: 2, kw: 2, cout: 12, sh: 2, sw: 2, dh: 1, dw: 1, pad: 'valid' },
      { n: 2, h: 5, w: 4, cin: 8, kh: 3, kw: 3, cout: 7, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'same' },
      // 74 KB of col per image: the forward pass goes in chunks of 14 images (1 MiB each); the
      // filter gradient stays direct
      { n: 32, h: 10, w: 10, cin: 32, kh: 3, kw: 3, cout: 16, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid' },
    ];
    const r = mulberry32(77);
    const threadsBefore = threadInfo().threads;
    try {
      for (const threads of [1, 3]) {
        await init({ threads });
        threadTesting.setMinWork(1, 1);
        for (const cc of cases) im2colCase(cc, threads);
      }
    } finally {
      threadTesting.setMinWork(undefined, undefined);
      await init({ threads: threadsBefore });
    }

    function im2colCase(cc: ConvCase, threads: number): void {
      const dd = outDims(cc) as Dims;
      const xs = [cc.n, cc.h, cc.w, cc.cin], fs = [cc.kh, cc.kw, cc.cin, cc.cout], ys = [cc.n, dd.oh, dd.ow, cc.cout];
      const xv = uniform(r, cc.n * cc.h * cc.w * cc.cin).map((v) => (v < -0.3 ? 0 : v));
      const fv = uniform(r, cc.kh * cc.kw * cc.cin * cc.cout), bv = uniform(r, cc.cout);
      // scattered zeros, and every third pixel zero in all channels (as behind a max pool:
      // sgemm leaves those pixels out of dy^T * col)
      const dv = uniform(r, cc.n * dd.oh * dd.ow * cc.cout).map((v, i) => (v < -0.5 || Math.floor(i / cc.cout) % 3 === 0 ? 0 : v));
      if (cc.pad === 'same') dv[1] = Infinity;
      const name = `${describeCase(cc)} at ${threads} thread(s)`;
      const run = (): [Float32Array, Float32Array] => [
        withTensors([[xv, xs], [fv, fs], [bv, [cc.cout]]], ([a, b, bb]) => conv2d(a, b, [cc.sh, cc.sw], cc.pad, [cc.dh, cc.dw], bb, 'elu'), (t) => t.dataSync()),
        withTensors([[xv, xs], [dv, ys]], ([a, g]) => conv2dBackpropFilter(a, g, fs, [cc.sh, cc.sw], cc.pad, [cc.dh, cc.dw]), (t) => t.dataSync()),
      ];
      convTesting.setIm2colImageMaxBytes(0);
      const [yDirect, dfDirect] = run();
      convTesting.setIm2colImageMaxBytes(undefined);
      // At 1 thread the kernels are called on rt().kernels: count the im2col calls.
      const k = rt().kernels;
      const original = k.f32_conv2d_im2col;
      let calls = 0;
      k.f32_conv2d_im2col = (...a: Parameters<typeof original>) => { calls++; original(...a); };
      let yGemm: Float32Array, dfGemm: Float32Array;
      try {
        [yGemm, dfGemm] = run();
      } finally {
        k.f32_conv2d_im2col = original;
      }
      // One call per forward chunk of at most 1 MiB of col, one for the filter gradient when
      // it is unpadded and an image's col is at most 64 KB (the 10x10 case's 74 KB is not).
      const imageBytes = dd.oh * dd.ow * cc.kh * cc.kw * cc.cin * 4;
      const chunk = Math.min(cc.n, Math.floor(2 ** 20 / imageBytes));
      const filterCalls = cc.pad === 'same' || imageBytes > 64 * 1024 ? 0 : 1;
      if (threads === 1) expect(calls, `${name}: im2col calls`).toBe(Math.ceil(cc.n / chunk) + filterCalls);
      bitsEqual(`conv2d ${name}`, yDirect, yGemm);
      bitsEqual(`conv2dBackpropFilter ${name}`, dfDirect, dfGemm);
    }
  });

  it('the bias gradient sums dy over batch and pixels per channel', () => {
    // 9 channels (4-column groups and a tail), 37 (two 16-column blocks, a group, a tail), 64.
    const cases: [Float32Array, number[]][] = [[dy, ys], [uniform(rand, 2 * 13 * 11 * 37), [2, 13, 11, 37]], [uniform(rand, 3 * 7 * 5 * 64), [3, 7, 5, 64]]];
    for (const [g, shape] of cases) {
      const cout = shape[3];
      const db = withTensors([[g, shape]], ([t]) => conv2dBackpropBias(t), (t) => t.dataSync());
      const ref = new Float64Array(cout), scale = new Float64Array(cout);
      for (let i = 0; i < g.length; i++) { ref[i % cout] += g[i]; scale[i % cout] += Math.abs(g[i]); }
      expectClose(`conv2dBackpropBias [${shape}]`, db, { v: ref, scale }, 4);
    }
  });
});

// ---- pooling --------------------------------------------------------------------------------

function describePool(p: PoolCase): string {
  return `x [${p.n}, ${p.h}, ${p.w}, ${p.c}] filter [${p.kh}, ${p.kw}] strides [${p.sh}, ${p.sw}] pad '${p.pad}'`;
}

describe('pooling against the float64 reference', () => {
  const cases: PoolCase[] = [];
  const rand0 = mulberry32(5);
  for (let i = 0; i < 160; i++) {
    const k = [[1, 1], [2, 2], [3, 3], [2, 3], [3, 2]][i % 5];
    cases.push({ n: 1 + pick(rand0, 2), h: HW[pick(rand0, 4)], w: HW[(i >> 2) % 4], c: [1, 3, 4, 5, 9, 16, 21][(i >> 1) % 7],
      kh: k[0], kw: k[1], sh: 1 + pick(rand0, 2), sw: 1 + pick(rand0, 3), pad: (i >> 3) & 1 ? 'valid' : 'same' });
  }

  it('max pool with ties (first index wins), its argmax and both backward forms; avg pool forward and backward', () => {
    const rand = mulberry32(6);
    let run = 0;
    for (const p of cases) {
      const d = poolDims(p);
      const xs = [p.n, p.h, p.w, p.c];
      const name = describePool(p);
      // values from {-1, 0, 1, 2} make ties common
      const x = new Float32Array(p.n * p.h * p.w * p.c).map(() => pick(rand, 4) - 1);
      if (d === undefined) {
        const t = tensor(x, xs);
        expect(() => maxPool(t, [p.kh, p.kw], [p.sh, p.sw], p.pad), name).toThrow(/larger than the input/);
        expect(() => avgPool(t, [p.kh, p.kw], [p.sh, p.sw], p.pad), name).toThrow(/larger than the input/);
        t.dispose();
        continue;
      }
      const ys = [p.n, d.oh, d.ow, p.c];
      const dy = uniform(rand, p.n * d.oh * d.ow * p.c);
      const ref = refMaxPool(p, d, x);
      const tx = tensor(x, xs), tdy = tensor(dy, ys);
      const { result, argmax } = maxPoolWithArgmax(tx, [p.kh, p.kw], [p.sh, p.sw], p.pad);
      const y = result.dataSync(), arg = argmax.dataSync();
      for (let i = 0; i < y.length; i++) {
        if (y[i] !== ref.v[i] || arg[i] !== ref.arg[i]) {
          throw new Error(`maxPool ${name}: index ${i}: expected ${ref.v[i]} at ${ref.arg[i]}, actual ${y[i]} at ${arg[i]}`);
        }
      }
      const plain = maxPool(tx, [p.kh, p.kw], [p.sh, p.sw], p.pad);
      bitsEqual(`maxPool ${name} without argmax`, plain.dataSync(), y);
      const refDx = refMaxPoolGrad(x.length, dy, ref.arg);
      const scale = new Float64Array(x.length);
      for (let i = 0; i < dy.length; i++) scale[ref.arg[i]] += Math.abs(dy[i]);
      const dxA = maxPoolBackprop(tdy, tx, [p.kh, p.kw], [p.sh, p.sw], p.pad, argmax);
      const dxR = maxPoolBackprop(tdy, tx, [p.kh, p.kw], [p.sh, p.sw], p.pad);
      expectClose(`maxPoolBackprop ${name}`, dxA.dataSync(), { v: refDx, scale }, p.kh * p.kw);
      bitsEqual(`maxPoolBackprop ${name} recomputed argmax`, dxR.dataSync(), dxA.dataSync());
      const xr = uniform(rand, x.length);
      const txr = tensor(xr, xs);
      const avg = avgPool(txr, [p.kh, p.kw], [p.sh, p.sw], p.pad);
      expectClose(`avgPool ${name}`, avg.dataSync(), refAvgPool(p, d, xr), p.kh * p.kw + 1);
      const dxAvg = avgPoolBackprop(tdy, xs, [p.kh, p.kw], [p.sh, p.sw], p.pad);
      expectClose(`avgPoolBackprop ${name}`, dxAvg.dataSync(), refAvgPoolGrad(p, d, dy), 2 * p.kh * p.kw);
      for (const t of [tx, tdy, result, plain, dxA, dxR, txr, avg, dxAvg]) t.dispose();
      argmax.dispose();
      run++;
    }
    console.log(`pooling sweep: ${run} cases checked`);
    expect(run).toBeGreaterThan(100);
  });

  it('max pool: NaN wins, -Infinity windows keep a valid index', () => {
    const x = tensor([1, NaN, 3, NaN, -Infinity, -Infinity, -Infinity, -Infinity], [1, 2, 4, 1]);
    const { result, argmax } = maxPoolWithArgmax(x, 2, 2, 'valid');
    expect(Array.from(result.dataSync())).toEqual([NaN, NaN]);
    expect(Array.from(argmax.dataSync())).toEqual([1, 3]);
    const y = tensor([-Infinity, -Infinity, -Infinity, -Infinity], [1, 2, 2, 1]);
    const r = maxPoolWithArgmax(y, 2, 1, 'valid');
    expect(Array.from(r.argmax.dataSync())).toEqual([0]);
    for (const t of [x, result, y, r.result]) t.dispose();
    argmax.dispose();
    r.argmax.dispose();
  });

  it('max pool over many channels (four channel vectors at a time, then the rest): NaN, ties and -0 as one channel at a time', () => {
    // 37 channels: two 16-channel groups, one 4-channel vector and a 1-channel tail
    const p: PoolCase = { n: 2, h: 5, w: 6, c: 37, kh: 2, kw: 3, sh: 1, sw: 2, pad: 'same' };
    const d = poolDims(p) as Dims;
    const rand = mulberry32(11);
    const vals = [NaN, -0, 0, 1, 1, -Infinity, 2];
    const x = new Float32Array(p.n * p.h * p.w * p.c).map(() => vals[pick(rand, vals.length)]);
    const ref = refMaxPool(p, d, x);
    const tx = tensor(x, [p.n, p.h, p.w, p.c]);
    const { result, argmax } = maxPoolWithArgmax(tx, [p.kh, p.kw], [p.sh, p.sw], p.pad);
    const y = result.dataSync(), arg = argmax.dataSync();
    for (let i = 0; i < y.length; i++) {
      if (!Object.is(y[i], Math.fround(ref.v[i])) || arg[i] !== ref.arg[i]) {
        throw new Error(`maxPool c = 37: index ${i}: expected ${ref.v[i]} at ${ref.arg[i]}, actual ${y[i]} at ${arg[i]}`);
      }
    }
    const dy = uniform(rand, y.length);
    const tdy = tensor(dy, [p.n, d.oh, d.ow, p.c]);
    const dx = maxPoolBackprop(tdy, tx, [p.kh, p.kw], [p.sh, p.sw], p.pad, argmax).dataSync();
    const refDx = refMaxPoolGrad(x.length, Float32Array.from(dy), arg);
    for (let i = 0; i < dx.length; i++) expect(dx[i], `maxPoolBackprop c = 37 dx[${i}]`).toBeCloseTo(refDx[i], 5);
    for (const t of [tx, result, tdy]) t.dispose();
    argmax.dispose();
  });

  it('the pool gradients agree with central finite differences', () => {
    const p: PoolCase = { n: 1, h: 5, w: 6, c: 3, kh: 3, kw: 2, sh: 2, sw: 1, pad: 'same' };
    const d = poolDims(p) as Dims;
    const rand = mulberry32(7);
    // distinct values, so max pool has no ties and is differentiable
    const x = uniform(rand, p.n * p.h * p.w * p.c), g = uniform(rand, p.n * d.oh * d.ow * p.c);
    const xs = [p.n, p.h, p.w, p.c], ys = [p.n, d.oh, d.ow, p.c];
    const fdAvg = finiteDiff(Float64Array.from(x), (q) => dot(g, refAvgPool(p, d, q).v));
    const fdMax = finiteDiff(Float64Array.from(x), (q) => dot(g, refMaxPool(p, d, q).v), 1e-6);
    const tx = tensor(x, xs), tg = tensor(g, ys);
    const dAvg = avgPoolBackprop(tg, xs, [p.kh, p.kw], [p.sh, p.sw], p.pad).dataSync();
    const dMax = maxPoolBackprop(tg, tx, [p.kh, p.kw], [p.sh, p.sw], p.pad).dataSync();
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(dAvg[i] - fdAvg[i]), `avgPool dx[${i}] expected ${fdAvg[i]} actual ${dAvg[i]}`).toBeLessThan(1e-6);
      expect(Math.abs(dMax[i] - fdMax[i]), `maxPool dx[${i}] expected ${fdMax[i]} actual ${dMax[i]}`).toBeLessThan(1e-6);
    }
    tx.dispose();
    tg.dispose();
  });
});

// ---- errors and flatten -----------------------------------------------------------------------

describe('shape errors', () => {
  it('name both shapes and the rule', () => {
    const x = tensor(new Float32Array(2 * 5 * 5 * 3), [2, 5, 5, 3]);
    const f = tensor(new Float32Array(3 * 3 * 4 * 8), [3, 3, 4, 8]);
    const f3 = tensor(new Float32Array(3 * 3 * 3 * 8), [3, 3, 3, 8]);
    const f7 = tensor(new Float32Array(7 * 7 * 3 * 8), [7, 7, 3, 8]);
    const b = tensor(new Float32Array(4), [4]);
    const flat = tensor(new Float32Array(75), [75]);
    const dy = tensor(new Float32Array(2 * 4 * 4 * 8), [2, 4, 4, 8]);
    expect(() => conv2d(x, f, 1, 'same')).toThrow(/x \[2, 5, 5, 3\] has 3 input channels but filter \[3, 3, 4, 8\] expects 4 \(x.shape\[3\] must equal filter.shape\[2\]\)/);
    expect(() => conv2d(x, f3, 1, 'same', 1, b)).toThrow(/bias has shape \[4\] but \[8\] was expected/);
    expect(() => conv2d(x, f7, 1, 'valid')).toThrow(/window 7 is larger than the input height 5 with 'valid' padding/);
    expect(() => conv2d(x, f3, 1, 'valid', 3)).toThrow(/dilated window 7/);
    expect(() => conv2d(flat, f3, 1, 'same')).toThrow(/x must have rank 4 \[batch, height, width, inChannels\], got \[75\]/);
    expect(() => conv2d(x, f3, 0, 'same')).toThrow(/strides 0 must be a positive integer/);
    expect(() => conv2d(x, f3, [1, 1.5], 'same')).toThrow(/strides \[1, 1.5\]/);
    expect(() => conv2d(x, f3, 1, 'same', 0)).toThrow(/dilations 0/);
    expect(() => conv2d(x, f3, 1, 'explicit' as Pad)).toThrow(/padding 'explicit' is not supported: expected 'valid' or 'same'/);
    expect(() => conv2d(x, f3, 1, 'same', 1, undefined, wrong<ActivationName>('nope'))).toThrow(/unknown activation 'nope'/);
    expect(() => conv2dBackpropInput([2, 5, 5, 3], dy, f3, 1, 'same')).toThrow(/dy has shape \[2, 4, 4, 8\] but \[2, 5, 5, 8\] was expected/);
    expect(() => conv2dBackpropFilter(x, dy, [3, 3, 3, 8], 1, 'same')).toThrow(/dy has shape \[2, 4, 4, 8\] but \[2, 5, 5, 8\] was expected/);
    expect(() => maxPool(x, 0, 1, 'same')).toThrow(/filterSize 0 must be a positive integer/);
    expect(() => maxPool(x, 2, 0, 'same')).toThrow(/strides 0/);
    expect(() => maxPool(x, 6, 1, 'valid')).toThrow(/window 6 is larger than the input height 5 with 'valid' padding/);
    expect(() => avgPool(x, [2, 6], 1, 'valid')).toThrow(/window 6 is larger than the input width 5/);
    expect(() => maxPoolBackprop(dy, x, 2, 1, 'valid')).toThrow(/dy has shape \[2, 4, 4, 8\] but \[2, 4, 4, 3\] was expected/);
    expect(() => avgPoolBackprop(dy, [2, 5, 5, 3], 2, 1, 'valid')).toThrow(/dy has shape/);
    for (const t of [x, f, f3, f7, b, flat, dy]) t.dispose();
  });
});

describe('flatten', () => {
  it('is a view: same memory, new shape, the base stays usable after the view is disposed', () => {
    const x = tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 2, 2]);
    const v = flatten(x);
    expect(v.shape).toEqual([2, 12]);
    expect(v.ptr).toBe(x.ptr);
    expect(Array.from(v.dataSync())).toEqual(Array.from(x.dataSync()));
    v.dispose();
    expect(x.dataSync()[5]).toBe(5);
    const w = flatten(x);
    x.dispose();
    expect(w.isDisposed).toBe(true);
    expect(() => w.dataSync()).toThrow(/disposed/);
  });
});
