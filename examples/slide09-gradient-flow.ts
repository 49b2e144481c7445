// Slide 9: gradients through the tape for ReLU, sigmoid, tanh and ELU, and how much of
// them each lets through. Run: node scripts/run-ts.mjs examples/slide09-gradient-flow.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, gradientFlow, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

// The first argument that is not an option names the SVG to write (an option is never taken for a path).
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));

await init();
const result = gradientFlow(['relu', 'sigmoid', 'tanh', 'elu'], { range: [-5, 5], samples: 1000 });
for (const s of result.series) {
  console.log(`${s.label.padEnd(8)} mean |f'| ${s.meanAbsGrad.toFixed(4)}   std f' ${s.stdGrad.toFixed(4)}`);
}
if (out) writeFileSync(out, await renderSvg(plot.gradientFlowSpec(result)));
