// Cross-check against @tensorflow/tfjs-backend-wasm 4.22.0 in the same process: forward
// values and tf.grad derivatives for every activation tf.js has. The largest differences
// are printed; the bounds are tf.js's own accuracy (its gelu uses a 1.5e-7 erf
// approximation, its softplus switches branches at other points), not ours.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getActivation as kerasActivation } from '@tensorflow/tfjs-layers/dist/activations';
import { init, activations, softmax, logSoftmax, softmaxGrad, logSoftmaxGrad, type ActivationName } from '../src/index.js';
import { tf, useBackend } from './helpers/tfjs.js';
import { uniform } from './helpers/random.js';

beforeAll(async () => {
  await init();
  await useBackend('wasm');
});

type Fn = (x: tf.Tensor) => tf.Tensor;
const layer = (name: 'swish' | 'mish' | 'gelu' | 'softsign'): Fn => (x) => kerasActivation(name).apply(x);

const PEERS: [ActivationName, Record<string, number>, Fn][] = [
  ['relu', {}, (x) => tf.relu(x)],
  ['relu6', {}, (x) => tf.relu6(x)],
  ['leakyRelu', { alpha: 0.2 }, (x) => tf.leakyRelu(x, 0.2)],
  ['prelu', { alpha: 0.25 }, (x) => tf.prelu(x, tf.scalar(0.25))],
  ['elu', {}, (x) => tf.elu(x)],
  ['selu', {}, (x) => tf.selu(x)],
  ['sigmoid', {}, (x) => tf.sigmoid(x)],
  ['tanh', {}, (x) => tf.tanh(x)],
  ['softplus', {}, (x) => tf.softplus(x)],
  ['swish', {}, layer('swish')],
  ['mish', {}, layer('mish')],
  ['gelu', {}, layer('gelu')],
  ['softsign', {}, layer('softsign')],
];

/** Largest absolute difference, and the largest difference relative to max(1, |tf.js value|). */
interface Diff { abs: number; mixed: number }
function maxDiff(a: Float32Array, b: ArrayLike<number>): Diff {
  let abs = 0, mixed = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    abs = Math.max(abs, d);
    mixed = Math.max(mixed, d / Math.max(Math.abs(b[i]), 1));
  }
  return { abs, mixed };
}
const fmt = (d: Diff): string => `${d.abs.toExponential(2)} (relative to max(1,|y|): ${d.mixed.toExponential(2)})`;

const report: string[] = [];

describe('activations vs tfjs-backend-wasm', () => {
  const x = uniform(20000, -12, 12, 99);

  test.each(PEERS)('%s forward and gradient', (name, params, fn) => {
    const xt = tf.tensor1d(x);
    const y = fn(xt).dataSync();
    const g = tf.grad(fn)(xt).dataSync();
    const fwd = maxDiff(activations.apply(name, x, params), y);
    const bwd = maxDiff(activations.derivative(name, x, params), g);
    report.push(`${name.padEnd(10)} forward max |diff| ${fmt(fwd)}, gradient ${fmt(bwd)}`);
    expect(fwd.mixed, `${name} forward`).toBeLessThan(1e-6);
    expect(bwd.mixed, `${name} gradient`).toBeLessThan(1e-6);
    tf.dispose(xt);
  });

  test('softmax and logSoftmax forward and gradient', () => {
    const cols = 10, rows = 200;
    const logits = uniform(rows * cols, -15, 15, 3);
    const dy = uniform(rows * cols, -1, 1, 4);
    const xt = tf.tensor2d(logits, [rows, cols]), dyt = tf.tensor2d(dy, [rows, cols]);
    for (const [name, ours, oursGrad, theirs] of [
      ['softmax', softmax, softmaxGrad, (t: tf.Tensor) => tf.softmax(t)],
      ['logSoftmax', logSoftmax, logSoftmaxGrad, (t: tf.Tensor) => tf.logSoftmax(t)],
    ] as const) {
      const y = ours(logits, cols);
      const fwd = maxDiff(y, theirs(xt).dataSync());
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(theirs(t), dyt)))(xt);
      const bwd = maxDiff(oursGrad(y, dy, cols), dx.dataSync());
      report.push(`${name.padEnd(10)} forward max |diff| ${fmt(fwd)}, gradient ${fmt(bwd)}`);
      expect(fwd.mixed, `${name} forward`).toBeLessThan(1e-6);
      expect(bwd.mixed, `${name} gradient`).toBeLessThan(1e-6);
    }
  });

  // After the comparisons whatever order they ran in (a test that printed the report
  // failed under --sequence.shuffle when it ran before them); each comparison fails itself.
  afterAll(() => {
    console.log(`largest differences to tfjs-backend-wasm 4.22.0 on ${x.length} points in [-12, 12]:\n${report.join('\n')}`);
  });
});
