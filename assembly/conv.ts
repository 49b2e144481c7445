// conv2d (NHWC, filter [kh, kw, cin, cout] as in tf.js) forward and backward, and 2-D
// max / average pooling, forward and backward.
//
// Method: direct convolution through an indirection table, not im2col + GEMM (and no GEMM
// kernel: sgemm lives in its own file). For a chunk of 64 tiles of 4 output pixels the kernel
// writes, into the caller's workspace, one table entry per tile and filter tap: the tap's
// filter offset, its channel count and 4 pixel offsets into the input (or NONE where the tap
// falls into the padding, which reads a row of zeros). A 4-pixel x 8-channel register tile
// then runs over the table: per input channel it broadcasts 4 input values and multiplies
// them by two vectors of the filter's contiguous output channels. This is XNNPACK's indirect
// GEMM without its packing. The channel block is the outer loop, so its filter slice stays
// in L1 across the chunk, and the chunk's table, built once, serves every image.
// Measured alternative: a chunked im2col (64 pixels' receptive fields gathered into an
// L1-sized patch, so a tile has one long entry instead of kh taps) was no faster on the
// benchmark shapes (2.1-2.3 ms against 2.05-2.2 ms for [32,32,32,3]x[3,3,3,32], 0.69-0.75
// against 0.65-0.68 ms for [32,28,28,1]x[3,3,1,32]): the copies cost what the shorter table
// saves. A full im2col would also write kh*kw copies of x (4.5 MB for [32,13,13,32] with a
// 3x3 filter) through the cache, so the direct form stays. Small images are the exception
// (src/ops/conv.ts, useIm2col): where one image's im2col block is at most 96 KB (64 KB for
// the filter gradient) and kh*kw*cin >= 64, f32_conv2d_im2col + sgemm run the forward pass
// and the unpadded filter gradient (as (dy^T * col)^T, f32_transpose), in the same order of
// adds (the slide-13 CNN's third layer, 3x3 outputs: 1.3x forward, 1.5-2.7x filter
// gradient; the 4-pixel tiles leave 3 of 12 slots empty there).
// The backward pass with respect to the input, for cin >= 4, is a GEMM and a gather (the
// caller, src/ops/conv.ts, runs dcol = dy * filter^T with sgemm; f32_conv2d_col2im sums each
// dx element's taps): every product is a real one (the 4x8 tile form it replaced multiplied
// the zero padding around dy and left tile slots empty at row ends: 7.7 -> 3.5 ms for
// [32,13,13,32]x[3,3,32,64], measured). For cin < 4 the GEMM would be too narrow (N = kh*kw*cin),
// so f32_conv2d_grad_input runs a table over dy (a gather too) whose dot4 tile puts the
// lanes on cout: a vector over so few input channels would be mostly empty. The filter gradient is a separate 4 (input channels) x 8 (output
// channels) tile that keeps its sums in registers over one image's pixels (for cin < 4 the
// 4 rows are a filter row's flattened (kx, ci) rows instead); behind a max pool it runs over
// lists of the pixels where dy is nonzero (see "skipping dy's zero pixels").
//
// Reduction order (fixed; every output element is one sequential chain of f32 adds, no
// FMA, so its bits do not depend on which tile, row block or thread computes it):
//   conv2d         y = (0 + sum over ky asc, kx asc, ci asc of x*w) + bias. A tap in the
//                  zero padding adds 0*w like any other tap.
//   grad input     cin >= 4: dx = 0 + sum over ky asc, kx asc (taps that reach an output
//                  pixel inside dy) of (0 + sum over co asc of dy*w), the inner sums being
//                  sgemm's. cin < 4: dx = (s0 + s1) + (s2 + s3), s_l = 0 + sum over ky asc,
//                  kx asc (taps a stride reaches), co = l mod 4 asc of dy*w; a tap whose dy
//                  row lies outside dy is skipped, one whose dy column lies outside adds 0*w.
//   grad filter    df = 0 + sum over n asc, oy asc, ox asc of x*dy over the pixels where
//                  the tap is inside the input (padding taps are skipped). This sum is never
//                  split: threads split df by (tap, 8 output channels) units instead.
//   max pool       the first maximum in window order (ky asc, kx asc) on ties; a NaN beats
//                  every number (the first NaN wins); padding never takes part.
//   avg pool       y = (0 + sum over ky asc, kx asc of valid x) / count (padding excluded).
//   pool grads     gathers: dx = 0 + sum over the windows containing the element, oy asc,
//                  ox asc, of dy (max: where the window's argmax is this element;
//                  avg: dy / count).
// For finite values an added 0*w and a skipped tap give the same bits; with an Inf or NaN
// weight the padding taps make the forward output NaN, as a dense product would.
//
// Memory past an array's end is readable (the allocator pads every block by one vector):
// channel tails are computed in full vectors and only their valid lanes are stored.

import { storeTail } from './math';
import { f32_first_non_finite } from './checks';
import { madd } from './madd';

const ZERO: v128 = f32x4.splat(0);

// ---- the indirection table ------------------------------------------------------------
// One tile: i32 words [ntaps, npix, out, ostride], then per tap [woff, kc, p0, p1, p2, p3].
// out is the first output pixel's address, ostride the bytes between the tile's pixels,
// woff the tap's byte offset into the filter, kc its number of reduced channels and p0..p3
// the reduced rows of the 4 pixels. out and p0..p3 are offsets from base addresses the
// tile functions take (the forward pass reuses one table for every image of the batch),
// and a p of -1 (NONE) stands for the zero row. The forward pass merges the kw taps of a
// filter row into one entry of kw*cin channels where the 4 pixels' windows lie inside the
// input row (x and the filter are both contiguous over (kx, ci) there): the same products
// in the same order, fewer entries.
const HDR: i32 = 4;
const TAP: i32 = 6;
const NONE: u32 = 0xFFFFFFFF;

/** The address an entry's pixel offset names: the zero row for NONE. */
@inline function rowAt(off: u32, base: usize, zrow: usize): usize { return off == NONE ? zrow : base + <usize>off; }

@inline function tileBytes(taps: i32): i32 { return (HDR + TAP * taps) << 2; }
@inline function align16(bytes: i32): i32 { return (bytes + 15) & ~15; }
@inline function min32(a: i32, b: i32): i32 { return a < b ? a : b; }
@inline function max32(a: i32, b: i32): i32 { return a > b ? a : b; }
/** floor(a / b) for b > 0 and any sign of a. */
@inline function floorDiv(a: i32, b: i32): i32 { return a >= 0 ? a / b : -((-a + b - 1) / b); }
/** ceil(a / b) for b > 0 and any sign of a. */
@inline function ceilDiv(a: i32, b: i32): i32 { return -floorDiv(-a, b); }

/** acc + a*b: unfused in the default build, f32x4.relaxed_madd in the relaxed one (madd.ts). */
@inline function addMul(acc: v128, a: v128, b: v128): v128 { return madd(acc, a, b); }

/** Stores `lanes` (1..8) channels of a0|a1 at o. */
@inline function store8(o: usize, a0: v128, a1: v128, lanes: i32): void {
  v128.store(o, a0);
  if (lanes == 8) v128.store(o, a1, 16); else storeTail(o + 16, a1, lanes - 4);
}
/** Stores `lanes` (1..4) channels of a at o. */
@inline function store4(o: usize, a: v128, lanes: i32): void {
  if (lanes == 4) v128.store(o, a); else storeTail(o, a, lanes);
}

/**
 * One tile of 4 pixels x 8 channels: sums over the tile's taps and their reduced channels
 * (filter rows `wrow` bytes apart, starting at w + woff), adds b0|b1, and stores `lanes`
 * (5..8) channels at byte offset `ob` of each of the tile's pixels.
 */
