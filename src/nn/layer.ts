// The Layer base: a name, weights (tensors kept out of tidy scopes), shape inference from
// the input shape, and call() built from tape-recording ops so gradients need no code.
import { rt } from '../core/wasm.js';
import { Tensor, shapeText, sizeOf, type Shape } from '../core/tensor.js';
import type { Rng } from '../core/random.js';
import { checkKeys, describeValue, showValue } from '../core/checks.js';
import { checkName } from '../core/text.js';
import { getInitializer, type Initializer } from './initializers.js';

/** A layer weight: the tensor, its name (`dense_1/kernel`), and whether training updates it. */
export interface LayerWeight {
  /** `<layer>/<weight>`, e.g. `dense_1/kernel`. */
  readonly name: string;
  /** The weight's values (owned by the layer: do not dispose). */
  readonly tensor: Tensor;
  /** Whether training updates it (the layer's `trainable` flag applies on top). */
  readonly trainable: boolean;
}

/** How a layer is run: training or inference, and what fit passes along for dropout. */
export interface CallOptions {
  /** Dropout and other training-only behaviour is on. */
  readonly training: boolean;
  /** Return the pre-softmax logits (a softmax layer at the end becomes the loss's job). */
  readonly logits?: boolean;
  /** Random numbers for dropout (the model's seeded generator). */
  readonly rng?: Rng;
  /** The key of fit's epoch generator (rng is the fit seed's generator forked at it); a dropout layer with its own seed forks at it too. */
  readonly epoch?: number;
}

/** Arguments every layer takes. */
export interface LayerArgs {
  /** A unique name; default `<kind>_<n>`. */
  name?: string;
  /** The input shape without the batch axis (only the first layer needs it). */
  inputShape?: readonly number[];
  /** Keras spelling: batch axis first, null or a number. */
  batchInputShape?: readonly (number | null)[];
  /** Whether fit updates the layer's weights; default true. */
  trainable?: boolean;
}

/** A layer's constructor arguments under Keras's snake_case keys, as model.json stores them. */
export type Config = Record<string, unknown>;

/**
 * The base of every layer: a name, its weights in Wasm memory (dispose() frees them), shape
 * inference, and call() from tape-recording ops, so gradients need no code of their own.
 */
export abstract class Layer {
  /** Keras class name (`Dense`), used when saving. */
  abstract readonly className: string;
  /** snake_case kind (`dense`), the stem of automatic names. */
  readonly kind: string;
  private explicitName?: string;
  private autoName?: string;
  private trainableFlag = true;
  /** Input shape without the batch axis, once known. */
  inputShape?: Shape;
  private outShape?: Shape;
  /**
   * @internal Why fit must not train this layer as it is: a loaded file's field that actlab
   * lacks and that changes training (a regularizer, a constraint). Set by modelFromArtifacts.
   */
  trainingCaveat: string | undefined = undefined;
  protected readonly weightList: LayerWeight[] = [];
  private disposed = false;

  /**
   * `options` lists the layer's own argument names besides LayerArgs': given, any other key
   * is refused, as Keras refuses unknown arguments (a tf.js option actlab lacks, such as
   * `dataFormat` or `kernelRegularizer`, would otherwise be ignored).
   */
  constructor(kind: string, args: LayerArgs = {}, options?: readonly string[]) {
    if (options !== undefined) checkKeys(kind, args, ['name', 'inputShape', 'batchInputShape', 'trainable', ...options]);
    this.kind = kind;
    if (args.name !== undefined) {
      if (typeof args.name !== 'string' || args.name.length === 0) throw new Error(`actlab: ${kind}: name must be a non-empty string`);
      checkName(kind, args.name);
      this.explicitName = args.name;
    }
    this.trainable = args.trainable ?? true;
    if (args.inputShape !== undefined) this.inputShape = [...args.inputShape];
    else if (args.batchInputShape !== undefined) this.inputShape = args.batchInputShape.slice(1).map((d) => d ?? -1);
  }

  /** Whether fit updates this layer's weights; set it between fits to freeze or unfreeze the layer (true or false only). */
  get trainable(): boolean { return this.trainableFlag; }
  set trainable(value: boolean) {
    // A string from a form or a config ('false') would be truthy and train a layer meant to be frozen.
    if (typeof value !== 'boolean') throw new Error(`actlab: layer '${this.name}': trainable must be true or false, got ${describeValue(value)}`);
    this.trainableFlag = value;
  }

