// Matrix products on Tensors: matMul (tf.matMul semantics for rank 2) and dense, the fused
// x * w + bias followed by any registry activation, one op for a Dense layer's forward.
// Both record on the gradient tape.
import { rt, type Kernels } from '../core/wasm.js';
import type { Ptr } from '../core/heap.js';
import { parallel, partBlock, splitParts, threadsFor } from '../core/parallel.js';
import { Tensor, empty, shapeText } from '../core/tensor.js';
import { checkTensorArg } from '../core/checks.js';
import { getActivation, resolveParams, withKernelArgs, type ActivationName, type ActivationParams, type ResolvedParams } from '../activations/index.js';
import type { Activation as ActivationRow, KernelArgs } from '../activations/registry.js';

/** Bytes of C that dense finishes before running the activation on them: they are still in L1. */
const DENSE_BLOCK_BYTES = 32 * 1024;
/** Rows of the sgemm micro-kernel's tile; dense row blocks are multiples of it. */
const TILE_ROWS = 4;
/** Below this many rows a dense layer reads w in place (f32_gemm_few_rows, the kernel's FEW_ROWS) instead of packing it. */
const FEW_ROWS = 8;

function checkRank2(op: string, name: string, t: Tensor): void {
  checkTensorArg(op, name, t);
  const shape = t.shape;
  // An empty operand is never read, so its pointer (which throws once disposed) is not either.
  if (t.isDisposed) throw new Error(`actlab: ${op}: ${name} ${shapeText(shape)} was disposed and cannot be used`);
  if (shape.length !== 2) {
    throw new Error(`actlab: ${op}: ${name} has shape ${shapeText(shape)} (rank ${shape.length}); expected a rank-2 matrix`);
  }
}

/**
 * op(a) * op(b) with op = transpose when the flag is set: a is [M, K] ([K, M] transposed),
 * b is [K, N] ([N, K] transposed), the result is a new [M, N] tensor.
 * C_ij = sum_k op(a)_ik op(b)_kj, summed in k order in float32 (bit-reproducible).
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  checkRank2('matMul', 'a', a);
  checkRank2('matMul', 'b', b);
  const M = a.shape[transposeA ? 1 : 0], Ka = a.shape[transposeA ? 0 : 1];
  const Kb = b.shape[transposeB ? 1 : 0], N = b.shape[transposeB ? 0 : 1];
  if (Ka !== Kb) {
    throw new Error(`actlab: matMul: inner dimensions differ: a ${shapeText(a.shape)} (transposeA=${transposeA}) ` +
      `has K = ${Ka} but b ${shapeText(b.shape)} (transposeB=${transposeB}) has K = ${Kb}; ` +
      `expected a.shape[${transposeA ? 0 : 1}] === b.shape[${transposeB ? 1 : 0}]`);
  }
  const c = gemmTensor(M, N, Ka, a, a.shape[1], transposeA, b, b.shape[1], transposeB);
  // C = op(A) op(B): dA and dB are products of dC with the other operand, arranged so that
  // each comes out in its operand's own layout (no transposed copy).
  rt().engine.record({
    name: 'matMul', inputs: [a, b], output: c,
    backward: (dc, needs) => [
      needs[0] ? (transposeA ? product(b, transposeB, dc, true) : product(dc, false, b, !transposeB)) : undefined,
      needs[1] ? (transposeB ? product(dc, true, a, transposeA) : product(a, !transposeA, dc, false)) : undefined,
    ],
  });
  return c;
}

/** op(x) op(y) as a new tensor, for rank-2 x and y whose inner dimensions agree. */
function product(x: Tensor, tx: boolean, y: Tensor, ty: boolean): Tensor {
  return gemmTensor(x.shape[tx ? 1 : 0], y.shape[ty ? 0 : 1], x.shape[tx ? 0 : 1], x, x.shape[1], tx, y, y.shape[1], ty);
}

/**
 * C = op(A) op(B) into a new [M, N] tensor. Threads split the rows of C: for dX = dy w^T
 * the batch rows, for dW = x^T dy the input features (dW's rows), never the batch sum.
 */
export function gemmTensor(M: number, N: number, K: number, a: Tensor, lda: number, transA: boolean, b: Tensor, ldb: number, transB: boolean): Tensor {
  const c = empty([M, N]);
  if (M === 0 || N === 0) return c;
  try {
    gemm(M, N, K, a.ptr, lda, transA, b.ptr, ldb, transB, c.ptr);
  } catch (e) {
    c.dispose();
    throw e;
  }
  return c;
}

