// The optional relaxed-SIMD engine (init({ relaxedSimd: true })): GEMM and conv with
// f32x4.relaxed_madd from a 13 KiB overlay module. An engine validates relaxed SIMD or not
// for its whole process, so the relaxed kernels run in child processes: Node 20 with
// --experimental-wasm-relaxed-simd, Deno and Bun (which accept it as they are), each running
// test/relaxed/check.ts, which checks GEMM and conv against float64 references within the
// float32 error bound (fused or not), the 2-thread bits against 1 thread, and how many bits
// differ from the plain kernels. Node 20 without the flag must fall back to the plain
// kernels and say why. This process (no flag) checks init's choices and errors.
//
// The relaxed engine's bits depend on the engine and the CPU, so the cross-runtime hash
// (test/runtimes.test.ts) never uses it: its workload checks that the plain engine runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, matMul, simdInfo, tensor, type InitOptions } from '../src/index.js';
import { simdTesting } from '../src/core/wasm.js';
import { WASM_BASE64 } from '../src/core/wasm-bytes.generated.js';
import { WASM_RELAXED_BASE64 } from '../src/core/wasm-relaxed-bytes.generated.js';
import { ROOT, binPath, cleanEnv, runCommand } from './runtimes/runners.js';
import type { RelaxedReport } from './relaxed/check.js';

const RUN_TIMEOUT_MS = 60_000;
let dir = '';
let script = '';

const bytes = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
/** Whether this process (Node without flags) validates the relaxed overlay: false on Node 20. */
const validatesHere = WebAssembly.validate(bytes(WASM_RELAXED_BASE64));

/**
 * Whether this CPU has a fused multiply-add that engines use for relaxed_madd: x64 with the
 * fma flag, or arm64. Undefined where /proc/cpuinfo does not say (then either answer passes).
 */
function cpuHasFma(): boolean | undefined {
  if (process.arch === 'arm64') return true;
  if (!existsSync('/proc/cpuinfo')) return undefined;
  return /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-needed'], { cwd: ROOT, stdio: 'inherit', timeout: 110_000 });
  dir = mkdtempSync(join(tmpdir(), 'actlab-relaxed-'));
  script = join(dir, 'check.mjs');
  await build({
    entryPoints: [join(ROOT, 'test', 'relaxed', 'check.ts')], outfile: script, bundle: true, format: 'esm',
    platform: 'neutral', target: 'es2022', logLevel: 'silent',
  });
}, 120_000);

afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** Runs check.mjs with a runtime and returns its report. */
async function report(cmd: string, args: readonly string[]): Promise<RelaxedReport> {
  const home = mkdtempSync(join(dir, 'home-'));
  const out = await runCommand(cmd, [...args, script], cleanEnv(home), home, RUN_TIMEOUT_MS);
  const line = out.stdout.split('\n').find((l) => l.startsWith('RELAXED-'));
  if (out.code !== 0 || line === undefined || !line.startsWith('RELAXED-REPORT ')) {
    throw new Error(`actlab: ${cmd} ${args.join(' ')} check.mjs exited with ${out.code ?? out.signal}: ${out.stdout.slice(-3000)} ${out.stderr.slice(-2000)}`);
  }
  const parsed: RelaxedReport = JSON.parse(line.slice('RELAXED-REPORT '.length));
  return parsed;
}

/**
 * What every run of check.mjs must show with the relaxed engine loaded. `fma`: whether the
 * engine must have fused (V8 does on a CPU with FMA), or undefined where either is allowed
 * (JavaScriptCore, in Bun 1.4, runs relaxed_madd as a multiply then an add, as the proposal permits).
 */
