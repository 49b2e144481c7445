// Result and option types of the analyzers that train models (slides 6, 7, 10-13). The
// plots (src/plot/) and the CLI consume exactly these shapes; the analyzers in
// training.ts produce them. Everything is plain JSON-serialisable data.
import type { Dataset } from '../data/index.js';
import type { ActivationRequest } from './common.js';
import type { ActivationName } from '../activations/registry.js';

/** Train and test splits, already loaded (the CLI loads MNIST or CIFAR-10 with actlab/node). */
export interface DataSplits {
  /** The training split. */
  readonly train: Dataset;
  /** The test split (evaluation and validation). */
  readonly test: Dataset;
}

/** Progress of a long analysis: `done` of `total` steps (e.g. batches over all runs). */
export interface ProgressEvent {
  /** Steps completed so far. */
  readonly done: number;
  /** Steps in the whole analysis. */
  readonly total: number;
  /** What is running, e.g. 'relu: epoch 2/5'. */
  readonly label: string;
}

/** Called as work completes; the CLI draws its progress bar from it. */
export type ProgressCallback = (event: ProgressEvent) => void;

/** Per-epoch metrics as Keras' History names them; val_* are on the held-out split. */
export interface TrainingHistory {
  /** Mean training loss per epoch. */
  readonly loss: number[];
  /** Training accuracy per epoch, a fraction in [0, 1]. */
  readonly acc: number[];
  /** Test-split loss per epoch. */
  readonly val_loss: number[];
  /** Test-split accuracy per epoch, a fraction in [0, 1]. */
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
  /** The activation's parameter values (defaults filled in). */
  readonly params: Record<string, number>;
  /** Per-epoch metrics. */
  readonly history: TrainingHistory;
  /** Accuracy on the test split after training, a fraction in [0, 1]. */
  readonly testAccuracy: number;
  /** Mean loss on the test split after training. */
  readonly testLoss: number;
  /** Wall time of fit(), in milliseconds. */
  readonly trainingTimeMs: number;
  /** Activation parameters that trained with the weights (`learnable`), their values after training, per layer. */
  readonly learnedParams?: LearnedParams[];
}

/** One activation layer's trainable parameters after training, e.g. { alpha: [0.61], beta: [1.08] }. */
export interface LearnedParams {
  /** The activation layer's name. */
  readonly layer: string;
  /** Each parameter's values (one per channel for prelu, else one). */
  readonly params: Record<string, number[]>;
}

// ---- slide 6: compareTraining -----------------------------------------------------------

/** compareTraining()'s options (slide 6; slide 8 with `learnable`). */
export interface CompareTrainingOptions {
  /** Default relu, tanh, sigmoid. */
  readonly activations?: readonly ActivationRequest[];
  /** Train and test splits (datasets.mnist() from actlab/node, or your own). */
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
  /** Seeds weights, shuffling and dropout: the same seed gives the same numbers. */
  readonly seed: number;
  /** Called as work completes (after each training batch). */
  readonly onProgress?: ProgressCallback;
}

/** What compareTraining() returns. */
export interface CompareTrainingResult {
  /** The settings used, defaults filled in. */
  readonly settings: {
    readonly hidden: number[]; readonly epochs: number; readonly batchSize: number; readonly learningRate: number;
    readonly seed: number; readonly trainSamples: number; readonly testSamples: number; readonly learnable: string[];
  };
  /** One run per activation, in request order. */
  readonly runs: TrainingRun[];
}

// ---- slide 7: activationPatterns ----------------------------------------------------------

/** activationPatterns()'s options when it trains its own model (slide 7). */
export interface ActivationPatternsOptions {
  /** The activation of every hidden layer; default relu. */
  readonly activation?: ActivationRequest;
  /** Train and test splits; the shown sample comes from the test split. */
  readonly data: DataSplits;
  /** 'mlp' (the slide 6 model) or 'cnn' (the slide 13 model); default 'mlp'. */
  readonly architecture?: 'mlp' | 'cnn';
  /** Layer to probe by name; default the slide's 'dense_1' (the MLP's second hidden layer), or the CNN's first conv layer. */
  readonly layer?: string;
  /** Index of the test sample to show; default 0. */
  readonly sample?: number;
  /** Epochs to train before probing (0: the freshly initialised model); default 1. */
  readonly epochs?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /** Conv layers: show at most this many filters; default 16. */
  readonly maxFilters?: number;
  /** Seeds weights and shuffling. */
  readonly seed: number;
  /** Called as work completes (after each training batch). */
  readonly onProgress?: ProgressCallback;
}