  /** The given name, or the one the model assigned (`dense_2`), or the kind. */
  get name(): string { return this.explicitName ?? this.autoName ?? this.kind; }
  /** True when the name was given in the layer's arguments rather than assigned by a model. */
  get hasExplicitName(): boolean { return this.explicitName !== undefined; }
  /** Called by a model so that unnamed layers get unique names (`dense`, `dense_1`, ...). */
  assignName(name: string): void {
    if (this.explicitName === undefined && this.weightList.length === 0) this.autoName = name;
  }

  /** True once build() has run: the weights exist and the output shape is known. */
  get built(): boolean { return this.outShape !== undefined; }

  /** Output shape without the batch axis; throws before build. */
  get outputShape(): Shape {
    if (this.outShape === undefined) throw new Error(`actlab: layer '${this.name}' is not built yet: its input shape is unknown`);
    return this.outShape;
  }

  /** Creates the weights for `inputShape` (without batch axis) and fixes the output shape. */
  build(inputShape: Shape, rng: Rng): void {
    this.checkLive();
    if (this.inputShape !== undefined && !sameShape(this.inputShape, inputShape)) {
      throw new Error(`actlab: layer '${this.name}' expects input shape ${shapeText(this.inputShape)} but receives ${shapeText(inputShape)}`);
    }
    const before = { input: this.inputShape, output: this.outShape, weights: this.weightList.length };
    this.inputShape = [...inputShape];
    try {
      this.outShape = this.computeOutputShape(inputShape);
      if (this.weightList.length === 0) this.createWeights(inputShape, rng);
    } catch (e) {
      // A build that fails (an initializer that throws, a shape that does not fit) leaves the
      // layer as it was: the weights it made are freed, not left to leak with a half-built layer
      // (weights it already had stay).
      for (const w of this.weightList.splice(before.weights)) w.tensor.dispose();
      this.inputShape = before.input;
      this.outShape = before.output;
      throw e;
    }
  }

  /** Output shape for an input shape (both without batch axis); throws when the input does not fit. */
  abstract computeOutputShape(inputShape: Shape): Shape;
  /** Adds this layer's weights (default: none). */
  protected createWeights(_inputShape: Shape, _rng: Rng): void {}
  /** The forward pass, from tape-recording ops. */
  abstract call(x: Tensor, options: CallOptions): Tensor;
  /** Constructor arguments as Keras config keys (snake_case), for saving. */
  abstract getConfig(): Config;

  /** Runs the layer on a batch, checking the input's shape first. */
  apply(x: Tensor, options: CallOptions): Tensor {
    this.checkLive();
    const got = x.shape.slice(1);
    if (!sameShape(this.inputShape ?? got, got)) {
      throw new Error(`actlab: layer '${this.name}' expects input shape [batch, ${(this.inputShape ?? []).join(', ')}] ` +
        `but receives ${shapeText(x.shape)}`);
    }
    const y: unknown = this.call(x, options);
    // A layer's output must be what computeOutputShape promised: predict copies it into a buffer
    // of that size, so a larger one (a user's Layer subclass) overwrote whatever lay after it.
    const want = this.outShape ?? [];
    if (!(y instanceof Tensor) || (this.built && (y.rank !== want.length + 1 || y.shape[0] !== x.shape[0] || !sameShape(y.shape.slice(1), want)))) {
      throw new Error(`actlab: layer '${this.name}' (${this.className}) returned ${y instanceof Tensor ? `a tensor ${shapeText(y.shape)}` : describeValue(y)} ` +
        `for input ${shapeText(x.shape)}; ${this.built ? `its output shape is [${[x.shape[0], ...want].join(', ')}]` : 'expected a Tensor'}`);
    }
    return y;
  }

  /**
   * Called with each weight's full name and shape before the weight is allocated; the model
   * loader sets it, so a file whose config asks for more than its manifest lists (units: 2e8
   * beside a 92-byte weights file) is refused before the memory is taken.
   * @internal
   */
  weightCheck?: (name: string, shape: Shape) => void;

  protected addWeight(name: string, shape: Shape, init: Initializer | string, rng: Rng, trainable = true): Tensor {
    this.weightCheck?.(`${this.name}/${name}`, shape);
    const initializer = getInitializer(init);
    const made: unknown = initializer.apply(shape, rng);
    if (!(made instanceof Tensor) || made.isDisposed || made.rank !== shape.length || made.shape.some((d, i) => d !== shape[i])) {
      const got = made instanceof Tensor ? `${made.isDisposed ? 'a disposed tensor ' : 'a tensor '}${shapeText(made.shape)}` : describeValue(made);
      // The initializer's tensor is the layer's to own (Initializer.apply), so a wrong one is freed.
      if (made instanceof Tensor) made.dispose();
      throw new Error(`actlab: layer '${this.name}': initializer '${String(initializer.name)}' must return a new tensor of shape ${shapeText(shape)} ` +
        `for weight '${this.name}/${name}', got ${got}`);
    }
    const t = rt().engine.keep(made);
    this.weightList.push({ name: `${this.name}/${name}`, tensor: t, trainable });
    return t;
  }

