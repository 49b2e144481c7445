// Every activation: forward f(x), derivative f'(x) and, where a parameter is learnable,
// df/dparam, side by side in one @final class per activation. The generic drivers below
// turn a class into kernels; the kernels at the bottom are what the module exports.
//
// Kernel ABI (all kernels): sizes first, then input pointers, output pointers, then scalar
// parameters. y may equal x and dx may equal dy (in place). Memory past the end of an
// array is readable (the allocator pads every block by one vector), so the last partial
// vector is computed in SIMD and only its valid lanes are stored: each element's bits
// are the same whatever its position.
//
// Backward kernels save the input: derivatives are recomputed from x because the output
// alone loses them (1 - tanh(x)^2 from a rounded tanh(x) near 1 has 1e-3 relative error).

import {
  splat, sel, vabs, vneg, negAbs, storeTail, exp4, exp4b, exp4bias, exp4lo, EXP_FAST, EXP_FAST_BIASED, expm1_4, log1pUnit4, tanh4, sigmoid4, sigmoid4lo,
  mulLo, divLo, promoteHigh, demoteJoin, erfc2d, exp2d, tanh2d, TWO_M64, BIAS64,
} from './math';

const ZERO: v128 = f32x4.splat(0);
const ONE: v128 = f32x4.splat(1);

/** Keeps a NaN input visible in the result: lanes where x is NaN return x. */
@inline function keepNaN(x: v128, r: v128): v128 { return sel(f32x4.eq(x, x), r, x); }

/** 1.0 where mask is set, else 0.0. */
@inline function ones(mask: v128): v128 { return v128.and(mask, ONE); }

/** Lane mask for the first `rem` lanes (rem in 0..4). */
@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

// ---- drivers -------------------------------------------------------------------------
//
// Clamps use pmin/pmax (one x86 instruction each; Wasm's min/max take several for their
// NaN and -0 rules). pmax(0, x) maps -0 to +0 as max(x, 0) does; a NaN input comes out of
// the drivers as NaN through keepNaN, so each replacement gives the same bits.

// The drivers run four vectors per iteration: the chains are
// independent, and V8 on x64 overlaps them where it does not overlap consecutive iterations
// of a one-vector loop (measured on exp: one vector 0.40, two 0.56, four 0.82 Gelem/s). Each
// lane's instructions are unchanged, so the bits are too.
//
// An activation built on exp gives a bound (bound(a, b) > 0): while every |x| of the four
// vectors is below it, f and d run with fast = true, where exp skips its clamp and scales
// by 2^k in one step (same bits, see expCore), and keepNaN is not needed. One check
// covers four vectors; other quads, the single vectors and the tail take the careful path.
// For the rest, bound() is the constant 0 and the check compiles away.

/**
 * Every lane of v0..v3 has |x| < limit (limit > 0 at compile time, or there is no fast
 * path). |x| < limit as integers on the bits (both are non-negative floats): a NaN's bits
 * are above every finite limit's, so the fast path never sees a NaN and needs no keepNaN,
 * and the integer max of four vectors needs one compare and one bitmask.
 */
@inline function allBelow(limit: f32, lim: v128, v0: v128, v1: v128, v2: v128, v3: v128): bool {
  if (!(limit > 0)) return false;
  const m = i32x4.max_s(i32x4.max_s(vabs(v0), vabs(v1)), i32x4.max_s(vabs(v2), vabs(v3)));
  return i32x4.bitmask(i32x4.lt_s(m, lim)) == 15;
}

/** keepNaN for forms that need it; a form that returns a NaN x itself (keepsNaN) skips it. */
@inline function fwdNaN<T>(x: v128, r: v128): v128 {
  return changetype<T>(0).keepsNaN() ? r : keepNaN(x, r);
}

@inline function forward<T>(n: i32, x: usize, y: usize, a: v128, b: v128): void {
  const op = changetype<T>(0);
  const end = <usize>n << 2, body = end & ~15, quads = end & ~63;
  // A NaN bound (from a NaN parameter) turns the fast path off. A form whose forward has no
  // fast path of its own (fwdBound 0, and it keeps a NaN) skips the per-block check.
  const limit = isDefined(op.fwdBound) ? op.fwdBound(a, b) : op.bound(a, b);
  const lim = splat(limit > 0 ? limit : 0);
  let o: usize = 0;
  for (; o < quads; o += 64) {
    const v0 = v128.load(x + o), v1 = v128.load(x + o, 16), v2 = v128.load(x + o, 32), v3 = v128.load(x + o, 48);
    if (allBelow(limit, lim, v0, v1, v2, v3)) {
      const f0 = op.f(v0, a, b, true), f1 = op.f(v1, a, b, true), f2 = op.f(v2, a, b, true), f3 = op.f(v3, a, b, true);
      v128.store(y + o, f0);
      v128.store(y + o, f1, 16);
      v128.store(y + o, f2, 32);
      v128.store(y + o, f3, 48);
    } else {
      const f0 = fwdNaN<T>(v0, op.f(v0, a, b, false)), f1 = fwdNaN<T>(v1, op.f(v1, a, b, false));
      const f2 = fwdNaN<T>(v2, op.f(v2, a, b, false)), f3 = fwdNaN<T>(v3, op.f(v3, a, b, false));
      v128.store(y + o, f0);
      v128.store(y + o, f1, 16);
      v128.store(y + o, f2, 32);
      v128.store(y + o, f3, 48);
    }
  }
  for (; o < body; o += 16) {
    const v = v128.load(x + o);
    v128.store(y + o, fwdNaN<T>(v, op.f(v, a, b, false)));
  }
  if (o < end) {
    const v = v128.load(x + o);
    storeTail(y + o, fwdNaN<T>(v, op.f(v, a, b, false)), n & 3);
  }
}

@inline function backward<T>(n: i32, x: usize, dy: usize, dx: usize, a: v128, b: v128): void {
  const op = changetype<T>(0);
  const end = <usize>n << 2, body = end & ~15, quads = end & ~63;
  const limit = op.bound(a, b);
  const lim = splat(limit > 0 ? limit : 0);
  let o: usize = 0;
  for (; o < quads; o += 64) {
    const v0 = v128.load(x + o), v1 = v128.load(x + o, 16), v2 = v128.load(x + o, 32), v3 = v128.load(x + o, 48);
    // dy is read before dx is written: dx may equal dy.
    const g0 = v128.load(dy + o), g1 = v128.load(dy + o, 16), g2 = v128.load(dy + o, 32), g3 = v128.load(dy + o, 48);
    if (allBelow(limit, lim, v0, v1, v2, v3)) {
      const r0 = f32x4.mul(g0, op.d(v0, a, b, true)), r1 = f32x4.mul(g1, op.d(v1, a, b, true));
      const r2 = f32x4.mul(g2, op.d(v2, a, b, true)), r3 = f32x4.mul(g3, op.d(v3, a, b, true));
      v128.store(dx + o, r0);
      v128.store(dx + o, r1, 16);
      v128.store(dx + o, r2, 32);
      v128.store(dx + o, r3, 48);
    } else {
      const r0 = f32x4.mul(g0, keepNaN(v0, op.d(v0, a, b, false))), r1 = f32x4.mul(g1, keepNaN(v1, op.d(v1, a, b, false)));
      const r2 = f32x4.mul(g2, keepNaN(v2, op.d(v2, a, b, false))), r3 = f32x4.mul(g3, keepNaN(v3, op.d(v3, a, b, false)));
      v128.store(dx + o, r0);
      v128.store(dx + o, r1, 16);
      v128.store(dx + o, r2, 32);
      v128.store(dx + o, r3, 48);
    }
  }
  for (; o < body; o += 16) {
    const v = v128.load(x + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), keepNaN(v, op.d(v, a, b, false))));
  }
  if (o < end) {
    const v = v128.load(x + o);
    storeTail(dx + o, f32x4.mul(v128.load(dy + o), keepNaN(v, op.d(v, a, b, false))), n & 3);
  }
}

