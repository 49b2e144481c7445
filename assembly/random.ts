// Seeded random numbers: the counter-based generator Philox4x32-10 and the kernels that
// turn its words into uniform, normal and truncated-normal floats and permutations.
//
// Why counter-based: a Philox block is a pure function of (key, counter), so there is no
// state to carry, store or advance. Element j of a stream is always lane j & 3 of block
// j >> 2, whoever asks for it and in whatever slices: a fill can be split across calls or
// threads and still give the same bits. The TypeScript side names a stream by
// (key = seed, stream number) and never reuses one.
// see: J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw, "Parallel random numbers: as
// easy as 1, 2, 3", SC 2011 (Random123); its known-answer vectors are in the tests.
//
// Counter words: c0 = block index, c1 = stream, c2 = attempt (truncated normal's
// resampling round, else 0), c3 = domain, so a uniform and a normal fill of the same
// stream draw unrelated words.
//
// Kernel ABI as elsewhere: sizes first (n, then the stream offset of element 0), output
// pointers, then scalars (key words, stream, distribution parameters). No allocation, no
// mutable globals.

import { splat, sel, storeTail, log4, sinTurns4 } from './math';

export { f32_sin1, f32_cos1, f32_sin_turns1, f32_cos_turns1 } from './math';

const M0: u64 = 0xD2511F53;
const M1: u64 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9; // golden ratio
const W1: u32 = 0xBB67AE85; // sqrt(3) - 1

const DOMAIN_UNIFORM: u32 = 0;
const DOMAIN_NORMAL: u32 = 1;
const DOMAIN_PERMUTATION: u32 = 2;

const TWO_M24: f32 = 5.9604644775390625e-8; // 2^-24

/** One Philox4x32-10 block: the four output words as i32x4 lanes. */
@inline function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): v128 {
  for (let r = 0; r < 10; r++) {
    const p0 = M0 * <u64>c0;
    const p1 = M1 * <u64>c2;
    const n0 = <u32>(p1 >>> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >>> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += W0;
    k1 += W1;
  }
  let v = i32x4.splat(c0);
  v = i32x4.replace_lane(v, 1, c1);
  v = i32x4.replace_lane(v, 2, c2);
  return i32x4.replace_lane(v, 3, c3);
}

/** Words as floats in [0, 1): the top 24 bits times 2^-24, every value exact. */
@inline function unit01(w: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(w, 8)), splat(TWO_M24));
}

/**
 * Four standard normal samples from one block (Box-Muller): lanes 0,1 from words (0, 1)
 * as r*cos, r*sin, lanes 2,3 from words (2, 3). u1 in (0, 1] so log never sees 0; the
 * largest |z| is sqrt(-2 log 2^-24) = 5.77.
 * see: G. E. P. Box, M. E. Muller, "A note on the generation of random normal deviates", 1958.
 */
@inline function normalBlock(blk: u32, stream: u32, attempt: u32, k0: u32, k1: u32): v128 {
  const w = philox(blk, stream, attempt, DOMAIN_NORMAL, k0, k1);
  const a = i32x4.shuffle(w, w, 0, 0, 2, 2);
  const b = i32x4.shuffle(w, w, 1, 1, 3, 3);
  const u1 = f32x4.mul(f32x4.convert_i32x4_u(i32x4.add(i32x4.shr_u(a, 8), i32x4.splat(1))), splat(TWO_M24));
  const r = f32x4.sqrt(f32x4.mul(log4(u1), splat(-2.0)));
  // cos(2 pi u2) is sin shifted one quadrant: lanes 0, 2 take cos, lanes 1, 3 sin.
  return f32x4.mul(r, sinTurns4(unit01(b), i32x4(1, 0, 1, 0)));
}

