// The browser playground (examples/playground/) in headless Chromium: built and served the
// way `npm run playground` does it (COOP/COEP, so the page is cross-origin isolated), a
// parameter slider and the temperature slider moved with the keyboard, the redrawn curves
// checked bit for bit against the core in this process, training run in the page's worker
// (the MNIST subset for an epoch, then the spirals) with its losses, confusion matrix and
// decision boundary checked bit for bit against the same training in Node, and a
// screenshot of the finished run saved to test-output/playground.png.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activations, getActivation, init, softmax } from '../src/index.js';
import { buildPlayground } from '../examples/playground/build.js';
import { checksum } from '../examples/playground/plot.js';
import { servePlayground } from '../examples/playground/serve.js';
import type { TrainConfig } from '../examples/playground/protocol.js';
import { train } from '../examples/playground/train-worker.js';
import { MNIST_SUBSET, mnistSubset, type IdxPair } from './runtimes/mnist-subset.js';
import { CHROMIUM_BIN, ROOT, withChromium } from './runtimes/runners.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const TIMEOUT_MS = 45_000;
const SCREENSHOT = join(ROOT, 'test-output', 'playground.png');
/** The training panel after the MNIST epoch (the confusion matrix view). */
const MNIST_SCREENSHOT = join(ROOT, 'test-output', 'playground-mnist.png');
const chromiumMissing = !existsSync(CHROMIUM_BIN);
const skip = chromiumMissing && !CI ? ` (skipped outside CI: ${CHROMIUM_BIN} not found; with CI=true this fails)` : '';
/** The training fields the test leaves as the page sets them (index.html, main.ts). */
const PAGE_DEFAULTS: TrainConfig = { dataset: 'spirals', activation: 'relu', hidden: [32, 32], learningRate: 0.01, epochs: 100, batchSize: 32, seed: 42 };

let dir = '';
let server: Server | undefined;
let url = '';

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-needed'], { cwd: ROOT, stdio: 'inherit', timeout: 110_000 });
  await init();
  dir = mkdtempSync(join(tmpdir(), 'actlab-playground-'));
  await buildPlayground(dir);
  ({ server, url } = await servePlayground(dir, 0));
}, 150_000);

