// Reductions for the analyzers: sum, sum of squares, L2 norm, mean and variance, min, max,
// count of exact zeros, argmax per row.
//
// Order (fixed, so the same input gives the same bits in every engine): sums run in
// float64 with 8 partial sums, s_j = sum over k asc of x[8k + j], combined as
// ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)). Every float32 term is exact in float64
// and a square of one is too, so the only rounding is in the additions. A threaded version
// must cut the array at fixed offsets and combine the parts in a fixed order.
// min, max, the zero count and argmax do not depend on order (min/max of -0 and +0 is
// decided by Wasm's rules, the same everywhere).

import { promoteHigh, demoteJoin, storeTail } from './math';

const F64_ZERO: v128 = f64x2.splat(0);

/** Lane mask for the first `rem` lanes (rem in 0..4). */
@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

const SUM: i32 = 0;
const SQUARES: i32 = 1;
const CENTERED: i32 = 2;

/** The float64 term for a pair of lanes: x, x^2 or (x - c)^2. */
@inline function term(mode: i32, v: v128, c: v128): v128 {
  if (mode == SUM) return v;
  const d = mode == CENTERED ? f64x2.sub(v, c) : v;
  return f64x2.mul(d, d);
}

/** The fixed-order float64 sum of term(x[i]) described in the header. */
@inline function sum64(mode: i32, n: i32, x: usize, center: f64): f64 {
  const c = f64x2.splat(center);
  let s0 = F64_ZERO, s1 = F64_ZERO, s2 = F64_ZERO, s3 = F64_ZERO;
  const end = <usize>n << 2, body = end & ~31;
  let o: usize = 0;
  for (; o < body; o += 32) {
    const a = v128.load(x + o), b = v128.load(x + o, 16);
    s0 = f64x2.add(s0, term(mode, f64x2.promote_low_f32x4(a), c));
    s1 = f64x2.add(s1, term(mode, promoteHigh(a), c));
    s2 = f64x2.add(s2, term(mode, f64x2.promote_low_f32x4(b), c));
    s3 = f64x2.add(s3, term(mode, promoteHigh(b), c));
  }
  // The tail: lanes past n contribute +0, which leaves a float64 sum unchanged (it is never -0).
  if (o < end) {
    const left = <i32>(end - o) >> 2;
    const ma = laneMask(left), mb = laneMask(left - 4);
    // Read the second vector only when it holds data: blocks are padded by one vector, not two.
    const a = v128.load(x + o);
    const ta0 = term(mode, f64x2.promote_low_f32x4(a), c), ta1 = term(mode, promoteHigh(a), c);
    s0 = f64x2.add(s0, v128.and(ta0, i64x2.extend_low_i32x4_s(ma)));
    s1 = f64x2.add(s1, v128.and(ta1, i64x2.extend_high_i32x4_s(ma)));
    if (left > 4) {
      const b = v128.load(x + o, 16);
      const tb0 = term(mode, f64x2.promote_low_f32x4(b), c), tb1 = term(mode, promoteHigh(b), c);
      s2 = f64x2.add(s2, v128.and(tb0, i64x2.extend_low_i32x4_s(mb)));
      s3 = f64x2.add(s3, v128.and(tb1, i64x2.extend_high_i32x4_s(mb)));
    }
  }
  return ((f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1)) + (f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1))) +
    ((f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1)) + (f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1)));
}

/** sum of x[0..n), float64. */
export function f32_sum(n: i32, x: usize): f64 { return sum64(SUM, n, x, 0); }

/** sum of x^2, float64 (each square exact). */
export function f32_sum_squares(n: i32, x: usize): f64 { return sum64(SQUARES, n, x, 0); }

/** sqrt(sum of x^2), float64. */
export function f32_l2_norm(n: i32, x: usize): f64 { return Math.sqrt(sum64(SQUARES, n, x, 0)); }

/**
 * Mean, population variance (divided by n) and standard deviation in two passes, float64:
 * out[0] = mean, out[1] = sum((x - mean)^2) / n, out[2] = sqrt(out[1]). n >= 1.
 */
export function f32_moments(n: i32, x: usize, out: usize): void {
  const mean = sum64(SUM, n, x, 0) / <f64>n;
  const variance = sum64(CENTERED, n, x, mean) / <f64>n;
  store<f64>(out, mean);
  store<f64>(out, variance, 8);
  store<f64>(out, Math.sqrt(variance), 16);
}

/** min or max over x[0..n) (n >= 1); a NaN anywhere gives NaN. */
@inline function extreme(isMax: bool, n: i32, x: usize): f32 {
  const end = <usize>n << 2, body = end & ~15;
  let m = f32x4.splat(load<f32>(x));
  let o: usize = 0;
  for (; o < body; o += 16) {
    const v = v128.load(x + o);
    m = isMax ? f32x4.max(m, v) : f32x4.min(m, v);
  }
  if (o < end) {
    // lanes past n repeat x[0], which is already in m
    const v = v128.bitselect(v128.load(x + o), f32x4.splat(load<f32>(x)), laneMask(<i32>(end - o) >> 2));
    m = isMax ? f32x4.max(m, v) : f32x4.min(m, v);
  }
  const a = isMax ? f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1)) : f32x4.min(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
  const b = isMax ? f32x4.max(a, i32x4.shuffle(a, a, 1, 0, 3, 2)) : f32x4.min(a, i32x4.shuffle(a, a, 1, 0, 3, 2));
  return f32x4.extract_lane(b, 0);
}

