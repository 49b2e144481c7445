// One row per activation. A row names its kernels, its parameters (defaults and valid
// ranges), what its gradient saves, its formula and paper, and a float64 reference used
// by the tests. Layers, the CLI, plots, tests and benchmarks enumerate this table. Adding
// an activation: a kernel class in assembly/activations.ts, its name in ACTIVATION_NAMES
// and a row here, a colour in src/plot/series.ts; the README's "Adding an activation" has
// the rest (test parameter sets, the pinned cross-runtime hash, the README's list).
import type { Kernels } from '../core/wasm.js';
import type { Ptr } from '../core/heap.js';

/** One parameter of a registry activation: its name, default and valid range. */
export interface ParamSpec {
  /** The key in a params object (`alpha`, `beta`, ...). */
  readonly name: string;
  /** The value used when none is given. */
  readonly default: number;
  /** Valid range; an open end excludes the bound itself. */
  readonly min: number;
  /** Upper end of the valid range. */
  readonly max: number;
  /** True when min itself is excluded. */
  readonly minOpen?: boolean;
  /** True when max itself is excluded. */
  readonly maxOpen?: boolean;
  /** A gradient with respect to this parameter is available (paramGrad). */
  readonly learnable?: boolean;
  /** One value per channel of the last axis (or one value broadcast to all). */
  readonly perChannel?: boolean;
  /** What the parameter does, one line. */
  readonly doc: string;
}

/** Parameter values as the kernels take them. */
export interface KernelArgs {
  /** Scalar parameter values in the row's parameter order (0 for a per-channel one). */
  readonly s: readonly number[];
  /** Channels on the last axis for a per-channel parameter, else 1. */
  readonly channels: number;
  /** Pointer to the per-channel values, else 0. */
  readonly vec: Ptr;
}

/** What the float64 reference returns at one point. */
export interface Reference {
  /** f(x). */
  readonly f: number;
  /** f'(x). */
  readonly df: number;
  /** Sum of the magnitudes of the terms that make df (condition of the sum; |df| if absent). */
  readonly dfScale?: number;
  /** df/dparam for each learnable parameter, in parameter order. */
  readonly dp?: readonly number[];
}

/** Every registry name, in table order (a test checks it against ACTIVATIONS). */
export const ACTIVATION_NAMES = [
  'sigmoid', 'tanh', 'relu', 'relu6', 'leakyRelu', 'prelu', 'elu', 'selu', 'celu', 'gelu', 'geluTanh', 'swish', 'silu',
  'scaledSwish', 'mish', 'softplus', 'softsign', 'hardSigmoid', 'hardSwish', 'hardTanh', 'logSigmoid', 'tanhShrink',
  'softShrink', 'hardShrink', 'exponential', 'linear',
] as const;

/** A registry activation's name: the type lets the compiler catch a misspelt one. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** A registry row: one activation's name, parameters, formulas, paper, kernels and float64 reference. */
export interface Activation {
  /** The registry name. */
  readonly name: ActivationName;
  /** Its parameters in kernel order (empty for none). */
  readonly params: readonly ParamSpec[];
  /** What backward needs kept from the forward pass. */
  readonly saves: 'input';
  /** f(x) in LaTeX. */
  readonly formula: string;
  /** f'(x) in LaTeX. */
  readonly derivative: string;
  /** The paper that introduced or defines it, with a link where one exists. */
  readonly paper?: string;
  /**
   * The name tfjs-layers 4.22 serialises this activation under, when it has the same one
   * (its hard_sigmoid is 0.2x + 0.5, not this default, and it has no exponential).
   */
  readonly keras?: string;
  /** Extra validation across parameters; returns a message when the values are invalid. */
  readonly check?: (p: readonly number[]) => string | undefined;
  /** Runs the forward kernel: y = f(x) over n float32 values at Wasm addresses (y may equal x). */
  readonly forward: (k: Kernels, n: number, x: Ptr, y: Ptr, a: KernelArgs) => void;
  /** Runs the backward kernel: dx = dy * f'(x) over n values (dx may equal dy). */
  readonly backward: (k: Kernels, n: number, x: Ptr, dy: Ptr, dx: Ptr, a: KernelArgs) => void;
  /** Writes sum(dy * df/dp) for each learnable parameter (per-channel ones: one per channel) to out. */
  readonly paramGrad?: (k: Kernels, n: number, x: Ptr, dy: Ptr, out: Ptr, a: KernelArgs) => void;
  /** float64 reference at x (x and the parameters are float32 values). */
  readonly reference: (x: number, p: readonly number[]) => Reference;
}

