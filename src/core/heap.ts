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
  // Free ranges by start, never adjacent (coalesced on free).
  private readonly ranges = new FreeRanges();
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
    if (end > start) this.ranges.add(start, end - start);
  }

  /** Bytes in blocks handed out and not yet freed (padding included). */
  get liveBytes(): number { return this.live; }
  /** The most bytes ever live at once. */
  get peakBytes(): number { return this.peak; }
  /** Number of blocks handed out and not yet freed. */
  get liveBlocks(): number { return this.blocks; }
  /** Current size of Wasm memory in bytes. */
  get memoryBytes(): number { return this.memory.buffer.byteLength; }
  /** @internal How many free ranges there are, and whether they are in the tree (for tests). */
  get freeLayout(): { readonly ranges: number; readonly tree: boolean } { return this.ranges.layout(); }

  /** Allocates room for `bytes` bytes (16-byte aligned, padded); throws a clear Error when memory cannot grow. */
  alloc(bytes: number): Ptr {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new Error(`actlab: cannot allocate ${bytes} bytes: the size must be a non-negative integer`);
    }
    const size = align(bytes) + PAD;
    let ptr = this.ranges.take(size);
    if (ptr < 0) {
      this.grow(size);
      ptr = this.ranges.take(size);
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
    this.ranges.add(ptr, size);
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

  private grow(size: number): void {
    const cur = this.memory.buffer.byteLength;
    // The free range touching the end of memory counts toward the request.
    const tail = this.ranges.sizeEndingAt(cur);
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
    this.ranges.add(cur, this.memory.buffer.byteLength - cur);
  }

}

function align(n: number): number { return Math.ceil(n / ALIGN) * ALIGN; }
function mib(bytes: number): string { return `${(bytes / 1048576).toFixed(1)} MiB`; }

// ---- free ranges ------------------------------------------------------------------------
//
// A handful of free ranges is the normal case (a training or inference loop frees what it
// allocates), and there sorted arrays scanned from the front are fastest. A program that
// keeps thousands of small blocks and frees every other one leaves thousands of holes, and
// a scan for the first fit then costs O(holes) per allocation (a one-sample predict among
// 20,000 holes: 2.5 -> 104 us). So above TREE_AT ranges they move into a treap keyed by
// start with subtree maxima (first fit, neighbours and the last range in O(log n)), and back
// below ARRAY_AT; the gap keeps the moves rare. Both give the same ranges for the same
// calls: the lowest start that fits, always.

const TREE_AT = 256;
const ARRAY_AT = 64;

/** The free ranges, in sorted arrays or in a treap, whichever suits their number. */
class FreeRanges {
  private readonly starts: number[] = [];
  private readonly sizes: number[] = [];
  private tree: FreeTree | null = null;

  /** Carves `size` bytes off the front of the lowest range that holds them; -1 when none does. */
  take(size: number): number {
    const tree = this.tree;
    if (tree !== null) {
      const ptr = tree.take(size);
      if (tree.count < ARRAY_AT) this.toArrays(tree);
      return ptr;
    }
    const starts = this.starts, sizes = this.sizes;
    for (let i = 0; i < starts.length; i++) {
      if (sizes[i] < size) continue;
      const ptr = starts[i];
      if (sizes[i] === size) {
        starts.splice(i, 1);
        sizes.splice(i, 1);
      } else {
        starts[i] += size;
        sizes[i] -= size;
      }
      return ptr;
    }
    return -1;
  }

  /** Adds [start, start + size), merged with a range that ends at start or begins at its end. */
  add(start: number, size: number): void {
    const tree = this.tree;
    if (tree !== null) {
      tree.add(start, size);
      if (tree.count < ARRAY_AT) this.toArrays(tree);
      return;
    }
    const starts = this.starts, sizes = this.sizes;
    let lo = 0, hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < start) lo = mid + 1; else hi = mid;
    }
    const prev = lo - 1;
    const joinsPrev = prev >= 0 && starts[prev] + sizes[prev] === start;
    const joinsNext = lo < starts.length && start + size === starts[lo];
    if (joinsPrev && joinsNext) {
      sizes[prev] += size + sizes[lo];
      starts.splice(lo, 1);
      sizes.splice(lo, 1);
    } else if (joinsPrev) {
      sizes[prev] += size;
    } else if (joinsNext) {
      starts[lo] = start;
      sizes[lo] += size;
    } else {
      starts.splice(lo, 0, start);
      sizes.splice(lo, 0, size);
      if (starts.length > TREE_AT) this.toTree();
    }
  }

  layout(): { readonly ranges: number; readonly tree: boolean } {
    return this.tree !== null ? { ranges: this.tree.count, tree: true } : { ranges: this.starts.length, tree: false };
  }

  /** The size of the free range that ends at `end`, or 0. */
  sizeEndingAt(end: number): number {
    const tree = this.tree;
    if (tree !== null) {
      const last = tree.last();
      return last !== null && last.start + last.size === end ? last.size : 0;
    }
    const n = this.starts.length;
    return n > 0 && this.starts[n - 1] + this.sizes[n - 1] === end ? this.sizes[n - 1] : 0;
  }

  private toTree(): void {
    const tree = new FreeTree();
    for (let i = 0; i < this.starts.length; i++) tree.add(this.starts[i], this.sizes[i]);
    this.starts.length = 0;
    this.sizes.length = 0;
    this.tree = tree;
  }

  private toArrays(tree: FreeTree): void {
    tree.forEach((start, size) => { this.starts.push(start); this.sizes.push(size); });
    this.tree = null;
  }
}

