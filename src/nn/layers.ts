// The layers, with tfjs-layers names and config objects. Each call() is a short chain of
// fused, tape-recording ops, so a training step records only a few entries.
import { Tensor, shapeText, tensor as makeTensor, type Shape } from '../core/tensor.js';
import { Rng } from '../core/random.js';
import { describeValue, showValue } from '../core/checks.js';
import { ACTIVATIONS, type ActivationName } from '../activations/registry.js';
import { getActivation, resolveParams } from '../activations/index.js';
import { activation as activationOp, type ActivationTensorParams } from '../ops/activation.js';
import { softmaxOp } from '../ops/softmax.js';
import { reshape } from '../ops/elementwise.js';
import { linear, conv2dOp, poolOp, dropoutOp, type Padding } from '../ops/nn.js';
import { Layer, positiveInt, type CallOptions, type Config, type LayerArgs } from './layer.js';
import type { Initializer } from './initializers.js';

// ---- activations by name -------------------------------------------------------------------

/** An activation a layer applies: a registry row (with fixed parameters) or softmax. */
export interface ActivationSpec {
  /** A LayerActivationName; typed string since specs are also read from model files (checked when the layer is made). */
  readonly name: string;
  /** Fixed parameter values by name (e.g. { alpha: 0.2 }); the registry's defaults for the rest. */
  readonly params?: Readonly<Record<string, number>>;
}

/** The names a layer's activation option takes: the registry's, 'softmax', and Keras's 'gelu_new' and 'hard_sigmoid'. */
export type LayerActivationName = ActivationName | 'softmax' | 'gelu_new' | 'hard_sigmoid';

const KERAS_TO_REGISTRY = new Map(ACTIVATIONS.filter((a) => a.keras !== undefined).map((a) => [a.keras ?? '', a.name]));

/** Resolves 'relu', 'hard_sigmoid', 'softmax', {name, params}; throws listing the valid names. */
export function resolveActivation(spec: LayerActivationName | ActivationSpec | undefined, where: string): ActivationSpec | undefined {
  if (spec === undefined || spec === null) return undefined;
  const s = typeof spec === 'string' ? { name: spec } : spec;
  if (s.name === 'softmax') return s;
  // 'hard_sigmoid' is Keras 3's (x/6 + 1/2), the registry default; model files in tf.js's sense load through serialize.ts.
  const name = ACTIVATIONS.some((a) => a.name === s.name) ? s.name : s.name === 'hard_sigmoid' ? 'hardSigmoid' : KERAS_TO_REGISTRY.get(s.name);
  if (name === undefined) {
    throw new Error(`actlab: ${where}: unknown activation '${s.name}'; valid names: softmax, ${ACTIVATIONS.map((a) => a.name).join(', ')}`);
  }
  // Parameters are checked now (names, types, ranges), not at the first call: a model file with
  // { alpha: 1e308 } or an unknown parameter is refused when it is loaded.
  if (s.params !== undefined) {
    try {
      resolveParams(getActivation(name), s.params);
    } catch (e) {
      throw new Error(`actlab: ${where}: ${e instanceof Error ? e.message.replace(/^actlab: /, '') : String(e)}`);
    }
  }
  return { name, params: s.params };
}

/** Applies an activation spec (softmax over the last axis, unless logits are wanted). */
export function applyActivation(x: Tensor, spec: ActivationSpec | undefined, options: CallOptions): Tensor {
  if (spec === undefined || spec.name === 'linear') return x;
  if (spec.name === 'softmax') return options.logits ? x : softmaxOp(x);
  // A resolved spec names a registry row; the lookup gives its name the registry's type.
  return activationOp(x, getActivation(spec.name).name, spec.params ?? {});
}

/**
 * The Keras config value for an activation: its Keras name, else actlab's. tf.js reads a
 * name it knows with its own fixed parameters and ignores any config, so an activation with
 * parameters other than those goes under an `actlab:` class name, which tf.js refuses
 * ("Unknown activation") instead of predicting other numbers; actlab reads both forms.
 * hardSigmoid is `hard_sigmoid` in tf.js's sense (0.2 x + 0.5) only at that slope and offset.
 */
