// Single-precision GEMM: C = alpha * op(A) * op(B) + beta * C (+ bias per column), with
// op = identity or transpose for A and B independently, any M, N, K >= 0 and any leading
// dimensions (in elements, row-major: element (i, j) of an r x c matrix X is X[i*ldx + j]).
//
// Shape of the computation (see: K. Goto, R. van de Geijn, "Anatomy of High-Performance
// Matrix Multiplication", ACM TOMS 2008; XNNPACK src/f32-gemm/ for the wasmsimd splat tile):
// - op(B) is packed once into caller-given scratch as panels of NR = 8 columns, each panel
//   K rows of 8 contiguous floats (columns past N are zero), so the micro-kernel reads B
//   with two aligned loads per k whatever ldb and transB were.
// - op(A) is packed one 4-row tile at a time (K groups of 4 floats, k-major) into the
//   rest of the scratch, then reused for every panel of the column block: one pointer
//   with constant offsets feeds the splats, and a transposed A (consecutive k a row of A
//   apart) is gathered once per tile instead of once per panel.
// - The micro-kernel keeps a 4 x 8 tile of C in eight f32x4 registers (x64 engines give
//   Wasm 15 vector registers; 4 x 8 leaves room for the two B vectors, the splat and a
//   product). On Zen 4 under V8 it runs at the register-only mul+add peak; 5x8, 6x8, 4x12
//   and 3x12 spill and reach 55-65% of it, 2x16 ties (`npm run bench -- gemm-tiles`).
//   A last panel of at most 4 columns gets a 4 x 4 tile (tile4).
// - Narrow C (N = 9 or 10, a classifier's output; N = 5..8 with a transposed A) skips B's
//   packing (gemmNarrow): tile8 reads a row-major B (and a transposed A) in place, and
//   columns 8 and 9 of 16 rows run together in cols89, so 10 columns are computed, not 12.
// - Loop order: columns in blocks of NC (the packed block stays in L2), then 4-row tiles
//   (the tile's rows of A stay in L1), then 8-column panels.
//
// Determinism. Each C element is one float32 accumulator that starts at +0 and adds
// fl(a_ik * b_kj) for k = 0, 1, ..., K-1 in that order (a mul then an add, never fused),
// then c = alpha*acc (+ beta*C) (+ bias). Terms with a_ik = +0 in all four rows of a tile
// are left out when op(B) is finite (packASkip says why that changes no bit). K is never
// split, not across calls and not inside one, and an element's operations do not depend on
// its tile, its lane or the blocking, so the same inputs give the same bits in every
// engine, and running rows [r0, r1) in one call (what a row split across threads does)
// gives the same bits as running all rows at once.
//
// Memory. Kernels never allocate: f32_gemm_workspace says how many bytes of scratch a call
// needs and the caller passes it. Reads may run up to 12 bytes past the last element of
// an array (the allocator pads every block by 16 bytes); writes touch only elements of C
// inside the M x N result, never the gaps between rows when ldc > N.

import { storeTail } from './math';
import { madd, mulAdd } from './madd';

const MR: i32 = 4;
const NR: i32 = 8;
/** Widest C that gemmNarrow computes (tile8 and cols89; wider takes 8-column panels). */
const NARROW: i32 = 10;
/** Below this many rows f32_gemm reads a row-major B in place (f32_gemm_few_rows) instead of packing it. */
const FEW_ROWS: i32 = 8;
/** Packed-B bytes kept per column block: half of a 1 MiB L2. */
const NC_BYTES: usize = 512 * 1024;

/** -0.0 in every lane: adding it leaves every float (including -0 and NaN) unchanged. */
const NEG_ZERO: v128 = i32x4.splat(0x80000000);

// ---- workspace and packing ---------------------------------------------------------------

/** Bytes of packed op(B) for K x N: K rows of N rounded up to 8 floats. */
export function f32_gemm_packed_b_bytes(K: i32, N: i32): usize {
  return <usize>max(K, 0) * <usize>((max(N, 0) + NR - 1) & ~(NR - 1)) * 4;
}

/**
 * Bytes of scratch f32_gemm_packed needs: one packed 4-row tile of op(A) (K x 16 bytes) and
 * its list of kept k (K x 4 bytes, used when zero k are skipped), or gemmNarrow's four
 * packed tiles (K x 64 bytes), whichever is more; a multiple of 16.
 */
export function f32_gemm_a_scratch_bytes(K: i32): usize { return <usize>max(K, 0) * 64; }

/** Bytes of workspace f32_gemm needs: packed op(B), then op(A)'s scratch (f32_gemm_a_scratch_bytes). */
export function f32_gemm_workspace(K: i32, N: i32): usize {
  return f32_gemm_packed_b_bytes(K, N) + f32_gemm_a_scratch_bytes(K);
}

