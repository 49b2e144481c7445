// Figures for slides 1, 2, 3, 5 (curves) and 9 (gradient flow): f and f' side by side.
import type { TopLevelSpec } from 'vega-lite';
import type { CurvesResult } from '../analyzers/curves.js';
import type { GradientFlowResult } from '../analyzers/gradient-flow.js';
import { CONFIG, SCHEMA, categoryAxis, title, type VegaLiteSpec, vl } from './theme.js';
import { DASHES, TICK_NUMBER, checkDrawable, finiteOrNull, fmt, nonFinite, omissionNote, seriesStyles, type Omission } from './series.js';

/** Which panels a curves figure shows: f(x), f'(x), or both. */
export type CurvePanel = 'f' | 'df' | 'both';

/** curvesSpec's and gradientFlowSpec's options. */
export interface CurvesPlotOptions {
  /** f(x), f'(x), or both side by side (default). */
  readonly show?: CurvePanel;
  /** The figure's title; default: a description of the figure. */
  readonly title?: string;
  /** A line under the title; default: the x range and the number of points. */
  readonly subtitle?: string;
}

const PANEL_TITLE = { f: 'f(x)', df: "f'(x)" } as const;

interface Series { readonly label: string; readonly name?: string; readonly f: readonly number[]; readonly df: readonly number[] }

/**
 * Points a line draws at most per series and panel. More cannot be told apart at the
 * figure's width, and Vega's rendering took about 26 KB a point (2.6 GB for 100,000).
 */
export const MAX_DRAWN_POINTS = 2001;

