// tf.js peers for cross-checks: tfjs-core with every gradient registered, on the wasm
// backend (XNNPACK) or the cpu backend where wasm lacks a kernel.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fileURLToPath } from 'node:url';

export { tf };

let wasmPathSet = false;

/** Switches tf.js to the given backend (the wasm binary is loaded from node_modules). */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm' && !wasmPathSet) {
    setWasmPaths(fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)));
    wasmPathSet = true;
  }
  await tf.setBackend(name);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`tf.js did not switch to the ${name} backend`);
}
