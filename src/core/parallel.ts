// Splitting kernel work across the pool. Work is split only by output rows, images, output
// channels or elements, never across a reduction: every output element is computed by one
// call, in the same order, whichever thread runs it, so results are bit-identical at any
// thread count. Small work stays on the calling thread, where a dispatch would cost more
// than it saves (thresholds measured with `npm run bench -- threads`).
import { rt, type Kernels } from './wasm.js';
import { PARTS_PER_THREAD, type Part } from './pool.js';

export type { Part };

/** What a work estimate counts: flops (GEMM), conv-flops (conv2d and its gradients) or elements (elementwise, pooling). */
export type WorkUnit = 'flops' | 'conv-flops' | 'elements';

/** Threads worth using for `units` independent units costing `work` (flops or elements) in total. */
export function threadsFor(units: number, work: number, unit: WorkUnit): number {
  const t = rt().threads;
  if (t.count === 1 || units < 2) return 1;
  const min = unit === 'flops' ? t.minFlops : unit === 'conv-flops' ? t.minConvFlops : t.minElements;
  return Math.max(1, Math.min(t.count, units, Math.floor(work / min)));
}

/**
 * [start, end) ranges for a parallel call over `units` units costing `work` in total, starts
 * multiples of `align`: one range when the work stays on this thread, else PARTS_PER_THREAD
 * parts per thread of decreasing size for t threads (the first t parts hold half the
 * units, the next t a quarter, the last 2t the last quarter). Threads claim parts in
 * order, so one that starts late or loses its core for a while takes fewer of them, and
 * the small parts at the end keep the threads' finishing times within an eighth of a
 * thread's share of each other.
 */
export function splitParts(units: number, work: number, unit: WorkUnit, align = 1): [number, number][] {
  if (units === 0) return [[0, 0]];
  const blocks = Math.ceil(units / align);
  const t = threadsFor(blocks, work, unit);
  if (t === 1) return [[0, units]];
  const weights = [...Array<number>(t).fill(4), ...Array<number>(t).fill(2), ...Array<number>((PARTS_PER_THREAD - 2) * t).fill(1)];
  const total = weights.reduce((a, b) => a + b, 0);
  const out: [number, number][] = [];
  let acc = 0, start = 0;
  for (const w of weights) {
    acc += w;
    const end = Math.min(units, Math.floor((blocks * acc) / total) * align);
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
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

/** Blocks per thread part at most: a worker runs a part as a list of recorded calls, a few per block. */
export const MAX_PART_BLOCKS = 64;

/**
 * The block size (a multiple of `align`) for parts that loop over blocks of `block` units:
 * `block`, or larger where a part would otherwise loop more than MAX_PART_BLOCKS times, so
 * a large batch stays a short call list. Units never share a reduction across blocks, so
 * the block size does not change the bits.
 */
export function partBlock(parts: readonly (readonly [number, number])[], block: number, align = 1): number {
  if (parts.length <= 1) return block;
  const most = Math.max(...parts.map(([a, b]) => b - a));
  return Math.max(block, Math.ceil(most / MAX_PART_BLOCKS / align) * align);
}

/**
 * An elementwise kernel over n elements, in contiguous chunks whose starts are multiples of
 * `align` elements (4 keeps each chunk's SIMD body on the same elements as one call; per-
 * channel kernels pass a multiple of their channel count). `call(k, start, count)` issues
 * the kernel on elements [start, start + count).
 */
export function elementwise(n: number, align: number, call: (k: Kernels, start: number, count: number) => void): void {
  const ranges = splitParts(n, n, 'elements', align);
  if (ranges.length === 1) {
    call(rt().kernels, 0, n);
    return;
  }
  parallel(ranges.map(([a, b]) => (k: Kernels) => call(k, a, b - a)));
}
