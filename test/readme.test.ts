// The README's TypeScript examples are programs a user pastes: each block that starts with
// its imports must type-check against the package as written (an undefined name, a wrong
// option or a renamed export fails here), and the short one under "Use" must also run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { ACTIVATION_NAMES } from '../src/activations/registry.js';
import { init, layers, sequential } from '../src/index.js';
import { saveModel } from '../src/node/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test-output', 'readme');

/** The README's ```ts blocks that begin with an import, with their starting line. */
function programs(): { line: number; code: string }[] {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const out: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const start = i + 1;
    while (++i < lines.length && lines[i] !== '```');
    const code = lines.slice(start, i).join('\n');
    if (code.startsWith('import ')) out.push({ line: start + 1, code });
  }
  return out;
}

/** The block with the package's entry points mapped to the sources. */
function local(code: string): string {
  return code
    .replaceAll("from 'actlab/node'", `from '${join(ROOT, 'src/node/index.js')}'`)
    .replaceAll("from 'actlab'", `from '${join(ROOT, 'src/index.js')}'`);
}

describe('README examples', () => {
  const blocks = programs();

  test('there are examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  test('every example that starts with its imports type-checks as written', () => {
    mkdirSync(OUT, { recursive: true });
    const files = blocks.map((b) => {
      const f = join(OUT, `readme-line-${b.line}.ts`);
      // `export {}` makes each file a module (top-level await); unused results are fine in an example.
      writeFileSync(f, `${local(b.code)}\nexport {};\n`);
      return f;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['node'], strict: true, skipLibCheck: true, noEmit: true,
    });
    const problems = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.includes(d.file.fileName))
      .map((d) => {
        const at = d.file?.getLineAndCharacterOfPosition(d.start ?? 0);
        const block = blocks[files.indexOf(d.file?.fileName ?? '')];
        return `README.md line ${block.line + (at?.line ?? 0)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 60_000);

  test("the example under 'Use' runs", async () => {
    const use = blocks[0];
    expect(use.code).toContain("activations.apply('swish'");
    const f = join(OUT, 'use.mjs');
    // The block has no type annotations, so it runs as JavaScript against the built package.
    writeFileSync(f, local(use.code).replaceAll('/src/index.js', '/dist/index.js'));
    await expect(import(f)).resolves.toBeDefined();
  });

  test("the example under 'Serving a model' runs: a refused request names the problem and nothing is left per request", async () => {
    const serve = blocks.find((b) => b.code.includes("loadModel('my-model')") && b.code.includes('model.predict('));
    expect(serve, "README.md: the ```ts block under 'Serving a model'").toBeDefined();
    const dir = join(OUT, 'serve');
    mkdirSync(dir, { recursive: true });
    // The model it loads: 8 inputs, as its comment says.
    await init();
    const m = sequential({ seed: 1, layers: [layers.dense({ inputShape: [8], units: 16, activation: 'relu' }), layers.dense({ units: 3, activation: 'softmax' })] });
    await saveModel(m, join(dir, 'my-model'));
    m.dispose();
    const f = join(dir, 'serve.mjs');
    const js = transformSync(local(serve?.code ?? ''), { loader: 'ts', format: 'esm' }).code;
    writeFileSync(f, js.replaceAll('/src/index.js', '/dist/index.js').replaceAll('/src/node/index.js', '/dist/node/index.js'));
    const out = execFileSync(process.execPath, [f], { cwd: dir, encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
    expect(out[0]).toMatch(/^Error: actlab: tensor\(\): 3 values do not fill shape \[1, 8\]/);
    expect(out[1]).toBe('true');
  }, 60_000);
  test("the example under 'Custom training loops' runs and its loss falls", () => {
    const loop = blocks.find((b) => b.code.includes('function trainStep(') && b.code.includes('lossOp('));
    expect(loop, "README.md: the ```ts block under 'Custom training loops'").toBeDefined();
    mkdirSync(OUT, { recursive: true });
    const f = join(OUT, 'custom-loop.mjs');
    const js = transformSync(local(loop?.code ?? ''), { loader: 'ts', format: 'esm' }).code;
    writeFileSync(f, js.replaceAll('/src/index.js', '/dist/index.js'));
    const out = execFileSync(process.execPath, [f], { encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
    const losses = out.map((l) => Number(/^epoch \d+: loss (\S+)$/.exec(l)?.[1]));
    expect(losses.length).toBe(3);
    expect(losses[2]).toBeLessThan(losses[0]);
  }, 60_000);
});

describe('README examples that need data or a machine', () => {
  const blocks = programs();
  /** A block as JavaScript against the built package, with `edits` ([from, to]) applied to its TypeScript first. */
  const built = (code: string, edits: [string, string][] = []): string => {
    let source = code;
    for (const [from, to] of edits) {
      expect(source, `README.md example: '${from}'`).toContain(from);
      source = source.replace(from, to);
    }
    return transformSync(local(source), { loader: 'ts', format: 'esm' }).code
      .replaceAll('/src/index.js', '/dist/index.js').replaceAll('/src/node/index.js', '/dist/node/index.js');
  };
  const run = (dir: string, name: string, js: string): string => {
    writeFileSync(join(dir, name), js);
    return execFileSync(process.execPath, [name], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  };

  test("the examples under 'Training' and 'Long runs and resuming' run in turn (on 640 images): the loaded model is compiled, the resumed run passes the resume check", () => {
    const train = blocks.find((b) => b.code.includes('await datasets.mnist()') && b.code.includes("loadCheckpoint('ckpt')"));
    const resume = blocks.find((b) => b.code.includes("await loadCheckpoint('ckpt')") && b.code.includes('initialEpoch: r.initialEpoch'));
    expect(train, "README.md: the ```ts block under 'Training'").toBeDefined();
    expect(resume, "README.md: the ```ts block under 'Long runs and resuming'").toBeDefined();
    const dir = join(OUT, 'training');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const subset = '{ subset: { train: 640, test: 128 } }';
    const first = run(dir, 'train.mjs', built(train?.code ?? '', [['datasets.mnist()', `datasets.mnist(${subset})`], ['epochs: 5', 'epochs: 2']]) +
      // What the example's comments promise: History keys, evaluate's pair, a compiled loaded model, the checkpoint's position.
      'console.log(JSON.stringify({ keys: Object.keys(history.history), epochs: history.loss.length, val: history.val_acc.length, ' +
      'evaluate: [loss, acc], names: again.metricsNames, again: again.evaluate(tensor(test.x, [test.length, 28, 28]), test.y), ' +
      'initialEpoch: resumed.initialEpoch, seed: resumed.seed }));\n');
    const r = JSON.parse(first.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(r.keys).toEqual(['loss', 'acc', 'val_loss', 'val_acc']);
    expect([r.epochs, r.val]).toEqual([2, 2]);
    // Saved after compile, loaded compiled: the same metrics and the same numbers.
    expect(r.names).toEqual(['loss', 'acc']);
    expect(r.again).toEqual(r.evaluate);
    expect([r.initialEpoch, r.seed]).toEqual([2, 42]);
    const data = `import { datasets as mnistFiles } from 'actlab/node';\nimport { tensor as toTensor } from 'actlab';\n`;
    const second = run(dir, 'resume.mjs', built(`${data}${resume?.code ?? ''}`, [
      ['declare const x: Tensor, y: Int32Array;', ''],
      // A process started after a crash: the example must call init() itself before it loads anything.
      ['await init();\n', `await init();\nconst d = await mnistFiles.mnist(${subset});\nconst x = toTensor(d.train.x, [d.train.length, 28, 28]), y = d.train.y;\n`],
      ['epochs: 300', 'epochs: r.initialEpoch + 1'],
    ]) +
      "import { readdirSync as list } from 'node:fs';\nlog.end(() => console.log(JSON.stringify({ ckpt: list('ckpt'), best: list('best') })));\n");
    const s = JSON.parse(second.trim().split('\n').at(-1) ?? '{}') as Record<string, string[]>;
    expect(s.ckpt).toEqual(['checkpoint.json', 'ckpt-3.bin']);
    expect(s.best).toContain('checkpoint.json');
    // The resumed rows go on where the run stopped (epoch 2), without a second header.
    expect(readFileSync(join(dir, 'log.csv'), 'utf8')).toMatch(/^2,[^\n]*\n$/);
  }, 240_000);

  test("the examples under 'Threads' and 'Relaxed SIMD' print what their comments say", () => {
    const threads = blocks.find((b) => b.code.includes('threadInfo();'));
    const relaxed = blocks.find((b) => b.code.includes('simdInfo();'));
    expect(threads?.code).toContain('// { threads: 4, shared: true }');
    const dir = join(OUT, 'machine');
    mkdirSync(dir, { recursive: true });
    const t = run(dir, 'threads.mjs', built(threads?.code ?? '', [['threadInfo();', 'console.log(JSON.stringify(threadInfo()));']]));
    expect(JSON.parse(t)).toEqual({ threads: 4, shared: true });
    const said = /reason: '([^']*?) \.\.\.'/.exec(relaxed?.code ?? '')?.[1];
    expect(said, "README.md: the reason in the Relaxed SIMD example's comment").toBeDefined();
    const info = JSON.parse(run(dir, 'relaxed.mjs', built(relaxed?.code ?? '', [['simdInfo();', 'console.log(JSON.stringify(simdInfo()));']]))) as { engine: string; reason?: string };
    if (info.engine === 'plain') expect(info.reason?.startsWith(said ?? '')).toBe(true);
    else expect(info).toEqual({ engine: 'relaxed' });
  }, 60_000);
});

describe('README activation list', () => {
  test("'What is in it' gives the registry's count and names every activation", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    // The bullet from "**N activations**" to the first sentence after the list.
    const m = /\*\*(\d+) activations\*\*([\s\S]*?)\. Every forward value/.exec(readme);
    expect(m, "README.md: the '**N activations** ...' bullet").not.toBeNull();
    const [, count, list] = m ?? ['', '', ''];
    expect(Number(count), 'README.md: the activation count').toBe(ACTIVATION_NAMES.length);
    const listed = new Set(list.match(/[A-Za-z0-9]+/g) ?? []);
    expect(ACTIVATION_NAMES.filter((n) => !listed.has(n)), 'registry names missing from README.md\'s list').toEqual([]);
  });
});
