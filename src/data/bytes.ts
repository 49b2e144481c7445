// Bytes to floats through a 256-entry table computed in Wasm, so the division by 255 is
// the same float32 operation in every runtime and the conversion itself is a lookup.
import { rt } from '../core/wasm.js';
import { positiveF32 } from '../core/checks.js';

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

/** Every byte b as the float b / divisor (pixels / 255 by default). */
export function bytesToFloats(bytes: Uint8Array, divisor = 255): Float32Array {
  const table = byteTable(divisor);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}
