// Fused optimizer updates: one pass over a variable reads its gradient and state and
// writes the new weights and state in place. Formulas follow Keras 3 (keras/src/optimizers,
// the same update rules as tf.keras), so a Keras user's hyperparameters mean the same here.
//
// Kernel ABI: sizes first, then the gradient (read only), then the arrays updated in place
// (weights, then state), then scalars, then `flag`: when it is not 0, the kernel stores the
// i32 1 there if some new weight is NaN or +-Infinity (and leaves it alone otherwise), so
// training learns that its weights stayed finite without a second pass over them. Several
// threads may set the same flag: they only ever store 1. Every array has n float32 values in caller memory;
// past the end the allocator's padding is readable, so the last partial vector runs in
// SIMD and stores only its valid lanes: an element's bits never depend on its position.
//
// Hyperparameters arrive as f64 and every derived constant (1 - beta, the bias-corrected
// step size, lr * weight decay) is computed here in f64 and rounded to float32 once, so
// a value that reaches the weights never goes through JavaScript's Math. Wasm has no fused
// multiply-add in this build: every operation rounds, in the same order on every engine.

import { splat, sel, storeTail } from './math';

/**
 * Stores v at p: a whole vector, or (last partial vector) only lanes [0, rem). Kernels run
 * the body with full = true and the tail once with full = false, so the body has no branch.
 */
@inline function put(p: usize, v: v128, full: bool, rem: i32): void {
  if (full) v128.store(p, v); else storeTail(p, v, rem);
}

@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

/** chk + (w - w): w - w is +0 for a finite lane and NaN otherwise; lanes past rem (tail) count as finite. */
@inline function track(chk: v128, w: v128, full: bool, rem: i32): v128 {
  const d = f32x4.sub(w, w);
  return f32x4.add(chk, full ? d : v128.and(d, laneMask(rem)));
}

/** Stores 1 at flag (when given) if chk holds a NaN lane. */
@inline function report(flag: usize, chk: v128): void {
  if (flag != 0 && v128.any_true(f32x4.ne(chk, chk))) store<i32>(flag, 1);
}

/** b^t for t >= 0 by binary powering in f64 (at most 2 log2(t) roundings, about 1e-15 relative). */
@inline function powi(b: f64, t: i32): f64 {
  let r = 1.0, x = b, k = t;
  while (k > 0) {
    if (k & 1) r *= x;
    x *= x;
    k >>= 1;
  }
  return r;
}

// ---- SGD -----------------------------------------------------------------------------

/** Plain SGD: w -= g * lr. */
export function f32_sgd_update(n: i32, g: usize, w: usize, lr: f64, flag: usize): void {
  const end = <usize>n << 2, body = end & ~15, rem = n & 3;
  const a = splat(<f32>lr);
  let o: usize = 0, chk = splat(0);
  for (; o < body; o += 16) {
    const nw = f32x4.sub(v128.load(w + o), f32x4.mul(v128.load(g + o), a));
    v128.store(w + o, nw);
    chk = track(chk, nw, true, rem);
  }
  if (o < end) {
    const nw = f32x4.sub(v128.load(w + o), f32x4.mul(v128.load(g + o), a));
    storeTail(w + o, nw, rem);
    chk = track(chk, nw, false, rem);
  }
  report(flag, chk);
}

/**
 * SGD with momentum (Keras): v = v * momentum - g * lr, then w += v, or with Nesterov
 * (nesterov != 0) w += v * momentum - g * lr. v is the velocity, zero before the first step.
 */
export function f32_sgd_momentum_update(n: i32, g: usize, w: usize, v: usize, lr: f64, momentum: f64, nesterov: i32, flag: usize): void {
  if (nesterov) momentumLoop(n, g, w, v, lr, momentum, true, flag);
  else momentumLoop(n, g, w, v, lr, momentum, false, flag);
}

@inline function momentumLoop(n: i32, g: usize, w: usize, v: usize, lr: f64, momentum: f64, nesterov: bool, flag: usize): void {
  const end = <usize>n << 2, body = end & ~15, rem = n & 3;
  const a = splat(<f32>lr), mu = splat(<f32>momentum);
  let o: usize = 0, chk = splat(0);
  for (; o < body; o += 16) chk = track(chk, momentumVec(g + o, w + o, v + o, a, mu, nesterov, true, rem), true, rem);
  if (o < end) chk = track(chk, momentumVec(g + o, w + o, v + o, a, mu, nesterov, false, rem), false, rem);
  report(flag, chk);
}

