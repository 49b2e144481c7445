// What a tensor looks like at a REPL or in a notebook: console.log, util.inspect (which Node's
// REPL and Deno's console, so a Deno notebook's text output, go through) and print(). Before
// this, console.log(t) listed the fields (shape, size, the Wasm address `block`) and never the
// values, and a tf.js user's t.print() was "t.print is not a function".
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { init, tensor, flatten, sequential, layers, memoryStats } from '../src/index.js';
import { CHROMIUM_BIN, ROOT, binPath, bundleWithDist, cleanEnv, runCommand, serveLoopback, withChromium } from './runtimes/runners.js';

beforeAll(async () => { await init(); });
afterEach(() => { vi.restoreAllMocks(); });

describe('util.inspect of a tensor', () => {
  test('shows the shape and the values, not the Wasm address', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(inspect(t)).toBe('Tensor[2, 3]\n[[1, 2, 3],\n [4, 5, 6]]');
    expect(inspect(t)).not.toMatch(/block/);
    t.dispose();
  });

  test('rank 0 and 1 print on one line; values are the shortest float32 decimals, specials by name', () => {
    const s = tensor([5], []);
    const v = tensor([0.1, -0, NaN, -Infinity, 1e-45, 3.4e38, 1 / 3], [7]);
    expect(inspect(s)).toBe('Tensor[] 5');
    expect(inspect(v)).toBe('Tensor[7] [0.1, -0, NaN, -Infinity, 1e-45, 3.4e+38, 0.33333334]');
    s.dispose(); v.dispose();
  });

  test('rank 3 separates its matrices by a blank line; empty axes print as []', () => {
    const t = tensor(Array.from({ length: 8 }, (_, i) => i), [2, 2, 2]);
    expect(inspect(t)).toBe('Tensor[2, 2, 2]\n[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]');
    const e = tensor([], [2, 0]);
    expect(inspect(e)).toBe('Tensor[2, 0]\n[[],\n []]');
    t.dispose(); e.dispose();
  });

  test('axes longer than 20 show their first and last 3 entries', () => {
    const t = tensor(Array.from({ length: 25 * 21 }, (_, i) => i), [25, 21]);
    const lines = inspect(t).split('\n');
    expect(lines).toEqual([
      'Tensor[25, 21]',
      '[[0, 1, 2, ..., 18, 19, 20],',
      ' [21, 22, 23, ..., 39, 40, 41],',
      ' [42, 43, 44, ..., 60, 61, 62],',
      ' ...,',
      ' [462, 463, 464, ..., 480, 481, 482],',
      ' [483, 484, 485, ..., 501, 502, 503],',
      ' [504, 505, 506, ..., 522, 523, 524]]',
    ]);
    const long = tensor(Array.from({ length: 20 }, (_, i) => i), [20]);
    expect(inspect(long)).toBe(`Tensor[20] [${Array.from({ length: 20 }, (_, i) => i).join(', ')}]`);
    t.dispose(); long.dispose();
  });

  test('a disposed tensor or view prints as disposed instead of throwing', () => {
    const t = tensor([1, 2], [2]);
    t.dispose();
    expect(inspect(t)).toBe('Tensor[2] (disposed)');
    const x = tensor([1, 2, 3, 4], [1, 2, 2]);
    const v = flatten(x);
    expect(inspect(v)).toBe('Tensor[1, 4]\n[[1, 2, 3, 4]]');
    x.dispose();
    expect(inspect(v)).toBe('Tensor[1, 4] (disposed)');
  });

  test("beyond inspect's depth only the shape; a layer's weights print indented under their key", () => {
    const model = sequential({ seed: 1, layers: [layers.dense({ inputShape: [3], units: 2, kernelInitializer: 'ones' })] });
    const dense = model.layers[0];
    expect(inspect({ a: { b: { t: dense.weights[1].tensor } } })).toBe('{ a: { b: { t: Tensor[2] } } }');
    expect(inspect(dense.weights[0])).toContain("tensor: Tensor[3, 2]\n  [[1, 1],\n   [1, 1],\n   [1, 1]],");
    expect(inspect(model)).toContain('kernel: Tensor[3, 2],');
    model.dispose();
  });

  test('printing reads in place: no copy of a large tensor, nothing allocated', () => {
    const t = tensor(new Float32Array(1 << 20), [1024, 1024]);
    const before = memoryStats();
    const slice = vi.spyOn(Float32Array.prototype, 'slice');
    expect(inspect(t).split('\n')).toHaveLength(8);
    expect(slice).not.toHaveBeenCalled();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    t.dispose();
  });

  test('the hook is not enumerable, so it stays out of Object.keys and JSON', () => {
    const t = tensor([1], [1]);
    expect(Object.keys(Object.getPrototypeOf(t))).toEqual([]);
    expect(Object.getOwnPropertySymbols(t)).toEqual([]);
    t.dispose();
  });
});

