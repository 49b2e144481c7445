// Slide 9: how much gradient an activation lets through. f and f' come from the gradient
// tape (the activation op differentiated by grad), not from a hand-written derivative, so
// this is the gradient a network would see; mean |f'| and the spread of f' summarise it.
import { tensor, type Tensor } from '../core/tensor.js';
import { tidy } from '../core/scope.js';
import { valueAndGrads } from '../autograd/grad.js';
import { activation } from '../ops/activation.js';
import { checkAnalyzerOptions, checkGrid, resolveRequests, sampleGrid, type ActivationRequest, type ResolvedRequest } from './common.js';
import { stats } from './reduce.js';
import type { ActivationName } from '../activations/registry.js';

/** gradientFlow()'s options. */
export interface GradientFlowOptions {
  /** Input range [lo, hi]; default [-5, 5] (the seed's). */
  readonly range?: readonly [number, number];
  /** Points in the range, ends included; default 1000. */
  readonly samples?: number;
  /** Parameters per activation name, for requests that give none (as curves' option). */
  readonly params?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** One activation's f and tape gradient over the grid, with summary statistics. */
export interface GradientFlowSeries {
  /** The series label (the request's, or the name with its parameters). */
  readonly label: string;
  /** The registry name (label adds the parameters). */
  readonly name: ActivationName;
  /** The parameter values used (defaults filled in). */
  readonly params: Record<string, number>;
  /** f at each grid point. */
  readonly f: number[];
  /** df/dx from the tape. */
  readonly df: number[];
  /** mean |f'(x)| over the grid. */
  readonly meanAbsGrad: number;
  /** mean f'(x) over the grid. */
  readonly meanGrad: number;
  /** Population standard deviation of f'(x) over the grid. */
  readonly stdGrad: number;
  /** max |f'(x)| over the grid. */
  readonly maxAbsGrad: number;
}

/** What gradientFlow() returns. */
export interface GradientFlowResult {
  /** The input range [lo, hi]. */
  readonly range: [number, number];
  /** Grid points, ends included. */
  readonly samples: number;
  /** The grid, float32 values. */
  readonly x: number[];
  /** One series per requested activation, in request order. */
  readonly series: GradientFlowSeries[];
}

function tapeParams(r: ResolvedRequest): Record<string, number | Tensor> {
  const out: Record<string, number | Tensor> = {};
  for (const p of r.row.params) {
    // The op takes per-channel parameters as tensors; x is [samples, 1], so one channel.
    if (p.perChannel) out[p.name] = tensor([r.params[p.name]], [1]);
    else if (p.name in r.given) out[p.name] = r.given[p.name];
  }
  return out;
}

/**
 * f and f' through the tape on an even grid, with mean |f'|, mean and std of f'
 * (reductions in Wasm). Example: `gradientFlow(['relu', 'sigmoid', 'tanh', 'elu'])`.
 */
export function gradientFlow(names: readonly ActivationRequest[], options: GradientFlowOptions = {}): GradientFlowResult {
  checkAnalyzerOptions('gradientFlow', options, ['range', 'samples', 'params']);
  const range = options.range ?? [-5, 5];
  const samples = options.samples ?? 1000;
  checkGrid('gradientFlow', range, samples);
  const requests = resolveRequests('gradientFlow', names, options.params);
  const x = sampleGrid(range, samples);
  const series = requests.map((r) => tidy((): GradientFlowSeries => {
    const xt = tensor(x, [samples, 1]);
    const params = tapeParams(r);
    const { value, grads } = valueAndGrads(() => activation(xt, r.row.name, params), [xt]);
    const s = stats(grads[0]);
    return {
      label: r.label, name: r.row.name, params: r.params,
      f: Array.from(value.dataSync()), df: Array.from(grads[0].dataSync()),
      meanAbsGrad: s.meanAbs, meanGrad: s.mean, stdGrad: s.std, maxAbsGrad: s.maxAbs,
    };
  }));
  return { range: [range[0], range[1]], samples, x: Array.from(x), series };
}