// ---- float64 helpers for the references ------------------------------------------------

const sig = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + e^z) without overflow. */
const softplus64 = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const clip = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** erfc(x) for x >= 0 to about 1e-13 relative: Taylor series of erf below 2.5, continued fraction above. */
export function erfc64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 2.5) {
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x === Infinity) return 0;
  // erfc x = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards.
  let t = x;
  for (let k = 120; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / t;
}
const normalCdf = (x: number): number => (x >= 0 ? 1 - erfc64(x / Math.SQRT2) / 2 : erfc64(-x / Math.SQRT2) / 2);
const normalPdf = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const GELU_C = Math.sqrt(2 / Math.PI);

const PAPERS = {
  relu: 'Nair & Hinton, Rectified Linear Units Improve Restricted Boltzmann Machines, ICML 2010',
  leaky: 'Maas et al., Rectifier Nonlinearities Improve Neural Network Acoustic Models, ICML 2013',
  prelu: 'He et al., Delving Deep into Rectifiers, 2015. https://arxiv.org/abs/1502.01852',
  elu: 'Clevert et al., Fast and Accurate Deep Network Learning by Exponential Linear Units, 2015. https://arxiv.org/abs/1511.07289',
  selu: 'Klambauer et al., Self-Normalizing Neural Networks, 2017. https://arxiv.org/abs/1706.02515',
  celu: 'Barron, Continuously Differentiable Exponential Linear Units, 2017. https://arxiv.org/abs/1704.07483',
  gelu: 'Hendrycks & Gimpel, Gaussian Error Linear Units (GELUs), 2016. https://arxiv.org/abs/1606.08415',
  swish: 'Ramachandran, Zoph & Le, Searching for Activation Functions, 2017. https://arxiv.org/abs/1710.05941',
  mish: 'Misra, Mish: A Self Regularized Non-Monotonic Activation Function, 2019. https://arxiv.org/abs/1908.08681',
  hardswish: 'Howard et al., Searching for MobileNetV3, 2019. https://arxiv.org/abs/1905.02244',
  survey: 'Dubey, Singh & Chaudhuri, Activation Functions in Deep Learning: A Comprehensive Survey and Benchmark, 2021. https://arxiv.org/abs/2109.14545',
  softsign: 'Bergstra et al., Quadratic Polynomials Learn Better Image Features, 2009',
  softplus: 'Dugas et al., Incorporating Second-Order Functional Knowledge for Better Option Pricing, NIPS 2000',
};

const FINITE = { min: -Infinity, max: Infinity, minOpen: true, maxOpen: true } as const;
const POSITIVE = { min: 0, max: Infinity, minOpen: true, maxOpen: true } as const;
const NON_NEGATIVE = { min: 0, max: Infinity, maxOpen: true } as const;

