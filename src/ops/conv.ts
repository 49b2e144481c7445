// conv2d and 2-D pooling on NHWC tensors, tf.js-style signatures. Shapes are checked here;
// the kernels (assembly/conv.ts) trust them. Every kernel workspace is allocated here and
// freed before returning: kernels never allocate.
import { rt, type Kernels } from '../core/wasm.js';
import type { Ptr } from '../core/heap.js';
import { parallel, partBlock, splitParts, splitRange, threadsFor } from '../core/parallel.js';
import { Tensor, empty, shapeText, sizeOf, tensor as makeTensor, type Shape } from '../core/tensor.js';
import { getActivation, resolveParams, withKernelArgs, type Activation, type ActivationName, type ActivationParams, type ResolvedParams } from '../activations/index.js';
import { gemm } from './matmul.js';
import { activation as activationOp } from './activation.js';
import { showValue } from '../core/checks.js';

/** 'valid': windows inside the input only; 'same': output = ceil(input / stride), zero padding split as TensorFlow does (the extra row or column after). */
export type Padding = 'valid' | 'same';
/** One value for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];
/** An activation by registry name, or a name with parameters. */
export type ActivationSpec = ActivationName | { readonly name: ActivationName; readonly params?: ActivationParams };

/** Everything a conv or pool kernel call needs, in kernel units. */
export interface Geometry {
  /** Batch size. */
  readonly n: number;
  /** Input height. */
  readonly h: number;
  /** Input width. */
  readonly w: number;
  /** Input channels. */
  readonly cin: number;
  /** Window height. */
  readonly kh: number;
  /** Window width. */
  readonly kw: number;
  /** Output channels (cin for pooling). */
  readonly cout: number;
  /** Output height. */
  readonly oh: number;
  /** Output width. */
  readonly ow: number;
  /** Stride along the height. */
  readonly sh: number;
  /** Stride along the width. */
  readonly sw: number;
  /** Dilation along the height. */
  readonly dh: number;
  /** Dilation along the width. */
  readonly dw: number;
  /** Padding before the first row. */
  readonly pt: number;
  /** Padding before the first column. */
  readonly pl: number;
}

function pair(fn: string, what: string, v: Pair): [number, number] {
  const p: readonly unknown[] = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : [];
  const [a, b] = p;
  if (p.length !== 2 || typeof a !== 'number' || typeof b !== 'number' || !Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1) {
    throw new Error(`actlab: ${fn}: ${what} ${showValue(v)} must be a positive integer or a pair [height, width] of them`);
  }
  return [a, b];
}

function rank4(fn: string, what: string, s: Shape, layout: string): void {
  if (!Array.isArray(s)) throw new Error(`actlab: ${fn}: ${what} must be a shape ${layout}, got ${showValue(s)}`);
  if (s.length !== 4) throw new Error(`actlab: ${fn}: ${what} must have rank 4 ${layout}, got ${shapeText(s)}`);
  if (s.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`actlab: ${fn}: ${what} ${shapeText(s)} must have positive integer dimensions ${layout}`);
  }
}

/**
 * Output size and padding before, TF rules: 'valid' -> ceil((in - ek + 1) / s) with
 * ek = (k - 1) * d + 1 <= in; 'same' -> ceil(in / s) with pad_total =
 * max((out - 1) * s + ek - in, 0) and floor(pad_total / 2) before.
 */
function axis(fn: string, name: string, size: number, k: number, s: number, d: number, pad: Padding): [number, number] {
  const ek = (k - 1) * d + 1;
  if (pad === 'valid') {
    if (ek > size) {
      const what = d > 1 ? `dilated window ${ek} ((${k} - 1) * ${d} + 1)` : `window ${k}`;
      throw new Error(`actlab: ${fn}: ${what} is larger than the input ${name} ${size} with 'valid' padding ` +
        `(the window must fit inside the input; use 'same' padding or a smaller window)`);
    }
    return [Math.floor((size - ek) / s) + 1, 0];
  }
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + ek - size, 0);
  return [out, Math.floor(total / 2)];
}

function checkPad(fn: string, pad: Padding): void {
  if (pad !== 'valid' && pad !== 'same') throw new Error(`actlab: ${fn}: padding '${String(pad)}' is not supported: expected 'valid' or 'same'`);
}

