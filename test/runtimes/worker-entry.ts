// Entry for edge workers (workerd, test/edge-workerd.test.ts): a Cloudflare Worker compiles
// WebAssembly only while its module is evaluated, so init() runs at the top level (the
// workload's own init() then finds the kernels loaded) and each GET answers the report as JSON.
import { init } from '../../src/index.js';
import { runWorkload } from './determinism.js';
import { WORKLOAD_INPUTS } from './inputs.js';

const ready = init();

export default {
  async fetch(): Promise<Response> {
    try {
      await ready;
      return Response.json({ ok: true, report: await runWorkload(WORKLOAD_INPUTS), userAgent: typeof navigator === 'undefined' ? '' : navigator.userAgent });
    } catch (e) {
      return Response.json({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  },
};
