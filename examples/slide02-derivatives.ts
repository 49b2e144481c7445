// Slide 2: the derivatives of sigmoid and tanh; both peak at x = 0 and vanish as |x| grows.
// Run: node scripts/run-ts.mjs examples/slide02-derivatives.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, curves, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

// The first argument that is not an option names the SVG to write (an option is never taken for a path).
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));

await init();
const result = curves(['sigmoid', 'tanh'], { range: [-10, 10], samples: 201 });
for (const c of result.curves) {
  const at = (x: number): string => c.df[result.x.indexOf(x)].toExponential(3);
  console.log(`${c.label.padEnd(8)} f'(0) = ${at(0)}  f'(5) = ${at(5)}  f'(10) = ${at(10)}   f' = ${c.derivative}`);
}
if (out) writeFileSync(out, await renderSvg(plot.curvesSpec(result, { show: 'df' })));
