// Slide 8: a custom activation alpha * x * sigmoid(beta * x) with trainable alpha and beta,
// written from tensor ops: the tape differentiates it, so no backward code is needed.
// Trains briefly on MNIST and prints the learned parameters.
// Run: node scripts/run-ts.mjs examples/slide08-custom-activation.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, sequential, layers, tensor, mul, activation, plot, type Tensor, type CustomActivation } from '../src/index.js';
import { datasets, renderSvg } from '../src/node/index.js';

const out = process.argv.slice(2).find((a) => !a.startsWith('--'));
await init();
const { train, test } = await datasets.mnist({ subset: { train: 3000, test: 1000 } });

const scaledSwish = (): CustomActivation => layers.customActivation({
  className: 'CustomActivation',
  params: { alpha: 0.5, beta: 1.0 },
  fn: (x: Tensor, p) => mul(mul(x, p.alpha), activation(mul(x, p.beta), 'sigmoid')),
});

const model = sequential({
  seed: 42,
  layers: [
    layers.flatten({ inputShape: [28, 28] }),
    layers.dense({ units: 128 }), scaledSwish(),
    layers.dense({ units: 64 }), scaledSwish(),
    layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const x = tensor(train.x, [train.length, 28, 28]);
const xt = tensor(test.x, [test.length, 28, 28]);
const history = await model.fit(x, train.y, { epochs: 2, batchSize: 32, validationData: [xt, test.y] });
console.log(`validation accuracy per epoch: ${history.val_acc.map((a) => `${(a * 100).toFixed(2)}%`).join(', ')}`);
for (const l of model.layers.filter((l) => l.className === 'CustomActivation')) {
  const [alpha, beta] = l.getWeights().map((w) => { const v = w.dataSync()[0]; w.dispose(); return v; });
  console.log(`${l.name}: alpha ${alpha.toFixed(4)} (from 0.5), beta ${beta.toFixed(4)} (from 1)`);
}
if (out) {
  const run = { activation: 'custom (alpha, beta learned)', params: {}, history: { loss: history.loss, acc: history.acc, val_loss: history.val_loss, val_acc: history.val_acc },
    testAccuracy: history.val_acc[1], testLoss: history.val_loss[1], trainingTimeMs: 0 };
  const settings = { hidden: [128, 64], epochs: 2, batchSize: 32, learningRate: 0.001, seed: 42, trainSamples: train.length, testSamples: test.length, learnable: ['custom'] };
  writeFileSync(out, await renderSvg(plot.compareTrainingSpec({ settings, runs: [run] })));
}
x.dispose(); xt.dispose(); model.dispose();
