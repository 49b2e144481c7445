import { rt } from './wasm.js';
import type { Tensor } from './tensor.js';

/** Runs fn and disposes every tensor it created except those it returns. */
export function tidy<T>(fn: () => T): T { return rt().engine.tidy(fn); }

/** Exempts a tensor from the enclosing tidy scopes (it lives until disposed). */
export function keep<T extends Tensor>(t: T): T { return rt().engine.keep(t); }