describe('print()', () => {
  test("logs what inspect shows, as tf.js' t.print()", () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const t = tensor([1.5, 2], [1, 2]);
    t.print();
    expect(log).toHaveBeenCalledWith('Tensor[1, 2]\n[[1.5, 2]]');
    t.dispose();
    t.print();
    expect(log).toHaveBeenLastCalledWith('Tensor[1, 2] (disposed)');
  });

  test('toString still gives the shape alone', () => {
    const t = tensor([1, 2], [2]);
    expect(String(t)).toBe('Tensor[2]');
    t.dispose();
  });
});

describe("Deno's and Bun's console (the built package)", () => {
  // Deno's console, and so a Deno notebook's text output, and Bun's read the same hook.
  const probe = `import { init, tensor } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)};
await init({ threads: 1 });
const t = tensor([1, 2, 3, 4], [2, 2]);
console.log(t);
t.dispose();
console.log(t);
`;
  const want = 'Tensor[2, 2]\n[[1, 2],\n [3, 4]]\nTensor[2, 2] (disposed)\n';
  const run = async (cmd: string, args: readonly string[]): Promise<string> => {
    const home = mkdtempSync(join(tmpdir(), 'actlab-inspect-'));
    try {
      writeFileSync(join(home, 'probe.mjs'), probe);
      const out = await runCommand(cmd, [...args, 'probe.mjs'], cleanEnv(home), home, 60_000);
      expect(out.stderr).toBe('');
      return out.stdout;
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  test('deno', async () => {
    expect(await run(binPath('deno'), ['run', '--no-prompt', '--no-config', '--no-lock', '--no-remote', '--no-npm', '--quiet'])).toBe(want);
  });

  test('bun', async () => {
    expect(await run(binPath('bun'), ['run', '--no-install'])).toBe(want);
  });
});

describe("a browser's console (headless Chromium, the built package)", () => {
  // A browser's console does not read Node's inspect hook: console.log(t) shows the object's
  // fields there, and print() is how a page (or a browser notebook) shows the values.
  const CI = process.env.CI === 'true' || process.env.CI === '1';
  test("the test server answers the browser's own /favicon.ico request without an error status", async () => {
    // Chromium asks for it whenever it likes; a 404 shows as a console error, which the
    // page tests below count as the page's (a CI run failed on one).
    const server = await serveLoopback(new Map());
    try {
      const res = await fetch(new URL('/favicon.ico', server.url));
      expect(res.status).toBe(204);
      expect((await fetch(new URL('/missing.js', server.url))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test.skipIf(!existsSync(CHROMIUM_BIN) && !CI)('print() logs the shape and the values; console.log(t) does not', async () => {
    const home = mkdtempSync(join(tmpdir(), 'actlab-inspect-page-'));
    try {
      writeFileSync(join(home, 'entry.ts'), `import { init, tensor } from ${JSON.stringify(join(ROOT, 'dist', 'index.js'))};
await init({ threads: 1 });
const t = tensor([1, 2, 3, 4], [2, 2]);
t.print();
console.log(t);
console.log('done');
`);
      await bundleWithDist(join(home, 'entry.ts'), join(home, 'entry.mjs'));
      const server = await serveLoopback(new Map([
        ['/', { type: 'text/html; charset=utf-8', body: '<script type="module" src="/entry.mjs"></script>' }],
        ['/entry.mjs', { type: 'text/javascript; charset=utf-8', body: readFileSync(join(home, 'entry.mjs')) }],
      ]));
      try {
        const logged = await withChromium(server.url, 45_000, async (page, errors) => {
          const texts: string[] = [];
          const done = new Promise<void>((ok) => {
            page.on('console', (m) => { if (m.text() === 'done') ok(); else texts.push(m.text()); });
          });
          await page.reload();
          await done;
          expect(errors).toEqual([]);
          return texts;
        });
        expect(logged[0]).toBe('Tensor[2, 2]\n[[1, 2],\n [3, 4]]');
        expect(logged[1]).not.toContain('[[1, 2]');
      } finally {
        await server.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});