@inline function tile4x8(t: usize, wrow: usize, w: usize, b0: v128, b1: v128, ob: usize, lanes: i32, xb: usize, yb: usize, zrow: usize): void {
  const ntaps = load<i32>(t);
  let a00 = ZERO, a01 = ZERO, a10 = ZERO, a11 = ZERO, a20 = ZERO, a21 = ZERO, a30 = ZERO, a31 = ZERO;
  let e = t + (HDR << 2);
  for (let k = 0; k < ntaps; k++) {
    let wp = w + <usize>load<u32>(e);
    const kc = load<i32>(e, 4);
    const p0 = rowAt(load<u32>(e, 8), xb, zrow), p1 = rowAt(load<u32>(e, 12), xb, zrow);
    const p2 = rowAt(load<u32>(e, 16), xb, zrow), p3 = rowAt(load<u32>(e, 20), xb, zrow);
    const end = <usize>kc << 2;
    for (let o: usize = 0; o < end; o += 4) {
      const w0 = v128.load(wp), w1 = v128.load(wp, 16);
      const x0 = v128.load32_splat(p0 + o), x1 = v128.load32_splat(p1 + o);
      a00 = addMul(a00, x0, w0); a01 = addMul(a01, x0, w1);
      a10 = addMul(a10, x1, w0); a11 = addMul(a11, x1, w1);
      const x2 = v128.load32_splat(p2 + o), x3 = v128.load32_splat(p3 + o);
      a20 = addMul(a20, x2, w0); a21 = addMul(a21, x2, w1);
      a30 = addMul(a30, x3, w0); a31 = addMul(a31, x3, w1);
      wp += wrow;
    }
    e += TAP << 2;
  }
  const npix = load<i32>(t, 4);
  const os = <usize>load<u32>(t, 12);
  const o = yb + <usize>load<u32>(t, 8) + ob;
  store8(o, f32x4.add(a00, b0), f32x4.add(a01, b1), lanes);
  if (npix > 1) store8(o + os, f32x4.add(a10, b0), f32x4.add(a11, b1), lanes);
  if (npix > 2) store8(o + 2 * os, f32x4.add(a20, b0), f32x4.add(a21, b1), lanes);
  if (npix > 3) store8(o + 3 * os, f32x4.add(a30, b0), f32x4.add(a31, b1), lanes);
}

/** tile4x8 for the last 1..4 channels. */
@inline function tile4x4(t: usize, wrow: usize, w: usize, b0: v128, ob: usize, lanes: i32, xb: usize, yb: usize, zrow: usize): void {
  const ntaps = load<i32>(t);
  let a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
  let e = t + (HDR << 2);
  for (let k = 0; k < ntaps; k++) {
    let wp = w + <usize>load<u32>(e);
    const kc = load<i32>(e, 4);
    const p0 = rowAt(load<u32>(e, 8), xb, zrow), p1 = rowAt(load<u32>(e, 12), xb, zrow);
    const p2 = rowAt(load<u32>(e, 16), xb, zrow), p3 = rowAt(load<u32>(e, 20), xb, zrow);
    const end = <usize>kc << 2;
    for (let o: usize = 0; o < end; o += 4) {
      const w0 = v128.load(wp);
      a0 = addMul(a0, v128.load32_splat(p0 + o), w0);
      a1 = addMul(a1, v128.load32_splat(p1 + o), w0);
      a2 = addMul(a2, v128.load32_splat(p2 + o), w0);
      a3 = addMul(a3, v128.load32_splat(p3 + o), w0);
      wp += wrow;
    }
    e += TAP << 2;
  }
  const npix = load<i32>(t, 4);
  const os = <usize>load<u32>(t, 12);
  const o = yb + <usize>load<u32>(t, 8) + ob;
  store4(o, f32x4.add(a0, b0), lanes);
  if (npix > 1) store4(o + os, f32x4.add(a1, b0), lanes);
  if (npix > 2) store4(o + 2 * os, f32x4.add(a2, b0), lanes);
  if (npix > 3) store4(o + 3 * os, f32x4.add(a3, b0), lanes);
}

/**
 * Runs `ntiles` tiles of a table over `nout` output channels in blocks of 8: the channel
 * block is the outer loop so its filter slice stays in L1 across the row's tiles.
 */
function runTiles(ntiles: i32, tab: usize, tstride: usize, wrow: usize, w: usize, bias: usize, nout: i32,
  xb: usize, yb: usize, zrow: usize): void {
  for (let co = 0; co < nout; co += 8) {
    const rem = nout - co;
    const ob = <usize>co << 2;
    const b0 = bias != 0 ? v128.load(bias + ob) : ZERO;
    if (rem > 4) {
      const b1 = bias != 0 ? v128.load(bias + ob, 16) : ZERO;
      const lanes = min32(rem, 8);
      for (let i = 0; i < ntiles; i++) tile4x8(tab + <usize>i * tstride, wrow, w + ob, b0, b1, ob, lanes, xb, yb, zrow);
    } else {
      for (let i = 0; i < ntiles; i++) tile4x4(tab + <usize>i * tstride, wrow, w + ob, b0, ob, rem, xb, yb, zrow);
    }
  }
}

/** Lane mask for the first `rem` lanes (rem in 0..4). */
@inline function laneMask(rem: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem)); }

