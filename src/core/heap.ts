// The allocator over Wasm memory. Kernels never allocate: every buffer they touch comes
// from here. Blocks are 16-byte aligned and padded by one vector so a SIMD body may read
// (never write) a full v128 past an array's end. Block sizes live in a JS map, not in Wasm
// memory, so a kernel that writes out of bounds cannot corrupt the allocator's books.

const ALIGN = 16;
const PAD = 16;
const PAGE = 65536;
/** wasm32 addresses 4 GiB: 65536 pages of 64 KiB. */
export const MAX_PAGES = 65536;

/** A byte offset into Wasm memory. Always read back with `>>> 0`: offsets above 2 GiB are unsigned. */
export type Ptr = number;

export class Heap {
  /** @internal (kept out of the published declarations: they must not need the WebAssembly types) */
  readonly memory: WebAssembly.Memory;
  // Block sizes by address; 0 marks a freed address. Deleting the key would leave a dead
  // entry in the map's hash chain until its next rehash, and addresses come back again and
  // again, so with many blocks live one address's chain grew long enough to make each
  // alloc/free pair take microseconds (0.5 -> 100 us with 40,000 live blocks). Freed entries
  // are dropped all at once when they outnumber the live ones (see free).
  private sizes = new Map<Ptr, number>();
  private blocks = 0;
  // Free ranges sorted by start, never adjacent (coalesced on free).
  private readonly freeStart: number[] = [];
  private readonly freeSize: number[] = [];
  private live = 0;
  private peak = 0;
  /** The memory's maximum in pages: 4 GiB, or what a shared memory was created with. */
  private readonly maxPages: number;

  /** @internal */
  constructor(memory: WebAssembly.Memory, base: number, maxPages = MAX_PAGES) {
    this.memory = memory;
    this.maxPages = maxPages;
    const start = align(base >>> 0);
    const end = memory.buffer.byteLength;
    if (end > start) this.addFree(start, end - start);
  }

  /** Bytes in blocks handed out and not yet freed (padding included). */
  get liveBytes(): number { return this.live; }
  /** The most bytes ever live at once. */
  get peakBytes(): number { return this.peak; }
  /** Number of blocks handed out and not yet freed. */
  get liveBlocks(): number { return this.blocks; }
  /** Current size of Wasm memory in bytes. */
  get memoryBytes(): number { return this.memory.buffer.byteLength; }

  /** Allocates room for `bytes` bytes (16-byte aligned, padded); throws a clear Error when memory cannot grow. */
  alloc(bytes: number): Ptr {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new Error(`actlab: cannot allocate ${bytes} bytes: the size must be a non-negative integer`);
    }
    const size = align(bytes) + PAD;
    let i = this.findFit(size);
    if (i < 0) {
      this.grow(size);
      i = this.findFit(size);
    }
    const ptr = this.freeStart[i];
    if (this.freeSize[i] === size) {
      this.freeStart.splice(i, 1);
      this.freeSize.splice(i, 1);
    } else {
      this.freeStart[i] += size;
      this.freeSize[i] -= size;
    }
    this.sizes.set(ptr, size);
    this.blocks++;
    this.live += size;
    if (this.live > this.peak) this.peak = this.live;
    return ptr;
  }

  /** Returns a block to the heap; freeing an unknown or already-freed pointer throws. */
  free(ptr: Ptr): void {
    const size = this.sizes.get(ptr);
    if (size === undefined || size === 0) throw new Error(`actlab: free(${ptr}) does not name a live block (double free or foreign pointer)`);
    this.sizes.set(ptr, 0);
    this.blocks--;
    this.live -= size;
    this.addFree(ptr, size);
    // Rebuilt once freed addresses outnumber live blocks (plus some slack): each rebuild
    // follows at least as many frees as it copies entries, so the cost per free stays constant.
    if (this.sizes.size - this.blocks > this.blocks + 1024) {
      const kept = new Map<Ptr, number>();
      for (const [p, n] of this.sizes) if (n !== 0) kept.set(p, n);
      this.sizes = kept;
    }
  }

  /** A fresh Float32Array view; never keep one across a call that can allocate (growth detaches it). */
  f32(ptr: Ptr, length: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, length); }
  /** A fresh Int32Array view, with the same caveat as f32(). */
  i32(ptr: Ptr, length: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, length); }

  /** Copies `data` into a new block. */
  allocF32(data: ArrayLike<number>): Ptr {
    const p = this.alloc(data.length * 4);
    this.f32(p, data.length).set(data);
    return p;
  }

  private findFit(size: number): number {
    for (let i = 0; i < this.freeStart.length; i++) if (this.freeSize[i] >= size) return i;
    return -1;
  }

  private grow(size: number): void {
    const cur = this.memory.buffer.byteLength;
    // The free range touching the end of memory counts toward the request.
    const n = this.freeStart.length;
    const tail = n > 0 && this.freeStart[n - 1] + this.freeSize[n - 1] === cur ? this.freeSize[n - 1] : 0;
    const need = Math.ceil((size - tail) / PAGE);
    const curPages = cur / PAGE;
    // Grow by at least half the current size so a growing workload reallocates rarely.
    const want = Math.min(Math.max(need, Math.ceil(curPages / 2)), this.maxPages - curPages);
    if (need > this.maxPages - curPages) {
      throw new RangeError(`actlab: cannot allocate ${size} bytes: Wasm memory is ${mib(cur)} and would need ` +
        `${mib((curPages + need) * PAGE)}, above its ${mib(this.maxPages * PAGE)} maximum (the wasm32 limit is 4 GiB); ` +
        'free tensors or use smaller batches');
    }
    try {
      this.memory.grow(want);
    } catch {
      try {
        this.memory.grow(need);
      } catch {
        throw new RangeError(`actlab: cannot allocate ${size} bytes: the engine refused to grow Wasm memory from ` +
          `${mib(cur)} to ${mib((curPages + need) * PAGE)}; free tensors or use smaller batches`);
      }
    }
    this.addFree(cur, this.memory.buffer.byteLength - cur);
  }

  private addFree(start: number, size: number): void {
    // Binary search for the insertion point, then merge with neighbours.
    let lo = 0, hi = this.freeStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freeStart[mid] < start) lo = mid + 1; else hi = mid;
    }
    const prev = lo - 1;
    const joinsPrev = prev >= 0 && this.freeStart[prev] + this.freeSize[prev] === start;
    const joinsNext = lo < this.freeStart.length && start + size === this.freeStart[lo];
    if (joinsPrev && joinsNext) {
      this.freeSize[prev] += size + this.freeSize[lo];
      this.freeStart.splice(lo, 1);
      this.freeSize.splice(lo, 1);
    } else if (joinsPrev) {
      this.freeSize[prev] += size;
    } else if (joinsNext) {
      this.freeStart[lo] = start;
      this.freeSize[lo] += size;
    } else {
      this.freeStart.splice(lo, 0, start);
      this.freeSize.splice(lo, 0, size);
    }
  }
}

function align(n: number): number { return Math.ceil(n / ALIGN) * ALIGN; }
function mib(bytes: number): string { return `${(bytes / 1048576).toFixed(1)} MiB`; }
