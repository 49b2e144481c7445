// The analyzers against known values: curves are the kernels' outputs, gradientFlow's tape
// derivative is the backward kernel's bit for bit, its statistics match float64 sums,
// softmax rows sum to one and entropy grows with temperature; bad input throws clearly.
import { beforeAll, describe, expect, test } from 'vitest';
import { stats } from '../src/analyzers/reduce.js';
import {
  init, activations, curves, gradientFlow, softmaxTemperature, SEED_SCORES, memoryStats, compareTraining, vanishingGradients,
  DynamicsRecorder, activationPatterns, sequential, layers, tensor, compareCnn, benchmarkActivations, trainingDynamics,
} from '../src/index.js';

beforeAll(async () => { await init(); });

const bits = (a: readonly number[]): Uint32Array => new Uint32Array(Float32Array.from(a).buffer);

describe('curves', () => {
  test('f and df equal activations.apply / derivative on the grid, for defaults and variants', () => {
    const r = curves(['sigmoid', { name: 'swish', params: { beta: 2 } }, { name: 'prelu', params: { alpha: 0.05 } }], { range: [-3, 3], samples: 61 });
    expect(r.x).toHaveLength(61);
    expect(r.x[0]).toBe(-3);
    expect(r.x[60]).toBe(3);
    expect(r.x[30]).toBe(0);
    expect(r.curves.map((c) => c.label)).toEqual(['sigmoid', 'swish (beta=2)', 'prelu (alpha=0.05)']);
    const x = Float32Array.from(r.x);
    const want = [
      [activations.apply('sigmoid', x), activations.derivative('sigmoid', x)],
      [activations.apply('swish', x, { beta: 2 }), activations.derivative('swish', x, { beta: 2 })],
      [activations.apply('prelu', x, { alpha: 0.05 }), activations.derivative('prelu', x, { alpha: 0.05 })],
    ];
    r.curves.forEach((c, i) => {
      expect(bits(c.f)).toEqual(new Uint32Array(want[i][0].buffer));
      expect(bits(c.df)).toEqual(new Uint32Array(want[i][1].buffer));
    });
    expect(r.curves[1].params).toEqual({ beta: 2 });
    expect(r.curves[2].params.alpha).toBe(Math.fround(0.05));
    expect(r.curves[0].f[30]).toBe(0.5);
    expect(r.curves[0].df[30]).toBe(0.25);
  });

  test('per-name default parameters, labels, formulas; the result survives JSON', () => {
    const r = curves(['elu', 'relu'], { params: { elu: { alpha: 0.5 } }, samples: 5 });
    expect(r.range).toEqual([-10, 10]);
    expect(r.curves[0].label).toBe('elu (alpha=0.5)');
    expect(r.curves[0].f[0]).toBeCloseTo(-0.5, 4);
    expect(r.curves[1].formula).toBe(activations.get('relu').formula);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  test('errors name the problem', () => {
    expect(() => curves(['nope'])).toThrow(/unknown activation 'nope'; valid names: sigmoid, tanh/);
    expect(() => curves([])).toThrow(/no activations given/);
    expect(() => curves(['relu'], { range: [1, -1] })).toThrow(/range \[1, -1\] is invalid/);
    expect(() => curves(['relu'], { samples: 1 })).toThrow(/samples = 1 is invalid: expected an integer from 2/);
    expect(() => curves(['swish', 'swish'])).toThrow(/two activations are labelled 'swish'/);
    expect(() => curves([{ name: 'swish', params: { gamma: 1 } }])).toThrow(/has no parameter 'gamma'/);
    expect(() => curves([{ name: 'elu', params: { alpha: -1 } }])).toThrow(/out of range/);
  });
});

describe('gradientFlow', () => {
  test("the tape's f' equals the backward kernel's derivative bit for bit, f equals apply", () => {
    const names = ['relu', 'sigmoid', 'tanh', 'elu', 'gelu', 'mish'] as const;
    const r = gradientFlow([...names, { name: 'prelu', params: { alpha: 0.05 } }, { name: 'swish', params: { beta: 2 } }], { samples: 257 });
    const x = Float32Array.from(r.x);
    r.series.forEach((s) => {
      expect(bits(s.df), s.label).toEqual(new Uint32Array(activations.derivative(s.name, x, s.params).buffer));
      expect(bits(s.f), s.label).toEqual(new Uint32Array(activations.apply(s.name, x, s.params).buffer));
    });
  });

  test('mean |f\'|, mean and std match float64 over the float32 derivative (to float32 rounding)', () => {
    const r = gradientFlow(['relu', 'sigmoid', 'tanh', 'elu']);
    expect(r.samples).toBe(1000);
    for (const s of r.series) {
      const n = s.df.length;
      const mean = s.df.reduce((a, b) => a + b, 0) / n;
      const meanAbs = s.df.reduce((a, b) => a + Math.abs(b), 0) / n;
      const std = Math.sqrt(s.df.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      expect(s.meanGrad).toBe(Math.fround(mean));
      expect(s.meanAbsGrad).toBe(Math.fround(meanAbs));
      expect(Math.abs(s.stdGrad - std)).toBeLessThanOrEqual(std * 1e-6);
      expect(s.maxAbsGrad).toBe(Math.max(...s.df.map(Math.abs)));
    }
    // ReLU on an even grid symmetric about 0: half the points have slope 1.
    expect(r.series[0].meanAbsGrad).toBe(0.5);
    expect(r.series[1].maxAbsGrad).toBeLessThanOrEqual(0.25);
  });

  test("takes curves' params option: parameters per activation name for requests that give none", () => {
    const opts = { range: [-5, 5] as [number, number], samples: 101, params: { swish: { beta: 2 }, prelu: { alpha: 0.3 } } };
    const g = gradientFlow(['swish', 'prelu'], opts);
    const c = curves(['swish', 'prelu'], opts);
    expect(g.series.map((s) => [s.label, s.params])).toEqual([['swish (beta=2)', { beta: 2 }], ['prelu (alpha=0.3)', { alpha: Math.fround(0.3) }]]);
    g.series.forEach((s, i) => expect(bits(s.df), s.label).toEqual(bits(c.curves[i].df)));
  });

  test('frees every tensor it made', () => {
    const before = memoryStats().liveBlocks;
    gradientFlow(['tanh', { name: 'prelu', params: { alpha: 0.1 } }], { samples: 100 });
    expect(memoryStats().liveBlocks).toBe(before);
  });
});

describe("the analyzers' statistics kernel", () => {
  test('a NaN anywhere makes max |x| NaN (it used to survive only as the last value)', () => {
    for (const values of [[NaN, 1, 2], [1, NaN, 2], [1, 2, NaN], [NaN, -Infinity]]) {
      const t = tensor(values, [values.length]);
      try {
        expect(stats(t).maxAbs, JSON.stringify(values.map(String))).toBeNaN();
      } finally {
        t.dispose();
      }
    }
    const t = tensor([-3, 1, -Infinity, 2], [4]);
    expect(stats(t).maxAbs).toBe(Infinity);
    t.dispose();
  });
});

describe('softmaxTemperature', () => {
  const temperatures = [0.25, 0.5, 1, 2, 4, 100];
  let r: ReturnType<typeof softmaxTemperature>;
  beforeAll(() => { r = softmaxTemperature(SEED_SCORES, temperatures); });

  test('rows sum to 1, entropy grows with temperature towards log(classes)', () => {
    expect(r.classes).toBe(5);
    expect(r.maxEntropy).toBeCloseTo(Math.log(5), 6);
    for (const t of r.results) {
      for (const s of t.rowSums) expect(Math.abs(s - 1)).toBeLessThan(1e-6);
      for (const p of t.probabilities) expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
    }
    for (let i = 1; i < r.results.length; i++) {
      r.results[i].entropy.forEach((h, row) => expect(h).toBeGreaterThan(r.results[i - 1].entropy[row]));
    }
    for (const h of r.results.at(-1)?.entropy ?? []) expect(r.maxEntropy - h).toBeLessThan(1e-3);
  });

  test('probabilities and entropy match float64', () => {
    for (const t of r.results) {
      t.probabilities.forEach((row, i) => {
        const z = Float32Array.from(SEED_SCORES[i]);
        const e = Array.from(z, (v) => Math.exp(v / t.temperature));
        const sum = e.reduce((a, b) => a + b, 0);
        const p = e.map((v) => v / sum);
        row.forEach((v, j) => expect(Math.abs(v - p[j])).toBeLessThan(2e-6));
        const h = -p.reduce((a, q) => a + q * Math.log(q), 0);
        expect(Math.abs(t.entropy[i] - h)).toBeLessThan(2e-5);
      });
    }
  });

  test('a one-hot row has zero entropy (0 log 0 counts as 0)', () => {
    const s = softmaxTemperature([[0, 1000]], [1]);
    expect(s.results[0].probabilities[0]).toEqual([0, 1]);
    expect(s.results[0].entropy[0]).toBe(0);
  });

  test('bad input', () => {
    expect(() => softmaxTemperature([], [1])).toThrow(/no score rows/);
    expect(() => softmaxTemperature([[1, 2], [1]], [1])).toThrow(/row 1 has 1 values but row 0 has 2/);
    expect(() => softmaxTemperature([[1, NaN]], [1])).toThrow(/score \[0\]\[1\] = NaN/);
    expect(() => softmaxTemperature([[1, 2]], [])).toThrow(/no temperatures/);
    expect(() => softmaxTemperature([[1, 2]], [0])).toThrow(/temperature must be a finite number > 0, got 0/);
  });
});

describe('arguments of the wrong type give actlab errors, not TypeErrors', () => {
  /** A value of the wrong type, as plain JavaScript can pass one. */
  const wrong = <T>(v: unknown): T => v as T;

  test('activation lists, ranges, scores and temperatures', () => {
    expect(() => curves(wrong<string[]>('relu'))).toThrow("actlab: curves: activations must be an array of registry names or { name, params } objects, e.g. ['relu', 'tanh'], got string \"relu\"");
    expect(() => gradientFlow(wrong<string[]>('relu'))).toThrow('actlab: gradientFlow: activations must be an array');
    expect(() => curves([wrong<string>(null)])).toThrow('actlab: curves: an activation must be a registry name or { name, params }, got null');
    expect(() => curves(['relu'], { range: wrong<[number, number]>(5) })).toThrow('actlab: curves: range must be [lo, hi], got number 5');
    expect(() => curves(['relu'], { range: [1e39, 1e40] })).toThrow('actlab: curves: range [1e+39, 1e+40] is invalid: expected two finite float32 numbers with lo < hi');
    expect(() => curves(['relu'], { range: [1, 1.00000001] })).toThrow('actlab: curves: range [1, 1.00000001] is invalid');
    expect(() => softmaxTemperature(wrong<number[][]>([1, 2, 3]), [1])).toThrow('actlab: softmaxTemperature: scores must be rows of numbers, e.g. [[1, 2, 3]], got Array');
    expect(() => softmaxTemperature(SEED_SCORES, wrong<number[]>(1))).toThrow('actlab: softmaxTemperature: temperatures must be an array of numbers > 0');
    expect(() => softmaxTemperature([wrong<number[]>(['1', '2'])], [1])).toThrow('actlab: softmaxTemperature: score [0][0] = "1": expected a number that is finite in float32');
    expect(() => softmaxTemperature([[1e39, 0]], [1])).toThrow('actlab: softmaxTemperature: score [0][0] = 1e+39: expected a number that is finite in float32');
  });

  test('training analyzers without data or seed, a recorder without a probe, a probe of the wrong shape', async () => {
    await expect(compareTraining(wrong<Parameters<typeof compareTraining>[0]>({ seed: 1 })))
      .rejects.toThrow('actlab: compareTraining: data must be { train, test } Datasets (e.g. await datasets.mnist()), got undefined');
    await expect(vanishingGradients(wrong<Parameters<typeof vanishingGradients>[0]>({ activations: ['relu'] })))
      .rejects.toThrow('actlab: vanishingGradients: seed must be a non-negative integer (it makes the runs repeatable), got undefined');
    const m = sequential({ layers: [layers.dense({ units: 3, inputShape: [4], activation: 'relu' })] });
    expect(() => new DynamicsRecorder(wrong<ConstructorParameters<typeof DynamicsRecorder>[0]>({ model: m })))
      .toThrow('actlab: DynamicsRecorder: probe must be { x: Tensor, y: labels } (a fixed batch to measure on), got undefined');
    const x = tensor([1, 2, 3, 4], [2, 2]);
    expect(() => activationPatterns(m, 'dense', x)).toThrow("actlab: activationPatterns: the input is a tensor of shape [2, 2]: expected one sample of model 'sequential', shape [4]");
    const ok = tensor([1, 2, 3, 4], [1, 4]);
    expect(activationPatterns(m, 'dense', ok).layer).toBe('dense');
    m.dispose(); x.dispose(); ok.dispose();
  });
});

describe('an option one analyzer lacks is refused, not ignored', () => {
  /** An options object with a key the type does not have, as a guess from a sibling analyzer gives. */
  const guess = <T>(v: unknown): T => v as T;
  type Opts<F extends (...a: never[]) => unknown> = Parameters<F>[0];

  test('the training analyzers name the option, a hint and the valid ones', async () => {
    // Each of these ran before with the option silently dropped: Adam at 0.001, relu, 32 rows.
    await expect(compareCnn(guess<Opts<typeof compareCnn>>({ seed: 1, learningRate: 0.01 })))
      .rejects.toThrow("actlab: compareCnn: unknown option 'learningRate' (only compareTraining takes one; compareCnn trains with Adam at 0.001); valid options: activations, data, epochs");
    await expect(benchmarkActivations(guess<Opts<typeof benchmarkActivations>>({ seed: 1, learningRate: 0.01 })))
      .rejects.toThrow("actlab: benchmarkActivations: unknown option 'learningRate'");
    await expect(trainingDynamics(guess<Opts<typeof trainingDynamics>>({ seed: 1, learningRate: 0.01 })))
      .rejects.toThrow("actlab: trainingDynamics: unknown option 'learningRate'");
    await expect(activationPatterns(guess<Opts<typeof trainingDynamics>>({ seed: 1, activations: ['tanh'] })))
      .rejects.toThrow("actlab: activationPatterns: unknown option 'activations' (activationPatterns takes one activation: activation: 'relu' or { name, params })");
    await expect(activationPatterns(guess<Opts<typeof trainingDynamics>>({ seed: 1, hidden: [32] })))
      .rejects.toThrow("actlab: activationPatterns: unknown option 'hidden'; valid options: activation, data, architecture");
    await expect(vanishingGradients(guess<Opts<typeof vanishingGradients>>({ seed: 1, batchSize: 64 })))
      .rejects.toThrow("actlab: vanishingGradients: unknown option 'batchSize' (vanishingGradients trains nothing: 'batch' is the number of input rows); valid options: activations, depth, width, batch");
    await expect(compareTraining(guess<Opts<typeof compareTraining>>({ seed: 1, batch_size: 64 })))
      .rejects.toThrow("actlab: compareTraining: unknown option 'batch_size'; valid options: activations, data, hidden");
    await expect(compareCnn(guess<Opts<typeof compareCnn>>({ seed: 1, reduceLrOnPlateau: { factor: 0.5, patience: 2, minLr: 1e-5 } })))
      .rejects.toThrow("actlab: compareCnn: reduceLrOnPlateau: unknown option 'minLr'; valid options: factor, patience, minDelta");
    const m = sequential({ layers: [layers.dense({ units: 3, inputShape: [4], activation: 'relu' })] });
    const x = tensor([1, 2, 3, 4], [1, 4]);
    expect(() => new DynamicsRecorder(guess<ConstructorParameters<typeof DynamicsRecorder>[0]>({ model: m, probe: { x, y: new Int32Array(1) }, every: 2 })))
      .toThrow("actlab: DynamicsRecorder: unknown option 'every'; valid options: model, layer, probe");
    expect(() => activationPatterns(m, 'dense', x, guess<{ sample: number }>({ samples: 3 })))
      .toThrow("actlab: activationPatterns: unknown option 'samples'; valid options: sample, label, activation, maxFilters");
    m.dispose(); x.dispose();
  });

  test('curves and gradientFlow: options second, and the training analyzers\' object form is named', () => {
    expect(() => curves(['relu'], guess<{ samples: number }>({ points: 50 }))).toThrow("actlab: curves: unknown option 'points'; valid options: range, samples, params");
    expect(() => gradientFlow(['relu'], guess<{ samples: number }>({ seed: 1 }))).toThrow("actlab: gradientFlow: unknown option 'seed'; valid options: range, samples, params");
    expect(() => curves(guess<string[]>({ activations: ['relu'] })))
      .toThrow("got Object (curves takes the list as its first argument: curves(['relu', 'tanh'], { range }))");
  });
});
