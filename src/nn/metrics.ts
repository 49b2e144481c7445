// Metrics: the names compile() takes, how fit and evaluate total them over batches, and the
// standalone functions of the `metrics` namespace (tf.metrics' names and shapes).
//
// Every metric is a ratio num / den totalled over the batches it covers: the mean metrics
// (the accuracies, the errors, the cross-entropies) add each sample's value to num and 1 to
// den, so an epoch's value is the exact mean over its samples (what tf.js's mean of batch
// values weighted by batch size gives, to float rounding); precision adds true positives to num
// and predicted positives to den, recall true positives and actual positives, so theirs are
// exact over the epoch's samples as in Keras 3 (tf.js averages the batches' ratios instead).
import { Tensor, tensor, shapeText, type Shape } from '../core/tensor.js';
import { checkFinite, describeValue, showValue } from '../core/checks.js';
import { argMaxRows } from '../ops/reduce.js';
import { softmax } from '../softmax.js';
import { rt } from '../core/wasm.js';
import { clipText } from '../core/text.js';

/** The metrics compile() knows, under their canonical (tf.js camelCase) names. */
export type MetricName = 'accuracy' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'topKCategoricalAccuracy' | 'sparseTopKCategoricalAccuracy'
  | 'meanSquaredError' | 'meanAbsoluteError' | 'meanAbsolutePercentageError'
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'crossentropy'
  | 'cosineProximity' | 'cosineSimilarity' | 'precision' | 'recall';

const METRIC_ALIASES = {
  accuracy: 'accuracy', acc: 'accuracy',
  binaryAccuracy: 'binaryAccuracy', binary_accuracy: 'binaryAccuracy',
  categoricalAccuracy: 'categoricalAccuracy', categorical_accuracy: 'categoricalAccuracy',
  sparseCategoricalAccuracy: 'sparseCategoricalAccuracy', sparse_categorical_accuracy: 'sparseCategoricalAccuracy',
  topKCategoricalAccuracy: 'topKCategoricalAccuracy', top_k_categorical_accuracy: 'topKCategoricalAccuracy',
  sparseTopKCategoricalAccuracy: 'sparseTopKCategoricalAccuracy', sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy',
  meanSquaredError: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError', MSE: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError', mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError',
  meanAbsolutePercentageError: 'meanAbsolutePercentageError', mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  mape: 'meanAbsolutePercentageError', MAPE: 'meanAbsolutePercentageError',
  binaryCrossentropy: 'binaryCrossentropy', binary_crossentropy: 'binaryCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy', categorical_crossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  crossentropy: 'crossentropy', ce: 'crossentropy',
  cosineProximity: 'cosineProximity', cosine_proximity: 'cosineProximity', cosine: 'cosineProximity',
  cosineSimilarity: 'cosineSimilarity', cosine_similarity: 'cosineSimilarity',
  precision: 'precision', recall: 'recall',
} as const satisfies Record<string, MetricName>;

/**
 * A metric as compile() takes it: tf.js's camelCase name, Keras's snake_case one, or a short
 * form (acc, ce, mse, MSE, mae, MAE, mape, MAPE, cosine). The logs name it as given, except that
 * 'accuracy' and 'acc' both log as `acc`, and 'crossentropy' and 'ce' both as `ce` (tf.js).
 */
export type MetricAlias = keyof typeof METRIC_ALIASES;

/** Metrics that take class ids (the labels of sparseCategoricalCrossentropy); the rest but accuracy take targets shaped like the output. */
const TAKES_IDS: readonly MetricName[] = ['sparseCategoricalAccuracy', 'sparseTopKCategoricalAccuracy', 'sparseCategoricalCrossentropy'];
/** Metrics that do not change when logits stand in for the softmax's probabilities (the argmax is the same). */
const ARGMAX_ONLY: readonly MetricName[] = ['accuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy'];

/** The valid names, grouped by metric: "accuracy (acc), binaryAccuracy (binary_accuracy), ...". */
export function metricNamesText(): string {
  const groups = new Map<string, string[]>();
  for (const [alias, name] of Object.entries(METRIC_ALIASES)) {
    if (alias !== name) (groups.get(name) ?? groups.set(name, []).get(name))?.push(alias);
    else groups.set(name, groups.get(name) ?? []);
  }
  return [...groups].map(([name, aliases]) => (aliases.length > 0 ? `${name} (${aliases.join(', ')})` : name)).join(', ');
}

