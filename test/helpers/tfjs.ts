// tf.js in the test process: the wasm backend (XNNPACK) for conv2d and its input gradient,
// the cpu backend for the filter gradient (tfjs-backend-wasm does not register
// Conv2DBackpropFilter).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';

export { tf };

let ready: Promise<void> | undefined;

/** Registers and initialises the wasm backend once (the .wasm files come from node_modules). */
export function loadTf(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
    tf.env().set('IS_TEST', true);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm failed to initialise');
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs-backend-cpu failed to initialise');
  })();
  return ready;
}

/** Runs fn on the named backend and returns its result's values. */
export async function onBackend(name: 'wasm' | 'cpu', fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  const t = tf.tidy(fn);
  const v = t.dataSync();
  t.dispose();
  if (!(v instanceof Float32Array)) throw new Error('expected float32 data from tf.js');
  return v;
}
