// The worker pool: threads that instantiate the shared-memory build of the kernels on the
// same WebAssembly.Memory and run kernel calls the calling thread hands them. It is started
// once (init) and reused; a parallel call costs a few stores and one notify per worker.
//
// Protocol, all in one SharedArrayBuffer (the control block), Int32 words:
//   PENDING  parts 1.. not finished yet; whoever finishes the last one notifies it
//   ERROR    0, or 1 + the index of the first worker whose task failed (its message is in
//            its message slot, UTF-16)
//   QUIT     non-zero: workers return when they next wake
//   NEXT     parts << 16 | the next unclaimed part: a thread owns part i once its
//            compareExchange moved NEXT from i to i + 1 (up to 4 * 64 threads = 256 parts)
//   per worker: JOB (bumped by the caller for each call; the worker waits on it), STATE
// and per part 1.. a Float64 slot holding it: a list of kernel calls [id, argc, args...].
// Arguments travel as float64, which holds every i32, u32 pointer, f32 and f64 exactly, so a
// worker's call receives the same values the calling thread would pass.
//
// Claiming. Part 0 is the caller's; parts 1.. go to whichever thread claims them first. A
// worker claims parts until none is left; the caller, once its own part is done, claims
// what no worker has started and runs it itself. A worker that wakes late (a futex wake
// took from 1 us to 1 ms on the shared 2-core machine of bench/README.md, run to run; a
// split GEMM's half can be 0.1 ms) so costs a call little: the caller does that share. Parts never share an
// output element or a scratch buffer, and a part is the same kernel calls whoever runs it,
// so the bits do not depend on who ran what. The word holds the part count too, so a
// worker that read it during an earlier call can only claim a part of the current one.
//
// Waiting. Workers block in Atomics.wait after a short spin. The caller waits on PENDING:
// Atomics.wait where the thread may block, a spin on Atomics.load where it may not (a
// browser's main thread). A worker that throws reports the error and still counts its part
// down; one that exits (Node's process.exit in a worker) counts down from its exit handler;
// a watchdog ends a call that takes longer than the timeout. After any failure the pool is
// shut down and the call throws; see wasm.ts for the rest.
import type { Kernels } from './kernels.generated.js';
import type { Layout, StartMessage } from './worker-main.js';
import { WORKER_MAIN_SOURCE } from './worker-source.generated.js';

export type { WorkerHost } from './worker-main.js';

const PENDING = 0;
const ERROR = 1;
const QUIT = 2;
const NEXT = 3;
const HEADER = 4;
/** A worker's STATE after it exited (it writes 1 when ready, 2 on exit: it sees no constants). */
const DEAD = 2;
/** Doubles per part slot: room for a few hundred kernel calls. */
const SLOT_DOUBLES = 8192;
/**
 * Parts a call may have per thread. More parts than threads balance a call whose threads
 * do not all get a core at once (another job, a late wake): whoever is free claims the next.
 */
export const PARTS_PER_THREAD = 4;
const MSG_CHARS = 512;
/** Kernel ids the test hooks use: a task that throws, a worker that exits mid-task. */
export const HOOK_THROW = -1;
export const HOOK_EXIT = -2;

/** Source of the Node-style worker (worker_threads: Node, Deno, Bun), run with `eval: true`. */
function nodeWorkerSource(): string {
  // Node's process is reached through globalThis inside the worker's own source text; the
  // core never touches it. process.exit in a worker fires 'exit' there, which counts the
  // worker out of a call it had started.
  return `import('node:worker_threads').then(({ parentPort }) => {
  const proc = globalThis['process'];
  (${WORKER_MAIN_SOURCE})({
    post: (m) => parentPort.postMessage(m),
    onMessage: (h) => parentPort.on('message', h),
    onExit: (h) => proc.on('exit', h),
    exit: () => proc.exit(1),
  });
});`;
}

/** Source of a module Web Worker (browsers). */
function webWorkerSource(): string {
  // A Web Worker that closes itself fires no event the pool could see, so exit() runs the
  // handlers itself before closing.
  return `const exits = [];
(${WORKER_MAIN_SOURCE})({
  post: (m) => self.postMessage(m),
  onMessage: (h) => self.addEventListener('message', (e) => h(e.data)),
  onExit: (h) => exits.push(h),
  exit: () => { for (const h of exits) h(); self.close(); },
});`;
}

