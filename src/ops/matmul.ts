// Matrix products on Tensors: matMul (tf.matMul semantics for rank 2) and dense, the fused
// x * w + bias followed by any registry activation, one op for a Dense layer's forward.
import { rt, type Kernels } from '../core/wasm.js';
import type { Ptr } from '../core/heap.js';
import { parallel, splitParts, threadsFor } from '../core/parallel.js';
import { Tensor, empty, shapeText, type Shape } from '../core/tensor.js';
import { getActivation, resolveParams, withKernelArgs, type ActivationParams } from '../activations/index.js';

/** Bytes of C that dense finishes before running the activation on them: they are still in L1. */
const DENSE_BLOCK_BYTES = 32 * 1024;
/** Rows of the sgemm micro-kernel's tile; dense row blocks are multiples of it. */
const TILE_ROWS = 4;

function checkRank2(op: string, name: string, shape: Shape): void {
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
  checkRank2('matMul', 'a', a.shape);
  checkRank2('matMul', 'b', b.shape);
  const M = a.shape[transposeA ? 1 : 0], Ka = a.shape[transposeA ? 0 : 1];
  const Kb = b.shape[transposeB ? 1 : 0], N = b.shape[transposeB ? 0 : 1];
  if (Ka !== Kb) {
    throw new Error(`actlab: matMul: inner dimensions differ: a ${shapeText(a.shape)} (transposeA=${transposeA}) ` +
      `has K = ${Ka} but b ${shapeText(b.shape)} (transposeB=${transposeB}) has K = ${Kb}; ` +
      `expected a.shape[${transposeA ? 0 : 1}] === b.shape[${transposeB ? 1 : 0}]`);
  }
  const c = empty([M, N]);
  if (M === 0 || N === 0) return c;
  try {
    gemm(M, N, Ka, a.ptr, a.shape[1], transposeA, b.ptr, b.shape[1], transposeB, c.ptr);
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
    parallel(ranges.map(([r0, r1], i) => (k: Kernels) => {
      for (let r = r0; r < r1; r += rowsPerBlock) {
        const rows = Math.min(rowsPerBlock, r1 - r);
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
export function dense(x: Tensor, w: Tensor, bias?: Tensor, activation?: string, params?: ActivationParams): Tensor {
  checkRank2('dense', 'x', x.shape);
  checkRank2('dense', 'w', w.shape);
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
  const y = empty([M, N]);
  if (M === 0 || N === 0) return y;
  const { kernels, heap } = rt();
  const ws = heap.alloc(kernels.f32_gemm_packed_b_bytes(K, N) >>> 0);
  try {
    const finite = kernels.f32_gemm_pack_b(K, N, w.ptr, N, ws, 0) === 1;
    const rowsPerBlock = Math.max(TILE_ROWS, Math.floor(DENSE_BLOCK_BYTES / (N * 4 * TILE_ROWS)) * TILE_ROWS);
    const biasPtr = bias === undefined ? 0 : bias.ptr;
    if (row === undefined || resolved === undefined) gemmPackedRows(M, N, K, x.ptr, K, false, ws, finite, biasPtr, y.ptr);
    else {
      withKernelArgs(heap, resolved, M * N, N, row.name, (a) => gemmPackedRows(M, N, K, x.ptr, K, false, ws, finite, biasPtr, y.ptr,
        rowsPerBlock, (k, rows, cp) => row.forward(k, rows * N, cp, cp, a)));
    }
  } catch (e) {
    y.dispose();
    throw e;
  } finally {
    heap.free(ws);
  }
  return y;
}
