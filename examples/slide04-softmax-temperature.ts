// Slide 4: softmax of the seed's scores at three temperatures, with row sums and entropy.
// Run: node scripts/run-ts.mjs examples/slide04-softmax-temperature.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, softmaxTemperature, SEED_SCORES, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

// The first argument that is not an option names the SVG to write (an option is never taken for a path).
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));

await init();
const result = softmaxTemperature(SEED_SCORES, [0.5, 1, 2]);
for (const t of result.results) {
  console.log(`T = ${t.temperature}`);
  t.probabilities.forEach((p, r) => console.log(`  [${p.map((v) => v.toFixed(4)).join(', ')}]  sum ${t.rowSums[r].toFixed(6)}  entropy ${t.entropy[r].toFixed(4)} nats`));
}
if (out) writeFileSync(out, await renderSvg(plot.softmaxSpec(result)));
