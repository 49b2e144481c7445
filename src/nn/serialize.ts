// Models in the tfjs LayersModel format: model.json (Keras topology + weights manifest)
// and one weights.bin of little-endian float32s in manifest order. tf.loadLayersModel
// (tfjs-layers 4.22) reads what is written here; activations tf.js does not know are saved
// under actlab's own names and load back only in actlab. Node-free: the Node entry adds
// file reading and writing (saveModel / loadModel, and model.save(dir)).
import { rt } from '../core/wasm.js';
import { shapeText } from '../core/tensor.js';
import { ACTIVATIONS } from '../activations/registry.js';
import type { Layer, Config } from './layer.js';
import {
  Dense, Activation, Flatten, Dropout, PReLU, LearnableSwish, ScaledSwish, CustomActivation, Conv2D, MaxPooling2D, AveragePooling2D,
  type ActivationSpec, type CustomActivationArgs,
} from './layers.js';
import { Sequential } from './sequential.js';

export interface WeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32';
}

/** model.json as tfjs writes it. */
export interface ModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: null;
  readonly modelTopology: {
    readonly class_name: 'Sequential';
    readonly config: { readonly name: string; readonly layers: { class_name: string; config: Config }[] };
    readonly keras_version: string;
    readonly backend: string;
  };
  readonly weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  /** actlab's own additions (seed), ignored by tf.js. */
  readonly actlab?: { readonly seed: number };
}

export interface ModelArtifacts {
  readonly modelJson: ModelJson;
  readonly weightData: ArrayBuffer;
}

const INIT_CLASS: Record<string, string> = {
  glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heNormal: 'HeNormal', heUniform: 'HeUniform',
  lecunNormal: 'LecunNormal', lecunUniform: 'LecunUniform', zeros: 'Zeros', ones: 'Ones', constant: 'Constant',
};
const INIT_NAME = new Map(Object.entries(INIT_CLASS).map(([k, v]) => [v, k]));

function initConfig(name: unknown): unknown {
  return typeof name === 'string' && INIT_CLASS[name] ? { class_name: INIT_CLASS[name], config: {} } : name;
}

function initFromConfig(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'class_name' in v && typeof v.class_name === 'string') {
    const name = INIT_NAME.get(v.class_name);
    if (name === undefined) throw new Error(`actlab: loadModel: ${where}: unsupported initializer '${v.class_name}'`);
    return name;
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

/** The model as tfjs LayersModel artifacts (model.json content and the weight bytes). */
export function modelToArtifacts(model: Sequential, weightsPath = 'weights.bin'): ModelArtifacts {
  if (!(model instanceof Sequential)) {
    throw new Error('actlab: save: expected a Sequential model made by this copy of actlab; two copies loaded in one process ' +
      '(e.g. a bundled one beside the installed package) keep two Wasm memories, and one cannot read the other\'s weights');
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
      actlab: { seed: model.seed },
    },
    weightData: data.buffer,
  };
}

/** A user-defined activation layer's factory, for loading models that contain it. */
export type CustomActivationFactory = (config: Config) => CustomActivationArgs;

const KERAS_ACTIVATIONS = new Map(ACTIVATIONS.filter((a) => a.keras).map((a) => [a.keras ?? '', a.name]));

function activationFrom(v: unknown, where: string): string | ActivationSpec | undefined {
  if (v === undefined || v === null || v === 'linear') return v === 'linear' ? 'linear' : undefined;
  if (typeof v === 'string') return KERAS_ACTIVATIONS.get(v) ?? v;
  if (typeof v === 'object' && 'class_name' in v && typeof v.class_name === 'string') {
    const cfg = 'config' in v && v.config !== null && typeof v.config === 'object' ? v.config : {};
    const params: Record<string, number> = {};
    for (const [k, x] of Object.entries(cfg)) if (typeof x === 'number') params[k] = x;
    return { name: KERAS_ACTIVATIONS.get(v.class_name) ?? v.class_name, params };
  }
  throw new Error(`actlab: loadModel: ${where}: unreadable activation ${JSON.stringify(v)}`);
}

