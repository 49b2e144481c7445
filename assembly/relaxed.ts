// The relaxed-SIMD overlay: the kernels whose inner loops multiply-add, compiled a second
// time with --enable relaxed-simd (asconfig.relaxed.json), so madd.ts emits
// f32x4.relaxed_madd. It imports the default module's memory and replaces these exports
// only; everything else (packing, activations, pooling, optimizers) stays the default
// build's. Loaded by init({ relaxedSimd: true }) where the engine validates it.
export { f32_gemm, f32_gemm_packed, f32_gemm_few_rows, f32_gemm_peak_probe } from './gemm';
export {
  f32_conv2d, f32_conv2d_grad_input, f32_conv2d_grad_filter, f32_conv2d_grad_filter_channels, f32_conv2d_grad_filter_units,
} from './conv';
