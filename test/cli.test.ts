// The actlab command in-process (runCli with captured streams): --help for every command,
// --json shapes, --out files, errors with exit status 2, one real run of every training
// command on a few hundred MNIST images, the built bin, and a tiny-profile report opened
// in headless Chromium.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { chromium } from 'playwright-core';
import { runCli, COMMANDS, toJson } from '../src/cli/run.js';
import { ProgressBar } from '../src/cli/progress.js';
import { CHROMIUM_BIN } from './runtimes/runners.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TMP = mkdtempSync(join(tmpdir(), 'actlab-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

async function cli(args: readonly string[], tty = false): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const code = await runCli(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stderrIsTTY: tty, columns: 100, cwd: TMP });
  return { code, stdout, stderr };
}

const NAMES = ['curves', 'softmax', 'compare', 'patterns', 'gradients', 'vanishing', 'bench', 'dynamics', 'cnn', 'report'];

describe('help', () => {
  test('the command list', async () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(NAMES);
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const n of NAMES) expect(r.stdout).toContain(`  ${n} `);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: actlab <command>');
  });

  test.each(NAMES)('actlab %s --help', async (name) => {
    const r = await cli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`usage: actlab ${name} [options]`);
    for (const opt of ['--json', '--out DIR', '--seed N', '--progress', '--help']) expect(r.stdout).toContain(opt);
    expect(r.stdout).toContain('examples:');
    expect(r.stdout).not.toContain('--profile');
    expect(r.stderr).toBe('');
  });
});

