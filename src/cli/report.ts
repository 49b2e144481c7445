// `actlab report`: runs a list of sections (one or more seed slides each), renders their
// figures and writes one self-contained report.html. Sections whose analyzer needs the
// training core are listed under "not in this report" with the reason until it lands;
// adding a section means adding a producer to REPORT_SECTIONS.
import { cpus, platform, arch, release, totalmem } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import {
  curves, gradientFlow, softmaxTemperature, SEED_SCORES, plot, getActivation, TrainingCoreMissing,
  compareTraining, activationPatterns, vanishingGradients, benchmarkActivations, trainingDynamics, compareCnn,
  type ActivationRequest, type CurvePanel, type DataSplits, type ProgressCallback,
} from '../index.js';
import { datasets, renderSvg } from '../node/index.js';
import { buildReportHtml, type RenderedSection, type ReportTable, type SkippedSection } from './report-html.js';
import type { Command } from './context.js';
import { UsageError } from './args.js';
import { num } from './format.js';

/** Sizes of the two profiles: quick (the default, minutes on 2 cores) and --full (the seed's settings). */
export interface ReportProfile {
  readonly name: 'quick' | 'full';
  readonly curveSamples: number;
  readonly flowSamples: number;
  readonly trainSamples: number;
  readonly testSamples: number;
  readonly epochs: number;
  readonly benchEpochs: number;
  readonly cnnEpochs: number;
}

export const PROFILES: Readonly<Record<'quick' | 'full', ReportProfile>> = {
  quick: { name: 'quick', curveSamples: 200, flowSamples: 1000, trainSamples: 5000, testSamples: 1000, epochs: 2, benchEpochs: 2, cnnEpochs: 1 },
  full: { name: 'full', curveSamples: 400, flowSamples: 1000, trainSamples: 60000, testSamples: 10000, epochs: 5, benchEpochs: 10, cnnEpochs: 10 },
};

export interface ReportContext {
  readonly seed: number;
  readonly profile: ReportProfile;
  readonly onProgress: ProgressCallback;
  /** MNIST in the profile's size, loaded once on first use. */
  readonly data: () => Promise<DataSplits>;
}

/** A section before its figures are rendered. */
export interface SectionContent {
  readonly explanation: readonly string[];
  readonly formulas: readonly { readonly label: string; readonly latex: string }[];
  readonly figures: readonly { readonly caption: string; readonly spec: TopLevelSpec }[];
  readonly tables: readonly ReportTable[];
  /** The analyzer's result, kept in report.json. */
  readonly result: unknown;
}

export interface SectionProducer {
  readonly id: string;
  readonly slides: readonly number[];
  readonly title: string;
  run(ctx: ReportContext): Promise<SectionContent>;
}

const POINTS = [-4, -2, 0, 2, 4];

function formulasOf(names: readonly string[], withDerivative = true): { label: string; latex: string }[] {
  return names.flatMap((n) => {
    const row = getActivation(n);
    return [{ label: `${n}: f(x)`, latex: row.formula }, ...(withDerivative ? [{ label: `${n}: f'(x)`, latex: row.derivative }] : [])];
  });
}

/** f or f' of each activation at a few points, through the curves analyzer (so in Wasm). */
function pointTable(caption: string, requests: readonly ActivationRequest[], which: 'f' | 'df'): ReportTable {
  const r = curves(requests, { range: [POINTS[0], POINTS[POINTS.length - 1]], samples: POINTS.length });
  return {
    caption,
    columns: ['activation', ...r.x.map((x) => `${which === 'f' ? 'f' : "f'"}(${x})`)],
    rows: r.curves.map((c) => [c.label, ...(which === 'f' ? c.f : c.df).map((v) => num(v))]),
  };
}

function curveSection(id: string, slide: number, title: string, requests: readonly ActivationRequest[], show: CurvePanel,
  explanation: readonly string[]): SectionProducer {
  const names = [...new Set(requests.map((r) => (typeof r === 'string' ? r : r.name)))];
  return {
    id, slides: [slide], title,
    async run(ctx) {
      const result = curves(requests, { range: [-10, 10], samples: ctx.profile.curveSamples });
      const tables = show === 'df' ? [pointTable("Derivative f'(x) at a few inputs", requests, 'df')]
        : show === 'f' ? [pointTable('f(x) at a few inputs', requests, 'f')]
          : [pointTable('f(x) at a few inputs', requests, 'f'), pointTable("f'(x) at a few inputs", requests, 'df')];
      return {
        explanation, formulas: formulasOf(names, show !== 'f'), tables, result,
        figures: [{ caption: `${title}: x from -10 to 10, ${result.samples} points.`, spec: plot.curvesSpec(result, { show, title }) }],
      };
    },
  };
}

