// Row softmax and log-softmax over the last axis of a row-major [rows, cols] array, with
// temperature t > 0, and the fused softmax + cross-entropy forward/backward. Each row is
// shifted by its maximum before exp, so logits of +-1e30 stay finite. Sums run in four
// lanes and are combined in a fixed order: every runtime gives the same bits.

import { splat, sel, storeTail, exp4, log4, EXP_FAST } from './math';

@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

/**
 * Lanes [0, rem) of the vector at p, the rest 0; rem in 1..3. Reads back what storeTail
 * wrote with loads of the same sizes: a 16-byte load over a row's 4-byte tail stores (and
 * the next row's first store) cannot take its data from the store buffer and waits for the
 * stores to retire.
 */
@inline function loadTail(p: usize, rem: i32): v128 {
  let v = v128.load32_zero(p);
  if (rem > 1) v = v128.load32_lane(p, v, 1, 4);
  if (rem > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// The reductions of four rows at once: ADD sums, MAX and MIN take pmax and pmin (over
// lanes that hold no NaN, see rowRange).
const ADD = 0, MAX = 1, MIN = 2;

@inline function combine(a: v128, b: v128, op: i32): v128 {
  return op == ADD ? f32x4.add(a, b) : op == MAX ? f32x4.pmax(a, b) : f32x4.pmin(a, b);
}

/**
 * Lane r of the result reduces v_r's lanes as (s0 op s1) op (s2 op s3): for ADD, hsum(v_r)
 * with the same additions in the same order. Six shuffles and three operations serve four
 * rows, where four hsums take twelve lane extractions and twelve dependent scalar additions.
 */
@inline function across4(v0: v128, v1: v128, v2: v128, v3: v128, op: i32): v128 {
  const u0 = combine(i32x4.shuffle(v0, v1, 0, 4, 2, 6), i32x4.shuffle(v0, v1, 1, 5, 3, 7), op);
  const u1 = combine(i32x4.shuffle(v2, v3, 0, 4, 2, 6), i32x4.shuffle(v2, v3, 1, 5, 3, 7), op);
  return combine(i32x4.shuffle(u0, u1, 0, 1, 4, 5), i32x4.shuffle(u0, u1, 2, 3, 6, 7), op);
}

/** v's lane r in every lane. */
@inline function lane(v: v128, r: i32): v128 {
  return r == 0 ? i32x4.shuffle(v, v, 0, 0, 0, 0) : r == 1 ? i32x4.shuffle(v, v, 1, 1, 1, 1)
    : r == 2 ? i32x4.shuffle(v, v, 2, 2, 2, 2) : i32x4.shuffle(v, v, 3, 3, 3, 3);
}

/**
 * Lane 0: the largest element of row [p, p + cols), lane 1: the smallest, both over the
 * elements that are not NaN. pmax/pmin are one x86 instruction each where Wasm's
 * f32x4.max/min take several for their NaN and -0 rules. A NaN needs no check of its own:
 * its e^z is NaN, so the row's sum, and with it every output of the row, is NaN. A -0 that
 * pmax may keep in place of +0 changes no output (both give z = +-0 and e^z = 1; a row
 * holding both zeros sums to 2 or more, so log-softmax never subtracts 0 from them).
 */
@inline function rowRange(p: usize, cols: i32): v128 {
  const end = <usize>cols << 2, body = end & ~15;
  let hi = splat(-Infinity), lo = splat(Infinity);
  let o: usize = 0;
  for (; o < body; o += 16) {
    const v = v128.load(p + o);
    hi = f32x4.pmax(hi, v);
    lo = f32x4.pmin(lo, v);
  }
  if (o < end) {
    const mask = laneMask(cols & 3), v = v128.load(p + o);
    hi = f32x4.pmax(hi, sel(mask, v, splat(-Infinity)));
    lo = f32x4.pmin(lo, sel(mask, v, splat(Infinity)));
  }
  hi = f32x4.pmax(hi, i32x4.shuffle(hi, hi, 2, 3, 0, 1));
  lo = f32x4.pmin(lo, i32x4.shuffle(lo, lo, 2, 3, 0, 1));
  hi = f32x4.pmax(hi, i32x4.shuffle(hi, hi, 1, 0, 3, 2));
  lo = f32x4.pmin(lo, i32x4.shuffle(lo, lo, 1, 0, 3, 2));
  return i32x4.shuffle(hi, lo, 0, 4, 0, 4);
}

/** Largest element of row [p, p + cols) that is not NaN (see rowRange). */
@inline function rowMax(p: usize, cols: i32): f32 { return f32x4.extract_lane(rowRange(p, cols), 0); }

/**
 * e^z for z <= 0 (or NaN): exp's fast path when every lane is above -EXP_FAST (no clamp, one
 * scaling; the same bits as the careful path, which the rest take).
 */
@inline function expNonPositive(z: v128): v128 {
  return i32x4.all_true(f32x4.gt(z, splat(-EXP_FAST))) ? exp4(z, true) : exp4(z, false);
}

/**
 * Writes e_j = exp(x_j - m) to y (if y != 0) and returns sum_j e_j. fast: the caller has
 * checked x_j - m > -EXP_FAST for the whole row, so every vector takes exp's fast path (one
 * loop body with half the live constants of the per-vector choice).
 */
@inline function expRow(x: usize, y: usize, cols: i32, m: v128, fast: bool = false): f32 {
  const end = <usize>cols << 2, body = end & ~15;
  let s = splat(0);
  let o: usize = 0;
  for (; o < body; o += 16) {
    const z = f32x4.sub(v128.load(x + o), m);
    const e = fast ? exp4(z, true) : expNonPositive(z);
    if (y) v128.store(y + o, e);
    s = f32x4.add(s, e);
  }
  if (o < end) {
    const z = f32x4.sub(v128.load(x + o), m);
    const e = sel(laneMask(cols & 3), fast ? exp4(z, true) : expNonPositive(z), splat(0));
    if (y) storeTail(y + o, e, cols & 3);
    s = f32x4.add(s, e);
  }
  return hsum(s);
}

/**
 * log of every lane. A function of its own (with several callers Binaryen keeps it out of
 * line): inlined, V8 scheduled the log at its use, inside log-softmax's last loop, and
 * recomputed it for every vector (log-softmax ran 2.2x slower at 1000 columns).
 */
function logOf4(s: v128): v128 { return log4(s); }

/** log(s) for one float: logOf4's lane 0. */
@inline function logOf(s: f32): f32 { return f32x4.extract_lane(logOf4(splat(s)), 0); }

/**
 * For t != 1, writes z = (x - m) / t over row y (valid lanes only) and returns true: the
 * passes that follow then read y with m = 0 (z - 0 = z exactly), so one loop body serves
 * every temperature, with no division in it. (Two bodies, with and without the division,
 * were merged back into one dividing body by the optimizer.)
 */
@inline function scaleInto(x: usize, y: usize, cols: i32, m: v128, t: f32): bool {
  if (t == 1) return false;
  const row = <usize>cols << 2, tv = splat(t);
  for (let o: usize = 0; o < row; o += 16) {
    const z = f32x4.div(f32x4.sub(v128.load(x + o), m), tv);
    if (o + 16 <= row) v128.store(y + o, z); else storeTail(y + o, z, cols & 3);
  }
  return true;
}

// ---- four rows at a time -----------------------------------------------------------------
// A short row (a classifier's 10 logits) is one chain of dependent steps: its maximum, a
// horizontal reduction, exp, a sum, another reduction, a division. Row by row, each step
// waits on the last. Four rows advance together here: every loop body holds four
// independent rows' vectors, and the reductions (across4) and log(sum) serve
// the four rows at once. Every output gets the row-by-row kernel's operations in its
// order, so the bits are the same (the maximum and minimum are order-free: pmax/pmin over
// NaN-free lanes, a +-0 choice aside, which rowRange explains changes no output).

// Rows up to these many columns go four at a time (measured on Zen 4 under V8 with 1M
// elements per call, against the row kernels). softmax's four rows win at every width
// (1.2-1.3x at 128-1000 columns: the row kernel's sum is one chain of dependent additions);
// the others lose past these widths (log-softmax 0.93x at 1000, the softmax gradient
// 0.6-0.86x at 64-1000, the log-softmax gradient 0.88x at 256).
const LOG_SOFTMAX_GROUP_COLS: i32 = 256;
const SOFTMAX_GRAD_GROUP_COLS: i32 = 48;
const LOG_SOFTMAX_GRAD_GROUP_COLS: i32 = 128;

/**
 * Lane r: the largest (op MAX) or smallest (MIN) element that is not NaN of row r of the
 * four at x, x + row, x + 2 row, x + 3 row, as rowRange finds it.
 */
@inline function groupExtreme(x: usize, row: usize, cols: i32, op: i32): v128 {
  const end = <usize>cols << 2, body = end & ~15;
  const none = splat(op == MAX ? -Infinity : Infinity);
  let h0 = none, h1 = none, h2 = none, h3 = none;
  let o: usize = 0;
  for (; o < body; o += 16) {
    h0 = combine(h0, v128.load(x + o), op);
    h1 = combine(h1, v128.load(x + row + o), op);
    h2 = combine(h2, v128.load(x + 2 * row + o), op);
    h3 = combine(h3, v128.load(x + 3 * row + o), op);
  }
  if (o < end) {
    const mask = laneMask(cols & 3);
    h0 = combine(h0, sel(mask, v128.load(x + o), none), op);
    h1 = combine(h1, sel(mask, v128.load(x + row + o), none), op);
    h2 = combine(h2, sel(mask, v128.load(x + 2 * row + o), none), op);
    h3 = combine(h3, sel(mask, v128.load(x + 3 * row + o), none), op);
  }
  return across4(h0, h1, h2, h3, op);
}

/**
 * expRow for four rows (src, src + row, ...) with maxima m (lane r for row r): writes e to
 * y's rows if y != 0 and returns the four sums (lane r: row r's, added as expRow adds).
 */
@inline function groupExp(src: usize, y: usize, row: usize, cols: i32, m: v128): v128 {
  const end = <usize>cols << 2, body = end & ~15;
  const m0 = lane(m, 0), m1 = lane(m, 1), m2 = lane(m, 2), m3 = lane(m, 3);
  let s0 = splat(0), s1 = splat(0), s2 = splat(0), s3 = splat(0);
  let o: usize = 0;
  for (; o < body; o += 16) {
    const z0 = f32x4.sub(v128.load(src + o), m0), z1 = f32x4.sub(v128.load(src + row + o), m1);
    const z2 = f32x4.sub(v128.load(src + 2 * row + o), m2), z3 = f32x4.sub(v128.load(src + 3 * row + o), m3);
    const e0 = exp4(z0, true), e1 = exp4(z1, true), e2 = exp4(z2, true), e3 = exp4(z3, true);
    if (y) {
      v128.store(y + o, e0);
      v128.store(y + row + o, e1);
      v128.store(y + 2 * row + o, e2);
      v128.store(y + 3 * row + o, e3);
    }
    s0 = f32x4.add(s0, e0); s1 = f32x4.add(s1, e1); s2 = f32x4.add(s2, e2); s3 = f32x4.add(s3, e3);
  }
  if (o < end) {
    // src is y when t != 1 (scaleInto wrote it with storeTail): read it back as written.
    const rem = cols & 3, mask = laneMask(rem), zero = splat(0);
    const z0 = f32x4.sub(loadTail(src + o, rem), m0), z1 = f32x4.sub(loadTail(src + row + o, rem), m1);
    const z2 = f32x4.sub(loadTail(src + 2 * row + o, rem), m2), z3 = f32x4.sub(loadTail(src + 3 * row + o, rem), m3);
    const e0 = sel(mask, exp4(z0, true), zero), e1 = sel(mask, exp4(z1, true), zero);
    const e2 = sel(mask, exp4(z2, true), zero), e3 = sel(mask, exp4(z3, true), zero);
    if (y) {
      storeTail(y + o, e0, rem);
      storeTail(y + row + o, e1, rem);
      storeTail(y + 2 * row + o, e2, rem);
      storeTail(y + 3 * row + o, e3, rem);
    }
    s0 = f32x4.add(s0, e0); s1 = f32x4.add(s1, e1); s2 = f32x4.add(s2, e2); s3 = f32x4.add(s3, e3);
  }
  return across4(s0, s1, s2, s3, ADD);
}

/** scaleInto for four rows, row r shifted by lane r of m (t != 1). */
@inline function scaleRows4(x: usize, y: usize, row: usize, cols: i32, m: v128, t: f32): void {
  scaleInto(x, y, cols, lane(m, 0), t);
  scaleInto(x + row, y + row, cols, lane(m, 1), t);
  scaleInto(x + 2 * row, y + 2 * row, cols, lane(m, 2), t);
  scaleInto(x + 3 * row, y + 3 * row, cols, lane(m, 3), t);
}

/**
 * Softmax (log = false) or log-softmax of the four rows at x into y, as the row kernels
 * compute them: the maxima, the scaling for t != 1 (into y, then read back with m = 0),
 * the sums (exp's fast path when all four rows' smallest z is above -EXP_FAST; both paths
 * give the same bits), then e / sum or z - log(sum).
 */
@inline function group(x: usize, y: usize, row: usize, cols: i32, t: f32, log: bool): void {
  let m = groupExtreme(x, row, cols, MAX);
  // The smallest z per row, as the row kernels compute it. A row spread past EXP_FAST (rare)
  // sends the four rows to the row kernel: one exp path here keeps the loop free of branches.
  let zmin = f32x4.sub(groupExtreme(x, row, cols, MIN), m);
  if (t != 1) zmin = f32x4.div(zmin, splat(t));
  if (!i32x4.all_true(f32x4.gt(zmin, splat(-EXP_FAST)))) {
    for (let r: usize = 0; r < 4; r++) {
      oneRow(x + r * row, y + r * row, cols, t, log);
    }
    return;
  }
  let src = x;
  if (t != 1) {
    scaleRows4(x, y, row, cols, m, t);
    src = y;
    m = splat(0);
  }
  const end = <usize>cols << 2, rem = cols & 3;
  if (!log) {
    const s = groupExp(src, y, row, cols, m);
    const q0 = lane(s, 0), q1 = lane(s, 1), q2 = lane(s, 2), q3 = lane(s, 3);
    const body = end & ~15;
    let o: usize = 0;
    for (; o < body; o += 16) {
      v128.store(y + o, f32x4.div(v128.load(y + o), q0));
      v128.store(y + row + o, f32x4.div(v128.load(y + row + o), q1));
      v128.store(y + 2 * row + o, f32x4.div(v128.load(y + 2 * row + o), q2));
      v128.store(y + 3 * row + o, f32x4.div(v128.load(y + 3 * row + o), q3));
    }
    if (o < end) {
      storeTail(y + o, f32x4.div(loadTail(y + o, rem), q0), rem);
      storeTail(y + row + o, f32x4.div(loadTail(y + row + o, rem), q1), rem);
      storeTail(y + 2 * row + o, f32x4.div(loadTail(y + 2 * row + o, rem), q2), rem);
      storeTail(y + 3 * row + o, f32x4.div(loadTail(y + 3 * row + o, rem), q3), rem);
    }
    return;
  }
  logOut(src, y, row, cols, m, logOf4(groupExp(src, 0, row, cols, m)));
}

/** Log-softmax's last step for four rows: y = (src - m) - log(sum), lane r of m and ls for row r. */
@inline function logOut(src: usize, y: usize, row: usize, cols: i32, m: v128, ls: v128): void {
  const end = <usize>cols << 2, body = end & ~15, rem = cols & 3;
  const m0 = lane(m, 0), m1 = lane(m, 1), m2 = lane(m, 2), m3 = lane(m, 3);
  const l0 = lane(ls, 0), l1 = lane(ls, 1), l2 = lane(ls, 2), l3 = lane(ls, 3);
  let o: usize = 0;
  for (; o < body; o += 16) {
    v128.store(y + o, f32x4.sub(f32x4.sub(v128.load(src + o), m0), l0));
    v128.store(y + row + o, f32x4.sub(f32x4.sub(v128.load(src + row + o), m1), l1));
    v128.store(y + 2 * row + o, f32x4.sub(f32x4.sub(v128.load(src + 2 * row + o), m2), l2));
    v128.store(y + 3 * row + o, f32x4.sub(f32x4.sub(v128.load(src + 3 * row + o), m3), l3));
  }
  if (o < end) {
    // src is y when t != 1 (scaleInto wrote it with storeTail): read it back as written.
    storeTail(y + o, f32x4.sub(f32x4.sub(loadTail(src + o, rem), m0), l0), rem);
    storeTail(y + row + o, f32x4.sub(f32x4.sub(loadTail(src + row + o, rem), m1), l1), rem);
    storeTail(y + 2 * row + o, f32x4.sub(f32x4.sub(loadTail(src + 2 * row + o, rem), m2), l2), rem);
    storeTail(y + 3 * row + o, f32x4.sub(f32x4.sub(loadTail(src + 3 * row + o, rem), m3), l3), rem);
  }
}

/** Log-softmax of four rows (group), out of line: logGroup8's fallback and the last four rows. */
function logRows4(x: usize, y: usize, row: usize, cols: i32, t: f32): void { group(x, y, row, cols, t, true); }

/**
 * Log-softmax of eight rows as two groups of four whose steps interleave: the second
 * group's sums run while the first group's log(sum), a chain of about 25 dependent
 * operations, completes. The same operations per row as group, so the same bits.
 */
@inline function logGroup8(x: usize, y: usize, row: usize, cols: i32, t: f32): void {
  const xb = x + 4 * row, yb = y + 4 * row;
  let ma = groupExtreme(x, row, cols, MAX), mb = groupExtreme(xb, row, cols, MAX);
  let za = f32x4.sub(groupExtreme(x, row, cols, MIN), ma), zb = f32x4.sub(groupExtreme(xb, row, cols, MIN), mb);
  if (t != 1) {
    za = f32x4.div(za, splat(t));
    zb = f32x4.div(zb, splat(t));
  }
  const lim = splat(-EXP_FAST);
  if (!i32x4.all_true(v128.and(f32x4.gt(za, lim), f32x4.gt(zb, lim)))) {
    logRows4(x, y, row, cols, t);
    logRows4(xb, yb, row, cols, t);
    return;
  }
  let sa = x, sb = xb;
  if (t != 1) {
    scaleRows4(x, y, row, cols, ma, t);
    scaleRows4(xb, yb, row, cols, mb, t);
    sa = y;
    sb = yb;
    ma = splat(0);
    mb = splat(0);
  }
  // log4 inline: through logOf4 (a call, around which V8 keeps no vector in a register)
  // the eight rows took 1.2x as long, and V8 does not move these two into logOut's loops.
  const la = log4(groupExp(sa, 0, row, cols, ma));
  const lb = log4(groupExp(sb, 0, row, cols, mb));
  logOut(sa, y, row, cols, ma, la);
  logOut(sb, yb, row, cols, mb, lb);
}

/** y = softmax(x / t) row by row; y may equal x. */
export function f32_softmax(rows: i32, cols: i32, x: usize, y: usize, t: f32): void {
  const row = <usize>cols << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) group(x + <usize>r * row, y + <usize>r * row, row, cols, t, false);
  for (; r < rows; r++) oneRow(x + <usize>r * row, y + <usize>r * row, cols, t, false);
}

/** y = log softmax(x / t) = (x - max) / t - log(sum exp((x - max) / t)); y may equal x. */
export function f32_log_softmax(rows: i32, cols: i32, x: usize, y: usize, t: f32): void {
  const row = <usize>cols << 2;
  let r = 0;
  if (cols <= LOG_SOFTMAX_GROUP_COLS) {
    for (; r + 8 <= rows; r += 8) logGroup8(x + <usize>r * row, y + <usize>r * row, row, cols, t);
    if (r + 4 <= rows) { logRows4(x + <usize>r * row, y + <usize>r * row, row, cols, t); r += 4; }
  }
  for (; r < rows; r++) oneRow(x + <usize>r * row, y + <usize>r * row, cols, t, true);
}

/** One row of f32_softmax (log = false) or f32_log_softmax (log = true). */
@inline function oneRow(xr: usize, yr: usize, cols: i32, t: f32, log: bool): void {
  const row = <usize>cols << 2;
  const range = rowRange(xr, cols);
  const mx = f32x4.extract_lane(range, 0);
  let m = splat(mx), src = xr;
  if (scaleInto(xr, yr, cols, m, t)) { src = yr; m = splat(0); }
  // The row's smallest z, computed as the lanes compute it (a NaN lane gives NaN on both exp paths).
  const zmin = t == 1 ? f32x4.extract_lane(range, 1) - mx : (f32x4.extract_lane(range, 1) - mx) / t;
  if (!log) {
    const s = splat(zmin > -EXP_FAST ? expRow(src, yr, cols, m, true) : expRow(src, yr, cols, m));
    for (let o: usize = 0; o < row; o += 16) {
      const p = f32x4.div(v128.load(yr + o), s);
      if (o + 16 <= row) v128.store(yr + o, p); else storeTail(yr + o, p, cols & 3);
    }
    return;
  }
  const lsv = splat(logOf(zmin > -EXP_FAST ? expRow(src, 0, cols, m, true) : expRow(src, 0, cols, m)));
  for (let o: usize = 0; o < row; o += 16) {
    const v = f32x4.sub(f32x4.sub(v128.load(src + o), m), lsv);
    if (o + 16 <= row) v128.store(yr + o, v); else storeTail(yr + o, v, cols & 3);
  }
}

/**
 * Four rows of the backward kernels (log = false: softmax's, true: log-softmax's), with the
 * row kernels' operations in their order: the four sums (of dy y, or of dy) in lanes as
 * the row kernel adds them, reduced together by across4, then the rows' outputs. Returns
 * false, having written nothing, when log-softmax's rows need exp's careful path.
 */
@inline function groupGrad(y: usize, dy: usize, dx: usize, row: usize, cols: i32, tv: v128, log: bool): bool {
  const end = <usize>cols << 2, body = end & ~15, rem = cols & 3;
  let a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
  // log: the smallest y of the four rows, for exp's fast path. lo is pmin's first operand
  // in every step, so a NaN y leaves it alone (pmin(NaN, v) would return the NaN and lose v).
  let lo = splat(Infinity);
  let o: usize = 0;
  for (; o < body; o += 16) {
    const g0 = v128.load(dy + o), g1 = v128.load(dy + row + o), g2 = v128.load(dy + 2 * row + o), g3 = v128.load(dy + 3 * row + o);
    if (log) {
      a0 = f32x4.add(a0, g0); a1 = f32x4.add(a1, g1); a2 = f32x4.add(a2, g2); a3 = f32x4.add(a3, g3);
      lo = f32x4.pmin(f32x4.pmin(f32x4.pmin(f32x4.pmin(lo, v128.load(y + o)), v128.load(y + row + o)),
        v128.load(y + 2 * row + o)), v128.load(y + 3 * row + o));
    } else {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(y + o), g0));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(y + row + o), g1));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(y + 2 * row + o), g2));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(y + 3 * row + o), g3));
    }
  }
  if (o < end) {
    const mask = laneMask(rem), zero = splat(0);
    const g0 = v128.load(dy + o), g1 = v128.load(dy + row + o), g2 = v128.load(dy + 2 * row + o), g3 = v128.load(dy + 3 * row + o);
    if (log) {
      a0 = f32x4.add(a0, sel(mask, g0, zero)); a1 = f32x4.add(a1, sel(mask, g1, zero));
      a2 = f32x4.add(a2, sel(mask, g2, zero)); a3 = f32x4.add(a3, sel(mask, g3, zero));
      const inf = splat(Infinity);
      lo = f32x4.pmin(f32x4.pmin(f32x4.pmin(f32x4.pmin(lo, sel(mask, v128.load(y + o), inf)), sel(mask, v128.load(y + row + o), inf)),
        sel(mask, v128.load(y + 2 * row + o), inf)), sel(mask, v128.load(y + 3 * row + o), inf));
    } else {
      a0 = f32x4.add(a0, sel(mask, f32x4.mul(v128.load(y + o), g0), zero));
      a1 = f32x4.add(a1, sel(mask, f32x4.mul(v128.load(y + row + o), g1), zero));
      a2 = f32x4.add(a2, sel(mask, f32x4.mul(v128.load(y + 2 * row + o), g2), zero));
      a3 = f32x4.add(a3, sel(mask, f32x4.mul(v128.load(y + 3 * row + o), g3), zero));
    }
  }
  // A y below -EXP_FAST (a probability under 1e-38) sends the rows to the row kernel, so
  // this loop has exp's fast path only (the same bits) and no branch.
  if (log && !i32x4.all_true(f32x4.gt(lo, splat(-EXP_FAST)))) return false;
  const d = across4(a0, a1, a2, a3, ADD);
  const d0 = lane(d, 0), d1 = lane(d, 1), d2 = lane(d, 2), d3 = lane(d, 3);
  for (o = 0; o < end; o += 16) {
    const g0 = v128.load(dy + o), g1 = v128.load(dy + row + o), g2 = v128.load(dy + 2 * row + o), g3 = v128.load(dy + 3 * row + o);
    const y0 = v128.load(y + o), y1 = v128.load(y + row + o), y2 = v128.load(y + 2 * row + o), y3 = v128.load(y + 3 * row + o);
    const v0 = log ? f32x4.div(f32x4.sub(g0, f32x4.mul(exp4(y0, true), d0)), tv) : f32x4.div(f32x4.mul(y0, f32x4.sub(g0, d0)), tv);
    const v1 = log ? f32x4.div(f32x4.sub(g1, f32x4.mul(exp4(y1, true), d1)), tv) : f32x4.div(f32x4.mul(y1, f32x4.sub(g1, d1)), tv);
    const v2 = log ? f32x4.div(f32x4.sub(g2, f32x4.mul(exp4(y2, true), d2)), tv) : f32x4.div(f32x4.mul(y2, f32x4.sub(g2, d2)), tv);
    const v3 = log ? f32x4.div(f32x4.sub(g3, f32x4.mul(exp4(y3, true), d3)), tv) : f32x4.div(f32x4.mul(y3, f32x4.sub(g3, d3)), tv);
    if (o + 16 <= end) {
      v128.store(dx + o, v0);
      v128.store(dx + row + o, v1);
      v128.store(dx + 2 * row + o, v2);
      v128.store(dx + 3 * row + o, v3);
    } else {
      storeTail(dx + o, v0, rem);
      storeTail(dx + row + o, v1, rem);
      storeTail(dx + 2 * row + o, v2, rem);
      storeTail(dx + 3 * row + o, v3, rem);
    }
  }
  return true;
}