/**
 * Rows [0, M) of C (ldc = N) = op(A) * packedB (+ bias per column), op(A) = A (M x K, lda)
 * or A^T (A is K x M). Rows are split across threads in multiples of the 4-row tile (each
 * part with its own A scratch); a row's sum over K is never split, so the bits do not
 * depend on the thread count. Within a part, rows go in blocks of `rowsPerBlock` and
 * `epilogue(k, rows, c)` runs on each finished block (dense's activation, while in cache).
 */
export function gemmPackedRows(M: number, N: number, K: number, A: Ptr, lda: number, transA: boolean, packed: Ptr, finiteB: boolean,
  bias: Ptr, C: Ptr, rowsPerBlock = M, epilogue?: (k: Kernels, rows: number, c: Ptr) => void): void {
  const { kernels, heap } = rt();
  const ranges = splitParts(M, 2 * M * N * K, 'flops', TILE_ROWS);
  const scratchBytes = kernels.f32_gemm_a_scratch_bytes(K) >>> 0;
  const scratch = heap.alloc(scratchBytes * ranges.length);
  const rowBytes = transA ? 4 : lda * 4;
  try {
    const block = partBlock(ranges, rowsPerBlock, TILE_ROWS);
    parallel(ranges.map(([r0, r1], i) => (k: Kernels) => {
      for (let r = r0; r < r1; r += block) {
        const rows = Math.min(block, r1 - r);
        const cp = C + r * N * 4;
        k.f32_gemm_packed(rows, N, K, A + r * rowBytes, lda, packed, bias, cp, N, scratch + i * scratchBytes, transA ? 1 : 0, 1, 0, finiteB ? 1 : 0);
        epilogue?.(k, rows, cp);
      }
    }));
  } finally {
    heap.free(scratch);
  }
}

/**
 * C [M, N] (contiguous) = op(A) op(B): one f32_gemm call when the work stays on this thread,
 * else op(B) packed once here and rows of C split across threads. The same operations
 * either way, so the same bits.
 */
export function gemm(M: number, N: number, K: number, A: Ptr, lda: number, transA: boolean, B: Ptr, ldb: number, transB: boolean, C: Ptr): void {
  const { kernels, heap } = rt();
  if (K === 0) {
    kernels.f32_fill(M * N, C, 0);
    return;
  }
  if (threadsFor(Math.ceil(M / TILE_ROWS), 2 * M * N * K, 'flops') === 1) {
    // One part: f32_gemm packs and multiplies in one call with one workspace, which for the
    // small shapes (a few microseconds) saves a third of the call's fixed cost.
    const bytes = kernels.f32_gemm_workspace(K, N) >>> 0;
    const ws = heap.alloc(bytes);
    try {
      kernels.f32_gemm(M, N, K, A, lda, B, ldb, C, N, ws, bytes, transA ? 1 : 0, transB ? 1 : 0, 1, 0);
    } finally {
      heap.free(ws);
    }
    return;
  }
  const packed = heap.alloc(kernels.f32_gemm_packed_b_bytes(K, N) >>> 0);
  try {
    const finite = kernels.f32_gemm_pack_b(K, N, B, ldb, packed, transB ? 1 : 0) === 1;
    gemmPackedRows(M, N, K, A, lda, transA, packed, finite, 0, C);
  } finally {
    heap.free(packed);
  }
}

/**
 * A Dense layer's forward in one op: f(x w + bias) for x [batch, in], w [in, units],
 * bias [units] (optional) and a registry activation f (none when omitted), as a new
 * [batch, units] tensor. w is packed once; each block of rows is multiplied, biased and
 * activated while it is in cache. Rows never share a reduction, so the bits equal
 * matMul, then the bias add, then the activation kernel.
 */