/** Geometry of conv2d(x [n,h,w,cin], filter [kh,kw,cin,cout]). */
export function convGeometry(fn: string, xShape: Shape, filterShape: Shape, strides: Pair, pad: Padding, dilations: Pair): Geometry {
  rank4(fn, 'x', xShape, '[batch, height, width, inChannels]');
  rank4(fn, 'filter', filterShape, '[filterHeight, filterWidth, inChannels, outChannels]');
  checkPad(fn, pad);
  const [n, h, w, cin] = xShape;
  const [kh, kw, fin, cout] = filterShape;
  if (fin !== cin) {
    throw new Error(`actlab: ${fn}: x ${shapeText(xShape)} has ${cin} input channels but filter ${shapeText(filterShape)} ` +
      `expects ${fin} (x.shape[3] must equal filter.shape[2])`);
  }
  const [sh, sw] = pair(fn, 'strides', strides);
  const [dh, dw] = pair(fn, 'dilations', dilations);
  const [oh, pt] = axis(fn, 'height', h, kh, sh, dh, pad);
  const [ow, pl] = axis(fn, 'width', w, kw, sw, dw, pad);
  return { n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, dh, dw, pt, pl };
}

/** Geometry of a pool over x [n,h,w,c] (cin = cout = c, dilation 1). */
export function poolGeometry(fn: string, xShape: Shape, filterSize: Pair, strides: Pair, pad: Padding): Geometry {
  rank4(fn, 'x', xShape, '[batch, height, width, channels]');
  checkPad(fn, pad);
  const [n, h, w, c] = xShape;
  const [kh, kw] = pair(fn, 'filterSize', filterSize);
  const [sh, sw] = pair(fn, 'strides', strides);
  const [oh, pt] = axis(fn, 'height', h, kh, sh, 1, pad);
  const [ow, pl] = axis(fn, 'width', w, kw, sw, 1, pad);
  return { n, h, w, cin: c, kh, kw, cout: c, oh, ow, sh, sw, dh: 1, dw: 1, pt, pl };
}

function sameShape(fn: string, what: string, actual: Shape, expected: Shape, rule: string): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`actlab: ${fn}: ${what} has shape ${shapeText(actual)} but ${shapeText(expected)} was expected (${rule})`);
  }
}

/** Runs `body` with a scratch block of `bytes` bytes, freed afterwards. */
function withWork<T>(bytes: number, body: (work: Ptr) => T): T {
  const { heap } = rt();
  const work = heap.alloc(bytes);
  try {
    return body(work);
  } finally {
    heap.free(work);
  }
}

/** An output tensor that is freed again if the kernel call throws. */
function produce(shape: Shape, body: (out: Ptr) => void): Tensor {
  const t = empty(shape);
  try {
    body(t.ptr);
  } catch (e) {
    t.dispose();
    throw e;
  }
  return t;
}

// ---- conv2d -----------------------------------------------------------------------------

/** Output bytes per kernel call when an activation follows: half of a typical 1 MiB L2. */
const GROUP_BYTES = 512 * 1024;

/**
 * 2-D convolution (cross-correlation, as tf.conv2d), NHWC:
 * y[n, oy, ox, co] = act(sum_{ky,kx,ci} x[n, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, ci] *
 * filter[ky, kx, ci, co] + bias[co]). x is [batch, height, width, inChannels], filter
 * [filterHeight, filterWidth, inChannels, outChannels], bias [outChannels]. The activation
 * (any registry name) runs on each group of finished images while their output is in cache.
 * Records on the gradient tape as tf.conv2d does (a fused activation as the activation op after it).
 */
export function conv2d(x: Tensor, filter: Tensor, strides: Pair, pad: Padding, dilations: Pair = 1,
  bias?: Tensor, activation?: ActivationSpec): Tensor {
  const { engine } = rt();
  if (!engine.recording) return conv2dForward(x, filter, strides, pad, dilations, bias, activation);
  // Inside grad / valueAndGrads: one tape entry, so gradients reach x, filter and bias (an
  // op that does not record would hand back silent zeros).
  // A fused activation becomes the activation op after the recorded conv (two tape entries,
  // the same values: the fused kernel runs the same activation kernel on the finished output).
  if (activation !== undefined) {
    const { name, params = {} } = typeof activation === 'string' ? { name: activation } : activation;
    // Checked as outside grad, before any value is read as a tensor (a string there was named as tensor()'s).
    resolveParams(getActivation(name), params);
    // Per-channel values (prelu's alpha) as tensors, freed with the gradient's other intermediates.
    const onTape = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'number' ? v : makeTensor(Array.from(v), [v.length])]));
    return activationOp(conv2d(x, filter, strides, pad, dilations, bias), name, onTape);
  }
  const y = conv2dForward(x, filter, strides, pad, dilations, bias);
  engine.record({
    name: 'conv2d', inputs: bias ? [x, filter, bias] : [x, filter], output: y,
    backward: (dy, needs) => [
      needs[0] ? conv2dBackpropInput(x.shape, dy, filter, strides, pad, dilations) : undefined,
      needs[1] ? conv2dBackpropFilter(x, dy, filter.shape, strides, pad, dilations) : undefined,
      bias && needs[2] ? conv2dBackpropBias(dy) : undefined,
    ],
  });
  return y;
}