/** A dense layer's units laid out row-major on a near-square grid (rows * cols >= units; the rest null). */
export interface DensePattern {
  /** Tells the two pattern kinds apart. */
  readonly kind: 'dense';
  /** Units in the layer. */
  readonly units: number;
  /** Grid rows. */
  readonly rows: number;
  /** Grid columns. */
  readonly cols: number;
  /** rows * cols values, null past the last unit. */
  readonly values: (number | null)[];
}

/** A conv layer's output: one feature map per filter. */
export interface ConvPattern {
  /** Tells the two pattern kinds apart. */
  readonly kind: 'conv';
  /** Each map's height. */
  readonly height: number;
  /** Each map's width. */
  readonly width: number;
  /** Filters in the layer; `maps` holds the first maxFilters of them. */
  readonly filters: number;
  /** Per shown filter: its index and height * width values, row-major. */
  readonly maps: { readonly filter: number; readonly values: number[] }[];
}

/** What activationPatterns() returns. */
export interface ActivationPatternsResult {
  /**
   * The probed layer's own activation (with the request's parameters where it is the hidden
   * layers' one); 'linear' for a layer without one (pooling, flatten, a Dense layer without).
   */
  readonly activation: string;
  /** The probed layer's name. */
  readonly layer: string;
  /** The layers that could have been probed, by name. */
  readonly layers: string[];
  /** Index of the test sample shown; null when the caller passed the input itself. */
  readonly sample: number | null;
  /** Its class label; null when unknown. */
  readonly label: number | null;
  /** The input image (height x width, first channel), for showing next to the pattern. */
  readonly input: { readonly height: number; readonly width: number; readonly values: number[] };
  /** The layer's output for the sample. */
  readonly pattern: DensePattern | ConvPattern;
  /** Share of exactly-zero outputs in the layer. */
  readonly sparsity: number;
}

// ---- slide 10: vanishingGradients ---------------------------------------------------------

/** vanishingGradients()'s options (slide 10). */
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
  /** Seeds the weights and the input. */
  readonly seed: number;
  /** Called after each activation's run. */
  readonly onProgress?: ProgressCallback;
}

/** One hidden layer's kernel-gradient norm. */
export interface LayerGradient {
  /** 0 = the first layer after the input. */
  readonly index: number;
  /** The layer's name. */
  readonly name: string;
  /** L2 norm of the gradient of mean(output) with respect to the layer's kernel (weights). */
  readonly gradNorm: number;
}

/** One activation's per-layer gradient norms. */
export interface VanishingRun {
  /** The series label. */
  readonly activation: string;
  /** The registry activation the run used (the label may be the caller's own). */
  readonly name?: ActivationName;
  /** One entry per hidden layer, input side first. */
  readonly layers: LayerGradient[];
  /**
   * max gradNorm / min gradNorm over the layers: Infinity when some norm is 0 and another is
   * not, NaN when every norm is 0 (no gradient reached any kernel, so there is no spread).
   */
  readonly maxMinRatio: number;
}

/** What vanishingGradients() returns. */
export interface VanishingGradientsResult {
  /** The settings used, defaults filled in. */
  readonly settings: { readonly depth: number; readonly width: number; readonly batch: number; readonly inputDim: number; readonly seed: number };
  /** One run per activation, in request order. */
  readonly runs: VanishingRun[];
}

// ---- slide 11: benchmarkActivations -------------------------------------------------------

/** benchmarkActivations()'s options (slide 11). */
export interface BenchmarkOptions {
  /** Default relu, elu, selu, tanh. */
  readonly activations?: readonly ActivationRequest[];
  /** Train and test splits. */
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
  /** Seeds weights and shuffling. */
  readonly seed: number;
  /** Called as work completes (after each training batch). */
  readonly onProgress?: ProgressCallback;
}

/** One activation's timings and accuracy. */
export interface BenchmarkRun {
  /** The series label. */
  readonly activation: string;
  /** The registry activation the run used (the label may be the caller's own). */
  readonly name?: ActivationName;
  /** Wall time of fit(), in milliseconds. */
  readonly trainingTimeMs: number;
  /** predict() time over the test split (the median of three passes) divided by its samples, in milliseconds. */
  readonly inferenceMsPerSample: number;
  /** val_acc of the last epoch. */
  readonly finalValAccuracy: number;
  /** Mean epoch-to-epoch gain in training accuracy; NaN after a single epoch. */
  readonly convergenceRate: number;
  /** Per-epoch metrics. */
  readonly history: TrainingHistory;
}