/** A free range: a node of FreeTree. */
interface FreeNode {
  start: number;
  size: number;
  /** The largest size in this node's subtree. */
  max: number;
  readonly priority: number;
  left: FreeNode | null;
  right: FreeNode | null;
}

/**
 * The free ranges as a treap keyed by start, each node holding the largest size below it:
 * the first fit (the lowest start with room), the neighbours of a freed block and the last
 * range are each found in O(log n) expected steps, where a sorted array scanned for the
 * first fit took O(n) (a one-sample predict among 20,000 holes: 2.5 -> 104 us). Which range
 * a request gets depends only on the ranges, never on the tree's shape; the priorities come
 * from a fixed-seed generator, so a run's tree is the same every time too.
 */
class FreeTree {
  private root: FreeNode | null = null;
  /** How many ranges the tree holds. */
  count = 0;
  private seed = 0x2545f491;
  /** Scratch: a path from the root, reused so that the common steps allocate nothing. */
  private readonly path: FreeNode[] = [];

  /** The range with the highest start, or null. */
  last(): FreeNode | null {
    let n = this.root;
    if (n === null) return null;
    while (n.right !== null) n = n.right;
    return n;
  }

  /** Carves `size` bytes off the front of the lowest range that holds them; -1 when none does. */
  take(size: number): number {
    if (this.root === null || this.root.max < size) return -1;
    const path = this.path;
    path.length = 0;
    let n = this.root;
    for (;;) {
      path.push(n);
      if (n.left !== null && n.left.max >= size) n = n.left;
      else if (n.size >= size) break;
      else n = n.right as FreeNode;
    }
    const ptr = n.start;
    if (n.size === size) this.remove(ptr);
    else {
      n.start += size;
      n.size -= size;
      pullPath(path);
    }
    return ptr;
  }

  /** Adds [start, start + size), merging it with a range that ends at start or begins at its end. */
  add(start: number, size: number): void {
    // The ranges just below and just above start.
    let prev: FreeNode | null = null, next: FreeNode | null = null;
    for (let n = this.root; n !== null;) {
      if (n.start < start) { prev = n; n = n.right; } else { next = n; n = n.left; }
    }
    const joinsPrev = prev !== null && prev.start + prev.size === start;
    const joinsNext = next !== null && start + size === next.start;
    if (joinsPrev && joinsNext) {
      const p = prev as FreeNode, q = next as FreeNode;
      this.remove(q.start);
      p.size += size + q.size;
      this.pullTo(p.start);
    } else if (joinsPrev) {
      (prev as FreeNode).size += size;
      this.pullTo(start - 1);
    } else if (joinsNext) {
      const q = next as FreeNode;
      q.start = start;
      q.size += size;
      this.pullTo(start);
    } else {
      this.insert({ start, size, max: size, priority: this.nextPriority(), left: null, right: null });
    }
  }

  /** Recomputes the maxima on the path from the root to the range holding address `at`. */
  private pullTo(at: number): void {
    const path = this.path;
    path.length = 0;
    for (let n = this.root; n !== null;) {
      path.push(n);
      if (at < n.start) n = n.left;
      else if (at >= n.start + n.size) n = n.right;
      else break;
    }
    pullPath(path);
  }

  /** Calls fn for every range in address order. */
  forEach(fn: (start: number, size: number) => void): void {
    const walk = (n: FreeNode | null): void => {
      if (n === null) return;
      walk(n.left);
      fn(n.start, n.size);
      walk(n.right);
    };
    walk(this.root);
  }

  private insert(node: FreeNode): void {
    const [l, r] = split(this.root, node.start);
    this.root = merge(merge(l, node), r);
    this.count++;
  }

  private remove(start: number): void {
    const [l, rest] = split(this.root, start);
    const [, r] = split(rest, start + 1);
    this.root = merge(l, r);
    this.count--;
  }

  /** xorshift32: deterministic, and random enough to keep the tree balanced in expectation. */
  private nextPriority(): number {
    let x = this.seed;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }
}

function maxOf(n: FreeNode): number {
  let m = n.size;
  if (n.left !== null && n.left.max > m) m = n.left.max;
  if (n.right !== null && n.right.max > m) m = n.right.max;
  return m;
}

function pullPath(path: FreeNode[]): void {
  for (let i = path.length - 1; i >= 0; i--) path[i].max = maxOf(path[i]);
}

/** Splits a tree into the ranges starting below `key` and the rest. */
function split(t: FreeNode | null, key: number): [FreeNode | null, FreeNode | null] {
  if (t === null) return [null, null];
  if (t.start < key) {
    const [l, r] = split(t.right, key);
    t.right = l;
    t.max = maxOf(t);
    return [t, r];
  }
  const [l, r] = split(t.left, key);
  t.left = r;
  t.max = maxOf(t);
  return [l, t];
}

/** Joins two trees, every start in `a` below every start in `b`. */
function merge(a: FreeNode | null, b: FreeNode | null): FreeNode | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    a.max = maxOf(a);
    return a;
  }
  b.left = merge(a, b.left);
  b.max = maxOf(b);
  return b;
}
