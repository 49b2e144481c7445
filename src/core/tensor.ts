// A float32 tensor living in Wasm memory. The tensor owns one heap block and frees it on
// dispose(); reading a disposed tensor throws. Shapes are checked when a tensor is made.
import { rt } from './wasm.js';
import type { Ptr } from './heap.js';

/** Dimensions, outermost first (row-major): [batch, height, width, channels] for NHWC images. */
export type Shape = readonly number[];

/** Number of elements in a shape; every dimension must be a non-negative integer. */
export function sizeOf(shape: Shape): number {
  if (!Array.isArray(shape)) {
    const got: unknown = shape;
    throw new Error(`actlab: a shape must be an array of dimensions, e.g. [2, 3], got ${typeof got === 'number' ? `the number ${got}` : typeof got}`);
  }
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`actlab: invalid shape [${shape.join(', ')}]: dimensions must be non-negative integers`);
    n *= d;
  }
  return n;
}

export function shapeText(shape: Shape): string { return `[${shape.join(', ')}]`; }

/**
 * A float32 tensor in Wasm memory (tensor(values, shape) makes one). Read it with dataSync()
 * (a copy), free it with dispose() or by making it inside tidy(); ops record on the gradient
 * tape while valueAndGrads runs.
 */
export class Tensor {
  /** The dimensions (a copy of the array it was made with). */
  readonly shape: Shape;
  /** Number of elements: the product of the dimensions (1 for shape []). */
  readonly size: number;
  private block: Ptr;
  private disposed = false;

  /** Takes ownership of `block` (at least size * 4 bytes from the heap). Use tensor()/zeros() instead. */
  constructor(shape: Shape, block: Ptr) {
    // A copy, so the caller's array can change without changing the tensor. Not frozen: the
    // type is readonly, and Object.freeze costs 0.1 us, a twentieth of a small matMul.
    this.shape = shape.slice();
    this.size = sizeOf(shape);
    this.block = block;
    rt().engine.track(this);
  }

  /** Number of dimensions. */
  get rank(): number { return this.shape.length; }
  /** True after dispose(). */
  get isDisposed(): boolean { return this.disposed; }

  /** The data's address in Wasm memory; throws once disposed. */
  get ptr(): Ptr {
    if (this.disposed) throw new Error(`actlab: tensor ${shapeText(this.shape)} was disposed and cannot be used`);
    return this.block;
  }

  /** A copy of the values. */
  dataSync(): Float32Array { return rt().heap.f32(this.ptr, this.size).slice(); }

