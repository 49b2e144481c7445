// What the curve-style analyzers share: how an activation (with parameter variants) is
// requested, and the sample grid.
import { getActivation, resolveParams, type Activation } from '../activations/index.js';
import { checkKeys, describeValue } from '../core/checks.js';
import { checkDrawable } from '../plot/series.js';

/**
 * One activation to analyze: a registry name (default parameters), or a name with
 * parameter values and an optional label, e.g. `{ name: 'swish', params: { beta: 2 } }`
 * (labelled 'swish (beta=2)' unless `label` is given).
 */
export type ActivationRequest = string | {
  readonly name: string;
  readonly params?: Readonly<Record<string, number>>;
  readonly label?: string;
};

/** A request checked against the registry, with every parameter's value filled in. */
export interface ResolvedRequest {
  readonly row: Activation;
  readonly label: string;
  /** Every parameter of the activation, given or default, as float32 values. */
  readonly params: Record<string, number>;
  /** Only the parameters the request gave (what the kernels get; the rest default there too). */
  readonly given: Readonly<Record<string, number>>;
}

function labelOf(name: string, given: Readonly<Record<string, number>>): string {
  const keys = Object.keys(given);
  return keys.length === 0 ? name : `${name} (${keys.map((k) => `${k}=${given[k]}`).join(', ')})`;
}

/**
 * Resolves requests against the registry. `defaults` gives parameters per activation name
 * for requests that name no parameters. Unknown names, parameters or out-of-range values
 * throw; two requests with the same label throw, since plots tell series apart by label.
 */
export function resolveRequests(fn: string, requests: readonly ActivationRequest[],
  defaults: Readonly<Record<string, Readonly<Record<string, number>>>> = {}): ResolvedRequest[] {
  if (!Array.isArray(requests)) {
    // curves and gradientFlow take the list first and options second; the training analyzers take one options object.
    const r: unknown = requests;
    const hint = typeof r === 'object' && r !== null && 'activations' in r ? ` (${fn} takes the list as its first argument: ${fn}(['relu', 'tanh'], { range }))` : '';
    throw new Error(`actlab: ${fn}: activations must be an array of registry names or { name, params } objects, e.g. ['relu', 'tanh'], got ${describeValue(requests)}${hint}`);
  }
  if (requests.length === 0) throw new Error(`actlab: ${fn}: no activations given: expected at least one registry name`);
  const seen = new Set<string>();
  return requests.map((req) => {
    const r: unknown = req;
    if (typeof r !== 'string' && (typeof r !== 'object' || r === null || !('name' in r) || typeof r.name !== 'string')) {
      throw new Error(`actlab: ${fn}: an activation must be a registry name or { name, params }, got ${describeValue(r)}`);
    }
    const name = typeof req === 'string' ? req : req.name;
    const row = getActivation(name);
    const given = (typeof req === 'string' ? undefined : req.params) ?? defaults[name] ?? {};
    const resolved = resolveParams(row, given);
    const params: Record<string, number> = {};
    row.params.forEach((p, i) => {
      params[p.name] = p.perChannel && resolved.channelValues !== undefined ? resolved.channelValues[0] : resolved.scalars[i];
    });
    const label = (typeof req === 'string' ? undefined : req.label) ?? labelOf(name, given);
    // Refused before the work rather than by the plot after it (a training run takes minutes).
    checkDrawable(fn, 'label', label);
    if (seen.has(label)) {
      throw new Error(`actlab: ${fn}: two activations are labelled '${label}': give each variant its own parameters or label`);
    }
    seen.add(label);
    return { row, label, params, given };
  });
}

/**
 * Refuses an option the analyzer does not have. The analyzers share most option names, so a
 * user guesses the others' by symmetry; an option one of them lacks (learningRate outside
 * compareTraining, `activations` where activationPatterns takes one `activation`) used to be
 * ignored, and the run quietly used the default instead.
 */
export function checkAnalyzerOptions(fn: string, options: unknown, allowed: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(`actlab: ${fn}: expected an options object, got ${describeValue(options)}`);
  }
  checkKeys(fn, options, allowed, (key) => {
    if (key === 'activations' && allowed.includes('activation')) return ` (${fn} takes one activation: activation: 'relu' or { name, params })`;
    if (key === 'activation' && allowed.includes('activations')) return ` (${fn} takes a list: activations: ['relu'])`;
    if (key === 'learningRate') {
      return ` (only compareTraining takes one; ${fn} ${['curves', 'gradientFlow', 'vanishingGradients'].includes(fn) ? 'trains nothing' : 'trains with Adam at 0.001'})`;
    }
    if (key === 'batchSize' && allowed.includes('batch')) return ` (${fn} trains nothing: 'batch' is the number of input rows)`;
    return '';
  });
}

/** Checks a sampling range and count. */
export function checkGrid(fn: string, range: readonly [number, number], samples: number): void {
  if (!Array.isArray(range) || range.length !== 2) throw new Error(`actlab: ${fn}: range must be [lo, hi], got ${describeValue(range)}`);
  const [lo, hi] = range;
  // The grid is float32 (the kernels' type): both ends must be finite there and still apart.
  if (typeof lo !== 'number' || typeof hi !== 'number' || !Number.isFinite(Math.fround(lo)) || !Number.isFinite(Math.fround(hi)) ||
    !(Math.fround(lo) < Math.fround(hi))) {
    throw new Error(`actlab: ${fn}: range [${lo}, ${hi}] is invalid: expected two finite float32 numbers with lo < hi (in float32 too)`);
  }
  if (!Number.isInteger(samples) || samples < 2 || samples > 1_000_000) {
    throw new Error(`actlab: ${fn}: samples = ${samples} is invalid: expected an integer from 2 to 1000000`);
  }
}

/**
 * `samples` evenly spaced float32 points from lo to hi, both ends included. Plain float64
 * arithmetic (exactly specified in every engine) rounded once to float32.
 */
export function sampleGrid(range: readonly [number, number], samples: number): Float32Array {
  const [lo, hi] = range;
  const x = new Float32Array(samples);
  for (let i = 0; i < samples; i++) x[i] = i === samples - 1 ? hi : lo + ((hi - lo) * i) / (samples - 1);
  return x;
}
