// Vectorised elementary functions on f32x4 (and f64x2 where float32 cannot reach the
// accuracy the activations promise). Every function is pure and branch-free: special
// inputs (NaN, +-Inf, -0, overflow, subnormal results) are handled with lane selects so
// a lane's result never depends on its neighbours.
//
// The one-lane entry points at the bottom (`f32_exp1` ...) are the scalar twins: they run
// the same instruction sequence on a single lane, so they are bit-identical to the SIMD
// body by construction. Kernels use the same trick for their tails.

// ---- small helpers -------------------------------------------------------------------

@inline export function splat(v: f32): v128 { return f32x4.splat(v); }

/** Lanes of `a` where `mask` is set, lanes of `b` elsewhere. */
@inline export function sel(mask: v128, a: v128, b: v128): v128 { return v128.bitselect(a, b, mask); }

const SIGN: v128 = i32x4.splat(0x80000000);

const ABS_MASK: v128 = i32x4.splat(0x7FFFFFFF);

// f32x4.abs and f32x4.neg are bit operations, but V8 (x64) builds their sign mask anew at
// every use (three instructions); an and/xor with a constant is one. Same bits.

/** |x| with the sign bit cleared (keeps NaN a NaN). */
@inline export function vabs(x: v128): v128 { return v128.and(x, ABS_MASK); }

/** -|x|: the sign bit set. */
@inline export function negAbs(x: v128): v128 { return v128.or(x, SIGN); }

/** -x: the sign bit flipped. */
@inline export function vneg(x: v128): v128 { return v128.xor(x, SIGN); }

/** Magnitude of `mag` with the sign of `sgn`. */
@inline export function copysign(mag: v128, sgn: v128): v128 {
  return v128.or(v128.andnot(mag, SIGN), v128.and(sgn, SIGN));
}

/** Fills lanes [0, rem) of the vector at `p` from `v`; rem in 1..3. Used for kernel tails. */
@inline export function storeTail(p: usize, v: v128, rem: i32): void {
  v128.store32_lane(p, v, 0);
  if (rem > 1) v128.store32_lane(p, v, 1, 4);
  if (rem > 2) v128.store32_lane(p, v, 2, 8);
}

// ---- exp -----------------------------------------------------------------------------
// Cody-Waite reduction x = k*ln2 + r, |r| <= ln2/2, e^r - 1 = r + r^2 P(r) with P of degree
// 4, and a two-step scale by 2^k so that a subnormal result is rounded once (accurate down
// to the smallest subnormal) and an overflow becomes +Inf. P is a weighted least-squares
// fit (Lawson-reweighted toward minimax of e^r's relative error) on [-ln2/2, ln2/2]: exp
// stays within 0.97 ulp of float64 over [-87, 87] (4e6 points, float32 Horner), as the
// degree-5 Cephes P did (0.99 ulp), with one multiply-add less (exp-based activations
// 8-11% faster).
// see: S. L. Moshier, Cephes Math Library (expf.c) for the ln2 split.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;          // 0x3F318000, 9 significant bits: k*LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;       // ln2 - LN2_HI
const EXP_MAX: f32 = 89.0;                // e^89 > FLT_MAX, so the scale overflows to +Inf
const EXP_MIN: f32 = -150.0;              // e^-150 * 2^64 (the largest bias) still rounds to +0

/**
 * e^(x + lo) * 2^bias, where `lo` is a small correction (|lo| <= ulp(x)) carried in from an
 * exact product and `bias` (i32 lanes, 0..64) lifts a result that would be subnormal back
 * into the normal range, so a product taken before scaling down loses no bits. `withLo`,
 * `withBias` and `fast` are compile-time switches (the callers pass constants, and the
 * inlined code keeps one path).
 *
 * `fast` is for callers that have checked |x| < EXP_FAST (EXP_FAST_BIASED with a bias) in
 * every lane: there the clamp is the identity and 2^(k + bias) is a normal float, so the
 * scale is one multiplication. Both paths round the exact p * 2^k once, so they give the
 * same bits; a NaN lane gives NaN on both.
 */
