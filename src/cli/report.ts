// `actlab report`: runs a list of sections (one or more seed slides each), renders their
// figures and writes one self-contained report.html. Adding a section means adding a
// producer to REPORT_SECTIONS.
import { cpus, platform, arch, release, totalmem } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { VegaLiteSpec } from '../plot/theme.js';
import {
  curves, gradientFlow, softmaxTemperature, SEED_SCORES, plot, getActivation, sliceDataset,
  compareTraining, activationPatterns, vanishingGradients, benchmarkActivations, trainingDynamics, compareCnn,
  type ActivationRequest, type CurvePanel, type DataSplits, type ProgressCallback, type TrainingRun,
} from '../index.js';
import { datasets, renderSvg } from '../node/index.js';
import { writeAtomic } from '../node/files.js';
import { buildReportHtml, type RenderedSection, type ReportReference, type ReportTable } from './report-html.js';
import type { Command } from './context.js';
import { UsageError } from './args.js';
import { num, numOrNa } from './format.js';

/**
 * How much each report runs: quick (the default: minutes on 2 cores), full (the seed's
 * settings) and tiny (seconds, for tests; hidden from --help).
 */
export interface ReportProfile {
  readonly name: 'quick' | 'full' | 'tiny';
  readonly curveSamples: number;
  readonly flowSamples: number;
  /** MNIST images for the dense-network slides (6, 7, 8, 11, 12). */
  readonly trainSamples: number;
  readonly testSamples: number;
  /** Epochs of slides 6, 8 and 12. */
  readonly epochs: number;
  readonly benchEpochs: number;
  /** MNIST images for the CNN (slide 13), the first of those loaded. */
  readonly cnnTrainSamples: number;
  readonly cnnTestSamples: number;
  readonly cnnEpochs: number;
  readonly cnnActivations: readonly string[];
}

export const PROFILES: Readonly<Record<'quick' | 'full' | 'tiny', ReportProfile>> = {
  quick: {
    name: 'quick', curveSamples: 200, flowSamples: 1000, trainSamples: 30000, testSamples: 10000, epochs: 2, benchEpochs: 2,
    cnnTrainSamples: 2000, cnnTestSamples: 1000, cnnEpochs: 2, cnnActivations: ['relu', 'elu', 'selu', 'swish'],
  },
  full: {
    name: 'full', curveSamples: 400, flowSamples: 1000, trainSamples: 60000, testSamples: 10000, epochs: 5, benchEpochs: 10,
    cnnTrainSamples: 60000, cnnTestSamples: 10000, cnnEpochs: 10, cnnActivations: ['relu', 'elu', 'selu', 'swish'],
  },
  tiny: {
    name: 'tiny', curveSamples: 50, flowSamples: 101, trainSamples: 300, testSamples: 100, epochs: 2, benchEpochs: 2,
    cnnTrainSamples: 100, cnnTestSamples: 50, cnnEpochs: 1, cnnActivations: ['relu'],
  },
};

export interface ReportContext {
  readonly seed: number;
  readonly profile: ReportProfile;
  readonly onProgress: ProgressCallback;
  /** MNIST in the profile's size for the dense networks, loaded once on first use. */
  readonly data: () => Promise<DataSplits>;
  /** The first images of the same load, in the profile's CNN size. */
  readonly cnnData: () => Promise<DataSplits>;
}

/** A section before its figures are rendered. */
export interface SectionContent {
  readonly explanation: readonly string[];
  readonly formulas: readonly { readonly label: string; readonly latex: string }[];
  readonly figures: readonly { readonly caption: string; readonly spec: VegaLiteSpec }[];
  readonly tables: readonly ReportTable[];
  readonly references?: readonly ReportReference[];
  /** The analyzer's result, kept in report.json. */
  readonly result: unknown;
}

export interface SectionProducer {
  readonly id: string;
  readonly slides: readonly number[];
  readonly title: string;
  /** Its share of the report's running time (relative, for the progress bar's ETA); default 1. */
  readonly weight?: number;
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
        'Softmax turns a row of scores into probabilities that are positive and sum to one. Dividing the scores by a temperature T first changes how decisive the result is: below 1 the largest score takes more of the mass (nearly all of it as T approaches 0), above 1 the distribution spreads out.',
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

const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : 'n/a');
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

