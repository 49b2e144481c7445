// Models in the tfjs LayersModel format: model.json (Keras topology + weights manifest)
// and one weights.bin of little-endian float32s in manifest order. tf.loadLayersModel
// (tfjs-layers 4.22) reads what is written here; activations tf.js does not know are saved
// under actlab's own names and load back only in actlab. Node-free: the Node entry adds
// file reading and writing (saveModel / loadModel, and model.save(dir)).
import { rt } from '../core/wasm.js';
import { shapeText } from '../core/tensor.js';
import { describeValue, fileValue, setOwn } from '../core/checks.js';
import { checkName, terminalText } from '../core/text.js';
import { ACTIVATIONS } from '../activations/registry.js';
import { sameShape, type Layer, type Config } from './layer.js';
import { constant, INITIALIZER_NAMES, type Initializer } from './initializers.js';
import {
  Dense, Activation, Flatten, Dropout, PReLU, LearnableSwish, ScaledSwish, CustomActivation, Conv2D, MaxPooling2D, AveragePooling2D,
  type ActivationSpec, type CustomActivationArgs,
} from './layers.js';
import { Sequential } from './sequential.js';
import { resolveLoss, type LossName } from './losses.js';
import { resolveMetrics } from './metrics.js';
import { optimizerFrom } from './checkpoint.js';
import type { OptimizerConfig } from './optimizers.js';

/** One weight's entry in model.json's manifest. */
export interface WeightSpec {
  /** `<layer>/<weight>`, e.g. `dense/kernel`. */
  readonly name: string;
  /** Its shape (Keras layout). */
  readonly shape: number[];
  /** Always float32: actlab writes and reads no other. */
  readonly dtype: 'float32';
}

/** model.json as tfjs writes it. */
export interface ModelJson {
  /** Always 'layers-model'. */
  readonly format: 'layers-model';
  /** The writer, e.g. 'actlab 0.1.0' or 'TensorFlow.js tfjs-layers v4.22.0'. */
  readonly generatedBy: string;
  /** null: no converter was involved. */
  readonly convertedBy: null;
  /** The Keras model config: a Sequential and its layers' configs. */
  readonly modelTopology: {
    readonly class_name: 'Sequential';
    readonly config: { readonly name: string; readonly layers: { class_name: string; config: Config }[] };
    readonly keras_version: string;
    readonly backend: string;
  };
  /** Groups of weight files (paths, relative to model.json) and the weights they hold, in data order. */
  readonly weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  /** actlab's own additions (seed, and the training config of a compiled model), ignored by tf.js. */
  readonly actlab?: { readonly seed: number; readonly training?: TrainingJson };
}

/**
 * A compiled model's training config, saved with it (model.json's `actlab.training`): the
 * loss, the metrics by the names compile() was given, and the optimizer's class and
 * getConfig(). loadModel compiles the model with them and a new optimizer, whose state
 * (moments, step count) starts afresh: a checkpoint holds that. It is not tf.js's
 * `trainingConfig`, which tf.js would try to load and which has no place for metrics tf.js
 * lacks (recall) or actlab's optimizer settings (schedules).
 */
export interface TrainingJson {
  /** The compiled loss (canonical name). */
  readonly loss: LossName;
  /** The compiled metrics, by the names compile() was given. */
  readonly metrics: readonly string[];
  /** The optimizer's class name and config. */
  readonly optimizer: { readonly className: string; readonly config: OptimizerConfig };
}

/** A saved model in memory: model.json's content and the bytes of the weights file(s) it names. */
export interface ModelArtifacts {
  /** model.json as written by modelToArtifacts or tf.js. */
  readonly modelJson: ModelJson;
  /** The float32 weights in manifest order (modelFromArtifacts also takes a list of buffers, joined in order). */
  readonly weightData: ArrayBuffer;
}

/**
 * tf.js's own in-memory form, as its tf.io handlers pass it to a loader: the topology and the
 * weight specs already read out of model.json.
 */
export interface TfjsModelArtifacts {
  /** model.json's `modelTopology`. */
  readonly modelTopology: object;
  /** The manifest's weight entries, in data order. */
  readonly weightSpecs?: readonly { readonly name: string; readonly shape: readonly number[]; readonly dtype?: string }[];
  /** The weight bytes: one buffer, or a list joined in order. */
  readonly weightData: ArrayBuffer | readonly ArrayBuffer[];
}

