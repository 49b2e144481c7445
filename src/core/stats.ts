import { rt } from './wasm.js';

/** Allocator figures: live bytes and blocks, the peak, and the Wasm memory size. */
export function memoryStats(): { liveBytes: number; liveBlocks: number; peakBytes: number; memoryBytes: number } {
  const { heap } = rt();
  return { liveBytes: heap.liveBytes, liveBlocks: heap.liveBlocks, peakBytes: heap.peakBytes, memoryBytes: heap.memoryBytes };
}