export function dense(x: Tensor, w: Tensor, bias?: Tensor, activation?: ActivationName, params?: ActivationParams): Tensor {
  checkRank2('dense', 'x', x);
  checkRank2('dense', 'w', w);
  const [M, K] = x.shape;
  const N = w.shape[1];
  if (w.shape[0] !== K) {
    throw new Error(`actlab: dense: x ${shapeText(x.shape)} and w ${shapeText(w.shape)} do not chain: ` +
      `expected w.shape[0] === x.shape[1] (${K})`);
  }
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== N)) {
    throw new Error(`actlab: dense: bias has shape ${shapeText(bias.shape)}; expected [${N}] (one value per unit of w ${shapeText(w.shape)})`);
  }
  const row = activation === undefined ? undefined : getActivation(activation);
  const resolved = row === undefined ? undefined : resolveParams(row, params);
  const act = row === undefined || resolved === undefined ? undefined : { row, resolved };
  if (rt().engine.recording) return denseOnTape(x, w, bias, act);
  if (act === undefined || M === 0 || N === 0) return xwPlusBias(x, w, bias);
  const { row: r, resolved: p } = act;
  const rowsPerBlock = Math.max(TILE_ROWS, Math.floor(DENSE_BLOCK_BYTES / (N * 4 * TILE_ROWS)) * TILE_ROWS);
  return withKernelArgs(rt().heap, p, M * N, N, r.name,
    (a) => xwPlusBias(x, w, bias, rowsPerBlock, (k, rows, cp) => r.forward(k, rows * N, cp, cp, a)));
}

/**
 * x w (+ bias per column) for x [M, K], w [K, N] as a new [M, N] tensor: w packed once,
 * rows in blocks of `rowsPerBlock` with `epilogue` on each finished block (see gemmPackedRows).
 */
export function xwPlusBias(x: Tensor, w: Tensor, bias?: Tensor, rowsPerBlock?: number,
  epilogue?: (k: Kernels, rows: number, c: Ptr) => void): Tensor {
  const [M, K] = x.shape;
  const N = w.shape[1];
  const y = empty([M, N]);
  if (M === 0 || N === 0) return y;
  const { kernels, heap } = rt();
  if (M < FEW_ROWS) {
    // A few rows (a single sample's forward, a small batch): w read in place, not packed, in
    // groups of at most three rows; the same bits.
    try {
      kernels.f32_gemm_few_rows(M, N, K, x.ptr, K, 0, w.ptr, N, bias?.ptr ?? 0, y.ptr, N, 1, 0);
      epilogue?.(kernels, M, y.ptr);
    } catch (e) {
      y.dispose();
      throw e;
    }
    return y;
  }
  const ws = heap.alloc(kernels.f32_gemm_packed_b_bytes(K, N) >>> 0);
  try {
    const finite = kernels.f32_gemm_pack_b(K, N, w.ptr, N, ws, 0) === 1;
    gemmPackedRows(M, N, K, x.ptr, K, false, ws, finite, bias?.ptr ?? 0, y.ptr, rowsPerBlock ?? M, epilogue);
  } catch (e) {
    y.dispose();
    throw e;
  } finally {
    heap.free(ws);
  }
  return y;
}

/**
 * dense while a gradient is recorded: z = x w + bias is kept for the backward pass, then
 * y = f(z) by the same kernels on the same rows as the fused path, so the same bits.
 */
function denseOnTape(x: Tensor, w: Tensor, bias: Tensor | undefined, act: { row: ActivationRow; resolved: ResolvedParams } | undefined): Tensor {
  const [M, K] = x.shape;
  const N = w.shape[1];
  const z = xwPlusBias(x, w, bias);
  const onZ = (f: (k: Kernels, n: number, a: KernelArgs) => void): void => {
    if (act !== undefined && z.size > 0) withKernelArgs(rt().heap, act.resolved, z.size, N, act.row.name, (a) => f(rt().kernels, z.size, a));
  };
  const y = act === undefined ? z : empty(z.shape);
  onZ((k, n, a) => act?.row.forward(k, n, z.ptr, y.ptr, a));
  rt().engine.record({
    name: 'dense', inputs: bias === undefined ? [x, w] : [x, w, bias], output: y,
    backward: (dy, needs) => {
      const dz = act === undefined ? dy : empty(z.shape);
      onZ((k, n, a) => act?.row.backward(k, n, z.ptr, dy.ptr, dz.ptr, a));
      let db: Tensor | undefined;
      if (bias !== undefined && needs[2]) {
        db = empty([N]);
        rt().kernels.f32_sum_rows(dz.size, N, dz.ptr, db.ptr);
      }
      return [
        needs[0] ? gemmTensor(M, K, N, dz, N, false, w, N, true) : undefined,   // dz w^T
        needs[1] ? gemmTensor(K, N, M, x, K, true, dz, N, false) : undefined,   // x^T dz
        db,
      ];
    },
  });
  return y;
}