/** sum_i dy_i * df/dparam(x_i), accumulated in float64 in a fixed order, rounded once. */
@inline function paramGrad<T>(n: i32, x: usize, dy: usize, a: v128, b: v128, which: i32): f64 {
  const op = changetype<T>(0);
  const end = <usize>n << 2;
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  for (let o: usize = 0; o < end; o += 16) {
    const v = v128.load(x + o);
    const p = which == 0 ? op.p0(v, a, b) : op.p1(v, a, b);
    let g = f32x4.mul(v128.load(dy + o), p);
    if (o + 16 > end) g = sel(laneMask(n & 3), g, ZERO);
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(g));
    acc1 = f64x2.add(acc1, promoteHigh(g));
  }
  return (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) +
    (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
}

// ---- sigmoid family --------------------------------------------------------------------

@final @unmanaged class Sigmoid {
  // Below |x| = 87, 1 / (1 + e^-x) with e^-x normal and finite: one exp, an add and a
  // division (sigmoid4's sign select and product cost 20% more); within 2 ulp. Beyond,
  // lane by lane, sigmoid4, which keeps subnormal results exact.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const y = f32x4.div(ONE, f32x4.add(ONE, exp4(vneg(x), fast)));
    if (fast) return y;
    return sel(f32x4.lt(vabs(x), splat(EXP_FAST)), y, sigmoid4(x, false));
  }
  // s(1-s) = e / (1+e)^2 with e = exp(-|x|): no 1 - s cancellation.
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const e = exp4(negAbs(x), fast);
    const q = f32x4.add(ONE, e);
    return f32x4.div(e, f32x4.mul(q, q));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST; } // exp(-|x|)
  @inline keepsNaN(): bool { return false; }
}

@final @unmanaged class Tanh {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return tanh4(x, fast); }
  // sech^2 x = 4e / (1+e)^2 with e = exp(-2|x|).
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const e = exp4(f32x4.mul(vabs(x), splat(-2)), fast);
    const q = f32x4.add(ONE, e);
    return f32x4.div(f32x4.mul(e, splat(4)), f32x4.mul(q, q));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 43; } // the derivative's exp(-2|x|)
  @inline fwdBound(a: v128, b: v128): f32 { return 0; } // tanh4 has no fast path
  @inline keepsNaN(): bool { return true; } // tanh4's clamp and products keep a NaN
}

@final @unmanaged class LogSigmoid {
  // log sigmoid(x) = min(x, 0) - log1p(exp(-|x|))
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    return f32x4.sub(f32x4.pmin(x, ZERO), log1pUnit4(exp4(negAbs(x), fast)));
  }
  // sigmoid(-x)
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const e = exp4(negAbs(x), fast);
    const q = f32x4.add(ONE, e);
    return sel(f32x4.ge(x, ZERO), f32x4.div(e, q), f32x4.div(ONE, q));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST; } // exp(-|x|)
  @inline keepsNaN(): bool { return false; }
}

/**
 * a*x + b on float64 lanes, where the product is exact, rounded to float32 at the end: near
 * the ends of the ramp the sum cancels. (Float32 with the product's error added back via
 * mulLo took twice the instructions: 1.5 -> 3 Gelem/s.)
 */
@inline function affine(x: v128, a: v128, b: v128): v128 {
  const a64 = f64x2.promote_low_f32x4(a), b64 = f64x2.promote_low_f32x4(b);
  return demoteJoin(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(x), a64), b64), f64x2.add(f64x2.mul(promoteHigh(x), a64), b64));
}

// The float64 form, kept for a slope so small that offset / slope does not fit a float;
// f32_hard_sigmoid and its gradient otherwise run the shifted float32 form below.
@final @unmanaged class HardSigmoid {
  // clip(a*x + b, 0, 1); a = slope, b = offset. pmax(v, 0) = v < 0 ? 0 : v and
  // pmin(w, 1) = 1 < w ? 1 : w pass a NaN through (one instruction each, where min/max take several).
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    return f32x4.pmin(f32x4.pmax(affine(x, a, b), ZERO), ONE);
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const v = affine(x, a, b);
    return v128.and(v128.and(f32x4.gt(v, ZERO), f32x4.lt(v, ONE)), a);
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

// ---- rectifiers ----------------------------------------------------------------------

/** x where x > 0 or x is NaN, +0 elsewhere (-0 included): one compare and an andnot. */
@inline function relu4(x: v128): v128 { return v128.andnot(x, f32x4.le(x, ZERO)); }

// The rectifiers' forms return a NaN x itself (keepsNaN), so the driver's keepNaN is left
// out for them: relu 3, relu6 4 and leakyRelu 5 instructions where they took 5, 7 and 9.
@final @unmanaged class Relu {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return relu4(x); }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return ones(f32x4.gt(x, ZERO)); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

@final @unmanaged class Relu6 {
  // pmin(r, 6) = 6 < r ? 6 : r keeps a NaN r.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return f32x4.pmin(relu4(x), splat(6)); }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    return ones(v128.and(f32x4.gt(x, ZERO), f32x4.lt(x, splat(6))));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

@final @unmanaged class LeakyRelu {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return sel(f32x4.le(x, ZERO), f32x4.mul(x, a), x); }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return sel(f32x4.gt(x, ZERO), ONE, a); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

@final @unmanaged class Elu {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return sel(f32x4.gt(x, ZERO), x, f32x4.mul(a, expm1_4(x, fast))); }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return sel(f32x4.gt(x, ZERO), ONE, f32x4.mul(a, exp4(x, fast))); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST; } // exp(x)
  @inline keepsNaN(): bool { return false; }
}

// see: Klambauer et al., Self-Normalizing Neural Networks (2017), eq. 2 for the constants.
const SELU_SCALE: f32 = 1.0507009873554804934;
const SELU_SCALE_ALPHA: f32 = 1.7580993408473768599; // scale * alpha, alpha = 1.6732632423543772848

@final @unmanaged class Selu {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    return sel(f32x4.gt(x, ZERO), f32x4.mul(x, splat(SELU_SCALE)), f32x4.mul(splat(SELU_SCALE_ALPHA), expm1_4(x, fast)));
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    return sel(f32x4.gt(x, ZERO), splat(SELU_SCALE), f32x4.mul(splat(SELU_SCALE_ALPHA), exp4(x, fast)));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST; } // exp(x)
  @inline keepsNaN(): bool { return false; }
}

@final @unmanaged class Celu {
  // max(0, x) + min(0, a * expm1(x / a))
  // Where |x / a| < 2^-24, a expm1(x / a) rounds to x; computing it through the quotient
  // lost bits for subnormal x with a > 1 (fuzzing: alpha = 9.5, x = -7e-45 gave 2x).
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const q = f32x4.div(x, a);
    const neg = sel(f32x4.lt(vabs(q), splat(TWO_M24)), x, f32x4.mul(a, expm1_4(q, fast)));
    return sel(f32x4.gt(x, ZERO), x, neg);
  }
  // exp(x / a) for x <= 0; the quotient's rounding error is carried into exp.
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const q = f32x4.div(x, a);
    return sel(f32x4.gt(x, ZERO), ONE, exp4lo(q, divLo(x, a, q), fast));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 86 * f32x4.extract_lane(a, 0); } // exp(x / a), alpha > 0
  @inline keepsNaN(): bool { return false; }
}

// ---- smooth gates ----------------------------------------------------------------------

// The gated family x * sigmoid(z), z = beta * x. For z < 0 the gate is e/(1+e) with
// e = exp(z), which is subnormal below z = -87: there e is computed 2^64 too large and the
// finished product is scaled down once, so swish(-100) keeps all its bits. z = hi + lo
// exactly (mulLo), so a large |z| loses nothing to the rounding of beta * x.

