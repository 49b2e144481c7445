// Counterexamples the fuzzers found, kept as plain tests so they never come back.
import { beforeAll, expect, test } from 'vitest';
import { init, activations } from '../../src/index.js';
import { close } from '../helpers/accuracy.js';

beforeAll(async () => { await init(); });

const sig = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

test('swish with a tiny negative beta and |x| > 2^64: x * sigmoid(beta x) no longer overflows', () => {
  const beta = Math.fround(-1.401298464324817e-45), x = Math.fround(1.8446744073709552e19);
  const y = activations.apply('swish', new Float32Array([x, -x]), { beta });
  expect(close(y[0], x * sig(beta * x)), `swish(${x}) = ${y[0]}`).toBe(true);
  expect(close(y[1], -x * sig(-beta * x)), `swish(${-x}) = ${y[1]}`).toBe(true);
});

test('scaledSwish with alpha = 0 at x = FLT_MAX is 0, not 0 * Inf = NaN', () => {
  const y = activations.apply('scaledSwish', new Float32Array([3.4028234663852886e38]), { alpha: 0, beta: -1.401298464324817e-45 });
  expect(y[0]).toBe(0);
});

test('the beta gradient of swish at beta = 0 for |x| >= 2^31 is finite (x^2 / 4), not -Inf', () => {
  const x = new Float32Array([-4294967296, 1e15]);
  const dy = new Float32Array([-0.999, 1]);
  const g = activations.paramGradients('swish', x, dy, { beta: 0 });
  const want = Math.fround(-0.999) * x[0] * x[0] / 4 + x[1] * x[1] / 4;
  expect(Math.abs((g.beta as number) - want), `d/dbeta = ${String(g.beta)}, expected ${want}`).toBeLessThanOrEqual(1e-6 * Math.abs(want));
  const s = activations.paramGradients('scaledSwish', new Float32Array([4294967296]), new Float32Array([1]), { alpha: 0, beta: 0 });
  expect(s.beta).toBe(0);
});

test('softplus with a small beta keeps full precision where e^(beta x) is subnormal', () => {
  const beta = 2 ** -10, x = Math.fround(-92573.71875);
  const y = activations.apply('softplus', new Float32Array([x]), { beta, threshold: 2 ** -10 })[0];
  const want = Math.log1p(Math.exp(beta * x)) / beta;
  expect(close(y, want), `softplus(${x}) = ${y}, expected ${want}`).toBe(true);
});

test('celu with alpha > 1 at subnormal x returns x (it was 2x)', () => {
  const x = Math.fround(-7.006492321624085e-45);
  const y = activations.apply('celu', new Float32Array([x, -1.4e-45]), { alpha: 9.5 });
  expect(y[0]).toBe(x);
  expect(y[1]).toBe(Math.fround(-1.4e-45));
});

test('a first operand broadcast over a larger second keeps -0 (tile used to add it to +0)', async () => {
  const { tensor, mul } = await import('../../src/index.js');
  const a = tensor([-0, 1], [2]), b = tensor([1, 1, 1, 1], [2, 2]);
  const y = mul(a, b);
  expect(Object.is(y.dataSync()[0], -0) && Object.is(y.dataSync()[2], -0), `got ${Array.from(y.dataSync()).map((v) => (Object.is(v, -0) ? '-0' : v)).join(', ')}`).toBe(true);
  for (const t of [a, b, y]) t.dispose();
});
