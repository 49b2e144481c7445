// Learning-rate schedules: each against Keras 3's formula in float64, the optimizer taking
// the schedule's rate for step `iterations`, config and checkpoint round trips, and errors.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, tensor, sequential, layers, sgd, adam, rmsprop, schedules, callbacks, twoSpirals, LearningRateSchedule, type Optimizer,
} from '../src/index.js';
import { restoreCheckpoint } from '../src/nn/checkpoint.js';
import { rt } from '../src/core/wasm.js';

beforeAll(async () => { await init(); });

const STEPS = [0, 1, 2, 3, 7, 10, 49, 50, 51, 99, 100, 101, 150, 1000];

/** Largest |got - want| / max(|want|, tiny) over the steps. */
function worst(s: LearningRateSchedule, want: (step: number) => number): { rel: number; where: string } {
  let rel = 0, where = '';
  for (const step of STEPS) {
    const g = s.at(step), w = want(step);
    const r = Math.abs(g - w) / Math.max(Math.abs(w), 1e-300);
    if (!(r <= rel)) { rel = r; where = `step ${step}: got ${g}, want ${w}`; }
  }
  return { rel, where };
}

describe('schedules follow the Keras 3 formulas', () => {
  // The cosine is the Wasm module's float32 cos: within 3e-7 relative of float64 to the end of the decay.
  const cases: [string, LearningRateSchedule, (step: number) => number, number][] = [
    ['cosineDecay', schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 100 }),
      (s) => 0.1 * 0.5 * (1 + Math.cos(Math.PI * Math.min(s, 100) / 100)), 3e-7],
    ['cosineDecay with alpha', schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.2 }),
      (s) => 0.1 * (0.8 * 0.5 * (1 + Math.cos(Math.PI * Math.min(s, 100) / 100)) + 0.2), 3e-7],
    ['cosineDecay with warmup', schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 100, warmupTarget: 0.5, warmupSteps: 50, alpha: 0.1 }),
      (s) => (s < 50 ? 0.5 * s / 50 : 0.5 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * (Math.min(s, 150) - 50) / 100)) + 0.1)), 3e-7],
    ['exponentialDecay', schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 30, decayRate: 0.5 }),
      (s) => 0.1 * 0.5 ** (s / 30), 1e-13],
    ['exponentialDecay, staircase', schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 30, decayRate: 0.5, staircase: true }),
      (s) => 0.1 * 0.5 ** Math.floor(s / 30), 1e-13],
    ['inverseTimeDecay', schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }),
      (s) => 0.1 / (1 + 0.5 * s / 10), 0],
    ['inverseTimeDecay, staircase', schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
      (s) => 0.1 / (1 + 0.5 * Math.floor(s / 10)), 0],
    ['polynomialDecay (linear)', schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 100 }),
      (s) => (0.1 - 1e-4) * (1 - Math.min(s, 100) / 100) + 1e-4, 0],
    ['polynomialDecay, power 0.5', schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 100, endLearningRate: 0.01, power: 0.5 }),
      (s) => 0.09 * (1 - Math.min(s, 100) / 100) ** 0.5 + 0.01, 1e-13],
    ['polynomialDecay, power 2, cycle', schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 40, endLearningRate: 0, power: 2, cycle: true }),
      (s) => { const d = 40 * (s === 0 ? 1 : Math.ceil(s / 40)); return 0.1 * (1 - s / d) ** 2; }, 1e-13],
    ['piecewiseConstantDecay', schedules.piecewiseConstantDecay({ boundaries: [10, 100], values: [1, 0.5, 0.1] }),
      (s) => (s <= 10 ? 1 : s <= 100 ? 0.5 : 0.1), 0],
  ];
  for (const [name, s, want, tol] of cases) {
    test(name, () => {
      const w = worst(s, want);
      expect(w.rel, w.where).toBeLessThanOrEqual(tol === 0 ? 1e-15 : tol);
    });
  }

  test('rate^p is one float64 formula: no step where the rate goes back up, 1e-13 of float64 at any p', () => {
    // Exact products for integer p <= 1024 and a float32 log otherwise once made these rise
    // (0.9999995: step 1025 above step 1024) or saw-tooth (0.99999999 over 10 steps).
    for (const [rate, steps, from, to] of [[0.9999995, 1, 1000, 1100], [0.99999999, 10, 0, 40], [0.9, 0.5, 990, 1010], [0.3, 37, 0, 300]] as const) {
      const e = schedules.exponentialDecay({ initialLearningRate: 1, decaySteps: steps, decayRate: rate });
      for (let t = from; t <= to; t++) {
        expect(e.at(t + 1), `rate ${rate}, decaySteps ${steps}, step ${t + 1}`).toBeLessThanOrEqual(e.at(t));
        expect(Math.abs(e.at(t) - rate ** (t / steps)) / rate ** (t / steps), `rate ${rate} step ${t}`).toBeLessThan(1e-13);
      }
    }
    // A growing rate reaches the largest doubles and then overflows (exp once stopped at e^709).
    const g = schedules.exponentialDecay({ initialLearningRate: 1, decaySteps: 2, decayRate: Math.E });
    expect(Math.abs(g.at(1419) - Math.exp(709.5)) / Math.exp(709.5)).toBeLessThan(1e-13);
    expect(g.at(1440)).toBe(Infinity);
  });

  test('the float64 log in Wasm is within 1 ulp of V8s over decades, subnormals and the edges', () => {
    const log = (x: number): number => rt().kernels.f64_log1(x);
    const ulp = (x: number): number => { const b = new Float64Array([Math.abs(x)]); const u = new BigUint64Array(b.buffer); u[0] += 1n; return b[0] - Math.abs(x); };
    for (let i = 0; i < 20000; i++) {
      const x = 10 ** (-320 + (627 * i) / 20000) * (1 + (i % 7) / 7);
      const want = Math.log(x);
      expect(Math.abs(log(x) - want), `log(${x})`).toBeLessThanOrEqual(ulp(want) || Number.MIN_VALUE);
    }
    for (const x of [1 - 2 ** -53, 1 + 2 ** -52, Math.SQRT2, Math.SQRT1_2, 2, 0.5]) expect(Math.abs(log(x) - Math.log(x))).toBeLessThanOrEqual(ulp(Math.log(x)));
    expect([log(1), log(0), log(-0), log(-1), log(Infinity), log(NaN)]).toEqual([0, -Infinity, -Infinity, NaN, Infinity, NaN]);
  });

  test('the cosine ends at alpha exactly and stays there; the warmup reaches its target exactly', () => {
    const c = schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.25 });
    expect(c.at(0)).toBe(0.1);
    expect(c.at(100)).toBe(0.1 * 0.25);
    expect(c.at(5000)).toBe(0.1 * 0.25);
    const w = schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 10, warmupTarget: 0.1, warmupSteps: 4 });
    expect(w.at(0)).toBe(0.01);
    expect(w.at(4)).toBe(0.1);
    expect(w.at(14)).toBe(0);
  });
});