  /** Nested arrays for small tensors (tests, printing). */
  arraySync(): unknown {
    const data = this.dataSync();
    const build = (dim: number, off: number): unknown => {
      if (dim === this.shape.length) return data[off];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }

  /** A new tensor with the same data and another shape of the same size; on the gradient tape, as tf.js' reshape. */
  reshape(shape: Shape): Tensor {
    const n = sizeOf(shape);
    if (n !== this.size) {
      throw new Error(`actlab: cannot reshape ${shapeText(this.shape)} (${this.size} elements) to ${shapeText(shape)} (${n} elements)`);
    }
    const src = this.ptr; // throws for a disposed tensor before anything is allocated
    const t = empty(shape);
    const { heap, engine } = rt();
    heap.f32(t.ptr, n).set(heap.f32(src, n));
    const from = this.shape;
    engine.record({ name: 'reshape', inputs: [this], output: t, backward: (dy) => [dy.reshape(from)] });
    return t;
  }

  /** The tensor whose memory this one shares (a view such as flatten's); undefined when it owns its memory. */
  get viewBase(): Tensor | undefined { return undefined; }

  /** For views: dispose the base along with the view (tidy calls it when it returns a view of a tensor it would free). */
  adoptBase(): void { /* a tensor that owns its memory has no base */ }

  /** Frees the memory; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    rt().heap.free(this.block);
  }

  /** `Tensor[2, 3]`: the shape, not the values (print() shows them, and console.log in Node, Deno and Bun). */
  toString(): string { return `Tensor${shapeText(this.shape)}`; }

  /**
   * Logs the shape and the values with console.log, as tf.js' print(): axes longer than 20
   * show their first and last 3 entries around `...`, and each value is the shortest decimal
   * that reads back as the same float32. A disposed tensor prints `Tensor[2, 3] (disposed)`.
   */
  print(): void { console.log(formatTensor(this, Infinity)); }
}

/** Axes longer than this print their first and last PRINT_EDGE entries around '...' (tf.js' limits). */
const PRINT_LIMIT = 20;
const PRINT_EDGE = 3;

/** The shortest decimal that reads back as the same float32; -0, NaN and the infinities by name. */
function float32Text(v: number): string {
  if (Object.is(v, -0)) return '-0';
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(Number(v.toPrecision(9)));
}

/**
 * `Tensor[2, 3]` and the values as nested rows, one row of the last axis per line (long axes
 * shortened); only the shape when `depth` < 0 (util.inspect's depth, so a tensor deep in a
 * model prints as `Tensor[784, 128]`) or when the tensor is disposed. Reads the values in place,
 * so printing a large tensor copies nothing.
 */
function formatTensor(t: Tensor, depth: number): string {
  const head = `Tensor${shapeText(t.shape)}`;
  if (t.isDisposed) return `${head} (disposed)`;
  if (depth < 0) return head;
  const data = rt().heap.f32(t.ptr, t.size);
  const { shape } = t;
  if (shape.length === 0) return `${head} ${float32Text(data[0])}`;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const indices = (n: number): Array<number | undefined> => (n > PRINT_LIMIT
    ? [...Array.from({ length: PRINT_EDGE }, (_, i) => i), undefined, ...Array.from({ length: PRINT_EDGE }, (_, i) => n - PRINT_EDGE + i)]
    : Array.from({ length: n }, (_, i) => i));
  const build = (dim: number, off: number): string => {
    const parts = indices(shape[dim]).map((i) => {
      if (i === undefined) return '...';
      return dim === shape.length - 1 ? float32Text(data[off + i]) : build(dim + 1, off + i * strides[dim]);
    });
    // Rows of the last axis on one line; an outer axis puts each of its parts on a line,
    // indented under the bracket that opened it.
    const sep = dim === shape.length - 1 ? ', ' : `,${'\n'.repeat(shape.length - 1 - dim)}${' '.repeat(dim + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  const body = build(0, 0);
  return shape.length === 1 ? `${head} ${body}` : `${head}\n${body}`;
}

// Node's util.inspect (console.log, the REPL) and Deno's console (and so a Deno notebook's
// plain-text output) call this instead of listing the fields (shape, size, the Wasm address).
// Symbol.for needs no import of node:util, so the core stays runtime-free; not enumerable, so
// it stays out of tab completion.
Object.defineProperty(Tensor.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: Tensor, depth: number | null | undefined): string {
    return formatTensor(this, typeof depth === 'number' ? depth : Infinity);
  },
  writable: true,
  configurable: true,
});

/** An uninitialised tensor (contents undefined until written). */
export function empty(shape: Shape): Tensor {
  const n = sizeOf(shape);
  return new Tensor(shape, rt().heap.alloc(n * 4));
}

/**
 * Refuses a dtype other than float32 (tf.tensor(values, shape, 'int32')): every actlab
 * tensor is float32, and ignoring it would give float results where tf.js rounds or floors.
 */
function float32Only(fn: string, args: IArguments, at: number): void {
  const dtype: unknown = args.length > at ? args[at] : undefined;
  if (dtype !== undefined && dtype !== 'float32') {
    throw new Error(`actlab: ${fn}: every tensor is float32; dtype ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)} is not supported`);
  }
}

/**
 * Refuses values tf.tensor reads but a flat float32 copy would not: a number (a scalar is
 * tensor([v], [])), nested arrays (tf.tensor([[1, 2], [3, 4]]) would give NaNs), strings
 * and booleans.
 */
function checkValues(values: unknown): void {
  if (ArrayBuffer.isView(values)) return;
  if (!Array.isArray(values)) {
    throw new Error(`actlab: tensor(): values must be an array or typed array of numbers, got ${typeof values === 'number' ? `the number ${values} (a scalar is tensor([${values}], []))` : typeof values}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v === 'number') continue;
    if (Array.isArray(v)) {
      throw new Error('actlab: tensor(): values must be flat numbers; nested arrays (tf.tensor([[1, 2], [3, 4]])) are not read: ' +
        'pass the values flat with the shape, e.g. tensor([[1, 2], [3, 4]].flat(), [2, 2])');
    }
    throw new Error(`actlab: tensor(): values[${i}] is ${typeof v === 'string' ? `the string ${JSON.stringify(v)}` : typeof v}; expected a number (every tensor is float32)`);
  }
}

/** A float32 tensor from a flat array or typed array of values; the number of values must equal the shape's size. */
export function tensor(values: ArrayLike<number>, shape?: Shape): Tensor {
  checkValues(values);
  float32Only('tensor()', arguments, 2);
  const s = shape ?? [values.length];
  const n = sizeOf(s);
  if (values.length !== n) {
    throw new Error(`actlab: tensor(): ${values.length} values do not fill shape ${shapeText(s)} (${n} elements)`);
  }
  const t = empty(s);
  rt().heap.f32(t.ptr, n).set(values);
  return t;
}

/** A float32 tensor of zeros. */
export function zeros(shape: Shape): Tensor {
  float32Only('zeros', arguments, 1);
  const t = empty(shape);
  rt().heap.f32(t.ptr, t.size).fill(0);
  return t;
}
