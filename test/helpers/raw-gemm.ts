// One call of the GEMM kernels as they are exported, on host arrays: through the packed
// path (f32_gemm_pack_b + f32_gemm_packed, which adds a bias) when `bias` is given, else
// through f32_gemm. Returns C as the kernel left it (gaps and tail included). Shared by the
// GEMM sweep (test/gemm.test.ts) and the relaxed-SIMD check (test/relaxed/check.ts).
import { rt } from '../../src/core/wasm.js';

export interface RawGemm {
  readonly M: number; readonly N: number; readonly K: number;
  readonly transA: boolean; readonly transB: boolean;
  readonly alpha: number; readonly beta: number;
  readonly lda: number; readonly ldb: number; readonly ldc: number;
}

export function runRawGemm(g: RawGemm, a: Float32Array, b: Float32Array, c0: Float32Array, bias?: Float32Array): Float32Array {
  const { M, N, K, transA, transB, alpha, beta, lda, ldb, ldc } = g;
  const { kernels, heap } = rt();
  const pa = heap.allocF32(a), pb = heap.allocF32(b), pc = heap.allocF32(c0);
  const pbias = bias === undefined ? 0 : heap.allocF32(bias);
  try {
    if (bias !== undefined) {
      const packed = kernels.f32_gemm_packed_b_bytes(K, N) >>> 0;
      const ws = heap.alloc(packed + (kernels.f32_gemm_a_scratch_bytes(K) >>> 0));
      const finite = kernels.f32_gemm_pack_b(K, N, pb, ldb, ws, transB ? 1 : 0);
      kernels.f32_gemm_packed(M, N, K, pa, lda, ws, pbias, pc, ldc, ws + packed, transA ? 1 : 0, alpha, beta, finite);
      heap.free(ws);
    } else {
      const bytes = kernels.f32_gemm_workspace(K, N) >>> 0;
      const ws = heap.alloc(bytes);
      kernels.f32_gemm(M, N, K, pa, lda, pb, ldb, pc, ldc, ws, bytes, transA ? 1 : 0, transB ? 1 : 0, alpha, beta);
      heap.free(ws);
    }
    return heap.f32(pc, c0.length).slice();
  } finally {
    for (const p of [pa, pb, pc]) heap.free(p);
    if (pbias !== 0) heap.free(pbias);
  }
}
