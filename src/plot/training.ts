// Figures for the training analyzers (slides 6, 7, 10-13), built from the result types
// of src/analyzers/types.ts.
import type {
  ActivationPatternsResult, BenchmarkResult, CompareCnnResult, CompareTrainingResult, TrainingDynamicsResult,
  TrainingRun, VanishingGradientsResult,
} from '../analyzers/types.js';
import { CONFIG, SCHEMA, categoryAxis, title, type VegaLiteSpec, vl } from './theme.js';
import { TICK_NUMBER, TICK_PERCENT, finiteOrNull, fmt, nonFinite, omissionNote, plural, seriesStyles, type Omission } from './series.js';

type Row = Record<string, number | string | null>;

const SPLITS = ['train', 'validation'];
// Split by dash and by point shape, so a one-epoch history (single points) still tells them apart.
const SPLIT_DASH = { field: 'split', type: 'nominal', title: 'split', sort: SPLITS, scale: { domain: SPLITS, range: [[1, 0], [5, 3]] } } as const;
const SPLIT_SHAPE = { field: 'split', type: 'nominal', title: 'split', sort: SPLITS, scale: { domain: SPLITS, range: ['circle', 'triangle-up'] } } as const;

/** A run of an analyzer: its series label, and the registry activation it ran (absent in results built by hand). */
interface RunSeries { readonly activation: string; readonly name?: string }

/** Colour encoding of activation runs: fixed colours per activation (see series.ts), every run in the legend. */
function activationColor(runs: readonly RunSeries[], legend: boolean) {
  const style = seriesStyles(runs.map((r) => ({ label: r.activation, ...(r.name === undefined ? {} : { name: r.name }) })), 1);
  return {
    field: 'activation', type: 'nominal' as const, title: 'activation', sort: style.labels,
    scale: { domain: style.labels, range: style.colors },
    ...(legend ? { legend: { labelLimit: 320 } } : { legend: null }),
  };
}

function historyRows(runs: readonly TrainingRun[]): Row[] {
  const out: Row[] = [];
  for (const r of runs) {
    const h = r.history;
    h.loss.forEach((_, e) => {
      out.push({ activation: r.activation, epoch: e + 1, split: 'train', acc: finiteOrNull(h.acc[e]), loss: finiteOrNull(h.loss[e]) });
      out.push({ activation: r.activation, epoch: e + 1, split: 'validation', acc: finiteOrNull(h.val_acc[e]), loss: finiteOrNull(h.val_loss[e]) });
    });
  }
  return out;
}

/** Which runs had metrics that could not be drawn (a diverged run's NaN loss), as a subtitle sentence. */
function historyNote(runs: readonly TrainingRun[]): string {
  const omitted: Omission[] = runs.flatMap((r) => {
    const h = r.history;
    return ([['loss', h.loss], ['accuracy', h.acc], ['val. loss', h.val_loss], ['val. accuracy', h.val_acc]] as const).map(([what, v]) => {
      const n = nonFinite(v);
      return { series: r.activation, what: `${what} ${n.kinds}`, count: n.count, total: v.length };
    });
  });
  return omissionNote(omitted, 'not finite (epochs)');
}

function historyPanel(metric: 'acc' | 'loss', runs: readonly RunSeries[]) {
  const encoding = {
    x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
    y: metric === 'acc'
      ? { field: 'acc', type: 'quantitative' as const, title: 'accuracy (%)', axis: { format: TICK_PERCENT }, scale: { zero: false } }
      : { field: 'loss', type: 'quantitative' as const, title: 'cross-entropy loss (nats)', axis: { format: TICK_NUMBER }, scale: { zero: false } },
    color: activationColor(runs, true),
  };
  return {
    width: 270, height: 240,
    layer: [
      { mark: { type: 'line' as const }, encoding: { ...encoding, strokeDash: SPLIT_DASH } },
      { mark: { type: 'point' as const, filled: true, size: 45, opacity: 1 }, encoding: { ...encoding, shape: SPLIT_SHAPE } },
    ],
  };
}

/** Subtitle lines: the settings, then a note on what was not drawn when there is one. */
function lines(first: string, note: string): string | string[] {
  return note === '' ? first : [first, note];
}

/** Slide 6: accuracy and loss per epoch (train solid with circles, validation dashed with triangles), one colour per activation. */
export function compareTrainingSpec(result: CompareTrainingResult | CompareCnnResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Training histories per activation', lines(
      `${plural(s.epochs, 'epoch')}, batch ${s.batchSize}, ${s.trainSamples} training / ${s.testSamples} test samples, seed ${s.seed}`, historyNote(result.runs)), 800),
    config: CONFIG,
    data: { values: historyRows(result.runs) },
    hconcat: [historyPanel('acc', result.runs), historyPanel('loss', result.runs)],
    resolve: { scale: { color: 'shared', strokeDash: 'shared', shape: 'shared' } },
  });
}

