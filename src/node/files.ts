// Writes that replace a file atomically, and one queue per directory for the saves and loads
// of this process, so that two saves into one directory (an autosave and a save button, two
// fits checkpointing into one place) never share a temporary file or leave one save's
// model.json with another's weights, and a load never reads a save's half.
import { rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

let serial = 0;

/** Writes `data` to a temporary file of its own, then renames it over `path`. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${++serial}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

const queues = new Map<string, Promise<void>>();

/** Runs fn once every earlier call for the same directory has finished (in call order). */
export async function inTurn<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(dir);
  const previous = queues.get(key) ?? Promise.resolve();
  let done = (): void => undefined;
  const mine = new Promise<void>((r) => { done = r; });
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}
