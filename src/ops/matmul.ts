// Matrix products on Tensors: matMul (tf.matMul semantics for rank 2) and dense, the fused
// x * w + bias followed by any registry activation, one op for a Dense layer's forward.
import { rt } from '../core/wasm.js';
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
  const [M, Ka] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = transposeB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (Ka !== Kb) {
    throw new Error(`actlab: matMul: inner dimensions differ: a ${shapeText(a.shape)} (transposeA=${transposeA}) ` +
      `has K = ${Ka} but b ${shapeText(b.shape)} (transposeB=${transposeB}) has K = ${Kb}; ` +
      `expected a.shape[${transposeA ? 0 : 1}] === b.shape[${transposeB ? 1 : 0}]`);
  }
  const c = empty([M, N]);
  if (M === 0 || N === 0) return c;
  const { kernels, heap } = rt();
  const bytes = kernels.f32_gemm_workspace(Ka, N) >>> 0;
  const ws = heap.alloc(bytes);
  try {
    kernels.f32_gemm(M, N, Ka, a.ptr, a.shape[1], b.ptr, b.shape[1], c.ptr, N, ws, bytes,
      transposeA ? 1 : 0, transposeB ? 1 : 0, 1, 0);
  } finally {
    heap.free(ws);
  }
  return c;
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
  const packedBytes = kernels.f32_gemm_packed_b_bytes(K, N) >>> 0;
  const ws = heap.alloc(packedBytes + (kernels.f32_gemm_a_scratch_bytes(K) >>> 0));
  try {
    kernels.f32_gemm_pack_b(K, N, w.ptr, N, ws, 0);
    const rowsPerBlock = Math.max(TILE_ROWS, Math.floor(DENSE_BLOCK_BYTES / (N * 4 * TILE_ROWS)) * TILE_ROWS);
    const biasPtr = bias === undefined ? 0 : bias.ptr;
    const run = (act?: (n: number, p: number) => void): void => {
      for (let r = 0; r < M; r += rowsPerBlock) {
        const rows = Math.min(rowsPerBlock, M - r);
        const cp = y.ptr + r * N * 4;
        kernels.f32_gemm_packed(rows, N, K, x.ptr + r * K * 4, K, ws, biasPtr, cp, N, ws + packedBytes, 0, 1, 0);
        act?.(rows * N, cp);
      }
    };
    if (row === undefined || resolved === undefined) run();
    else withKernelArgs(heap, resolved, M * N, N, row.name, (a) => run((n, p) => row.forward(kernels, n, p, p, a)));
  } catch (e) {
    y.dispose();
    throw e;
  } finally {
    heap.free(ws);
  }
  return y;
}
