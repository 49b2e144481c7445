// Loads the kernels in any runtime: their bytes are embedded (base64), so no file access,
// fetch or bundler configuration is needed. This file, heap.ts and pool.ts are the only
// code that touches the module's exports and memory.
//
// Two builds of the same kernels are embedded: the default one with its own memory, and a
// shared-memory one (build check: the same code section, no data segments, no start
// function) that worker threads instantiate on the same memory. init({threads}) picks.
//
// A third, small module is optional: the relaxed-SIMD overlay (assembly/relaxed.ts, one
// build per memory kind), GEMM and conv compiled with f32x4.relaxed_madd. It imports the
// loaded module's memory and its exports replace those kernels; init({ relaxedSimd: true })
// loads it where WebAssembly.validate accepts it, and simdInfo() says which engine runs.
//
// Loads are async everywhere but in Cloudflare Workers (workerd), where init() compiles and
// instantiates the single-threaded build synchronously before it returns: workerd settles no
// async compile while a worker's module is evaluated and refuses to compile during a request,
// so `init()` at the module's top level is the one way to load there (syncCompileRuntime).
import { WASM_BASE64 } from './wasm-bytes.generated.js';
import { WASM_RELAXED_BASE64 } from './wasm-relaxed-bytes.generated.js';
import { bindKernels, overlayKernels, type Kernels } from './kernels.generated.js';
import { Heap, MAX_PAGES } from './heap.js';
import { Engine } from './engine.js';
import { Pool, PoolError, type Part } from './pool.js';
import { workerSupport, type WorkerSupport } from './workers.js';
import { checkKeys, describeValue, showValue } from './checks.js';

export type { Kernels };

/** Threads the kernels run on, and why it is one when more were asked for or expected. */
export interface ThreadInfo {
  /** Threads a parallel kernel call uses, the calling thread included. */
  readonly threads: number;
  /** One line saying why the pool is not running with more threads; absent when it runs as asked. */
  readonly reason?: string;
  /** True when the shared-memory build is loaded (threads can be started later with init). */
  readonly shared: boolean;
}

/** Which multiply-add the GEMM and conv kernels run. */
export interface SimdInfo {
  /**
   * 'plain': the default, a rounded multiply then a rounded add; the same bits in every
   * engine. 'relaxed': f32x4.relaxed_madd, fused (one rounding) where the CPU has FMA,
   * faster, and its bits depend on the engine and the CPU.
   */
  readonly engine: 'plain' | 'relaxed';
  /** Why the plain engine runs although init was asked for relaxedSimd; absent otherwise. */
  readonly reason?: string;
}

/** init()'s options: threads, relaxed SIMD, and how the module is loaded. */
export interface InitOptions {
  /**
   * Threads for parallel kernels, the calling thread included: 1 runs today's
   * single-threaded build with no workers. Default: the runtime's logical cores, at most 8.
   * Results are bit-identical for every value.
   */
  readonly threads?: number;
  /** Milliseconds one parallel call may take before the pool is declared broken (default 300000). */
  readonly threadTimeoutMs?: number;
  /**
   * GEMM and conv with f32x4.relaxed_madd (relaxed SIMD) where the engine validates it,
   * otherwise the plain kernels, with the reason in simdInfo(). Never the default: results
   * then differ from the default build's in the last bits and between CPUs, so the
   * cross-runtime determinism does not hold for them (results do not depend on the thread
   * count). Node 20 needs --experimental-wasm-relaxed-simd; Node 22+, Deno, Bun and
   * Chromium accept it. Read by the first init only: a later init with a different value throws.
   */
  readonly relaxedSimd?: boolean;
}

/** The most threads init accepts. */
export const MAX_THREADS = 64;
const DEFAULT_MAX_THREADS = 8;
/**
 * Minimum work per thread. A parallel call costs the caller about 10-30 us (stores, a
 * notify, a worker waking, the final wait) on the 2-core machine of bench/README.md; a part
 * must be worth several times that. GEMM and conv count flops (2 per multiply-add, dense:
 * the estimate cannot see the zeros GEMM skips, and on MNIST pixels it skips 60-70% of
 * them), elementwise kernels and pooling count elements (`npm run bench -- threads`
 * measures both). 8 MFLOP: with 2 MFLOP a batch-32 MLP epoch at 2 threads took 186 ms per
 * 10,000 images against 110-115 ms unsplit (its first layer, 6.4 MFLOP dense, is 2.5
 * MFLOP of real work); 8 MFLOP keeps that layer on one thread and still splits batch 128.
 */
