// Threads: every split op and short training runs give the same bytes at 1, 2, 3 and 4
// threads and with the single-threaded build (a child process); a worker that throws or
// exits mid-call gives a clear error, no hang, and the pool restarts; without
// SharedArrayBuffer init falls back to one thread with the reason.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, matMul, tensor, threadInfo, dense, conv2d, conv2dBackpropInput, sequential, layers, adam, type Tensor } from '../src/index.js';
import { rt, threadTesting, type Kernels } from '../src/core/wasm.js';
import { parallel, splitParts, threadsFor } from '../src/core/parallel.js';
import { HOOK_EXIT, HOOK_THROW } from '../src/core/pool.js';
import { fnv, threadWorkload } from './threads-workload.js';
import { tmpdir } from 'node:os';
import {
  CHROMIUM_BIN, FIREFOX_BIN, ROOT, cleanEnv, cliCommand, pageResult, runCommand, serveLoopback, withChromium, withFirefox,
  type PostedResult,
} from './runtimes/runners.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';

/** The workload at `threads`, with every op split as far as it goes (minimum work 1). */
async function runAt(threads: number): Promise<Map<string, Uint8Array>> {
  await init({ threads });
  expect(threadInfo()).toEqual({ threads, shared: true });
  threadTesting.setMinWork(1, 1);
  const before = threadTesting.parallelCalls();
  try {
    const out = await threadWorkload();
    // Every op split: dozens of GEMM, conv, pool, activation and optimizer calls per fit.
    if (threads > 1) expect(threadTesting.parallelCalls() - before).toBeGreaterThan(500);
    else expect(threadTesting.parallelCalls()).toBe(before);
    return out;
  } finally {
    threadTesting.setMinWork(undefined, undefined);
  }
}

function sameBytes(ref: Map<string, Uint8Array>, got: Map<string, Uint8Array>, what: string): void {
  expect([...got.keys()]).toEqual([...ref.keys()]);
  for (const [name, r] of ref) {
    const g = got.get(name) ?? new Uint8Array();
    let first = -1;
    for (let i = 0; i < Math.max(r.length, g.length) && first < 0; i++) if (r[i] !== g[i]) first = i;
    expect(first, `${what}: ${name}: bytes differ from byte ${first} (float ${first >> 2}); ` +
      `hash ${fnv(g)} vs ${fnv(r)}`).toBe(-1);
  }
}

/** Runs `code` (an ES module importing dist/) in a fresh Node and returns its stdout. */
function node(code: string): string {
  const dir = join(ROOT, 'build', 'threads-test');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `probe-${process.pid}.mjs`);
  writeFileSync(file, code);
  return execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

let reference: Map<string, Uint8Array>;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-needed'], { cwd: ROOT, stdio: 'inherit', timeout: 110_000 });
  // The first init picks the build: with threads > 1 the shared-memory one, which then
  // runs at every count, 1 included (the single-threaded build is the child process below).
  await init({ threads: 4 });
  reference = await runAt(1);
}, 120_000);

