// Slide 6: the same MNIST classifier (Flatten -> Dense 128 -> Dense 64 -> Dense 10) trained
// with relu, tanh and sigmoid from one seed. Quick by default (3,000 images, one epoch);
// --full trains on all 60,000 for 5 epochs as the seed does.
// Run: node scripts/run-ts.mjs examples/slide06-compare-mnist.ts [out.svg] [--full]
import { writeFileSync } from 'node:fs';
import { init, compareTraining, plot } from '../src/index.js';
import { datasets, renderSvg } from '../src/node/index.js';

const full = process.argv.includes('--full');
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));
await init();
const data = await datasets.mnist(full ? {} : { subset: { train: 3000, test: 1000 } });
const result = await compareTraining({ data, activations: ['relu', 'tanh', 'sigmoid'], epochs: full ? 5 : 1, seed: 42 });
for (const r of result.runs) {
  console.log(`${r.activation.padEnd(8)} test accuracy ${(r.testAccuracy * 100).toFixed(2)}%   training ${(r.trainingTimeMs / 1000).toFixed(1)} s`);
}
if (out) writeFileSync(out, await renderSvg(plot.compareTrainingSpec(result)));
