// Benchmark dispatcher: `npm run bench -- <name> [<name> ...]` bundles bench/<name>.ts with
// esbuild (packages stay external, so tf.js loads from node_modules) into build/ and runs
// it with node, one after another. Without a name it lists the benchmarks.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const names = process.argv.slice(2);
const available = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
if (names.length === 0) {
  console.log(`usage: npm run bench -- <name> [<name> ...]; available: ${available.join(', ')}`);
  process.exit(0);
}
for (const name of names) {
  const src = join(root, 'bench', `${name}.ts`);
  if (!existsSync(src)) {
    console.error(`actlab bench: no benchmark '${name}' (bench/${name}.ts); available: ${available.join(', ')}`);
    process.exit(1);
  }
  const out = join(root, 'build', `bench-${name}.mjs`);
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [src, '--bundle', '--format=esm', '--platform=node',
    '--packages=external', '--target=node20', `--outfile=${out}`, '--log-level=warning'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [out], { cwd: root, stdio: 'inherit' });
}
