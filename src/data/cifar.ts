// CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes (1024 red, 1024
// green, 1024 blue, each 32 x 32 row-major). Converted to HWC floats / 255.
// see: A. Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009, and
// the "binary version" notes on the CIFAR-10 page.
import { describeValue } from '../core/checks.js';
import { byteTable } from './bytes.js';
import { dataset, type Dataset } from './dataset.js';

/** Bytes per record of a CIFAR-10 binary batch: 1 label byte and 3072 pixel bytes. */
export const CIFAR10_RECORD_BYTES = 3073;
const CIFAR100_RECORD_BYTES = 3074;
/** The class names, by label id (0 = airplane ... 9 = truck). */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** Parses one CIFAR-10 binary batch into a Dataset of [32, 32, 3] samples (HWC, / 255). Needs `await init()`. */
export function parseCifar10Batch(bytes: Uint8Array, name = 'CIFAR-10 batch'): Dataset {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`actlab: ${name}: expected the file's bytes as a Uint8Array (new Uint8Array(arrayBuffer)), got ${describeValue(bytes)}`);
  }
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new Error(`actlab: ${name}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
      `(1 label + 3072 pixels); expected a positive multiple of ${CIFAR10_RECORD_BYTES}` +
      (bytes.length > CIFAR10_RECORD_BYTES ? ` (the file is ${bytes.length % CIFAR10_RECORD_BYTES} bytes past record ${Math.floor(bytes.length / CIFAR10_RECORD_BYTES)})` : '') +
      // CIFAR-100's binary files look the same but carry two label bytes (coarse, fine) per record.
      (bytes.length > 0 && bytes.length % CIFAR100_RECORD_BYTES === 0 ? `; ${bytes.length} bytes is ${bytes.length / CIFAR100_RECORD_BYTES} records of ` +
        `${CIFAR100_RECORD_BYTES} bytes, the size of a CIFAR-100 file (2 label bytes per record), which this parser does not read` : ''));
  }
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  const table = byteTable(255);
  const x = new Float32Array(n * 3072);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const off = r * CIFAR10_RECORD_BYTES;
    const label = bytes[off];
    if (label > 9) throw new Error(`actlab: ${name}: record ${r} (byte ${off}) has label ${label}; CIFAR-10 labels are 0..9`);
    y[r] = label;
    const dst = r * 3072;
    for (let p = 0; p < 1024; p++) {
      x[dst + 3 * p] = table[bytes[off + 1 + p]];
      x[dst + 3 * p + 1] = table[bytes[off + 1025 + p]];
      x[dst + 3 * p + 2] = table[bytes[off + 2049 + p]];
    }
  }
  return dataset({ x, y, shape: [32, 32, 3], numClasses: 10 });
}
