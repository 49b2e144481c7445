// The playground's training worker (examples/playground/train-worker.ts) without a
// browser, on the real model API: train() builds the MLP with sequential / layers.dense /
// adam, streams one message per batch and per epoch from fit's callbacks, and turns
// predict() into a decision boundary (spirals) or a confusion matrix (the MNIST subset's
// held-out images). The same config must give the same messages, bit for bit.
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/index.js';
import { MNIST_SUBSET, mnistSubset } from './runtimes/mnist-subset.js';
import type { FromWorker, TrainConfig, View } from '../examples/playground/protocol.js';
import { GRID, MNIST_HELD_OUT, SPIRAL_POINTS, train } from '../examples/playground/train-worker.js';

beforeAll(async () => { await init(); });

const SPIRALS: TrainConfig = { dataset: 'spirals', activation: 'relu', hidden: [32, 32], learningRate: 0.01, epochs: 30, batchSize: 32, seed: 42 };

async function run(config: TrainConfig, mnist?: { images: Uint8Array; labels: Uint8Array }): Promise<FromWorker[]> {
  const messages: FromWorker[] = [];
  await train(config, mnist, (m) => messages.push(m));
  return messages;
}

type Batch = Extract<FromWorker, { type: 'batch' }>;
type Epoch = Extract<FromWorker, { type: 'epoch' }>;
const batches = (ms: readonly FromWorker[]): Batch[] => ms.filter((m): m is Batch => m.type === 'batch');
const epochs = (ms: readonly FromWorker[]): Epoch[] => ms.filter((m): m is Epoch => m.type === 'epoch');

function lastView(ms: readonly FromWorker[]): View {
  const view = epochs(ms).at(-1)?.view;
  if (view === undefined) throw new Error('actlab: no epoch message, so no view');
  return view;
}

function boundary(ms: readonly FromWorker[]): Extract<View, { kind: 'boundary' }> {
  const view = lastView(ms);
  if (view.kind !== 'boundary') throw new Error(`actlab: expected a decision boundary after the last epoch, got a ${view.kind} view`);
  return view;
}

function confusion(ms: readonly FromWorker[]): Extract<View, { kind: 'confusion' }> {
  const view = lastView(ms);
  if (view.kind !== 'confusion') throw new Error(`actlab: expected a confusion matrix after the last epoch, got a ${view.kind} view`);
  return view;
}

describe('playground training worker on the real model API', () => {
  it('spirals: every batch and epoch is reported, the MLP separates the arms, the boundary covers the plane', async () => {
    const messages = await run(SPIRALS);
    const perEpoch = Math.ceil(SPIRAL_POINTS / SPIRALS.batchSize);
    const steps = batches(messages);
    expect(steps.map((m) => m.step)).toEqual(Array.from({ length: SPIRALS.epochs * perEpoch }, (_, i) => i + 1));
    expect(steps.every((m) => Number.isFinite(m.loss) && m.accuracy >= 0 && m.accuracy <= 1)).toBe(true);
    expect(messages.at(-1)).toEqual({ type: 'done', steps: SPIRALS.epochs * perEpoch });
    const ep = epochs(messages);
    expect(ep.map((m) => m.epoch)).toEqual(Array.from({ length: SPIRALS.epochs }, (_, i) => i));
    // ln 2 = 0.693 is a coin toss; a working relu MLP is near-perfect on these spirals within 30 epochs.
    expect(ep[0].loss).toBeGreaterThan(0.4);
    expect(ep.at(-1)?.loss).toBeLessThan(0.15);
    expect(ep.at(-1)?.accuracy).toBeGreaterThan(0.95);
    const view = boundary(messages);
    expect(view.size).toBe(GRID);
    expect(view.p1).toHaveLength(GRID * GRID);
    expect(view.p1.every((p) => p >= 0 && p <= 1)).toBe(true);
    // Both classes own part of the plane.
    expect(view.p1.some((p) => p > 0.9) && view.p1.some((p) => p < 0.1)).toBe(true);
    expect(view.points).toHaveLength(2 * SPIRAL_POINTS);
    expect(view.labels).toHaveLength(SPIRAL_POINTS);
  });

  it('the same config gives the same messages bit for bit (seeded init, shuffling and data)', async () => {
    const short: TrainConfig = { ...SPIRALS, activation: 'gelu', hidden: [16], epochs: 3 };
    const a = await run(short), b = await run(short);
    expect(batches(b).map((m) => m.loss)).toEqual(batches(a).map((m) => m.loss));
    expect(Array.from(boundary(b).p1)).toEqual(Array.from(boundary(a).p1));
    const other = await run({ ...short, seed: 43 });
    expect(batches(other).map((m) => m.loss)).not.toEqual(batches(a).map((m) => m.loss));
  });

  it('MNIST subset: 1,600 images train, the 400 held out fill the confusion matrix, mostly on the diagonal', async () => {
    const mnist = mnistSubset(MNIST_SUBSET);
    const config: TrainConfig = { ...SPIRALS, dataset: 'mnist', hidden: [64], learningRate: 0.003, epochs: 2 };
    const messages = await run(config, mnist);
    const train = MNIST_SUBSET - MNIST_HELD_OUT;
    expect(batches(messages)).toHaveLength(2 * Math.ceil(train / config.batchSize));
    const view = confusion(messages);
    expect(view.classes).toBe(10);
    // Row sums are the held-out label counts.
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < MNIST_HELD_OUT; i++) counts[mnist.labels[8 + train + i]]++;
    const rows = Array.from({ length: 10 }, (_, t) => view.matrix.subarray(t * 10, t * 10 + 10).reduce((s, v) => s + v, 0));
    expect(rows).toEqual(counts);
    let diagonal = 0;
    for (let t = 0; t < 10; t++) diagonal += view.matrix[t * 11];
    expect(diagonal / MNIST_HELD_OUT).toBeGreaterThan(0.8);
    expect(epochs(messages).at(-1)?.accuracy).toBeGreaterThan(0.8);
  });
});
