// Every plot builder's spec compiles as Vega-Lite v6 without warnings and renders to an
// SVG with the expected number of marks. Training results are small hand-made fixtures of
// the types in src/analyzers/types.ts (the analyzers producing them land with issue 3).
import { beforeAll, describe, expect, test } from 'vitest';
import { compile, type TopLevelSpec } from 'vega-lite';
import { logger as vegaLogger, Warn } from 'vega';
import { init, curves, gradientFlow, softmaxTemperature, SEED_SCORES, plot, type VegaLiteSpec } from '../src/index.js';
import type {
  ActivationPatternsResult, BenchmarkResult, CompareCnnResult, CompareTrainingResult, TrainingDynamicsResult,
  TrainingRun, VanishingGradientsResult,
} from '../src/index.js';
import { renderSvg, svgToPng } from '../src/node/index.js';

beforeAll(async () => { await init(); });

/** Compiles with a logger that keeps warnings, so a spec Vega-Lite silently repairs fails too. */
function compileStrict(given: VegaLiteSpec): string[] {
  const spec = given as TopLevelSpec;
  const warnings: string[] = [];
  const logger = vegaLogger(Warn);
  logger.warn = (...args: readonly unknown[]) => { warnings.push(args.map(String).join(' ')); return logger; };
  compile(spec, { logger });
  return warnings;
}