function expectRelaxed(r: RelaxedReport, who: string, fma: boolean | undefined): void {
  expect(r.info, who).toEqual({ engine: 'relaxed' });
  expect(r.failures, `${who}: GEMM / conv outside the float32 error bound`).toEqual([]);
  expect(r.gemmCases, who).toBeGreaterThan(500);
  expect(r.convCases, who).toBe(40);
  expect(r.worst, `${who}: worst error / sum of |terms|`).toBeLessThan(1e-5);
  // 2^-24: the multiply-add was fused (one rounding); 0: it was not.
  if (fma === undefined) expect([0, 2 ** -24], who).toContain(r.fused);
  else expect(r.fused, `${who}: fused probe on a CPU ${fma ? 'with' : 'without'} FMA`).toBe(fma ? 2 ** -24 : 0);
  if (r.fused !== 0) expect(r.differing, `${who}: relaxed GEMM bits that differ from the plain kernels'`).toBeGreaterThan(0);
  if (r.threads.ran) {
    expect(r.threads.parallelCalls, `${who}: the 2-thread run split no call`).toBeGreaterThan(0);
    expect(r.threads.identical, `${who}: relaxed bits with 2 threads differ from 1 thread (workers without the overlay?)`).toBe(true);
  }
}

describe('the relaxed engine, run for real in child processes', () => {
  it('Node with --experimental-wasm-relaxed-simd: relaxed GEMM and conv within the float32 bound, same bits at 1 and 2 threads', async () => {
    const r = await report(process.execPath, ['--experimental-wasm-relaxed-simd']);
    expectRelaxed(r, 'node --experimental-wasm-relaxed-simd', cpuHasFma());
    expect(r.threads.ran, 'node has worker_threads').toBe(true);
  }, RUN_TIMEOUT_MS + 10_000);

  it('Node without the flag: falls back to the plain kernels where it cannot validate them, and says why', async () => {
    const r = await report(process.execPath, []);
    if (validatesHere) {
      expectRelaxed(r, 'node (validates relaxed SIMD without a flag)', cpuHasFma());
      return;
    }
    expect(r.info.engine).toBe('plain');
    expect(r.info.reason).toMatch(/does not validate relaxed SIMD.*--experimental-wasm-relaxed-simd/);
    expect(r.fused, 'the plain kernels never fuse').toBe(0);
    expect(r.failures).toEqual([]);
    expect(r.differing).toBe(0);
  }, RUN_TIMEOUT_MS + 10_000);

  it('Deno runs the relaxed engine without flags', async () => {
    expectRelaxed(await report(binPath('deno'), ['run', '--no-prompt', '--no-config', '--no-lock', '--no-remote', '--no-npm', '--quiet']), 'deno', cpuHasFma());
  }, RUN_TIMEOUT_MS + 10_000);

  it('Bun runs the relaxed engine without flags (fused or not is its choice)', async () => {
    expectRelaxed(await report(binPath('bun'), ['run', '--no-install']), 'bun', undefined);
  }, RUN_TIMEOUT_MS + 10_000);
});

describe('init({ relaxedSimd }) in this process (Node without flags)', () => {
  it('the default module is plain SIMD: it validates where the relaxed overlay does not', () => {
    expect(WebAssembly.validate(bytes(WASM_BASE64))).toBe(true);
    if (process.versions.node.startsWith('20.')) expect(validatesHere, 'Node 20 without --experimental-wasm-relaxed-simd').toBe(false);
  });

  it('loads once: the same relaxedSimd again or none is fine, a different one throws', async () => {
    await init({ relaxedSimd: true, threads: 1 });
    const info = simdInfo();
    if (validatesHere) expect(info).toEqual({ engine: 'relaxed' });
    else {
      expect(info.engine).toBe('plain');
      expect(info.reason).toMatch(/^this engine does not validate relaxed SIMD/);
      expect(() => simdTesting.use('relaxed')).toThrow(/^actlab: the relaxed kernels are not loaded: this engine does not validate/);
    }
    await init({ relaxedSimd: true });
    await init();
    await init({ threads: 1 });
    await expect(init({ relaxedSimd: false })).rejects.toThrow(
      /^actlab: init: relaxedSimd = false, but the first init\(\) loaded the kernels with relaxedSimd = true: the engine is chosen once/);
    const notABoolean: InitOptions = JSON.parse('{ "relaxedSimd": "yes" }');
    await expect(init(notABoolean)).rejects.toThrow(/^actlab: init: relaxedSimd = yes must be true or false$/);
    // the runtime still works, with the engine simdInfo names
    expect(simdInfo().engine).toBe(info.engine);
    const c = matMul(tensor([1, 2, 3, 4], [2, 2]), tensor([5, 6, 7, 8], [2, 2])).dataSync();
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });
});
