// Slide 10: how the gradient shrinks (or grows) on its way back through a deep, untrained
// MLP. One standard-normal batch from the seeded generator, loss = mean of the sigmoid
// output, and the L2 norm of the gradient with respect to each Dense kernel, through the
// tape; Keras' default glorotUniform initialisation, so saturating activations show the
// vanishing gradient the slide is about.
import { Rng } from '../core/random.js';
import { tidy } from '../core/scope.js';
import type { Tensor } from '../core/tensor.js';
import { Sequential } from '../nn/sequential.js';
import { Dense, layers } from '../nn/layers.js';
import type { Layer } from '../nn/layer.js';
import { valueAndGrads } from '../autograd/grad.js';
import { mean } from '../ops/elementwise.js';
import { l2Norm } from '../ops/reduce.js';
import { checkAnalyzerOptions, resolveRequests, type ResolvedRequest } from './common.js';
import { Progress, checkSeed, denseBlock, intOption } from './training.js';
import type { LayerGradient, VanishingGradientsOptions, VanishingGradientsResult, VanishingRun } from './types.js';

/** Dense(width) linear on the input, `depth` x Dense(width, activation), Dense(1, sigmoid): the seed's network. */
function deepModel(r: ResolvedRequest, inputDim: number, depth: number, width: number, seed: number): Sequential {
  const stack: Layer[] = [layers.dense({ units: width, inputShape: [inputDim] })];
  for (let i = 0; i < depth; i++) stack.push(...denseBlock(width, r));
  stack.push(layers.dense({ units: 1, activation: 'sigmoid' }));
  return new Sequential({ seed, layers: stack });
}

function gradientNorms(model: Sequential, x: Tensor): LayerGradient[] {
  const dense = model.layers.filter((l): l is Dense => l instanceof Dense);
  const kernels = dense.map((l) => l.weights[0].tensor);
  return tidy(() => {
    const { grads } = valueAndGrads(() => {
      let h = x;
      for (const l of model.layers) h = l.apply(h, { training: false });
      return mean(h);
    }, kernels);
    return dense.map((l, index) => ({ index, name: l.name, gradNorm: l2Norm(grads[index]) }));
  });
}

/**
 * Per-layer gradient norms of mean(output) for a DEPTH x WIDTH MLP per activation (relu,
 * tanh, sigmoid by default; any registry activation), and max/min over the layers.
 * Example: `vanishingGradients({ activations: ['relu', 'sigmoid'], seed: 42 })`.
 */
export async function vanishingGradients(options: VanishingGradientsOptions): Promise<VanishingGradientsResult> {
  const fn = 'vanishingGradients';
  checkAnalyzerOptions(fn, options, ['activations', 'depth', 'width', 'batch', 'inputDim', 'seed', 'onProgress']);
  const requests = resolveRequests(fn, options.activations ?? ['relu', 'tanh', 'sigmoid']);
  const depth = intOption(fn, 'depth', options.depth ?? 20);
  const width = intOption(fn, 'width', options.width ?? 64);
  const batch = intOption(fn, 'batch', options.batch ?? 32);
  const inputDim = intOption(fn, 'inputDim', options.inputDim ?? 100);
  const seed = checkSeed(fn, options.seed);
  const progress = new Progress(requests.length, options.onProgress);
  // A forked stream: the models draw their weights from Rng(seed) itself.
  const x = new Rng(seed).fork().normal([batch, inputDim]);
  try {
    const runs: VanishingRun[] = requests.map((r) => {
      const model = deepModel(r, inputDim, depth, width, seed);
      try {
        const layersOut = gradientNorms(model, x);
        const norms = layersOut.map((l) => l.gradNorm);
        progress.step(`${r.label}: ${depth} layers`);
        return { activation: r.label, name: r.row.name, layers: layersOut, maxMinRatio: spread(norms) };
      } finally {
        model.dispose();
      }
    });
    return { settings: { depth, width, batch, inputDim, seed }, runs };
  } finally {
    x.dispose();
  }
}

/** max / min of the norms: Infinity when some norm is 0 and another is not, NaN when every one is 0. */
function spread(norms: readonly number[]): number {
  const max = Math.max(...norms), min = Math.min(...norms);
  return max === 0 ? NaN : max / min;
}