const INIT_CLASS: Record<string, string> = {
  glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heNormal: 'HeNormal', heUniform: 'HeUniform',
  lecunNormal: 'LeCunNormal', lecunUniform: 'LeCunUniform', zeros: 'Zeros', ones: 'Ones', constant: 'Constant',
};
// Keras spells LecunNormal; tf.js writes LeCunNormal (and reads only that).
const INIT_NAME = new Map<string, string>([
  ...Object.entries(INIT_CLASS).map(([k, v]): [string, string] => [v, k]), ['LecunNormal', 'lecunNormal'], ['LecunUniform', 'lecunUniform'],
]);

/**
 * tf.js (and Keras) save Glorot, He and LeCun as VarianceScaling with their scale, mode and
 * distribution; this finds actlab's name for one of those six.
 */
function varianceScalingName(config: unknown): string | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const c: Record<string, unknown> = { ...config };
  const normal = c.distribution === 'normal' || c.distribution === 'truncated_normal' || c.distribution === 'truncatedNormal';
  const uniform = c.distribution === 'uniform';
  if (!normal && !uniform) return undefined;
  const kind = c.scale === 1 && c.mode === 'fan_avg' ? 'glorot' : c.scale === 2 && c.mode === 'fan_in' ? 'he' : c.scale === 1 && c.mode === 'fan_in' ? 'lecun' : undefined;
  return kind === undefined ? undefined : `${kind}${normal ? 'Normal' : 'Uniform'}`;
}

function initConfig(name: unknown): unknown {
  return typeof name === 'string' && INIT_CLASS[name] ? { class_name: INIT_CLASS[name], config: {} } : name;
}

/**
 * The initializer a saved layer names. Loading sets every weight from the file, so an
 * initializer actlab does not have (RandomNormal, Orthogonal, a VarianceScaling other than
 * the six above) only affects a later re-initialization: the layer then gets its default.
 */
function initFromConfig(v: unknown, where: string): Initializer | string | undefined {
  if (v === undefined || v === null) return undefined;
  // A name actlab lacks (a user's own initializer, varianceScaling with its options) gets the default too.
  if (typeof v === 'string') return INITIALIZER_NAMES.includes(v.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())) ? v : undefined;
  if (typeof v === 'object' && 'class_name' in v && typeof v.class_name === 'string') {
    if (v.class_name === 'VarianceScaling') return varianceScalingName('config' in v ? v.config : undefined);
    if (v.class_name === 'Constant') {
      // Keras and tf.js write { value }; a file without one (actlab's before 2026-12-08) gets the default.
      const value = 'config' in v && isObject(v.config) ? v.config.value : undefined;
      return typeof value === 'number' && Number.isFinite(Math.fround(value)) ? constant({ value }) : undefined;
    }
    return INIT_NAME.get(v.class_name);
  }
  throw new Error(`actlab: loadModel: ${where}: unreadable initializer ${JSON.stringify(v)}`);
}

/** Keras layer config: initializers as {class_name, config}, the first layer's batch_input_shape. */
function layerConfig(layer: Layer, first: boolean): Config {
  const c: Config = { ...layer.getConfig() };
  for (const k of ['kernel_initializer', 'bias_initializer', 'alpha_initializer']) if (k in c) c[k] = initConfig(c[k]);
  if (layer instanceof PReLU) {
    const rank = layer.inputShape?.length ?? 1;
    // Keras keeps alpha per input element unless axes are shared: per channel = all but the last.
    c.shared_axes = rank > 1 ? Array.from({ length: rank - 1 }, (_, i) => i + 1) : null;
  }
  if (first) c.batch_input_shape = [null, ...(layer.inputShape ?? [])];
  c.dtype = 'float32';
  return c;
}

/** Keras-format weight shape (PReLU's alpha keeps singleton shared axes). */
function savedShape(layer: Layer, shape: readonly number[]): number[] {
  if (layer instanceof PReLU && (layer.inputShape?.length ?? 1) > 1) {
    return [...Array.from({ length: (layer.inputShape?.length ?? 1) - 1 }, () => 1), ...shape];
  }
  return [...shape];
}

/**
 * Why a saved PReLU's alpha does not fit: Keras and tf.js keep one alpha per input element
 * unless `shared_axes` says otherwise (their default after a conv layer), actlab one per channel.
 */
function preluAxesHint(layer: PReLU, config: Config | undefined): string {
  const rank = layer.inputShape?.length ?? 1;
  const perChannel = rank > 1 ? `[${Array.from({ length: rank - 1 }, (_, i) => i + 1).join(', ')}]` : 'null';
  return `: actlab's PReLU has one alpha per channel (the last axis), which Keras and tf.js write as shared_axes ${perChannel} ` +
    `for this layer's input [null, ${(layer.inputShape ?? []).join(', ')}]; the file's shared_axes is ${JSON.stringify(config?.shared_axes ?? null)}` +
    `${rank > 1 && (config?.shared_axes ?? null) === null ? ' (one alpha per element, their default)' : ''}. ` +
    `Train the model with PReLU(shared_axes=${perChannel === 'null' ? 'None' : perChannel}) in Keras (sharedAxes in tf.js) to load it here`;
}