afterAll(async () => {
  await new Promise<void>((ok) => { server?.closeAllConnections(); server?.close(() => ok()) ?? ok(); });
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** The curves the page should show for its current sliders, as the page's checksum. */
async function expectedCurves(page: Page): Promise<string> {
  const state = await page.evaluate(() => ({
    range: Number((document.getElementById('range') as HTMLInputElement).value),
    acts: Array.from(document.querySelectorAll<HTMLElement>('#selected .act')).map((card) => ({
      name: card.dataset.activation ?? '',
      params: JSON.parse(card.dataset.params ?? '{}') as Record<string, number>,
    })),
  }));
  const n = 401;
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = -state.range + (2 * state.range * i) / (n - 1);
  // The page's names come from the DOM; getActivation checks each against the registry.
  return checksum(state.acts.flatMap((a) => {
    const { name } = getActivation(a.name);
    return [activations.apply(name, xs, a.params), activations.derivative(name, xs, a.params)];
  }));
}

const attr = (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(name);

/** Waits until the run the page started has finished (or failed, which fails the test with the page's note). */
async function waitForRun(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById('training-card')?.dataset.state !== 'training', undefined, { timeout: TIMEOUT_MS });
  const state = await attr(page, '#training-card', 'data-state');
  if (state !== 'idle') throw new Error(`actlab: training in the page ended ${state}: ${await page.locator('#train-note').textContent()}`);
}

/** The same training in this process: the epoch losses and the last view as the page records them. */
async function trainInNode(config: TrainConfig, mnist: IdxPair | undefined): Promise<{ epochLosses: string; view: string }> {
  const losses: number[] = [];
  let view = '';
  await train(config, mnist, (m) => {
    if (m.type !== 'epoch') return;
    losses.push(m.loss);
    view = m.view.kind === 'boundary' ? checksum([m.view.p1]) : m.view.matrix.join(',');
  });
  return { epochLosses: JSON.stringify(losses), view };
}

describe('playground in headless Chromium', () => {
  it.skipIf(skip !== '')(`sliders redraw the curves with the core's exact values; training in the worker matches Node; screenshot${skip}`, async () => {
    if (chromiumMissing) throw new Error(`actlab: chromium is required in CI but ${CHROMIUM_BIN} is missing (apt-get install chromium)`);
    const errors = await withChromium(url, TIMEOUT_MS, async (page, pageErrors) => {
      await page.setViewportSize({ width: 1280, height: 1000 });
      await page.waitForSelector('body[data-ready="true"]', { timeout: TIMEOUT_MS });
      expect(await page.evaluate(() => crossOriginIsolated), 'COOP/COEP make the page cross-origin isolated').toBe(true);
      expect(await attr(page, '#runtime', 'data-simd')).toBe('true');

      const curves = '#curves';
      expect(await attr(page, curves, 'data-curves')).toBe('6');
      const before = await attr(page, curves, 'data-checksum');
      expect(before).toBe(await expectedCurves(page));

      const beta = page.locator('input[data-param="swish.beta"]');
      const beta0 = await beta.inputValue();
      await beta.focus();
      for (let i = 0; i < 25; i++) await page.keyboard.press('ArrowRight');
      expect(Number(await beta.inputValue())).toBeGreaterThan(Number(beta0));
      const after = await attr(page, curves, 'data-checksum');
      expect(after, 'moving swish.beta redrew the curves').not.toBe(before);
      expect(after, 'the redrawn curves are the core\'s values, bit for bit').toBe(await expectedCurves(page));

      const temperature = page.locator('#temperature');
      const sm0 = await attr(page, '#softmax', 'data-checksum');
      await temperature.focus();
      for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
      const t = Number(await temperature.inputValue());
      expect(t).toBeLessThan(1);
      const sm1 = await attr(page, '#softmax', 'data-checksum');
      expect(sm1).not.toBe(sm0);
      expect(sm1).toBe(checksum([softmax(new Float32Array([2, 1, 0.1, -1, 3]), 5, t)]));
      // Every chart is an image with a text alternative that says what it shows now.
      expect(await page.locator('canvas:not([role="img"])').count(), 'every canvas has role=img').toBe(0);
      const p = softmax(new Float32Array([2, 1, 0.1, -1, 3]), 5, t);
      expect(await attr(page, '#softmax', 'aria-label')).toBe(`softmax at T = ${t.toFixed(2)}: z=2 gives ${p[0].toFixed(3)}, z=1 gives ${p[1].toFixed(3)}, ` +
        `z=0.1 gives ${p[2].toFixed(3)}, z=-1 gives ${p[3].toFixed(3)}, z=3 gives ${p[4].toFixed(3)}`);
      expect(await attr(page, curves, 'aria-label')).toMatch(new RegExp(`^f \\(solid\\) and f′ \\(dashed\\) for x from -5 to 5: .*swish \\(beta ${await beta.inputValue()}\\)`));
      expect(await attr(page, '#loss', 'aria-label')).toBe('loss: no training yet');

      // Training: the worker loads the kernels and enables Train.
      await page.waitForFunction(() => document.getElementById('training-card')?.dataset.available === 'true', undefined, { timeout: TIMEOUT_MS });

      // The MNIST subset for one epoch: the confusion matrix on the 400 held-out images equals Node's, count for count.
      await page.selectOption('#train-dataset', 'mnist');
      await page.fill('#train-epochs', '1');
      const mnistConfig: TrainConfig = { ...PAGE_DEFAULTS, dataset: 'mnist', learningRate: Number(await page.inputValue('#train-lr')), epochs: 1 };
      await page.locator('#train-start').click();
      await waitForRun(page);
      const node = await trainInNode(mnistConfig, mnistSubset(MNIST_SUBSET));
      expect(await attr(page, '#view', 'data-kind')).toBe('confusion');
      expect(await attr(page, '#view', 'data-checksum'), 'confusion matrix in Chromium vs Node').toBe(node.view);
      const right = node.view.split(',').map(Number).reduce((sum, v, i) => (Math.floor(i / 10) === i % 10 ? sum + v : sum), 0);
      expect(await attr(page, '#view', 'aria-label')).toBe(`confusion matrix after epoch 1: ${right} of 400 held-out images on the diagonal (classified right)`);
      expect(await attr(page, '#loss', 'aria-label')).toMatch(/^loss over 50 steps: last batch \d+\.\d{4}, epoch 1 mean \d+\.\d{4}$/);
      expect(await attr(page, '#training-card', 'data-epoch-losses'), 'epoch loss in Chromium vs Node').toBe(node.epochLosses);
      mkdirSync(join(ROOT, 'test-output'), { recursive: true });
      await page.locator('#training-card').screenshot({ path: MNIST_SCREENSHOT });

      // The spirals (the default 100 epochs): at least 3 steps with their loss shown while it trains,
      // then the finished run's losses and decision boundary equal Node's, bit for bit.
      await page.selectOption('#train-dataset', 'spirals');
      const spiralsConfig: TrainConfig = {
        ...PAGE_DEFAULTS, learningRate: Number(await page.inputValue('#train-lr')), epochs: Number(await page.inputValue('#train-epochs')),
      };
      expect(spiralsConfig.epochs).toBe(100);
      await page.locator('#train-start').click();
      await page.waitForFunction(() => Number(document.getElementById('training-card')?.dataset.steps ?? 0) >= 3, undefined, { timeout: TIMEOUT_MS });
      expect(await page.locator('#train-stats').textContent()).toMatch(/\d+\.\d{4}batch loss/);
      await waitForRun(page);
      expect(Number(await attr(page, '#loss', 'data-points'))).toBe(100 * 19);
      expect(await page.locator('#train-note').textContent()).toMatch(/^Done: 1900 steps/);
      const spirals = await trainInNode(spiralsConfig, undefined);
      expect(await attr(page, '#training-card', 'data-epoch-losses'), 'epoch losses in Chromium vs Node').toBe(spirals.epochLosses);
      expect(await attr(page, '#view', 'data-checksum'), 'decision boundary in Chromium vs Node').toBe(spirals.view);
      mkdirSync(join(ROOT, 'test-output'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      return [...pageErrors];
    });
    expect(errors).toEqual([]);
  }, 120_000);
});

/** One raw GET (the path sent as written, not normalised as fetch would): status, isolation header, body. */
function rawGet(path: string): Promise<{ status: number; coop: string | undefined; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(`${url}`, { path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => ok({ status: res.statusCode ?? 0, coop: res.headers['cross-origin-opener-policy']?.toString(), body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('playground server', () => {
  it('answers a malformed or escaping path with 400 / 404 and keeps serving', async () => {
    for (const path of ['/%', '/%E0%A4%A']) {
      expect(await rawGet(path), path).toEqual({ status: 400, coop: 'same-origin', body: 'bad request: the path is not valid percent-encoding' });
    }
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/nope.js']) {
      expect(await rawGet(path), path).toEqual({ status: 404, coop: 'same-origin', body: 'not found' });
    }
    const index = await rawGet('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<html');
  });
});
