// Slide 10: gradient norms per layer of an untrained 20-layer MLP for relu, tanh and
// sigmoid; sigmoid's shrink by orders of magnitude towards the input.
// Run: node scripts/run-ts.mjs examples/slide10-vanishing.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, vanishingGradients, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

const out = process.argv.slice(2).find((a) => !a.startsWith('--'));
await init();
const result = await vanishingGradients({ activations: ['relu', 'tanh', 'sigmoid'], depth: 20, width: 64, batch: 32, seed: 42 });
for (const r of result.runs) {
  console.log(`${r.activation.toUpperCase().padEnd(8)} max/min gradient ratio ${r.maxMinRatio.toExponential(2)}`);
}
if (out) writeFileSync(out, await renderSvg(plot.vanishingSpec(result)));