export function activationConfig(spec: ActivationSpec | undefined): unknown {
  if (spec === undefined) return 'linear';
  if (spec.name === 'softmax') return 'softmax';
  const row = ACTIVATIONS.find((a) => a.name === spec.name);
  const params = spec.params ?? {};
  if (spec.name === 'hardSigmoid') {
    const slope = params.slope ?? 1 / 6, offset = params.offset ?? 0.5;
    if (Math.fround(slope) === Math.fround(0.2) && Math.fround(offset) === 0.5) return 'hard_sigmoid';
    return { class_name: 'actlab:hardSigmoid', config: { slope, offset } };
  }
  const changed = Object.entries(params).filter(([k, v]) => row?.params.find((p) => p.name === k)?.default !== v);
  if (changed.length > 0) return { class_name: `actlab:${spec.name}`, config: Object.fromEntries(changed) };
  return row?.keras ?? spec.name;
}

type Init = Initializer | string;
/**
 * An initializer as a layer config saves it: its name, or for `constant({ value })` Keras's
 * `{ class_name: 'Constant', config: { value } }` (the name alone lost the value, and neither
 * actlab nor tf.js could load the file).
 */
const initName = (i: Init): unknown =>
  typeof i === 'string' ? i : i.name === 'constant' && typeof i.config?.value === 'number' ? { class_name: 'Constant', config: { value: i.config.value } } : i.name;

// ---- Dense ---------------------------------------------------------------------------

/** layers.dense's arguments (tfjs-layers names). */
export interface DenseArgs extends LayerArgs {
  /** Output features. */
  units: number;
  /**
   * A registry name ('relu', 'gelu', ...), 'softmax', or { name, params }; default none (linear).
   * Its parameters stay fixed (prelu's alpha 0.25, swish's beta 1): layers.prelu,
   * learnableSwish and scaledSwish are the layers that train them.
   */
  activation?: LayerActivationName | ActivationSpec;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Keras). */
  kernelInitializer?: Init;
  /** Default 'zeros'. */
  biasInitializer?: Init;
}

/**
 * Fully connected layer: activation(x kernel + bias), kernel [inputFeatures, units]. On an
 * input of rank > 2 ([batch, steps, features]) it applies to the last axis, as Keras and
 * tf.js do: each position gets the same kernel, the output is [batch, steps, units].
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  /** Output features. */
  readonly units: number;
  /** The resolved activation; undefined for none (linear). */
  readonly activation?: ActivationSpec;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  private readonly kernelInit: Init;
  private readonly biasInit: Init;
  private kernel?: Tensor;
  private bias?: Tensor;

  constructor(args: DenseArgs) {
    super('dense', args, ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer']);
    this.units = positiveInt('dense', 'units', args.units);
    this.activation = resolveActivation(args.activation, `dense '${this.name}'`);
    this.useBias = args.useBias ?? true;
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
    this.biasInit = args.biasInitializer ?? 'zeros';
  }

  computeOutputShape(inputShape: Shape): Shape {
    const features = inputShape.at(-1);
    if (features === undefined || !(features > 0)) {
      throw new Error(`actlab: dense '${this.name}' needs an input [batch, ..., features] with a known number of features on the last axis, ` +
        `but receives [batch${inputShape.map((d) => `, ${d === -1 ? 'null' : d}`).join('')}]`);
    }
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1], this.units], this.kernelInit, rng);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInit, rng);
  }

  call(x: Tensor, options: CallOptions): Tensor {
    if (this.kernel === undefined) throw new Error(`actlab: dense '${this.name}' is not built`);
    if (x.rank === 2) return applyActivation(linear(x, this.kernel, this.bias), this.activation, options);
    // [batch, ..., features]: every position is a row of one GEMM (the same bits as row by row),
    // then back to [batch, ..., units]; both reshapes record on the tape.
    const features = x.shape[x.rank - 1];
    const rows = linear(x.reshape([x.size / features, features]), this.kernel, this.bias);
    return applyActivation(rows.reshape([...x.shape.slice(0, -1), this.units]), this.activation, options);
  }

  getConfig(): Config {
    return {
      name: this.name, trainable: this.trainable, units: this.units, activation: activationConfig(this.activation),
      use_bias: this.useBias, kernel_initializer: initName(this.kernelInit), bias_initializer: initName(this.biasInit),
    };
  }
}

