// Every layer's gradients (input and weights) against central finite differences of a
// float64 reference forward, and the layers' errors for bad configurations and inputs.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, tensor, layers, sequential, valueAndGrads, sum, mul, ACTIVATIONS, Rng, adam, memoryStats, type Layer, type Tensor,
} from '../src/index.js';
import { uniform } from './helpers/random.js';

beforeAll(async () => { await init(); });

type F64 = Float64Array;
const wrong = <T>(v: unknown): T => v as T;

/** Central differences of loss(params) for each parameter array. */
function numeric(loss: (ps: F64[]) => number, ps: F64[], h = 1e-6): F64[] {
  return ps.map((p, k) => {
    const g = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const up = ps.map((v) => Float64Array.from(v)), dn = ps.map((v) => Float64Array.from(v));
      up[k][i] += h; dn[k][i] -= h;
      g[i] = (loss(up) - loss(dn)) / (2 * h);
    }
    return g;
  });
}

const act64 = (name: string) => {
  const row = ACTIVATIONS.find((a) => a.name === name);
  if (row === undefined) throw new Error(name);
  const p = row.params.map((s) => Math.fround(s.default));
  return (v: number): number => row.reference(v, p).f;
};

/** Builds a layer for an input shape and compares tape gradients with finite differences of ref. */
function checkLayer(name: string, layer: Layer, inputShape: number[], batch: number,
  ref: (x: F64, weights: F64[]) => F64, tol = 2e-4): void {
  layer.build(inputShape, new Rng(3));
  const xv = uniform(batch * inputShape.reduce((a, b) => a * b, 1), -1.5, 1.5, 11);
  const x = tensor(xv, [batch, ...inputShape]);
  const w = layer.weights.map((lw) => lw.tensor);
  const out = layer.apply(x, { training: false });
  const dyv = uniform(out.size, -1, 1, 12);
  const dy = tensor(dyv, out.shape);
  out.dispose();
  const { value, grads } = valueAndGrads(() => sum(mul(layer.apply(x, { training: false }), dy)), [x, ...w]);
  const loss = ([xx, ...ws]: F64[]): number => ref(xx, ws).reduce((s, v, i) => s + v * dyv[i], 0);
  const start = [Float64Array.from(xv), ...w.map((t) => Float64Array.from(t.dataSync()))];
  expect(Math.abs(value.dataSync()[0] - loss(start)), `${name}: forward`).toBeLessThan(1e-4 * (1 + Math.abs(loss(start))));
  const want = numeric(loss, start);
  grads.forEach((g, k) => {
    const v = g.dataSync();
    const scale = Math.max(1, ...Array.from(want[k], Math.abs));
    for (let i = 0; i < v.length; i++) {
      expect(Math.abs(v[i] - want[k][i]), `${name}: d/d${k === 0 ? 'x' : layer.weights[k - 1].name}[${i}] = ${v[i]}, finite difference ${want[k][i]}`)
        .toBeLessThanOrEqual(tol * scale);
    }
  });
  for (const t of [x, dy, value, ...grads]) t.dispose();
  layer.dispose();
}

function denseRef(batch: number, inp: number, units: number, f: (v: number) => number) {
  return (x: F64, [w, b]: F64[]): F64 => {
    const y = new Float64Array(batch * units);
    for (let r = 0; r < batch; r++) for (let j = 0; j < units; j++) {
      let s = b ? b[j] : 0;
      for (let k = 0; k < inp; k++) s += x[r * inp + k] * w[k * units + j];
      y[r * units + j] = f(s);
    }
    return y;
  };
}

