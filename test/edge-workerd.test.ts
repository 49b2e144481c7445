// The edge handler (examples/edge/handler.ts) under workerd, Cloudflare's Workers runtime (the
// `workerd` devDependency): bundled against dist/index.js, served from a config.capnp on
// 127.0.0.1 and driven over HTTP from here with the same requests as the deno serve test
// (edge-cases.ts), the very first one included; its answers must equal the core's own.
// Two more workers (edge-workerd-probe.ts) check init() there: a top-level init() has the
// kernels loaded before the module's evaluation ends, and one first called inside a request
// says why it cannot load. A fourth runs the cross-runtime determinism workload
// (test/runtimes/determinism.ts, as test/runtimes.test.ts bundles it), whose report must be
// Node's, section by section.
//
// workerd is required: outside CI a missing node_modules/.bin/workerd skips this file with a
// warning; with CI=true it fails.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activations, init } from '../src/index.js';
import { edgeCases } from './edge-cases.js';
import {
  ROOT, binPath, bundleWithDist, bundleWorkload, cleanEnv, runCli, startChild, stopChild, withTimeout, type Bundles, type RunResult,
} from './runtimes/runners.js';
import type { WorkloadReport } from './runtimes/determinism.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const WORKERD = binPath('workerd');
const missing = !existsSync(WORKERD);
if (missing && !CI) console.warn(`actlab: edge-workerd skipped outside CI: ${WORKERD} not found (npm install); with CI=true this fails`);

/** The workers served, each on its own socket: the edge handler, the two init probes and the determinism workload. */
const WORKERS = {
  handler: join(ROOT, 'examples', 'edge', 'handler.ts'),
  startup: 'startupWorker',
  late: 'lateWorker',
  workload: 'determinism-worker.mjs',
} as const;
type Name = keyof typeof WORKERS;
const NAMES = Object.keys(WORKERS) as Name[];

let dir = '';
let workerd: ChildProcess | undefined;
let bundles: Bundles | undefined;
/** The workload's report in Node, started in beforeAll, for the workerd report to equal. */
let nodeRun: Promise<RunResult> | undefined;
const origins = new Map<Name, string>();

function origin(name: Name): string {
  const o = origins.get(name);
  if (o === undefined) throw new Error(`actlab: workerd did not report a port for the ${name} socket`);
  return o;
}

function capnp(): string {
  const services = NAMES.map((n) => `(name = "${n}", worker = .${n})`).join(', ');
  const sockets = NAMES.map((n) => `(name = "${n}", address = "127.0.0.1:0", http = (), service = "${n}")`).join(',\n    ');
  const workers = NAMES.map((n) => `const ${n} :Workerd.Worker = (\n` +
    `  modules = [ (name = "${n}.mjs", esModule = embed "${n}.mjs") ],\n  compatibilityDate = "2025-09-01",\n);\n`).join('');
  return `using Workerd = import "/workerd/workerd.capnp";\nconst config :Workerd.Config = (\n  services = [ ${services} ],\n` +
    `  sockets = [\n    ${sockets}\n  ],\n);\n${workers}`;
}

beforeAll(async () => {
  if (missing) {
    if (CI) throw new Error(`actlab: workerd is required in CI but ${WORKERD} is missing (npm install: it is a devDependency)`);
    return;
  }
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-needed'], { cwd: ROOT, stdio: 'inherit', timeout: 110_000 });
  await init();
  dir = mkdtempSync(join(tmpdir(), 'actlab-workerd-'));
  bundles = await bundleWorkload();
  nodeRun = runCli('node', bundles, 60_000);
  nodeRun.catch(() => undefined);
  copyFileSync(bundles.worker, join(dir, 'workload.mjs'));
  for (const name of NAMES) {
    if (name === 'workload') continue;
    const target = WORKERS[name];
    let entry: string = target;
    if (name !== 'handler') {
      // A worker's main module may export only its handler: a one-line module calls the probe.
      entry = join(dir, `${name}-entry.ts`);
      writeFileSync(entry, `import { ${target} } from ${JSON.stringify(join(ROOT, 'test', 'edge-workerd-probe.ts'))};\n` +
        `export default ${target}();\n`);
    }
    await bundleWithDist(entry, join(dir, `${name}.mjs`));
  }
  writeFileSync(join(dir, 'config.capnp'), capnp());
  // --control-fd 3: workerd writes {"event":"listen","socket":name,"port":n} per socket once it listens.
  const child = startChild(WORKERD, ['serve', 'config.capnp', '--control-fd', '3'], cleanEnv(dir), dir, 1);
  workerd = child;
  let log = '';
  let control = '';
  const listening = new Promise<void>((ok, fail) => {
    child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
    child.stdio[3]?.on('data', (d: Buffer) => {
      control += d.toString();
      for (const line of control.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const msg: { event?: string; socket?: string; port?: number } = JSON.parse(line);
          const name = NAMES.find((n) => n === msg.socket);
          if (msg.event === 'listen' && name !== undefined && typeof msg.port === 'number') origins.set(name, `http://127.0.0.1:${msg.port}`);
        } catch {
          // A line still being written.
        }
      }
      if (origins.size === NAMES.length) ok();
    });
    child.on('error', (e) => fail(new Error(`actlab: cannot start ${WORKERD}: ${e.message}`)));
    child.on('exit', (code, signal) => fail(new Error(`actlab: workerd exited (${code ?? signal}) before listening: ${log}`)));
  });
  await withTimeout(listening, 15_000, () => `workerd serve (output: ${log}; control: ${control})`);
}, 150_000);

