// Elementwise arithmetic for the tensor ops and their gradients. Binary kernels broadcast
// the second operand over rows: b has `cols` values and repeats every `cols` elements of a
// (cols = n: same shape; cols = 1: a scalar). Column sums (the gradient of a broadcast)
// accumulate rows in order, so they are reproducible and never split.

import { storeTail } from './math';

const ADD = 0, SUB = 1, MUL = 2, DIV = 3;

@inline function op(kind: i32, a: v128, b: v128): v128 {
  if (kind == ADD) return f32x4.add(a, b);
  if (kind == SUB) return f32x4.sub(a, b);
  if (kind == MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

/** y = a (op) b with b broadcast over rows of `cols`; y may equal a. */
@inline function binary(kind: i32, n: i32, cols: i32, a: usize, b: usize, y: usize): void {
  const end = <usize>n << 2;
  if (cols == 1) {
    const bv = v128.load32_splat(b);
    let o: usize = 0;
    for (; o + 16 <= end; o += 16) v128.store(y + o, op(kind, v128.load(a + o), bv));
    if (o < end) storeTail(y + o, op(kind, v128.load(a + o), bv), n & 3);
    return;
  }
  const row = <usize>cols << 2;
  for (let r: usize = 0; r < end; r += row) {
    let o: usize = 0;
    for (; o + 16 <= row; o += 16) v128.store(y + r + o, op(kind, v128.load(a + r + o), v128.load(b + o)));
    if (o < row) storeTail(y + r + o, op(kind, v128.load(a + r + o), v128.load(b + o)), cols & 3);
  }
}

export function f32_add(n: i32, cols: i32, a: usize, b: usize, y: usize): void { binary(ADD, n, cols, a, b, y); }
export function f32_sub(n: i32, cols: i32, a: usize, b: usize, y: usize): void { binary(SUB, n, cols, a, b, y); }
export function f32_mul(n: i32, cols: i32, a: usize, b: usize, y: usize): void { binary(MUL, n, cols, a, b, y); }
export function f32_div(n: i32, cols: i32, a: usize, b: usize, y: usize): void { binary(DIV, n, cols, a, b, y); }

/** y = alpha * x + beta (scalars); y may equal x. */
export function f32_affine(n: i32, x: usize, y: usize, alpha: f32, beta: f32): void {
  const end = <usize>n << 2;
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  let o: usize = 0;
  for (; o + 16 <= end; o += 16) v128.store(y + o, f32x4.add(f32x4.mul(v128.load(x + o), av), bv));
  if (o < end) storeTail(y + o, f32x4.add(f32x4.mul(v128.load(x + o), av), bv), n & 3);
}

/** y += alpha * x (gradient accumulation). */
export function f32_axpy(n: i32, x: usize, y: usize, alpha: f32): void {
  const end = <usize>n << 2;
  const av = f32x4.splat(alpha);
  let o: usize = 0;
  for (; o + 16 <= end; o += 16) v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(v128.load(x + o), av)));
  if (o < end) storeTail(y + o, f32x4.add(v128.load(y + o), f32x4.mul(v128.load(x + o), av)), n & 3);
}

/**
 * out[j] = sum over rows r of x[r * cols + j] (the gradient of a row broadcast); rows are
 * added in order in float32 lanes. cols = 1 sums everything, in float64 lanes.
 */
export function f32_sum_rows(n: i32, cols: i32, x: usize, out: usize): void {
  const end = <usize>n << 2;
  if (cols == 1) {
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    let o: usize = 0;
    for (; o + 16 <= end; o += 16) {
      const v = v128.load(x + o);
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1)));
    }
    let s = (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) + (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
    for (; o < end; o += 4) s += <f64>load<f32>(x + o);
    store<f32>(out, <f32>s);
    return;
  }
  const row = <usize>cols << 2;
  for (let o: usize = 0; o < row; o += 16) {
    let acc = f32x4.splat(0);
    for (let r: usize = 0; r < end; r += row) acc = f32x4.add(acc, v128.load(x + r + o));
    if (o + 16 <= row) v128.store(out + o, acc); else storeTail(out + o, acc, cols & 3);
  }
}

/** mask = u >= rate ? 1 / (1 - rate) : 0 for uniform u in [0, 1) (inverted dropout); mask may equal u. */
export function f32_dropout_mask(n: i32, u: usize, mask: usize, rate: f32): void {
  const end = <usize>n << 2;
  const r = f32x4.splat(rate), keep = f32x4.splat(<f32>1 / (<f32>1 - rate));
  let o: usize = 0;
  for (; o + 16 <= end; o += 16) v128.store(mask + o, v128.and(f32x4.ge(v128.load(u + o), r), keep));
  if (o < end) storeTail(mask + o, v128.and(f32x4.ge(v128.load(u + o), r), keep), n & 3);
}