/** A metric compile() accepted: the name as given, the metric, and its key in the logs (`val_` + key for validation). */
export interface CompiledMetric {
  /** The name compile() was given (saved in checkpoints). */
  readonly name: MetricAlias;
  /** The metric it names. */
  readonly metric: MetricName;
  /** Its key in fit's logs and History: the name as given, `acc` for accuracy. */
  readonly key: string;
}

/**
 * Checks compile()'s metrics against the names and against the labels the loss takes (class
 * ids for sparseCategoricalCrossentropy, targets shaped like the output otherwise).
 */
export function resolveMetrics(where: string, given: unknown, sparseLoss: boolean, loss: string): CompiledMetric[] {
  if (!Array.isArray(given)) throw new Error(`actlab: ${where}: metrics must be an array, e.g. ['accuracy'], got ${describeValue(given)}`);
  const out: CompiledMetric[] = [];
  for (const m of given as unknown[]) {
    if (typeof m !== 'string' || !Object.hasOwn(METRIC_ALIASES, m)) {
      throw new Error(`actlab: ${where}: unknown metric ${typeof m === 'string' ? `'${clipText(m, 200)}'` : describeValue(m)}; valid: ${metricNamesText()}`);
    }
    const name = m as MetricAlias;
    const metric: MetricName = METRIC_ALIASES[name];
    const key = metric === 'accuracy' ? 'acc' : metric === 'crossentropy' ? 'ce' : name;
    if (metric !== 'accuracy' && metric !== 'crossentropy' && TAKES_IDS.includes(metric) !== sparseLoss) {
      throw new Error(sparseLoss
        ? `actlab: ${where}: metric '${name}' needs targets shaped like the output, but the loss ${loss} takes class ids; ` +
          "with class ids use 'accuracy', 'crossentropy', 'sparseCategoricalAccuracy', 'sparseTopKCategoricalAccuracy' or 'sparseCategoricalCrossentropy'"
        : `actlab: ${where}: metric '${name}' takes class ids, but the loss ${loss} takes targets shaped like the output; ` +
          "use 'accuracy', 'categoricalAccuracy' or 'topKCategoricalAccuracy' (one-hot targets), or the loss sparseCategoricalCrossentropy with class ids");
    }
    const twin = out.find((o) => o.key === key);
    if (twin !== undefined) {
      throw new Error(`actlab: ${where}: metrics list '${name}'${twin.name === name ? ' twice' : ` and '${twin.name}', which both log as '${key}'`}; give each once`);
    }
    out.push({ name, metric, key });
  }
  return out;
}

/** A metric's value from its totals: num / den, or 0 where den is 0 (precision without a predicted positive, tf.js and Keras). */
export function metricValue(num: number, den: number): number { return den > 0 ? num / den : 0; }

/** The k of the top-k accuracies compile() logs: Keras's default (its string names take no other). */
export const TOP_K = 5;

/**
 * Whether class `id` is among the k highest of row `o` of `p` (`cols` values): its rank is
 * the number of values above it plus the number equal to it at a lower index, so ties go to
 * the lower index, as tf.inTopKAsync's stable sort orders them. A NaN at `id` is not in the top k.
 */
function inTopK(p: ArrayLike<number>, o: number, cols: number, id: number, k: number): boolean {
  const v = p[o + id];
  if (Number.isNaN(v)) return false;
  let rank = 0;
  for (let j = 0; j < cols && rank < k; j++) if (p[o + j] > v || (p[o + j] === v && j < id)) rank++;
  return rank < k;
}

const EPSILON = 1e-7;
const clip = (v: number): number => Math.min(Math.max(v, EPSILON), 1 - EPSILON);
/**
 * ln v from the kernels (fdlibm's algorithm in Wasm), not the engine's logarithm: engines
 * round it differently (Node 20's V8 and Deno's or Bun's differ in the last bit on about 3%
 * of inputs), and the cross-entropy metrics must give the same bits in every runtime.
 */
const ln = (v: number): number => rt().kernels.f64_log1(v);