const MIN_FLOPS_PER_THREAD = 8_000_000;
/**
 * The same for conv2d and its gradients (WorkUnit 'conv-flops', the dense count). Their
 * flops are real (only the filter gradient behind a pool skips some), and for few input
 * channels they cost more time each than GEMM's (the slide-13 CNN's first layer runs at
 * 18-20 GFLOP/s, GEMM at 45): forced splits at 2 threads measured 1.25-1.31x for that
 * layer's forward at 0.8-1.6 MFLOP and 1.7-1.9x for its filter gradient from 0.8 MFLOP up,
 * while 8 MFLOP kept it (12.5 MFLOP at batch 32) on one thread.
 */
const MIN_CONV_FLOPS_PER_THREAD = 1_000_000;
const MIN_ELEMENTS_PER_THREAD = 65_536;

/** The thread state of a loaded runtime: the pool (when running) and what threadInfo says. */
export class Threads {
  pool: Pool | undefined;
  reason: string | undefined;
  readonly shared: boolean;
  /** Work below which a part stays on the calling thread (parallel.ts; tests lower them to split small shapes). */
  minFlops = MIN_FLOPS_PER_THREAD;
  minConvFlops = MIN_CONV_FLOPS_PER_THREAD;
  minElements = MIN_ELEMENTS_PER_THREAD;
  /** Calls that went to the pool (for tests: proof that work was split). */
  parallelCalls = 0;
  constructor(shared: boolean, reason: string | undefined) {
    this.shared = shared;
    this.reason = reason;
  }

  get count(): number { return this.pool?.threads ?? 1; }

  /**
   * Runs the parts, parts[0] on this thread; with no pool (or one part) all run here in
   * order. A worker failure shuts the pool down, leaves one thread with the reason, and throws.
   */
  run(parts: readonly Part[], kernels: Kernels): void {
    const pool = this.pool;
    if (pool === undefined || parts.length === 1) {
      for (const p of parts) p(kernels);
      return;
    }
    this.parallelCalls++;
    try {
      pool.run(parts, kernels);
    } catch (e) {
      if (e instanceof PoolError) {
        this.pool = undefined;
        this.reason = `${e.message.replace(/^actlab: /, '')}; running on one thread (await init({ threads }) starts a fresh pool)`;
        // Still a PoolError: a caller that wrote memory across several calls (an optimizer step) can tell.
        throw new PoolError(`${e.message}. The pool was shut down: this call's result is lost, later calls run on one ` +
          'thread, and await init({ threads }) starts a fresh pool');
      }
      throw e;
    }
  }
}

/** The engine choice of a loaded runtime. */
export interface Simd {
  /** What the first init asked for. */
  readonly asked: boolean;
  /** The default module's own kernels. */
  readonly plain: Kernels;
  /** The plain kernels with the overlay's in their place, when it loaded. */
  readonly relaxed: Kernels | undefined;
  /** Why relaxed was asked for but did not load. */
  readonly reason: string | undefined;
}

export interface Runtime {
  /** The kernels calls go to: simd.relaxed when it loaded, else simd.plain. */
  readonly kernels: Kernels;
  readonly simd: Simd;
  readonly heap: Heap;
  /** Tensor scopes (tidy) and the gradient tape. */
  readonly engine: Engine;
  /** The worker pool and its state. */
  readonly threads: Threads;
}

let runtime: Runtime | undefined;
let loading: Promise<Runtime> | undefined;
/** init calls run one after another, so pools are never started twice at once. */
let queue: Promise<void> = Promise.resolve();
let sharedModule: WebAssembly.Module | undefined;
/** The relaxed overlay for shared memory, when the shared runtime loaded it (workers instantiate it too). */
let sharedOverlay: WebAssembly.Module | undefined;
let support: Promise<WorkerSupport> | undefined;
/** Test seam: replaces the runtime probe (simulating a runtime without SharedArrayBuffer or workers). */
let supportOverride: (() => Promise<WorkerSupport>) | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function simdBytes(base64: string): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64(base64);
  if (!WebAssembly.validate(bytes)) {
    throw new Error('actlab: this engine cannot run the kernels: WebAssembly SIMD (128-bit) is required');
  }
  return bytes;
}

async function compile(base64: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(simdBytes(base64));
}