describe('errors', () => {
  test.each([
    [['nope'], /actlab: unknown command 'nope'; commands: curves, softmax/],
    [['curves', '--bogus'], /actlab curves: unknown option '--bogus'; valid options: --activations/],
    [['curves', '--activations', 'relu,nope'], /actlab curves: --activations: unknown activation 'nope'; valid names: sigmoid, tanh, relu/],
    [['curves', '--samples', 'x'], /actlab curves: --samples 'x' is invalid: expected an integer >= 2 and <= 1000000/],
    [['curves', '--range', '5,-5'], /--range '5,-5' is invalid: expected LO,HI/],
    [['curves', '--activations', 'swish:beta'], /expected NAME:PARAM=NUMBER/],
    [['curves', '--activations', 'swish:gamma=2'], /has no parameter 'gamma'; its parameters: beta/],
    [['curves', '--show', 'g'], /--show 'g' is invalid: expected f, df or both/],
    [['curves', '--png'], /--png writes files: give --out DIR too/],
    [['curves', 'stray'], /unexpected argument 'stray'/],
    [['curves', '--samples'], /--samples needs a value/],
    [['curves', '--json=1'], /--json is a flag and takes no value/],
    [['softmax', '--temperatures', '1,0'], /--temperatures '1,0' is invalid: expected comma-separated numbers > 0/],
    [['softmax', '--scores', '1,2;3'], /--scores '1,2;3' is invalid: expected rows of equally many numbers finite in float32/],
    [['softmax', '--scores', '1e39,0'], /--scores '1e39,0' is invalid: expected rows of equally many numbers finite in float32.*\('1e39' is not a number\)/],
    [['softmax', '--temperatures', '1e-50'], /actlab softmax: --temperatures: temperature = 1e-50 is 0 in float32/],
    [['curves', '--range', '1e39,1e40'], /--range '1e39,1e40' is invalid: expected LO,HI: two numbers with LO < HI that float32 holds apart/],
    [['curves', '--range', '1,1.00000001'], /--range '1,1.00000001' is invalid/],
    [['curves', '--activations', 'relu,relu'], /actlab curves: --activations: two activations are labelled 'relu'/],
    [['compare', '--learnable', 'swish'], /actlab compare: --learnable: learnable 'swish' is not among the activations/],
    [['compare', '--activations', 'relu', '--learnable', 'relu'], /actlab compare: --learnable: activation 'relu' has no learnable parameters/],
    [['cnn', '--factor', '1'], /--factor '1' is invalid: expected a number > 0 and < 1/],
    [['vanishing', '--out', join(ROOT, 'package.json')], /--out .*package.json: cannot create that directory \(EEXIST\); expected a directory path/],
    [['gradients', '--seed', '-1'], /--seed '-1' is invalid: expected an integer >= 0/],
    [['vanishing', '--depth', '0'], /--depth '0' is invalid: expected an integer >= 1/],
    [['report', '--sections', '99'], /--sections '99': unknown '99'/],
    [['report', '--profile', 'huge'], /--profile 'huge' is invalid: expected one of quick, full, tiny/],
    [['compare', '--subset', '10', '--train-samples', '5'], /give --subset or --train-samples\/--test-samples, not both/],
    [['compare', '--subset', '0'], /--subset '0' is invalid: expected an integer >= 1 and <= 60000/],
    [['patterns', '--architecture', 'rnn'], /--architecture 'rnn' is invalid: expected mlp or cnn/],
    [['cnn', '--cifar', '/nowhere', '--subset', '5'], /--cifar uses all of CIFAR-10/],
    [['bench', '--activations', 'relu,nope'], /unknown activation 'nope'; valid names/],
  ] as const)('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  test('the --help hint is printed once', async () => {
    const r = await cli(['curves', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('actlab curves --help').length - 1).toBe(1);
  });

  test('a usage error found by the command leaves no --out directory behind; one that existed stays', async () => {
    const r = await cli(['curves', '--out', 'left/behind', '--samples', '0']);
    expect(r.code).toBe(2);
    expect(existsSync(join(TMP, 'left'))).toBe(false);
    const r2 = await cli(['report', '--sections', 'nope']);
    expect(r2.code).toBe(2);
    expect(existsSync(join(TMP, 'actlab-report'))).toBe(false);
    const r3 = await cli(['curves', '--out', '.', '--samples', '0']);
    expect(r3.code).toBe(2);
    expect(existsSync(TMP)).toBe(true);
  });

  test.each([['patterns'], ['dynamics']])('%s: a --layer the model does not have is a usage error, found before training', async (command) => {
    const r = await cli([command, '--subset', '50', '--epochs', '1', '--layer', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^actlab ${command}: --layer: model '.*' has no layer 'nope'; its layers: flatten, dense, dense_1`));
    expect(r.stderr).toContain(`(see actlab ${command} --help)`);
  });
});

describe('results', () => {
  test('curves with 200,000 samples prints its table (the range was taken with a spread that overflowed the stack)', async () => {
    const r = await cli(['curves', '--activations', 'tanh', '--samples', '200000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\ntanh\s+\[-1\.0000, 1\.0000\]/);
  });

  test('curves --json: labels, grid, f and df per curve', async () => {
    const r = await cli(['curves', '--activations', 'sigmoid,swish:beta=2', '--range', '-2,2', '--samples', '5', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.x).toEqual([-2, -1, 0, 1, 2]);
    expect(out.curves.map((c: { label: string }) => c.label)).toEqual(['sigmoid', 'swish (beta=2)']);
    expect(out.curves[0].f[2]).toBe(0.5);
    expect(out.curves[0].df[2]).toBe(0.25);
    expect(Object.keys(out.curves[1]).sort()).toEqual(['derivative', 'df', 'f', 'formula', 'label', 'name', 'paper', 'params']);
  });

  test('softmax --json: probabilities, sums and entropy per temperature', async () => {
    const r = await cli(['softmax', '--scores', '1,2,3;0,0,0', '--temperatures', '0.5,2', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.classes).toBe(3);
    expect(out.results.map((t: { temperature: number }) => t.temperature)).toEqual([0.5, 2]);
    for (const t of out.results) {
      expect(t.probabilities).toHaveLength(2);
      for (const s of t.rowSums) expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
    expect(out.results[0].entropy[0]).toBeLessThan(out.results[1].entropy[0]);
    expect(out.results[0].entropy[1]).toBeCloseTo(Math.log(3), 5);
  });

  test('gradients: text table, and --json statistics', async () => {
    const text = await cli(['gradients']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/relu\s+0\.5000\s+0\.5000\s+0\.5000\s+1\.0000/);
    const r = await cli(['gradients', '--activations', 'tanh', '--samples', '11', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.series[0]).toMatchObject({ label: 'tanh', name: 'tanh' });
    expect(out.series[0].df).toHaveLength(11);
    expect(typeof out.series[0].stdGrad).toBe('number');
  });

  test('curves --out --png writes JSON, SVG and PNG; --progress draws a bar on stderr', async () => {
    const r = await cli(['curves', '--set', 'modern', '--samples', '50', '--out', 'plots', '--png', '--progress', '--seed', '7']);
    expect(r.code).toBe(0);
    expect(readdirSync(join(TMP, 'plots')).sort()).toEqual(['curves.json', 'curves.png', 'curves.svg']);
    const saved = JSON.parse(readFileSync(join(TMP, 'plots', 'curves.json'), 'utf8'));
    expect(saved).toMatchObject({ command: 'curves', seed: 7 });
    expect(saved.result.curves).toHaveLength(3);
    expect(readFileSync(join(TMP, 'plots', 'curves.svg'), 'utf8')).toMatch(/^<svg/);
    expect(r.stderr).toMatch(/\[#+-*\]\s+\d+% \d+\/2 .*ETA/);
    expect(r.stdout).toContain(`wrote ${join(TMP, 'plots', 'curves.json')}`);
  });

  test('report --sections 14 alone: the reading list, and a progress bar that counts to its end', async () => {
    const r = await cli(['report', '--sections', '14', '--out', 'reading', '--progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('NaN');
    expect(r.stderr).toMatch(/100% 1000\/1000/);
    expect(readFileSync(join(TMP, 'reading', 'report.html'), 'utf8')).toContain('<ol class="references">');
  });

  test('no bar for quick work on a non-terminal stderr', async () => {
    const r = await cli(['softmax']);
    expect(r.stderr).toBe('');
  });
});

describe('training commands: one real run each on a few hundred MNIST images', () => {
  const run = async (args: readonly string[]): Promise<Record<string, unknown>> => {
    const r = await cli([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  test('compare', async () => {
    const out = await run(['compare', '--subset', '500', '--epochs', '2', '--hidden', '32', '--activations', 'relu,scaledSwish', '--learnable', 'scaledSwish']);
    expect(out.settings).toMatchObject({ epochs: 2, hidden: [32], trainSamples: 500, testSamples: 100, learnable: ['scaledSwish'] });
    const runs = out.runs as { activation: string; testAccuracy: number; learnedParams?: unknown[] }[];
    expect(runs.map((x) => x.activation)).toEqual(['relu', 'scaledSwish']);
    expect(runs[0].testAccuracy).toBeGreaterThan(0.2);
    expect(runs[1].learnedParams).toHaveLength(1);
  });

  test('patterns', async () => {
    const softmax = await cli(['patterns', '--subset', '300', '--epochs', '0', '--layer', 'dense_2']);
    expect(softmax.stdout).toContain('layer dense_2 (dense, 10 units on a 3 x 4 grid, activation softmax) of the mlp with relu hidden layers');
    const out = await run(['patterns', '--subset', '300', '--epochs', '1', '--sample', '2']);
    expect(out).toMatchObject({ activation: 'relu', layer: 'dense_1', sample: 2, pattern: { kind: 'dense', units: 64, rows: 8, cols: 8 } });
  });

  test('vanishing', async () => {
    const r = await cli(['vanishing', '--activations', 'relu,sigmoid', '--depth', '10']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/activation\s+first layer norm\s+last layer norm\s+max\/min ratio/);
    expect(r.stdout).toMatch(/\nsigmoid\s/);
  });

  test('bench', async () => {
    const out = await run(['bench', '--subset', '300', '--epochs', '2', '--hidden', '16', '--activations', 'relu,tanh']);
    const runs = out.runs as { activation: string; convergenceRate: number; inferenceMsPerSample: number }[];
    expect(runs.map((x) => x.activation)).toEqual(['relu', 'tanh']);
    for (const x of runs) expect(Number.isFinite(x.convergenceRate) && x.inferenceMsPerSample > 0).toBe(true);
  });

  test('dynamics with a test split under 100 images probes all of it', async () => {
    const out = await run(['dynamics', '--subset', '50', '--epochs', '1', '--hidden', '8']);
    expect((out.settings as { probeSize: number }).probeSize).toBe(10);
    // One epoch defines no stability: n/a in the table (null in JSON), not a perfect 0.
    expect((out.runs as { summary: { activationStability: number | null } }[])[0].summary.activationStability).toBeNull();
    const text = await cli(['dynamics', '--subset', '50', '--epochs', '1', '--hidden', '8']);
    expect(text.stdout).toMatch(/\nrelu\s+dense\s+[\d.]+%\s+\S+\s+n\/a\n/);
  });

  test('dynamics', async () => {
    const out = await run(['dynamics', '--subset', '300', '--epochs', '2', '--probe', '20', '--hidden', '16']);
    const runs = out.runs as { layer: string; epochs: unknown[] }[];
    expect(runs[0].layer).toBe('dense');
    expect(runs[0].epochs).toHaveLength(2);
  });

  test('cnn --out: text table, JSON and SVG', async () => {
    const r = await cli(['cnn', '--subset', '100', '--epochs', '1', '--activations', 'relu', '--out', 'cnn-out', '--progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/relu\s+\d+\.\d\d%/);
    expect(r.stderr).toMatch(/relu: epoch 1\/1/);
    expect(readdirSync(join(TMP, 'cnn-out')).sort()).toEqual(['cnn.json', 'cnn.svg']);
  });
});

test('the built bin runs (dist/cli.js, as npm links it)', () => {
  const bin = join(ROOT, 'dist', 'cli.js');
  expect(existsSync(bin), 'dist/cli.js is missing: run node scripts/build.mjs').toBe(true);
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  const out = execFileSync(process.execPath, [bin, 'softmax', '--temperatures', '1', '--json'], { encoding: 'utf8' });
  expect(JSON.parse(out).results[0].rowSums).toHaveLength(2);
});

describe('hostile environments', () => {
  const bin = join(ROOT, 'dist', 'cli.js');

  test('a reader that closes the pipe early (| head -1) ends the run quietly, not with an EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [bin, 'curves', '--activations', 'all', '--samples', '20000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();   // as `head -c 0` would
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  test('a reader gone from stderr (2>&1 | head -1 while training) does not end the run before its --out files, with status 0', async () => {
    const out = join(TMP, 'stderr-closed');
    const child = spawn(process.execPath, [bin, 'vanishing', '--out', out, '--progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.destroy();   // the progress lines meet a closed pipe
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['vanishing.json', 'vanishing.svg']);
    expect(stdout).toContain('wrote ');
  });

  test.skipIf(!existsSync('/dev/full'))('a stdout that cannot be written (a full disk) is one line on stderr and status 1', () => {
    let r: { status: number | null; stderr: string };
    try {
      execFileSync('/bin/sh', ['-c', `"${process.execPath}" "${bin}" softmax > /dev/full`], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      r = { status: 0, stderr: '' };
    } catch (e) {
      r = e as { status: number | null; stderr: string };
    }
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('actlab: cannot write to stdout: ENOSPC\n');
  });

  test("a value option followed by another option (--out --json) is a usage error, not a directory named '--json'", async () => {
    const r = await cli(['softmax', '--out', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/actlab softmax: --out needs a value but got the option '--json'.*write --out=--json/);
    expect(existsSync(join(TMP, '--json'))).toBe(false);
    expect((await cli(['curves', '--range', '-5,5', '--samples', '3', '--activations', 'relu'])).code).toBe(0);
  });

  test('with --progress on a terminal, an error starts its own line, not at the end of the bar', async () => {
    mkdirSync(join(TMP, 'svg-is-a-dir', 'curves.svg'), { recursive: true });
    const r = await cli(['curves', '--samples', '50', '--activations', 'relu', '--out', 'svg-is-a-dir', '--progress'], true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('\r[');
    expect(r.stderr).toMatch(/\nactlab curves: .*EISDIR/);
  });

  test('--png without a usable font fails before the work, and leaves no --out directory', async () => {
    vi.resetModules();
    vi.doMock('../src/node/render.js', async (original) => ({
      ...await original<typeof import('../src/node/render.js')>(),
      checkPngSupport: () => { throw new Error('actlab: PNG rendering needs a font and none was found'); },
    }));
    try {
      const { runCli: fresh } = await import('../src/cli/run.js');
      let stdout = '', stderr = '';
      const code = await fresh(['compare', '--subset', '300', '--epochs', '1', '--activations', 'relu', '--out', 'no-font', '--png', '--progress'],
        { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stderrIsTTY: false, columns: 100, cwd: TMP });
      expect(code).toBe(1);
      expect(stderr).toContain('PNG rendering needs a font');
      expect(stderr).not.toContain('epoch');   // nothing was trained
      expect(stdout).toBe('');
      expect(existsSync(join(TMP, 'no-font'))).toBe(false);
    } finally {
      vi.doUnmock('../src/node/render.js');
      vi.resetModules();
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `actlab ${pkg.version}\n`, '']);
  });

  test('a result too large for one JSON string names the cause, not "Invalid string length"', () => {
    // What V8 throws past 512 MiB (curves --samples 1000000 --activations all --json), without building it.
    const huge = { toJSON: (): never => { throw new RangeError('Invalid string length'); } };
    expect(() => toJson('curves', huge)).toThrow('actlab curves: the result is too large to write as JSON (Invalid string length: a string holds at most 512 MiB); ask for fewer samples, activations or epochs');
    expect(toJson('curves', { a: [1, 2] })).toBe('{"a":[1,2]}');
  });

  test('--progress into a log: a line per step label and at the end, not one every 100 ms', async () => {
    let text = '';
    const bar = new ProgressBar({ write: (t) => { text += t; }, isTTY: false }, 'always');
    const busy = async (ms: number): Promise<void> => { await new Promise((r) => setTimeout(r, ms)); };
    bar.update(0, 10, 'relu: epoch 1/2');
    for (let i = 1; i < 5; i++) { await busy(120); bar.update(i, 10, 'relu: epoch 1/2'); }
    bar.update(5, 10, 'relu: epoch 2/2');
    for (let i = 6; i < 10; i++) { await busy(120); bar.update(i, 10, 'relu: epoch 2/2'); }
    bar.update(10, 10, 'relu: epoch 2/2');
    bar.update(10, 10, 'relu: epoch 2/2');
    const lines = text.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/.*ETA \S+\s+/, ''))).toEqual(['relu: epoch 1/2', 'relu: epoch 2/2', 'relu: epoch 2/2']);
    expect(lines[2]).toContain('100% 10/10');
  });
});

test('a tiny-profile report.html opens offline in headless Chromium with every figure and no console error', async (ctx) => {
  const r = await cli(['report', '--profile', 'tiny', '--out', 'rep']);
  expect(r.code, r.stderr).toBe(0);
  const path = join(TMP, 'rep', 'report.html');
  expect(r.stdout).toContain(`report: ${path}`);
  expect(r.stdout).toContain('14 sections (slides 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14), profile tiny, seed 42');
  expect(r.stdout).toContain(pathToFileURL(path).href);
  const html = readFileSync(path, 'utf8');
  expect(html).not.toMatch(/<script|<link|https?:\/\/[^"<\s]*\.(js|css|woff2?)/);
  expect(html).toContain('tiny (a test profile');
  // The prose says what this profile's numbers show: too few CNN epochs for ReduceLROnPlateau to act.
  expect(html).toMatch(/with 1 epoch and patience 3 it cannot cut the rate here/);
  expect(html).not.toContain('the learning-rate panel shows when ReduceLROnPlateau cut the rate');
  // Slide 14's reading list: five linked works; the survey at its own address, not the seed's mistyped one.
  const reading = html.slice(html.indexOf('<section id="reading">'));
  expect(reading.match(/<li><a href="https:\/\/arxiv\.org\/abs\/[0-9.]+">/g)).toHaveLength(5);
  expect(reading).toContain('href="https://arxiv.org/abs/2109.14545"');
  expect(html).not.toContain('href="https://arxiv.org/abs/2011.08698"');
  // Figures per section, in slide order: 1, 2, 3 one each; 4 two; 5, 6, 7, 8 one each; 9 two; 10-13 one each.
  const perSection = [1, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1];
  const total = perSection.reduce((a, b) => a + b, 0);
  expect((html.match(/<figure>/g) ?? []).length).toBe(total);
  // Outside CI a missing browser skips the page half, as test/runtimes.test.ts does; with CI=true it fails.
  if (!existsSync(CHROMIUM_BIN) && !CI) {
    ctx.skip(`skipped outside CI: ${CHROMIUM_BIN} not found (apt-get install chromium); with CI=true this fails`);
    return;
  }
  const profile = mkdtempSync(join(TMP, 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BIN, headless: true, timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const errors: string[] = [];
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('request', (req) => { if (!req.url().startsWith('file:')) errors.push(`request to ${req.url()}`); });
    await page.goto(pathToFileURL(path).href);
    const sections = page.locator('section:has(figure)');
    expect(await sections.count()).toBe(perSection.length);
    expect(await sections.evaluateAll((els) => els.map((e) => e.querySelectorAll('figure > svg').length))).toEqual(perSection);
    expect(await page.locator('figure > svg').count()).toBe(total);
    const sizes = await page.locator('figure > svg').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    for (const w of sizes) expect(w).toBeGreaterThan(150);
    // Every figure drew marks (lines, bars, heatmap cells), not just axes.
    const marks = await page.locator('figure > svg').evaluateAll((els) => els.map((e) => e.querySelectorAll('path, rect').length));
    for (const m of marks) expect(m).toBeGreaterThan(5);
    expect(await page.locator('#settings').innerText()).toMatch(/seed\s+42/);
    // Formulas are MathML the browser lays out: one <math> per formula, and every fraction
    // stacks its numerator over its denominator (taller than 1.5 lines of its own text).
    const formulas = await page.locator('dl.formulas dt').count();
    expect(formulas).toBeGreaterThan(20);
    expect(await page.locator('dl.formulas dd > math').count()).toBe(formulas);
    const fractions = await page.locator('dl.formulas mfrac').evaluateAll((els) => els.map((e) =>
      e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize)));
    expect(fractions.length).toBeGreaterThan(10);
    for (const h of fractions) expect(h).toBeGreaterThan(1.5);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