/** ((a0 + a1) + (a2 + a3)): the fixed order in which dot4 folds its lanes. */
@inline function hsum(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

/**
 * For fewer than 4 output channels, where a channel vector would be mostly empty: one
 * output channel of a tile's 4 pixels, with the lanes running over the reduced channels
 * (filter row at w + woff, contiguous over them) and folded by hsum at the end.
 */
function dot4(t: usize, w: usize, ob: usize): void {
  const ntaps = load<i32>(t);
  let a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
  let e = t + (HDR << 2);
  for (let k = 0; k < ntaps; k++) {
    const wp = w + <usize>load<u32>(e);
    const kc = load<i32>(e, 4);
    const p0 = <usize>load<u32>(e, 8), p1 = <usize>load<u32>(e, 12);
    const p2 = <usize>load<u32>(e, 16), p3 = <usize>load<u32>(e, 20);
    const body = <usize>(kc & ~3) << 2;
    let o: usize = 0;
    for (; o < body; o += 16) {
      const wv = v128.load(wp + o);
      a0 = addMul(a0, v128.load(p0 + o), wv);
      a1 = addMul(a1, v128.load(p1 + o), wv);
      a2 = addMul(a2, v128.load(p2 + o), wv);
      a3 = addMul(a3, v128.load(p3 + o), wv);
    }
    if ((kc & 3) != 0) {
      // lanes past kc read the next row (or the padding): their products become +0
      const m = laneMask(kc & 3);
      const wv = v128.load(wp + o);
      a0 = f32x4.add(a0, v128.and(f32x4.mul(v128.load(p0 + o), wv), m));
      a1 = f32x4.add(a1, v128.and(f32x4.mul(v128.load(p1 + o), wv), m));
      a2 = f32x4.add(a2, v128.and(f32x4.mul(v128.load(p2 + o), wv), m));
      a3 = f32x4.add(a3, v128.and(f32x4.mul(v128.load(p3 + o), wv), m));
    }
    e += TAP << 2;
  }
  const npix = load<i32>(t, 4);
  const os = <usize>load<u32>(t, 12);
  const out = <usize>load<u32>(t, 8) + ob;
  store<f32>(out, hsum(a0));
  if (npix > 1) store<f32>(out + os, hsum(a1));
  if (npix > 2) store<f32>(out + 2 * os, hsum(a2));
  if (npix > 3) store<f32>(out + 3 * os, hsum(a3));
}

// ---- conv2d forward ---------------------------------------------------------------------

/** Tiles whose tables are built at once: enough that the filter slice of a channel block is reused, few enough to stay in L1. */
const CHUNK: i32 = 64;

/** Workspace bytes f32_conv2d needs: a zero row of kw*cin (+4) floats, 4 pixels' coordinates, CHUNK tiles' tables. */
export function conv2d_workspace_bytes(cin: i32, kh: i32, kw: i32): i32 {
  return align16((kw * cin + 4) << 2) + 32 + CHUNK * tileBytes(kh * kw);
}

/**
 * y[n, oy, ox, co] = sum x[n, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, ci] * f[ky, kx, ci, co]
 * + bias[co]. x is [n, h, w, cin], f [kh, kw, cin, cout], y [n, oh, ow, cout]; bias may be 0
 * (none). work: conv2d_workspace_bytes(cin, kh, kw) bytes, overwritten.
 * Preconditions (checked by the caller): sizes >= 1, oh/ow/pt/pl consistent with the padding.
 * A tile is 4 consecutive output pixels of an image's flattened [oh * ow] pixels (y is
 * contiguous over them, so rows do not leave tiles part-empty). A chunk of tiles' table
 * holds offsets within one image and serves every image of the batch.
 */
export function f32_conv2d(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, kh: i32, kw: i32,
  x: usize, f: usize, bias: usize, y: usize, work: usize,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32): void {
  const zrow = work;
  memory.fill(zrow, 0, <usize>(kw * cin + 4) << 2);
  // per tile pixel j: [iy of ky = 0, ix of kx = 0] at px + 8 j
  const px = work + <usize>align16((kw * cin + 4) << 2);
  const tab = px + 32;
  const tstride = <usize>tileBytes(kh * kw);
  const pix = <usize>cin << 2;
  const ybytes = <usize>cout << 2;
  const plane = oh * ow, tiles = (plane + 3) >> 2;
  for (let t0 = 0; t0 < tiles; t0 += CHUNK) {
    const nt = min32(CHUNK, tiles - t0);
    for (let ti = 0; ti < nt; ti++) {
      const q = (t0 + ti) << 2;
      const npix = min32(4, plane - q);
      const t = tab + <usize>ti * tstride;
      store<i32>(t, npix, 4);
      store<u32>(t, <u32>(<usize>q * ybytes), 8);
      store<u32>(t, <u32>ybytes, 12);
      for (let j = 0; j < 4; j++) {
        const pj = px + (<usize>j << 3);
        const oy = (q + j) / ow, ox = q + j - oy * ow;
        // a missing pixel (j >= npix) reads the zero row; its sums are not stored
        store<i32>(pj, j < npix ? oy * sh - pt : h);
        store<i32>(pj, ox * sw - pl, 4);
      }
      let e = t + (HDR << 2);
      let ntaps = 0;
      for (let ky = 0; ky < kh; ky++) {
        let merge = dw == 1 && kw > 1;
        for (let j = 0; j < npix; j++) {
          const pj = px + (<usize>j << 3);
          const iy = load<i32>(pj) + ky * dh, ix = load<i32>(pj, 4);
          if (iy >= 0 && iy < h && (ix < 0 || ix + kw > w)) merge = false;
        }
        const kxs = merge ? 1 : kw;
        for (let kx = 0; kx < kxs; kx++) {
          store<u32>(e, <u32>((ky * kw + kx) * cin) * <u32>ybytes);
          store<i32>(e, merge ? kw * cin : cin, 4);
          for (let j = 0; j < 4; j++) {
            const pj = px + (<usize>j << 3);
            const iy = load<i32>(pj) + ky * dh, ix = load<i32>(pj, 4) + kx * dw;
            const ok = iy >= 0 && iy < h && ix >= 0 && ix < w;
            store<u32>(e + (<usize>(j + 2) << 2), ok ? <u32>(<usize>(iy * w + ix) * pix) : NONE);
          }
          e += TAP << 2;
          ntaps++;
        }
      }
      store<i32>(t, ntaps);
    }
    for (let b = 0; b < n; b++) {
      runTiles(nt, tab, tstride, ybytes, f, bias, cout, x + <usize>(b * h * w) * pix, y + <usize>(b * plane) * ybytes, zrow);
    }
  }
}

// ---- im2col, for convolutions over small images -----------------------------------------

/**
 * col[r][(ky * kw + kx) * cin + ci] = x[b, oy * sh - pt + ky * dh, ox * sw - pl + kx * dw, ci]
 * for the output pixel r = ((b - b0) * oh + oy) * ow + ox of images [b0, b0 + n), or 0 where
 * the tap falls into the padding: each row is one output pixel's receptive field in the
 * filter's own (ky, kx, ci) order, so col * filter (sgemm, K in that order) adds the same
 * products in the same order as f32_conv2d, and dy^T * col (the filter gradient, transposed)
 * sums in f32_conv2d_grad_filter's (n, oy, ox) order. Where a filter row's kw taps lie inside the input row and dw = 1, they
 * are one contiguous copy.
 */
export function f32_conv2d_im2col(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  x: usize, col: usize, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, b0: i32): void {
  const pix = <usize>cin << 2;
  let d = col;
  for (let b = b0; b < b0 + n; b++) {
    const xb = x + <usize>(b * h) * <usize>w * pix;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky * dh;
          if (iy < 0 || iy >= h) {
            memory.fill(d, 0, <usize>kw * pix);
            d += <usize>kw * pix;
            continue;
          }
          const row = xb + <usize>(iy * w) * pix;
          if (dw == 1 && ix0 >= 0 && ix0 + kw <= w) {
            memory.copy(d, row + <usize>ix0 * pix, <usize>kw * pix);
            d += <usize>kw * pix;
            continue;
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (ix >= 0 && ix < w) memory.copy(d, row + <usize>ix * pix, pix);
            else memory.fill(d, 0, pix);
            d += pix;
          }
        }
      }
    }
  }
}

/**
 * dst (cols x rows) = src (rows x cols)^T, both row-major and contiguous: 4 x 4 blocks
 * through registers, the edges element by element. (The im2col filter gradient computes
 * df^T = dy^T * col, whose sgemm leaves out dy's zero pixels, and turns it round here.)
 */
export function f32_transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  const sr = <usize>cols << 2, dr = <usize>rows << 2;
  const r4 = rows & ~3, c4 = cols & ~3;
  for (let i = 0; i < r4; i += 4) {
    const s = src + <usize>i * sr;
    for (let j = 0; j < c4; j += 4) {
      const a = s + (<usize>j << 2);
      const v0 = v128.load(a), v1 = v128.load(a + sr), v2 = v128.load(a + 2 * sr), v3 = v128.load(a + 3 * sr);
      const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
      const d = dst + <usize>j * dr + (<usize>i << 2);
      v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d + dr, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(d + 2 * dr, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(d + 3 * dr, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (let j = c4; j < cols; j++) {
      for (let q = 0; q < 4; q++) store<f32>(dst + <usize>j * dr + (<usize>(i + q) << 2), load<f32>(src + <usize>(i + q) * sr + (<usize>j << 2)));
    }
  }
  for (let i = r4; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>j * dr + (<usize>i << 2), load<f32>(src + <usize>i * sr + (<usize>j << 2)));
  }
}

// ---- conv2d backward with respect to the input ------------------------------------------

/** Workspace bytes f32_conv2d_grad_input needs: a zero row of cout (+4) floats and one row's table (cin is unused: kept for the callers' signature). */
export function conv2d_grad_input_workspace_bytes(cin: i32, w: i32, cout: i32, kh: i32, kw: i32, sw: i32): i32 {
  return align16((cout + 4) << 2) + (((w + 3) >> 2) + min32(sw, w)) * tileBytes(kh * kw);
}

/**
 * dx[n, iy, ix, ci] = sum over (ky, kx, co) with iy = oy*sh - pt + ky*dh, ix = ox*sw - pl + kx*dw
 * of dy[n, oy, ox, co] * f[ky, kx, ci, co]. dy is [n, oh, ow, cout], dx [n, h, w, cin].
 * work: conv2d_grad_input_workspace_bytes(cin, w, cout, kh, kw, sw) bytes, overwritten.
 * Input pixels are tiled by residue class ix = r + sw*t, so the 4 pixels of a tile share
 * their set of reachable taps and read 4 consecutive dy pixels. The filter is used as it
 * is, by dot4 (lanes over cout), and the sum order is the one dot4 documents. Meant for
 * cin < 4 (correct for any cin): from 4 input channels src/ops/conv.ts takes the GEMM path
 * (f32_conv2d_col2im), which is several times faster there.
 */
export function f32_conv2d_grad_input(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, kh: i32, kw: i32,
  dy: usize, f: usize, dx: usize, work: usize,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32): void {
  const taps = kh * kw;
  const zrow = work;
  memory.fill(zrow, 0, <usize>(cout + 4) << 2);
  const tab = zrow + <usize>align16((cout + 4) << 2);
  const tstride = <usize>tileBytes(taps);
  const pix = <usize>cout << 2;
  const xbytes = <usize>cin << 2;
  const classes = min32(sw, w);
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      let nt = 0;
      for (let r = 0; r < classes; r++) {
        const cnt = (w - r + sw - 1) / sw;
        for (let t0 = 0; t0 < cnt; t0 += 4) {
          const npix = min32(4, cnt - t0);
          const t = tab + <usize>nt * tstride;
          nt++;
          store<i32>(t, npix, 4);
          store<u32>(t, <u32>(dx + <usize>((b * h + iy) * w + r + sw * t0) * xbytes), 8);
          store<u32>(t, <u32>(<usize>sw * xbytes), 12);
          let ntaps = 0;
          let e = t + (HDR << 2);
          for (let ky = 0; ky < kh; ky++) {
            const q = iy + pt - ky * dh;
            if (q % sh != 0) continue;
            const oy = q / sh;
            // a dy row outside dy is skipped (all 4 pixels share it); a column outside adds 0*w
            if (oy < 0 || oy >= oh) continue;
            const row = dy + <usize>((b * oh + oy) * ow) * pix;
            for (let kx = 0; kx < kw; kx++) {
              const qx = r + pl - kx * dw;
              if (qx % sw != 0) continue;
              const ox0 = qx / sw + t0;
              store<u32>(e, <u32>((ky * kw + kx) * cout) * <u32>xbytes);
              store<i32>(e, cout, 4);
              for (let j = 0; j < 4; j++) {
                const ox = ox0 + j;
                const ok = j < npix && ox >= 0 && ox < ow;
                store<u32>(e + (<usize>(j + 2) << 2), <u32>(ok ? row + <usize>ox * pix : zrow));
              }
              e += TAP << 2;
              ntaps++;
            }
          }
          store<i32>(t, ntaps);
        }
      }
      for (let ci = 0; ci < cin; ci++) {
        for (let i = 0; i < nt; i++) dot4(tab + <usize>i * tstride, f + <usize>ci * pix, <usize>ci << 2);
      }
    }
  }
}