/** Slide 13: the CNN histories, and the learning rate per epoch (ReduceLROnPlateau) on a log scale. */
export function compareCnnSpec(result: CompareCnnResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const lrRows: Row[] = result.runs.flatMap((r) => (r.history.lr ?? []).map((lr, e) => ({ activation: r.activation, epoch: e + 1, lr })));
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'CNN training per activation', lines(
      `input [${s.inputShape.join(', ')}], ${plural(s.epochs, 'epoch')}, batch ${s.batchSize}, ReduceLROnPlateau factor ${s.factor} patience ${s.patience}, seed ${s.seed}`,
      historyNote(result.runs)), 800),
    config: CONFIG,
    vconcat: [
      { data: { values: historyRows(result.runs) }, hconcat: [historyPanel('acc', result.runs), historyPanel('loss', result.runs)] },
      {
        data: { values: lrRows }, width: 590, height: 120,
        mark: { type: 'line', point: true, interpolate: 'step-after' },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'lr', type: 'quantitative', title: 'learning rate (log)', scale: { type: 'log' } },
          color: activationColor(result.runs, true),
        },
      },
    ],
    resolve: { scale: { color: 'shared', strokeDash: 'shared', shape: 'shared' } },
  });
}

/** Colour domain of a heatmap: the finite values' range, widened upwards when they are all equal so that they take its low end. */
function heatDomain(values: readonly (number | null)[]): [number, number] | undefined {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo > hi) return undefined;
  return lo === hi ? [lo, lo + (lo === 0 ? 1 : Math.abs(lo))] : [lo, hi];
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Slide 7: dense units as a grid heatmap, or one small heatmap per conv filter. Every cell
 * stays at its unit's place; a unit whose value is not finite is an empty red-outlined cell.
 */
export function activationPatternsSpec(result: ActivationPatternsResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const p = result.pattern;
  const all = p.kind === 'dense' ? p.values : p.maps.flatMap((m) => m.values);
  const domain = heatDomain(all);
  const missing: string[] = [];
  const cellValue = (v: number | null, where: string): number | null => {
    if (v !== null && Number.isFinite(v)) return v;
    missing.push(`${where} (${v === null ? 'null' : fmt(v)})`);
    return null;
  };
  const values: Row[] = [];
  if (p.kind === 'dense') {
    // Nulls past the last unit only pad the grid.
    const units = Number.isInteger(p.units) ? p.units : p.values.length;
    p.values.forEach((v, i) => {
      if (i < units) values.push({ r: Math.floor(i / p.cols), c: i % p.cols, unit: i, v: cellValue(v, `unit ${i}`) });
    });
  } else {
    for (const m of p.maps) {
      m.values.forEach((v, i) => values.push({ filter: `filter ${m.filter}`, r: Math.floor(i / p.width), c: i % p.width, unit: i, v: cellValue(v, `filter ${m.filter} pixel ${i}`) }));
    }
  }
  const notes = [
    `${result.sample === null ? 'the given input' : `test sample ${result.sample}`}${result.label === null ? '' : ` (label ${result.label})`}, ` +
      `${(result.sparsity * 100).toFixed(1)}% of outputs exactly zero`,
  ];
  const finite = all.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length > 1 && finite.every((v) => v === finite[0])) notes.push(`every output equals ${fmt(finite[0])}`);
  if (missing.length > 0) {
    const shown = missing.length > 6 ? `${missing.slice(0, 6).join(', ')} and ${missing.length - 6} more` : missing.join(', ');
    notes.push(`not finite, outlined in red: ${shown}`);
  }
  const head = title(options.title ?? `Activation pattern of ${result.layer} (${result.activation})`, notes.length === 1 ? notes[0] : notes);
  const cols = p.kind === 'dense' ? p.cols : p.width;
  const rows = p.kind === 'dense' ? p.rows : p.height;
  const x = { field: 'c', type: 'ordinal' as const, axis: null, scale: { domain: range(cols) } };
  const y = { field: 'r', type: 'ordinal' as const, axis: null, scale: { domain: range(rows) } };
  const layer = [
    {
      transform: [{ filter: 'datum.v !== null' }],
      mark: { type: 'rect' as const },
      encoding: {
        x, y,
        color: { field: 'v', type: 'quantitative' as const, title: 'activation', scale: { scheme: 'viridis', ...(domain === undefined ? {} : { domain }) } },
        tooltip: [{ field: 'unit', type: 'quantitative' as const }, { field: 'v', type: 'quantitative' as const, format: '.4f' }],
      },
    },
    {
      transform: [{ filter: 'datum.v === null' }],
      mark: { type: 'rect' as const, fill: 'white', stroke: '#d62728', strokeWidth: 1.5 },
      encoding: { x, y, tooltip: [{ field: 'unit', type: 'quantitative' as const }] },
    },
  ];
  if (p.kind === 'dense') {
    const cell = Math.max(6, Math.min(40, Math.floor(420 / Math.max(p.rows, p.cols))));
    return vl({ $schema: SCHEMA, title: head, config: CONFIG, data: { values }, width: cell * p.cols, height: cell * p.rows, layer });
  }
  const columns = Math.min(8, p.maps.length);
  const size = Math.max(40, Math.min(100, Math.floor(560 / columns) - 10));
  return vl({
    $schema: SCHEMA, title: head, config: CONFIG,
    data: { values },
    facet: { field: 'filter', type: 'nominal', title: null, sort: p.maps.map((m) => `filter ${m.filter}`) },
    columns,
    spec: { width: size, height: Math.round((size * p.height) / p.width), layer },
  });
}

