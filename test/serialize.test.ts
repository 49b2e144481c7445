// Save / load in the tfjs LayersModel format: actlab reads back identical bits, and
// tf.loadLayersModel (tfjs-layers 4.22.0) reads the same files and predicts the same.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, tensor, sequential, layers, activation, mul, type Tensor, type Sequential } from '../src/index.js';
import { loadModel } from '../src/node/index.js';
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
    await expect(loadModel(path)).rejects.toThrow("unknown layer class 'Gated'; pass its factory in customObjects");
    const loaded = await loadModel(path, { Gated: (c) => ({ className: 'Gated', params: { a: Number(c.a) }, fn: (x, p) => mul(p.a, mul(x, activation(x, 'sigmoid'))) }) });
    const xt = tensor(uniform(12, -2, 2, 1), [4, 3]);
    expect(same(model.predict(xt), loaded.predict(xt))).toBe(true);
    xt.dispose(); model.dispose(); loaded.dispose();
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
