// Entry for Node, Deno and Bun: runs the workload and prints its report as one JSON line on
// stdout. Nothing runtime-specific: the report is the only output, and a failure rejects
// the top-level await, which makes every one of these runtimes exit non-zero.
import { runWorkload } from './determinism.js';
import { WORKLOAD_INPUTS } from './inputs.js';

const report = await runWorkload(WORKLOAD_INPUTS);
console.log(JSON.stringify({ report, userAgent: typeof navigator === 'undefined' ? '' : navigator.userAgent }));
