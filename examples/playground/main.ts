// The playground page: activation curves with parameter sliders, softmax with a
// temperature, runtime facts, and the training panel driving train-worker.ts.
import { activations, init, memoryStats, plot, softmax, type Activation, type ParamSpec } from '../../src/index.js';
import { PALETTE, checksum, drawBars, drawBoundary, drawConfusion, drawCurves, drawHistory, placeholder, type Curve } from './plot.js';
import type { DatasetName, FromWorker, ToWorker, TrainConfig } from './protocol.js';

/** Byte size of the embedded kernel module, set by build.ts. */
declare const ACTLAB_WASM_BYTES: number;

const $ = <T extends HTMLElement>(id: string, type: new () => T): T => {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`actlab: the page lacks #${id}`);
  return el;
};

/** Points per curve. */
const SAMPLES = 401;
const DEFAULT_SELECTION = ['gelu', 'swish', 'elu'];

// ---- activations ------------------------------------------------------------------------

/**
 * A slider range for a parameter: its registry range where that is finite, otherwise twice
 * the default's magnitude (at least 2) either side of the default, with open ends kept open.
 */
function sliderRange(p: ParamSpec): { min: number; max: number; step: number } {
  const span = 2 * Math.max(1, Math.abs(p.default));
  let min = Math.max(p.min, p.default - span), max = Math.min(p.max, p.default + span);
  const step = Number(((max - min) / 200).toPrecision(2));
  if (p.minOpen && min === p.min) min += step;
  if (p.maxOpen && max === p.max) max -= step;
  return { min, max, step };
}

interface Selected {
  readonly row: Activation;
  readonly color: string;
  readonly params: Record<string, number>;
}

const selected: Selected[] = [];

