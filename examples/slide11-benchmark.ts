// Slide 11: training time, inference time per sample, final validation accuracy and
// convergence rate for relu, elu, selu and tanh. Quick by default (2,000 images, 2 epochs);
// --full uses all of MNIST for 10 epochs as the seed does.
// Run: node scripts/run-ts.mjs examples/slide11-benchmark.ts [out.svg] [--full]
import { writeFileSync } from 'node:fs';
import { init, benchmarkActivations, plot } from '../src/index.js';
import { datasets, renderSvg } from '../src/node/index.js';

const full = process.argv.includes('--full');
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));
await init();
const data = await datasets.mnist(full ? {} : { subset: { train: 2000, test: 500 } });
const result = await benchmarkActivations({ data, activations: ['relu', 'elu', 'selu', 'tanh'], epochs: full ? 10 : 2, seed: 42 });
for (const r of result.runs) {
  console.log(`${r.activation.toUpperCase().padEnd(5)} training ${(r.trainingTimeMs / 1000).toFixed(2)} s, ` +
    `inference ${(r.inferenceMsPerSample * 1000).toFixed(1)} µs/sample, final accuracy ${(r.finalValAccuracy * 100).toFixed(2)}%, ` +
    `convergence ${(r.convergenceRate * 100).toFixed(2)}%/epoch`);
}
if (out) writeFileSync(out, await renderSvg(plot.benchmarkSpec(result)));
