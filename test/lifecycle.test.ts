// Tensor lifetimes at the edges, and what fit draws from its seed when called again. Each
// case is one that went wrong before a review on 2026-12-07 (a helper ran every public op in
// loops and watched memoryStats; another hashed results across repeated runs).
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, tensor, mean, sum, mul, grads, dropoutOp, rng, tidy, keep, flatten, activation, valueAndGrads, memoryStats, sequential, layers,
  sgd, adam, History, callbacks, checkpointOf, restoreCheckpoint, modelToArtifacts, modelFromArtifacts, type Tensor, type Sequential,
} from '../src/index.js';

beforeAll(async () => { await init(); });

const wrong = <T>(v: unknown): T => v as T;
const live = (): number => memoryStats().liveBlocks;

/** The live-block count after `f` has run `times` times, less the count before. */
function growth(times: number, f: () => void): number {
  f(); // a first call may grow pools that stay
  const before = live();
  for (let i = 0; i < times; i++) f();
  return live() - before;
}

describe('ops outside tidy free their temporaries', () => {
  test('mean and dropoutOp leave only their result', () => {
    const x = tensor([1, -2, 3, 4, -5, 6], [2, 3]);
    const r = rng(3);
    expect(growth(20, () => mean(x).dispose())).toBe(0);
    expect(growth(20, () => dropoutOp(x, 0.5, r).dispose())).toBe(0);
    expect(growth(20, () => sum(x).dispose())).toBe(0);
    x.dispose();
  });

  test('inside a gradient computation a dropout mask and a tidy\'s tensors live until the backward pass', () => {
    const a = tensor([1, -2, 3, 4, -5, 6], [2, 3]);
    const before = live();
    // A tidy inside f used to free its intermediates before the tape's backward pass read them.
    const { value, grads } = valueAndGrads(() => tidy(() => mean(activation(dropoutOp(activation(a, 'tanh'), 0.5, rng(1)), 'relu'))), [a]);
    const { value: v2, grads: g2 } = valueAndGrads(() => mean(activation(dropoutOp(activation(a, 'tanh'), 0.5, rng(1)), 'relu')), [a]);
    expect(value.dataSync()).toEqual(v2.dataSync());
    expect(grads[0].dataSync()).toEqual(g2[0].dataSync());
    for (const t of [value, v2, ...grads, ...g2]) t.dispose();
    expect(live()).toBe(before);
    a.dispose();
  });
});

describe('views, keep and layer outputs', () => {
  test('keep() of a view made in a tidy keeps the tensor under it, and disposing the view frees both', () => {
    const x = tensor([1, -2, 3, 4, -5, 6], [1, 2, 3]);
    const before = live();
    let kept: Tensor | undefined;
    tidy(() => { kept = keep(flatten(activation(x, 'relu'))); });
    if (kept === undefined) throw new Error('unreachable');
    expect(kept.isDisposed).toBe(false);
    expect(kept.shape).toEqual([1, 6]);
    expect(Array.from(kept.dataSync())).toEqual([1, 0, 3, 4, 0, 6]);
    kept.dispose();
    expect(live()).toBe(before);
    x.dispose();
  });

  test('layerOutputs never hands back the caller\'s input or one tensor under two names', () => {
    const m = sequential({ seed: 1, layers: [
      layers.dropout({ rate: 0.5, inputShape: [3] }), layers.dense({ units: 2 }), layers.dropout({ rate: 0.3 }),
    ] });
    const x = tensor([1, 2, 3], [1, 3]);
    const outs = m.layerOutputs(x);
    const got = [...outs.values()];
    expect(got.includes(x)).toBe(false);
    expect(new Set(got).size).toBe(got.length);
    for (const t of got) t.dispose();
    expect(x.isDisposed).toBe(false);
    expect(m.predict(x).dataSync()).toHaveLength(2);
    x.dispose();
    m.dispose();
  });
});

