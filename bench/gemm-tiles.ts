// Which register tile should the sgemm micro-kernel use? Generates the k-loop of an
// MR x NR f32x4 splat micro-kernel for several shapes (same code shape as assembly/gemm.ts:
// NR/4 B vectors loaded, MR A floats splatted, MR*NR/4 accumulators), compiles them with
// asc into build/, and times each on packed data that stays in L1 (K = 256), CPU time.
// A tile whose accumulators and operands exceed the engine's vector registers spills.
// Run: npm run bench -- gemm-tiles   (--relaxed: the same tiles with f32x4.relaxed_madd)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** bench/run.mjs runs every benchmark from the repository root. */
const root = process.cwd();
const TILES: ReadonlyArray<readonly [number, number]> = [[4, 8], [2, 16], [5, 8], [6, 8], [4, 12], [3, 12], [8, 4]];
const K = 256;
const REPS = 20000;
const RELAXED = process.argv.includes('--relaxed');

function kernel(mr: number, nr: number): string {
  const nv = nr / 4;
  const acc = (i: number, j: number): string => `c${i}_${j}`;
  const lines = [`export function t${mr}x${nr}(reps: i32, K: i32, A: usize, B: usize, C: usize): void {`, '  for (let r = 0; r < reps; r++) {'];
  for (let i = 0; i < mr; i++) for (let j = 0; j < nv; j++) lines.push(`    let ${acc(i, j)} = f32x4.splat(0);`);
  lines.push('    let a = A, b = B;', '    for (let k = 0; k < K; k++) {');
  for (let j = 0; j < nv; j++) lines.push(`      const b${j} = v128.load(b, ${16 * j});`);
  for (let i = 0; i < mr; i++) {
    lines.push(`      const x${i} = v128.load32_splat(a, ${4 * i});`);
    for (let j = 0; j < nv; j++) {
      lines.push(RELAXED ? `      ${acc(i, j)} = f32x4.relaxed_madd(x${i}, b${j}, ${acc(i, j)});`
        : `      ${acc(i, j)} = f32x4.add(${acc(i, j)}, f32x4.mul(x${i}, b${j}));`);
    }
  }
  lines.push(`      a += ${4 * mr}; b += ${16 * nv};`, '    }');
  for (let i = 0; i < mr; i++) for (let j = 0; j < nv; j++) lines.push(`    v128.store(C, ${acc(i, j)}, ${16 * (i * nv + j)});`);
  lines.push('  }', '}');
  return lines.join('\n');
}

const src = join(root, 'build', 'gemm-tiles.ts'), out = join(root, 'build', 'gemm-tiles.wasm');
writeFileSync(src, TILES.map(([m, n]) => kernel(m, n)).join('\n\n') + '\n');
execFileSync(join(root, 'node_modules', '.bin', 'asc'),
  [src, '-O3', '--enable', 'simd', ...(RELAXED ? ['--enable', 'relaxed-simd'] : []), '--runtime', 'stub', '--use', 'abort=', '-o', out],
  { stdio: 'inherit' });
const { instance } = await WebAssembly.instantiate(readFileSync(out), {});
const memory = instance.exports.memory;
if (!(memory instanceof WebAssembly.Memory)) throw new Error('actlab bench: the tile module exports no memory');
memory.grow(4);
const A = 65536, B = A + 16384, C = A + 65536;
const view = new Float32Array(memory.buffer, A, 16384 + 4096);
for (let i = 0; i < view.length; i++) view[i] = 1e-3 * (i % 7);

const results: string[] = [];
for (const [mr, nr] of TILES) {
  const exported = instance.exports[`t${mr}x${nr}`];
  if (typeof exported !== 'function') throw new Error(`actlab bench: missing t${mr}x${nr}`);
  const fn = exported as (...args: number[]) => void;
  fn(100, K, A, B, C);
  let best = Infinity;
  for (let t = 0; t < 5; t++) {
    const c0 = process.cpuUsage();
    fn(REPS, K, A, B, C);
    const d = process.cpuUsage(c0);
    best = Math.min(best, (d.user + d.system) / 1e6);
  }
  results.push(`| ${mr}x${nr} | ${mr * nr / 4} | ${((REPS * K * mr * nr * 2) / best / 1e9).toFixed(1)} |`);
}
console.log('| tile | accumulators | GFLOP/s (in L1, K = 256, best of 5) |\n|---|---:|---:|');
console.log(results.join('\n'));