function conv2dForward(x: Tensor, filter: Tensor, strides: Pair, pad: Padding, dilations: Pair,
  bias?: Tensor, activation?: ActivationSpec): Tensor {
  const fn = 'conv2d';
  const g = convGeometry(fn, x.shape, filter.shape, strides, pad, dilations);
  if (bias !== undefined) sameShape(fn, 'bias', bias.shape, [g.cout], 'one bias per output channel, filter.shape[3]');
  const actName = activation === undefined ? undefined : typeof activation === 'string' ? activation : activation.name;
  const row = actName === undefined ? undefined : getActivation(actName);
  const resolved = row === undefined ? undefined :
    resolveParams(row, typeof activation === 'object' ? activation.params : undefined);
  if (useIm2col(g, im2colLimits.forward)) return conv2dByGemm(g, x, filter, bias, row, resolved);
  const { kernels } = rt();
  const wsBytes = align16(kernels.conv2d_workspace_bytes(g.cin, g.kh, g.kw));
  const inImage = g.h * g.w * g.cin, outImage = g.oh * g.ow * g.cout;
  // Parts take whole images (each with its own workspace): no output element is split.
  const images = splitParts(g.n, convFlops(g), 'conv-flops');
  return produce([g.n, g.oh, g.ow, g.cout], (y) => withWork(wsBytes * images.length, (work) => {
    const xp = x.ptr, fp = filter.ptr, bp = bias?.ptr ?? 0;
    const run = (k: Kernels, n: number, i: number, part: number): void => k.f32_conv2d(n, g.h, g.w, g.cin, g.oh, g.ow, g.cout,
      g.kh, g.kw, xp + i * inImage * 4, fp, bp, y + i * outImage * 4, work + part * wsBytes, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl);
    if (row === undefined || resolved === undefined) {
      parallel(images.map(([i0, i1], part) => (k: Kernels) => run(k, i1 - i0, i0, part)));
      return;
    }
    // Groups of images whose output fits in L2 (at least one image): the activation reads
    // it while it is still in cache, and the kernel still reuses its tables across a group.
    const group = partBlock(images, Math.max(1, Math.floor(GROUP_BYTES / (outImage * 4))));
    withKernelArgs(rt().heap, resolved, outImage, g.cout, row.name, (a) => {
      parallel(images.map(([i0, i1], part) => (k: Kernels) => {
        for (let i = i0; i < i1; i += group) {
          const m = Math.min(group, i1 - i);
          run(k, m, i, part);
          const yo = y + i * outImage * 4;
          row.forward(k, m * outImage, yo, yo, a);
        }
      }));
    });
  }));
}

/**
 * Largest im2col block of one image (oh * ow rows of kh * kw * cin floats) for which the
 * forward pass runs as sgemm, and (next) the filter gradient. Measured (one thread, 3x3
 * filters, 64 output channels, 2026-12-07): 5x5 -> 3x3 images (21 KB per image) forward
 * 1.29-1.34x and filter gradient 1.5-2.7x (dense or pool-shaped dy) at batch 32-128; 7x7
 * (56 KB) 1.10x / 1.05-1.2x; 10x10 with 32 channels (72 KB) 1.18x / 0.88-0.91x; 13x13 with
 * 32 channels (136 KB, the slide-13 CNN's second layer) forward 0.85x; larger images stay on
 * the direct kernels.
 */
const IM2COL_IMAGE_MAX_BYTES = 96 * 1024;
const IM2COL_FILTER_IMAGE_MAX_BYTES = 64 * 1024;
/** Smallest reduction (kh * kw * cin) for which they do: below it a GEMM tile's K loop is too short. */
const IM2COL_MIN_K = 64;
/** col bytes per sgemm call in the forward pass: images go in chunks that stay in L2. */
const IM2COL_CHUNK_BYTES = 1 << 20;
/** Largest col of a whole batch for the filter gradient (one sgemm: its sum over the batch is never split). */
const IM2COL_FILTER_MAX_BYTES = 16 << 20;
let im2colLimits = { forward: IM2COL_IMAGE_MAX_BYTES, filter: IM2COL_FILTER_IMAGE_MAX_BYTES };

/** Test seam: both per-image im2col limits (undefined restores them; 0 keeps every conv on the direct kernels). */
export const convTesting = {
  setIm2colImageMaxBytes(bytes: number | undefined): void {
    im2colLimits = bytes === undefined ? { forward: IM2COL_IMAGE_MAX_BYTES, filter: IM2COL_FILTER_IMAGE_MAX_BYTES } : { forward: bytes, filter: bytes };
  },
};