function freeColor(): string {
  return PALETTE.find((c) => !selected.some((s) => s.color === c)) ?? PALETTE[selected.length % PALETTE.length];
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function addActivation(name: string): void {
  if (selected.some((s) => s.row.name === name) || selected.length >= PALETTE.length) return;
  const row = activations.get(name);
  const params: Record<string, number> = {};
  for (const p of row.params) params[p.name] = p.default;
  selected.push({ row, color: freeColor(), params });
  renderSelection();
  redraw();
}

function renderSelection(): void {
  const box = $('selected', HTMLDivElement);
  box.replaceChildren(...selected.map((s) => {
    const card = document.createElement('div');
    card.className = 'act';
    card.style.setProperty('--c', s.color);
    card.dataset.activation = s.row.name;
    // The values in use (a slider snaps its displayed position to its step; the default need not lie on it).
    card.dataset.params = JSON.stringify(s.params);
    const head = document.createElement('div');
    head.className = 'act-head';
    const title = document.createElement('span');
    title.textContent = s.row.name;
    const remove = document.createElement('button');
    remove.textContent = '×';
    remove.title = `remove ${s.row.name}`;
    remove.addEventListener('click', () => {
      selected.splice(selected.indexOf(s), 1);
      renderSelection();
      redraw();
    });
    head.append(title, remove);
    card.append(head);
    if (s.row.params.length === 0) {
      const none = document.createElement('span');
      none.className = 'muted';
      none.textContent = 'no parameters';
      card.append(none);
    }
    for (const p of s.row.params) {
      const r = sliderRange(p);
      const field = document.createElement('label');
      field.className = 'field';
      field.title = p.doc;
      const out = document.createElement('output');
      out.textContent = fmt(s.params[p.name]);
      const input = document.createElement('input');
      input.type = 'range';
      input.min = String(r.min);
      input.max = String(r.max);
      input.step = String(r.step);
      input.value = String(s.params[p.name]);
      input.dataset.param = `${s.row.name}.${p.name}`;
      input.addEventListener('input', () => {
        s.params[p.name] = Number(input.value);
        out.textContent = fmt(s.params[p.name]);
        card.dataset.params = JSON.stringify(s.params);
        redraw();
      });
      const name = document.createElement('span');
      name.className = 'row';
      name.append(`${p.name} = `, out);
      field.append(name, input);
      card.append(field);
    }
    return card;
  }));
  const add = $('add-activation', HTMLSelectElement);
  add.replaceChildren(new Option('choose…', ''), ...activations.list()
    .filter((a) => !selected.some((s) => s.row.name === a.name))
    .map((a) => new Option(a.params.length ? `${a.name} (${a.params.map((p) => p.name).join(', ')})` : a.name, a.name)));
}

function redraw(): void {
  const range = Number($('range', HTMLInputElement).value);
  $('range-value', HTMLOutputElement).textContent = String(range);
  const xs = new Float32Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) xs[i] = -range + (2 * range * i) / (SAMPLES - 1);
  const curves: Curve[] = [];
  const errors: string[] = [];
  for (const s of selected) {
    try {
      curves.push({ label: `${s.row.name}`, color: s.color, ys: activations.apply(s.row.name, xs, s.params) });
      curves.push({ label: `${s.row.name}′`, color: s.color, ys: activations.derivative(s.row.name, xs, s.params), dashed: true });
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  const canvas = $('curves', HTMLCanvasElement);
  drawCurves(canvas, xs, curves, Math.max(3, range * 1.2));
  canvas.dataset.checksum = checksum(curves.map((c) => c.ys));
  canvas.dataset.curves = String(curves.length);
  // The canvas's text alternative: what it draws, since a screen reader cannot see the lines.
  const named = selected.map((s) => {
    const ps = Object.entries(s.params).map(([k, v]) => `${k} ${fmt(v)}`);
    return ps.length > 0 ? `${s.row.name} (${ps.join(', ')})` : s.row.name;
  });
  canvas.setAttribute('aria-label', named.length > 0
    ? `f (solid) and f′ (dashed) for x from ${fmt(-range)} to ${fmt(range)}: ${named.join('; ')}`
    : 'no activation chosen');
  const err = $('activation-error', HTMLParagraphElement);
  err.hidden = errors.length === 0;
  err.textContent = errors.join('\n');
  const refs = $('formula', HTMLParagraphElement);
  refs.replaceChildren(...selected.map((s) => {
    const line = document.createElement('span');
    line.style.setProperty('--c', s.color);
    // The registry's formula typeset (MathML from our own LaTeX, no user text), then the paper.
    line.innerHTML = `${s.row.name}: ${plot.latexToMathML(s.row.formula)}`;
    if (s.row.paper !== undefined) line.append(` (${s.row.paper})`);
    return line;
  }));
  updateRuntime();
}

// ---- softmax ----------------------------------------------------------------------------

function redrawSoftmax(): void {
  const t = Number($('temperature', HTMLInputElement).value);
  $('temperature-value', HTMLOutputElement).textContent = t.toFixed(2);
  const err = $('softmax-error', HTMLParagraphElement);
  const parts = $('logits', HTMLInputElement).value.split(/[\s,]+/).filter((s) => s !== '');
  const logits = new Float32Array(parts.map(Number));
  const canvas = $('softmax', HTMLCanvasElement);
  if (logits.length === 0 || logits.some((v) => !Number.isFinite(v))) {
    err.hidden = false;
    err.textContent = 'actlab: logits must be numbers separated by commas or spaces';
    return;
  }
  err.hidden = true;
  const p = softmax(logits, logits.length, t);
  drawBars(canvas, p, Array.from(logits, (v) => `z=${fmt(v)}`));
  canvas.dataset.checksum = checksum([p]);
  canvas.setAttribute('aria-label', `softmax at T = ${t.toFixed(2)}: ${Array.from(logits, (v, i) => `z=${fmt(v)} gives ${p[i].toFixed(3)}`).join(', ')}`);
}

// ---- runtime ----------------------------------------------------------------------------

/** A minimal module using a v128 instruction: validates only where Wasm SIMD is supported. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

function kib(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function updateRuntime(): void {
  const m = memoryStats();
  const simd = WebAssembly.validate(SIMD_PROBE);
  const rows: [string, string, string?][] = [
    ['Runtime', navigator.userAgent],
    ['Wasm SIMD', simd ? 'yes: 128-bit SIMD, which every actlab kernel uses (the module requires it)' : 'no', simd ? 'yes' : 'no'],
    ['Kernel module', `${kib(ACTLAB_WASM_BYTES)} (embedded), ${activations.list().length} activations`],
    ['Wasm memory', kib(m.memoryBytes)],
    ['Heap in use', `${kib(m.liveBytes)} in ${m.liveBlocks} blocks (peak ${kib(m.peakBytes)})`],
    ['Cross-origin isolated', crossOriginIsolated ? 'yes: SharedArrayBuffer is available for threads' : 'no (serve with COOP/COEP)',
      crossOriginIsolated ? 'yes' : 'no'],
    ['CPU threads', String(navigator.hardwareConcurrency)],
    ['Kernel threads', trainingThreads],
  ];
  const dl = $('runtime', HTMLElement);
  dl.replaceChildren(...rows.flatMap(([k, v, cls]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    if (cls !== undefined) dd.className = cls;
    return [dt, dd];
  }));
  dl.dataset.simd = String(simd);
}

// ---- training ---------------------------------------------------------------------------

/** Per-step figures as fit reported them, and the epoch means at the step each epoch ended. */
interface History {
  loss: number[];
  accuracy: number[];
  epochs: { step: number; loss: number; accuracy: number }[];
}

/** Epochs and learning rate that suit each data set (the spirals need many short epochs). */
const DATASET_DEFAULTS: Readonly<Record<DatasetName, { epochs: number; learningRate: number }>> = {
  spirals: { epochs: 100, learningRate: 0.01 },
  mnist: { epochs: 5, learningRate: 0.003 },
};

let worker: Worker | undefined;
/** What the training worker's init() reported (threadInfo()), shown in the runtime card. */
let trainingThreads = 'training runs in a worker; its thread count shows once a run starts';
let history: History = { loss: [], accuracy: [], epochs: [] };
let startedAt = 0;
let drawPending = false;
let mnistAssets: Promise<{ images: Uint8Array; labels: Uint8Array }> | undefined;

function setNote(text: string, failed = false): void {
  const note = $('train-note', HTMLParagraphElement);
  note.textContent = text;
  note.classList.toggle('unavailable', failed);
}

function loadMnist(): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const get = async (name: string) => {
    const res = await fetch(`assets/${name}`);
    if (!res.ok) throw new Error(`actlab: cannot load assets/${name}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  mnistAssets ??= Promise.all([get('mnist-train-2000-images.idx'), get('mnist-train-2000-labels.idx')])
    .then(([images, labels]) => ({ images, labels }));
  return mnistAssets;
}

function drawTraining(): void {
  const epochs = (key: 'loss' | 'accuracy') => history.epochs.map((e) => ({ step: e.step, value: e[key] }));
  drawHistory($('loss', HTMLCanvasElement), history.loss, PALETTE[1], 'loss', undefined, epochs('loss'));
  drawHistory($('accuracy', HTMLCanvasElement), history.accuracy, PALETTE[2], 'accuracy', [0, 1], epochs('accuracy'));
  const stats = $('train-stats', HTMLElement);
  const step = history.loss.length;
  const last = history.epochs.at(-1);
  stats.dataset.steps = String(step);
  const told = (what: string, batch: string, epoch: string): string => step === 0 ? `${what}: no training yet`
    : `${what} over ${step} steps: last batch ${batch}${last ? `, epoch ${history.epochs.length} mean ${epoch}` : ''}`;
  $('loss', HTMLCanvasElement).setAttribute('aria-label', told('loss', step ? history.loss[step - 1].toFixed(4) : '', last ? last.loss.toFixed(4) : ''));
  $('accuracy', HTMLCanvasElement).setAttribute('aria-label', told('accuracy', step ? `${(history.accuracy[step - 1] * 100).toFixed(1)}%` : '',
    last ? `${(last.accuracy * 100).toFixed(1)}%` : ''));
  stats.replaceChildren(...[
    ['step', String(step)],
    ['batch loss', step ? history.loss[step - 1].toFixed(4) : '–'],
    ['batch accuracy', step ? `${(history.accuracy[step - 1] * 100).toFixed(1)}%` : '–'],
    ['epoch', last ? String(history.epochs.length) : '–'],
    ['epoch loss', last ? last.loss.toFixed(4) : '–'],
    ['epoch accuracy', last ? `${(last.accuracy * 100).toFixed(1)}%` : '–'],
  ].map(([k, v]) => {
    const cell = document.createElement('div');
    const b = document.createElement('b');
    b.textContent = v;
    cell.append(b, k);
    return cell;
  }));
}

/** Redraws the charts once per frame however many batches arrived (a step can take well under a millisecond). */
function scheduleDraw(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawTraining();
  });
}

function resetView(): void {
  const spirals = $('train-dataset', HTMLSelectElement).value === 'spirals';
  placeholder($('view', HTMLCanvasElement), spirals ? 'decision boundary after each epoch' : 'confusion matrix (400 held-out images) after each epoch');
  $('view', HTMLCanvasElement).setAttribute('aria-label', `${spirals ? 'decision boundary' : 'confusion matrix'}: no training yet`);
  $('view-title', HTMLElement).textContent = spirals ? 'Decision boundary: P(class 1) on the plane' : 'Confusion matrix: true (rows) vs predicted';
}

function readConfig(): TrainConfig {
  const dataset: DatasetName = $('train-dataset', HTMLSelectElement).value === 'mnist' ? 'mnist' : 'spirals';
  const hidden = $('train-hidden', HTMLInputElement).value.split(/[\s,]+/).filter((s) => s !== '').map(Number);
  if (hidden.length === 0 || hidden.some((u) => !Number.isInteger(u) || u < 1 || u > 1024)) {
    throw new Error('actlab: hidden units must be whole numbers in 1..1024, separated by commas');
  }
  const learningRate = Number($('train-lr', HTMLInputElement).value);
  const epochs = Number($('train-epochs', HTMLInputElement).value);
  const seed = Number($('train-seed', HTMLInputElement).value);
  if (!(learningRate > 0)) throw new Error('actlab: the learning rate must be a number > 0');
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error('actlab: epochs must be a whole number >= 1');
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error('actlab: the seed must be a whole number >= 0');
  return { dataset, activation: $('train-activation', HTMLSelectElement).value, hidden, learningRate, epochs, batchSize: 32, seed };
}

function finish(text: string, failed = false): void {
  $('train-stop', HTMLButtonElement).disabled = true;
  $('training-card', HTMLElement).dataset.state = failed ? 'failed' : 'idle';
  setNote(text, failed);
  drawTraining();
}

function startWorker(): Worker {
  const w = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
  const card = $('training-card', HTMLElement);
  w.addEventListener('message', (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    switch (m.type) {
      case 'ready':
        card.dataset.available = 'true';
        $('train-start', HTMLButtonElement).disabled = false;
        // Each run and each Stop start a new worker; its 'ready' must not hide that run's note.
        if (card.dataset.state === undefined) setNote('Ready: pick the data and the model, then Train.');
        break;
      case 'batch':
        history.loss.push(m.loss);
        history.accuracy.push(m.accuracy);
        card.dataset.steps = String(m.step);
        scheduleDraw();
        break;
      case 'epoch': {
        history.epochs.push({ step: history.loss.length, loss: m.loss, accuracy: m.accuracy });
        const epochs = Number($('train-epochs', HTMLInputElement).value);
        setNote(`training… epoch ${m.epoch + 1} of ${epochs}: loss ${m.loss.toFixed(4)}, accuracy ${(m.accuracy * 100).toFixed(1)}%`);
        const view = $('view', HTMLCanvasElement);
        if (m.view.kind === 'boundary') drawBoundary(view, m.view.size, m.view.extent, m.view.p1, m.view.points, m.view.labels);
        else drawConfusion(view, m.view.classes, m.view.matrix);
        // For the test: what the page drew, to compare bit for bit with the same training in Node.
        view.dataset.kind = m.view.kind;
        if (m.view.kind === 'boundary') {
          view.setAttribute('aria-label', `decision boundary after epoch ${m.epoch + 1}: P(class 1) over the plane, shaded, with the ${m.view.labels.length} training points`);
        } else {
          const { classes, matrix } = m.view;
          let right = 0, total = 0;
          for (let i = 0; i < matrix.length; i++) { total += matrix[i]; if (Math.floor(i / classes) === i % classes) right += matrix[i]; }
          view.setAttribute('aria-label', `confusion matrix after epoch ${m.epoch + 1}: ${right} of ${total} held-out images on the diagonal (classified right)`);
        }
        view.dataset.checksum = m.view.kind === 'boundary' ? checksum([m.view.p1]) : m.view.matrix.join(',');
        card.dataset.epochs = String(m.epoch + 1);
        card.dataset.epochLosses = JSON.stringify(history.epochs.map((e) => e.loss));
        scheduleDraw();
        break;
      }
      case 'threads':
        trainingThreads = m.reason === undefined
          ? `${m.threads} in the training worker (its pool; same bits as one thread)`
          : `${m.threads} in the training worker: ${m.reason}`;
        updateRuntime();
        break;
      case 'done': {
        const last = history.epochs.at(-1);
        finish(`Done: ${m.steps} steps in ${((performance.now() - startedAt) / 1000).toFixed(1)} s` +
          (last ? `; last epoch: loss ${last.loss.toFixed(4)}, accuracy ${(last.accuracy * 100).toFixed(1)}%.` : '.'));
        break;
      }
      case 'error':
        finish(m.message, true);
        break;
    }
  });
  w.addEventListener('error', (e) => finish(`actlab: the training worker failed: ${e.message}`, true));
  return w;
}

async function startTraining(): Promise<void> {
  const config = readConfig();
  // A fresh worker per run: Stop terminates it, which is the only way to interrupt fit().
  worker?.terminate();
  worker = startWorker();
  history = { loss: [], accuracy: [], epochs: [] };
  const card = $('training-card', HTMLElement);
  card.dataset.state = 'training';
  card.dataset.steps = '0';
  card.dataset.epochs = '0';
  drawTraining();
  resetView();
  $('train-stop', HTMLButtonElement).disabled = false;
  setNote('training…');
  const msg: ToWorker = config.dataset === 'mnist' ? { type: 'start', config, mnist: await loadMnist() } : { type: 'start', config };
  startedAt = performance.now();
  worker.postMessage(msg);
}

function setupTraining(): void {
  const act = $('train-activation', HTMLSelectElement);
  act.replaceChildren(...activations.list().map((a) => new Option(a.name, a.name, a.name === 'relu', a.name === 'relu')));
  $('train-start', HTMLButtonElement).addEventListener('click', () => {
    startTraining().catch((e: unknown) => finish(e instanceof Error ? e.message : String(e), true));
  });
  $('train-stop', HTMLButtonElement).addEventListener('click', () => {
    worker?.terminate();
    worker = startWorker();
    finish(`Stopped after ${history.loss.length} steps.`);
  });
  $('train-dataset', HTMLSelectElement).addEventListener('change', (e) => {
    const sel = e.currentTarget;
    if (!(sel instanceof HTMLSelectElement)) return;
    const d = DATASET_DEFAULTS[sel.value === 'mnist' ? 'mnist' : 'spirals'];
    $('train-epochs', HTMLInputElement).value = String(d.epochs);
    $('train-lr', HTMLInputElement).value = String(d.learningRate);
    resetView();
  });
  worker = startWorker();
  drawTraining();
  resetView();
}

// ---- start ------------------------------------------------------------------------------

async function main(): Promise<void> {
  // The page's own work (curves, softmax) is far below the threads' break-even, and its
  // main thread may not block: threads are used where the work is, in the training worker.
  await init({ threads: 1 });
  for (const name of DEFAULT_SELECTION) addActivation(name);
  $('add-activation', HTMLSelectElement).addEventListener('change', (e) => {
    const sel = e.currentTarget;
    if (sel instanceof HTMLSelectElement && sel.value !== '') addActivation(sel.value);
  });
  $('range', HTMLInputElement).addEventListener('input', redraw);
  $('temperature', HTMLInputElement).addEventListener('input', redrawSoftmax);
  $('logits', HTMLInputElement).addEventListener('input', redrawSoftmax);
  addEventListener('resize', () => { redraw(); redrawSoftmax(); scheduleDraw(); });
  redrawSoftmax();
  setupTraining();
  setInterval(updateRuntime, 1000);
  document.body.dataset.ready = 'true';
}

main().catch((e: unknown) => {
  document.body.dataset.error = e instanceof Error ? e.message : String(e);
  document.body.prepend(Object.assign(document.createElement('p'), { className: 'error', textContent: document.body.dataset.error }));
});
