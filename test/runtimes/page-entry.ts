// Entry for the browsers: runs the workload and POSTs the report (or the error) to the
// loopback server that served the page (runners.ts), which is how a browser we do not
// drive through a debugging protocol (Firefox ESR) hands its result back.
import { runWorkload } from './determinism.js';
import { WORKLOAD_INPUTS } from './inputs.js';

async function main(): Promise<void> {
  let body: string;
  try {
    body = JSON.stringify({ ok: true, report: await runWorkload(WORKLOAD_INPUTS), userAgent: navigator.userAgent });
  } catch (e) {
    body = JSON.stringify({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
  await fetch('/result', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

void main();
