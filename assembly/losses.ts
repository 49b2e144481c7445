// Loss kernels: per-element (binary cross-entropy, squared error) or per-row (categorical
// cross-entropy from probabilities) losses, their gradients with respect to the prediction
// times a caller-given `scale` (1 / count for a mean loss), and the mean reduction.
// Softmax cross-entropy from logits is fused in softmax.ts.
//
// Formulas follow Keras 3 (keras/src/backend/*/nn.py): probabilities are clipped to
// [EPS, 1 - EPS] before the log, and a clipped element's gradient is 0, exactly what
// differentiating the clip gives. Kernel ABI as everywhere: sizes, inputs, outputs, scalars;
// outputs may alias the prediction (in place); the last partial vector stores only valid lanes.

import { splat, sel, storeTail, exp4, log4, log1pUnit4, sigmoid4 } from './math';

/** Keras' backend epsilon, 1e-7, and 1 - 1e-7, both rounded to float32. */
const EPS: f32 = 1e-7;
const ONE_M_EPS: f32 = <f32>(1.0 - 1e-7);

const ZERO: v128 = f32x4.splat(0);
const ONE: v128 = f32x4.splat(1);

@inline function put(p: usize, v: v128, full: bool, rem: i32): void {
  if (full) v128.store(p, v); else storeTail(p, v, rem);
}

@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** min(max(p, EPS), 1 - EPS); NaN stays NaN. */
@inline function clipProb(p: v128): v128 { return f32x4.min(f32x4.max(p, splat(EPS)), splat(ONE_M_EPS)); }

/** Lanes where p lies inside the clip range (the gradient passes); false for NaN. */
@inline function inRange(p: v128): v128 { return v128.and(f32x4.ge(p, splat(EPS)), f32x4.le(p, splat(ONE_M_EPS))); }

// ---- binary cross-entropy ------------------------------------------------------------------

/** loss_i = -(t log c + (1 - t) log(1 - c)), c = clip(p, 1e-7, 1 - 1e-7); loss may equal p. */
export function f32_bce(n: i32, p: usize, t: usize, loss: usize): void {
  const end = <usize>n << 2, rem = n & 3;
  for (let o: usize = 0; o < end; o += 16) {
    const c = clipProb(v128.load(p + o)), tv = v128.load(t + o);
    const l = f32x4.add(f32x4.mul(tv, log4(c)), f32x4.mul(f32x4.sub(ONE, tv), log4(f32x4.sub(ONE, c))));
    put(loss + o, f32x4.neg(l), o + 16 <= end, rem);
  }
}

/** dx_i = scale * ((1 - t)/(1 - p) - t/p) inside the clip range, 0 outside, NaN for NaN p; dx may equal p. */
export function f32_bce_grad(n: i32, p: usize, t: usize, dx: usize, scale: f32): void {
  const end = <usize>n << 2, rem = n & 3;
  const s = splat(scale);
  for (let o: usize = 0; o < end; o += 16) {
    const pv = v128.load(p + o), tv = v128.load(t + o), c = clipProb(pv);
    const d = f32x4.sub(f32x4.div(f32x4.sub(ONE, tv), f32x4.sub(ONE, c)), f32x4.div(tv, c));
    const r = sel(f32x4.ne(pv, pv), pv, sel(inRange(pv), f32x4.mul(d, s), ZERO));
    put(dx + o, r, o + 16 <= end, rem);
  }
}

/**
 * From logits x with targets z, without overflow for any x:
 * loss_i = max(x, 0) - x z + log1p(exp(-|x|)); loss may equal x.
 */
export function f32_bce_logits(n: i32, x: usize, z: usize, loss: usize): void {
  const end = <usize>n << 2, rem = n & 3;
  for (let o: usize = 0; o < end; o += 16) {
    const xv = v128.load(x + o);
    const l = f32x4.add(f32x4.sub(f32x4.max(xv, ZERO), f32x4.mul(xv, v128.load(z + o))),
      log1pUnit4(exp4(f32x4.neg(f32x4.abs(xv)))));
    put(loss + o, l, o + 16 <= end, rem);
  }
}

/** dx_i = scale * (sigmoid(x) - z); dx may equal x. */
export function f32_bce_logits_grad(n: i32, x: usize, z: usize, dx: usize, scale: f32): void {
  const end = <usize>n << 2, rem = n & 3;
  const s = splat(scale);
  for (let o: usize = 0; o < end; o += 16) {
    put(dx + o, f32x4.mul(f32x4.sub(sigmoid4(v128.load(x + o)), v128.load(z + o)), s), o + 16 <= end, rem);
  }
}

