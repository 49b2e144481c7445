// Small reductions for the analyzers (gradient-flow statistics, softmax row sums and
// entropy). Every sum runs in float64, element after element in index order, so the
// result is the same in every runtime and independent of how the caller split its data.
// assembly/reduce.ts has the general reductions (eight partial sums, a different order);
// these stay separate so the analyzers' figures keep the bits they were published with.

/**
 * Statistics of x[0..n), n >= 1, written to out[0..4) as f32:
 * mean |x|, mean x, population std sqrt(mean((x - mean)^2)), max |x|. Two passes so the
 * deviation sum does not lose the mean's digits.
 */
export function f32_analysis_stats(n: i32, x: usize, out: usize): void {
  const end = <usize>n << 2;
  let sum: f64 = 0, sumAbs: f64 = 0, maxAbs: f64 = 0;
  for (let o: usize = 0; o < end; o += 4) {
    const v = <f64>load<f32>(x + o);
    const a = abs<f64>(v);
    sum += v;
    sumAbs += a;
    // A NaN anywhere must show in max |x| too: it is taken (a != a) and then kept, since
    // no comparison with a NaN maxAbs is true.
    if (a > maxAbs || a != a) maxAbs = a;
  }
  const mean = sum / <f64>n;
  let dev: f64 = 0;
  for (let o: usize = 0; o < end; o += 4) {
    const d = <f64>load<f32>(x + o) - mean;
    dev += d * d;
  }
  store<f32>(out, <f32>(sumAbs / <f64>n));
  store<f32>(out, <f32>mean, 4);
  store<f32>(out, <f32>sqrt<f64>(dev / <f64>n), 8);
  store<f32>(out, <f32>maxAbs, 12);
}

/**
 * For each of `rows` rows of `cols` probabilities p and their logs logp (log-softmax, so
 * log 0 never has to be taken): sums[r] = sum_j p_j and entropy[r] = -sum_j p_j logp_j
 * in nats. A term with p_j = 0 adds nothing (the limit of p log p), even where logp_j
 * is -Inf.
 */
export function f32_analysis_row_sum_entropy(rows: i32, cols: i32, p: usize, logp: usize, sums: usize, entropy: usize): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * row;
    let s: f64 = 0, h: f64 = 0;
    for (let o: usize = 0; o < row; o += 4) {
      const pj = <f64>load<f32>(p + base + o);
      s += pj;
      if (pj != 0) h -= pj * <f64>load<f32>(logp + base + o);
    }
    store<f32>(sums + (<usize>r << 2), <f32>s);
    store<f32>(entropy + (<usize>r << 2), <f32>h);
  }
}