/**
 * Small images (the slide-13 CNN's third layer: 5x5 in, 3x3 out) run as im2col + sgemm: the
 * direct kernels' 4-pixel tiles leave slots empty when a plane is not a multiple of 4 pixels
 * (9 pixels take 12), and their filter-gradient tile keeps its sums over one image's few
 * pixels. Larger images stay direct: their im2col is kh * kw copies of x streamed through
 * memory.
 */
function useIm2col(g: Geometry, maxImageBytes: number): boolean {
  const k9 = g.kh * g.kw * g.cin;
  return k9 >= IM2COL_MIN_K && g.oh * g.ow * k9 * 4 <= maxImageBytes;
}

/**
 * conv2d as col * filter (+ bias, activation): the filter [kh*kw*cin, cout] is packed once,
 * then each part (whole images) writes col for a chunk of its images and multiplies it,
 * chunk after chunk. sgemm adds each output's products in K order, which col lays out as
 * (ky, kx, ci): f32_conv2d's order, and its epilogue adds the bias the same way, so the
 * bits are the direct kernel's.
 */
function conv2dByGemm(g: Geometry, x: Tensor, filter: Tensor, bias: Tensor | undefined, row: Activation | undefined,
  resolved: ResolvedParams | undefined): Tensor {
  const { kernels } = rt();
  const k9 = g.kh * g.kw * g.cin, plane = g.oh * g.ow;
  const imageBytes = plane * k9 * 4, outImage = plane * g.cout;
  const images = splitParts(g.n, convFlops(g), 'conv-flops');
  const chunk = partBlock(images, Math.max(1, Math.min(g.n, Math.floor(IM2COL_CHUNK_BYTES / imageBytes))));
  const packedBytes = align16(kernels.f32_gemm_packed_b_bytes(k9, g.cout) >>> 0);
  const partBytes = align16(chunk * imageBytes) + align16(kernels.f32_gemm_a_scratch_bytes(k9) >>> 0);
  return produce([g.n, g.oh, g.ow, g.cout], (y) => withWork(packedBytes + images.length * partBytes, (work) => {
    const finite = kernels.f32_gemm_pack_b(k9, g.cout, filter.ptr, g.cout, work, 0) === 1 ? 1 : 0;
    const bp = bias?.ptr ?? 0;
    const run = (k: Kernels, i0: number, i1: number, part: number, act?: (k: Kernels, n: number, yo: Ptr) => void): void => {
      const col = work + packedBytes + part * partBytes, scratch = col + align16(chunk * imageBytes);
      for (let i = i0; i < i1; i += chunk) {
        const m = Math.min(chunk, i1 - i), yo = y + i * outImage * 4;
        k.f32_conv2d_im2col(m, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw, x.ptr, col, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, i);
        k.f32_gemm_packed(m * plane, g.cout, k9, col, k9, work, bp, yo, g.cout, scratch, 0, 1, 0, finite);
        act?.(k, m * outImage, yo);
      }
    };
    if (row === undefined || resolved === undefined) {
      parallel(images.map(([i0, i1], part) => (k: Kernels) => run(k, i0, i1, part)));
      return;
    }
    withKernelArgs(rt().heap, resolved, outImage, g.cout, row.name, (a) => {
      parallel(images.map(([i0, i1], part) => (k: Kernels) => run(k, i0, i1, part, (kk, n, yo) => row.forward(kk, n, yo, yo, a))));
    });
  }));
}

/**
 * The filter gradient as (dy^T * col)^T ([cout, n*oh*ow] x [n*oh*ow, kh*kw*cin], then
 * transposed), for convs whose taps never fall into the padding. sgemm sums each element
 * over K = (n, oy, ox) in order from 0, as f32_conv2d_grad_filter does (dy * x and x * dy
 * round alike), so the bits are the same. dy as op(A) lets sgemm leave out the pixels where
 * 4 output channels of dy are all zero, which a max pool after the conv makes common: on
 * 7x7x64 images with a pool-shaped dy, 482 us against 1264 us for col^T * dy and 632 us for
 * the direct kernel's pixel lists. (With padding, the direct kernel skips padded taps,
 * while col holds zeros there, and 0 * an infinite dy would give NaN.)
 */
