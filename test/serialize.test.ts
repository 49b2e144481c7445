// Save / load in the tfjs LayersModel format: actlab reads back identical bits, and
// tf.loadLayersModel (tfjs-layers 4.22.0) reads the same files and predicts the same.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, tensor, sequential, layers, activation, mul, memoryStats, modelToArtifacts, modelFromArtifacts, initializers, checkpointOf, restoreCheckpoint, type Tensor, type Sequential, type ModelArtifacts, type LayerActivationName } from '../src/index.js';
import { loadModel, writeArtifacts } from '../src/node/index.js';
import { tf, useBackend } from './helpers/tfjs.js';
import { uniform } from './helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'actlab-models-'));
beforeAll(async () => { await init(); await useBackend('cpu'); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function same(a: Tensor, b: Tensor): boolean {
  return Buffer.from(a.dataSync().buffer).equals(Buffer.from(b.dataSync().buffer));
}

async function tfjsPredict(path: string, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
  const bin = readFileSync(join(path, 'weights.bin'));
  const specs = json.weightsManifest[0].weights;
  const m = await tfl.loadLayersModel(tf.io.fromMemory(json.modelTopology, specs, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length)));
  const y = m.predict(tf.tensor(x, shape));
  if (Array.isArray(y)) throw new Error('one output expected');
  return Float32Array.from(y.dataSync());
}

async function roundTrip(name: string, model: Sequential, inputShape: number[]): Promise<{ loaded: Sequential; x: Float32Array }> {
  const path = join(dir, name);
  await model.save(path);
  const loaded = await loadModel(path);
  const x = uniform(3 * inputShape.reduce((a, b) => a * b, 1), -1, 1, 4);
  const xt = tensor(x, [3, ...inputShape]);
  const a = model.predict(xt), b = loaded.predict(xt);
  expect(same(a, b), `${name}: the loaded model predicts other bits`).toBe(true);
  expect(loaded.summary(false)).toBe(model.summary(false));
  for (const t of [xt, a, b]) t.dispose();
  return { loaded, x };
}

describe('save and load', () => {
  test('an MLP and the slide-13 CNN: actlab bits and tf.loadLayersModel predictions', async () => {
    const mlp = sequential({ seed: 3, layers: [layers.flatten({ inputShape: [4, 4] }), layers.dense({ units: 8, activation: 'relu' }), layers.dropout({ rate: 0.3 }), layers.dense({ units: 3, activation: 'softmax' })] });
    const cnn = sequential({
      seed: 4, layers: [
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'elu', inputShape: [10, 10, 1] }), layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'selu' }), layers.averagePooling2d({ poolSize: 2 }),
        layers.flatten(), layers.dense({ units: 6, activation: 'swish' }), layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    for (const [name, model, shape] of [['mlp', mlp, [4, 4]], ['cnn', cnn, [10, 10, 1]]] as const) {
      const { loaded, x } = await roundTrip(name, model, [...shape]);
      const xt = tensor(x, [3, ...shape]);
      const ours = model.predict(xt).dataSync();
      const theirs = await tfjsPredict(join(dir, name), x, [3, ...shape]);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
      console.log(`${name}: largest |actlab - tfjs-layers| after loading in tf.js: ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
      xt.dispose(); model.dispose(); loaded.dispose();
    }
  });

  test('learnable activations and a custom activation layer', async () => {
    const model = sequential({
      seed: 5, layers: [
        layers.dense({ units: 6, inputShape: [3] }), layers.prelu(), layers.dense({ units: 5 }), layers.scaledSwish({ alpha: 0.7 }),
        layers.dense({ units: 4 }), layers.learnableSwish({ beta: 1.5 }),
        layers.customActivation({ className: 'Gated', params: { a: 0.3 }, fn: (x, p) => mul(p.a, mul(x, activation(x, 'sigmoid'))) }),
      ],
    });
    const path = join(dir, 'learnable');
    await model.save(path);
    await expect(loadModel(path)).rejects.toThrow("unknown layer class 'Gated': actlab has Dense, Conv2D");
    const loaded = await loadModel(path, { Gated: (c) => ({ className: 'Gated', params: { a: Number(c.a) }, fn: (x, p) => mul(p.a, mul(x, activation(x, 'sigmoid'))) }) });
    const xt = tensor(uniform(12, -2, 2, 1), [4, 3]);
    expect(same(model.predict(xt), loaded.predict(xt))).toBe(true);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    xt.dispose(); model.dispose(); loaded.dispose();
    // Before it is built a layer reports its initial values; built and untrained, the same
    // numbers (not their float32 roundings); disposed, it says so rather than guess.
    expect(layers.scaledSwish({ alpha: 0.7 }).getConfig()).toMatchObject({ alpha: 0.7, beta: 1 });
    const built = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] }), layers.scaledSwish({ alpha: 0.1, beta: 1.7 })] });
    expect(built.layers[1].getConfig()).toMatchObject({ alpha: 0.1, beta: 1.7 });
    built.dispose();
    expect(() => built.layers[1].getConfig()).toThrow(/^actlab: layer 'scaled_swish\w*' was disposed: its parameter 'alpha' is gone/);
  });

  test('missing or corrupt weights are named', async () => {
    const model = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const path = join(dir, 'broken');
    await model.save(path);
    writeFileSync(join(path, 'weights.bin'), Buffer.alloc(12));
    await expect(loadModel(path)).rejects.toThrow('weights.bin has 12 bytes but the manifest needs 32');
    rmSync(join(path, 'weights.bin'));
    await expect(loadModel(path)).rejects.toThrow(/the weights file .*weights.bin named in model.json is missing/);
    writeFileSync(join(path, 'model.json'), '{ nope');
    await expect(loadModel(path)).rejects.toThrow(/model.json is not valid JSON/);
    await expect(loadModel(join(dir, 'absent'))).rejects.toThrow(/cannot read .*model.json/);
    model.dispose();
  });

  test('a weights path that leaves the model directory, or is not a regular file, is refused before reading', async () => {
    const model = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const path = join(dir, 'paths');
    await model.save(path);
    // A file of exactly the manifest's 32 bytes outside the model directory: it must not become the weights.
    writeFileSync(join(dir, 'secret.bin'), Buffer.alloc(32, 7));
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    const withPaths = (paths: unknown[]): void => writeFileSync(join(path, 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths }] }));
    withPaths(['../secret.bin']);
    await expect(loadModel(path)).rejects.toThrow(/^actlab: loadModel: .*model.json names the weights file "..\/secret.bin"; expected a file name inside the model directory/);
    withPaths([join(dir, 'secret.bin')]);
    await expect(loadModel(path)).rejects.toThrow(/^actlab: loadModel: .*names the weights file ".*secret.bin"; expected a file name inside/);
    withPaths([5, 'weights.bin']);
    await expect(loadModel(path)).rejects.toThrow(/^actlab: loadModel: .*names the weights file 5; expected a file name inside/);
    withPaths(['.']);
    await expect(loadModel(path)).rejects.toThrow(/names the weights file "\."/);
    mkdirSync(join(path, 'sub.bin'));
    withPaths(['sub.bin']);
    await expect(loadModel(path)).rejects.toThrow(/^actlab: loadModel: the weights file .*sub.bin named in model.json is not a regular file/);
    if (process.platform !== 'win32') {
      // A link to a device would be read forever.
      symlinkSync('/dev/zero', join(path, 'zero.bin'));
      withPaths(['zero.bin']);
      await expect(loadModel(path)).rejects.toThrow(/^actlab: loadModel: the weights file .*zero.bin named in model.json is not a regular file/);
    }
    withPaths(['weights.bin']);
    (await loadModel(path)).dispose();
    await expect(loadModel(wrong<string>(undefined))).rejects.toThrow('actlab: loadModel: expected the model directory as a path string, got undefined');
    model.dispose();
  });

  test("tf.js's file:// forms name the directory (model.save('file://dir'), loadLayersModel('file://dir/model.json')); other storage URLs are refused", async () => {
    const model = sequential({ seed: 6, layers: [layers.dense({ units: 3, inputShape: [2], activation: 'tanh' })] });
    const path = join(dir, 'file-url');
    // Each used to make a directory named after the scheme ('file:', 'indexeddb:') beside the process.
    await model.save(`file://${path}`);
    expect(existsSync(join(path, 'model.json')) && existsSync(join(path, 'weights.bin'))).toBe(true);
    const xt = tensor([0.5, -1, 2, 0.25], [2, 2]);
    for (const target of [`file://${path}/model.json`, `file://${path}`, path]) {
      const loaded = await loadModel(target);
      expect(same(model.predict(xt), loaded.predict(xt)), target).toBe(true);
      loaded.dispose();
    }
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await model.save('file://./relative-url');
      expect(existsSync(join(dir, 'relative-url', 'model.json'))).toBe(true);
      (await loadModel('file://relative-url/model.json')).dispose();
      await expect(model.save('indexeddb://my-model'))
        .rejects.toThrow('actlab: save: "indexeddb://my-model" is a tf.js storage URL, which actlab does not have; give a directory path');
      await expect(loadModel('localstorage://my-model')).rejects.toThrow('actlab: loadModel: "localstorage://my-model" is a tf.js storage URL');
      expect(existsSync(join(dir, 'file:')) || existsSync(join(dir, 'indexeddb:'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
    xt.dispose(); model.dispose();
  });
});

describe('a model from another copy of actlab', () => {
  test('saving one is an error that says why, not a file of zeros', async () => {
    const { saveModel } = await import('../src/node/index.js');
    const { modelToArtifacts } = await import('../src/index.js');
    const foreign = { layers: [], name: 'sequential' } as unknown;
    const message = /^actlab: save: expected a Sequential model made by this copy of actlab; two copies loaded in one process/;
    expect(() => modelToArtifacts(foreign as Sequential)).toThrow(message);
    const dir = mkdtempSync(join(tmpdir(), 'actlab-foreign-'));
    try {
      await expect(saveModel(foreign as Sequential, join(dir, 'm'))).rejects.toThrow(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** tf.js's own artifacts for a model, as tf.io.withSaveHandler hands them over. */
async function tfjsArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  if (saved === undefined) throw new Error('tf.js saved nothing');
  return saved;
}

/** tf.js's artifacts as actlab's { modelJson, weightData } (the files tf.js writes to a directory). */
function asFiles(a: tf.io.ModelArtifacts): ModelArtifacts {
  const weightData = a.weightData;
  if (!(weightData instanceof ArrayBuffer)) throw new Error('one weight buffer expected');
  const modelJson = { format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers v4.22.0', convertedBy: null, modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
  return { modelJson: wrong<ModelArtifacts['modelJson']>(modelJson), weightData };
}

const wrong = <T>(v: unknown): T => v as T;

function closeTo(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
  return worst;
}

describe('files tf.js writes load in actlab', () => {
  test("tf.js's default initializers (VarianceScaling), hard_sigmoid, an InputLayer, in both artifact shapes", async () => {
    const t = tfl.sequential({ name: 'from_tfjs', layers: [
      // Seeded, as every tf.js comparison here: the file still names tf.js's classes (VarianceScaling, RandomNormal).
      tfl.layers.inputLayer({ inputShape: [6, 6, 2] }),
      tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 11 }) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 5, activation: 'hardSigmoid', kernelInitializer: tfl.initializers.leCunUniform({ seed: 12 }) }),
      tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.randomNormal({ seed: 13 }) }),
    ] });
    const x = uniform(2 * 72, -1, 1, 9);
    const want = (t.predict(tf.tensor(x, [2, 6, 6, 2])) as tf.Tensor).dataSync();
    const saved = await tfjsArtifacts(t);
    const xt = tensor(x, [2, 6, 6, 2]);
    for (const artifacts of [asFiles(saved), wrong<ModelArtifacts>(saved), wrong<ModelArtifacts>({ ...saved, weightData: [saved.weightData] })]) {
      const m = modelFromArtifacts(artifacts);
      expect(m.name).toBe('from_tfjs');
      // hard_sigmoid in a tf.js file is tf.js's 0.2 x + 0.5, not actlab's default x/6 + 1/2.
      expect(m.layers[3].getConfig().activation).toBe('hard_sigmoid');
      closeTo(m.predict(xt).dataSync(), want, 1e-5);
      m.dispose();
    }
    xt.dispose();
  });

  test('Dense on a [batch, steps, features] input (the last axis, as Keras and tf.js): loads, predicts, trains per step, and tf.js reads it back', async () => {
    const t = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 5, activation: 'relu', inputShape: [3, 4], kernelInitializer: tfl.initializers.glorotUniform({ seed: 14 }) }),
      tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 15 }) }),
    ] });
    const x = uniform(2 * 12, -1, 1, 5);
    const want = (t.predict(tf.tensor(x, [2, 3, 4])) as tf.Tensor).dataSync();
    const m = modelFromArtifacts(asFiles(await tfjsArtifacts(t)));
    expect(m.outputShape).toEqual([3, 2]);
    expect(m.summary(false)).toContain('[null, 3, 5]');
    const xt = tensor(x, [2, 3, 4]);
    const p = m.predict(xt);
    expect(p.shape).toEqual([2, 3, 2]);
    closeTo(p.dataSync(), want, 1e-5);
    // One class id per step; every step's row is what a [6, 4] batch gives, bit for bit.
    const flat = sequential({ layers: [layers.dense({ units: 5, activation: 'relu', inputShape: [4] }), layers.dense({ units: 2, activation: 'softmax' })] });
    flat.setWeights(m.getWeights());
    const xf = tensor(x, [6, 4]);
    const pf = flat.predict(xf);
    expect(same(p, pf)).toBe(true);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    flat.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const ids = [0, 1, 1, 0, 1, 0];
    const y = tensor(ids, [2, 3]);
    const [loss, acc] = m.evaluate(xt, y);
    const [flatLoss, flatAcc] = flat.evaluate(xf, Int32Array.from(ids));
    expect(loss).toBeCloseTo(flatLoss, 6);
    expect(acc).toBe(flatAcc);
    await m.fit(xt, y, { epochs: 2, batchSize: 2, shuffle: false });
    const dir2 = join(dir, 'dense-steps');
    await m.save(dir2);
    const back = await loadModel(dir2);
    const again = back.predict(xt);
    closeTo(await tfjsPredict(dir2, x, [2, 3, 4]), again.dataSync(), 1e-5);
    for (const u of [p, pf, again, xt, xf, y]) u.dispose();
    m.dispose(); flat.dispose(); back.dispose(); t.dispose();
  });

  test("Constant initializers (Keras's PReLU(alpha_initializer=Constant(0.25)), a bias of 0.1) load with their value", async () => {
    const t = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: tfl.initializers.constant({ value: 0.1 }) }),
      tfl.layers.prelu({ alphaInitializer: tfl.initializers.constant({ value: 0.25 }) }),
    ] });
    const x = uniform(8, -2, 2, 3);
    const want = (t.predict(tf.tensor(x, [2, 4])) as tf.Tensor).dataSync();
    const m = modelFromArtifacts(asFiles(await tfjsArtifacts(t)));
    expect(m.layers[1].getConfig().alpha_initializer).toEqual({ class_name: 'Constant', config: { value: 0.25 } });
    const xt = tensor(x, [2, 4]);
    // tf.js sums in another order: 1e-5 relative (floored at 1e-3), as for the other files tf.js writes.
    closeTo(m.predict(xt).dataSync(), want, 1e-5);
    m.dispose(); xt.dispose();
  });

  test("PReLU after a conv layer: shared_axes [1, 2] loads and predicts as tf.js; tf.js's default (one alpha per element) is refused naming shared_axes", async () => {
    const conv = (prelu: tfl.layers.Layer): tfl.Sequential => tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [4, 4, 2], kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }), prelu, tfl.layers.flatten(), tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })] });
    const shared = conv(tfl.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: tfl.initializers.constant({ value: 0.2 }) }));
    const x = uniform(64, -1, 1, 6);
    const xt = tensor(x, [2, 4, 4, 2]);
    const m = modelFromArtifacts(asFiles(await tfjsArtifacts(shared)));
    closeTo(m.predict(xt).dataSync(), (shared.predict(tf.tensor(x, [2, 4, 4, 2])) as tf.Tensor).dataSync(), 1e-5);
    m.dispose(); xt.dispose();
    const perElement = asFiles(await tfjsArtifacts(conv(tfl.layers.prelu({ name: 'per_element' }))));
    expect(() => modelFromArtifacts(perElement)).toThrow(
      "actlab: loadModel: weight 'per_element/alpha' has shape [3,3,3] in the manifest but needs [1, 1, 3]: actlab's PReLU has one alpha per channel " +
      "(the last axis), which Keras and tf.js write as shared_axes [1, 2] for this layer's input [null, 3, 3, 3]; the file's shared_axes is null " +
      '(one alpha per element, their default). Train the model with PReLU(shared_axes=[1, 2]) in Keras (sharedAxes in tf.js) to load it here');
  });

  test('a model with a regularizer, a constraint or a dropout noise_shape loads for predict and fit refuses it, naming the layer and the field; conv groups is refused at load', async () => {
    const t = tfl.sequential({ layers: [
      tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 7, 3], kernelRegularizer: tfl.regularizers.l2({ l2: 0.5 }) }),
      tfl.layers.dropout({ rate: 0.5, noiseShape: [1, 1, 1, 2] }), tfl.layers.flatten(),
      tfl.layers.dense({ units: 2, activation: 'softmax', biasConstraint: tfl.constraints.maxNorm({ maxValue: 1 }) }),
    ] });
    const saved = asFiles(await tfjsArtifacts(t));
    const fields: Array<[number, string]> = [[0, 'kernel_regularizer'], [1, 'noise_shape'], [3, 'bias_constraint']];
    for (const [i, field] of fields) {
      // Every other field cleared: the one left is the reason.
      const json = structuredClone(saved.modelJson);
      fields.filter(([j]) => j !== i).forEach(([j, f]) => { json.modelTopology.config.layers[j].config[f] = null; });
      const name = String(json.modelTopology.config.layers[i].config.name);
      const m = modelFromArtifacts({ ...saved, modelJson: json });
      const x = tensor(new Float32Array(2 * 5 * 7 * 3).fill(0.5), [2, 5, 7, 3]);
      const want = t.predict(tf.tensor(x.dataSync(), [2, 5, 7, 3])) as tf.Tensor;
      const got = m.predict(x);
      expect(Math.max(...Array.from(got.dataSync(), (v, j) => Math.abs(v - want.dataSync()[j]))), 'predict is the file\'s').toBeLessThan(1e-6);
      got.dispose();
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      await expect(m.fit(x, [0, 1], { epochs: 1 })).rejects.toThrow(new RegExp(`^actlab: fit: layer '${name}' .* was loaded with '${field}' = .*set it to null in model.json to train without it`));
      for (const v of [m, x, want]) v.dispose();
    }
    const cleared = structuredClone(saved.modelJson);
    fields.forEach(([j, f]) => { cleared.modelTopology.config.layers[j].config[f] = null; });
    modelFromArtifacts({ ...saved, modelJson: cleared }).dispose();
    cleared.modelTopology.config.layers[0].config.groups = 3;
    expect(() => modelFromArtifacts({ ...saved, modelJson: cleared })).toThrow(/Conv2D\): groups = 3 is not supported/);
    t.dispose();
  });

  test("Keras's forms: the converter's model_config wrapper, the list form, LecunUniform, hard_sigmoid as Keras 3 means it", () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 3, activation: 'relu', inputShape: [4], kernelInitializer: 'lecunUniform' }), layers.dense({ units: 2 })] });
    const art = modelToArtifacts(m);
    const topo = art.modelJson.modelTopology;
    const keras = (modelTopology: unknown): ModelArtifacts => ({ modelJson: wrong<ModelArtifacts['modelJson']>({ ...art.modelJson, generatedBy: 'keras', modelTopology }), weightData: art.weightData });
    const layersOf = (v: Sequential): string[] => v.layers.map((l) => JSON.stringify(l.getConfig()));
    for (const form of [{ model_config: topo, keras_version: '2.15.0' }, { ...topo, config: topo.config.layers }]) {
      const back = modelFromArtifacts(keras(form));
      expect(layersOf(back)).toEqual(layersOf(m));
      back.dispose();
    }
    const hs = structuredClone(topo);
    hs.config.layers[0].config.activation = 'hard_sigmoid';
    const k3 = modelFromArtifacts(keras({ ...hs, keras_version: '3.6.0' }));
    const k2 = modelFromArtifacts(keras({ ...hs, keras_version: '2.15.0' }));
    const x = tensor([3, -1, 0.5, 2], [1, 4]);
    const hidden = (v: Sequential): Float32Array => { const o = v.layerOutputs(x); const h = o.get('dense')?.dataSync() ?? new Float32Array(); for (const t of o.values()) t.dispose(); return h; };
    // The first layer's pre-activation from its saved kernel and bias.
    const kernel = m.layers[0].getWeights();
    const zs = Array.from({ length: 3 }, (_, j) => [3, -1, 0.5, 2].reduce((s, xi, i) => s + xi * kernel[0].dataSync()[i * 3 + j], kernel[1].dataSync()[j]));
    const clip = (v: number): number => Math.min(1, Math.max(0, v));
    closeTo(hidden(k3), zs.map((v) => clip(v / 6 + 0.5)), 1e-6);
    closeTo(hidden(k2), zs.map((v) => clip(0.2 * v + 0.5)), 1e-6);
    for (const v of [m, k3, k2]) v.dispose();
    for (const t of [x, ...kernel]) t.dispose();
  });

  test("a file not written by actlab reads 'hardSigmoid' as tf.js does, and VarianceScaling fan_in scale 1 as LeCun", () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'ones' })] });
    const art = modelToArtifacts(m);
    const json = structuredClone(art.modelJson);
    const cfg = json.modelTopology.config.layers[0].config;
    cfg.activation = 'hardSigmoid';
    cfg.kernel_initializer = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_in', distribution: 'normal' } };
    const tfjsFile = modelFromArtifacts({ modelJson: { ...json, generatedBy: 'TensorFlow.js tfjs-layers v4.22.0' }, weightData: art.weightData });
    const x = tensor([1], [1, 1]);
    // kernel 1, bias 0: 0.2 * 1 + 0.5 = 0.7 (tf.js), where actlab's default would give 1/6 + 1/2.
    expect(tfjsFile.predict(x).dataSync()[0]).toBeCloseTo(0.7, 6);
    expect(tfjsFile.layers[0].getConfig().kernel_initializer).toBe('lecunNormal');
    // Written by actlab before 2026-12-07, a bare 'hardSigmoid' was the registry default.
    const ours = modelFromArtifacts({ modelJson: json, weightData: art.weightData });
    expect(ours.predict(x).dataSync()[0]).toBeCloseTo(1 / 6 + 0.5, 6);
    for (const v of [m, tfjsFile, ours]) v.dispose();
    x.dispose();
  });

  test("modelFromArtifacts takes tf.js's in-memory form as typed: { modelTopology, weightSpecs, weightData } with the data in several buffers", () => {
    const m = sequential({ seed: 3, layers: [layers.dense({ units: 2, inputShape: [3], activation: 'tanh' })] });
    const art = modelToArtifacts(m);
    const cut = 8;
    const copy = modelFromArtifacts({
      modelTopology: art.modelJson.modelTopology,
      weightSpecs: art.modelJson.weightsManifest[0].weights,
      weightData: [art.weightData.slice(0, cut), art.weightData.slice(cut)],
    });
    const x = tensor([1, -2, 0.5], [1, 3]);
    expect(Array.from(copy.predict(x).dataSync())).toEqual(Array.from(m.predict(x).dataSync()));
    for (const v of [m, copy, x]) v.dispose();
  });

  test('quantized, non-float32 and malformed files are refused with actlab errors', () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const art = modelToArtifacts(m);
    const edit = (f: (j: Record<string, unknown>) => void): (() => Sequential) => {
      const json: Record<string, unknown> = structuredClone(wrong<Record<string, unknown>>(art.modelJson));
      f(json);
      return () => modelFromArtifacts({ modelJson: wrong<ModelArtifacts['modelJson']>(json), weightData: art.weightData });
    };
    const weight0 = (j: Record<string, unknown>): Record<string, unknown> => wrong<{ weights: Record<string, unknown>[] }[]>(j.weightsManifest)[0].weights[0];
    expect(edit((j) => { weight0(j).quantization = { dtype: 'uint8', min: 0, scale: 1 }; })).toThrow(/^actlab: loadModel: weight 'dense\/kernel' is quantized .*save the model without quantization/);
    expect(edit((j) => { weight0(j).dtype = 'int32'; })).toThrow("actlab: loadModel: weight 'dense/kernel' has dtype int32; actlab loads float32 weights only");
    expect(edit((j) => { weight0(j).shape = 20; })).toThrow(/^actlab: loadModel: a manifest weight must have a name and a shape of integers/);
    expect(edit((j) => { wrong<{ weights: unknown }[]>(j.weightsManifest)[0].weights = null; })).toThrow('actlab: loadModel: weightsManifest group 0 has no weights list');
    expect(edit((j) => { wrong<{ config: { layers: { config: unknown }[] } }>(j.modelTopology).config.layers[0].config = null; })).toThrow(/^actlab: loadModel: layer 0 of model.json must be \{class_name, config\}/);
    expect(edit((j) => {
      const list = wrong<{ config: { layers: unknown[] } }>(j.modelTopology).config.layers;
      list.push({ class_name: 'InputLayer', config: { batch_input_shape: [null, 2] } });
    })).toThrow('actlab: loadModel: layer 1 is an InputLayer; a Sequential model has one, first');
    expect(edit((j) => { wrong<{ class_name: string }>(j.modelTopology).class_name = 'Model'; })).toThrow("actlab: loadModel: model.json must hold a Sequential modelTopology (actlab builds Sequential models only), got class 'Model'");
    expect(() => modelFromArtifacts(wrong<ModelArtifacts>({ modelJson: null, weightData: art.weightData }))).toThrow('actlab: loadModel: model.json has no modelTopology');
    expect(() => modelFromArtifacts(wrong<ModelArtifacts>(null))).toThrow('actlab: loadModel: expected artifacts { modelJson, weightData }, got null');
    // Class names that are Object.prototype's properties are unknown classes, not factories.
    for (const cls of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) {
      expect(edit((j) => { wrong<{ config: { layers: { class_name: string }[] } }>(j.modelTopology).config.layers[0].class_name = cls; }))
        .toThrow(`actlab: loadModel: unknown layer class '${cls}': actlab has Dense`);
    }
    const custom = (f: unknown) => () => {
      const json = structuredClone(wrong<ModelArtifacts['modelJson']>(art.modelJson));
      wrong<{ config: { layers: { class_name: string }[] } }>(json.modelTopology).config.layers[0].class_name = 'Mine';
      return modelFromArtifacts({ modelJson: json, weightData: art.weightData }, wrong<Record<string, never>>({ Mine: f }));
    };
    expect(custom(5)).toThrow("actlab: loadModel: customObjects['Mine'] must be a factory (config) => ({ fn, params }), got number 5");
    expect(custom(() => null)).toThrow("actlab: loadModel: the customObjects factory for 'Mine' must return { fn, params }, got null");
    m.dispose();
  });
});