const softmaxSection: SectionProducer = {
  id: 'softmax', slides: [4], title: 'Softmax and temperature',
  async run(ctx) {
    const seedT = [0.5, 1, 2];
    const result = softmaxTemperature(SEED_SCORES, seedT);
    const sweepT = ctx.profile.name === 'full' ? [0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20] : [0.1, 0.25, 0.5, 1, 2, 4, 10];
    const sweep = softmaxTemperature(SEED_SCORES, sweepT);
    return {
      explanation: [
        'Softmax turns a row of scores into probabilities that are positive and sum to one. Dividing the scores by a temperature T first changes how decisive the result is: below 1 the largest score takes nearly all the mass, above 1 the distribution spreads out.',
        'The kernel subtracts each row\'s maximum before exponentiating, so even very large scores do not overflow. Entropy (in nats) summarises the spread: 0 for a certain outcome, log of the number of classes for a uniform one.',
      ],
      formulas: [
        { label: 'softmax with temperature', latex: String.raw`p_i = \frac{e^{x_i / T}}{\sum_j e^{x_j / T}}` },
        { label: 'entropy', latex: String.raw`H(p) = -\sum_i p_i \log p_i` },
      ],
      figures: [
        { caption: "Probabilities of the seed's two score rows at T = 0.5, 1 and 2.", spec: plot.softmaxSpec(result) },
        { caption: 'Entropy rises with temperature towards the uniform limit.', spec: plot.softmaxEntropySpec(sweep) },
      ],
      tables: result.results.map((t) => ({
        caption: `T = ${t.temperature}`,
        columns: ['row', ...result.scores[0].map((_, j) => `p${j}`), 'row sum', 'entropy (nats)'],
        rows: t.probabilities.map((p, r) => [`[${SEED_SCORES[r].join(', ')}]`, ...p.map((v) => num(v)), num(t.rowSums[r], 6), num(t.entropy[r])]),
      })),
      result: { seedTemperatures: result, sweep },
    };
  },
};

const gradientSection: SectionProducer = {
  id: 'gradient-flow', slides: [9], title: 'Gradient flow',
  async run(ctx) {
    const names = ctx.profile.name === 'full' ? ['relu', 'sigmoid', 'tanh', 'elu', 'selu', 'gelu', 'swish'] : ['relu', 'sigmoid', 'tanh', 'elu'];
    const result = gradientFlow(names, { range: [-5, 5], samples: ctx.profile.flowSamples });
    return {
      explanation: [
        'Backpropagation multiplies the upstream gradient by f\'(x) at every layer, so an activation whose derivative is small over much of its input shrinks the signal that reaches earlier layers.',
        "Here f' comes from actlab's gradient tape (the activation op differentiated like any other op), the same path training takes. Sigmoid never passes more than a quarter of the gradient; tanh passes all of it only near zero; ReLU passes all of it for positive inputs and none for negative ones; ELU keeps a small gradient on the negative side.",
      ],
      formulas: formulasOf(names).filter((f) => f.label.endsWith("f'(x)")),
      figures: [
        { caption: "f(x) and the tape's f'(x) from -5 to 5.", spec: plot.gradientFlowSpec(result) },
        { caption: "Mean |f'(x)| and standard deviation of f'(x) over the range.", spec: plot.gradientStatsSpec(result) },
      ],
      tables: [{
        caption: `Gradient statistics over [-5, 5] (${result.samples} points)`,
        columns: ['activation', "mean |f'|", "mean f'", "std f'", "max |f'|"],
        rows: result.series.map((s) => [s.label, num(s.meanAbsGrad), num(s.meanGrad), num(s.stdGrad), num(s.maxAbsGrad)]),
      }],
      result,
    };
  },
};

