// Fields a model.json or checkpoint.json from elsewhere (or an older or hand-edited one) holds:
// actlab.training and checkpoint.json's fit record. Each wrong value is an actlab error naming
// the file and the field, never a setting silently dropped or a TypeError.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor, sequential, layers, adam, modelFromArtifacts, modelToArtifacts, restoreCheckpoint, type Checkpoint, type ModelArtifacts, type ModelJson } from '../src/index.js';

const wrong = <T>(v: unknown): T => v as T;
type Json = Record<string, unknown>;

let art: ModelArtifacts;
let cp: Checkpoint;
beforeAll(async () => {
  await init();
  const m = sequential({ seed: 11, layers: [layers.dense({ units: 4, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tensor([0, 0, 1, 1, 0, 1, 1, 0], [4, 2]);
  await m.fit(x, [0, 1, 1, 0], { epochs: 2, batchSize: 2, seed: 3 });
  art = modelToArtifacts(m);
  cp = m.checkpoint();
  m.dispose();
  x.dispose();
});

/** model.json as a file holds it (through JSON text), with actlab.training changed by `edit`. */
function loadWith(edit: (training: Json) => void): ReturnType<typeof modelFromArtifacts> {
  const json = JSON.parse(JSON.stringify(art.modelJson)) as { actlab: { training: Json } };
  edit(json.actlab.training);
  return modelFromArtifacts({ modelJson: wrong<ModelJson>(json), weightData: art.weightData });
}

describe("model.json's actlab.training", () => {
  test('an optimizer setting of the wrong type or under a key the class lacks is refused, not dropped', () => {
    const optimizer = (className: string, config: Json) => (t: Json): void => { t.optimizer = { className, config }; };
    // 'true' as a string turned centered and nesterov off; Keras's learning_rate was ignored, so the model trained at 0.001.
    expect(() => loadWith(optimizer('RMSprop', { learningRate: 0.1, centered: 'true' })))
      .toThrow(`actlab: loadModel: model.json's actlab.training.optimizer: RMSprop config 'centered' is "true"; expected true or false`);
    expect(() => loadWith(optimizer('SGD', { learningRate: 0.1, momentum: 0.9, nesterov: 1 })))
      .toThrow(`actlab: loadModel: model.json's actlab.training.optimizer: SGD config 'nesterov' is 1; expected true or false`);
    expect(() => loadWith(optimizer('Adam', { learning_rate: 0.1 })))
      .toThrow(`actlab: loadModel: model.json's actlab.training.optimizer: Adam config has the unknown key "learning_rate"; valid: learningRate, clipnorm, globalClipnorm, clipvalue, beta1, beta2, epsilon`);
    expect(() => loadWith(optimizer('SGD', wrong<Json>(JSON.parse('{"__proto__": {"learningRate": 5}}')))))
      .toThrow(`actlab: loadModel: model.json's actlab.training.optimizer: SGD config has the unknown key "__proto__"; valid: `);
    expect(() => loadWith(optimizer('toString', {}))).toThrow(`actlab: loadModel: model.json's actlab.training.optimizer: unknown optimizer class "toString"; valid: SGD, Adam, AdamW, RMSprop`);
    // The values getConfig writes, null for an unset clip, load as before.
    const m = loadWith(optimizer('RMSprop', { learningRate: 0.1, clipnorm: null, globalClipnorm: null, clipvalue: 2, rho: 0.8, momentum: 0.5, epsilon: 1e-6, centered: true }));
    expect(m.optimizer.getConfig()).toEqual({ learningRate: 0.1, clipnorm: null, globalClipnorm: null, clipvalue: 2, rho: 0.8, momentum: 0.5, epsilon: 1e-6, centered: true });
    m.dispose();
  });

  test('a class name or format that is an object with its own toString (JSON.parse makes one) gives an actlab error, not a TypeError', () => {
    const own: unknown = JSON.parse('{"toString": 1}');
    // String() of it threw "Cannot convert object to primitive value".
    expect(() => loadWith((t) => { t.optimizer = { className: 'SGD', config: { learningRate: { className: own, config: {} } } }; }))
      .toThrow('SGD config: schedules.fromConfig: unknown schedule class Object; known: ');
    expect(() => restoreWith((_, json) => { json.format = own; }))
      .toThrow('actlab: restoreCheckpoint: not an actlab checkpoint (format {"toString":1}, version 1)');
    const topology = JSON.parse(JSON.stringify(art.modelJson)) as Json & { modelTopology: Json };
    topology.modelTopology.class_name = own;
    expect(() => modelFromArtifacts({ modelJson: wrong<ModelJson>(topology), weightData: art.weightData }))
      .toThrow('actlab: loadModel: model.json must hold a Sequential modelTopology (actlab builds Sequential models only), got class_name {"toString":1}');
  });

  test("a saved schedule's config with a key the class lacks, a flag that is not true or false, or a list of strings is refused", () => {
    const schedule = (className: string, config: unknown) => (t: Json): void => { t.optimizer = { className: 'SGD', config: { learningRate: { className, config } } }; };
    const where = "actlab: loadModel: model.json's actlab.training.optimizer: SGD config: schedules.fromConfig: ";
    // Keras's warmup_steps was ignored (no warmup), 'true' read as false, and ['100'] as [100].
    expect(() => loadWith(schedule('CosineDecay', { initialLearningRate: 0.1, decaySteps: 100, warmup_steps: 10 })))
      .toThrow(`${where}CosineDecay: unknown option 'warmup_steps'; valid options: initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps`);
    expect(() => loadWith(schedule('ExponentialDecay', { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: 'true' })))
      .toThrow(`${where}ExponentialDecay config 'staircase' is "true"; expected true or false`);
    expect(() => loadWith(schedule('PiecewiseConstantDecay', { boundaries: ['100'], values: [0.1, 0.01] })))
      .toThrow("SGD config: schedules.piecewiseConstantDecay: boundaries[0] = NaN is out of range");
    expect(() => loadWith(schedule('PiecewiseConstantDecay', { boundaries: 100, values: [0.1, 0.01] })))
      .toThrow(`${where}PiecewiseConstantDecay config 'boundaries' must be a list of numbers, got number`);
    // What getConfig writes loads as it was.
    const m = loadWith(schedule('PolynomialDecay', { initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 2, cycle: true }));
    expect(m.optimizer.getConfig().learningRate).toEqual({ className: 'PolynomialDecay', config: { initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 2, cycle: true } });
    m.dispose();
  });

  test('an optimizer value the constructor refuses, and a value nested deep, huge or holding control characters, give an error naming the file', () => {
    const optimizer = (className: string, config: unknown) => (t: Json): void => { t.optimizer = { className, config }; };
    // The constructor's message alone ('actlab: adam: learningRate = -1 ...') did not say the value came from model.json.
    expect(() => loadWith(optimizer('Adam', { learningRate: -1 })))
      .toThrow("actlab: loadModel: model.json's actlab.training.optimizer: Adam config: adam: learningRate = -1 is out of range");
    expect(() => loadWith(optimizer('Adam', { learningRate: { className: 'CosineDecay', config: { initialLearningRate: 0.1, decaySteps: 10, alpha: '1' } } })))
      .toThrow("actlab: loadModel: model.json's actlab.training.optimizer: Adam config: schedules.cosineDecay: alpha = NaN is out of range");
    expect(() => loadWith(optimizer('Adam', { learningRate: { className: '\u009b31mCosine', config: {} } })))
      .toThrow("actlab: loadModel: model.json's actlab.training.optimizer: Adam config: schedules.fromConfig: unknown schedule class '\\u009b31mCosine'");
    expect(() => loadWith(optimizer('\u202eSGD', {}))).toThrow(`unknown optimizer class "\\u202eSGD"; valid:`);
    const long = 'x'.repeat(1e6);
    expect(() => loadWith(optimizer(long, {}))).toThrow(/unknown optimizer class "x{199}\.\.\.; valid:/);
    // A schedule's unknown key went into the message whole.
    const schedule = { className: 'CosineDecay', config: { initialLearningRate: 0.1, decaySteps: 10, [long]: 1 } };
    let message = '';
    try { loadWith(optimizer('Adam', { learningRate: schedule })).dispose(); } catch (e) { message = String(e); }
    expect(message).toMatch(/schedules\.fromConfig: CosineDecay: unknown option 'x{60}\.\.\.'; valid options: initialLearningRate,/);
    expect(message.length).toBeLessThan(500);
    // JSON.stringify of a value nested 20000 deep (JSON.parse reads it) threw a RangeError.
    const deep: unknown = JSON.parse(`${'['.repeat(20000)}1${']'.repeat(20000)}`);
    expect(() => loadWith((t) => { t.optimizer = deep; })).toThrow("actlab: loadModel: model.json's actlab.training 'optimizer' must be { className, config }, got Array");
    expect(() => loadWith(optimizer('Adam', { beta1: deep }))).toThrow("actlab: loadModel: model.json's actlab.training.optimizer: Adam config 'beta1' is Array; expected a number");
    expect(() => restoreWith((f, json) => { json.fit = deep; })).toThrow("actlab: restoreCheckpoint: checkpoint.json 'fit' must be { seed, epoch, history } with seed and epoch integers >= 0, got Array");
  });
});

describe("model.json's actlab", () => {
  const load = (actlab: unknown): ReturnType<typeof modelFromArtifacts> =>
    modelFromArtifacts({ modelJson: wrong<ModelJson>({ ...JSON.parse(JSON.stringify(art.modelJson)), actlab }), weightData: art.weightData });

  test('a seed of the wrong type, or an actlab that is not an object, is refused; a file without them loads as before', () => {
    // The string '5' loaded as seed 0, and -1 failed as 'actlab: Rng seed must be ...', not naming the file.
    expect(() => load({ seed: '5' })).toThrow(`actlab: loadModel: model.json's actlab.seed must be an integer in [0, 2^53), got "5"`);
    expect(() => load({ seed: -1 })).toThrow("actlab: loadModel: model.json's actlab.seed must be an integer in [0, 2^53), got -1");
    expect(() => load({ seed: 1.5 })).toThrow("model.json's actlab.seed must be an integer in [0, 2^53), got 1.5");
    // A training config under an actlab that is a list was dropped: the model loaded uncompiled.
    expect(() => load([{ seed: 3 }])).toThrow(`actlab: loadModel: model.json's actlab must be { seed, training }, got [{"seed":3}]`);
    const older = load(undefined);   // a tf.js file, or one saved before actlab's fields
    expect(older.seed).toBe(0);
    expect(older.isCompiled).toBe(false);
    const seeded = load({ seed: 7 });
    expect(seeded.seed).toBe(7);
    expect(seeded.isCompiled).toBe(false);
    for (const m of [older, seeded]) m.dispose();
  });
});

/** restoreCheckpoint of checkpoint.json as a file holds it, with its `fit` changed by `edit`. */
function restoreWith(edit: (fit: Json, json: Json) => void): ReturnType<typeof restoreCheckpoint> {
  const json = JSON.parse(JSON.stringify(cp.json)) as Json & { fit: Json };
  edit(json.fit, json);
  return restoreCheckpoint({ json: wrong<Checkpoint['json']>(json), data: cp.data.slice(0) });
}

describe("checkpoint.json's fit record", () => {
  test('optimizer.iterations and dataBytes of the wrong type are refused naming the field; a checkpoint without iterations loads', () => {
    expect(() => restoreWith((_, json) => { (json.optimizer as Json).iterations = '2'; }))
      .toThrow(`actlab: restoreCheckpoint: checkpoint.json optimizer.iterations must be an integer >= 0 when present, got "2"`);
    expect(() => restoreWith((_, json) => { (json.optimizer as Json).iterations = -1; })).toThrow('checkpoint.json optimizer.iterations must be an integer >= 0 when present, got -1');
    expect(() => restoreWith((_, json) => { json.dataBytes = String(json.dataBytes); }))
      .toThrow(`actlab: restoreCheckpoint: checkpoint.json 'dataBytes' must be the data file's size in bytes, an integer >= 0, got "${cp.json.dataBytes}"`);
    const older = restoreWith((_, json) => { delete (json.optimizer as Json).iterations; });
    expect(older.model.optimizer.iterations).toBe(cp.json.optimizer.iterations);
    older.model.dispose();
  });

  test('an optimizer state name with a control character is refused before any message quotes it', () => {
    // It went into "optimizer state '...' is for '...', which the model does not have" as it was: an ANSI escape reached the terminal.
    expect(() => restoreWith((_, json) => { ((json.optimizer as Json).state as Json[])[1].name = '\u001b[2J/m'; }))
      .toThrow("actlab: restoreCheckpoint: checkpoint.json optimizer state: the name '\\u001b[2J/m' holds the control character U+001B at index 0");
  });

  test('a history with more values than the epochs run is refused; a key with fewer (added by a later fit) loads', () => {
    expect(() => restoreWith((f) => { (f.history as Json).loss = [0.5, 0.4, 0.3]; }))
      .toThrow("actlab: restoreCheckpoint: checkpoint.json fit.history['loss'] holds 3 values but fit.epoch says 2 epochs ran; it may hold at most one per epoch, got [0.5,0.4,0.3]");
    const r = restoreWith((f) => { (f.history as Json).val_loss = [0.7]; });
    expect(r.model.fitState?.history.val_loss).toEqual([0.7]);
    r.model.dispose();
  });

  test('fit.cut must name positions within the history, in order', () => {
    // A position past the history left a later epoch out of saveBestOnly's best, so a worse epoch's checkpoint replaced the best one.
    expect(() => restoreWith((f) => { f.cut = { loss: [2] }; }))
      .toThrow("actlab: restoreCheckpoint: checkpoint.json fit.cut['loss'] must list positions in fit.history['loss'] (integers below its length 2) in increasing order, got [2]");
    expect(() => restoreWith((f) => { f.cut = { val_loss: [0] }; }))
      .toThrow("actlab: restoreCheckpoint: checkpoint.json fit.cut['val_loss'] must list positions in fit.history['val_loss'] (which it lacks) in increasing order, got [0]");
    expect(() => restoreWith((f) => { f.cut = { loss: [1, 0] }; })).toThrow('in increasing order, got [1,0]');
    expect(() => restoreWith((f) => { f.cut = { loss: [0, 0] }; })).toThrow('in increasing order, got [0,0]');
    expect(() => restoreWith((f) => { f.cut = wrong<Json>(JSON.parse('{"__proto__": [0]}')); })).toThrow("checkpoint.json fit.cut['__proto__'] must list positions");
    // What fit writes loads as it was.
    const r = restoreWith((f) => { f.cut = { loss: [1], acc: [1] }; });
    expect(r.model.fitState?.cut).toEqual({ loss: [1], acc: [1] });
    r.model.dispose();
  });
});
