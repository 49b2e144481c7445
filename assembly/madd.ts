// The multiply-add that GEMM and conv accumulate with, in one source for two builds.
//
// The default build (and the threads build) computes acc + a*b as a multiply, rounded,
// then an add, rounded: plain SIMD has no fused form, and every engine gives the same bits.
// The relaxed build (asconfig target "relaxed", compiled with --enable relaxed-simd) emits
// f32x4.relaxed_madd instead, which an engine may run fused (one rounding: x64 with FMA3,
// arm64) or unfused, so its bits depend on the engine and the CPU. ASC_FEATURE_RELAXED_SIMD
// is a compile-time constant: the branch not taken is never compiled, and the default
// build's instructions stay those of the plain expression (scripts/build.mjs checks it).
// see: WebAssembly relaxed SIMD proposal, "Relaxed fused multiply-add".

/** acc + a * b: fused or not in the relaxed build, always unfused in the default one. */
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** a * b + c: the probe's chain step, with the operands in the order of its plain form. */
@inline export function mulAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