/** Every registry row, in table order (activations.list() returns the same array). */
export const ACTIVATIONS: readonly Activation[] = [
  {
    name: 'sigmoid', params: [], saves: 'input', keras: 'sigmoid', paper: PAPERS.survey,
    formula: String.raw`\sigma(x) = \frac{1}{1 + e^{-x}}`,
    derivative: String.raw`\sigma(x)\,(1 - \sigma(x))`,
    forward: (k, n, x, y) => k.f32_sigmoid(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_sigmoid_grad(n, x, dy, dx),
    reference: (x) => ({ f: sig(x), df: sig(x) * sig(-x) }),
  },
  {
    name: 'tanh', params: [], saves: 'input', keras: 'tanh', paper: PAPERS.survey,
    formula: String.raw`\tanh(x) = \frac{e^x - e^{-x}}{e^x + e^{-x}}`,
    derivative: String.raw`1 - \tanh^2(x)`,
    forward: (k, n, x, y) => k.f32_tanh(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_tanh_grad(n, x, dy, dx),
    reference: (x) => ({ f: Math.tanh(x), df: 1 / Math.cosh(x) ** 2 }),
  },
  {
    name: 'relu', params: [], saves: 'input', keras: 'relu', paper: PAPERS.relu,
    formula: String.raw`\max(0, x)`,
    derivative: String.raw`\begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}`,
    forward: (k, n, x, y) => k.f32_relu(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_relu_grad(n, x, dy, dx),
    reference: (x) => ({ f: Math.max(0, x), df: x > 0 ? 1 : 0 }),
  },
  {
    name: 'relu6', params: [], saves: 'input', keras: 'relu6', paper: PAPERS.hardswish,
    formula: String.raw`\min(\max(0, x), 6)`,
    derivative: String.raw`\begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}`,
    forward: (k, n, x, y) => k.f32_relu6(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_relu6_grad(n, x, dy, dx),
    reference: (x) => ({ f: clip(x, 0, 6), df: x > 0 && x < 6 ? 1 : 0 }),
  },
  {
    name: 'leakyRelu', saves: 'input', paper: PAPERS.leaky,
    params: [{ name: 'alpha', default: 0.01, ...NON_NEGATIVE, doc: 'slope for x <= 0 (the seed and PyTorch use 0.01; tf.leakyRelu 0.2)' }],
    formula: String.raw`\begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}`,
    derivative: String.raw`\begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_leaky_relu(n, x, y, a.s[0]),
    backward: (k, n, x, dy, dx, a) => k.f32_leaky_relu_grad(n, x, dy, dx, a.s[0]),
    reference: (x, [alpha]) => (x > 0 ? { f: x, df: 1 } : { f: alpha * x, df: alpha }),
  },
  {
    name: 'prelu', saves: 'input', paper: PAPERS.prelu,
    params: [{ name: 'alpha', default: 0.25, ...FINITE, learnable: true, perChannel: true, doc: 'learnable slope for x <= 0, one per channel (last axis) or one shared' }],
    formula: String.raw`\begin{cases} x & x > 0 \\ \alpha_c x & x \le 0 \end{cases}`,
    derivative: String.raw`\frac{\partial f}{\partial x} = \begin{cases} 1 & x > 0 \\ \alpha_c & x \le 0 \end{cases},\quad \frac{\partial f}{\partial \alpha_c} = \begin{cases} 0 & x > 0 \\ x & x \le 0 \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_prelu(n, a.channels, x, a.vec, y),
    backward: (k, n, x, dy, dx, a) => k.f32_prelu_grad(n, a.channels, x, a.vec, dy, dx),
    paramGrad: (k, n, x, dy, out, a) => k.f32_prelu_grad_alpha(n, a.channels, x, dy, out),
    reference: (x, [alpha]) => (x > 0 ? { f: x, df: 1, dp: [0] } : { f: alpha * x, df: alpha, dp: [x] }),
  },
  {
    name: 'elu', saves: 'input', keras: 'elu', paper: PAPERS.elu,
    params: [{ name: 'alpha', default: 1, ...NON_NEGATIVE, doc: 'saturation value -alpha for x -> -inf' }],
    formula: String.raw`\begin{cases} x & x > 0 \\ \alpha (e^x - 1) & x \le 0 \end{cases}`,
    derivative: String.raw`\begin{cases} 1 & x > 0 \\ \alpha e^x & x \le 0 \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_elu(n, x, y, a.s[0]),
    backward: (k, n, x, dy, dx, a) => k.f32_elu_grad(n, x, dy, dx, a.s[0]),
    reference: (x, [alpha]) => (x > 0 ? { f: x, df: 1 } : { f: alpha * Math.expm1(x), df: alpha * Math.exp(x) }),
  },
  {
    name: 'selu', params: [], saves: 'input', keras: 'selu', paper: PAPERS.selu,
    formula: String.raw`\lambda \begin{cases} x & x > 0 \\ \alpha (e^x - 1) & x \le 0 \end{cases},\ \lambda \approx 1.0507,\ \alpha \approx 1.6733`,
    derivative: String.raw`\lambda \begin{cases} 1 & x > 0 \\ \alpha e^x & x \le 0 \end{cases}`,
    forward: (k, n, x, y) => k.f32_selu(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_selu_grad(n, x, dy, dx),
    reference: (x) => (x > 0 ? { f: SELU_SCALE * x, df: SELU_SCALE }
      : { f: SELU_SCALE * SELU_ALPHA * Math.expm1(x), df: SELU_SCALE * SELU_ALPHA * Math.exp(x) }),
  },
  {
    name: 'celu', saves: 'input', paper: PAPERS.celu,
    params: [{ name: 'alpha', default: 1, ...POSITIVE, doc: 'scale of the negative branch' }],
    formula: String.raw`\max(0, x) + \min\left(0, \alpha (e^{x/\alpha} - 1)\right)`,
    derivative: String.raw`\begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_celu(n, x, y, a.s[0]),
    backward: (k, n, x, dy, dx, a) => k.f32_celu_grad(n, x, dy, dx, a.s[0]),
    reference: (x, [alpha]) => (x > 0 ? { f: x, df: 1 } : { f: alpha * Math.expm1(x / alpha), df: Math.exp(x / alpha) }),
  },
  {
    name: 'gelu', params: [], saves: 'input', keras: 'gelu', paper: PAPERS.gelu,
    formula: String.raw`x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}\right)`,
    derivative: String.raw`\Phi(x) + x\,\varphi(x),\quad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}`,
    forward: (k, n, x, y) => k.f32_gelu(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_gelu_grad(n, x, dy, dx),
    reference: (x) => {
      if (x === -Infinity) return { f: -0, df: 0 };
      const cdf = normalCdf(x), t = x === Infinity ? 0 : x * normalPdf(x);
      return { f: x * cdf, df: cdf + t, dfScale: Math.abs(cdf) + Math.abs(t) };
    },
  },
  {
    name: 'geluTanh', params: [], saves: 'input', keras: 'gelu_new', paper: PAPERS.gelu,
    formula: String.raw`\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)`,
    derivative: String.raw`\sigma(2u) + 2x\,\sigma(2u)\,\sigma(-2u)\,u',\ u = \sqrt{2/\pi}\,(x + 0.044715 x^3)`,
    forward: (k, n, x, y) => k.f32_gelu_tanh(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_gelu_tanh_grad(n, x, dy, dx),
    reference: (x) => {
      if (x === -Infinity) return { f: -0, df: 0 };
      const u = GELU_C * (x + 0.044715 * x * x * x), du = GELU_C * (1 + 3 * 0.044715 * x * x);
      const s = sig(2 * u), t = 2 * x * s * sig(-2 * u) * du;
      return { f: x * s, df: s + (Number.isFinite(t) ? t : 0), dfScale: Math.abs(s) + (Number.isFinite(t) ? Math.abs(t) : 0) };
    },
  },
  {
    name: 'swish', saves: 'input', keras: 'swish', paper: PAPERS.swish,
    params: [{ name: 'beta', default: 1, ...FINITE, learnable: true, doc: 'gate sharpness; beta = 1 is SiLU, beta -> inf approaches ReLU' }],
    formula: String.raw`x\,\sigma(\beta x)`,
    derivative: String.raw`\frac{\partial f}{\partial x} = \sigma(\beta x)\left(1 + \beta x\,(1 - \sigma(\beta x))\right),\quad \frac{\partial f}{\partial \beta} = x^2 \sigma(\beta x)(1 - \sigma(\beta x))`,
    forward: (k, n, x, y, a) => k.f32_swish(n, x, y, a.s[0]),
    backward: (k, n, x, dy, dx, a) => k.f32_swish_grad(n, x, dy, dx, a.s[0]),
    paramGrad: (k, n, x, dy, out, a) => k.f32_swish_grad_beta(n, x, dy, out, a.s[0]),
    reference: (x, [beta]) => {
      const z = beta * x, s = sig(z), sm = sig(-z), t = s * sm === 0 ? 0 : z * s * sm;
      return { f: s === 0 ? 0 : x * s, df: s + t, dfScale: s + Math.abs(t), dp: [s * sm === 0 ? 0 : x * x * s * sm] };
    },
  },
  {
    name: 'silu', params: [], saves: 'input', paper: PAPERS.swish,
    formula: String.raw`x\,\sigma(x)`,
    derivative: String.raw`\sigma(x)\left(1 + x\,(1 - \sigma(x))\right)`,
    forward: (k, n, x, y) => k.f32_swish(n, x, y, 1),
    backward: (k, n, x, dy, dx) => k.f32_swish_grad(n, x, dy, dx, 1),
    reference: (x) => {
      const s = sig(x), sm = sig(-x), t = s * sm === 0 ? 0 : x * s * sm;
      return { f: s === 0 ? 0 : x * s, df: s + t, dfScale: s + Math.abs(t) };
    },
  },
  {
    name: 'scaledSwish', saves: 'input', paper: PAPERS.swish,
    params: [
      { name: 'alpha', default: 0.5, ...FINITE, learnable: true, doc: 'output scale (the seed starts it at 0.5)' },
      { name: 'beta', default: 1, ...FINITE, learnable: true, doc: 'gate sharpness (the seed starts it at 1.0)' },
    ],
    formula: String.raw`\alpha\,x\,\sigma(\beta x)`,
    derivative: String.raw`\frac{\partial f}{\partial x} = \alpha\,\sigma(\beta x)\left(1 + \beta x (1 - \sigma(\beta x))\right),\ \frac{\partial f}{\partial \alpha} = x\,\sigma(\beta x),\ \frac{\partial f}{\partial \beta} = \alpha x^2 \sigma(\beta x)(1 - \sigma(\beta x))`,
    forward: (k, n, x, y, a) => k.f32_scaled_swish(n, x, y, a.s[0], a.s[1]),
    backward: (k, n, x, dy, dx, a) => k.f32_scaled_swish_grad(n, x, dy, dx, a.s[0], a.s[1]),
    paramGrad: (k, n, x, dy, out, a) => {
      k.f32_scaled_swish_grad_alpha(n, x, dy, out, a.s[0], a.s[1]);
      k.f32_scaled_swish_grad_beta(n, x, dy, out + 4, a.s[0], a.s[1]);
    },
    reference: (x, [alpha, beta]) => {
      const z = beta * x, s = sig(z), sm = sig(-z), t = s * sm === 0 ? 0 : z * s * sm;
      const xs = s === 0 ? 0 : x * s;
      return {
        f: alpha * xs, df: alpha * (s + t), dfScale: Math.abs(alpha) * (s + Math.abs(t)),
        dp: [xs, s * sm === 0 ? 0 : alpha * x * x * s * sm],
      };
    },
  },
  {
    name: 'mish', params: [], saves: 'input', keras: 'mish', paper: PAPERS.mish,
    formula: String.raw`x \tanh(\operatorname{softplus}(x))`,
    derivative: String.raw`\tanh(\operatorname{sp}(x)) + x\,\operatorname{sech}^2(\operatorname{sp}(x))\,\sigma(x)`,
    forward: (k, n, x, y) => k.f32_mish(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_mish_grad(n, x, dy, dx),
    reference: (x) => {
      const sp = softplus64(x), t = Math.tanh(sp), sech2 = 1 / Math.cosh(sp) ** 2;
      const g = x === -Infinity ? 0 : x * sech2 * sig(x);
      return { f: x === -Infinity ? -0 : x * t, df: t + g, dfScale: Math.abs(t) + Math.abs(g) };
    },
  },
  {
    name: 'softplus', saves: 'input', keras: 'softplus', paper: PAPERS.softplus,
    params: [
      { name: 'beta', default: 1, ...POSITIVE, doc: 'sharpness: log(1 + e^(beta x)) / beta' },
      { name: 'threshold', default: 20, ...POSITIVE, doc: 'above beta x > threshold the function is x itself (as PyTorch)' },
    ],
    formula: String.raw`\frac{1}{\beta}\log\left(1 + e^{\beta x}\right)`,
    derivative: String.raw`\sigma(\beta x)`,
    forward: (k, n, x, y, a) => k.f32_softplus(n, x, y, a.s[0], a.s[1]),
    backward: (k, n, x, dy, dx, a) => k.f32_softplus_grad(n, x, dy, dx, a.s[0], a.s[1]),
    reference: (x, [beta, threshold]) => (beta * x > threshold ? { f: x, df: 1 }
      : { f: softplus64(beta * x) / beta, df: sig(beta * x) }),
  },
  {
    name: 'softsign', params: [], saves: 'input', keras: 'softsign', paper: PAPERS.softsign,
    formula: String.raw`\frac{x}{1 + |x|}`,
    derivative: String.raw`\frac{1}{(1 + |x|)^2}`,
    forward: (k, n, x, y) => k.f32_softsign(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_softsign_grad(n, x, dy, dx),
    reference: (x) => ({ f: Number.isFinite(x) ? x / (1 + Math.abs(x)) : Math.sign(x), df: 1 / (1 + Math.abs(x)) ** 2 }),
  },
  {
    name: 'hardSigmoid', saves: 'input', paper: PAPERS.hardswish,
    params: [
      { name: 'slope', default: 1 / 6, ...POSITIVE, doc: '1/6 as Keras 3 and PyTorch (relu6(x+3)/6); 0.2 as tfjs and Keras 2' },
      { name: 'offset', default: 0.5, ...FINITE, doc: 'value at x = 0' },
    ],
    formula: String.raw`\min(\max(a x + b, 0), 1)`,
    derivative: String.raw`\begin{cases} a & 0 < a x + b < 1 \\ 0 & \text{otherwise} \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_hard_sigmoid(n, x, y, a.s[0], a.s[1]),
    backward: (k, n, x, dy, dx, a) => k.f32_hard_sigmoid_grad(n, x, dy, dx, a.s[0], a.s[1]),
    reference: (x, [slope, offset]) => {
      const v = slope * x + offset;
      return { f: clip(v, 0, 1), df: v > 0 && v < 1 ? slope : 0 };
    },
  },
  {
    name: 'hardSwish', params: [], saves: 'input', paper: PAPERS.hardswish,
    formula: String.raw`x\,\frac{\operatorname{relu6}(x + 3)}{6}`,
    derivative: String.raw`\begin{cases} 0 & x < -3 \\ (2x + 3)/6 & -3 \le x \le 3 \\ 1 & x > 3 \end{cases}`,
    forward: (k, n, x, y) => k.f32_hard_swish(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_hard_swish_grad(n, x, dy, dx),
    reference: (x) => ({ f: (x * clip(x + 3, 0, 6)) / 6, df: x < -3 ? 0 : x <= 3 ? (2 * x + 3) / 6 : 1 }),
  },
  {
    name: 'hardTanh', saves: 'input', paper: PAPERS.survey,
    params: [
      { name: 'min', default: -1, ...FINITE, doc: 'lower clip value' },
      { name: 'max', default: 1, ...FINITE, doc: 'upper clip value (above min)' },
    ],
    check: ([lo, hi]) => (lo < hi ? undefined : `min (${lo}) must be below max (${hi})`),
    formula: String.raw`\min(\max(x, a), b)`,
    derivative: String.raw`\begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_hard_tanh(n, x, y, a.s[0], a.s[1]),
    backward: (k, n, x, dy, dx, a) => k.f32_hard_tanh_grad(n, x, dy, dx, a.s[0], a.s[1]),
    reference: (x, [lo, hi]) => ({ f: clip(x, lo, hi), df: x > lo && x < hi ? 1 : 0 }),
  },
  {
    name: 'logSigmoid', params: [], saves: 'input', paper: PAPERS.survey,
    formula: String.raw`\log \sigma(x) = -\log(1 + e^{-x})`,
    derivative: String.raw`1 - \sigma(x)`,
    forward: (k, n, x, y) => k.f32_log_sigmoid(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_log_sigmoid_grad(n, x, dy, dx),
    reference: (x) => ({ f: -softplus64(-x), df: sig(-x) }),
  },
  {
    name: 'tanhShrink', params: [], saves: 'input', paper: PAPERS.survey,
    formula: String.raw`x - \tanh(x)`,
    derivative: String.raw`\tanh^2(x)`,
    forward: (k, n, x, y) => k.f32_tanh_shrink(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_tanh_shrink_grad(n, x, dy, dx),
    reference: (x) => {
      // Below 0.3 the series (tanh's Taylor coefficients) avoids x - tanh x cancelling.
      const c = [1 / 3, -2 / 15, 17 / 315, -62 / 2835, 1382 / 155925, -21844 / 6081075, 929569 / 638512875];
      let f: number;
      if (Math.abs(x) < 0.3) {
        const z = x * x;
        let p = 0;
        for (let i = c.length - 1; i >= 0; i--) p = p * z + c[i];
        f = p * z * x;
      } else {
        f = x - Math.tanh(x);
      }
      return { f, df: Math.tanh(x) ** 2 };
    },
  },
  {
    name: 'softShrink', saves: 'input', paper: PAPERS.survey,
    params: [{ name: 'lambda', default: 0.5, ...NON_NEGATIVE, doc: 'half-width of the zero band' }],
    formula: String.raw`\begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ 0 & \text{otherwise} \end{cases}`,
    derivative: String.raw`\begin{cases} 1 & |x| > \lambda \\ 0 & \text{otherwise} \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_soft_shrink(n, x, y, a.s[0]),
    backward: (k, n, x, dy, dx, a) => k.f32_soft_shrink_grad(n, x, dy, dx, a.s[0]),
    reference: (x, [l]) => ({ f: x > l ? x - l : x < -l ? x + l : 0, df: Math.abs(x) > l ? 1 : 0 }),
  },
  {
    name: 'hardShrink', saves: 'input', paper: PAPERS.survey,
    params: [{ name: 'lambda', default: 0.5, ...NON_NEGATIVE, doc: 'half-width of the zero band' }],
    formula: String.raw`\begin{cases} x & |x| > \lambda \\ 0 & \text{otherwise} \end{cases}`,
    derivative: String.raw`\begin{cases} 1 & |x| > \lambda \\ 0 & \text{otherwise} \end{cases}`,
    forward: (k, n, x, y, a) => k.f32_hard_shrink(n, x, y, a.s[0]),
    backward: (k, n, x, dy, dx, a) => k.f32_hard_shrink_grad(n, x, dy, dx, a.s[0]),
    reference: (x, [l]) => ({ f: Math.abs(x) > l ? x : 0, df: Math.abs(x) > l ? 1 : 0 }),
  },
  {
    name: 'exponential', params: [], saves: 'input', paper: PAPERS.survey,
    formula: String.raw`e^x`,
    derivative: String.raw`e^x`,
    forward: (k, n, x, y) => k.f32_exponential(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_exponential_grad(n, x, dy, dx),
    reference: (x) => ({ f: Math.exp(x), df: Math.exp(x) }),
  },
  {
    name: 'linear', params: [], saves: 'input', keras: 'linear', paper: PAPERS.survey,
    formula: String.raw`x`,
    derivative: String.raw`1`,
    forward: (k, n, x, y) => k.f32_linear(n, x, y),
    backward: (k, n, x, dy, dx) => k.f32_linear_grad(n, x, dy, dx),
    reference: (x) => ({ f: x, df: 1 }),
  },
];