describe('a model file whose config asks for more than its weights hold', () => {
  test('is refused before the weights are allocated', () => {
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 3, inputShape: [4] }), layers.dense({ units: 2 })] });
    const art = modelToArtifacts(m);
    m.dispose();
    const before = memoryStats();
    // units 5e7: a 4 x 5e7 kernel is 800 MB of Wasm memory (which never shrinks) and seconds of
    // initialization, from a 92-byte weights file.
    const huge = structuredClone(art.modelJson);
    huge.modelTopology.config.layers[0].config.units = 5e7;
    expect(() => modelFromArtifacts({ modelJson: huge, weightData: art.weightData }))
      .toThrow("actlab: loadModel: weight 'dense/kernel' has shape [4,3] in the manifest but needs [4, 50000000]");
    // A weight the manifest does not list is refused before it is allocated too.
    const unlisted = structuredClone(huge);
    unlisted.weightsManifest[0].weights = unlisted.weightsManifest[0].weights.slice(2);
    expect(() => modelFromArtifacts({ modelJson: unlisted, weightData: new Float32Array(3 * 2 + 2).buffer }))
      .toThrow("actlab: loadModel: the manifest has no weight 'dense/kernel' (it lists dense_1/kernel, dense_1/bias)");
    // The heap's high-water mark and the Wasm memory, not the time taken, show that nothing
    // was allocated: a wall-clock bound here failed when a loaded machine paused the process.
    expect(memoryStats().peakBytes - before.peakBytes).toBeLessThan(2 ** 20);
    expect(memoryStats().memoryBytes - before.memoryBytes).toBeLessThan(2 ** 20);
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
  });
});