function backpropFilterByGemm(g: Geometry, x: Tensor, dy: Tensor): Tensor {
  const k9 = g.kh * g.kw * g.cin, rows = g.n * g.oh * g.ow;
  const rowBytes = k9 * 4, colBytes = align16(rows * rowBytes);
  return produce([g.kh, g.kw, g.cin, g.cout], (df) => withWork(colBytes + k9 * g.cout * 4, (col) => {
    const dfT = col + colBytes;
    byImagesOf(g.n, rows * k9, (k, i0, m) => k.f32_conv2d_im2col(m, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw, x.ptr,
      col + i0 * g.oh * g.ow * rowBytes, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, i0));
    gemm(g.cout, k9, rows, dy.ptr, g.cout, true, col, k9, false, dfT);
    rt().kernels.f32_transpose(g.cout, k9, dfT, df);
  }));
}

/** True when every tap of every output pixel lies inside the input (no padding is read). */
function noPaddedTaps(g: Geometry): boolean {
  return g.pt === 0 && g.pl === 0 && (g.oh - 1) * g.sh + (g.kh - 1) * g.dh < g.h && (g.ow - 1) * g.sw + (g.kw - 1) * g.dw < g.w;
}

/** Multiply-adds times two of a conv2d (and of each of its gradients). */
function convFlops(g: Geometry): number {
  return 2 * g.n * g.oh * g.ow * g.cout * g.kh * g.kw * g.cin;
}

function align16(bytes: number): number { return Math.ceil(bytes / 16) * 16; }

/**
 * Gradient of conv2d with respect to its input (tf.conv2DBackpropInput): dx [xShape] from
 * dy [batch, outHeight, outWidth, outChannels] and the filter.
 */
export function conv2dBackpropInput(xShape: Shape, dy: Tensor, filter: Tensor, strides: Pair, pad: Padding,
  dilations: Pair = 1): Tensor {
  const fn = 'conv2dBackpropInput';
  const g = convGeometry(fn, xShape, filter.shape, strides, pad, dilations);
  sameShape(fn, 'dy', dy.shape, [g.n, g.oh, g.ow, g.cout], `conv2d's output shape for x ${shapeText(xShape)} and filter ${shapeText(filter.shape)}`);
  if (g.cin >= GEMM_INPUT_GRAD_MIN_CIN) return backpropInputByGemm(g, xShape, dy, filter);
  const { kernels } = rt();
  const wsBytes = align16(kernels.conv2d_grad_input_workspace_bytes(g.cin, g.w, g.cout, g.kh, g.kw, g.sw));
  const inImage = g.h * g.w * g.cin, outImage = g.oh * g.ow * g.cout;
  // Parts take whole images of dx, each with its own workspace (table and transposed filter).
  const images = splitParts(g.n, convFlops(g), 'conv-flops');
  return produce([g.n, g.h, g.w, g.cin], (dx) => withWork(wsBytes * images.length, (work) => {
    parallel(images.map(([i0, i1], part) => (k: Kernels) => k.f32_conv2d_grad_input(i1 - i0, g.h, g.w, g.cin, g.oh, g.ow, g.cout,
      g.kh, g.kw, dy.ptr + i0 * outImage * 4, filter.ptr, dx + i0 * inImage * 4, work + part * wsBytes,
      g.sh, g.sw, g.dh, g.dw, g.pt, g.pl)));
  }));
}

/** From this many input channels the input gradient goes through the GEMM (below it, N = kh*kw*cin is too narrow). */
const GEMM_INPUT_GRAD_MIN_CIN = 4;
/** Bytes of dcol per chunk of images: the col2im gather reads it back while it is still in L2. */
const COL_CHUNK_BYTES = 512 * 1024;

/**
 * The input gradient as dcol = dy * filter^T (one GEMM over all output pixels of a chunk of
 * images: [pixels, cout] x [cout, kh*kw*cin], the filter packed once), then a gather that
 * sums each dx element's reachable taps (f32_conv2d_col2im). Every product is a real one (no
 * zero padding is multiplied), and the GEMM runs at its full rate. Threads take whole
 * images, each part with its own dcol and GEMM scratch, so a chunk's dcol is written and
 * read back by the same core while it is in its L2. Each dx element is the sum over taps
 * (ky asc, kx asc) of a sum over cout in order: the same bits at any thread count.
 */
