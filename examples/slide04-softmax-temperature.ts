// Slide 4: softmax of the seed's scores at three temperatures, with row sums and entropy.
// Run: node scripts/run-ts.mjs examples/slide04-softmax-temperature.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, softmaxTemperature, SEED_SCORES, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

await init();
const result = softmaxTemperature(SEED_SCORES, [0.5, 1, 2]);
for (const t of result.results) {
  console.log(`T = ${t.temperature}`);
  t.probabilities.forEach((p, r) => console.log(`  [${p.map((v) => v.toFixed(4)).join(', ')}]  sum ${t.rowSums[r].toFixed(6)}  entropy ${t.entropy[r].toFixed(4)} nats`));
}
if (process.argv[2]) writeFileSync(process.argv[2], await renderSvg(plot.softmaxSpec(result)));
