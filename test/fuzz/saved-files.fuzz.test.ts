// Property test for the fields loadModel and restoreCheckpoint read back from a file a user
// may get from elsewhere (model.json's actlab, checkpoint.json's optimizer and fit): a real
// save with one field replaced by a hostile value either loads, compiled with a usable
// optimizer, or fails with an actlab error; never a TypeError or RangeError, never a change to
// Object.prototype.
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { init, tensor, sequential, layers, adam, schedules, modelFromArtifacts, restoreCheckpoint, modelToArtifacts, type Checkpoint, type ModelJson, type Sequential } from '../../src/index.js';
import { fuzz, timeoutFor } from './config.js';

const wrong = <T>(v: unknown): T => v as T;
type Json = Record<string, unknown>;

let modelText = '';
let checkpointText = '';
let weights: ArrayBuffer;
let data: ArrayBuffer;
beforeAll(async () => {
  await init();
  const m = sequential({ seed: 2, layers: [layers.dense({ units: 3, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.05, decaySteps: 4, decayRate: 0.5 }) }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tensor([0, 0, 1, 1, 0, 1, 1, 0], [4, 2]);
  // The second epoch is cut short after its first batch, so checkpoint.json has a fit.cut for
  // the fields below to replace; a third, whole epoch makes the model checkpointable again.
  const stopper = { onBatchEnd: (batch: number): void => { if (m.fitState?.epoch === 1 && batch === 0) m.stopTraining = true; } };
  await m.fit(x, [0, 1, 1, 0], { epochs: 3, batchSize: 2, seed: 5, callbacks: [stopper] });
  await m.fit(x, [0, 1, 1, 0], { epochs: 1, batchSize: 2, seed: 5 });
  const art = modelToArtifacts(m);
  modelText = JSON.stringify(art.modelJson);
  weights = art.weightData;
  const cp = m.checkpoint();
  checkpointText = JSON.stringify(cp.json);
  expect(cp.json.fit.cut).toEqual({ loss: [1], acc: [1] });
  data = cp.data;
  m.dispose();
  x.dispose();
});

const MODEL_FIELDS = [
  'actlab', 'actlab.seed', 'actlab.training', 'actlab.training.loss', 'actlab.training.metrics', 'actlab.training.metrics.0',
  'actlab.training.optimizer', 'actlab.training.optimizer.className', 'actlab.training.optimizer.config',
  'actlab.training.optimizer.config.learningRate', 'actlab.training.optimizer.config.learningRate.className',
  'actlab.training.optimizer.config.learningRate.config', 'actlab.training.optimizer.config.learningRate.config.decaySteps',
  'actlab.training.optimizer.config.learningRate.config.staircase', 'actlab.training.optimizer.config.beta1',
  'actlab.training.optimizer.config.clipnorm', 'actlab.training.optimizer.config.extra',
];
const CHECKPOINT_FIELDS = [
  'fit', 'fit.seed', 'fit.epoch', 'fit.history', 'fit.history.loss', 'fit.history.loss.0', 'fit.history.acc', 'fit.batchSize', 'fit.shuffle',
  'fit.cut', 'fit.cut.loss', 'fit.cut.loss.0', 'optimizer.iterations', 'optimizer.className', 'optimizer.config', 'optimizer.config.epsilon',
  'optimizer.config.learningRate', 'optimizer.state.1.name', 'metrics', 'loss', 'dataBytes', 'format',
];

/** Values a hand-edited or generated file may hold where a field belongs. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    0, -1, 1, 1.5, 2, 1e12, 1e300, Infinity, -Infinity, Number.NaN, 2 ** 53, -0, '', '0.1', 'true', 'Adam', 'SGD', 'accuracy', 'loss',
    '__proto__', 'constructor', 'toString', '\u001b[31m', '\u202e', true, false, null, [], {}, [0], [0, 0], [2, 1], [99], [1e12], ['1'],
    [null], ['accuracy', 'accuracy'], { className: 'CosineDecay', config: { initialLearningRate: 0.1, decaySteps: 1e300 } },
    { className: 'toString', config: {} }, { loss: [0] }, { __proto__: null }, JSON.parse('{"__proto__": {"polluted": 1}}'), JSON.parse('{"toString": 1, "valueOf": 1}'),
    // Deeper than JSON.stringify can go (fast-check cannot print it either: a failure on it shows as a RangeError).
    JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`),
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/** `text` parsed, with the field at `path` (dot-separated) set to `v`. */
function edited(text: string, path: string, v: unknown): Json {
  const json = JSON.parse(text) as Json;
  const keys = path.split('.');
  let at: unknown = json;
  for (const k of keys.slice(0, -1)) at = typeof at === 'object' && at !== null ? (at as Json)[k] : undefined;
  if (typeof at === 'object' && at !== null) Object.defineProperty(at, keys[keys.length - 1], { value: v, enumerable: true, writable: true, configurable: true });
  return json;
}

/** The model if it loaded (checked: its optimizer's rate is a number > 0 or 0 as saved), or the error. */
function outcome(load: () => Sequential): void {
  const before = Object.getOwnPropertyNames(Object.prototype).join();
  let model: Sequential | undefined;
  try {
    model = load();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/^actlab: /);
    expect((e as Error).message.length).toBeLessThan(2000);
  }
  expect(Object.getOwnPropertyNames(Object.prototype).join()).toBe(before);
  expect(({} as Json).polluted).toBeUndefined();
  if (model === undefined) return;
  try {
    if (model.isCompiled) {
      const lr = model.optimizer.learningRate;
      expect(Number.isFinite(lr) && lr >= 0, `learning rate ${lr}`).toBe(true);
    }
  } finally {
    model.dispose();
  }
}

describe('saved files with a hostile field', () => {
  test('model.json: loads with a usable optimizer or fails with an actlab error', () => {
    fc.assert(fc.property(fc.constantFrom(...MODEL_FIELDS), hostile, (path, v) => {
      outcome(() => modelFromArtifacts({ modelJson: wrong<ModelJson>(edited(modelText, path, v)), weightData: weights }));
    }), fuzz(400));
  }, timeoutFor(400));

  test('checkpoint.json: restores with a usable optimizer or fails with an actlab error', () => {
    fc.assert(fc.property(fc.constantFrom(...CHECKPOINT_FIELDS), hostile, (path, v) => {
      outcome(() => restoreCheckpoint({ json: wrong<Checkpoint['json']>(edited(checkpointText, path, v)), data: data.slice(0) }).model);
    }), fuzz(400));
  }, timeoutFor(400));
});
