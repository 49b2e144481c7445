// Accuracy measures shared by the kernel tests: ulp distance on float32 bit patterns and
// the project's tolerance rule (4 ulp or 1e-6 relative, whichever is looser).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Position of a float32 on the ordered integer line (-0 and +0 coincide). */
function ordinal(v: number): number {
  f32[0] = v;
  const b = u32[0];
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
}

/** Distance in float32 ulps between two float32 values; NaN vs NaN is 0, NaN vs number is Infinity. */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(ordinal(a) - ordinal(b));
}

/** The next float32 above / below v. */
export function nextUp(v: number): number {
  if (Number.isNaN(v) || v === Infinity) return v;
  if (v === 0) return 1.4e-45;
  f32[0] = v;
  u32[0] += v > 0 ? 1 : -1;
  return f32[0];
}
export function nextDown(v: number): number { return -nextUp(-v); }

/**
 * Whether `actual` (float32) matches the float64 `expected`: within `ulps` ulp of its
 * float32 rounding, or within `rel` relative, or within `rel * scale` absolute where a
 * sum's terms (scale) are much larger than the result.
 */
export function close(actual: number, expected: number, ulps = 4, rel = 1e-6, scale = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  const e32 = Math.fround(expected);
  if (ulpDistance(actual, e32) <= ulps) return true;
  if (!Number.isFinite(actual)) return false;
  const err = Math.abs(actual - expected);
  return err <= rel * Math.abs(expected) || err <= rel * scale;
}
