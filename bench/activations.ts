// Every registry activation, forward and forward+backward, on 1M and 16M elements, next
// to tfjs-backend-wasm in the same process (interleaved repetitions, medians of CPU time:
// the machine is shared, and both peers run on this one thread). Both sides are timed as a
// user calls them: a tensor op that allocates its output and frees it (actlab's
// `activation(x, name)`, tf.js's op), and for fwd+bwd the library's gradient function
// (`grad` / `tf.grad`) with its tape. The bare kernel into a buffer allocated in advance is
// shown beside them, not in the ratios. Prints Gelem/s, GB/s and the ratio (tf.js time /
// actlab time; > 1 means actlab is faster). Each timed call runs `inner` times so a call
// lasts milliseconds, above the CPU clock's resolution.
import { getActivation as kerasActivation } from '@tensorflow/tfjs-layers/dist/activations';
import { init, ACTIVATIONS, resolveParams, activation, grad, tidy, tensor, softmaxOp, logSoftmaxOp, type Tensor } from '../src/index.js';
import { rt } from '../src/core/wasm.js';
import { withKernelArgs } from '../src/activations/index.js';
import { tf, useBackend } from './tfjs.js';
import { cpuMs, geomean, interleave, machine, table } from './util.js';

type Fn = (x: tf.Tensor) => tf.Tensor;
/** prelu's slope, made once (a new scalar per call would be timed and leak). */
let preluAlpha: tf.Tensor;
/** A tfjs-layers activation (what a tfjs-layers model runs for it). */
const layer = (name: 'swish' | 'mish' | 'gelu' | 'softsign' | 'hardSigmoid'): Fn => (x) => kerasActivation(name).apply(x);

/** tf.js's version of each activation, with the parameters actlab is run with. */
const PEERS: Record<string, [Record<string, number>, Fn]> = {
  relu: [{}, (x) => tf.relu(x)],
  relu6: [{}, (x) => tf.relu6(x)],
  leakyRelu: [{ alpha: 0.2 }, (x) => tf.leakyRelu(x, 0.2)],
  prelu: [{ alpha: 0.25 }, (x) => tf.prelu(x, preluAlpha)],
  elu: [{}, (x) => tf.elu(x)],
  selu: [{}, (x) => tf.selu(x)],
  sigmoid: [{}, (x) => tf.sigmoid(x)],
  tanh: [{}, (x) => tf.tanh(x)],
  softplus: [{}, (x) => tf.softplus(x)],
  logSigmoid: [{}, (x) => tf.logSigmoid(x)],
  exponential: [{}, (x) => tf.exp(x)],
  swish: [{}, layer('swish')],
  mish: [{}, layer('mish')],
  gelu: [{}, layer('gelu')],
  softsign: [{}, layer('softsign')],
  hardSigmoid: [{ slope: 0.2, offset: 0.5 }, layer('hardSigmoid')],
};

await init({ threads: 1 }); // one thread, as the single-threaded peers
await useBackend('wasm');
preluAlpha = tf.scalar(0.25);
const { kernels, heap } = rt();
const sizes = [1 << 20, 1 << 24];
console.log(`actlab activation benchmark, ${new Date().toISOString()}\n${machine()}\n`);
console.log('Both sides timed at the API a user calls (tensor op, gradient function); the bare kernel column is for reference.\n');

