// actlab core entry: no runtime dependencies, no Node-only API.
export { init } from './core/wasm.js';
export { activations, getActivation, resolveParams, ACTIVATIONS } from './activations/index.js';
export type { Activation, ParamSpec, ActivationParams, ApplyOptions, Reference } from './activations/index.js';
export { softmax, logSoftmax, softmaxGrad, logSoftmaxGrad, softmaxCrossEntropy } from './softmax.js';
export { memoryStats } from './core/stats.js';
export { Tensor, tensor, zeros, empty, sizeOf } from './core/tensor.js';
export type { Shape } from './core/tensor.js';
export { matMul, dense } from './ops/matmul.js';