/**
 * True in Cloudflare Workers (workerd), where the kernels are compiled synchronously: there
 * an async WebAssembly.compile started while the module loads settles only after the first
 * request has been declared hung, top-level await of it never settles, and compiling inside
 * a request is refused ('Wasm code generation disallowed by embedder'). Everywhere else the
 * load stays async (browsers limit synchronous compiles on the main thread).
 */
function syncCompileRuntime(): boolean {
  const nav: unknown = Reflect.get(globalThis, 'navigator');
  return typeof nav === 'object' && nav !== null && Reflect.get(nav, 'userAgent') === 'Cloudflare-Workers';
}

/** The runtime's logical cores from navigator.hardwareConcurrency, when it says. */
function navigatorCores(): number | undefined {
  const nav: unknown = Reflect.get(globalThis, 'navigator');
  const n: unknown = typeof nav === 'object' && nav !== null ? Reflect.get(nav, 'hardwareConcurrency') : undefined;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** Why Cloudflare Workers run one thread when more were asked for (threadInfo().reason). */
const CLOUDFLARE_THREADS_REASON = 'Cloudflare Workers have no worker threads (no Web Workers or node:worker_threads ' +
  'to share the kernels\' memory with): running the single-threaded build';

function checkThreads(n: unknown): number {
  if (typeof n !== 'number') throw new Error(`actlab: init: threads must be a number (an integer from 1 to ${MAX_THREADS}), got ${typeof n} ${JSON.stringify(n)}`);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(`actlab: init: threads = ${String(n)} is out of range: expected an integer from 1 to ${MAX_THREADS}`);
  }
  return n;
}

/** A shared memory with the largest maximum the engine accepts (it reserves that much address space). */
function sharedMemory(): { memory: WebAssembly.Memory; maxPages: number } {
  let last: unknown;
  for (const maxPages of [MAX_PAGES, MAX_PAGES / 2, MAX_PAGES / 4, MAX_PAGES / 16]) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 1, maximum: maxPages, shared: true }), maxPages };
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`actlab: this engine refused a shared WebAssembly memory: ${last instanceof Error ? last.message : String(last)}`);
}

interface Overlay {
  readonly module?: WebAssembly.Module;
  readonly simd: Simd;
}

/**
 * The engine choice for a module's kernels on `memory`: with relaxedSimd, the overlay
 * instantiated on the same memory when the engine validates it, else the reason why not.
 */
/** Why the relaxed overlay is not used: the engine does not validate it, or it failed to load. */
const RELAXED_INVALID = 'this engine does not validate relaxed SIMD (f32x4.relaxed_madd); Node 20 needs ' +
  '--experimental-wasm-relaxed-simd. Running the plain SIMD kernels';
const relaxedFailed = (e: unknown): string =>
  `the relaxed SIMD kernels did not load: ${e instanceof Error ? e.message : String(e)}. Running the plain SIMD kernels`;
const plainOnly = (asked: boolean, plain: Kernels, reason: string | undefined): Simd => ({ asked, plain, relaxed: undefined, reason });

async function loadOverlay(asked: boolean, base64: string, memory: WebAssembly.Memory, plain: Kernels): Promise<Overlay> {
  if (!asked) return { simd: plainOnly(asked, plain, undefined) };
  const bytes = decodeBase64(base64);
  if (!WebAssembly.validate(bytes)) return { simd: plainOnly(asked, plain, RELAXED_INVALID) };
  try {
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return { module, simd: { asked, plain, relaxed: overlayKernels(plain, instance.exports), reason: undefined } };
  } catch (e) {
    return { simd: plainOnly(asked, plain, relaxedFailed(e)) };
  }
}

function instantiateFailed(e: unknown): Error {
  return new Error(`actlab: init: the engine could not instantiate the kernel module (its memory, at least 1 MiB, is allocated then): ${e instanceof Error ? e.message : String(e)}`);
}

function singleMemory(instance: WebAssembly.Instance): WebAssembly.Memory {
  const memory = instance.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('actlab: the kernel module exports no memory');
  return memory;
}

function singleRuntime(memory: WebAssembly.Memory, simd: Simd, reason: string | undefined): Runtime {
  return {
    kernels: simd.relaxed ?? simd.plain, simd, heap: new Heap(memory, simd.plain.heap_base()), engine: new Engine(),
    threads: new Threads(false, reason),
  };
}

