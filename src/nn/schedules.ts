// Learning-rate schedules with Keras 3 names and formulas (keras.optimizers.schedules). An
// optimizer given a schedule as its learningRate asks it for the rate of every step, with
// the number of steps taken so far (`optimizer.iterations`, 0 for the first update), as
// Keras does.
//
// The rates must be the same bits in every runtime, so nothing here calls JavaScript's
// Math.cos/exp/log/pow (engines round those differently): cosines and non-integer powers
// come from the Wasm module's own float32 cos and float64 exp; the rest is + - * / and floor.
import { rt } from '../core/wasm.js';
import { checkKeys, describeValue, fileValue } from '../core/checks.js';

/** A schedule's constructor options as plain JSON values (getConfig()). */
export type ScheduleConfig = Readonly<Record<string, number | boolean | readonly number[] | null>>;

/** A schedule as an optimizer's getConfig() and a checkpoint store it. */
export interface ScheduleJson {
  /** The schedule's Keras class name. */
  readonly className: string;
  /** Its options. */
  readonly config: ScheduleConfig;
}

/**
 * A learning rate that depends on the step: pass one as an optimizer's learningRate. The
 * optimizer asks at(iterations) before each update (0 for the first), as Keras does.
 */
export abstract class LearningRateSchedule {
  /** The Keras class name: 'CosineDecay', 'ExponentialDecay', ... */
  abstract readonly className: string;
  /** The learning rate for the update that follows `step` earlier updates (step >= 0). */
  abstract at(step: number): number;
  /** The arguments that rebuild this schedule (schedules.fromConfig). */
  abstract getConfig(): ScheduleConfig;
  /** { className, config }: what getConfig() of an optimizer and checkpoints store (fromConfig rebuilds it). */
  toJSON(): ScheduleJson { return { className: this.className, config: this.getConfig() }; }
}

// ---- validation ----------------------------------------------------------------------------

function num(where: string, name: string, v: unknown, ok: (v: number) => boolean, expected: string): number {
  if (typeof v !== 'number' || !ok(v)) throw new Error(`actlab: ${where}: ${name} = ${String(v)} is out of range: expected ${expected}`);
  return v;
}

const finiteNonNeg = (v: number): boolean => Number.isFinite(v) && v >= 0;
const finitePos = (v: number): boolean => Number.isFinite(v) && v > 0;
const NON_NEG = 'a finite number >= 0';
const POS = 'a finite number > 0';

function flag(where: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new Error(`actlab: ${where}: ${name} = ${String(v)} must be true or false`);
  return v;
}

function checkStep(where: string, step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new Error(`actlab: ${where}: step = ${step} must be an integer >= 0`);
}

// ---- deterministic math ----------------------------------------------------------------------

/**
 * b^e for b >= 0 as exp(e ln b), both in float64 in Wasm (about 1e-13 relative for any e):
 * one formula for every step, so a decay rate^p falls step by step. (Exact products for
 * small integer p and a float32 log otherwise once gave jumps between neighbouring steps.)
 */
function pow(b: number, e: number): number {
  if (e === 0) return 1;
  if (b === 0) return e > 0 ? 0 : Infinity;
  const { kernels } = rt();
  return kernels.f64_exp1(e * kernels.f64_log1(b));
}

/**
 * (1 + cos(pi f)) / 2 for f in [0, 1], as sin(pi (1 - f) / 2)^2: no cancellation near f = 1,
 * and the float32 argument (1 - f) / 4 turns is relatively exact where the sine is small, so
 * the rate keeps float32 accuracy to the end. The sine is the Wasm module's.
 */
function halfCosine(f: number): number { const c = rt().kernels.f32_sin_turns1((1 - f) / 4); return c * c; }

// ---- the schedules ---------------------------------------------------------------------------

/** schedules.cosineDecay's options (Keras names). */
export interface CosineDecayOptions {
  /** The rate at step 0 (after the warmup: the rate the warmup starts from). */
  readonly initialLearningRate: number;
  /** Steps from the start of the decay to its end (an integer >= 1). */
  readonly decaySteps: number;
  /** The floor, as a fraction of the starting rate, in [0, 1]; default 0. */
  readonly alpha?: number;
  /** Optional linear warmup from initialLearningRate to warmupTarget over warmupSteps; the decay then starts from warmupTarget. */
  readonly warmupTarget?: number | null;
  /** Steps of the linear warmup (an integer >= 0; default 0, none); needs warmupTarget when > 0. */
  readonly warmupSteps?: number;
}

