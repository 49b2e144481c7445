// The cross-runtime determinism workload: one fixed computation whose output bytes must
// hash to the same SHA-256 in Node, Deno, Bun, Chromium and Firefox (issue 5).
//
// It uses only what every runtime has (Wasm, typed arrays, crypto.subtle), and it reaches
// the core only through `src/index.ts`, which the runners' bundle (runners.ts) swaps for
// the built `dist/index.js`, so the runtimes exercise the code that ships.
//
// Inputs are made from integers alone (a mulberry32 stream whose 32-bit outputs become
// float32 bit patterns), so no JS Math function, whose results differ between engines,
// ever touches a value that reaches the hash.
//
// Adding a section (matmul, conv2d, a training epoch): write a function returning
// `SectionOutput[]` and append it to `sections()` below. The hash changes, which is the
// point: update EXPECTED_SHA256 in test/runtimes.test.ts deliberately, after all five
// runtimes agree.
import { activations, init, logSoftmax, logSoftmaxGrad, softmax, softmaxGrad, softmaxCrossEntropy } from '../../src/index.js';

/**
 * Data a section may need beyond its seed. It is always bytes, never a path: browsers have
 * no file system. The way that is identical in all five runtimes is for the entries
 * (cli-entry.ts, page-entry.ts) to import the files through esbuild's `binary` loader,
 * which embeds the bytes in the bundle, and pass them to runWorkload; the other is for
 * Node/Deno/Bun to read the files and for the page to fetch them from the loopback server.
 *
 * `mnist` (for the training section, not yet written): the fixed 2,000-image subset as the
 * raw IDX files, i.e. `images` = the idx3-ubyte bytes (16-byte header, then 2,000 x 28 x 28
 * uint8 pixels) and `labels` = the idx1-ubyte bytes (8-byte header, then 2,000 uint8
 * labels). The section must check the headers and counts and throw an `actlab: ` error on
 * a mismatch rather than train on whatever it got.
 */
export interface WorkloadInputs {
  readonly mnist?: { readonly images: Uint8Array; readonly labels: Uint8Array };
}

/** One named output array of a section; float32 arrays are NaN-canonicalised before hashing. */
export interface SectionOutput {
  readonly label: string;
  readonly data: Float32Array | Int32Array | Uint8Array;
}

export interface SectionReport {
  readonly name: string;
  /** SHA-256 (hex) of the section's outputs after NaN canonicalisation. */
  readonly sha256: string;
  /** SHA-256 of the same outputs as the engine produced them (diagnostic only: NaN payloads may differ). */
  readonly rawSha256: string;
  readonly values: number;
  /** NaNs found in float32 outputs, and how many of them had a bit pattern other than the canonical one. */
  readonly nans: number;
  readonly nansRewritten: number;
}

export interface WorkloadReport {
  /** SHA-256 (hex) over every section's canonical output bytes, in order. */
  readonly sha256: string;
  readonly rawSha256: string;
  readonly sections: readonly SectionReport[];
}

// ---- integer-only inputs ----------------------------------------------------------------

/** mulberry32: a 32-bit integer generator; every step is integer arithmetic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Float32 bit patterns every kernel must treat the same way everywhere: extremes, zeros, subnormals, NaNs. */
const SPECIAL_BITS: readonly number[] = [
  0x00000000, 0x80000000, // +0, -0
  0x7f800000, 0xff800000, // +Inf, -Inf
  0x7fc00000, 0xffc00000, 0x7fa00001, 0x7f800001, // NaNs: quiet, negative, payload, signalling
  0x461c4000, 0xc61c4000, // +-1e4
  0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, // subnormals
  0x00800000, 0x80800000, // +-smallest normal
  0x7f7fffff, 0xff7fffff, // +-largest finite
  0x3f800000, 0xbf800000, 0x3f000000, 0xbf000000, // +-1, +-0.5
  0x40400000, 0xc0400000, 0x40c00000, 0xc0c00000, // +-3, +-6 (hard* kernel corners)
  0x41a00000, 0xc1a00000, // +-20 (softplus threshold)
  0x42b17218, 0xc2b17218, 0x42b20000, 0xc2ce0000, // +-88.72 (exp overflow edge), 89, -103
  0x33800000, 0xb3800000, // +-2^-24
];

/** Number of inputs: 7 x 585, so per-channel parameters split evenly into the 7 channels and the length is 3 mod 4 (a SIMD tail). */
export const INPUT_LENGTH = 4095;
/** Per-channel parameter values (prelu's alpha) for the channel-indexed runs: both signs, zero, and one. */
const CHANNEL_VALUES: readonly number[] = [0.25, -0.5, 0, 1, 0.125, 2, -1];
const CHANNELS = CHANNEL_VALUES.length;
/** Inputs that are raw random bit patterns (after the specials): huge, tiny, NaN, anything. */
const WILD_COUNT = 1024;