/** The pool's handle on one worker, whatever the runtime's worker API. */
export interface WorkerHandle {
  postMessage(message: unknown): void;
  /** Resolves on the worker's first message; rejects on its error or early exit. */
  firstMessage(): Promise<unknown>;
  /** Lets the process exit while the worker waits (Node, Deno, Bun). */
  unref(): void;
  terminate(): void;
}

/** Starts one worker running the given source. */
export type WorkerFactory = (source: { node: string; web: string }) => WorkerHandle;

export interface PoolOptions {
  /** Threads including the caller (>= 2). */
  readonly threads: number;
  /** @internal (the published declarations must not need the WebAssembly types) */
  readonly module: WebAssembly.Module;
  /** @internal A module whose exports replace the module's of the same name (the relaxed-SIMD kernels), or undefined. */
  readonly overlay?: WebAssembly.Module;
  /** @internal */
  readonly memory: WebAssembly.Memory;
  readonly names: readonly string[];
  readonly factory: WorkerFactory;
  /** Milliseconds one parallel call may take before the pool is declared broken. */
  readonly timeoutMs: number;
  /** Milliseconds to wait for the workers to start. */
  readonly startTimeoutMs: number;
  /** Atomics.load polls a worker makes before it sleeps in Atomics.wait (0: sleep at once). */
  readonly spin: number;
}

/** A kernel call list for one thread: the part's code runs against a Kernels object. */
export type Part = (k: Kernels) => void;

/** Thrown by Pool.run when a worker failed; the pool is closed by then. */
export class PoolError extends Error {}

/** A part's kernel calls did not fit its slot (see Pool.run: the part then runs on the calling thread). */
class SlotFull extends Error {}

export class Pool {
  /** Threads including the caller. */
  readonly threads: number;
  private readonly workers: WorkerHandle[];
  private readonly ctl: Int32Array;
  private readonly slots: Float64Array[];
  private readonly msgs: Uint16Array[];
  private readonly timeoutMs: number;
  private readonly canBlock: boolean;
  /** Recording kernels: every call appends to `target` at `cursor`. */
  readonly recorder: Kernels;
  private target: Float64Array | undefined;
  private cursor = 0;
  private calls = 0;
  private closed = false;
  /** Test hook: the next run's worker parts fail (HOOK_THROW) or their worker exits (HOOK_EXIT). */
  hookNext: number | undefined;
  /** Test hook: calls do not wake the workers (a spinning worker may still claim a part). */
  skipWake = false;
  /** Parts 1.. that the caller ran itself because no worker had claimed them. */
  partsStolen = 0;
  /** Parts 1.. that the caller ran itself because their calls did not fit a slot. */
  localParts = 0;
  private readonly names: readonly string[];
  /** The kernels the caller replays a claimed part with, and the functions by call id. */
  private replayFor: Kernels | undefined;
  private replayFns: ((...a: number[]) => unknown)[] = [];

  private constructor(opts: PoolOptions, workers: WorkerHandle[], control: SharedArrayBuffer, layout: Layout, recorder: (p: Pool) => Kernels) {
    this.threads = opts.threads;
    this.workers = workers;
    this.ctl = new Int32Array(control);
    this.slots = Array.from({ length: layout.slots }, (_, i) => new Float64Array(control, layout.argsByte + i * layout.slotDoubles * 8, layout.slotDoubles));
    this.msgs = workers.map((_, i) => new Uint16Array(control, layout.msgByte + i * layout.msgChars * 2, layout.msgChars));
    this.timeoutMs = opts.timeoutMs;
    this.names = opts.names;
    this.canBlock = mayBlock(this.ctl);
    this.recorder = recorder(this);
  }