function runsTable(caption: string, runs: readonly TrainingRun[]): ReportTable {
  return {
    caption, columns: ['activation', 'test accuracy', 'test loss', 'training time (s)'],
    rows: runs.map((r) => [r.activation, pct(r.testAccuracy), num(r.testLoss), seconds(r.trainingTimeMs)]),
  };
}

const TRAINING_SECTIONS: readonly SectionProducer[] = [
  {
    id: 'compare', slides: [6], title: 'Training an MNIST classifier per activation', weight: 12,
    async run(ctx) {
      const p = ctx.profile;
      const result = await compareTraining({ data: await ctx.data(), epochs: p.epochs, seed: ctx.seed, onProgress: ctx.onProgress });
      const s = result.settings;
      return {
        explanation: [
          `The same network, Flatten -> Dense ${s.hidden.join(' -> Dense ')} -> Dense 10 (softmax), is trained with each activation from the same seed (identical initial weights and batch order), with Adam (learning rate ${s.learningRate}), batch ${s.batchSize}, for ${s.epochs} epoch${s.epochs === 1 ? '' : 's'} on ${s.trainSamples} MNIST training images; accuracy is measured on ${s.testSamples} test images. Only the activation differs.`,
          'Sigmoid starts slowest: its derivative is at most 1/4, so early layers learn slowly. ReLU and tanh pass more gradient and usually lead after the first epoch.',
        ],
        formulas: [{ label: 'loss (sparse categorical cross-entropy)', latex: String.raw`L = -\frac{1}{N}\sum_n \log p_{n, y_n}` }],
        result, figures: [{ caption: 'Accuracy and loss per epoch: training solid, test (validation) dashed.', spec: plot.compareTrainingSpec(result) }],
        tables: [runsTable('Test accuracy per activation', result.runs)],
      };
    },
  },
  {
    id: 'patterns', slides: [7], title: 'Activation patterns', weight: 2,
    async run(ctx) {
      const result = await activationPatterns({ data: await ctx.data(), epochs: 1, seed: ctx.seed, onProgress: ctx.onProgress });
      const p = result.pattern;
      return {
        explanation: [
          `After one epoch of training the ReLU network of slide 6, this is what its second hidden layer (${result.layer}, the layer the slide's code names) outputs for test image ${result.sample} (a ${result.label}). The seed treats a dense layer's output as a stack of feature maps; a dense layer has no spatial layout, so its units are laid out row by row on a ${p.kind === 'dense' ? `${p.rows} x ${p.cols}` : ''} grid instead. Conv layers (actlab patterns --architecture cnn) show one map per filter.`,
          `ReLU zeroes every negative pre-activation: ${pct(result.sparsity)} of the units are exactly zero for this image, so only the other ${pct(1 - result.sparsity)} carry it forward.`,
        ],
        formulas: [], result, tables: [],
        figures: [{ caption: `Outputs of ${result.layer} for test image ${result.sample} (label ${result.label}); darker is smaller.`, spec: plot.activationPatternsSpec(result) }],
      };
    },
  },
  {
    id: 'custom', slides: [8], title: 'A learnable activation', weight: 9,
    async run(ctx) {
      const result = await compareTraining({
        activations: ['swish', 'scaledSwish'], learnable: ['scaledSwish'], data: await ctx.data(), epochs: ctx.profile.epochs,
        seed: ctx.seed, onProgress: ctx.onProgress,
      });
      const learned = result.runs.flatMap((r) => (r.learnedParams ?? []).map((l) => [
        `${r.activation}: ${l.layer}`, ...['alpha', 'beta'].map((k) => (l.params[k] ?? []).map((x) => num(x)).join(', ')),
      ]));
      return {
        explanation: [
          "The seed's custom activation alpha * x * sigmoid(beta * x) starts at alpha = 0.5, beta = 1 and learns both with the weights: each hidden Dense layer is linear and followed by its own activation layer holding alpha and beta, whose gradients come from the same tape as the weights'. Plain swish (alpha = 1, beta = 1, fixed) trains alongside for comparison.",
          'In code, `layers.scaledSwish()` is this layer; `layers.customActivation({ fn, params })` builds any other from tensor ops (see examples/slide08-custom-activation.ts).',
        ],
        formulas: [{ label: 'scaledSwish', latex: getActivation('scaledSwish').formula }],
        result, figures: [{ caption: 'Fixed swish against the learnable scaledSwish.', spec: plot.compareTrainingSpec(result) }],
        tables: [runsTable('Test accuracy', result.runs), { caption: 'Learned parameters after training (initial alpha 0.5, beta 1)', columns: ['layer', 'alpha', 'beta'], rows: learned }],
      };
    },
  },
  {
    id: 'vanishing', slides: [10], title: 'Vanishing gradients in a deep network', weight: 1,
    async run(ctx) {
      const result = await vanishingGradients({ seed: ctx.seed, onProgress: ctx.onProgress });
      const s = result.settings;
      return {
        explanation: [
          `An untrained network of a linear Dense ${s.width}, ${s.depth} hidden Dense ${s.width} layers with the activation and a sigmoid output, initialised as Keras does (glorotUniform), gets one batch of ${s.batch} standard-normal ${s.inputDim}-dimensional inputs from the seeded generator. The loss is the mean output, and the tape gives its gradient with respect to every layer's kernel.`,
          "Going backwards, each sigmoid layer multiplies the gradient by at most 1/4, so the first layers' gradients are many orders of magnitude smaller than the last ones': the max/min ratio measures that spread. ReLU and tanh keep it within a small factor.",
        ],
        formulas: [{ label: 'gradient norm of layer l', latex: String.raw`\lVert \partial L / \partial W_l \rVert_2,\quad L = \frac{1}{N}\sum_n \hat y_n` }],
        result, figures: [{ caption: 'Gradient L2 norm per layer (0 = next to the input), log scale.', spec: plot.vanishingSpec(result) }],
        tables: [{
          caption: 'Gradient norms and their spread', columns: ['activation', 'first layer', 'last layer', 'max/min ratio'],
          rows: result.runs.map((r) => [r.activation, num(r.layers[0].gradNorm), num(r.layers[r.layers.length - 1].gradNorm), num(r.maxMinRatio)]),
        }],
      };
    },
  },
  {
    id: 'bench', slides: [11], title: 'Activation benchmark', weight: 30,
    async run(ctx) {
      const result = await benchmarkActivations({ data: await ctx.data(), epochs: ctx.profile.benchEpochs, seed: ctx.seed, onProgress: ctx.onProgress });
      const s = result.settings;
      return {
        explanation: [
          `A wider network, Dense ${s.hidden.join(' -> ')} -> 10 (softmax), trained with Adam for ${s.epochs} epochs per activation (batch ${s.batchSize}, ${s.trainSamples} training images). Training time is fit()'s wall time on this machine, inference time is predict() over the ${s.testSamples} test images (the median of three passes) divided by their number, and the convergence rate is the mean epoch-to-epoch gain in training accuracy. Before each timed run an untimed copy of the model trains one epoch on ${s.warmupSamples} images and predicts ${Math.min(s.warmupSamples, s.testSamples)}, so that no activation pays for compiling and warming up the code (the first one in the list would otherwise look slowest).`,
          'Times depend on the machine and its load; the accuracies depend only on the settings and seed.',
        ],
        formulas: [], result, figures: [{ caption: 'Benchmark per activation.', spec: plot.benchmarkSpec(result) }],
        tables: [{
          caption: 'Benchmark', columns: ['activation', 'training time (s)', 'inference (µs / sample)', 'final validation accuracy', 'accuracy gain / epoch'],
          rows: result.runs.map((r) => [r.activation, seconds(r.trainingTimeMs), (r.inferenceMsPerSample * 1000).toFixed(2), pct(r.finalValAccuracy), pct(r.convergenceRate)]),
        }],
      };
    },
  },
  {
    id: 'dynamics', slides: [12], title: 'Training dynamics', weight: 5,
    async run(ctx) {
      const result = await trainingDynamics({ data: await ctx.data(), activations: ['relu', 'tanh'], epochs: ctx.profile.epochs, seed: ctx.seed, onProgress: ctx.onProgress });
      const s = result.settings;
      return {
        explanation: [
          `While the slide 6 network trains, a callback (DynamicsRecorder, usable in any fit()) measures after every epoch the outputs of its second hidden layer (${result.runs[0]?.layer ?? 'dense_1'}, the layer the slide's code watches) on a fixed probe batch of ${s.probeSize} test images (mean, standard deviation and the share of exact zeros) and the gradient norm of the loss on that batch for every weight.`,
          "ReLU layers are sparse (many exact zeros); tanh layers never are. Activation stability is the standard deviation of the layer's mean across epochs: small when the layer's output distribution settles.",
        ],
        formulas: [], result, figures: [{ caption: 'Per run: activation mean ± std, gradient norm per weight (log) and sparsity, per epoch.', spec: plot.dynamicsSpec(result) }],
        tables: [{
          caption: 'Summary', columns: ['activation', 'layer', 'final sparsity', 'mean gradient norm', 'activation stability'],
          rows: result.runs.map((r) => [r.activation, r.layer, pct(r.summary.finalSparsity), num(r.summary.meanGradientNorm), numOrNa(r.summary.activationStability)]),
        }],
      };
    },
  },
  {
    id: 'cnn', slides: [13], title: 'Convolutional networks', weight: 30,
    async run(ctx) {
      const p = ctx.profile;
      const result = await compareCnn({
        data: await ctx.cnnData(), activations: p.cnnActivations, epochs: p.cnnEpochs, seed: ctx.seed, onProgress: ctx.onProgress,
      });
      const s = result.settings;
      return {
        explanation: [
          `The slide's CNN, Conv 32 (3x3) -> max-pool -> Conv 64 (3x3) -> max-pool -> Conv 64 (3x3) -> Dense 64 -> Dense 10 (softmax), per activation, with Adam and ReduceLROnPlateau (val_loss, factor ${s.factor}, patience ${s.patience}): ${s.epochs} epoch${s.epochs === 1 ? '' : 's'} on ${s.trainSamples} MNIST training images, tested on ${s.testSamples}.`,
          'Each conv filter is one small set of weights slid over the whole image, so the network learns local strokes wherever they appear. ' +
            (s.epochs > s.patience
              ? 'The learning-rate panel shows when ReduceLROnPlateau cut the rate.'
              : `ReduceLROnPlateau needs more epochs than its patience to act: with ${s.epochs} epoch${s.epochs === 1 ? '' : 's'} and patience ${s.patience} it cannot cut the rate here, so the learning-rate panel is flat.`),
        ],
        formulas: [], result, figures: [{ caption: 'CNN accuracy and loss per epoch, and the learning rate (log scale).', spec: plot.compareCnnSpec(result) }],
        tables: [runsTable('Test accuracy', result.runs)],
      };
    },
  },
];