/** Slides whose analyzers train models: each runs once the training core has landed. */
function trainingSection(id: string, slides: readonly number[], title: string, explanation: string,
  run: (ctx: ReportContext) => Promise<Omit<SectionContent, 'explanation' | 'formulas'>>): SectionProducer {
  return { id, slides, title, run: async (ctx) => ({ explanation: [explanation], formulas: [], ...(await run(ctx)) }) };
}

function runsTable(caption: string, runs: readonly { activation: string; testAccuracy: number; trainingTimeMs: number }[]): ReportTable {
  return { caption, columns: ['activation', 'test accuracy', 'training time (s)'], rows: runs.map((r) => [r.activation, `${(r.testAccuracy * 100).toFixed(2)}%`, (r.trainingTimeMs / 1000).toFixed(1)]) };
}

const TRAINING_SECTIONS: readonly SectionProducer[] = [
  trainingSection('compare', [6], 'Training an MNIST classifier per activation',
    'The same two-hidden-layer network is trained with each activation from the same seed; only the activation differs.',
    async (ctx) => {
      const result = await compareTraining({ data: await ctx.data(), epochs: ctx.profile.epochs, seed: ctx.seed, onProgress: ctx.onProgress });
      return { result, figures: [{ caption: 'Accuracy and loss per epoch.', spec: plot.compareTrainingSpec(result) }], tables: [runsTable('Test accuracy', result.runs)] };
    }),
  trainingSection('patterns', [7], 'Activation patterns',
    "One hidden layer's outputs for one test image: which units fire, and how sparse the layer is.",
    async (ctx) => {
      const result = await activationPatterns({ data: await ctx.data(), seed: ctx.seed, onProgress: ctx.onProgress });
      return { result, figures: [{ caption: `Outputs of ${result.layer} for test image ${result.sample}.`, spec: plot.activationPatternsSpec(result) }], tables: [] };
    }),
  trainingSection('custom', [8], 'A learnable activation',
    'scaledSwish, alpha * x * sigmoid(beta * x), learns alpha and beta with the weights.',
    async (ctx) => {
      const result = await compareTraining({ activations: ['swish', 'scaledSwish'], data: await ctx.data(), epochs: ctx.profile.epochs, seed: ctx.seed, onProgress: ctx.onProgress });
      return { result, figures: [{ caption: 'Fixed swish against learnable scaledSwish.', spec: plot.compareTrainingSpec(result) }], tables: [runsTable('Test accuracy', result.runs)] };
    }),
  trainingSection('vanishing', [10], 'Vanishing gradients in a deep network',
    'Gradient norms per layer of an untrained 20-layer network: saturating activations shrink them layer by layer.',
    async (ctx) => {
      const result = await vanishingGradients({ seed: ctx.seed, onProgress: ctx.onProgress });
      return {
        result, figures: [{ caption: 'Gradient L2 norm per layer, log scale.', spec: plot.vanishingSpec(result) }],
        tables: [{ caption: 'Max/min gradient-norm ratio', columns: ['activation', 'max/min ratio'], rows: result.runs.map((r) => [r.activation, num(r.maxMinRatio)]) }],
      };
    }),
  trainingSection('bench', [11], 'Activation benchmark',
    'Training time, inference time per sample, final validation accuracy and convergence rate.',
    async (ctx) => {
      const result = await benchmarkActivations({ data: await ctx.data(), epochs: ctx.profile.benchEpochs, seed: ctx.seed, onProgress: ctx.onProgress });
      return { result, figures: [{ caption: 'Benchmark per activation.', spec: plot.benchmarkSpec(result) }], tables: [] };
    }),
  trainingSection('dynamics', [12], 'Training dynamics',
    "A hidden layer's output statistics and the gradient norms, epoch by epoch.",
    async (ctx) => {
      const result = await trainingDynamics({ data: await ctx.data(), epochs: ctx.profile.epochs, seed: ctx.seed, onProgress: ctx.onProgress });
      return { result, figures: [{ caption: 'Activation mean ± std, gradient norms and sparsity per epoch.', spec: plot.dynamicsSpec(result) }], tables: [] };
    }),
  trainingSection('cnn', [13], 'Convolutional networks',
    "The slide's CNN per activation with ReduceLROnPlateau.",
    async (ctx) => {
      const result = await compareCnn({ data: await ctx.data(), epochs: ctx.profile.cnnEpochs, seed: ctx.seed, onProgress: ctx.onProgress });
      return { result, figures: [{ caption: 'CNN histories and learning rate.', spec: plot.compareCnnSpec(result) }], tables: [runsTable('Test accuracy', result.runs)] };
    }),
];

