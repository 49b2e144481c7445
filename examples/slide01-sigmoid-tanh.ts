// Slide 1: sigmoid and tanh over [-10, 10]. Prints a few values; with a path argument,
// also writes the figure as SVG. Run: node scripts/run-ts.mjs examples/slide01-sigmoid-tanh.ts [out.svg]
import { writeFileSync } from 'node:fs';
import { init, curves, plot } from '../src/index.js';
import { renderSvg } from '../src/node/index.js';

// The first argument that is not an option names the SVG to write (an option is never taken for a path).
const out = process.argv.slice(2).find((a) => !a.startsWith('--'));

await init();
const result = curves(['sigmoid', 'tanh'], { range: [-10, 10], samples: 201 });
for (const c of result.curves) {
  const at = (x: number): string => c.f[result.x.indexOf(x)].toFixed(4);
  console.log(`${c.label.padEnd(8)} f(-10) = ${at(-10)}  f(0) = ${at(0)}  f(10) = ${at(10)}   ${c.formula}`);
}
if (out) writeFileSync(out, await renderSvg(plot.curvesSpec(result, { show: 'f' })));
