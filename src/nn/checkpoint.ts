// Training checkpoints: the model (tfjs LayersModel artifacts), the optimizer's state and
// where fit was (seed, next epoch, history), as one JSON document and one float32 blob.
// Restoring and calling fit({initialEpoch, seed}) continues bit for bit, because fit's
// randomness is keyed by (seed, epoch) and optimizer state is restored exactly.
import { tensor, type Tensor } from '../core/tensor.js';
import { artifactsOf, isObject, modelFromArtifacts, type CustomActivationFactory, type ModelJson } from './serialize.js';
import { adam, adamw, rmsprop, sgd, type LearningRate, type Optimizer, type OptimizerConfig } from './optimizers.js';
import { fromConfig } from './schedules.js';
import { resolveMetrics } from './metrics.js';
import type { Sequential } from './sequential.js';
import { resolveLoss, type LossName } from './losses.js';
import { checkName, clipText, terminalText } from '../core/text.js';
import { fileValue } from '../core/checks.js';

/** The JSON half of a checkpoint (checkpoint.json on disk, without its `data` file name). */
export interface CheckpointJson {
  /** Always 'actlab-checkpoint'. */
  readonly format: 'actlab-checkpoint';
  /** The format's version. */
  readonly version: 1;
  /** The model, as model.json. */
  readonly model: ModelJson;
  /** The compiled loss. */
  readonly loss: LossName;
  /** The compiled metrics, by the names compile() was given (older checkpoints: ['accuracy'] or []). */
  readonly metrics: readonly string[];
  /** The optimizer's class, config and the names and shapes of its state tensors. */
  readonly optimizer: {
    readonly className: string; readonly config: OptimizerConfig; readonly state: { name: string; shape: number[] }[];
    /** The exact step count (the state's float32 `iter` holds it only up to 2^24); absent in older checkpoints. */
    readonly iterations?: number;
  };
  /**
   * fit's seed, the next epoch to run (counted over every fit with that seed), the history so
   * far, and the batchSize and shuffle of the fit that ran the last epoch (absent in older
   * checkpoints, and in one of a model never fitted), and where the history holds the values
   * of epochs that stopTraining cut short (FitState's `cut`; absent when there are none).
   */
  readonly fit: {
    readonly seed: number; readonly epoch: number; readonly history: Record<string, number[]>; readonly batchSize?: number; readonly shuffle?: boolean;
    readonly cut?: Record<string, number[]>;
  };
  /** Float32 values: model weights (manifest order), then optimizer state (state order). */
  readonly dataBytes: number;
}

/** Where a model's fit is (Sequential.fitState): what a checkpoint's `fit` records. */
export interface FitState {
  /** The seed of the run's shuffles and dropout masks. */
  seed: number;
  /** The next epoch to run, counted over every fit with that seed. */
  epoch: number;
  /** The logs of those epochs, per key. */
  history: Record<string, number[]>;
  /** The batchSize of the fit that ran the last epoch (absent before a fit, and restored from an older checkpoint). */
  batchSize?: number;
  /** The shuffle of the fit that ran the last epoch (absent as batchSize is). */
  shuffle?: boolean;
  /**
   * The epochs that stopTraining cut short (their logs are in the history, but no checkpoint
   * was taken of them): for each key, the positions in `history[key]` of those epochs' values.
   * Absent when there are none. modelCheckpoint's saveBestOnly leaves those values out of the
   * best so far.
   */
  cut?: Record<string, number[]>;
}

/** The fit states restoreCheckpoint made: the model's next fit is a resume, which checkResume checks. A fit replaces the state, ending the check. */
const restoredStates = new WeakSet<FitState>();

/**
 * Refuses a fit that resumes a restored checkpoint's run with another seed, batchSize or
 * shuffle than the run recorded: it would not go on bit for bit, and with another seed not
 * even as the same stream (the history restarts). A fit with initialEpoch 0 starts a new run
 * and is not checked; `allow` (fit's allowResumeChanges) resumes anyway.
 */