/** One vector of the update; returns the new weights. */
@inline function momentumVec(g: usize, w: usize, v: usize, a: v128, mu: v128, nesterov: bool, full: bool, rem: i32): v128 {
  const step = f32x4.mul(v128.load(g), a);
  const vn = f32x4.sub(f32x4.mul(v128.load(v), mu), step);
  put(v, vn, full, rem);
  const dw = nesterov ? f32x4.sub(f32x4.mul(vn, mu), step) : vn;
  const nw = f32x4.add(v128.load(w), dw);
  put(w, nw, full, rem);
  return nw;
}

// ---- Adam / AdamW ----------------------------------------------------------------------

/**
 * Adam (Keras 3 / tf.keras form), step t >= 1 (the first update is t = 1):
 *   alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)   (betas rounded to float32, then f64)
 *   m += (g - m) * (1 - beta1);  v += (g^2 - v) * (1 - beta2)
 *   w -= m * alpha / (sqrt(v) + epsilon)
 * epsilon is Kingma and Ba's "epsilon hat": it is added to sqrt(v) before bias correction
 * (tfjs-core adds it after: see src/nn/optimizers.ts). With weightDecay > 0 this is AdamW
 * (Loshchilov and Hutter, decoupled decay, as Keras 3 applies it before the Adam step):
 *   w -= w * (lr * weightDecay)
 * weightDecay = 0 skips the decay, so an infinite weight is not turned into NaN by w * 0.
 * see: Kingma and Ba, arXiv:1412.6980, section 2 (the form just before section 2.1).
 */
export function f32_adam_update(n: i32, g: usize, w: usize, m: usize, v: usize,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, t: i32, flag: usize): void {
  // Keras raises the float32 betas to the power t (as tfjs' running products do): with
  // beta2 = 0.999, f32 rounding moves 1 - beta2 by 1.3e-5 relative, more than float32 noise.
  const alpha = <f32>(lr * Math.sqrt(1.0 - powi(<f64><f32>beta2, t)) / (1.0 - powi(<f64><f32>beta1, t)));
  if (weightDecay != 0) adamLoop(n, g, w, m, v, alpha, beta1, beta2, epsilon, <f32>(lr * weightDecay), true, flag);
  else adamLoop(n, g, w, m, v, alpha, beta1, beta2, epsilon, 0, false, flag);
}

@inline function adamLoop(n: i32, g: usize, w: usize, m: usize, v: usize,
  alpha: f32, beta1: f64, beta2: f64, epsilon: f64, decay: f32, decoupled: bool, flag: usize): void {
  const end = <usize>n << 2, body = end & ~15, rem = n & 3;
  const c1 = splat(<f32>(1.0 - beta1)), c2 = splat(<f32>(1.0 - beta2));
  const al = splat(alpha), eps = splat(<f32>epsilon), d = splat(decay);
  let o: usize = 0, chk = splat(0);
  for (; o < body; o += 16) chk = track(chk, adamVec(g + o, w + o, m + o, v + o, c1, c2, al, eps, d, decoupled, true, rem), true, rem);
  if (o < end) chk = track(chk, adamVec(g + o, w + o, m + o, v + o, c1, c2, al, eps, d, decoupled, false, rem), false, rem);
  report(flag, chk);
}

/** One vector of the update; returns the new weights. */
@inline function adamVec(g: usize, w: usize, m: usize, v: usize, c1: v128, c2: v128, al: v128, eps: v128, d: v128,
  decoupled: bool, full: bool, rem: i32): v128 {
  const gv = v128.load(g);
  let mv = v128.load(m), vv = v128.load(v);
  mv = f32x4.add(mv, f32x4.mul(f32x4.sub(gv, mv), c1));
  vv = f32x4.add(vv, f32x4.mul(f32x4.sub(f32x4.mul(gv, gv), vv), c2));
  put(m, mv, full, rem);
  put(v, vv, full, rem);
  let wv = v128.load(w);
  if (decoupled) wv = f32x4.sub(wv, f32x4.mul(wv, d));
  const step = f32x4.div(f32x4.mul(mv, al), f32x4.add(f32x4.sqrt(vv), eps));
  const nw = f32x4.sub(wv, step);
  put(w, nw, full, rem);
  return nw;
}

// ---- RMSprop -----------------------------------------------------------------------------

/**
 * RMSprop (Keras 3): ms = rho * ms + (1 - rho) * g^2; centered (mg != 0):
 * mg = rho * mg + (1 - rho) * g and denom = ms - mg^2 + epsilon, else denom = ms + epsilon;
 * inc = lr * g / sqrt(denom); with momentum (mom != 0): mom = momentum * mom + inc,
 * w -= mom, else w -= inc. mg and mom are optional state arrays (0 = not used).
 * see: Hinton, Neural Networks for Machine Learning, lecture 6e; Graves, arXiv:1308.0850
 * eq. 38-41 for the centered form.
 */