const TWO_M32: f32 = 2.3283064365386963e-10; // 0x2F800000, 2^-32
const TWO_M24: f32 = 5.9604644775390625e-8;  // 0x33800000, 2^-24
const TWO_P31: f32 = 2147483648.0;           // 0x4F000000, 2^31

/**
 * exp(-|z|) (negated where z >= 0), scaled by 2^64 in the lanes of `scaled`. hasLo = false
 * (z = x exactly) leaves the correction out: adding +-0 to the reduced argument changes
 * nothing there, since it is never -0 where +0 would be added.
 */
@inline function gateExp(hi: v128, lo: v128, neg: v128, scaled: v128, fast: bool, hasLo: bool): v128 {
  const bias = v128.and(scaled, i32x4.splat(BIAS64));
  if (!hasLo) return exp4bias(negAbs(hi), bias, fast);
  return exp4b(sel(neg, hi, vneg(hi)), sel(neg, lo, vneg(lo)), bias, fast);
}
/** 2^-64 where z < 0, else 1: the factor that undoes gateExp's scaling. */
@inline function gateScale(neg: v128): v128 { return sel(neg, splat(TWO_M64), ONE); }

/**
 * x sigmoid(z). The 2^64 scaling is applied only where it is needed and safe: where e^z
 * may be subnormal (z < -64) or x is small (|x| < 1). Scaling every z < 0 overflowed x * E
 * for |x| > 2^64 with a tiny |beta| (fuzzing found swish(1.8e19) = Inf at beta = -1e-45,
 * and 0 * Inf = NaN in scaledSwish at alpha = 0); elsewhere e^z >= 1.6e-28 is normal and
 * x * e^z loses nothing, so those lanes keep the same bits as before.
 * fast (every |z| < 42, so z >= -64 and e^z >= 5e-19): the z < -64 test and the zero
 * guard drop out; each lane gets the same bits as on the careful path.
 */
@inline function gated(x: v128, hi: v128, lo: v128, fast: bool, hasLo: bool): v128 {
  const neg = f32x4.lt(hi, ZERO);
  const small = f32x4.lt(vabs(x), ONE);
  const scaled = v128.and(neg, fast ? small : v128.or(f32x4.lt(hi, splat(-64)), small));
  const E = gateExp(hi, lo, neg, scaled, fast, hasLo);
  const q = f32x4.add(ONE, f32x4.mul(E, gateScale(scaled)));
  const g = sel(neg, E, ONE);
  const r = f32x4.mul(f32x4.div(f32x4.mul(x, g), q), gateScale(scaled));
  return fast ? r : zeroIfZero(g, r);
}
/** d/dx [x sigmoid(z)] / beta-free part: sigmoid(z) (1 + z sigmoid(-z)); fast as in gated. */
@inline function gatedGrad(hi: v128, lo: v128, fast: bool, hasLo: bool): v128 {
  const neg = f32x4.lt(hi, ZERO);
  const E = gateExp(hi, lo, neg, neg, fast, hasLo);
  const e = f32x4.mul(E, gateScale(neg));
  const q = f32x4.add(ONE, e);
  const s = f32x4.div(sel(neg, E, ONE), q);
  const sm = f32x4.div(sel(neg, ONE, e), q);
  if (fast) return f32x4.mul(f32x4.mul(s, f32x4.add(ONE, f32x4.mul(hi, sm))), gateScale(neg));
  return zeroIfZero(s, f32x4.mul(f32x4.mul(s, f32x4.add(ONE, zeroIfZero(sm, f32x4.mul(hi, sm)))), gateScale(neg)));
}
/**
 * x^2 sigmoid(z) sigmoid(-z) = x^2 e / (1 + e)^2, e = exp(-|z|) taken 2^64 too large (E).
 * For |x| < 2^31, x E x < 2^126 and the 2^64 comes off at the end. For larger x, x^2 E
 * overflowed (fuzzing found the beta gradient -Inf at beta = 0, x = -4.3e9): there x is
 * scaled by 2^-32 on both sides instead, which cancels the 2^64 exactly (powers of two), and
 * the division comes before the second factor so a finite result never passes through Inf.
 */
@inline function gatedCurv(x: v128, hi: v128, lo: v128): v128 {
  const neg = f32x4.lt(hi, ZERO);
  const E = exp4b(sel(neg, hi, vneg(hi)), sel(neg, lo, vneg(lo)), i32x4.splat(BIAS64));
  const q = f32x4.add(ONE, f32x4.mul(E, splat(TWO_M64)));
  const q2 = f32x4.mul(q, q);
  const small = f32x4.mul(f32x4.div(f32x4.mul(f32x4.mul(x, E), x), q2), splat(TWO_M64));
  const xs = f32x4.mul(x, splat(TWO_M32));
  const large = f32x4.mul(f32x4.div(f32x4.mul(xs, E), q2), xs);
  return zeroIfZero(E, sel(f32x4.lt(vabs(x), splat(TWO_P31)), small, large));
}

@final @unmanaged class Swish {
  // x * sigmoid(a * x); a = beta
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const hi = f32x4.mul(a, x);
    return gated(x, hi, mulLo(a, x, hi), fast, true);
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const hi = f32x4.mul(a, x);
    return gatedGrad(hi, mulLo(a, x, hi), fast, true);
  }
  // d/dbeta = x^2 s (1 - s)
  @inline p0(x: v128, a: v128, b: v128): v128 {
    const hi = f32x4.mul(a, x);
    return gatedCurv(x, hi, mulLo(a, x, hi));
  }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 41 / abs<f32>(f32x4.extract_lane(a, 0)); } // exp(-|beta x|) with a bias
  @inline keepsNaN(): bool { return false; }
}

/** r where g != 0, else 0: a product whose small factor underflowed is 0 even if x is Inf. */
@inline function zeroIfZero(g: v128, r: v128): v128 { return sel(f32x4.eq(g, ZERO), ZERO, r); }

@final @unmanaged class ScaledSwish {
  // a * x * sigmoid(b * x); a = alpha, b = beta (the seed's learnable activation)
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const hi = f32x4.mul(b, x);
    return f32x4.mul(a, gated(x, hi, mulLo(b, x, hi), fast, true));
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const hi = f32x4.mul(b, x);
    return f32x4.mul(a, gatedGrad(hi, mulLo(b, x, hi), fast, true));
  }
  // d/dalpha = x s
  @inline p0(x: v128, a: v128, b: v128): v128 {
    const hi = f32x4.mul(b, x);
    return gated(x, hi, mulLo(b, x, hi), false, true);
  }
  // d/dbeta = a x^2 s (1 - s)
  @inline p1(x: v128, a: v128, b: v128): v128 {
    const hi = f32x4.mul(b, x);
    return f32x4.mul(a, gatedCurv(x, hi, mulLo(b, x, hi)));
  }
  @inline bound(a: v128, b: v128): f32 { return 41 / abs<f32>(f32x4.extract_lane(b, 0)); } // exp(-|beta x|) with a bias
  @inline keepsNaN(): bool { return false; }
}

