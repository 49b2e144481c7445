// tf.js op-level code ported to actlab's functions with the same arguments: either the same
// values and shapes as tfjs-core 4.22 (cpu backend), or an `actlab: ` error that says what
// to write instead, never a silently different result.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor, zeros, tidy, sum, mean, conv2d, maxPool, avgPool, grad, grads, matMul, activation, memoryStats, type Tensor } from '../src/index.js';
import { loadTf, useBackend, tf } from './helpers/tfjs.js';

const wrong = <T>(v: unknown): T => v as T;

beforeAll(async () => {
  await init();
  await loadTf();
  await useBackend('cpu');
});

/** Values of a tf.js result, computed in a tidy. */
function tfValues(fn: () => tf.Tensor): number[] {
  const t = tf.tidy(fn);
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Values of an actlab result, disposed afterwards. */
function values(t: Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

describe('gradients through conv2d, maxPool and avgPool (tf.grad(x => tf.sum(tf.conv2d(x, f, 1, "same"))))', () => {
  const xs = Array.from({ length: 2 * 5 * 5 * 2 }, (_, i) => ((i * 7) % 11) - 5);
  const fs = Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => ((i * 5) % 7) - 3);
  const xShape = [2, 5, 5, 2] as const, fShape = [3, 3, 2, 3] as const;

  test('conv2d: the input and filter gradients are tf.js\'s, not zeros', () => {
    const x = tensor(xs, xShape), f = tensor(fs, fShape);
    const dx = grad((v) => sum(conv2d(v, f, 2, 'same')))(x);
    const df = grad((v) => sum(conv2d(x, v, 2, 'same')))(f);
    expect(dx.shape).toEqual([...xShape]);
    expect(values(dx)).toEqual(tfValues(() => tf.grad((v: tf.Tensor) =>
      tf.sum(tf.conv2d(v as tf.Tensor4D, tf.tensor4d(fs, [...fShape]), 2, 'same')))(tf.tensor4d(xs, [...xShape]))));
    expect(values(df)).toEqual(tfValues(() => tf.grad((v: tf.Tensor) =>
      tf.sum(tf.conv2d(tf.tensor4d(xs, [...xShape]), v as tf.Tensor4D, 2, 'same')))(tf.tensor4d(fs, [...fShape]))));
    x.dispose(); f.dispose();
  });

  test('conv2d with a bias: the bias gradient is the sum of dy over batch and pixels', () => {
    const x = tensor(xs, xShape), f = tensor(fs, fShape), b = tensor([1, 2, 3]);
    const [gb] = grads(() => sum(conv2d(x, f, 1, 'valid', 1, b)), [b]);
    expect(values(gb)).toEqual([18, 18, 18]);
    x.dispose(); f.dispose(); b.dispose();
  });

  test('conv2d with a fused activation inside grad: the values and gradients of activation(conv2d(...))', () => {
    const x = tensor(xs, xShape), f = tensor(fs, fShape), b = tensor([0.5, -1, 2], [3]);
    const fused = (v: Tensor): Tensor => sum(conv2d(v, f, 1, 'same', 1, b, { name: 'elu', params: { alpha: 0.5 } }));
    const composed = (v: Tensor): Tensor => sum(activation(conv2d(v, f, 1, 'same', 1, b), 'elu', { alpha: 0.5 }));
    const before = memoryStats().liveBytes;
    const dx = values(grad(fused)(x));
    expect(memoryStats().liveBytes, 'the intermediates are freed').toBe(before);
    expect(dx).toEqual(values(grad(composed)(x)));
    // The activation is applied: the gradient is not the bare conv's.
    expect(dx).not.toEqual(values(grad((v) => sum(conv2d(v, f, 1, 'same', 1, b)))(x)));
    // Outside grad the fused kernel gives the same values as the composition.
    expect(values(conv2d(x, f, 1, 'same', 1, b, 'elu'))).toEqual(values(activation(conv2d(x, f, 1, 'same', 1, b), 'elu')));
    // prelu's per-channel alpha as an array.
    const alpha = [0.1, 0.2, 0.3];
    expect(values(grad((v) => sum(conv2d(v, f, 1, 'same', 1, b, { name: 'prelu', params: { alpha } })))(x))).toEqual(
      values(grad((v) => { const a = tensor(alpha, [3]); return sum(activation(conv2d(v, f, 1, 'same', 1, b), 'prelu', { alpha: a })); })(x)));
    x.dispose(); f.dispose(); b.dispose();
  });

  test('conv2d with a fused activation: a wrong parameter is the same error inside grad as outside', () => {
    const x = tensor(xs, xShape), f = tensor(fs, fShape), b = tensor([0.5, -1, 2], [3]);
    const spec = wrong<{ name: 'prelu'; params: { alpha: number } }>({ name: 'prelu', params: { alpha: 'abc' } });
    const message = "actlab: activation 'prelu' parameter 'alpha' must be a number or one number per channel, got the string 'abc'";
    expect(() => tidy(() => { conv2d(x, f, 1, 'same', 1, b, spec); })).toThrow(message);
    const before = memoryStats().liveBytes;
    expect(() => grad((v) => sum(conv2d(v, f, 1, 'same', 1, b, spec)))(x)).toThrow(message);
    expect(memoryStats().liveBytes).toBe(before);
    x.dispose(); f.dispose(); b.dispose();
  });

  // 'valid': with 'same' padding tf.js's cpu avgPool gradient divides by the whole window
  // (1/9 at a corner) while its forward pass, as TensorFlow's and actlab's, averages over
  // the window's elements inside the input (1/4 there).
  test.each([['maxPool', maxPool, tf.maxPool], ['avgPool', avgPool, tf.avgPool]] as const)('%s: the input gradient is tf.js\'s', (_name, op, tfOp) => {
    const x = tensor(xs, xShape);
    const dx = grad((v) => sum(op(v, 3, 2, 'valid')))(x);
    expect(values(dx)).toEqual(tfValues(() => tf.grad((v: tf.Tensor) => tf.sum(tfOp(v as tf.Tensor4D, 3, 2, 'valid')))(tf.tensor4d(xs, [...xShape]))));
    x.dispose();
  });
});

describe('sum and mean take no axis (tf.sum(x, axis, keepDims))', () => {
  type Reduce = (x: Tensor, axis?: unknown, keepDims?: unknown) => Tensor;
  test.each([['sum', sum], ['mean', mean]] as const)('%s(x, 0), (x, -1), (x, null, true) are refused, not the total', (name, op) => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const f = wrong<Reduce>(op);
    for (const args of [[0], [-1], [[0, 1]], [null, true], [1, true]]) {
      expect(() => f(x, ...args)).toThrow(`actlab: ${name}: takes no axis or keepDims (tf.${name}(x, axis, keepDims)); it reduces every element to shape []`);
    }
    expect(values(op(x))).toEqual(tfValues(() => tf[name](tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]))));
    x.dispose();
  });

  test('the matMul the message suggests gives tf.sum(x, -1) and tf.sum(x, 0)', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]), ones3 = tensor([1, 1, 1], [3, 1]), ones2 = tensor([1, 1], [1, 2]);
    const t = (): tf.Tensor2D => tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(values(matMul(x, ones3))).toEqual(tfValues(() => tf.sum(t(), -1)));
    expect(values(matMul(ones2, x))).toEqual(tfValues(() => tf.sum(t(), 0)));
    for (const v of [x, ones3, ones2]) v.dispose();
  });
});