/**
 * Slide 14's reading list, each work tied to what the report shows. The slide's link for the
 * survey (arXiv 2011.08698) leads to a paper on score matching; the survey its title names
 * is arXiv 2109.14545.
 */
const READING: readonly ReportReference[] = [
  {
    citation: 'S. R. Dubey, S. K. Singh and B. B. Chaudhuri, Activation Functions in Deep Learning: A Comprehensive Survey and Benchmark, arXiv 2109.14545 (2021; Neurocomputing, 2022)',
    url: 'https://arxiv.org/abs/2109.14545',
    note: 'Sorts the activation families of slides 1-5 by output range, monotonicity and smoothness and compares 18 of them on several networks and datasets, as slides 6, 11 and 13 do on MNIST. (The seed links it as arXiv 2011.08698, which is another paper.)',
  },
  {
    citation: 'A. S. Morcos, D. G. T. Barrett, N. C. Rabinowitz and M. Botvinick, On the Importance of Single Directions for Generalization, ICLR 2018',
    url: 'https://arxiv.org/abs/1803.06959',
    note: 'Networks that lean on a few individual units generalise worse; the unit-level views of slides 7 and 12 (activation patterns, sparsity) show which units a layer uses.',
  },
  {
    citation: 'P. Ramachandran, B. Zoph and Q. V. Le, Searching for Activation Functions, 2017',
    url: 'https://arxiv.org/abs/1710.05941',
    note: 'The automated search that found swish, x sigmoid(beta x), of slide 5; its trainable beta is what slide 8 learns.',
  },
  {
    citation: 'J. Xu, X. Sun, Z. Zhang, G. Zhao and J. Lin, Understanding and Improving Layer Normalization, NeurIPS 2019',
    url: 'https://arxiv.org/abs/1911.07013',
    note: "Finds that normalisation helps mostly through the gradients of its mean and variance, the layer statistics slide 12 tracks per epoch. actlab has no normalisation layer.",
  },
  {
    citation: 'D. Misra, Mish: A Self Regularized Non-Monotonic Activation Function, BMVC 2020',
    url: 'https://arxiv.org/abs/1908.08681',
    note: "x tanh(softplus(x)): like swish, smooth and dipping below zero; in actlab's registry as mish.",
  },
];

