// Slide 3: ReLU, leaky ReLU, PReLU (alpha 0.05) and ELU: what each does with negative inputs.
// Run: node scripts/run-ts.mjs examples/slide03-relu-family.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, curves, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

// The first argument that is not an option names the SVG to write (an option is never taken for a path).
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));

await init();
const result = curves(['relu', 'leakyRelu', { name: 'prelu', params: { alpha: 0.05 } }, 'elu'], { range: [-5, 5], samples: 11 });
console.log(`x:${result.x.map((v) => v.toFixed(0).padStart(8)).join('')}`);
for (const c of result.curves) console.log(`${c.label}\n  ${c.f.map((v) => v.toFixed(3).padStart(8)).join('')}`);
if (out) writeFileSync(out, await renderSvg(plot.curvesSpec(result)));