@final @unmanaged class Mish {
  // x tanh(softplus(x)) = x n / (n + 2), n = e (e + 2), e = exp(x): no log, no cancellation.
  // Below 0, e is taken 2^64 too large (as in the gated family) and the result scaled down
  // once; past x = 20, tanh(softplus(x)) rounds to 1.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const neg = f32x4.lt(x, ZERO);
    const E = exp4bias(f32x4.pmin(x, splat(20)), v128.and(neg, i32x4.splat(BIAS64)), fast);
    const e = f32x4.mul(E, gateScale(neg));
    const q = f32x4.add(f32x4.mul(e, f32x4.add(e, splat(2))), splat(2));
    const nS = f32x4.mul(E, f32x4.add(e, splat(2)));
    // x is clamped where it multiplies a vanishing factor, so -Inf gives -0, not NaN.
    return f32x4.mul(f32x4.mul(f32x4.pmax(x, splat(-1e4)), f32x4.div(nS, q)), gateScale(neg));
  }
  // n/(n+2) + 4 x e (1 + e) / (n + 2)^2
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const neg = f32x4.lt(x, ZERO);
    const E = exp4bias(f32x4.pmin(x, splat(20)), v128.and(neg, i32x4.splat(BIAS64)), fast);
    const e = f32x4.mul(E, gateScale(neg));
    const q = f32x4.add(f32x4.mul(e, f32x4.add(e, splat(2))), splat(2));
    const t = f32x4.div(f32x4.mul(E, f32x4.add(e, splat(2))), q);
    const xc = f32x4.pmax(x, splat(-1e4));
    const g = f32x4.div(f32x4.div(f32x4.mul(f32x4.mul(f32x4.mul(xc, splat(4)), E), f32x4.add(ONE, e)), q), q);
    return sel(f32x4.gt(x, splat(20)), ONE, f32x4.mul(f32x4.add(t, g), gateScale(neg)));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST_BIASED; } // exp(min(x, 20)) with a bias
  @inline keepsNaN(): bool { return false; }
}

/** swish at beta = 1 (SiLU, the default): z = x exactly, so no product split is needed. */
@final @unmanaged class SwishUnit {
  // Below |x| = 42, x / (1 + e^-x) with e^-x in [6e-19, 2e18]: one exp, an add and a
  // division, where gated's scaling for subnormal products costs as much again (0.77 ->
  // 1.1 Gelem/s); within 3 ulp. Beyond, lane by lane, gated.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const y = f32x4.div(x, f32x4.add(ONE, exp4(vneg(x), fast)));
    if (fast) return y;
    return sel(f32x4.lt(vabs(x), splat(EXP_FAST_BIASED)), y, gated(x, x, ZERO, false, false));
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return gatedGrad(x, ZERO, fast, false); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return gatedCurv(x, x, ZERO); }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST_BIASED; } // exp(-|x|) with a bias
  @inline keepsNaN(): bool { return false; }
}

/** softplus at beta = 1 (the default): z = x exactly, and e^z needs no rescaling after a division. */
@final @unmanaged class SoftplusUnit {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const pos = f32x4.gt(x, ZERO);
    const l = log1pUnit4(exp4(negAbs(x), fast));
    return sel(f32x4.gt(x, b), x, sel(pos, f32x4.add(x, l), l));
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return sel(f32x4.gt(x, b), ONE, sigmoid4(x, fast)); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST; } // exp(-|x|)
  @inline keepsNaN(): bool { return false; }
}

@final @unmanaged class Softplus {
  // log1p(exp(a x)) / a, and x itself where a x > b (a = beta, b = threshold).
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const hi = f32x4.mul(a, x);
    const lo = mulLo(a, x, hi);
    const pos = f32x4.gt(hi, ZERO);
    // log1p(e^z) = max(z, 0) + log1p(e^-|z|)
    const l = log1pUnit4(exp4lo(sel(pos, vneg(hi), hi), sel(pos, vneg(lo), lo), fast));
    const r = sel(pos, f32x4.add(hi, f32x4.add(lo, l)), l);
    // Below z = -64, log1p(e^z) = e^z, which is subnormal below -87 while e^z / beta can be
    // normal for a small beta (fuzzing: beta = 2^-10, x = -92573 was 13 ulp off). There
    // e^z is taken 2^64 too large and scaled down after the division; above, same bits.
    const deep = f32x4.lt(hi, splat(-64));
    const E = exp4b(hi, lo, v128.and(deep, i32x4.splat(BIAS64)), fast);
    const tiny = f32x4.mul(f32x4.div(E, a), splat(TWO_M64));
    return sel(f32x4.gt(hi, b), x, sel(deep, tiny, f32x4.div(r, a)));
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const hi = f32x4.mul(a, x);
    return sel(f32x4.gt(hi, b), ONE, sigmoid4lo(hi, mulLo(a, x, hi), fast));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 41 / abs<f32>(f32x4.extract_lane(a, 0)); } // exp(+-beta x), one with a bias
  @inline keepsNaN(): bool { return false; }
}

@final @unmanaged class Softsign {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const ax = vabs(x);
    const r = f32x4.div(x, f32x4.add(ONE, ax));
    if (fast) return r;
    return sel(f32x4.eq(ax, splat(Infinity)), sel(f32x4.gt(x, ZERO), ONE, splat(-1)), r);
  }
  // (1/q)^2 rather than 1/q^2: q^2 overflows for |x| > 1.8e19 while the result is still > 0.
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const r = f32x4.div(ONE, f32x4.add(ONE, vabs(x)));
    return f32x4.mul(r, r);
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return Infinity; } // finite x: no Inf / Inf, no keepNaN
  @inline keepsNaN(): bool { return false; }
}

@final @unmanaged class HardSwish {
  // x * relu6(x + 3) / 6
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    // x * (c / 6), not (x * c) / 6, which overflows above 5.7e37.
    const c = f32x4.pmin(splat(6), f32x4.pmax(ZERO, f32x4.add(x, splat(3))));
    return f32x4.mul(x, f32x4.div(c, splat(6)));
  }
  // 0 below -3, (2x + 3)/6 on [-3, 3], 1 above (PyTorch's one-sided values at the kinks)
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const mid = f32x4.div(f32x4.add(f32x4.add(x, x), splat(3)), splat(6));
    return sel(f32x4.lt(x, splat(-3)), ZERO, sel(f32x4.le(x, splat(3)), mid, ONE));
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

// ---- float64 activations -------------------------------------------------------------

const INV_SQRT2: f64 = 0.70710678118654752440;
const INV_SQRT_2PI: f64 = 0.39894228040143267794;
const SQRT_2_OVER_PI: f64 = 0.79788456080286535588;
const GELU_K: f64 = 0.044715;

/** Phi(x), the standard normal CDF, on float64 lanes: 1 - h or h with h = erfc(|x|/sqrt2)/2. */
@inline function normalCdf2d(x: v128, fast: bool): v128 {
  const h = f64x2.mul(erfc2d(f64x2.mul(f64x2.abs(x), f64x2.splat(INV_SQRT2)), fast), f64x2.splat(0.5));
  return sel(f64x2.ge(x, f64x2.splat(0)), f64x2.sub(f64x2.splat(1), h), h);
}

@inline function clamp2d(x: v128, lo: f64, hi: f64): v128 {
  return f64x2.max(f64x2.min(x, f64x2.splat(hi)), f64x2.splat(lo));
}

// The float64 forms, for the lanes past the float32 forms' bounds (and NaN). Past |x| = 50
// every exp(-x^2/2) term is 0 in float64, so clamping keeps Inf * 0 out.
@inline function geluHalf(x: v128): v128 {
  return f64x2.mul(f64x2.max(x, f64x2.splat(-50)), normalCdf2d(x, false));
}
@inline function geluGradHalf(x: v128): v128 {
  const xc = clamp2d(x, -50, 50);
  const pdf = f64x2.mul(exp2d(f64x2.mul(f64x2.mul(xc, xc), f64x2.splat(-0.5)), false), f64x2.splat(INV_SQRT_2PI));
  return f64x2.add(normalCdf2d(x, false), f64x2.mul(xc, pdf));
}