/**
 * Cosine decay (Loshchilov and Hutter, SGDR, arXiv:1608.03983, without restarts):
 * lr = from ((1 - alpha) (1 + cos(pi min(step, decaySteps) / decaySteps)) / 2 + alpha),
 * with an optional linear warmup before it. Keras' CosineDecay.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  /** See CosineDecayOptions. */
  readonly initialLearningRate: number;
  /** See CosineDecayOptions. */
  readonly decaySteps: number;
  /** See CosineDecayOptions. */
  readonly alpha: number;
  /** See CosineDecayOptions; null without a warmup. */
  readonly warmupTarget: number | null;
  /** See CosineDecayOptions. */
  readonly warmupSteps: number;

  constructor(o: CosineDecayOptions) {
    super();
    const where = 'schedules.cosineDecay';
    checkKeys(where, o, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps']);
    this.initialLearningRate = num(where, 'initialLearningRate', o.initialLearningRate, finiteNonNeg, NON_NEG);
    this.decaySteps = num(where, 'decaySteps', o.decaySteps, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
    this.alpha = num(where, 'alpha', o.alpha ?? 0, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    this.warmupTarget = o.warmupTarget === undefined || o.warmupTarget === null ? null : num(where, 'warmupTarget', o.warmupTarget, finiteNonNeg, NON_NEG);
    this.warmupSteps = num(where, 'warmupSteps', o.warmupSteps ?? 0, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    if (this.warmupSteps > 0 && this.warmupTarget === null) {
      throw new Error(`actlab: ${where}: warmupSteps = ${this.warmupSteps} needs a warmupTarget (the rate the warmup climbs to)`);
    }
  }

  at(step: number): number {
    checkStep(`${this.className}.at`, step);
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }

  private decay(step: number, from: number): number {
    const cosine = halfCosine(step / this.decaySteps);
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha, warmupTarget: this.warmupTarget, warmupSteps: this.warmupSteps };
  }
}

/** schedules.exponentialDecay's options. */
export interface ExponentialDecayOptions {
  /** The rate at step 0, >= 0. */
  readonly initialLearningRate: number;
  /** Steps per factor of decayRate (> 0). */
  readonly decaySteps: number;
  /** > 0; below 1 decays, above 1 grows. */
  readonly decayRate: number;
  /** Decay in whole steps of decaySteps (floor of step / decaySteps); default false. */
  readonly staircase?: boolean;
}

/** schedules.inverseTimeDecay's options. */
export interface InverseTimeDecayOptions {
  /** The rate at step 0, >= 0. */
  readonly initialLearningRate: number;
  /** Steps per unit of decayRate (> 0). */
  readonly decaySteps: number;
  /** >= 0. */
  readonly decayRate: number;
  /** Decay in whole steps of decaySteps (floor of step / decaySteps); default false. */
  readonly staircase?: boolean;
}

/** The two schedules of p = step / decaySteps (floored with staircase) and a decay rate. */
abstract class RateDecay extends LearningRateSchedule {
  /** The rate at step 0. */
  readonly initialLearningRate: number;
  /** Steps per unit of the exponent (or of decayRate). */
  readonly decaySteps: number;
  /** The decay rate. */
  readonly decayRate: number;
  /** Whether step / decaySteps is floored. */
  readonly staircase: boolean;

  protected constructor(where: string, o: ExponentialDecayOptions, rateOk: (v: number) => boolean, rateRange: string) {
    super();
    checkKeys(where, o, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
    this.initialLearningRate = num(where, 'initialLearningRate', o.initialLearningRate, finiteNonNeg, NON_NEG);
    this.decaySteps = num(where, 'decaySteps', o.decaySteps, finitePos, POS);
    this.decayRate = num(where, 'decayRate', o.decayRate, rateOk, rateRange);
    this.staircase = flag(where, 'staircase', o.staircase);
  }

  at(step: number): number {
    checkStep(`${this.className}.at`, step);
    const p = step / this.decaySteps;
    return this.decayed(this.staircase ? Math.floor(p) : p);
  }

  protected abstract decayed(p: number): number;

  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate, staircase: this.staircase };
  }
}

/** lr = initialLearningRate * decayRate^(step / decaySteps) (floored with staircase). Keras' ExponentialDecay. */
export class ExponentialDecay extends RateDecay {
  readonly className = 'ExponentialDecay';
  constructor(o: ExponentialDecayOptions) { super('schedules.exponentialDecay', o, finitePos, POS); }
  protected decayed(p: number): number { return this.initialLearningRate * pow(this.decayRate, p); }
}

/** lr = initialLearningRate / (1 + decayRate * step / decaySteps) (floored with staircase). Keras' InverseTimeDecay. */
export class InverseTimeDecay extends RateDecay {
  readonly className = 'InverseTimeDecay';
  constructor(o: InverseTimeDecayOptions) { super('schedules.inverseTimeDecay', o, finiteNonNeg, NON_NEG); }
  protected decayed(p: number): number { return this.initialLearningRate / (1 + this.decayRate * p); }
}

/** schedules.polynomialDecay's options. */
export interface PolynomialDecayOptions {
  /** The rate at step 0, >= 0. */
  readonly initialLearningRate: number;
  /** Steps from initialLearningRate to endLearningRate (> 0). */
  readonly decaySteps: number;
  /** The rate at and after decaySteps; default 1e-4 (Keras). */
  readonly endLearningRate?: number;
  /** > 0, default 1 (linear). */
  readonly power?: number;
  /** Start over with a longer decay after each multiple of decaySteps; default false. */
  readonly cycle?: boolean;
}

/**
 * lr = (initial - end) (1 - s / decaySteps)^power + end with s = min(step, decaySteps); with
 * cycle, decaySteps grows to the next multiple of itself at or above step. Keras' PolynomialDecay.
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly className = 'PolynomialDecay';
  /** See PolynomialDecayOptions. */
  readonly initialLearningRate: number;
  /** See PolynomialDecayOptions. */
  readonly decaySteps: number;
  /** See PolynomialDecayOptions. */
  readonly endLearningRate: number;
  /** See PolynomialDecayOptions. */
  readonly power: number;
  /** See PolynomialDecayOptions. */
  readonly cycle: boolean;

  constructor(o: PolynomialDecayOptions) {
    super();
    const where = 'schedules.polynomialDecay';
    checkKeys(where, o, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle']);
    this.initialLearningRate = num(where, 'initialLearningRate', o.initialLearningRate, finiteNonNeg, NON_NEG);
    this.decaySteps = num(where, 'decaySteps', o.decaySteps, finitePos, POS);
    this.endLearningRate = num(where, 'endLearningRate', o.endLearningRate ?? 1e-4, finiteNonNeg, NON_NEG);
    this.power = num(where, 'power', o.power ?? 1, finitePos, POS);
    this.cycle = flag(where, 'cycle', o.cycle);
  }

  at(step: number): number {
    checkStep(`${this.className}.at`, step);
    let steps = this.decaySteps, s = step;
    if (this.cycle) steps *= step === 0 ? 1 : Math.ceil(step / steps);
    else s = Math.min(step, steps);
    return (this.initialLearningRate - this.endLearningRate) * pow(1 - s / steps, this.power) + this.endLearningRate;
  }

  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, endLearningRate: this.endLearningRate, power: this.power, cycle: this.cycle };
  }
}