// ---- Activation, Flatten, Dropout ------------------------------------------------------------

/** layers.activation's arguments. */
export interface ActivationArgs extends LayerArgs {
  /** A registry name, 'softmax' (over the last axis), or { name, params }; required. Its parameters stay fixed, as Dense's. */
  activation: LayerActivationName | ActivationSpec;
}

/** An activation applied on its own, elementwise (softmax: over the last axis). */
export class Activation extends Layer {
  readonly className = 'Activation';
  /** The resolved activation. */
  readonly activation: ActivationSpec;

  constructor(args: ActivationArgs) {
    super('activation', args, ['activation']);
    const spec = resolveActivation(args.activation, 'activation layer');
    if (spec === undefined) throw new Error('actlab: activation layer: activation is required');
    this.activation = spec;
  }

  computeOutputShape(inputShape: Shape): Shape { return inputShape; }
  call(x: Tensor, options: CallOptions): Tensor { return applyActivation(x, this.activation, options); }
  getConfig(): Config { return { name: this.name, trainable: this.trainable, activation: activationConfig(this.activation) }; }
}

/** [batch, ...] to [batch, product of the rest]: a copy of the values under the new shape. */
export class Flatten extends Layer {
  readonly className = 'Flatten';
  constructor(args: LayerArgs = {}) { super('flatten', args, []); }
  computeOutputShape(inputShape: Shape): Shape { return [inputShape.reduce((a, b) => a * b, 1)]; }
  // The product of the sample axes, not size / batch: an empty batch is [0, product], not [0, 0].
  call(x: Tensor): Tensor { return reshape(x, [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)]); }
  getConfig(): Config { return { name: this.name, trainable: this.trainable }; }
}

/** layers.dropout's arguments. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of the inputs zeroed in training, 0 <= rate < 1 (the rest are scaled by 1 / (1 - rate)). */
  rate: number;
  /**
   * The layer's own seed, an integer in [0, 2^53): its masks then come from a generator
   * keyed by (this seed, fit's epoch), whatever fit's seed and the other layers draw.
   * Without it (or null, as saved configs write it) the masks come from fit's seeded generator.
   */
  seed?: number | null;
}

/** Inverted dropout in training (see DropoutArgs); the identity in inference. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  /** Fraction of the inputs zeroed in training. */
  readonly rate: number;
  /** The layer's own seed; undefined when its masks come from fit's seed. */
  readonly seed?: number;
  /**
   * The seeded layer's generator for the epoch it was forked at (each call draws the next
   * stream), and the fit epoch's generator it was made beside: a new fit epoch, even at a
   * key seen before (another fit seed, a resumed epoch), starts the layer's stream afresh.
   */
  private own?: { readonly epoch: number | undefined; readonly source: Rng | undefined; readonly rng: Rng };

  constructor(args: DropoutArgs) {
    super('dropout', args, ['rate', 'seed']);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`actlab: dropout: rate = ${showValue(args.rate)} is out of range: expected 0 <= rate < 1`);
    }
    const seed = args.seed ?? undefined;
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)) {
      throw new Error(`actlab: dropout: seed = ${showValue(seed)} is invalid: expected an integer in [0, 2^53), or none to draw from fit's seed`);
    }
    this.rate = args.rate;
    this.seed = seed;
  }

  computeOutputShape(inputShape: Shape): Shape { return inputShape; }

  call(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.rate === 0) return x;
    if (this.seed !== undefined) {
      // Outside fit (no epoch key) the layer's generator just goes on from one call to the next.
      if (this.own === undefined || (options.epoch !== undefined && (this.own.epoch !== options.epoch || this.own.source !== options.rng))) {
        const base = new Rng(this.seed);
        this.own = { epoch: options.epoch, source: options.rng, rng: options.epoch === undefined ? base : base.forkAt(options.epoch) };
      }
      return dropoutOp(x, this.rate, this.own.rng);
    }
    if (options.rng === undefined) {
      // Reached from a hand-written training loop (fit always passes its generator): say what to pass.
      throw new Error(`actlab: dropout '${this.name}': apply(x, { training: true }) needs the generator of its masks: ` +
        'pass { training: true, rng: rng(seed) } (fit passes rng(seed).forkAt(epoch)), or give the layer its own seed (layers.dropout({ rate, seed }))');
    }
    return dropoutOp(x, this.rate, options.rng);
  }

  getConfig(): Config { return { name: this.name, trainable: this.trainable, rate: this.rate, seed: this.seed ?? null }; }
}