// GELU's forward on float32 lanes for |x| < GELU_F32, through Q(|x|) = 1 - Phi(|x|) =
// exp(-x^2/2) G(|x|), Phi = Q or 1 - Q, with G(y) = P4(y) / Q5(y): a rational fit of
// erfc(y / sqrt 2) exp(y^2 / 2) / 2 on [0, 12] (iterated weighted least squares on 9000
// points against float64 erfc; 7e-9 relative in float64). Its coefficients are all
// positive, so Horner's rule in float32 stays within 3.7e-7 relative (checked on 1e5
// float32 points). W. J. Cody's 8/8 form (R's pnorm) was as accurate in float32 and cost
// twice the instructions. x^2 is split exactly (Dekker) so exp's argument carries no
// rounding error: at x = -12 an error of ulp(72) there would be 4e-6 relative. Past
// GELU_F32 the result nears the subnormal range and the float64 path takes over, lane by lane.
const GELU_F32: f32 = 12;

/** e^(-x^2/2) for |x| = ax < GELU_F32, its argument exact; fast: every |x| < GELU_F32. */
@inline function gaussExp4(ax: v128, x2: v128, fast: bool): v128 {
  // x^2 = hi + lo exactly: Veltkamp's split of |x| into 12-bit halves, Dekker's product.
  const c = f32x4.mul(ax, splat(4097));
  const ah = f32x4.sub(c, f32x4.sub(c, ax));
  const al = f32x4.sub(ax, ah);
  // (ah^2 - x^2 is exact; al (ah + |x|) = 2 ah al + al^2 up to a rounding far below lo's ulp.)
  const lo = f32x4.add(f32x4.sub(f32x4.mul(ah, ah), x2), f32x4.mul(al, f32x4.add(ah, ax)));
  return exp4lo(f32x4.mul(x2, splat(-0.5)), f32x4.mul(lo, splat(-0.5)), fast);
}

/** Q(|x|) = 1 - Phi(|x|) on float32 lanes for |x| < GELU_F32; fast: every |x| < GELU_F32 (exp without its clamp). */
@inline function normalTail4(x: v128, fast: bool): v128 {
  const ax = vabs(x);
  let num = f32x4.add(f32x4.mul(splat(0.3989489202020735), ax), splat(3.9739746559267566));
  num = f32x4.add(f32x4.mul(num, ax), splat(18.051127840887453));
  num = f32x4.add(f32x4.mul(num, ax), splat(43.44785226393444));
  num = f32x4.add(f32x4.mul(num, ax), splat(49.990399961549926));
  let den = f32x4.add(ax, splat(9.962095754974804));
  den = f32x4.add(f32x4.mul(den, ax), splat(46.22977324663214));
  den = f32x4.add(f32x4.mul(den, ax), splat(119.09391710507866));
  den = f32x4.add(f32x4.mul(den, ax), splat(166.66888438399891));
  den = f32x4.add(f32x4.mul(den, ax), splat(99.98079921806438));
  const ratio = f32x4.div(num, den);
  return f32x4.mul(gaussExp4(ax, f32x4.mul(x, x), fast), ratio);
}

// GELU's derivative on float32 lanes. With y = |x|, phi(y) = c e^(-y^2/2), c = 1/sqrt(2 pi),
// and Mills' ratio R(y) = Q(y) / phi(y): Phi(x) + x phi(x) = c e^(-y^2/2) H(y) for x < 0 and
// 1 - c e^(-y^2/2) H(y) for x >= 0, where H(y) = R(y) - y. H has one root, y0 = 0.75179...
// (where GELU' crosses 0 at x = -y0), so it is computed as (y0 - y) K(y): y0 as two floats
// (y0_hi - y is exact near the root), and K, smooth and positive, a [4/4] rational fit on
// [0, 12] (differential correction against mpmath, 1.1e-7 relative, all coefficients
// positive). 5.3e-7 largest relative error against float64 in a float32 simulation of
// 6e5 points, 2000 of them at the root. The float64 form (erfc and exp on f64x2 halves)
// took 6 times as long.
const GELU_Y0_HI: f32 = 0.7517915368080139;
const GELU_Y0_LO: f32 = -1.211444988769017e-08;

@inline function geluGrad4(x: v128, fast: bool): v128 {
  const ax = vabs(x);
  let num = f32x4.add(f32x4.mul(splat(0.009955978952348232), ax), splat(0.1400400996208191));
  num = f32x4.add(f32x4.mul(num, ax), splat(0.6999928951263428));
  num = f32x4.add(f32x4.mul(num, ax), splat(1.6341873407363892));
  num = f32x4.add(f32x4.mul(num, ax), splat(1.6671034097671509));
  let den = f32x4.add(f32x4.mul(splat(0.00995507463812828), ax), splat(0.13259020447731018));
  den = f32x4.add(f32x4.mul(den, ax), splat(0.6040960550308228));
  den = f32x4.add(f32x4.mul(den, ax), splat(1.2458701133728027));
  den = f32x4.add(f32x4.mul(den, ax), ONE);
  const h = f32x4.mul(f32x4.add(f32x4.sub(splat(GELU_Y0_HI), ax), splat(GELU_Y0_LO)), f32x4.div(num, den));
  const t = f32x4.mul(f32x4.mul(splat(<f32>INV_SQRT_2PI), gaussExp4(ax, f32x4.mul(x, x), fast)), h);
  return sel(f32x4.ge(x, ZERO), f32x4.sub(ONE, t), t);
}

@final @unmanaged class Gelu {
  // x Phi(x) = x (1 + erf(x / sqrt 2)) / 2
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    // x Phi(x) = max(x, 0) - |x| Q(|x|): x (1 - Q) above 0, x Q below, without a select.
    const y = f32x4.sub(f32x4.pmax(x, ZERO), f32x4.mul(vabs(x), normalTail4(x, fast)));
    if (fast) return y;
    const wide = demoteJoin(geluHalf(f64x2.promote_low_f32x4(x)), geluHalf(promoteHigh(x)));
    return sel(f32x4.lt(vabs(x), splat(GELU_F32)), y, wide);
  }
  // Phi(x) + x phi(x)
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const g = geluGrad4(x, fast);
    if (fast) return g;
    const wide = demoteJoin(geluGradHalf(f64x2.promote_low_f32x4(x)), geluGradHalf(promoteHigh(x)));
    return sel(f32x4.lt(vabs(x), splat(GELU_F32)), g, wide);
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return GELU_F32; } // f and d: float32 lanes
  @inline keepsNaN(): bool { return false; }
}

/** sigmoid(2u) and sigmoid(-2u) for u = sqrt(2/pi) (x + 0.044715 x^3), float64 lanes (the fallback forms). */
@inline function geluTanhS(x: v128, wantComplement: bool): v128 {
  const u = f64x2.mul(f64x2.splat(SQRT_2_OVER_PI), f64x2.add(x, f64x2.mul(f64x2.splat(GELU_K), f64x2.mul(f64x2.mul(x, x), x))));
  const e = exp2d(f64x2.mul(f64x2.abs(u), f64x2.splat(-2)), false);
  const q = f64x2.add(f64x2.splat(1), e);
  const big = f64x2.div(f64x2.splat(1), q), small = f64x2.div(e, q);
  const pos = f64x2.ge(u, f64x2.splat(0));
  return wantComplement ? sel(pos, small, big) : sel(pos, big, small);
}
@inline function geluTanhHalf(x: v128): v128 {
  return f64x2.mul(f64x2.max(x, f64x2.splat(-50)), geluTanhS(x, false));
}
// s + 2 x s (1 - s) u',  u' = sqrt(2/pi) (1 + 3 k x^2)
@inline function geluTanhGradHalf(x: v128): v128 {
  const s = geluTanhS(x, false), sm = geluTanhS(x, true);
  const xc = clamp2d(x, -50, 50);
  const du = f64x2.mul(f64x2.splat(SQRT_2_OVER_PI), f64x2.add(f64x2.splat(1), f64x2.mul(f64x2.splat(3 * GELU_K), f64x2.mul(xc, xc))));
  return f64x2.add(s, f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(xc, f64x2.splat(2)), s), sm), du));
}

