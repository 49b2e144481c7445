// Figure problems found in review: colours per activation, one-epoch histories, values that
// cannot be drawn, undefined statistics, tick formats, long labels, heatmap cells, layout.
import { beforeAll, describe, expect, test } from 'vitest';
import { compile, type TopLevelSpec } from 'vega-lite';
import { logger as vegaLogger, Warn } from 'vega';
import { init, curves, gradientFlow, plot, ACTIVATION_NAMES, type VegaLiteSpec } from '../src/index.js';
import type { ActivationPatternsResult, BenchmarkResult, CompareTrainingResult, TrainingDynamicsResult, TrainingRun, VanishingGradientsResult } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';
import { ACTIVATION_COLORS, PALETTE, activationOf, seriesStyles } from '../src/plot/series.js';

beforeAll(async () => { await init(); });

/** Renders after checking that Vega-Lite compiles the spec without a warning. */
async function render(spec: VegaLiteSpec): Promise<string> {
  const warnings: string[] = [];
  const logger = vegaLogger(Warn);
  logger.warn = (...args: readonly unknown[]) => { warnings.push(args.map(String).join(' ')); return logger; };
  compile(spec as TopLevelSpec, { logger });
  expect(warnings).toEqual([]);
  expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  return renderSvg(spec);
}

/** The paths of every mark group of a type. */
function paths(svg: string, type: string): string[] {
  const out: string[] = [];
  // (?<!/) skips an empty, self-closed group rather than reading on into the next one.
  for (const m of svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*(?<!/)>(.*?)</g>`, 'gs'))) out.push(...(m[1].match(/<path[^>]*>/g) ?? []));
  return out;
}

const attr = (el: string, name: string): string => new RegExp(` ${name}="([^"]*)"`).exec(el)?.[1] ?? '';

/** Stroke colour of the line drawn for an activation (the first path whose aria-label names it). */
function strokeOf(svg: string, label: string): string {
  const named = (el: string) => attr(el, 'aria-label').split('; ').includes(`activation: ${label}`);
  const p = paths(svg, 'line').find(named);
  return p === undefined ? '' : attr(p, 'stroke');
}

/** Text of every <text> element, its lines (tspans) joined by spaces. */
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)]
  .map((m) => m[1].replace(/<tspan[^>]*>/g, ' ').replace(/<[^>]+>/g, '').trim());

const svgWidth = (svg: string): number => Number(/^<svg[^>]* width="([0-9.]+)"/.exec(svg)?.[1]);

const history = (epochs: number, base = 0) => ({
  loss: Array.from({ length: epochs }, (_, e) => 1 - base - e / 10), acc: Array.from({ length: epochs }, (_, e) => 0.7 + base + e / 20),
  val_loss: Array.from({ length: epochs }, (_, e) => 0.9 - base - e / 10), val_acc: Array.from({ length: epochs }, (_, e) => 0.75 + base + e / 20),
});
const run = (activation: string, epochs: number, base = 0): TrainingRun => ({
  activation, params: {}, history: history(epochs, base), testAccuracy: 0.9, testLoss: 0.3, trainingTimeMs: 1000,
});
const compare = (runs: TrainingRun[], epochs: number): CompareTrainingResult => ({
  settings: { hidden: [8], epochs, batchSize: 32, learningRate: 0.001, seed: 1, trainSamples: 100, testSamples: 50, learnable: [] }, runs,
});

