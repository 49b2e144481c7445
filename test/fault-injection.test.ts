// Faults in the code users hand the library (callbacks, custom activations, initializers,
// writers): after each, the user's own error or an `actlab:` one reaches them, no tensor
// leaks, and the model and the callback stay usable. Each case failed before a review on
// 2026-12-07 that made every such piece of user code throw or return the wrong thing.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor, zeros, mul, memoryStats, sequential, layers, callbacks, adam, registerArtifactWriter, sgd, LearningRateSchedule, Layer, valueAndGrads,
  type Initializer, type ScheduleConfig, type Config, type Shape, type Tensor, type ModelArtifacts } from '../src/index.js';

beforeAll(async () => { await init(); });

const live = (): number => memoryStats().liveBlocks;
const wrong = <T>(v: unknown): T => v as T;

describe('a layer that throws', () => {
  test('layerOutputs frees the outputs it kept before the failing layer', () => {
    let fail = false;
    const m = sequential({ seed: 3, layers: [
      layers.dense({ inputShape: [2], units: 4 }),
      layers.dense({ units: 4 }),
      layers.customActivation({ className: 'Flaky', fn: (x) => { if (fail) throw new Error('user boom'); return mul(x, x); } }),
    ] });
    const x = tensor([1, 2, 3, 4], [2, 2]);
    const before = live();
    fail = true;
    expect(() => m.layerOutputs(x)).toThrow('user boom');
    expect(live()).toBe(before);
    fail = false;
    const outs = m.layerOutputs(x);
    expect([...outs.keys()]).toEqual(['dense', 'dense_1', 'custom_activation']);
    for (const t of outs.values()) t.dispose();
    expect(live()).toBe(before);
    m.dispose();
    x.dispose();
  });
});

