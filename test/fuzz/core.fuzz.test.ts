// Property tests for the allocator, the optimizers, the losses and the file parsers.
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  init, tensor, sgd, adam, rmsprop, meanSquaredError, binaryCrossentropy, categoricalCrossentropy,
  sparseCategoricalCrossentropy, parseIdx, parseCifar10Batch, datasetFromIdx, memoryStats, type Optimizer,
} from '../../src/index.js';
import { Heap } from '../../src/core/heap.js';
import { fuzz, timeoutFor, f32Array } from './config.js';

beforeAll(async () => { await init(); });

/**
 * The allocator's contract in its plainest form: free ranges sorted by start, the first that
 * fits carved from its front, a freed range merged with its neighbours.
 */
function firstFitModel(start: number, size: number): {
  ranges: [number, number][]; alloc: (size: number) => number; free: (at: number, size: number) => void;
} {
  const ranges: [number, number][] = [[start, size]];
  const alloc = (n: number): number => {
    const k = ranges.findIndex(([, m]) => m >= n);
    const at = ranges[k][0];
    if (ranges[k][1] === n) ranges.splice(k, 1); else ranges[k] = [at + n, ranges[k][1] - n];
    return at;
  };
  const free = (at: number, n: number): void => {
    let k = ranges.findIndex(([s]) => s > at);
    if (k < 0) k = ranges.length;
    ranges.splice(k, 0, [at, n]);
    if (k + 1 < ranges.length && at + n === ranges[k + 1][0]) { ranges[k][1] += ranges[k + 1][1]; ranges.splice(k + 1, 1); }
    if (k > 0 && ranges[k - 1][0] + ranges[k - 1][1] === at) { ranges[k - 1][1] += ranges[k][1]; ranges.splice(k, 1); }
  };
  return { ranges, alloc, free };
}

