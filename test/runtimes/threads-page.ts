// Entry for the browser threads check (test/threads.test.ts): the threads workload at 1, 2,
// 3 and 4 threads on the page's main thread (which may not block, so the pool's caller
// spins), hashes by output, POSTed to the loopback server. Served without COOP/COEP it
// reports the single-threaded fallback and its reason instead.
import { init, threadInfo, type ThreadInfo } from '../../src/index.js';
import { threadTesting } from '../../src/core/wasm.js';
import { fnv, threadWorkload } from '../threads-workload.js';

interface Run { readonly threads: number; readonly info: ThreadInfo; readonly hashes: [string, string][] }

async function workload(threads: number): Promise<Run> {
  await init({ threads });
  threadTesting.setMinWork(1, 1);
  const r = await threadWorkload();
  threadTesting.setMinWork(undefined, undefined);
  return { threads, info: threadInfo(), hashes: [...r].map(([k, v]) => [k, fnv(v)]) };
}

async function main(): Promise<void> {
  let body: string;
  try {
    await init({ threads: 4 });
    const first = threadInfo();
    const runs: Run[] = [];
    if (first.shared) for (const n of [1, 2, 3, 4]) runs.push(await workload(n));
    else runs.push(await workload(1));
    body = JSON.stringify({ ok: true, first, runs, userAgent: navigator.userAgent });
  } catch (e) {
    body = JSON.stringify({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
  await fetch('/result', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

void main();