describe('a custom activation that returns the wrong thing', () => {
  test('one of the same size but another shape is named there, not in the layer or loss after it', async () => {
    const m = sequential({ seed: 1, layers: [
      layers.dense({ inputShape: [2], units: 2 }),
      layers.customActivation({ className: 'Flat', fn: (x) => mul(x, x).reshape([x.size]) }),
      layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const before = live();
    const message = "actlab: custom activation 'custom_activation' must return a tensor shaped like its input [4, 2], got a tensor [8]";
    await expect(m.fit(x, [0, 1, 0, 1], { epochs: 1 })).rejects.toThrow(message);
    expect(() => m.predict(x)).toThrow(message);
    expect(live()).toBe(before);
    m.dispose();
    x.dispose();
  });
});

describe('a Layer subclass whose call() disagrees with computeOutputShape', () => {
  class Wide extends Layer {
    readonly className = 'Wide';
    constructor() { super('wide'); }
    computeOutputShape(inputShape: Shape): Shape { return inputShape; }
    call(x: Tensor): Tensor { return tensor(new Float32Array(x.size * 4).fill(7), [x.shape[0], x.shape[1] * 4]); }
    getConfig(): Config { return { name: this.name }; }
  }

  test('is named, and predict no longer writes its extra values over another tensor', () => {
    const m = sequential({ layers: [layers.dense({ inputShape: [2], units: 2 }), new Wide()] });
    const x = tensor([1, 2, 3, 4], [2, 2]);
    // A hole the size of predict's [2, 2] result, right before a live tensor: the extra 12 values landed there.
    const hole = tensor([0, 0, 0, 0], [4]);
    const neighbour = tensor([1, 2, 3, 4, 5, 6, 7, 8], [8]);
    hole.dispose();
    const before = live();
    expect(() => m.predict(x)).toThrow("actlab: layer 'wide' (Wide) returned a tensor [2, 8] for input [2, 2]; its output shape is [2, 2]");
    expect(Array.from(neighbour.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(live()).toBe(before);
    m.dispose();
    for (const t of [x, neighbour]) t.dispose();
  });
});

describe('callbacks whose own user code fails', () => {
  test('an epochLogger with header: false writes rows only, for a resumed run appending to its log (a second header landed mid-file)', async () => {
    const lines: string[] = [];
    const first = callbacks.epochLogger({ write: (l) => lines.push(l) });
    first.onEpochEnd(0, { loss: 0.5, acc: 0.75 });
    const resumed = callbacks.epochLogger({ write: (l) => lines.push(l), header: false });
    resumed.onEpochEnd(1, { loss: 0.25, acc: 0.5 });
    resumed.onEpochEnd(2, { loss: 0.125, acc: 1 });
    expect(lines.join('')).toBe('epoch,acc,loss\n0,0.75,0.5\n1,0.5,0.25\n2,1,0.125\n');
    expect(() => callbacks.epochLogger(wrong({ write: () => undefined, header: 'no' })))
      .toThrow('actlab: epochLogger: header must be true (write the CSV header) or false (rows only, after an earlier run\'s lines), got "no"');
  });

  test('an epochLogger whose first write throws writes its CSV header on the next fit', async () => {
    const lines: string[] = [];
    let fail = true;
    const logger = callbacks.epochLogger({ write: (l) => { if (fail) { fail = false; throw new Error('disk full'); } lines.push(l); } });
    const m = sequential({ seed: 1, layers: [layers.dense({ inputShape: [2], units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    const x = tensor([1, 2, 3, 4], [2, 2]);
    await expect(m.fit(x, [0, 1], { epochs: 1, callbacks: [logger] })).rejects.toThrow('disk full');
    await m.fit(x, [0, 1], { epochs: 2, callbacks: [logger] });
    expect(lines.map((l) => l.split(',')[0])).toEqual(['epoch', '0', '1']);
    m.dispose();
    x.dispose();
  });
});

describe('initializers written by the user', () => {
  const bad: Record<string, [Initializer, string]> = {
    throws: [{ name: 'mine', apply: () => { throw new Error('user init boom'); } }, 'user init boom'],
    'a Float32Array': [wrong<Initializer>({ name: 'mine', apply: () => new Float32Array(2) }),
      "actlab: layer 'dense_1': initializer 'mine' must return a new tensor of shape [2] for weight 'dense_1/bias', got Float32Array"],
    'a Promise': [wrong<Initializer>({ name: 'mine', apply: () => Promise.resolve(null) }),
      "actlab: layer 'dense_1': initializer 'mine' must return a new tensor of shape [2] for weight 'dense_1/bias', got Promise"],
    'another shape': [{ name: 'mine', apply: () => zeros([3]) },
      "actlab: layer 'dense_1': initializer 'mine' must return a new tensor of shape [2] for weight 'dense_1/bias', got a tensor [3]"],
    'a disposed tensor': [{ name: 'mine', apply: (shape) => { const t = zeros(shape); t.dispose(); return t; } },
      "actlab: layer 'dense_1': initializer 'mine' must return a new tensor of shape [2] for weight 'dense_1/bias', got a disposed tensor [2]"],
  };
  for (const [what, [init, message]] of Object.entries(bad)) {
    test(`a bias initializer that ${what === 'throws' ? 'throws' : `returns ${what}`}: the error names it, and nothing leaks`, () => {
      const before = live();
      // The second layer's kernel is made before its bias initializer fails: it used to leak.
      expect(() => sequential({ layers: [layers.dense({ inputShape: [2], units: 4 }), layers.dense({ units: 2, biasInitializer: init })] }))
        .toThrow(message);
      expect(live()).toBe(before);
    });
  }

  test('a layer whose build failed builds again once its initializer works', () => {
    let fail = true;
    const flaky: Initializer = { name: 'flaky', apply: (shape) => { if (fail) throw new Error('not yet'); return zeros(shape); } };
    const layer = layers.dense({ units: 2, biasInitializer: flaky });
    const m = sequential({ layers: [layers.dense({ inputShape: [2], units: 4 })] });
    const before = live();
    expect(() => m.add(layer)).toThrow('not yet');
    expect(live()).toBe(before);
    expect(layer.built).toBe(false);
    expect(layer.weights).toEqual([]);
    fail = false;
    m.add(layer);
    expect(m.weights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    const y = m.predict(tensor([1, 2], [1, 2]));
    expect(y.shape).toEqual([1, 2]);
    y.dispose();
    m.dispose();
  });
});

describe('artifact writers', () => {
  test('registerArtifactWriter refuses a writer that is not a function, and the registered one stays', async () => {
    const saved: ModelArtifacts[] = [];
    registerArtifactWriter(async (_target, artifacts) => { saved.push(artifacts); });
    expect(() => registerArtifactWriter(wrong(42)))
      .toThrow('actlab: registerArtifactWriter: writer must be a function (target, artifacts) => Promise<void>, got number 42');
    const m = sequential({ layers: [layers.dense({ inputShape: [2], units: 1 })] });
    await m.save('anywhere');
    expect(saved.length).toBe(1);
    // A writer that fails rejects the save with its own error.
    registerArtifactWriter(() => { throw new Error('user writer boom'); });
    await expect(m.save('anywhere')).rejects.toThrow('user writer boom');
    m.dispose();
  });
});

describe('learning rates from user code', () => {
  class Returns extends LearningRateSchedule {
    readonly className = 'Returns';
    constructor(private readonly value: unknown) { super(); }
    at(): number { return wrong<number>(this.value); }
    getConfig(): ScheduleConfig { return {}; }
  }
  const cases: [unknown, string][] = [['0.1', '"0.1"'], [true, 'true'], [Promise.resolve(0.1), 'Promise'], [NaN, 'NaN']];
  for (const [value, shown] of cases) {
    test(`a schedule whose at() returns ${shown} takes no step, and the error shows the value`, () => {
      const opt = sgd({ learningRate: new Returns(value) });
      const w = tensor([1, 2], [2]), g = tensor([1, 1], [2]);
      // '0.1' and true passed the range check and reached the kernels as 0.1 and 1.
      expect(() => opt.applyGradients([{ variable: w, grad: g }]))
        .toThrow(`actlab: sgd.applyGradients: the learning rate for step 0 is ${shown}: expected a finite number >= 0`);
      expect(Array.from(w.dataSync())).toEqual([1, 2]);
      expect(opt.iterations).toBe(0);
      for (const t of [w, g]) t.dispose();
      opt.dispose();
    });
  }

  test('learningRateScheduler quotes a string its schedule returned', async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ inputShape: [2], units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const x = tensor([1, 2, 3, 4], [2, 2]);
    await expect(m.fit(x, [0, 1], { callbacks: [callbacks.learningRateScheduler(() => wrong<number>('0.1'))] }))
      .rejects.toThrow('actlab: learningRateScheduler: schedule(0, 0.01) returned "0.1": expected a finite number >= 0');
    expect(m.learningRate).toBe(0.01);
    m.dispose();
    x.dispose();
  });
});

describe('valueAndGrads', () => {
  test('a dy that is not a live tensor is named before f runs', () => {
    const a = tensor([1, 2, 3], [3]);
    let ran = false;
    const f = (): Tensor => { ran = true; return mul(a, a); };
    const before = live();
    // A Float32Array gave "Cannot read properties of undefined (reading 'join')".
    expect(() => valueAndGrads(f, [a], wrong(new Float32Array(3)))).toThrow("actlab: valueAndGrads: dy must be a live Tensor shaped like f's result, got Float32Array");
    const dy = tensor([1, 1, 1], [3]);
    dy.dispose();
    expect(() => valueAndGrads(f, [a], dy)).toThrow("actlab: valueAndGrads: dy must be a live Tensor shaped like f's result, got [3], disposed");
    expect(ran).toBe(false);
    expect(live()).toBe(before);
    a.dispose();
  });
});