function trainingOf(model: Sequential): TrainingJson {
  const c = model.compiledConfig();
  return { loss: c.loss, metrics: c.metrics, optimizer: { className: c.optimizer.className, config: c.optimizer.getConfig() } };
}

/** Compiles a loaded model with its saved training config (checked field by field: a file may have been edited). */
function compileFrom(model: Sequential, given: unknown): void {
  const bad = (what: string, v: unknown): Error => new Error(`actlab: loadModel: model.json's actlab.training ${what}, got ${fileValue(v)}`);
  if (!isObject(given)) throw bad('must be { loss, metrics, optimizer }', given);
  // Checked here, so that a bad name is a loadModel error (compile's would name compile) and an
  // alias a file may hold by hand ('mse') tells the metrics the labels it takes.
  const loss = resolveLoss("loadModel: model.json's actlab.training", given.loss);
  const o = given.optimizer;
  if (!isObject(o) || typeof o.className !== 'string' || !isObject(o.config)) throw bad("'optimizer' must be { className, config }", o);
  const metrics = resolveMetrics("loadModel: model.json's actlab.training.metrics", given.metrics, loss === 'sparseCategoricalCrossentropy', loss).map((m) => m.name);
  const optimizer = optimizerFrom(o.className, o.config as OptimizerConfig, "loadModel: model.json's actlab.training.optimizer");
  try {
    model.compile({ optimizer, loss, metrics });
  } catch (e) {
    optimizer.dispose();
    throw e;
  }
}

/**
 * The names tf.js 4.22 gives its tensors (`isValidTensorName`): every layer's name is one
 * (a layer's output, its weights `<layer>/kernel`, the first layer's input `<layer>_input`),
 * and `tf.loadLayersModel` fails with "Not a valid tensor name" on any other.
 */
const TFJS_TENSOR_NAME = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

/** The names modelToArtifacts has warned about, per model: a model saved every epoch warns once (again after a layer is added). */
const warnedNames = new WeakMap<Sequential, string>();

/**
 * The model as tfjs LayersModel artifacts (model.json content and the weight bytes); a
 * compiled model's loss, metrics and optimizer settings go into model.json's `actlab.training`.
 * A layer name tf.js 4.22 refuses (anything but ASCII letters, digits and `-._/`, or one that starts
 * with other than a letter or digit: a space, `β`, `日本`, `_x`, `a:b`) is warned about once
 * per model (and again when a layer added later brings another): actlab loads the file,
 * `tf.loadLayersModel` does not.
 */
export function modelToArtifacts(model: Sequential, weightsPath = 'weights.bin'): ModelArtifacts {
  const artifacts = artifactsOf(model, weightsPath);
  const bad = model.layers.filter((l) => !TFJS_TENSOR_NAME.test(l.name));
  const names = bad.map((l) => `'${terminalText(l.name)}'`).join(', ');
  if (bad.length > 0 && warnedNames.get(model) !== names) {
    warnedNames.set(model, names);
    console.warn(`actlab: save: model '${terminalText(model.name)}' has layer name(s) ${names} ` +
      'that tf.js refuses (tf.loadLayersModel fails with "Not a valid tensor name"): actlab loads the file, tf.js does not; ' +
      'for a file tf.js reads, name layers with ASCII letters, digits, -, ., _ and /, starting with a letter or digit');
  }
  return artifacts;
}

/** modelToArtifacts without the warning about names tf.js refuses (checkpoints, which actlab alone reads). */
export function artifactsOf(model: Sequential, weightsPath = 'weights.bin'): ModelArtifacts {
  if (!(model instanceof Sequential)) {
    const given: unknown = model;
    // A model from another copy of actlab has a model's shape but is not this copy's class.
    const named = typeof given === 'object' && given !== null && 'layers' in given && Array.isArray(given.layers);
    throw new Error(named
      ? 'actlab: save: expected a Sequential model made by this copy of actlab; two copies loaded in one process ' +
        '(e.g. a bundled one beside the installed package) keep two Wasm memories, and one cannot read the other\'s weights'
      : `actlab: save: expected a Sequential model, got ${describeValue(given)}`);
  }
  const specs: WeightSpec[] = [];
  let bytes = 0;
  for (const l of model.layers) for (const w of l.weights) {
    specs.push({ name: w.name, shape: savedShape(l, w.tensor.shape), dtype: 'float32' });
    bytes += w.tensor.size * 4;
  }
  const data = new Float32Array(bytes / 4);
  let off = 0;
  for (const w of model.weights) {
    data.set(rt().heap.f32(w.tensor.ptr, w.tensor.size), off);
    off += w.tensor.size;
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'actlab 0.1.0',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: model.name, layers: model.layers.map((l, i) => ({ class_name: l.className, config: layerConfig(l, i === 0) })) },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [weightsPath], weights: specs }],
      actlab: model.isCompiled ? { seed: model.seed, training: trainingOf(model) } : { seed: model.seed },
    },
    weightData: data.buffer,
  };
}