describe('a failed construction or restore frees what it built', () => {
  test('sequential({ layers }) whose later layer does not fit frees the earlier layers\' weights', () => {
    const before = live();
    for (let i = 0; i < 3; i++) {
      expect(() => sequential({ layers: [layers.dense({ units: 64, inputShape: [128] }), layers.maxPooling2d({ poolSize: 2 })] }))
        .toThrow(/^actlab: /);
    }
    expect(live()).toBe(before);
  });

  test('restoreCheckpoint frees the restored optimizer when compile refuses the checkpoint', async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    await m.fit(tensor(new Float32Array(8).fill(0.5), [2, 4]), Int32Array.from([0, 1]), { epochs: 1 });
    const ck = checkpointOf(m);
    const bad = { ...ck, json: { ...ck.json, loss: wrong<typeof ck.json.loss>('bogus') } };
    const before = live();
    for (let i = 0; i < 3; i++) expect(() => restoreCheckpoint(bad)).toThrow(/^actlab: restoreCheckpoint: checkpoint.json: unknown loss 'bogus'/);
    expect(live()).toBe(before);
    m.dispose();
  });

  test('fit frees its validationSplit copies when it throws before the first epoch', async () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 2, activation: 'softmax', inputShape: [4] })] });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = tensor(new Float32Array(40).fill(0.25), [10, 4]), y = Int32Array.from({ length: 10 }, (_, i) => i % 2);
    const before = live();
    await expect(m.fit(x, y, { validationSplit: 0.2, seed: -1 })).rejects.toThrow(/^actlab: Rng seed/);
    const throwing = { setModel: () => { throw new Error('no'); } };
    await expect(m.fit(x, y, { validationSplit: 0.2, callbacks: [throwing] })).rejects.toThrow('no');
    expect(live()).toBe(before);
    x.dispose();
    m.dispose();
  });

  test('a gradient computation inside another is refused (it gave a silent zero), and leaves nothing behind', () => {
    const x = tensor([1, 2, -3], [3]);
    const before = live();
    expect(() => grads(() => sum(grads(() => sum(mul(x, mul(x, x))), [x])[0]), [x]))
      .toThrow('actlab: valueAndGrads: called inside the f of another gradient computation; higher-order gradients are not supported');
    expect(live()).toBe(before);
    const { value, grads: g } = valueAndGrads(() => sum(mul(x, x)), [x]);
    expect(Array.from(g[0].dataSync())).toEqual([2, 4, -6]);
    for (const t of [value, ...g, x]) t.dispose();
  });

  test('valueAndGrads names an f that returns no tensor', () => {
    const x = tensor([1], [1]);
    expect(() => valueAndGrads(wrong<() => Tensor>(() => 3), [x])).toThrow('actlab: valueAndGrads: f must return a Tensor (the value to differentiate), got number 3');
    x.dispose();
  });
});

