// Training callbacks with tfjs-layers / Keras hook names. A callback may return a promise
// from any hook; fit awaits it. Logs use Keras keys: loss, acc (or each compiled metric's
// key: mae, precision, ...), val_loss, val_acc (val_ + the metric's key).

import type { Checkpoint } from './checkpoint.js';
import { checkKeys, hasOwn, showValue } from '../core/checks.js';

/** Values a callback receives, by Keras key: loss, the compiled metrics' keys (acc, mae, ...), val_loss, val_ + each metric's key; batch and size in batch logs. */
export type Logs = Record<string, number>;

/** What a callback may reach in the model while it trains. */
export interface TrainingModel {
  /** Set to true to end fit after the current batch. */
  stopTraining: boolean;
  /** The optimizer's learning rate (reduceLROnPlateau changes it). */
  learningRate: number;
  /** The class name of the optimizer's learning-rate schedule, or null for a constant rate. */
  readonly learningRateSchedule?: string | null;
  /** Snapshot and restore of the weights (earlyStopping's restoreBestWeights). */
  snapshotWeights(): Float32Array[];
  /** Writes a snapshotWeights() result back. */
  restoreWeights(values: readonly Float32Array[]): void;
  /** Model, optimizer state and fit's position (modelCheckpoint writes it). */
  checkpoint(): Checkpoint;
  /**
   * fit's position: `epoch` counts the epochs trained with this seed over every fit call (set
   * before onEpochEnd); `history` holds those epochs' logs (from onEpochBegin, the epochs before it).
   */
  readonly fitState?: {
    readonly epoch: number; readonly history?: Readonly<Record<string, readonly number[]>>;
    /** Per key, the positions in `history` of the values of epochs that stopTraining cut short (absent when there are none). */
    readonly cut?: Readonly<Record<string, readonly number[]>>;
  };
  /** The last epoch, when stopTraining ended it before its last batch (undefined after an epoch that ran to its end). */
  readonly epochCutShort?: { readonly epoch: number; readonly batches: number; readonly of: number };
}

/**
 * A fit() callback is an object with some of these hooks (Keras / tfjs-layers names), called in
 * the order listed and awaited one by one. fit always passes logs: {} where there is nothing
 * to report; onBatchEnd gets { batch, size, loss, acc?, ...metrics }, onEpochEnd { loss, acc?,
 * ...metrics, val_loss?, val_acc?, ...val_metrics } (a metric logs under the name compile()
 * was given it, accuracy as acc), and keys an onEpochEnd adds to its logs are recorded in the History.
 */
export interface Callback {
  /** The model being fitted, before onTrainBegin. */
  setModel?(model: TrainingModel): void;
  /** Once, before the first epoch (logs: {}). */
  onTrainBegin?(logs: Logs): void | Promise<void>;
  /** Once, after the last epoch or a stop (logs: {}); not called when fit throws. */
  onTrainEnd?(logs: Logs): void | Promise<void>;
  /** epoch counts from fit's initialEpoch (0 by default). */
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  /** After an epoch's validation: logs { loss, acc?, ...metrics, val_loss?, val_acc?, ...val_metrics }, the epoch's values; keys added here go into the History. */
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  /** Before each batch; `batch` counts from 0 in each epoch, logs { batch, size }. */
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  /** After each batch's update: logs { batch, size, loss, acc?, ...metrics } of that batch alone (tf.js; not a running mean). */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

type Mode = 'auto' | 'min' | 'max';

/**
 * 'auto' watches accuracies, precision, recall and cosine similarity upwards (any key
 * containing 'acc', 'precision', 'recall' or 'cosineSimilarity' / 'cosine_similarity', in any
 * case: val_acc, val_binaryAccuracy, val_top_k_categorical_accuracy, val_precision) and
 * everything else downwards (losses, errors, cross-entropies, cosine proximity, which is the
 * negated similarity), as Keras 3 does for its metrics. tf.js looks for a lower-case 'acc'
 * alone, so it would watch binaryAccuracy and precision downwards.
 */
export function autoMaximizes(monitor: string): boolean { return /acc|precision|recall|cosine_?similarity/i.test(monitor); }

function improves(mode: Mode, monitor: string): (current: number, best: number, minDelta: number) => boolean {
  const max = mode === 'max' || (mode === 'auto' && autoMaximizes(monitor));
  return max ? (c, b, d) => c - d > b : (c, b, d) => c + d < b;
}

function checkMode(where: string, mode: unknown): Mode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new Error(`actlab: ${where}: mode must be 'auto', 'min' or 'max', got ${String(mode)}`);
  return mode;
}

