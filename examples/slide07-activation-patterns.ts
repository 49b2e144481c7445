// Slide 7: what a hidden layer outputs for one test image. A dense layer's units have no
// spatial layout, so they are shown on a near-square grid; a conv layer's output would be
// one map per filter. Run: node scripts/run-ts.mjs examples/slide07-activation-patterns.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, sequential, layers, tensor, activationPatterns, plot } from '../src/index.js';
import { datasets, renderSvg } from '../src/node/index.js';

const out = process.argv.slice(2).find((a) => !a.startsWith('--'));
await init();
const { train, test } = await datasets.mnist({ subset: { train: 2000, test: 10 } });
const model = sequential({
  seed: 42,
  layers: [
    layers.flatten({ inputShape: [28, 28] }),
    layers.dense({ units: 128, activation: 'relu' }),
    layers.dense({ units: 64, activation: 'relu' }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const x = tensor(train.x, [train.length, 28, 28]);
await model.fit(x, train.y, { epochs: 1, batchSize: 32 });
x.dispose();

// The seed's call: visualize_activations(model, 'dense_1', x_test[0]).
const result = activationPatterns(model, 'dense_1', test.x.subarray(0, 784), { sample: 0, label: test.y[0] });
if (result.pattern.kind === 'dense') {
  console.log(`${result.layer}: ${result.pattern.units} units on a ${result.pattern.rows} x ${result.pattern.cols} grid`);
}
console.log(`test image 0 (label ${result.label}): ${(result.sparsity * 100).toFixed(1)}% of the units are exactly zero`);
if (out) writeFileSync(out, await renderSvg(plot.activationPatternsSpec(result)));
model.dispose();