/**
 * A user-defined activation layer's factory, for loading models that contain it: it gets the
 * saved layer config (the params are numbers there) and returns fn and params; the class
 * name it was registered under is used, so it need not repeat it.
 */
export type CustomActivationFactory = (config: Config) => Omit<CustomActivationArgs, 'className'> & { className?: string };

const KERAS_ACTIVATIONS = new Map(ACTIVATIONS.filter((a) => a.keras).map((a) => [a.keras ?? '', a.name]));

/** Whose conventions a model file follows, where names mean different functions. */
interface Dialect {
  /** Written by actlab: a bare 'hardSigmoid' is the registry default (files before 2026-12-07). */
  readonly actlab: boolean;
  /** Keras 3: 'hard_sigmoid' is x/6 + 1/2; tf.js and Keras 2 mean 0.2 x + 0.5. */
  readonly keras3: boolean;
}

const TFJS_HARD_SIGMOID: ActivationSpec = { name: 'hardSigmoid', params: { slope: 0.2, offset: 0.5 } };

function activationFrom(v: unknown, where: string, dialect: Dialect): ActivationSpec | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    if (v === 'hard_sigmoid') return dialect.keras3 ? { name: 'hardSigmoid' } : TFJS_HARD_SIGMOID;
    if (v === 'hardSigmoid' && !dialect.actlab) return TFJS_HARD_SIGMOID;
    return { name: KERAS_ACTIVATIONS.get(v) ?? v };
  }
  if (typeof v === 'object' && 'class_name' in v && typeof v.class_name === 'string') {
    const cfg = 'config' in v && v.config !== null && typeof v.config === 'object' ? v.config : {};
    const params: Record<string, number> = {};
    const own = v.class_name.startsWith('actlab:');
    for (const [k, x] of Object.entries(cfg)) {
      if (typeof x === 'number') setOwn(params, k, x);
      // actlab writes numbers only: another value would be dropped and the default used instead.
      else if (own) throw new Error(`actlab: loadModel: ${where}: activation ${v.class_name} parameter '${k}' must be a number, got ${JSON.stringify(x)}`);
    }
    const name = own ? v.class_name.slice('actlab:'.length) : v.class_name;
    return { name: KERAS_ACTIVATIONS.get(name) ?? name, params };
  }
  throw new Error(`actlab: loadModel: ${where}: unreadable activation ${JSON.stringify(v)}`);
}

const num = (c: Config, k: string, where: string): number => {
  const v = c[k];
  if (typeof v !== 'number') throw new Error(`actlab: loadModel: ${where}: '${k}' must be a number, got ${JSON.stringify(v)}`);
  return v;
};
const missing = (k: string, where: string): never => { throw new Error(`actlab: loadModel: ${where}: '${k}' is missing`); };
/** A saved flag: absent means the default; a string like "false" would read as true. */
const boolOf = (c: Config, k: string, where: string): boolean | undefined => {
  const v = c[k];
  if (v === undefined || v === null || typeof v === 'boolean') return v ?? undefined;
  throw new Error(`actlab: loadModel: ${where}: '${k}' must be true or false, got ${JSON.stringify(v)}`);
};
const pairOf = (c: Config, k: string, where: string): [number, number] | undefined => {
  const v = c[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  throw new Error(`actlab: loadModel: ${where}: '${k}' must be a number or a pair, got ${JSON.stringify(v)}`);
};
/** Keras's padding; any other value would silently become 'valid' and change the output shape. */
const paddingOf = (c: Config, where: string): 'valid' | 'same' | undefined => {
  if (c.padding === undefined || c.padding === null) return undefined;
  if (c.padding === 'same' || c.padding === 'valid') return c.padding;
  throw new Error(`actlab: loadModel: ${where}: padding must be 'valid' or 'same', got ${JSON.stringify(c.padding)}`);
};
/** channels_first would be read as channels_last: another layout, silently. */
const channelsLast = (c: Config, where: string): void => {
  if (c.data_format !== undefined && c.data_format !== null && c.data_format !== 'channels_last') {
    throw new Error(`actlab: loadModel: ${where}: data_format ${JSON.stringify(c.data_format)} is not supported; actlab reads channels_last only`);
  }
};
/** The saved batch_input_shape: a batch axis (null or a number), then positive integer dimensions. */
function batchInputShapeOf(c: Config, where: string): (number | null)[] | undefined {
  const v = c.batch_input_shape;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length < 2 || v.slice(1).some((d) => !Number.isInteger(d) || (d as number) < 1)) {
    throw new Error(`actlab: loadModel: ${where}: batch_input_shape must be [batch, ...dimensions] with positive integer dimensions ` +
      `(actlab models have a fixed input shape), got ${JSON.stringify(v)}`);
  }
  return v.map((d: unknown, i) => (i === 0 && typeof d !== 'number' ? null : (d as number)));
}