for (const n of sizes) {
  const reps = n > 1 << 22 ? 5 : 15;
  const inner = n > 1 << 22 ? 1 : 4;
  const times = (fns: (() => void)[]): number[] =>
    interleave(reps, fns.map((f) => () => { for (let i = 0; i < inner; i++) f(); }), cpuMs).map((t) => t / inner);
  const px = heap.alloc(n * 4), py = heap.alloc(n * 4);
  const xs = heap.f32(px, n);
  // Inputs spread over [-8, 8) by an integer hash (no JS Math in the data).
  for (let i = 0; i < n; i++) xs[i] = ((Math.imul(i, 2654435761) >>> 8) / 16777216) * 16 - 8;
  const xt = tf.tensor1d(heap.f32(px, n)), dyt = tf.onesLike(xt);
  // actlab's input as [n, 1]: one channel, so prelu's slope is one value as tf.js's scalar.
  const xa = tensor(heap.f32(px, n).slice(), [n, 1]), dya = tensor(new Float32Array(n).fill(1), [n, 1]);
  const alphaA = tensor([0.25], [1]);
  const [copyMs] = times([() => kernels.f32_copy(n, px, py)]);
  const copyGBs = (8 * n) / copyMs / 1e6;
  const rows: (string | number)[][] = [];
  const fwdRatios: number[] = [];
  const ratioOf: Record<string, number> = {};
  for (const row of ACTIVATIONS) {
    const peer = PEERS[row.name];
    const params = peer?.[0] ?? {};
    const resolved = resolveParams(row, params);
    withKernelArgs(heap, resolved, n, 1, row.name, (a) => {
      const bare = () => row.forward(kernels, n, px, py, a);
      const tensorParams = row.name === 'prelu' ? { alpha: alphaA } : params;
      const f = (x: Tensor): Tensor => activation(x, row.name, tensorParams);
      const ours = () => f(xa).dispose();
      const oursBoth = () => tidy(() => { grad(f)(xa, dya); });
      if (peer === undefined) {
        const [k, o, ob] = times([bare, ours, oursBoth]);
        rows.push([row.name, (n / k / 1e6).toFixed(2), (n / o / 1e6).toFixed(2), ((8 * n) / o / 1e6).toFixed(1), '-', '-', (n / ob / 1e6).toFixed(2), '-', '-']);
        return;
      }
      const fn = peer[1];
      const theirs = () => tf.dispose(fn(xt));
      const theirsBoth = () => tf.tidy(() => { tf.grad(fn)(xt, dyt); });
      const [k, o, tfF, ob, tfFb] = times([bare, ours, theirs, oursBoth, theirsBoth]);
      fwdRatios.push(tfF / o);
      ratioOf[row.name] = tfF / o;
      rows.push([row.name, (n / k / 1e6).toFixed(2), (n / o / 1e6).toFixed(2), ((8 * n) / o / 1e6).toFixed(1), (n / tfF / 1e6).toFixed(3),
        `**${(tfF / o).toFixed(1)}x**`, (n / ob / 1e6).toFixed(2), (n / tfFb / 1e6).toFixed(3), `**${(tfFb / ob).toFixed(1)}x**`]);
    });
  }
  // Row softmax and log-softmax (tfjs has both; the issue lists them with the activations):
  // 10 columns, the seed's classifier head, count in the geometric mean; 1000 columns are shown
  // beside them. Backward: the gradient kernels from the forward output, as a tape runs them.
  for (const cols of [10, 1000]) {
    const rowsN = Math.floor(n / cols), m = rowsN * cols;
    const x2 = tf.tidy(() => tf.reshape(tf.slice(xt, 0, m), [rowsN, cols])), dy2 = tf.onesLike(x2);
    const xa2 = tensor(heap.f32(px, m).slice(), [rowsN, cols]), dya2 = tensor(new Float32Array(m).fill(1), [rowsN, cols]);
    for (const [name, fwdK, op, peer] of [
      ['softmax', kernels.f32_softmax, softmaxOp, (x: tf.Tensor) => tf.softmax(x)],
      ['logSoftmax', kernels.f32_log_softmax, logSoftmaxOp, (x: tf.Tensor) => tf.logSoftmax(x)],
    ] as const) {
      const bare = () => fwdK(rowsN, cols, px, py, 1);
      const f = (x: Tensor): Tensor => op(x);
      const ours = () => f(xa2).dispose();
      const oursBoth = () => tidy(() => { grad(f)(xa2, dya2); });
      const theirs = () => tf.dispose(peer(x2));
      const theirsBoth = () => tf.tidy(() => { tf.grad(peer)(x2, dy2); });
      const [k, o, tfF, ob, tfFb] = times([bare, ours, theirs, oursBoth, theirsBoth]);
      if (cols === 10) { fwdRatios.push(tfF / o); ratioOf[name] = tfF / o; }
      rows.push([`${name} (${cols} columns)${cols === 10 ? '' : ', not in the mean'}`, (m / k / 1e6).toFixed(2), (m / o / 1e6).toFixed(2), ((8 * m) / o / 1e6).toFixed(1), (m / tfF / 1e6).toFixed(3),
        `**${(tfF / o).toFixed(1)}x**`, (m / ob / 1e6).toFixed(2), (m / tfFb / 1e6).toFixed(3), `**${(tfFb / ob).toFixed(1)}x**`]);
    }
    tf.dispose([x2, dy2]);
    xa2.dispose(); dya2.dispose();
  }
  console.log(`### ${n === 1 << 20 ? '1M' : '16M'} elements (${reps} interleaved repetitions x ${inner} calls, medians of CPU time)\n`);
  console.log(table(['activation', 'actlab bare kernel fwd Gelem/s', 'actlab fwd Gelem/s', 'actlab fwd GB/s', 'tfjs-wasm fwd Gelem/s', 'fwd ratio', 'actlab fwd+bwd Gelem/s', 'tfjs-wasm fwd+bwd Gelem/s', 'fwd+bwd ratio'], rows));
  const reluGBs = (8 * n) / times([() => kernels.f32_relu(n, px, py)])[0] / 1e6;
  console.log(`\ncopy bandwidth (Wasm memory.copy, read+write): ${copyGBs.toFixed(1)} GB/s; relu forward ${reluGBs.toFixed(1)} GB/s = ${(100 * reluGBs / copyGBs).toFixed(0)}% of copy`);
  console.log(`tf.js tensors after the run: ${tf.memory().numTensors} (3 expected: x, dy, prelu's slope)`);
  console.log(`geometric-mean forward ratio over the ${fwdRatios.length} activations tf.js has (softmax and logSoftmax at 10 columns): ${geomean(fwdRatios).toFixed(1)}x; ` +
    `over the ${fwdRatios.length - 2} elementwise ones: ${geomean(fwdRatios.slice(0, -2)).toFixed(1)}x; tanh ${ratioOf.tanh.toFixed(1)}x, selu ${ratioOf.selu.toFixed(1)}x, gelu ${ratioOf.gelu.toFixed(1)}x\n`);
  tf.dispose([xt, dyt]);
  xa.dispose(); dya.dispose(); alphaA.dispose();
  heap.free(py); heap.free(px);
}
