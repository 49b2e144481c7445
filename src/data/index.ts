// Node-free data: datasets, batching, IDX and CIFAR-10 parsers, synthetic sets.
export { dataset, reshapeDataset, sliceDataset, gatherDataset, concatDatasets, validationSplit, trainTestSplit, oneHot, batches, sampleSize } from './dataset.js';
export type { Dataset, Batch, BatchOptions } from './dataset.js';
export { parseIdx, datasetFromIdx } from './idx.js';
export type { IdxData, IdxDatasetOptions } from './idx.js';
export { parseCifar10Batch, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES } from './cifar.js';
export { twoSpirals, xor } from './synthetic.js';
export type { SyntheticOptions } from './synthetic.js';
export { byteTable, bytesToFloats } from './bytes.js';
