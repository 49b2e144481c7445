// Row softmax and log-softmax over the last axis of a row-major [rows, cols] array, with
// temperature t > 0, and the fused softmax + cross-entropy forward/backward. Each row is
// shifted by its maximum before exp, so logits of +-1e30 stay finite. Sums run in four
// lanes and are combined in a fixed order: every runtime gives the same bits.

import { splat, sel, storeTail, exp4, log4, EXP_FAST } from './math';

@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
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
 * log(s) for one float. A function of its own (with three callers Binaryen keeps it out of
 * line): inlined, V8 scheduled the log at its use, inside log-softmax's last loop, and
 * recomputed it for every vector (log-softmax ran 2.2x slower at 1000 columns).
 */
function logOf(s: f32): f32 { return f32x4.extract_lane(log4(splat(s)), 0); }

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

/** y = softmax(x / t) row by row; y may equal x. */
export function f32_softmax(rows: i32, cols: i32, x: usize, y: usize, t: f32): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, yr = y + <usize>r * row;
    const range = rowRange(xr, cols);
    const mx = f32x4.extract_lane(range, 0);
    let m = splat(mx), src = xr;
    if (scaleInto(xr, yr, cols, m, t)) { src = yr; m = splat(0); }
    // The row's smallest z, computed as the lanes compute it (a NaN lane gives NaN on both exp paths).
    const zmin = t == 1 ? f32x4.extract_lane(range, 1) - mx : (f32x4.extract_lane(range, 1) - mx) / t;
    const s = splat(zmin > -EXP_FAST ? expRow(src, yr, cols, m, true) : expRow(src, yr, cols, m));
    for (let o: usize = 0; o < row; o += 16) {
      const p = f32x4.div(v128.load(yr + o), s);
      if (o + 16 <= row) v128.store(yr + o, p); else storeTail(yr + o, p, cols & 3);
    }
  }
}

/** y = log softmax(x / t) = (x - max) / t - log(sum exp((x - max) / t)); y may equal x. */
export function f32_log_softmax(rows: i32, cols: i32, x: usize, y: usize, t: f32): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, yr = y + <usize>r * row;
    const range = rowRange(xr, cols);
    const mx = f32x4.extract_lane(range, 0);
    let m = splat(mx), src = xr;
    if (scaleInto(xr, yr, cols, m, t)) { src = yr; m = splat(0); }
    const zmin = t == 1 ? f32x4.extract_lane(range, 1) - mx : (f32x4.extract_lane(range, 1) - mx) / t;
    const lsv = splat(logOf(zmin > -EXP_FAST ? expRow(src, 0, cols, m, true) : expRow(src, 0, cols, m)));
    for (let o: usize = 0; o < row; o += 16) {
      const v = f32x4.sub(f32x4.sub(v128.load(src + o), m), lsv);
      if (o + 16 <= row) v128.store(yr + o, v); else storeTail(yr + o, v, cols & 3);
    }
  }
}

/** dx = y * (dy - sum_j dy_j y_j) / t, from the softmax output y; dx may equal dy. */
export function f32_softmax_grad(rows: i32, cols: i32, y: usize, dy: usize, dx: usize, t: f32): void {
  const row = <usize>cols << 2;
  const tv = splat(t);
  for (let r = 0; r < rows; r++) {
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
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * row, gr = dy + <usize>r * row, xr = dx + <usize>r * row;
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
 * Dense softmax cross-entropy against target distributions t (one-hot or soft labels):
 * loss[r] = -sum_j t_j log softmax(x)_j, dx = (softmax(x) - t) * scale. dx may equal x.
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
    store<f32>(loss + (<usize>r << 2), ls * hsum(ts) - hsum(tz));
    const sv = splat(s), sc = splat(scale);
    for (let o: usize = 0; o < row; o += 16) {
      const v = f32x4.mul(f32x4.sub(f32x4.div(v128.load(gr + o), sv), v128.load(tr + o)), sc);
      if (o + 16 <= row) v128.store(gr + o, v); else storeTail(gr + o, v, cols & 3);
    }
  }
}
