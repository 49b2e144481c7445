// The playground's training worker: trains a small MLP on two spirals or the MNIST subset
// off the page's thread with the core's model API (sequential, layers.dense, adam, fit with
// onBatchEnd / onEpochEnd, predict) and streams loss, accuracy and a view of the
// predictions back to the page.
import {
  adam, datasetFromIdx, init, layers, sequential, tensor, threadInfo, twoSpirals, type Logs, type Sequential,
} from '../../src/index.js';
import type { FromWorker, ToWorker, TrainConfig, View } from './protocol.js';

/** Samples of the MNIST subset kept out of training for the confusion matrix. */
export const MNIST_HELD_OUT = 400;
/** Points in the two-spirals set. */
export const SPIRAL_POINTS = 600;
/** The decision boundary is sampled on GRID x GRID cell centres over [-EXTENT, EXTENT]^2. */
export const GRID = 48;
const EXTENT = 1.3;

/** Dense layers (hidden ones with the chosen activation) ending in a softmax, compiled with Adam. */
function buildModel(config: TrainConfig, inputShape: readonly number[], classes: number): Sequential {
  const model = sequential({
    seed: config.seed,
    layers: [
      ...(inputShape.length > 1 ? [layers.flatten({ inputShape })] : []),
      ...config.hidden.map((units, i) => layers.dense(i === 0 && inputShape.length === 1
        ? { units, activation: { name: config.activation }, inputShape }
        : { units, activation: { name: config.activation } })),
      layers.dense({ units: classes, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: adam({ learningRate: config.learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

interface Data {
  readonly x: Float32Array;
  readonly y: Int32Array;
  /** One sample's shape: [2] for the spirals, [28, 28] for MNIST. */
  readonly shape: readonly number[];
  readonly classes: number;
  /** Held-out samples for the confusion matrix (MNIST). */
  readonly evalX?: Float32Array;
  readonly evalY?: Int32Array;
}

function loadData(config: TrainConfig, mnist: { images: Uint8Array; labels: Uint8Array } | undefined): Data {
  if (config.dataset === 'spirals') {
    const d = twoSpirals({ n: SPIRAL_POINTS, noise: 0.04, seed: config.seed });
    return { x: d.x, y: d.y, shape: d.shape, classes: 2 };
  }
  if (mnist === undefined) throw new Error('actlab: the MNIST subset was not sent to the worker');
  const d = datasetFromIdx(mnist.images, mnist.labels, { imagesName: 'mnist-train-2000-images.idx', labelsName: 'mnist-train-2000-labels.idx' });
  if (d.length <= MNIST_HELD_OUT) throw new Error(`actlab: the MNIST subset has ${d.length} images; expected more than the ${MNIST_HELD_OUT} held out`);
  const per = d.x.length / d.length, n = d.length - MNIST_HELD_OUT;
  return {
    x: d.x.subarray(0, n * per), y: d.y.subarray(0, n), shape: d.shape, classes: d.numClasses,
    evalX: d.x.subarray(n * per), evalY: d.y.subarray(n),
  };
}

/** Row-wise argmax of [rows, cols] probabilities (comparisons only: no arithmetic on the values). */
function argmax(p: Float32Array, cols: number, row: number): number {
  let best = 0;
  for (let c = 1; c < cols; c++) if (p[row * cols + c] > p[row * cols + best]) best = c;
  return best;
}

/** The model's probabilities for `x` (rows of `shape`), as a plain array. */
function probabilities(model: Sequential, x: Float32Array, shape: readonly number[]): Float32Array {
  const per = shape.reduce((a, b) => a * b, 1);
  const input = tensor(x, [x.length / per, ...shape]);
  try {
    const out = model.predict(input);
    const p = out.dataSync();
    out.dispose();
    return p;
  } finally {
    input.dispose();
  }
}

function predictView(model: Sequential, data: Data): View {
  if (data.evalX !== undefined && data.evalY !== undefined) {
    const p = probabilities(model, data.evalX, data.shape);
    const matrix = new Int32Array(data.classes * data.classes);
    for (let i = 0; i < data.evalY.length; i++) matrix[data.evalY[i] * data.classes + argmax(p, data.classes, i)]++;
    return { kind: 'confusion', classes: data.classes, matrix };
  }
  // Grid centres, rows from the top (y = +EXTENT) down: display coordinates, not results.
  const grid = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      grid[2 * (r * GRID + c)] = -EXTENT + ((c + 0.5) * 2 * EXTENT) / GRID;
      grid[2 * (r * GRID + c) + 1] = EXTENT - ((r + 0.5) * 2 * EXTENT) / GRID;
    }
  }
  const p = probabilities(model, grid, data.shape);
  const p1 = new Float32Array(GRID * GRID);
  for (let i = 0; i < p1.length; i++) p1[i] = p[2 * i + 1];
  return { kind: 'boundary', size: GRID, extent: EXTENT, p1, points: data.x, labels: data.y };
}

const logged = (logs: Logs | undefined, key: string): number => logs?.[key] ?? NaN;

/** Trains as `config` says, reporting through `post`; the page's worker posts to the page, a test collects. */
export async function train(config: TrainConfig, mnist: { images: Uint8Array; labels: Uint8Array } | undefined,
  post: (m: FromWorker) => void): Promise<void> {
  // Threads: the default (the cores, at most 8) where the page is cross-origin isolated.
  // Inside this worker the pool's caller may block in Atomics.wait, unlike the page's main thread.
  await init();
  const info = threadInfo();
  post(info.reason === undefined ? { type: 'threads', threads: info.threads } : { type: 'threads', threads: info.threads, reason: info.reason });
  const data = loadData(config, mnist);
  const model = buildModel(config, data.shape, data.classes);
  const n = data.y.length;
  const x = tensor(data.x, [n, ...data.shape]);
  let step = 0;
  try {
    await model.fit(x, data.y, {
      epochs: config.epochs, batchSize: config.batchSize, shuffle: true, seed: config.seed,
      callbacks: {
        onBatchEnd: (_batch, logs) => post({ type: 'batch', step: ++step, loss: logged(logs, 'loss'), accuracy: logged(logs, 'acc') }),
        onEpochEnd: (epoch, logs) => post({
          type: 'epoch', epoch, loss: logged(logs, 'loss'), accuracy: logged(logs, 'acc'), view: predictView(model, data),
        }),
      },
    });
  } finally {
    x.dispose();
    model.dispose();
  }
  post({ type: 'done', steps: step });
}

/** Runs as the page's worker: loads the kernels, says so, then trains on request. */
function serve(): void {
  const post = (m: FromWorker): void => postMessage(m);
  const fail = (err: unknown): void => post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  addEventListener('message', (e: MessageEvent<ToWorker>) => {
    if (e.data.type === 'start') train(e.data.config, e.data.mnist, post).catch(fail);
  });
  init().then(() => post({ type: 'ready' }), fail);
}

// Only inside a worker: a test imports this module to drive train() itself.
if ('WorkerGlobalScope' in globalThis) serve();
