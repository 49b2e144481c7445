// The summary line CI reads (test/helpers/summary-reporter.ts): a nested vitest run over
// small made-up test files, one per way a file can fail, and the line it prints last.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './runtimes/runners.js';

// Inside the checkout (build/ is ignored), so the files' `import 'vitest'` resolves.
mkdirSync(join(ROOT, 'build'), { recursive: true });
const dir = mkdtempSync(join(ROOT, 'build', 'reporter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lastLine(files: Readonly<Record<string, string>>): { code: number; line: string } {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), `import { afterAll, beforeAll, expect, it } from 'vitest';\n${text}\n`);
  writeFileSync(join(dir, 'vitest.config.mjs'), `export default { test: { include: [${Object.keys(files).map((f) => `'${f}'`).join(', ')}], ` +
    `reporters: [${JSON.stringify(join(ROOT, 'test', 'helpers', 'summary-reporter.ts'))}] } };\n`);
  let code = 0, out = '';
  try {
    out = execFileSync(join(ROOT, 'node_modules', '.bin', 'vitest'), ['run', '--config', 'vitest.config.mjs'],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, env: { ...process.env, CI: 'true' } });
  } catch (e) {
    code = typeof e === 'object' && e !== null && 'status' in e && typeof e.status === 'number' ? e.status : -1;
    out = typeof e === 'object' && e !== null && 'stdout' in e ? String(e.stdout) : '';
  }
  return { code, line: out.trim().split('\n').at(-1) ?? '' };
}

describe('the summary line', () => {
  it('counts passed, failed and skipped tests, a file whose hook threw, and errors outside tests', () => {
    expect(lastLine({ 'a.test.ts': "it('passes', () => expect(1).toBe(1));\nit.skip('skipped', () => {});" }))
      .toEqual({ code: 0, line: '1 passed, 0 failed, 1 skipped' });
    expect(lastLine({
      'a.test.ts': "it('passes', () => expect(1).toBe(1));\nit('fails', () => expect(1).toBe(2));",
      'hook.test.ts': "beforeAll(() => { throw new Error('hook'); });\nit('never runs', () => {});",
    })).toEqual({ code: 1, line: '1 passed, 2 failed, 1 skipped' });
    expect(lastLine({ 'late.test.ts': "it('passes, then rejects later', () => { setTimeout(() => { throw new Error('late'); }, 0); });\nafterAll(() => new Promise((ok) => setTimeout(ok, 50)));" }))
      .toEqual({ code: 1, line: '1 passed, 1 failed' });
  });
});
