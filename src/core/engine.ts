// Tensor lifetimes and the gradient tape. One Engine per loaded runtime: tidy() scopes
// collect every tensor created inside them and dispose what the callback does not return;
// while a gradient is being taken, ops record one entry each on the innermost tape.
import type { Tensor } from './tensor.js';

export interface TapeEntry {
  /** What the op was, for error messages and tape dumps. */
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /**
   * Given dL/d(output), returns dL/d(input) for each input (undefined where none flows).
   * `needs[i]` says whether input i's gradient is wanted, so unneeded work is skipped.
   */
  readonly backward: (dy: Tensor, needs: readonly boolean[]) => (Tensor | undefined)[];
  /**
   * Frees what the entry keeps for its backward pass besides tensors (max pooling's argmax
   * indices): called once the gradient has been taken, or when the forward pass fails.
   */
  readonly release?: () => void;
}

/** Runs every entry's release (see TapeEntry.release). */
export function releaseTape(tape: readonly TapeEntry[]): void {
  for (const e of tape) e.release?.();
}

/** What ops do when an input holds NaN or +-Infinity (see core/checks.ts). */
export type NonFiniteMode = 'throw' | 'warn' | 'off';

export class Engine {
  private readonly scopes: Set<Tensor>[] = [];
  private readonly tapes: TapeEntry[][] = [];
  /** The debug switch ops consult; it lives with the runtime rather than in module state. */
  nonFinite: NonFiniteMode = 'off';

  /** Called by every new tensor: it belongs to the innermost tidy scope, if any. */
  track(t: Tensor): void {
    this.scopes.at(-1)?.add(t);
  }

  /**
   * Exempts a tensor from every enclosing scope (model weights, optimizer state). A kept
   * view (flatten(relu(x)) in a tidy) takes the scoped tensor under it along, as a view
   * returned from tidy does: the base is freed with the view, not at the scope's end.
   */
  keep<T extends Tensor>(t: T): T {
    for (const s of this.scopes) s.delete(t);
    for (let v: Tensor = t, base = v.viewBase; base !== undefined && this.scopes.some((s) => s.has(base as Tensor)); v = base, base = v.viewBase) {
      for (const s of this.scopes) s.delete(base);
      v.adoptBase();
    }
    return t;
  }

  /**
   * Runs fn and disposes every tensor created inside it except the ones it returns (a
   * tensor, or tensors in an array or in a plain object's values); those move to the
   * enclosing scope.
   */
  tidy<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.scopes.pop();
      this.release(scope);
      throw e;
    }
    this.scopes.pop();
    if (isThenable(result)) {
      // The async rest of fn would run after its tensors were freed. Nothing is freed here:
      // they go to the enclosing scope, and the caller learns why.
      const outer = this.scopes.at(-1);
      if (outer !== undefined) for (const t of scope) outer.add(t);
      throw new Error('actlab: tidy: fn returned a Promise; tidy is synchronous (its scope would end at the first await). ' +
        'The async work it started goes on, and its tensors are not freed here: tidy the synchronous parts, or dispose ' +
        'tensors yourself around an await');
    }
    if (this.recording) {
      // Inside a gradient computation the tape may read any tensor made here in its backward
      // pass (an op's input, a dropout mask), so they move out to the enclosing scope, which
      // valueAndGrads frees once the gradients are taken.
      this.release(scope);
      return result;
    }
    const returned = new Set<Tensor>();
    collectTensors(result, returned);
    // A returned view of a tensor made here (flatten(relu(x))) takes that tensor with it.
    for (const t of returned) {
      for (let v = t, base = v.viewBase; base !== undefined && scope.has(base) && !returned.has(base); v = base, base = v.viewBase) {
        scope.delete(base);
        v.adoptBase();
      }
    }
    for (const t of scope) {
      if (returned.has(t)) this.scopes.at(-1)?.add(t);
      else t.dispose();
    }
    return result;
  }

  /** Ends a scope's tensors: frees them, or, while a tape records, hands them to the enclosing scope. */
  private release(scope: Set<Tensor>): void {
    const outer = this.scopes.at(-1);
    if (this.recording && outer !== undefined) for (const t of scope) outer.add(t);
    else for (const t of scope) t.dispose();
  }

  /** True when `t` was made in the innermost tidy scope (and is not kept or returned out of it yet). */
  madeInScope(t: Tensor): boolean { return this.scopes.at(-1)?.has(t) ?? false; }

  /** True while some gradient computation is recording. */
  get recording(): boolean { return this.tapes.length > 0; }

  /** Records an op on the innermost tape (no-op when nothing records). */
  record(entry: TapeEntry): void {
    this.tapes.at(-1)?.push(entry);
  }

  /** Runs fn with a fresh tape and returns what it recorded. */
  withTape<T>(fn: () => T): { result: T; tape: TapeEntry[] } {
    const tape: TapeEntry[] = [];
    this.tapes.push(tape);
    try {
      return { result: fn(), tape };
    } catch (e) {
      releaseTape(tape);
      throw e;
    } finally {
      this.tapes.pop();
    }
  }
}

function isThenable(v: unknown): boolean {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && 'then' in v && typeof v.then === 'function';
}

function collectTensors(v: unknown, out: Set<Tensor>): void {
  if (v === null || typeof v !== 'object') return;
  if (isTensor(v)) { out.add(v); return; }
  if (Array.isArray(v)) { for (const x of v) collectTensors(x, out); return; }
  if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collectTensors(x, out);
}

function isTensor(v: object): v is Tensor {
  return 'shape' in v && 'dispose' in v && 'dataSync' in v;
}
