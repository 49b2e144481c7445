// Runs a TypeScript file of this repo (an example or tool) with Node: esbuild bundles it to
// build/run/ first. Usage: node scripts/run-ts.mjs FILE.ts [args...]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
mkdirSync(join(root, 'build', 'run'), { recursive: true });
const out = join(root, 'build', 'run', basename(file).replace(/\.ts$/, '.mjs'));
execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [file, '--bundle', '--platform=node', '--format=esm',
  '--packages=external', '--target=node20', `--outfile=${out}`, '--log-level=error'], { cwd: root, stdio: 'inherit' });
try {
  execFileSync(process.execPath, [out, ...args], { stdio: 'inherit' });
} catch {
  process.exit(1);
}
