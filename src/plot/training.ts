// Figures for the training analyzers (slides 6, 7, 10-13), built from the result types
// of src/analyzers/types.ts.
import type {
  ActivationPatternsResult, BenchmarkResult, CompareCnnResult, CompareTrainingResult, TrainingDynamicsResult,
  TrainingRun, VanishingGradientsResult,
} from '../analyzers/types.js';
import { CONFIG, SCHEMA, title, type VegaLiteSpec, vl } from './theme.js';

type Row = Record<string, number | string | null>;

/**
 * Tick formats with trailing zeros trimmed (d3-format's ~): ticks on a narrow range, such
 * as accuracies from 96.2% to 98.6% or times under a second, keep the digits that tell
 * them apart instead of all rounding to one label.
 */
const TICK_PERCENT = '~%';
const TICK_NUMBER = '~g';

const SPLIT_DASH = { field: 'split', type: 'nominal', title: 'split', sort: ['train', 'validation'], scale: { domain: ['train', 'validation'], range: [[1, 0], [5, 3]] } } as const;

function historyRows(runs: readonly TrainingRun[]): Row[] {
  const out: Row[] = [];
  for (const r of runs) {
    const h = r.history;
    h.loss.forEach((_, e) => {
      out.push({ activation: r.activation, epoch: e + 1, split: 'train', acc: h.acc[e], loss: h.loss[e] });
      out.push({ activation: r.activation, epoch: e + 1, split: 'validation', acc: h.val_acc[e], loss: h.val_loss[e] });
    });
  }
  return out;
}

function historyPanel(metric: 'acc' | 'loss', order: readonly string[]) {
  return {
    width: 270, height: 240,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: metric === 'acc'
        ? { field: 'acc', type: 'quantitative' as const, title: 'accuracy (%)', axis: { format: TICK_PERCENT }, scale: { zero: false } }
        : { field: 'loss', type: 'quantitative' as const, title: 'cross-entropy loss (nats)', scale: { zero: false } },
      color: { field: 'activation', type: 'nominal' as const, title: 'activation', sort: order },
      strokeDash: SPLIT_DASH,
    },
  };
}

/** Slide 6: accuracy and loss per epoch (train solid, validation dashed), one colour per activation. */
export function compareTrainingSpec(result: CompareTrainingResult | CompareCnnResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const order = result.runs.map((r) => r.activation);
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Training histories per activation',
      `${s.epochs} epochs, batch ${s.batchSize}, ${s.trainSamples} training / ${s.testSamples} test samples, seed ${s.seed}`),
    config: CONFIG,
    data: { values: historyRows(result.runs) },
    hconcat: [historyPanel('acc', order), historyPanel('loss', order)],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
  });
}

/** Slide 13: the CNN histories, and the learning rate per epoch (ReduceLROnPlateau) on a log scale. */
export function compareCnnSpec(result: CompareCnnResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const order = result.runs.map((r) => r.activation);
  const lrRows: Row[] = result.runs.flatMap((r) => (r.history.lr ?? []).map((lr, e) => ({ activation: r.activation, epoch: e + 1, lr })));
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'CNN training per activation',
      `input [${s.inputShape.join(', ')}], ${s.epochs} epochs, batch ${s.batchSize}, ReduceLROnPlateau factor ${s.factor} patience ${s.patience}, seed ${s.seed}`),
    config: CONFIG,
    vconcat: [
      { data: { values: historyRows(result.runs) }, hconcat: [historyPanel('acc', order), historyPanel('loss', order)] },
      {
        data: { values: lrRows }, width: 590, height: 120,
        mark: { type: 'line', point: true, interpolate: 'step-after' },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'lr', type: 'quantitative', title: 'learning rate (log)', scale: { type: 'log' } },
          color: { field: 'activation', type: 'nominal', title: 'activation', sort: order },
        },
      },
    ],
    resolve: { scale: { color: 'shared' } },
  });
}

/** Slide 7: dense units as a grid heatmap, or one small heatmap per conv filter. */
export function activationPatternsSpec(result: ActivationPatternsResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const p = result.pattern;
  const head = title(options.title ?? `Activation pattern of ${result.layer} (${result.activation})`,
    `${result.sample === null ? 'the given input' : `test sample ${result.sample}`}${result.label === null ? '' : ` (label ${result.label})`}, ` +
    `${(result.sparsity * 100).toFixed(1)}% of outputs exactly zero`);
  const color = { field: 'v', type: 'quantitative' as const, title: 'activation', scale: { scheme: 'viridis' } };
  if (p.kind === 'dense') {
    const values: Row[] = [];
    p.values.forEach((v, i) => { if (v !== null) values.push({ r: Math.floor(i / p.cols), c: i % p.cols, unit: i, v }); });
    const cell = Math.max(6, Math.min(40, Math.floor(420 / Math.max(p.rows, p.cols))));
    return vl({
      $schema: SCHEMA, title: head, config: CONFIG,
      data: { values },
      width: cell * p.cols, height: cell * p.rows,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'c', type: 'ordinal', title: `unit mod ${p.cols}`, axis: null },
        y: { field: 'r', type: 'ordinal', title: `unit / ${p.cols}`, axis: null },
        color,
        tooltip: [{ field: 'unit' }, { field: 'v', format: '.4f' }],
      },
    });
  }
  const values: Row[] = [];
  for (const m of p.maps) m.values.forEach((v, i) => values.push({ filter: `filter ${m.filter}`, y: Math.floor(i / p.width), x: i % p.width, v }));
  const columns = Math.min(8, p.maps.length);
  const size = Math.max(40, Math.min(100, Math.floor(560 / columns) - 10));
  return vl({
    $schema: SCHEMA, title: head, config: CONFIG,
    data: { values },
    facet: { field: 'filter', type: 'nominal', title: null, sort: p.maps.map((m) => `filter ${m.filter}`) },
    columns,
    spec: {
      width: size, height: Math.round((size * p.height) / p.width),
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x', type: 'ordinal', axis: null },
        y: { field: 'y', type: 'ordinal', axis: null },
        color,
      },
    },
  });
}