/** dx = y * (dy - sum_j dy_j y_j) / t, from the softmax output y; dx may equal dy. */
export function f32_softmax_grad(rows: i32, cols: i32, y: usize, dy: usize, dx: usize, t: f32): void {
  const row = <usize>cols << 2;
  const tv = splat(t);
  let r = 0;
  if (cols <= SOFTMAX_GRAD_GROUP_COLS) {
    for (; r + 4 <= rows; r += 4) {
      const off = <usize>r * row;
      groupGrad(y + off, dy + off, dx + off, row, cols, tv, false);
    }
  }
  for (; r < rows; r++) {
    const yr = y + <usize>r * row, gr = dy + <usize>r * row, xr = dx + <usize>r * row;
    let acc = splat(0);
    for (let o: usize = 0; o < row; o += 16) {
      let p = f32x4.mul(v128.load(yr + o), v128.load(gr + o));
      if (o + 16 > row) p = sel(laneMask(cols & 3), p, splat(0));
      acc = f32x4.add(acc, p);
    }
    const d = splat(hsum(acc));
    for (let o: usize = 0; o < row; o += 16) {
      const v = f32x4.div(f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(gr + o), d)), tv);
      if (o + 16 <= row) v128.store(xr + o, v); else storeTail(xr + o, v, cols & 3);
    }
  }
}