// ---- Learnable activations ---------------------------------------------------------------

/** layers.prelu's arguments. */
export interface PReLUArgs extends LayerArgs {
  /** Initial slopes; default 'zeros' (Keras, tfjs: the layer starts as ReLU; PyTorch's nn.PReLU starts at 0.25: initializers.constant({ value: 0.25 })). */
  alphaInitializer?: Init;
}

/** PReLU with one learnable slope per channel (the last axis). */
export class PReLU extends Layer {
  readonly className = 'PReLU';
  private readonly alphaInit: Init;
  private alpha?: Tensor;

  constructor(args: PReLUArgs = {}) {
    super('p_re_lu', args, ['alphaInitializer']);
    this.alphaInit = args.alphaInitializer ?? 'zeros';
  }

  computeOutputShape(inputShape: Shape): Shape { return inputShape; }
  protected override createWeights(inputShape: Shape, rng: Rng): void {
    this.alpha = this.addWeight('alpha', [inputShape[inputShape.length - 1]], this.alphaInit, rng);
  }
  call(x: Tensor): Tensor {
    if (this.alpha === undefined) throw new Error(`actlab: prelu '${this.name}' is not built`);
    return activationOp(x, 'prelu', { alpha: this.alpha });
  }
  getConfig(): Config { return { name: this.name, trainable: this.trainable, alpha_initializer: initName(this.alphaInit) }; }
}

/** Registry activations whose parameters are all learnable scalars, as a layer with those weights. */
abstract class ScalarParamActivation extends Layer {
  private readonly values: Readonly<Record<string, number>>;
  private readonly tensors: Record<string, Tensor> = {};

  protected constructor(kind: string, private readonly activationName: ActivationName, values: Readonly<Record<string, number>>, args: LayerArgs) {
    super(kind, args, Object.keys(values));
    checkInitialParams(kind, values);
    this.values = values;
  }

  computeOutputShape(inputShape: Shape): Shape { return inputShape; }
  protected override createWeights(_inputShape: Shape, rng: Rng): void {
    for (const [k, v] of Object.entries(this.values)) {
      this.tensors[k] = this.addWeight(k, [], { name: 'constant', apply: (shape) => tensorOf(shape, v) }, rng);
    }
  }
  call(x: Tensor): Tensor {
    const p: ActivationTensorParams = this.tensors;
    return activationOp(x, this.activationName, p);
  }
  /** The parameters' current values once the layer is built (as the seed's get_config), else the initial ones. */
  getConfig(): Config { return { name: this.name, trainable: this.trainable, ...currentValues(this.name, this.initialConfig(), this.tensors) }; }
  protected abstract initialConfig(): Config;
}

/**
 * `initial` with each key that has a weight replaced by the weight's value, unless that is
 * the initial value in float32 (an untrained layer reports 0.1, not 0.10000000149011612).
 */