/** schedules.piecewiseConstantDecay's options. */
export interface PiecewiseConstantDecayOptions {
  /** Increasing step counts. */
  readonly boundaries: readonly number[];
  /** One more than the boundaries: values[i] applies while boundaries[i-1] < step <= boundaries[i]. */
  readonly values: readonly number[];
}

/** values[0] up to and including boundaries[0], values[1] up to boundaries[1], ..., then the last value. Keras' PiecewiseConstantDecay. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  /** See PiecewiseConstantDecayOptions. */
  readonly boundaries: readonly number[];
  /** See PiecewiseConstantDecayOptions. */
  readonly values: readonly number[];

  constructor(o: PiecewiseConstantDecayOptions) {
    super();
    const where = 'schedules.piecewiseConstantDecay';
    checkKeys(where, o, ['boundaries', 'values']);
    if (!Array.isArray(o.boundaries) || !Array.isArray(o.values)) throw new Error(`actlab: ${where}: boundaries and values must be arrays of numbers`);
    if (o.values.length !== o.boundaries.length + 1) {
      throw new Error(`actlab: ${where}: ${o.values.length} values for ${o.boundaries.length} boundaries: there must be one value more than boundaries`);
    }
    o.boundaries.forEach((b, i) => {
      num(where, `boundaries[${i}]`, b, finiteNonNeg, NON_NEG);
      if (i > 0 && !(b > o.boundaries[i - 1])) throw new Error(`actlab: ${where}: boundaries must increase, but boundaries[${i}] = ${b} follows ${o.boundaries[i - 1]}`);
    });
    o.values.forEach((v, i) => num(where, `values[${i}]`, v, finiteNonNeg, NON_NEG));
    this.boundaries = [...o.boundaries];
    this.values = [...o.values];
  }

  at(step: number): number {
    checkStep(`${this.className}.at`, step);
    let i = 0;
    while (i < this.boundaries.length && step > this.boundaries[i]) i++;
    return this.values[i];
  }

  getConfig(): ScheduleConfig { return { boundaries: this.boundaries, values: this.values }; }
}

// ---- factories (Keras' names in camelCase) -----------------------------------------------------