@inline function expCore(x: v128, lo: v128, bias: v128, withLo: bool, withBias: bool, fast: bool): v128 {
  if (fast) {
    const t = f32x4.add(f32x4.mul(x, splat(LOG2E)), splat(ROUND_MAGIC));
    const p = expPoly(x, t, lo, withLo);
    // t's bits are ROUND_MAGIC_BITS + k, and ROUND_MAGIC_BITS << 23 wraps to 0: t << 23 = k << 23.
    const kb = withBias ? i32x4.add(t, bias) : t;
    return f32x4.mul(p, i32x4.add(i32x4.shl(kb, 23), i32x4.splat(ONE_BITS)));
  }
  // pmin/pmax are one x86 instruction each (Wasm's min/max take several for their NaN and
  // -0 rules); with x as the first operand a NaN stays NaN, which is all the clamp needs.
  const xc = f32x4.pmax(f32x4.pmin(x, splat(EXP_MAX)), splat(EXP_MIN));
  const t = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUND_MAGIC));
  // A clamped argument has saturated already; its correction (up to ulp(x)) must not leak in.
  const p = expPoly(xc, t, withLo ? sel(f32x4.eq(xc, x), lo, splat(0)) : lo, withLo);
  // k in [-217, 129] (+ bias); split it in two halves that are each a normal power of two,
  // so a subnormal result is rounded once.
  let k = i32x4.sub(t, i32x4.splat(ROUND_MAGIC_BITS));
  if (withBias) k = i32x4.add(k, bias);
  const k1 = i32x4.shr_s(k, 1);
  const s1 = i32x4.shl(i32x4.add(k1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(k, k1), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * e^r - 1 for x = k ln2 + r, |r| <= ln2/2, given t = x log2(e) + ROUND_MAGIC: the addition
 * rounds to an integer and leaves k in t's low mantissa bits, so kf comes out with a
 * subtraction instead of nearest + trunc_sat. exp adds the 1; expm1 keeps the small part.
 */
@inline function expPolyM1(xc: v128, t: v128, lo: v128, withLo: bool): v128 {
  const kf = f32x4.sub(t, splat(ROUND_MAGIC));
  let r = f32x4.sub(xc, f32x4.mul(kf, splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(kf, splat(LN2_LO)));
  if (withLo) r = f32x4.add(r, lo);
  const r2 = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(splat(1.3814612983596537e-3), r), splat(8.368709842561328e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.166838736700135e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.666652068963494e-1));
  p = f32x4.add(f32x4.mul(p, r), splat(4.999999345167986e-1));
  return f32x4.add(f32x4.mul(p, r2), r);
}

@inline function expPoly(xc: v128, t: v128, lo: v128, withLo: bool): v128 {
  return f32x4.add(expPolyM1(xc, t, lo, withLo), splat(1.0));
}

const ROUND_MAGIC: f32 = 12582912.0;         // 1.5 * 2^23
const ROUND_MAGIC_BITS: i32 = 0x4B400000;    // its bit pattern
const ONE_BITS: i32 = 0x3F800000;            // 1.0: 127 << 23

/** Bounds on |x| for exp's fast path: |k| <= 126 (2^k normal); with a bias <= 64, |k| <= 61. */
export const EXP_FAST: f32 = 87.0;
export const EXP_FAST_BIASED: f32 = 42.0;

@inline export function exp4b(x: v128, lo: v128, bias: v128, fast: bool = false): v128 { return expCore(x, lo, bias, true, true, fast); }

/** e^x * 2^bias (bias as in exp4b), for an argument without a correction. */
@inline export function exp4bias(x: v128, bias: v128, fast: bool = false): v128 { return expCore(x, f32x4.splat(0), bias, false, true, fast); }

/** e^(x + lo) where `lo` is a small correction carried in from an exact product. */
@inline export function exp4lo(x: v128, lo: v128, fast: bool = false): v128 { return expCore(x, lo, i32x4.splat(0), true, false, fast); }

/** 2^-64 and the i32 bias that pairs with it in exp4b. */
export const TWO_M64: f32 = 5.421010862427522e-20;
export const BIAS64: i32 = 64;

/**
 * e^x, within 1 ulp over the float32 range; e^(+Inf) = +Inf, e^(-Inf) = 0, NaN stays NaN.
 * fast: the caller has checked |x| < EXP_FAST in every lane (same bits, fewer instructions).
 */
@inline export function exp4(x: v128, fast: bool = false): v128 { return expCore(x, f32x4.splat(0), i32x4.splat(0), false, false, fast); }

/**
 * The rounding error of hi = fl(a * b): returns lo with a * b = hi + lo (to float32).
 * float32 x float32 is exact in float64, so two promotions per half replace a Veltkamp
 * split. An exponent argument beta*x of size 30 loses 2e-6 relative to the rounding of
 * the product; carrying lo into exp4lo gets those bits back.
 */
@inline export function mulLo(a: v128, b: v128, hi: v128): v128 {
  const q0 = f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b));
  const q1 = f64x2.mul(promoteHigh(a), promoteHigh(b));
  return finiteLo(demoteJoin(f64x2.sub(q0, f64x2.promote_low_f32x4(hi)), f64x2.sub(q1, promoteHigh(hi))));
}

