// Messages between the playground page and its training worker.

export type DatasetName = 'spirals' | 'mnist';

export interface TrainConfig {
  readonly dataset: DatasetName;
  readonly activation: string;
  /** Units of each hidden dense layer. */
  readonly hidden: readonly number[];
  readonly learningRate: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
}

export type ToWorker =
  | { readonly type: 'start'; readonly config: TrainConfig; readonly mnist?: { readonly images: Uint8Array; readonly labels: Uint8Array } };

/** What the model predicts, for the view beside the charts. */
export type View =
  /** Probability of class 1 on a size x size grid over [-extent, extent]^2, rows from the top; the training points. */
  | { readonly kind: 'boundary'; readonly size: number; readonly extent: number; readonly p1: Float32Array;
      readonly points: Float32Array; readonly labels: Int32Array }
  /** matrix[true * classes + predicted] counts on the held-out images. */
  | { readonly kind: 'confusion'; readonly classes: number; readonly matrix: Int32Array };

export type FromWorker =
  /** The worker has loaded the kernels and takes a 'start'. */
  | { readonly type: 'ready' }
  /** After each batch (fit's onBatchEnd): step counts batches from 1 over the whole run. */
  | { readonly type: 'batch'; readonly step: number; readonly loss: number; readonly accuracy: number }
  /** After each epoch (fit's onEpochEnd): the epoch's mean loss and accuracy, and the predictions. */
  | { readonly type: 'epoch'; readonly epoch: number; readonly loss: number; readonly accuracy: number; readonly view: View }
  | { readonly type: 'done'; readonly steps: number }
  /** The threads the worker's kernels run on, and why only one when so (threadInfo()). */
  | { readonly type: 'threads'; readonly threads: number; readonly reason?: string }
  | { readonly type: 'error'; readonly message: string };
