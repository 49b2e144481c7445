// Slide 13: the slide's CNN with relu, elu, selu and swish, and ReduceLROnPlateau on
// val_loss. Quick by default (1,000 MNIST images, one epoch, relu and swish); --full runs
// all four on all of MNIST for 10 epochs.
// Run: node scripts/run-ts.mjs examples/slide13-cnn.ts [out.svg] [--full]
import { writeFileSync } from 'node:fs';
import { init, compareCnn, plot } from '../src/index.js';
import { datasets, renderSvg } from '../src/node/index.js';

const full = process.argv.includes('--full');
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));
await init();
const data = await datasets.mnist(full ? {} : { subset: { train: 1000, test: 300 } });
const result = await compareCnn({
  data, activations: full ? ['relu', 'elu', 'selu', 'swish'] : ['relu', 'swish'], epochs: full ? 10 : 1,
  reduceLrOnPlateau: { factor: 0.2, patience: 3 }, seed: 42,
});
for (const r of result.runs) {
  console.log(`${r.activation.padEnd(6)} test accuracy ${(r.testAccuracy * 100).toFixed(2)}%, final loss ${r.testLoss.toFixed(4)}, ` +
    `learning rate ${r.history.lr?.at(-1)}`);
}
if (out) writeFileSync(out, await renderSvg(plot.compareCnnSpec(result)));
