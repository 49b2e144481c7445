// Bytes to floats through a 256-entry table computed in Wasm, so the division by 255 is
// the same float32 operation in every runtime and the conversion itself is a lookup.
import { rt } from '../core/wasm.js';
import { describeValue, positiveF32 } from '../core/checks.js';

/** Each byte b as the float32 b / divisor (Wasm division). Needs `await init()`. */
export function byteTable(divisor: number): Float32Array {
  positiveF32('byteTable', 'divisor', divisor);
  const { heap, kernels } = rt();
  const p = heap.alloc(256 * 4);
  try {
    kernels.f32_byte_table(p, divisor);
    return heap.f32(p, 256).slice();
  } finally {
    heap.free(p);
  }
}

/** Every byte b as the float b / divisor (pixels / 255 by default); a Uint8ClampedArray (canvas pixels) is read the same way. */
export function bytesToFloats(bytes: Uint8Array | Uint8ClampedArray, divisor = 255): Float32Array {
  // A value outside 0..255 (a plain array, an Int8Array, a Uint16Array) has no table entry
  // and used to become NaN without a word.
  if (!(bytes instanceof Uint8Array || bytes instanceof Uint8ClampedArray)) {
    throw new Error(`actlab: bytesToFloats: expected bytes as a Uint8Array (or a canvas' Uint8ClampedArray), got ${describeValue(bytes)}`);
  }
  const table = byteTable(divisor);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}