const num = (c: Config, k: string, where: string): number => {
  const v = c[k];
  if (typeof v !== 'number') throw new Error(`actlab: loadModel: ${where}: '${k}' must be a number, got ${JSON.stringify(v)}`);
  return v;
};
const pairOf = (c: Config, k: string, where: string): [number, number] | undefined => {
  const v = c[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  throw new Error(`actlab: loadModel: ${where}: '${k}' must be a number or a pair, got ${JSON.stringify(v)}`);
};
const paddingOf = (c: Config): 'valid' | 'same' | undefined => (c.padding === 'same' ? 'same' : c.padding === 'valid' ? 'valid' : undefined);

function buildLayer(className: string, c: Config, custom: Readonly<Record<string, CustomActivationFactory>>): Layer {
  const where = `layer '${String(c.name)}' (${className})`;
  const base = {
    name: typeof c.name === 'string' ? c.name : undefined,
    trainable: typeof c.trainable === 'boolean' ? c.trainable : undefined,
    batchInputShape: Array.isArray(c.batch_input_shape) ? c.batch_input_shape.map((d: unknown) => (typeof d === 'number' ? d : null)) : undefined,
  };
  switch (className) {
    case 'Dense':
      return new Dense({
        ...base, units: num(c, 'units', where), activation: activationFrom(c.activation, where), useBias: c.use_bias !== false,
        kernelInitializer: initFromConfig(c.kernel_initializer, where), biasInitializer: initFromConfig(c.bias_initializer, where),
      });
    case 'Conv2D':
      if (c.data_format !== undefined && c.data_format !== 'channels_last') throw new Error(`actlab: loadModel: ${where}: only channels_last is supported`);
      return new Conv2D({
        ...base, filters: num(c, 'filters', where), kernelSize: pairOf(c, 'kernel_size', where) ?? [1, 1], strides: pairOf(c, 'strides', where),
        padding: paddingOf(c), dilationRate: pairOf(c, 'dilation_rate', where), activation: activationFrom(c.activation, where),
        useBias: c.use_bias !== false, kernelInitializer: initFromConfig(c.kernel_initializer, where), biasInitializer: initFromConfig(c.bias_initializer, where),
      });
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const args = { ...base, poolSize: pairOf(c, 'pool_size', where), strides: pairOf(c, 'strides', where), padding: paddingOf(c) };
      return className === 'MaxPooling2D' ? new MaxPooling2D(args) : new AveragePooling2D(args);
    }
    case 'Flatten': return new Flatten(base);
    case 'Dropout': return new Dropout({ ...base, rate: num(c, 'rate', where), seed: c.seed === undefined || c.seed === null ? undefined : num(c, 'seed', where) });
    case 'Activation': {
      const a = activationFrom(c.activation, where);
      if (a === undefined) throw new Error(`actlab: loadModel: ${where}: missing activation`);
      return new Activation({ ...base, activation: a });
    }
    case 'PReLU': return new PReLU({ ...base, alphaInitializer: initFromConfig(c.alpha_initializer, where) });
    case 'LearnableSwish': return new LearnableSwish({ ...base, beta: typeof c.beta === 'number' ? c.beta : undefined });
    case 'ScaledSwish': return new ScaledSwish({ ...base, alpha: typeof c.alpha === 'number' ? c.alpha : undefined, beta: typeof c.beta === 'number' ? c.beta : undefined });
    default: {
      const factory = custom[className];
      if (factory === undefined) {
        throw new Error(`actlab: loadModel: unknown layer class '${className}'; pass its factory in customObjects (for a custom activation layer)`);
      }
      return new CustomActivation({ ...factory(c), ...base, className });
    }
  }
}

/** Rebuilds a Sequential from artifacts; every weight's name and shape is checked against the manifest, and its size against the data. */
export function modelFromArtifacts(artifacts: ModelArtifacts, customObjects: Readonly<Record<string, CustomActivationFactory>> = {}): Sequential {
  const { modelJson, weightData } = artifacts;
  const topo = modelJson?.modelTopology;
  if (topo?.class_name !== 'Sequential' || !Array.isArray(topo.config?.layers)) {
    throw new Error(`actlab: loadModel: model.json must hold a Sequential modelTopology, got class '${String(topo?.class_name)}'`);
  }
  const model = new Sequential({ name: topo.config.name, seed: modelJson.actlab?.seed ?? 0 });
  try {
    for (const l of topo.config.layers) model.add(buildLayer(l.class_name, l.config, customObjects));
    const specs = (modelJson.weightsManifest ?? []).flatMap((g) => g.weights);
    const weights = model.weights;
    if (specs.length !== weights.length) {
      const names = (ws: readonly { name: string }[]): string => ws.map((w) => w.name).join(', ') || 'none';
      const lost = specs.filter((s) => !weights.some((w) => w.name === s.name)).map((s) => s.name);
      throw new Error(`actlab: loadModel: the manifest lists ${specs.length} weights (${names(specs)}) but the model built from ` +
        `model.json has ${weights.length} (${names(weights)})` +
        (lost.length > 0 ? `; missing: ${lost.join(', ')} (a customObjects factory must return the layer's params, e.g. (config) => ({ fn, params: { beta: config.beta } }))` : ''));
    }
    const expectedBytes = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (weightData.byteLength !== expectedBytes) {
      throw new Error(`actlab: loadModel: weights.bin has ${weightData.byteLength} bytes but the manifest needs ${expectedBytes}`);
    }
    const data = new Float32Array(weightData);
    // The manifest must name each weight and give its shape as modelToArtifacts writes them:
    // equal sizes are not enough (a transposed kernel, or two weights swapped, has them).
    const expected = model.layers.flatMap((l) => l.weights.map((w) => ({ w, name: w.name, shape: savedShape(l, w.tensor.shape) })));
    let off = 0;
    specs.forEach((spec, i) => {
      const { w, name, shape } = expected[i];
      if (spec.name !== name) throw new Error(`actlab: loadModel: manifest weight ${i} is named '${spec.name}' but the model's weight ${i} is '${name}'`);
      if (!Array.isArray(spec.shape) || spec.shape.length !== shape.length || spec.shape.some((d, k) => d !== shape[k])) {
        throw new Error(`actlab: loadModel: weight '${spec.name}' has shape [${String(spec.shape)}] in the manifest but '${name}' needs ${shapeText(shape)}`);
      }
      const n = w.tensor.size;
      rt().heap.f32(w.tensor.ptr, n).set(data.subarray(off, off + n));
      off += n;
    });
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

export function registerArtifactWriter(writer: ArtifactWriter): void { writers.dir = writer; }

/** Saves through the registered writer (model.save(dir)). */
export async function saveArtifacts(model: Sequential, target: string): Promise<void> {
  const w = writers.dir;
  if (w === undefined) {
    throw new Error("actlab: model.save(dir) needs a file writer: import 'actlab/node' (Node, Deno, Bun), or call modelToArtifacts(model) and store the bytes yourself");
  }
  await w(target, modelToArtifacts(model));
}