describe('colours per activation', () => {
  test('every registry activation has its own colour from the palette', () => {
    const colours = ACTIVATION_NAMES.map((n) => ACTIVATION_COLORS[n]);
    expect(new Set(colours).size).toBe(ACTIVATION_NAMES.length);
    for (const c of colours) expect(PALETTE).toContain(c);
    expect(activationOf('swish (beta=2)')).toBe('swish');
    expect(activationOf('custom (alpha, beta learned)')).toBeUndefined();
  });

  test('sigmoid, elu and swish keep one colour across curve, gradient, training and vanishing figures', async () => {
    const fromCurves = await render(plot.curvesSpec(curves(['swish', 'elu', 'sigmoid'], { samples: 20 }), { show: 'f' }));
    const fromFlow = await render(plot.gradientFlowSpec(gradientFlow(['relu', 'sigmoid', 'tanh', 'elu'], { samples: 20 })));
    const fromTraining = await render(plot.compareTrainingSpec(compare([run('relu', 2), run('tanh', 2), run('sigmoid', 2), run('elu', 2), run('swish', 2)], 2)));
    const layers = (d: number) => Array.from({ length: 3 }, (_, i) => ({ index: i, name: `dense_${i}`, gradNorm: d ** i }));
    const fromVanishing = await render(plot.vanishingSpec({
      settings: { depth: 2, width: 4, batch: 2, inputDim: 3, seed: 1 },
      runs: [{ activation: 'elu', layers: layers(0.5), maxMinRatio: 4 }, { activation: 'swish', layers: layers(0.4), maxMinRatio: 6 }, { activation: 'sigmoid', layers: layers(0.1), maxMinRatio: 100 }],
    }));
    for (const name of ['sigmoid', 'elu'] as const) {
      expect(strokeOf(fromCurves, name)).toBe(ACTIVATION_COLORS[name]);
      expect(strokeOf(fromFlow, name)).toBe(ACTIVATION_COLORS[name]);
      expect(strokeOf(fromTraining, name)).toBe(ACTIVATION_COLORS[name]);
      expect(strokeOf(fromVanishing, name)).toBe(ACTIVATION_COLORS[name]);
    }
    expect(strokeOf(fromCurves, 'swish')).toBe(ACTIVATION_COLORS.swish);
    expect(strokeOf(fromTraining, 'swish')).toBe(ACTIVATION_COLORS.swish);
    // One activation twice in a training figure (whose dash means the split): the others keep
    // their colours, the repeat takes one that no activation of the figure has.
    const twice = await render(plot.compareTrainingSpec(compare([run('relu', 2), run('swish', 2), run('swish (beta=2)', 2)], 2)));
    expect(strokeOf(twice, 'relu')).toBe(ACTIVATION_COLORS.relu);
    expect(strokeOf(twice, 'swish')).toBe(ACTIVATION_COLORS.swish);
    expect([ACTIVATION_COLORS.relu, ACTIVATION_COLORS.swish, '']).not.toContain(strokeOf(twice, 'swish (beta=2)'));
    // A label of the caller's own: the run's name says which activation it is.
    const named = await render(plot.compareTrainingSpec(compare([run('relu', 2), { ...run('my elu', 2), name: 'elu' }], 2)));
    expect(strokeOf(named, 'my elu')).toBe(ACTIVATION_COLORS.elu);
    expect(strokeOf(named, 'relu')).toBe(ACTIVATION_COLORS.relu);
  });

  test('every registry activation, and 30 swish betas, draw no two series alike', async () => {
    const all = await render(plot.curvesSpec(curves([...ACTIVATION_NAMES], { samples: 20 }), { show: 'f' }));
    const lines = paths(all, 'line');
    expect(lines.length).toBe(ACTIVATION_NAMES.length);
    expect(new Set(lines.map((p) => `${attr(p, 'stroke')} ${attr(p, 'stroke-dasharray')}`)).size).toBe(ACTIVATION_NAMES.length);
    const betas = Array.from({ length: 30 }, (_, i) => ({ name: 'swish', params: { beta: 0.25 + i * 0.25 } }));
    const thirty = paths(await render(plot.curvesSpec(curves(betas, { samples: 20 }), { show: 'f' })), 'line');
    expect(new Set(thirty.map((p) => `${attr(p, 'stroke')} ${attr(p, 'stroke-dasharray')}`)).size).toBe(30);
    // Variants of one activation keep its colour and differ by dash while they can.
    const s = seriesStyles([{ label: 'swish', name: 'swish' }, { label: 'swish (beta=2)', name: 'swish' }, { label: 'gelu', name: 'gelu' }]);
    expect(s.colors).toEqual([ACTIVATION_COLORS.swish, ACTIVATION_COLORS.swish, ACTIVATION_COLORS.gelu]);
    expect(s.dashed).toBe(true);
  });
});