/** -2|u| on float64 halves (u = sqrt(2/pi) (x + 0.044715 x^3)), good to 1e-16 relative. */
@inline function geluTanhZ(x: v128): v128 {
  const u2 = f64x2.mul(f64x2.mul(x, f64x2.splat(2 * SQRT_2_OVER_PI)), f64x2.add(f64x2.splat(1), f64x2.mul(f64x2.splat(GELU_K), f64x2.mul(x, x))));
  return f64x2.neg(f64x2.abs(u2));
}

/** e^(-2|u|) on float32 lanes, -2|u| formed on float64 halves and passed to exp4lo as hi + lo. */
@inline function geluTanhExp(x: v128, fast: bool): v128 {
  const zl = geluTanhZ(f64x2.promote_low_f32x4(x)), zh = geluTanhZ(promoteHigh(x));
  const hi = demoteJoin(zl, zh);
  return exp4lo(hi, demoteJoin(f64x2.sub(zl, f64x2.promote_low_f32x4(hi)), f64x2.sub(zh, promoteHigh(hi))), fast);
}

/** Below |x| = GELU_TANH_F32, e^(-2|u|) > 1e-34: exp4lo without its clamp, and a normal result. */
const GELU_TANH_F32: f32 = 9.5;

@final @unmanaged class GeluTanh {
  // x (1 + tanh u) / 2 = x sigmoid(2u), sigmoid(2u) = 1 / (1 + e) above 0 and e / (1 + e)
  // below, e = e^(-2|u|) (u has x's sign). Only -2|u| is formed on float64 lanes: its
  // float32 rounding would cost |u| to 2|u| ulps of e (31 measured at x = -9.5), so it
  // goes to exp4lo as hi + lo. exp, the division and the product run on float32 lanes; past GELU_TANH_F32
  // the float64 form takes over, lane by lane.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    const e = geluTanhExp(x, fast);
    const y = f32x4.div(f32x4.mul(x, sel(f32x4.ge(x, ZERO), ONE, e)), f32x4.add(ONE, e));
    if (fast) return y;
    const wide = demoteJoin(geluTanhHalf(f64x2.promote_low_f32x4(x)), geluTanhHalf(promoteHigh(x)));
    return sel(f32x4.lt(vabs(x), splat(GELU_TANH_F32)), y, wide);
  }
  // s + 2 x s (1 - s) u', s = sigmoid(2u), u' = sqrt(2/pi) (1 + 3 k x^2): e and the
  // sigmoids as in f, the rest on float32 lanes.
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const e = geluTanhExp(x, fast);
    const pos = f32x4.ge(x, ZERO), q = f32x4.add(ONE, e);
    const s = f32x4.div(sel(pos, ONE, e), q), sm = f32x4.div(sel(pos, e, ONE), q);
    const du = f32x4.mul(splat(<f32>SQRT_2_OVER_PI), f32x4.add(ONE, f32x4.mul(splat(<f32>(3 * GELU_K)), f32x4.mul(x, x))));
    const g = f32x4.add(s, f32x4.mul(f32x4.mul(f32x4.mul(f32x4.add(x, x), s), sm), du));
    if (fast) return g;
    const wide = demoteJoin(geluTanhGradHalf(f64x2.promote_low_f32x4(x)), geluTanhGradHalf(promoteHigh(x)));
    return sel(f32x4.lt(vabs(x), splat(GELU_TANH_F32)), g, wide);
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return GELU_TANH_F32; } // f and d: float32 lanes
  @inline keepsNaN(): bool { return false; }
}

// x - tanh x: a series below |x| = 0.1 (x^3/3 - 2x^5/15 + 17x^7/315 - 62x^9/2835, the next
// term is 3e-10 relative there), the float64 difference above (cancellation costs at most
// 300x of 1e-16).
@inline function tanhShrinkHalf(x: v128, fast: bool): v128 {
  const z = f64x2.mul(x, x);
  let p = f64x2.add(f64x2.mul(z, f64x2.splat(-62.0 / 2835.0)), f64x2.splat(17.0 / 315.0));
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(-2.0 / 15.0));
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(1.0 / 3.0));
  const series = f64x2.mul(f64x2.mul(p, z), x);
  return sel(f64x2.lt(f64x2.abs(x), f64x2.splat(0.1)), series, f64x2.sub(x, tanh2d(x, fast)));
}

@final @unmanaged class TanhShrink {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    return demoteJoin(tanhShrinkHalf(f64x2.promote_low_f32x4(x), fast), tanhShrinkHalf(promoteHigh(x), fast));
  }
  // 1 - sech^2 x = tanh^2 x, tanh |x| = -m / (2 + m) with m = expm1(-2|x|): a few ulp, where
  // squaring tanh4 (5.5e-7) could reach 1.1e-6.
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 {
    const m = expm1_4(f32x4.mul(vabs(x), splat(-2)), fast);
    const t = f32x4.div(m, f32x4.add(m, splat(2)));
    return f32x4.mul(t, t);
  }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 43; } // the derivative's tanh: exp(-2|x|)
  @inline keepsNaN(): bool { return false; }
}

// ---- clipping and shrinking --------------------------------------------------------------

@final @unmanaged class HardTanh {
  // clip(x, a, b); a = min, b = max. pmax(x, a) = x < a ? a : x and pmin(v, b) = b < v ? b : v
  // pass a NaN x through.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return f32x4.pmin(f32x4.pmax(x, a), b); }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return ones(v128.and(f32x4.gt(x, a), f32x4.lt(x, b))); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

@final @unmanaged class SoftShrink {
  // x - a above a, x + a below -a, 0 between (a = lambda): x - clip(x, -a, a), the same
  // roundings (x - (-a) = x + a), +0 between, and a NaN x passes through the clip.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 {
    return f32x4.sub(x, f32x4.pmin(f32x4.pmax(x, vneg(a)), a));
  }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return ones(f32x4.gt(vabs(x), a)); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

@final @unmanaged class HardShrink {
  // x where |x| <= a fails (so a NaN x stays), 0 where it holds.
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return v128.andnot(x, f32x4.le(vabs(x), a)); }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return ones(f32x4.gt(vabs(x), a)); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

@final @unmanaged class Exponential {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return exp4(x, fast); }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return exp4(x, fast); }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return EXP_FAST; }
  @inline keepsNaN(): bool { return false; }
}

@final @unmanaged class Linear {
  @inline f(x: v128, a: v128, b: v128, fast: bool): v128 { return x; }
  @inline d(x: v128, a: v128, b: v128, fast: bool): v128 { return ONE; }
  @inline p0(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline p1(x: v128, a: v128, b: v128): v128 { return ZERO; }
  @inline bound(a: v128, b: v128): f32 { return 0; }
  @inline keepsNaN(): bool { return true; }
}

// ---- exported kernels ------------------------------------------------------------------

export function f32_sigmoid(n: i32, x: usize, y: usize): void { forward<Sigmoid>(n, x, y, ZERO, ZERO); }
export function f32_sigmoid_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Sigmoid>(n, x, dy, dx, ZERO, ZERO); }
export function f32_tanh(n: i32, x: usize, y: usize): void { forward<Tanh>(n, x, y, ZERO, ZERO); }
export function f32_tanh_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Tanh>(n, x, dy, dx, ZERO, ZERO); }
export function f32_log_sigmoid(n: i32, x: usize, y: usize): void { forward<LogSigmoid>(n, x, y, ZERO, ZERO); }
export function f32_log_sigmoid_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<LogSigmoid>(n, x, dy, dx, ZERO, ZERO); }
/** clip(a ((x + c_hi) + c_lo), 0, 1); pmax(v, 0) and pmin(w, 1) in this order pass a NaN through. */
@inline function shiftedClip(x: v128, a: v128, ch: v128, cl: v128): v128 {
  return f32x4.pmin(f32x4.pmax(f32x4.mul(f32x4.add(f32x4.add(x, ch), cl), a), ZERO), ONE);
}