/** The rounding error of hi = fl(a / b), as mulLo (the float64 quotient is exact to 1e-16). */
@inline export function divLo(a: v128, b: v128, hi: v128): v128 {
  const q0 = f64x2.div(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b));
  const q1 = f64x2.div(promoteHigh(a), promoteHigh(b));
  return finiteLo(demoteJoin(f64x2.sub(q0, f64x2.promote_low_f32x4(hi)), f64x2.sub(q1, promoteHigh(hi))));
}

// When hi overflowed (or is NaN) the correction is meaningless; the result is then decided by hi alone.
@inline function finiteLo(lo: v128): v128 { return sel(f32x4.lt(vabs(lo), splat(Infinity)), lo, f32x4.splat(0)); }

/**
 * e^x - 1 = (2^k - 1) + 2^k (e^r - 1), x = k ln2 + r: exp's reduction and polynomial
 * without its final 1, so no cancellation near 0 (k = 0 leaves e^r - 1 itself). 2^k - 1 is
 * exact for |k| <= 24; below, it rounds to -1 as expm1 does. One exp's work where the
 * Taylor series plus a full exp took both (elu 0.57 -> 1.0 Gelem/s).
 * fast: every |x| < EXP_FAST (as exp4). Otherwise x is clamped to +-EXP_FAST, which gives
 * -1 below and the same bits inside; above, e^x - 1 rounds to e^x.
 */
@inline export function expm1_4(x: v128, fast: bool = false): v128 {
  if (fast) return expm1Normal(x);
  const m = expm1Normal(f32x4.pmax(f32x4.pmin(x, splat(EXP_FAST)), splat(-EXP_FAST)));
  return sel(f32x4.gt(x, splat(EXP_FAST)), exp4(x), m);
}

/** expm1 for |x| <= EXP_FAST, where 2^k is a normal float. */
@inline function expm1Normal(x: v128): v128 {
  const t = f32x4.add(f32x4.mul(x, splat(LOG2E)), splat(ROUND_MAGIC));
  const pm = expPolyM1(x, t, f32x4.splat(0), false);
  const s = i32x4.add(i32x4.shl(t, 23), i32x4.splat(ONE_BITS));
  return f32x4.add(f32x4.sub(s, splat(1.0)), f32x4.mul(s, pm));
}

// ---- log -----------------------------------------------------------------------------
// x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = f - f^2/2 + f^3 P(f), f = m - 1.
// see: Cephes logf.c for the polynomial.

/**
 * Natural log: log(0) = -Inf, log(x<0) = NaN, log(+Inf) = +Inf; subnormal inputs are exact.
 * normal: the caller knows every lane is a positive normal float, so the subnormal lift and
 * the special cases drop out (same bits in those lanes).
 */
