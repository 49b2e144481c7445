// Model files on disk: model.json + weights.bin in a directory (tfjs LayersModel format).
// Writes go to temporary files renamed into place, weights first, so a crash mid-save
// leaves the previous model readable.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inTurn, writeAtomic } from './files.js';
import {
  modelFromArtifacts, modelToArtifacts, registerArtifactWriter, type CustomActivationFactory, type ModelArtifacts, type ModelJson, type Sequential,
} from '../index.js';

/**
 * Writes artifacts into `dir` (created if missing). Saves and loads of one directory in this
 * process run one after another, in call order: the last save's files are the ones left.
 */
export function writeArtifacts(dir: string, artifacts: ModelArtifacts): Promise<void> {
  return inTurn(dir, async () => {
    await mkdir(dir, { recursive: true });
    const weightsFile = artifacts.modelJson.weightsManifest[0]?.paths[0] ?? 'weights.bin';
    await writeAtomic(join(dir, weightsFile), new Uint8Array(artifacts.weightData));
    await writeAtomic(join(dir, 'model.json'), `${JSON.stringify(artifacts.modelJson, null, 1)}\n`);
  });
}

registerArtifactWriter(writeArtifacts);

/** Saves a model into `dir` (same as model.save(dir)). */
export async function saveModel(model: Sequential, dir: string): Promise<void> {
  await writeArtifacts(dir, modelToArtifacts(model));
}

/** Loads a model saved by saveModel / model.save (or by tf.js, for the layers actlab has). */
export async function loadModel(dir: string, customObjects: Readonly<Record<string, CustomActivationFactory>> = {}): Promise<Sequential> {
  // model.json and its weights are read between this process's saves into dir, never during one.
  const { modelJson, bytes } = await inTurn(dir, () => readModelFiles(dir));
  return modelFromArtifacts({ modelJson, weightData: bytes.buffer }, customObjects);
}

async function readModelFiles(dir: string): Promise<{ modelJson: ModelJson; bytes: Uint8Array<ArrayBuffer> }> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
  } catch {
    throw new Error(`actlab: loadModel: cannot read ${join(dir, 'model.json')}: the directory must hold model.json and its weights file`);
  }
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(text);
  } catch (e) {
    throw new Error(`actlab: loadModel: ${join(dir, 'model.json')} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  // A malformed manifest reads no files here; modelFromArtifacts then says what is wrong with it.
  const groups: unknown = modelJson?.weightsManifest;
  const paths = Array.isArray(groups)
    ? groups.flatMap((g: unknown) => (typeof g === 'object' && g !== null && 'paths' in g && Array.isArray(g.paths) ? g.paths.filter((p): p is string => typeof p === 'string') : []))
    : [];
  const parts: Uint8Array[] = [];
  for (const p of paths) {
    try {
      parts.push(await readFile(join(dir, p)));
    } catch {
      throw new Error(`actlab: loadModel: the weights file ${join(dir, p)} named in model.json is missing`);
    }
  }
  const total = parts.reduce((s, b) => s + b.length, 0);
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const b of parts) { bytes.set(b, off); off += b.length; }
  return { modelJson, bytes };
}