describe('config values that would change the model are refused, not defaulted', () => {
  test('padding, data_format, activation parameters, input shapes', () => {
    const conv = sequential({ seed: 1, layers: [layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', inputShape: [4, 4, 1] }), layers.maxPooling2d()] });
    const dense = sequential({ seed: 1, layers: [layers.dense({ units: 2, inputShape: [2], activation: { name: 'leakyRelu', params: { alpha: 0.3 } } })] });
    const load = (m: Sequential, f: (l: Record<string, unknown>[]) => void) => () => {
      const art = modelToArtifacts(m);
      const json = structuredClone(art.modelJson);
      f(wrong<Record<string, unknown>[]>(json.modelTopology.config.layers));
      return modelFromArtifacts({ modelJson: json, weightData: art.weightData });
    };
    const cfg = (l: Record<string, unknown>[], i: number): Record<string, unknown> => l[i].config as Record<string, unknown>;
    // 'SAME' used to load as 'valid': output [2, 2] instead of [4, 4], with no error.
    expect(load(conv, (l) => { cfg(l, 0).padding = 'SAME'; })).toThrow(`actlab: loadModel: layer 'conv2d' (Conv2D): padding must be 'valid' or 'same', got "SAME"`);
    expect(load(conv, (l) => { cfg(l, 1).padding = 'causal'; })).toThrow(`actlab: loadModel: layer 'max_pooling2d' (MaxPooling2D): padding must be 'valid' or 'same', got "causal"`);
    // Pooling ignored data_format: a channels_first [3, 8, 8] input pooled its channel and height axes.
    expect(load(conv, (l) => { cfg(l, 1).data_format = 'channels_first'; }))
      .toThrow(`actlab: loadModel: layer 'max_pooling2d' (MaxPooling2D): data_format "channels_first" is not supported; actlab reads channels_last only`);
    // A parameter of the wrong type was dropped and the default used (alpha 0.01 instead of 0.3).
    expect(load(dense, (l) => { (cfg(l, 0).activation as { config: Record<string, unknown> }).config.alpha = '0.3'; }))
      .toThrow(`actlab: loadModel: layer 'dense' (Dense): activation actlab:leakyRelu parameter 'alpha' must be a number, got "0.3"`);
    // Out-of-range and unknown parameters loaded and failed only at the first predict.
    expect(load(dense, (l) => { (cfg(l, 0).activation as { config: Record<string, unknown> }).config.alpha = 1e308; }))
      .toThrow(`actlab: dense 'dense': activation 'leakyRelu' parameter 'alpha' = 1e+308 (Infinity in float32) is out of range`);
    expect(load(dense, (l) => { (cfg(l, 0).activation as { config: Record<string, unknown> }).config.bogus = 1; }))
      .toThrow(`actlab: dense 'dense': activation 'leakyRelu' has no parameter 'bogus'; its parameters: alpha`);
    // Input shapes: the loader names the layer and the field instead of "invalid shape [-1, 2]".
    for (const bis of [[null, null], [null, -2], [null, 2.5], [null, '2'], [2], 'x']) {
      expect(load(dense, (l) => { cfg(l, 0).batch_input_shape = bis; }))
        .toThrow(`actlab: loadModel: layer 'dense' (Dense): batch_input_shape must be [batch, ...dimensions] with positive integer dimensions (actlab models have a fixed input shape), got ${JSON.stringify(bis)}`);
    }
    // An InputLayer that contradicts the first layer's own shape was ignored.
    expect(load(dense, (l) => { l.unshift({ class_name: 'InputLayer', config: { batch_input_shape: [null, 5] } }); }))
      .toThrow('actlab: loadModel: layer 1 has batch_input_shape [null,2] but the InputLayer before it gives [null,5]');
    // A batch axis that differs is no contradiction (Keras 2 wrote a fixed batch in one place, null in the other).
    load(dense, (l) => { l.unshift({ class_name: 'InputLayer', config: { batch_input_shape: [32, 2] } }); })().dispose();
    expect(() => layers.dense({ units: 2, activation: { name: 'elu', params: { alpha: Number.NaN } } }))
      .toThrow(`actlab: dense 'dense': activation 'elu' parameter 'alpha' = NaN`);
    // Flags written as strings read as true ("false" kept the bias, "no" kept the layer trainable).
    expect(load(dense, (l) => { cfg(l, 0).use_bias = 'false'; })).toThrow(`actlab: loadModel: layer 'dense' (Dense): 'use_bias' must be true or false, got "false"`);
    expect(load(conv, (l) => { cfg(l, 0).use_bias = 0; })).toThrow(`actlab: loadModel: layer 'conv2d' (Conv2D): 'use_bias' must be true or false, got 0`);
    expect(load(dense, (l) => { cfg(l, 0).trainable = 'no'; })).toThrow(`actlab: loadModel: layer 'dense' (Dense): 'trainable' must be true or false, got "no"`);
    // A conv layer without its kernel size loaded as 1 x 1 (Keras requires it).
    expect(load(conv, (l) => { delete cfg(l, 0).kernel_size; })).toThrow(`actlab: loadModel: layer 'conv2d' (Conv2D): 'kernel_size' is missing`);
    // A layer without a name was "layer 'undefined'".
    expect(load(dense, (l) => { delete cfg(l, 0).name; cfg(l, 0).units = 'two'; })).toThrow(`actlab: loadModel: an unnamed Dense layer: 'units' must be a number, got "two"`);
    // The byte count names the weights file the manifest gives (tf.js writes group1-shard1of1.bin).
    const art = modelToArtifacts(dense);
    const json = structuredClone(art.modelJson);
    json.weightsManifest[0].paths = ['group1-shard1of1.bin'];
    expect(() => modelFromArtifacts({ modelJson: json, weightData: art.weightData.slice(4) }))
      .toThrow('actlab: loadModel: group1-shard1of1.bin has 20 bytes but the manifest needs 24');
    expect(() => modelFromArtifacts({ modelJson: { ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: [] }] }, weightData: art.weightData.slice(4) }))
      .toThrow('actlab: loadModel: the weight data has 20 bytes but the manifest needs 24');
    conv.dispose(); dense.dispose();
  });

  test('a save whose manifest names a weights file outside the directory is refused', async () => {
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const art = modelToArtifacts(m);
    const json = structuredClone(art.modelJson);
    json.weightsManifest[0].paths = ['../outside.bin'];
    await expect(writeArtifacts(join(dir, 'save-outside'), { modelJson: json, weightData: art.weightData }))
      .rejects.toThrow(/^actlab: save: .*model.json names the weights file "..\/outside.bin"; expected a file name inside the model directory/);
    expect(existsSync(join(dir, 'outside.bin'))).toBe(false);
    m.dispose();
  });
});

describe('files actlab writes, read by tf.js', () => {
  test("a constant({ value }) initializer (compareTraining's prelu) is saved with its value: actlab, its checkpoints and tf.js load the file", async () => {
    const make = (own: boolean): Sequential => sequential({ seed: 2, layers: [
      layers.dense({ units: 3, inputShape: [4], biasInitializer: initializers.constant({ value: 0.1 }) }),
      layers.prelu({ alphaInitializer: initializers.constant({ value: 0.25 }) }),
      // A user's own initializer (which tf.js cannot know): the loaded layer takes the default, its weights come from the file.
      ...(own ? [layers.dense({ units: 2, kernelInitializer: { name: 'myInit', apply: (shape) => initializers.ones().apply(shape) } })] : []),
    ] });
    const model = make(true);
    const a = modelToArtifacts(model);
    expect(a.modelJson.modelTopology.config.layers[1].config.alpha_initializer).toEqual({ class_name: 'Constant', config: { value: 0.25 } });
    const x = uniform(8, -2, 2, 5);
    const xt = tensor(x, [2, 4]);
    const want = model.predict(xt);
    const back = modelFromArtifacts(a);
    expect(same(back.predict(xt), want)).toBe(true);
    expect(back.layers[0].getConfig().bias_initializer).toEqual({ class_name: 'Constant', config: { value: 0.1 } });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const resumed = restoreCheckpoint(checkpointOf(model));
    expect(same(resumed.model.predict(xt), want)).toBe(true);
    const small = make(false);
    const sa = modelToArtifacts(small);
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(sa.modelJson.modelTopology, sa.modelJson.weightsManifest[0].weights, sa.weightData));
    closeTo((theirs.predict(tf.tensor(x, [2, 4])) as tf.Tensor).dataSync(), small.predict(xt).dataSync(), 1e-6);
    expect(Array.from(theirs.getWeights()[2].dataSync())).toEqual([0.25, 0.25, 0.25]);
    for (const m of [model, back, resumed.model, small]) m.dispose();
    xt.dispose();
  });

  test('an activation whose parameters tf.js would ignore is refused there, not computed with its defaults', async () => {
    type Act = LayerActivationName | { name: string; params: Record<string, number> };
    const save = (act: Act): ModelArtifacts =>
      modelToArtifacts(sequential({ seed: 1, layers: [layers.dense({ units: 3, activation: act, inputShape: [2], kernelInitializer: 'lecunUniform' })] }));
    const tfjsLoad = (a: ModelArtifacts): Promise<tfl.LayersModel> =>
      tfl.loadLayersModel(tf.io.fromMemory(a.modelJson.modelTopology, a.modelJson.weightsManifest[0].weights, a.weightData));
    const x = [0.5, -2, 3, 1];
    const check = async (act: Parameters<typeof save>[0]): Promise<void> => {
      const a = save(act);
      const ours = modelFromArtifacts(a);
      const xt = tensor(x, [2, 2]);
      const theirs = await tfjsLoad(a);
      closeTo((theirs.predict(tf.tensor(x, [2, 2])) as tf.Tensor).dataSync(), ours.predict(xt).dataSync(), 1e-6);
      ours.dispose(); xt.dispose();
    };
    // These tf.js reads as actlab computes them (LeCunUniform is tf.js's spelling of the initializer).
    const same: Act[] = ['elu', 'swish', { name: 'elu', params: { alpha: 1 } }, { name: 'hardSigmoid', params: { slope: 0.2, offset: 0.5 } }];
    for (const act of same) await check(act);
    // These it used to load with its own parameters (wrong numbers, no error).
    const refused: Act[] = ['hardSigmoid', { name: 'elu', params: { alpha: 0.5 } }, { name: 'swish', params: { beta: 2 } }, { name: 'softplus', params: { beta: 2 } }];
    for (const act of refused) {
      const a = save(act);
      await expect(tfjsLoad(a), JSON.stringify(act)).rejects.toThrow(/Unknown activation: actlab:/);
      const back = modelFromArtifacts(a);
      expect(back.layers[0].getConfig().activation).toEqual(a.modelJson.modelTopology.config.layers[0].config.activation);
      back.dispose();
    }
  });
});