/** Slide 10: per-layer gradient norm on a log scale, one line per activation. */
export function vanishingSpec(result: VanishingGradientsResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const values: Row[] = result.runs.flatMap((r) => r.layers
    .filter((l) => l.gradNorm > 0 && Number.isFinite(l.gradNorm))
    .map((l) => ({ activation: r.activation, layer: l.index, name: l.name, norm: l.gradNorm })));
  const omitted: Omission[] = result.runs.map((r) => {
    const n = nonFinite(r.layers.map((l) => l.gradNorm));
    return { series: r.activation, what: n.kinds, count: n.count, total: r.layers.length };
  });
  const note = omissionNote(omitted, 'not finite (layers)');
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Gradient norm per layer', lines(
      `${s.depth} hidden layers of ${s.width}, batch ${s.batch}, seed ${s.seed}; a falling line is a vanishing gradient (zero norms not drawn)`, note)),
    config: CONFIG,
    width: 560, height: 300,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'layer', type: 'quantitative', title: 'layer index (0 = next to the input)', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'norm', type: 'quantitative', title: 'gradient L2 norm (log scale)', scale: { type: 'log' }, axis: { format: '.0e' } },
      color: { ...activationColor(result.runs, false), legend: { orient: 'bottom', columns: 4, labelLimit: 260 } },
      tooltip: [{ field: 'activation' }, { field: 'name' }, { field: 'norm', format: '.3e' }],
    },
  });
}

/** Slide 11: training time, inference time, final validation accuracy and convergence rate per activation. */
export function benchmarkSpec(result: BenchmarkResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const order = result.runs.map((r) => r.activation);
  const s = result.settings;
  const values: Row[] = result.runs.map((r) => ({
    activation: r.activation,
    trainS: finiteOrNull(r.trainingTimeMs / 1000),
    inferUs: finiteOrNull(r.inferenceMsPerSample * 1000),
    acc: finiteOrNull(r.finalValAccuracy),
    rate: s.epochs < 2 ? null : finiteOrNull(r.convergenceRate),
  }));
  const color = activationColor(result.runs, false);
  const x = { field: 'activation', type: 'nominal' as const, title: null, sort: order, axis: categoryAxis(order, 250) };
  const bar = (field: 'trainS' | 'inferUs' | 'acc' | 'rate', axisTitle: string, format: string) => {
    const empty = values.every((v) => v[field] === null);
    // A gain per epoch needs two epochs; other missing values are not finite.
    const why = field === 'rate' && s.epochs < 2 ? 'n/a' : 'not finite';
    const axis = empty ? { labels: false, ticks: false, grid: false } : { format: format.endsWith('%') ? TICK_PERCENT : TICK_NUMBER };
    return {
      width: 250, height: 150,
      layer: [
        {
          mark: { type: 'bar' as const },
          encoding: {
            x,
            y: { field, type: 'quantitative' as const, title: axisTitle, axis },
            color,
            tooltip: [{ field: 'activation', type: 'nominal' as const }, { field, type: 'quantitative' as const, format }],
          },
        },
        {
          transform: [{ filter: `datum.${field} === null` }],
          mark: { type: 'text' as const, baseline: 'bottom' as const, dy: -2, fontSize: 11, color: '#555' },
          encoding: { x, y: { datum: 0 }, text: { value: why } },
        },
      ],
    };
  };
  const notes: string[] = [];
  if (s.epochs < 2) notes.push('accuracy gain per epoch needs 2 or more epochs');
  const bad = result.runs.flatMap((r) => ([['training time', r.trainingTimeMs], ['inference', r.inferenceMsPerSample], ['accuracy', r.finalValAccuracy],
    ...(s.epochs < 2 ? [] : [['gain per epoch', r.convergenceRate] as const])] as const)
    .filter(([, v]) => !Number.isFinite(v)).map(([what, v]) => `${r.activation} ${what} = ${fmt(v)}`));
  if (bad.length > 0) notes.push(`not drawn, not finite: ${bad.join(', ')}`);
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Activation benchmark', lines(
      `${plural(s.epochs, 'epoch')}, batch ${s.batchSize}, hidden [${s.hidden.join(', ')}], seed ${s.seed}`, notes.join('; '))),
    config: CONFIG,
    data: { values },
    concat: [
      bar('trainS', 'training time (s)', '.1f'),
      bar('inferUs', 'inference (µs / sample)', '.1f'),
      bar('acc', 'final validation accuracy (%)', '.1%'),
      bar('rate', 'accuracy gain per epoch', '.2%'),
    ],
    columns: 2,
  });
}

