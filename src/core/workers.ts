// How this runtime starts workers, found at run time so the core imports nothing from Node:
// Node, Deno and Bun have node:worker_threads (reached through a dynamic import that
// bundlers leave alone, and only where a Node-style process object exists); browsers have
// module Web Workers from a Blob URL. Edge runtimes usually have neither.
import type { WorkerFactory, WorkerHandle } from './pool.js';

interface NodeWorker {
  postMessage(message: unknown): void;
  on(event: string, listener: (value: unknown) => void): void;
  once(event: string, listener: (value: unknown) => void): void;
  unref(): void;
  terminate(): unknown;
}
type NodeWorkerCtor = new (source: string, options: { eval: boolean }) => NodeWorker;

export interface WorkerSupport {
  readonly factory?: WorkerFactory;
  /** Why there are no workers (only when factory is undefined). */
  readonly reason?: string;
  /** Logical cores, when the runtime says. */
  readonly cores?: number;
}

/** True in Node, Deno and Bun: a process object with versions.node. */
function nodeLike(): boolean {
  const proc: unknown = Reflect.get(globalThis, 'process');
  if (typeof proc !== 'object' || proc === null) return false;
  const versions: unknown = Reflect.get(proc, 'versions');
  return typeof versions === 'object' && versions !== null && typeof Reflect.get(versions, 'node') === 'string';
}

/** A builtin module by name; the specifier is built at run time so no bundler resolves it. */
async function builtin(name: string): Promise<unknown> {
  const specifier = ['node', name].join(':');
  const mod: unknown = await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
  return mod;
}

function hasWorkerCtor(m: unknown): m is { Worker: NodeWorkerCtor } {
  return typeof m === 'object' && m !== null && typeof Reflect.get(m, 'Worker') === 'function';
}

function nodeHandle(Ctor: NodeWorkerCtor, source: string): WorkerHandle {
  const w = new Ctor(source, { eval: true });
  // An 'error' event with no listener would crash the process; failures are reported
  // through the control block instead.
  w.on('error', () => undefined);
  return {
    postMessage: (m) => w.postMessage(m),
    firstMessage: () => new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
      w.once('exit', (code) => reject(new Error(`the worker exited with code ${String(code)} before it was ready`)));
    }),
    unref: () => w.unref(),
    terminate: () => { void w.terminate(); },
  };
}

function webHandle(source: string): WorkerHandle {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new Worker(url, { type: 'module' });
  return {
    postMessage: (m) => w.postMessage(m),
    firstMessage: () => new Promise((resolve, reject) => {
      w.addEventListener('message', (e) => resolve(e.data), { once: true });
      w.addEventListener('error', (e) => reject(new Error(`the worker failed to start: ${e.message ||
        "no message (a Content-Security-Policy whose worker-src or script-src leaves out 'blob:' refuses such workers silently)"}`)), { once: true });
    }),
    unref: () => undefined,
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url);
    },
  };
}

function navigatorCores(): number | undefined {
  const nav: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof nav !== 'object' || nav === null) return undefined;
  const n: unknown = Reflect.get(nav, 'hardwareConcurrency');
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** What this runtime offers for threads; never throws. */
export async function workerSupport(): Promise<WorkerSupport> {
  // The cores come with a reason too: init()'s default thread count is the cores, so a page
  // on several cores that cannot have threads says why it runs one.
  if (typeof SharedArrayBuffer !== 'function') {
    return { reason: 'SharedArrayBuffer is unavailable (browsers expose it only to cross-origin isolated pages: ' +
      'serve them with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)', cores: navigatorCores() };
  }
  if (Reflect.get(globalThis, 'crossOriginIsolated') === false) {
    return { reason: 'the page is not cross-origin isolated, so shared memory cannot reach workers (serve it with ' +
      'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)', cores: navigatorCores() };
  }
  if (nodeLike()) {
    try {
      const wt = await builtin('worker_threads');
      if (!hasWorkerCtor(wt)) return { reason: 'node:worker_threads has no Worker class' };
      let cores = navigatorCores();
      if (cores === undefined) {
        const os = await builtin('os');
        const f: unknown = typeof os === 'object' && os !== null ? Reflect.get(os, 'availableParallelism') : undefined;
        const n: unknown = typeof f === 'function' ? f() : undefined;
        cores = typeof n === 'number' && n >= 1 ? n : undefined;
      }
      return { factory: (src) => nodeHandle(wt.Worker, src.node), cores };
    } catch (e) {
      return { reason: `node:worker_threads cannot be loaded: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL.createObjectURL !== 'function') {
    return { reason: 'this runtime has no Web Workers (or no Blob URLs to start them from)', cores: navigatorCores() };
  }
  return { factory: (src) => webHandle(src.web), cores: navigatorCores() };
}
