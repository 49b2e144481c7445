// Naive float64 references for conv2d and pooling (NHWC, filter [kh, kw, cin, cout]), with
// their analytic backward passes. Each result comes with the sum of the magnitudes of its
// terms, the scale a float32 sum's rounding error is measured against.

export type Pad = 'valid' | 'same';

export interface ConvCase {
  readonly n: number; readonly h: number; readonly w: number; readonly cin: number;
  readonly kh: number; readonly kw: number; readonly cout: number;
  readonly sh: number; readonly sw: number; readonly dh: number; readonly dw: number;
  readonly pad: Pad;
}

export interface Dims { readonly oh: number; readonly ow: number; readonly pt: number; readonly pl: number }

/** Output size and padding before; undefined when 'valid' padding leaves no output. */
export function outDims(c: ConvCase): Dims | undefined {
  const one = (size: number, k: number, s: number, d: number): [number, number] | undefined => {
    const ek = (k - 1) * d + 1;
    if (c.pad === 'valid') return ek > size ? undefined : [Math.ceil((size - ek + 1) / s), 0];
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max((out - 1) * s + ek - size, 0) / 2)];
  };
  const y = one(c.h, c.kh, c.sh, c.dh), x = one(c.w, c.kw, c.sw, c.dw);
  return y && x ? { oh: y[0], ow: x[0], pt: y[1], pl: x[1] } : undefined;
}

export interface Result { readonly v: Float64Array; readonly scale: Float64Array }

/** Calls visit(xIndex, fIndex, yIndex) for every (input, filter, output) triple of the convolution. */
function eachTerm(c: ConvCase, d: Dims, visit: (xi: number, fi: number, yi: number) => void): void {
  for (let b = 0; b < c.n; b++) for (let oy = 0; oy < d.oh; oy++) for (let ox = 0; ox < d.ow; ox++) {
    for (let ky = 0; ky < c.kh; ky++) {
      const iy = oy * c.sh - d.pt + ky * c.dh;
      if (iy < 0 || iy >= c.h) continue;
      for (let kx = 0; kx < c.kw; kx++) {
        const ix = ox * c.sw - d.pl + kx * c.dw;
        if (ix < 0 || ix >= c.w) continue;
        for (let ci = 0; ci < c.cin; ci++) for (let co = 0; co < c.cout; co++) {
          visit(((b * c.h + iy) * c.w + ix) * c.cin + ci, ((ky * c.kw + kx) * c.cin + ci) * c.cout + co,
            ((b * d.oh + oy) * d.ow + ox) * c.cout + co);
        }
      }
    }
  }
}

export function refConv2d(c: ConvCase, d: Dims, x: ArrayLike<number>, f: ArrayLike<number>, bias?: ArrayLike<number>): Result {
  const size = c.n * d.oh * d.ow * c.cout;
  const v = new Float64Array(size), scale = new Float64Array(size);
  eachTerm(c, d, (xi, fi, yi) => { const t = x[xi] * f[fi]; v[yi] += t; scale[yi] += Math.abs(t); });
  if (bias) for (let i = 0; i < size; i++) { v[i] += bias[i % c.cout]; scale[i] += Math.abs(bias[i % c.cout]); }
  return { v, scale };
}

export function refConv2dGradInput(c: ConvCase, d: Dims, dy: ArrayLike<number>, f: ArrayLike<number>): Result {
  const size = c.n * c.h * c.w * c.cin;
  const v = new Float64Array(size), scale = new Float64Array(size);
  eachTerm(c, d, (xi, fi, yi) => { const t = dy[yi] * f[fi]; v[xi] += t; scale[xi] += Math.abs(t); });
  return { v, scale };
}

export function refConv2dGradFilter(c: ConvCase, d: Dims, x: ArrayLike<number>, dy: ArrayLike<number>): Result {
  const size = c.kh * c.kw * c.cin * c.cout;
  const v = new Float64Array(size), scale = new Float64Array(size);
  eachTerm(c, d, (xi, fi, yi) => { const t = x[xi] * dy[yi]; v[fi] += t; scale[fi] += Math.abs(t); });
  return { v, scale };
}