function backpropInputByGemm(g: Geometry, xShape: Shape, dy: Tensor, filter: Tensor): Tensor {
  const { kernels } = rt();
  const k9 = g.kh * g.kw * g.cin, pixels = g.oh * g.ow;
  const inImage = g.h * g.w * g.cin, outImage = pixels * g.cout;
  const images = splitRange(g.n, threadsFor(g.n, convFlops(g), 'conv-flops'));
  const chunk = partBlock(images, Math.max(1, Math.min(g.n, Math.floor(COL_CHUNK_BYTES / (pixels * k9 * 4)))));
  const packedBytes = align16(kernels.f32_gemm_packed_b_bytes(g.cout, k9) >>> 0);
  const partBytes = align16(chunk * pixels * k9 * 4) + align16(kernels.f32_gemm_a_scratch_bytes(g.cout) >>> 0);
  return produce(xShape, (dx) => withWork(packedBytes + images.length * partBytes, (work) => {
    const packed = work;
    // op(B) = filter^T: the filter is [kh*kw*cin, cout] row-major, so transposed it is [cout, k9]
    const finite = kernels.f32_gemm_pack_b(g.cout, k9, filter.ptr, g.cout, packed, 1) === 1 ? 1 : 0;
    parallel(images.map(([i0, i1], part) => (k: Kernels) => {
      const dcol = work + packedBytes + part * partBytes, scratch = dcol + align16(chunk * pixels * k9 * 4);
      for (let i = i0; i < i1; i += chunk) {
        const m = Math.min(chunk, i1 - i);
        k.f32_gemm_packed(m * pixels, k9, g.cout, dy.ptr + i * outImage * 4, g.cout, packed, 0, dcol, k9, scratch, 0, 1, 0, finite);
        k.f32_conv2d_col2im(m, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw, dcol, dx + i * inImage * 4,
          g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, 0);
      }
    }));
  }));
}

/**
 * Gradient of conv2d with respect to its filter (tf.conv2DBackpropFilter): dfilter
 * [filterShape] from x and dy, summed over the batch and all pixels in a fixed order.
 */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: Shape, strides: Pair, pad: Padding,
  dilations: Pair = 1): Tensor {
  const fn = 'conv2dBackpropFilter';
  const g = convGeometry(fn, x.shape, filterShape, strides, pad, dilations);
  sameShape(fn, 'dy', dy.shape, [g.n, g.oh, g.ow, g.cout], `conv2d's output shape for x ${shapeText(x.shape)} and filter ${shapeText(filterShape)}`);
  if (useIm2col(g, im2colLimits.filter) && noPaddedTaps(g) && g.n * g.oh * g.ow * g.kh * g.kw * g.cin * 4 <= IM2COL_FILTER_MAX_BYTES) {
    return backpropFilterByGemm(g, x, dy);
  }
  // Threads take (tap, 8 output channels) units of df, or blocks of 8 output channels where
  // the kernel's flattened path applies (cin < 4, dw = 1); each element's sum over the batch
  // and the pixels stays whole, in one call.
  // Each part gets its own workspace for the kernel's lists of dy's nonzero pixels.
  const wsBytes = (Number(rt().kernels.f32_conv2d_grad_filter_ws_bytes(g.oh, g.ow, g.cout)) + 15) & ~15;
  if (g.cin < 4 && g.dw === 1) {
    const blocks = Math.ceil(g.cout / 8);
    const parts = splitRange(blocks, threadsFor(blocks, convFlops(g), 'conv-flops'));
    return produce([g.kh, g.kw, g.cin, g.cout], (df) => withWork(parts.length * wsBytes, (ws) =>
      parallel(parts.map(([b0, b1], i) => (k: Kernels) =>
        k.f32_conv2d_grad_filter_channels(g.n, g.h, g.w, g.cin, g.oh, g.ow, g.cout, g.kh, g.kw, x.ptr, dy.ptr, df,
          g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, b0 * 8, Math.min(g.cout, b1 * 8), ws + i * wsBytes)))));
  }
  const units = rt().kernels.conv2d_grad_filter_units(g.cout, g.kh, g.kw);
  const ranges = splitRange(units, threadsFor(units, convFlops(g), 'conv-flops'));
  return produce([g.kh, g.kw, g.cin, g.cout], (df) => withWork(ranges.length * wsBytes, (ws) => {
    // One part: the whole-range kernel; it adds every element's terms in the same order as
    // the units (same bits).
    if (ranges.length === 1) {
      rt().kernels.f32_conv2d_grad_filter(g.n, g.h, g.w, g.cin, g.oh, g.ow, g.cout, g.kh, g.kw, x.ptr, dy.ptr, df,
        g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, ws);
      return;
    }
    parallel(ranges.map(([u0, u1], i) => (k: Kernels) => k.f32_conv2d_grad_filter_units(g.n, g.h, g.w, g.cin, g.oh, g.ow, g.cout,
      g.kh, g.kw, x.ptr, dy.ptr, df, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, u0, u1, ws + i * wsBytes)));
  }));
}

/** Gradient of sum(dy * bias-broadcast) with respect to bias: dy summed over batch and pixels, per channel. */
export function conv2dBackpropBias(dy: Tensor): Tensor {
  const fn = 'conv2dBackpropBias';
  rank4(fn, 'dy', dy.shape, '[batch, outHeight, outWidth, outChannels]');
  const c = dy.shape[3];
  const rows = dy.size / c;
  // Threads take blocks of 16 channels: each column is still summed in row order by one call.
  const blocks = splitParts(c, dy.size, 'elements', 16);
  return produce([c], (db) => parallel(blocks.map(([c0, c1]) => (k: Kernels) => k.f32_column_sums(rows, c1 - c0, c, dy.ptr + 4 * c0, db + 4 * c0))));
}