const readingSection: SectionProducer = {
  id: 'reading', slides: [14], title: 'Further reading', weight: 0,
  run: () => Promise.resolve({
    explanation: ['The works the seed recommends, with what each has to do with the sections above. Each activation in the registry (activations.list(), and the JSON of actlab curves) also names a paper for it: where it comes from, or the survey above.'],
    formulas: [], figures: [], tables: [], references: READING, result: READING,
  }),
};

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
  readingSection,
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
    /** Wall time of the whole report (sections and figures), in seconds. */
    readonly seconds: number;
    readonly sections: { readonly id: string; readonly slides: readonly number[]; readonly title: string; readonly result: unknown }[];
    readonly machine: Record<string, string>;
    readonly runtime: Record<string, string>;
  };
}

/** Every setting the report's numbers depend on, for its settings table. */
function settingsOf(profile: ReportProfile, seed: number): Record<string, string> {
  const p = profile;
  const names: Record<ReportProfile['name'], string> = {
    quick: 'quick (the default; actlab report --full runs the seed\'s settings)',
    full: "full (the seed's settings)",
    tiny: 'tiny (a test profile: a few hundred images)',
  };
  return {
    profile: names[p.name],
    seed: String(seed),
    'curve points (slides 1-5)': `${p.curveSamples} over [-10, 10]`,
    'gradient-flow points (slide 9)': `${p.flowSamples} over [-5, 5]`,
    'MNIST images, dense networks (slides 6, 7, 8, 11, 12)': `first ${p.trainSamples} train, first ${p.testSamples} test`,
    'epochs (slides 6, 8, 12 / 7 / 11)': `${p.epochs} / 1 / ${p.benchEpochs}`,
    'CNN (slide 13)': `first ${p.cnnTrainSamples} train, first ${p.cnnTestSamples} test images, ${p.cnnEpochs} epoch${p.cnnEpochs === 1 ? '' : 's'}, ${p.cnnActivations.join(', ')}`,
    'optimizer, batch': 'Adam (learning rate 0.001, Keras defaults), batch 32',
    'vanishing gradients (slide 10)': 'depth 20, width 64, one batch of 32 inputs of 100 features',
  };
}

