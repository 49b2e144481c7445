// Smoke test: every slide example runs through scripts/run-ts.mjs, prints its numbers and
// writes its figure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TMP = mkdtempSync(join(tmpdir(), 'actlab-examples-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const SLIDES = readdirSync(join(ROOT, 'examples')).filter((f) => /^slide\d\d-.*\.ts$/.test(f)).sort();

test('one example per covered slide', () => {
  expect(SLIDES.map((f) => f.slice(5, 7))).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13']);
});

test.each(SLIDES)('%s', (file) => {
  const svg = join(TMP, file.replace(/\.ts$/, '.svg'));
  const out = execFileSync(process.execPath, [join(ROOT, 'scripts', 'run-ts.mjs'), join('examples', file), svg], { cwd: ROOT, encoding: 'utf8' });
  expect(out.trim().split('\n').length).toBeGreaterThanOrEqual(2);
  expect(out).not.toMatch(/NaN|undefined/);
  expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
});
