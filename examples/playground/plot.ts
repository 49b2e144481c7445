// Canvas drawing for the playground: curves with axes, bars, a decision-boundary heatmap
// and a confusion matrix. Display only: the values drawn come from the kernels; the
// pixel arithmetic here never feeds back into a result.

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'] as const;

const INK = '#1f2937';
const GRID = '#e5e7eb';
const AXIS = '#9ca3af';
const FONT = '12px system-ui, sans-serif';

/** A 2-D context sized to the canvas's CSS box at the device pixel ratio, in CSS pixels. */
function context(canvas: HTMLCanvasElement): { g: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const g = canvas.getContext('2d');
  if (g === null) throw new Error('actlab: this browser gives no 2-D canvas context');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = FONT;
  return { g, w, h };
}

/** A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

const label = (v: number, step: number): string => (Math.abs(v) < step / 2 ? '0' : Number(v.toFixed(Math.max(0, -Math.floor(Math.log10(step))))).toString());

interface Frame {
  readonly g: CanvasRenderingContext2D;
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
}

const PAD = { left: 46, right: 12, top: 12, bottom: 28 };

/** Grid, ticks and the zero axes for [x0, x1] x [y0, y1]; returns the data-to-pixel maps. */
function axes(canvas: HTMLCanvasElement, x0: number, x1: number, y0: number, y1: number): Frame {
  const { g, w, h } = context(canvas);
  const pw = w - PAD.left - PAD.right, ph = h - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + ((v - x0) / (x1 - x0)) * pw;
  const y = (v: number) => PAD.top + (1 - (v - y0) / (y1 - y0)) * ph;
  const sx = tickStep(x1 - x0, 8), sy = tickStep(y1 - y0, 6);
  g.lineWidth = 1;
  g.fillStyle = '#6b7280';
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (let v = Math.ceil(x0 / sx) * sx; v <= x1 + 1e-9; v += sx) {
    g.strokeStyle = GRID;
    g.beginPath(); g.moveTo(x(v), PAD.top); g.lineTo(x(v), PAD.top + ph); g.stroke();
    g.fillText(label(v, sx), x(v), PAD.top + ph + 6);
  }
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let v = Math.ceil(y0 / sy) * sy; v <= y1 + 1e-9; v += sy) {
    g.strokeStyle = GRID;
    g.beginPath(); g.moveTo(PAD.left, y(v)); g.lineTo(PAD.left + pw, y(v)); g.stroke();
    g.fillText(label(v, sy), PAD.left - 6, y(v));
  }
  g.strokeStyle = AXIS;
  if (x0 < 0 && x1 > 0) { g.beginPath(); g.moveTo(x(0), PAD.top); g.lineTo(x(0), PAD.top + ph); g.stroke(); }
  if (y0 < 0 && y1 > 0) { g.beginPath(); g.moveTo(PAD.left, y(0)); g.lineTo(PAD.left + pw, y(0)); g.stroke(); }
  g.strokeRect(PAD.left, PAD.top, pw, ph);
  return { g, x, y };
}

export interface Curve {
  readonly label: string;
  readonly color: string;
  readonly ys: Float32Array;
  /** Dashed (the derivative). */
  readonly dashed?: boolean;
}

/** The y range that shows the curves: their finite extent, limited to [-limit, limit], padded a little. */
function yRange(curves: readonly Curve[], limit: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const c of curves) {
    for (const v of c.ys) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) return [-1, 1];
  lo = Math.max(lo, -limit);
  hi = Math.min(hi, limit);
  const pad = Math.max(0.1, (hi - lo) * 0.08);
  return [lo - pad, hi + pad];
}

