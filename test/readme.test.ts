// The README's TypeScript examples are programs a user pastes: each block that starts with
// its imports must type-check against the package as written (an undefined name, a wrong
// option or a renamed export fails here), and the short one under "Use" must also run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
