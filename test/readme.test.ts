// The README's TypeScript examples are programs a user pastes: each block that starts with
// its imports must type-check against the package as written (an undefined name, a wrong
// option or a renamed export fails here), and the short one under "Use" must also run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { ACTIVATION_NAMES } from '../src/activations/registry.js';

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
