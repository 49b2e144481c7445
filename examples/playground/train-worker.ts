// The playground's training worker: trains a small MLP on two spirals or the MNIST subset
// off the page's thread and streams loss, accuracy and a view of the predictions back.
//
// The model API (issue 5's interface: sequential, dense, adam, compile, fit, predict) is
// reached through `trainingApi` below, the one adapter between this file and the core.
// Until the core exports sequential and dense, the worker reports that training is not
// available and the page says so; once they are exported with this shape, it trains with
// no change here. If the shape differs, only TrainingApi and `buildModel` change.
import * as actlab from '../../src/index.js';
import { datasetFromIdx, init, tensor, threadInfo, twoSpirals, type Tensor } from '../../src/index.js';
import type { FromWorker, ToWorker, TrainConfig, View } from './protocol.js';

/** Per-batch and per-epoch figures as fit reports them (Keras names: loss, acc or accuracy). */
export type Logs = Readonly<Record<string, number | undefined>>;

export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly callbacks: {
    readonly onBatchEnd: (batch: number, logs: Logs) => void;
    readonly onEpochEnd: (epoch: number, logs: Logs) => void;
  };
}

export interface TrainingModel {
  compile(config: { optimizer: object; loss: string; metrics: string[] }): void;
  fit(x: Tensor, y: Int32Array, options: FitOptions): Promise<unknown>;
  predict(x: Tensor): Tensor;
}

/** What the worker uses from the core's training API. */
export interface TrainingApi {
  sequential(config: { layers: object[] }): TrainingModel;
  dense(config: { units: number; activation?: string; inputShape?: readonly number[] }): object;
  adam(config: { learningRate: number }): object;
}

const REQUIRED = ['sequential', 'dense', 'adam'] as const;

/** The core's training API, or what it still lacks. */
export function trainingApi(core: object): TrainingApi | { missing: string[] } {
  const fns: Record<string, unknown> = { ...core };
  const missing = REQUIRED.filter((k) => typeof fns[k] !== 'function');
  if (missing.length > 0) return { missing };
  // Checked just above: the three functions exist; their signatures are issue 5's.
  return core as TrainingApi;
}

function buildModel(api: TrainingApi, config: TrainConfig, inputDim: number, classes: number): TrainingModel {
  const layers = [
    ...config.hidden.map((units, i) =>
      api.dense(i === 0 ? { units, activation: config.activation, inputShape: [inputDim] } : { units, activation: config.activation })),
    api.dense({ units: classes, activation: 'softmax' }),
  ];
  const model = api.sequential({ layers });
  model.compile({ optimizer: api.adam({ learningRate: config.learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

interface Data {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly inputDim: number;
  readonly classes: number;
  /** Held-out samples for the confusion matrix (MNIST). */
  readonly evalX?: Float32Array;
  readonly evalY?: Int32Array;
}

/** Samples of the MNIST subset kept out of training for the confusion matrix. */
const MNIST_HELD_OUT = 400;
const GRID = 48;
const EXTENT = 1.3;

function loadData(config: TrainConfig, mnist: { images: Uint8Array; labels: Uint8Array } | undefined): Data {
  if (config.dataset === 'spirals') {
    const d = twoSpirals({ n: 600, noise: 0.04, seed: config.seed });
    return { x: d.x, y: d.y, inputDim: 2, classes: 2 };
  }
  if (mnist === undefined) throw new Error('actlab: the MNIST subset was not sent to the worker');
  const d = datasetFromIdx(mnist.images, mnist.labels, { imagesName: 'mnist-train-2000-images.idx', labelsName: 'mnist-train-2000-labels.idx' });
  const dim = 28 * 28, n = d.length - MNIST_HELD_OUT;
  return {
    x: d.x.subarray(0, n * dim), y: d.y.subarray(0, n), inputDim: dim, classes: 10,
    evalX: d.x.subarray(n * dim), evalY: d.y.subarray(n),
  };
}

/** Row-wise argmax of [rows, cols] probabilities (comparisons only: no arithmetic on the values). */
function argmax(p: Float32Array, cols: number, row: number): number {
  let best = 0;
  for (let c = 1; c < cols; c++) if (p[row * cols + c] > p[row * cols + best]) best = c;
  return best;
}

function predictView(model: TrainingModel, data: Data): View {
  if (data.evalX !== undefined && data.evalY !== undefined) {
    const x = tensor(data.evalX, [data.evalY.length, data.inputDim]);
    const out = model.predict(x);
    const p = out.dataSync();
    x.dispose();
    out.dispose();
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
  const x = tensor(grid, [GRID * GRID, 2]);
  const out = model.predict(x);
  const p = out.dataSync();
  x.dispose();
  out.dispose();
  const p1 = new Float32Array(GRID * GRID);
  for (let i = 0; i < p1.length; i++) p1[i] = p[2 * i + 1];
  return { kind: 'boundary', size: GRID, extent: EXTENT, p1, points: data.x, labels: data.y };
}

const accuracyOf = (logs: Logs): number => logs.accuracy ?? logs.acc ?? NaN;

/** Trains as `config` says, reporting through `post`; the page's worker posts to the page, a test collects. */
export async function train(api: TrainingApi, config: TrainConfig, mnist: { images: Uint8Array; labels: Uint8Array } | undefined,
  post: (m: FromWorker) => void): Promise<void> {
  // Threads: the default (the cores, at most 8) where the page is cross-origin isolated.
  // Inside this worker the pool's caller may block in Atomics.wait, unlike the page's main thread.
  await init();
  const info = threadInfo();
  post(info.reason === undefined ? { type: 'threads', threads: info.threads } : { type: 'threads', threads: info.threads, reason: info.reason });
  const data = loadData(config, mnist);
  const model = buildModel(api, config, data.inputDim, data.classes);
  const n = data.y.length;
  const x = tensor(data.x, [n, data.inputDim]);
  let step = 0;
  try {
    await model.fit(x, data.y, {
      epochs: config.epochs, batchSize: config.batchSize, shuffle: true, seed: config.seed,
      callbacks: {
        onBatchEnd: (_batch, logs) => post({ type: 'batch', step: ++step, loss: logs.loss ?? NaN, accuracy: accuracyOf(logs) }),
        onEpochEnd: (epoch, logs) => post({ type: 'epoch', epoch, loss: logs.loss ?? NaN, accuracy: accuracyOf(logs), view: predictView(model, data) }),
      },
    });
  } finally {
    x.dispose();
  }
  post({ type: 'done' });
}

/** Runs as the page's worker: says whether training is available, then trains on request. */
function serve(): void {
  const post = (m: FromWorker): void => postMessage(m);
  const found = trainingApi(actlab);
  if ('missing' in found) {
    post({ type: 'ready', available: false, reason: `training arrives with the training core (actlab does not export ${found.missing.join(', ')} yet)` });
  } else {
    post({ type: 'ready', available: true });
  }
  addEventListener('message', (e: MessageEvent<ToWorker>) => {
    if (e.data.type !== 'start') return;
    if ('missing' in found) {
      post({ type: 'error', message: `actlab: cannot train: the core lacks ${found.missing.join(', ')}` });
      return;
    }
    train(found, e.data.config, e.data.mnist, post).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
  });
}

// Only inside a worker: a test imports this module to drive train() itself.
if ('WorkerGlobalScope' in globalThis) serve();
