// actlab core entry: no runtime dependencies, no Node-only API.
export { init } from './core/wasm.js';
export { activations, getActivation, resolveParams, ACTIVATIONS } from './activations/index.js';
export type { Activation, ParamSpec, ActivationParams, ApplyOptions, Reference } from './activations/index.js';
export { softmax, logSoftmax, softmaxGrad, logSoftmaxGrad, softmaxCrossEntropy } from './softmax.js';
export { memoryStats } from './core/stats.js';
export { Tensor, tensor, zeros, empty, sizeOf } from './core/tensor.js';
export type { Shape } from './core/tensor.js';
export {
  conv2d, conv2dBackpropInput, conv2dBackpropFilter, conv2dBackpropBias, maxPool, maxPoolWithArgmax, maxPoolBackprop,
  avgPool, avgPoolBackprop, flatten, IndexBuffer, convGeometry, poolGeometry,
} from './ops/conv.js';
export type { Padding, Pair, ActivationSpec, Geometry } from './ops/conv.js';
export { sum, sumSquares, l2Norm, moments, mean, std, min, max, countZeros, argMaxRows } from './ops/reduce.js';
export type { Values } from './ops/reduce.js';
