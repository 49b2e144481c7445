// Figures for slides 1, 2, 3, 5 (curves) and 9 (gradient flow): f and f' side by side.
import type { TopLevelSpec } from 'vega-lite';
import type { CurvesResult } from '../analyzers/curves.js';
import type { GradientFlowResult } from '../analyzers/gradient-flow.js';
import { CONFIG, SCHEMA, title, type VegaLiteSpec, vl } from './theme.js';

export type CurvePanel = 'f' | 'df' | 'both';

export interface CurvesPlotOptions {
  /** f(x), f'(x), or both side by side (default). */
  readonly show?: CurvePanel;
  readonly title?: string;
  readonly subtitle?: string;
}

const PANEL_TITLE = { f: 'f(x)', df: "f'(x)" } as const;

interface Series { readonly label: string; readonly f: readonly number[]; readonly df: readonly number[] }

function rows(x: readonly number[], series: readonly Series[], panels: readonly ('f' | 'df')[]): Record<string, number | string>[] {
  const out: Record<string, number | string>[] = [];
  for (const s of series) {
    for (const p of panels) {
      const ys = p === 'f' ? s.f : s.df;
      // Non-finite values (exponential's overflow) cannot be drawn: leave the point out.
      for (let i = 0; i < x.length; i++) if (Number.isFinite(ys[i])) out.push({ x: x[i], y: ys[i], series: s.label, panel: PANEL_TITLE[p] });
    }
  }
  return out;
}

function lineSpec(x: readonly number[], series: readonly Series[], show: CurvePanel, text: string, subtitle?: string): TopLevelSpec {
  const panels: ('f' | 'df')[] = show === 'both' ? ['f', 'df'] : [show];
  const both = panels.length === 2;
  const labels = series.map((s) => s.label);
  const encoding = {
    x: { field: 'x', type: 'quantitative' as const, title: 'input x' },
    y: { field: 'y', type: 'quantitative' as const, title: both ? 'value' : PANEL_TITLE[panels[0]] },
    color: {
      field: 'series', type: 'nominal' as const, title: 'activation', sort: labels,
      legend: { orient: 'bottom' as const, columns: 4, symbolType: 'stroke' },
    },
  };
  const base = {
    $schema: SCHEMA,
    title: title(text, subtitle),
    config: CONFIG,
    data: { values: rows(x, series, panels) },
  };
  if (!both) return { ...base, width: 560, height: 300, mark: { type: 'line', clip: true }, encoding };
  return {
    ...base,
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: [PANEL_TITLE.f, PANEL_TITLE.df] } },
    spec: { width: 270, height: 260, mark: { type: 'line', clip: true }, encoding },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Line chart of f(x) and/or f'(x) for every curve, coloured by label. */
export function curvesSpec(result: CurvesResult, options: CurvesPlotOptions = {}): VegaLiteSpec {
  const show = options.show ?? 'both';
  const what = show === 'f' ? 'Activation functions' : show === 'df' ? 'Derivatives of activation functions' : "Activation functions and their derivatives";
  return lineSpec(result.x, result.curves, show, options.title ?? what,
    options.subtitle ?? `x in [${result.range[0]}, ${result.range[1]}], ${result.samples} points, computed in Wasm`);
}

/** Slide 9: f(x) and the tape's f'(x) side by side. */
export function gradientFlowSpec(result: GradientFlowResult, options: CurvesPlotOptions = {}): VegaLiteSpec {
  return lineSpec(result.x, result.series, options.show ?? 'both', options.title ?? 'Gradient flow through activations',
    options.subtitle ?? `f'(x) from the gradient tape, x in [${result.range[0]}, ${result.range[1]}], ${result.samples} points`);
}

/** Slide 9: mean |f'| and std of f' per activation, as grouped bars. */
export function gradientStatsSpec(result: GradientFlowResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const values = result.series.flatMap((s) => [
    { series: s.label, statistic: "mean |f'(x)|", value: s.meanAbsGrad },
    { series: s.label, statistic: "std of f'(x)", value: s.stdGrad },
  ]);
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Gradient statistics', `over x in [${result.range[0]}, ${result.range[1]}]; larger mean |f'| passes more gradient`),
    config: CONFIG,
    width: 560, height: 280,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'series', type: 'nominal', title: 'activation', sort: result.series.map((s) => s.label), axis: { labelAngle: 0 } },
      xOffset: { field: 'statistic', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: "f'(x) statistic (unitless)" },
      color: { field: 'statistic', type: 'nominal', title: null, legend: { orient: 'top' } },
      tooltip: [{ field: 'series' }, { field: 'statistic' }, { field: 'value', format: '.4f' }],
    },
  });
}