/** NHWC conv2d in float64 with TF 'same' padding. */
function convRef(n: number, h: number, wd: number, cin: number, kh: number, kw: number, cout: number,
  stride: number, dil: number, pad: 'valid' | 'same', f: (v: number) => number) {
  const eff = (k: number) => (k - 1) * dil + 1;
  const oh = pad === 'same' ? Math.ceil(h / stride) : Math.floor((h - eff(kh)) / stride) + 1;
  const ow = pad === 'same' ? Math.ceil(wd / stride) : Math.floor((wd - eff(kw)) / stride) + 1;
  const pt = pad === 'same' ? Math.floor(Math.max((oh - 1) * stride + eff(kh) - h, 0) / 2) : 0;
  const pl = pad === 'same' ? Math.floor(Math.max((ow - 1) * stride + eff(kw) - wd, 0) / 2) : 0;
  return (x: F64, [w, b]: F64[]): F64 => {
    const y = new Float64Array(n * oh * ow * cout);
    for (let i = 0; i < n; i++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let co = 0; co < cout; co++) {
      let s = b ? b[co] : 0;
      for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
        const iy = oy * stride - pt + ky * dil, ix = ox * stride - pl + kx * dil;
        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
        for (let ci = 0; ci < cin; ci++) s += x[((i * h + iy) * wd + ix) * cin + ci] * w[((ky * kw + kx) * cin + ci) * cout + co];
      }
      y[((i * oh + oy) * ow + ox) * cout + co] = f(s);
    }
    return y;
  };
}

function poolRef(n: number, h: number, wd: number, c: number, k: number, mode: 'max' | 'avg') {
  const oh = Math.floor((h - k) / k) + 1, ow = Math.floor((wd - k) / k) + 1;
  return (x: F64): F64 => {
    const y = new Float64Array(n * oh * ow * c);
    for (let i = 0; i < n; i++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
      let s = mode === 'max' ? -Infinity : 0;
      for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
        const v = x[((i * h + oy * k + ky) * wd + ox * k + kx) * c + ch];
        s = mode === 'max' ? Math.max(s, v) : s + v / (k * k);
      }
      y[((i * oh + oy) * ow + ox) * c + ch] = s;
    }
    return y;
  };
}

const sig = (z: number): number => 1 / (1 + Math.exp(-z));

