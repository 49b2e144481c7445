// Loads the one Wasm module in any runtime: its bytes are embedded (base64), so no file
// access, fetch or bundler configuration is needed. This file and heap.ts are the only
// code that touches the module's exports and memory.
import { WASM_BASE64 } from './wasm-bytes.generated.js';
import { bindKernels, type Kernels } from './kernels.generated.js';
import { Heap } from './heap.js';
import { Engine } from './engine.js';

export type { Kernels };

export interface Runtime {
  readonly kernels: Kernels;
  readonly heap: Heap;
  /** Tensor scopes (tidy) and the gradient tape. */
  readonly engine: Engine;
}

let runtime: Runtime | undefined;
let loading: Promise<Runtime> | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Loads and instantiates the kernels; safe to call any number of times (one load). */
export function init(): Promise<void> {
  loading ??= (async () => {
    const bytes = decodeBase64(WASM_BASE64);
    if (!WebAssembly.validate(bytes)) {
      throw new Error('actlab: this engine cannot run the kernels: WebAssembly SIMD (128-bit) is required');
    }
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, {});
    const exports = instance.exports;
    const memory = exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error('actlab: the kernel module exports no memory');
    const kernels = bindKernels(exports);
    runtime = { kernels, heap: new Heap(memory, kernels.heap_base()), engine: new Engine() };
    return runtime;
  })();
  return loading.then(() => undefined);
}

/** The loaded runtime; throws a clear Error before `await init()` has finished. */
export function rt(): Runtime {
  if (runtime === undefined) throw new Error('actlab: kernels are not loaded yet: call `await init()` first');
  return runtime;
}