/**
 * clip(a x + b, 0, 1) as clip(a ((x + c_hi) + c_lo), 0, 1), c = b / a in two floats: near the
 * ramp's foot, where a x + b cancels, x + c_hi is exact (Sterbenz), so float32 suffices and
 * the float64 lanes of HardSigmoid.f are only the fallback (a c that does not fit a float).
 */
export function f32_hard_sigmoid(n: i32, x: usize, y: usize, slope: f32, offset: f32): void {
  const c = <f64>offset / <f64>slope;
  const hi = <f32>c, lo = <f32>(c - <f64>hi);
  if (!isFinite(hi) || !isFinite(lo)) { forward<HardSigmoid>(n, x, y, splat(slope), splat(offset)); return; }
  const a = splat(slope), ch = splat(hi), cl = splat(lo);
  const end = <usize>n << 2, body = end & ~15, quads = end & ~63;
  let o: usize = 0;
  for (; o < quads; o += 64) {
    const v0 = v128.load(x + o), v1 = v128.load(x + o, 16), v2 = v128.load(x + o, 32), v3 = v128.load(x + o, 48);
    v128.store(y + o, shiftedClip(v0, a, ch, cl));
    v128.store(y + o, shiftedClip(v1, a, ch, cl), 16);
    v128.store(y + o, shiftedClip(v2, a, ch, cl), 32);
    v128.store(y + o, shiftedClip(v3, a, ch, cl), 48);
  }
  for (; o < body; o += 16) v128.store(y + o, shiftedClip(v128.load(x + o), a, ch, cl));
  if (o < end) storeTail(y + o, shiftedClip(v128.load(x + o), a, ch, cl), n & 3);
}
/** dy * (a where 0 < a ((x + c_hi) + c_lo) < 1, else 0): the forward's shifted form and fallback. */
export function f32_hard_sigmoid_grad(n: i32, x: usize, dy: usize, dx: usize, slope: f32, offset: f32): void {
  const c = <f64>offset / <f64>slope;
  const hi = <f32>c, lo = <f32>(c - <f64>hi);
  if (!isFinite(hi) || !isFinite(lo)) { backward<HardSigmoid>(n, x, dy, dx, splat(slope), splat(offset)); return; }
  const a = splat(slope), ch = splat(hi), cl = splat(lo);
  const end = <usize>n << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const xv = v128.load(x + o);
    const v = f32x4.mul(f32x4.add(f32x4.add(xv, ch), cl), a);
    // dy is read before dx is written: dx may equal dy.
    const g = f32x4.mul(v128.load(dy + o), keepNaN(xv, v128.and(v128.and(f32x4.gt(v, ZERO), f32x4.lt(v, ONE)), a)));
    if (o + 16 <= end) v128.store(dx + o, g); else storeTail(dx + o, g, n & 3);
  }
}

export function f32_relu(n: i32, x: usize, y: usize): void { forward<Relu>(n, x, y, ZERO, ZERO); }
export function f32_relu_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Relu>(n, x, dy, dx, ZERO, ZERO); }
export function f32_relu6(n: i32, x: usize, y: usize): void { forward<Relu6>(n, x, y, ZERO, ZERO); }
export function f32_relu6_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Relu6>(n, x, dy, dx, ZERO, ZERO); }
export function f32_leaky_relu(n: i32, x: usize, y: usize, alpha: f32): void { forward<LeakyRelu>(n, x, y, splat(alpha), ZERO); }
export function f32_leaky_relu_grad(n: i32, x: usize, dy: usize, dx: usize, alpha: f32): void { backward<LeakyRelu>(n, x, dy, dx, splat(alpha), ZERO); }
export function f32_elu(n: i32, x: usize, y: usize, alpha: f32): void { forward<Elu>(n, x, y, splat(alpha), ZERO); }
export function f32_elu_grad(n: i32, x: usize, dy: usize, dx: usize, alpha: f32): void { backward<Elu>(n, x, dy, dx, splat(alpha), ZERO); }
export function f32_selu(n: i32, x: usize, y: usize): void { forward<Selu>(n, x, y, ZERO, ZERO); }
export function f32_selu_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Selu>(n, x, dy, dx, ZERO, ZERO); }
export function f32_celu(n: i32, x: usize, y: usize, alpha: f32): void { forward<Celu>(n, x, y, splat(alpha), ZERO); }
export function f32_celu_grad(n: i32, x: usize, dy: usize, dx: usize, alpha: f32): void { backward<Celu>(n, x, dy, dx, splat(alpha), ZERO); }

// beta = 1 (the default and SiLU) takes the unit-beta class: same values, no float64 product split.
export function f32_swish(n: i32, x: usize, y: usize, beta: f32): void {
  if (beta == 1) forward<SwishUnit>(n, x, y, ZERO, ZERO); else forward<Swish>(n, x, y, splat(beta), ZERO);
}
export function f32_swish_grad(n: i32, x: usize, dy: usize, dx: usize, beta: f32): void {
  if (beta == 1) backward<SwishUnit>(n, x, dy, dx, ZERO, ZERO); else backward<Swish>(n, x, dy, dx, splat(beta), ZERO);
}
export function f32_swish_grad_beta(n: i32, x: usize, dy: usize, out: usize, beta: f32): void { store<f32>(out, <f32>paramGrad<Swish>(n, x, dy, splat(beta), ZERO, 0)); }
export function f32_scaled_swish(n: i32, x: usize, y: usize, alpha: f32, beta: f32): void { forward<ScaledSwish>(n, x, y, splat(alpha), splat(beta)); }
export function f32_scaled_swish_grad(n: i32, x: usize, dy: usize, dx: usize, alpha: f32, beta: f32): void { backward<ScaledSwish>(n, x, dy, dx, splat(alpha), splat(beta)); }
export function f32_scaled_swish_grad_alpha(n: i32, x: usize, dy: usize, out: usize, alpha: f32, beta: f32): void { store<f32>(out, <f32>paramGrad<ScaledSwish>(n, x, dy, splat(alpha), splat(beta), 0)); }
export function f32_scaled_swish_grad_beta(n: i32, x: usize, dy: usize, out: usize, alpha: f32, beta: f32): void { store<f32>(out, <f32>paramGrad<ScaledSwish>(n, x, dy, splat(alpha), splat(beta), 1)); }
export function f32_mish(n: i32, x: usize, y: usize): void { forward<Mish>(n, x, y, ZERO, ZERO); }
export function f32_mish_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Mish>(n, x, dy, dx, ZERO, ZERO); }
export function f32_softplus(n: i32, x: usize, y: usize, beta: f32, threshold: f32): void {
  if (beta == 1) forward<SoftplusUnit>(n, x, y, ONE, splat(threshold)); else forward<Softplus>(n, x, y, splat(beta), splat(threshold));
}
export function f32_softplus_grad(n: i32, x: usize, dy: usize, dx: usize, beta: f32, threshold: f32): void {
  if (beta == 1) backward<SoftplusUnit>(n, x, dy, dx, ONE, splat(threshold)); else backward<Softplus>(n, x, dy, dx, splat(beta), splat(threshold));
}
export function f32_softsign(n: i32, x: usize, y: usize): void { forward<Softsign>(n, x, y, ZERO, ZERO); }
export function f32_softsign_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Softsign>(n, x, dy, dx, ZERO, ZERO); }
export function f32_hard_swish(n: i32, x: usize, y: usize): void { forward<HardSwish>(n, x, y, ZERO, ZERO); }
export function f32_hard_swish_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<HardSwish>(n, x, dy, dx, ZERO, ZERO); }
export function f32_gelu(n: i32, x: usize, y: usize): void { forward<Gelu>(n, x, y, ZERO, ZERO); }
export function f32_gelu_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Gelu>(n, x, dy, dx, ZERO, ZERO); }
export function f32_gelu_tanh(n: i32, x: usize, y: usize): void { forward<GeluTanh>(n, x, y, ZERO, ZERO); }
export function f32_gelu_tanh_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<GeluTanh>(n, x, dy, dx, ZERO, ZERO); }
export function f32_tanh_shrink(n: i32, x: usize, y: usize): void { forward<TanhShrink>(n, x, y, ZERO, ZERO); }
export function f32_tanh_shrink_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<TanhShrink>(n, x, dy, dx, ZERO, ZERO); }

