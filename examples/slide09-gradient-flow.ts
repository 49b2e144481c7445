// Slide 9: gradients through the tape for ReLU, sigmoid, tanh and ELU, and how much of
// them each lets through. Run: node scripts/run-ts.mjs examples/slide09-gradient-flow.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, gradientFlow, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

await init();
const result = gradientFlow(['relu', 'sigmoid', 'tanh', 'elu'], { range: [-5, 5], samples: 1000 });
for (const s of result.series) {
  console.log(`${s.label.padEnd(8)} mean |f'| ${s.meanAbsGrad.toFixed(4)}   std f' ${s.stdGrad.toFixed(4)}`);
}
if (process.argv[2]) writeFileSync(process.argv[2], await renderSvg(plot.gradientFlowSpec(result)));