function currentValues(layer: string, initial: Config, tensors: Readonly<Record<string, Tensor>>): Config {
  const out: Config = { ...initial };
  for (const k of Object.keys(out)) {
    const t = tensors[k];
    if (t === undefined) continue;
    if (t.isDisposed) throw new Error(`actlab: layer '${layer}' was disposed: its parameter '${k}' is gone, so its config cannot say its value`);
    const v = t.dataSync()[0];
    if (v !== Math.fround(Number(out[k]))) out[k] = v;
  }
  return out;
}

/**
 * Initial values of learnable scalars, checked as the float32 weights they become: 1e39 would
 * start as Infinity and fail only at the first call, naming the activation rather than the layer.
 */
function checkInitialParams(kind: string, values: Readonly<Record<string, unknown>>): void {
  for (const [k, v] of Object.entries(values)) {
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
      throw new Error(`actlab: ${kind}: ${k} = ${showValue(v)}${typeof v === 'number' && Number.isFinite(v) ? ` (${Math.fround(v)} in float32)` : ''} ` +
        'must be a finite float32 number (|value| < 3.4e38)');
    }
  }
}

/** A constant-filled tensor (the initial value of a learnable activation parameter). */
function tensorOf(shape: Shape, v: number): Tensor {
  return makeTensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape);
}

/** layers.learnableSwish's arguments. */
export interface SwishArgs extends LayerArgs {
  /** Initial beta (default 1). */
  beta?: number;
}

/** x * sigmoid(beta * x) with a trainable beta (Ramachandran et al., 2017). */
export class LearnableSwish extends ScalarParamActivation {
  readonly className = 'LearnableSwish';
  private readonly beta0: number;
  constructor(args: SwishArgs = {}) {
    super('learnable_swish', 'swish', { beta: args.beta ?? 1 }, args);
    this.beta0 = args.beta ?? 1;
  }
  protected initialConfig(): Config { return { beta: this.beta0 }; }
}

/** layers.scaledSwish's arguments. */
export interface ScaledSwishArgs extends LayerArgs {
  /** Initial alpha; default 0.5 (the seed's). */
  alpha?: number;
  /** Initial beta; default 1 (the seed's). */
  beta?: number;
}

/** The seed's learnable activation alpha * x * sigmoid(beta * x), both trainable. */
export class ScaledSwish extends ScalarParamActivation {
  readonly className = 'ScaledSwish';
  private readonly init0: { alpha: number; beta: number };
  constructor(args: ScaledSwishArgs = {}) {
    const init0 = { alpha: args.alpha ?? 0.5, beta: args.beta ?? 1 };
    super('scaled_swish', 'scaledSwish', init0, args);
    this.init0 = init0;
  }
  protected initialConfig(): Config { return { ...this.init0 }; }
}

// ---- User-defined activations --------------------------------------------------------------

/** layers.customActivation's arguments. */
export interface CustomActivationArgs extends LayerArgs {
  /** The class name it is saved under; loadModel(dir, { [className]: factory }) rebuilds it. */
  className: string;
  /**
   * Initial values of the trainable scalar parameters, keyed by identifiers (saved as config
   * keys and weight names): not `__proto__` and not a key the config already has (`name`,
   * `trainable`, ...).
   */
  params?: Readonly<Record<string, number>>;
  /** f(x, params) from tensor ops (they record on the tape, so no backward code is needed). */
  fn: (x: Tensor, params: Readonly<Record<string, Tensor>>) => Tensor;
}

/**
 * Keys a saved layer config already has, or that the loader reads with another meaning: a
 * parameter of that name would overwrite them in model.json (`name` lost the layer's name,
 * `trainable: 0.5` saved and then did not load) or be read as that field on load.
 */
const RESERVED_CONFIG_KEYS = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'groups',
  'kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'alpha_regularizer', 'kernel_constraint', 'bias_constraint',
  'alpha_constraint', 'noise_shape'];

/**
 * A JavaScript identifier, as `params.β` may be written: letters of any script ('α', 'β' were
 * accepted before names were checked, so model files hold them), digits after the first, `_`, `$`.
 */
const IDENTIFIER = /^[\p{ID_Start}_$][\p{ID_Continue}_$\u200c\u200d]*$/u;

