// Slide 12: how a layer's outputs and the gradients evolve while a model trains. The
// recorder is an ordinary fit() callback, so it watches any Sequential classifier; after
// every epoch it measures, on a fixed probe batch, one layer's output mean, std and share
// of exact zeros, and the L2 norm of the loss gradient for every trainable variable.
import { Tensor } from '../core/tensor.js';
import { describeValue } from '../core/checks.js';
import { tidy } from '../core/scope.js';
import { Sequential } from '../nn/sequential.js';
import { Dense, Activation } from '../nn/layers.js';
import type { Callback } from '../nn/callbacks.js';
import { sparseCategoricalCrossentropy } from '../nn/losses.js';
import { adam } from '../nn/optimizers.js';
import { grads } from '../autograd/grad.js';
import { countZeros, l2Norm, moments } from '../ops/reduce.js';
import { checkAnalyzerOptions, resolveRequests } from './common.js';
import { sliceDataset } from '../data/dataset.js';
import { Progress, batchesPerEpoch, checkSeed, checkSplits, defaultWatchedLayer, hiddenWidths, intOption, mlpModel, toTensors } from './training.js';
import type { DynamicsEpoch, DynamicsRun, TrainingDynamicsOptions, TrainingDynamicsResult } from './types.js';

/** DynamicsRecorder's options. */
export interface DynamicsRecorderOptions {
  /** The model being trained (the recorder reads its layers and weights). */
  readonly model: Sequential;
  /** Layer whose outputs are watched; default the second hidden Dense layer (the slide's 'dense_1'), or the only hidden one, or the first conv layer. */
  readonly layer?: string;
  /** The fixed probe batch: inputs shaped like the model's input, and class ids. Kept alive by the caller while training runs. */
  readonly probe: { readonly x: Tensor; readonly y: Int32Array };
}

function endsInSoftmax(model: Sequential): boolean {
  const last = model.layers[model.layers.length - 1];
  return (last instanceof Dense || last instanceof Activation) && last.activation?.name === 'softmax';
}

/**
 * A fit() callback recording, per epoch, one layer's output statistics on a probe batch and
 * the gradient norm of the sparse categorical cross-entropy there (its mean over the probe
 * batch; the seed's per-sample loss vector gives the sum's, probeSize times larger) for each trainable variable
 * (inference mode, as the seed's model(x)). `summary()` gives slide 12's three numbers.
 * Example: `const rec = new DynamicsRecorder({ model, probe }); await model.fit(x, y, { callbacks: [rec] })`.
 */
export class DynamicsRecorder implements Callback {
  /** One entry per epoch recorded, in order. */
  readonly epochs: DynamicsEpoch[] = [];
  /** The name of the watched layer. */
  readonly layer: string;
  private readonly model: Sequential;
  private readonly probe: DynamicsRecorderOptions['probe'];

  constructor(options: DynamicsRecorderOptions) {
    if (typeof options === 'object' && options !== null) checkAnalyzerOptions('DynamicsRecorder', options, ['model', 'layer', 'probe']);
    if (!(options?.model instanceof Sequential)) throw new Error(`actlab: DynamicsRecorder: model must be a Sequential model, got ${describeValue(options?.model)}`);
    if (!(options.probe?.x instanceof Tensor)) {
      throw new Error(`actlab: DynamicsRecorder: probe must be { x: Tensor, y: labels } (a fixed batch to measure on), got ${describeValue(options.probe)}`);
    }
    this.model = options.model;
    this.layer = options.layer ?? defaultWatchedLayer(options.model);
    this.model.getLayer(this.layer);
    const { x, y } = options.probe;
    if (x.rank === 0 || x.shape[0] !== y.length || x.shape[0] === 0) {
      throw new Error(`actlab: DynamicsRecorder: the probe has inputs [${x.shape.join(', ')}] and ${y.length} labels: expected as many labels as input rows, at least one`);
    }
    this.probe = options.probe;
  }

  /** Records measure(epoch + 1): the statistics after the epoch, numbered from 1. */
  onEpochEnd(epoch: number): void {
    this.epochs.push(this.measure(epoch + 1));
  }

