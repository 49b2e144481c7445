// Weight initializers with Keras' names and semantics, drawn from a seeded Rng.
// see: keras/src/initializers/random_initializers.py (VarianceScaling, compute_fans).
import { rt } from '../core/wasm.js';
import { empty, sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { Rng } from '../core/random.js';
import { finiteF32 } from '../core/checks.js';

/** Keras' constant: the std of a unit normal truncated to [-2, 2] is 0.8796... of the untruncated one. */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/** Which fan scales a variance-scaling draw: inputs, outputs, or their mean. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution of a variance-scaling draw (truncatedNormal: redrawn beyond two standard deviations). */
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';

/** How a weight's first values are made: layers take one of these or its name. */
export interface Initializer {
  /** The Keras-style camelCase name (`glorotUniform`). */
  readonly name: string;
  /**
   * The values that define it beside its name, saved in model files with it: `constant`'s
   * `{ value }` (a file that kept only the name could not make the layer again).
   */
  readonly config?: Readonly<Record<string, number>>;
  /**
   * A new tensor of `shape` (owned by the caller). Random initializers draw from the
   * initializer's own seed when it was given one (every call then gives the same values,
   * as in Keras), else from `rng`; with neither they throw rather than pick a seed.
   */
  apply(shape: Shape, rng?: Rng): Tensor;
}

/**
 * Keras compute_fans: [] -> (1, 1); [n] -> (n, n); [in, out] -> (in, out); conv kernels
 * [...spatial, cin, cout] -> (cin * r, cout * r) with r the product of the spatial dims.
 */
export function computeFans(shape: Shape): { fanIn: number; fanOut: number } {
  sizeOf(shape);
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptive = 1;
  for (const d of shape.slice(0, -2)) receptive *= d;
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** varianceScaling's options (Keras names and defaults). */
export interface VarianceScalingConfig {
  /** Variance factor, > 0; default 1. */
  scale?: number;
  /** Default 'fanIn'. */
  mode?: FanMode;
  /** Default 'truncatedNormal'. */
  distribution?: Distribution;
  /** The initializer's own seed: every call then gives the same values; default: draw from the model's generator. */
  seed?: number;
}

/** The spread of a varianceScaling draw: the std of the normal (before truncation) or the uniform's limit. */
export function varianceScalingSpread(shape: Shape, scale: number, mode: FanMode, distribution: Distribution): number {
  const { fanIn, fanOut } = computeFans(shape);
  const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
  const s = scale / Math.max(1, fan);
  // Square roots come from Wasm (f64.sqrt, correctly rounded everywhere); the divisions are IEEE.
  const sqrt = (v: number): number => rt().kernels.f64_sqrt1(v);
  if (distribution === 'truncatedNormal') return sqrt(s) / TRUNCATED_NORMAL_STD;
  if (distribution === 'untruncatedNormal') return sqrt(s);
  return sqrt(3 * s);
}

const MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg'];
const DISTRIBUTIONS: readonly Distribution[] = ['truncatedNormal', 'untruncatedNormal', 'uniform'];

function pickRng(name: string, seed: number | undefined, rng: Rng | undefined): Rng {
  if (seed !== undefined) return new Rng(seed);
  if (rng !== undefined) return rng;
  throw new Error(`actlab: initializer ${name} needs a seed ({ seed }) or an Rng argument; none was given`);
}

/**
 * Keras VarianceScaling: n = fan (by mode), s = scale / max(1, n); truncatedNormal draws
 * N(0, sqrt(s) / 0.8796) truncated at 2 std, untruncatedNormal N(0, sqrt(s)), uniform
 * U(-sqrt(3 s), sqrt(3 s)).
 */
export function varianceScaling(config: VarianceScalingConfig = {}, name = 'varianceScaling'): Initializer {
  const scale = config.scale ?? 1;
  const mode = config.mode ?? 'fanIn';
  const distribution = config.distribution ?? 'truncatedNormal';
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`actlab: ${name}: scale must be a finite number > 0, got ${scale}`);
  if (!MODES.includes(mode)) throw new Error(`actlab: ${name}: mode must be one of ${MODES.join(', ')}, got ${String(mode)}`);
  if (!DISTRIBUTIONS.includes(distribution)) {
    throw new Error(`actlab: ${name}: distribution must be one of ${DISTRIBUTIONS.join(', ')}, got ${String(distribution)}`);
  }
  const seed = config.seed;
  return {
    name,
    apply(shape: Shape, rng?: Rng): Tensor {
      const spread = varianceScalingSpread(shape, scale, mode, distribution);
      const r = pickRng(name, seed, rng);
      if (distribution === 'uniform') return r.uniform(shape, -spread, spread);
      if (distribution === 'truncatedNormal') return r.truncatedNormal(shape, 0, spread);
      return r.normal(shape, 0, spread);
    },
  };
}

/** A random initializer's options. */
export interface SeedConfig {
  /** The initializer's own seed: every call then gives the same values; default: draw from the model's generator. */
  seed?: number;
}

/** Glorot/Xavier uniform, Keras' default: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). Glorot & Bengio 2010. */
export function glorotUniform(c: SeedConfig = {}): Initializer {
  return varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: c.seed }, 'glorotUniform');
}
/** Glorot normal: truncated N(0, sqrt(2 / (fanIn + fanOut)) / 0.8796). */
export function glorotNormal(c: SeedConfig = {}): Initializer {
  return varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: c.seed }, 'glorotNormal');
}
/** He normal: truncated N(0, sqrt(2 / fanIn) / 0.8796). He et al. 2015. */
export function heNormal(c: SeedConfig = {}): Initializer {
  return varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: c.seed }, 'heNormal');
}
/** He uniform: U(-l, l), l = sqrt(6 / fanIn). */
export function heUniform(c: SeedConfig = {}): Initializer {
  return varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: c.seed }, 'heUniform');
}
/** LeCun normal (for selu): truncated N(0, sqrt(1 / fanIn) / 0.8796). LeCun et al. 1998. */
export function lecunNormal(c: SeedConfig = {}): Initializer {
  return varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: c.seed }, 'lecunNormal');
}
/** LeCun uniform: U(-l, l), l = sqrt(3 / fanIn). */
export function lecunUniform(c: SeedConfig = {}): Initializer {
  return varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: c.seed }, 'lecunUniform');
}