/** Paths (or lines, for rules) inside every mark group of a type. */
function marks(svg: string, type: string): number {
  let n = 0;
  // (?<!/) skips an empty, self-closed group rather than reading on into the next one.
  for (const m of svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*(?<!/)>(.*?)</g>`, 'gs'))) {
    n += (m[1].match(type === 'rule' ? /<line/g : /<path/g) ?? []).length;
  }
  return n;
}

async function check(spec: VegaLiteSpec, expected: Readonly<Record<string, number>>): Promise<string> {
  expect(compileStrict(spec)).toEqual([]);
  expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  const svg = await renderSvg(spec);
  expect(svg.startsWith('<svg')).toBe(true);
  for (const [type, n] of Object.entries(expected)) expect(marks(svg, type), `mark-${type}`).toBe(n);
  return svg;
}

const history = (base: number) => ({
  loss: [1.2 - base, 0.6 - base, 0.4 - base], acc: [0.7 + base, 0.85 + base, 0.9 + base],
  val_loss: [0.8 - base, 0.55 - base, 0.45 - base], val_acc: [0.8 + base, 0.86 + base, 0.88 + base],
});
const run = (activation: string, base: number, lr?: number[]): TrainingRun => ({
  activation, params: {}, history: lr === undefined ? history(base) : { ...history(base), lr }, testAccuracy: 0.88 + base,
  testLoss: 0.45 - base, trainingTimeMs: 12000 + 1000 * base,
});

test('the strict compile does catch a spec Vega-Lite has to repair', () => {
  const spec: TopLevelSpec = { data: { values: [{ a: 1 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative', scale: { type: 'band' } } } };
  expect(compileStrict(spec).join('\n')).toMatch(/does not work with "band" scale/);
});

describe('curve figures', () => {
  test('curves: one line per series and panel', async () => {
    const r = curves(['sigmoid', 'tanh', { name: 'swish', params: { beta: 2 } }], { samples: 50 });
    await check(plot.curvesSpec(r), { line: 6 });
    await check(plot.curvesSpec(r, { show: 'f' }), { line: 3 });
    await check(plot.curvesSpec(r, { show: 'df', title: 'Derivatives' }), { line: 3 });
  });

  test('exponential overflow is left out rather than drawn', async () => {
    const r = curves(['exponential'], { range: [0, 100], samples: 11 });
    const svg = await check(plot.curvesSpec(r, { show: 'f' }), { line: 1 });
    expect(svg).not.toMatch(/Infinity|NaN/);
  });

  test('gradient flow and statistics', async () => {
    const r = gradientFlow(['relu', 'sigmoid', 'tanh', 'elu'], { samples: 101 });
    await check(plot.gradientFlowSpec(r), { line: 8 });
    await check(plot.gradientStatsSpec(r), { rect: 8 });
  });

  test('softmax bars and entropy', async () => {
    const r = softmaxTemperature(SEED_SCORES, [0.5, 1, 2]);
    await check(plot.softmaxSpec(r), { rect: 2 * 5 * 3 });
    await check(plot.softmaxEntropySpec(r), { line: 2, symbol: 6, rule: 1 });
  });
});

describe('training figures (fixtures)', () => {
  test('compareTraining: accuracy and loss, train and validation, per activation', async () => {
    const r: CompareTrainingResult = {
      settings: { hidden: [128, 64], epochs: 3, batchSize: 32, learningRate: 0.001, seed: 42, trainSamples: 60000, testSamples: 10000, learnable: [] },
      runs: [run('relu', 0.02), run('tanh', 0), run('sigmoid', -0.05)],
    };
    await check(plot.compareTrainingSpec(r), { line: 3 * 2 * 2, symbol: 3 * 2 * 2 * 3 });
  });

  test('compareCnn: histories and the learning rate on a log scale', async () => {
    const r: CompareCnnResult = {
      settings: { epochs: 3, batchSize: 32, factor: 0.2, patience: 1, minDelta: 1e-4, seed: 42, inputShape: [28, 28, 1], trainSamples: 60000, testSamples: 10000 },
      runs: [run('relu', 0.02, [1e-3, 1e-3, 2e-4]), run('swish', 0.01, [1e-3, 2e-4, 4e-5])],
    };
    const svg = await check(plot.compareCnnSpec(r), { line: 2 * 4 + 2 });
    expect(svg).toContain('learning rate (log)');
  });

  test('activationPatterns: dense units on a grid, conv maps per filter', async () => {
    const dense: ActivationPatternsResult = {
      activation: 'relu', layer: 'dense_1', layers: ['dense_1', 'dense_2'], sample: 0, label: 7,
      input: { height: 2, width: 2, values: [0, 1, 1, 0] },
      pattern: { kind: 'dense', units: 10, rows: 3, cols: 4, values: [...Array.from({ length: 10 }, (_, i) => i / 10), null, null] },
      sparsity: 0.1,
    };
    await check(plot.activationPatternsSpec(dense), { rect: 10 });
    const conv: ActivationPatternsResult = {
      ...dense, layer: 'conv2d_1',
      pattern: { kind: 'conv', height: 3, width: 4, filters: 32, maps: [0, 1, 2].map((f) => ({ filter: f, values: Array.from({ length: 12 }, (_, i) => i * f) })) },
    };
    await check(plot.activationPatternsSpec(conv), { rect: 3 * 12 });
  });

  test('vanishingGradients: log-scale norms per layer', async () => {
    const layers = (decay: number) => Array.from({ length: 5 }, (_, i) => ({ index: i, name: `dense_${i}`, gradNorm: decay ** (4 - i) }));
    const r: VanishingGradientsResult = {
      settings: { depth: 4, width: 64, batch: 32, inputDim: 100, seed: 42 },
      runs: [{ activation: 'relu', layers: layers(0.9), maxMinRatio: 1.5 }, { activation: 'sigmoid', layers: layers(0.1), maxMinRatio: 1e4 }],
    };
    const spec = plot.vanishingSpec(r);
    expect(JSON.stringify(spec)).toContain('"type":"log"');
    await check(spec, { line: 2, symbol: 10 });
  });

  test('benchmark: four bar panels', async () => {
    const r: BenchmarkResult = {
      settings: { hidden: [256, 128, 64], epochs: 3, batchSize: 32, seed: 42, trainSamples: 60000, testSamples: 10000, warmupSamples: 2048 },
      runs: ['relu', 'elu', 'selu', 'tanh'].map((a, i) => ({
        activation: a, trainingTimeMs: 20000 + i * 1000, inferenceMsPerSample: 0.01 + i * 0.001, finalValAccuracy: 0.97 - i * 0.01,
        convergenceRate: 0.01, history: history(0),
      })),
    };
    await check(plot.benchmarkSpec(r), { rect: 16 });
  });

  test('trainingDynamics: mean ± std band, gradient norms per variable, sparsity', async () => {
    const epochs = [1, 2, 3].map((e) => ({
      epoch: e, activationMean: 0.3 + e / 10, activationStd: 0.2, sparsity: 0.5 - e / 20,
      gradNorms: [{ variable: 'dense_1/kernel', norm: 0.1 / e }, { variable: 'dense_1/bias', norm: 0.01 / e }],
    }));
    const r: TrainingDynamicsResult = {
      settings: { hidden: [128, 64], epochs: 3, batchSize: 32, probeSize: 100, seed: 42 },
      runs: [{ activation: 'relu', layer: 'dense_1', epochs, summary: { finalSparsity: 0.35, meanGradientNorm: 0.03, activationStability: 0.1 } }],
    };
    const spec = plot.dynamicsSpec(r);
    // A zero norm has no place on the log axis; the subtitle says it is left out, as vanishingSpec's does.
    expect(JSON.stringify(spec)).toContain('gradient norms of the mean loss (zero norms not drawn)');
    await check(spec, { area: 1, line: 1 + 2 + 1 });
  });
});

test('PNG rendering draws text with a system font', async () => {
  const svg = await renderSvg(plot.curvesSpec(curves(['relu'], { samples: 5 }), { show: 'f' }));
  const png = svgToPng(svg, { scale: 1 });
  expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  expect(() => svgToPng(svg, { scale: 0 })).toThrow(/PNG scale 0 is invalid/);
});

test('a title or series label with a control character still gives an SVG that XML parsers read (resvg refused it)', async () => {
  // An ANSI colour code copied from a terminal, or a stray \x01, went into the SVG as is:
  // XML 1.0 forbids both, so renderPng threw and a browser showed the .svg file as an error.
  const r = curves([{ name: 'relu', label: 'relu \x1b[31mred' }, { name: 'elu', label: 'elu \x01 \ud83d\ude00' }], { samples: 5 });
  const svg = await renderSvg(plot.curvesSpec(r, { title: 'Mine\x00 \x0b \ud800' }));
  expect(svg).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  expect(svg).toContain('<title>Mine\ufffd \ufffd \ufffd</title>');
  expect(svg).toContain('elu \ufffd \ud83d\ude00');   // a surrogate pair (an emoji) is kept
  expect(Array.from(svgToPng(svg, { scale: 1 }).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
});

test('every figure carries a text alternative: <title> from its title, <desc> from its subtitle, axes and legend', async () => {
  const svg = await renderSvg(plot.curvesSpec(curves(['relu', 'elu'], { samples: 5 }), { show: 'both', title: 'Mine: a <b> & "c"' }));
  const root = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  expect(root).toContain(' role="img"');
  // The alternative comes first, so it names the figure (and is the tooltip of the .svg file); the title's markup is escaped.
  const head = svg.slice(root.length);
  expect(head).toMatch(/^<title>Mine: a &lt;b&gt; &amp; &quot;c&quot;<\/title><desc>[^<]*<\/desc>/);
  const desc = /<desc>([^<]*)<\/desc>/.exec(head)?.[1] ?? '';
  expect(desc).toContain('x in [-10, 10], 5 points, computed in Wasm.');
  expect(desc).toContain("X-axis titled 'input x' for a linear scale");
  expect(desc).toContain("legend titled 'activation'");
  expect(desc).toContain('relu, elu');
  // Facet panels repeat their axes; the description says each once.
  expect(desc.split("X-axis titled 'input x'").length).toBe(2);
  // Every training figure too (hconcat panels, no facet).
  const r: CompareTrainingResult = {
    settings: { hidden: [128, 64], epochs: 3, batchSize: 32, learningRate: 0.001, seed: 42, trainSamples: 600, testSamples: 100, learnable: [] },
    runs: [run('relu', 0.02), run('tanh', 0)],
  };
  const training = await renderSvg(plot.compareTrainingSpec(r));
  expect(training).toMatch(/^<svg\b[^>]* role="img"><title>Training histories per activation<\/title><desc>[^<]*relu, tanh[^<]*<\/desc>/);
});
