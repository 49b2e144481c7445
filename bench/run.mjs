// Benchmark dispatcher: `npm run bench -- gemm conv` bundles each bench/<name>.ts with
// esbuild (TypeScript in, packages left as imports) into build/ and runs it with node, one
// after another. No name runs every bench/*.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const all = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const names = process.argv.slice(2);
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`actlab bench: no benchmark '${name}'; available: ${all.join(', ')}`);
    process.exit(1);
  }
}
for (const name of names.length ? names : all) {
  // Written under build/ so node resolves the packages from the repository's node_modules.
  const out = join(root, 'build', `bench-${name}.mjs`);
  await build({
    entryPoints: [join(root, 'bench', `${name}.ts`)],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external',
    outfile: out, logLevel: 'warning',
  });
  if (!existsSync(out)) process.exit(1);
  const r = spawnSync(process.execPath, [out], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