function nonNegative(where: string, name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new Error(`actlab: ${where}: ${name} must be a finite number >= 0, got ${v}`);
  return v;
}

/** For callbacks that set the learning rate: a scheduled rate cannot be set, so say so before training. */
function refuseSchedule(where: string, model: TrainingModel | undefined): void {
  const schedule = model?.learningRateSchedule;
  if (schedule) {
    throw new Error(`actlab: ${where}: the optimizer's learning rate follows a ${schedule} schedule, which it cannot change: ` +
      `give the optimizer a constant learningRate, or drop one of the two`);
  }
}

/**
 * The base of the callbacks that watch one logged value for improvement (earlyStopping,
 * reduceLROnPlateau, and actlab/node's modelCheckpoint with saveBestOnly): mode 'auto'
 * watches keys containing 'acc', 'precision', 'recall' or cosine similarity upwards and all others downwards,
 * as Keras 3 does.
 */
export abstract class Monitor implements Callback {
  protected model?: TrainingModel;
  protected readonly better: (c: number, b: number, d: number) => boolean;
  protected best: number;

  protected constructor(protected readonly where: string, protected readonly monitor: string, mode: Mode, protected readonly minDelta: number) {
    if (typeof monitor !== 'string' || monitor.length === 0) throw new Error(`actlab: ${where}: monitor must be the name of a logged value ('val_loss', 'val_acc', ...), got ${showValue(monitor)}`);
    this.better = improves(checkMode(where, mode), monitor);
    this.best = this.worst();
  }

  /** Keeps the model being fitted (fit calls it). */
  setModel(model: TrainingModel): void { this.model = model; }

  /** The starting best: Infinity when lower is better, -Infinity when higher is. */
  protected worst(): number { return this.better(0, 1, 0) ? Infinity : -Infinity; }

  /**
   * The best of the monitored key's values in `history` by this monitor's mode (NaN and null,
   * a NaN read back from JSON, never are), leaving out the positions `skip` lists for the key;
   * worst() for none. An own key only, as current().
   */
  protected bestOf(history: Readonly<Record<string, readonly (number | null)[]>> | undefined, skip?: Readonly<Record<string, readonly number[]>>): number {
    let best = this.worst();
    const values = history !== undefined && hasOwn(history, this.monitor) ? history[this.monitor] : [];
    const left = new Set(skip !== undefined && hasOwn(skip, this.monitor) ? skip[this.monitor] : []);
    values.forEach((v, i) => { if (typeof v === 'number' && !left.has(i) && this.better(v, best, 0)) best = v; });
    return best;
  }

  /**
   * The monitored value in `logs`. A missing key is warned about once and gives undefined
   * (Keras warns and carries on), or with `missing: 'throw'` is an error naming the keys there are.
   */
  protected current(logs: Logs | undefined, missing: 'warn' | 'throw' = 'warn'): number | undefined {
    // An own key only: a monitor named 'constructor' found Object's and never warned.
    const v = logs !== undefined && hasOwn(logs, this.monitor) ? logs[this.monitor] : undefined;
    if (v === undefined) {
      const keys = Object.keys(logs ?? {}).join(', ');
      if (missing === 'throw') {
        throw new Error(`actlab: ${this.where}: monitor '${this.monitor}' is not in the epoch's logs (${keys}); name one of those keys, ` +
          'or give fit validationData or validationSplit for the val_ ones');
      }
      // A silent no-op would hide a typo, so say it once.
      if (!this.warned) console.warn(`actlab: ${this.where}: metric '${this.monitor}' is not in the logs (${keys})`);
      this.warned = true;
    }
    return v;
  }
  private warned = false;
}

/** callbacks.earlyStopping's options (tfjs-layers names). */
export interface EarlyStoppingArgs {
  /** The logged value to watch; default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement (its absolute value is used); default 0. */
  minDelta?: number;
  /** Epochs in a row without improvement after which training stops; default 0 (stop at the first). */
  patience?: number;
  /** 'min', 'max', or 'auto' (default: upwards for names containing 'acc', 'precision', 'recall' or 'cosineSimilarity' / 'cosine_similarity' in any case, downwards otherwise). */
  mode?: Mode;
  /** An epoch must beat this (and the best so far) to reset the patience count, as tfjs-layers. */
  baseline?: number;
  /**
   * At the end of training, restore the weights of the epoch with the best monitored value
   * (an epoch counts as better when it improves on the best by more than minDelta), whether
   * or not that epoch beat the baseline, and whether or not training stopped early: Keras 3's
   * on_train_end. (tf.keras 2 restored only when it stopped; tfjs-layers refuses the option.)
   */
  restoreBestWeights?: boolean;
  /** Accepted for tfjs-layers' signature; earlyStopping prints nothing. */
  verbose?: number;
}

