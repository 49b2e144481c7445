// Slide 12: a DynamicsRecorder callback watches a hidden layer and the gradients while a
// model trains: per epoch, the layer's mean, std and sparsity on a fixed probe batch and
// every weight's gradient norm there. Run: node scripts/run-ts.mjs examples/slide12-dynamics.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, sequential, layers, tensor, DynamicsRecorder, plot } from '../src/index.js';
import { datasets, renderSvg } from '../src/node/index.js';

const out = process.argv.slice(2).find((a) => !a.startsWith('--'));
await init();
const { train, test } = await datasets.mnist({ subset: { train: 2000, test: 100 } });
const model = sequential({
  seed: 42,
  layers: [
    layers.flatten({ inputShape: [28, 28] }),
    layers.dense({ units: 128, activation: 'relu' }),
    layers.dense({ units: 64, activation: 'relu' }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
const x = tensor(train.x, [train.length, 28, 28]);
const probe = { x: tensor(test.x, [test.length, 28, 28]), y: test.y };
const recorder = new DynamicsRecorder({ model, layer: 'dense_1', probe });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(x, train.y, { epochs: 3, batchSize: 32, callbacks: [recorder] });
for (const e of recorder.epochs) {
  console.log(`epoch ${e.epoch}: mean ${e.activationMean.toFixed(4)}, std ${e.activationStd.toFixed(4)}, sparsity ${(e.sparsity * 100).toFixed(1)}%`);
}
const s = recorder.summary();
console.log(`final sparsity ${(s.finalSparsity * 100).toFixed(1)}%, mean gradient norm ${s.meanGradientNorm.toFixed(4)}, activation stability ${s.activationStability.toExponential(2)}`);
if (out) {
  const result = { settings: { hidden: [128, 64], epochs: 3, batchSize: 32, probeSize: test.length, seed: 42 }, runs: [{ activation: 'relu', layer: recorder.layer, epochs: recorder.epochs, summary: s }] };
  writeFileSync(out, await renderSvg(plot.dynamicsSpec(result)));
}
x.dispose(); probe.x.dispose(); model.dispose();