/** Stores the lanes of block `blk` that fall in elements [offset, offset + n) of the output. */
@inline function storeBlock(out: usize, offset: u64, n: u64, blk: u32, v: v128): void {
  const base = <u64>blk << 2;
  const end = offset + n;
  if (base >= offset && base + 4 <= end) {
    v128.store(out + <usize>((base - offset) << 2), v);
  } else if (base >= offset) {
    storeTail(out + <usize>((base - offset) << 2), v, <i32>(end - base));
  } else {
    // The first block starts before the offset: lanes before it are skipped.
    const p = out - <usize>((offset - base) << 2);
    if (base + 1 >= offset && base + 1 < end) v128.store32_lane(p, v, 1, 4);
    if (base + 2 >= offset && base + 2 < end) v128.store32_lane(p, v, 2, 8);
    if (base + 3 >= offset && base + 3 < end) v128.store32_lane(p, v, 3, 12);
  }
}

/** The float just below h (h finite): the largest value a half-open [lo, h) may hold. */
@inline function below(h: f32): f32 {
  const b = reinterpret<i32>(h);
  if (h == 0) return reinterpret<f32>(0x80000001);
  return reinterpret<f32>(h > 0 ? b - 1 : b + 1);
}

/**
 * Elements [offset, offset + n) of uniform stream `stream` under key (k0, k1), as
 * lo + (hi - lo) * u with u = k * 2^-24 in [0, 1). Where that rounds up to hi the value is
 * the float below hi, so the range stays half-open. Needs offset + n <= 2^32, lo < hi.
 */
export function f32_random_uniform(n: i32, offset: u32, out: usize, k0: u32, k1: u32, stream: u32, lo: f32, hi: f32): void {
  if (n <= 0) return;
  const first = offset >>> 2;
  const last = <u32>((<u64>offset + <u64>n - 1) >>> 2);
  const vlo = splat(lo), vhi = splat(hi), d = splat(hi - lo), top = splat(below(hi));
  for (let blk = first; blk <= last; blk++) {
    const u = unit01(philox(blk, stream, 0, DOMAIN_UNIFORM, k0, k1));
    const v = f32x4.add(vlo, f32x4.mul(d, u));
    storeBlock(out, offset, n, blk, sel(f32x4.lt(v, vhi), v, top));
  }
}

/** Elements [offset, offset + n) of normal stream `stream`: mean + std * z, z standard normal. */
export function f32_random_normal(n: i32, offset: u32, out: usize, k0: u32, k1: u32, stream: u32, mean: f32, std: f32): void {
  if (n <= 0) return;
  const first = offset >>> 2;
  const last = <u32>((<u64>offset + <u64>n - 1) >>> 2);
  const m = splat(mean), s = splat(std);
  for (let blk = first; blk <= last; blk++) {
    storeBlock(out, offset, n, blk, f32x4.add(m, f32x4.mul(s, normalBlock(blk, stream, 0, k0, k1))));
  }
}

/**
 * As f32_random_normal, but a lane with |z| > 2 is drawn again from the next attempt
 * counter until it lands within 2 (Keras/TensorFlow truncated_normal). Each lane
 * resamples from its own counters, so a value never depends on its neighbours, and a lane
 * accepted at attempt 0 equals the plain normal fill of the same stream.
 */
export function f32_random_truncated_normal(n: i32, offset: u32, out: usize, k0: u32, k1: u32, stream: u32, mean: f32, std: f32): void {
  if (n <= 0) return;
  const first = offset >>> 2;
  const last = <u32>((<u64>offset + <u64>n - 1) >>> 2);
  const m = splat(mean), s = splat(std), two = splat(2.0);
  for (let blk = first; blk <= last; blk++) {
    let z = normalBlock(blk, stream, 0, k0, k1);
    let bad = f32x4.gt(f32x4.abs(z), two);
    // P(|z| > 2) = 0.0455 per lane, so a block needs another attempt about 17% of the time.
    for (let attempt: u32 = 1; v128.any_true(bad); attempt++) {
      const z2 = normalBlock(blk, stream, attempt, k0, k1);
      z = sel(bad, z2, z);
      bad = v128.and(bad, f32x4.gt(f32x4.abs(z2), two));
    }
    storeBlock(out, offset, n, blk, f32x4.add(m, f32x4.mul(s, z)));
  }
}

@inline function lane(w: v128, i: u32): u32 {
  return i == 0 ? i32x4.extract_lane(w, 0) : i == 1 ? i32x4.extract_lane(w, 1)
    : i == 2 ? i32x4.extract_lane(w, 2) : i32x4.extract_lane(w, 3);
}