/** Every `stride`-th index of n, and the last one. */
function drawnIndices(n: number, stride: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i += stride) out.push(i);
  if (n > 0 && out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

function rows(x: readonly number[], series: readonly Series[], panels: readonly ('f' | 'df')[], stride: number): Record<string, number | string>[] {
  const out: Record<string, number | string>[] = [];
  const drawn = drawnIndices(x.length, stride);
  for (const s of series) {
    for (const p of panels) {
      const ys = p === 'f' ? s.f : s.df;
      // Non-finite values (exponential's overflow) cannot be drawn: leave the point out (the subtitle says so).
      // `+ 0` turns -0 (hardSwish) into 0, which JSON keeps the same.
      for (const i of drawn) if (Number.isFinite(ys[i])) out.push({ x: x[i] + 0, y: ys[i] + 0, series: s.label, panel: PANEL_TITLE[p] });
    }
  }
  return out;
}

/** Per series and panel, the points that are not finite, as a subtitle sentence ('' when none). */
function droppedNote(x: readonly number[], series: readonly Series[], panels: readonly ('f' | 'df')[]): string {
  const omitted: Omission[] = [];
  for (const s of series) {
    for (const p of panels) {
      const n = nonFinite((p === 'f' ? s.f : s.df).slice(0, x.length));
      if (n.count > 0) omitted.push({ series: s.label, what: `${PANEL_TITLE[p]} ${n.kinds}`, count: n.count, total: x.length });
    }
  }
  return omissionNote(omitted, 'not finite');
}

/** Ticks at round values that include 0 when the range spans it (Vega's own pick can step over it). */
function xTicks(x: readonly number[]): number[] | undefined {
  if (x.length < 2) return undefined;
  const lo = x[0], hi = x[x.length - 1];
  if (!(lo < 0 && hi > 0)) return undefined;
  const raw = (hi - lo) / 8;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((v) => v >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

function lineSpec(x: readonly number[], series: readonly Series[], show: CurvePanel, text: string, subtitle: string): TopLevelSpec {
  const panels: ('f' | 'df')[] = show === 'both' ? ['f', 'df'] : [show];
  const both = panels.length === 2;
  const style = seriesStyles(series, DASHES.length, true);
  const stride = x.length <= MAX_DRAWN_POINTS ? 1 : Math.ceil((x.length - 1) / (MAX_DRAWN_POINTS - 1));
  const dropped = droppedNote(x, series, panels);
  const thinned = stride > 1 ? `drawn: 1 point in ${stride} of the ${x.length} (and the last); the JSON has them all` : '';
  const notes = [thinned, dropped].filter((t) => t !== '');
  const ticks = xTicks(x);
  // Symbols long enough (about 30 px) to show a whole period of the longest dash pattern.
  const legend = { orient: 'bottom' as const, columns: 4, symbolType: 'stroke', symbolSize: 900, labelLimit: 260 };
  const encoding = {
    x: { field: 'x', type: 'quantitative' as const, title: 'input x', axis: { format: TICK_NUMBER, ...(ticks === undefined ? {} : { values: ticks }) } },
    y: { field: 'y', type: 'quantitative' as const, title: both ? 'value' : PANEL_TITLE[panels[0]], axis: { format: TICK_NUMBER } },
    // The explicit domain keeps a series in the legend even when none of its points could be drawn.
    color: {
      field: 'series', type: 'nominal' as const, title: 'activation', sort: style.labels,
      scale: { domain: style.labels, range: style.colors }, legend,
    },
    ...(style.dashed
      ? { strokeDash: { field: 'series', type: 'nominal' as const, title: 'activation', sort: style.labels, scale: { domain: style.labels, range: style.dashes }, legend } }
      : {}),
  };
  const base = {
    $schema: SCHEMA,
    title: title(text, notes.length === 0 ? subtitle : [subtitle, ...notes], both ? 700 : 640),
    config: CONFIG,
    data: { values: rows(x, series, panels, stride) },
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

/** Slide 9: mean |f'| and std of f' per activation, as grouped bars; a value that is not finite is written in its slot. */
export function gradientStatsSpec(result: GradientFlowResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const values = result.series.flatMap((s) => [
    { series: s.label, statistic: "mean |f'(x)|", v: s.meanAbsGrad },
    { series: s.label, statistic: "std of f'(x)", v: s.stdGrad },
  ]).map((r) => ({ series: r.series, statistic: r.statistic, value: finiteOrNull(r.v), note: Number.isFinite(r.v) ? '' : fmt(r.v) }));
  const bad = values.filter((r) => r.value === null).map((r) => `${r.series} ${r.statistic} = ${r.note}`);
  const subtitle = `over x in [${result.range[0]}, ${result.range[1]}]; larger mean |f'| passes more gradient`;
  const labels = result.series.map((s) => s.label);
  for (const l of labels) checkDrawable('plot', 'series label', l);
  const x = { field: 'series', type: 'nominal' as const, title: 'activation', sort: labels, axis: categoryAxis(labels, 560) };
  const xOffset = { field: 'statistic', type: 'nominal' as const, sort: ["mean |f'(x)|", "std of f'(x)"] };
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Gradient statistics', bad.length === 0 ? subtitle : [subtitle, `not drawn, not finite: ${bad.join(', ')}`]),
    config: CONFIG,
    width: 560, height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x, xOffset,
          y: { field: 'value', type: 'quantitative', title: "f'(x) statistic (unitless)", axis: { format: TICK_NUMBER } },
          // Greys: the activation colours (series.ts) stay reserved for activations.
          color: { field: 'statistic', type: 'nominal', title: null, sort: xOffset.sort, scale: { domain: xOffset.sort, range: ['#4d4d4d', '#b3b3b3'] }, legend: { orient: 'top' } },
          tooltip: [{ field: 'series' }, { field: 'statistic' }, { field: 'value', format: '.4f' }],
        },
      },
      {
        // A missing bar would read as zero: write the value in its slot instead.
        transform: [{ filter: "datum.note !== ''" }],
        mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 10, color: '#c00' },
        encoding: { x, xOffset, y: { datum: 0 }, text: { field: 'note' } },
      },
    ],
  });
}