// ---- squared error -------------------------------------------------------------------------

/** loss_i = (p - t)^2; loss may equal p. */
export function f32_mse(n: i32, p: usize, t: usize, loss: usize): void {
  const end = <usize>n << 2, rem = n & 3;
  for (let o: usize = 0; o < end; o += 16) {
    const d = f32x4.sub(v128.load(p + o), v128.load(t + o));
    put(loss + o, f32x4.mul(d, d), o + 16 <= end, rem);
  }
}

/** dx_i = 2 scale (p - t); dx may equal p. */
export function f32_mse_grad(n: i32, p: usize, t: usize, dx: usize, scale: f32): void {
  const end = <usize>n << 2, rem = n & 3;
  const s = splat(scale + scale);
  for (let o: usize = 0; o < end; o += 16) {
    put(dx + o, f32x4.mul(f32x4.sub(v128.load(p + o), v128.load(t + o)), s), o + 16 <= end, rem);
  }
}

// ---- categorical cross-entropy from probabilities ----------------------------------------------
// Keras normalises each row to sum 1, clips, then takes -sum t log q. With S = sum_j p_j,
// q = p / S and g_j = -t_j / q_j where q_j is inside the clip range (else 0), the chain rule
// through the normalisation gives dL/dp_k = (g_k - sum_j g_j q_j) / S.

/** Sum of row [p, p + cols) in four lanes, combined in a fixed order. */
@inline function rowSum(p: usize, cols: i32): f32 {
  const end = <usize>cols << 2;
  let s = splat(0);
  for (let o: usize = 0; o < end; o += 16) {
    let v = v128.load(p + o);
    if (o + 16 > end) v = sel(laneMask(cols & 3), v, ZERO);
    s = f32x4.add(s, v);
  }
  return hsum(s);
}

/** loss[r] = -sum_j t_j log clip(p_j / sum p, 1e-7, 1 - 1e-7), rows of `cols` values. */
export function f32_cce(rows: i32, cols: i32, p: usize, t: usize, loss: usize): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const pr = p + <usize>r * row, tr = t + <usize>r * row;
    const sv = splat(rowSum(pr, cols));
    let acc = splat(0);
    for (let o: usize = 0; o < row; o += 16) {
      let l = f32x4.mul(v128.load(tr + o), log4(clipProb(f32x4.div(v128.load(pr + o), sv))));
      if (o + 16 > row) l = sel(laneMask(cols & 3), l, ZERO);
      acc = f32x4.add(acc, l);
    }
    store<f32>(loss + (<usize>r << 2), -hsum(acc));
  }
}

/** The gradient of f32_cce's loss times scale, with respect to p; dx may equal p. */
export function f32_cce_grad(rows: i32, cols: i32, p: usize, t: usize, dx: usize, scale: f32): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const pr = p + <usize>r * row, tr = t + <usize>r * row, dr = dx + <usize>r * row;
    const sv = splat(rowSum(pr, cols));
    let acc = splat(0);
    for (let o: usize = 0; o < row; o += 16) {
      const q = f32x4.div(v128.load(pr + o), sv);
      let gq = f32x4.mul(cceG(q, v128.load(tr + o)), q);
      if (o + 16 > row) gq = sel(laneMask(cols & 3), gq, ZERO);
      acc = f32x4.add(acc, gq);
    }
    const a = splat(hsum(acc)), k = f32x4.div(splat(scale), sv);
    for (let o: usize = 0; o < row; o += 16) {
      const q = f32x4.div(v128.load(pr + o), sv);
      put(dr + o, f32x4.mul(f32x4.sub(cceG(q, v128.load(tr + o)), a), k), o + 16 <= row, cols & 3);
    }
  }
}

/** dL/dq_j = -t_j / q_j inside the clip range, 0 outside, NaN for NaN q. */
@inline function cceG(q: v128, tv: v128): v128 {
  return sel(f32x4.ne(q, q), q, sel(inRange(q), f32x4.neg(f32x4.div(tv, q)), ZERO));
}

// ---- reduction -----------------------------------------------------------------------------

/** Mean of n values, summed in float64 lanes in a fixed order and rounded once; NaN if n = 0. */
export function f32_loss_mean(n: i32, x: usize): f32 {
  const end = <usize>n << 2;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  for (let o: usize = 0; o < end; o += 16) {
    let v = v128.load(x + o);
    if (o + 16 > end) v = sel(laneMask(n & 3), v, ZERO);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1)));
  }
  const s = (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1)) + (f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1));
  return <f32>(s / <f64>n);
}
