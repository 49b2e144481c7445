// actlab core entry: no runtime dependencies, no Node-only API.
export { init } from './core/wasm.js';
export { activations, getActivation, resolveParams, ACTIVATIONS } from './activations/index.js';
export type { Activation, ParamSpec, ActivationParams, ApplyOptions, Reference } from './activations/index.js';
export { softmax, logSoftmax, softmaxGrad, logSoftmaxGrad, softmaxCrossEntropy } from './softmax.js';
export { memoryStats } from './core/stats.js';
export { Tensor, tensor, zeros, empty, sizeOf } from './core/tensor.js';
export type { Shape } from './core/tensor.js';
export { add, sub, mul, div, affine, neg, square, sum, mean, reshape } from './ops/elementwise.js';
export { valueAndGrads, grads, grad } from './autograd/grad.js';
export { tidy, keep } from './core/scope.js';
export { activation } from './ops/activation.js';
export { softmaxOp, logSoftmaxOp } from './ops/softmax.js';
