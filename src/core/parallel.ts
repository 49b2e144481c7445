// Splitting kernel work across the pool. Work is split only by output rows, images, output
// channels or elements, never across a reduction: every output element is computed by one
// call, in the same order, whichever thread runs it, so results are bit-identical at any
// thread count. Small work stays on the calling thread, where a dispatch would cost more
// than it saves (thresholds measured with `npm run bench -- threads`).
import { rt, type Kernels } from './wasm.js';
import type { Part } from './pool.js';

export type { Part };

/** What a work estimate counts: flops (GEMM, conv) or elements (elementwise, pooling). */
export type WorkUnit = 'flops' | 'elements';

/** Threads worth using for `units` independent units costing `work` (flops or elements) in total. */
export function threadsFor(units: number, work: number, unit: WorkUnit): number {
  const t = rt().threads;
  if (t.count === 1 || units < 2) return 1;
  const min = unit === 'flops' ? t.minFlops : t.minElements;
  return Math.max(1, Math.min(t.count, units, Math.floor(work / min)));
}

/**
 * [start, end) ranges splitting [0, units) into `parts` contiguous pieces of nearly equal
 * size, every start a multiple of `align` (the last piece takes the remainder).
 */
export function splitRange(units: number, parts: number, align = 1): [number, number][] {
  const blocks = Math.ceil(units / align);
  const p = Math.max(1, Math.min(parts, blocks));
  const out: [number, number][] = [];
  for (let i = 0; i < p; i++) {
    const a = Math.floor((blocks * i) / p) * align, b = Math.min(units, Math.floor((blocks * (i + 1)) / p) * align);
    if (b > a) out.push([a, b]);
  }
  return out;
}

/** Runs the parts (parts[0] on this thread, the rest on workers) and waits for all. */
export function parallel(parts: readonly Part[]): void {
  const r = rt();
  r.threads.run(parts, r.kernels);
}

/**
 * An elementwise kernel over n elements, in contiguous chunks whose starts are multiples of
 * `align` elements (4 keeps each chunk's SIMD body on the same elements as one call; per-
 * channel kernels pass a multiple of their channel count). `call(k, start, count)` issues
 * the kernel on elements [start, start + count).
 */
export function elementwise(n: number, align: number, call: (k: Kernels, start: number, count: number) => void): void {
  const t = threadsFor(Math.ceil(n / align), n, 'elements');
  if (t === 1) {
    call(rt().kernels, 0, n);
    return;
  }
  parallel(splitRange(n, t, align).map(([a, b]) => (k: Kernels) => call(k, a, b - a)));
}