describe('optimizers take the scheduled rate of each step', () => {
  function steps(opt: Optimizer, n: number): number[] {
    const w = tensor([0], [1]), g = tensor([1], [1]);
    const out: number[] = [];
    for (let i = 0; i < n; i++) { opt.applyGradients([{ variable: w, grad: g }]); out.push(w.dataSync()[0]); }
    w.dispose(); g.dispose(); opt.dispose();
    return out;
  }

  test('sgd steps by the rate for iterations 0, 1, 2, ...', () => {
    const s = schedules.piecewiseConstantDecay({ boundaries: [0, 1], values: [0.5, 0.25, 0.125] });
    // w = 0, g = 1: after each step w has moved by -lr(step); 0.5, 0.25 and 0.125 are exact in float32.
    expect(steps(sgd({ learningRate: s }), 4)).toEqual([-0.5, -0.75, -0.875, -1]);
  });

  test('a schedule gives the same bits as setting its rates by hand before each step', () => {
    const s = schedules.cosineDecay({ initialLearningRate: 0.05, decaySteps: 7, warmupTarget: 0.1, warmupSteps: 2, alpha: 0.1 });
    for (const make of [(lr: number | LearningRateSchedule) => adam({ learningRate: lr }), (lr: number | LearningRateSchedule) => sgd({ learningRate: lr, momentum: 0.9 }),
      (lr: number | LearningRateSchedule) => rmsprop({ learningRate: lr })]) {
      const scheduled = make(s), manual = make(s.at(0));
      const w1 = tensor([0.3, -0.2, 1.5], [3]), w2 = tensor([0.3, -0.2, 1.5], [3]);
      for (let i = 0; i < 12; i++) {
        const g = tensor([Math.sin(i), 0.1 * i - 0.4, 1], [3]);
        manual.learningRate = s.at(i);
        expect(scheduled.learningRate).toBe(s.at(i));
        scheduled.applyGradients([{ variable: w1, grad: g }]);
        manual.applyGradients([{ variable: w2, grad: g }]);
        g.dispose();
      }
      expect(Array.from(w1.dataSync()), scheduled.className).toEqual(Array.from(w2.dataSync()));
      w1.dispose(); w2.dispose(); scheduled.dispose(); manual.dispose();
    }
  });

  test('a rate of 0 (the end of a cosine) leaves the weights where they are', () => {
    const s = schedules.cosineDecay({ initialLearningRate: 0.5, decaySteps: 2 });
    expect(steps(adam({ learningRate: s }), 5).slice(2)).toEqual(Array(3).fill(steps(adam({ learningRate: s }), 2)[1]));
  });

  test('a schedule that overflows stops the step before any weight changes', () => {
    // 1e-300 * (1e308)^step: 1e-300, 1e8, then Infinity at step 2. A zero gradient keeps the
    // weight where it is while the rate is finite.
    const opt = sgd({ learningRate: schedules.exponentialDecay({ initialLearningRate: 1e-300, decaySteps: 1, decayRate: 1e308 }) });
    const w = tensor([0.5], [1]), g = tensor([0], [1]);
    for (let i = 0; i < 2; i++) expect(opt.applyGradients([{ variable: w, grad: g }])).toBe(true);
    expect(() => opt.applyGradients([{ variable: w, grad: g }])).toThrow(/sgd\.applyGradients: the learning rate for step 2 is Infinity: expected a finite number >= 0/);
    expect(w.dataSync()[0]).toBe(0.5);
    expect(opt.iterations).toBe(2);
    w.dispose(); g.dispose(); opt.dispose();
  });

  test('a scheduled rate cannot be set, and reduceLROnPlateau says why before training starts', async () => {
    const opt = adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.9 }) });
    expect(() => { opt.learningRate = 0.1; }).toThrow(/adam: the learning rate follows a ExponentialDecay schedule and cannot be set/);
    const ds = twoSpirals({ n: 16, seed: 1 });
    const x = tensor(ds.x, [ds.length, 2]);
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });
    m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
    const before = m.snapshotWeights();
    await expect(m.fit(x, ds.y, { epochs: 2, callbacks: [callbacks.reduceLROnPlateau({ monitor: 'loss' })] }))
      .rejects.toThrow(/reduceLROnPlateau: the optimizer's learning rate follows a ExponentialDecay schedule/);
    expect(m.snapshotWeights()).toEqual(before);
    m.dispose(); x.dispose();
  });

  test('getConfig carries the schedule; a checkpoint resumes on the schedule bit for bit', async () => {
    const s = schedules.cosineDecay({ initialLearningRate: 0.05, decaySteps: 40, alpha: 0.1 });
    const build = () => {
      const m = sequential({ seed: 3, layers: [layers.dense({ units: 8, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 2, activation: 'softmax' })] });
      m.compile({ optimizer: adam({ learningRate: s }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const cfg = build().optimizer.getConfig();
    expect(cfg.learningRate).toEqual({ className: 'CosineDecay', config: { initialLearningRate: 0.05, decaySteps: 40, alpha: 0.1, warmupTarget: null, warmupSteps: 0 } });
    const rebuilt = schedules.fromConfig(s.toJSON());
    for (const step of STEPS) expect(rebuilt.at(step)).toBe(s.at(step));

    const ds = twoSpirals({ n: 128, noise: 0.05, seed: 2 });
    const x = tensor(ds.x, [ds.length, 2]);
    const whole = build();
    await whole.fit(x, ds.y, { epochs: 4, batchSize: 16, seed: 5 });
    const first = build();
    await first.fit(x, ds.y, { epochs: 2, batchSize: 16, seed: 5 });
    const r = restoreCheckpoint(first.checkpoint());
    expect(r.model.optimizer.learningRateSchedule?.className).toBe('CosineDecay');
    expect(r.model.optimizer.iterations).toBe(16);
    await r.model.fit(x, ds.y, { epochs: 4, batchSize: 16, seed: r.seed, initialEpoch: r.initialEpoch });
    const a = whole.snapshotWeights(), b = r.model.snapshotWeights();
    a.forEach((w, i) => expect(Buffer.from(b[i].buffer).equals(Buffer.from(w.buffer)), `weight ${i}`).toBe(true));
    // and the schedule mattered: a constant rate ends elsewhere
    const constant = sequential({ seed: 3, layers: [layers.dense({ units: 8, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 2, activation: 'softmax' })] });
    constant.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    await constant.fit(x, ds.y, { epochs: 4, batchSize: 16, seed: 5 });
    expect(constant.snapshotWeights()[0]).not.toEqual(a[0]);
    for (const m of [whole, first, r.model, constant]) m.dispose();
    x.dispose();
  });
});

describe('callbacks.learningRateScheduler (Keras LearningRateScheduler)', () => {
  const build = (lr: number | LearningRateSchedule = 0.05) => {
    const m = sequential({ seed: 4, layers: [layers.dense({ units: 8, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: sgd({ learningRate: lr, momentum: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    return m;
  };
  const spirals = () => twoSpirals({ n: 64, noise: 0.05, seed: 3 });

  test('sets schedule(epoch, rate) before each epoch: the same bits as setting it by hand between epochs', async () => {
    const ds = spirals();
    const x = tensor(ds.x, [ds.length, 2]);
    const halve = (epoch: number, lr: number): number => (epoch === 0 ? 0.2 : lr / 2);
    const scheduler = callbacks.learningRateScheduler(halve);
    const a = build();
    await a.fit(x, ds.y, { epochs: 3, batchSize: 16, seed: 1, callbacks: [scheduler] });
    expect(scheduler.rates).toEqual([[0, 0.2], [1, 0.1], [2, 0.05]]);
    expect(a.learningRate).toBe(0.05);
    const b = build();
    for (let epoch = 0; epoch < 3; epoch++) {
      b.learningRate = halve(epoch, b.learningRate);
      await b.fit(x, ds.y, { epochs: epoch + 1, initialEpoch: epoch, batchSize: 16, seed: 1 });
    }
    const wa = a.snapshotWeights(), wb = b.snapshotWeights();
    wa.forEach((w, i) => expect(Buffer.from(wb[i].buffer).equals(Buffer.from(w.buffer)), `weight ${i}`).toBe(true));
    // the rates mattered: a constant 0.2 ends elsewhere
    const c = build(0.2);
    await c.fit(x, ds.y, { epochs: 3, batchSize: 16, seed: 1 });
    expect(c.snapshotWeights()[0]).not.toEqual(wa[0]);
    for (const m of [a, b, c]) m.dispose();
    x.dispose();
  });

  test('a bad rate stops fit before the epoch trains; a scheduled optimizer is refused', async () => {
    const ds = spirals();
    const x = tensor(ds.x, [ds.length, 2]);
    const m = build();
    const before = m.snapshotWeights();
    await expect(m.fit(x, ds.y, { epochs: 2, callbacks: [callbacks.learningRateScheduler(() => Number.NaN)] }))
      .rejects.toThrow(/learningRateScheduler: schedule\(0, 0\.05\) returned NaN: expected a finite number >= 0/);
    expect(m.snapshotWeights()).toEqual(before);
    expect(() => callbacks.learningRateScheduler(0.1 as never)).toThrow(/learningRateScheduler: schedule must be a function/);
    const scheduled = build(schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 1 }));
    await expect(scheduled.fit(x, ds.y, { epochs: 1, callbacks: [callbacks.learningRateScheduler((_e, lr) => lr)] }))
      .rejects.toThrow(/learningRateScheduler: the optimizer's learning rate follows a InverseTimeDecay schedule/);
    m.dispose(); scheduled.dispose(); x.dispose();
  });
});

describe('schedule errors name the schedule, the option, the value and the range', () => {
  test.each([
    [() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 0 }), /schedules\.cosineDecay: decaySteps = 0 is out of range: expected an integer >= 1/],
    [() => schedules.cosineDecay({ initialLearningRate: -1, decaySteps: 5 }), /cosineDecay: initialLearningRate = -1 is out of range: expected a finite number >= 0/],
    [() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 5, alpha: 2 }), /cosineDecay: alpha = 2 is out of range: expected a number in \[0, 1\]/],
    [() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 5, warmupSteps: 3 }), /cosineDecay: warmupSteps = 3 needs a warmupTarget/],
    [() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: Number.NaN }), /exponentialDecay: decayRate = NaN is out of range/],
    [() => schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 1, staircase: 1 as never }), /inverseTimeDecay: staircase = 1 must be true or false/],
    [() => schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 5, power: 0 }), /polynomialDecay: power = 0 is out of range: expected a finite number > 0/],
    [() => schedules.piecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] }), /piecewiseConstantDecay: 2 values for 2 boundaries/],
    [() => schedules.piecewiseConstantDecay({ boundaries: [5, 5], values: [1, 2, 3] }), /boundaries must increase, but boundaries\[1\] = 5 follows 5/],
    [() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 5, warmup: 3 } as never), /cosineDecay: unknown option 'warmup'; valid options: initialLearningRate, decaySteps/],
    [() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 5 }).at(-1), /CosineDecay\.at: step = -1 must be an integer >= 0/],
    [() => schedules.fromConfig({ className: 'StepDecay', config: {} }), /fromConfig: unknown schedule class 'StepDecay'/],
    [() => schedules.fromConfig({ className: 'ExponentialDecay', config: { initialLearningRate: 0.1, decaySteps: '5', decayRate: 0.5 } as never }), /exponentialDecay: decaySteps = NaN is out of range/],
  ])('%#', (fn, message) => {
    expect(fn).toThrow(message);
  });

  test('an optimizer rejects a learning rate that is neither a positive number nor a schedule', () => {
    expect(() => adam({ learningRate: 0 })).toThrow(/adam: learningRate = 0 is out of range: expected a finite number > 0 or a schedule/);
  });
});