  /** Starts threads - 1 workers and resolves when every one has instantiated the kernels. */
  static async start(opts: PoolOptions, recorder: (p: Pool) => Kernels): Promise<Pool> {
    const n = opts.threads - 1;
    const nSlots = opts.threads * PARTS_PER_THREAD - 1;
    const header = HEADER + 2 * n;
    const argsByte = Math.ceil(header * 4 / 8) * 8;
    const msgByte = argsByte + nSlots * SLOT_DOUBLES * 8;
    const layout: Layout = {
      pending: PENDING, error: ERROR, quit: QUIT, next: NEXT, header: HEADER, slots: nSlots, slotDoubles: SLOT_DOUBLES, argsByte,
      msgChars: MSG_CHARS, msgByte,
    };
    const control = new SharedArrayBuffer(msgByte + n * MSG_CHARS * 2);
    const source = { node: nodeWorkerSource(), web: webWorkerSource() };
    const workers: WorkerHandle[] = [];
    try {
      for (let i = 0; i < n; i++) workers.push(opts.factory(source));
      const spin = opts.spin;
      const ready = workers.map((w, i) => {
        const first = w.firstMessage();
        const start: StartMessage = {
          module: opts.module, overlay: opts.overlay, memory: opts.memory, control, index: i, names: opts.names, layout, spin,
        };
        w.postMessage(start);
        return first.then((m) => {
          if (!isReady(m)) throw new Error(`worker ${i + 1} could not start: ${describe(m)}`);
        });
      });
      await withTimeout(Promise.all(ready), opts.startTimeoutMs, `the workers did not start within ${opts.startTimeoutMs} ms`);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    for (const w of workers) w.unref();
    return new Pool(opts, workers, control, layout, recorder);
  }

  /** Appends one recorded call (used by the recording kernels). */
  record(id: number, args: readonly number[]): void {
    const t = this.target;
    if (t === undefined) throw new Error('actlab: a recording kernel was called outside a parallel part');
    if (this.cursor + 2 + args.length > t.length) {
      throw new SlotFull(`actlab: a parallel part made more kernel calls than a worker slot holds (${t.length} doubles)`);
    }
    t[this.cursor] = id;
    t[this.cursor + 1] = args.length;
    for (let i = 0; i < args.length; i++) t[this.cursor + 2 + i] = args[i];
    this.cursor += 2 + args.length;
    this.calls++;
  }

  /**
   * Runs parts[0] on this thread with `kernels` and parts[1..] on whichever thread claims
   * them first (this one too, once its own part is done), and returns when all are done.
   * A part whose calls do not fit a slot (a large batch cut into many small kernel calls)
   * runs on this thread after its own: the same calls, so the same bits, only not shared.
   * Throws PoolError (after closing the pool) when a worker failed.
   */
  run(parts: readonly Part[], kernels: Kernels): void {
    if (this.closed) throw new Error('actlab: the thread pool is closed');
    const k = parts.length - 1;
    if (k > this.slots.length) {
      throw new Error(`actlab: ${parts.length} parts for a pool of ${this.threads} threads; expected at most ${this.slots.length + 1}`);
    }
    const hooked = this.hookNext !== undefined;
    const local: Part[] = [];
    for (let i = 0; i < k; i++) {
      this.target = this.slots[i];
      this.cursor = 1;
      this.calls = 0;
      try {
        if (this.hookNext !== undefined) this.record(this.hookNext, []);
        parts[i + 1](this.recorder);
      } catch (e) {
        if (!(e instanceof SlotFull)) throw e;
        // Recording has no effect but the slot, so the part can run again here, in full;
        // whoever claims the slot replays nothing.
        local.push(parts[i + 1]);
        this.calls = 0;
      } finally {
        this.target = undefined;
      }
      this.slots[i][0] = this.calls;
    }
    this.localParts += local.length;
    this.hookNext = undefined;
    Atomics.store(this.ctl, PENDING, k);
    Atomics.store(this.ctl, NEXT, (parts.length << 16) | 1);
    if (!this.skipWake) {
      for (let i = 0; i < Math.min(k, this.workers.length); i++) {
        Atomics.add(this.ctl, HEADER + 2 * i, 1);
        Atomics.notify(this.ctl, HEADER + 2 * i, 1);
      }
    }
    let own: unknown;
    try {
      parts[0](kernels);
      for (const part of local) part(kernels);
    } catch (e) {
      own = e;
    }
    // A part meant to fail in a worker (the test hooks) stays with the workers.
    if (own === undefined && !hooked) own = this.claimRest(kernels);
    this.waitAll();
    const failed = Atomics.load(this.ctl, ERROR);
    if (failed !== 0) {
      const text = this.message(failed - 1);
      this.close();
      throw new PoolError(`actlab: thread pool: worker ${failed} failed: ${text}`);
    }
    if (own !== undefined) throw own;
  }

  /** Runs, on this thread, every part no worker has claimed yet; returns what one threw. */
  private claimRest(kernels: Kernels): unknown {
    for (let part = this.claim(); part > 0; part = this.claim()) {
      this.partsStolen++;
      try {
        this.replay(this.slots[part - 1], kernels);
      } catch (e) {
        return e;
      } finally {
        Atomics.sub(this.ctl, PENDING, 1);
      }
    }
    return undefined;
  }

  /** Claims the next part of the current call (its index, >= 1), or returns 0 when none is left. */
  private claim(): number {
    for (;;) {
      const w = Atomics.load(this.ctl, NEXT);
      const part = w & 0xFFFF;
      if (part >= w >>> 16) return 0;
      if (Atomics.compareExchange(this.ctl, NEXT, w, w + 1) === w) return part;
    }
  }

  private dropUnclaimed(): void {
    while (this.claim() > 0) Atomics.sub(this.ctl, PENDING, 1);
  }

  /** Makes the kernel calls recorded in `slot` with `kernels`, as a worker would. */
  private replay(slot: Float64Array, kernels: Kernels): void {
    if (this.replayFor !== kernels) {
      this.replayFns = this.names.map((name) => {
        const f: unknown = Reflect.get(kernels, name);
        if (typeof f !== 'function') throw new Error(`actlab: the kernels lack ${name}`);
        return (...a: number[]): unknown => Reflect.apply(f, kernels, a);
      });
      this.replayFor = kernels;
    }
    const calls = slot[0];
    const a: number[] = [];
    for (let c = 0, p = 1; c < calls; c++) {
      const id = slot[p], argc = slot[p + 1];
      a.length = argc;
      for (let i = 0; i < argc; i++) a[i] = slot[p + 2 + i];
      this.replayFns[id](...a);
      p += 2 + argc;
    }
  }

  /**
   * Waits until every part is done. Once a worker has failed the call's result is lost, so
   * the parts nobody has started are dropped (claimed and counted down unrun: a worker that
   * died would otherwise leave them waiting for the timeout) and only running ones are
   * waited for, since they still write to memory the caller is about to free.
   */
  private waitAll(): void {
    let p = Atomics.load(this.ctl, PENDING);
    for (let s = 0; p !== 0 && s < 4000; s++) p = Atomics.load(this.ctl, PENDING);
    if (p === 0) return;
    const start = performance.now();
    while (p !== 0) {
      if (Atomics.load(this.ctl, ERROR) !== 0) this.dropUnclaimed();
      p = Atomics.load(this.ctl, PENDING);
      if (p !== 0 && this.canBlock) Atomics.wait(this.ctl, PENDING, p, 100);
      p = Atomics.load(this.ctl, PENDING);
      if (p !== 0 && performance.now() - start > this.timeoutMs) {
        const dead = this.workers.map((_, i) => i).filter((i) => Atomics.load(this.ctl, HEADER + 2 * i + 1) === DEAD);
        this.close();
        throw new PoolError(`actlab: thread pool: a parallel call did not finish within ${this.timeoutMs} ms ` +
          `(${p} of ${this.workers.length} workers still busy${dead.length ? `, worker ${dead.map((i) => i + 1).join(', ')} dead` : ''})`);
      }
    }
  }

  private message(i: number): string {
    const m = this.msgs[i];
    let s = '';
    for (let j = 0; j < m.length && m[j] !== 0; j++) s += String.fromCharCode(m[j]);
    return s;
  }

  get isClosed(): boolean { return this.closed; }

  /** Stops every worker; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, QUIT, 1);
    for (let i = 0; i < this.workers.length; i++) {
      Atomics.add(this.ctl, HEADER + 2 * i, 1);
      Atomics.notify(this.ctl, HEADER + 2 * i);
    }
    for (const w of this.workers) w.terminate();
  }
}

/** True where this thread may block in Atomics.wait (not a browser's main thread). */
function mayBlock(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, QUIT, 1, 0);
    return true;
  } catch {
    return false;
  }
}

function isReady(m: unknown): boolean {
  return typeof m === 'object' && m !== null && 'kind' in m && m.kind === 'ready';
}

function describe(m: unknown): string {
  if (typeof m === 'object' && m !== null && 'message' in m) return String(m.message);
  return String(m);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