describe('bit-identical at any thread count', () => {
  test.each([2, 3, 4])('%i threads give the bytes of one thread (GEMM, conv, pooling, activations, optimizers, fit)', async (n) => {
    sameBytes(reference, await runAt(n), `${n} threads`);
  });

  test('parts no worker claims run on the calling thread, with the same bytes (workers never woken)', async () => {
    await init({ threads: 3 });
    // A fresh pool's workers spin, then sleep; with no wake-up every part goes to whoever
    // claims it first, which here is mostly (after the spin, only) the calling thread.
    await new Promise((ok) => setTimeout(ok, 50));
    const stolen = threadTesting.partsStolen();
    threadTesting.skipWake(true);
    try {
      sameBytes(reference, await runAt(3), 'workers asleep');
    } finally {
      threadTesting.skipWake(false);
    }
    expect(threadTesting.partsStolen() - stolen).toBeGreaterThan(500);
  });

  test('large batches: the same bits as one thread, and a part too long for a worker slot runs on the caller', async () => {
    // Each of these once threw 'a parallel part made more kernel calls than a worker slot
    // holds' at 2 threads (dense with an activation: 2 calls per 4 rows; the input gradient
    // by GEMM: 2 calls per image; conv2d with an activation: 2 calls per group of images).
    const seq = (n: number, m: number): Float32Array => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % m) / m - 0.5);
    const cases: [string, () => Tensor][] = [
      ['dense 8192x16 * 16x2048 + relu', () => {
        const x = tensor(seq(8192 * 16, 13), [8192, 16]), w = tensor(seq(16 * 2048, 17), [16, 2048]);
        try { return dense(x, w, undefined, 'relu'); } finally { x.dispose(); w.dispose(); }
      }],
      ['conv2dBackpropInput [600, 16, 16, 32] * [3, 3, 32, 8]', () => {
        const dy = tensor(seq(600 * 16 * 16 * 8, 11), [600, 16, 16, 8]), f = tensor(seq(3 * 3 * 32 * 8, 7), [3, 3, 32, 8]);
        try { return conv2dBackpropInput([600, 16, 16, 32], dy, f, 1, 'same'); } finally { dy.dispose(); f.dispose(); }
      }],
      ['conv2d [1400, 32, 32, 1] * [3, 3, 1, 17] + relu', () => {
        const x = tensor(seq(1400 * 32 * 32, 19), [1400, 32, 32, 1]), f = tensor(seq(3 * 3 * 17, 5), [3, 3, 1, 17]);
        try { return conv2d(x, f, 1, 'same', 1, undefined, 'relu'); } finally { x.dispose(); f.dispose(); }
      }],
    ];
    const bytesOf = (t: Tensor): Uint8Array => { const b = new Uint8Array(t.dataSync().buffer); t.dispose(); return b; };
    await init({ threads: 1 });
    const one = cases.map(([, f]) => bytesOf(f()));
    await init({ threads: 2 });
    const localBefore = threadTesting.localParts();
    cases.forEach(([name, f], i) => expect(fnv(bytesOf(f())), name).toBe(fnv(one[i])));
    // Blocks grow with the batch (partBlock), so these lists fit and stay shared.
    expect(threadTesting.localParts() - localBefore).toBe(0);
    // Parts whose lists are too long for a slot whatever the blocks (a call per 4 elements,
    // 3,000 calls a part) run whole on the calling thread: every element written once.
    const n = 4 * 3000 * 4;
    const x = tensor(seq(n, 23), [n]), y = tensor(new Float32Array(n), [n]);
    const parts = [0, 1, 2, 3].map((p) => (k: Kernels) => {
      for (let i = p * n / 4; i < (p + 1) * n / 4; i += 4) k.f32_affine(4, x.ptr + i * 4, y.ptr + i * 4, 2, 1);
    });
    parallel(parts);
    expect(threadTesting.localParts() - localBefore).toBe(3);
    const ref = tensor(new Float32Array(n), [n]);
    rt().kernels.f32_affine(n, x.ptr, ref.ptr, 2, 1);
    expect(fnv(new Uint8Array(y.dataSync().buffer))).toBe(fnv(new Uint8Array(ref.dataSync().buffer)));
    x.dispose(); y.dispose(); ref.dispose();
  }, 120_000);

  test('splitParts: contiguous aligned ranges that cover the units, large first, one range below the threshold', async () => {
    await init({ threads: 4 });
    threadTesting.setMinWork(1, 1);
    try {
      for (const [units, align] of [[128, 4], [130, 4], [7, 1], [3, 1], [1000, 16], [1, 1]] as const) {
        const parts = splitParts(units, 1e9, 'flops', align);
        expect(parts[0][0]).toBe(0);
        expect(parts.at(-1)?.[1]).toBe(units);
        for (let i = 0; i < parts.length; i++) {
          const [a, b] = parts[i];
          expect(b, `${units}/${align} part ${i}`).toBeGreaterThan(a);
          expect(a % align).toBe(0);
          if (i > 0) expect(a).toBe(parts[i - 1][1]);
          // non-increasing up to the rounding to whole blocks of `align`
          if (i > 0 && b < units) expect(b - a).toBeLessThanOrEqual(parts[i - 1][1] - parts[i - 1][0] + align);
        }
        expect(parts.length).toBeLessThanOrEqual(Math.min(16, Math.ceil(units / align)));
      }
      expect(splitParts(128, 1e9, 'flops', 4).map(([a, b]) => b - a)).toEqual([16, 16, 16, 16, 8, 8, 8, 8, 4, 4, 4, 4, 4, 4, 4, 4]);
      threadTesting.setMinWork(undefined, undefined);
      expect(splitParts(128, 1000, 'flops', 4)).toEqual([[0, 128]]);
      // Default minimum work per thread: 8 MFLOP for GEMM, 1 MFLOP for conv (the slide-13
      // CNN's first layer, 12.5 MFLOP at batch 32, splits; the same flops of GEMM do not).
      expect(threadsFor(32, 12.5e6, 'flops')).toBe(1);
      expect(threadsFor(32, 12.5e6, 'conv-flops')).toBe(4);
      expect(threadsFor(32, 2.5e6, 'conv-flops')).toBe(2);
      expect(threadsFor(32, 0.9e6, 'conv-flops')).toBe(1);
      expect(threadsFor(32, 64e6, 'flops')).toBe(4);
    } finally {
      threadTesting.setMinWork(undefined, undefined);
    }
  });

  test('the single-threaded build gives the same bytes (child process, init({ threads: 1 }))', async () => {
    const out = join(ROOT, 'build', 'threads-test', 'workload.mjs');
    await build({
      stdin: {
        contents: `import { init, threadInfo } from '../src/index.js';
import { threadWorkload, fnv } from './threads-workload.js';
await init({ threads: 1 });
const r = await threadWorkload();
console.log(JSON.stringify({ info: threadInfo(), hashes: [...r].map(([k, v]) => [k, fnv(v)]) }));`,
        resolveDir: join(ROOT, 'test'), loader: 'ts',
      },
      bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'silent',
    });
    const got: { info: unknown; hashes: [string, string][] } = JSON.parse(execFileSync(process.execPath, [out], { encoding: 'utf8', timeout: 60_000 }));
    expect(got.info).toEqual({ threads: 1, shared: false });
    expect(got.hashes).toEqual([...reference].map(([k, v]) => [k, fnv(v)]));
  });
});