@inline export function log4(x: v128, normal: bool = false): v128 {
  // Lift subnormals into the normal range first (x * 2^23, exponent - 23).
  const sub = f32x4.lt(x, splat(1.17549435e-38));
  const bits = normal ? x : sel(sub, f32x4.mul(x, splat(8388608.0)), x);
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  if (!normal) e = sel(sub, i32x4.sub(e, i32x4.splat(23)), e);
  // mantissa in [0.5, 1)
  let m = v128.or(v128.and(bits, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F000000));
  const lowm = f32x4.lt(m, splat(0.707106781186547524));
  e = sel(lowm, i32x4.sub(e, i32x4.splat(1)), e);
  const f = f32x4.sub(sel(lowm, f32x4.add(m, m), m), splat(1.0));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let y = f32x4.add(f32x4.mul(splat(7.0376836292e-2), f), splat(-1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, f), splat(1.1676998740e-1));
  y = f32x4.add(f32x4.mul(y, f), splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, f), splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, f), splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, f), splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, f), splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, f), splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, f), z);
  y = f32x4.add(y, f32x4.mul(fe, splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, splat(0.5)));
  let r = f32x4.add(f32x4.add(f, y), f32x4.mul(fe, splat(LN2_HI)));
  if (normal) return r;
  r = sel(f32x4.eq(x, splat(0)), splat(-Infinity), r);
  r = sel(f32x4.eq(x, splat(Infinity)), x, r);
  r = sel(f32x4.lt(x, splat(0)), splat(NaN), r);
  return sel(f32x4.ne(x, x), x, r);
}

/**
 * log(1 + u) for u in [0, 1] (u = e^-|x| in softplus, log-sigmoid and the logit losses):
 * u P(u) / Q(u), a [3/3] rational with P(0) = Q(0) = 1, quadratic P and cubic Q in u, all
 * coefficients positive (differential correction, 6.8e-8 relative in exact arithmetic).
 * Float32 Horner: at most 2.6e-7 relative error against float64 (checked on every 7th
 * float32 in [2^-30, 1]); tiny and subnormal u come back unchanged (P/Q rounds to 1), NaN
 * stays NaN. 5 multiply-adds and a division, where log's range reduction, its degree-8
 * polynomial and log1p's correction took 3 times the instructions.
 */
@inline export function log1pUnit4(u: v128): v128 {
  let p = f32x4.add(f32x4.mul(splat(0.12056771665811539), u), splat(0.8587903380393982));
  p = f32x4.add(f32x4.mul(p, u), splat(1.0));
  let q = f32x4.add(f32x4.mul(splat(0.03014904446899891), u), splat(0.4666738212108612));
  q = f32x4.add(f32x4.mul(q, u), splat(1.358787178993225));
  q = f32x4.add(f32x4.mul(q, u), splat(1.0));
  return f32x4.mul(u, f32x4.div(p, q));
}

// ---- tanh ----------------------------------------------------------------------------
// tanh x = x P(x^2) / Q(x^2), a [7/8] rational: P cubic and Q quartic in x^2, P(0) = Q(0) = 1,
// fitted for least maximum relative error on [0, 8] with r(8) = 1 pinned (differential
// correction, 2.7e-7 in exact arithmetic). |x| is clamped at TANH_CLAMP, the float32 where
// the float32 evaluation first gives exactly 1; no float below it gives more than 1, and
// past it float32 tanh is within 3.6e-7 of 1 (pmin/pmax also saturate +-Inf and keep NaN).
// Checked on every float32 in [2^-14, 9]: at most 5.5e-7 relative error (9 ulp) against
// float64. Below |x| = 2^-12 both polynomials round to 1, so x comes back unchanged (-0 and
// subnormals included) without a select. 7 multiply-adds and a division, where Eigen's
// [13/6] (3.9e-7) took 9 and a select and ran 25-35% slower.
const TANH_CLAMP: f32 = 7.775166034698486;