export function checkResume(state: FitState | undefined, fit: {
  seed: number; seedGiven: boolean; batchSize: number; shuffle: boolean; initialEpoch: number | undefined; allow: unknown;
}): void {
  const allow = fit.allow ?? false;
  if (typeof allow !== 'boolean') throw new Error(`actlab: fit: allowResumeChanges must be true or false, got ${String(allow)}`);
  if (allow || state === undefined || !restoredStates.has(state) || state.epoch === 0 || fit.initialEpoch === 0) return;
  const changes: string[] = [];
  const had: string[] = [];
  if (fit.seed !== state.seed) {
    changes.push(`seed ${fit.seed}${fit.seedGiven ? '' : ' (the model\'s own: seed was left out)'} where the run had ${state.seed}`);
    had.push(`seed: ${state.seed}`);
  }
  if (state.batchSize !== undefined && fit.batchSize !== state.batchSize) {
    changes.push(`batchSize ${fit.batchSize} where it had ${state.batchSize}`);
    had.push(`batchSize: ${state.batchSize}`);
  }
  if (state.shuffle !== undefined && fit.shuffle !== state.shuffle) {
    changes.push(`shuffle ${fit.shuffle} where it had ${state.shuffle}`);
    had.push(`shuffle: ${state.shuffle}`);
  }
  if (changes.length === 0) return;
  throw new Error(`actlab: fit: this model was restored from a checkpoint after epoch ${state.epoch}, and this fit resumes it with ${changes.join(', ')}, ` +
    `so it would not go on as the uninterrupted run${fit.seed !== state.seed ? ' (another seed starts another stream of shuffles and masks, and the history again)' : ''}; ` +
    `pass ${had.join(', ')} as the run did, or allowResumeChanges: true to resume with the change, or initialEpoch: 0 to start a new run from these weights`);
}

/** A checkpoint in memory: model.checkpoint() makes one, restoreCheckpoint() reads one. */
export interface Checkpoint {
  /** The description. */
  readonly json: CheckpointJson;
  /** The float32 values the description lists (dataBytes bytes). */
  readonly data: ArrayBuffer;
}

/** The model, its optimizer and fit's position as a checkpoint (the model must be compiled). */
export function checkpointOf(model: Sequential): Checkpoint {
  const c = model.compiledConfig();
  const running = model.epochInProgress;
  if (running !== undefined) {
    // fitState.epoch is the running epoch's key: restored, fit would train its first batches again.
    throw new Error(`actlab: checkpoint: model '${model.name}' is in the middle of epoch ${running.epoch} of a running fit ` +
      `(${running.batches} batch(es) of it trained), and a checkpoint resumes at the start of an epoch, so those batches ` +
      'would be trained twice; take it between epochs (onEpochEnd, as modelCheckpoint does) or after fit returns');
  }
  const cut = model.epochCutShort;
  if (cut !== undefined) {
    // fitState.epoch already counts it as done: restored, fit would skip the batches it did not train.
    throw new Error(`actlab: checkpoint: model '${model.name}' stopped epoch ${cut.epoch} after ${cut.batches} of its ${cut.of} batches ` +
      '(stopTraining was set during the epoch), and a checkpoint resumes after a whole epoch, so the rest of that epoch would never be trained; ' +
      'resume from the checkpoint of the epoch before (modelCheckpoint keeps it), set stopTraining in onEpochEnd to stop between epochs, ' +
      'or save the weights alone with model.save()');
  }
  const { modelJson, weightData } = artifactsOf(model);
  const state = c.optimizer.getWeights();
  try {
    const stateFloats = state.reduce((s, w) => s + w.tensor.size, 0);
    const data = new Float32Array(weightData.byteLength / 4 + stateFloats);
    data.set(new Float32Array(weightData), 0);
    let off = weightData.byteLength / 4;
    for (const w of state) { data.set(w.tensor.dataSync(), off); off += w.tensor.size; }
    const fit: FitState = model.fitState ?? { seed: model.seed, epoch: 0, history: {} };
    return {
      json: {
        format: 'actlab-checkpoint', version: 1, model: modelJson, loss: c.loss, metrics: c.metrics,
        optimizer: {
          className: c.optimizer.className, config: c.optimizer.getConfig(),
          state: state.map((w) => ({ name: w.name, shape: [...w.tensor.shape] })), iterations: c.optimizer.iterations,
        },
        // A copy: later fits extend the model's history in place.
        fit: { seed: fit.seed, epoch: fit.epoch, history: copyHistory(fit.history), ...(fit.batchSize === undefined ? {} : { batchSize: fit.batchSize }), ...(fit.shuffle === undefined ? {} : { shuffle: fit.shuffle }), ...(fit.cut === undefined ? {} : { cut: copyHistory(fit.cut) }) },
        dataBytes: data.byteLength,
      },
      data: data.buffer,
    };
  } finally {
    for (const w of state) w.tensor.dispose();
  }
}

