// Slide 5: swish (beta 1 and 2) and GELU: smooth, slightly negative for x < 0, ReLU-like for large x.
// 'gelu' is the exact x * Phi(x) (with erf); the slide's formula is the tanh approximation,
// registered as 'geluTanh'. The last line prints how far apart the two are.
// Run: node scripts/run-ts.mjs examples/slide05-swish-gelu.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, curves, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

// The first argument that is not an option names the SVG to write (an option is never taken for a path).
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));

await init();
const result = curves(['swish', { name: 'swish', params: { beta: 2 } }, 'gelu'], { range: [-10, 10], samples: 201 });
for (const c of result.curves) {
  const min = c.f.reduce((a, b) => (b < a ? b : a));
  console.log(`${c.label.padEnd(16)} lowest value ${min.toFixed(4)} at x = ${result.x[c.f.indexOf(min)].toFixed(1)}`);
}
const approx = curves(['geluTanh'], { range: [-10, 10], samples: 201 }).curves[0].f;
const gelu = result.curves[2].f;
const gap = gelu.reduce((m, v, i) => Math.max(m, Math.abs(v - approx[i])), 0);
console.log(`gelu (erf) against the slide's tanh form (geluTanh): largest difference ${gap.toExponential(2)} on this grid`);
if (out) writeFileSync(out, await renderSvg(plot.curvesSpec(result)));