/**
 * The input gradient's second half when it goes through a GEMM (the caller computes
 * dcol = dy * filter^T, [n, oh, ow, kh*kw*cin]): dx[b, iy, ix, ci] = 0 + the sum, over the
 * taps (ky asc, kx asc) that reach (iy, ix) from an output pixel (oy, ox) inside dy, of
 * dcol[b, oy, ox, (ky*kw + kx)*cin + ci]. A gather: every dx element is written by one call.
 * Images [b0, b0 + n), with dcol and dx pointing at image 0.
 */
export function f32_conv2d_col2im(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  dcol: usize, dx: usize, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, b0: i32): void {
  const taps = <usize>(kh * kw * cin) << 2;
  const body = cin & ~3, rem = cin & 3;
  for (let b = b0; b < b0 + n; b++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        const d = dx + (<usize>(((b * h + iy) * w + ix) * cin) << 2);
        // dx's pixel holds the running sums: 0, then each reachable tap's column in order
        memory.fill(d, 0, <usize>cin << 2);
        for (let ky = 0; ky < kh; ky++) {
          const qy = iy + pt - ky * dh;
          if (qy < 0 || qy % sh != 0) continue;
          const oy = qy / sh;
          if (oy >= oh) continue;
          for (let kx = 0; kx < kw; kx++) {
            const qx = ix + pl - kx * dw;
            if (qx < 0 || qx % sw != 0) continue;
            const ox = qx / sw;
            if (ox >= ow) continue;
            const src = dcol + <usize>((b * oh + oy) * ow + ox) * taps + (<usize>((ky * kw + kx) * cin) << 2);
            let c = 0;
            for (; c < body; c += 4) {
              const o = <usize>c << 2;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(src + o)));
            }
            if (rem != 0) {
              const o = <usize>c << 2;
              storeTail(d + o, f32x4.add(v128.load(d + o), v128.load(src + o)), rem);
            }
          }
        }
      }
    }
  }
}

// ---- conv2d backward with respect to the filter -----------------------------------------

/**
 * A 4 (input channels, `crows` of them valid) x 8 (output channels, `lanes` valid) block of
 * the filter gradient at fp, accumulated over `rows` x `cols` pixels of one image (x from xb,
 * dy from db, with the given row and pixel strides) on top of the values already there: the
 * sums of the earlier images, so the order is that of one long chain.
 */
/**
 * Rows of at least this many pixels splat x with load32_splat (a load-port operation);
 * shorter rows with shuffles of one loaded vector. On Zen 4 under V8 the shuffles share the
 * two vector pipes with the multiplies and adds (20 pipe operations per pixel instead of 16):
 * the splat loads made [32,13,13,32]x[3,3,32,64] and [32,28,28,1]x[3,3,1,32] 1.12-1.15x
 * faster, but 3-pixel rows ([32,5,5,64]) 0.91-0.93x, so those keep the shuffles (same bits).
 */
const SPLAT_LOAD_COLS: i32 = 8;

function gradTile4x8(xb: usize, xrow: usize, xpix: usize, db: usize, drow: usize, dpix: usize,
  rows: i32, cols: i32, fp: usize, frow: usize, crows: i32, lanes: i32): void {
  let a00 = v128.load(fp), a01 = v128.load(fp, 16);
  let a10 = crows > 1 ? v128.load(fp + frow) : ZERO, a11 = crows > 1 ? v128.load(fp + frow, 16) : ZERO;
  let a20 = crows > 2 ? v128.load(fp + 2 * frow) : ZERO, a21 = crows > 2 ? v128.load(fp + 2 * frow, 16) : ZERO;
  let a30 = crows > 3 ? v128.load(fp + 3 * frow) : ZERO, a31 = crows > 3 ? v128.load(fp + 3 * frow, 16) : ZERO;
  if (cols >= SPLAT_LOAD_COLS) {
    for (let i = 0; i < rows; i++) {
      let xp = xb + <usize>i * xrow, dp = db + <usize>i * drow;
      for (let j = 0; j < cols; j++) {
        const d0 = v128.load(dp), d1 = v128.load(dp, 16);
        const s0 = v128.load32_splat(xp), s1 = v128.load32_splat(xp, 4);
        a00 = addMul(a00, s0, d0); a01 = addMul(a01, s0, d1);
        a10 = addMul(a10, s1, d0); a11 = addMul(a11, s1, d1);
        const s2 = v128.load32_splat(xp, 8), s3 = v128.load32_splat(xp, 12);
        a20 = addMul(a20, s2, d0); a21 = addMul(a21, s2, d1);
        a30 = addMul(a30, s3, d0); a31 = addMul(a31, s3, d1);
        xp += xpix; dp += dpix;
      }
    }
  } else {
    for (let i = 0; i < rows; i++) {
      let xp = xb + <usize>i * xrow, dp = db + <usize>i * drow;
      for (let j = 0; j < cols; j++) {
        const xv = v128.load(xp);
        const d0 = v128.load(dp), d1 = v128.load(dp, 16);
        const s0 = i32x4.shuffle(xv, xv, 0, 0, 0, 0), s1 = i32x4.shuffle(xv, xv, 1, 1, 1, 1);
        a00 = addMul(a00, s0, d0); a01 = addMul(a01, s0, d1);
        a10 = addMul(a10, s1, d0); a11 = addMul(a11, s1, d1);
        const s2 = i32x4.shuffle(xv, xv, 2, 2, 2, 2), s3 = i32x4.shuffle(xv, xv, 3, 3, 3, 3);
        a20 = addMul(a20, s2, d0); a21 = addMul(a21, s2, d1);
        a30 = addMul(a30, s3, d0); a31 = addMul(a31, s3, d1);
        xp += xpix; dp += dpix;
      }
    }
  }
  store8(fp, a00, a01, lanes);
  if (crows > 1) store8(fp + frow, a10, a11, lanes);
  if (crows > 2) store8(fp + 2 * frow, a20, a21, lanes);
  if (crows > 3) store8(fp + 3 * frow, a30, a31, lanes);
}

/** gradTile4x8 for the last 1..4 output channels. */
function gradTile4x4(xb: usize, xrow: usize, xpix: usize, db: usize, drow: usize, dpix: usize,
  rows: i32, cols: i32, fp: usize, frow: usize, crows: i32, lanes: i32): void {
  let a0 = v128.load(fp);
  let a1 = crows > 1 ? v128.load(fp + frow) : ZERO;
  let a2 = crows > 2 ? v128.load(fp + 2 * frow) : ZERO;
  let a3 = crows > 3 ? v128.load(fp + 3 * frow) : ZERO;
  for (let i = 0; i < rows; i++) {
    let xp = xb + <usize>i * xrow, dp = db + <usize>i * drow;
    for (let j = 0; j < cols; j++) {
      const d0 = v128.load(dp);
      a0 = addMul(a0, v128.load32_splat(xp), d0);
      a1 = addMul(a1, v128.load32_splat(xp, 4), d0);
      a2 = addMul(a2, v128.load32_splat(xp, 8), d0);
      a3 = addMul(a3, v128.load32_splat(xp, 12), d0);
      xp += xpix; dp += dpix;
    }
  }
  store4(fp, a0, lanes);
  if (crows > 1) store4(fp + frow, a1, lanes);
  if (crows > 2) store4(fp + 2 * frow, a2, lanes);
  if (crows > 3) store4(fp + 3 * frow, a3, lanes);
}

