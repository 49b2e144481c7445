// Scans for NaN and Infinity: fit stops at the first non-finite weight, and the opt-in
// debug checks reject non-finite inputs. Exponent bits all ones means NaN or Inf.

/** Index of the first NaN or +-Infinity in x[0..n), or -1 when all are finite. */
export function f32_first_non_finite(n: i32, x: usize): i32 {
  const end = <usize>n << 2, body = end & ~15;
  const mask = i32x4.splat(0x7F800000);
  for (let o: usize = 0; o < body; o += 16) {
    const e = v128.and(v128.load(x + o), mask);
    if (v128.any_true(i32x4.eq(e, mask))) {
      for (let j: usize = 0; j < 16; j += 4) if ((load<i32>(x + o + j) & 0x7F800000) == 0x7F800000) return <i32>((o + j) >> 2);
    }
  }
  for (let o = body; o < end; o += 4) if ((load<i32>(x + o) & 0x7F800000) == 0x7F800000) return <i32>(o >> 2);
  return -1;
}