describe('layer names tf.js refuses', () => {
  // tf.js 4.22 names a tensor after each layer (its output, `<layer>/kernel`, the first layer's
  // `<layer>_input`) and refuses names outside [A-Za-z0-9][-A-Za-z0-9._/]*, in its own layers
  // and in loadLayersModel; Keras refuses '/', which tf.js takes.
  const model = (name: string, first: boolean): Sequential => sequential({ seed: 1, layers: first
    ? [layers.dense({ units: 2, inputShape: [3], name }), layers.dropout({ rate: 0.5 })]
    : [layers.dense({ units: 2, inputShape: [3] }), layers.dropout({ rate: 0.5, name }), layers.dense({ units: 1, name: `${name}2` })] });
  // tf.js warns too (its Node backend hint, once per process): only actlab's warnings count.
  const ours = (warn: { mock: { calls: unknown[][] } }): string[] => warn.mock.calls.map((c) => String(c[0])).filter((w) => w.startsWith('actlab:'));
  const tfjsLoad = (a: ModelArtifacts): Promise<tfl.LayersModel> =>
    tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelJson.modelTopology, weightSpecs: a.modelJson.weightsManifest[0].weights, weightData: a.weightData }));

  test("a space, a non-ASCII letter, a leading '_', '-' or '.', ':' or '$': saved with one warning per model naming the layer; actlab loads the file, tf.js refuses it", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (const name of ['two words', 'β_layer', 'dense_β', '日本', '_lead', '-x', '.x', 'a:b', 'x$']) {
        for (const first of [true, false]) {
          const m = model(name, first);
          warn.mockClear();
          const a = modelToArtifacts(m);
          expect(ours(warn), name).toEqual([`actlab: save: model 'sequential' has layer name(s) '${name}'${first ? '' : `, '${name}2'`} ` +
            'that tf.js refuses (tf.loadLayersModel fails with "Not a valid tensor name"): actlab loads the file, tf.js does not; ' +
            'for a file tf.js reads, name layers with ASCII letters, digits, -, ., _ and /, starting with a letter or digit']);
          modelToArtifacts(m);
          m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
          restoreCheckpoint(checkpointOf(m)).model.dispose();
          expect(ours(warn), `${name}: once per model, and not for a checkpoint`).toHaveLength(1);
          const back = modelFromArtifacts(a);
          expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
          await expect(tfjsLoad(a), name).rejects.toThrow('Not a valid tensor name');
          back.dispose(); m.dispose();
        }
        // A layer added later with such a name warns again, naming it.
        const grown = model('fine', true);
        modelToArtifacts(grown);
        grown.add(layers.dense({ units: 1, name }));
        warn.mockClear();
        modelToArtifacts(grown);
        expect(ours(warn), name).toHaveLength(1);
        expect(ours(warn)[0], name).toContain(`has layer name(s) '${name}' that tf.js refuses`);
        grown.dispose();
        // A checkpoint, which actlab alone reads, is no reason to warn.
        const c = model(name, true);
        c.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
        warn.mockClear();
        restoreCheckpoint(checkpointOf(c)).model.dispose();
        expect(ours(warn), name).toEqual([]);
        c.dispose();
        // tf.js refuses the name in its own layers too.
        expect(() => tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] }), tfl.layers.dropout({ rate: 0.5, name })] }), name).toThrow('Not a valid tensor name');
      }
    } finally {
      warn.mockRestore();
    }
  });

  test("'/', '.', '-' and a leading digit load in tf.js with the names kept, and are not warned about", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (const name of ['a/b', 'block1/conv', '9lead', 'a.b-c']) {
        for (const first of [true, false]) {
          const m = model(name, first);
          const a = modelToArtifacts(m);
          const theirs = await tfjsLoad(a);
          expect(theirs.layers.map((l) => l.name), name).toEqual(m.layers.map((l) => l.name));
          const x = [0.5, -1, 2];
          const xt = tensor(x, [1, 3]);
          closeTo((theirs.predict(tf.tensor(x, [1, 3])) as tf.Tensor).dataSync(), m.predict(xt).dataSync(), 1e-6);
          const back = modelFromArtifacts(a);
          expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
          back.dispose(); m.dispose(); xt.dispose();
        }
      }
      expect(ours(warn)).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('a loaded model with a new head', () => {
  test("pop() + add() on a file whose layers Keras numbered from 1 (dense_1, dense_2): the new layer gets a free name, trains, saves and resumes", async () => {
    // Keras names a session's second model's layers dense_1, dense_2; the file keeps those names.
    const keras = sequential({ seed: 5, layers: [layers.dense({ name: 'dense_1', units: 4, inputShape: [3, 2], activation: 'relu' }), layers.dense({ name: 'dense_2', units: 2 })] });
    const m = modelFromArtifacts(modelToArtifacts(keras));
    keras.dispose();
    m.pop().dispose();
    m.add(layers.dense({ units: 3, activation: 'softmax' }));
    expect(m.layers.map((l) => l.name)).toEqual(['dense_1', 'dense_2']);
    expect(m.getLayer(-1).outputShape).toEqual([3, 3]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = tensor(uniform(4 * 6, -1, 1, 3), [4, 3, 2]), y = tensor([0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2], [4, 3]);
    await m.fit(x, y, { epochs: 1, batchSize: 2, seed: 1, verbose: 0 });
    const r = restoreCheckpoint(checkpointOf(m));
    expect(r.model.layers.map((l) => l.name)).toEqual(['dense_1', 'dense_2']);
    await m.fit(x, y, { epochs: 2, batchSize: 2, seed: 1, verbose: 0, initialEpoch: 1 });
    await r.model.fit(x, y, { epochs: 2, batchSize: 2, seed: r.seed, verbose: 0, initialEpoch: r.initialEpoch });
    const a = m.predict(x), b = r.model.predict(x);
    expect(same(a, b)).toBe(true);
    for (const t of [x, y, a, b]) t.dispose();
    m.dispose(); r.model.dispose();
  });
});

describe('a server loading a model from bytes, a URL or model.json\'s path', () => {
  test('weight bytes in a Uint8Array or Buffer, or model.json as text, are named with how to pass them', () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const art = modelToArtifacts(m);
    // A Node Buffer (readFile, Buffer.concat) is a Uint8Array, whose .buffer may be a larger shared pool.
    for (const [bytes, name] of [[new Uint8Array(art.weightData), 'Uint8Array'], [Buffer.from(art.weightData), 'Buffer']] as const) {
      expect(() => modelFromArtifacts({ modelJson: art.modelJson, weightData: wrong<ArrayBuffer>(bytes) })).toThrow(
        `actlab: loadModel: the weight data must be an ArrayBuffer (or a list of them), got ${name}; pass an ArrayBuffer of exactly the weight bytes, ` +
        'e.g. bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) (a view\'s .buffer may hold more than its bytes: Node\'s readFile results share a larger pool)');
    }
    expect(() => modelFromArtifacts({ modelJson: art.modelJson, weightData: wrong<ArrayBuffer>(null) })).toThrow('actlab: loadModel: the weight data must be an ArrayBuffer (or a list of them), got null');
    expect(() => modelFromArtifacts({ modelJson: wrong<ModelArtifacts['modelJson']>(JSON.stringify(art.modelJson)), weightData: art.weightData })).toThrow(
      "actlab: loadModel: modelJson is a string; pass the parsed object: JSON.parse(text) (or (await fetch(url)).json())");
    // The bytes of a Buffer, sliced as the message says, load.
    const b = Buffer.from(art.weightData);
    const copy = modelFromArtifacts({ modelJson: art.modelJson, weightData: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) });
    expect(copy.snapshotWeights()).toEqual(m.snapshotWeights());
    copy.dispose(); m.dispose();
  });

  test("loadModel given a URL or model.json's own path (tf.loadLayersModel's argument) says what it takes", async () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 2, inputShape: [3] })] });
    const path = join(dir, 'served');
    await m.save(path);
    const json = join(path, 'model.json');
    await expect(loadModel(json)).rejects.toThrow(
      `actlab: loadModel: cannot read ${join(json, 'model.json')}: the directory must hold model.json and its weights file; ` +
      `loadModel takes the directory, not model.json's path: loadModel(${JSON.stringify(path)})`);
    await expect(loadModel('https://example.com/models/m/model.json')).rejects.toThrow(
      'actlab: loadModel: "https://example.com/models/m/model.json" is a tf.js storage URL, which actlab does not have; ' +
      "give the model directory's path, or fetch model.json and its weights and call modelFromArtifacts({ modelJson, weightData })");
    await expect(loadModel(wrong<string>(new URL(`file://${path}`)))).rejects.toThrow(
      'actlab: loadModel: expected the model directory as a path string, got URL (for a file: URL, pass fileURLToPath(url))');
    (await loadModel(path)).dispose();
    m.dispose();
  });
});