/** What benchmarkActivations() returns. */
export interface BenchmarkResult {
  /** The settings used, defaults filled in. */
  readonly settings: {
    readonly hidden: number[]; readonly epochs: number; readonly batchSize: number; readonly seed: number;
    readonly trainSamples: number; readonly testSamples: number; readonly warmupSamples: number;
  };
  /** One run per activation, in request order. */
  readonly runs: BenchmarkRun[];
}

// ---- slide 12: trainingDynamics -----------------------------------------------------------

/** trainingDynamics()'s options (slide 12). */
export interface TrainingDynamicsOptions {
  /** Default relu. */
  readonly activations?: readonly ActivationRequest[];
  /** Train and test splits; the probe batch comes from the test split. */
  readonly data: DataSplits;
  /** Layer whose outputs are watched; default the slide's 'dense_1' (the second hidden layer), or the only hidden layer. */
  readonly layer?: string;
  /** Test samples in the fixed probe batch; default 100. */
  readonly probeSize?: number;
  /** Hidden dense widths; default [128, 64]. */
  readonly hidden?: readonly number[];
  /** Default 5. */
  readonly epochs?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /** Seeds weights and shuffling. */
  readonly seed: number;
  /** Called as work completes (after each training batch). */
  readonly onProgress?: ProgressCallback;
}

/** The watched layer's statistics after one epoch. */
export interface DynamicsEpoch {
  /** 1-based. */
  readonly epoch: number;
  /** Mean of the layer's outputs on the probe batch. */
  readonly activationMean: number;
  /** Population standard deviation of those outputs. */
  readonly activationStd: number;
  /** Share of exactly-zero outputs of the layer on the probe batch. */
  readonly sparsity: number;
  /** L2 norm of each trainable variable's gradient of the mean loss over the probe batch (the seed's per-sample loss vector gives the gradient of the sum: probeSize times larger). */
  readonly gradNorms: { readonly variable: string; readonly norm: number }[];
}

/** One activation's training dynamics. */
export interface DynamicsRun {
  /** The series label. */
  readonly activation: string;
  /** The registry activation the run used (the label may be the caller's own). */
  readonly name?: ActivationName;
  /** The watched layer's name. */
  readonly layer: string;
  /** One entry per epoch. */
  readonly epochs: DynamicsEpoch[];
  /** Slide 12's three numbers. */
  readonly summary: {
    /** Sparsity after the last epoch. */
    readonly finalSparsity: number;
    /** Mean over epochs and variables of the gradient norms. */
    readonly meanGradientNorm: number;
    /** Std over epochs of the activation mean (small: stable); NaN after a single epoch. */
    readonly activationStability: number;
  };
}

/** What trainingDynamics() returns. */
export interface TrainingDynamicsResult {
  /** The settings used, defaults filled in. */
  readonly settings: { readonly hidden: number[]; readonly epochs: number; readonly batchSize: number; readonly probeSize: number; readonly seed: number };
  /** One run per activation, in request order. */
  readonly runs: DynamicsRun[];
}

// ---- slide 13: compareCnn -----------------------------------------------------------------

/** compareCnn()'s options (slide 13). */
export interface CompareCnnOptions {
  /** Default relu, elu, selu, swish. */
  readonly activations?: readonly ActivationRequest[];
  /** MNIST ([28, 28] or [28, 28, 1]) or CIFAR-10 ([32, 32, 3]). */
  readonly data: DataSplits;
  /** Default 10. */
  readonly epochs?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /**
   * ReduceLROnPlateau on val_loss: multiply the rate by `factor` after `patience` epochs
   * without an improvement larger than `minDelta`. Default 0.2 and 3 (the seed's values) and
   * 1e-4 (Keras's `min_delta`; Keras's own factor and patience defaults are 0.1 and 10).
   */
  readonly reduceLrOnPlateau?: { readonly factor: number; readonly patience: number; readonly minDelta?: number };
  /** Seeds weights and shuffling. */
  readonly seed: number;
  /** Called as work completes (after each training batch). */
  readonly onProgress?: ProgressCallback;
}

/** What compareCnn() returns. */
export interface CompareCnnResult {
  /** The settings used, defaults filled in. */
  readonly settings: {
    readonly epochs: number; readonly batchSize: number; readonly factor: number; readonly patience: number; readonly minDelta: number;
    readonly seed: number; readonly inputShape: number[]; readonly trainSamples: number; readonly testSamples: number;
  };
  /** One run per activation, in request order. */
  readonly runs: TrainingRun[];
}