/**
 * Keras/tf.js fields with no actlab counterpart that change training, not inference: a
 * regularizer adds to the loss tf.js and Keras minimise, a constraint projects Keras's weights
 * after each step, noise_shape shares dropout masks. The model loads (predict and evaluate
 * are those of the file) and `fit` refuses it, naming the field (Layer.trainingCaveat).
 */
const TRAINING_ONLY = ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'alpha_regularizer',
  'kernel_constraint', 'bias_constraint', 'alpha_constraint', 'noise_shape'];
function trainingCaveat(c: Config, where: string): string | undefined {
  const set = TRAINING_ONLY.filter((k) => c[k] !== undefined && c[k] !== null);
  if (set.length === 0) return undefined;
  return `${where} was loaded with ${set.map((k) => `'${k}' = ${JSON.stringify(c[k])}`).join(', ')}, which actlab does not have, ` +
    'so training would not do what the file asks; set it to null in model.json to train without it';
}

/** Keras 3's grouped convolution has a [kh, kw, cin / groups, filters] kernel and another output: refused at load. */
function checkGroups(c: Config, where: string): void {
  if (c.groups !== undefined && c.groups !== null && c.groups !== 1) {
    throw new Error(`actlab: loadModel: ${where}: groups = ${JSON.stringify(c.groups)} is not supported; actlab's conv2d has groups 1`);
  }
}

const BUILT_IN = ['Dense', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'Flatten', 'Dropout', 'Activation', 'PReLU', 'LearnableSwish', 'ScaledSwish', 'InputLayer'];

/** How load errors name a layer of model.json. */
function layerWhere(className: string, c: Config): string {
  return typeof c.name === 'string' ? `layer '${c.name}' (${className})` : `an unnamed ${className} layer`;
}

function buildLayer(className: string, c: Config, custom: Readonly<Record<string, CustomActivationFactory>>, dialect: Dialect): Layer {
  // Before the name is quoted in any message below.
  if (typeof c.name === 'string') checkName(`loadModel: a ${terminalText(className)} layer`, c.name);
  const where = layerWhere(className, c);
  const base = {
    name: typeof c.name === 'string' ? c.name : undefined,
    trainable: boolOf(c, 'trainable', where),
    batchInputShape: batchInputShapeOf(c, where),
  };
  checkGroups(c, where);
  switch (className) {
    case 'Dense':
      return new Dense({
        ...base, units: num(c, 'units', where), activation: activationFrom(c.activation, where, dialect), useBias: boolOf(c, 'use_bias', where) ?? true,
        kernelInitializer: initFromConfig(c.kernel_initializer, where), biasInitializer: initFromConfig(c.bias_initializer, where),
      });
    case 'Conv2D':
      channelsLast(c, where);
      return new Conv2D({
        ...base, filters: num(c, 'filters', where), kernelSize: pairOf(c, 'kernel_size', where) ?? missing('kernel_size', where), strides: pairOf(c, 'strides', where),
        padding: paddingOf(c, where), dilationRate: pairOf(c, 'dilation_rate', where), activation: activationFrom(c.activation, where, dialect),
        useBias: boolOf(c, 'use_bias', where) ?? true, kernelInitializer: initFromConfig(c.kernel_initializer, where), biasInitializer: initFromConfig(c.bias_initializer, where),
      });
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      channelsLast(c, where);
      const args = { ...base, poolSize: pairOf(c, 'pool_size', where), strides: pairOf(c, 'strides', where), padding: paddingOf(c, where) };
      return className === 'MaxPooling2D' ? new MaxPooling2D(args) : new AveragePooling2D(args);
    }
    case 'Flatten': channelsLast(c, where); return new Flatten(base);
    case 'Dropout': return new Dropout({ ...base, rate: num(c, 'rate', where), seed: c.seed === undefined || c.seed === null ? undefined : num(c, 'seed', where) });
    case 'Activation': {
      const a = activationFrom(c.activation, where, dialect);
      if (a === undefined) throw new Error(`actlab: loadModel: ${where}: missing activation`);
      return new Activation({ ...base, activation: a });
    }
    case 'PReLU': return new PReLU({ ...base, alphaInitializer: initFromConfig(c.alpha_initializer, where) });
    case 'LearnableSwish': return new LearnableSwish({ ...base, beta: typeof c.beta === 'number' ? c.beta : undefined });
    case 'ScaledSwish': return new ScaledSwish({ ...base, alpha: typeof c.alpha === 'number' ? c.alpha : undefined, beta: typeof c.beta === 'number' ? c.beta : undefined });
    default: {
      // An own property only: a class named 'toString' or '__proto__' must not find Object.prototype's.
      const factory: unknown = isObject(custom) && Object.prototype.hasOwnProperty.call(custom, className) ? custom[className] : undefined;
      if (factory === undefined) {
        throw new Error(`actlab: loadModel: unknown layer class '${className}': actlab has ${BUILT_IN.join(', ')}; ` +
          "a layer made with customActivation({ className, ... }) loads with its factory in customObjects");
      }
      if (typeof factory !== 'function') {
        throw new Error(`actlab: loadModel: customObjects['${className}'] must be a factory (config) => ({ fn, params }), got ${describeValue(factory)}`);
      }
      const made: unknown = factory(c);
      if (!isObject(made)) {
        throw new Error(`actlab: loadModel: the customObjects factory for '${className}' must return { fn, params }, got ${describeValue(made)}`);
      }
      return new CustomActivation({ ...(made as ReturnType<CustomActivationFactory>), ...base, className });
    }
  }
}