const EARLY_STOPPING_KEYS = ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'verbose'];

/** Stops training when the monitored value stops improving for `patience` epochs. */
export class EarlyStopping extends Monitor {
  private readonly patience: number;
  private readonly baseline?: number;
  private readonly restore: boolean;
  private wait = 0;
  private bestWeights?: Float32Array[];
  /** The best value seen, baseline or not: whose weights restoreBestWeights keeps. */
  private bestSeen = 0;
  /** The epoch training stopped at (0 when it ran to the end). */
  stoppedEpoch = 0;

  constructor(args: EarlyStoppingArgs = {}) {
    checkKeys('earlyStopping', args, EARLY_STOPPING_KEYS);
    super('earlyStopping', args.monitor ?? 'val_loss', args.mode ?? 'auto', nonNegative('earlyStopping', 'minDelta', Math.abs(args.minDelta ?? 0)));
    this.patience = nonNegative('earlyStopping', 'patience', args.patience ?? 0);
    this.baseline = args.baseline;
    this.restore = args.restoreBestWeights ?? false;
  }

  /** Resets the counts, so one callback can serve several fits in turn. */
  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestSeen = this.worst();
    this.best = this.baseline ?? this.bestSeen;
    this.bestWeights = undefined;
  }

  /** Compares the monitored value with the best so far; sets model.stopTraining after `patience` epochs without improvement. */
  onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.current(logs);
    if (v === undefined || this.model === undefined) return;
    // Keras 3: the best epoch is the last one that improved on the best by more than minDelta.
    if (this.restore && (this.bestWeights === undefined || this.better(v, this.bestSeen, this.minDelta))) {
      this.bestSeen = v;
      this.bestWeights = this.model.snapshotWeights();
    }
    if (this.better(v, this.best, this.minDelta)) {
      this.best = v;
      this.wait = 0;
      return;
    }
    // As tfjs-layers and Keras: stop at the patience-th epoch in a row without improvement.
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  // Keras 3 restores here, after the last epoch's callbacks, whether or not training stopped early.
  /** With restoreBestWeights, writes the best epoch's weights back into the model. */
  onTrainEnd(): void {
    if (this.restore && this.bestWeights && this.model) this.model.restoreWeights(this.bestWeights);
    this.bestWeights = undefined;
  }
}

/** callbacks.reduceLROnPlateau's options (Keras names in camelCase, Keras defaults). */
export interface ReduceLROnPlateauArgs {
  /** The logged value to watch; default 'val_loss'. */
  monitor?: string;
  /** The rate is multiplied by this, in (0, 1); default 0.1. */
  factor?: number;
  /** Epochs without improvement before the rate is reduced; default 10. */
  patience?: number;
  /** Smallest change that counts as an improvement; default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction during which no further reduction happens; default 0. */
  cooldown?: number;
  /** The rate is never reduced below this; default 0. */
  minLr?: number;
  /** 'min', 'max', or 'auto' (default: upwards for names containing 'acc', 'precision', 'recall' or 'cosineSimilarity' / 'cosine_similarity' in any case, downwards otherwise). */
  mode?: Mode;
}

const REDUCE_LR_KEYS = ['monitor', 'factor', 'patience', 'minDelta', 'cooldown', 'minLr', 'mode'];

/** Multiplies the learning rate by `factor` after `patience` epochs without improvement (Keras semantics). */
export class ReduceLROnPlateau extends Monitor {
  private readonly factor: number;
  private readonly patience: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private wait = 0;
  private cooldownLeft = 0;
  /** Learning rates set, as [epoch, lr] pairs. */
  readonly changes: [number, number][] = [];