export function f32_hard_tanh(n: i32, x: usize, y: usize, lo: f32, hi: f32): void { forward<HardTanh>(n, x, y, splat(lo), splat(hi)); }
export function f32_hard_tanh_grad(n: i32, x: usize, dy: usize, dx: usize, lo: f32, hi: f32): void { backward<HardTanh>(n, x, dy, dx, splat(lo), splat(hi)); }
export function f32_soft_shrink(n: i32, x: usize, y: usize, lambda: f32): void { forward<SoftShrink>(n, x, y, splat(lambda), ZERO); }
export function f32_soft_shrink_grad(n: i32, x: usize, dy: usize, dx: usize, lambda: f32): void { backward<SoftShrink>(n, x, dy, dx, splat(lambda), ZERO); }
export function f32_hard_shrink(n: i32, x: usize, y: usize, lambda: f32): void { forward<HardShrink>(n, x, y, splat(lambda), ZERO); }
export function f32_hard_shrink_grad(n: i32, x: usize, dy: usize, dx: usize, lambda: f32): void { backward<HardShrink>(n, x, dy, dx, splat(lambda), ZERO); }
export function f32_exponential(n: i32, x: usize, y: usize): void { forward<Exponential>(n, x, y, ZERO, ZERO); }
export function f32_exponential_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Exponential>(n, x, dy, dx, ZERO, ZERO); }
export function f32_linear(n: i32, x: usize, y: usize): void { forward<Linear>(n, x, y, ZERO, ZERO); }
export function f32_linear_grad(n: i32, x: usize, dy: usize, dx: usize): void { backward<Linear>(n, x, dy, dx, ZERO, ZERO); }

// ---- PReLU: a learnable slope per channel (the last axis, c channels) ---------------------

/**
 * alpha[0..c) repeated across one vector when c divides 4 (1, 2 or 4 channels): the data is
 * then one flat run of vectors with a fixed slope vector, instead of rows shorter than a
 * vector (c = 1, a shared slope, went element by element: 0.5 Gelem/s).
 */
@inline function slopeVector(c: i32, alpha: usize): v128 {
  const v = v128.load(alpha);
  if (c == 1) return i32x4.shuffle(v, v, 0, 0, 0, 0);
  if (c == 2) return i32x4.shuffle(v, v, 0, 1, 0, 1);
  return v;
}

@inline function preluF(v: v128, s: v128): v128 { return sel(f32x4.gt(v, ZERO), v, f32x4.mul(v, s)); }
@inline function preluD(v: v128, s: v128): v128 { return keepNaN(v, sel(f32x4.gt(v, ZERO), ONE, s)); }

/** y = x where x > 0, alpha[c] * x elsewhere; x is [n / c, c]. */
export function f32_prelu(n: i32, c: i32, x: usize, alpha: usize, y: usize): void {
  if (c == 1 || c == 2 || c == 4) {
    const s = slopeVector(c, alpha);
    const end = <usize>n << 2, body = end & ~15, quads = end & ~63;
    let o: usize = 0;
    for (; o < quads; o += 64) {
      const v0 = v128.load(x + o), v1 = v128.load(x + o, 16), v2 = v128.load(x + o, 32), v3 = v128.load(x + o, 48);
      v128.store(y + o, preluF(v0, s));
      v128.store(y + o, preluF(v1, s), 16);
      v128.store(y + o, preluF(v2, s), 32);
      v128.store(y + o, preluF(v3, s), 48);
    }
    for (; o < body; o += 16) v128.store(y + o, preluF(v128.load(x + o), s));
    if (o < end) storeTail(y + o, preluF(v128.load(x + o), s), n & 3);
    return;
  }
  const row = <usize>c << 2, body = row & ~15, end = <usize>n << 2;
  for (let r: usize = 0; r < end; r += row) {
    let o: usize = 0;
    for (; o < body; o += 16) {
      const v = v128.load(x + r + o);
      v128.store(y + r + o, preluF(v, v128.load(alpha + o)));
    }
    if (o < row) {
      const v = v128.load(x + r + o);
      storeTail(y + r + o, preluF(v, v128.load(alpha + o)), c & 3);
    }
  }
}

/** dx = dy where x > 0, dy * alpha[c] elsewhere (NaN x gives NaN). */
export function f32_prelu_grad(n: i32, c: i32, x: usize, alpha: usize, dy: usize, dx: usize): void {
  if (c == 1 || c == 2 || c == 4) {
    const s = slopeVector(c, alpha);
    const end = <usize>n << 2, body = end & ~15, quads = end & ~63;
    let o: usize = 0;
    for (; o < quads; o += 64) {
      const v0 = v128.load(x + o), v1 = v128.load(x + o, 16), v2 = v128.load(x + o, 32), v3 = v128.load(x + o, 48);
      // dy is read before dx is written: dx may equal dy.
      const g0 = v128.load(dy + o), g1 = v128.load(dy + o, 16), g2 = v128.load(dy + o, 32), g3 = v128.load(dy + o, 48);
      v128.store(dx + o, f32x4.mul(g0, preluD(v0, s)));
      v128.store(dx + o, f32x4.mul(g1, preluD(v1, s)), 16);
      v128.store(dx + o, f32x4.mul(g2, preluD(v2, s)), 32);
      v128.store(dx + o, f32x4.mul(g3, preluD(v3, s)), 48);
    }
    for (; o < body; o += 16) v128.store(dx + o, f32x4.mul(v128.load(dy + o), preluD(v128.load(x + o), s)));
    if (o < end) storeTail(dx + o, f32x4.mul(v128.load(dy + o), preluD(v128.load(x + o), s)), n & 3);
    return;
  }
  const row = <usize>c << 2, body = row & ~15, end = <usize>n << 2;
  for (let r: usize = 0; r < end; r += row) {
    let o: usize = 0;
    for (; o < row; o += 16) {
      const v = v128.load(x + r + o);
      const g = f32x4.mul(v128.load(dy + r + o), preluD(v, v128.load(alpha + o)));
      if (o < body) v128.store(dx + r + o, g); else storeTail(dx + r + o, g, c & 3);
    }
  }
}

/** dalpha[j] = sum over rows of dy * x where x <= 0, float64 accumulation in row order. */
export function f32_prelu_grad_alpha(n: i32, c: i32, x: usize, dy: usize, dalpha: usize): void {
  const row = <usize>c << 2, end = <usize>n << 2;
  for (let o: usize = 0; o < row; o += 16) {
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    for (let r: usize = 0; r < end; r += row) {
      const v = v128.load(x + r + o);
      const g = sel(f32x4.gt(v, ZERO), ZERO, f32x4.mul(v128.load(dy + r + o), v));
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(g));
      acc1 = f64x2.add(acc1, promoteHigh(g));
    }
    const s = demoteJoin(acc0, acc1);
    if (o + 16 <= row) v128.store(dalpha + o, s); else storeTail(dalpha + o, s, c & 3);
  }
}