/** @internal A plain object (not null, not an array): what a JSON object parses to. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A saved batch shape without its batch axis (the value itself when it is not a list). */
const dimsOf = (v: unknown): unknown => (Array.isArray(v) ? v.slice(1) : v);

/** One saved layer, checked: its class and config. */
interface SavedLayer { readonly className: string; readonly config: Config }

/**
 * The layers of a Sequential topology in the forms tf.js and Keras write: {class_name,
 * config: {name, layers}}, the Keras 2 list form (config is the layer list), and the
 * converter's wrapper ({model_config: ...}). An InputLayer becomes the next layer's input shape.
 */
function sequentialLayers(topology: unknown): { name: string | undefined; layers: SavedLayer[]; kerasVersion: unknown } {
  const outer = isObject(topology) ? topology : {};
  const topo = isObject(outer.model_config) ? outer.model_config : outer;
  const config = topo.config;
  const list = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (topo.class_name !== 'Sequential' || !Array.isArray(list)) {
    const what = topo.class_name === 'Sequential' ? 'a Sequential whose config has no layer list' : typeof topo.class_name === 'string' ? `class '${terminalText(topo.class_name)}'` : `class_name ${fileValue(topo.class_name)}`;
    throw new Error(`actlab: loadModel: model.json must hold a Sequential modelTopology (actlab builds Sequential models only), got ${what}`);
  }
  const layers: SavedLayer[] = [];
  let inputShape: unknown;
  list.forEach((l: unknown, i: number) => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) {
      throw new Error(`actlab: loadModel: layer ${i} of model.json must be {class_name, config}, got ${JSON.stringify(l)}`);
    }
    if (l.class_name === 'InputLayer') {
      // Keras writes it first, to give the model's input shape; anywhere else it would be ignored or contradict a layer.
      if (i !== 0) throw new Error(`actlab: loadModel: layer ${i} is an InputLayer; a Sequential model has one, first`);
      inputShape = l.config.batch_input_shape ?? l.config.batch_shape;
      return;
    }
    const config: Config = { ...l.config };
    if (inputShape !== undefined && config.batch_input_shape === undefined) config.batch_input_shape = inputShape;
    // The batch axis may differ (Keras 2 wrote a fixed batch in one and null in the other); the dimensions may not.
    else if (inputShape !== undefined && JSON.stringify(dimsOf(inputShape)) !== JSON.stringify(dimsOf(config.batch_input_shape))) {
      throw new Error(`actlab: loadModel: layer ${i} has batch_input_shape ${JSON.stringify(config.batch_input_shape)} but the InputLayer before it gives ${JSON.stringify(inputShape)}`);
    }
    inputShape = undefined;
    layers.push({ className: l.class_name, config });
  });
  return { name: isObject(config) && typeof config.name === 'string' ? config.name : undefined, layers, kerasVersion: outer.keras_version ?? topo.keras_version };
}