describe('allocator', () => {
  test('random alloc/free: aligned, disjoint, accounted, and everything coalesces back to one free range', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('alloc' as const), bytes: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 200_000 })) }),
      fc.record({ kind: fc.constant('free' as const), which: fc.nat() }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      // A private Heap on its own small memory, so the property sees every byte of it.
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
      const heap = new Heap(memory, 8);
      const live = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'alloc') {
          let p: number;
          try {
            p = heap.alloc(o.bytes);
          } catch (e) {
            // Only the memory's own maximum may refuse, with the clear RangeError.
            expect(e).toBeInstanceOf(RangeError);
            expect(String(e)).toMatch(/^RangeError: actlab: cannot allocate \d+ bytes/);
            continue;
          }
          expect(p % 16, `alloc(${o.bytes}) = ${p} is not 16-byte aligned`).toBe(0);
          expect(p + o.bytes + 16, `alloc(${o.bytes}) = ${p} runs past memory (padding included)`).toBeLessThanOrEqual(memory.buffer.byteLength);
          for (const [q, n] of live) {
            if (p < q + n + 16 && q < p + o.bytes + 16) expect.fail(`alloc(${o.bytes}) = ${p} overlaps block ${q} (${n} bytes)`);
          }
          live.set(p, o.bytes);
        } else if (live.size > 0) {
          const keys = [...live.keys()];
          const p = keys[o.which % keys.length];
          heap.free(p);
          live.delete(p);
          expect(() => heap.free(p)).toThrow(/double free or foreign pointer/);
        }
        const want = [...live.values()].reduce((s, n) => s + Math.ceil(n / 16) * 16 + 16, 0);
        expect(heap.liveBytes).toBe(want);
        expect(heap.liveBlocks).toBe(live.size);
      }
      for (const p of live.keys()) heap.free(p);
      expect(heap.liveBytes).toBe(0);
      // One free range again: the largest possible block fits, and a single byte more does not.
      const whole = memory.buffer.byteLength - 16 - 16;
      const p = heap.alloc(whole);
      expect(p).toBe(16);
      heap.free(p);
    }), fuzz(500));
  }, timeoutFor(500));

  test('freed addresses are remembered as freed until they are dropped in bulk; the books stay exact throughout', () => {
    // Enough churn that the table of freed addresses is rebuilt several times.
    // Memory enough that it never grows, so a plain first-fit model predicts every address.
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 64 });
    const heap = new Heap(memory, 8);
    const { alloc: modelAlloc, free: modelFree } = firstFitModel(16, memory.buffer.byteLength - 16);
    const rng = fc.sample(fc.array(fc.nat({ max: 1e9 }), { minLength: 20_000, maxLength: 20_000 }), { numRuns: 1, seed: 7 })[0];
    const live = new Map<number, number>();
    for (let i = 0; i < rng.length; i++) {
      if (live.size < 3000 && rng[i] % 3 !== 0) {
        // Sizes 0..96 plus now and then a larger one that fits no hole.
        const bytes = rng[i] % 50 === 0 ? 4000 + (rng[i] % 300) : rng[i] % 97;
        const p = heap.alloc(bytes);
        expect(p, `alloc(${bytes}) at step ${i} is not the first fit`).toBe(modelAlloc(Math.ceil(bytes / 16) * 16 + 16));
        expect(live.has(p), `alloc(${bytes}) = ${p} is live already`).toBe(false);
        live.set(p, bytes);
      } else if (live.size > 0) {
        const keys = [...live.keys()];
        const p = keys[rng[i] % keys.length];
        heap.free(p);
        modelFree(p, Math.ceil((live.get(p) ?? 0) / 16) * 16 + 16);
        live.delete(p);
        if (i % 7 === 0) expect(() => heap.free(p)).toThrow(/double free or foreign pointer/);
      }
      if (i % 997 === 0) {
        expect(heap.liveBlocks).toBe(live.size);
        expect(heap.liveBytes).toBe([...live.values()].reduce((t, n) => t + Math.ceil(n / 16) * 16 + 16, 0));
      }
    }
    for (const p of live.keys()) heap.free(p);
    expect(heap.liveBlocks).toBe(0);
    expect(heap.liveBytes).toBe(0);
    expect(() => heap.free(16)).toThrow(/double free or foreign pointer/);
    expect(heap.alloc(memory.buffer.byteLength - 32)).toBe(16);
  });

  test('thousands of holes: the free ranges move into a tree and back, and every allocation is still the first fit', () => {
    // 16 MiB that never grows, so a plain first-fit model over sorted ranges predicts every address.
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 256 });
    const heap = new Heap(memory, 8);
    const { ranges: model, alloc: modelAlloc, free: modelFree } = firstFitModel(16, memory.buffer.byteLength - 16);
    const block = (bytes: number): number => Math.ceil(bytes / 16) * 16 + 16;
    const rng = fc.sample(fc.array(fc.nat({ max: 1e9 }), { minLength: 30_000, maxLength: 30_000 }), { numRuns: 1, seed: 11 })[0];
    let r = 0;
    const live = new Map<number, number>();
    const alloc = (bytes: number): void => {
      const p = heap.alloc(bytes);
      expect(p, `alloc(${bytes}) with ${heap.freeLayout.ranges} free ranges is not the first fit`).toBe(modelAlloc(block(bytes)));
      live.set(p, bytes);
    };
    const free = (p: number): void => {
      heap.free(p);
      modelFree(p, block(live.get(p) ?? 0));
      live.delete(p);
    };
    let sawTree = 0, sawBack = 0;
    for (let phase = 0; phase < 3; phase++) {
      const first = [...Array(3000)].map(() => { alloc(rng[r++] % 97); return [...live.keys()].pop() ?? 0; });
      for (let i = 0; i < first.length; i += 2) free(first[i]);
      expect(heap.freeLayout.ranges).toBe(model.length);
      if (heap.freeLayout.tree) sawTree++;
      for (let i = 0; i < 6000; i++) {
        const x = rng[r++];
        if (x % 2 === 0) alloc(x % 50 === 0 ? 3000 + (x % 500) : x % 113);
        else {
          const keys = [...live.keys()];
          free(keys[x % keys.length]);
        }
        if (i % 499 === 0) expect(heap.freeLayout.ranges).toBe(model.length);
      }
      // Free all but a few: the ranges shrink below the tree's lower bound and go back to the arrays.
      const keys = [...live.keys()];
      for (let i = 0; i < keys.length; i++) if (i % 200 !== 0) free(keys[i]);
      expect(heap.freeLayout.ranges).toBe(model.length);
      if (!heap.freeLayout.tree) sawBack++;
      for (let i = 0; i < 50; i++) alloc(rng[r++] % 200);
    }
    expect([sawTree, sawBack]).toEqual([3, 3]);
    for (const p of [...live.keys()]) free(p);
    expect(heap.freeLayout).toEqual({ ranges: 1, tree: false });
    expect(heap.liveBytes).toBe(0);
    expect(heap.alloc(memory.buffer.byteLength - 32)).toBe(16);
  });
});