/** dx = (dy - exp(y) * sum_j dy_j) / t, from the log-softmax output y; dx may equal dy. */
export function f32_log_softmax_grad(rows: i32, cols: i32, y: usize, dy: usize, dx: usize, t: f32): void {
  const row = <usize>cols << 2;
  const tv = splat(t);
  let r = 0;
  if (cols <= LOG_SOFTMAX_GRAD_GROUP_COLS) {
    for (; r + 4 <= rows; r += 4) {
      const off = <usize>r * row;
      if (groupGrad(y + off, dy + off, dx + off, row, cols, tv, true)) continue;
      for (let k: usize = 0; k < 4; k++) logSoftmaxGradRow(y + off + k * row, dy + off + k * row, dx + off + k * row, cols, tv);
    }
  }
  for (; r < rows; r++) logSoftmaxGradRow(y + <usize>r * row, dy + <usize>r * row, dx + <usize>r * row, cols, tv);
}

/** One row of f32_log_softmax_grad. */
@inline function logSoftmaxGradRow(yr: usize, gr: usize, xr: usize, cols: i32, tv: v128): void {
  const row = <usize>cols << 2;
  let acc = splat(0);
  for (let o: usize = 0; o < row; o += 16) {
    let g = v128.load(gr + o);
    if (o + 16 > row) g = sel(laneMask(cols & 3), g, splat(0));
    acc = f32x4.add(acc, g);
  }
  const d = splat(hsum(acc));
  for (let o: usize = 0; o < row; o += 16) {
    const v = f32x4.div(f32x4.sub(v128.load(gr + o), f32x4.mul(expNonPositive(v128.load(yr + o)), d)), tv);
    if (o + 16 <= row) v128.store(xr + o, v); else storeTail(xr + o, v, cols & 3);
  }
}

