// Build: AssemblyScript -> build/actlab.wasm, then generated TypeScript (the module's
// bytes as base64 and a typed interface of its exports), a type-check, the ESM bundle and
// the .d.ts files in dist/. `--if-needed` skips the work when dist/ is newer than every
// input, so `npm test` rebuilds only after a change.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`actlab build: ${cmd.split('/').pop()} failed (see above)`);
    process.exit(1);
  }
};

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) if (!e.endsWith('.generated.ts')) t = Math.max(t, newest(join(path, e)));
  return t;
}

const inputs = ['assembly', 'src', 'scripts/build.mjs', 'asconfig.json', 'asconfig.relaxed.json', 'package.json', 'tsconfig.json', 'tsconfig.build.json',
  'tsconfig.node.json'];
const stamp = join(root, 'dist', '.stamp');
if (process.argv.includes('--if-needed') && existsSync(stamp) &&
    Math.max(...inputs.map((p) => newest(join(root, p)))) < statSync(stamp).mtimeMs) {
  process.exit(0);
}

/** The module's sections as [id, bytes] pairs (see: the WebAssembly binary format, 5.5). */
function sections(bytes) {
  const out = [];
  let p = 8;
  const leb = () => {
    let v = 0, shift = 0, b;
    do { b = bytes[p++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return v;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    out.push([id, bytes.subarray(p, p + size)]);
    p += size;
  }
  return out;
}

/**
 * Proves what the threads build relies on. Workers instantiate the module on memory that
 * already holds live tensors, and instantiation re-applies active data segments and runs
 * the start function (AssemblyScript emits active segments even with --sharedMemory), so
 * the build must have neither: no data section (id 11), no start section (8), no mutable
 * global (6; every global is per instance anyway, but none may be relied on). And its code
 * section (10) must be byte for byte the single-threaded build's: the same instructions
 * give the same bits.
 */
function checkThreadsBuild(single, threads, name = 'build/actlab-threads.wasm', singleName = 'build/actlab.wasm') {
  const fail = (what) => {
    console.error(`actlab build: ${name} ${what}`);
    process.exit(1);
  };
  checkStateless(threads, fail);
  if (Buffer.compare(code(single), code(threads)) !== 0) fail(`has a code section that differs from ${singleName}: the two builds must run the same instructions`);
}

const code = (bytes) => sections(bytes).find(([id]) => id === 10)?.[1] ?? new Uint8Array(0);

/** A module instantiated on memory that already holds tensors: no data segments, no start function, no globals. */
function checkStateless(bytes, fail) {
  for (const [id, body] of sections(bytes)) {
    if (id === 11 && body.length > 1) fail('has data segments: instantiating it would re-write them over live memory; keep kernels free of static data');
    if (id === 8) fail('has a start function: it would run on memory that holds live tensors');
    if (id === 6 && body.length > 1) fail('has globals: kernels must keep no state');
  }
}

/** `export function name(params): ret;` lines of a raw-bindings .d.ts, by name. */
function declarations(dtsText) {
  return new Map([...dtsText.matchAll(/export function (\w+)\(([^)]*)\): (\w+);/g)].map((m) => [m[1], m[0]]));
}

/**
 * The relaxed overlay (assembly/relaxed.ts) replaces some exports of the default module on
 * the default module's memory, so it must be stateless like the threads build, and each of
 * its kernels must be declared exactly as the default module's (same name, parameters and
 * result). And it must really be relaxed: binaryen's text of the overlay names
 * f32x4.relaxed_madd, the default build's never does (its instructions are the plain ones).
 */
async function checkRelaxedBuild(plain, relaxed, plainDts, relaxedDts) {
  const fail = (what) => {
    console.error(`actlab build: build/actlab-relaxed.wasm ${what}`);
    process.exit(1);
  };
  checkStateless(relaxed, fail);
  const ours = declarations(relaxedDts), theirs = declarations(plainDts);
  if (ours.size === 0) fail('exports no kernels');
  for (const [name, decl] of ours) {
    if (theirs.get(name) !== decl) fail(`declares ${decl}, but build/actlab.wasm ${theirs.has(name) ? `declares ${theirs.get(name)}` : `lacks ${name}`}`);
  }
  const { default: binaryen } = await import('binaryen');
  const count = (bytes) => {
    const m = binaryen.readBinary(bytes);
    m.setFeatures(binaryen.Features.All);
    const n = (m.emitText().match(/f32x4\.relaxed_madd/g) ?? []).length;
    m.dispose();
    return n;
  };
  if (count(relaxed) === 0) fail('has no f32x4.relaxed_madd: madd.ts did not see ASC_FEATURE_RELAXED_SIMD');
  if (count(plain) !== 0) {
    console.error('actlab build: build/actlab.wasm has f32x4.relaxed_madd: the default build must stay plain SIMD');
    process.exit(1);
  }
  return [...ours.keys()];
}

/** Writes through a temporary file so a concurrent reader never sees half a file. */
function writeAtomic(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

run(bin('asc'), ['assembly/index.ts', '--config', 'asconfig.json', '--target', 'release']);
// The same kernels for threads: memory imported and shared (every worker instantiates the
// module on it), maximum 65536 pages (4 GiB, the wasm32 limit) because a shared memory
// must declare one and engines reserve address space for it, not memory.
run(bin('asc'), ['assembly/index.ts', '--config', 'asconfig.json', '--target', 'threads']);

// The relaxed-SIMD overlay (GEMM and conv with f32x4.relaxed_madd), for its own memory and
// for the shared one: 38 KiB each where a whole second module would be 434 KiB, so the
// threads variant is worth its bytes and init({ relaxedSimd: true }) works at any thread count.
run(bin('asc'), ['assembly/relaxed.ts', '--config', 'asconfig.relaxed.json', '--target', 'relaxed']);
run(bin('asc'), ['assembly/relaxed.ts', '--config', 'asconfig.relaxed.json', '--target', 'relaxed-threads']);

const wasm = readFileSync(join(root, 'build', 'actlab.wasm'));
const wasmThreads = readFileSync(join(root, 'build', 'actlab-threads.wasm'));
checkThreadsBuild(wasm, wasmThreads);
const wasmRelaxed = readFileSync(join(root, 'build', 'actlab-relaxed.wasm'));
const wasmRelaxedThreads = readFileSync(join(root, 'build', 'actlab-relaxed-threads.wasm'));
const relaxedNames = await checkRelaxedBuild(wasm, wasmRelaxed, readFileSync(join(root, 'build', 'actlab.d.ts'), 'utf8'),
  readFileSync(join(root, 'build', 'actlab-relaxed.d.ts'), 'utf8'));
checkThreadsBuild(wasmRelaxed, wasmRelaxedThreads, 'build/actlab-relaxed-threads.wasm', 'build/actlab-relaxed.wasm');
writeAtomic(join(root, 'src', 'core', 'wasm-bytes.generated.ts'),
  '// Generated by scripts/build.mjs from assembly/: the compiled module, base64.\n' +
  `export const WASM_BASE64 = '${wasm.toString('base64')}';\n`);
// The shared-memory builds are imported only when init asks for threads (wasm.ts loads this
// file with import()), so dist/ keeps them in a chunk of their own that a page without
// threads never downloads.
writeAtomic(join(root, 'src', 'core', 'wasm-threads-bytes.generated.ts'),
  '// Generated by scripts/build.mjs from assembly/: the shared-memory build of the same kernels and its relaxed-SIMD overlay, base64.\n' +
  `export const WASM_THREADS_BASE64 = '${wasmThreads.toString('base64')}';\n` +
  `export const WASM_RELAXED_THREADS_BASE64 = '${wasmRelaxedThreads.toString('base64')}';\n`);
writeAtomic(join(root, 'src', 'core', 'wasm-relaxed-bytes.generated.ts'),
  '// Generated by scripts/build.mjs from assembly/relaxed.ts: the relaxed-SIMD overlay for the single-threaded module, base64.\n' +
  `export const WASM_RELAXED_BASE64 = '${wasmRelaxed.toString('base64')}';\n`);

// The worker pool's program as a string literal (src/core/worker-main.ts without its
// types). Workers start from source text; were it taken from the function at run time
// (Function.prototype.toString), a consumer's bundler could have rewritten the function to
// call its own helpers (esbuild's keepNames: `__name`), which the worker does not have.
{
  const { transformSync } = await import('esbuild');
  const file = join(root, 'src', 'core', 'worker-main.ts');
  const { code: js } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', target: 'es2022', sourcefile: file });
  const text = js.trim();
  if (!text.startsWith('export function workerMain(') || text.indexOf('export ', 1) !== -1 || /^\s*import\b/m.test(text)) {
    console.error('actlab build: src/core/worker-main.ts must hold one exported function, workerMain, and nothing else at run time');
    process.exit(1);
  }
  const source = text.slice('export '.length);
  try {
    new Function(`return (${source});`);
  } catch (e) {
    console.error(`actlab build: the worker source does not parse as an expression: ${e.message}`);
    process.exit(1);
  }
  writeAtomic(join(root, 'src', 'core', 'worker-source.generated.ts'),
    '// Generated by scripts/build.mjs from src/core/worker-main.ts: the worker\'s program, as text.\n' +
    `export const WORKER_MAIN_SOURCE = ${JSON.stringify(source)};\n`);
}

// The raw bindings' .d.ts lists every export with its parameter names; turn the
// declarations into one interface so every kernel call is type-checked.
const dts = readFileSync(join(root, 'build', 'actlab.d.ts'), 'utf8');
const fns = [...dts.matchAll(/export function (\w+)\(([^)]*)\): (\w+);/g)];
// The package's version, for `version` (tf.js has tf.version) and `actlab --version`.
writeAtomic(join(root, 'src', 'core', 'version.generated.ts'),
  `// Generated by scripts/build.mjs from package.json.\n/** The package's version (package.json), as tf.version_core gives tf.js's. */\nexport const VERSION = ${JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version)};\n`);
writeAtomic(join(root, 'src', 'core', 'kernels.generated.ts'),
  '// Generated by scripts/build.mjs from the module\'s exports.\n' +
  'export interface Kernels {\n' +
  fns.map(([, name, params, ret]) => `  ${name}(${params}): ${ret};\n`).join('') +
  '}\n\n' +
  '/** @internal Binds the instance\'s exports to the interface, failing on any missing kernel. */\n' +
  'export function bindKernels(exports: WebAssembly.Exports): Kernels {\n' +
  '  const f = (name: string): ((...args: number[]) => number) => {\n' +
  '    const v = exports[name];\n' +
  "    if (typeof v !== 'function') throw new Error(`actlab: the kernel module lacks ${name}`);\n" +
  '    return v as (...args: number[]) => number;\n' +
  '  };\n' +
  '  return {\n' +
  fns.map(([, name]) => `    ${name}: f('${name}'),\n`).join('') +
  '  };\n' +
  '}\n\n' +
  '/** The kernels the relaxed-SIMD overlay (assembly/relaxed.ts) replaces. */\n' +
  `export const RELAXED_KERNELS = [${relaxedNames.map((n) => `'${n}'`).join(', ')}] as const;\n\n` +
  '/** @internal `base` with the overlay instance\'s kernels in place of its own, failing on any missing one. */\n' +
  'export function overlayKernels(base: Kernels, exports: WebAssembly.Exports): Kernels {\n' +
  '  const f = (name: string): ((...args: number[]) => number) => {\n' +
  '    const v = exports[name];\n' +
  "    if (typeof v !== 'function') throw new Error(`actlab: the relaxed kernel module lacks ${name}`);\n" +
  '    return v as (...args: number[]) => number;\n' +
  '  };\n' +
  '  return {\n' +
  '    ...base,\n' +
  relaxedNames.map((name) => `    ${name}: f('${name}'),\n`).join('') +
  '  };\n' +
  '}\n');

run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
// The threads bytes stay a file of their own beside the bundle (dist/wasm-threads-bytes.generated.js),
// imported on demand; dist/index.js needs nothing else (copied alone, it runs one thread).
run(bin('esbuild'), ['src/index.ts', '--bundle', '--format=esm', '--platform=neutral', '--target=es2022',
  '--external:./wasm-threads-bytes.generated.js', '--outfile=dist/index.js', '--log-level=warning']);
writeAtomic(join(root, 'dist', 'wasm-threads-bytes.generated.js'), readFileSync(join(root, 'src', 'core', 'wasm-threads-bytes.generated.ts'), 'utf8'));
// `require('actlab')` and `require('actlab/node')` load the ES modules themselves (require of
// an ES module: Node >= 20.19, Bun, Deno; the core has no top-level await). A separate
// CommonJS bundle would hold a second runtime with its own Wasm memory, and a model made
// through one copy would be saved by the other as zeros.
writeAtomic(join(root, 'dist', 'index.cjs'), "module.exports = require('./index.js');\n");
// The Node entry keeps `../index.js` as an import of the core bundle (dist/index.js), so
// both entries share one Wasm runtime; only its own code and Node built-ins are in it.
// npm packages (vega, vega-lite, resvg's native binary) stay imports: they are dependencies.
run(bin('esbuild'), ['src/node/index.ts', '--bundle', '--format=esm', '--platform=node', '--target=node18',
  '--external:../index.js', '--packages=external', '--outfile=dist/node/index.js', '--log-level=warning']);
writeAtomic(join(root, 'dist', 'node', 'index.cjs'), "module.exports = require('./index.js');\n");
// The `actlab` command: one file with the core and the Node entry inside (the process
// owns its one runtime), npm packages imported, a shebang so npm can link it as a bin.
run(bin('esbuild'), ['src/cli/main.ts', '--bundle', '--format=esm', '--platform=node', '--target=node20',
  '--packages=external', '--banner:js=#!/usr/bin/env node', '--outfile=dist/cli.js', '--log-level=warning']);
chmodSync(join(root, 'dist', 'cli.js'), 0o755);
// Core declarations without Node types (the core must not use them); the Node entry's own.
run(bin('tsc'), ['-p', 'tsconfig.build.json']);
run(bin('tsc'), ['-p', 'tsconfig.node.json']);
writeAtomic(stamp, `${new Date().toISOString()}\n`);
console.log(`actlab: built dist/ (wasm ${(wasm.length / 1024).toFixed(1)} KiB, ${fns.length} kernels; relaxed overlay ` +
  `${(wasmRelaxed.length / 1024).toFixed(1)} KiB, ${relaxedNames.length} kernels)`);