/**
 * The fixed input set: the special values, then random bit patterns of every kind
 * (including more NaNs and huge values), then log-uniform magnitudes in [2^-12, 2^5) with
 * random signs, where the activations do their interesting work.
 */
export function makeInputs(seed = 0x5eed): Float32Array {
  const bits = new Uint32Array(INPUT_LENGTH);
  const next = mulberry32(seed);
  bits.set(SPECIAL_BITS);
  const wild = SPECIAL_BITS.length + WILD_COUNT;
  for (let i = SPECIAL_BITS.length; i < wild; i++) bits[i] = next();
  for (let i = wild; i < INPUT_LENGTH; i++) {
    const r = next();
    const exponent = 127 - 12 + ((r >>> 23) % 17);
    bits[i] = (r & 0x80000000) | (exponent << 23) | (r & 0x007fffff);
  }
  return new Float32Array(bits.buffer);
}

/** Random values in (-1, 1) built from integers (k * 2^-23, exact in float32), for upstream gradients. */
function makeUnit(length: number, seed: number): Float32Array {
  const bits = new Uint32Array(length);
  const next = mulberry32(seed);
  for (let i = 0; i < length; i++) {
    const r = next();
    // Biased exponent 127 with a random fraction is [1, 2); moving it one toward zero below is exact.
    bits[i] = (r & 0x80000000) | (127 << 23) | (r & 0x007fffff);
  }
  const f = new Float32Array(bits.buffer);
  for (let i = 0; i < length; i++) f[i] = f[i] > 0 ? f[i] - 1 : f[i] + 1;
  return f;
}

/** The finite, moderate tail of the inputs (log-uniform part), for reductions that a NaN would swamp. */
function moderate(x: Float32Array): Float32Array {
  return x.subarray(SPECIAL_BITS.length + WILD_COUNT);
}

// ---- sections ---------------------------------------------------------------------------

function inputsSection(x: Float32Array): SectionOutput[] {
  return [{ label: 'x', data: x }];
}

/** Every registry activation at its default parameters: f, f', dL/dx for a fixed dy, and parameter gradients. */
function activationSection(x: Float32Array): SectionOutput[] {
  const dy = makeUnit(x.length, 0xd1);
  const xm = moderate(x);
  const dym = dy.subarray(dy.length - xm.length);
  const out: SectionOutput[] = [];
  for (const row of activations.list()) {
    out.push({ label: `${row.name}.f`, data: activations.apply(row.name, x) });
    out.push({ label: `${row.name}.df`, data: activations.derivative(row.name, x) });
    out.push({ label: `${row.name}.dx`, data: activations.backward(row.name, x, dy) });
    if (row.paramGrad !== undefined) {
      // On the finite inputs only: a parameter gradient is a sum, and one NaN would hide every other term.
      for (const [name, g] of Object.entries(activations.paramGradients(row.name, xm, dym))) {
        out.push({ label: `${row.name}.d${name}`, data: typeof g === 'number' ? new Float32Array([g]) : g });
      }
    }
    if (row.params.some((p) => p.perChannel)) {
      // Per-channel values on the last axis, so the kernels' channel indexing is covered too.
      const perChannel: Record<string, readonly number[]> = {};
      for (const p of row.params) if (p.perChannel) perChannel[p.name] = CHANNEL_VALUES;
      const opts = { channels: CHANNELS };
      out.push({ label: `${row.name}.f[c]`, data: activations.apply(row.name, x, perChannel, opts) });
      out.push({ label: `${row.name}.dx[c]`, data: activations.backward(row.name, x, dy, perChannel, opts) });
      if (row.paramGrad !== undefined) {
        for (const [name, g] of Object.entries(activations.paramGradients(row.name, x, dy, perChannel, opts))) {
          out.push({ label: `${row.name}.d${name}[c]`, data: typeof g === 'number' ? new Float32Array([g]) : g });
        }
      }
    }
  }
  return out;
}

