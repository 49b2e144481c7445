// Shared benchmark plumbing: wall-clock timing, medians, interleaved peers, tables.
import { cpus, loadavg } from 'node:os';

export function now(): number { return performance.now(); }

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times each contestant `reps` times, interleaved (a, b, a, b, ...) so that load changes on
 * a shared machine hit both alike; returns the median milliseconds of each.
 */
export function interleave(reps: number, fns: (() => void)[]): number[] {
  const times: number[][] = fns.map(() => []);
  for (const fn of fns) fn(); // warm-up: compile, allocate, fill caches
  for (let r = 0; r < reps; r++) {
    fns.forEach((fn, i) => {
      const t0 = now();
      fn();
      times[i].push(now() - t0);
    });
  }
  return times.map(median);
}

/** A machine line for every table: CPU, cores, load averages, Node version. */
export function machine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'}, ${c.length} cores, load ${loadavg().map((v) => v.toFixed(2)).join(' ')}, Node ${process.version}`;
}

/** Renders rows as a Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, v) => s + Math.log(v), 0) / xs.length);
}