export function f32_rmsprop_update(n: i32, g: usize, w: usize, ms: usize, mg: usize, mom: usize,
  lr: f64, rho: f64, momentum: f64, epsilon: f64, flag: usize): void {
  if (mg != 0) {
    if (mom != 0) rmspropLoop(n, g, w, ms, mg, mom, lr, rho, momentum, epsilon, true, true, flag);
    else rmspropLoop(n, g, w, ms, mg, mom, lr, rho, momentum, epsilon, true, false, flag);
  } else {
    if (mom != 0) rmspropLoop(n, g, w, ms, mg, mom, lr, rho, momentum, epsilon, false, true, flag);
    else rmspropLoop(n, g, w, ms, mg, mom, lr, rho, momentum, epsilon, false, false, flag);
  }
}

@inline function rmspropLoop(n: i32, g: usize, w: usize, ms: usize, mg: usize, mom: usize,
  lr: f64, rho: f64, momentum: f64, epsilon: f64, centered: bool, useMomentum: bool, flag: usize): void {
  const end = <usize>n << 2, body = end & ~15, rem = n & 3;
  const r = splat(<f32>rho), c = splat(<f32>(1.0 - rho));
  const a = splat(<f32>lr), mu = splat(<f32>momentum), eps = splat(<f32>epsilon);
  let o: usize = 0, chk = splat(0);
  for (; o < body; o += 16) chk = track(chk, rmspropVec(g, w, ms, mg, mom, o, r, c, a, mu, eps, centered, useMomentum, true, rem), true, rem);
  if (o < end) chk = track(chk, rmspropVec(g, w, ms, mg, mom, o, r, c, a, mu, eps, centered, useMomentum, false, rem), false, rem);
  report(flag, chk);
}

/** One vector of the update; returns the new weights. */
@inline function rmspropVec(g: usize, w: usize, ms: usize, mg: usize, mom: usize, o: usize,
  r: v128, c: v128, a: v128, mu: v128, eps: v128, centered: bool, useMomentum: bool, full: bool, rem: i32): v128 {
  const gv = v128.load(g + o);
  const sv = f32x4.add(f32x4.mul(r, v128.load(ms + o)), f32x4.mul(c, f32x4.mul(gv, gv)));
  put(ms + o, sv, full, rem);
  let denom: v128;
  if (centered) {
    const av = f32x4.add(f32x4.mul(r, v128.load(mg + o)), f32x4.mul(c, gv));
    put(mg + o, av, full, rem);
    denom = f32x4.add(f32x4.sub(sv, f32x4.mul(av, av)), eps);
  } else {
    denom = f32x4.add(sv, eps);
  }
  let inc = f32x4.div(f32x4.mul(a, gv), f32x4.sqrt(denom));
  if (useMomentum) {
    inc = f32x4.add(f32x4.mul(mu, v128.load(mom + o)), inc);
    put(mom + o, inc, full, rem);
  }
  const nw = f32x4.sub(v128.load(w + o), inc);
  put(w + o, nw, full, rem);
  return nw;
}

// ---- gradient clipping -----------------------------------------------------------------


/**
 * y = x * clipnorm / max(||x||, clipnorm), where sumSquares = ||x||^2 (of this array, or of
 * all gradients for a global norm). A norm within the limit gives a scale of exactly 1.
 * A non-finite norm gives a NaN scale, as Keras' clip_by_global_norm does, so an exploding
 * step is seen rather than hidden. y may equal x.
 */
export function f32_clip_by_norm(n: i32, x: usize, y: usize, sumSquares: f64, clipnorm: f64): void {
  const norm = Math.sqrt(sumSquares);
  const s = splat(isFinite(norm) ? <f32>(clipnorm / max(norm, clipnorm)) : NaN);
  const end = <usize>n << 2, body = end & ~15;
  let o: usize = 0;
  for (; o < body; o += 16) v128.store(y + o, f32x4.mul(v128.load(x + o), s));
  if (o < end) storeTail(y + o, f32x4.mul(v128.load(x + o), s), n & 3);
}

/** y = min(max(x, -clipvalue), clipvalue); NaN stays NaN. y may equal x. */
export function f32_clip_by_value(n: i32, x: usize, y: usize, clipvalue: f32): void {
  const hi = splat(clipvalue), lo = splat(-clipvalue);
  const end = <usize>n << 2, body = end & ~15;
  let o: usize = 0;
  for (; o < body; o += 16) v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), lo), hi));
  if (o < end) storeTail(y + o, f32x4.min(f32x4.max(v128.load(x + o), lo), hi), n & 3);
}