/**
 * Sparse softmax cross-entropy, fused: loss[r] = -log softmax(x_r)[label_r] and
 * dx = (softmax(x) - onehot(label)) * scale (scale = 1/batch for a mean loss).
 * Labels are i32 in [0, cols); the caller validates them. dx may equal x.
 */
export function f32_softmax_xent_sparse(rows: i32, cols: i32, x: usize, labels: usize, dx: usize, loss: usize, scale: f32): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, gr = dx + <usize>r * row;
    const label = load<i32>(labels + (<usize>r << 2));
    const m = rowMax(xr, cols);
    const xl = load<f32>(xr + (<usize>label << 2));
    const s = expRow(xr, gr, cols, splat(m));
    store<f32>(loss + (<usize>r << 2), logOf(s) - (xl - m));
    const sv = splat(s), sc = splat(scale);
    for (let o: usize = 0; o < row; o += 16) {
      const v = f32x4.mul(f32x4.div(v128.load(gr + o), sv), sc);
      if (o + 16 <= row) v128.store(gr + o, v); else storeTail(gr + o, v, cols & 3);
    }
    const gl = gr + (<usize>label << 2);
    store<f32>(gl, load<f32>(gl) - scale);
  }
}

/**
 * Dense softmax cross-entropy against targets t (one-hot, soft labels, or rows that do not
 * sum to 1, such as multi-hot): loss[r] = -sum_j t_j log softmax(x)_j and its exact gradient
 * dx = (softmax(x) sum_j t_j - t) * scale, which is (softmax(x) - t) * scale bit for bit when
 * the row sums to exactly 1. dx may equal x.
 */