/** A summary statistic for a run's title: 'n/a' where it is undefined. */
function stat(v: number, defined: boolean): string {
  return defined && Number.isFinite(v) ? v.toExponential(2) : defined ? fmt(v) : 'n/a';
}

/** Slide 12: per run, activation mean ± std, gradient norm per variable (log) and sparsity, per epoch. */
export function dynamicsSpec(result: TrainingDynamicsResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const epochAxis = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  const rows = result.runs.map((run) => {
    const act: Row[] = run.epochs.map((e) => ({ epoch: e.epoch, mean: e.activationMean, lo: e.activationMean - e.activationStd, hi: e.activationMean + e.activationStd, sparsity: e.sparsity }));
    const grads: Row[] = run.epochs.flatMap((e) => e.gradNorms.filter((g) => g.norm > 0).map((g) => ({ epoch: e.epoch, variable: g.variable, norm: g.norm })));
    // Stability is a spread across epochs: with one epoch there is none to measure.
    const stability = stat(run.summary.activationStability, run.epochs.length >= 2);
    return {
      // Two short lines at a smaller size: one long line would widen the figure (see wrap in theme.ts).
      title: {
        ...title(`${run.activation}, layer ${run.layer}`,
          `final sparsity ${(run.summary.finalSparsity * 100).toFixed(1)}%, mean gradient norm ${stat(run.summary.meanGradientNorm, true)}, stability ${stability}`, 700),
        fontSize: 13,
      },
      hconcat: [
        {
          data: { values: act }, width: 170, height: 160,
          layer: [
            { mark: { type: 'area' as const, opacity: 0.25 }, encoding: { x: epochAxis, y: { field: 'lo', type: 'quantitative' as const, title: 'activation mean ± std' }, y2: { field: 'hi' } } },
            { mark: { type: 'line' as const, point: true }, encoding: { x: epochAxis, y: { field: 'mean', type: 'quantitative' as const } } },
            // One epoch makes the band a zero-width area: draw the ± std as a bar instead.
            ...(run.epochs.length === 1
              ? [{ mark: { type: 'rule' as const, opacity: 0.5, strokeWidth: 6 }, encoding: { x: epochAxis, y: { field: 'lo', type: 'quantitative' as const }, y2: { field: 'hi' } } }]
              : []),
          ],
        },
        {
          data: { values: grads }, width: 170, height: 160,
          mark: { type: 'line' as const, point: true },
          encoding: {
            x: epochAxis,
            y: { field: 'norm', type: 'quantitative' as const, title: 'gradient L2 norm (log)', scale: { type: 'log' as const } },
            color: { field: 'variable', type: 'nominal' as const, title: 'variable' },
          },
        },
        {
          data: { values: act }, width: 170, height: 160,
          mark: { type: 'line' as const, point: true },
          encoding: { x: epochAxis, y: { field: 'sparsity', type: 'quantitative' as const, title: 'sparsity (% zeros)', axis: { format: TICK_PERCENT } } },
        },
      ],
    };
  });
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Training dynamics', [`probe batch of ${s.probeSize} test samples, ${plural(s.epochs, 'epoch')}, batch ${s.batchSize}, seed ${s.seed}`, 'gradient norms of the mean loss (zero norms not drawn)'], 760),
    config: CONFIG,
    vconcat: rows,
  });
}
