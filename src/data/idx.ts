// IDX files (the MNIST format): a 4-byte magic 00 00 <type> <rank>, then `rank` big-endian
// uint32 dimensions, then the values in row-major order, big-endian.
// see: Y. LeCun, C. Cortes, C. Burges, "The MNIST database", file formats section.
import { describeValue } from '../core/checks.js';
import { bytesToFloats } from './bytes.js';
import { dataset, type Dataset } from './dataset.js';

/** A parsed IDX file: its element type, dimensions (outermost first) and values in row-major order. */
export type IdxData =
  | { readonly type: 'uint8'; readonly dims: readonly number[]; readonly data: Uint8Array }
  | { readonly type: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array };

const TYPE_NAMES = new Map<number, string>([
  [0x08, 'uint8'], [0x09, 'int8'], [0x0b, 'int16'], [0x0c, 'int32'], [0x0d, 'float32'], [0x0e, 'float64'],
]);
const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

/**
 * Parses an IDX file held in memory. Checks the magic number, the type byte (0x08 uint8
 * and 0x0D float32 are read), the dimensions and that the length is exactly header +
 * values; every failure names `name`, what was expected and what was found. uint8 data is
 * a view into `bytes`; float32 data is converted from big-endian into a new array.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxData {
  const fail = (what: string): Error => new Error(`actlab: ${name}: ${what}`);
  if (!(bytes instanceof Uint8Array)) throw fail(`expected the file's bytes as a Uint8Array (new Uint8Array(arrayBuffer)), got ${describeValue(bytes)}`);
  if (bytes.length < 4) throw fail(`${bytes.length} bytes is too short for an IDX file (expected at least the 4-byte magic number)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [z0, z1, type, rank] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (z0 !== 0 || z1 !== 0) {
    // Fashion-MNIST and EMNIST ship their IDX files gzipped (.gz); say so rather than only "bad magic".
    const gzip = z0 === 0x1f && z1 === 0x8b ? ' (0x1F 0x8B starts a gzip file: decompress it first, e.g. with gunzip or zlib.gunzipSync)' : '';
    throw fail(`bad magic number ${[z0, z1, type, rank].map(hex).join(' ')}: an IDX file starts with 0x00 0x00 <type> <rank>${gzip}`);
  }
  const typeName = TYPE_NAMES.get(type);
  if (typeName === undefined) {
    throw fail(`type byte ${hex(type)} is not an IDX type (expected 0x08 uint8, 0x09, 0x0B, 0x0C, 0x0D float32 or 0x0E)`);
  }
  if (type !== 0x08 && type !== 0x0d) {
    throw fail(`type byte ${hex(type)} (${typeName}) is not supported; expected 0x08 (uint8) or 0x0D (float32)`);
  }
  if (rank === 0) throw fail('rank byte is 0; expected at least one dimension');
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw fail(`truncated header: ${bytes.length} bytes, but rank ${rank} needs a ${header}-byte header`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  // Many huge dimensions overflow the product to Infinity, and Infinity * 0 is NaN: a file
  // with a 0 dimension holds no values whatever the others say.
  if (dims.includes(0)) count = 0;
  const width = type === 0x08 ? 1 : 4;
  const expected = header + count * width;
  if (bytes.length !== expected) {
    const how = bytes.length < expected ? 'truncated' : 'has trailing bytes';
    throw fail(`${how}: ${bytes.length} bytes, expected exactly ${expected} (${header}-byte header + ` +
      `dims [${dims.join(', ')}] x ${width} byte${width > 1 ? 's' : ''} of ${typeName})`);
  }
  if (type === 0x08) return { type: 'uint8', dims, data: bytes.subarray(header) };
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(header + 4 * i, false);
  return { type: 'float32', dims, data };
}

/** datasetFromIdx's options. */
export interface IdxDatasetOptions {
  /** The images file's name in error messages; default 'images IDX'. */
  imagesName?: string;
  /** The labels file's name in error messages; default 'labels IDX'. */
  labelsName?: string;
  /** Classes; defaults to 10 (MNIST, Fashion-MNIST, EMNIST digits). */
  numClasses?: number;
  /** Keep only the first `limit` samples (an error if there are fewer). */
  limit?: number;
  /** uint8 pixels are divided by this (in Wasm); default 255. float32 data is kept as is. */
  divisor?: number;
}

/**
 * A Dataset from an images IDX file (n x ...sample dims) and a uint8 labels IDX file (n).
 * Needs `await init()` (pixels / 255 is computed in Wasm). Node-free: browsers can fetch the
 * bytes themselves.
 */
export function datasetFromIdx(images: Uint8Array, labels: Uint8Array, options: IdxDatasetOptions = {}): Dataset {
  const imagesName = options.imagesName ?? 'images IDX';
  const labelsName = options.labelsName ?? 'labels IDX';
  const im = parseIdx(images, imagesName);
  const lb = parseIdx(labels, labelsName);
  if (lb.type !== 'uint8' || lb.dims.length !== 1) {
    throw new Error(`actlab: ${labelsName}: expected a rank-1 uint8 label file, found rank ${lb.dims.length} ${lb.type}`);
  }
  if (im.dims.length < 2) throw new Error(`actlab: ${imagesName}: expected rank >= 2 (n x sample dims), found rank ${im.dims.length}`);
  const n = im.dims[0];
  if (lb.dims[0] !== n) throw new Error(`actlab: ${imagesName} has ${n} samples but ${labelsName} has ${lb.dims[0]} labels`);
  const limit = options.limit ?? n;
  if (!Number.isInteger(limit) || limit < 0 || limit > n) {
    throw new Error(`actlab: ${imagesName}: limit must be an integer in [0, ${n}], got ${limit}`);
  }
  const shape = im.dims.slice(1);
  if (shape.includes(0)) throw new Error(`actlab: ${imagesName}: sample dims [${shape.join(', ')}] hold no values; expected every dimension after the first to be > 0`);
  const numClasses = options.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`actlab: datasetFromIdx: numClasses must be a positive integer, got ${String(numClasses)}`);
  const per = shape.reduce((a, b) => a * b, 1);
  const x = im.type === 'uint8'
    ? bytesToFloats(im.data.subarray(0, limit * per), options.divisor ?? 255)
    : im.data.slice(0, limit * per);
  const y = Int32Array.from(lb.data.subarray(0, limit));
  const bad = y.findIndex((c) => c >= numClasses);
  if (bad >= 0) throw new Error(`actlab: ${labelsName}: label ${y[bad]} at index ${bad} is outside [0, ${numClasses}) (numClasses ${numClasses})`);
  return dataset({ x, y, shape, numClasses });
}
