// Plain-text tables for the commands' human output.
import { displayWidth, padCells, terminalText } from '../core/text.js';

/** Formats a number for a table: fixed for ordinary magnitudes, exponent for tiny or huge ones. */
export function num(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(2) : v.toFixed(digits);
}

/** num, with 'n/a' for NaN: a statistic that the run has too few epochs to define. */
export function numOrNa(v: number, digits = 4): string {
  return Number.isNaN(v) ? 'n/a' : num(v, digits);
}

/**
 * A left-aligned first column and right-aligned others, separated by two spaces. Cells are
 * shown with control characters escaped and padded by terminal cells (core/text.ts).
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((r) => r.map(terminalText));
  const widths = header.map((_, c) => Math.max(...all.map((r) => displayWidth(r[c]))));
  const line = (r: readonly string[]): string => r.map((cell, c) => padCells(cell, widths[c], c === 0 ? 'end' : 'start')).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