@inline export function tanh4(x: v128, fast: bool = false): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, splat(TANH_CLAMP)), splat(-TANH_CLAMP));
  const x2 = f32x4.mul(xc, xc);
  let p = f32x4.add(f32x4.mul(splat(1.10320579551626e-05), x2), splat(0.0029144943691790104));
  p = f32x4.add(f32x4.mul(p, x2), splat(0.12891842424869537));
  p = f32x4.add(f32x4.mul(p, x2), splat(1.0));
  let q = f32x4.add(f32x4.mul(splat(2.332602520027649e-07), x2), splat(0.0002334920718567446));
  q = f32x4.add(f32x4.mul(q, x2), splat(0.023666564375162125));
  q = f32x4.add(f32x4.mul(q, x2), splat(0.46225059032440186));
  q = f32x4.add(f32x4.mul(q, x2), splat(1.0));
  return f32x4.div(f32x4.mul(xc, p), q);
}

/** 1 / (1 + e^-x) without overflow: e = exp(-|x|), then 1/(1+e) or e/(1+e). */
@inline export function sigmoid4(x: v128, fast: bool = false): v128 {
  const e = exp4(negAbs(x), fast);
  const r = f32x4.div(splat(1.0), f32x4.add(splat(1.0), e));
  return sel(f32x4.ge(x, splat(0)), r, f32x4.mul(e, r));
}

/** sigmoid(z) where z = hi + lo exactly (lo from mulLo); used when z = beta * x. */
@inline export function sigmoid4lo(hi: v128, lo: v128, fast: bool = false): v128 {
  const neg = f32x4.lt(hi, splat(0));
  // e = exp(-|z|): flip both parts to the non-positive side.
  const e = exp4lo(sel(neg, hi, vneg(hi)), sel(neg, lo, vneg(lo)), fast);
  const r = f32x4.div(splat(1.0), f32x4.add(splat(1.0), e));
  return sel(neg, f32x4.mul(e, r), r);
}

// ---- float64 lanes -------------------------------------------------------------------
// For GELU and tanhShrink, whose float32 forms lose bits to cancellation or to the
// rounding of an exponent's argument, the work runs on f64x2 halves and rounds once.

/** Lanes 2,3 of a float32 vector promoted to float64. */
@inline export function promoteHigh(v: v128): v128 { return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1)); }

/** Joins two f64x2 halves back into one f32x4 (one rounding per lane). */
@inline export function demoteJoin(lo: v128, hi: v128): v128 {
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

@inline function dsplat(v: f64): v128 { return f64x2.splat(v); }

/**
 * e^x on float64 lanes, about 1e-15 relative; the argument is clamped to [-745, 710] (e^710
 * overflows to +Inf, and everything below it up to ln(DBL_MAX) = 709.78 stays finite).
 * fast: the caller has checked |x| < 708 in every lane, so the clamp (f64x2.min/max are
 * long sequences in V8) is the identity and 2^k is a normal float: k comes from the
 * rounding constant's low bits and the scale is one multiplication. Same bits as the
 * careful path: the constant rounds x log2(e) to nearest-even as f64x2.nearest does.
 */
@inline export function exp2d(x: v128, fast: bool = false): v128 {
  if (fast) {
    const t = f64x2.add(f64x2.mul(x, dsplat(1.4426950408889634)), dsplat(ROUND_MAGIC64));
    const p = exp2dPoly(x, f64x2.sub(t, dsplat(ROUND_MAGIC64)));
    // t's bits are those of ROUND_MAGIC64 plus k, and ROUND_MAGIC64's low 12 bits are 0.
    return f64x2.mul(p, i64x2.add(i64x2.shl(t, 52), i64x2.splat(0x3FF0000000000000)));
  }
  const xc = f64x2.max(f64x2.min(x, dsplat(710.0)), dsplat(-745.0));
  const kf = f64x2.nearest(f64x2.mul(xc, dsplat(1.4426950408889634)));
  const p = exp2dPoly(xc, kf);
  // k in [-1075, 1023]: two normal halves, one rounding.
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(kf));
  const k1 = i64x2.shr_s(k, 1);
  const k2 = i64x2.sub(k, k1);
  const s1 = i64x2.shl(i64x2.add(k1, i64x2.splat(1023)), 52);
  const s2 = i64x2.shl(i64x2.add(k2, i64x2.splat(1023)), 52);
  return f64x2.mul(f64x2.mul(p, s1), s2);
}

const ROUND_MAGIC64: f64 = 6755399441055744.0; // 1.5 * 2^52