/**
 * A custom activation's parameter name: an identifier (it is a key of fn's params, of the
 * layer's config and, after a '/', of its weight name: 'a/b' made 'layer/a/b', which reads as
 * another layer's weight), not `__proto__` (assigned to an object it replaced the prototype,
 * and the trained value never reached the config), and not a config key the layer already has.
 */
function checkParamName(className: string, k: string): void {
  if (!IDENTIFIER.test(k) || k === '__proto__' || RESERVED_CONFIG_KEYS.includes(k)) {
    throw new Error(`actlab: customActivation '${className}': parameter name ${JSON.stringify(k)} is invalid: expected an identifier ` +
      `other than __proto__ and the config keys ${RESERVED_CONFIG_KEYS.join(', ')}`);
  }
}

/** An activation layer written by the user from tensor ops, with trainable scalar parameters. */
export class CustomActivation extends Layer {
  readonly className: string;
  private readonly init0: Readonly<Record<string, number>>;
  private readonly fn: CustomActivationArgs['fn'];
  private readonly tensors: Record<string, Tensor> = {};

  constructor(args: CustomActivationArgs) {
    super('custom_activation', args, ['className', 'params', 'fn']);
    if (typeof args.className !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(args.className)) {
      throw new Error(`actlab: customActivation: className must be an identifier, got ${String(args.className)}`);
    }
    if (typeof args.fn !== 'function') throw new Error('actlab: customActivation: fn must be a function (x, params) => Tensor');
    this.className = args.className;
    if (args.params !== undefined && (typeof args.params !== 'object' || args.params === null)) {
      throw new Error(`actlab: customActivation: params must be an object of initial values, e.g. { beta: 1 }, got ${describeValue(args.params)}`);
    }
    for (const k of Object.keys(args.params ?? {})) checkParamName(args.className, k);
    checkInitialParams(`customActivation '${args.className}'`, args.params ?? {});
    this.init0 = args.params ?? {};
    this.fn = args.fn;
  }

  computeOutputShape(inputShape: Shape): Shape { return inputShape; }
  protected override createWeights(_inputShape: Shape, rng: Rng): void {
    for (const [k, v] of Object.entries(this.init0)) {
      this.tensors[k] = this.addWeight(k, [], { name: 'constant', apply: (shape) => tensorOf(shape, v) }, rng);
    }
  }
  call(x: Tensor): Tensor {
    const y: unknown = this.fn(x, this.tensors);
    // The whole shape: one of the same size but another shape ([n * k] for [n, k]) failed later, in a layer or loss that was not at fault.
    if (!(y instanceof Tensor) || y.rank !== x.rank || y.shape.some((d, i) => d !== x.shape[i])) {
      throw new Error(`actlab: custom activation '${this.name}' must return a tensor shaped like its input ${shapeText(x.shape)}, ` +
        `got ${y instanceof Tensor ? `a tensor ${shapeText(y.shape)}` : describeValue(y)}`);
    }
    return y;
  }
  /** The parameters' current values once the layer is built (as the seed's get_config), else the initial ones. */
  getConfig(): Config { return { name: this.name, trainable: this.trainable, ...currentValues(this.name, this.init0, this.tensors) }; }
}

// ---- Convolution and pooling --------------------------------------------------------------

type Pair = number | readonly [number, number];
const pair = (where: string, name: string, v: Pair): [number, number] => {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  positiveInt(where, name, p[0]);
  positiveInt(where, name, p[1]);
  return p;
};