/** Runs the producers, renders their figures, and builds the page. */
export async function buildReport(producers: readonly SectionProducer[], profile: ReportProfile, seed: number,
  onProgress: ProgressCallback): Promise<ReportRun> {
  const started = performance.now();
  let mnist: Promise<DataSplits> | undefined;
  const load = (): Promise<DataSplits> => (mnist ??= datasets.mnist({
    subset: { train: Math.max(profile.trainSamples, profile.cnnTrainSamples), test: Math.max(profile.testSamples, profile.cnnTestSamples) },
  }));
  const firsts = async (train: number, test: number): Promise<DataSplits> => {
    const d = await load();
    return { train: sliceDataset(d.train, 0, train), test: sliceDataset(d.test, 0, test) };
  };
  // One bar over the whole report: each section advances it by its weight, shared out over
  // the steps its analyzer reports, so the ETA follows the slow training sections.
  const STEPS = 1000;
  const weights = producers.map((p) => p.weight ?? 1);
  // (At least 1: a report of weightless sections alone still counts up to its end.)
  const totalWeight = Math.max(1, weights.reduce((a, b) => a + b, 0));
  let before = 0, current = 0, label = '';
  const report = (fraction: number, what: string): void => {
    onProgress({ done: Math.round((STEPS * (before + weights[current] * fraction)) / totalWeight), total: STEPS, label: `${label}${what}` });
  };
  const ctx: ReportContext = {
    seed, profile,
    onProgress: (e) => report(e.total > 0 ? e.done / e.total : 1, `: ${e.label}`),
    data: () => firsts(profile.trainSamples, profile.testSamples),
    cnnData: () => firsts(profile.cnnTrainSamples, profile.cnnTestSamples),
  };
  const sections: RenderedSection[] = [];
  const results: ReportRun['result']['sections'] = [];
  for (let i = 0; i < producers.length; i++) {
    const p = producers[i];
    current = i;
    label = `slide ${p.slides.join(', ')}`;
    report(0, `: ${p.title}`);
    const content = await p.run(ctx);
    const figures = [];
    for (const f of content.figures) {
      report(1, ': rendering figures');
      figures.push({ caption: f.caption, svg: await renderSvg(f.spec) });
    }
    sections.push({
      id: p.id, slides: p.slides, title: p.title, explanation: content.explanation, formulas: content.formulas, figures, tables: content.tables,
      ...(content.references ? { references: content.references } : {}),
    });
    results.push({ id: p.id, slides: p.slides, title: p.title, result: content.result });
    before += weights[i];
  }
  onProgress({ done: STEPS, total: STEPS, label: 'done' });
  const seconds = (performance.now() - started) / 1000;
  const machine = machineInfo(), runtime = runtimeInfo();
  const settings = { ...settingsOf(profile, seed), 'running time': `${seconds.toFixed(1)} s on this machine` };
  const html = buildReportHtml({
    title: 'actlab: activation function report', generated: new Date().toISOString(), settings, machine, runtime, sections,
  });
  return { html, result: { profile, seed, seconds, sections: results, machine, runtime } };
}

