// Slides 1-5 in numbers: every activation and its derivative at a few points, computed by
// the Wasm kernels, plus softmax at three temperatures. Run: npm run lab
import { init, activations, softmax } from '../src/index.js';

await init();
const xs = new Float32Array([-4, -2, -1, -0.5, 0, 0.5, 1, 2, 4]);
const cell = (v: number): string => (Math.abs(v) < 1e-4 && v !== 0 ? v.toExponential(1) : v.toFixed(4)).padStart(9);
console.log(`actlab: ${activations.list().length} activations, f(x) and f'(x) from the Wasm kernels\n`);
console.log(`${'x'.padEnd(14)}${Array.from(xs, cell).join('')}`);
for (const row of activations.list()) {
  const y = activations.apply(row.name, xs), d = activations.derivative(row.name, xs);
  console.log(`${row.name.padEnd(14)}${Array.from(y, cell).join('')}`);
  console.log(`${`  d/dx`.padEnd(14)}${Array.from(d, cell).join('')}`);
}
const scores = new Float32Array([1, 2, 3, 4, 1]);
console.log('\nsoftmax of [1, 2, 3, 4, 1] (slide 4):');
for (const t of [0.5, 1, 2]) console.log(`  T = ${t}: ${Array.from(softmax(scores, 5, t), (v) => v.toFixed(4)).join('  ')}`);