async function loadSingle(reason: string | undefined, relaxed: boolean): Promise<Runtime> {
  const module = await compile(WASM_BASE64);
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, {});
  } catch (e) {
    throw instantiateFailed(e);
  }
  const memory = singleMemory(instance);
  const { simd } = await loadOverlay(relaxed, WASM_RELAXED_BASE64, memory, bindKernels(instance.exports));
  return singleRuntime(memory, simd, reason);
}

/** The relaxed overlay compiled and instantiated synchronously (Cloudflare Workers); as loadOverlay otherwise. */
function loadOverlaySync(asked: boolean, memory: WebAssembly.Memory, plain: Kernels): Simd {
  if (!asked) return plainOnly(asked, plain, undefined);
  const bytes = decodeBase64(WASM_RELAXED_BASE64);
  if (!WebAssembly.validate(bytes)) return plainOnly(asked, plain, RELAXED_INVALID);
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return { asked, plain, relaxed: overlayKernels(plain, instance.exports), reason: undefined };
  } catch (e) {
    return plainOnly(asked, plain, relaxedFailed(e));
  }
}

/**
 * The single-threaded build compiled and instantiated synchronously, for Cloudflare Workers
 * (see syncCompileRuntime). workerd allows that only while the worker's module is being
 * evaluated, so init() must be called at its top level.
 */
function loadSingleSync(reason: string | undefined, relaxed: boolean): Runtime {
  const bytes = simdBytes(WASM_BASE64);
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    throw new Error('actlab: init: Cloudflare Workers compile WebAssembly only while the worker\'s module is evaluated: call ' +
      `init() at the module's top level (const ready = init()), not inside fetch (${e instanceof Error ? e.message : String(e)})`);
  }
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, {});
  } catch (e) {
    throw instantiateFailed(e);
  }
  const memory = singleMemory(instance);
  return singleRuntime(memory, loadOverlaySync(relaxed, memory, bindKernels(instance.exports)), reason);
}

/** The shared-memory build's bytes (dist/wasm-threads-bytes.generated.js beside the bundle). */
type ThreadsBytes = typeof import('./wasm-threads-bytes.generated.js');

async function loadShared(bytes: ThreadsBytes, relaxed: boolean): Promise<Runtime> {
  const { WASM_THREADS_BASE64, WASM_RELAXED_THREADS_BASE64 } = bytes;
  const module = await compile(WASM_THREADS_BASE64);
  const { memory, maxPages } = sharedMemory();
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const plain = bindKernels(instance.exports);
  const overlay = await loadOverlay(relaxed, WASM_RELAXED_THREADS_BASE64, memory, plain);
  sharedModule = module;
  sharedOverlay = overlay.module;
  const { simd } = overlay;
  return {
    kernels: simd.relaxed ?? plain, simd, heap: new Heap(memory, plain.heap_base(), maxPages), engine: new Engine(),
    threads: new Threads(true, undefined),
  };
}

function probe(): Promise<WorkerSupport> {
  if (supportOverride !== undefined) return supportOverride();
  support ??= workerSupport();
  return support;
}