describe('tensor() and zeros() take what tf.tensor takes, or say why not', () => {
  type Make = (values: unknown, shape?: unknown, dtype?: unknown) => Tensor;
  const make = wrong<Make>(tensor);

  test('nested arrays (tf.tensor([[1, 2], [3, 4]])) are refused, not read as NaNs', () => {
    const msg = 'actlab: tensor(): values must be flat numbers; nested arrays (tf.tensor([[1, 2], [3, 4]])) are not read: pass the values flat with the shape, e.g. tensor([[1, 2], [3, 4]].flat(), [2, 2])';
    expect(() => make([[1, 2], [3, 4]])).toThrow(msg);
    expect(() => make([[1, 2], [3, 4]], [2, 2])).toThrow(msg);
    const flat = tensor([[1, 2], [3, 4]].flat(), [2, 2]);
    const t = tf.tensor([[1, 2], [3, 4]]);
    expect([flat.shape, flat.arraySync()]).toEqual([t.shape, t.arraySync()]);
    flat.dispose(); t.dispose();
  });

  test('a number (tf.tensor(5)) is refused with the scalar form', () => {
    expect(() => make(5)).toThrow('actlab: tensor(): values must be an array or typed array of numbers, got the number 5 (a scalar is tensor([5], []))');
    const s = tensor([5], []);
    expect(s.shape).toEqual(tf.scalar(5).shape);
    s.dispose();
  });

  test('strings and booleans are refused, naming the index', () => {
    expect(() => make([1, 'a'])).toThrow('actlab: tensor(): values[1] is the string "a"; expected a number (every tensor is float32)');
    expect(() => make([true, false])).toThrow('actlab: tensor(): values[0] is boolean; expected a number (every tensor is float32)');
  });

  test("a dtype other than float32 (tf.tensor(v, s, 'int32'), tf.zeros(s, 'int32')) is refused; 'float32' is accepted", () => {
    expect(() => make([1.5, 2], [2], 'int32')).toThrow("actlab: tensor(): every tensor is float32; dtype 'int32' is not supported");
    expect(() => wrong<(s: unknown, d: unknown) => Tensor>(zeros)([2], 'bool')).toThrow("actlab: zeros: every tensor is float32; dtype 'bool' is not supported");
    const a = make([1.5, 2], [2], 'float32'), z = wrong<(s: unknown, d: unknown) => Tensor>(zeros)([2], 'float32');
    expect(values(a)).toEqual([1.5, 2]);
    expect(values(z)).toEqual([0, 0]);
  });
});

describe('tidy', () => {
  test("tf.tidy('name', fn) is refused with the actlab form, not a TypeError", () => {
    const named = wrong<(name: string, fn: () => Tensor) => Tensor>(tidy);
    expect(() => named('step', () => tensor([1]))).toThrow(
      'actlab: tidy: expected the function to run, got string "step"; tidy takes no name (tf.tidy(name, fn) is tidy(fn) here)');
  });
});