/** The manifest's weight entries, checked: a name, a shape, float32 and not quantized. */
function manifestWeights(manifest: unknown): { name: string; shape: number[] }[] {
  if (manifest === undefined || manifest === null) return [];
  if (!Array.isArray(manifest)) throw new Error('actlab: loadModel: weightsManifest must be a list of {paths, weights} groups');
  return manifest.flatMap((g: unknown, gi: number) => {
    if (!isObject(g) || !Array.isArray(g.weights)) throw new Error(`actlab: loadModel: weightsManifest group ${gi} has no weights list`);
    return g.weights.map((w: unknown) => {
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new Error(`actlab: loadModel: a manifest weight must have a name and a shape of integers, got ${JSON.stringify(w)}`);
      }
      if (w.quantization !== undefined && w.quantization !== null) {
        throw new Error(`actlab: loadModel: weight '${w.name}' is quantized (${JSON.stringify(w.quantization)}); actlab loads float32 weights only: save the model without quantization`);
      }
      if (w.dtype !== undefined && w.dtype !== 'float32') {
        throw new Error(`actlab: loadModel: weight '${w.name}' has dtype ${typeof w.dtype === 'string' ? terminalText(w.dtype) : fileValue(w.dtype)}; actlab loads float32 weights only`);
      }
      return { name: w.name, shape: w.shape.map(Number) };
    });
  });
}

/** The weight bytes as one buffer (tf.js allows a list of buffers). */
function weightBytes(data: unknown): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (Array.isArray(data) && data.every((b) => b instanceof ArrayBuffer)) {
    const out = new Uint8Array(data.reduce((n: number, b: ArrayBuffer) => n + b.byteLength, 0));
    let off = 0;
    for (const b of data) { out.set(new Uint8Array(b), off); off += b.byteLength; }
    return out.buffer;
  }
  const view = ArrayBuffer.isView(data);
  throw new Error(`actlab: loadModel: the weight data must be an ArrayBuffer (or a list of them), got ${describeValue(data)}` +
    (view ? '; pass an ArrayBuffer of exactly the weight bytes, e.g. bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) ' +
      '(a view\'s .buffer may hold more than its bytes: Node\'s readFile results share a larger pool)' : ''));
}

/**
 * Rebuilds a Sequential from artifacts: actlab's { modelJson, weightData } or tf.js's own
 * ({ modelTopology, weightSpecs, weightData }, as tf.io handlers pass them). Every weight of
 * the model must appear in the manifest by name (in any order) with its shape, and the data
 * must have exactly the manifest's bytes. A model saved after compile() comes back compiled
 * with its loss, metrics and optimizer settings, and a new optimizer's state (as Keras's load_model).
 */