describe('layer gradients vs float64 finite differences', () => {
  test.each(['linear', 'relu', 'tanh', 'sigmoid', 'elu', 'selu', 'gelu', 'swish', 'mish', 'softplus'] as const)('dense with %s', (a) => {
    checkLayer(`dense ${a}`, layers.dense({ units: 5, activation: a }), [7], 3, denseRef(3, 7, 5, act64(a)));
  });

  test('dense on a rank-3 input applies to the last axis (Keras, tf.js): [batch, steps, features] -> [batch, steps, units]', () => {
    // Row-major [2, 4, 7] is [8, 7]: the same reference with 8 rows.
    checkLayer('dense rank 3 tanh', layers.dense({ units: 5, activation: 'tanh' }), [4, 7], 2, denseRef(8, 7, 5, act64('tanh')));
    checkLayer('dense rank 4', layers.dense({ units: 3 }), [2, 3, 4], 2, denseRef(12, 4, 3, (v) => v));
  });

  test('dense with softmax and without bias', () => {
    const ref = (x: F64, [w]: F64[]): F64 => {
      const z = denseRef(3, 6, 4, (v) => v)(x, [w]);
      for (let r = 0; r < 3; r++) {
        const row = z.subarray(r * 4, r * 4 + 4), m = Math.max(...row), e = Array.from(row, (v) => Math.exp(v - m)), s = e.reduce((p, q) => p + q);
        row.set(e.map((v) => v / s));
      }
      return z;
    };
    checkLayer('dense softmax', layers.dense({ units: 4, activation: 'softmax', useBias: false }), [6], 3, ref);
  });

  test.each([
    [1, 1, 'valid'], [2, 1, 'valid'], [1, 2, 'same'], [2, 1, 'same'],
  ] as const)('conv2d 3x3, stride %i, dilation %i, %s padding, relu', (stride, dil, pad) => {
    checkLayer(`conv2d s${stride} d${dil} ${pad}`, layers.conv2d({ filters: 3, kernelSize: 3, strides: stride, dilationRate: dil, padding: pad, activation: 'tanh' }),
      [7, 6, 2], 2, convRef(2, 7, 6, 2, 3, 3, 3, stride, dil, pad, act64('tanh')));
  });

  test.each(['max', 'avg'] as const)('%s pooling 2x2', (mode) => {
    const layer = mode === 'max' ? layers.maxPooling2d({ poolSize: 2 }) : layers.averagePooling2d({ poolSize: 2 });
    checkLayer(`${mode} pool`, layer, [4, 6, 3], 2, poolRef(2, 4, 6, 3, 2, mode));
  });

  test("dense and activation layers naming 'prelu' apply a fixed alpha shared by every unit", () => {
    // The layer passes a number (the default 0.25, or the one given); the op refused it for a
    // per-channel parameter, so such a model failed at its first predict or fit.
    checkLayer('dense prelu', layers.dense({ units: 5, activation: 'prelu' }), [7], 3, denseRef(3, 7, 5, act64('prelu')));
    checkLayer('activation prelu 0.1', layers.activation({ activation: { name: 'prelu', params: { alpha: 0.1 } } }), [4], 3,
      (x) => x.map((v) => (v > 0 ? v : Math.fround(0.1) * v)));
    const a = Math.fround(-0.3);
    checkLayer('conv2d prelu', layers.conv2d({ filters: 3, kernelSize: 2, activation: { name: 'prelu', params: { alpha: -0.3 } } }),
      [4, 3, 2], 2, convRef(2, 4, 3, 2, 2, 2, 3, 1, 1, 'valid', (v) => (v > 0 ? v : a * v)));
  });

  test('a dense layer takes every registry activation with its defaults: fit and predict run it and free what they made', async () => {
    const x = tensor(uniform(24, -2, 2, 4), [8, 3]);
    const y = Int32Array.from({ length: 8 }, (_, i) => i % 2);
    for (const row of ACTIVATIONS) {
      const m = sequential({ seed: 1, layers: [layers.dense({ units: 5, inputShape: [3], activation: row.name }), layers.dense({ units: 2, activation: 'softmax' })] });
      m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { epochs: 1, batchSize: 4 });
      const before = memoryStats().liveBytes;
      const h = await m.fit(x, y, { epochs: 2, batchSize: 4 });
      expect(h.loss.every(Number.isFinite), row.name).toBe(true);
      expect(memoryStats().liveBytes, `${row.name}: bytes left by fit`).toBe(before);
      m.predict(x).dispose();
      expect(memoryStats().liveBytes, `${row.name}: bytes left by predict`).toBe(before);
      m.dispose();
    }
    x.dispose();
  });

  test('flatten, activation, prelu, learnableSwish, scaledSwish (parameters included)', () => {
    checkLayer('flatten', layers.flatten(), [2, 3], 2, (x) => x);
    checkLayer('activation gelu', layers.activation({ activation: 'gelu' }), [5], 2, (x) => x.map(act64('gelu')));
    checkLayer('prelu', layers.prelu({ alphaInitializer: 'ones' }), [4], 3, (x, [a]) => x.map((v, i) => (v > 0 ? v : a[i % 4] * v)));
    checkLayer('learnableSwish', layers.learnableSwish({ beta: 1.3 }), [3], 2, (x, [b]) => x.map((v) => v * sig(b[0] * v)));
    checkLayer('scaledSwish', layers.scaledSwish({ alpha: 0.5, beta: 0.8 }), [3], 2, (x, [a, b]) => x.map((v) => a[0] * v * sig(b[0] * v)));
  });

  test('dropout in training scales kept units by 1/(1-rate) and passes the same mask back', () => {
    const layer = layers.dropout({ rate: 0.4 });
    layer.build([50], new Rng(1));
    const x = tensor(uniform(100, 0.5, 1.5, 3), [2, 50]);
    const rng = new Rng(9);
    let mask: Float32Array = new Float32Array();
    const { grads } = valueAndGrads(() => {
      const y = layer.apply(x, { training: true, rng });
      mask = y.dataSync().map((v, i) => v / x.dataSync()[i]);
      return sum(y);
    }, [x]);
    const kept = Array.from(mask).filter((v) => v !== 0);
    expect(kept.length).toBeGreaterThan(30);
    expect(kept.length).toBeLessThan(90);
    for (const v of kept) expect(Math.abs(v - 1 / 0.6)).toBeLessThan(1e-6);
    grads[0].dataSync().forEach((g, i) => expect(Math.abs(g - mask[i])).toBeLessThan(1e-6));
    expect(layer.apply(x, { training: false })).toBe(x);
    x.dispose();
  });
});

