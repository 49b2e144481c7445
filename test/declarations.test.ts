// The shipped declarations are the documentation an editor shows on hover: every export of
// dist/index.d.ts and dist/node/index.d.ts, every public member of an exported class or
// interface (option fields included), and every function held by an exported object
// (layers.dense, callbacks.earlyStopping, ...) carries a doc comment. Reads dist/, which
// `npm test` builds first.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = [join(ROOT, 'dist', 'index.d.ts'), join(ROOT, 'dist', 'node', 'index.d.ts')];

function undocumented(): string[] {
  const program = ts.createProgram(ENTRIES, {
    strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  const visited = new Set<ts.Symbol>();
  const ours = (s: ts.Symbol): ts.Declaration | undefined => {
    const d = s.declarations?.[0];
    return d !== undefined && !d.getSourceFile().fileName.includes('node_modules') ? d : undefined;
  };
  const where = (d: ts.Declaration): string => {
    const sf = d.getSourceFile();
    return `${relative(ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(d.getStart()).line + 1}`;
  };
  const documented = (s: ts.Symbol): boolean => s.getDocumentationComment(checker).length > 0;
  const check = (s: ts.Symbol, name: string): void => {
    const d = ours(s);
    if (d !== undefined && !documented(s)) missing.add(`${name} (${where(d)})`);
  };
  const members = (s: ts.Symbol, name: string): void => {
    if (visited.has(s)) return;
    visited.add(s);
    let props: ts.Symbol[] = [];
    if (s.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      props = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(s));
      if (s.flags & ts.SymbolFlags.Class) props.push(...checker.getPropertiesOfType(checker.getTypeOfSymbol(s)).filter((p) => p.name !== 'prototype'));
    } else if (s.flags & ts.SymbolFlags.Variable) {
      // A factory object's functions (layers.dense); a plain data object (plot.plotConfig) is left alone.
      props = checker.getPropertiesOfType(checker.getTypeOfSymbol(s))
        .filter((p) => checker.getTypeOfSymbol(p).getCallSignatures().length > 0);
    }
    for (const p of props) {
      const d = ours(p);
      if (d === undefined) continue;
      if (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || p.name.startsWith('#')) continue;
      check(p, `${name}.${p.name}`);
    }
  };
  const visit = (module: ts.Symbol, prefix: string): void => {
    for (const e of checker.getExportsOfModule(module)) {
      const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      const decl = s.declarations?.[0];
      // `export * as stats`: TypeScript shows no documentation for a namespace re-export, so its members are checked instead.
      if (decl !== undefined && ts.isSourceFile(decl)) {
        visit(s, `${prefix}${e.name}.`);
        continue;
      }
      check(s, `${prefix}${e.name}`);
      members(s, `${prefix}${e.name}`);
    }
  };
  for (const entry of ENTRIES) {
    const sf = program.getSourceFile(entry);
    const module = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    if (module === undefined) throw new Error(`${entry} did not load`);
    visit(module, entry.includes(`${join('dist', 'node')}`) ? 'actlab/node: ' : '');
  }
  return [...missing];
}

describe('declarations', () => {
  it('every export, public member and factory function in the shipped .d.ts files has a doc comment', () => {
    for (const f of ENTRIES) expect(existsSync(f), `${f} is missing: run npm run build`).toBe(true);
    expect(undocumented()).toEqual([]);
  }, 60_000);
});