/** The keys of each optimizer class's getConfig(). */
const CLIP_KEYS = ['learningRate', 'clipnorm', 'globalClipnorm', 'clipvalue'];
const OPTIMIZER_KEYS: Readonly<Partial<Record<string, readonly string[]>>> = {
  SGD: [...CLIP_KEYS, 'momentum', 'nesterov'],
  Adam: [...CLIP_KEYS, 'beta1', 'beta2', 'epsilon'],
  AdamW: [...CLIP_KEYS, 'beta1', 'beta2', 'epsilon', 'weightDecay'],
  RMSprop: [...CLIP_KEYS, 'rho', 'momentum', 'epsilon', 'centered'],
};

/** A new optimizer (no state) from its class name and getConfig(), as checkpoints and saved training configs hold them. */
export function optimizerFrom(className: string, config: OptimizerConfig, where = 'restoreCheckpoint'): Optimizer {
  // An own key only: a class named 'toString' must reach the unknown-class error, not Object's method.
  const keys = Object.prototype.hasOwnProperty.call(OPTIMIZER_KEYS, className) ? OPTIMIZER_KEYS[className] : undefined;
  if (keys === undefined) throw new Error(`actlab: ${where}: unknown optimizer class ${fileValue(className)}; valid: SGD, Adam, AdamW, RMSprop`);
  // A key the class does not have (Keras's learning_rate, a misspelling) would be ignored, and
  // the model would train with that setting's default.
  for (const k of Object.keys(config)) {
    if (!keys.includes(k)) throw new Error(`actlab: ${where}: ${className} config has the unknown key ${fileValue(k)}; valid: ${keys.join(', ')}`);
  }
  const num = (k: string): number | undefined => {
    const v = config[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number') throw new Error(`actlab: ${where}: ${className} config '${k}' is ${fileValue(v)}; expected a number`);
    return v;
  };
  const flag = (k: string): boolean => {
    const v = config[k];
    if (v === undefined || v === null) return false;
    // A string 'true' (a hand-edited file) would otherwise turn the setting off.
    if (typeof v !== 'boolean') throw new Error(`actlab: ${where}: ${className} config '${k}' is ${fileValue(v)}; expected true or false`);
    return v;
  };
  const clip = { clipnorm: num('clipnorm'), globalClipnorm: num('globalClipnorm'), clipvalue: num('clipvalue') };
  const lr = config.learningRate;
  const args = {
    SGD: { momentum: num('momentum'), nesterov: flag('nesterov') },
    Adam: { beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon') },
    AdamW: { beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon'), weightDecay: num('weightDecay') },
    RMSprop: { rho: num('rho'), momentum: num('momentum'), epsilon: num('epsilon'), centered: flag('centered') },
  };
  const plainLr = typeof lr === 'object' && lr !== null ? undefined : num('learningRate');
  try {
    const saved: LearningRate | undefined = typeof lr === 'object' && lr !== null ? fromConfig(lr) : plainLr;
    // A callback may have held the rate at 0 (the setter allows it, a new optimizer does not):
    // build with the default and set the 0 afterwards, as the saved run had it.
    const learningRate = saved === 0 ? undefined : saved;
    const o = className === 'SGD' ? sgd({ learningRate, ...args.SGD, ...clip })
      : className === 'Adam' ? adam({ learningRate, ...args.Adam, ...clip })
        : className === 'AdamW' ? adamw({ learningRate, ...args.AdamW, ...clip })
          : rmsprop({ learningRate, ...args.RMSprop, ...clip });
    if (saved === 0) o.learningRate = 0;
    return o;
  } catch (e) {
    // The constructor's or the schedule's own message ('actlab: adam: learningRate = -1 is out
    // of range ...') would not say that the value came from a file.
    if (e instanceof Error && e.message.startsWith('actlab: ')) throw new Error(`actlab: ${where}: ${className} config: ${terminalText(e.message.slice(8))}`);
    throw e;
  }
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A log key of a file, quoted for an error message (control characters escaped, a long one cut). */
const keyText = (k: string): string => `'${clipText(k, 60)}'`;

/**
 * Checks the parts of checkpoint.json that restoreCheckpoint reads itself (the model is
 * checked by modelFromArtifacts, the optimizer's numbers by its constructor): a file edited or
 * cut short must fail with the field it lacks, not a TypeError, and must not resume with a
 * position fit cannot use.
 */
function checkJson(given: unknown): void {
  const bad = (what: string, v: unknown): Error =>
    new Error(`actlab: restoreCheckpoint: checkpoint.json ${what}, got ${fileValue(v)}`);
  if (!isObject(given)) throw bad('must be an object', given);
  const json = given;
  if (!isObject(json.model)) throw bad("'model' must be the model's model.json object", json.model);
  const o = json.optimizer;
  if (!isObject(o) || typeof o.className !== 'string' || !isObject(o.config) || !Array.isArray(o.state)) {
    throw bad("'optimizer' must be { className, config, state: [...] }", o);
  }
  for (const st of o.state) {
    if (!isObject(st) || typeof st.name !== 'string' || !Array.isArray(st.shape) || !st.shape.every(isCount)) {
      throw bad('optimizer state entries must be { name, shape } with a shape of integers >= 0', st);
    }
    // Quoted in the errors below: a name from the file must not act on the terminal (the
    // names fit writes are its variables', whose layer names checkName has passed).
    checkName('restoreCheckpoint: checkpoint.json optimizer state', st.name);
  }
  // Older checkpoints lack it; a string '2' failed as 'iter = 2 must be a non-negative integer'.
  if (o.iterations !== undefined && !isCount(o.iterations)) throw bad('optimizer.iterations must be an integer >= 0 when present', o.iterations);
  // A string '268' failed as 'the data has 268 bytes but the checkpoint says 268'.
  if (!isCount(json.dataBytes)) throw bad("'dataBytes' must be the data file's size in bytes, an integer >= 0", json.dataBytes);
  if (!Array.isArray(json.metrics) || !json.metrics.every((m) => typeof m === 'string')) throw bad("'metrics' must be a list of names", json.metrics);
  const f = json.fit;
  if (!isObject(f) || !isCount(f.seed) || !isCount(f.epoch) || !isObject(f.history)) {
    throw bad("'fit' must be { seed, epoch, history } with seed and epoch integers >= 0", f);
  }
  // Recorded since fit refuses a resume that changes them; older checkpoints lack them.
  if (f.batchSize !== undefined && !(isCount(f.batchSize) && f.batchSize > 0)) throw bad("fit.batchSize must be an integer >= 1 when present", f.batchSize);
  if (f.shuffle !== undefined && typeof f.shuffle !== 'boolean') throw bad('fit.shuffle must be true or false when present', f.shuffle);
  for (const [k, v] of Object.entries(f.history)) {
    // JSON writes a NaN loss as null.
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' || x === null)) throw bad(`fit.history[${keyText(k)}] must be a list of numbers`, v);
    // fit logs at most one value per key per epoch (a key a later fit or callback added has
    // fewer): a longer list is not this run's, and the resumed run would append to it.
    if (v.length > f.epoch) throw bad(`fit.history[${keyText(k)}] holds ${v.length} values but fit.epoch says ${f.epoch} epochs ran; it may hold at most one per epoch`, v);
  }
  if (f.cut !== undefined && !(isObject(f.cut) && Object.values(f.cut).every((v) => Array.isArray(v) && v.every(isCount)))) {
    throw bad('fit.cut must map log keys to lists of positions (integers >= 0) when present', f.cut);
  }
  const history = f.history;
  for (const [k, v] of Object.entries(f.cut ?? {})) {
    // saveBestOnly leaves the values at these positions out of the best so far: a position past
    // the history would leave out an epoch the resumed run logs there, and the checkpoint of a
    // worse epoch would replace the best one. fit writes them in order, one per cut epoch.
    const n = Object.prototype.hasOwnProperty.call(history, k) && Array.isArray(history[k]) ? history[k].length : 0;
    const positions = v as number[];
    if (!positions.every((p, i) => p < n && (i === 0 || p > positions[i - 1]))) {
      throw bad(`fit.cut[${keyText(k)}] must list positions in fit.history[${keyText(k)}] (${n === 0 ? 'which it lacks' : `integers below its length ${n}`}) in increasing order`, v);
    }
  }
}

/** Rebuilds model + optimizer from a checkpoint; returns the epoch fit should resume at. */
export function restoreCheckpoint(cp: Checkpoint, customObjects: Readonly<Record<string, CustomActivationFactory>> = {}):
  { model: Sequential; initialEpoch: number; seed: number; history: Record<string, number[]> } {
  const given: unknown = cp;
  if (!isObject(given)) throw new Error(`actlab: restoreCheckpoint: expected { json, data }, got ${given === null ? 'null' : typeof given}`);
  const { json, data } = cp;
  if (json?.format !== 'actlab-checkpoint' || json.version !== 1) {
    throw new Error(`actlab: restoreCheckpoint: not an actlab checkpoint (format ${fileValue(json?.format)}, version ${fileValue(json?.version)})`);
  }
  checkJson(json);
  if (!(data instanceof ArrayBuffer)) throw new Error(`actlab: restoreCheckpoint: the data must be an ArrayBuffer, got ${data === null ? 'null' : typeof data}`);
  if (data.byteLength !== json.dataBytes) {
    throw new Error(`actlab: restoreCheckpoint: the data has ${data.byteLength} bytes but the checkpoint says ${json.dataBytes}`);
  }
  if (data.byteLength % 4 !== 0) throw new Error(`actlab: restoreCheckpoint: the data has ${data.byteLength} bytes, not a whole number of float32 values`);
  const manifest: unknown = json.model.weightsManifest;
  const specs = Array.isArray(manifest) ? manifest.flatMap((g: unknown) => (isObject(g) && Array.isArray(g.weights) ? g.weights : [])) : [];
  const weightFloats = specs.reduce((n: number, w: unknown) => n + (isObject(w) && Array.isArray(w.shape) ? w.shape.reduce((a: number, b: unknown) => a * Number(b), 1) : 0), 0);
  const floats = new Float32Array(data);
  if (!(weightFloats <= floats.length)) {
    throw new Error(`actlab: restoreCheckpoint: the model's weights need ${weightFloats} floats but the data holds ${floats.length}`);
  }
  const model = modelFromArtifacts({ modelJson: json.model, weightData: floats.slice(0, weightFloats).buffer }, customObjects);
  const state: { name: string; tensor: Tensor }[] = [];
  let optimizer: Optimizer | undefined;
  try {
    optimizer = optimizerFrom(json.optimizer.className, json.optimizer.config, 'restoreCheckpoint: checkpoint.json optimizer');
    let off = weightFloats;
    for (const s of json.optimizer.state) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (off + n > floats.length) throw new Error(`actlab: restoreCheckpoint: optimizer state '${s.name}' runs past the end of the data`);
      state.push({ name: s.name, tensor: tensor(floats.subarray(off, off + n), s.shape) });
      off += n;
    }
    if (off !== floats.length) {
      throw new Error(`actlab: restoreCheckpoint: the data holds ${floats.length - off} floats past the model's weights and the optimizer state`);
    }
    // State for a variable the model does not have would be kept and never used, and the
    // model's own variable would restart from zero state: not the run that was saved.
    const shapes = new Map(model.weights.map((w) => [w.name, w.tensor.shape]));
    for (const s of state.slice(1)) {
      const slash = s.name.lastIndexOf('/');
      const variable = slash < 0 ? s.name : s.name.slice(0, slash);
      // A variable applyGradients was given without a name is keyed by its position ('0/m', a
      // custom training loop): there is no name to match, and the loop finds its state again.
      if (/^\d+$/.test(variable)) continue;
      const shape = shapes.get(variable);
      if (shape === undefined) {
        throw new Error(`actlab: restoreCheckpoint: optimizer state '${s.name}' is for '${variable}', which the model does not have (its weights: ${[...shapes.keys()].join(', ')})`);
      }
      if (shape.length !== s.tensor.shape.length || shape.some((d, i) => d !== s.tensor.shape[i])) {
        throw new Error(`actlab: restoreCheckpoint: optimizer state '${s.name}' has shape [${String(s.tensor.shape)}] but '${variable}' has [${String(shape)}]`);
      }
    }
    optimizer.setWeights(state, json.optimizer.iterations);
    const loss = resolveLoss('restoreCheckpoint: checkpoint.json', json.loss);
    const metrics = resolveMetrics('restoreCheckpoint: checkpoint.json metrics', json.metrics, loss === 'sparseCategoricalCrossentropy', loss).map((m) => m.name);
    model.compile({ optimizer, loss, metrics });
    const { seed, epoch, batchSize, shuffle, cut } = json.fit;
    model.fitState = {
      seed, epoch, history: copyHistory(json.fit.history), ...(batchSize === undefined ? {} : { batchSize }), ...(shuffle === undefined ? {} : { shuffle }),
      ...(cut === undefined ? {} : { cut: copyHistory(cut) }),
    };
    restoredStates.add(model.fitState);
    return { model, initialEpoch: json.fit.epoch, seed: json.fit.seed, history: json.fit.history };
  } catch (e) {
    // compile() is the last step that can throw; until it succeeds the model does not own the optimizer.
    optimizer?.dispose();
    model.dispose();
    throw e;
  } finally {
    for (const s of state) s.tensor.dispose();
  }
}

function copyHistory(h: Readonly<Record<string, readonly number[]>>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, [...v]]));
}