/** One value per row of `cols` (the last axis) for the per-row metrics, in float64. */
function perRow(metric: MetricName, p: Float32Array, t: ArrayLike<number>, cols: number, k = TOP_K): Float64Array {
  const rows = p.length / cols;
  const out = new Float64Array(rows);
  if (metric === 'topKCategoricalAccuracy' || metric === 'sparseTopKCategoricalAccuracy') {
    const truth = metric === 'sparseTopKCategoricalAccuracy' ? t : argMaxRows(Float32Array.from(t), cols);
    for (let r = 0; r < rows; r++) out[r] = inTopK(p, r * cols, cols, truth[r], k) ? 1 : 0;
    return out;
  }
  if (metric === 'categoricalAccuracy' || metric === 'sparseCategoricalAccuracy') {
    const pred = argMaxRows(p, cols);
    const truth = metric === 'sparseCategoricalAccuracy' ? t : argMaxRows(Float32Array.from(t), cols);
    for (let r = 0; r < rows; r++) out[r] = pred[r] === truth[r] ? 1 : 0;
    return out;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    switch (metric) {
      case 'binaryAccuracy':
        for (let j = 0; j < cols; j++) if ((p[o + j] > 0.5 ? 1 : 0) === t[o + j]) s++;
        s /= cols;
        break;
      case 'cosineProximity':
      case 'cosineSimilarity': {
        // tf.js's l2Normalize: each vector over sqrt(max(sum of squares, 1e-7)).
        let tt = 0, pp = 0, tp = 0;
        for (let j = 0; j < cols; j++) { const a = t[o + j], b = p[o + j]; tt += a * a; pp += b * b; tp += a * b; }
        s = tp / (Math.sqrt(Math.max(tt, EPSILON)) * Math.sqrt(Math.max(pp, EPSILON)));
        if (metric === 'cosineProximity') s = -s;
        break;
      }
      case 'meanSquaredError':
        for (let j = 0; j < cols; j++) { const d = p[o + j] - t[o + j]; s += d * d; }
        s /= cols;
        break;
      case 'meanAbsoluteError':
        for (let j = 0; j < cols; j++) s += Math.abs(p[o + j] - t[o + j]);
        s /= cols;
        break;
      case 'meanAbsolutePercentageError':
        for (let j = 0; j < cols; j++) s += Math.abs(t[o + j] - p[o + j]) / Math.max(Math.abs(t[o + j]), EPSILON);
        s = (100 * s) / cols;
        break;
      case 'binaryCrossentropy':
        for (let j = 0; j < cols; j++) { const c = clip(p[o + j]), y = t[o + j]; s -= y * ln(c) + (1 - y) * ln(1 - c); }
        s /= cols;
        break;
      case 'categoricalCrossentropy':
      case 'sparseCategoricalCrossentropy': {
        let total = 0;
        for (let j = 0; j < cols; j++) total += p[o + j];
        if (metric === 'sparseCategoricalCrossentropy') s = -ln(clip(p[o + t[r]] / total));
        else for (let j = 0; j < cols; j++) if (t[o + j] !== 0) s -= t[o + j] * ln(clip(p[o + j] / total));
        break;
      }
      default: throw new Error(`actlab: metric ${metric} has no per-row value`);
    }
    out[r] = s;
  }
  return out;
}

/**
 * The cross-entropy that 'crossentropy' ('ce') stands for, as tf.js's compile picks it:
 * binary where the output has one unit or the loss is binary cross-entropy, sparse
 * categorical where the loss takes class ids, categorical otherwise (tfjs-layers' training.js).
 */
function crossentropyFor(loss: string, cols: number): MetricName {
  if (cols === 1 || loss === 'binaryCrossentropy') return 'binaryCrossentropy';
  return loss === 'sparseCategoricalCrossentropy' ? 'sparseCategoricalCrossentropy' : 'categoricalCrossentropy';
}

/** True positives, predicted positives and actual positives: predicted positive above 0.5, actual positive where the target is 1 (tf.js). */
function confusion(p: Float32Array, t: ArrayLike<number>): { tp: number; fp: number; fn: number } {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < p.length; i++) {
    const yes = p[i] > 0.5;
    if (t[i] === 1) { if (yes) tp++; else fn++; } else if (t[i] === 0 && yes) fp++;
  }
  return { tp, fp, fn };
}