/**
 * Packs op(B) (K x N) into `ws` as N/8 panels of K x 8 floats, zero-padded past column N.
 * B is K x N (transB = 0) or N x K (transB != 0) with leading dimension ldb.
 * Returns 1 when every value of op(B) is finite (then a product of +-0 with any of them is
 * +-0, and f32_gemm_packed may skip the k where op(A) is zero), else 0.
 */
export function f32_gemm_pack_b(K: i32, N: i32, B: usize, ldb: i32, ws: usize, transB: i32): i32 {
  const panel = <usize>K << 5;
  const stride = <usize>ldb << 2;
  // x - x is +0 for a finite x and NaN for +-Infinity and NaN; NaN sticks in the sum.
  let chk = f32x4.splat(0);
  for (let j = 0; j < N; j += NR) {
    const dst = ws + <usize>(j / NR) * panel;
    const nr = min(NR, N - j);
    if (transB) chk = f32x4.add(chk, packPanelT(K, nr, B + (<usize>j * stride), stride, dst));
    else chk = f32x4.add(chk, packPanelN(K, nr, B + (<usize>j << 2), stride, dst));
  }
  return i32(!v128.any_true(f32x4.ne(chk, chk)));
}

/** x - x for every lane (+0 when finite, NaN otherwise), summed into chk. */
@inline function finiteCheck(chk: v128, v: v128): v128 { return f32x4.add(chk, f32x4.sub(v, v)); }

/** Panel of op(B) = B: row k of the panel is B[k][j..j+8). Returns the finiteness check sum. */
@inline function packPanelN(K: i32, nr: i32, src: usize, stride: usize, dst: usize): v128 {
  let chk = f32x4.splat(0);
  if (nr == NR) {
    for (let k = 0; k < K; k++) {
      const v0 = v128.load(src), v1 = v128.load(src, 16);
      v128.store(dst, v0);
      v128.store(dst, v1, 16);
      chk = finiteCheck(finiteCheck(chk, v0), v1);
      src += stride;
      dst += 32;
    }
    return chk;
  }
  for (let k = 0; k < K; k++) {
    v128.store(dst, i32x4.splat(0));
    v128.store(dst, i32x4.splat(0), 16);
    for (let q = 0; q < nr; q++) store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>q << 2)));
    chk = finiteCheck(finiteCheck(chk, v128.load(dst)), v128.load(dst, 16));
    src += stride;
    dst += 32;
  }
  return chk;
}

/** Panel of op(B) = B^T: row k of the panel is B[j..j+8][k], transposed 4 x 4 at a time. */
@inline function packPanelT(K: i32, nr: i32, src: usize, stride: usize, dst: usize): v128 {
  let chk = f32x4.splat(0);
  let k = 0;
  if (nr == NR) {
    const r0 = src, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
    const r4 = r3 + stride, r5 = r4 + stride, r6 = r5 + stride, r7 = r6 + stride;
    for (; k + 4 <= K; k += 4) {
      const o = <usize>k << 2, d = dst + (<usize>k << 5);
      const v0 = v128.load(r0 + o), v1 = v128.load(r1 + o), v2 = v128.load(r2 + o), v3 = v128.load(r3 + o);
      const v4 = v128.load(r4 + o), v5 = v128.load(r5 + o), v6 = v128.load(r6 + o), v7 = v128.load(r7 + o);
      transpose4(v0, v1, v2, v3, d);
      transpose4(v4, v5, v6, v7, d + 16);
      const s = f32x4.add(f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)), f32x4.add(f32x4.add(v4, v5), f32x4.add(v6, v7)));
      // A sum of finite values may overflow to Infinity: that only reports "not finite" and
      // turns the zero skipping off, which is always exact.
      chk = finiteCheck(chk, s);
    }
  }
  for (; k < K; k++) {
    const d = dst + (<usize>k << 5);
    v128.store(d, i32x4.splat(0));
    v128.store(d, i32x4.splat(0), 16);
    const s = src + (<usize>k << 2);
    for (let q = 0; q < nr; q++) store<f32>(d + (<usize>q << 2), load<f32>(s + <usize>q * stride));
    chk = finiteCheck(finiteCheck(chk, v128.load(d)), v128.load(d, 16));
  }
  return chk;
}

/** Writes the transpose of rows (v0..v3) as four 4-float rows at d, d+32, d+64, d+96. */
@inline function transpose4(v0: v128, v1: v128, v2: v128, v3: v128, d: usize): void {
  const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
  v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
  v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
}

// ---- micro-kernel ----------------------------------------------------------------------

/** One finished vector of C: alpha*acc, + beta*C unless beta == 0 (C is then never read), + bias. */
@inline function finish(acc: v128, c: usize, bias: v128, alpha: v128, beta: f32): v128 {
  let v = f32x4.mul(acc, alpha);
  if (beta != 0) v = f32x4.add(v, f32x4.mul(v128.load(c), f32x4.splat(beta)));
  return f32x4.add(v, bias);
}

