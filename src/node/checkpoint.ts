// Checkpoint files: `checkpoint.json` names the blob `ckpt-<epoch>.bin` it belongs to.
// The blob is written first and the JSON last, each to a temporary file renamed into
// place, so a process killed at any moment leaves the previous pair intact and readable.
import { readdir, readFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inTurn, writeAtomic } from './files.js';
import { Monitor, restoreCheckpoint, type Callback, type Logs, type Checkpoint, type CheckpointJson, type CustomActivationFactory, type Sequential } from '../index.js';

/**
 * Writes a checkpoint into `dir` atomically and removes older blobs and the temporary files of
 * writes whose process was killed. Writes and loads of one
 * directory in this process run one after another, in call order (one write's cleanup would
 * otherwise delete the blob another's checkpoint.json names).
 */
export function writeCheckpoint(dir: string, cp: Checkpoint): Promise<void> {
  return inTurn(dir, async () => {
    await mkdir(dir, { recursive: true });
    const blob = `ckpt-${cp.json.fit.epoch}.bin`;
    await writeAtomic(join(dir, blob), new Uint8Array(cp.data));
    await writeAtomic(join(dir, 'checkpoint.json'), `${JSON.stringify({ ...cp.json, data: blob })}\n`);
    for (const f of await readdir(dir)) {
      if ((/^ckpt-\d+\.bin$/.test(f) && f !== blob) || staleTemporary(f)) await rm(join(dir, f), { force: true });
    }
  });
}

/**
 * A temporary file of a checkpoint write that never finished: its process was killed (a crash,
 * a preempted machine, kill -9) or is this one, whose writes into the directory are done by
 * now (they run in turn). Each kill mid-write left one as large as the checkpoint, and a long
 * job restarted after many kills filled its disk with them.
 */
function staleTemporary(name: string): boolean {
  const m = /^(?:ckpt-\d+\.bin|checkpoint\.json)\.(\d+)\.\d+\.tmp$/.exec(name);
  if (m === null) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);   // throws ESRCH when no such process runs (EPERM: it runs as another user)
    return false;
  } catch (e) {
    return e instanceof Error && 'code' in e && e.code === 'ESRCH';
  }
}

/** Reads the checkpoint in `dir` and rebuilds the compiled model; fit({initialEpoch, seed}) resumes it. */
export async function loadCheckpoint(dir: string, customObjects: Readonly<Record<string, CustomActivationFactory>> = {}):
  Promise<{ model: Sequential; initialEpoch: number; seed: number; history: Record<string, number[]> }> {
  const { json, data } = await inTurn(dir, () => readCheckpointFiles(dir));
  return restoreCheckpoint({ json, data }, customObjects);
}