/**
 * Correct predictions in a batch, as a number of samples, with the accuracy Keras picks for
 * the loss: binary cross-entropy (and mean squared error on one output) count the share of
 * outputs on the right side of 0.5 in each sample (a mean over a sample's outputs), summed;
 * the categorical losses compare the argmax with class ids or one-hot rows. (Their output
 * may be logits, where fit fuses the softmax into the loss: the argmax is the same.)
 */
function countCorrect(output: Tensor, y: Tensor | ArrayLike<number>, loss: string): number {
  const cols = output.shape[output.rank - 1];
  const rows = output.size / cols;
  // An output of rank > 2 ([batch, steps, classes]) has several rows per sample: each sample counts
  // the share of its positions that are right, so accuracy is the mean over every position (Keras).
  const samples = Math.max(output.shape[0], 1);
  if (loss === 'binaryCrossentropy' || (loss === 'meanSquaredError' && cols === 1)) {
    const p = output.dataSync(), t = y instanceof Tensor ? y.dataSync() : Float32Array.from(y);
    let c = 0;
    for (let i = 0; i < p.length; i++) if ((p[i] > 0.5 ? 1 : 0) === t[i]) c++;
    return c / (output.size / samples || 1);
  }
  const pred = argMaxRows(output, cols);
  let truth: ArrayLike<number>;
  if (!(y instanceof Tensor)) truth = y;
  else if (loss === 'sparseCategoricalCrossentropy') truth = y.dataSync();
  else truth = argMaxRows(y, cols); // one-hot (or soft) rows, even of one column
  let c = 0;
  for (let i = 0; i < rows; i++) if (pred[i] === truth[i]) c++;
  return c / (rows / samples || 1);
}

/**
 * A batch's totals for each compiled metric, as [num0, den0, num1, den1, ...]: the value over
 * any run of batches is metricValue(sum of num, sum of den). `output` is the model's output for
 * the batch (logits when `logits`: fit fuses the softmax into the loss), `y` its labels as
 * checked by fit (class ids for a sparse loss, else targets with the output's size).
 */
export function metricTotals(metrics: readonly CompiledMetric[], output: Tensor, y: Tensor | ArrayLike<number>, loss: string, logits: boolean): Float64Array {
  const out = new Float64Array(metrics.length * 2);
  if (metrics.length === 0) return out;
  const cols = output.shape[output.rank - 1];
  const samples = output.shape[0];
  const rowsPerSample = output.size / cols / Math.max(samples, 1);
  let raw: Float32Array | undefined, probs: Float32Array | undefined, truth: ArrayLike<number> | undefined;
  metrics.forEach((m, i) => {
    if (m.metric === 'accuracy') {
      out[2 * i] = countCorrect(output, y, loss);
      out[2 * i + 1] = samples;
      return;
    }
    raw ??= output.dataSync();
    const p = logits && !ARGMAX_ONLY.includes(m.metric) ? (probs ??= softmax(raw, cols)) : raw;
    truth ??= y instanceof Tensor ? y.dataSync() : y;
    if (m.metric === 'precision' || m.metric === 'recall') {
      const c = confusion(p, truth);
      out[2 * i] = c.tp;
      out[2 * i + 1] = m.metric === 'precision' ? c.tp + c.fp : c.tp + c.fn;
      return;
    }
    const rows = perRow(m.metric === 'crossentropy' ? crossentropyFor(loss, cols) : m.metric, p, truth, cols);
    let s = 0;
    for (const v of rows) s += v;
    out[2 * i] = s / rowsPerSample;
    out[2 * i + 1] = samples;
  });
  return out;
}

// ---- the standalone functions (tf.metrics) ----

function checkPred(fn: string, yPred: unknown): Tensor {
  if (!(yPred instanceof Tensor)) throw new Error(`actlab: metrics.${fn}: yPred must be a Tensor, got ${describeValue(yPred)}`);
  if (yPred.isDisposed) throw new Error(`actlab: metrics.${fn}: yPred was disposed`);
  if (yPred.rank === 0 || yPred.size === 0) {
    throw new Error(`actlab: metrics.${fn}: yPred ${shapeText(yPred.shape)} must have a last axis (rank >= 1) and at least one value`);
  }
  return yPred;
}

