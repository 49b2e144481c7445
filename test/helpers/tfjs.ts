// tf.js peers for cross-checks: tfjs-core with every gradient registered, on the wasm
// backend (XNNPACK) or the cpu backend where wasm lacks a kernel (tfjs-backend-wasm does
// not register Conv2DBackpropFilter).
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

let ready: Promise<void> | undefined;

/** Initialises both backends once (wasm first, so its binary is loaded). */
export function loadTf(): Promise<void> {
  ready ??= (async () => {
    tf.env().set('IS_TEST', true);
    await useBackend('wasm');
    await useBackend('cpu');
  })();
  return ready;
}

/** Runs fn on the named backend and returns its result's values. */
export async function onBackend(name: 'wasm' | 'cpu', fn: () => tf.Tensor): Promise<Float32Array> {
  await useBackend(name);
  const t = tf.tidy(fn);
  const v = t.dataSync();
  t.dispose();
  if (!(v instanceof Float32Array)) throw new Error('expected float32 data from tf.js');
  return v;
}