/** Every element equal to `value`. */
export function constant(c: { value: number }): Initializer {
  const value = c.value;
  finiteF32('constant', 'value', value);
  return {
    name: 'constant',
    config: { value },
    apply(shape: Shape): Tensor {
      const t = empty(shape);
      rt().heap.f32(t.ptr, t.size).fill(value);
      return t;
    },
  };
}
/** All zeros. */
export function zeros(): Initializer { return { name: 'zeros', apply: constant({ value: 0 }).apply }; }
/** All ones. */
export function ones(): Initializer { return { name: 'ones', apply: constant({ value: 1 }).apply }; }

const FACTORIES = new Map<string, (c: SeedConfig) => Initializer>([
  ['glorotUniform', glorotUniform], ['glorotNormal', glorotNormal], ['heNormal', heNormal],
  ['heUniform', heUniform], ['lecunNormal', lecunNormal], ['lecunUniform', lecunUniform],
  ['zeros', () => zeros()], ['ones', () => ones()],
]);

/** Initializer names accepted by getInitializer (camelCase as tfjs, or Keras' snake_case). */
export const INITIALIZER_NAMES: readonly string[] = [...FACTORIES.keys()];

const snakeToCamel = (s: string): string => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** An initializer by name (`'heNormal'` or `'he_normal'`) or passed through as is. */
export function getInitializer(spec: string | Initializer, config: SeedConfig = {}): Initializer {
  if (typeof spec !== 'string') return spec;
  const f = FACTORIES.get(snakeToCamel(spec));
  if (f === undefined) {
    throw new Error(`actlab: unknown initializer '${spec}'; expected one of ${INITIALIZER_NAMES.join(', ')} (or constant({ value }))`);
  }
  return f(config);
}