function dense(fn: string, yTrue: unknown, yPred: unknown): { t: Float32Array; p: Float32Array; cols: number; shape: Shape } {
  const pred = checkPred(fn, yPred);
  if (!(yTrue instanceof Tensor)) throw new Error(`actlab: metrics.${fn}: yTrue must be a Tensor, got ${describeValue(yTrue)}`);
  if (yTrue.isDisposed) throw new Error(`actlab: metrics.${fn}: yTrue was disposed`);
  const a = yTrue.shape, b = pred.shape;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new Error(`actlab: metrics.${fn}: yTrue shape ${shapeText(a)} does not match yPred shape ${shapeText(b)}`);
  }
  checkFinite(`metrics.${fn}`, [yTrue, pred], ['yTrue', 'yPred']);
  return { t: yTrue.dataSync(), p: pred.dataSync(), cols: b[b.length - 1], shape: b.slice(0, -1) };
}

function sparse(fn: string, yTrue: unknown, yPred: unknown): { t: ArrayLike<number>; p: Float32Array; cols: number; shape: Shape } {
  const pred = checkPred(fn, yPred);
  const cols = pred.shape[pred.rank - 1], rows = pred.size / cols;
  let t: ArrayLike<number>;
  if (yTrue instanceof Tensor) {
    if (yTrue.isDisposed) throw new Error(`actlab: metrics.${fn}: yTrue was disposed`);
    t = yTrue.dataSync();
  } else if (Array.isArray(yTrue) || (ArrayBuffer.isView(yTrue) && !(yTrue instanceof DataView))) {
    t = yTrue as ArrayLike<number>;
  } else {
    throw new Error(`actlab: metrics.${fn}: yTrue must be class ids (a Tensor, a typed array or number[]), got ${describeValue(yTrue)}`);
  }
  if (t.length !== rows) throw new Error(`actlab: metrics.${fn}: ${t.length} class ids for ${rows} rows of yPred ${shapeText(pred.shape)}: expected one per row`);
  for (let i = 0; i < rows; i++) {
    if (!Number.isInteger(t[i]) || t[i] < 0 || t[i] >= cols) {
      throw new Error(`actlab: metrics.${fn}: class id ${showValue(t[i])} at index ${i} is not an integer in [0, ${cols})`);
    }
  }
  checkFinite(`metrics.${fn}`, [pred], ['yPred']);
  return { t, p: pred.dataSync(), cols, shape: pred.shape.slice(0, -1) };
}

function rowMetric(metric: MetricName, d: { t: ArrayLike<number>; p: Float32Array; cols: number; shape: Shape }, k?: number): Tensor {
  return tensor(Float32Array.from(perRow(metric, d.p, d.t, d.cols, k)), d.shape);
}

function checkK(fn: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new Error(`actlab: metrics.${fn}: k must be an integer >= 1, got ${showValue(k)}`);
  return k;
}

/** Class ids for the sparse metrics: a Tensor, a typed array or number[], one per row of yPred. */
export type MetricClassIds = Tensor | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Float32Array | Float64Array | readonly number[];

/** Per row (yPred's shape without its last axis): the share of the row's values on the side of 0.5 that yTrue (0 or 1) is on. */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor): Tensor { return rowMetric('binaryAccuracy', dense('binaryAccuracy', yTrue, yPred)); }
/** Per row: 1 where the argmax of yPred is that of yTrue (one-hot rows), else 0. */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor { return rowMetric('categoricalAccuracy', dense('categoricalAccuracy', yTrue, yPred)); }
/** Per row: 1 where the argmax of yPred is the class id in yTrue, else 0. */
export function sparseCategoricalAccuracy(yTrue: MetricClassIds, yPred: Tensor): Tensor {
  return rowMetric('sparseCategoricalAccuracy', sparse('sparseCategoricalAccuracy', yTrue, yPred));
}
/**
 * Per row: 1 where the argmax of yTrue (one-hot rows) is among the k highest values of yPred,
 * else 0 (Keras's top_k_categorical_accuracy, k 5 by default; tf.js 4.22 declares it but
 * throws NotImplementedError). Ties go to the lower index, as in tf.inTopKAsync; Keras counts
 * every class tied at the k-th place in. A k at or above the number of classes gives 1.
 */
