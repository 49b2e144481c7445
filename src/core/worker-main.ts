// The worker's whole program (see pool.ts for the protocol). Workers are started from
// source text, not from a module URL, so this function travels as a string: the build
// (scripts/build.mjs) strips this file's types and writes its text to
// worker-source.generated.ts. A string literal is what a consumer's bundler cannot change;
// `workerMain.toString()` gave the text after the consumer's bundler had transformed it,
// and a transform that calls a helper defined outside the function (esbuild's keepNames
// wraps nested functions in \`__name(...)\`, coverage counters, ...) broke every worker
// with a ReferenceError. So this file imports nothing and refers to nothing outside the
// function but its own types.

/** Where things live in the control block; sent to every worker. */
export interface Layout {
  readonly pending: number;
  readonly error: number;
  readonly quit: number;
  readonly next: number;
  readonly header: number;
  /** Part slots (parts 1.. of a call): PARTS_PER_THREAD per thread, less the caller's first. */
  readonly slots: number;
  readonly slotDoubles: number;
  readonly argsByte: number;
  readonly msgChars: number;
  readonly msgByte: number;
}

/** What a worker needs from its host runtime (worker_threads or a Web Worker). */
export interface WorkerHost {
  post(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
  onExit(handler: () => void): void;
  exit(): void;
}

/** @internal The pool's one message to a worker (it names WebAssembly types, which a consumer without the DOM library may lack). */
export interface StartMessage {
  readonly module: WebAssembly.Module;
  /** The relaxed-SIMD overlay (wasm.ts), instantiated on the same memory; its exports win. */
  readonly overlay: WebAssembly.Module | undefined;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  readonly index: number;
  readonly names: readonly string[];
  readonly layout: Layout;
  readonly spin: number;
}

/**
 * The worker's whole program. It is sent as source text (worker-source.generated.ts), so
 * it must not refer to anything outside itself: constants come in the start message.
 */
export function workerMain(host: WorkerHost): void {
  host.onMessage((data: unknown) => {
    // The only message a worker receives is the start message the pool built.
    const m = data as StartMessage;
    const L = m.layout;
    const ctl = new Int32Array(m.control);
    const me = m.index;
    const jobAt = L.header + 2 * me;
    const stateAt = jobAt + 1;
    const slots = Array.from({ length: L.slots }, (_, i) => new Float64Array(m.control, L.argsByte + i * L.slotDoubles * 8, L.slotDoubles));
    const msg = new Uint16Array(m.control, L.msgByte + me * L.msgChars * 2, L.msgChars);
    let fns: ((...a: number[]) => unknown)[];
    try {
      const exports = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports;
      const over = m.overlay === undefined ? undefined : new WebAssembly.Instance(m.overlay, { env: { memory: m.memory } }).exports;
      fns = m.names.map((name) => {
        const f = over?.[name] ?? exports[name];
        if (typeof f !== 'function') throw new Error(`the kernel module lacks ${name}`);
        return (...a: number[]): unknown => f(...a);
      });
    } catch (e) {
      host.post({ kind: 'error', message: String(e) });
      return;
    }
    let busy = false;
    const fail = (text: string): void => {
      const n = Math.min(text.length, L.msgChars - 1);
      for (let i = 0; i < n; i++) msg[i] = text.charCodeAt(i);
      msg[n] = 0;
      Atomics.compareExchange(ctl, L.error, 0, me + 1);
      // The caller stops waiting for parts nobody has started (see Pool.waitAll).
      Atomics.notify(ctl, L.pending);
    };
    const done = (): void => {
      busy = false;
      if (Atomics.sub(ctl, L.pending, 1) === 1) Atomics.notify(ctl, L.pending);
    };
    host.onExit(() => {
      Atomics.store(ctl, stateAt, 2);
      if (busy) {
        fail('the worker exited while running its share');
        done();
      }
    });
    Atomics.store(ctl, stateAt, 1);
    host.post({ kind: 'ready' });
    let seen = 0;
    for (;;) {
      let job = Atomics.load(ctl, jobAt);
      for (let s = 0; job === seen && s < m.spin; s++) job = Atomics.load(ctl, jobAt);
      while (job === seen) {
        Atomics.wait(ctl, jobAt, seen);
        job = Atomics.load(ctl, jobAt);
      }
      seen = job;
      for (;;) {
        if (Atomics.load(ctl, L.quit) !== 0) return;
        const w = Atomics.load(ctl, L.next);
        const part = w & 0xFFFF;
        if (part >= w >>> 16) break;
        if (Atomics.compareExchange(ctl, L.next, w, w + 1) !== w) continue;
        busy = true;
        try {
          const args = slots[part - 1];
          const calls = args[0];
          let p = 1;
          for (let c = 0; c < calls; c++) {
            const id = args[p], argc = args[p + 1];
            if (id === -1) throw new Error('test hook: a kernel call failed');
            if (id === -2) {
              host.exit();
              return;
            }
            const a: number[] = [];
            for (let i = 0; i < argc; i++) a.push(args[p + 2 + i]);
            fns[id](...a);
            p += 2 + argc;
          }
        } catch (e) {
          fail(e instanceof Error ? e.message : String(e));
        }
        done();
      }
    }
  });
}