// ---- skipping dy's zero pixels ------------------------------------------------------------
// Behind a max pool most of dy is zero, and whole pixels of a block of 8 output channels
// with it (after one epoch of the slide-13 CNN: 46% of conv2's and 57% of conv1's 8-channel
// pixel rows; one window position in four takes each channel's gradient, and neighbouring
// channels tend to pick the same one). For each image, each block of 8 output channels gets
// a list of the pixels where dy has a nonzero lane; a tap whose valid pixels are the whole
// output then runs its tiles over the list only.
// Same bits: a skipped term is x * (+-0) = +-0 for a finite x, and adding +-0 leaves a sum
// unchanged unless the sum is -0, which these sums never are (they start at +0, and +0 plus
// -0, like x + (-x), is +0 when rounding to nearest). An image of x holding a NaN or an
// Infinity (0 * Inf is NaN) takes the full tiles.

/** Bytes of workspace per thread for the lists: per 8-channel block, a count and two words per pixel. */
export function f32_conv2d_grad_filter_ws_bytes(oh: i32, ow: i32, cout: i32): usize {
  return <usize>((cout + 7) >> 3) * listBytes(oh, ow);
}
@inline function listBytes(oh: i32, ow: i32): usize { return (<usize>(1 + 2 * oh * ow)) << 2; }

/**
 * For image b and blocks q in [q0, q1) of 8 output channels, writes at ws + q * listBytes the
 * number of pixels (oy, ox) where dy[b, oy, ox, 8q .. 8q + 7] has a nonzero (or NaN) lane, then
 * per such pixel, in (oy, ox) order, its x offset (oy*sh*w + ox*sw) * cin * 4 and its dy
 * offset (oy*ow + ox) * cout * 4. A last block of 1..4 channels reads one vector, of 5..7
 * two (at most 12 bytes past dy's end); lanes past cout only make a pixel count as nonzero.
 * Returns how many of the lists skip enough to be used (worthSkipping).
 */
function buildPixelLists(b: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, sh: i32, sw: i32,
  dy: usize, ws: usize, q0: i32, q1: i32): i32 {
  let worth = 0;
  const frow = <usize>cout << 2;
  const lb = listBytes(oh, ow);
  const zero = f32x4.splat(0);
  for (let q = q0; q < q1; q++) {
    const two = cout - (q << 3) > 4;
    const list = ws + <usize>q * lb;
    let e = list + 4;
    let dp = dy + <usize>(b * oh * ow) * frow + (<usize>q << 5);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let nz = f32x4.ne(v128.load(dp), zero);
        if (two) nz = v128.or(nz, f32x4.ne(v128.load(dp, 16), zero));
        // written always, kept (e advanced) only where some lane is nonzero: no branch to mispredict
        store<u32>(e, <u32>((oy * sh * w + ox * sw) * cin) << 2);
        store<u32>(e, <u32>(oy * ow + ox) * <u32>frow, 4);
        e += <usize>(<i32>v128.any_true(nz)) << 3;
        dp += frow;
      }
    }
    const count = <i32>((e - list - 4) >> 3);
    store<i32>(list, count);
    if (worthSkipping(count, oh * ow)) worth++;
  }
  return worth;
}

/**
 * Lists pay off only when each serves many tile calls: a list costs about a tile call's
 * work to build (one pass over the block's dy) and one image of x is scanned for NaN and
 * Infinity. Measured: with 9 taps x 8 input-channel blocks per list ([32,13,13,32] x
 * [3,3,32,64]) the filter gradient ran 1.7-1.8x faster behind a max pool; with 3 per list
 * (cin = 1, the flattened path) 0.93x, so below MIN_REUSE calls per list the full tiles run.
 * A call also stops building lists after LIST_TRIES images in which no block had enough
 * zero pixels (0.90x on [32,5,5,64] x [3,3,64,64], whose dy had only scattered zeros, when
 * it built them for every image).
 */
const MIN_REUSE: i32 = 16;
const LIST_TRIES: i32 = 2;

/** Whether a list of `count` pixels out of `total` skips enough (an eighth) to beat the full tile. */
@inline function worthSkipping(count: i32, total: i32): bool { return count <= total - (total >> 3); }

/** gradTile4x8 over a pixel list: x at xo + each x offset, dy at db + each dy offset. */
function gradListTile4x8(xo: usize, db: usize, list: usize, fp: usize, frow: usize, crows: i32, lanes: i32): void {
  const count = load<i32>(list);
  if (count == 0) return;
  let a00 = v128.load(fp), a01 = v128.load(fp, 16);
  let a10 = crows > 1 ? v128.load(fp + frow) : ZERO, a11 = crows > 1 ? v128.load(fp + frow, 16) : ZERO;
  let a20 = crows > 2 ? v128.load(fp + 2 * frow) : ZERO, a21 = crows > 2 ? v128.load(fp + 2 * frow, 16) : ZERO;
  let a30 = crows > 3 ? v128.load(fp + 3 * frow) : ZERO, a31 = crows > 3 ? v128.load(fp + 3 * frow, 16) : ZERO;
  let e = list + 4;
  const end = e + (<usize>count << 3);
  for (; e < end; e += 8) {
    const xp = xo + <usize>load<u32>(e), dp = db + <usize>load<u32>(e, 4);
    const d0 = v128.load(dp), d1 = v128.load(dp, 16);
    const s0 = v128.load32_splat(xp), s1 = v128.load32_splat(xp, 4);
    a00 = addMul(a00, s0, d0); a01 = addMul(a01, s0, d1);
    a10 = addMul(a10, s1, d0); a11 = addMul(a11, s1, d1);
    const s2 = v128.load32_splat(xp, 8), s3 = v128.load32_splat(xp, 12);
    a20 = addMul(a20, s2, d0); a21 = addMul(a21, s2, d1);
    a30 = addMul(a30, s3, d0); a31 = addMul(a31, s3, d1);
  }
  store8(fp, a00, a01, lanes);
  if (crows > 1) store8(fp + frow, a10, a11, lanes);
  if (crows > 2) store8(fp + 2 * frow, a20, a21, lanes);
  if (crows > 3) store8(fp + 3 * frow, a30, a31, lanes);
}

/** gradListTile4x8 for the last 1..4 output channels. */
function gradListTile4x4(xo: usize, db: usize, list: usize, fp: usize, frow: usize, crows: i32, lanes: i32): void {
  const count = load<i32>(list);
  if (count == 0) return;
  let a0 = v128.load(fp);
  let a1 = crows > 1 ? v128.load(fp + frow) : ZERO;
  let a2 = crows > 2 ? v128.load(fp + 2 * frow) : ZERO;
  let a3 = crows > 3 ? v128.load(fp + 3 * frow) : ZERO;
  let e = list + 4;
  const end = e + (<usize>count << 3);
  for (; e < end; e += 8) {
    const xp = xo + <usize>load<u32>(e);
    const d0 = v128.load(db + <usize>load<u32>(e, 4));
    a0 = addMul(a0, v128.load32_splat(xp), d0);
    a1 = addMul(a1, v128.load32_splat(xp, 4), d0);
    a2 = addMul(a2, v128.load32_splat(xp, 8), d0);
    a3 = addMul(a3, v128.load32_splat(xp, 12), d0);
  }
  store4(fp, a0, lanes);
  if (crows > 1) store4(fp + frow, a1, lanes);
  if (crows > 2) store4(fp + 2 * frow, a2, lanes);
  if (crows > 3) store4(fp + 3 * frow, a3, lanes);
}

/** Adds x * (d0|d1) to the `lanes` (1..8) channels of the filter-gradient row at fp. */
@inline function gradRowAdd(fp: usize, x: f32, d0: v128, d1: v128, lanes: i32): void {
  const s = f32x4.splat(x);
  if (lanes > 4) store8(fp, addMul(v128.load(fp), s, d0), addMul(v128.load(fp, 16), s, d1), lanes);
  else store4(fp, addMul(v128.load(fp), s, d0), lanes);
}

/**
 * One pixel's contribution to `rows` (1..4) rows m.. of the filter row ky's flattened (kx, ci)
 * rows, skipping the rows whose tap falls outside the input: the border pixels of the
 * flattened form below, one at a time.
 */
function gradBorderPixel(x: usize, row: usize, ix0: i32, w: i32, cin: i32, m: i32, rows: i32,
  dp: usize, fp: usize, frow: usize, lanes: i32): void {
  const d0 = v128.load(dp), d1 = lanes > 4 ? v128.load(dp, 16) : ZERO;
  for (let l = 0; l < rows; l++) {
    const kx = (m + l) / cin, ci = m + l - kx * cin;
    const ix = ix0 + kx;
    if (ix >= 0 && ix < w) gradRowAdd(fp + <usize>l * frow, load<f32>(x + (<usize>((row + ix) * cin + ci) << 2)), d0, d1, lanes);
  }
}

