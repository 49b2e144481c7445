// The module's exports: every kernel, plus where the static data ends so the
// TypeScript allocator can start above it. Kernels keep no mutable state.
export { f32_exp1, f32_expm1_1, f32_log1, f32_log1p_unit1, f32_tanh1, f64_exp1, f64_erf1, f64_log1 } from './math';
export * from './activations';
export * from './softmax';
export * from './memory';
export * from './elementwise';
export * from './random';
export * from './optim';
export * from './losses';
export * from './checks';
export * from './conv';
export * from './reduce';
export * from './gemm';
export * from './analysis';

/** First byte past the module's static data; the allocator's heap starts here. */
export function heap_base(): usize { return __heap_base; }