async function startPool(r: Runtime, threads: number, s: WorkerSupport, timeoutMs: number): Promise<void> {
  const t = r.threads;
  t.pool?.close();
  t.pool = undefined;
  t.reason = undefined;
  if (threads === 1) return;
  if (s.factory === undefined || sharedModule === undefined) {
    t.reason = s.reason ?? 'the kernels were loaded single-threaded';
    return;
  }
  const names = Object.keys(r.kernels);
  try {
    t.pool = await Pool.start({
      threads, module: sharedModule, overlay: sharedOverlay, memory: r.heap.memory, names, factory: s.factory, timeoutMs, startTimeoutMs: 20_000,
      // A worker polls for a while (about 0.1-0.5 ms) before it sleeps, so the calls of a training
      // step, tens of microseconds apart, skip the futex wake (about 60 us here; CNN epoch on 2
      // threads 47 -> 27-41 s with 200,000 polls against 2,000);
      // with more threads than cores the polling would take the core the caller needs.
      spin: s.cores !== undefined && threads <= s.cores ? 200000 : 0,
    }, (pool) => bindKernels(Object.fromEntries(names.map((name, id) => [name, (...a: number[]): number => {
      pool.record(id, a);
      return 0;
    }]))));
  } catch (e) {
    t.reason = `the worker pool did not start: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** init's options, checked. */
interface Options {
  /** The thread count asked for; undefined: the default. */
  readonly threads: number | undefined;
  readonly timeoutMs: number;
  readonly relaxed: boolean | undefined;
}

const INIT_KEYS: readonly (keyof InitOptions)[] = ['threads', 'threadTimeoutMs', 'relaxedSimd'];

/** Checks init's argument: an options object with known keys and values of the right type. */
function readOptions(options: unknown): Options {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(`actlab: init: expected an options object ({ threads?, threadTimeoutMs?, relaxedSimd? }) or nothing, got ${describeValue(options)}`);
  }
  checkKeys('init', options, INIT_KEYS);
  const threads: unknown = Reflect.get(options, 'threads');
  const timeout: unknown = Reflect.get(options, 'threadTimeoutMs');
  const relaxed: unknown = Reflect.get(options, 'relaxedSimd');
  const timeoutMs = timeout ?? 300_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new Error(`actlab: init: threadTimeoutMs = ${showValue(timeoutMs)} must be a positive number of milliseconds`);
  }
  const asked = threads === undefined ? undefined : checkThreads(threads);
  if (relaxed !== undefined && typeof relaxed !== 'boolean') {
    throw new Error(`actlab: init: relaxedSimd = ${String(relaxed)} must be true or false`);
  }
  return { threads: asked, timeoutMs, relaxed };
}

/** `loadedNow`: init() has just loaded the runtime synchronously (Cloudflare Workers); nothing is left to do but the checks. */
async function initOnce(options: Options, loadedNow: boolean): Promise<void> {
  const { timeoutMs, relaxed, threads: asked } = options;
  if (runtime !== undefined && relaxed !== undefined && relaxed !== runtime.simd.asked) {
    throw new Error(`actlab: init: relaxedSimd = ${relaxed}, but the first init() loaded the kernels with relaxedSimd = ` +
      `${runtime.simd.asked}: the engine is chosen once (tensors live in its memory, and the two engines give different ` +
      'bits); pass relaxedSimd to the first init()');
  }
  if (loadedNow || (runtime !== undefined && asked === undefined)) return;
  const s = asked === 1 && runtime === undefined ? {} : await probe();
  const wanted = asked ?? Math.min(s.cores ?? 1, DEFAULT_MAX_THREADS);
  if (runtime === undefined) {
    loading ??= (async () => {
      if (wanted === 1 || s.factory === undefined) return loadSingle(wanted === 1 ? undefined : s.reason, relaxed === true);
      // Imported only now: an app that never runs threads does not load (or, with a bundler
      // that splits code, download) the shared-memory build's 0.6 MB of base64. A copy of
      // dist/index.js without the file beside it runs one thread and says why.
      let bytes: ThreadsBytes;
      try {
        bytes = await import('./wasm-threads-bytes.generated.js');
      } catch (e) {
        return loadSingle('the shared-memory build did not load (wasm-threads-bytes.generated.js, which sits beside ' +
          `actlab's index.js): ${e instanceof Error ? e.message : String(e)}`, relaxed === true);
      }
      return loadShared(bytes, relaxed === true);
    })();
    try {
      runtime = await loading;
    } catch (e) {
      // A failed load (memory refused, say) is not kept: the next init() tries again.
      loading = undefined;
      throw e;
    }
    if (!runtime.threads.shared) return;
  } else if (!runtime.threads.shared) {
    if (wanted === 1) runtime.threads.reason = undefined;
    else {
      runtime.threads.reason = 'the kernels were loaded single-threaded by an earlier init() (threads: 1, or no ' +
        'SharedArrayBuffer or workers then), and tensors live in that memory: pass threads to the first init()';
    }
    return;
  } else if (runtime.threads.pool?.threads === wanted && !runtime.threads.pool.isClosed) {
    return;
  }
  await startPool(runtime, wanted, s, timeoutMs);
}

/**
 * Loads and instantiates the kernels and starts the worker pool; safe to call any number
 * of times. `relaxedSimd` is read by the first call only (see InitOptions). The first call picks the build: with threads > 1 (the default where the runtime
 * has several cores) and SharedArrayBuffer and workers available, the shared-memory build
 * and a pool of threads - 1 workers; otherwise the single-threaded build, with the reason
 * in threadInfo(). A later call with `threads` resizes the pool (or restarts one after a
 * worker failure); without it, a later call changes nothing.
 *
 * In Cloudflare Workers the first call loads the kernels before it returns (call it at the
 * worker module's top level: workerd compiles WebAssembly only then), on one thread.
 * Refuses an argument that is not an options object and options it does not know.
 */