/**
 * df[ky, kx, ci, co] = sum over n, oy, ox (in that order) of x[n, iy, ix, ci] * dy[n, oy, ox, co]
 * with iy = oy*sh - pt + ky*dh, ix = ox*sw - pl + kx*dw inside the input. x is [n, h, w, cin],
 * dy [n, oh, ow, cout], df [kh, kw, cin, cout] (overwritten). Images are the outer loop so
 * one image's x and dy stay in cache across all taps; the running sums live in df between images.
 * With cin < 4 and dw = 1 a 4-row tile over ci alone would be mostly empty, so the tile runs
 * over the flattened (kx, ci) rows of a filter row instead (contiguous in x and in df there);
 * pixels where some of the tile's taps fall outside the input go through gradBorderPixel,
 * in their place in the (oy, ox) order, so every element's sum is the same chain.
 */
export function f32_conv2d_grad_filter(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, kh: i32, kw: i32,
  x: usize, dy: usize, df: usize,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, ws: usize): void {
  gradFilterBody(n, h, w, cin, oh, ow, cout, kh, kw, x, dy, df, sh, sw, dh, dw, pt, pl, 0, cout, ws);
}

/**
 * f32_conv2d_grad_filter for output channels [c0, c1) only (c0 a multiple of 8): only those
 * columns of df are zeroed and written, each element with the same chain as the whole call.
 * Threads split the flattened (cin < 4) path this way, which the (tap, channel) units of
 * f32_conv2d_grad_filter_units cannot take.
 */
export function f32_conv2d_grad_filter_channels(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, kh: i32, kw: i32,
  x: usize, dy: usize, df: usize,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, c0: i32, c1: i32, ws: usize): void {
  gradFilterBody(n, h, w, cin, oh, ow, cout, kh, kw, x, dy, df, sh, sw, dh, dw, pt, pl, c0, c1, ws);
}

@inline function gradFilterBody(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, kh: i32, kw: i32,
  x: usize, dy: usize, df: usize,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, c0: i32, c1: i32, ws: usize): void {
  const frow = <usize>cout << 2;
  if (c0 == 0 && c1 == cout) memory.fill(df, 0, <usize>(kh * kw * cin) * frow);
  else for (let r = 0; r < kh * kw * cin; r++) memory.fill(df + <usize>r * frow + (<usize>c0 << 2), 0, <usize>(c1 - c0) << 2);
  const xpixB = <usize>cin << 2;
  const drow = <usize>ow * frow;
  const flat = dw == 1 && cin < 4;
  const lb = listBytes(oh, ow), total = oh * ow;
  const imageDy = <usize>(oh * ow) * frow;
  const reuse = flat ? kh * ((kw * cin + 3) >> 2) : kh * kw * ((cin + 3) >> 2);
  // ws == 0: no workspace, full tiles only (same bits)
  let tries = ws != 0 && reuse >= MIN_REUSE ? LIST_TRIES : 0;
  for (let b = 0; b < n; b++) {
    let lists = false;
    if (tries > 0) {
      if (buildPixelLists(b, w, cin, oh, ow, cout, sh, sw, dy, ws, c0 >> 3, (c1 + 7) >> 3) > 0) {
        tries = LIST_TRIES;
        lists = f32_first_non_finite(h * w * cin, x + <usize>(b * h * w) * xpixB) < 0;
      } else tries--;
    }
    const dyb = dy + <usize>b * imageDy;
    for (let ky = 0; ky < kh; ky++) {
      const oy0 = max32(0, ceilDiv(pt - ky * dh, sh));
      const oy1 = min32(oh, floorDiv(h - 1 + pt - ky * dh, sh) + 1);
      if (oy0 >= oy1) continue;
      const iy0 = oy0 * sh - pt + ky * dh;
      const xrow = <usize>(sh * w) * xpixB, xpix = <usize>sw * xpixB;
      if (flat) {
        const kr = kw * cin;
        for (let m = 0; m < kr; m += 4) {
          const rows = min32(4, kr - m);
          const kxA = m / cin, kxB = (m + rows - 1) / cin;
          // pixels with some of the rows' taps inside the input, [v0, v1), and with all of them,
          // [i0, i1) within it (empty at i0 = v1 when no pixel has all: a filter row much
          // wider than the input, whose first tap stays in the left padding)
          const v0 = max32(0, ceilDiv(pl - kxB, sw)), v1 = min32(ow, floorDiv(w - 1 + pl - kxA, sw) + 1);
          const i0 = min32(v1, max32(v0, ceilDiv(pl - kxA, sw))), i1 = max32(i0, min32(v1, floorDiv(w - 1 + pl - kxB, sw) + 1));
          if (v0 >= v1) continue;
          const fm = df + <usize>(ky * kr + m) * frow;
          for (let co = c0; co < c1; co += 8) {
            const rem = c1 - co, lanes = min32(rem, 8);
            const fp = fm + (<usize>co << 2);
            if (v0 == i0 && i1 == v1) {
              if (lists && oy0 == 0 && oy1 == oh && i0 == 0 && i1 == ow) {
                const list = ws + <usize>(co >> 3) * lb;
                if (worthSkipping(load<i32>(list), total)) {
                  // x of pixel (0, 0) at this filter row's flattened rows m..
                  const xo = x + (<usize>(((b * h + iy0) * w - pl) * cin + m) << 2), db = dyb + (<usize>co << 2);
                  if (rem > 4) gradListTile4x8(xo, db, list, fp, frow, rows, lanes);
                  else gradListTile4x4(xo, db, list, fp, frow, rows, lanes);
                  continue;
                }
              }
              // no border pixels: one tile call over every row
              const xc = x + (<usize>(((b * h + iy0) * w + i0 * sw - pl) * cin + m) << 2);
              const dc = dy + <usize>((b * oh + oy0) * ow + i0) * frow + (<usize>co << 2);
              if (rem > 4) gradTile4x8(xc, xrow, xpix, dc, drow, frow, oy1 - oy0, i1 - i0, fp, frow, rows, lanes);
              else gradTile4x4(xc, xrow, xpix, dc, drow, frow, oy1 - oy0, i1 - i0, fp, frow, rows, lanes);
              continue;
            }
            for (let oy = oy0; oy < oy1; oy++) {
              const iy = iy0 + (oy - oy0) * sh;
              const row = (b * h + iy) * w;
              const drowp = dy + <usize>((b * oh + oy) * ow) * frow + (<usize>co << 2);
              for (let ox = v0; ox < i0; ox++) {
                gradBorderPixel(x, row, ox * sw - pl, w, cin, m, rows, drowp + <usize>ox * frow, fp, frow, lanes);
              }
              if (i0 < i1) {
                const xc = x + (<usize>((row + i0 * sw - pl) * cin + m) << 2);
                const dc = drowp + <usize>i0 * frow;
                if (rem > 4) gradTile4x8(xc, xrow, xpix, dc, drow, frow, 1, i1 - i0, fp, frow, rows, lanes);
                else gradTile4x4(xc, xrow, xpix, dc, drow, frow, 1, i1 - i0, fp, frow, rows, lanes);
              }
              for (let ox = i1; ox < v1; ox++) {
                gradBorderPixel(x, row, ox * sw - pl, w, cin, m, rows, drowp + <usize>ox * frow, fp, frow, lanes);
              }
            }
          }
        }
        continue;
      }
      for (let kx = 0; kx < kw; kx++) {
        const ox0 = max32(0, ceilDiv(pl - kx * dw, sw));
        const ox1 = min32(ow, floorDiv(w - 1 + pl - kx * dw, sw) + 1);
        if (ox0 >= ox1) continue;
        const ix0 = ox0 * sw - pl + kx * dw;
        const xb = x + <usize>((b * h + iy0) * w + ix0) * xpixB;
        const db = dy + <usize>((b * oh + oy0) * ow + ox0) * frow;
        const tapRow = df + <usize>((ky * kw + kx) * cin) * frow;
        const full = lists && oy0 == 0 && oy1 == oh && ox0 == 0 && ox1 == ow;
        for (let ci = 0; ci < cin; ci += 4) {
          const crows = min32(4, cin - ci);
          for (let co = c0; co < c1; co += 8) {
            const rem = c1 - co;
            const fp = tapRow + <usize>ci * frow + (<usize>co << 2);
            const xc = xb + (<usize>ci << 2), dc = db + (<usize>co << 2);
            if (full) {
              const list = ws + <usize>(co >> 3) * lb;
              if (worthSkipping(load<i32>(list), total)) {
                // the tap's valid pixels are all of them, so xc and dc are pixel (0, 0)'s
                if (rem > 4) gradListTile4x8(xc, dc, list, fp, frow, crows, min32(rem, 8));
                else gradListTile4x4(xc, dc, list, fp, frow, crows, rem);
                continue;
              }
            }
            if (rem > 4) gradTile4x8(xc, xrow, xpix, dc, drow, frow, oy1 - oy0, ox1 - ox0, fp, frow, crows, min32(rem, 8));
            else gradTile4x4(xc, xrow, xpix, dc, drow, frow, oy1 - oy0, ox1 - ox0, fp, frow, crows, rem);
          }
        }
      }
    }
  }
}