export function f32_softmax_xent_dense(rows: i32, cols: i32, x: usize, targets: usize, dx: usize, loss: usize, scale: f32): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, tr = targets + <usize>r * row, gr = dx + <usize>r * row;
    const m = splat(rowMax(xr, cols));
    // sum_j t_j (x_j - m) must be read before dx overwrites x in the in-place case.
    let tz = splat(0), ts = splat(0);
    for (let o: usize = 0; o < row; o += 16) {
      let t = v128.load(tr + o);
      if (o + 16 > row) t = sel(laneMask(cols & 3), t, splat(0));
      const z = f32x4.sub(v128.load(xr + o), m);
      tz = f32x4.add(tz, sel(f32x4.eq(t, splat(0)), splat(0), f32x4.mul(t, z)));
      ts = f32x4.add(ts, t);
    }
    const s = expRow(xr, gr, cols, m);
    const ls = logOf(s);
    const tsum = hsum(ts);
    store<f32>(loss + (<usize>r << 2), ls * tsum - hsum(tz));
    const sv = splat(s), sc = splat(scale), tv = splat(tsum);
    for (let o: usize = 0; o < row; o += 16) {
      const v = f32x4.mul(f32x4.sub(f32x4.mul(f32x4.div(v128.load(gr + o), sv), tv), v128.load(tr + o)), sc);
      if (o + 16 <= row) v128.store(gr + o, v); else storeTail(gr + o, v, cols & 3);
    }
  }
}
