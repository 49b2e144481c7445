// actlab core entry: no runtime dependencies, no Node-only API.
export { init, threadInfo, simdInfo, MAX_THREADS, type InitOptions, type ThreadInfo, type SimdInfo } from './core/wasm.js';
/** The package's version (package.json), as tf.version_core gives tf.js's. */
export { VERSION as version } from './core/version.generated.js';
export { activations, getActivation, resolveParams, ACTIVATIONS, ACTIVATION_NAMES } from './activations/index.js';
export type { Activation, ActivationName, ParamSpec, ActivationParams, ApplyOptions, Reference, ResolvedParams, KernelArgs } from './activations/index.js';
export { softmax, logSoftmax, softmaxGrad, logSoftmaxGrad, softmaxCrossEntropy } from './softmax.js';
export { memoryStats } from './core/stats.js';
export { setDebugChecks, getDebugChecks } from './core/checks.js';
export type { DebugChecks, NonFiniteMode } from './core/checks.js';
export { Tensor, tensor, zeros, empty, sizeOf } from './core/tensor.js';
export type { Shape } from './core/tensor.js';
export { add, sub, mul, div, affine, neg, square, sum, mean, reshape } from './ops/elementwise.js';
export { valueAndGrads, grads, grad } from './autograd/grad.js';
export { tidy, keep } from './core/scope.js';
export { activation } from './ops/activation.js';
export type { ActivationTensorParams } from './ops/activation.js';
export { softmaxOp, logSoftmaxOp } from './ops/softmax.js';
export { Rng, rng } from './core/random.js';
export * as initializers from './nn/initializers.js';
export type { Initializer } from './nn/initializers.js';
export * from './data/index.js';
export { Optimizer, SGD, Adam, AdamW, RMSprop, sgd, adam, adamw, rmsprop } from './nn/optimizers.js';
export type { VariableGrad, NamedTensor, ClipOptions, OptimizerConfig, LearningRate, SgdOptions, AdamOptions, AdamWOptions, RmspropOptions } from './nn/optimizers.js';
export * as schedules from './nn/schedules.js';
export { LearningRateSchedule } from './nn/schedules.js';
export type { ScheduleJson, ScheduleConfig } from './nn/schedules.js';
export { meanSquaredError, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy, lossOp } from './nn/losses.js';
export type { LossResult, CrossentropyOptions, SparseLabels, LossOpName } from './nn/losses.js';
/** Standalone metrics with tf.metrics' names (metrics.meanAbsoluteError(yTrue, yPred), ...): per-row tensors, or scalars for precision and recall. */
export * as metrics from './nn/metrics-api.js';
export type { MetricName, MetricAlias, MetricClassIds } from './nn/metrics.js';
export { matMul, dense } from './ops/matmul.js';
export { Layer } from './nn/layer.js';
export type { LayerArgs, LayerWeight, CallOptions, Config } from './nn/layer.js';
export {
  layers, Dense, Activation as ActivationLayer, Flatten, Dropout, PReLU, LearnableSwish, ScaledSwish, CustomActivation, Conv2D, MaxPooling2D, AveragePooling2D,
} from './nn/layers.js';
export type {
  DenseArgs, Conv2DArgs, Pooling2DArgs, DropoutArgs, CustomActivationArgs, ActivationSpec, LayerActivationName, ActivationArgs, PReLUArgs, SwishArgs, ScaledSwishArgs,
} from './nn/layers.js';
export { Sequential, sequential, History } from './nn/sequential.js';
export type { CompileArgs, FitArgs, YieldEvery, EvaluateArgs, Labels, ClassIds, LossName, LossAlias, SequentialArgs } from './nn/sequential.js';
export { callbacks, Monitor, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, EpochLogger } from './nn/callbacks.js';
export type { Callback, Logs, TrainingModel, EarlyStoppingArgs, ReduceLROnPlateauArgs, LoggerArgs } from './nn/callbacks.js';
export { linear, conv2dOp, poolOp, dropoutOp } from './ops/nn.js';
export {
  conv2d, conv2dBackpropInput, conv2dBackpropFilter, conv2dBackpropBias, maxPool, maxPoolWithArgmax, maxPoolBackprop,
  avgPool, avgPoolBackprop, flatten, IndexBuffer, convGeometry, poolGeometry,
} from './ops/conv.js';
export type { Padding, Pair, Geometry } from './ops/conv.js';
/** Reductions to plain numbers (fixed order, float64 accumulation): stats.mean(x), stats.l2Norm(x), ... */
export * as stats from './ops/reduce.js';
export type { Values } from './ops/reduce.js';
export {
  curves, gradientFlow, softmaxTemperature, SEED_SCORES,
  compareTraining, activationPatterns, vanishingGradients, benchmarkActivations, trainingDynamics, compareCnn,
  DynamicsRecorder, denseGrid,
} from './analyzers/index.js';
export type * from './analyzers/index.js';
export * as plot from './plot/index.js';
export type { CurvesPlotOptions, CurvePanel, VegaLiteSpec } from './plot/index.js';
export { modelToArtifacts, modelFromArtifacts, registerArtifactWriter } from './nn/serialize.js';
export type { ModelArtifacts, TfjsModelArtifacts, ModelJson, TrainingJson, WeightSpec, CustomActivationFactory, ArtifactWriter } from './nn/serialize.js';
export { checkpointOf, restoreCheckpoint } from './nn/checkpoint.js';
export type { Checkpoint, CheckpointJson } from './nn/checkpoint.js';