/** Filter-gradient work units: one per (tap, block of 8 output channels). */
export function conv2d_grad_filter_units(cout: i32, kh: i32, kw: i32): i32 { return kh * kw * ((cout + 7) >> 3); }

/**
 * f32_conv2d_grad_filter restricted to work units [u0, u1), the threaded path (the whole-range
 * call above takes the flattened fast path for cin < 4: same per-element order, same bits).
 * Unit u is tap u / cb (taps in (ky, kx) order) and output channels [8 (u % cb), +8) with
 * cb = ceil(cout / 8); only those
 * elements of df are zeroed and written. Every element keeps its whole sum over n, oy, ox
 * in the same order, so running the units in any partition (threads) gives the same bits.
 */
export function f32_conv2d_grad_filter_units(n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, kh: i32, kw: i32,
  x: usize, dy: usize, df: usize,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, u0: i32, u1: i32, ws: usize): void {
  const frow = <usize>cout << 2;
  const cb = (cout + 7) >> 3;
  const lb = listBytes(oh, ow), total = oh * ow;
  for (let u = u0; u < u1; u++) {
    const tap = u / cb, co = (u - tap * cb) << 3;
    const lanes = min32(8, cout - co);
    const dst = df + <usize>(tap * cin) * frow + (<usize>co << 2);
    for (let ci = 0; ci < cin; ci++) memory.fill(dst + <usize>ci * frow, 0, <usize>lanes << 2);
  }
  const xpixB = <usize>cin << 2;
  let tries = ws != 0 && kh * kw * ((cin + 3) >> 2) >= MIN_REUSE ? LIST_TRIES : 0;
  for (let b = 0; b < n; b++) {
    // lists for the channel blocks these units touch: all of them, or the run u0 % cb .. (u1 - 1) % cb
    let lists = false;
    if (tries > 0) {
      let worth = 0;
      if (u1 - u0 >= cb) worth = buildPixelLists(b, w, cin, oh, ow, cout, sh, sw, dy, ws, 0, cb);
      else {
        const qa = u0 % cb, qb = (u1 - 1) % cb;
        if (qa <= qb) worth = buildPixelLists(b, w, cin, oh, ow, cout, sh, sw, dy, ws, qa, qb + 1);
        else {
          worth = buildPixelLists(b, w, cin, oh, ow, cout, sh, sw, dy, ws, 0, qb + 1)
            + buildPixelLists(b, w, cin, oh, ow, cout, sh, sw, dy, ws, qa, cb);
        }
      }
      if (worth > 0) {
        tries = LIST_TRIES;
        lists = f32_first_non_finite(h * w * cin, x + <usize>(b * h * w) * xpixB) < 0;
      } else tries--;
    }
    for (let u = u0; u < u1; u++) {
      const tap = u / cb, co = (u - tap * cb) << 3;
      const ky = tap / kw, kx = tap - ky * kw;
      const oy0 = max32(0, ceilDiv(pt - ky * dh, sh));
      const oy1 = min32(oh, floorDiv(h - 1 + pt - ky * dh, sh) + 1);
      if (oy0 >= oy1) continue;
      const ox0 = max32(0, ceilDiv(pl - kx * dw, sw));
      const ox1 = min32(ow, floorDiv(w - 1 + pl - kx * dw, sw) + 1);
      if (ox0 >= ox1) continue;
      const iy0 = oy0 * sh - pt + ky * dh, ix0 = ox0 * sw - pl + kx * dw;
      const xb = x + <usize>((b * h + iy0) * w + ix0) * xpixB;
      const db = dy + <usize>((b * oh + oy0) * ow + ox0) * frow;
      const xrow = <usize>(sh * w) * xpixB, xpix = <usize>sw * xpixB;
      const drow = <usize>ow * frow;
      const tapRow = df + <usize>(tap * cin) * frow;
      const rem = cout - co;
      const list = ws + <usize>(co >> 3) * lb;
      const skip = lists && oy0 == 0 && oy1 == oh && ox0 == 0 && ox1 == ow && worthSkipping(load<i32>(list), total);
      for (let ci = 0; ci < cin; ci += 4) {
        const crows = min32(4, cin - ci);
        const dwp = tapRow + <usize>ci * frow + (<usize>co << 2);
        const xc = xb + (<usize>ci << 2), dc = db + (<usize>co << 2);
        if (skip) {
          if (rem > 4) gradListTile4x8(xc, dc, list, dwp, frow, crows, min32(rem, 8));
          else gradListTile4x4(xc, dc, list, dwp, frow, crows, rem);
          continue;
        }
        if (rem > 4) gradTile4x8(xc, xrow, xpix, dc, drow, frow, oy1 - oy0, ox1 - ox0, dwp, frow, crows, min32(rem, 8));
        else gradTile4x4(xc, xrow, xpix, dc, drow, frow, oy1 - oy0, ox1 - ox0, dwp, frow, crows, rem);
      }
    }
  }
}

// ---- pooling ------------------------------------------------------------------------------
// Windows of kh x kw with strides (sh, sw) and top/left padding (pt, pl); padding never
// takes part (max ignores it, avg divides by the number of valid elements, as TF does).
// Precondition: every window holds at least one input element ('same' and 'valid' padding
// guarantee it). Vectorised over channels, 4 at a time.

const LANE_IDS: v128 = i32x4(0, 1, 2, 3);

/** Lanes where v replaces best: strictly greater (the first of equal values stays), or a NaN over a number. */
@inline function takes(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
}

/**
 * f32_max_pool2d's body; `record` is a constant at both call sites, so the index work folds
 * away without it. Each window's comparisons form a chain per channel vector (one compare
 * waits for the last), so four channel vectors run side by side: four independent chains.
 */
