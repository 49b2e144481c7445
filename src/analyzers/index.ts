// The analyzers: each returns plain, JSON-serialisable data for the plots, the CLI and
// the report.
export { curves } from './curves.js';
export type { CurvesOptions, CurvesResult, CurveSeries } from './curves.js';
export { gradientFlow } from './gradient-flow.js';
export type { GradientFlowOptions, GradientFlowResult, GradientFlowSeries } from './gradient-flow.js';
export { softmaxTemperature, SEED_SCORES } from './softmax-temperature.js';
export type { SoftmaxTemperatureResult, SoftmaxAtTemperature } from './softmax-temperature.js';
export type { ActivationRequest } from './common.js';
export { compareTraining, benchmarkActivations, compareCnn } from './training.js';
export { activationPatterns, denseGrid } from './patterns.js';
export type { LayerPatternOptions } from './patterns.js';
export { vanishingGradients } from './vanishing.js';
export { trainingDynamics, DynamicsRecorder } from './dynamics.js';
export type { DynamicsRecorderOptions } from './dynamics.js';
export type * from './types.js';