/** Stores one row of the tile: columns [0, nr) of the 8 at c. */
@inline function storeRow(c: usize, acc0: v128, acc1: v128, nr: i32, bias0: v128, bias1: v128, alpha: v128, beta: f32): void {
  const v0 = finish(acc0, c, bias0, alpha, beta);
  if (nr >= 4) v128.store(c, v0);
  else { storeTail(c, v0, nr); return; }
  if (nr == 8) v128.store(c + 16, finish(acc1, c + 16, bias1, alpha, beta));
  else if (nr > 4) storeTail(c + 16, finish(acc1, c + 16, bias1, alpha, beta), nr - 4);
}

/**
 * Packs rows [i, i + mr) of op(A) into `dst` k-major: K groups of 4 floats (row 0..3 at k),
 * rows past mr zero. op(A) rows are rs bytes apart and consecutive k are ks bytes apart.
 * One pointer and constant offsets then feed the micro-kernel, and a transposed A (rows
 * lda apart in k, a page apart for large lda) is read once per tile, not once per panel.
 */
@inline function packA(K: i32, a: usize, rs: usize, ks: usize, transA: bool, mr: i32, dst: usize): void {
  let k = 0;
  if (mr == MR) {
    if (transA) {
      for (; k < K; k++) v128.store(dst + (<usize>k << 4), v128.load(a + <usize>k * ks));
      return;
    }
    const a0 = a, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    for (; k + 4 <= K; k += 4) {
      const o = <usize>k << 2;
      const d = dst + (<usize>k << 4);
      const v0 = v128.load(a0 + o), v1 = v128.load(a1 + o), v2 = v128.load(a2 + o), v3 = v128.load(a3 + o);
      const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
      v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
      v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
    }
  }
  for (; k < K; k++) {
    const d = dst + (<usize>k << 4);
    v128.store(d, i32x4.splat(0));
    const s = a + <usize>k * ks;
    for (let r = 0; r < mr; r++) store<f32>(d + (<usize>r << 2), load<f32>(s + <usize>r * rs));
  }
}

/**
 * packA that leaves out every k whose (up to 4) values of op(A) all have the bit pattern
 * +0: the kept groups go to `dst` one after another and their k, in increasing order, to
 * `list`; returns how many were kept. Every product a * b with a = +-0 and a finite b is
 * +-0, and an accumulator that starts at +0 is unchanged by adding +-0 (it is never -0:
 * +0 + -0 = +0, and exact cancellation gives +0), so with a finite op(B) the sums over the
 * kept k equal the full sums bit for bit. -0 counts as nonzero here (kept), which is exact too.
 */
