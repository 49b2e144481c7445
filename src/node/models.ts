// Model files on disk: model.json + weights.bin in a directory (tfjs LayersModel format).
// Writes go to temporary files renamed into place, weights first, so a crash mid-save
// leaves the previous model readable.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { inTurn, writeAtomic } from './files.js';
import {
  modelFromArtifacts, modelToArtifacts, registerArtifactWriter, type CustomActivationFactory, type ModelArtifacts, type ModelJson, type Sequential,
} from '../index.js';

/**
 * The directory a save or load names. tf.js (tfjs-node) spells it `file://dir` for a save and
 * `file://dir/model.json` for a load: both are read as that directory, the files being the
 * same format. Another tf.js storage URL (indexeddb://, localstorage://, downloads://, http://)
 * used to become a local directory named after its scheme ('indexeddb:/my-model'), and is refused.
 */
function modelDir(where: 'save' | 'loadModel', target: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1];
  if (scheme === undefined) return target;
  if (scheme.toLowerCase() !== 'file') {
    throw new Error(`actlab: ${where}: ${JSON.stringify(target)} is a tf.js storage URL, which actlab does not have; ` +
      (where === 'save' ? 'give a directory path (or call modelToArtifacts(model) and store the bytes yourself)'
        : 'give the model directory\'s path, or fetch model.json and its weights and call modelFromArtifacts({ modelJson, weightData })'));
  }
  // tfjs-node takes what follows file:// as a path, relative or absolute (file://./m, file:///tmp/m).
  const path = target.slice('file://'.length);
  return where === 'loadModel' && basename(path) === 'model.json' ? dirname(path) : path;
}

/**
 * Writes artifacts into `dir` (created if missing). Saves and loads of one directory in this
 * process run one after another, in call order: the last save's files are the ones left.
 * tf.js's `file://dir` names the directory `dir`.
 */
export function writeArtifacts(target: string, artifacts: ModelArtifacts): Promise<void> {
  const dir = modelDir('save', target);
  return inTurn(dir, async () => {
    await mkdir(dir, { recursive: true });
    const file = weightsFile(dir, artifacts.modelJson.weightsManifest[0]?.paths[0] ?? 'weights.bin', 'save');
    await writeAtomic(file, new Uint8Array(artifacts.weightData));
    await writeAtomic(join(dir, 'model.json'), `${JSON.stringify(artifacts.modelJson, null, 1)}\n`);
  });
}

registerArtifactWriter(writeArtifacts);

/** Saves a model into `dir` (same as model.save(dir)). */
export async function saveModel(model: Sequential, dir: string): Promise<void> {
  await writeArtifacts(dir, modelToArtifacts(model));
}

/**
 * The file a weightsManifest path names. tf.js writes bare file names beside model.json; a
 * path that is absolute or leaves the directory ('../../etc/passwd') is refused, so a model
 * file from elsewhere cannot name other files as its weights. A symbolic link inside the
 * directory is followed (model caches such as Hugging Face's are made of them): whoever
 * placed the link chose its target.
 */
function weightsFile(dir: string, p: unknown, where: 'loadModel' | 'save' = 'loadModel'): string {
  const full = typeof p === 'string' && p.length > 0 ? resolve(dir, p) : '';
  const rel = full === '' ? '' : relative(resolve(dir), full);
  if (typeof p !== 'string' || isAbsolute(p) || rel === '' || rel.split(/[\\/]/)[0] === '..' || isAbsolute(rel)) {
    throw new Error(`actlab: ${where}: ${join(dir, 'model.json')} names the weights file ${JSON.stringify(p)}; ` +
      'expected a file name inside the model directory (no absolute path, no \'..\')');
  }
  return join(dir, p);
}

/**
 * Loads a model saved by saveModel / model.save (or by tf.js, for the layers actlab has) from
 * its directory; tf.js's `file://dir/model.json` (tf.loadLayersModel's form) names the directory `dir`.
 * A model saved after compile() comes back compiled (loss, metrics, optimizer settings; the
 * optimizer's state starts afresh: a checkpoint keeps it).
 */
export async function loadModel(target: string, customObjects: Readonly<Record<string, CustomActivationFactory>> = {}): Promise<Sequential> {
  if (typeof target !== 'string' || target.length === 0) {
    const got: unknown = target;
    throw new Error(`actlab: loadModel: expected the model directory as a path string, got ${typeof got === 'string' ? 'an empty string' : got instanceof URL ? 'URL' : got === null ? 'null' : typeof got}` +
      (got instanceof URL ? ' (for a file: URL, pass fileURLToPath(url))' : ''));
  }
  const dir = modelDir('loadModel', target);
  // model.json and its weights are read between this process's saves into dir, never during one.
  const { modelJson, bytes } = await inTurn(dir, () => readModelFiles(dir));
  return modelFromArtifacts({ modelJson, weightData: bytes.buffer }, customObjects);
}

async function readModelFiles(dir: string): Promise<{ modelJson: ModelJson; bytes: Uint8Array<ArrayBuffer> }> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
  } catch {
    // tf.loadLayersModel takes model.json's path; loadModel takes the directory.
    const hint = basename(dir).toLowerCase().endsWith('.json') ? `; loadModel takes the directory, not model.json's path: loadModel(${JSON.stringify(dirname(dir))})` : '';
    throw new Error(`actlab: loadModel: cannot read ${join(dir, 'model.json')}: the directory must hold model.json and its weights file${hint}`);
  }
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(text);
  } catch (e) {
    throw new Error(`actlab: loadModel: ${join(dir, 'model.json')} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  // A malformed manifest reads no files here; modelFromArtifacts then says what is wrong with it.
  const groups: unknown = modelJson?.weightsManifest;
  const paths: unknown[] = Array.isArray(groups)
    ? groups.flatMap((g: unknown) => (typeof g === 'object' && g !== null && 'paths' in g && Array.isArray(g.paths) ? g.paths : []))
    : [];
  const files = paths.map((p) => weightsFile(dir, p));
  const parts: Uint8Array[] = [];
  for (const f of files) {
    // stat first: a FIFO or a device (/dev/zero) would block or never end.
    const info = await stat(f).catch((e: unknown) => e instanceof Error ? e : new Error(String(e)));
    if (info instanceof Error) {
      const code = 'code' in info ? String(info.code) : '';
      throw new Error(code === 'ENOENT'
        ? `actlab: loadModel: the weights file ${f} named in model.json is missing`
        : `actlab: loadModel: cannot read the weights file ${f} named in model.json (${code || info.message})`);
    }
    if (!info.isFile()) throw new Error(`actlab: loadModel: the weights file ${f} named in model.json is not a regular file`);
    try {
      parts.push(await readFile(f));
    } catch (e) {
      const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
      throw new Error(`actlab: loadModel: cannot read the weights file ${f} named in model.json (${code})`);
    }
  }
  const total = parts.reduce((s, b) => s + b.length, 0);
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const b of parts) { bytes.set(b, off); off += b.length; }
  return { modelJson, bytes };
}