describe('Deno and Bun (node:worker_threads, no permissions asked)', () => {
  test.each(['deno', 'bun'] as const)('%s at 3 threads gives the bytes Node gives', async (runtime) => {
    const out = join(ROOT, 'build', 'threads-test', 'workload-3.mjs');
    await build({
      stdin: {
        contents: `import { init, threadInfo } from '../src/index.js';
import { threadTesting } from '../src/core/wasm.js';
import { threadWorkload, fnv } from './threads-workload.js';
await init({ threads: 3 });
threadTesting.setMinWork(1, 1);
const r = await threadWorkload();
console.log(JSON.stringify({ info: threadInfo(), split: threadTesting.parallelCalls(), hashes: [...r].map(([k, v]) => [k, fnv(v)]) }));`,
        resolveDir: join(ROOT, 'test'), loader: 'ts',
      },
      bundle: true, format: 'esm', platform: 'browser', outfile: out, logLevel: 'silent',
    });
    const home = mkdtempSync(join(tmpdir(), `actlab-threads-${runtime}-`));
    try {
      const [cmd, args] = cliCommand(runtime, out);
      const r = await runCommand(cmd, args, cleanEnv(home), home, 90_000);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      const got: { info: unknown; split: number; hashes: [string, string][] } = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
      expect(got.info).toEqual({ threads: 3, shared: true });
      expect(got.split).toBeGreaterThan(500);
      expect(got.hashes).toEqual([...reference].map(([k, v]) => [k, fnv(v)]));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('worker failures', () => {
  const a = () => tensor(Float32Array.from({ length: 64 * 40 }, (_, i) => (i % 17) - 8), [64, 40]);
  const b = () => tensor(Float32Array.from({ length: 40 * 24 }, (_, i) => (i % 13) - 6), [40, 24]);

  for (const [hook, what] of [[HOOK_THROW, 'a kernel call throws in a worker'], [HOOK_EXIT, 'a worker exits mid-call']] as const) {
    test(`${what}: a clear error, no hang, one thread after, and init restarts the pool`, async () => {
      await init({ threads: 3 });
      threadTesting.setMinWork(1, 1);
      const expected = matMul(a(), b()).dataSync();
      threadTesting.failNext(hook);
      const t0 = performance.now();
      expect(() => matMul(a(), b())).toThrow(/^actlab: thread pool: worker \d failed: .+ The pool was shut down/);
      expect(performance.now() - t0).toBeLessThan(5000);
      const info = threadInfo();
      expect(info.threads).toBe(1);
      expect(info.reason).toMatch(/worker \d failed: .*running on one thread \(await init\(\{ threads \}\) starts a fresh pool\)/);
      expect(Array.from(matMul(a(), b()).dataSync())).toEqual(Array.from(expected));
      await init({ threads: 3 });
      threadTesting.setMinWork(1, 1);
      expect(threadInfo()).toEqual({ threads: 3, shared: true });
      expect(Array.from(matMul(a(), b()).dataSync())).toEqual(Array.from(expected));
      threadTesting.setMinWork(undefined, undefined);
    });
  }
});

describe('a worker failure inside an optimizer step', () => {
  const wrongType = <T>(v: unknown): T => v as T;
  test('the error says the step was half taken (some weights moved, iterations did not)', async () => {
    await init({ threads: 3 });
    threadTesting.setMinWork(1, 1);
    const m = sequential({ seed: 1, layers: [layers.dense({ units: 64, activation: 'relu', inputShape: [32] }), layers.dense({ units: 3, activation: 'softmax' })] });
    m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
    const x = tensor(Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i)), [64, 32]);
    const y = Int32Array.from({ length: 64 }, (_, i) => i % 3);
    await m.fit(x, y, { epochs: 1, batchSize: 64 });
    const opt = wrongType<{ update: (...a: unknown[]) => void }>(m.optimizer);
    const update = opt.update.bind(opt);
    let calls = 0;
    // The second variable's update (dense/bias, 64 elements: split at minimum work 1) fails in a worker.
    opt.update = (...a: unknown[]) => { if (++calls === 2) threadTesting.failNext(HOOK_THROW); update(...a); };
    const before = m.snapshotWeights();
    await expect(m.fit(x, y, { epochs: 1, batchSize: 64 })).rejects.toThrow(
      /^actlab: thread pool: worker \d failed: .+ \[during adam\.applyGradients, step 2: 1 of 4 variables \(and their state\) were updated and the one after may be partly written, while iterations stays 1: the weights match no step/);
    expect(m.snapshotWeights().map((w, i) => w.some((v, j) => v !== before[i][j]))).toEqual([true, true, false, false]);
    expect(m.optimizer.iterations).toBe(1);
    threadTesting.setMinWork(undefined, undefined);
    m.dispose(); x.dispose();
  });
});

describe('fallback and options', () => {
  test('without SharedArrayBuffer, init({ threads: 4 }) runs one thread and says why', () => {
    const out = node(`delete globalThis.SharedArrayBuffer;
const { init, threadInfo, matMul, tensor } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
await init({ threads: 4 });
const c = matMul(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 0, 0, 1], [2, 2]));
console.log(JSON.stringify({ info: threadInfo(), c: Array.from(c.dataSync()) }));`);
    const got = JSON.parse(out);
    expect(got.c).toEqual([1, 2, 3, 4]);
    expect(got.info.threads).toBe(1);
    expect(got.info.shared).toBe(false);
    expect(got.info.reason).toMatch(/^SharedArrayBuffer is unavailable/);
  });

  test('without SharedArrayBuffer on several cores, a default init() runs one thread and says why', () => {
    // A browser page served without COOP/COEP: navigator says 4 cores, so the default asks 4 threads.
    const out = node(`delete globalThis.SharedArrayBuffer;
Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: 4 }, configurable: true });
const { init, threadInfo } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
await init();
console.log(JSON.stringify(threadInfo()));`);
    const info = JSON.parse(out);
    expect(info.threads).toBe(1);
    expect(info.reason).toMatch(/^SharedArrayBuffer is unavailable/);
  });

  test('a first load that fails is not kept: the next init() loads again', () => {
    // The shared memory is refused during the first init (as when the address space runs short), then works.
    const out = node(`const Real = WebAssembly.Memory; let refuse = true;
WebAssembly.Memory = function (d) { if (d?.shared && refuse) throw new RangeError('no memory'); return new Real(d); };
WebAssembly.Memory.prototype = Real.prototype;
const { init, threadInfo } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
const seen = [];
for (let i = 0; i < 2; i++) {
  try { await init({ threads: 2 }); seen.push(threadInfo().threads); } catch (e) { seen.push(e.message.slice(0, 7)); }
  refuse = false;
}
console.log(JSON.stringify(seen));`);
    expect(JSON.parse(out)).toEqual(['actlab:', 2]);
  });

  test('the default is the cores (at most 8) and the process exits with the pool running', () => {
    const out = node(`const { init, threadInfo } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
const os = await import('node:os');
await init();
console.log(JSON.stringify({ info: threadInfo(), cores: os.availableParallelism() }));`);
    const got = JSON.parse(out);
    expect(got.info.threads).toBe(Math.min(got.cores, 8));
  });

  test('threads out of range are refused with the valid range', async () => {
    await expect(init({ threads: 0 })).rejects.toThrow('actlab: init: threads = 0 is out of range: expected an integer from 1 to 64');
    await expect(init({ threads: 2.5 })).rejects.toThrow(/threads = 2.5 is out of range/);
  });
});

// ---- browsers ------------------------------------------------------------------------------

const COOP_COEP = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>actlab threads</title>
<script>addEventListener('error', (e) => fetch('/result', { method: 'POST',
  body: JSON.stringify({ ok: false, error: 'page error: ' + (e.message || 'cannot load a script') }) }), true);</script>
<script type="module" src="/threads-page.mjs"></script>`;

interface PageRun { threads: number; info: { threads: number; reason?: string; shared: boolean }; hashes: [string, string][] }

function isPageReport(r: PostedResult): r is PostedResult & { first: PageRun['info']; runs: PageRun[] } {
  return typeof r.first === 'object' && Array.isArray(r.runs);
}

let pageBundle: string | undefined;
async function page(): Promise<string> {
  if (pageBundle === undefined) {
    const out = join(ROOT, 'build', 'threads-test', 'threads-page.mjs');
    await build({ entryPoints: [join(ROOT, 'test', 'runtimes', 'threads-page.ts')], bundle: true, format: 'esm', platform: 'browser',
      target: 'es2022', outfile: out, logLevel: 'silent' });
    pageBundle = readFileSync(out, 'utf8');
  }
  return pageBundle;
}

/** Serves the page (with or without COOP/COEP, plus any headers given) to a browser and returns what it POSTs. */
async function inBrowser(browser: 'chromium' | 'firefox', isolated: boolean, headers: Record<string, string> = {}) {
  const server = await serveLoopback(new Map([
    ['/', { type: 'text/html; charset=utf-8', body: PAGE }],
    ['/threads-page.mjs', { type: 'text/javascript; charset=utf-8', body: await page() }],
  ]), { ...(isolated ? COOP_COEP : {}), ...headers });
  try {
    const r = browser === 'chromium'
      ? await withChromium(server.url, 90_000, (_p, errors) => pageResult(server.result, 90_000, errors))
      : await withFirefox(server.url, 90_000, server.result);
    if (!isPageReport(r)) throw new Error(`actlab: the threads page posted no runs: ${JSON.stringify(r).slice(0, 300)}`);
    return r;
  } finally {
    await server.close();
  }
}

const BROWSERS = [['chromium', CHROMIUM_BIN], ['firefox', FIREFOX_BIN]] as const;
describe.each(BROWSERS)('%s (main thread: the caller spins instead of Atomics.wait)', (browser, bin) => {
  // Outside CI a missing browser skips, as test/runtimes.test.ts does; with CI=true it fails.
  const run = existsSync(bin) || CI ? test : test.skip;
  run('cross-origin isolated: 1-4 threads give the bytes Node gives', async () => {
    const r = await inBrowser(browser, true);
    expect(r.first).toEqual({ threads: 4, shared: true });
    expect(r.runs.map((x) => x.threads)).toEqual([1, 2, 3, 4]);
    const expected = [...reference].map(([k, v]) => [k, fnv(v)]);
    for (const x of r.runs) {
      expect(x.info).toEqual({ threads: x.threads, shared: true });
      expect(x.hashes, `${browser} at ${x.threads} threads`).toEqual(expected);
    }
  }, 120_000);

  run('without COOP/COEP: one thread, the reason, the same bytes', async () => {
    const r = await inBrowser(browser, false);
    expect(r.first.threads).toBe(1);
    expect(r.first.shared).toBe(false);
    expect(r.first.reason).toMatch(/cross-origin isolated/);
    expect(r.runs[0].hashes).toEqual([...reference].map(([k, v]) => [k, fnv(v)]));
  }, 120_000);
  if (browser === 'chromium') {
    run('cross-origin isolated, but a Content-Security-Policy refuses blob: workers: one thread, and the reason says why', async () => {
      // Chromium gives the worker's error event no message here; the reason used to end in "no message".
      const r = await inBrowser(browser, true, { 'content-security-policy': "worker-src 'self'" });
      expect(r.first.threads).toBe(1);
      expect(r.first.reason).toMatch(/the worker pool did not start: .*Content-Security-Policy whose worker-src or script-src leaves out 'blob:'/);
      expect(r.runs[0].hashes).toEqual([...reference].map(([k, v]) => [k, fnv(v)]));
    }, 120_000);
  }
});