@inline function packASkip(K: i32, a: usize, rs: usize, ks: usize, transA: bool, mr: i32, dst: usize, list: usize): i32 {
  let n = 0, k = 0;
  if (mr == MR) {
    if (transA) {
      for (; k < K; k++) {
        const v = v128.load(a + <usize>k * ks);
        v128.store(dst + (<usize>n << 4), v);
        store<i32>(list + (<usize>n << 2), k);
        n += i32(v128.any_true(v));
      }
      return n;
    }
    const a0 = a, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    for (; k + 4 <= K; k += 4) {
      const o = <usize>k << 2;
      const v0 = v128.load(a0 + o), v1 = v128.load(a1 + o), v2 = v128.load(a2 + o), v3 = v128.load(a3 + o);
      // Lane q of u is nonzero exactly when the group of k + q is.
      const u = v128.or(v128.or(v0, v1), v128.or(v2, v3));
      if (!v128.any_true(u)) continue;
      const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
      if (i32x4.all_true(u)) {
        // All four kept (dense data): packA's stores plus one store of the four k.
        const d = dst + (<usize>n << 4);
        v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
        v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
        v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
        v128.store(list + (<usize>n << 2), i32x4.add(i32x4.splat(k), i32x4(0, 1, 2, 3)));
        n += 4;
        continue;
      }
      n = keep(dst, list, n, k, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      n = keep(dst, list, n, k + 1, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      n = keep(dst, list, n, k + 2, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      n = keep(dst, list, n, k + 3, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
  }
  for (; k < K; k++) {
    const d = dst + (<usize>n << 4);
    v128.store(d, i32x4.splat(0));
    const s = a + <usize>k * ks;
    for (let r = 0; r < mr; r++) store<f32>(d + (<usize>r << 2), load<f32>(s + <usize>r * rs));
    store<i32>(list + (<usize>n << 2), k);
    n += i32(v128.any_true(v128.load(d)));
  }
  return n;
}

/** Stores group v of k at position n of the packed tile and the list; the next position. */
@inline function keep(dst: usize, list: usize, n: i32, k: i32, v: v128): i32 {
  v128.store(dst + (<usize>n << 4), v);
  store<i32>(list + (<usize>n << 2), k);
  return n + i32(v128.any_true(v));
}

/**
 * C tile of mr x nr (mr <= 4, 4 < nr <= 8) at c from a packed A tile and one packed B panel.
 * Rows past mr and columns past nr are computed (from zeros) and never stored. Without a
 * list, op(A)'s four values at k are aStep bytes after those at k - 1 and B's eight are
 * bStep bytes after: 16 and 32 for packed data; gemmNarrow passes a transposed A or a
 * row-major B read in place.
 */
@inline function tile8(K: i32, a: usize, list: usize, b: usize, c: usize, ldcB: usize, mr: i32, nr: i32,
  bias: usize, alpha: f32, beta: f32, aStep: usize = 16, bStep: usize = 32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (list == 0) {
    // One k per iteration. Unrolling with constant offsets is slower here: V8 keeps a base
    // register per offset and spills accumulators (seen with --print-wasm-code).
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      let x = v128.load32_splat(a);
      c00 = madd(c00, x, b0); c01 = madd(c01, x, b1);
      x = v128.load32_splat(a, 4);
      c10 = madd(c10, x, b0); c11 = madd(c11, x, b1);
      x = v128.load32_splat(a, 8);
      c20 = madd(c20, x, b0); c21 = madd(c21, x, b1);
      x = v128.load32_splat(a, 12);
      c30 = madd(c30, x, b0); c31 = madd(c31, x, b1);
      a += aStep;
      b += bStep;
    }
  } else {
    // The same steps over the kept k only (packASkip): row k of the panel is 32 bytes in.
    const end = list + (<usize>K << 2);
    for (let p = list; p < end; p += 4) {
      const bk = b + (<usize>load<i32>(p) << 5);
      const b0 = v128.load(bk), b1 = v128.load(bk, 16);
      let x = v128.load32_splat(a);
      c00 = madd(c00, x, b0); c01 = madd(c01, x, b1);
      x = v128.load32_splat(a, 4);
      c10 = madd(c10, x, b0); c11 = madd(c11, x, b1);
      x = v128.load32_splat(a, 8);
      c20 = madd(c20, x, b0); c21 = madd(c21, x, b1);
      x = v128.load32_splat(a, 12);
      c30 = madd(c30, x, b0); c31 = madd(c31, x, b1);
      a += 16;
    }
  }
  const bias0 = bias ? v128.load(bias) : NEG_ZERO;
  const bias1 = bias ? v128.load(bias, 16) : NEG_ZERO;
  const al = f32x4.splat(alpha);
  storeRow(c, c00, c01, nr, bias0, bias1, al, beta);
  if (mr > 1) storeRow(c + ldcB, c10, c11, nr, bias0, bias1, al, beta);
  if (mr > 2) storeRow(c + 2 * ldcB, c20, c21, nr, bias0, bias1, al, beta);
  if (mr > 3) storeRow(c + 3 * ldcB, c30, c31, nr, bias0, bias1, al, beta);
}

/**
 * The last panel when it has nr <= 4 columns: only its first vector is computed, so an N
 * like 10 or 12 wastes 2 of 12 columns, not 6 of 16. Same operation order per element.
 */
function tile4(K: i32, a: usize, list: usize, b: usize, c: usize, ldcB: usize, mr: i32, nr: i32,
  bias: usize, alpha: f32, beta: f32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (list == 0) {
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(b);
      c0 = madd(c0, v128.load32_splat(a), b0);
      c1 = madd(c1, v128.load32_splat(a, 4), b0);
      c2 = madd(c2, v128.load32_splat(a, 8), b0);
      c3 = madd(c3, v128.load32_splat(a, 12), b0);
      a += 16;
      b += 32;
    }
  } else {
    const end = list + (<usize>K << 2);
    for (let p = list; p < end; p += 4) {
      const b0 = v128.load(b + (<usize>load<i32>(p) << 5));
      c0 = madd(c0, v128.load32_splat(a), b0);
      c1 = madd(c1, v128.load32_splat(a, 4), b0);
      c2 = madd(c2, v128.load32_splat(a, 8), b0);
      c3 = madd(c3, v128.load32_splat(a, 12), b0);
      a += 16;
    }
  }
  const bias0 = bias ? v128.load(bias) : NEG_ZERO;
  const al = f32x4.splat(alpha);
  storeRow(c, c0, c0, nr, bias0, bias0, al, beta);
  if (mr > 1) storeRow(c + ldcB, c1, c1, nr, bias0, bias0, al, beta);
  if (mr > 2) storeRow(c + 2 * ldcB, c2, c2, nr, bias0, bias0, al, beta);
  if (mr > 3) storeRow(c + 3 * ldcB, c3, c3, nr, bias0, bias0, al, beta);
}

/**
 * Whether gemmNarrow computes the whole of C: N = 9 or 10 (tile8 + tile4 would compute 12
 * columns, the last 4 in a latency-bound loop), and N = 5..8 when op(A) is transposed (read
 * in place, no packing). A plain op(A) with N <= 8 takes the packed path, which leaves out
 * op(A)'s zeros.
 */
@inline function useNarrow(N: i32, transA: bool): bool {
  return N > NR ? N <= NARROW : N > MR && transA;
}

/**
 * Columns 8 and 9 of T = 4 (or 1) 4-row tiles: op(A)'s four values of tile t at k are at
 * a + t * ts + k * aStep, B's two at b2 + k * bStep. Each accumulator holds one column for
 * one tile's four rows (lane r = row r), so per k two splats of B meet T vectors of op(A):
 * with T = 4, eight independent chains keep the multiply and add pipes full, where one
 * tile's two chains wait on the add latency. Per element the operations are tile8's.
 */
@inline function cols89(T: i32, K: i32, a: usize, ts: usize, aStep: usize, b2: usize, bStep: usize, c: usize,
  ldcB: usize, rows: i32, nr: i32, bias: usize, alpha: f32, beta: f32): void {
  let p0 = f32x4.splat(0), q0 = f32x4.splat(0), p1 = f32x4.splat(0), q1 = f32x4.splat(0);
  let p2 = f32x4.splat(0), q2 = f32x4.splat(0), p3 = f32x4.splat(0), q3 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const s8 = v128.load32_splat(b2), s9 = v128.load32_splat(b2, 4);
    let x = v128.load(a);
    p0 = madd(p0, x, s8); q0 = madd(q0, x, s9);
    if (T > 1) {
      x = v128.load(a + ts);
      p1 = madd(p1, x, s8); q1 = madd(q1, x, s9);
      x = v128.load(a + 2 * ts);
      p2 = madd(p2, x, s8); q2 = madd(q2, x, s9);
      x = v128.load(a + 3 * ts);
      p3 = madd(p3, x, s8); q3 = madd(q3, x, s9);
    }
    a += aStep;
    b2 += bStep;
  }
  const bias2 = bias ? v128.load(bias, 32) : NEG_ZERO;
  const al = f32x4.splat(alpha);
  // With T = 4 there are 13 to 16 rows: the first three tiles are full.
  cols89Store(c, ldcB, p0, q0, min(rows, MR), nr, bias2, al, beta);
  if (T > 1) {
    cols89Store(c + 4 * ldcB, ldcB, p1, q1, MR, nr, bias2, al, beta);
    cols89Store(c + 8 * ldcB, ldcB, p2, q2, MR, nr, bias2, al, beta);
    cols89Store(c + 12 * ldcB, ldcB, p3, q3, rows - 12, nr, bias2, al, beta);
  }
}

/** Columns 8..nr-1 of up to four rows (mr of them) from column vectors p (8) and q (9). */
@inline function cols89Store(c: usize, ldcB: usize, p: v128, q: v128, mr: i32, nr: i32, bias2: v128, alpha: v128,
  beta: f32): void {
  const n = nr - NR;
  if (mr > 0) storeTail(c + 32, finish(v128.shuffle<f32>(p, q, 0, 4, 0, 4), c + 32, bias2, alpha, beta), n);
  if (mr > 1) storeTail(c + ldcB + 32, finish(v128.shuffle<f32>(p, q, 1, 5, 1, 5), c + ldcB + 32, bias2, alpha, beta), n);
  if (mr > 2) storeTail(c + 2 * ldcB + 32, finish(v128.shuffle<f32>(p, q, 2, 6, 2, 6), c + 2 * ldcB + 32, bias2, alpha, beta), n);
  if (mr > 3) storeTail(c + 3 * ldcB + 32, finish(v128.shuffle<f32>(p, q, 3, 7, 3, 7), c + 3 * ldcB + 32, bias2, alpha, beta), n);
}

/**
 * All of C for useNarrow's shapes, 16 rows at a time: columns 0-7 with tile8 per 4-row tile
 * (B's row k read in place or from a packed panel: b, bStep), then, for N = 9 or 10,
 * columns 8 and 9 of the four tiles together (cols89, from b2). Both run at tile8's rate;
 * the 4 x 10 tile this replaced (one vector of op(A) against ten splats of B) spent eight
 * lane shuffles per k on the multiply and add pipes and was 1.1-1.5x slower. op(A) is
 * packed into `ws` (four tiles, K x 64 bytes), or read in place when it is transposed and
 * all 16 rows are there. Every element gets tile8's operations in tile8's order: the same
 * bits as the packed path.
 */
@inline function gemmNarrow(M: i32, N: i32, K: i32, A: usize, rs: usize, ks: usize, transA: bool, b: usize, b2: usize,
  bStep: usize, bias: usize, C: usize, ldcB: usize, ws: usize, alpha: f32, beta: f32): void {
  const tileBytes = <usize>K << 4;
  for (let i = 0; i < M; i += 16) {
    const rows = min(16, M - i);
    let a = A + <usize>i * rs, aStep = ks, ts: usize = 16;
    if (!transA || rows < 16) {
      for (let t = 0; t < rows; t += MR) packA(K, a + <usize>t * rs, rs, ks, transA, min(MR, rows - t), ws + <usize>(t >> 2) * tileBytes);
      a = ws;
      aStep = 16;
      ts = tileBytes;
    }
    const c = C + <usize>i * ldcB;
    for (let t = 0; t < rows; t += MR) {
      tile8(K, a + <usize>(t >> 2) * ts, 0, b, c + <usize>t * ldcB, ldcB, min(MR, rows - t), min(N, NR), bias, alpha, beta, aStep, bStep);
    }
    if (N <= NR) continue;
    if (rows > 12) cols89(4, K, a, ts, aStep, b2, bStep, c, ldcB, rows, N, bias, alpha, beta);
    else {
      for (let t = 0; t < rows; t += MR) {
        cols89(1, K, a + <usize>(t >> 2) * ts, ts, aStep, b2, bStep, c + <usize>t * ldcB, ldcB, rows - t, N, bias, alpha, beta);
      }
    }
  }
}

/**
 * A block of R <= 3 rows and up to 4V columns of C for gemmFewRows: each row's accumulators
 * take one splat of op(A) per k against V vectors of B's row k, read in place. `cols` is how
 * many of the 4V columns are C's (the last vector may be partial). Per element the operations
 * are tile8's: +0, then fl(a * b) added for k = 0..K-1, then finish.
 */
@inline function fewRowsBlock(R: i32, V: i32, K: i32, a: usize, rs: usize, ks: usize, b: usize, ldbB: usize,
  c: usize, ldcB: usize, bias: usize, alpha: f32, beta: f32, cols: i32): void {
  let r00 = f32x4.splat(0), r01 = f32x4.splat(0), r02 = f32x4.splat(0), r03 = f32x4.splat(0);
  let r10 = f32x4.splat(0), r11 = f32x4.splat(0), r12 = f32x4.splat(0), r13 = f32x4.splat(0);
  let r20 = f32x4.splat(0), r21 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = V > 1 ? v128.load(b, 16) : b0;
    const b2 = V > 2 ? v128.load(b, 32) : b0;
    const b3 = V > 3 ? v128.load(b, 48) : b0;
    let x = v128.load32_splat(a);
    r00 = madd(r00, x, b0);
    if (V > 1) r01 = madd(r01, x, b1);
    if (V > 2) r02 = madd(r02, x, b2);
    if (V > 3) r03 = madd(r03, x, b3);
    if (R > 1) {
      x = v128.load32_splat(a + rs);
      r10 = madd(r10, x, b0);
      if (V > 1) r11 = madd(r11, x, b1);
      if (V > 2) r12 = madd(r12, x, b2);
      if (V > 3) r13 = madd(r13, x, b3);
    }
    if (R > 2) {
      x = v128.load32_splat(a + 2 * rs);
      r20 = madd(r20, x, b0);
      if (V > 1) r21 = madd(r21, x, b1);
    }
    a += ks;
    b += ldbB;
  }
  const al = f32x4.splat(alpha);
  fewRowsStore(c, r00, bias, 0, al, beta, cols);
  if (V > 1) fewRowsStore(c, r01, bias, 1, al, beta, cols);
  if (V > 2) fewRowsStore(c, r02, bias, 2, al, beta, cols);
  if (V > 3) fewRowsStore(c, r03, bias, 3, al, beta, cols);
  if (R > 1) {
    fewRowsStore(c + ldcB, r10, bias, 0, al, beta, cols);
    if (V > 1) fewRowsStore(c + ldcB, r11, bias, 1, al, beta, cols);
    if (V > 2) fewRowsStore(c + ldcB, r12, bias, 2, al, beta, cols);
    if (V > 3) fewRowsStore(c + ldcB, r13, bias, 3, al, beta, cols);
  }
  if (R > 2) {
    fewRowsStore(c + 2 * ldcB, r20, bias, 0, al, beta, cols);
    if (V > 1) fewRowsStore(c + 2 * ldcB, r21, bias, 1, al, beta, cols);
  }
}

/** Vector v of a fewRowsBlock row at c: finished and stored, the columns of C only. */
@inline function fewRowsStore(c: usize, acc: v128, bias: usize, v: i32, alpha: v128, beta: f32, cols: i32): void {
  const n = cols - (v << 2);
  if (n <= 0) return;
  const at = c + (<usize>v << 4);
  const out = finish(acc, at, bias ? v128.load(bias + (<usize>v << 4)) : NEG_ZERO, alpha, beta);
  if (n >= 4) v128.store(at, out);
  else storeTail(at, out, n);
}

/**
 * C for M = 1..3 rows (one sample through a dense layer, a small batch's tail) with a
 * row-major B read in place: packing all of B for so few rows cost more than the product
 * (a 784 x 128 layer took 43 us at one row, 34 at four). Rows of 16 columns at a time (8
 * with three rows, which would otherwise spill), then single vectors. The same bits as the
 * packed path (see fewRowsBlock).
 */
@inline function gemmFewRows(M: i32, N: i32, K: i32, A: usize, rs: usize, ks: usize, B: usize, ldbB: usize,
  bias: usize, C: usize, ldcB: usize, alpha: f32, beta: f32): void {
  let j = 0;
  if (M == 1) {
    for (; j + 16 <= N; j += 16) fewRowsBlock(1, 4, K, A, rs, ks, B + (<usize>j << 2), ldbB, C + (<usize>j << 2), ldcB, bias ? bias + (<usize>j << 2) : 0, alpha, beta, 16);
    for (; j < N; j += 4) fewRowsBlock(1, 1, K, A, rs, ks, B + (<usize>j << 2), ldbB, C + (<usize>j << 2), ldcB, bias ? bias + (<usize>j << 2) : 0, alpha, beta, min(4, N - j));
  } else if (M == 2) {
    for (; j + 16 <= N; j += 16) fewRowsBlock(2, 4, K, A, rs, ks, B + (<usize>j << 2), ldbB, C + (<usize>j << 2), ldcB, bias ? bias + (<usize>j << 2) : 0, alpha, beta, 16);
    for (; j < N; j += 4) fewRowsBlock(2, 1, K, A, rs, ks, B + (<usize>j << 2), ldbB, C + (<usize>j << 2), ldcB, bias ? bias + (<usize>j << 2) : 0, alpha, beta, min(4, N - j));
  } else {
    for (; j + 8 <= N; j += 8) fewRowsBlock(3, 2, K, A, rs, ks, B + (<usize>j << 2), ldbB, C + (<usize>j << 2), ldcB, bias ? bias + (<usize>j << 2) : 0, alpha, beta, 8);
    for (; j < N; j += 4) fewRowsBlock(3, 1, K, A, rs, ks, B + (<usize>j << 2), ldbB, C + (<usize>j << 2), ldcB, bias ? bias + (<usize>j << 2) : 0, alpha, beta, min(4, N - j));
  }
}

@inline function gemmPacked(M: i32, N: i32, K: i32, A: usize, lda: i32, packed: usize, bias: usize,
  C: usize, ldc: i32, ws: usize, transA: bool, alpha: f32, beta: f32, skipZeros: bool): void {
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2;
  const rs: usize = transA ? 4 : ldaB, ks: usize = transA ? ldaB : 4;
  const panel = <usize>K << 5;
  if (useNarrow(N, transA)) {
    gemmNarrow(M, N, K, A, rs, ks, transA, packed, packed + panel, 32, bias, C, ldcB, ws, alpha, beta);
    return;
  }
  // Columns per block: as many 8-column panels as fit NC_BYTES, at least one.
  const nc = max(NR, <i32>(NC_BYTES / max<usize>(panel, 1)) * NR);
  for (let jc = 0; jc < N; jc += nc) {
    const jEnd = min(N, jc + nc);
    for (let i = 0; i < M; i += MR) {
      const mr = min(MR, M - i);
      // kk: the k the tile runs over; list: their indices when some were left out, else 0.
      let kk = K, list: usize = 0;
      if (skipZeros) {
        kk = packASkip(K, A + <usize>i * rs, rs, ks, transA, mr, ws, ws + (<usize>K << 4));
        if (kk < K) list = ws + (<usize>K << 4);
      } else {
        packA(K, A + <usize>i * rs, rs, ks, transA, mr, ws);
      }
      const c = C + <usize>i * ldcB;
      for (let j = jc; j < jEnd; j += NR) {
        const b = packed + <usize>(j / NR) * panel;
        const bj = bias ? bias + (<usize>j << 2) : 0;
        const nr = min(NR, N - j);
        if (nr > 4) tile8(kk, ws, list, b, c + (<usize>j << 2), ldcB, mr, nr, bj, alpha, beta);
        else tile4(kk, ws, list, b, c + (<usize>j << 2), ldcB, mr, nr, bj, alpha, beta);
      }
    }
  }
}

// ---- exported kernels --------------------------------------------------------------------

/**
 * C (M x N, ldc) = alpha * op(A) * packedB + beta * C + bias, where `packedB` holds op(B) as
 * f32_gemm_pack_b wrote it and `bias` (N floats, or 0 for none) is added per column.
 * op(A) is M x K: A is M x K (transA = 0) or K x M (transA != 0) with leading dimension lda.
 * `scratch` holds f32_gemm_a_scratch_bytes(K) bytes. beta == 0 never reads C.
 * skipZeros != 0 (allowed only when f32_gemm_pack_b reported op(B) finite) leaves out, per
 * 4-row tile, every k where the tile's values of op(A) are all +0: the same bits, less work
 * on sparse inputs (MNIST pixels, ReLU outputs).
 * Rows of C are independent: a call on rows [r0, r1) (A and C offset to row r0) gives
 * the same bits as the whole call.
 */
export function f32_gemm_packed(M: i32, N: i32, K: i32, A: usize, lda: i32, packedB: usize, bias: usize,
  C: usize, ldc: i32, scratch: usize, transA: i32, alpha: f32, beta: f32, skipZeros: i32): void {
  if (transA) gemmPacked(M, N, K, A, lda, packedB, bias, C, ldc, scratch, true, alpha, beta, skipZeros != 0);
  else gemmPacked(M, N, K, A, lda, packedB, bias, C, ldc, scratch, false, alpha, beta, skipZeros != 0);
}

/**
 * C (M x N, ldc) = alpha * op(A) * B + beta * C + bias for M < 8 rows and a row-major B
 * (K x N, ldb) read in place, nothing packed and no workspace: the same bits as
 * f32_gemm_packed on the same rows. op(A) as in f32_gemm; `bias` N floats or 0.
 * M outside 1..7 writes nothing.
 */
export function f32_gemm_few_rows(M: i32, N: i32, K: i32, A: usize, lda: i32, transA: i32, B: usize, ldb: i32, bias: usize,
  C: usize, ldc: i32, alpha: f32, beta: f32): void {
  if (M <= 0 || M >= FEW_ROWS || N <= 0) return;
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  // Groups of three rows (two and two for four), each a gemmFewRows over all of C's columns.
  for (let r = 0; r < M;) {
    const n = M - r == 4 ? 2 : min(3, M - r);
    if (transA) gemmFewRows(n, N, K, A + (<usize>r << 2), 4, ldaB, B, ldbB, bias, C + <usize>r * ldcB, ldcB, alpha, beta);
    else gemmFewRows(n, N, K, A + <usize>r * ldaB, ldaB, 4, B, ldbB, bias, C + <usize>r * ldcB, ldcB, alpha, beta);
    r += n;
  }
}

/**
 * C (M x N, ldc) = alpha * op(A) * op(B) + beta * C. op(A) is M x K (A is K x M when transA),
 * op(B) is K x N (B is N x K when transB). `ws` holds f32_gemm_workspace(K, N) bytes of
 * scratch; `wsBytes` says how many were given, and with too few nothing is written (the
 * TypeScript side sizes it from f32_gemm_workspace). beta == 0 never reads C. C must not
 * overlap A, B or the workspace.
 */
export function f32_gemm(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32,
  C: usize, ldc: i32, ws: usize, wsBytes: usize, transA: i32, transB: i32, alpha: f32, beta: f32): void {
  if (M <= 0 || N <= 0 || wsBytes < f32_gemm_workspace(K, N)) return;
  if (!transB && M < FEW_ROWS) {
    // A few rows: B read in place (f32_gemm_few_rows), the same bits as packing it.
    f32_gemm_few_rows(M, N, K, A, lda, transA, B, ldb, 0, C, ldc, alpha, beta);
    return;
  }
  if (!transB && useNarrow(N, transA != 0)) {
    // Narrow C: B is read in place, nothing to pack (the same bits as the packed path).
    const ldbB = <usize>ldb << 2, ldaB = <usize>lda << 2;
    const ta = transA != 0;
    gemmNarrow(M, N, K, A, ta ? 4 : ldaB, ta ? ldaB : 4, ta, B, B + 32, ldbB, 0, C, <usize>ldc << 2, ws, alpha, beta);
    return;
  }
  const finite = f32_gemm_pack_b(K, N, B, ldb, ws, transB);
  f32_gemm_packed(M, N, K, A, lda, ws, 0, C, ldc, ws + f32_gemm_packed_b_bytes(K, N), transA, alpha, beta, finite);
}

/**
 * The engine's register-only f32x4 multiply-add throughput, for benchmarks: `iters`
 * iterations of twelve independent chains acc = acc * y + z (96 flops per iteration),
 * nothing loaded or stored. Each product depends on the previous sum, so no compiler can
 * hoist it; twelve chains cover the mul and add latencies. Returns a sum of the
 * accumulators so the work cannot be discarded; acc converges to z / (1 - y), no subnormals.
 */
export function f32_gemm_peak_probe(iters: i32, z: f32): f32 {
  const y = f32x4.splat(0.999), zv = f32x4.splat(z);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(1), a2 = f32x4.splat(2), a3 = f32x4.splat(3);
  let a4 = f32x4.splat(4), a5 = f32x4.splat(5), a6 = f32x4.splat(6), a7 = f32x4.splat(7);
  let a8 = f32x4.splat(8), a9 = f32x4.splat(9), a10 = f32x4.splat(10), a11 = f32x4.splat(11);
  for (let i = 0; i < iters; i++) {
    a0 = mulAdd(a0, y, zv); a1 = mulAdd(a1, y, zv);
    a2 = mulAdd(a2, y, zv); a3 = mulAdd(a3, y, zv);
    a4 = mulAdd(a4, y, zv); a5 = mulAdd(a5, y, zv);
    a6 = mulAdd(a6, y, zv); a7 = mulAdd(a7, y, zv);
    a8 = mulAdd(a8, y, zv); a9 = mulAdd(a9, y, zv);
    a10 = mulAdd(a10, y, zv); a11 = mulAdd(a11, y, zv);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(s, 0);
}