/** softmax / log-softmax and their gradients at T = 0.5, 1, 2, over rows of 10 (MNIST classes) and 33 (odd) columns. */
function softmaxSection(x: Float32Array): SectionOutput[] {
  const out: SectionOutput[] = [];
  const xm = moderate(x);
  for (const cols of [10, 33]) {
    const rows = Math.floor(xm.length / cols);
    const logits = xm.subarray(0, rows * cols);
    const dy = makeUnit(logits.length, 0x50f7 + cols);
    for (const t of [0.5, 1, 2]) {
      const y = softmax(logits, cols, t);
      const ly = logSoftmax(logits, cols, t);
      out.push({ label: `softmax.c${cols}.t${t}`, data: y });
      out.push({ label: `logSoftmax.c${cols}.t${t}`, data: ly });
      out.push({ label: `softmaxGrad.c${cols}.t${t}`, data: softmaxGrad(y, dy, cols, t) });
      out.push({ label: `logSoftmaxGrad.c${cols}.t${t}`, data: logSoftmaxGrad(ly, dy, cols, t) });
    }
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) labels[r] = (r * 7 + 3) % cols;
    const xent = softmaxCrossEntropy(logits, labels, cols);
    out.push({ label: `xent.c${cols}.losses`, data: xent.losses });
    out.push({ label: `xent.c${cols}.grad`, data: xent.grad });
  }
  // Rows holding the special values: how Inf and NaN spread through a row must match too.
  const rows = Math.floor(SPECIAL_BITS.length / 6);
  const special = x.subarray(0, rows * 6);
  for (const t of [0.5, 1, 2]) {
    out.push({ label: `softmax.special.t${t}`, data: softmax(special, 6, t) });
    out.push({ label: `logSoftmax.special.t${t}`, data: logSoftmax(special, 6, t) });
  }
  return out;
}

/** The sections in hash order; append new ones at the end (matmul, conv2d, training on `inputs.mnist`). */
function sections(x: Float32Array, _inputs: WorkloadInputs): { name: string; run: () => SectionOutput[] }[] {
  return [
    { name: 'inputs', run: () => inputsSection(x) },
    { name: 'activations', run: () => activationSection(x) },
    { name: 'softmax', run: () => softmaxSection(x) },
  ];
}

// ---- hashing ----------------------------------------------------------------------------

const CANONICAL_NAN = 0x7fc00000;

/**
 * The bytes hashed for one output: a 4-byte length, then the data. Wasm leaves the sign and
 * payload of a NaN result unspecified, and engines do differ: in log-softmax rows holding
 * Inf and NaN, V8 (Node, Deno, Chromium) and JavaScriptCore (Bun) return 0xffc00000 (x86's
 * default NaN) where SpiderMonkey (Firefox) returns 0x7fc00000 or carries the input's
 * payload through (0x7fe00001). So every float32 NaN becomes 0x7fc00000 before hashing;
 * every other bit pattern, -0 included, is hashed as produced. `rawSha256` keeps the
 * engine's own bits so such differences stay visible.
 */
function outputBytes(o: SectionOutput, canonical: boolean, count: { nans: number; rewritten: number }): Uint8Array {
  const bytes = new Uint8Array(4 + o.data.byteLength);
  new DataView(bytes.buffer).setUint32(0, o.data.length, true);
  bytes.set(new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength), 4);
  if (canonical && o.data instanceof Float32Array) {
    const view = new DataView(bytes.buffer, 4);
    for (let i = 0; i < o.data.length; i++) {
      const b = view.getUint32(i * 4, true);
      if ((b & 0x7fffffff) > 0x7f800000) {
        count.nans++;
        if (b !== CANONICAL_NAN) {
          count.rewritten++;
          view.setUint32(i * 4, CANONICAL_NAN, true);
        }
      }
    }
  }
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(new ArrayBuffer(parts.reduce((s, p) => s + p.length, 0)));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Runs the whole workload and hashes it: per section, and over everything in order. */
export async function runWorkload(inputs: WorkloadInputs = {}): Promise<WorkloadReport> {
  await init();
  const x = makeInputs();
  const reports: SectionReport[] = [];
  const all: Uint8Array[] = [];
  const allRaw: Uint8Array[] = [];
  for (const s of sections(x, inputs)) {
    const outputs = s.run();
    const count = { nans: 0, rewritten: 0 };
    const canonical = concat(outputs.map((o) => outputBytes(o, true, count)));
    const raw = concat(outputs.map((o) => outputBytes(o, false, count)));
    all.push(canonical);
    allRaw.push(raw);
    reports.push({
      name: s.name,
      sha256: await sha256(canonical),
      rawSha256: await sha256(raw),
      values: outputs.reduce((n, o) => n + o.data.length, 0),
      nans: count.nans,
      nansRewritten: count.rewritten,
    });
  }
  return { sha256: await sha256(concat(all)), rawSha256: await sha256(concat(allRaw)), sections: reports };
}