/** Every section, in slide order. */
export const REPORT_SECTIONS: readonly SectionProducer[] = [
  curveSection('sigmoid-tanh', 1, 'Sigmoid and tanh', ['sigmoid', 'tanh'], 'f', [
    'Without a non-linear activation, a stack of layers collapses into one linear map. Sigmoid and tanh were the classic choices: smooth, bounded S-shaped curves.',
    'Sigmoid squeezes any input into (0, 1) and is centred on 1/2; tanh squeezes into (-1, 1) and is centred on 0, which keeps the next layer\'s inputs balanced. Both flatten out (saturate) once |x| is more than a few units.',
  ]),
  curveSection('derivatives', 2, 'Derivatives of sigmoid and tanh', ['sigmoid', 'tanh'], 'df', [
    "Training follows the derivative. Sigmoid's slope peaks at 1/4 at x = 0 and tanh's at 1; both fall towards zero as the curves saturate, which is why deep stacks of them learn slowly.",
    'Both derivatives can be written with the function\'s own output, so a layer can compute its gradient from what it already computed going forward.',
  ]),
  curveSection('relu-family', 3, 'ReLU and its variants',
    ['relu', 'leakyRelu', { name: 'prelu', params: { alpha: 0.05 } }, 'elu'], 'both', [
      'ReLU passes positive inputs unchanged and zeroes the rest: cheap, and its gradient is exactly 1 wherever the unit is active, so it does not shrink gradients the way saturating curves do.',
      'A unit whose input stays negative gets no gradient at all and can stop learning. Leaky ReLU keeps a fixed small slope (0.01) on the negative side, PReLU learns that slope (shown at 0.05), and ELU bends smoothly towards -alpha so that outputs average closer to zero.',
    ]),
  softmaxSection,
  curveSection('modern', 5, 'Swish and GELU', ['swish', { name: 'swish', params: { beta: 2 } }, 'gelu'], 'both', [
    'Swish multiplies the input by a sigmoid gate; GELU weights it by the probability that a standard normal variable is below it. Both are smooth, dip slightly below zero for negative inputs and approach ReLU for large |x|.',
    'A larger swish beta sharpens the gate, moving the curve towards ReLU. actlab computes GELU exactly with erf; the tanh approximation the seed uses is available as geluTanh.',
  ]),
  TRAINING_SECTIONS[0], TRAINING_SECTIONS[1], TRAINING_SECTIONS[2],
  gradientSection,
  TRAINING_SECTIONS[3], TRAINING_SECTIONS[4], TRAINING_SECTIONS[5], TRAINING_SECTIONS[6],
];

function machineInfo(): Record<string, string> {
  const cpu = cpus();
  return {
    CPU: cpu[0]?.model.trim() ?? 'unknown',
    'logical cores': String(cpu.length),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'operating system': `${platform()} ${release()} (${arch()})`,
  };
}

function runtimeInfo(): Record<string, string> {
  return {
    Node: process.version,
    V8: process.versions.v8,
    'WebAssembly SIMD128': 'yes (the kernels require it and loaded)',
  };
}

export interface ReportRun {
  readonly html: string;
  readonly result: {
    readonly profile: ReportProfile;
    readonly seed: number;
    readonly sections: { readonly id: string; readonly slides: readonly number[]; readonly title: string; readonly result: unknown }[];
    readonly skipped: readonly SkippedSection[];
    readonly machine: Record<string, string>;
    readonly runtime: Record<string, string>;
  };
}