@inline function maxPoolBody(record: bool, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  x: usize, y: usize, arg: usize, sh: i32, sw: i32, pt: i32, pl: i32, b0: i32): void {
  const rem = c & 3;
  const cb = <usize>c << 2;
  for (let b = b0; b < b0 + n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = max32(0, -iy0), ky1 = min32(kh, h - iy0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const kx0 = max32(0, -ix0), kx1 = min32(kw, w - ix0);
        const out = <usize>(((b * oh + oy) * ow + ox) * c) << 2;
        const first = ((b * h + iy0 + ky0) * w + ix0 + kx0) * c;
        let cc = 0;
        for (; cc + 16 <= c; cc += 16) {
          // start from the window's first element; comparing it with itself changes nothing
          const f = x + (<usize>(first + cc) << 2);
          let b0v = v128.load(f), b1v = v128.load(f, 16), b2v = v128.load(f, 32), b3v = v128.load(f, 48);
          let i0 = i32x4.add(i32x4.splat(first + cc), LANE_IDS);
          let i1 = i32x4.add(i0, i32x4.splat(4)), i2 = i32x4.add(i0, i32x4.splat(8)), i3 = i32x4.add(i0, i32x4.splat(12));
          for (let ky = ky0; ky < ky1; ky++) {
            let off = ((b * h + iy0 + ky) * w + ix0 + kx0) * c + cc;
            let p = x + (<usize>off << 2);
            for (let kx = kx0; kx < kx1; kx++) {
              const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
              const m0 = takes(v0, b0v), m1 = takes(v1, b1v), m2 = takes(v2, b2v), m3 = takes(v3, b3v);
              b0v = v128.bitselect(v0, b0v, m0); b1v = v128.bitselect(v1, b1v, m1);
              b2v = v128.bitselect(v2, b2v, m2); b3v = v128.bitselect(v3, b3v, m3);
              if (record) {
                const o0 = i32x4.add(i32x4.splat(off), LANE_IDS);
                i0 = v128.bitselect(o0, i0, m0);
                i1 = v128.bitselect(i32x4.add(o0, i32x4.splat(4)), i1, m1);
                i2 = v128.bitselect(i32x4.add(o0, i32x4.splat(8)), i2, m2);
                i3 = v128.bitselect(i32x4.add(o0, i32x4.splat(12)), i3, m3);
              }
              p += cb;
              off += c;
            }
          }
          const o = out + (<usize>cc << 2);
          v128.store(y + o, b0v); v128.store(y + o, b1v, 16); v128.store(y + o, b2v, 32); v128.store(y + o, b3v, 48);
          if (record) {
            v128.store(arg + o, i0); v128.store(arg + o, i1, 16); v128.store(arg + o, i2, 32); v128.store(arg + o, i3, 48);
          }
        }
        for (; cc < c; cc += 4) {
          let best = v128.load(x + (<usize>(first + cc) << 2));
          let bidx = i32x4.add(i32x4.splat(first + cc), LANE_IDS);
          for (let ky = ky0; ky < ky1; ky++) {
            let off = ((b * h + iy0 + ky) * w + ix0 + kx0) * c + cc;
            let p = x + (<usize>off << 2);
            for (let kx = kx0; kx < kx1; kx++) {
              const v = v128.load(p);
              const m = takes(v, best);
              best = v128.bitselect(v, best, m);
              if (record) bidx = v128.bitselect(i32x4.add(i32x4.splat(off), LANE_IDS), bidx, m);
              p += cb;
              off += c;
            }
          }
          const o = out + (<usize>cc << 2);
          if (cc + 4 <= c) {
            v128.store(y + o, best);
            if (record) v128.store(arg + o, bidx);
          } else {
            storeTail(y + o, best, rem);
            if (record) storeTail(arg + o, bidx, rem);
          }
        }
      }
    }
  }
}

/**
 * y = max over each window; NaN wins over numbers, ties go to the first element in window
 * order (ky asc, kx asc). arg (optional, 0 for none; Int32, same size as y) receives the
 * flat index into x of the chosen element. Only images [b0, b0 + n) are computed; x, y and
 * arg point at image 0, so the indices are the same whichever call (thread) computes an image.
 */
export function f32_max_pool2d(n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  x: usize, y: usize, arg: usize, sh: i32, sw: i32, pt: i32, pl: i32, b0: i32): void {
  if (arg != 0) maxPoolBody(true, n, h, w, c, oh, ow, kh, kw, x, y, arg, sh, sw, pt, pl, b0);
  else maxPoolBody(false, n, h, w, c, oh, ow, kh, kw, x, y, 0, sh, sw, pt, pl, b0);
}

/**
 * dx[i] = sum of dy over the windows whose argmax is i, windows in (oy, ox) order; a gather,
 * so every dx element is written once. arg is f32_max_pool2d's index output. Images
 * [b0, b0 + n), with dy, arg and dx pointing at image 0 (arg holds indices from image 0).
 */
export function f32_max_pool2d_grad(n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  dy: usize, arg: usize, dx: usize, sh: i32, sw: i32, pt: i32, pl: i32, b0: i32): void {
  const rem = c & 3;
  for (let b = b0; b < b0 + n; b++) {
    for (let iy = 0; iy < h; iy++) {
      const oy0 = max32(0, ceilDiv(iy + pt - kh + 1, sh)), oy1 = min32(oh, floorDiv(iy + pt, sh) + 1);
      // The windows over column ix are ox in [ceil((ix + pl - kw + 1) / sw), floor((ix + pl) / sw)],
      // clipped to [0, ow). Both ends move by one every sw columns: counted, not divided, per pixel.
      let lo = ceilDiv(pl - kw + 1, sw), loRem = lo * sw - (pl - kw + 1);   // lo * sw - numerator, in [0, sw)
      let hi = floorDiv(pl, sw), hiRem = pl - hi * sw;                    // numerator - hi * sw, in [0, sw)
      for (let ix = 0; ix < w; ix++) {
        const ox0 = max32(0, lo), ox1 = min32(ow, hi + 1);
        if (--loRem < 0) { lo++; loRem += sw; }
        if (++hiRem == sw) { hi++; hiRem = 0; }
        const self = ((b * h + iy) * w + ix) * c;
        if (oy1 - oy0 == 1 && ox1 - ox0 == 1) {
          // one window (non-overlapping pooling): 0 + (dy where the argmax is this element), as below
          const o = <usize>(((b * oh + oy0) * ow + ox0) * c) << 2;
          for (let cc = 0; cc < c; cc += 4) {
            const idx = i32x4.add(i32x4.splat(self + cc), LANE_IDS);
            const q = o + (<usize>cc << 2);
            const acc = f32x4.add(ZERO, v128.and(v128.load(dy + q), i32x4.eq(v128.load(arg + q), idx)));
            const d = <usize>(self + cc) << 2;
            if (cc + 4 <= c) v128.store(dx + d, acc); else storeTail(dx + d, acc, rem);
          }
          continue;
        }
        for (let cc = 0; cc < c; cc += 4) {
          const idx = i32x4.add(i32x4.splat(self + cc), LANE_IDS);
          let acc = ZERO;
          for (let oy = oy0; oy < oy1; oy++) {
            for (let ox = ox0; ox < ox1; ox++) {
              const o = <usize>(((b * oh + oy) * ow + ox) * c + cc) << 2;
              acc = f32x4.add(acc, v128.and(v128.load(dy + o), i32x4.eq(v128.load(arg + o), idx)));
            }
          }
          const d = <usize>(self + cc) << 2;
          if (cc + 4 <= c) v128.store(dx + d, acc); else storeTail(dx + d, acc, rem);
        }
      }
    }
  }
}

/** y = (sum of the window's valid elements, ky asc, kx asc) / their count. */
export function f32_avg_pool2d(n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  x: usize, y: usize, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const rem = c & 3;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = max32(0, -iy0), ky1 = min32(kh, h - iy0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const kx0 = max32(0, -ix0), kx1 = min32(kw, w - ix0);
        const count = f32x4.splat(<f32>((ky1 - ky0) * (kx1 - kx0)));
        const out = ((b * oh + oy) * ow + ox) * c;
        for (let cc = 0; cc < c; cc += 4) {
          let acc = ZERO;
          for (let ky = ky0; ky < ky1; ky++) {
            let p = x + (<usize>(((b * h + iy0 + ky) * w + ix0 + kx0) * c + cc) << 2);
            for (let kx = kx0; kx < kx1; kx++) {
              acc = f32x4.add(acc, v128.load(p));
              p += <usize>c << 2;
            }
          }
          const r = f32x4.div(acc, count);
          const o = y + (<usize>(out + cc) << 2);
          if (cc + 4 <= c) v128.store(o, r); else storeTail(o, r, rem);
        }
      }
    }
  }
}

/** dx = sum over the windows containing the element (oy asc, ox asc) of dy / window count. */
export function f32_avg_pool2d_grad(n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  dy: usize, dx: usize, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const rem = c & 3;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      const oy0 = max32(0, ceilDiv(iy + pt - kh + 1, sh)), oy1 = min32(oh, floorDiv(iy + pt, sh) + 1);
      for (let ix = 0; ix < w; ix++) {
        const ox0 = max32(0, ceilDiv(ix + pl - kw + 1, sw)), ox1 = min32(ow, floorDiv(ix + pl, sw) + 1);
        const d = dx + (<usize>(((b * h + iy) * w + ix) * c) << 2);
        for (let cc = 0; cc < c; cc += 4) {
          let acc = ZERO;
          for (let oy = oy0; oy < oy1; oy++) {
            const wy = min32(kh, h - (oy * sh - pt)) - max32(0, pt - oy * sh);
            for (let ox = ox0; ox < ox1; ox++) {
              const wx = min32(kw, w - (ox * sw - pl)) - max32(0, pl - ox * sw);
              const g = v128.load(dy + (<usize>(((b * oh + oy) * ow + ox) * c + cc) << 2));
              acc = f32x4.add(acc, f32x4.div(g, f32x4.splat(<f32>(wy * wx))));
            }
          }
          if (cc + 4 <= c) v128.store(d + (<usize>cc << 2), acc); else storeTail(d + (<usize>cc << 2), acc, rem);
        }
      }
    }
  }
}
