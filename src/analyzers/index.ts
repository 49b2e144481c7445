// The analyzers: each returns plain, JSON-serialisable data for the plots, the CLI and
// the report.
export { curves } from './curves.js';
export type { CurvesOptions, CurvesResult, CurveSeries } from './curves.js';
export { gradientFlow } from './gradient-flow.js';
export type { GradientFlowOptions, GradientFlowResult, GradientFlowSeries } from './gradient-flow.js';
export { softmaxTemperature, SEED_SCORES } from './softmax-temperature.js';
export type { SoftmaxTemperatureResult, SoftmaxAtTemperature } from './softmax-temperature.js';
export type { ActivationRequest } from './common.js';
export {
  compareTraining, activationPatterns, vanishingGradients, benchmarkActivations, trainingDynamics, compareCnn,
  TrainingCoreMissing,
} from './training.js';
export type * from './types.js';