export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k: number = TOP_K): Tensor {
  return rowMetric('topKCategoricalAccuracy', dense('topKCategoricalAccuracy', yTrue, yPred), checkK('topKCategoricalAccuracy', k));
}
/** Per row: 1 where the class id in yTrue is among the k highest values of yPred, else 0 (ties and k as topKCategoricalAccuracy). */
export function sparseTopKCategoricalAccuracy(yTrue: MetricClassIds, yPred: Tensor, k: number = TOP_K): Tensor {
  return rowMetric('sparseTopKCategoricalAccuracy', sparse('sparseTopKCategoricalAccuracy', yTrue, yPred), checkK('sparseTopKCategoricalAccuracy', k));
}
/**
 * Per row: minus the cosine of the angle between yTrue and yPred along the last axis, each
 * divided by sqrt(max(its sum of squares, 1e-7)) (tf.metrics.cosineProximity): -1 where they
 * point the same way, so lower is better. Keras 3's cosine_similarity is the same with the
 * opposite sign (compile takes it as 'cosine_similarity').
 */
export function cosineProximity(yTrue: Tensor, yPred: Tensor): Tensor { return rowMetric('cosineProximity', dense('cosineProximity', yTrue, yPred)); }
/** Per row: the mean of (yTrue - yPred)^2 over the last axis. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor { return rowMetric('meanSquaredError', dense('meanSquaredError', yTrue, yPred)); }
/** Per row: the mean of |yTrue - yPred| over the last axis. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor { return rowMetric('meanAbsoluteError', dense('meanAbsoluteError', yTrue, yPred)); }
/** Per row: 100 times the mean of |yTrue - yPred| / max(|yTrue|, 1e-7) over the last axis. */
export function meanAbsolutePercentageError(yTrue: Tensor, yPred: Tensor): Tensor {
  return rowMetric('meanAbsolutePercentageError', dense('meanAbsolutePercentageError', yTrue, yPred));
}
/** Per row: the mean over the last axis of -(t log c + (1 - t) log(1 - c)), c = yPred clipped to [1e-7, 1 - 1e-7]. */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor { return rowMetric('binaryCrossentropy', dense('binaryCrossentropy', yTrue, yPred)); }
/** Per row: -sum t log q, q = yPred / its row sum, clipped to [1e-7, 1 - 1e-7] (probabilities, not logits). */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  return rowMetric('categoricalCrossentropy', dense('categoricalCrossentropy', yTrue, yPred));
}
/** Per row: -log q[id], q as for categoricalCrossentropy. */
export function sparseCategoricalCrossentropy(yTrue: MetricClassIds, yPred: Tensor): Tensor {
  return rowMetric('sparseCategoricalCrossentropy', sparse('sparseCategoricalCrossentropy', yTrue, yPred));
}
/** A scalar over every value: true positives / predicted positives (yPred > 0.5), 0 when nothing is predicted positive. */
export function precision(yTrue: Tensor, yPred: Tensor): Tensor {
  const d = dense('precision', yTrue, yPred), c = confusion(d.p, d.t);
  return tensor([metricValue(c.tp, c.tp + c.fp)], []);
}
/** A scalar over every value: true positives / actual positives (yTrue 1), 0 when there is none. */
export function recall(yTrue: Tensor, yPred: Tensor): Tensor {
  const d = dense('recall', yTrue, yPred), c = confusion(d.p, d.t);
  return tensor([metricValue(c.tp, c.tp + c.fn)], []);
}
/** tf.metrics' alias of meanSquaredError. */
export const mse = meanSquaredError;
/** tf.metrics' alias of meanSquaredError. */
export const MSE = meanSquaredError;
/** tf.metrics' alias of meanAbsoluteError. */
export const mae = meanAbsoluteError;
/** tf.metrics' alias of meanAbsoluteError. */
export const MAE = meanAbsoluteError;
/** tf.metrics' alias of meanAbsolutePercentageError. */
export const mape = meanAbsolutePercentageError;
/** tf.metrics' alias of meanAbsolutePercentageError. */
export const MAPE = meanAbsolutePercentageError;