describe('optimizers', () => {
  const makers: [string, () => Optimizer, (w: number, g: number, st: number[], t: number) => number][] = [
    ['sgd', () => sgd({ learningRate: 0.1 }), (w, g) => w - 0.1 * g],
    ['sgd momentum', () => sgd({ learningRate: 0.1, momentum: 0.9 }), (w, g, st) => { st[0] = 0.9 * st[0] - 0.1 * g; return w + st[0]; }],
    ['adam', () => adam({ learningRate: 0.01 }), (w, g, st, t) => {
      st[0] += (g - st[0]) * (1 - 0.9); st[1] += (g * g - st[1]) * (1 - 0.999);
      const a = 0.01 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
      return w - st[0] * a / (Math.sqrt(st[1]) + 1e-7);
    }],
    ['rmsprop', () => rmsprop({ learningRate: 0.01 }), (w, g, st) => {
      st[0] = 0.9 * st[0] + 0.1 * g * g;
      return w - 0.01 * g / Math.sqrt(st[0] + 1e-7);
    }],
  ];
  test.each(makers)('%s: random sizes (0 included) and gradients, several steps, match a float64 reference', (_, make, ref) => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 13 }), fc.integer({ min: 1, max: 4 }), f32Array(fc.float({ min: -3, max: 3, noNaN: true }), 13 * 5, 13 * 5), (n, steps, v) => {
      const before = memoryStats().liveBytes;
      const w0 = v.subarray(0, n);
      const w = tensor(w0, [n]);
      const opt = make();
      const wr = Array.from(w0), st = Array.from({ length: n }, () => [0, 0]);
      for (let t = 1; t <= steps; t++) {
        const gv = v.subarray(n * t, n * t + n);
        const g = tensor(gv, [n]);
        opt.applyGradients([{ variable: w, grad: g }]);
        g.dispose();
        for (let i = 0; i < n; i++) wr[i] = ref(wr[i], gv[i], st[i], t);
      }
      const got = w.dataSync();
      for (let i = 0; i < n; i++) {
        expect(Math.abs(got[i] - wr[i]), `n ${n} steps ${steps} w[${i}] = ${got[i]}, float64 ${wr[i]}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(wr[i])));
      }
      expect(opt.iterations).toBe(steps);
      opt.dispose(); w.dispose();
      expect(memoryStats().liveBytes).toBe(before);
    }), fuzz(300));
  }, timeoutFor(300));
});

describe('losses', () => {
  test('MSE, BCE, CCE (probabilities and logits) and sparse CE match float64 on random shapes', () => {
    const dims = fc.record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 7 }) });
    fc.assert(fc.property(dims, f32Array(fc.float({ min: -6, max: 6, noNaN: true }), 42, 42), f32Array(fc.float({ min: 0, max: 1, noNaN: true }), 42, 42), fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
      ({ rows, cols }, xv, tv, lab) => {
        const n = rows * cols, X = xv.subarray(0, n), T = tv.subarray(0, n), labels = lab.map((l) => l % cols).slice(0, rows);
        const x = tensor(X, [rows, cols]), t = tensor(T, [rows, cols]);
        const near = (name: string, got: number, want: number): void => {
          expect(Math.abs(got - want), `${name} [${rows}, ${cols}]: ${got}, float64 ${want}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
        };
        const mse = meanSquaredError(t, x);
        near('mse', mse.loss, Array.from(X).reduce((s, v, i) => s + (v - T[i]) ** 2, 0) / n);
        const bce = binaryCrossentropy(t, x, { fromLogits: true });
        near('bce logits', bce.loss, Array.from(X).reduce((s, v, i) => s + Math.max(v, 0) - v * T[i] + Math.log1p(Math.exp(-Math.abs(v))), 0) / n);
        const lse = (r: number): number => {
          const row = Array.from(X.subarray(r * cols, (r + 1) * cols)), m = Math.max(...row);
          return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        };
        let cce = 0, sce = 0;
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < cols; j++) cce += T[r * cols + j] * (lse(r) - X[r * cols + j]);
          sce += lse(r) - X[r * cols + labels[r]];
        }
        const c = categoricalCrossentropy(t, x, { fromLogits: true });
        near('cce logits', c.loss, cce / rows);
        const s = sparseCategoricalCrossentropy(labels, x, { fromLogits: true });
        near('sparse cce logits', s.loss, sce / rows);
        for (const z of [x, t, mse.grad, bce.grad, c.grad, s.grad]) z.dispose();
      }), fuzz(500));
  }, timeoutFor(500));
});