/** Keras CosineDecay: from initialLearningRate down a half cosine to alpha times it over decaySteps, with optional warmup. */
export function cosineDecay(options: CosineDecayOptions): CosineDecay { return new CosineDecay(options); }
/** Keras ExponentialDecay: initialLearningRate * decayRate^(step / decaySteps) (staircase: floored). */
export function exponentialDecay(options: ExponentialDecayOptions): ExponentialDecay { return new ExponentialDecay(options); }
/** Keras InverseTimeDecay: initialLearningRate / (1 + decayRate * step / decaySteps). */
export function inverseTimeDecay(options: InverseTimeDecayOptions): InverseTimeDecay { return new InverseTimeDecay(options); }
/** Keras PolynomialDecay: from initialLearningRate to endLearningRate along (1 - step / decaySteps)^power (cycle: restarts). */
export function polynomialDecay(options: PolynomialDecayOptions): PolynomialDecay { return new PolynomialDecay(options); }
/** Keras PiecewiseConstantDecay: values[i] up to boundaries[i], the last value after. */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): PiecewiseConstantDecay { return new PiecewiseConstantDecay(options); }

/** The keys of each schedule class's getConfig(). */
const SCHEDULE_KEYS: Readonly<Partial<Record<string, readonly string[]>>> = {
  CosineDecay: ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'],
  ExponentialDecay: ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'],
  InverseTimeDecay: ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'],
  PolynomialDecay: ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle'],
  PiecewiseConstantDecay: ['boundaries', 'values'],
};

/** Rebuilds a schedule from its JSON (an optimizer's getConfig().learningRate, a checkpoint). */
export function fromConfig(json: ScheduleJson): LearningRateSchedule {
  const c: ScheduleConfig | undefined = json?.config;
  if (typeof c !== 'object' || c === null) throw new Error(`actlab: schedules.fromConfig: expected {className, config}, got ${fileValue(json)}`);
  // An own key only: a class named 'toString' must reach the unknown-class error.
  const keys = typeof json.className === 'string' && Object.prototype.hasOwnProperty.call(SCHEDULE_KEYS, json.className) ? SCHEDULE_KEYS[json.className] : undefined;
  // A key the class lacks (Keras's warmup_steps, a misspelling) would be ignored, and the
  // schedule would run without that setting; checkKeys refuses it (quoting the key bounded and escaped).
  if (keys !== undefined) checkKeys(`schedules.fromConfig: ${String(json.className)}`, c, keys);
  // Numbers of the wrong type pass through as NaN, so the constructors name them.
  const n = (k: string): number => (typeof c[k] === 'number' ? Number(c[k]) : Number.NaN);
  const opt = (k: string): number | undefined => (c[k] === undefined || c[k] === null ? undefined : n(k));
  const b = (k: string): boolean | undefined => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    // A string 'true' was read as false.
    if (typeof v !== 'boolean') throw new Error(`actlab: schedules.fromConfig: ${String(json.className)} config '${k}' is ${typeof v === 'object' ? 'an object or list' : JSON.stringify(v).slice(0, 60)}; expected true or false`);
    return v;
  };
  // Not Number(): a string '1' in a list was read as 1, and a list that is not one as [].
  const list = (k: string): number[] => {
    const v = c[k];
    if (!Array.isArray(v)) throw new Error(`actlab: schedules.fromConfig: ${String(json.className)} config '${k}' must be a list of numbers, got ${v === null || v === undefined ? String(v) : typeof v}`);
    return v.map((e: unknown) => (typeof e === 'number' ? e : Number.NaN));
  };
  switch (json.className) {
    case 'CosineDecay': return new CosineDecay({ initialLearningRate: n('initialLearningRate'), decaySteps: n('decaySteps'), alpha: opt('alpha'), warmupTarget: opt('warmupTarget'), warmupSteps: opt('warmupSteps') });
    case 'ExponentialDecay': return new ExponentialDecay({ initialLearningRate: n('initialLearningRate'), decaySteps: n('decaySteps'), decayRate: n('decayRate'), staircase: b('staircase') });
    case 'InverseTimeDecay': return new InverseTimeDecay({ initialLearningRate: n('initialLearningRate'), decaySteps: n('decaySteps'), decayRate: n('decayRate'), staircase: b('staircase') });
    case 'PolynomialDecay': return new PolynomialDecay({ initialLearningRate: n('initialLearningRate'), decaySteps: n('decaySteps'), endLearningRate: opt('endLearningRate'), power: opt('power'), cycle: b('cycle') });
    case 'PiecewiseConstantDecay': return new PiecewiseConstantDecay({ boundaries: list('boundaries'), values: list('values') });
    // Not String(): a class name from a file may be an object whose own toString is not a function (a TypeError).
    default: throw new Error(`actlab: schedules.fromConfig: unknown schedule class ${typeof json.className === 'string' ? `'${json.className.slice(0, 60)}'` : describeValue(json.className)}; known: CosineDecay, ExponentialDecay, InverseTimeDecay, PolynomialDecay, PiecewiseConstantDecay`);
  }
}