export function init(options: InitOptions = {}): Promise<void> {
  let o: Options;
  let loadedNow = false;
  try {
    o = readOptions(options);
    if (runtime === undefined && loading === undefined && syncCompileRuntime()) {
      // Cloudflare Workers: compiled and instantiated here, before init returns, so
      // `const ready = init()` at a worker's top level has the kernels loaded when the module
      // has been evaluated (see syncCompileRuntime). No workers there: one thread.
      const wanted = o.threads ?? Math.min(navigatorCores() ?? 1, DEFAULT_MAX_THREADS);
      const r = loadSingleSync(wanted === 1 ? undefined : CLOUDFLARE_THREADS_REASON, o.relaxed === true);
      runtime = r;
      loading = Promise.resolve(r);
      loadedNow = true;
    }
  } catch (e) {
    return Promise.reject(e);
  }
  const next = queue.then(() => initOnce(o, loadedNow));
  queue = next.catch(() => undefined);
  return next;
}

/** The loaded runtime; throws a clear Error before `await init()` has finished. */
export function rt(): Runtime {
  if (runtime === undefined) throw new Error('actlab: kernels are not loaded yet: call `await init()` first');
  return runtime;
}

/** Threads the kernels use and, when fewer than asked or expected, why (one line). */
export function threadInfo(): ThreadInfo {
  const t = rt().threads;
  return t.reason === undefined ? { threads: t.count, shared: t.shared } : { threads: t.count, reason: t.reason, shared: t.shared };
}

/** The engine GEMM and conv run ('plain' or 'relaxed') and, when relaxed was asked for but is not running, why. */
export function simdInfo(): SimdInfo {
  const r = rt();
  const engine = r.simd.relaxed !== undefined && r.kernels === r.simd.relaxed ? 'relaxed' : 'plain';
  return r.simd.reason === undefined ? { engine } : { engine, reason: r.simd.reason };
}

/** Test and benchmark seams for the engine choice: not part of the public API (not exported from the package entry). */
export const simdTesting = {
  /**
   * Points kernel calls at the plain or the relaxed kernels of the loaded runtime, so one
   * process can time both on the same tensors (bench/gemm.ts). One thread only: workers
   * keep the kernels they were started with.
   */
  use(engine: 'plain' | 'relaxed'): void {
    const r = rt();
    if (r.threads.pool !== undefined) throw new Error('actlab: simdTesting.use needs a runtime without a thread pool (init({ threads: 1 }))');
    const k = engine === 'relaxed' ? r.simd.relaxed : r.simd.plain;
    if (k === undefined) throw new Error(`actlab: the relaxed kernels are not loaded: ${r.simd.reason ?? 'init({ relaxedSimd: true }) first'}`);
    runtime = { ...r, kernels: k };
  },
};

/** Test seams for the pool: not part of the public API (not exported from the package entry). */
export const threadTesting = {
  /** Replaces the runtime probe before the first init (undefined restores it). */
  setSupport(fn: (() => Promise<WorkerSupport>) | undefined): void { supportOverride = fn; },
  /**
   * Lowers (or restores, with undefined) the per-thread minimum work, so small shapes split.
   * `flops` sets GEMM's and conv's alike unless `convFlops` is given.
   */
  setMinWork(flops: number | undefined, elements: number | undefined, convFlops?: number): void {
    const t = rt().threads;
    t.minFlops = flops ?? MIN_FLOPS_PER_THREAD;
    t.minConvFlops = convFlops ?? flops ?? MIN_CONV_FLOPS_PER_THREAD;
    t.minElements = elements ?? MIN_ELEMENTS_PER_THREAD;
  },
  /** Parallel calls the pool has run so far. */
  parallelCalls(): number { return rt().threads.parallelCalls; },
  /** Parts meant for workers that the calling thread ran itself (no worker had claimed them). */
  partsStolen(): number { return rt().threads.pool?.partsStolen ?? 0; },
  localParts(): number { return rt().threads.pool?.localParts ?? 0; },
  /** While set, parallel calls do not wake the workers, so sleeping ones leave their parts to the caller. */
  skipWake(skip: boolean): void {
    const pool = rt().threads.pool;
    if (pool === undefined) throw new Error('actlab: no thread pool is running');
    pool.skipWake = skip;
  },
  /** The next parallel call's worker parts throw (HOOK_THROW) or their worker exits (HOOK_EXIT). */
  failNext(hook: number): void {
    const pool = rt().threads.pool;
    if (pool === undefined) throw new Error('actlab: no thread pool is running');
    pool.hookNext = hook;
  },
};