function outSize(inSize: number, k: number, stride: number, dilation: number, padding: Padding): number {
  const eff = (k - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(inSize / stride) : Math.floor((inSize - eff) / stride) + 1;
}

function checkPadding(where: string, p: unknown): Padding {
  if (p !== 'valid' && p !== 'same') throw new Error(`actlab: ${where}: padding must be 'valid' or 'same', got ${String(p)}`);
  return p;
}

/** layers.conv2d's arguments (tfjs-layers names; data format channels-last only). */
export interface Conv2DArgs extends LayerArgs {
  /** Output channels. */
  filters: number;
  /** Window height and width (one number for both). */
  kernelSize: Pair;
  /** Default 1. */
  strides?: Pair;
  /** 'valid' (default: no padding) or 'same' (output = ceil(input / stride), TensorFlow's split). */
  padding?: Padding;
  /** Default 1. */
  dilationRate?: Pair;
  /** As Dense's. */
  activation?: LayerActivationName | ActivationSpec;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: Init;
  /** Default 'zeros'. */
  biasInitializer?: Init;
}

/** 2-D convolution over NHWC input with a [kh, kw, cin, filters] kernel. */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  /** Output channels. */
  readonly filters: number;
  /** [height, width] of the window. */
  readonly kernelSize: [number, number];
  /** [height, width] steps. */
  readonly strides: [number, number];
  /** 'valid' or 'same'. */
  readonly padding: Padding;
  /** [height, width] spacing between the window's taps. */
  readonly dilationRate: [number, number];
  /** The resolved activation; undefined for none (linear). */
  readonly activation?: ActivationSpec;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  private readonly kernelInit: Init;
  private readonly biasInit: Init;
  private kernel?: Tensor;
  private bias?: Tensor;

  constructor(args: Conv2DArgs) {
    super('conv2d', args, ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer']);
    this.filters = positiveInt('conv2d', 'filters', args.filters);
    this.kernelSize = pair('conv2d', 'kernelSize', args.kernelSize);
    this.strides = pair('conv2d', 'strides', args.strides ?? 1);
    this.padding = checkPadding('conv2d', args.padding ?? 'valid');
    this.dilationRate = pair('conv2d', 'dilationRate', args.dilationRate ?? 1);
    this.activation = resolveActivation(args.activation, `conv2d '${this.name}'`);
    this.useBias = args.useBias ?? true;
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
    this.biasInit = args.biasInitializer ?? 'zeros';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new Error(`actlab: conv2d '${this.name}' needs input [batch, height, width, channels] but receives [batch, ${inputShape.join(', ')}]`);
    }
    const [h, w] = inputShape;
    const oh = outSize(h, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding);
    const ow = outSize(w, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding);
    if (oh <= 0 || ow <= 0) {
      throw new Error(`actlab: conv2d '${this.name}': a ${this.kernelSize.join('x')} kernel (dilation ${this.dilationRate.join('x')}) ` +
        `does not fit the ${h}x${w} input with 'valid' padding`);
    }
    return [oh, ow, this.filters];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    this.kernel = this.addWeight('kernel', [this.kernelSize[0], this.kernelSize[1], inputShape[2], this.filters], this.kernelInit, rng);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit, rng);
  }

  call(x: Tensor, options: CallOptions): Tensor {
    if (this.kernel === undefined) throw new Error(`actlab: conv2d '${this.name}' is not built`);
    const y = conv2dOp(x, this.kernel, this.bias, this.strides, this.padding, this.dilationRate);
    return applyActivation(y, this.activation, options);
  }

  getConfig(): Config {
    return {
      name: this.name, trainable: this.trainable, filters: this.filters, kernel_size: this.kernelSize, strides: this.strides,
      padding: this.padding, data_format: 'channels_last', dilation_rate: this.dilationRate, activation: activationConfig(this.activation),
      use_bias: this.useBias, kernel_initializer: initName(this.kernelInit), bias_initializer: initName(this.biasInit),
    };
  }
}

/** layers.maxPooling2d's and layers.averagePooling2d's arguments (input [batch, height, width, channels]). */
export interface Pooling2DArgs extends LayerArgs {
  /** Window [height, width] (one number for both); default 2. */
  poolSize?: Pair;
  /** Steps [height, width]; default poolSize. */
  strides?: Pair;
  /** 'valid' (default: windows inside the input) or 'same' (output = ceil(input / stride)). */
  padding?: Padding;
}