/** Slide 10: per-layer gradient norm on a log scale, one line per activation. */
export function vanishingSpec(result: VanishingGradientsResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const values: Row[] = result.runs.flatMap((r) => r.layers
    .filter((l) => l.gradNorm > 0 && Number.isFinite(l.gradNorm))
    .map((l) => ({ activation: r.activation, layer: l.index, name: l.name, norm: l.gradNorm })));
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Gradient norm per layer',
      `${s.depth} hidden layers of ${s.width}, batch ${s.batch}, seed ${s.seed}; a falling line is a vanishing gradient (zero norms not drawn)`),
    config: CONFIG,
    width: 560, height: 300,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'layer', type: 'quantitative', title: 'layer index (0 = next to the input)', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'norm', type: 'quantitative', title: 'gradient L2 norm (log scale)', scale: { type: 'log' }, axis: { format: '.0e' } },
      color: { field: 'activation', type: 'nominal', title: 'activation', sort: result.runs.map((r) => r.activation) },
      tooltip: [{ field: 'activation' }, { field: 'name' }, { field: 'norm', format: '.3e' }],
    },
  });
}

/** Slide 11: training time, inference time, final validation accuracy and convergence rate per activation. */
export function benchmarkSpec(result: BenchmarkResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const order = result.runs.map((r) => r.activation);
  const values: Row[] = result.runs.map((r) => ({
    activation: r.activation,
    trainS: r.trainingTimeMs / 1000,
    inferUs: r.inferenceMsPerSample * 1000,
    acc: r.finalValAccuracy,
    rate: r.convergenceRate,
  }));
  const bar = (field: string, axisTitle: string, format: string) => ({
    width: 250, height: 150,
    mark: { type: 'bar' as const },
    encoding: {
      x: { field: 'activation', type: 'nominal' as const, title: null, sort: order, axis: { labelAngle: 0 } },
      y: { field, type: 'quantitative' as const, title: axisTitle, axis: { format: format.endsWith('%') ? TICK_PERCENT : TICK_NUMBER } },
      color: { field: 'activation', type: 'nominal' as const, title: 'activation', sort: order, legend: null },
      tooltip: [{ field: 'activation', type: 'nominal' as const }, { field, type: 'quantitative' as const, format }],
    },
  });
  const s = result.settings;
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Activation benchmark', `${s.epochs} epochs, batch ${s.batchSize}, hidden [${s.hidden.join(', ')}], seed ${s.seed}`),
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

/** Slide 12: per run, activation mean ± std, gradient norm per variable (log) and sparsity, per epoch. */
export function dynamicsSpec(result: TrainingDynamicsResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const epochAxis = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  const rows = result.runs.map((run) => {
    const act: Row[] = run.epochs.map((e) => ({ epoch: e.epoch, mean: e.activationMean, lo: e.activationMean - e.activationStd, hi: e.activationMean + e.activationStd, sparsity: e.sparsity }));
    const grads: Row[] = run.epochs.flatMap((e) => e.gradNorms.filter((g) => g.norm > 0).map((g) => ({ epoch: e.epoch, variable: g.variable, norm: g.norm })));
    return {
      title: `${run.activation}, layer ${run.layer}: final sparsity ${(run.summary.finalSparsity * 100).toFixed(1)}%, mean gradient norm ${run.summary.meanGradientNorm.toExponential(2)}, stability ${run.summary.activationStability.toExponential(2)}`,
      hconcat: [
        {
          data: { values: act }, width: 170, height: 160,
          layer: [
            { mark: { type: 'area' as const, opacity: 0.25 }, encoding: { x: epochAxis, y: { field: 'lo', type: 'quantitative' as const, title: 'activation mean ± std' }, y2: { field: 'hi' } } },
            { mark: { type: 'line' as const, point: true }, encoding: { x: epochAxis, y: { field: 'mean', type: 'quantitative' as const } } },
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
    title: title(options.title ?? 'Training dynamics', `probe batch of ${s.probeSize} test samples, ${s.epochs} epochs, batch ${s.batchSize}, seed ${s.seed}; gradient norms of the mean loss (zero norms not drawn)`),
    config: CONFIG,
    vconcat: rows,
  });
}
