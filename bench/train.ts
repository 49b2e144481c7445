// `npm run bench -- train`: one training epoch of the seed's MLP (784-128-64-10 relu, Adam,
// batch 32 and 128) and the slide-13 CNN on MNIST, for actlab, tfjs-layers 4.22.0 on
// tfjs-backend-wasm in this process, and PyTorch 1.13 (Debian python3-torch, one thread)
// as a child process when it is installed. Repetitions are interleaved (actlab, tf.js,
// PyTorch, actlab, ...), three each, after a warm-up MLP fit for actlab and tf.js (PyTorch runs
// in a fresh process without one; the CNN is one cold epoch everywhere); medians of wall time
// and of CPU time are printed (CPU time is what a shared machine does not steal).
// tfjs-backend-wasm cannot train a CNN (it registers no Conv2DBackpropFilter), so the CNN's
// tf.js column uses tfjs-backend-cpu on a subset, scaled to a full epoch and marked as such.
import * as tfl from '@tensorflow/tfjs-layers';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { init, tensor, sequential, layers, adam, type Sequential } from '../src/index.js';
import { datasets, mnistDataDir } from '../src/node/index.js';
import { tf, useBackend } from './tfjs.js';
import { machine, median, table } from './util.js';

interface Timing { wall: number; cpu: number }

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const t0 = performance.now(), c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const mlpLayers = () => [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 128, activation: 'relu' }),
  layers.dense({ units: 64, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })];
const cnnLayers = () => [
  layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), layers.maxPooling2d({ poolSize: 2 }),
  layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), layers.maxPooling2d({ poolSize: 2 }),
  layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), layers.flatten(),
  layers.dense({ units: 64, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })];

function tfMlp(): tfl.Sequential {
  return tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28] }), tfl.layers.dense({ units: 128, activation: 'relu' }),
    tfl.layers.dense({ units: 64, activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })] });
}
function tfCnn(): tfl.Sequential {
  return tfl.sequential({ layers: [
    tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), tfl.layers.flatten(),
    tfl.layers.dense({ units: 64, activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })] });
}

const TORCH = '/usr/bin/python3';
function torchAvailable(): boolean {
  if (!existsSync(TORCH)) return false;
  try { execFileSync(TORCH, ['-c', 'import torch'], { stdio: 'ignore' }); return true; } catch { return false; }
}
function torchEpoch(kind: 'mlp' | 'cnn', batch: number): Timing {
  // bench/run.mjs runs every benchmark from the repository root.
  const out = execFileSync(TORCH, [join(process.cwd(), 'bench', 'peers', 'torch_train.py'),
    kind, String(batch), '1', mnistDataDir()], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
  return { wall: r.wall_s, cpu: r.cpu_s };
}

await init({ threads: 1 }); // one thread, as the single-threaded peers
await useBackend('wasm');
const { train } = await datasets.mnist({ subset: { train: 60000, test: 10 } });
const n = train.length;
const hasTorch = torchAvailable();
console.log(`actlab training benchmark, ${new Date().toISOString()}\n${machine()}\nPyTorch: ${hasTorch ? 'yes, 1 thread' : 'not installed (apt-get install python3-torch)'}\n`);

const xMlp = tensor(train.x, [n, 28, 28]);
const tfX = tf.tensor3d(train.x, [n, 28, 28]);
const tfY = tf.tensor1d(Float32Array.from(train.y));
const rows: (string | number)[][] = [];
const fmt = (t: Timing): string => `${t.wall.toFixed(2)} / ${t.cpu.toFixed(2)}`;
const med = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });

// One warm-up fit on 4,096 images per library before anything is timed, so that the timed
// epochs run optimised JavaScript on both sides (V8 compiles hot functions after a while)
// and Wasm memory has grown to its working size.
{
  const wx = tensor(train.x.subarray(0, 4096 * 784), [4096, 28, 28]);
  const m = sequential({ seed: 1, layers: mlpLayers() });
  m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
  await m.fit(wx, train.y.subarray(0, 4096), { epochs: 1, batchSize: 32 });
  m.dispose(); wx.dispose();
  const t = tfMlp();
  t.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const tx = tf.tensor3d(train.x.subarray(0, 4096 * 784), [4096, 28, 28]), ty = tf.tensor1d(Float32Array.from(train.y.subarray(0, 4096)));
  await t.fit(tx, ty, { epochs: 1, batchSize: 32, verbose: 0 });
  t.dispose(); tf.dispose([tx, ty]);
}

for (const batch of [32, 128]) {
  const ours: Timing[] = [], theirs: Timing[] = [], torch: Timing[] = [];
  let model: Sequential | undefined;
  for (let rep = 0; rep < 3; rep++) {
    model = sequential({ seed: 1, layers: mlpLayers() });
    model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    const m = model;
    ours.push(await timed(() => m.fit(xMlp, train.y, { epochs: 1, batchSize: batch })));
    m.dispose();
    const t = tfMlp();
    t.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
    theirs.push(await timed(() => t.fit(tfX, tfY, { epochs: 1, batchSize: batch, verbose: 0 })));
    t.dispose();
    if (hasTorch) torch.push(torchEpoch('mlp', batch));
  }
  const a = med(ours), b = med(theirs), c = hasTorch ? med(torch) : undefined;
  rows.push([`MLP batch ${batch}`, fmt(a), fmt(b), `**${(b.cpu / a.cpu).toFixed(1)}x**`, c ? fmt(c) : '-', c ? `**${(c.cpu / a.cpu).toFixed(1)}x**` : '-']);
  console.log(rows[rows.length - 1].join(' | '));
}
xMlp.dispose(); tf.dispose([tfX, tfY]);

{
  const xCnn = tensor(train.x, [n, 28, 28, 1]);
  const model = sequential({ seed: 1, layers: cnnLayers() });
  model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
  const a = await timed(() => model.fit(xCnn, train.y, { epochs: 1, batchSize: 32 }));
  model.dispose(); xCnn.dispose();
  // tf.js: the cpu backend on 128 images (its filter gradient takes seconds per batch),
  // scaled to a 60,000-image epoch.
  await useBackend('cpu');
  const sub = 128;
  const tx = tf.tensor4d(train.x.subarray(0, sub * 784), [sub, 28, 28, 1]), ty = tf.tensor1d(Float32Array.from(train.y.subarray(0, sub)));
  const t = tfCnn();
  t.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const bRaw = await timed(() => t.fit(tx, ty, { epochs: 1, batchSize: 32, verbose: 0 }));
  const b = { wall: bRaw.wall * (n / sub), cpu: bRaw.cpu * (n / sub) };
  t.dispose(); tf.dispose([tx, ty]);
  const c = hasTorch ? torchEpoch('cnn', 32) : undefined;
  rows.push(['CNN batch 32', fmt(a), `${fmt(b)} (cpu backend, 128 images x${n / sub})`, `**${(b.cpu / a.cpu).toFixed(1)}x**`, c ? fmt(c) : '-', c ? `**${(c.cpu / a.cpu).toFixed(1)}x**` : '-']);
}

console.log(table(['one epoch, 60,000 images', 'actlab s (wall / cpu)', 'tfjs-layers s (wall / cpu)', 'tf.js / actlab (cpu)', 'PyTorch 1 thread s (wall / cpu)', 'PyTorch / actlab (cpu)'], rows));
console.log(`\nload after: ${machine()}`);