  /** The statistics now, labelled with `epoch`. */
  measure(epoch: number): DynamicsEpoch {
    const out = this.model.layerOutput(this.layer, this.probe.x);
    try {
      const m = moments(out);
      return { epoch, activationMean: m.mean, activationStd: m.std, sparsity: countZeros(out) / out.size, gradNorms: this.gradientNorms() };
    } finally {
      out.dispose();
    }
  }

  private gradientNorms(): { variable: string; norm: number }[] {
    const model = this.model;
    const vars = model.trainableWeights;
    // Logits and the fused log-softmax loss when the model ends in softmax, as fit() does.
    const logits = endsInSoftmax(model);
    const last = model.layers.length - 1;
    const forward = (): Tensor => {
      let h = this.probe.x;
      model.layers.forEach((l, i) => { h = l.apply(h, { training: false, logits: logits && i === last }); });
      return h;
    };
    return tidy(() => {
      const dLoss = sparseCategoricalCrossentropy(this.probe.y, forward(), { fromLogits: logits }).grad;
      const g = grads(forward, vars.map((v) => v.tensor), dLoss);
      return vars.map((v, i) => ({ variable: v.name, norm: l2Norm(g[i]) }));
    });
  }

  /**
   * Final sparsity, mean gradient norm over epochs and variables, and the std over epochs of
   * the activation mean (NaN after a single epoch: there is no change to measure yet).
   */
  summary(): DynamicsRun['summary'] {
    const last = this.epochs[this.epochs.length - 1];
    if (last === undefined) throw new Error('actlab: DynamicsRecorder.summary: no epoch has been recorded yet: expected it after fit()');
    const norms = this.epochs.flatMap((e) => e.gradNorms.map((g) => g.norm));
    return {
      finalSparsity: last.sparsity,
      meanGradientNorm: norms.reduce((s, v) => s + v, 0) / norms.length,
      activationStability: this.epochs.length < 2 ? NaN : moments(Float32Array.from(this.epochs, (e) => e.activationMean)).std,
    };
  }
}

/**
 * Slide 12: per activation (relu by default), the slide 6 MLP trained with Adam while a
 * DynamicsRecorder watches the slide's layer, dense_1 (the second hidden Dense layer: the
 * 64-unit one of the default [128, 64]), unless
 * `layer` names another, on the first `probeSize` test samples.
 */
export async function trainingDynamics(options: TrainingDynamicsOptions): Promise<TrainingDynamicsResult> {
  const fn = 'trainingDynamics';
  checkAnalyzerOptions(fn, options, ['activations', 'data', 'layer', 'probeSize', 'hidden', 'epochs', 'batchSize', 'seed', 'onProgress']);
  const requests = resolveRequests(fn, options.activations ?? ['relu']);
  const hidden = hiddenWidths(fn, options.hidden ?? [128, 64]);
  const epochs = intOption(fn, 'epochs', options.epochs ?? 5);
  const batchSize = intOption(fn, 'batchSize', options.batchSize ?? 32);
  const { data } = options;
  checkSplits(fn, data);
  const seed = checkSeed(fn, options.seed);
  // The default probe is 100 test samples, or the whole test split when it is smaller.
  const probeSize = intOption(fn, 'probeSize', options.probeSize ?? Math.min(100, data.test.length));
  if (probeSize > data.test.length) throw new Error(`actlab: ${fn}: probeSize ${probeSize} is larger than the test split (${data.test.length} samples)`);
  const progress = new Progress(requests.length * epochs * batchesPerEpoch(data.train.length, batchSize), options.onProgress);
  const train = toTensors(data.train);
  const probe = toTensors(sliceDataset(data.test, 0, probeSize));
  try {
    const runs: DynamicsRun[] = [];
    for (const r of requests) {
      const model = mlpModel(data.train.shape, hidden, r, data.train.numClasses, seed);
      try {
        const recorder = new DynamicsRecorder({ model, layer: options.layer, probe });
        model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
        await model.fit(train.x, train.y, { epochs, batchSize, seed, callbacks: [progress.batches(r.label, epochs), recorder] });
        runs.push({ activation: r.label, name: r.row.name, layer: recorder.layer, epochs: recorder.epochs, summary: recorder.summary() });
      } finally {
        model.dispose();
      }
    }
    return { settings: { hidden, epochs, batchSize, probeSize, seed }, runs };
  } finally {
    train.x.dispose();
    probe.x.dispose();
  }
}
