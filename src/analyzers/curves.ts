// Slides 1, 2, 3 and 5: activation functions and their derivatives over a range, with
// parameter variants side by side (swish beta = 1 and 2, PReLU alpha = 0.05, ...).
import { activations } from '../activations/index.js';
import { checkAnalyzerOptions, checkGrid, resolveRequests, sampleGrid, type ActivationRequest } from './common.js';
import type { ActivationName } from '../activations/registry.js';

/** curves()'s options. */
export interface CurvesOptions {
  /** Input range [lo, hi]; default [-10, 10] (the seed's). */
  readonly range?: readonly [number, number];
  /** Points in the range, ends included; default 200. */
  readonly samples?: number;
  /** Parameters per activation name, for requests that give none. */
  readonly params?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** One activation's curve: f(x) and f'(x) at every grid point, and its registry facts. */
export interface CurveSeries {
  /** The series label (the request's, or the name with its parameters). */
  readonly label: string;
  /** The registry name (label adds the parameters). */
  readonly name: ActivationName;
  /** The parameter values used (defaults filled in). */
  readonly params: Record<string, number>;
  /** f at each grid point. */
  readonly f: number[];
  /** f' at each grid point. */
  readonly df: number[];
  /** f(x) in LaTeX. */
  readonly formula: string;
  /** f'(x) in LaTeX. */
  readonly derivative: string;
  /** The paper that introduced or defines it. */
  readonly paper?: string;
}

/** What curves() returns. */
export interface CurvesResult {
  /** The input range [lo, hi]. */
  readonly range: [number, number];
  /** Grid points, ends included. */
  readonly samples: number;
  /** The grid, float32 values. */
  readonly x: number[];
  /** One curve per requested activation, in request order. */
  readonly curves: CurveSeries[];
}

/**
 * f and f' of each requested activation on an even grid, from the forward and backward
 * kernels. Example: `curves(['relu', { name: 'swish', params: { beta: 2 } }], { range: [-5, 5] })`.
 */
export function curves(names: readonly ActivationRequest[], options: CurvesOptions = {}): CurvesResult {
  checkAnalyzerOptions('curves', options, ['range', 'samples', 'params']);
  const range = options.range ?? [-10, 10];
  const samples = options.samples ?? 200;
  checkGrid('curves', range, samples);
  const requests = resolveRequests('curves', names, options.params);
  const x = sampleGrid(range, samples);
  return {
    range: [range[0], range[1]],
    samples,
    x: Array.from(x),
    curves: requests.map((r) => ({
      label: r.label,
      name: r.row.name,
      params: r.params,
      f: Array.from(activations.apply(r.row.name, x, r.given)),
      df: Array.from(activations.derivative(r.row.name, x, r.given)),
      formula: r.row.formula,
      derivative: r.row.derivative,
      ...(r.row.paper === undefined ? {} : { paper: r.row.paper }),
    })),
  };
}