/** e^r for x = k ln2 + r on float64 lanes, kf = k. */
@inline function exp2dPoly(xc: v128, kf: v128): v128 {
  // fdlibm's ln2 split: k * LN2HI is exact for |k| < 2^20.
  let r = f64x2.sub(xc, f64x2.mul(kf, dsplat(6.93147180369123816490e-01)));
  r = f64x2.sub(r, f64x2.mul(kf, dsplat(1.90821492927058770002e-10)));
  // Taylor to r^11: the remainder is below 1e-15 relative on |r| <= ln2/2.
  let p = f64x2.add(f64x2.mul(r, dsplat(1.0 / 39916800.0)), dsplat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), dsplat(0.5));
  p = f64x2.add(f64x2.mul(p, r), dsplat(1.0));
  return f64x2.add(f64x2.mul(p, r), dsplat(1.0));
}

/**
 * erfc(z) for z >= 0 on float64 lanes, fractional error below 1.2e-7.
 * see: W. H. Press et al., Numerical Recipes in C, 2nd ed., section 6.2 (erfcc, a
 * Chebyshev fit of erfc(z) * exp(z^2) in t = 1 / (1 + z/2)).
 */
@inline export function erfc2d(z: v128, fast: bool = false): v128 {
  const t = f64x2.div(dsplat(1.0), f64x2.add(dsplat(1.0), f64x2.mul(z, dsplat(0.5))));
  let p = f64x2.add(f64x2.mul(t, dsplat(0.17087277)), dsplat(-0.82215223));
  p = f64x2.add(f64x2.mul(p, t), dsplat(1.48851587));
  p = f64x2.add(f64x2.mul(p, t), dsplat(-1.13520398));
  p = f64x2.add(f64x2.mul(p, t), dsplat(0.27886807));
  p = f64x2.add(f64x2.mul(p, t), dsplat(-0.18628806));
  p = f64x2.add(f64x2.mul(p, t), dsplat(0.09678418));
  p = f64x2.add(f64x2.mul(p, t), dsplat(0.37409196));
  p = f64x2.add(f64x2.mul(p, t), dsplat(1.00002368));
  p = f64x2.add(f64x2.mul(p, t), dsplat(-1.26551223));
  return f64x2.mul(t, exp2d(f64x2.sub(p, f64x2.mul(z, z)), fast));
}

/** erf(z) on float64 lanes for any sign: 1 - erfc(|z|) with the sign of z. */
@inline export function erf2d(z: v128): v128 {
  const a = f64x2.abs(z);
  const r = f64x2.sub(dsplat(1.0), erfc2d(a));
  return v128.or(v128.and(r, i64x2.splat(0x7FFFFFFFFFFFFFFF)), v128.and(z, i64x2.splat(0x8000000000000000)));
}

/** tanh on float64 lanes: (1 - e)/(1 + e) with e = exp(-2|x|), sign restored. */
@inline export function tanh2d(x: v128, fast: bool = false): v128 {
  const e = exp2d(f64x2.mul(f64x2.abs(x), dsplat(-2.0)), fast);
  const t = f64x2.div(f64x2.sub(dsplat(1.0), e), f64x2.add(dsplat(1.0), e));
  return v128.or(t, v128.and(x, i64x2.splat(0x8000000000000000)));
}

// ---- scalar twins (one lane of the vector code; exported for tests and tools) ----------

export function f32_exp1(x: f32): f32 { return f32x4.extract_lane(exp4(f32x4.splat(x)), 0); }
export function f32_expm1_1(x: f32): f32 { return f32x4.extract_lane(expm1_4(f32x4.splat(x)), 0); }
export function f32_log1(x: f32): f32 { return f32x4.extract_lane(log4(f32x4.splat(x)), 0); }
/** log(1 + u) for u in [0, 1] only (log1pUnit4). */
export function f32_log1p_unit1(u: f32): f32 { return f32x4.extract_lane(log1pUnit4(f32x4.splat(u)), 0); }
export function f32_tanh1(x: f32): f32 { return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0); }
export function f64_exp1(x: f64): f64 { return f64x2.extract_lane(exp2d(f64x2.splat(x)), 0); }
export function f64_erf1(x: f64): f64 { return f64x2.extract_lane(erf2d(f64x2.splat(x)), 0); }

