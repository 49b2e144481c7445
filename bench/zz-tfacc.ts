import * as tfl from '@tensorflow/tfjs-layers';
import { init } from '../src/index.js';
import { datasets } from '../src/node/index.js';
import { tf, useBackend } from './tfjs.js';
await init({ threads: 1 });
await useBackend('wasm');
const { train, test } = await datasets.mnist();
const x = tf.tensor3d(train.x, [60000, 28, 28]), y = tf.tensor1d(Float32Array.from(train.y));
const xt = tf.tensor3d(test.x, [10000, 28, 28]), yt = tf.tensor1d(Float32Array.from(test.y));
for (const seed of [1, 2, 3]) {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: seed * 10 + s });
  const m = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28] }),
    tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(1) }),
    tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(2) }),
    tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) })] });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 });
  const r = m.evaluate(xt, yt) as tf.Scalar[];
  console.log(`tfjs-layers MLP seed ${seed}: test accuracy ${(100 * r[1].dataSync()[0]).toFixed(2)}%`);
}
