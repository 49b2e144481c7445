// What a PyTorch user porting a model or an activation experiment meets: the README's
// "Porting from PyTorch" section, checked number by number against the code. The values at
// the kinks are what PyTorch 1.13.1's autograd returns (Debian python3-torch, float32):
//   x = torch.tensor([...], requires_grad=True); F.<name>(x).sum().backward(); x.grad
// and the optimizers are PyTorch's update rules (torch/optim/*.py, 1.13) in float64.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, activations, activation, tensor, sgd, adam, adamw, rmsprop, layers, sequential, avgPool, binaryCrossentropy, initializers,
  type Optimizer, type ActivationName,
} from '../src/index.js';

const wrong = <T>(v: unknown): T => v as T;

const README = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');

/** The README's "Porting from PyTorch" section, its lines joined so phrases may wrap. */
function section(): string {
  const m = /### Porting from PyTorch\n([\s\S]*?)\n## /.exec(README);
  expect(m, "README.md: a '### Porting from PyTorch' section").not.toBeNull();
  return (m?.[1] ?? '').replace(/\s*\n\s*/g, ' ');
}

beforeAll(async () => { await init(); });

describe('README: Porting from PyTorch', () => {
  test('the section exists and names what a porter must change', () => {
    const s = section();
    for (const phrase of [
      "`negative_slope` is leakyRelu's `alpha`", "`lambd` is softShrink's and hardShrink's `lambda`",
      "`min_val` / `max_val` are hardTanh's `min` / `max`", 'A dense kernel is `[in, out]`', 'a conv kernel is `[kh, kw, in, out]`',
      'a `flatten` after a conv orders (h, w, c)', 'starts it at 0 as Keras does', 'Losses** always take the mean',
      '`globalClipnorm: max_norm`', 'so eps e is epsilon e^2',
    ]) expect(s).toContain(phrase);
  });

  test("the optimizer defaults it states are the factories'", () => {
    const s = section();
    expect(s).toContain('learningRate defaults to 0.01');
    expect(sgd().learningRate).toBe(0.01);
    expect(s).toContain('`adam({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 })` (the defaults)');
    expect(adam().getConfig()).toMatchObject({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(s).toContain('the default weightDecay is 0.004');
    expect(adamw().weightDecay).toBe(0.004);
    expect(s).toContain('rho is alpha (default 0.9)');
    expect(s).toContain('the defaults are learningRate 0.001, epsilon 1e-7');
    expect(rmsprop().getConfig()).toMatchObject({ learningRate: 0.001, rho: 0.9, epsilon: 1e-7 });
  });
});

describe('activations against PyTorch autograd', () => {
  // [name, params, x, f(x), f'(x)] as PyTorch 1.13.1 gives them in float32.
  const KINKS: [ActivationName, Record<string, number>, number, number, number][] = [
    ['relu', {}, 0, 0, 0], ['relu', {}, -0, 0, 0],
    ['relu6', {}, 0, 0, 0], ['relu6', {}, 6, 6, 0],
    ['leakyRelu', {}, 0, 0, Math.fround(0.01)], ['leakyRelu', {}, -0, 0, Math.fround(0.01)],
    ['prelu', {}, 0, 0, 0.25],
    ['elu', {}, 0, 0, 1], ['selu', {}, 0, 0, 1.7580993175506592], ['celu', {}, 0, 0, 1],
    ['hardTanh', {}, -1, -1, 0], ['hardTanh', {}, 1, 1, 0], ['hardTanh', { min: 0, max: 6 }, 6, 6, 0],
    ['hardSwish', {}, -3, 0, -0.5], ['hardSwish', {}, 3, 3, 1.5],
    ['hardSigmoid', {}, -3, 0, 0], ['hardSigmoid', {}, 3, 1, 0],
    ['softShrink', {}, -0.5, 0, 0], ['softShrink', {}, 0.5, 0, 0],
    ['hardShrink', {}, -0.5, 0, 0], ['hardShrink', {}, 0.5, 0, 0],
    ['softplus', {}, 20, 20, 1], ['softplus', {}, 20.000002, 20.000001907348633, 1],
    ['softplus', { beta: 2 }, 10, 10, 1], ['softplus', { beta: 2 }, 10.000001, 10.000000953674316, 1],
    ['geluTanh', {}, 0, 0, 0.5], ['mish', {}, 0, 0, 0.6000000238418579], ['tanhShrink', {}, 0, 0, 0],
  ];

  test.each(KINKS)('%s %o at x = %d', (name, params, x, f, df) => {
    // + 0: the sign of a zero is left out (PyTorch's hardswish(-3) is -0, actlab's +0).
    expect(activations.apply(name, [x], params)[0] + 0).toBe(f + 0);
    expect(activations.derivative(name, [x], params)[0] + 0).toBe(df + 0);
  });

  test("PyTorch's parameter names are refused with actlab's", () => {
    expect(() => activations.apply('leakyRelu', [1], { negative_slope: 0.1 })).toThrow("has no parameter 'negative_slope'; its parameters: alpha");
    expect(() => activations.apply('softShrink', [1], { lambd: 0.1 })).toThrow("has no parameter 'lambd'; its parameters: lambda");
    expect(() => activations.apply('hardTanh', [1], { min_val: 0 })).toThrow("has no parameter 'min_val'; its parameters: min, max");
  });
});

describe('optimizers against PyTorch update rules', () => {
  /** Runs `opt` on one variable for the given gradients; returns the weights after each step. */
  function run(opt: Optimizer, w0: number[], grads: number[][]): number[][] {
    const w = tensor(w0, [w0.length]);
    const out: number[][] = [];
    for (const g of grads) {
      const gt = tensor(g, [g.length]);
      opt.applyGradients([{ variable: w, grad: gt, name: 'w' }]);
      gt.dispose();
      out.push(Array.from(w.dataSync()));
    }
    w.dispose();
    opt.dispose();
    return out;
  }

  // Gradients from 1e-9 (below every epsilon) to 1, changing sign, so epsilon and the moments matter.
  const W0 = [0.5, -0.25, 1, 0.125, -2];
  const GRADS = [
    [1e-9, 1e-4, -0.3, 1, -1e-6], [2e-9, -1e-4, 0.2, 0.5, 3e-6], [-1e-9, 2e-4, -0.1, -0.25, 1e-7], [5e-9, 1e-4, 0.4, 0.75, -2e-6],
  ];

  /**
   * The worst of (|a - b| - 4 float32 ulps of b) / |b - w0| over steps and the elements
   * `pick` keeps: the error relative to how far PyTorch moved the weight, beyond float32's
   * rounding of the weight itself.
   */
  function relToMove(a: number[][], b: number[][], pick: readonly number[] = [0, 1, 2, 3, 4]): number {
    let worst = 0;
    a.forEach((row, t) => pick.forEach((i) => {
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(b[t][i]))) - 23);
      worst = Math.max(worst, Math.max(0, Math.abs(row[i] - b[t][i]) - 4 * ulp) / Math.abs(b[t][i] - W0[i]));
    }));
    return worst;
  }
  // Elements 1-3: gradients from 1e-4 to 1, whose sqrt(v) is far from every epsilon here.
  const FAR = [1, 2, 3];

  /** torch.optim.RMSprop (1.13, not centered, no momentum) in float64. */
  function torchRmsprop(lr: number, alpha: number, eps: number): number[][] {
    const w = [...W0], sq = W0.map(() => 0), out: number[][] = [];
    for (const g of GRADS) {
      g.forEach((gi, i) => { sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi; w[i] -= lr * gi / (Math.sqrt(sq[i]) + eps); });
      out.push([...w]);
    }
    return out;
  }

  /** torch.optim.Adam / AdamW (1.13) in float64. */
  function torchAdam(lr: number, b1: number, b2: number, eps: number, decoupled: number): number[][] {
    const w = [...W0], m = W0.map(() => 0), v = W0.map(() => 0), out: number[][] = [];
    GRADS.forEach((g, s) => {
      const t = s + 1;
      g.forEach((gi, i) => {
        w[i] *= 1 - lr * decoupled;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps;
        w[i] -= (lr / (1 - b1 ** t)) * m[i] / denom;
      });
      out.push([...w]);
    });
    return out;
  }

  /** torch.optim.SGD (1.13) with momentum, no dampening, in float64. */
  function torchSgd(lr: number, mu: number, nesterov: boolean): number[][] {
    const w = [...W0], buf = W0.map(() => 0), out: number[][] = [];
    GRADS.forEach((g, s) => {
      g.forEach((gi, i) => {
        buf[i] = s === 0 ? gi : mu * buf[i] + gi;
        w[i] -= lr * (nesterov ? gi + mu * buf[i] : buf[i]);
      });
      out.push([...w]);
    });
    return out;
  }

  test('RMSprop(alpha=0.99, eps=1e-8) is rmsprop({ rho: 0.99, epsilon: 1e-16 }), not epsilon 1e-8', () => {
    const torch = torchRmsprop(0.01, 0.99, 1e-8);
    // The README: a step differs by about e / sqrt(ms) relative, 1e-8 / 1e-5 for the 1e-4 gradient's first.
    expect(relToMove(run(rmsprop({ learningRate: 0.01, rho: 0.99, epsilon: 1e-16 }), W0, GRADS), torch, FAR)).toBeLessThan(2e-3);
    // PyTorch's eps taken as actlab's epsilon moves the 1e-4 gradient's weight 10 times less.
    expect(relToMove(run(rmsprop({ learningRate: 0.01, rho: 0.99, epsilon: 1e-8 }), W0, GRADS), torch, FAR)).toBeGreaterThan(0.5);
  });

  test('Adam(eps=1e-8) is adam({ epsilon: 1e-8 }) to about 1e-8 / sqrt(v)', () => {
    const torch = torchAdam(1e-3, 0.9, 0.999, 1e-8, 0);
    // The README: about 1e-8 / sqrt(v) relative, v before the bias correction: 0.3% for a first gradient of 1e-4.
    expect(relToMove(run(adam({ learningRate: 1e-3, epsilon: 1e-8 }), W0, GRADS), torch, FAR)).toBeLessThan(4e-3);
  });

  test('AdamW(weight_decay=0.01) is adamw({ weightDecay: 0.01 })', () => {
    const torch = torchAdam(1e-3, 0.9, 0.999, 1e-8, 0.01);
    expect(relToMove(run(adamw({ learningRate: 1e-3, epsilon: 1e-8, weightDecay: 0.01 }), W0, GRADS), torch, FAR)).toBeLessThan(4e-3);
  });

  test('SGD(momentum=0.9, nesterov=True) is sgd({ momentum: 0.9, nesterov: true }) at a constant rate', () => {
    for (const nesterov of [false, true]) {
      expect(relToMove(run(sgd({ learningRate: 0.1, momentum: 0.9, nesterov }), W0, GRADS), torchSgd(0.1, 0.9, nesterov))).toBeLessThan(1e-5);
    }
  });

  test("PyTorch's option names are refused with the valid list", () => {
    expect(() => adam(wrong({ lr: 0.1 }))).toThrow("actlab: adam: unknown option 'lr'; valid options: learningRate,");
    expect(() => adam(wrong({ eps: 1e-8 }))).toThrow("unknown option 'eps'");
    expect(() => adam(wrong({ betas: [0.9, 0.99] }))).toThrow("unknown option 'betas'");
    expect(() => adam(wrong({ weight_decay: 0.01 }))).toThrow("unknown option 'weight_decay'");
    expect(() => adamw(wrong({ weight_decay: 0.01 }))).toThrow("unknown option 'weight_decay'; valid options: learningRate, beta1, beta2, epsilon, clipnorm, globalClipnorm, clipvalue, weightDecay");
    expect(() => rmsprop(wrong({ alpha: 0.99 }))).toThrow("unknown option 'alpha'; valid options: learningRate, rho,");
    expect(() => sgd(wrong({ momentum: 0.9, dampening: 0.1 }))).toThrow("unknown option 'dampening'");
  });
});