/**
 * ln x in float64, within 1 ulp: x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)),
 * s = f / (2 + f), ln(1 + f) = f - hfsq + s (hfsq + R(s^2)), hfsq = f^2 / 2, and k ln2
 * added in two parts. Scalar and table-free (AssemblyScript's Math.log uses a lookup table,
 * static data the kernels must not hold). log(0) = -Inf, log(x < 0) = NaN, log(+Inf) = +Inf.
 * see: Sun Microsystems' fdlibm, e_log.c (the Lg1..Lg7 coefficients and the ln2 split).
 */
export function f64_log1(x: f64): f64 {
  let u = reinterpret<u64>(x);
  let hx = <u32>(u >> 32);
  let k: i32 = 0;
  if (hx < 0x00100000 || (hx >> 31) != 0) {
    if ((u << 1) == 0) return -Infinity;
    if ((hx >> 31) != 0) return NaN;
    // subnormal: scale into the normal range
    k = -54;
    u = reinterpret<u64>(x * 18014398509481984.0); // 2^54
    hx = <u32>(u >> 32);
  } else if (hx >= 0x7FF00000) {
    return x;
  } else if (hx == 0x3FF00000 && (u << 32) == 0) {
    return 0;
  }
  // 1 + f into [sqrt(2)/2, sqrt(2)): shift the exponent so the mantissa lands there
  hx += 0x3FF00000 - 0x3FE6A09E;
  k += <i32>(hx >> 20) - 0x3FF;
  hx = (hx & 0x000FFFFF) + 0x3FE6A09E;
  const f = reinterpret<f64>((<u64>hx << 32) | (u & 0xFFFFFFFF)) - 1.0;
  const hfsq = 0.5 * f * f;
  const s = f / (2.0 + f);
  const z = s * s, w = z * z;
  const t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const dk = <f64>k;
  return s * (hfsq + (t2 + t1)) + dk * 1.90821492927058770002e-10 - hfsq + f + dk * 6.93147180369123816490e-01;
}

// ---- sin / cos -----------------------------------------------------------------------
// The angle is split into r in [-pi/4, pi/4] and a quadrant q; sin(r + q*pi/2) is then
// +-sin(r) or +-cos(r), each a short polynomial.
// see: Cephes sinf.c / cosf.c for the coefficients on [-pi/4, pi/4].
// Two reductions: by turns (x counts full turns, angle = 2*pi*x), exact for every float
// because x*4 - nearest(x*4) is exact; and by radians, in float64 with fdlibm's two-part
// pi/2, so k*PIO2_1 is exact while |k| < 2^20 and the reduced argument keeps ~2^-53 |x|
// absolute accuracy beyond. Past |x| = 2^24 the quadrant would no longer fit float32 lanes
// (and float32 angles are 2 apart); such lanes return NaN instead of a quietly wrong value
// (use the turns form for large angles).

const PIO2_F: f32 = 1.57079632679489661923;
const PIO2_1: f64 = 1.57079632673412561417e+00;   // 0x3FF921FB54400000, first 33 bits of pi/2
const PIO2_1T: f64 = 6.07710050650619224932e-11;  // pi/2 - PIO2_1
const TWO_OVER_PI: f64 = 6.36619772367581382433e-01;
const SINCOS_MAX: f32 = 16777216.0;                // 2^24

