// actlab/node (files: saveModel / loadModel, modelCheckpoint, loadCheckpoint) promises Node,
// Deno and Bun. The built entry runs one probe in each, as a user of that runtime would:
// fit with metrics and validation data, modelCheckpoint with saveBestOnly and with {epoch:03d},
// loadCheckpoint and the resume check (another batch size refused, the same one resumed),
// saveModel and loadModel of a compiled model. Every runtime must print Node's report, and
// a model saved (or a checkpoint written) by each runtime must load in each other one,
// compiled, with the same metrics and the same evaluate.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { ROOT, binPath, cleanEnv, runCommand } from './runtimes/runners.js';

const RUNTIMES = ['node', 'deno', 'bun'] as const;
type Runtime = (typeof RUNTIMES)[number];

/** Mode 'train' <dir>: trains, checkpoints and saves into dir; mode 'load' <dir>: loads what another runtime wrote there. */
const probe = (dist: string): string => `
import { init, sequential, layers, tensor, adam } from ${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)};
import { modelCheckpoint, loadCheckpoint, saveModel, loadModel } from ${JSON.stringify(pathToFileURL(join(dist, 'node', 'index.js')).href)};
const [mode, dir] = globalThis.Deno?.args ?? process.argv.slice(2);
await init();
const x = tensor(Float32Array.from({ length: 64 }, (_, i) => ((i * 37) % 17) / 17), [32, 2]);
const y = tensor(Float32Array.from({ length: 32 }, (_, i) => (i % 3 === 0 ? 1 : 0)), [32, 1]);
const out = {};
if (mode === 'train') {
  const m = sequential({ seed: 3, name: 'probe_模型', layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'mae', 'binaryCrossentropy'] });
  const h = await m.fit(x, y, { epochs: 4, batchSize: 8, seed: 9, validationData: [x, y], verbose: 0, callbacks: [
    modelCheckpoint({ dir: dir + '/best', saveBestOnly: true, monitor: 'val_recall' }),
    modelCheckpoint({ dir: dir + '/epochs/e{epoch:03d}' }),
  ] });
  out.history = h.history;
  const e2 = await loadCheckpoint(dir + '/epochs/e002');
  out.e2 = { initialEpoch: e2.initialEpoch, history: e2.history };
  try {
    await e2.model.fit(x, y, { epochs: 4, batchSize: 16, seed: 9, initialEpoch: e2.initialEpoch, verbose: 0 });
    out.otherBatch = 'resumed';
  } catch (e) {
    out.otherBatch = e.message;
  }
  out.resumed = (await e2.model.fit(x, y, { epochs: 4, batchSize: 8, seed: 9, initialEpoch: e2.initialEpoch, validationData: [x, y], verbose: 0 })).history;
  out.resumedWeights = e2.model.weights.map((w) => Array.from(w.tensor.dataSync()));
  out.weights = m.weights.map((w) => Array.from(w.tensor.dataSync()));
  await saveModel(m, dir + '/saved');
  out.summary = m.summary(false);
}
const best = await loadCheckpoint(dir + '/best');
out.best = { initialEpoch: best.initialEpoch, history: best.history, metrics: best.model.metricsNames, evaluate: best.model.evaluate(x, y) };
const loaded = await loadModel(dir + '/saved');
out.loaded = { compiled: loaded.isCompiled, metrics: loaded.metricsNames, evaluate: loaded.evaluate(x, y), summary: loaded.summary(false) };
console.log(JSON.stringify(out));
`;

// Deno reads and writes the probe's own directory only, as the README promises: importing
// dist/ needs no read permission, so a read of anything else (the package's own files
// included) fails the run.
const COMMAND: Record<Runtime, (dir: string) => [string, string[]]> = {
  node: () => [process.execPath, ['probe.mjs']],
  deno: (dir) => [binPath('deno'), ['run', '--no-prompt', '--no-config', '--no-lock', '--no-remote', '--no-npm', '--quiet',
    `--allow-read=${dir}`, `--allow-write=${dir}`, 'probe.mjs']],
  bun: () => [binPath('bun'), ['run', '--no-install', 'probe.mjs']],
};

let home = '';

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-needed'], { cwd: ROOT, stdio: 'inherit', timeout: 110_000 });
  home = mkdtempSync(join(tmpdir(), 'actlab-node-entry-'));
  writeFileSync(join(home, 'probe.mjs'), probe(join(ROOT, 'dist')));
}, 120_000);

afterAll(() => { if (home !== '') rmSync(home, { recursive: true, force: true }); });

async function run(runtime: Runtime, mode: 'train' | 'load', dir: string): Promise<Record<string, unknown>> {
  const [cmd, args] = COMMAND[runtime](home);
  const out = await runCommand(cmd, [...args, mode, dir], cleanEnv(home), home, 60_000);
  expect(out.stderr, `${runtime} ${mode}`).toBe('');
  expect(out.code, `${runtime} ${mode}: ${out.stdout.slice(-1000)}`).toBe(0);
  return JSON.parse(out.stdout);
}

describe('actlab/node in Node, Deno and Bun', () => {
  it('fit, checkpoints (saveBestOnly, {epoch}, the resume check) and save/load give Node\'s report in each', async () => {
    const reports = await Promise.all(RUNTIMES.map((r) => run(r, 'train', join(home, r))));
    const [node] = reports;
    expect(String(node.otherBatch)).toMatch(/^actlab: fit: this model was restored from a checkpoint after epoch 2/);
    expect(node.loaded).toMatchObject({ compiled: true, metrics: ['loss', 'precision', 'recall', 'mae', 'binaryCrossentropy'] });
    expect(node.best).toMatchObject({ metrics: ['loss', 'precision', 'recall', 'mae', 'binaryCrossentropy'] });
    RUNTIMES.forEach((r, i) => expect(reports[i], r).toEqual(node));
  }, 120_000);

  it('a model and a checkpoint written by one runtime load in the next, compiled, with the same numbers', async () => {
    const want = await run('node', 'load', join(home, 'node'));
    const loads = await Promise.all(RUNTIMES.map((r, i) => run(r, 'load', join(home, RUNTIMES[(i + 1) % RUNTIMES.length]))));
    RUNTIMES.forEach((r, i) => expect(loads[i], `${r} loading ${RUNTIMES[(i + 1) % RUNTIMES.length]}'s files`).toEqual(want));
  }, 120_000);
});