describe('layer errors', () => {
  test.each([
    [() => layers.dense({ units: 0 }), 'dense: units must be a positive integer, got 0'],
    [() => layers.dense({ units: 2.5 }), 'dense: units must be a positive integer, got 2.5'],
    [() => layers.dense({ units: 2, activation: { name: 'rellu' } }), /unknown activation 'rellu'; valid names: softmax, sigmoid/],
    [() => layers.dropout({ rate: 1 }), 'dropout: rate = 1 is out of range: expected 0 <= rate < 1'],
    [() => layers.dropout({ rate: -0.1 }), /dropout: rate = -0.1 is out of range/],
    [() => layers.conv2d({ filters: 2, kernelSize: 0 }), 'conv2d: kernelSize must be a positive integer, got 0'],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, strides: 0 }), 'conv2d: strides must be a positive integer, got 0'],
    [() => layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as 'same' }), "conv2d: padding must be 'valid' or 'same', got full"],
    [() => layers.maxPooling2d({ poolSize: 0 }), 'max_pooling2d: poolSize must be a positive integer, got 0'],
  ] as const)('%#: bad configuration', (make, message) => {
    expect(make).toThrow(message);
  });

  test("a tf.js option actlab lacks, or a Keras spelling, is refused, not ignored", () => {
    expect(() => layers.conv2d(wrong({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }))).toThrow(/^actlab: conv2d: unknown option 'dataFormat'; valid options: .*dilationRate/);
    expect(() => layers.conv2d(wrong({ filters: 2, kernelSize: 3, kernelRegularizer: 'l2' }))).toThrow("conv2d: unknown option 'kernelRegularizer'");
    expect(() => layers.dense(wrong({ units: 2, kernel_initializer: 'zeros' }))).toThrow("dense: unknown option 'kernel_initializer'");
    expect(() => layers.maxPooling2d(wrong({ pool_size: 3 }))).toThrow("max_pooling2d: unknown option 'pool_size'");
    expect(() => layers.averagePooling2d(wrong({ poolSize: 3, dataFormat: 'channelsLast' }))).toThrow("average_pooling2d: unknown option 'dataFormat'");
    expect(() => layers.dropout(wrong({ rate: 0.5, noiseShape: [1, 1, 1, 2] }))).toThrow("dropout: unknown option 'noiseShape'");
    expect(() => layers.flatten(wrong({ dataFormat: 'channelsFirst' }))).toThrow("flatten: unknown option 'dataFormat'");
    expect(() => layers.prelu(wrong({ sharedAxes: [1, 2] }))).toThrow("p_re_lu: unknown option 'sharedAxes'");
    expect(() => layers.learnableSwish(wrong({ beta: 1, alpha: 2 }))).toThrow("learnable_swish: unknown option 'alpha'");
    // Initial values of learnable parameters are checked as the float32 weights they become (1e39 started as Infinity).
    expect(() => layers.learnableSwish({ beta: 1e39 })).toThrow('actlab: learnable_swish: beta = 1e+39 (Infinity in float32) must be a finite float32 number (|value| < 3.4e38)');
    expect(() => layers.scaledSwish({ alpha: -1e39 })).toThrow('actlab: scaled_swish: alpha = -1e+39 (-Infinity in float32) must be a finite float32 number');
    expect(() => layers.scaledSwish(wrong({ beta: '2' }))).toThrow(`actlab: scaled_swish: beta = "2" must be a finite float32 number`);
    const fn = (x: Tensor): Tensor => x;
    expect(() => layers.customActivation({ className: 'Id', params: { a: 1e39 }, fn })).toThrow("actlab: customActivation 'Id': a = 1e+39 (Infinity in float32) must be a finite float32 number");
    expect(() => layers.customActivation({ className: 'Id', params: wrong({ a: 'x' }), fn })).toThrow(`actlab: customActivation 'Id': a = "x" must be a finite float32 number`);
    const ok = layers.conv2d({ name: 'c', inputShape: [5, 5, 1], trainable: false, filters: 1, kernelSize: 3, strides: 1, padding: 'same', dilationRate: 1, activation: 'relu', useBias: false });
    expect(ok.name).toBe('c');
  });

  test('shapes that do not fit are named with both shapes', () => {
    expect(() => sequential({ layers: [layers.dense({ units: 2 })] })).toThrow("the first layer of model 'sequential' needs an inputShape");
    expect(() => sequential({ layers: [layers.dense({ units: 2, inputShape: [4, -1] })] }))
      .toThrow("actlab: dense 'dense' needs an input [batch, ..., features] with a known number of features on the last axis, but receives [batch, 4, null]");
    expect(() => sequential({ layers: [layers.maxPooling2d({ poolSize: 5, inputShape: [4, 4, 1] })] })).toThrow("max_pooling2d 'max_pooling2d': pool 5x5 is larger than the 4x4 input with 'valid' padding");
    expect(() => sequential({ layers: [layers.conv2d({ filters: 1, kernelSize: 5, inputShape: [3, 3, 1] })] })).toThrow(/a 5x5 kernel .* does not fit the 3x3 input/);
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const x = tensor(new Float32Array(8), [2, 4]);
    expect(() => m.predict(x)).toThrow("predict: model 'sequential' expects input [batch, 3] but x has shape [2, 4]");
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x3 = tensor(new Float32Array(6), [2, 3]);
    expect(() => m.evaluate(x3, new Int32Array(3))).toThrow('evaluate: x has 2 samples but y has 3');
    expect(() => m.evaluate(x3, new Int32Array([0, 5]))).toThrow(/label 5 .* \[0, 2\)/);
    x.dispose(); x3.dispose(); m.dispose();
  });

  test('fit options, compile and disposal errors', async () => {
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const x = tensor(new Float32Array(6), [2, 3]), y = new Int32Array(2);
    await expect(m.fit(x, y)).rejects.toThrow("fit: model 'sequential' is not compiled; call compile({optimizer, loss}) first");
    expect(() => m.compile({ optimizer: 'adam', loss: 'hinge' as 'mse' })).toThrow(/unknown loss 'hinge'; valid:/);
    expect(() => m.compile({ optimizer: 'adamax' as 'adam', loss: 'mse' })).toThrow(/unknown optimizer 'adamax'/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['f1' as 'acc'] })).toThrow("compile: unknown metric 'f1'; valid: accuracy (acc), binaryAccuracy (binary_accuracy), ");
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(x, y, { batchSize: 0 })).rejects.toThrow('fit: batchSize must be an integer >= 1, got 0');
    await expect(m.fit(x, y, { epochs: -1 })).rejects.toThrow('fit: epochs must be an integer >= 0, got -1');
    await expect(m.fit(x, y, { validationSplit: 1.5 })).rejects.toThrow('fit: validationSplit must be 0 (none) or in (0, 1), got 1.5');
    const empty = tensor(new Float32Array(0), [0, 3]);
    await expect(m.fit(empty, new Int32Array(0))).rejects.toThrow('fit: x has no samples');
    // An empty batch through Flatten keeps its sample axes: [0, 4], not [0, 0].
    const flat = sequential({ layers: [layers.flatten({ inputShape: [2, 2] }), layers.dense({ units: 2 })] });
    const none = tensor(new Float32Array(0), [0, 2, 2]);
    const outs = flat.layerOutputs(none);
    expect([...outs.values()].map((t) => t.shape)).toEqual([[0, 4], [0, 2]]);
    for (const t of outs.values()) t.dispose();
    flat.dispose(); none.dispose();
    m.dispose();
    expect(() => m.predict(x)).toThrow("model 'sequential' was disposed and cannot be used");
    x.dispose(); empty.dispose();
  });
});