// ---- pooling ----------------------------------------------------------------------------

/** Int32 indices in Wasm memory (max-pool argmax); owned, freed by dispose(). */
export class IndexBuffer {
  /** The shape of the pooled output it indexes. */
  readonly shape: Shape;
  /** Number of indices. */
  readonly size: number;
  private block: Ptr;
  private disposed = false;

  constructor(shape: Shape) {
    this.shape = shape.slice();
    this.size = sizeOf(shape);
    this.block = rt().heap.alloc(this.size * 4);
  }

  /** The indices' address in Wasm memory; throws once disposed. */
  get ptr(): Ptr {
    if (this.disposed) throw new Error(`actlab: index buffer ${shapeText(this.shape)} was disposed and cannot be used`);
    return this.block;
  }

  /** A copy of the indices. */
  dataSync(): Int32Array { return rt().heap.i32(this.ptr, this.size).slice(); }

  /** Frees the memory; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    rt().heap.free(this.block);
  }
}

/**
 * Pooling kernels run images [i0, i1) per thread: `call(k, i0, count)`. Pooling reads each
 * input element about once per window, so its threshold counts input elements.
 */
function byImages(g: Geometry, call: (k: Kernels, i0: number, count: number) => void): void {
  byImagesOf(g.n, g.n * g.h * g.w * g.cin * Math.max(1, (g.kh * g.kw) / (g.sh * g.sw)), call);
}

/** `call(k, i0, count)` over n images in parts, `elements` the work (elements touched) in all. */
function byImagesOf(n: number, elements: number, call: (k: Kernels, i0: number, count: number) => void): void {
  const images = splitParts(n, elements, 'elements');
  parallel(images.map(([i0, i1]) => (k: Kernels) => call(k, i0, i1 - i0)));
}

function maxPoolInto(g: Geometry, x: Tensor, y: Ptr, arg: Ptr): void {
  byImages(g, (k, i0, n) => k.f32_max_pool2d(n, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw, x.ptr, y, arg, g.sh, g.sw, g.pt, g.pl, i0));
}

/**
 * Max pooling (tf.maxPool), NHWC: the largest value of each filterSize window (padding
 * ignored); a NaN in the window wins. Records on the gradient tape, as tf.maxPool does.
 */
export function maxPool(x: Tensor, filterSize: Pair, strides: Pair, pad: Padding): Tensor {
  const { engine } = rt();
  if (!engine.recording) {
    const g = poolGeometry('maxPool', x.shape, filterSize, strides, pad);
    return produce([g.n, g.oh, g.ow, g.cin], (y) => maxPoolInto(g, x, y, 0));
  }
  // On the tape, each output's argmax is recorded as it runs (x is still in cache then) and
  // the backward pass uses them; the tape frees them (TapeEntry.release). Recomputing them
  // in the backward pass read x from memory again: for the slide-13 CNN's two pools that
  // took 1.24 ms per batch of 32, recording them in the forward pass 0.50 ms.
  const { result: y, argmax } = maxPoolWithArgmax(x, filterSize, strides, pad);
  engine.record({
    name: 'maxPool', inputs: [x], output: y,
    backward: (dy) => [maxPoolBackprop(dy, x, filterSize, strides, pad, argmax)],
    release: () => argmax.dispose(),
  });
  return y;
}

/**
 * Max pooling that also records, per output element, the flat index into x of the value
 * it took (the first in window order, rows then columns, on ties), for maxPoolBackprop.
 */
export function maxPoolWithArgmax(x: Tensor, filterSize: Pair, strides: Pair, pad: Padding): { result: Tensor; argmax: IndexBuffer } {
  const g = poolGeometry('maxPoolWithArgmax', x.shape, filterSize, strides, pad);
  const argmax = new IndexBuffer([g.n, g.oh, g.ow, g.cin]);
  try {
    const result = produce([g.n, g.oh, g.ow, g.cin], (y) => maxPoolInto(g, x, y, argmax.ptr));
    return { result, argmax };
  } catch (e) {
    argmax.dispose();
    throw e;
  }
}

/**
 * Gradient of maxPool with respect to x: each dy value goes to the element its window took.
 * Pass the argmax from maxPoolWithArgmax, or leave it out to recompute it from x.
 */
export function maxPoolBackprop(dy: Tensor, x: Tensor, filterSize: Pair, strides: Pair, pad: Padding,
  argmax?: IndexBuffer): Tensor {
  const fn = 'maxPoolBackprop';
  const g = poolGeometry(fn, x.shape, filterSize, strides, pad);
  const outShape = [g.n, g.oh, g.ow, g.cin];
  sameShape(fn, 'dy', dy.shape, outShape, `maxPool's output shape for x ${shapeText(x.shape)}`);
  if (argmax !== undefined) sameShape(fn, 'argmax', argmax.shape, outShape, 'one index per output element');
  const run = (arg: Ptr): Tensor => produce(x.shape, (dx) => byImages(g, (k, i0, n) => k.f32_max_pool2d_grad(n, g.h, g.w,
    g.cin, g.oh, g.ow, g.kh, g.kw, dy.ptr, arg, dx, g.sh, g.sw, g.pt, g.pl, i0)));
  if (argmax !== undefined) return run(argmax.ptr);
  return withWork(sizeOf(outShape) * 8, (work) => {
    maxPoolInto(g, x, work, work + sizeOf(outShape) * 4);
    return run(work + sizeOf(outShape) * 4);
  });
}

/** Average pooling (tf.avgPool), NHWC: the mean of each window's elements inside the input; on the gradient tape. */
export function avgPool(x: Tensor, filterSize: Pair, strides: Pair, pad: Padding): Tensor {
  const g = poolGeometry('avgPool', x.shape, filterSize, strides, pad);
  const inImage = g.h * g.w * g.cin, outImage = g.oh * g.ow * g.cin;
  const y = produce([g.n, g.oh, g.ow, g.cin], (out) => byImages(g, (k, i0, n) => k.f32_avg_pool2d(n, g.h, g.w, g.cin, g.oh, g.ow,
    g.kh, g.kw, x.ptr + i0 * inImage * 4, out + i0 * outImage * 4, g.sh, g.sw, g.pt, g.pl)));
  rt().engine.record({ name: 'avgPool', inputs: [x], output: y, backward: (dy) => [avgPoolBackprop(dy, x.shape, filterSize, strides, pad)] });
  return y;
}

/** Gradient of avgPool with respect to x (of shape xShape): each window spreads dy / count over its elements. */
export function avgPoolBackprop(dy: Tensor, xShape: Shape, filterSize: Pair, strides: Pair, pad: Padding): Tensor {
  const fn = 'avgPoolBackprop';
  const g = poolGeometry(fn, xShape, filterSize, strides, pad);
  sameShape(fn, 'dy', dy.shape, [g.n, g.oh, g.ow, g.cin], `avgPool's output shape for x ${shapeText(xShape)}`);
  const inImage = g.h * g.w * g.cin, outImage = g.oh * g.ow * g.cin;
  return produce(xShape, (dx) => byImages(g, (k, i0, n) => k.f32_avg_pool2d_grad(n, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw,
    dy.ptr + i0 * outImage * 4, dx + i0 * inImage * 4, g.sh, g.sw, g.pt, g.pl)));
}

// ---- flatten ----------------------------------------------------------------------------

/**
 * A tensor that shares its base's memory under another shape: no copy. It is valid while
 * the base lives; disposing the view leaves the base alone, disposing the base ends the view.
 * When tidy returns a view of a tensor made in its scope, the view takes the base over
 * (adoptBase) and disposing the view then frees the base too.
 */
class TensorView extends Tensor {
  private readonly base: Tensor;
  private released = false;
  private ownsBase = false;

  constructor(base: Tensor, shape: Shape) {
    super(shape, base.ptr);
    this.base = base;
  }

  override get ptr(): Ptr {
    if (this.released) throw new Error(`actlab: view ${shapeText(this.shape)} was disposed and cannot be used`);
    return this.base.ptr;
  }

  override get isDisposed(): boolean { return this.released || this.base.isDisposed; }

  override get viewBase(): Tensor { return this.base; }

  override adoptBase(): void { this.ownsBase = true; }

  override dispose(): void {
    if (this.released) return;
    this.released = true;
    if (this.ownsBase) this.base.dispose();
  }
}

/** [batch, ...rest] -> [batch, prod(rest)] as a view of the same memory (tf.layers.flatten); on the tape. */
export function flatten(x: Tensor): Tensor {
  if (x.rank < 1) throw new Error(`actlab: flatten: x ${shapeText(x.shape)} needs at least one axis (the batch)`);
  const batch = x.shape[0];
  const y = new TensorView(x, [batch, batch === 0 ? 0 : x.size / batch]);
  rt().engine.record({ name: 'flatten', inputs: [x], output: y, backward: (dy) => [dy.reshape(x.shape)] });
  return y;
}