describe('layouts, initializers and losses', () => {
  test("a Linear weight [out, in] goes in transposed, and gives PyTorch's x W^T + b", () => {
    const W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -0.5], x = [1, -1, 2];
    const model = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    expect(model.weights[0].tensor.shape).toEqual([3, 2]);
    model.setWeights([tensor(W[0].map((_, j) => W.map((r) => r[j])).flat(), [3, 2]), tensor(b, [2])]);
    const y = model.predict(tensor(x, [1, 3]));
    expect(Array.from(y.dataSync())).toEqual(W.map((r, i) => r.reduce((s, v, j) => s + v * x[j], b[i])));
    y.dispose();
    model.dispose();
  });

  test("setWeights given a PyTorch layout says how to convert it", () => {
    const model = sequential({ layers: [layers.conv2d({ filters: 4, kernelSize: [3, 2], inputShape: [5, 5, 3] }), layers.flatten(), layers.dense({ units: 2 })] });
    const [k, b, dk, db] = model.getWeights();
    const linearWeight = tensor(new Float32Array(dk.size), [2, dk.shape[0]]);
    const convWeight = tensor(new Float32Array(k.size), [4, 3, 3, 2]);
    expect(() => model.setWeights([k, b, linearWeight, db])).toThrow(
      `actlab: setWeights: 'dense/kernel' has shape [${dk.shape[0]}, 2] but the value has [2, ${dk.shape[0]}]: it is the transpose ` +
      '(a kernel is [in, out]; a PyTorch Linear.weight is [out, in], so pass its transpose)');
    expect(() => model.setWeights([convWeight, b, dk, db])).toThrow(
      "actlab: setWeights: 'conv2d/kernel' has shape [3, 2, 3, 4] but the value has [4, 3, 3, 2]: a conv kernel is [kh, kw, in, out]; " +
      'a PyTorch Conv2d.weight [out, in, kh, kw] goes in as weight.permute(2, 3, 1, 0)');
    expect(() => model.layers[2].setWeights([linearWeight, db])).toThrow(': it is the transpose (a kernel is [in, out];');
    // Any other shape gets no advice.
    expect(() => model.setWeights([k, b, tensor(new Float32Array(dk.size), [dk.size]), db])).toThrow(/the value has \[\d+\]$/);
    for (const t of [k, b, dk, db, linearWeight, convWeight]) t.dispose();
    model.dispose();
  });

  test('a conv kernel is [kh, kw, in, out] and flatten orders (h, w, c)', () => {
    const model = sequential({ layers: [layers.conv2d({ filters: 4, kernelSize: [3, 2], inputShape: [5, 5, 3] }), layers.flatten()] });
    expect(model.weights[0].tensor.shape).toEqual([3, 2, 3, 4]);
    model.dispose();
    const flat = sequential({ layers: [layers.flatten({ inputShape: [2, 2, 3] })] });
    const y = flat.predict(tensor(Array.from({ length: 12 }, (_, i) => i), [1, 2, 2, 3]));
    // NHWC element (h, w, c) lands at (h * 2 + w) * 3 + c: the channels vary fastest.
    expect(Array.from(y.dataSync())).toEqual(Array.from({ length: 12 }, (_, i) => i));
    y.dispose();
    flat.dispose();
  });

  test("layers.prelu starts at 0 unless given PyTorch's 0.25; an activation named in a layer trains nothing", () => {
    const m = sequential({ layers: [layers.dense({ units: 3, inputShape: [2] }), layers.prelu()] });
    expect(Array.from(m.weights[2].tensor.dataSync())).toEqual([0, 0, 0]);
    const t = sequential({ layers: [layers.dense({ units: 3, inputShape: [2] }), layers.prelu({ alphaInitializer: initializers.constant({ value: 0.25 }) })] });
    expect(Array.from(t.weights[2].tensor.dataSync())).toEqual([0.25, 0.25, 0.25]);
    const d = sequential({ layers: [layers.dense({ units: 3, inputShape: [2], activation: 'prelu' })] });
    expect(d.trainableWeights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    d.setWeights([tensor([1, 0, -1, 0, 1, 1], [2, 3]), tensor([0, 0, 0], [3])]);
    const y = d.predict(tensor([-4, 2], [1, 2]));
    expect(Array.from(y.dataSync())).toEqual([-1, 2, 6]);   // z = [-4, 2, 6]: alpha 0.25 on the negative one
    y.dispose();
    // nn.PReLU()'s one shared alpha, as the README writes it: one weight, trained.
    const shared = sequential({ layers: [layers.dense({ units: 3, inputShape: [2] }),
      layers.customActivation({ className: 'PReLU1', params: { alpha: 0.25 }, fn: (x, p) => activation(x, 'prelu', { alpha: p.alpha }) })] });
    expect(shared.trainableWeights.map((w) => w.tensor.size)).toEqual([6, 3, 1]);
    const s = shared.predict(tensor([-4, 2], [1, 2]));
    expect(s.shape).toEqual([1, 3]);
    s.dispose();
    for (const model of [m, t, d, shared]) model.dispose();
  });

  test("PyTorch's kernel draw U(+-1 / sqrt(fanIn)) and kaiming_normal_", () => {
    expect(initializers.varianceScalingSpread([400, 50], 1 / 3, 'fanIn', 'uniform')).toBeCloseTo(1 / Math.sqrt(400), 15);
    expect(initializers.varianceScalingSpread([3, 3, 16, 32], 1 / 3, 'fanIn', 'uniform')).toBeCloseTo(1 / Math.sqrt(3 * 3 * 16), 15);
    expect(initializers.varianceScalingSpread([400, 50], 2, 'fanIn', 'untruncatedNormal')).toBeCloseTo(Math.sqrt(2 / 400), 15);
  });

  test("average pooling leaves the padding out of the count (count_include_pad=False)", () => {
    const x = tensor(new Float32Array(4).fill(1), [1, 2, 2, 1]);
    const y = avgPool(x, 3, 1, 'same');
    expect(Array.from(y.dataSync())).toEqual([1, 1, 1, 1]);
    x.dispose();
    y.dispose();
  });

  test('binaryCrossentropy costs at most -log(1e-7) = 16.1 a sample', () => {
    const yTrue = tensor([1], [1, 1]), yPred = tensor([0], [1, 1]);
    const r = binaryCrossentropy(yTrue, yPred);
    expect(r.loss).toBeCloseTo(16.118, 3);
    for (const t of [yTrue, yPred, r.grad]) t.dispose();
  });
});
