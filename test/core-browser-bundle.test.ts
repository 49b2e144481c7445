// The core entry must bundle for browsers and edge runtimes with nothing from Node: no
// builtin module (fs, path, node:*), and no use of Node's globals (process, Buffer,
// require, __dirname). esbuild with platform 'browser' cannot resolve a builtin, and its
// metafile lists every import, so both catch a builtin; the text scan catches the globals,
// which need no import.
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildFailure, type BuildOptions } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (path: string): boolean => path.startsWith('node:') || BUILTINS.has(path) || BUILTINS.has(path.split('/')[0]);

/** Node-only globals as they appear in bundled code (`ArrayBuffer` is no `Buffer`: word boundaries). */
const NODE_GLOBALS: readonly [string, RegExp][] = [
  ['process.', /\bprocess\s*\./],
  ['Buffer', /\bBuffer\b/],
  // esbuild turns a `require` it cannot resolve at build time into its `__require` shim.
  // `require-corp` is the COEP header value the threads fallback reason names, not a call.
  ['require', /\brequire\b(?!-corp)|__require/],
  ['__dirname', /\b__dirname\b/],
  ['__filename', /\b__filename\b/],
];

function isBuildFailure(e: unknown): e is BuildFailure {
  return e instanceof Error && 'errors' in e && Array.isArray(e.errors);
}

/** Everything Node-only in the browser bundle of `entry`, one line each; empty when clean. */
async function nodeLeaks(entry: Pick<BuildOptions, 'entryPoints' | 'stdin'>): Promise<string[]> {
  let result;
  try {
    result = await build({
      ...entry, bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022',
      metafile: true, outfile: 'core.js', logLevel: 'silent', absWorkingDir: ROOT,
    });
  } catch (e) {
    if (!isBuildFailure(e)) throw e;
    return e.errors.map((m) => `build error: ${m.text}${m.location ? ` (${m.location.file}:${m.location.line})` : ''}`);
  }
  const leaks: string[] = [];
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external || isBuiltin(imp.path)) leaks.push(`${file} imports ${imp.path}${imp.external ? ' (external)' : ''}`);
    }
  }
  const text = result.outputFiles.map((f) => f.text).join('\n');
  for (const [name, pattern] of NODE_GLOBALS) {
    const m = pattern.exec(text);
    if (m !== null) leaks.push(`the bundle uses ${name}: ...${text.slice(Math.max(0, m.index - 60), m.index + 40)}...`);
  }
  return leaks;
}

describe('core entry without Node', () => {
  it('src/index.ts bundles for the browser with no Node builtin or global', async () => {
    expect(await nodeLeaks({ entryPoints: [join(ROOT, 'src', 'index.ts')] })).toEqual([]);
  });

  it('the check itself catches each kind of leak', async () => {
    const leaks = await nodeLeaks({
      stdin: {
        contents: "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n",
        loader: 'ts', resolveDir: ROOT, sourcefile: 'leaky.ts',
      },
    });
    expect(leaks.join('\n')).toMatch(/node:fs/);
    const globals = await nodeLeaks({
      stdin: {
        contents: 'export const b = () => process.env.HOME;\nexport const c = () => Buffer.from([1]);\n' +
          'export const d = (name: string) => require(name);\nexport const e = () => __dirname;\n',
        loader: 'ts', resolveDir: ROOT, sourcefile: 'leaky-globals.ts',
      },
    });
    for (const name of ['process.', 'Buffer', 'require', '__dirname']) {
      expect(globals.some((l) => l.startsWith(`the bundle uses ${name}:`)), `${name} in ${globals.join('\n')}`).toBe(true);
    }
  });
});