/** Runs the producers, renders their figures, and builds the page. */
export async function buildReport(producers: readonly SectionProducer[], profile: ReportProfile, seed: number,
  onProgress: ProgressCallback): Promise<ReportRun> {
  let mnist: Promise<DataSplits> | undefined;
  const ctx: ReportContext = {
    seed, profile, onProgress,
    data: () => (mnist ??= datasets.mnist({ subset: { train: profile.trainSamples, test: profile.testSamples } })),
  };
  const sections: RenderedSection[] = [];
  const results: ReportRun['result']['sections'] = [];
  const skipped: SkippedSection[] = [];
  for (let i = 0; i < producers.length; i++) {
    const p = producers[i];
    onProgress({ done: i, total: producers.length, label: `slide ${p.slides.join(', ')}: ${p.title}` });
    let content: SectionContent;
    try {
      content = await p.run(ctx);
    } catch (e) {
      if (!(e instanceof TrainingCoreMissing)) throw e;
      skipped.push({ slides: p.slides, title: p.title, reason: `not computed: ${e.message.replace(/^actlab: /, '')}` });
      continue;
    }
    const figures = [];
    for (const f of content.figures) figures.push({ caption: f.caption, svg: await renderSvg(f.spec) });
    sections.push({ id: p.id, slides: p.slides, title: p.title, explanation: content.explanation, formulas: content.formulas, figures, tables: content.tables });
    results.push({ id: p.id, slides: p.slides, title: p.title, result: content.result });
  }
  onProgress({ done: producers.length, total: producers.length, label: 'done' });
  const machine = machineInfo(), runtime = runtimeInfo();
  const settings: Record<string, string> = {
    profile: profile.name === 'full' ? "full (the seed's settings)" : 'quick (actlab report --full for the seed\'s settings)',
    seed: String(seed),
    'curve points (slides 1-5)': `${profile.curveSamples} over [-10, 10]`,
    'gradient-flow points (slide 9)': `${profile.flowSamples} over [-5, 5]`,
    'MNIST samples (training slides)': `${profile.trainSamples} train, ${profile.testSamples} test`,
    'epochs (slides 6, 8, 12 / 11 / 13)': `${profile.epochs} / ${profile.benchEpochs} / ${profile.cnnEpochs}`,
  };
  const html = buildReportHtml({
    title: 'actlab: activation function report', generated: new Date().toISOString(), settings, machine, runtime, sections, skipped,
  });
  return { html, result: { profile, seed, sections: results, skipped, machine, runtime } };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'run the lab and write one self-contained report.html',
  description: 'Runs every section (one or more seed slides each) and writes DIR/report.html: inline SVG\n' +
    'figures, tables, formulas, the settings and seed, the machine and runtime. It opens offline in\n' +
    'any browser. Sections that need the training core are listed with the reason until it lands.',
  options: [
    { name: 'full', kind: 'flag', help: "the seed's full settings (all of MNIST, 5-10 epochs) instead of the quick profile" },
    { name: 'sections', kind: 'value', value: 'LIST', help: `section ids or slide numbers to include (${REPORT_SECTIONS.map((s) => s.id).join(', ')})`, default: 'all' },
  ],
  examples: ['actlab report', 'actlab report --full --out ~/actlab-report', 'actlab report --sections 1,2,4,gradient-flow'],
  defaultOut: 'actlab-report',
  async run(ctx) {
    const profile = ctx.args.flag('full') ? PROFILES.full : PROFILES.quick;
    const raw = ctx.args.string('sections');
    let producers = REPORT_SECTIONS;
    if (raw !== undefined) {
      const wanted = raw.split(',').map((s) => s.trim());
      const unknown = wanted.filter((w) => !REPORT_SECTIONS.some((s) => s.id === w || s.slides.map(String).includes(w)));
      if (unknown.length > 0 || wanted.length === 0) {
        throw new UsageError(`actlab report: --sections '${raw}': unknown ${unknown.map((u) => `'${u}'`).join(', ')}; ` +
          `expected section ids (${REPORT_SECTIONS.map((s) => s.id).join(', ')}) or slide numbers`);
      }
      producers = REPORT_SECTIONS.filter((s) => wanted.includes(s.id) || s.slides.some((n) => wanted.includes(String(n))));
    }
    const run = await buildReport(producers, profile, ctx.seed, (e) => ctx.progress.update(e.done, e.total, e.label));
    const dir = ctx.outDir ?? 'actlab-report';
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'report.html');
    await writeFile(path, run.html);
    const skipped = run.result.skipped.length === 0 ? '' :
      `\nskipped: ${run.result.skipped.map((s) => `slide ${s.slides.join(', ')} (${s.title})`).join('; ')}: they need the training core (issue 3)`;
    return {
      result: run.result, figures: [], wrote: [path],
      text: `report: ${path}\n${run.result.sections.length} sections (slides ${run.result.sections.flatMap((s) => s.slides).join(', ')}), ` +
        `profile ${profile.name}, seed ${ctx.seed}${skipped}`,
    };
  },
};
