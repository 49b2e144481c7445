// Two small Cloudflare Workers for test/edge-workerd.test.ts: how init() behaves under
// workerd. The test bundles a one-line main module against dist/index.js for each
// (`export default startupWorker();`), since a worker's main module may export nothing else.
//
// startupWorker: init({ threads: 4, relaxedSimd: true }) at the top level, then a kernel call
// at the top level too, which throws (and the worker fails to load) unless init() loaded the
// kernels before the module's evaluation ended. GET answers what that call saw and what later
// init calls do inside a request.
// lateWorker: no top-level init; GET answers what init() does when first called in a request.
import { activations, init, simdInfo, threadInfo } from '../src/index.js';

/** A value of the wrong type, as plain JavaScript can pass one. */
const wrong = <T>(v: unknown): T => v as T;

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

interface ProbeWorker { fetch(): Promise<Response> }

function serve(answer: () => Promise<unknown>): ProbeWorker {
  return {
    async fetch() {
      return new Response(JSON.stringify(await answer()), { headers: { 'content-type': 'application/json' } });
    },
  };
}

/** Call at a module's top level. */
export function startupWorker(): ProbeWorker {
  const ready = init({ threads: 4, relaxedSimd: true });
  const seen = {
    relu: Array.from(activations.apply('relu', new Float32Array([-1, 2]))),
    threads: threadInfo(),
    simd: simdInfo(),
  };
  return serve(async () => ({
    ...seen,
    ready: await outcome(ready),
    again: await outcome(init()),
    resize: await outcome(init({ threads: 2 })),
    threadsAfter: threadInfo(),
    misspelt: await outcome(init(wrong({ thread: 2 }))),
    otherEngine: await outcome(init({ relaxedSimd: false })),
    gelu: Array.from(activations.apply('gelu', new Float32Array([0.5]))),
  }));
}

export function lateWorker(): ProbeWorker {
  return serve(async () => ({ first: await outcome(init()), second: await outcome(init({ threads: 1 })) }));
}
