import { rt } from './wasm.js';
import type { Tensor } from './tensor.js';
import { describeValue } from './checks.js';

/** Runs fn and disposes every tensor it created except those it returns (no name argument, unlike tf.tidy(name, fn)). */
export function tidy<T>(fn: () => T): T {
  const given: unknown = fn;
  if (typeof given !== 'function') {
    throw new Error(`actlab: tidy: expected the function to run, got ${describeValue(given)}; tidy takes no name (tf.tidy(name, fn) is tidy(fn) here)`);
  }
  return rt().engine.tidy(fn);
}

/** Exempts a tensor from the enclosing tidy scopes (it lives until disposed). */
export function keep<T extends Tensor>(t: T): T { return rt().engine.keep(t); }
