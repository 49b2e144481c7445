// Opt-in debug checks. With `setDebugChecks({ nonFinite: 'throw' })` every op scans its
// inputs (a Wasm kernel, assembly/checks.ts) and refuses NaN or +-Infinity, naming the op,
// the input's shape and the first bad element; 'warn' reports the same on console.warn and
// lets the op run; 'off' (the default) skips the scan, so the switch costs nothing then.
import { rt } from './wasm.js';
import type { NonFiniteMode } from './engine.js';
import type { Ptr } from './heap.js';
import { Tensor, shapeText, type Shape } from './tensor.js';
import { clipText } from './text.js';

export type { NonFiniteMode };

/** The debug checks setDebugChecks() sets and getDebugChecks() reports. */
export interface DebugChecks {
  /** NaN / Infinity in an op's inputs: 'throw' an Error, 'warn' and continue, or 'off' (default). */
  readonly nonFinite: NonFiniteMode;
}

const MODES: readonly NonFiniteMode[] = ['throw', 'warn', 'off'];

/** Sets the debug checks and returns the previous settings (to restore them). Needs `await init()`. */
export function setDebugChecks(options: Partial<DebugChecks>): DebugChecks {
  const { engine } = rt();
  const previous = { nonFinite: engine.nonFinite };
  checkKeys('setDebugChecks', options, ['nonFinite']);
  const mode = options.nonFinite;
  if (mode !== undefined) {
    if (!MODES.includes(mode)) {
      throw new Error(`actlab: setDebugChecks: nonFinite = ${String(mode)} is not valid; expected 'throw', 'warn' or 'off'`);
    }
    engine.nonFinite = mode;
  }
  return previous;
}

/**
 * Whether `name` is '__proto__' or a member of Object.prototype ('constructor', 'toString',
 * 'valueOf', ...): as a key of a plain object it finds that member.
 */
export function isPrototypeKey(name: string): boolean {
  return name === '__proto__' || name in Object.prototype;
}

/** Whether `key` is an own property of `obj`: a user's key ('constructor', 'toString') is not found on Object.prototype. */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * The own entry `key` of a record keyed by user strings (log keys, metric names), made by
 * `make` when missing. `record[key] ??= make()` took Object.prototype's member for 'constructor'
 * or 'toString' (and wrote into it), and for '__proto__' the prototype itself; the entry is
 * defined, not assigned, so '__proto__' becomes an ordinary key as JSON.parse makes it.
 */
export function ownEntry<T>(record: Record<string, T>, key: string, make: () => T): T {
  return hasOwn(record, key) ? record[key] : setOwn(record, key, make());
}

/**
 * Sets the own entry `key` of a record keyed by user strings and returns the value. Plain
 * assignment with the key '__proto__' replaced the prototype instead (a number was dropped
 * without a word, so `swish:__proto__=2` ran swish at its defaults).
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

/** What a wrong argument is, for an error message: `undefined`, `null`, `Float32Array`, `string "4"`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (typeof v === 'object') return v.constructor?.name ?? 'an object';
  return `${typeof v} ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
}

/** Writes a value the way a user typed it: strings quoted, NaN as NaN (JSON would print null), arrays element by element. */
export function showValue(v: unknown, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (Array.isArray(v)) return depth > 2 || v.length > 8 ? `an array of ${v.length}` : `[${v.map((e) => showValue(e, depth + 1)).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return v.constructor?.name ?? 'an object';
  return String(v);
}

/**
 * A value read from a file, for an error message: its JSON cut to 200 characters, with control
 * characters escaped. JSON.stringify alone threw a RangeError on a value nested thousands deep
 * (JSON.parse reads it), wrote a million-entry list into the message whole, and passed a C1
 * control or a bidirectional override through to the terminal.
 */
export function fileValue(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = describeValue(v);
  }
  return clipText(text, 200);
}

/**
 * Refuses an options object with a key outside `allowed` (a misspelt option would otherwise be
 * ignored); `hint` may add a parenthesis naming what the user meant (' (... takes ...)').
 */
export function checkKeys(where: string, options: object, allowed: readonly string[], hint: (key: string) => string = () => ''): void {
  if (typeof options !== 'object' || options === null) throw new Error(`actlab: ${where}: expected an options object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new Error(`actlab: ${where}: unknown option '${clipText(key, 60)}'${hint(key)}; valid options: ${allowed.join(', ')}`);
  }
}

/** The current debug settings. */
export function getDebugChecks(): DebugChecks { return { nonFinite: rt().engine.nonFinite }; }

/** Row-major coordinates of flat index i in `shape`. */
function coords(shape: Shape, i: number): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d];
    rest = (rest - out[d]) / shape[d];
  }
  return out;
}

/**
 * Scans `n` values at `ptr` (an input of `op` with `shape`, described as `what`) when the
 * non-finite check is on; throws or warns on the first NaN / Infinity.
 */
export function checkFiniteAt(op: string, what: string, ptr: Ptr, n: number, shape: Shape): void {
  const { engine, kernels, heap } = rt();
  if (engine.nonFinite === 'off' || n === 0) return;
  const i = kernels.f32_first_non_finite(n, ptr);
  if (i < 0) return;
  const v = heap.f32(ptr, n)[i];
  const at = shape.length > 1 ? ` [${coords(shape, i).join(', ')}]` : '';
  const msg = `actlab: ${op}: ${what} ${shapeText(shape)} holds ${v} at index ${i}${at}; expected finite values ` +
    `(debug check nonFinite = '${engine.nonFinite}')`;
  if (engine.nonFinite === 'throw') throw new Error(msg);
  console.warn(msg);
}

/** checkFiniteAt for tensor inputs: names them 'input 0', 'input 1', ... unless `names` are given. */
export function checkFinite(op: string, inputs: readonly Tensor[], names?: readonly string[]): void {
  if (rt().engine.nonFinite === 'off') return;
  inputs.forEach((t, k) => checkFiniteAt(op, names?.[k] ?? `input ${k}`, t.ptr, t.size, t.shape));
}

/**
 * `v` as the float32 the kernels take, checked to be a finite number > 0 that stays so in
 * float32 (1e-50 rounds to 0 and 1e39 to Infinity, which would give NaN or a constant).
 */
export function positiveF32(fn: string, name: string, v: number): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new Error(`actlab: ${fn}: ${name} must be a finite number > 0, got ${String(v)}`);
  return checkedF32(fn, name, v, 'from 1.4e-45 to 3.4e38', true);
}

/** `v` as a float32, checked to be a finite number that stays finite in float32 (a tiny one may round to 0). */
export function finiteF32(fn: string, name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`actlab: ${fn}: ${name} must be a finite number, got ${String(v)}`);
  return checkedF32(fn, name, v, 'within +-3.4e38', false);
}

function checkedF32(fn: string, name: string, v: number, range: string, nonZero: boolean): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f) || (nonZero && f === 0)) {
    throw new Error(`actlab: ${fn}: ${name} = ${v} is ${f} in float32, the kernels' type: expected a value ${range}`);
  }
  return f;
}

/** Refuses an argument that is not a Tensor, naming the op and the argument (a Float32Array passed where a Tensor goes, say). */
export function checkTensorArg(fn: string, what: string, v: unknown): void {
  if (!(v instanceof Tensor)) throw new Error(`actlab: ${fn}: ${what} must be a Tensor (tensor(values, shape) makes one), got ${describeValue(v)}`);
}
