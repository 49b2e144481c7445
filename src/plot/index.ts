// Vega-Lite v6 specs for every analyzer: pure data, rendered by actlab/node or any
// Vega-Lite viewer.
export { curvesSpec, gradientFlowSpec, gradientStatsSpec } from './curves.js';
export type { CurvesPlotOptions, CurvePanel } from './curves.js';
export { softmaxSpec, softmaxEntropySpec } from './softmax.js';
export {
  compareTrainingSpec, compareCnnSpec, activationPatternsSpec, vanishingSpec, benchmarkSpec, dynamicsSpec,
} from './training.js';
export { CONFIG as plotConfig, FONT as plotFont } from './theme.js';
export type { VegaLiteSpec } from './theme.js';
export { latexToMathML } from './mathml.js';