/**
 * A uniformly random permutation of 0..n-1 (i32) by Fisher-Yates, swapping i with
 * j uniform in [0, i] for i = n-1 down to 1. j comes from the stream's words in order by
 * Lemire's multiply-shift, redrawing a word when its low product half falls below
 * 2^32 mod (i + 1), so every j is exactly uniform.
 * see: D. Lemire, "Fast random integer generation in an interval", ACM TOMACS 2019.
 */
export function i32_random_permutation(n: i32, out: usize, k0: u32, k1: u32, stream: u32): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), i);
  let wi: u32 = 0;
  let w = i32x4.splat(0);
  for (let i = n - 1; i > 0; i--) {
    const bound = <u32>(i + 1);
    const t = (<u32>0 - bound) % bound;
    let m: u64;
    do {
      if ((wi & 3) == 0) w = philox(wi >>> 2, stream, 0, DOMAIN_PERMUTATION, k0, k1);
      m = <u64>lane(w, wi & 3) * <u64>bound;
      wi++;
    } while (<u32>m < t);
    const j = <i32>(m >>> 32);
    const pi = out + (<usize>i << 2), pj = out + (<usize>j << 2);
    const tmp = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, tmp);
  }
}

/** Raw Philox4x32-10 words: block b (0 <= b < blocks) uses counter (c0 + b, c1, c2, c3). */
export function u32_philox4x32(blocks: i32, out: usize, k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32): void {
  for (let b = 0; b < blocks; b++) v128.store(out + (<usize>b << 4), philox(c0 + <u32>b, c1, c2, c3, k0, k1));
}

/** Square root in float64 (IEEE, correctly rounded): bounds like sqrt(3 * scale) for initializers. */
export function f64_sqrt1(x: f64): f64 { return Math.sqrt(x); }

// ---- data --------------------------------------------------------------------------------

/** out[i] = i / divisor for i in 0..255: the table that turns bytes into floats (pixels / 255). */
export function f32_byte_table(out: usize, divisor: f32): void {
  for (let i = 0; i < 256; i++) store<f32>(out + (<usize>i << 2), <f32>i / divisor);
}

/**
 * Two interleaved spirals: point i belongs to class i & 1 and is the k-th (k = i >> 1) of
 * that class's m points, at t = (k + 0.5) / m along the arm: radius t, angle `turns` * t
 * full turns; class 1 is class 0 turned by half a turn. noise (2n floats) is added to the
 * coordinates; x (2n floats) may equal noise. y gets the class.
 */
export function f32_two_spirals(n: i32, noise: usize, x: usize, y: usize, turns: f32): void {
  const m0 = <f32>((n + 1) >> 1), m1 = <f32>(n >> 1);
  for (let i = 0; i < n; i++) {
    const c = i & 1;
    const t = (<f32>(i >> 1) + 0.5) / (c == 0 ? m0 : m1);
    const a = f32x4.splat(turns * t);
    const cs = f32x4.extract_lane(sinTurns4(a, i32x4.splat(1)), 0);
    const sn = f32x4.extract_lane(sinTurns4(a, i32x4.splat(0)), 0);
    const sign: f32 = c == 0 ? 1.0 : -1.0;
    const p = x + (<usize>i << 3), q = noise + (<usize>i << 3);
    const nx = load<f32>(q), ny = load<f32>(q, 4);
    store<f32>(p, sign * t * cs + nx);
    store<f32>(p, sign * t * sn + ny, 4);
    store<i32>(y + (<usize>i << 2), c);
  }
}

/**
 * XOR: point i sits at corner (a, b) = (i & 1, (i >> 1) & 1) of the unit square plus
 * noise (2n floats; x may equal noise), with class a ^ b.
 */
export function f32_xor_points(n: i32, noise: usize, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    const a = i & 1, b = (i >> 1) & 1;
    const p = x + (<usize>i << 3), q = noise + (<usize>i << 3);
    const nx = load<f32>(q), ny = load<f32>(q, 4);
    store<f32>(p, <f32>a + nx);
    store<f32>(p, <f32>b + ny, 4);
    store<i32>(y + (<usize>i << 2), a ^ b);
  }
}
