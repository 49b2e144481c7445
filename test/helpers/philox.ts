// A plain TypeScript Philox4x32-10 (BigInt products) and the reference transforms the
// random kernels must reproduce: the spec the Wasm code is checked against.
const M0 = 0xd2511f53n, M1 = 0xcd9e8d57n;
const W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1): four uint32 words. */
export function philox(c: readonly number[], k: readonly number[]): number[] {
  let [c0, c1, c2, c3] = c.map((v) => v >>> 0);
  let [k0, k1] = k.map((v) => v >>> 0);
  for (let r = 0; r < 10; r++) {
    const p0 = M0 * BigInt(c0), p1 = M1 * BigInt(c2);
    const n0 = (Number(p1 >> 32n) ^ c1 ^ k0) >>> 0;
    const n2 = (Number(p0 >> 32n) ^ c3 ^ k1) >>> 0;
    c1 = Number(p1 & 0xffffffffn);
    c3 = Number(p0 & 0xffffffffn);
    c0 = n0;
    c2 = n2;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** Domains (counter word c3) used by the kernels. */
export const DOMAIN = { uniform: 0, normal: 1, permutation: 2, fork: 3 } as const;

/** Element j of a uniform stream, bit-exact: every step is one float32 rounding. */
export function refUniform(j: number, key: readonly number[], stream: number, lo: number, hi: number): number {
  const w = philox([j >>> 2, stream, 0, DOMAIN.uniform], key)[j & 3];
  const u = (w >>> 8) * 2 ** -24;
  const l = Math.fround(lo), h = Math.fround(hi);
  const v = Math.fround(l + Math.fround(Math.fround(h - l) * u));
  return v < h ? v : h;
}

/** Element j of a standard normal stream in float64 (Box-Muller with Math): the kernel must be close. */
export function refNormal(j: number, key: readonly number[], stream: number, attempt = 0): number {
  const w = philox([j >>> 2, stream, attempt, DOMAIN.normal], key);
  const pair = (j & 3) >> 1;
  const u1 = ((w[2 * pair] >>> 8) + 1) * 2 ** -24;
  const u2 = (w[2 * pair + 1] >>> 8) * 2 ** -24;
  const r = Math.sqrt(-2 * Math.log(u1));
  return (j & 1) === 0 ? r * Math.cos(2 * Math.PI * u2) : r * Math.sin(2 * Math.PI * u2);
}

/** Fisher-Yates with Lemire's unbiased bounded draws on the permutation stream. */
export function refPermutation(n: number, key: readonly number[], stream: number): Int32Array {
  const out = Int32Array.from({ length: n }, (_, i) => i);
  let wi = 0;
  let block: number[] = [];
  for (let i = n - 1; i > 0; i--) {
    const bound = BigInt(i + 1);
    const t = (2n ** 32n - bound) % bound;
    let m: bigint;
    do {
      if ((wi & 3) === 0) block = philox([wi >>> 2, stream, 0, DOMAIN.permutation], key);
      m = BigInt(block[wi & 3]) * bound;
      wi++;
    } while ((m & 0xffffffffn) < t);
    const j = Number(m >> 32n);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Standard normal CDF (erf by Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: ample for KS bounds). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Kolmogorov-Smirnov statistic of samples against a CDF. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (v: number) => number): number {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/** FNV-1a over the bytes of a typed array: a short fingerprint for golden values. */
export function fnv1a(a: ArrayBufferView): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `0x${h.toString(16).padStart(8, '0')}`;
}

/** Float32 bit patterns as hex strings. */
export function bitsHex(a: ArrayLike<number>): string[] {
  return Array.from(new Uint32Array(Float32Array.from(a).buffer), (v) => `0x${v.toString(16).padStart(8, '0')}`);
}
