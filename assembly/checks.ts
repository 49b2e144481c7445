// Debug scans over float32 arrays, used by the opt-in non-finite checks (src/core/checks.ts).
// A float32 is non-finite (NaN or +-Inf) exactly when its exponent bits are all ones, so
// the scan is an integer compare on the bits: no float compare, no NaN-payload question.

const EXP_MASK: i32 = 0x7f800000;

/** Index of the first NaN or +-Inf in x[0..n), or -1 when every value is finite. */
export function f32_first_non_finite(n: i32, x: usize): i32 {
  const end = <usize>n << 2, body = end & ~15;
  const mask = i32x4.splat(EXP_MASK);
  let o: usize = 0;
  // Whole vectors first; the first vector holding a bad lane is resolved lane by lane below.
  for (; o < body; o += 16) {
    if (v128.any_true(i32x4.eq(v128.and(v128.load(x + o), mask), mask))) break;
  }
  for (; o < end; o += 4) {
    if ((load<i32>(x + o) & EXP_MASK) == EXP_MASK) return <i32>(o >> 2);
  }
  return -1;
}