/** Curves over the shared xs, with a legend; values outside the view are clipped, non-finite ones break the line. */
export function drawCurves(canvas: HTMLCanvasElement, xs: Float32Array, curves: readonly Curve[], yLimit: number): void {
  const x0 = xs[0], x1 = xs[xs.length - 1];
  const [y0, y1] = yRange(curves, yLimit);
  const { g, x, y } = axes(canvas, x0, x1, y0, y1);
  g.save();
  g.beginPath();
  g.rect(PAD.left, PAD.top, x(x1) - PAD.left, y(y0) - PAD.top);
  g.clip();
  g.lineWidth = 2;
  g.lineJoin = 'round';
  for (const c of curves) {
    g.strokeStyle = c.color;
    g.setLineDash(c.dashed ? [6, 4] : []);
    g.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const v = c.ys[i];
      if (!Number.isFinite(v)) { pen = false; continue; }
      const py = y(Math.min(Math.max(v, y0 - (y1 - y0)), y1 + (y1 - y0)));
      if (pen) g.lineTo(x(xs[i]), py); else g.moveTo(x(xs[i]), py);
      pen = true;
    }
    g.stroke();
  }
  g.restore();
  g.setLineDash([]);
  legend(g, curves.map((c) => ({ label: c.label, color: c.color, dashed: c.dashed ?? false })));
}

function legend(g: CanvasRenderingContext2D, items: readonly { label: string; color: string; dashed: boolean }[]): void {
  const lineH = 17;
  const width = Math.max(...items.map((i) => g.measureText(i.label).width), 0) + 40;
  const x = PAD.left + 10, y = PAD.top + 10;
  g.fillStyle = 'rgba(255, 255, 255, 0.9)';
  g.strokeStyle = GRID;
  g.fillRect(x, y, width, items.length * lineH + 8);
  g.strokeRect(x, y, width, items.length * lineH + 8);
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  items.forEach((item, i) => {
    const cy = y + 4 + lineH * i + lineH / 2;
    g.strokeStyle = item.color;
    g.lineWidth = 2;
    g.setLineDash(item.dashed ? [5, 3] : []);
    g.beginPath(); g.moveTo(x + 8, cy); g.lineTo(x + 28, cy); g.stroke();
    g.setLineDash([]);
    g.fillStyle = INK;
    g.fillText(item.label, x + 34, cy);
  });
}

/** Probabilities as labelled bars on [0, 1]. */
export function drawBars(canvas: HTMLCanvasElement, values: Float32Array, labels: readonly string[]): void {
  const { g, w, h } = context(canvas);
  const top = 18, bottom = 22, gap = 10;
  const bw = (w - gap * (values.length + 1)) / Math.max(1, values.length);
  const ph = h - top - bottom;
  g.textAlign = 'center';
  values.forEach((v, i) => {
    const bx = gap + i * (bw + gap);
    const bh = Math.max(0, Math.min(1, v)) * ph;
    g.fillStyle = PALETTE[i % PALETTE.length];
    g.fillRect(bx, top + ph - bh, bw, bh);
    g.fillStyle = INK;
    g.textBaseline = 'bottom';
    g.fillText(v.toFixed(3), bx + bw / 2, top + ph - bh - 2);
    g.textBaseline = 'top';
    g.fillStyle = '#6b7280';
    g.fillText(labels[i] ?? '', bx + bw / 2, top + ph + 5);
  });
  g.strokeStyle = AXIS;
  g.beginPath(); g.moveTo(0, top + ph + 0.5); g.lineTo(w, top + ph + 0.5); g.stroke();
}

/** A point of a per-epoch series: the step (batch count) at which the epoch ended, and its value. */
export interface EpochPoint {
  readonly step: number;
  readonly value: number;
}

/**
 * A history per training step as a thin line, with the per-epoch means (if any) as dots
 * joined by a thicker line, and the latest batch value in the corner.
 */
export function drawHistory(canvas: HTMLCanvasElement, values: readonly number[], color: string, title: string,
  range?: [number, number], epochs: readonly EpochPoint[] = []): void {
  canvas.dataset.points = String(values.length);
  if (values.length === 0) {
    placeholder(canvas, `${title} per training step appears here`);
    return;
  }
  const n = Math.max(values.length, 2);
  const finite = values.filter(Number.isFinite);
  const [y0, y1] = range ?? [0, Math.max(1e-3, ...finite) * 1.05];
  const { g, x, y } = axes(canvas, 1, n, y0, y1);
  g.save();
  g.strokeStyle = color;
  g.globalAlpha = epochs.length > 0 ? 0.35 : 1;
  g.lineWidth = 1.2;
  g.beginPath();
  values.forEach((v, i) => (i === 0 ? g.moveTo(x(i + 1), y(v)) : g.lineTo(x(i + 1), y(v))));
  g.stroke();
  g.restore();
  if (epochs.length > 0) {
    g.strokeStyle = color;
    g.fillStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    epochs.forEach((e, i) => (i === 0 ? g.moveTo(x(e.step), y(e.value)) : g.lineTo(x(e.step), y(e.value))));
    g.stroke();
    // Dots only while they stay apart; hundreds of epochs read better as the line alone.
    if (epochs.length <= 60) {
      for (const e of epochs) {
        g.beginPath();
        g.arc(x(e.step), y(e.value), 3, 0, 2 * Math.PI);
        g.fill();
      }
    }
  }
  const last = values.at(-1);
  const text = `${title}${last === undefined ? '' : ` ${last.toFixed(3)}`}`;
  g.font = `600 ${FONT}`;
  g.textAlign = 'right';
  g.textBaseline = 'top';
  const tw = g.measureText(text).width;
  g.fillStyle = 'rgba(255, 255, 255, 0.85)';
  g.fillRect(x(n) - tw - 12, PAD.top + 3, tw + 8, 18);
  g.fillStyle = INK;
  g.fillText(text, x(n) - 8, PAD.top + 6);
}

