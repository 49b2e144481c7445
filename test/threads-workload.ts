// Every op that threads split, on odd shapes, plus short training runs: the outputs' bytes
// by name. test/threads.test.ts runs it at 1, 2, 3 and 4 threads in Node (and with the
// single-threaded build in a child process), and test/runtimes/threads-page.ts in Chromium;
// every run must give the same bytes. Uses the core only (no Node), so it bundles for a page.
import {
  activation, adam, avgPool, avgPoolBackprop, conv2d, conv2dBackpropBias, conv2dBackpropFilter, conv2dBackpropInput, dense, grads, layers,
  matMul, maxPoolBackprop, maxPoolWithArgmax, rmsprop, sequential, sgd, tensor, tidy, twoSpirals, type Optimizer, type Tensor,
} from '../src/index.js';

/** Deterministic values in [-1, 1) from an integer hash (no Math.sin: the inputs must match everywhere). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out[i] = (s >>> 8) / 8388608 - 1;
  }
  return out;
}

function t(shape: number[], seed: number): Tensor {
  return tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);
}

function bytes(x: Tensor | Float32Array | Int32Array): Uint8Array {
  const a = x instanceof Float32Array || x instanceof Int32Array ? x : x.dataSync();
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** FNV-1a over bytes, as 8 hex digits: short names for failure messages and the page's report. */
export function fnv(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

async function fitWeights(name: string, out: Map<string, Uint8Array>, opt: () => Optimizer): Promise<void> {
  const ds = twoSpirals({ n: 203, noise: 0.02, seed: 5, turns: 1 });
  const x = tensor(ds.x, [ds.length, 2]);
  const model = sequential({
    seed: 4,
    layers: [layers.dense({ units: 67, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 33, activation: 'gelu' }),
      layers.dense({ units: 2, activation: 'softmax' })],
  });
  model.compile({ optimizer: opt(), loss: 'sparseCategoricalCrossentropy' });
  await model.fit(x, ds.y, { epochs: 2, batchSize: 41, seed: 9 });
  model.snapshotWeights().forEach((w, i) => out.set(`fit ${name} weight ${i}`, bytes(w)));
  model.dispose();
  x.dispose();
}

async function cnnWeights(out: Map<string, Uint8Array>): Promise<void> {
  const n = 23;
  const x = t([n, 11, 9, 2], 77);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % 3);
  const model = sequential({
    seed: 6,
    layers: [
      layers.conv2d({ filters: 13, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [11, 9, 2] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 6, kernelSize: [2, 3], strides: [1, 2], activation: 'elu' }),
      layers.flatten(),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  await model.fit(x, y, { epochs: 2, batchSize: 7, seed: 3 });
  model.snapshotWeights().forEach((w, i) => out.set(`cnn fit weight ${i}`, bytes(w)));
  model.dispose();
  x.dispose();
}

/** Runs every split op and returns each output's bytes by a name that says the shape. */
export async function threadWorkload(): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  tidy(() => {
    for (const [M, N, K] of [[37, 29, 41], [67, 13, 5], [5, 70, 33], [129, 1, 7]]) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const a = t(tA ? [K, M] : [M, K], M * 3 + K), b = t(tB ? [N, K] : [K, N], N * 5 + K);
          out.set(`matMul ${M}x${N}x${K} tA=${tA} tB=${tB}`, bytes(matMul(a, b, tA, tB)));
        }
      }
    }
    const x = t([45, 31], 1), w = t([31, 19], 2), bias = t([19], 3);
    out.set('dense [45,31]x[31,19] + bias, gelu', bytes(dense(x, w, bias, 'gelu')));
    out.set('dense [45,31]x[31,19] prelu per channel', bytes(dense(x, w, bias, 'prelu', { alpha: Array.from(values(19, 4)) })));

    const convs: [number[], number[], [number, number], 'same' | 'valid', [number, number]][] = [
      [[5, 9, 11, 3], [3, 3, 3, 10], [1, 1], 'same', [1, 1]],
      [[3, 8, 7, 6], [2, 3, 6, 5], [2, 1], 'valid', [1, 1]],
      [[7, 10, 9, 4], [3, 2, 4, 17], [1, 2], 'same', [2, 1]],
      [[4, 12, 12, 1], [3, 3, 1, 32], [1, 1], 'valid', [1, 1]], // the filter gradient split by channel blocks
      // the input gradient by GEMM with one image per dcol chunk, so a thread's part runs several chunks
      [[6, 30, 30, 16], [3, 3, 16, 4], [1, 1], 'valid', [1, 1]],
    ];
    for (const [xs, fs, s, pad, d] of convs) {
      const cx = t(xs, xs[0] * 11 + fs[3]), f = t(fs, fs[3] * 13), cb = t([fs[3]], 9);
      const name = `conv2d x[${xs}] f[${fs}] s${s} ${pad} d${d}`;
      const y = conv2d(cx, f, s, pad, d, cb, 'swish');
      out.set(`${name} forward (+bias, swish)`, bytes(y));
      const dy = t(y.shape.slice(), 21);
      out.set(`${name} grad input`, bytes(conv2dBackpropInput(xs, dy, f, s, pad, d)));
      out.set(`${name} grad filter`, bytes(conv2dBackpropFilter(cx, dy, fs, s, pad, d)));
    }

    // the filter gradient behind a max pool: whole pixels of dy are zero, so each thread's
    // units run over its own lists of the nonzero pixels (cout 20: blocks of 8, 8 and 4)
    {
      const xs = [6, 13, 13, 8], fs = [3, 3, 8, 20];
      const cx = t(xs, 71), dv = values(6 * 11 * 11 * 20, 72), keep = values(6 * 11 * 11, 73);
      for (let p = 0; p < keep.length; p++) {
        for (let c = 0; c < 20; c++) if (keep[p] < 0.2 || (c >> 3 === 1 && keep[p] < 0.6)) dv[p * 20 + c] = 0;
      }
      const dy = tensor(dv, [6, 11, 11, 20]);
      out.set(`conv2d x[${xs}] f[${fs}] grad filter, dy mostly zero pixels`, bytes(conv2dBackpropFilter(cx, dy, fs, 1, 'valid')));
    }

    // the bias gradient split by blocks of 16 channels (37: two blocks and a partial one)
    out.set('conv2dBackpropBias [8,20,20,37]', bytes(conv2dBackpropBias(t([8, 20, 20, 37], 41))));

    const px = t([7, 9, 10, 6], 31);
    const { result, argmax } = maxPoolWithArgmax(px, 3, 2, 'same');
    out.set('maxPool [7,9,10,6] 3x3 s2 same', bytes(result));
    out.set('maxPool argmax', bytes(argmax.dataSync()));
    const pdy = t(result.shape.slice(), 32);
    out.set('maxPool grad', bytes(maxPoolBackprop(pdy, px, 3, 2, 'same', argmax)));
    argmax.dispose();
    const ay = avgPool(px, [2, 3], [2, 2], 'valid');
    out.set('avgPool [7,9,10,6] 2x3 s2 valid', bytes(ay));
    out.set('avgPool grad', bytes(avgPoolBackprop(t(ay.shape.slice(), 33), px.shape, [2, 3], [2, 2], 'valid')));

    const ex = t([1001, 3], 41);
    for (const name of ['gelu', 'mish', 'sigmoid'] as const) {
      const [dx] = grads(() => activation(ex, name), [ex], t([1001, 3], 42));
      out.set(`activation ${name} [1001,3]`, bytes(activation(ex, name)));
      out.set(`activation ${name} grad`, bytes(dx));
    }
  });
  await fitWeights('sgd momentum', out, () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }));
  await fitWeights('adam', out, () => adam({ learningRate: 0.01 }));
  await fitWeights('rmsprop centered', out, () => rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true }));
  await cnnWeights(out);
  return out;
}