async function readCheckpointFiles(dir: string): Promise<Checkpoint> {
  let json: CheckpointJson & { data?: string };
  try {
    json = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8'));
  } catch (e) {
    throw new Error(`actlab: loadCheckpoint: no readable checkpoint.json in ${dir} (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof json?.data !== 'string' || !/^ckpt-\d+\.bin$/.test(json.data)) {
    throw new Error(`actlab: loadCheckpoint: ${join(dir, 'checkpoint.json')} does not name its data file`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, json.data));
  } catch {
    throw new Error(`actlab: loadCheckpoint: the data file ${join(dir, json.data)} named in checkpoint.json is missing`);
  }
  return { json, data: new Uint8Array(bytes).buffer };
}

/** modelCheckpoint's options. */
export interface ModelCheckpointArgs {
  /**
   * The directory to write checkpoint.json and its blob into (created if missing; loadCheckpoint
   * reads it). With `{epoch}` in it (or `{epoch:03d}`, zero-padded to 3 digits, as Keras's
   * filepath), each checkpoint goes into a directory of its own, named by its epoch count (the
   * initialEpoch it resumes at), and none is removed: `ckpt/epoch-{epoch}` keeps one per epoch.
   */
  dir: string;
  /** Write after every `every` epochs, counted over every fit of the model (a positive integer; default 1; not with saveBestOnly). */
  every?: number;
  /**
   * Write only after an epoch whose monitored value beats the best so far (Keras's
   * save_best_only), so the directory holds the best epoch's checkpoint; default false. The
   * best so far is the best value in the model's history of the run, which checkpoints hold:
   * a run resumed from the directory's checkpoint replaces it only with a better epoch. An
   * epoch that stopTraining cut short is not checkpointed and does not count as the best. A
   * monitor key missing from the epoch's logs is an error at the end of the first epoch.
   */
  saveBestOnly?: boolean;
  /** With saveBestOnly: the logged value to compare ('val_loss', 'val_acc', 'loss', a key a callback adds); default 'val_loss'. */
  monitor?: string;
  /** With saveBestOnly: 'min', 'max', or 'auto' (default: upwards for names containing 'acc', 'precision', 'recall' or 'cosineSimilarity' / 'cosine_similarity' in any case, downwards otherwise), as earlyStopping. */
  mode?: 'auto' | 'min' | 'max';
}

const CHECKPOINT_KEYS = ['dir', 'every', 'saveBestOnly', 'monitor', 'mode'];

/** The directory of the checkpoint after `done` epochs: dir with its {epoch} placeholders filled in. */
function dirFor(dir: string, done: number): string {
  return dir.replace(/\{epoch(?::0(\d)d)?\}/g, (_, width?: string) => String(done).padStart(Number(width ?? 0), '0'));
}

class ModelCheckpoint extends Monitor {
  private readonly dir: string;
  private readonly every: number;
  private readonly bestOnly: boolean;

  constructor(args: ModelCheckpointArgs) {
    const where = 'modelCheckpoint';
    if (typeof args !== 'object' || args === null) throw new Error(`actlab: ${where}: expected { dir, ... }, got ${String(args)}`);
    for (const k of Object.keys(args)) {
      if (!CHECKPOINT_KEYS.includes(k)) throw new Error(`actlab: ${where}: unknown option '${k}'; valid options: ${CHECKPOINT_KEYS.join(', ')}`);
    }
    super(where, args.monitor ?? 'val_loss', args.mode ?? 'auto', 0);
    const every = args.every ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new Error(`actlab: ${where}: every must be a positive integer, got ${every}`);
    if (typeof args.dir !== 'string' || args.dir.length === 0) throw new Error(`actlab: ${where}: dir must be a directory path`);
    const other = /\{[^}]*\}/.exec(args.dir.replace(/\{epoch(?::0\dd)?\}/g, ''));
    if (other !== null) {
      throw new Error(`actlab: ${where}: dir '${args.dir}' holds '${other[0]}'; the only placeholders are {epoch} and {epoch:0Nd} (N digits, zero-padded)`);
    }
    const bestOnly: unknown = args.saveBestOnly ?? false;
    if (typeof bestOnly !== 'boolean') throw new Error(`actlab: ${where}: saveBestOnly must be true or false, got ${String(bestOnly)}`);
    if (!bestOnly && (args.monitor !== undefined || args.mode !== undefined)) {
      // Keras ignores them then; a run that was meant to keep its best epoch would keep its last.
      throw new Error(`actlab: ${where}: monitor and mode choose the epoch that saveBestOnly keeps; without saveBestOnly: true every checkpoint is written and they do nothing`);
    }
    if (bestOnly && every !== 1) {
      throw new Error(`actlab: ${where}: every ${every} and saveBestOnly do not combine: saveBestOnly compares every epoch with the best so far`);
    }
    this.dir = args.dir;
    this.every = every;
    this.bestOnly = bestOnly;
  }

  /**
   * The best value of the run so far, from the model's history (the epochs before this one, a
   * restored checkpoint's included), leaving out epochs that stopTraining cut short: no
   * checkpoint was taken of them, so a later epoch that beats the whole ones is kept.
   */
  onEpochBegin(): void {
    if (this.bestOnly) this.best = this.bestOf(this.model?.fitState?.history, this.model?.fitState?.cut);
  }

  async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const model = this.model;
    // Counted over every fit of the model, so a loop of fit({ epochs: 1 }) checkpoints every N too.
    const done = model?.fitState?.epoch ?? epoch + 1;
    if (model === undefined || done % this.every !== 0) return;
    // Read first (a missing monitor key is an error at the first epoch, cut short or not).
    const v = this.bestOnly ? this.current(logs, 'throw') : undefined;
    if (this.bestOnly && (v === undefined || !this.better(v, this.best, 0))) return;
    const cut = model.epochCutShort;
    if (cut !== undefined) {
      // A stop inside the epoch (a SIGINT handler setting stopTraining): its checkpoint would resume
      // after the batches it never trained; the last whole epoch's checkpoint stays in dir.
      console.warn(`actlab: modelCheckpoint: epoch ${cut.epoch} was stopped after ${cut.batches} of its ${cut.of} batches, so no checkpoint ` +
        `is written for it; ${this.dir} keeps the last one taken at the end of a whole epoch`);
      return;
    }
    if (v !== undefined) this.best = v;
    await writeCheckpoint(dirFor(this.dir, done), model.checkpoint());
  }
}

/**
 * A fit callback that checkpoints model, optimizer and position (Keras ModelCheckpoint): every N
 * epochs, or with saveBestOnly after each epoch that improves the monitored value; into one
 * directory that keeps the latest, or with `{epoch}` in dir one directory per checkpoint.
 */
export function modelCheckpoint(args: ModelCheckpointArgs): Callback {
  return new ModelCheckpoint(args);
}
