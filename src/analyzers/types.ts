// Result and option types of the analyzers that train models (slides 6, 7, 10-13). The
// plots (src/plot/) and the CLI consume exactly these shapes; the analyzers in
// training.ts produce them. Everything is plain JSON-serialisable data.
import type { Dataset } from '../data/index.js';
import type { ActivationRequest } from './common.js';
import type { ActivationName } from '../activations/registry.js';

/** Train and test splits, already loaded (the CLI loads MNIST or CIFAR-10 with actlab/node). */
export interface DataSplits {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Progress of a long analysis: `done` of `total` steps (e.g. batches over all runs). */
export interface ProgressEvent {
  readonly done: number;
  readonly total: number;
  /** What is running, e.g. 'relu: epoch 2/5'. */
  readonly label: string;
}

/** Called as work completes; the CLI draws its progress bar from it. */
export type ProgressCallback = (event: ProgressEvent) => void;

/** Per-epoch metrics as Keras' History names them; val_* are on the held-out split. */
export interface TrainingHistory {
  readonly loss: number[];
  readonly acc: number[];
  readonly val_loss: number[];
  readonly val_acc: number[];
  /** Learning rate in each epoch, where a schedule changes it (compareCnn). */
  readonly lr?: number[];
}

/** One activation's training run. */
export interface TrainingRun {
  /** The series label (see ActivationRequest). */
  readonly activation: string;
  /** The registry activation the run used (the label may be the caller's own). */
  readonly name?: ActivationName;
  readonly params: Record<string, number>;
  readonly history: TrainingHistory;
  readonly testAccuracy: number;
  readonly testLoss: number;
  /** Wall time of fit(), in milliseconds. */
  readonly trainingTimeMs: number;
  /** Activation parameters that trained with the weights (`learnable`), their values after training, per layer. */
  readonly learnedParams?: LearnedParams[];
}

/** One activation layer's trainable parameters after training, e.g. { alpha: [0.61], beta: [1.08] }. */
export interface LearnedParams {
  readonly layer: string;
  readonly params: Record<string, number[]>;
}

// ---- slide 6: compareTraining -----------------------------------------------------------

export interface CompareTrainingOptions {
  /** Default relu, tanh, sigmoid. */
  readonly activations?: readonly ActivationRequest[];
  readonly data: DataSplits;
  /** Hidden dense widths; default [128, 64] (Flatten -> Dense 128 -> Dense 64 -> Dense 10 softmax). */
  readonly hidden?: readonly number[];
  /** Default 5. */
  readonly epochs?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /** Adam's learning rate; default 0.001. */
  readonly learningRate?: number;
  /**
   * Registry names whose learnable parameters (swish's beta, scaledSwish's alpha and beta,
   * prelu's alpha) train with the weights, in an activation layer after a linear Dense
   * (slide 8); the others keep their parameters fixed. Default none.
   */
  readonly learnable?: readonly string[];
  readonly seed: number;
  readonly onProgress?: ProgressCallback;
}

export interface CompareTrainingResult {
  readonly settings: {
    readonly hidden: number[]; readonly epochs: number; readonly batchSize: number; readonly learningRate: number;
    readonly seed: number; readonly trainSamples: number; readonly testSamples: number; readonly learnable: string[];
  };
  readonly runs: TrainingRun[];
}

// ---- slide 7: activationPatterns ----------------------------------------------------------

export interface ActivationPatternsOptions {
  /** The activation of every hidden layer; default relu. */
  readonly activation?: ActivationRequest;
  readonly data: DataSplits;
  /** 'mlp' (the slide 6 model) or 'cnn' (the slide 13 model); default 'mlp'. */
  readonly architecture?: 'mlp' | 'cnn';
  /** Layer to probe by name; default the slide's 'dense_1' (the MLP's second hidden layer), or the CNN's first conv layer. */
  readonly layer?: string;
  /** Index of the test sample to show; default 0. */
  readonly sample?: number;
  /** Epochs to train before probing (0: the freshly initialised model); default 1. */
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Conv layers: show at most this many filters; default 16. */
  readonly maxFilters?: number;
  readonly seed: number;
  readonly onProgress?: ProgressCallback;
}

/** A dense layer's units laid out row-major on a near-square grid (rows * cols >= units; the rest null). */
export interface DensePattern {
  readonly kind: 'dense';
  readonly units: number;
  readonly rows: number;
  readonly cols: number;
  /** rows * cols values, null past the last unit. */
  readonly values: (number | null)[];
}

/** A conv layer's output: one feature map per filter. */
export interface ConvPattern {
  readonly kind: 'conv';
  readonly height: number;
  readonly width: number;
  /** Filters in the layer; `maps` holds the first maxFilters of them. */
  readonly filters: number;
  readonly maps: { readonly filter: number; readonly values: number[] }[];
}

export interface ActivationPatternsResult {
  /**
   * The probed layer's own activation (with the request's parameters where it is the hidden
   * layers' one); 'linear' for a layer without one (pooling, flatten, a Dense layer without).
   */
  readonly activation: string;
  readonly layer: string;
  /** The layers that could have been probed, by name. */
  readonly layers: string[];
  /** Index of the test sample shown; null when the caller passed the input itself. */
  readonly sample: number | null;
  /** Its class label; null when unknown. */
  readonly label: number | null;
  /** The input image (height x width, first channel), for showing next to the pattern. */
  readonly input: { readonly height: number; readonly width: number; readonly values: number[] };
  readonly pattern: DensePattern | ConvPattern;
  /** Share of exactly-zero outputs in the layer. */
  readonly sparsity: number;
}

// ---- slide 10: vanishingGradients ---------------------------------------------------------

export interface VanishingGradientsOptions {
  /** Default relu, tanh, sigmoid. */
  readonly activations?: readonly ActivationRequest[];
  /** Hidden layers with the activation; default 20. */
  readonly depth?: number;
  /** Units per layer; default 64. */
  readonly width?: number;
  /** Rows of standard-normal input; default 32. */
  readonly batch?: number;
  /** Input features; default 100. */
  readonly inputDim?: number;
  readonly seed: number;
  readonly onProgress?: ProgressCallback;
}

export interface LayerGradient {
  /** 0 = the first layer after the input. */
  readonly index: number;
  readonly name: string;
  /** L2 norm of the gradient of mean(output) with respect to the layer's kernel (weights). */
  readonly gradNorm: number;
}

export interface VanishingRun {
  readonly activation: string;
  /** The registry activation the run used (the label may be the caller's own). */
  readonly name?: ActivationName;
  readonly layers: LayerGradient[];
  /**
   * max gradNorm / min gradNorm over the layers: Infinity when some norm is 0 and another is
   * not, NaN when every norm is 0 (no gradient reached any kernel, so there is no spread).
   */
  readonly maxMinRatio: number;
}

export interface VanishingGradientsResult {
  readonly settings: { readonly depth: number; readonly width: number; readonly batch: number; readonly inputDim: number; readonly seed: number };
  readonly runs: VanishingRun[];
}

// ---- slide 11: benchmarkActivations -------------------------------------------------------

export interface BenchmarkOptions {
  /** Default relu, elu, selu, tanh. */
  readonly activations?: readonly ActivationRequest[];
  readonly data: DataSplits;
  /** Hidden widths; default [256, 128, 64]. */
  readonly hidden?: readonly number[];
  /** Default 10. */
  readonly epochs?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /**
   * Training samples (and up to as many test samples) of the untimed warm-up fit and predict run
   * before each activation's timed one; default 2048 (or all, if fewer), 0 for none.
   */
  readonly warmupSamples?: number;
  readonly seed: number;
  readonly onProgress?: ProgressCallback;
}

export interface BenchmarkRun {
  readonly activation: string;
  /** The registry activation the run used (the label may be the caller's own). */
  readonly name?: ActivationName;
  readonly trainingTimeMs: number;
  /** predict() time over the test split (the median of three passes) divided by its samples, in milliseconds. */
  readonly inferenceMsPerSample: number;
  /** val_acc of the last epoch. */
  readonly finalValAccuracy: number;
  /** Mean epoch-to-epoch gain in training accuracy; NaN after a single epoch. */
  readonly convergenceRate: number;
  readonly history: TrainingHistory;
}

export interface BenchmarkResult {
  readonly settings: {
    readonly hidden: number[]; readonly epochs: number; readonly batchSize: number; readonly seed: number;
    readonly trainSamples: number; readonly testSamples: number; readonly warmupSamples: number;
  };
  readonly runs: BenchmarkRun[];
}

// ---- slide 12: trainingDynamics -----------------------------------------------------------

export interface TrainingDynamicsOptions {
  /** Default relu. */
  readonly activations?: readonly ActivationRequest[];
  readonly data: DataSplits;
  /** Layer whose outputs are watched; default the slide's 'dense_1' (the second hidden layer), or the only hidden layer. */
  readonly layer?: string;
  /** Test samples in the fixed probe batch; default 100. */
  readonly probeSize?: number;
  readonly hidden?: readonly number[];
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly seed: number;
  readonly onProgress?: ProgressCallback;
}

export interface DynamicsEpoch {
  /** 1-based. */
  readonly epoch: number;
  readonly activationMean: number;
  readonly activationStd: number;
  /** Share of exactly-zero outputs of the layer on the probe batch. */
  readonly sparsity: number;
  /** L2 norm of each trainable variable's gradient of the mean loss over the probe batch (the seed's per-sample loss vector gives the gradient of the sum: probeSize times larger). */
  readonly gradNorms: { readonly variable: string; readonly norm: number }[];
}

export interface DynamicsRun {
  readonly activation: string;
  /** The registry activation the run used (the label may be the caller's own). */
  readonly name?: ActivationName;
  readonly layer: string;
  readonly epochs: DynamicsEpoch[];
  readonly summary: {
    readonly finalSparsity: number;
    /** Mean over epochs and variables of the gradient norms. */
    readonly meanGradientNorm: number;
    /** Std over epochs of the activation mean (small: stable); NaN after a single epoch. */
    readonly activationStability: number;
  };
}

export interface TrainingDynamicsResult {
  readonly settings: { readonly hidden: number[]; readonly epochs: number; readonly batchSize: number; readonly probeSize: number; readonly seed: number };
  readonly runs: DynamicsRun[];
}

// ---- slide 13: compareCnn -----------------------------------------------------------------

export interface CompareCnnOptions {
  /** Default relu, elu, selu, swish. */
  readonly activations?: readonly ActivationRequest[];
  /** MNIST ([28, 28] or [28, 28, 1]) or CIFAR-10 ([32, 32, 3]). */
  readonly data: DataSplits;
  /** Default 10. */
  readonly epochs?: number;
  readonly batchSize?: number;
  /**
   * ReduceLROnPlateau on val_loss: multiply the rate by `factor` after `patience` epochs
   * without an improvement larger than `minDelta`. Default 0.2 and 3 (the seed's values) and
   * 1e-4 (Keras's `min_delta`; Keras's own factor and patience defaults are 0.1 and 10).
   */
  readonly reduceLrOnPlateau?: { readonly factor: number; readonly patience: number; readonly minDelta?: number };
  readonly seed: number;
  readonly onProgress?: ProgressCallback;
}

export interface CompareCnnResult {
  readonly settings: {
    readonly epochs: number; readonly batchSize: number; readonly factor: number; readonly patience: number; readonly minDelta: number;
    readonly seed: number; readonly inputShape: number[]; readonly trainSamples: number; readonly testSamples: number;
  };
  readonly runs: TrainingRun[];
}