export function f32_min(n: i32, x: usize): f32 { return extreme(false, n, x); }
export function f32_max(n: i32, x: usize): f32 { return extreme(true, n, x); }

/** Number of exact zeros (+0 and -0) in x[0..n). */
export function f32_count_zeros(n: i32, x: usize): i32 {
  const end = <usize>n << 2, body = end & ~15;
  let cnt = i32x4.splat(0);
  let o: usize = 0;
  for (; o < body; o += 16) cnt = i32x4.sub(cnt, f32x4.eq(v128.load(x + o), f32x4.splat(0)));
  if (o < end) {
    const m = v128.and(f32x4.eq(v128.load(x + o), f32x4.splat(0)), laneMask(<i32>(end - o) >> 2));
    cnt = i32x4.sub(cnt, m);
  }
  return i32x4.extract_lane(cnt, 0) + i32x4.extract_lane(cnt, 1) + i32x4.extract_lane(cnt, 2) + i32x4.extract_lane(cnt, 3);
}

/** Whether (v, i) beats (best, bi): larger value, NaN above every number, the smaller index on ties. */
@inline function beats(v: f32, i: i32, best: f32, bi: i32): bool {
  if (v != v) return best == best || i < bi;
  if (best != best) return false;
  return v > best || (v == best && i < bi);
}

/**
 * out[r] = index of the largest value in row r of x ([rows, cols], cols >= 1), the first one
 * on ties; a NaN counts as larger than every number (the first NaN wins). Each lane keeps
 * the best of its columns (strictly greater replaces, so the first stays), then the four
 * lanes are merged by value and, on ties, by the smaller index.
 */
export function f32_argmax_rows(rows: i32, cols: i32, x: usize, out: usize): void {
  const body = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * cols) << 2);
    let best = f32x4.splat(load<f32>(row));
    let bidx = i32x4.splat(0);
    let idx = i32x4(0, 1, 2, 3);
    for (let c = 0; c < cols; c += 4) {
      let v = v128.load(row + (<usize>c << 2));
      if (c >= body) v = v128.bitselect(v, f32x4.splat(load<f32>(row)), laneMask(cols - c));
      const m = v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
      best = v128.bitselect(v, best, m);
      bidx = v128.bitselect(idx, bidx, m);
      idx = i32x4.add(idx, i32x4.splat(4));
    }
    let bv = f32x4.extract_lane(best, 0), bi = i32x4.extract_lane(bidx, 0);
    const v1 = f32x4.extract_lane(best, 1), i1 = i32x4.extract_lane(bidx, 1);
    if (beats(v1, i1, bv, bi)) { bv = v1; bi = i1; }
    const v2 = f32x4.extract_lane(best, 2), i2 = i32x4.extract_lane(bidx, 2);
    if (beats(v2, i2, bv, bi)) { bv = v2; bi = i2; }
    const v3 = f32x4.extract_lane(best, 3), i3 = i32x4.extract_lane(bidx, 3);
    if (beats(v3, i3, bv, bi)) { bv = v3; bi = i3; }
    store<i32>(out + (<usize>r << 2), bi);
  }
}

/**
 * out[c] = sum over rows asc of x[r, c] for c < cols, x with rows `stride` floats apart (a
 * bias gradient, or a block of its columns): float64 accumulation per column, rounded to
 * float32 once.
 */
export function f32_column_sums(rows: i32, cols: i32, stride: i32, x: usize, out: usize): void {
  const row = <usize>cols << 2, step = <usize>stride << 2, end = <usize>rows * step;
  let o: usize = 0;
  // 16 columns (a cache line) per pass over the rows: eight independent float64 chains
  // instead of two, and each line read once. Same order per column, so the same bits.
  for (; o + 64 <= row; o += 64) {
    let a0 = F64_ZERO, a1 = F64_ZERO, a2 = F64_ZERO, a3 = F64_ZERO, a4 = F64_ZERO, a5 = F64_ZERO, a6 = F64_ZERO, a7 = F64_ZERO;
    for (let r: usize = 0; r < end; r += step) {
      const p = x + r + o;
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
      a1 = f64x2.add(a1, promoteHigh(v0));
      a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
      a3 = f64x2.add(a3, promoteHigh(v1));
      a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2));
      a5 = f64x2.add(a5, promoteHigh(v2));
      a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3));
      a7 = f64x2.add(a7, promoteHigh(v3));
    }
    v128.store(out + o, demoteJoin(a0, a1));
    v128.store(out + o, demoteJoin(a2, a3), 16);
    v128.store(out + o, demoteJoin(a4, a5), 32);
    v128.store(out + o, demoteJoin(a6, a7), 48);
  }
  for (; o < row; o += 16) {
    let lo = F64_ZERO, hi = F64_ZERO;
    for (let r: usize = 0; r < end; r += step) {
      const v = v128.load(x + r + o);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, promoteHigh(v));
    }
    const s = demoteJoin(lo, hi);
    if (o + 16 <= row) v128.store(out + o, s); else storeTail(out + o, s, cols & 3);
  }
}
