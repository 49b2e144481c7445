// Slide 4: how temperature reshapes a softmax. Low T sharpens towards the arg max, high T
// flattens towards uniform; the entropy of each row measures where in between it is.
import { tensor } from '../core/tensor.js';
import { tidy } from '../core/scope.js';
import { describeValue } from '../core/checks.js';
import { softmax, logSoftmax } from '../softmax.js';
import { logOf, rowSumEntropy } from './reduce.js';

/** The softmax of every score row at one temperature. */
export interface SoftmaxAtTemperature {
  /** T: the scores are divided by it. */
  readonly temperature: number;
  /** One row of probabilities per row of scores. */
  readonly probabilities: number[][];
  /** sum of each row (1 up to float32 rounding). */
  readonly rowSums: number[];
  /** -sum p log p of each row, in nats. */
  readonly entropy: number[];
}

/** What softmaxTemperature() returns. */
export interface SoftmaxTemperatureResult {
  /** The scores as float32 values. */
  readonly scores: number[][];
  /** Values per row. */
  readonly classes: number;
  /** log(classes): the entropy of a uniform row, the limit as T grows. */
  readonly maxEntropy: number;
  /** One entry per temperature, in the order given. */
  readonly results: SoftmaxAtTemperature[];
}

/** The seed's example scores: two rows of five logits. */
export const SEED_SCORES: readonly (readonly number[])[] = [[1, 2, 3, 4, 1], [2, 1, 0.1, 3, 2]];

function checkScores(scores: readonly (readonly number[])[]): number {
  if (!Array.isArray(scores) || !scores.every((r) => Array.isArray(r))) {
    throw new Error(`actlab: softmaxTemperature: scores must be rows of numbers, e.g. [[1, 2, 3]], got ${describeValue(scores)}`);
  }
  if (scores.length === 0) throw new Error('actlab: softmaxTemperature: no score rows given: expected at least one row');
  const cols = scores[0].length;
  scores.forEach((row, r) => {
    if (row.length === 0 || row.length !== cols) {
      throw new Error(`actlab: softmaxTemperature: score row ${r} has ${row.length} values but row 0 has ${cols}: expected equal, non-empty rows`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
        throw new Error(`actlab: softmaxTemperature: score [${r}][${j}] = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}: expected a number that is finite in float32 (|x| <= 3.4e38)`);
      }
    });
  });
  return cols;
}

/**
 * Softmax of each score row at each temperature, with row sums and entropies (all in
 * Wasm). Example: `softmaxTemperature(SEED_SCORES, [0.5, 1, 2])`.
 */
export function softmaxTemperature(scores: readonly (readonly number[])[], temperatures: readonly number[]): SoftmaxTemperatureResult {
  const cols = checkScores(scores);
  if (!Array.isArray(temperatures)) throw new Error(`actlab: softmaxTemperature: temperatures must be an array of numbers > 0, e.g. [0.5, 1, 2], got ${describeValue(temperatures)}`);
  if (temperatures.length === 0) throw new Error('actlab: softmaxTemperature: no temperatures given: expected at least one T > 0');
  const flat = Float32Array.from(scores.flat());
  const rows = (v: Float32Array): number[][] => scores.map((_, r) => Array.from(v.subarray(r * cols, (r + 1) * cols)));
  const results = temperatures.map((t) => {
    const p = softmax(flat, cols, t);
    const logp = logSoftmax(flat, cols, t);
    const { sums, entropy } = tidy(() => rowSumEntropy(tensor(p), tensor(logp), cols));
    return { temperature: t, probabilities: rows(p), rowSums: Array.from(sums), entropy: Array.from(entropy) };
  });
  return { scores: rows(flat), classes: cols, maxEntropy: logOf(cols), results };
}