export function modelFromArtifacts(artifacts: ModelArtifacts | TfjsModelArtifacts, customObjects: Readonly<Record<string, CustomActivationFactory>> = {}): Sequential {
  const given: unknown = artifacts;
  if (!isObject(given)) throw new Error(`actlab: loadModel: expected artifacts { modelJson, weightData }, got ${JSON.stringify(given)}`);
  if (typeof given.modelJson === 'string') {
    throw new Error('actlab: loadModel: modelJson is a string; pass the parsed object: JSON.parse(text) (or (await fetch(url)).json())');
  }
  const json: Record<string, unknown> = isObject(given.modelJson) ? given.modelJson
    : 'modelTopology' in given ? { modelTopology: given.modelTopology, weightsManifest: [{ paths: [], weights: given.weightSpecs ?? [] }] }
      : {};
  if (!('modelTopology' in json)) throw new Error('actlab: loadModel: model.json has no modelTopology (expected a tfjs layers-model file)');
  const { name, layers, kerasVersion } = sequentialLayers(json.modelTopology);
  if (typeof name === 'string') checkName('loadModel: the model', name);
  const dialect: Dialect = {
    actlab: typeof json.generatedBy === 'string' && json.generatedBy.startsWith('actlab'),
    keras3: typeof kerasVersion === 'string' && kerasVersion.startsWith('3.'),
  };
  const specs = manifestWeights(json.weightsManifest);
  const data = weightBytes(given.weightData);
  // actlab's own field (tf.js files lack it): a seed of the wrong type loaded as seed 0, and an
  // `actlab` that is not an object dropped the training config without a word.
  const own = json.actlab ?? undefined;
  if (own !== undefined && !isObject(own)) throw new Error(`actlab: loadModel: model.json's actlab must be { seed, training }, got ${fileValue(own)}`);
  const seed = own?.seed ?? 0;
  if (!(Number.isSafeInteger(seed) && typeof seed === 'number' && seed >= 0)) {
    throw new Error(`actlab: loadModel: model.json's actlab.seed must be an integer in [0, 2^53), got ${fileValue(seed)}`);
  }
  const names = (ws: readonly { name: string }[]): string => ws.map((w) => w.name).join(', ') || 'none';
  // The manifest and the data are checked before any layer is built: building allocates the
  // weights the config asks for, so a wrong file must be refused first.
  const expectedBytes = specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (data.byteLength !== expectedBytes) {
    const groups: unknown = json.weightsManifest;
    const files = Array.isArray(groups) ? groups.flatMap((g: unknown) => (isObject(g) && Array.isArray(g.paths) ? g.paths.filter((p) => typeof p === 'string') : [])) : [];
    throw new Error(`actlab: loadModel: ${files.length > 0 ? files.join(' + ') : 'the weight data'} has ${data.byteLength} bytes but the manifest needs ${expectedBytes}`);
  }
  // Where each manifest entry's floats start: the data holds them in manifest order.
  const offsets = new Map<string, { start: number; shape: number[] }>();
  let off = 0;
  for (const sp of specs) {
    if (offsets.has(sp.name)) throw new Error(`actlab: loadModel: the manifest names weight '${sp.name}' twice`);
    offsets.set(sp.name, { start: off, shape: sp.shape });
    off += sp.shape.reduce((a, b) => a * b, 1);
  }
  // Each weight is found by name, and its shape must be the one modelToArtifacts writes:
  // equal sizes are not enough (a transposed kernel has them).
  const specOf = (l: Layer, weight: string, shape: readonly number[], config?: Config): { start: number; shape: number[] } => {
    const at = offsets.get(weight);
    if (at === undefined) throw new Error(`actlab: loadModel: the manifest has no weight '${weight}' (it lists ${names(specs)})`);
    const saved = savedShape(l, shape);
    if (!sameShape(at.shape, saved)) {
      throw new Error(`actlab: loadModel: weight '${weight}' has shape [${String(at.shape)}] in the manifest but needs ${shapeText(saved)}` +
        (l instanceof PReLU ? preluAxesHint(l, config) : ''));
    }
    return at;
  };
  const model = new Sequential({ name: name === '' ? undefined : name, seed });   // an empty name (a hand-edited file) loads as 'sequential'
  try {
    for (const l of layers) {
      const layer = buildLayer(l.className, l.config, customObjects, dialect);
      layer.trainingCaveat = trainingCaveat(l.config, layerWhere(l.className, l.config));
      layer.weightCheck = (weight, shape) => { specOf(layer, weight, shape, l.config); };
      try {
        model.add(layer);
      } catch (e) {
        if (!model.layers.includes(layer)) layer.dispose();
        throw e;
      } finally {
        layer.weightCheck = undefined;
      }
    }
    const weights = model.weights;
    if (specs.length !== weights.length) {
      const lost = specs.filter((sp) => !weights.some((w) => w.name === sp.name)).map((sp) => sp.name);
      throw new Error(`actlab: loadModel: the manifest lists ${specs.length} weights (${names(specs)}) but the model built from ` +
        `model.json has ${weights.length} (${names(weights)})` +
        (lost.length > 0 ? `; missing: ${lost.join(', ')} (a customObjects factory must return the layer's params, e.g. (config) => ({ fn, params: { beta: Number(config.beta) } }))` : ''));
    }
    const floats = new Float32Array(data);
    for (const l of model.layers) {
      for (const w of l.weights) {
        const at = specOf(l, w.name, w.tensor.shape);
        rt().heap.f32(w.tensor.ptr, w.tensor.size).set(floats.subarray(at.start, at.start + w.tensor.size));
      }
    }
    if (own?.training !== undefined) compileFrom(model, own.training);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Writes artifacts to a target (the Node entry registers one for directories). */
export type ArtifactWriter = (target: string, artifacts: ModelArtifacts) => Promise<void>;

// The core cannot touch files; importing 'actlab/node' registers the directory writer so
// that model.save(dir) works there, as tf.js's IO router does for file:// URLs.
const writers: { dir?: ArtifactWriter } = {};

/** Sets the writer model.save(dir) uses; importing 'actlab/node' registers the directory writer. */
export function registerArtifactWriter(writer: ArtifactWriter): void {
  // Checked here: a wrong writer would otherwise fail only at the next save, as 'w is not a function'.
  const given: unknown = writer;
  if (typeof given !== 'function') throw new Error(`actlab: registerArtifactWriter: writer must be a function (target, artifacts) => Promise<void>, got ${describeValue(given)}`);
  writers.dir = writer;
}

/** Saves through the registered writer (model.save(dir)). */
export async function saveArtifacts(model: Sequential, target: string): Promise<void> {
  const w = writers.dir;
  if (w === undefined) {
    throw new Error("actlab: model.save(dir) needs a file writer: import 'actlab/node' (Node, Deno, Bun), or call modelToArtifacts(model) and store the bytes yourself");
  }
  await w(target, modelToArtifacts(model));
}