/**
 * The filter gradient as the kernel's own float32 chain: per element, +0 plus fl(x * dy) in
 * (n, oy, ox) order, each add rounded to float32 (float64 arithmetic on float32 operands,
 * rounded once, is the float32 operation). The kernel must match it bit for bit.
 */
export function refConv2dGradFilterF32(c: ConvCase, d: Dims, x: ArrayLike<number>, dy: ArrayLike<number>): Float32Array {
  const v = new Float32Array(c.kh * c.kw * c.cin * c.cout);
  eachTerm(c, d, (xi, fi, yi) => { v[fi] = v[fi] + Math.fround(x[xi] * dy[yi]); });
  return v;
}

// ---- pooling (filter kh x kw, strides, no dilation; cin = cout = channels) ------------------

export interface PoolCase {
  readonly n: number; readonly h: number; readonly w: number; readonly c: number;
  readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number; readonly pad: Pad;
}

export function poolDims(p: PoolCase): Dims | undefined {
  return outDims({ n: p.n, h: p.h, w: p.w, cin: p.c, kh: p.kh, kw: p.kw, cout: p.c, sh: p.sh, sw: p.sw, dh: 1, dw: 1, pad: p.pad });
}

/** Calls visit(outIndex, inputIndices in window order) for every output element. */
function eachWindow(p: PoolCase, d: Dims, visit: (yi: number, xs: number[]) => void): void {
  for (let b = 0; b < p.n; b++) for (let oy = 0; oy < d.oh; oy++) for (let ox = 0; ox < d.ow; ox++) {
    for (let ch = 0; ch < p.c; ch++) {
      const xs: number[] = [];
      for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++) {
        const iy = oy * p.sh - d.pt + ky, ix = ox * p.sw - d.pl + kx;
        if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) xs.push(((b * p.h + iy) * p.w + ix) * p.c + ch);
      }
      visit(((b * d.oh + oy) * d.ow + ox) * p.c + ch, xs);
    }
  }
}

/** Max pool: value and the first index of the maximum (a NaN wins, the first NaN). */
export function refMaxPool(p: PoolCase, d: Dims, x: ArrayLike<number>): { v: Float64Array; arg: Int32Array } {
  const size = p.n * d.oh * d.ow * p.c;
  const v = new Float64Array(size), arg = new Int32Array(size);
  eachWindow(p, d, (yi, xs) => {
    let best = xs[0];
    for (const i of xs) {
      if (Number.isNaN(x[best])) break;
      if (Number.isNaN(x[i]) || x[i] > x[best]) best = i;
    }
    v[yi] = x[best];
    arg[yi] = best;
  });
  return { v, arg };
}

export function refMaxPoolGrad(xSize: number, dy: ArrayLike<number>, arg: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(xSize);
  for (let i = 0; i < dy.length; i++) dx[arg[i]] += dy[i];
  return dx;
}

export function refAvgPool(p: PoolCase, d: Dims, x: ArrayLike<number>): Result {
  const size = p.n * d.oh * d.ow * p.c;
  const v = new Float64Array(size), scale = new Float64Array(size);
  eachWindow(p, d, (yi, xs) => {
    for (const i of xs) { v[yi] += x[i]; scale[yi] += Math.abs(x[i]); }
    v[yi] /= xs.length;
    scale[yi] /= xs.length;
  });
  return { v, scale };
}

export function refAvgPoolGrad(p: PoolCase, d: Dims, dy: ArrayLike<number>): Result {
  const size = p.n * p.h * p.w * p.c;
  const v = new Float64Array(size), scale = new Float64Array(size);
  eachWindow(p, d, (yi, xs) => {
    for (const i of xs) { v[i] += dy[yi] / xs.length; scale[i] += Math.abs(dy[yi]) / xs.length; }
  });
  return { v, scale };
}

/** Central finite differences of a float64 scalar function at p, one coordinate at a time. */
export function finiteDiff(p: Float64Array, fn: (q: Float64Array) => number, h = 1e-4): Float64Array {
  const g = new Float64Array(p.length);
  const q = Float64Array.from(p);
  for (let i = 0; i < p.length; i++) {
    q[i] = p[i] + h; const up = fn(q);
    q[i] = p[i] - h; const down = fn(q);
    q[i] = p[i];
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** sum_i a_i * b_i in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