/** A tiny classifier with dropout, 24 samples, deterministic data. */
function setup(dropoutSeed?: number): { m: Sequential; x: Tensor; y: Int32Array } {
  const m = sequential({ seed: 5, layers: [
    layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
    layers.dropout({ rate: 0.4, seed: dropoutSeed }),
    layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
  const x = tensor(Float32Array.from({ length: 96 }, (_, i) => Math.sin(i * 1.3)), [24, 4]);
  const y = Int32Array.from({ length: 24 }, (_, i) => i % 3);
  return { m, x, y };
}
const weightsOf = (m: Sequential): number[] => m.layers.flatMap((l) => l.getWeights()).flatMap((w) => {
  const v = Array.from(w.dataSync());
  w.dispose();
  return v;
});

describe('fit called again goes on with new shuffles and masks', () => {
  test('fit(1 epoch) twice trains exactly as fit(2 epochs) once, not replaying the first epoch', async () => {
    const a = setup(), b = setup(), c = setup();
    await a.m.fit(a.x, a.y, { epochs: 1, batchSize: 8 });
    await a.m.fit(a.x, a.y, { epochs: 1, batchSize: 8 });
    await b.m.fit(b.x, b.y, { epochs: 2, batchSize: 8 });
    expect(weightsOf(a.m)).toEqual(weightsOf(b.m));
    // The old behaviour, for contrast: the second call replays epoch 0's key (initialEpoch 0 asks for that).
    await c.m.fit(c.x, c.y, { epochs: 1, batchSize: 8 });
    await c.m.fit(c.x, c.y, { epochs: 1, batchSize: 8, initialEpoch: 0 });
    expect(weightsOf(c.m)).not.toEqual(weightsOf(b.m));
    for (const s of [a, b, c]) { s.x.dispose(); s.m.dispose(); }
  });

  test('a checkpoint taken between calls resumes the same stream, with or without initialEpoch', async () => {
    const a = setup(), b = setup();
    await a.m.fit(a.x, a.y, { epochs: 3, batchSize: 8 });
    await b.m.fit(b.x, b.y, { epochs: 1, batchSize: 8 });
    const { model } = restoreCheckpoint(checkpointOf(b.m));
    await model.fit(b.x, b.y, { epochs: 2, batchSize: 8 });
    expect(weightsOf(model)).toEqual(weightsOf(a.m));
    for (const s of [a, b]) { s.x.dispose(); s.m.dispose(); }
    model.dispose();
  });

  test('the history of every epoch so far grows in place, and what a checkpoint or restore hands out does not change with later fits', async () => {
    const a = setup(), b = setup();
    await a.m.fit(a.x, a.y, { epochs: 2, batchSize: 8 });
    const all = a.m.fitState?.history;
    const cp = checkpointOf(a.m);
    const keptLoss = [...cp.json.fit.history.loss];
    // A callback that adds a key at the last epoch: the series line up as History's do.
    const late = { onEpochEnd: (e: number, logs?: Record<string, number>) => { if (e === 3 && logs) logs.late = 7; } };
    await a.m.fit(a.x, a.y, { epochs: 1, batchSize: 8 });
    await a.m.fit(a.x, a.y, { epochs: 4, initialEpoch: 3, batchSize: 8, callbacks: [late] });
    // Not rebuilt per epoch (that made long runs of fits quadratic): the same object, extended.
    expect(a.m.fitState?.history).toBe(all);
    expect(all?.loss).toHaveLength(4);
    expect(all?.late).toEqual([7]);
    expect(cp.json.fit.history.loss).toEqual(keptLoss);
    await b.m.fit(b.x, b.y, { epochs: 4, batchSize: 8 });
    expect(all?.loss).toEqual(b.m.fitState?.history.loss);
    const restored = restoreCheckpoint(cp);
    const handed = [...restored.history.loss];
    await restored.model.fit(b.x, b.y, { epochs: 2, batchSize: 8 });
    expect(restored.history.loss).toEqual(handed);
    expect(restored.model.fitState?.history.loss).toHaveLength(4);
    for (const s of [a, b]) { s.x.dispose(); s.m.dispose(); }
    restored.model.dispose();
  });
});

describe('a dropout layer with its own seed', () => {
  test('its masks follow its seed, not fit\'s seed; without one they follow fit\'s', async () => {
    const trained = async (dropoutSeed: number | undefined, fitSeed: number): Promise<number[]> => {
      const s = setup(dropoutSeed);
      // The same initial weights every time (model seed 5); only the masks (and, for fit's seed, the shuffle) differ.
      await s.m.fit(s.x, s.y, { epochs: 2, batchSize: 8, seed: fitSeed, shuffle: false });
      const w = weightsOf(s.m);
      s.x.dispose(); s.m.dispose();
      return w;
    };
    const seeded = await trained(11, 1);
    expect(await trained(11, 2)).toEqual(seeded);
    expect(await trained(12, 1)).not.toEqual(seeded);
    expect(await trained(undefined, 1)).not.toEqual(await trained(undefined, 2));
  });

  test('a bad seed is refused; the seed survives save and load', () => {
    expect(() => layers.dropout({ rate: 0.5, seed: -7 })).toThrow("actlab: dropout: seed = -7 is invalid: expected an integer in [0, 2^53), or none to draw from fit's seed");
    expect(() => layers.dropout({ rate: 0.5, seed: wrong<number>('abc') })).toThrow(/^actlab: dropout: seed = "abc" is invalid/);
    expect(() => layers.dropout({ rate: 0.5, seed: 1.5 })).toThrow(/^actlab: dropout: seed = 1.5 is invalid/);
    const { m, x } = setup(42);
    const copy = modelFromArtifacts(modelToArtifacts(m));
    expect(copy.layers[1].getConfig().seed).toBe(42);
    copy.dispose(); m.dispose(); x.dispose();
  });
});

describe('async code, reentrancy', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  test('tidy refuses an async fn instead of freeing its tensors at the first await', async () => {
    let made: Tensor | undefined;
    const run = (): unknown => tidy(wrong<() => number>(async () => { made = tensor([1, 2, 3], [3]); await sleep(1); return made; }));
    expect(run).toThrow('actlab: tidy: fn returned a Promise; tidy is synchronous');
    await sleep(5);
    expect(made?.isDisposed).toBe(false);
    made?.dispose();
  });

  test('one model cannot be fitted twice at once, nor recompiled or disposed under a running fit without a clear error', async () => {
    const { m, x, y } = setup();
    const slow = { onEpochEnd: () => sleep(1) };
    const first = m.fit(x, y, { epochs: 2, callbacks: [slow] });
    await expect(m.fit(x, y, { epochs: 1 })).rejects.toThrow("actlab: fit: model 'sequential' is already being fitted; await that fit before starting another");
    await first;
    const recompile = { onEpochEnd: () => { m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' }); } };
    await expect(m.fit(x, y, { epochs: 2, callbacks: [recompile] })).rejects.toThrow("actlab: compile: model 'sequential' is being fitted");
    const gone = { onBatchEnd: () => { m.dispose(); } };
    await expect(m.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [gone] })).rejects.toThrow("actlab: model 'sequential' was disposed");
    x.dispose();
  });

  test('fit inside a tidy keeps its validationSplit copies across its awaits', async () => {
    const { m, x, y } = setup();
    const before = live();
    let fitting: Promise<unknown> | undefined;
    // tidy refuses the promise, but the fit it started runs on with its own tensors and ends well.
    expect(() => tidy(wrong<() => number>(() => { fitting = m.fit(x, y, { epochs: 1, validationSplit: 0.25, callbacks: [{ onEpochBegin: () => sleep(1) }] }); return fitting; })))
      .toThrow('actlab: tidy: fn returned a Promise');
    const h = await fitting;
    expect(h).toBeInstanceOf(History);
    expect(live()).toBe(before);
    x.dispose(); m.dispose();
  });

  test('predict inside a gradient computation is refused (its output is off the tape); layerOutput is differentiable', () => {
    const { m, x } = setup();
    const w = m.layers[2].weights[0].tensor;
    expect(() => valueAndGrads(() => sum(m.predict(x)), [w])).toThrow("actlab: predict: called inside a gradient computation, where its output would carry no gradient; use model.layerOutput('dense_1', x)");
    const { value, grads: g } = valueAndGrads(() => sum(mul(m.layerOutput('dense_1', x), m.layerOutput('dense_1', x))), [w]);
    expect(g[0].dataSync().some((v) => v !== 0)).toBe(true);
    for (const t of [value, ...g, x]) t.dispose();
    m.dispose();
  });
});

describe('fit state across calls, seeds and checkpoints (edges a mutation run found untested)', () => {
  test('a fit with another seed starts its own count and history', async () => {
    const { m, x, y } = setup();
    await m.fit(x, y, { epochs: 2, seed: 1 });
    await m.fit(x, y, { epochs: 1, seed: 2 });
    expect(m.fitState?.epoch).toBe(1);
    expect(m.checkpoint().json.fit.history.loss).toHaveLength(1);
    x.dispose(); m.dispose();
  });

  test('fitState holds the epoch key while an epoch runs, and what callbacks added to the logs afterwards', async () => {
    const { m, x, y } = setup();
    await m.fit(x, y, { epochs: 1 });
    const keys: (number | undefined)[] = [];
    const cb = { onEpochBegin: () => { keys.push(m.fitState?.epoch); }, onEpochEnd: (_e: number, logs: Record<string, number>) => { logs.extra = 7; } };
    await m.fit(x, y, { epochs: 1, callbacks: [cb] });
    expect(keys).toEqual([1]);
    expect(m.checkpoint().json.fit.history.extra).toEqual([7]);
    x.dispose(); m.dispose();
  });

  test('a seeded dropout layer draws per epoch: a resumed run matches the uninterrupted one, and epochs differ', async () => {
    const whole = setup(7), first = setup(7);
    await whole.m.fit(whole.x, whole.y, { epochs: 2, batchSize: 8 });
    await first.m.fit(first.x, first.y, { epochs: 1, batchSize: 8 });
    const { model } = restoreCheckpoint(checkpointOf(first.m));
    await model.fit(first.x, first.y, { epochs: 2, batchSize: 8, initialEpoch: 1 });
    expect(weightsOf(model)).toEqual(weightsOf(whole.m));
    const ones = tensor(new Float32Array(64).fill(1), [8, 8]);
    const maskAt = (layer: ReturnType<typeof layers.dropout>, epoch: number): number[] => {
      const out = layer.apply(ones, { training: true, epoch });
      const v = Array.from(out.dataSync());
      out.dispose();
      return v;
    };
    const a = layers.dropout({ rate: 0.5, seed: 3 }), b = layers.dropout({ rate: 0.5, seed: 3 });
    const e0 = maskAt(a, 0), e1 = maskAt(a, 1);
    expect(e1).not.toEqual(e0);
    expect(maskAt(b, 0)).toEqual(e0);
    for (const s of [whole, first]) { s.x.dispose(); s.m.dispose(); }
    model.dispose(); ones.dispose();
  });

  test("a model compiled with metrics ['acc'] checkpoints and restores", async () => {
    const { m, x, y } = setup();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
    await m.fit(x, y, { epochs: 1 });
    const { model } = restoreCheckpoint(checkpointOf(m));
    const h = await model.fit(x, y, { epochs: 1 });
    expect(h.acc).toHaveLength(1);
    x.dispose(); m.dispose(); model.dispose();
  });

  test('keep() of a view in an inner tidy, over a tensor of an outer one, keeps both until the view is disposed', () => {
    const x = tensor([1, -2, 3, 4, -5, 6], [1, 2, 3]);
    const before = live();
    let kept: Tensor | undefined;
    tidy(() => {
      const r = activation(x, 'relu');
      tidy(() => { kept = keep(flatten(r)); });
    });
    expect(Array.from(kept?.dataSync() ?? [])).toEqual([1, 0, 3, 4, 0, 6]);
    kept?.dispose();
    expect(live()).toBe(before);
    x.dispose();
  });

  test('tidy refuses any thenable, not only a native Promise', () => {
    expect(() => tidy(wrong<() => number>(() => ({ then: () => undefined })))).toThrow('actlab: tidy: fn returned a Promise');
  });
});

describe('restoreBestWeights when the best epoch is neither the first nor under the baseline', () => {
  test('scripted losses 5, 4, 6 with baseline 3: stops at epoch 2 and restores epoch 1', async () => {
    const { m, x, y } = setup();
    const script = { onEpochEnd: (e: number, logs: Record<string, number>) => { logs.loss = [5, 4, 6, 7][e]; } };
    const weightsAt: number[][] = [];
    const record = { onEpochEnd: () => { weightsAt.push(weightsOf(m)); } };
    const stop = callbacks.earlyStopping({ monitor: 'loss', patience: 3, baseline: 3, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 10, callbacks: [script, record, stop] });
    expect(h.loss).toEqual([5, 4, 6]);
    expect(weightsOf(m)).toEqual(weightsAt[1]);
    x.dispose(); m.dispose();
  });
});

describe('the last review of the day', () => {
  test("a seeded dropout layer starts its stream afresh at each fit epoch, even at a key it has seen (apply outside fit, another fit seed)", async () => {
    const a = setup(7), b = setup(7);
    // Drawing from the layer outside fit at epoch key 0 must not shift what fit then draws at key 0.
    const ones = tensor(new Float32Array(16).fill(1), [2, 8]);
    a.m.layers[1].apply(ones, { training: true, epoch: 0 }).dispose();
    await a.m.fit(a.x, a.y, { epochs: 1, batchSize: 8 });
    await b.m.fit(b.x, b.y, { epochs: 1, batchSize: 8 });
    expect(weightsOf(a.m)).toEqual(weightsOf(b.m));
    for (const s of [a, b]) { s.x.dispose(); s.m.dispose(); }
    ones.dispose();
  });

  test('a callback hook set to null is no hook; setWeights names a disposed value', async () => {
    const { m, x, y } = setup();
    await m.fit(x, y, { epochs: 1, callbacks: [wrong<object>({ onEpochEnd: null })] });
    const ws = m.getWeights();
    ws[1].dispose();
    expect(() => m.setWeights(ws)).toThrow("actlab: setWeights: the value for 'dense/bias' ([8]) was disposed");
    for (const w of ws) w.dispose();
    x.dispose(); m.dispose();
  });
});

describe('async interleavings a web page or server meets (ninth review round)', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  test('one earlyStopping shared by two fits at once is refused (it stopped the other model on this one\'s losses); a plain hook object may be shared', async () => {
    const a = setup(), b = setup();
    const es = callbacks.earlyStopping({ monitor: 'loss', patience: 0 });
    const logger = { onEpochEnd: () => sleep(1) };
    const first = a.m.fit(a.x, a.y, { epochs: 3, batchSize: 8, callbacks: [logger, es] });
    await expect(b.m.fit(b.x, b.y, { epochs: 3, batchSize: 8, callbacks: [logger, es] }))
      .rejects.toThrow("actlab: fit: callbacks[1] is in use by the running fit of model 'sequential': a callback with setModel keeps one model");
    await first;
    // Free again once that fit has returned, also after a fit that threw.
    await expect(b.m.fit(b.x, b.y, { epochs: 1, batchSize: 8, callbacks: [es, { onBatchEnd: () => { throw new Error('no'); } }] })).rejects.toThrow('no');
    await a.m.fit(a.x, a.y, { epochs: 1, batchSize: 8, callbacks: [es] });
    await Promise.all([a.m.fit(a.x, a.y, { epochs: 2, callbacks: [logger] }), b.m.fit(b.x, b.y, { epochs: 2, callbacks: [logger] })]);
    for (const s of [a, b]) { s.m.dispose(); s.x.dispose(); }
  });

  test('a checkpoint taken in the middle of an epoch is refused: it resumed at the epoch\'s start and trained its first batches twice', async () => {
    const a = setup(), ref = setup();
    await ref.m.fit(ref.x, ref.y, { epochs: 2, batchSize: 8, seed: 3 });
    let midError: unknown;
    const atEnd: ReturnType<typeof checkpointOf>[] = [];
    await a.m.fit(a.x, a.y, { epochs: 2, batchSize: 8, seed: 3, callbacks: [{
      onEpochBegin: () => { atEnd.push(checkpointOf(a.m)); }, // before the epoch's first batch: fine
      onBatchEnd: (batch) => { if (batch === 1) { try { checkpointOf(a.m); } catch (e) { midError ??= e; } } },
    }] });
    expect(String(midError)).toMatch(/^Error: actlab: checkpoint: model 'sequential' is in the middle of epoch 0 of a running fit \(2 batch\(es\) of it trained\)/);
    const r = restoreCheckpoint(atEnd[1]);
    await r.model.fit(a.x, a.y, { epochs: 2, batchSize: 8, seed: r.seed, initialEpoch: r.initialEpoch });
    expect(r.model.snapshotWeights()).toEqual(ref.m.snapshotWeights());
    // After a fit that threw mid-epoch, a checkpoint is what fit called again would do: allowed.
    await expect(a.m.fit(a.x, a.y, { epochs: 1, batchSize: 8, callbacks: [{ onBatchEnd: () => { throw new Error('no'); } }] })).rejects.toThrow('no');
    checkpointOf(a.m);
    for (const m of [a.m, ref.m, r.model]) m.dispose();
    a.x.dispose(); ref.x.dispose();
  });

  test('restoreWeights checks every array\'s length before writing; a disposed model says so', async () => {
    const { m, x } = setup();
    const w = m.snapshotWeights();
    expect(() => m.restoreWeights(w.map((v) => v.subarray(0, 1)))).toThrow("actlab: restoreWeights: array 0 has 1 values but weight 'dense/kernel' [4, 8] has 32; nothing was restored");
    expect(() => m.restoreWeights(w.map((v) => new Float32Array(v.length + 4)))).toThrow('actlab: restoreWeights: array 0 has 36 values');
    expect(() => m.restoreWeights(w.map(() => wrong<Float32Array>(null)))).toThrow('actlab: restoreWeights: array 0 must be a Float32Array (as snapshotWeights gives), got null; nothing was restored');
    expect(m.snapshotWeights()).toEqual(w);
    m.dispose();
    expect(() => m.snapshotWeights()).toThrow("actlab: model 'sequential' was disposed");
    expect(() => m.restoreWeights(w)).toThrow("actlab: model 'sequential' was disposed");
    x.dispose();
  });
});

describe('data disposed under a running fit', () => {
  test('x disposed by another task between batches gives a fit error naming x, not a bare tensor error', async () => {
    const { m, x, y } = setup();
    // The third batch's hook yields to a timer task, and that task (not the hook) disposes x.
    let batches = 0;
    const p = m.fit(x, y, { epochs: 3, batchSize: 8, callbacks: [{
      onBatchEnd: () => new Promise<void>((r) => setTimeout(() => { if (++batches === 3) x.dispose(); r(); }, 0)),
    }] });
    await expect(p).rejects.toThrow(/^actlab: fit: x was disposed while fit was running \(before epoch \d, batch \d\); dispose it after fit returns$/);
    m.dispose();
  });

  test('x disposed while onBatchBegin awaits, or validation data while the last onBatchEnd awaits, is named too', async () => {
    const a = setup();
    let begins = 0;
    await expect(a.m.fit(a.x, a.y, { epochs: 3, batchSize: 8, callbacks: [{
      onBatchBegin: () => new Promise<void>((r) => setTimeout(() => { if (++begins === 3) a.x.dispose(); r(); }, 0)),
    }] })).rejects.toThrow('actlab: fit: x was disposed while fit was running (before epoch 0, batch 2); dispose it after fit returns');
    a.m.dispose();
    const b = setup();
    const vx = tensor(new Float32Array(8), [2, 4]);
    await expect(b.m.fit(b.x, b.y, { epochs: 2, batchSize: 8, validationData: [vx, [0, 1]], callbacks: [{
      onBatchEnd: (batch) => new Promise<void>((r) => setTimeout(() => { if (batch === 2) vx.dispose(); r(); }, 0)),
    }] })).rejects.toThrow('actlab: fit: validationData[0] was disposed while fit was running (before the validation of epoch 0); dispose it after fit returns');
    b.m.dispose(); b.x.dispose();
  });
});

describe('fit lets other tasks run (a server that trains in its own process)', () => {
  /** Runs fit while a setImmediate loop counts the event-loop turns other tasks got before fit resolved. */
  async function turnsDuring(run: () => Promise<unknown>): Promise<number> {
    let turns = 0, done = false;
    const loop = (): void => { if (!done) { turns++; setImmediate(loop); } };
    setImmediate(loop);
    try {
      await run();
    } finally {
      done = true;
    }
    return turns;
  }
  /** A synchronous hook that holds the thread, as a large batch would. */
  const busy = (ms: number) => ({ onBatchEnd: () => { const t = performance.now(); while (performance.now() - t < ms); } });

  test("by default (tf.js's yieldEvery 'auto') fit yields at least every 125 ms: timers and requests run during a long fit without callbacks that await", async () => {
    const { m, x, y } = setup();
    // 12 batches of at least 30 ms each: 360 ms or more in which a request could wait.
    let timerFired = false;
    const timer = setTimeout(() => { timerFired = true; }, 0);
    const turns = await turnsDuring(() => m.fit(x, y, { epochs: 3, batchSize: 6, callbacks: [busy(30)] }));
    clearTimeout(timer);
    expect(timerFired).toBe(true);
    expect(turns).toBeGreaterThanOrEqual(2);
    m.dispose(); x.dispose();
  });

  test("'batch', 'epoch', a number of ms and 'never' yield as tf.js's; the numbers do not depend on it", async () => {
    const counts: Record<string, number> = {};
    const weights: number[][] = [];
    for (const every of ['batch', 'epoch', 0, 'never'] as const) {
      const { m, x, y } = setup();
      counts[String(every)] = await turnsDuring(() => m.fit(x, y, { epochs: 3, batchSize: 6, yieldEvery: every }));
      weights.push(weightsOf(m));
      m.dispose(); x.dispose();
    }
    // 3 epochs of 4 batches: a turn after every batch (the last one may come after fit resolves), or after every epoch.
    expect(counts.batch).toBeGreaterThanOrEqual(11);
    expect(counts[0]).toBeGreaterThanOrEqual(11);
    expect(counts.epoch).toBeGreaterThanOrEqual(2);
    expect(counts.epoch).toBeLessThan(11);
    expect(counts.never).toBe(0);
    for (const w of weights) expect(w).toEqual(weights[0]);
  });

  test('without setImmediate (browsers, workers) fit yields by MessageChannel, not by setTimeout 0, which a hidden tab throttles to a second per call', async () => {
    const { m, x, y } = setup();
    const saved = { immediate: globalThis.setImmediate, timeout: globalThis.setTimeout };
    let zeroTimeouts = 0;
    const counting = (...args: Parameters<typeof setTimeout>): ReturnType<typeof setTimeout> => {
      if ((args[1] ?? 0) === 0) zeroTimeouts++;
      return saved.timeout(...args);
    };
    Reflect.set(globalThis, 'setImmediate', undefined);
    Reflect.set(globalThis, 'setTimeout', counting);
    let messages = 0;
    const channel = new MessageChannel();
    let done = false;
    channel.port1.onmessage = () => { if (!done) { messages++; channel.port2.postMessage(null); } };
    channel.port2.postMessage(null);
    try {
      await m.fit(x, y, { epochs: 3, batchSize: 6, yieldEvery: 'batch' });
    } finally {
      done = true;
      channel.port1.close();
      Reflect.set(globalThis, 'setImmediate', saved.immediate);
      Reflect.set(globalThis, 'setTimeout', saved.timeout);
    }
    expect(zeroTimeouts).toBe(0);
    // Other messages got turns between fit's batches: 12 batches, a turn after each.
    expect(messages).toBeGreaterThanOrEqual(11);
    m.dispose(); x.dispose();
  });

  test('a bad yieldEvery is refused before training', async () => {
    const { m, x, y } = setup();
    const before = m.snapshotWeights();
    for (const bad of [-1, Number.NaN, 'sometimes', true]) {
      await expect(m.fit(x, y, { yieldEvery: wrong<'auto'>(bad) })).rejects.toThrow(
        `actlab: fit: yieldEvery must be 'auto' (the default: every 125 ms), 'batch', 'epoch', 'never' or a number of milliseconds >= 0, got ${typeof bad === 'string' ? `string "${bad}"` : `${typeof bad} ${bad}`}`);
    }
    expect(m.snapshotWeights()).toEqual(before);
    m.dispose(); x.dispose();
  });
});
