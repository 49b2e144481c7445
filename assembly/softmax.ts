// Row softmax and log-softmax over the last axis of a row-major [rows, cols] array, with
// temperature t > 0, and the fused softmax + cross-entropy forward/backward. Each row is
// shifted by its maximum before exp, so logits of +-1e30 stay finite. Sums run in four
// lanes and are combined in a fixed order: every runtime gives the same bits.

import { splat, sel, storeTail, exp4, log4 } from './math';

@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Largest element of row [p, p + cols); NaN if any element is NaN. */
@inline function rowMax(p: usize, cols: i32): f32 {
  const end = <usize>cols << 2;
  let m = splat(-Infinity);
  for (let o: usize = 0; o < end; o += 16) {
    let v = v128.load(p + o);
    if (o + 16 > end) v = sel(laneMask(cols & 3), v, splat(-Infinity));
    m = f32x4.max(m, v);
  }
  return hmax(m);
}

/** Writes e_j = exp((x_j - m) / t) to y (if y != 0) and returns sum_j e_j. */
@inline function expRow(x: usize, y: usize, cols: i32, m: v128, t: v128): f32 {
  const end = <usize>cols << 2;
  let s = splat(0);
  for (let o: usize = 0; o < end; o += 16) {
    let e = exp4(f32x4.div(f32x4.sub(v128.load(x + o), m), t));
    if (o + 16 > end) {
      e = sel(laneMask(cols & 3), e, splat(0));
      if (y) storeTail(y + o, e, cols & 3);
    } else if (y) v128.store(y + o, e);
    s = f32x4.add(s, e);
  }
  return hsum(s);
}

/** y = softmax(x / t) row by row; y may equal x. */
export function f32_softmax(rows: i32, cols: i32, x: usize, y: usize, t: f32): void {
  const row = <usize>cols << 2;
  const tv = splat(t);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, yr = y + <usize>r * row;
    const s = splat(expRow(xr, yr, cols, splat(rowMax(xr, cols)), tv));
    for (let o: usize = 0; o < row; o += 16) {
      const p = f32x4.div(v128.load(yr + o), s);
      if (o + 16 <= row) v128.store(yr + o, p); else storeTail(yr + o, p, cols & 3);
    }
  }
}

/** y = log softmax(x / t) = (x - max) / t - log(sum exp((x - max) / t)); y may equal x. */
export function f32_log_softmax(rows: i32, cols: i32, x: usize, y: usize, t: f32): void {
  const row = <usize>cols << 2;
  const tv = splat(t);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, yr = y + <usize>r * row;
    const m = splat(rowMax(xr, cols));
    const ls = f32x4.extract_lane(log4(splat(expRow(xr, 0, cols, m, tv))), 0);
    const lsv = splat(ls);
    for (let o: usize = 0; o < row; o += 16) {
      const v = f32x4.sub(f32x4.div(f32x4.sub(v128.load(xr + o), m), tv), lsv);
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
      const v = f32x4.div(f32x4.sub(v128.load(gr + o), f32x4.mul(exp4(v128.load(yr + o)), d)), tv);
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
  const one = splat(1);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, gr = dx + <usize>r * row;
    const label = load<i32>(labels + (<usize>r << 2));
    const m = rowMax(xr, cols);
    const xl = load<f32>(xr + (<usize>label << 2));
    const s = expRow(xr, gr, cols, splat(m), one);
    store<f32>(loss + (<usize>r << 2), f32x4.extract_lane(log4(splat(s)), 0) - (xl - m));
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
  const one = splat(1);
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
    const s = expRow(xr, gr, cols, m, one);
    const ls = f32x4.extract_lane(log4(splat(s)), 0);
    store<f32>(loss + (<usize>r << 2), ls * hsum(ts) - hsum(tz));
    const sv = splat(s), sc = splat(scale);
    for (let o: usize = 0; o < row; o += 16) {
      const v = f32x4.mul(f32x4.sub(f32x4.div(v128.load(gr + o), sv), v128.load(tr + o)), sc);
      if (o + 16 <= row) v128.store(gr + o, v); else storeTail(gr + o, v, cols & 3);
    }
  }
}