abstract class Pooling2D extends Layer {
  /** Window [height, width]. */
  readonly poolSize: [number, number];
  /** Steps [height, width]. */
  readonly strides: [number, number];
  /** 'valid' or 'same'. */
  readonly padding: Padding;

  protected constructor(kind: string, private readonly mode: 'max' | 'avg', args: Pooling2DArgs) {
    super(kind, args, ['poolSize', 'strides', 'padding']);
    this.poolSize = pair(kind, 'poolSize', args.poolSize ?? 2);
    this.strides = pair(kind, 'strides', args.strides ?? this.poolSize);
    this.padding = checkPadding(kind, args.padding ?? 'valid');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new Error(`actlab: ${this.kind} '${this.name}' needs input [batch, height, width, channels] but receives [batch, ${inputShape.join(', ')}]`);
    }
    const [h, w, c] = inputShape;
    const oh = outSize(h, this.poolSize[0], this.strides[0], 1, this.padding);
    const ow = outSize(w, this.poolSize[1], this.strides[1], 1, this.padding);
    if (oh <= 0 || ow <= 0) {
      throw new Error(`actlab: ${this.kind} '${this.name}': pool ${this.poolSize.join('x')} is larger than the ${h}x${w} input with 'valid' padding`);
    }
    return [oh, ow, c];
  }

  call(x: Tensor): Tensor { return poolOp(this.mode, x, this.poolSize, this.strides, this.padding); }

  getConfig(): Config {
    return { name: this.name, trainable: this.trainable, pool_size: this.poolSize, strides: this.strides, padding: this.padding, data_format: 'channels_last' };
  }
}

/** The largest value of each window, per channel (NHWC). */
export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  constructor(args: Pooling2DArgs = {}) { super('max_pooling2d', 'max', args); }
}

/** The mean of each window, per channel (NHWC); 'same' padding averages over the cells inside the input. */
export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  constructor(args: Pooling2DArgs = {}) { super('average_pooling2d', 'avg', args); }
}

// ---- factories (tfjs-layers style: layers.dense({...})) ---------------------------------------

/** The layer factories, tfjs-layers names and options: `layers.dense({ units: 128, activation: 'relu' })`. */
export const layers = {
  /** Fully connected: x W + b, then the activation, as one fused call. */
  dense: (args: DenseArgs): Dense => new Dense(args),
  /** An activation on its own (a registry name, softmax, or { name, params }). */
  activation: (args: ActivationArgs): Activation => new Activation(args),
  /** [batch, ...] to [batch, product]: a new tensor holding a copy of the values (recorded on the tape). */
  flatten: (args: LayerArgs = {}): Flatten => new Flatten(args),
  /** Inverted dropout in training (masks from fit's seed, or the layer's own seed); the identity in inference. */
  dropout: (args: DropoutArgs): Dropout => new Dropout(args),
  /** Leaky ReLU with a trainable slope per channel (the last axis). */
  prelu: (args: PReLUArgs = {}): PReLU => new PReLU(args),
  /** x * sigmoid(beta x) with a trainable beta. */
  learnableSwish: (args: SwishArgs = {}): LearnableSwish => new LearnableSwish(args),
  /** The seed's alpha * x * sigmoid(beta x), alpha and beta trainable. */
  scaledSwish: (args: ScaledSwishArgs = {}): ScaledSwish => new ScaledSwish(args),
  /** An activation you write from tensor ops, with trainable scalar parameters; saved under its className. */
  customActivation: (args: CustomActivationArgs): CustomActivation => new CustomActivation(args),
  /** 2-D convolution over NHWC input ([batch, height, width, channels]), bias and activation fused. */
  conv2d: (args: Conv2DArgs): Conv2D => new Conv2D(args),
  /** The largest value in each window (ties go to the first in window order). */
  maxPooling2d: (args: Pooling2DArgs = {}): MaxPooling2D => new MaxPooling2D(args),
  /** The mean of each window ('same' padding averages over the cells inside the input). */
  averagePooling2d: (args: Pooling2DArgs = {}): AveragePooling2D => new AveragePooling2D(args),
};