/** sin(r + q*pi/2) for r in [-pi/4, pi/4] (f32 lanes) and any integer q (i32 lanes). */
@inline export function sinQuadrant4(r: v128, q: v128): v128 {
  const z = f32x4.mul(r, r);
  let s = f32x4.add(f32x4.mul(splat(-1.9515295891e-4), z), splat(8.3321608736e-3));
  s = f32x4.add(f32x4.mul(s, z), splat(-1.6666654611e-1));
  s = f32x4.add(f32x4.mul(f32x4.mul(s, z), r), r);
  s = sel(f32x4.eq(r, splat(0)), r, s); // sin(-0) = -0: the sum above would give +0
  let c = f32x4.add(f32x4.mul(splat(2.443315711809948e-5), z), splat(-1.388731625493765e-3));
  c = f32x4.add(f32x4.mul(c, z), splat(4.166664568298827e-2));
  c = f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(c, z), z), f32x4.mul(z, splat(0.5))), splat(1.0));
  // q odd: cos(r); q & 2: negate (sin(r + pi) = -sin r).
  const odd = i32x4.ne(v128.and(q, i32x4.splat(1)), i32x4.splat(0));
  return v128.xor(sel(odd, c, s), i32x4.shl(v128.and(q, i32x4.splat(2)), 30));
}

/** k mod 4 (i32 lanes, 0..3) for integral float32 lanes k of any size. */
@inline function quadrantOf(k: v128): v128 {
  // (k/4 - floor(k/4)) * 4 is exact for every integral k, even past the i32 range.
  const k4 = f32x4.mul(k, splat(0.25));
  return i32x4.trunc_sat_f32x4_s(f32x4.mul(f32x4.sub(k4, f32x4.floor(k4)), splat(4.0)));
}

/** sin(2*pi*x + dq*pi/2): x counts turns; dq = 0 gives sin, dq = 1 gives cos. Exact reduction. */
@inline export function sinTurns4(x: v128, dq: v128): v128 {
  // Past 2^24 every float is a whole number of quarter turns; x - x keeps Inf/NaN a NaN.
  const big = f32x4.ge(vabs(x), splat(16777216.0));
  const t4 = sel(big, f32x4.sub(x, x), f32x4.mul(x, splat(4.0)));
  const k = f32x4.nearest(t4);
  const r = f32x4.mul(f32x4.sub(t4, k), splat(PIO2_F));
  return sinQuadrant4(r, i32x4.add(quadrantOf(k), dq));
}

/** sin(x + dq*pi/2) for x in radians, |x| < 2^24 (larger lanes give NaN); dq = 1 gives cos. */
@inline export function sinRadians4(x: v128, dq: v128): v128 {
  const lo = f64x2.promote_low_f32x4(x);
  const hi = promoteHigh(x);
  const klo = f64x2.nearest(f64x2.mul(lo, f64x2.splat(TWO_OVER_PI)));
  const khi = f64x2.nearest(f64x2.mul(hi, f64x2.splat(TWO_OVER_PI)));
  // k = 0 keeps x itself, so sin(-0) = -0 (x - 0 would give +0).
  const rlo = sel(f64x2.eq(klo, f64x2.splat(0)), lo,
    f64x2.sub(f64x2.sub(lo, f64x2.mul(klo, f64x2.splat(PIO2_1))), f64x2.mul(klo, f64x2.splat(PIO2_1T))));
  const rhi = sel(f64x2.eq(khi, f64x2.splat(0)), hi,
    f64x2.sub(f64x2.sub(hi, f64x2.mul(khi, f64x2.splat(PIO2_1))), f64x2.mul(khi, f64x2.splat(PIO2_1T))));
  // |k| < 2^24 * 2/pi fits float32 exactly, so the quadrant can be taken on f32 lanes.
  const k = demoteJoin(klo, khi);
  const s = sinQuadrant4(demoteJoin(rlo, rhi), i32x4.add(quadrantOf(k), dq));
  return sel(f32x4.lt(vabs(x), splat(SINCOS_MAX)), s, splat(NaN));
}

export function f32_sin1(x: f32): f32 { return f32x4.extract_lane(sinRadians4(f32x4.splat(x), i32x4.splat(0)), 0); }
export function f32_cos1(x: f32): f32 { return f32x4.extract_lane(sinRadians4(f32x4.splat(x), i32x4.splat(1)), 0); }
export function f32_sin_turns1(x: f32): f32 { return f32x4.extract_lane(sinTurns4(f32x4.splat(x), i32x4.splat(0)), 0); }
export function f32_cos_turns1(x: f32): f32 { return f32x4.extract_lane(sinTurns4(f32x4.splat(x), i32x4.splat(1)), 0); }
