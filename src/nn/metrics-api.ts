// The `metrics` namespace: tf.metrics' standalone functions, each taking (yTrue, yPred)
// tensors. Per-row metrics return a tensor of yPred's shape without its last axis (tf.js's
// shapes); precision and recall a scalar. fit and evaluate total the same values (metrics.ts).
export {
  binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, topKCategoricalAccuracy, sparseTopKCategoricalAccuracy, meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError,
  binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy, cosineProximity, precision, recall, mse, MSE, mae, MAE, mape, MAPE,
} from './metrics.js';
export type { MetricClassIds } from './metrics.js';