afterAll(async () => {
  if (workerd !== undefined) await stopChild(workerd, 5_000);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  if (bundles !== undefined) rmSync(bundles.dir, { recursive: true, force: true });
});

const CLOUDFLARE_REASON = 'Cloudflare Workers have no worker threads (no Web Workers or node:worker_threads to share ' +
  "the kernels' memory with): running the single-threaded build";

describe.skipIf(missing && !CI)('edge handler under workerd', () => edgeCases(() => origin('handler')));

describe.skipIf(missing && !CI)('init() under workerd', () => {
  it('a top-level init() loads the kernels before the module has been evaluated; later calls behave as elsewhere', async () => {
    const res = await fetch(`${origin('startup')}/`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const r: Record<string, unknown> = JSON.parse(text);
    expect(r.relu).toEqual([0, 2]);
    expect(r.threads).toEqual({ threads: 1, reason: CLOUDFLARE_REASON, shared: false });
    expect(r.simd).toEqual({ engine: 'relaxed' });
    expect(r.ready).toBe('resolved');
    expect(r.again).toBe('resolved');
    expect(r.resize).toBe('resolved');
    expect(r.threadsAfter).toEqual({
      threads: 1, shared: false,
      reason: 'the kernels were loaded single-threaded by an earlier init() (threads: 1, or no SharedArrayBuffer or ' +
        'workers then), and tensors live in that memory: pass threads to the first init()',
    });
    expect(r.misspelt).toBe("actlab: init: unknown option 'thread'; valid options: threads, threadTimeoutMs, relaxedSimd");
    expect(r.otherEngine).toMatch(/^actlab: init: relaxedSimd = false, but the first init\(\) loaded the kernels with relaxedSimd = true/);
    expect(r.gelu).toEqual(Array.from(activations.apply('gelu', new Float32Array([0.5]))));
  });

  it('an init() first called inside a request says to call it at the top level, each time', async () => {
    const res = await fetch(`${origin('late')}/`);
    const r: Record<string, unknown> = await res.json();
    expect(String(r.first)).toMatch(/^actlab: init: Cloudflare Workers compile WebAssembly only while the worker's module is evaluated: call init\(\) at the module's top level/);
    expect(r.second).toBe(r.first);
  });
});

describe.skipIf(missing && !CI)('the determinism workload under workerd', () => {
  it('gives Node\'s report, section by section (the api section: metrics, save/load, lossOp, epochLogger, summary)', async () => {
    const res = await fetch(`${origin('workload')}/`);
    const text = await res.text();
    expect(res.status, text.slice(0, 2000)).toBe(200);
    const r: { ok: boolean; report?: WorkloadReport; error?: string } = JSON.parse(text);
    expect(r.error, 'the workload threw under workerd').toBeUndefined();
    if (nodeRun === undefined) throw new Error('actlab: the Node run of the workload was not started');
    const node = (await nodeRun).report;
    const sections = (rep: WorkloadReport | undefined) => rep?.sections.map((s) => `${s.name} ${s.sha256}`);
    expect(sections(r.report)).toEqual(sections(node));
    expect(r.report?.sha256).toBe(node.sha256);
  }, 90_000);
});