const PROFILE_NAMES = ['quick', 'full', 'tiny'] as const;
const isProfileName = (n: string): n is (typeof PROFILE_NAMES)[number] => PROFILE_NAMES.some((p) => p === n);

export const reportCommand: Command = {
  name: 'report',
  summary: 'run the lab and write one self-contained report.html',
  description: 'Runs every section (one or more seed slides each) and writes DIR/report.html: inline SVG\n' +
    'figures, tables, formulas, the settings and seed, the machine and runtime. It opens offline in\n' +
    'any browser. The quick profile (default) takes 20-40 s on 2 cores; --full runs the seed\'s\n' +
    'settings (all of MNIST, 5-10 epochs per network: an hour or more).',
  options: [
    { name: 'full', kind: 'flag', help: "the seed's full settings (all of MNIST, 5-10 epochs) instead of the quick profile" },
    { name: 'sections', kind: 'value', value: 'LIST', help: `section ids or slide numbers to include (${REPORT_SECTIONS.map((s) => s.id).join(', ')})`, default: 'all' },
    { name: 'profile', kind: 'value', value: 'NAME', help: `a named profile (${PROFILE_NAMES.join(', ')}); tiny is for tests`, hidden: true },
  ],
  examples: ['actlab report', 'actlab report --full --out ~/actlab-report', 'actlab report --sections 1,2,4,gradient-flow'],
  defaultOut: 'actlab-report',
  async run(ctx) {
    const named = ctx.args.string('profile');
    if (named !== undefined && !isProfileName(named)) {
      throw new UsageError(`actlab report: --profile '${named}' is invalid: expected one of ${PROFILE_NAMES.join(', ')}`);
    }
    if (named !== undefined && ctx.args.flag('full')) throw new UsageError('actlab report: give --full or --profile, not both');
    const profile = named !== undefined ? PROFILES[named] : ctx.args.flag('full') ? PROFILES.full : PROFILES.quick;
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
    const dir = ctx.outDir ?? resolve('actlab-report');
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'report.html');
    await writeAtomic(path, run.html);   // an interrupted run leaves no half-written report.html
    return {
      result: run.result, figures: [], wrote: [path],
      text: `report: ${path}\n${run.result.sections.length} sections (slides ${run.result.sections.flatMap((s) => s.slides).join(', ')}), ` +
        `profile ${profile.name}, seed ${ctx.seed}, ${run.result.seconds.toFixed(0)} s\nopen it in a browser: ${pathToFileURL(path).href}`,
    };
  },
};