/** P(class 1) on a grid as a smoothly scaled two-colour heatmap, with the points on top. */
export function drawBoundary(canvas: HTMLCanvasElement, size: number, extent: number, p1: Float32Array,
  points: Float32Array, labels: Int32Array): void {
  const { g, w, h } = context(canvas);
  const side = Math.min(w, h);
  const blue = [37, 99, 235], red = [220, 38, 38];
  const image = new ImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const p = p1[i];
    const tint = p > 0.5 ? red : blue;
    const k = Math.abs(p - 0.5) * 2 * 0.5;
    for (let c = 0; c < 3; c++) image.data[4 * i + c] = Math.round(255 + (tint[c] - 255) * k);
    image.data[4 * i + 3] = 255;
  }
  // One pixel per grid cell, scaled up with smoothing: a soft boundary instead of blocks.
  const cells = document.createElement('canvas');
  cells.width = size;
  cells.height = size;
  cells.getContext('2d')?.putImageData(image, 0, 0);
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = 'high';
  g.drawImage(cells, 0, 0, side, side);
  const px = (v: number) => ((v + extent) / (2 * extent)) * side;
  g.lineWidth = 0.8;
  g.strokeStyle = '#fff';
  for (let i = 0; i < labels.length; i++) {
    g.fillStyle = labels[i] === 1 ? '#b91c1c' : '#1d4ed8';
    g.beginPath();
    g.arc(px(points[2 * i]), px(-points[2 * i + 1]), 2.6, 0, 2 * Math.PI);
    g.fill();
    g.stroke();
  }
}

/** Counts as a grid: rows are the true class, columns the predicted one. */
export function drawConfusion(canvas: HTMLCanvasElement, classes: number, matrix: Int32Array): void {
  const { g, w, h } = context(canvas);
  const pad = 22;
  const cell = (Math.min(w, h) - pad) / classes;
  const max = Math.max(1, ...matrix);
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  for (let t = 0; t < classes; t++) {
    g.fillStyle = '#6b7280';
    g.fillText(String(t), pad / 2, pad + (t + 0.5) * cell);
    g.fillText(String(t), pad + (t + 0.5) * cell, pad / 2);
    for (let p = 0; p < classes; p++) {
      const v = matrix[t * classes + p];
      const a = v / max;
      g.fillStyle = t === p ? `rgba(22, 163, 74, ${0.1 + 0.9 * a})` : `rgba(220, 38, 38, ${v === 0 ? 0.03 : 0.15 + 0.85 * a})`;
      g.fillRect(pad + p * cell + 1, pad + t * cell + 1, cell - 2, cell - 2);
      if (v > 0) {
        g.fillStyle = a > 0.5 ? '#fff' : INK;
        g.fillText(String(v), pad + (p + 0.5) * cell, pad + (t + 0.5) * cell);
      }
    }
  }
}

/** FNV-1a over the bit patterns of the plotted values: a test can tell that a redraw changed them. */
export function checksum(arrays: readonly Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** A blank canvas with a centred line of grey text (nothing to draw yet). */
export function placeholder(canvas: HTMLCanvasElement, text: string): void {
  const { g, w, h } = context(canvas);
  g.fillStyle = '#9ca3af';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText(text, w / 2, h / 2);
}