test('curves and gradient flow tell up to five series apart by dash as well as colour, in the lines and the legend', async () => {
  const dashOf = (svg: string, label: string): string => {
    const p = paths(svg, 'line').find((el) => attr(el, 'aria-label').split('; ').includes(`activation: ${label}`));
    return p === undefined ? 'none drawn' : attr(p, 'stroke-dasharray');
  };
  const family = ['relu', 'leakyRelu', 'elu', 'selu', 'gelu'];
  const svg = await render(plot.curvesSpec(curves(family, { samples: 20 }), { show: 'both' }));
  expect(new Set(family.map((n) => dashOf(svg, n))).size).toBe(family.length);
  const flow = await render(plot.gradientFlowSpec(gradientFlow(['relu', 'sigmoid', 'tanh', 'elu'], { samples: 20 })));
  expect(new Set(['relu', 'sigmoid', 'tanh', 'elu'].map((n) => dashOf(flow, n))).size).toBe(4);
  // The legend's strokes are long enough (>= 24 px) to show a period of the longest pattern (16 px).
  const strokes = [...svg.matchAll(/<g class="mark-symbol role-legend-symbol[^>]*><path[^>]* d="M(-?[0-9.]+),0L(-?[0-9.]+),0"[^>]* stroke-dasharray="([^"]*)"/g)];
  expect(new Set(strokes.map((m) => m[3])).size).toBe(family.length);
  for (const m of strokes) expect(Number(m[2]) - Number(m[1])).toBeGreaterThanOrEqual(24);
  // One series alone keeps its solid line.
  expect(dashOf(await render(plot.curvesSpec(curves(['relu'], { samples: 20 }), { show: 'f' })), 'relu')).toBe('');
});

test('one epoch: train and validation points differ in shape', async () => {
  const svg = await render(plot.compareTrainingSpec(compare([run('relu', 1), run('tanh', 1, 0.05)], 1)));
  const symbols = paths(svg, 'symbol');
  expect(symbols.length).toBe(2 * 2 * 2);
  expect(new Set(symbols.map((p) => attr(p, 'd'))).size).toBe(2);
  expect(texts(svg)).toContain('1 epoch, batch 32, 100 training / 50 test samples, seed 1');
});

describe('values that cannot be drawn are named', () => {
  test('curves: the subtitle counts non-finite points; an all-NaN series stays in the legend', async () => {
    const svg = await render(plot.curvesSpec(curves(['exponential', 'relu'], { range: [-100, 100] })));
    expect(texts(svg).join(' ')).toMatch(/exponential f\(x\) \+inf \(12 of 200\)/);
    const r = curves(['tanh', 'relu'], { samples: 20 });
    r.curves[1] = { ...r.curves[1], f: r.curves[1].f.map(() => NaN), df: r.curves[1].df.map(() => NaN) };
    const nan = await render(plot.curvesSpec(r, { show: 'f' }));
    expect(texts(nan)).toContain('relu');
    expect(texts(nan).join(' ')).toMatch(/relu f\(x\) NaN \(all 20\)/);
  });

  test('curves with more points than a line can show draw a stride of them, the last included, and say so', () => {
    const r = curves(['relu'], { samples: 100_001 });
    const spec = plot.curvesSpec(r, { show: 'f' });
    const values = (spec as { data: { values: { x: number }[] } }).data.values;
    expect(values).toHaveLength(2001);
    expect(values[values.length - 1].x).toBe(r.x[100_000]);
    expect(JSON.stringify(spec)).toContain('drawn: 1 point in 50 of the 100001 (and the last)');
    const small = plot.curvesSpec(curves(['relu'], { samples: 2001 }), { show: 'f' });
    expect((small as { data: { values: unknown[] } }).data.values).toHaveLength(2001);
    expect(JSON.stringify(small)).not.toContain('drawn: 1 point in');
  });

  test("gradient statistics: an infinite mean |f'| is written in its slot, not left empty", async () => {
    const svg = await render(plot.gradientStatsSpec(gradientFlow(['exponential', 'relu'], { range: [-100, 100] })));
    expect(texts(svg)).toContain('+inf');
    expect(texts(svg).join(' ')).toMatch(/exponential mean \|f'\(x\)\| = \+inf/);
  });

  test('vanishing and training: NaN runs are named and kept in the legend', async () => {
    const layers = (v: number) => Array.from({ length: 3 }, (_, i) => ({ index: i, name: `dense_${i}`, gradNorm: v }));
    const v: VanishingGradientsResult = {
      settings: { depth: 2, width: 4, batch: 2, inputDim: 3, seed: 1 },
      runs: [{ activation: 'relu', layers: layers(0.1), maxMinRatio: 1 }, { activation: 'exponential', layers: layers(NaN), maxMinRatio: NaN }],
    };
    const svg = await render(plot.vanishingSpec(v));
    expect(texts(svg)).toContain('exponential');
    expect(texts(svg).join(' ')).toMatch(/exponential NaN \(all 3\)/);
    const diverged = { ...run('exponential', 2), history: { ...history(2), loss: [NaN, NaN], val_loss: [NaN, NaN] } };
    const t = await render(plot.compareTrainingSpec(compare([run('relu', 2), diverged], 2)));
    expect(texts(t).join(' ')).toMatch(/exponential loss NaN \(all 2\)/);
  });
});

describe('statistics undefined with one epoch', () => {
  test('benchmark: the gain per epoch reads n/a, and "1 epoch"', async () => {
    const r: BenchmarkResult = {
      settings: { hidden: [8], epochs: 1, batchSize: 32, seed: 1, trainSamples: 100, testSamples: 50, warmupSamples: 0 },
      runs: ['relu', 'tanh'].map((a, i) => ({ activation: a, trainingTimeMs: 300 - 100 * i, inferenceMsPerSample: 0.05 - 0.01 * i, finalValAccuracy: 0.8, convergenceRate: NaN, history: history(1) })),
    };
    const svg = await render(plot.benchmarkSpec(r));
    expect(texts(svg).filter((t) => t === 'n/a').length).toBe(2);
    expect(texts(svg).join(' ')).toMatch(/ 1 epoch, batch 32/);
    // Inference ticks from 0 to 50 µs: plain numbers, not 1e+1.
    expect(texts(svg)).toContain('10');
    expect(texts(svg).join(' ')).not.toMatch(/e\+/);
  });

  test('dynamics: stability is n/a after one epoch', async () => {
    const r: TrainingDynamicsResult = {
      settings: { hidden: [8], epochs: 1, batchSize: 32, probeSize: 10, seed: 1 },
      runs: [{ activation: 'relu', layer: 'dense', epochs: [{ epoch: 1, activationMean: 0.4, activationStd: 0.5, sparsity: 0.3, gradNorms: [{ variable: 'dense/kernel', norm: 0.2 }] }],
        summary: { finalSparsity: 0.3, meanGradientNorm: 0.2, activationStability: 0 } }],
    };
    const all = texts(await render(plot.dynamicsSpec(r))).join(' ');
    expect(all).toMatch(/stability n\/a/);
    expect(all).not.toMatch(/0\.00e\+0|1 epochs/);
  });
});

test('all-equal values get a plain tick label, and x = 0 is labelled on [-10, 10]', async () => {
  const flat = texts(await render(plot.curvesSpec(curves(['relu'], { range: [-5, -1], samples: 20 }), { show: 'f' })));
  expect(flat.join(' ')).not.toMatch(/0\.0000/);
  expect(flat).toContain('0');
  const wide = texts(await render(plot.curvesSpec(curves(['tanh'], { range: [-10, 10], samples: 20 }), { show: 'df' })));
  expect(wide).toContain('0');
  expect(wide).toContain('−10');
});

test('long labels: angled on the gradient-statistics axis, uncut in training legends', async () => {
  const long = [{ name: 'swish', params: { beta: 1.5 }, label: 'swish with a long descriptive label (beta=1.5)' }, 'gelu', 'relu', 'tanh', 'elu'];
  const svg = await render(plot.gradientStatsSpec(gradientFlow(long, { samples: 20 })));
  const label = [...svg.matchAll(/<text[^>]*transform="([^"]*)"[^>]*>swish with a long descriptive label \(beta=1.5\)<\/text>/g)];
  expect(label.length).toBe(1);
  expect(label[0][1]).toMatch(/rotate\((-35|325)\)/);
  const t = texts(await render(plot.compareTrainingSpec(compare([run('swish', 2), run('custom (alpha, beta learned)', 2)], 2))));
  expect(t).toContain('custom (alpha, beta learned)');
});

describe('activation-pattern heatmap', () => {
  const base = { activation: 'relu', layer: 'dense', layers: ['dense'], sample: 0, label: 7, input: { height: 1, width: 1, values: [0] } };
  test('a NaN cell keeps its place and is drawn as missing', async () => {
    const r: ActivationPatternsResult = { ...base, sparsity: 0, pattern: { kind: 'dense', units: 6, rows: 2, cols: 3, values: [1, NaN, 2, 3, NaN, 0.5] } };
    const svg = await render(plot.activationPatternsSpec(r));
    const rects = paths(svg, 'rect');
    const missing = rects.filter((p) => attr(p, 'stroke') === '#d62728');
    expect(missing.length).toBe(2);
    // Column 1 is all missing; unit 2 (value 2) still sits in column 2, right of it.
    const x = (p: string) => Number(/^M([0-9.]+),/.exec(attr(p, 'd'))?.[1]);
    const unit2 = rects.find((p) => attr(p, 'aria-label').includes('unit: 2;'));
    expect(unit2).toBeDefined();
    expect(x(unit2 ?? '')).toBeGreaterThan(Math.max(...missing.map(x)));
    expect(texts(svg).join(' ')).toMatch(/unit 1 \(NaN\), unit 4 \(NaN\)/);
  });

  test('an all-zero pattern takes the low end of the colour scale', async () => {
    const r: ActivationPatternsResult = { ...base, sparsity: 1, pattern: { kind: 'dense', units: 4, rows: 2, cols: 2, values: [0, 0, 0, 0] } };
    const rects = paths(await render(plot.activationPatternsSpec(r)), 'rect');
    expect(rects.length).toBe(4);
    for (const p of rects) expect(attr(p, 'fill')).toBe('rgb(68, 1, 84)'); // viridis' low end
  });
});

test('long subtitles wrap instead of widening the figure', async () => {
  const layers = Array.from({ length: 4 }, (_, i) => ({ index: i, name: `dense_${i}`, gradNorm: 0.1 / (i + 1) }));
  const svg = await render(plot.vanishingSpec({ settings: { depth: 3, width: 64, batch: 32, inputDim: 100, seed: 42 }, runs: [{ activation: 'relu', layers, maxMinRatio: 4 }] }));
  expect(svgWidth(svg)).toBeLessThan(760);
});