  constructor(args: ReduceLROnPlateauArgs = {}) {
    checkKeys('reduceLROnPlateau', args, REDUCE_LR_KEYS);
    super('reduceLROnPlateau', args.monitor ?? 'val_loss', args.mode ?? 'auto', nonNegative('reduceLROnPlateau', 'minDelta', args.minDelta ?? 1e-4));
    const factor = args.factor ?? 0.1;
    if (!(factor > 0 && factor < 1)) throw new Error(`actlab: reduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
    this.factor = factor;
    this.patience = nonNegative('reduceLROnPlateau', 'patience', args.patience ?? 10);
    this.cooldown = nonNegative('reduceLROnPlateau', 'cooldown', args.cooldown ?? 0);
    this.minLr = nonNegative('reduceLROnPlateau', 'minLr', args.minLr ?? 0);
  }

  // Keras resets the best value too, so a callback reused for another fit() starts afresh.
  /** Resets the counts; throws when the optimizer's rate follows a schedule (it cannot be set). */
  onTrainBegin(): void {
    refuseSchedule('reduceLROnPlateau', this.model);
    this.wait = 0;
    this.cooldownLeft = 0;
    this.best = this.worst();
  }

  /** Compares the monitored value with the best so far; multiplies the model's learning rate by `factor` after `patience` epochs without improvement. */
  onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.current(logs);
    if (v === undefined || this.model === undefined) return;
    if (this.cooldownLeft > 0) { this.cooldownLeft--; this.wait = 0; }
    if (this.better(v, this.best, this.minDelta)) {
      this.best = v;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    this.wait++;
    if (this.wait >= this.patience) {
      const old = this.model.learningRate;
      const lr = Math.max(old * this.factor, this.minLr);
      if (lr < old) {
        this.model.learningRate = lr;
        this.changes.push([epoch, lr]);
      }
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
  }
}

/** Stops training at the first non-finite batch loss (fit already does this unless told not to). */
export class TerminateOnNaN implements Callback {
  private model?: TrainingModel;
  /** The batch loss that stopped training, if any. */
  stoppedAt?: { batch: number; loss: number };
  setModel(model: TrainingModel): void { this.model = model; }
  /** Sets model.stopTraining when the batch loss is NaN or infinite. */
  onBatchEnd(batch: number, logs?: Logs): void {
    const loss = logs?.loss;
    if (loss !== undefined && !Number.isFinite(loss) && this.model) {
      this.stoppedAt = { batch, loss };
      this.model.stopTraining = true;
    }
  }
}

/**
 * Sets the learning rate at the start of every epoch to schedule(epoch, current rate), as
 * Keras' LearningRateScheduler does; the rate stays set after fit. For a rate that changes
 * every step, give the optimizer a schedule (schedules.cosineDecay, ...) instead.
 */
export class LearningRateScheduler implements Callback {
  private model?: TrainingModel;
  /** [epoch, rate] for every epoch this fit began, in order. */
  readonly rates: [number, number][] = [];

  constructor(private readonly schedule: (epoch: number, learningRate: number) => number) {
    if (typeof schedule !== 'function') throw new Error(`actlab: learningRateScheduler: schedule must be a function (epoch, learningRate) => number, got ${String(schedule)}`);
  }

  setModel(model: TrainingModel): void { this.model = model; }

  /** Clears `rates`; throws when the optimizer's rate follows a schedule (it cannot be set). */
  onTrainBegin(): void {
    refuseSchedule('learningRateScheduler', this.model);
    this.rates.length = 0;
  }

  onEpochBegin(epoch: number): void {
    if (this.model === undefined) return;
    const old = this.model.learningRate;
    const lr = this.schedule(epoch, old);
    // 0 is a rate (a warmup from 0, Keras accepts it); negative or non-finite is not.
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new Error(`actlab: learningRateScheduler: schedule(${epoch}, ${old}) returned ${showValue(lr)}: expected a finite number >= 0`);
    }
    this.model.learningRate = lr;
    this.rates.push([epoch, lr]);
  }
}

/** callbacks.epochLogger's options. */
export interface LoggerArgs {
  /** Receives each line (with a trailing newline), e.g. (s) => process.stdout.write(s) or a file stream's write. */
  write: (line: string) => void;
  /**
   * 'csv' (default: a header of `epoch` and the sorted keys of the first epoch's logs, then one
   * row per epoch) or 'jsonl' (one JSON object per epoch). CSV fields follow RFC 4180: a field
   * holding a comma, a double quote or a line break is quoted, its quotes doubled, so a
   * standard parser reads back one column per key. Fields are not altered otherwise: a key
   * starting with `=`, `+`, `-` or `@` is written as is (a spreadsheet may take it for a
   * formula; negative values start with `-` too), so do not give metrics or logs names taken
   * from untrusted input. NaN, Infinity and -Infinity are written as those words: bare in CSV,
   * as JSON strings in JSON lines (JSON has no such numbers; `Number(v)` or Python's
   * `float(v)` reads them back). A log key named `epoch` is an error at the epoch's end: it
   * would clash with the epoch column.
   */
  format?: 'csv' | 'jsonl';
  /**
   * CSV only: write the header line (default true). false when the lines go on after those of
   * an earlier run, as when a resumed job appends to its log file (Keras' CSVLogger with
   * append=True writes none into a file that exists): `header: !existsSync(path)`. The columns
   * are still the sorted keys of the first epoch's logs.
   */
  header?: boolean;
}

/**
 * One CSV record (RFC 4180) with its line end: a field holding a comma, a double quote or a
 * line break is put in double quotes with its quotes doubled (a metric named 'a,b' otherwise
 * split its column in two and shifted every value after it).
 */
function csvRow(fields: readonly (string | number)[]): string {
  return `${fields.map((f) => {
    const s = String(f);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',')}\n`;
}

/** Writes one line per epoch: CSV with a header (Keras CSVLogger), or JSON lines. */
export class EpochLogger implements Callback {
  private readonly write: (line: string) => void;
  private readonly format: 'csv' | 'jsonl';
  private keys?: string[];
  private readonly header: boolean;

  constructor(args: LoggerArgs) {
    checkKeys('epochLogger', args, ['write', 'format', 'header']);
    if (typeof args.write !== 'function') throw new Error('actlab: epochLogger: write must be a function (line) => void');
    // Any other value (tf.js and Keras have no such option: 'json' is a likely guess) used to give CSV without a word.
    const format: unknown = args.format ?? 'csv';
    if (format !== 'csv' && format !== 'jsonl') throw new Error(`actlab: epochLogger: format must be 'csv' or 'jsonl' (one JSON object per line), got ${showValue(format)}`);
    const header: unknown = args.header ?? true;
    if (typeof header !== 'boolean') throw new Error(`actlab: epochLogger: header must be true (write the CSV header) or false (rows only, after an earlier run's lines), got ${showValue(header)}`);
    this.write = args.write;
    this.format = format;
    this.header = header;
  }

  /** Writes the epoch's line. */
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (hasOwn(logs, 'epoch')) {
      // JSON lines overwrote the epoch number with it, CSV wrote a second 'epoch' column (Keras's
      // CSVLogger writes the log's value under both): either way a reader lost the epoch number.
      throw new Error(`actlab: epochLogger: the epoch's logs hold a key 'epoch' (${showValue(logs.epoch)}), which clashes with the epoch column ` +
        'the logger writes; give the metric or the log key a callback adds another name');
    }
    if (this.format === 'jsonl') {
      // JSON has no NaN or Infinity (JSON.stringify wrote null, so a NaN loss and a diverged one
      // read back the same): they are written as the strings 'NaN', 'Infinity' and '-Infinity',
      // the spellings of the CSV cells, which Number() and Python's float() read back.
      this.write(`${JSON.stringify({ epoch, ...logs }, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`);
      return;
    }
    // The columns are fixed once the header is written: a write that throws (a full disk) leaves
    // them unset, so the next epoch, or the next fit, writes the header again.
    const keys = this.keys ?? Object.keys(logs).sort();
    if (this.keys === undefined) {
      if (this.header) this.write(csvRow(['epoch', ...keys]));
      this.keys = keys;
    }
    this.write(csvRow([epoch, ...keys.map((k) => logs[k] ?? '')]));
  }
}

/** The built-in callbacks (Keras names): `fit(x, y, { callbacks: [callbacks.earlyStopping({ patience: 2 })] })`. */
export const callbacks = {
  /** Stops fit when the monitored value (default val_loss) has not improved for `patience` epochs. */
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
  /** Multiplies the learning rate by `factor` when the monitored value stalls (tfjs-layers lacks it). */
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs): ReduceLROnPlateau => new ReduceLROnPlateau(args),
  /** Sets the rate before each epoch to schedule(epoch, current rate) (Keras's per-epoch form). */
  learningRateScheduler: (schedule: (epoch: number, learningRate: number) => number): LearningRateScheduler => new LearningRateScheduler(schedule),
  /** Stops fit at the first batch whose loss is NaN or infinite (with stopOnNonFinite: false). */
  terminateOnNaN: (): TerminateOnNaN => new TerminateOnNaN(),
  /** Writes each epoch's logs as CSV or JSON lines. */
  epochLogger: (args: LoggerArgs): EpochLogger => new EpochLogger(args),
};
