// Seeded random numbers. An Rng is a key (the seed) and a count of streams handed out:
// every draw takes the next stream number and the Wasm kernels compute its values from
// (key, stream, element index) with Philox4x32-10, so the same seed and the same sequence
// of calls give the same bits in every runtime, and no generator state lives in Wasm.
import { rt } from './wasm.js';
import { empty, type Shape, type Tensor } from './tensor.js';
import type { Ptr } from './heap.js';
import { finiteF32, positiveF32, showValue } from './checks.js';

const TWO32 = 4294967296;
/** Counter word c3 marking the blocks that derive a forked key (see assembly/random.ts domains). */
const DOMAIN_FORK = 3;
/** Largest element count one fill can take: 2^30 floats fill the 4 GiB wasm32 memory. */
const MAX_FILL = 2 ** 30;


/** Splits a seed (a safe non-negative integer) into the two 32-bit key words. */
function keyOf(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`actlab: Rng seed must be an integer in [0, 2^53), got ${showValue(seed)}`);
  }
  return [seed % TWO32, Math.floor(seed / TWO32)];
}

/**
 * A seeded random generator: `new Rng(42).normal([784, 128])`.
 * Each call consumes one stream, so calls are independent of each other's sizes:
 * `a.uniform([10]); a.normal([5])` gives the same normals as `b.uniform([1000]); b.normal([5])`.
 */
export class Rng {
  /** The seed this generator, or the generator it was forked from, was made with. */
  readonly seed: number;
  private k0: number;
  private k1: number;
  private next = 0;

  /** seed: an integer in [0, 2^53); it becomes the Philox key. */
  constructor(seed: number) {
    this.seed = seed;
    [this.k0, this.k1] = keyOf(seed);
  }

  /** Streams used so far (the next draw uses this stream number). */
  get streamsUsed(): number { return this.next; }

  private stream(): number {
    if (this.next >= TWO32) throw new Error('actlab: Rng has used all 2^32 streams; fork() a new generator');
    return this.next++;
  }

  /** A tensor of uniform values in [lo, hi), lo + (hi - lo) * k/2^24. */
  uniform(shape: Shape, lo = 0, hi = 1): Tensor {
    const t = empty(shape);
    try {
      this.fillUniform(t.ptr, t.size, lo, hi);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /** A tensor of normal values mean + std * z (Box-Muller in Wasm). */
  normal(shape: Shape, mean = 0, std = 1): Tensor {
    const t = empty(shape);
    try {
      this.fillNormal(t.ptr, t.size, mean, std);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /** A tensor of normal values redrawn until within 2 std of the mean (Keras truncated_normal). */
  truncatedNormal(shape: Shape, mean = 0, std = 1): Tensor {
    const t = empty(shape);
    try {
      this.fillTruncatedNormal(t.ptr, t.size, mean, std);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /** Fills n floats at `ptr` (a heap block) with uniform values in [lo, hi). */
  fillUniform(ptr: Ptr, n: number, lo = 0, hi = 1): void {
    checkCount('uniform', n);
    finiteF32('uniform', 'lo', lo);
    finiteF32('uniform', 'hi', hi);
    const l = Math.fround(lo), h = Math.fround(hi);
    if (!(l < h) || !Number.isFinite(Math.fround(h - l))) {
      throw new Error(`actlab: uniform: need lo < hi with a finite float32 width, got lo = ${lo}, hi = ${hi}`);
    }
    rt().kernels.f32_random_uniform(n, 0, ptr, this.k0, this.k1, this.stream(), l, h);
  }

  /** Fills n floats at `ptr` with normal values mean + std * z. */
  fillNormal(ptr: Ptr, n: number, mean = 0, std = 1): void {
    checkNormal('normal', n, mean, std);
    rt().kernels.f32_random_normal(n, 0, ptr, this.k0, this.k1, this.stream(), mean, std);
  }

  /** Fills n floats at `ptr` with truncated normal values (|z| <= 2). */
  fillTruncatedNormal(ptr: Ptr, n: number, mean = 0, std = 1): void {
    checkNormal('truncatedNormal', n, mean, std);
    rt().kernels.f32_random_truncated_normal(n, 0, ptr, this.k0, this.k1, this.stream(), mean, std);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates in Wasm). */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new Error(`actlab: permutation: n must be an integer in [0, 2^31), got ${n}`);
    }
    const { heap, kernels } = rt();
    const p = heap.alloc(n * 4);
    try {
      kernels.i32_random_permutation(n, p, this.k0, this.k1, this.stream());
      return heap.i32(p, n).slice();
    } finally {
      heap.free(p);
    }
  }

  /**
   * The generator fork() would return at stream `index`, without consuming a stream: a
   * keyed sub-generator (fit draws epoch e's shuffle and dropout from forkAt(e), so a run
   * resumed at epoch e continues with the same numbers).
   */
  forkAt(index: number): Rng {
    if (!Number.isInteger(index) || index < 0 || index >= TWO32) throw new Error(`actlab: Rng.forkAt: index must be an integer in [0, 2^32), got ${index}`);
    const saved = this.next;
    this.next = index;
    try {
      return this.fork();
    } finally {
      this.next = saved;
    }
  }

  /**
   * An independent generator: its key is a Philox block of this key at a fresh stream,
   * so forks of forks never collide with the parent's streams. Consumes one stream.
   */
  fork(): Rng {
    const { heap, kernels } = rt();
    const p = heap.alloc(16);
    try {
      kernels.u32_philox4x32(1, p, this.k0, this.k1, 0, this.stream(), 0, DOMAIN_FORK);
      const w = new Uint32Array(heap.memory.buffer, p, 2);
      const child = new Rng(this.seed);
      child.k0 = w[0];
      child.k1 = w[1];
      return child;
    } finally {
      heap.free(p);
    }
  }
}

function checkCount(fn: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_FILL) {
    throw new Error(`actlab: ${fn}: element count must be an integer in [0, 2^30], got ${n}`);
  }
}

function checkNormal(fn: string, n: number, mean: number, std: number): void {
  checkCount(fn, n);
  finiteF32(fn, 'mean', mean);
  finiteF32(fn, 'std', std);
  if (std < 0) throw new Error(`actlab: ${fn}: std must be >= 0, got ${std}`);
  if (std > 0) positiveF32(fn, 'std', std);
}

/** Shorthand for `new Rng(seed)`. */
export function rng(seed: number): Rng { return new Rng(seed); }

