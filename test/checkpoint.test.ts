// Checkpoints: resuming gives bit-identical weights to an uninterrupted run, and a process
// killed while saving leaves the previous checkpoint loadable.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { init, tensor, sequential, layers, adam, twoSpirals, memoryStats, restoreCheckpoint, type CheckpointJson, type Sequential } from '../src/index.js';
import { modelCheckpoint, loadCheckpoint, loadModel, writeCheckpoint } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'actlab-ckpt-'));
beforeAll(async () => { await init(); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(): Sequential {
  const m = sequential({ seed: 11, layers: [layers.dense({ units: 16, inputShape: [2], activation: 'tanh' }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('checkpoints', () => {
  test('resuming from epoch 2 of 5 gives the same bits as the uninterrupted run', async () => {
    const ds = twoSpirals({ n: 256, noise: 0.05, seed: 1 });
    const x = tensor(ds.x, [ds.length, 2]);
    const whole = build();
    await whole.fit(x, ds.y, { epochs: 5, batchSize: 32, seed: 9 });
    const expected = whole.snapshotWeights();

    const first = build();
    const path = join(dir, 'resume');
    await first.fit(x, ds.y, { epochs: 2, batchSize: 32, seed: 9, callbacks: [modelCheckpoint({ dir: path })] });
    first.dispose();
    const r = await loadCheckpoint(path);
    expect(r.initialEpoch).toBe(2);
    expect(r.history.loss).toHaveLength(2);
    const h = await r.model.fit(x, ds.y, { epochs: 5, batchSize: 32, seed: r.seed, initialEpoch: r.initialEpoch });
    expect(h.epoch).toEqual([2, 3, 4]);
    r.model.snapshotWeights().forEach((w, i) => {
      expect(Buffer.from(w.buffer).equals(Buffer.from(expected[i].buffer)), `weight ${i} differs after resuming`).toBe(true);
    });
    whole.dispose(); r.model.dispose(); x.dispose();
  });

  test('every: N counts epochs over every fit call, so a loop of one-epoch fits checkpoints too', async () => {
    const ds = twoSpirals({ n: 64, noise: 0.05, seed: 1 });
    const x = tensor(ds.x, [ds.length, 2]);
    const m = build();
    const path = join(dir, 'every');
    const cb = modelCheckpoint({ dir: path, every: 2 });
    await m.fit(x, ds.y, { epochs: 1, callbacks: [cb] });
    expect(existsSync(path)).toBe(false);
    await m.fit(x, ds.y, { epochs: 1, callbacks: [cb] });
    const two = await loadCheckpoint(path);
    expect(two.initialEpoch).toBe(2);
    two.model.dispose();
    await m.fit(x, ds.y, { epochs: 2, callbacks: [cb] });
    const r = await loadCheckpoint(path);
    expect(r.initialEpoch).toBe(4);
    expect(() => modelCheckpoint({ dir: path, every: 0 })).toThrow('actlab: modelCheckpoint: every must be a positive integer, got 0');
    // The checkpoint's history holds all four epochs, and resuming it continues the same stream.
    expect(r.history.loss).toHaveLength(4);
    r.model.dispose(); m.dispose(); x.dispose();
  });

  test('an epoch that stopTraining cut short (a SIGINT handler) is not checkpointed: the last whole epoch resumes bit for bit', async () => {
    const ds = twoSpirals({ n: 256, noise: 0.05, seed: 1 });
    const x = tensor(ds.x, [ds.length, 2]);
    const whole = build();
    await whole.fit(x, ds.y, { epochs: 4, batchSize: 32, seed: 9 });
    const m = build();
    const path = join(dir, 'cut-short');
    // What `process.on('SIGINT', () => { model.stopTraining = true; })` does when the signal lands in epoch 2.
    const stop = { onBatchEnd: (batch: number): void => { if (m.fitState?.epoch === 2 && batch === 3) m.stopTraining = true; } };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const h = await m.fit(x, ds.y, { epochs: 4, batchSize: 32, seed: 9, callbacks: [stop, modelCheckpoint({ dir: path })] });
      expect(h.epoch).toEqual([0, 1, 2]);
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([`actlab: modelCheckpoint: epoch 2 was stopped after 4 of its 8 batches, so no checkpoint is written for it; ${path} keeps the last one taken at the end of a whole epoch`]);
    } finally {
      warn.mockRestore();
    }
    expect(() => m.checkpoint()).toThrow("actlab: checkpoint: model 'sequential' stopped epoch 2 after 4 of its 8 batches (stopTraining was set during the epoch)");
    const r = await loadCheckpoint(path);
    expect(r.initialEpoch).toBe(2);
    await r.model.fit(x, ds.y, { epochs: 4, batchSize: 32, seed: r.seed, initialEpoch: r.initialEpoch });
    expect(r.model.snapshotWeights()).toEqual(whole.snapshotWeights());
    // An epoch that then runs to its end makes the model checkpointable again.
    await m.fit(x, ds.y, { epochs: 1, batchSize: 32, seed: 9 });
    m.checkpoint();
    for (const t of [whole, m, r.model, x]) t.dispose();
  });

  test('the temporary files of writes killed in the middle (a crash, a preempted machine) are removed by the next write', async () => {
    const path = join(dir, 'stale');
    mkdirSync(path, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid ?? 0;   // exited: no such process now
    const stale = [`ckpt-7.bin.${dead}.13.tmp`, `checkpoint.json.${dead}.14.tmp`, `ckpt-8.bin.${process.pid}.999.tmp`];
    const kept = [`ckpt-9.bin.${process.ppid}.3.tmp`, 'notes.tmp', 'model.json'];   // a running process's write; the user's files
    for (const f of [...stale, ...kept]) writeFileSync(join(path, f), 'x');
    const m = build();
    await writeCheckpoint(path, m.checkpoint());
    expect(readdirSync(path).sort()).toEqual(['checkpoint.json', 'ckpt-0.bin', ...kept].sort());
    m.dispose();
  });

  test('a malformed checkpoint.json is refused with the field it gets wrong', async () => {
    const m = build();
    const x = tensor(new Float32Array(16).map((_, i) => Math.sin(i)), [8, 2]);
    await m.fit(x, new Int32Array(8).map((_, i) => i % 2), { epochs: 1, batchSize: 4, verbose: 0 });
    const cp = m.checkpoint();
    const before = memoryStats().liveBytes;
    // checkpoint.json as an editor sees it: every field may be changed to anything.
    interface J { model?: unknown; metrics: unknown; dataBytes: number; optimizer: { state: unknown }; fit: { epoch: unknown; seed: unknown; history: unknown } }
    const wrong = <T>(v: unknown): T => v as T;
    const edit = (f: (j: J) => void, data: ArrayBuffer = cp.data) => () => {
      const json = wrong<J>(structuredClone(cp.json));
      f(json);
      return restoreCheckpoint({ json: wrong<CheckpointJson>(json), data });
    };
    // These were TypeErrors from inside restoreCheckpoint.
    expect(edit((j) => { delete j.model; })).toThrow("actlab: restoreCheckpoint: checkpoint.json 'model' must be the model's model.json object, got undefined");
    expect(edit((j) => { j.optimizer.state = null; })).toThrow("actlab: restoreCheckpoint: checkpoint.json 'optimizer' must be { className, config, state: [...] }");
    expect(edit((j) => { delete wrong<{ shape?: unknown }[]>(j.optimizer.state)[1].shape; })).toThrow('actlab: restoreCheckpoint: checkpoint.json optimizer state entries must be { name, shape }');
    expect(edit((j) => { j.metrics = 'accuracy'; })).toThrow("actlab: restoreCheckpoint: checkpoint.json 'metrics' must be a list of names, got \"accuracy\"");
    expect(edit((j) => { j.fit.history = { loss: 5 }; })).toThrow("actlab: restoreCheckpoint: checkpoint.json fit.history['loss'] must be a list of numbers, got 5");
    expect(() => restoreCheckpoint({ json: cp.json, data: wrong<ArrayBuffer>(null) })).toThrow('actlab: restoreCheckpoint: the data must be an ArrayBuffer, got null');
    expect(edit((j) => { j.dataBytes = cp.data.byteLength + 2; }, new ArrayBuffer(cp.data.byteLength + 2)))
      .toThrow(`actlab: restoreCheckpoint: the data has ${cp.data.byteLength + 2} bytes, not a whole number of float32 values`);
    // These restored, then failed later or resumed wrongly: epoch "1" made fit's epoch key "10".
    for (const epoch of ['1', -1, 1.5]) {
      expect(edit((j) => { j.fit.epoch = epoch; })).toThrow("actlab: restoreCheckpoint: checkpoint.json 'fit' must be { seed, epoch, history } with seed and epoch integers >= 0");
    }
    expect(edit((j) => { j.fit.seed = 'x'; })).toThrow("actlab: restoreCheckpoint: checkpoint.json 'fit' must be { seed, epoch, history }");
    // State for weights the model does not have restored silently, and the model's own weights restarted from zero state.
    expect(edit((j) => { for (const st of wrong<{ name: string }[]>(j.optimizer.state)) st.name = st.name.replace(/^dense_1\//, 'other/'); }))
      .toThrow("actlab: restoreCheckpoint: optimizer state 'other/kernel/m' is for 'other/kernel', which the model does not have");
    // A name without '/' was cut to all but its last character ('mx' for 'mxy').
    expect(edit((j) => { wrong<{ name: string }[]>(j.optimizer.state)[1].name = 'mxy'; }))
      .toThrow("actlab: restoreCheckpoint: optimizer state 'mxy' is for 'mxy', which the model does not have");
    // State a custom loop made through applyGradients without names is keyed by position ('0/m'): restored as written.
    const loop = build();
    const vars = loop.trainableWeights.map((w) => w.tensor);
    const grads = vars.map((v) => tensor(new Float32Array(v.size).fill(0.1), v.shape));
    loop.optimizer.applyGradients(vars.map((v, i) => ({ variable: v, grad: grads[i] })));
    const positional = restoreCheckpoint(loop.checkpoint());
    expect(positional.model.optimizer.getWeights().map((w) => { w.tensor.dispose(); return w.name; })).toContain('0/m');
    for (const t of [...grads, positional.model, loop]) t.dispose();
    expect(edit((j) => { j.dataBytes += 8; }, new Uint8Array([...new Uint8Array(cp.data), 0, 0, 0, 0, 0, 0, 0, 0]).buffer))
      .toThrow('actlab: restoreCheckpoint: the data holds 2 floats past the model\'s weights and the optimizer state');
    expect(memoryStats().liveBytes).toBe(before);
    const file = join(dir, 'null-json');
    rmSync(file, { recursive: true, force: true });
    await writeCheckpoint(file, cp);
    writeFileSync(join(file, 'checkpoint.json'), 'null');
    await expect(loadCheckpoint(file)).rejects.toThrow(/^actlab: loadCheckpoint: .*checkpoint.json does not name its data file/);
    restoreCheckpoint(cp).model.dispose();
    m.dispose(); x.dispose();
  });

  test('a process killed in the middle of saving leaves a loadable checkpoint', async () => {
    const path = join(dir, 'killed');
    const script = join(dir, 'saver.mjs');
    const dist = resolve('dist');
    // The child saves a 16 MB model over and over, each save a new epoch number, so most of
    // its time is spent writing and a kill at a random moment usually lands inside a write.
    writeFileSync(script, `
      import { init, sequential, layers } from ${JSON.stringify(join(dist, 'index.js'))};
      import { writeCheckpoint } from ${JSON.stringify(join(dist, 'node', 'index.js'))};
      await init({ threads: 1 });
      const m = sequential({ seed: 1, layers: [layers.dense({ units: 1000, inputShape: [4000] })] });
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      for (let epoch = Number(process.argv[2]); ; epoch++) {
        m.fitState = { seed: 1, epoch, history: {} };
        await writeCheckpoint(${JSON.stringify(path)}, m.checkpoint());
        process.stdout.write('saved ' + epoch + '\\n');
      }
    `);
    let midSave = 0, lastEpoch = 0;
    const trials = 12;
    for (let trial = 0; trial < trials; trial++) {
      const child = spawn(process.execPath, [script, String(lastEpoch + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      await new Promise<void>((resolveSaved, reject) => {
        child.stdout.on('data', (d: Buffer) => { out += d; if (out.includes('saved')) resolveSaved(); });
        child.on('exit', (code) => reject(new Error(`saver exited early with ${code}: ${out}`)));
      });
      if (trial % 2 === 0) {
        // a kill at some moment of the save loop (writing, or serialising between writes)
        await new Promise((r) => setTimeout(r, 5 + ((trial * 37) % 60)));
      } else {
        // a kill while a temporary file exists: inside a write, however loaded the machine
        // is (the poll gives up after 5 s and kills wherever the child is)
        const until = Date.now() + 5000;
        while (Date.now() < until && !readdirSync(path).some((f) => f.endsWith('.tmp'))) {
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      if (readdirSync(path).some((f) => f.endsWith('.tmp'))) midSave++;
      const r = await loadCheckpoint(path);
      expect(r.initialEpoch).toBeGreaterThan(lastEpoch);
      expect(r.model.countParams()).toBe(4001000);
      lastEpoch = r.initialEpoch;
      r.model.dispose();
    }
    console.log(`checkpoint kill test: ${midSave} of ${trials} kills left a half-written temporary file; every checkpoint loaded`);
    expect(midSave).toBeGreaterThan(0);
    expect(existsSync(join(path, 'checkpoint.json'))).toBe(true);
  }, 120_000);

  test('10,000 training steps: memory stops growing after the first epoch; dispose returns every byte', async () => {
    const before = memoryStats();
    const ds = twoSpirals({ n: 64, noise: 0.05, seed: 2 });
    const x = tensor(ds.x, [64, 2]);
    const m = build();
    await m.fit(x, ds.y, { epochs: 1, batchSize: 8 });
    const afterFirst = memoryStats();
    await m.fit(x, ds.y, { epochs: 1249, batchSize: 8, initialEpoch: 0 });
    const afterAll = memoryStats();
    console.log(`fit memory: before ${before.liveBytes} B live / ${before.memoryBytes} B Wasm; after epoch 1 ${afterFirst.liveBytes} / ${afterFirst.memoryBytes}; ` +
      `after 10,000 steps ${afterAll.liveBytes} / ${afterAll.memoryBytes} (${afterAll.liveBlocks} blocks)`);
    expect(afterAll.liveBytes).toBe(afterFirst.liveBytes);
    expect(afterAll.memoryBytes).toBe(afterFirst.memoryBytes);
    m.dispose(); x.dispose();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    expect(memoryStats().liveBlocks).toBe(before.liveBlocks);
  }, 120_000);
});

describe('saves and loads of one directory at once (an autosave and a save button, two fits checkpointing into one place)', () => {
  const mk = (seed: number, units: number): Sequential => {
    const m = sequential({ seed, layers: [layers.dense({ units, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    return m;
  };

  test('model.save three times at once, and two models into one directory: every save resolves, the last one is what loads', async () => {
    const path = join(dir, 'saves-at-once');
    const a = mk(1, 8), b = mk(2, 16);
    await Promise.all([a.save(path), a.save(path), a.save(path)]);
    // A load issued between the saves reads the files of the save before it, never half of each.
    const [, early, , late] = await Promise.all([a.save(path), loadModel(path), b.save(path), loadModel(path)]);
    expect(early.layers[0].outputShape).toEqual([8]);
    expect(late.layers[0].outputShape).toEqual([16]);
    expect(late.snapshotWeights()).toEqual(b.snapshotWeights());
    expect(readdirSync(path).sort()).toEqual(['model.json', 'weights.bin']);
    for (const m of [a, b, early, late]) m.dispose();
  });

  test('two checkpoint writes at once leave a loadable directory holding the later one', async () => {
    const path = join(dir, 'checkpoints-at-once');
    const ds = twoSpirals({ n: 64, noise: 0.05, seed: 1 });
    const x = tensor(ds.x, [ds.length, 2]);
    const m = build();
    await m.fit(x, ds.y, { epochs: 1, batchSize: 32 });
    const first = m.checkpoint();
    await m.fit(x, ds.y, { epochs: 1, batchSize: 32 });
    // Each write's cleanup removed the other's blob, which its checkpoint.json named (and both used one temporary file).
    await Promise.all([writeCheckpoint(path, first), writeCheckpoint(path, m.checkpoint())]);
    const r = await loadCheckpoint(path);
    expect(r.initialEpoch).toBe(2);
    expect(readdirSync(path).sort()).toEqual(['checkpoint.json', 'ckpt-2.bin']);
    r.model.dispose(); m.dispose(); x.dispose();
  });
});

describe('modelCheckpoint: the best epoch, one checkpoint per epoch', () => {
  // A key a callback adds to the epoch's logs, from a table by epoch number (what a metric the
  // model logs itself, val_loss or val_acc, would be), so that which epoch is best is known.
  const scores = (key: string, table: readonly number[]) => ({ onEpochEnd: (epoch: number, logs: Record<string, number>): void => { logs[key] = table[epoch]; } });
  const small = () => {
    const ds = twoSpirals({ n: 32, noise: 0.05, seed: 1 });
    return { x: tensor(ds.x, [ds.length, 2]), y: ds.y };
  };

  test("a checkpoint written in onEpochEnd holds that epoch's keys that earlier callbacks added to the logs", async () => {
    const { x, y } = small();
    const m = build();
    const path = join(dir, 'added-keys');
    await m.fit(x, y, { epochs: 3, batchSize: 16, callbacks: [scores('score', [5, 2, 3]), modelCheckpoint({ dir: path })] });
    const r = await loadCheckpoint(path);
    // The third epoch's score was missing: the history was brought up to date after the last callback.
    expect(r.history.score).toEqual([5, 2, 3]);
    expect(r.history.loss).toHaveLength(3);
    r.model.dispose(); m.dispose(); x.dispose();
  });
  test('saveBestOnly keeps the checkpoint of the best epoch by the monitored key and mode, and a run resumed from it goes on bit for bit', async () => {
    const { x, y } = small();
    const whole = build();
    const weights: Float32Array[][] = [];
    const keep = { onEpochEnd: (): void => { weights.push(whole.snapshotWeights()); } };
    const min = join(dir, 'best-min'), max = join(dir, 'best-max'), auto = join(dir, 'best-auto');
    await whole.fit(x, y, { epochs: 5, batchSize: 16, seed: 4, callbacks: [scores('score', [5, 2, 3, 4, 6]), scores('score_acc', [0.1, 0.5, 0.7, 0.2, 0.3]), keep,
      modelCheckpoint({ dir: min, saveBestOnly: true, monitor: 'score' }),
      modelCheckpoint({ dir: max, saveBestOnly: true, monitor: 'score', mode: 'max' }),
      // 'auto' watches a key containing 'acc' upwards, as earlyStopping does.
      modelCheckpoint({ dir: auto, saveBestOnly: true, monitor: 'score_acc' })] });
    const expected = whole.snapshotWeights();
    const best = await loadCheckpoint(min);
    expect(best.initialEpoch).toBe(2);
    expect(best.history.score).toEqual([5, 2]);
    expect(best.model.snapshotWeights()).toEqual(weights[1]);
    expect((await loadCheckpoint(max)).initialEpoch).toBe(5);
    expect((await loadCheckpoint(auto)).initialEpoch).toBe(3);
    expect(readdirSync(min).sort()).toEqual(['checkpoint.json', 'ckpt-2.bin']);
    // The best epoch's checkpoint is a whole one: resumed, the run repeats the epochs after it bit for bit.
    await best.model.fit(x, y, { epochs: 5, batchSize: 16, seed: best.seed, initialEpoch: best.initialEpoch });
    expect(best.model.snapshotWeights()).toEqual(expected);
    best.model.dispose(); whole.dispose(); x.dispose();
  });

  test('the best value so far survives a resume: the resumed run does not replace the best checkpoint with a worse epoch', async () => {
    const { x, y } = small();
    const path = join(dir, 'best-resumed');
    const table = [5, 2, 3, 4, 6, 1];
    const first = build();
    // The first run is killed after its fourth epoch; its best was the second.
    await first.fit(x, y, { epochs: 4, batchSize: 16, seed: 4, callbacks: [scores('score', table), modelCheckpoint({ dir: path, saveBestOnly: true, monitor: 'score' })] });
    first.dispose();
    const r = await loadCheckpoint(path);
    expect(r.initialEpoch).toBe(2);
    const written: number[] = [];
    const cb = modelCheckpoint({ dir: path, saveBestOnly: true, monitor: 'score' });
    const seen = { onEpochEnd: (): void => { written.push((JSON.parse(readFileSync(join(path, 'checkpoint.json'), 'utf8')) as { fit: { epoch: number } }).fit.epoch); } };
    // Epochs 2-4 (scores 3, 4, 6) are worse than epoch 1's 2: none replaces its checkpoint; epoch 5's 1 does.
    await r.model.fit(x, y, { epochs: 5, batchSize: 16, seed: r.seed, initialEpoch: r.initialEpoch, callbacks: [scores('score', table), cb, seen] });
    await r.model.fit(x, y, { epochs: 6, batchSize: 16, seed: r.seed, initialEpoch: 5, callbacks: [scores('score', table), cb] });
    const last = await loadCheckpoint(path);
    expect(last.initialEpoch).toBe(6);
    expect(last.history.score).toEqual([5, 2, 3, 4, 6, 1]);
    expect(written).toEqual([2, 2, 2]);
    last.model.dispose(); r.model.dispose(); x.dispose();
  });

  test('saveBestOnly leaves out an epoch that stopTraining cut short: a later epoch that beats the whole ones is saved, in the same process and resumed from the checkpoint', async () => {
    const { x, y } = small();
    const path = join(dir, 'best-cut');
    // Scores by the run's epoch count (fitState.epoch is the next epoch's by onEpochEnd), so they hold over several fits.
    const table = [5, 4, 1, 3, 2, 2.5];
    const m = build();
    const byRun = { onEpochEnd: (_: number, logs: Record<string, number>): void => { logs.score = table[(m.fitState?.epoch ?? 0) - 1]; } };
    const written = (): number => (JSON.parse(readFileSync(join(path, 'checkpoint.json'), 'utf8')) as CheckpointJson).fit.epoch;
    // A SIGINT handler setting stopTraining in the middle of epoch 2, whose score, 1, is the best of all.
    const stop = { onBatchEnd: (batch: number): void => { if (m.fitState?.epoch === 2 && batch === 0) m.stopTraining = true; } };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await m.fit(x, y, { epochs: 4, batchSize: 16, seed: 4, callbacks: [byRun, stop, modelCheckpoint({ dir: path, saveBestOnly: true, monitor: 'score' })] });
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([`actlab: modelCheckpoint: epoch 2 was stopped after 1 of its 2 batches, so no checkpoint is written for it; ${path} keeps the last one taken at the end of a whole epoch`]);
    } finally {
      warn.mockRestore();
    }
    expect(written()).toBe(2);
    expect(m.fitState?.history.score).toEqual([5, 4, 1]);
    expect(m.fitState?.cut).toEqual({ loss: [2], acc: [2], score: [2] });
    // The run goes on in the same process: epoch 3's 3 beats the whole epochs' 5 and 4, not the cut one's 1.
    await m.fit(x, y, { epochs: 1, batchSize: 16, seed: 4, callbacks: [byRun, modelCheckpoint({ dir: path, saveBestOnly: true, monitor: 'score' })] });
    expect(written()).toBe(4);
    // Resumed from that checkpoint, which records the cut epoch: epoch 4's 2 beats 3 and is saved, epoch 5's 2.5 is not.
    const r = await loadCheckpoint(path);
    expect(r.history.score).toEqual([5, 4, 1, 3]);
    expect(r.model.fitState?.cut).toEqual({ loss: [2], acc: [2], score: [2] });
    const cb = modelCheckpoint({ dir: path, saveBestOnly: true, monitor: 'score' });
    const seen: number[] = [];
    const byRunR = { onEpochEnd: (_: number, logs: Record<string, number>): void => { logs.score = table[(r.model.fitState?.epoch ?? 0) - 1]; } };
    await r.model.fit(x, y, { epochs: 6, batchSize: 16, seed: r.seed, initialEpoch: r.initialEpoch, callbacks: [byRunR, cb, { onEpochEnd: (): void => { seen.push(written()); } }] });
    expect(seen).toEqual([5, 5]);
    const last = await loadCheckpoint(path);
    expect(last.history.score).toEqual([5, 4, 1, 3, 2]);
    expect(last.model.fitState?.cut).toEqual({ loss: [2], acc: [2], score: [2] });
    // A checkpoint.json with a malformed record is refused naming it.
    const json = JSON.parse(readFileSync(join(path, 'checkpoint.json'), 'utf8')) as CheckpointJson & { data: string };
    const bad = join(dir, 'best-cut-bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, json.data), readFileSync(join(path, json.data)));
    writeFileSync(join(bad, 'checkpoint.json'), JSON.stringify({ ...json, fit: { ...json.fit, cut: { score: [-1] } } }));
    await expect(loadCheckpoint(bad)).rejects.toThrow('actlab: restoreCheckpoint: checkpoint.json fit.cut must map log keys to lists of positions (integers >= 0) when present, got {"score":[-1]}');
    for (const t of [m, r.model, last.model, x]) t.dispose();
  });

  test('a monitored key missing from the logs is an error at the end of the first epoch; options that do nothing are refused', async () => {
    const { x, y } = small();
    const m = build();
    const path = join(dir, 'best-missing');
    // Keras warns each epoch and writes nothing: a long run would end without a checkpoint.
    await expect(m.fit(x, y, { epochs: 3, batchSize: 16, callbacks: [modelCheckpoint({ dir: path, saveBestOnly: true })] })).rejects
      .toThrow("actlab: modelCheckpoint: monitor 'val_loss' is not in the epoch's logs (loss, acc); name one of those keys, or give fit validationData or validationSplit for the val_ ones");
    expect(m.fitState?.epoch).toBe(1);
    expect(existsSync(path)).toBe(false);
    // A key named as an Object member is looked up as the run's own, not found on the prototype.
    await expect(m.fit(x, y, { epochs: 1, batchSize: 16, callbacks: [modelCheckpoint({ dir: path, saveBestOnly: true, monitor: 'constructor' })] })).rejects
      .toThrow("actlab: modelCheckpoint: monitor 'constructor' is not in the epoch's logs (loss, acc)");
    const wrong = <T>(v: unknown): T => v as T;
    expect(() => modelCheckpoint({ dir: path, monitor: 'val_acc' }))
      .toThrow('actlab: modelCheckpoint: monitor and mode choose the epoch that saveBestOnly keeps; without saveBestOnly: true every checkpoint is written and they do nothing');
    expect(() => modelCheckpoint({ dir: path, saveBestOnly: true, every: 2 }))
      .toThrow('actlab: modelCheckpoint: every 2 and saveBestOnly do not combine: saveBestOnly compares every epoch with the best so far');
    expect(() => modelCheckpoint({ dir: path, saveBestOnly: true, mode: wrong('lowest') })).toThrow("actlab: modelCheckpoint: mode must be 'auto', 'min' or 'max', got lowest");
    expect(() => modelCheckpoint({ dir: path, saveBestOnly: true, monitor: '' })).toThrow("actlab: modelCheckpoint: monitor must be the name of a logged value ('val_loss', 'val_acc', ...), got \"\"");
    expect(() => modelCheckpoint({ dir: path, saveBestOnly: wrong('yes') })).toThrow('actlab: modelCheckpoint: saveBestOnly must be true or false, got yes');
    expect(() => modelCheckpoint(wrong({ dir: path, save_best_only: true })))
      .toThrow("actlab: modelCheckpoint: unknown option 'save_best_only'; valid options: dir, every, saveBestOnly, monitor, mode");
    m.dispose(); x.dispose();
  });
  test('{epoch} in dir keeps one checkpoint per epoch, each in a directory of its own named by the epoch it resumes at', async () => {
    const { x, y } = small();
    const m = build();
    const root = join(dir, 'per-epoch');
    await m.fit(x, y, { epochs: 3, batchSize: 16, callbacks: [scores('val_score', [3, 4, 1]),
      modelCheckpoint({ dir: join(root, 'epoch-{epoch:03d}') }), modelCheckpoint({ dir: join(root, 'best-{epoch}'), saveBestOnly: true, monitor: 'val_score' })] });
    expect(readdirSync(root).sort()).toEqual(['best-1', 'best-3', 'epoch-001', 'epoch-002', 'epoch-003']);
    for (const [d, epoch] of [['epoch-001', 1], ['epoch-002', 2], ['epoch-003', 3], ['best-3', 3]] as const) {
      expect(readdirSync(join(root, d)).sort()).toEqual(['checkpoint.json', `ckpt-${epoch}.bin`]);
      const r = await loadCheckpoint(join(root, d));
      expect(r.initialEpoch).toBe(epoch);
      r.model.dispose();
    }
    // A Keras filepath's other fields ({val_loss:.2f}) would have made a directory named so.
    expect(() => modelCheckpoint({ dir: join(root, '{epoch}-{val_loss:.2f}') }))
      .toThrow("actlab: modelCheckpoint: dir '" + join(root, '{epoch}-{val_loss:.2f}') + "' holds '{val_loss:.2f}'; the only placeholders are {epoch} and {epoch:0Nd} (N digits, zero-padded)");
    m.dispose(); x.dispose();
  });
});

describe("resuming a checkpoint with the run's seed, batchSize and shuffle", () => {
  const wrong = <T>(v: unknown): T => v as T;
  const small = () => {
    const ds = twoSpirals({ n: 64, noise: 0.05, seed: 1 });
    return { x: tensor(ds.x, [ds.length, 2]), y: ds.y };
  };

  test('a resume with another seed, batchSize or shuffle is refused with the way out; the run resumed as recorded goes on bit for bit', async () => {
    const { x, y } = small();
    const run = { batchSize: 16, shuffle: false, seed: 9 };
    const whole = build();
    await whole.fit(x, y, { epochs: 4, ...run });
    const first = build();
    await first.fit(x, y, { epochs: 2, ...run });
    const cp = first.checkpoint();
    expect(cp.json.fit).toMatchObject({ seed: 9, epoch: 2, batchSize: 16, shuffle: false });
    const r = restoreCheckpoint(cp);
    const before = r.model.snapshotWeights();
    const resume = { epochs: 4, initialEpoch: r.initialEpoch };
    // These trained on without a word: another batch size with other steps, a left-out seed (the
    // model's own, 11) with another stream of shuffles and masks and a history that began again.
    await expect(r.model.fit(x, y, { ...resume, ...run, batchSize: 32 })).rejects.toThrow('actlab: fit: this model was restored from a checkpoint after epoch 2, ' +
      'and this fit resumes it with batchSize 32 where it had 16, so it would not go on as the uninterrupted run; pass batchSize: 16 as the run did, ' +
      'or allowResumeChanges: true to resume with the change, or initialEpoch: 0 to start a new run from these weights');
    await expect(r.model.fit(x, y, { ...resume, batchSize: 16 })).rejects.toThrow("actlab: fit: this model was restored from a checkpoint after epoch 2, and this fit " +
      "resumes it with seed 11 (the model's own: seed was left out) where the run had 9, shuffle true where it had false, so it would not go on as the uninterrupted run " +
      '(another seed starts another stream of shuffles and masks, and the history again); pass seed: 9, shuffle: false as the run did');
    // fit without initialEpoch resumes a restored model too.
    await expect(r.model.fit(x, y, { epochs: 2, ...run, shuffle: true })).rejects.toThrow('resumes it with shuffle true where it had false');
    await expect(r.model.fit(x, y, { ...resume, ...run, allowResumeChanges: wrong('yes') })).rejects.toThrow('actlab: fit: allowResumeChanges must be true or false, got yes');
    expect(r.model.snapshotWeights()).toEqual(before);
    const h = await r.model.fit(x, y, { ...resume, ...run });
    expect(h.epoch).toEqual([2, 3]);
    expect(r.model.snapshotWeights()).toEqual(whole.snapshotWeights());
    // Once resumed, the run is this process's: a later fit may change its batch size.
    await r.model.fit(x, y, { epochs: 1, ...run, batchSize: 32 });
    // allowResumeChanges resumes with the change, continuing the history; initialEpoch 0 starts a new run.
    const changed = restoreCheckpoint(cp);
    await changed.model.fit(x, y, { ...resume, ...run, batchSize: 32, allowResumeChanges: true });
    expect(changed.model.checkpoint().json.fit).toMatchObject({ epoch: 4, batchSize: 32 });
    expect(changed.model.fitState?.history.loss).toHaveLength(4);
    const fresh = restoreCheckpoint(cp);
    await fresh.model.fit(x, y, { epochs: 1, initialEpoch: 0, batchSize: 8 });
    for (const t of [whole, first, r.model, changed.model, fresh.model, x]) t.dispose();
  });

  test('an older checkpoint, without batchSize and shuffle, still loads; only its seed is checked', async () => {
    const { x, y } = small();
    const m = build();
    await m.fit(x, y, { epochs: 1, batchSize: 16, seed: 9 });
    const cp = m.checkpoint();
    const { batchSize, shuffle, ...older } = cp.json.fit;
    expect([batchSize, shuffle]).toEqual([16, true]);
    const old = restoreCheckpoint({ json: { ...cp.json, fit: older }, data: cp.data });
    await expect(old.model.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8 })).rejects.toThrow("resumes it with seed 11 (the model's own: seed was left out) where the run had 9, so");
    await old.model.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8, seed: 9 });
    expect(old.model.checkpoint().json.fit).toMatchObject({ epoch: 2, batchSize: 8, shuffle: true });
    expect(() => restoreCheckpoint({ json: { ...cp.json, fit: { ...cp.json.fit, batchSize: 0 } }, data: cp.data }))
      .toThrow('actlab: restoreCheckpoint: checkpoint.json fit.batchSize must be an integer >= 1 when present, got 0');
    expect(() => restoreCheckpoint({ json: { ...cp.json, fit: { ...cp.json.fit, shuffle: wrong<boolean>('no') } }, data: cp.data }))
      .toThrow('actlab: restoreCheckpoint: checkpoint.json fit.shuffle must be true or false when present, got "no"');
    for (const t of [m, old.model, x]) t.dispose();
  });
});