  /** Weights in creation order (kernel before bias, as Keras). */
  get weights(): readonly LayerWeight[] { return this.weightList; }
  /** The weights fit updates: none while `trainable` is false. */
  get trainableWeights(): readonly LayerWeight[] { return this.trainable ? this.weightList.filter((w) => w.trainable) : []; }

  /** The weights fit leaves alone: all of them while `trainable` is false (Keras's non_trainable_weights). */
  get nonTrainableWeights(): readonly LayerWeight[] { return this.trainable ? this.weightList.filter((w) => !w.trainable) : this.weightList; }

  /** Copies of the weight values (the caller owns them). */
  getWeights(): Tensor[] { return this.weightList.map((w) => w.tensor.reshape(w.tensor.shape)); }

  /** Overwrites the weights with values of the same shapes. */
  setWeights(values: readonly Tensor[]): void {
    this.checkLive();
    const names = this.weightList.map((w) => w.name).join(', ') || 'none';
    if (!Array.isArray(values)) {
      throw new Error(`actlab: layer '${this.name}'.setWeights takes an array of tensors, one per weight (${names}), got ${describeValue(values)}`);
    }
    if (values.length !== this.weightList.length) {
      throw new Error(`actlab: layer '${this.name}' has ${this.weightList.length} weights (${names}) but setWeights got ${values.length}`);
    }
    values.forEach((v: unknown, i) => {
      const w = this.weightList[i];
      if (!(v instanceof Tensor)) throw new Error(`actlab: layer '${this.name}'.setWeights: the value for '${w.name}' must be a Tensor, got ${describeValue(v)}`);
      if (v.isDisposed) throw new Error(`actlab: layer '${this.name}'.setWeights: the value for '${w.name}' (${shapeText(v.shape)}) was disposed`);
      if (!sameShape(v.shape, w.tensor.shape)) {
        throw new Error(`actlab: layer '${this.name}' weight '${w.name}' has shape ${shapeText(w.tensor.shape)} but the value has ${shapeText(v.shape)}${layoutHint(w.tensor.shape, v.shape)}`);
      }
    });
    const { heap } = rt();
    values.forEach((v, i) => {
      const w = this.weightList[i].tensor;
      heap.f32(w.ptr, w.size).set(heap.f32(v.ptr, v.size));
    });
  }

  /** Number of weight values (scalars) in the layer. */
  countParams(): number { return this.weightList.reduce((s, w) => s + w.tensor.size, 0); }

  /** Frees the weights; the layer cannot be used afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.weightList) w.tensor.dispose();
  }

  /** True after dispose(). */
  get isDisposed(): boolean { return this.disposed; }

  private checkLive(): void {
    if (this.disposed) throw new Error(`actlab: layer '${this.name}' was disposed and cannot be used`);
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i] || d === -1 || b[i] === -1);
}

/**
 * Advice for a weight value whose shape is a PyTorch layout of the expected one, else '':
 * a Linear weight [out, in] for a dense kernel [in, out], a Conv2d weight [out, in, kh, kw]
 * for a conv kernel [kh, kw, in, out]. (A square dense kernel cannot be told apart.)
 */
export function layoutHint(expected: Shape, got: Shape): string {
  if (expected.length === 2 && got.length === 2 && sameShape(got, [expected[1], expected[0]])) {
    return ': it is the transpose (a kernel is [in, out]; a PyTorch Linear.weight is [out, in], so pass its transpose)';
  }
  if (expected.length === 4 && got.length === 4 && sameShape(got, [expected[3], expected[2], expected[0], expected[1]])) {
    return ': a conv kernel is [kh, kw, in, out]; a PyTorch Conv2d.weight [out, in, kh, kw] goes in as weight.permute(2, 3, 1, 0)';
  }
  return '';
}

/** Checks a positive integer option. */
export function positiveInt(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new Error(`actlab: ${layer}: ${name} must be a positive integer, got ${showValue(v)}`);
  }
  return v;
}

/** Number of values per sample for a shape without batch axis. */
export function perSample(shape: Shape): number { return sizeOf(shape); }