describe('parsers on corrupt bytes', () => {
  /** A valid IDX file of uint8 or float32 values, to be corrupted. */
  function idx(type: number, dims: number[]): Uint8Array {
    const width = type === 0x08 ? 1 : 4, count = dims.reduce((a, b) => a * b, 1);
    const out = new Uint8Array(4 + 4 * dims.length + count * width);
    out[2] = type; out[3] = dims.length;
    dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
    for (let i = 4 + 4 * dims.length; i < out.length; i++) out[i] = (i * 31) & 255;
    return out;
  }
  const mutate = (bytes: Uint8Array, edits: { at: number; v: number }[], cut: number): Uint8Array => {
    const b = bytes.slice(0, Math.max(0, bytes.length - cut));
    for (const e of edits) if (b.length > 0) b[e.at % b.length] = e.v;
    return b;
  };
  const edits = fc.array(fc.record({ at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 });

  test('IDX: random headers, edits and truncations either parse consistently or throw a clear actlab Error', () => {
    const base = fc.record({ type: fc.constantFrom(0x08, 0x0d), dims: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }) });
    fc.assert(fc.property(base, edits, fc.integer({ min: 0, max: 8 }), fc.uint8Array({ maxLength: 40 }), fc.boolean(), ({ type, dims }, ed, cut, junk, useJunk) => {
      const bytes = useJunk ? junk : mutate(idx(type, dims), ed, cut);
      let r;
      try {
        r = parseIdx(bytes, 'fuzz.idx');
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^actlab: fuzz\.idx: /);
        return;
      }
      // A parse must describe the bytes exactly: header + product(dims) values of its width.
      const count = r.dims.reduce((a, b) => a * b, 1);
      expect(r.data.length).toBe(count);
      expect(bytes.length).toBe(4 + 4 * r.dims.length + count * (r.type === 'uint8' ? 1 : 4));
    }), fuzz(2000));
  }, timeoutFor(2000));

  test('IDX datasets and CIFAR-10: corrupt files throw a clear actlab Error or give in-range labels', () => {
    fc.assert(fc.property(edits, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), (ed, cut, records) => {
      const images = mutate(idx(0x08, [3, 2, 2]), ed.slice(0, 2), cut);
      const labels = mutate(idx(0x08, [3]), ed.slice(2), 0);
      try {
        const ds = datasetFromIdx(images, labels, { imagesName: 'img.idx', labelsName: 'lbl.idx' });
        for (const l of ds.y) expect(l >= 0 && l < 10).toBe(true);
        expect(ds.x.length).toBe(ds.length * 4);
      } catch (e) {
        expect((e as Error).message).toMatch(/^actlab: /);
      }
      const cifar = new Uint8Array(records * 3073 + (cut === 3 ? 5 : 0));
      for (let i = 0; i < cifar.length; i++) cifar[i] = (i * 7) & 255;
      for (const e of ed) if (cifar.length) cifar[e.at % cifar.length] = e.v;
      try {
        const ds = parseCifar10Batch(cifar, 'fuzz.bin');
        for (const l of ds.y) expect(l >= 0 && l <= 9).toBe(true);
        expect(ds.length).toBe(records);
      } catch (e) {
        expect((e as Error).message).toMatch(/^actlab: fuzz\.bin: /);
      }
    }), fuzz(500));
  }, timeoutFor(500));
});
